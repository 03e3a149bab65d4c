# `make loadtest`: 1,000 generated articles through the embedded stack (2 workers) into docs/LOADTEST.md.
# LOADTEST_ARGS passes options through, e.g. make loadtest LOADTEST_ARGS="--articles 200 --workers 1".
LOADTEST_ARGS ?=

.PHONY: loadtest
loadtest: $(VENV)/.dev-installed ## Nothing lost, nothing run twice under load (~5 min) into docs/LOADTEST.md
	$(BIN)/python -m tools.loadtest $(LOADTEST_ARGS)
