# `make bench`: cold start, warm cost, throughput, memory, end to end, peers, query index, HTTP API and
# viewer, and cost, into docs/BENCH.md.
# BENCH_ARGS passes options through, e.g. make bench BENCH_ARGS="--quick" or BENCH_ARGS="--skip peers";
# BENCH_ARGS="--only api" redoes that section (and its targets) alone and keeps the rest of the report.
BENCH_ARGS ?=

.PHONY: bench
bench: $(VENV)/.dev-installed ## Measure speed, memory and cost (takes ~10 min) into docs/BENCH.md
	$(BIN)/python -m tools.benchmark $(BENCH_ARGS)
