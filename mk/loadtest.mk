# `make loadtest`: 10,000 generated articles through the embedded stack (2 workers) under injected faults,
# worker kills and a moto restart, then an audit, into docs/LOADTEST.md.
# LOADTEST_ARGS passes options through, e.g. make loadtest LOADTEST_ARGS="--articles 200 --workers 1".
LOADTEST_ARGS ?=

.PHONY: loadtest
loadtest: $(VENV)/.dev-installed ## Chaos load test and audit (~1 h on 2 cores) into docs/LOADTEST.md
	$(BIN)/python -m tools.loadtest $(LOADTEST_ARGS)
