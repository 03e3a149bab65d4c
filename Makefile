# Précis: `make demo` and `make test` are all a fresh machine needs (Python 3.11+ with venv).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip

.DEFAULT_GOAL := help
.PHONY: help demo test lint typecheck serve clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.local-installed: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e '.[local]'
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(PIP) install --quiet -e '.[dev]'
	touch $@ $(VENV)/.local-installed

demo: $(VENV)/.local-installed ## Run the whole pipeline on the embedded stack over seeds/
	$(BIN)/precis demo

serve: $(VENV)/.local-installed ## Start the embedded stack on 127.0.0.1:4566 (Ctrl-C to stop)
	$(BIN)/precis serve

test: $(VENV)/.dev-installed lint typecheck ## Lint and type-check, then run the whole test suite
	$(BIN)/pytest

lint: $(VENV)/.dev-installed ## ruff (style, imports, commented-out code)
	$(BIN)/ruff check src tests tools functions layers mk
	$(BIN)/ruff format --check src tests tools functions layers mk

typecheck: $(VENV)/.dev-installed ## mypy over the package, the tools and the tests
	$(BIN)/mypy src tools tests

clean: ## Remove the virtual environments and build output
	rm -rf $(VENV) .venv-tools .aws-sam .pytest_cache .ruff_cache .mypy_cache

-include mk/*.mk
