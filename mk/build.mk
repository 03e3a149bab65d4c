# Build and template checks for the Lambda stack, included by the top-level Makefile.
# The tools live in their own venvs (.venv-tools/): aws-sam-cli and checkov pin clashing boto3 versions.

BUILD_PYTHON ?= python3
TOOLS_DIR := .venv-tools
SAM := $(TOOLS_DIR)/sam/bin/sam
CFN_LINT := $(TOOLS_DIR)/sam/bin/cfn-lint
CHECKOV := $(TOOLS_DIR)/checkov/bin/checkov
SAM_BUILD_LOG := .aws-sam/sam-build.log
export SAM_CLI_TELEMETRY := 0

.PHONY: build check-size validate pins

$(TOOLS_DIR)/%/.installed: mk/tools-%.txt
	@echo "installing $* tools into $(TOOLS_DIR)/$*"
	@rm -rf $(TOOLS_DIR)/$*
	@$(BUILD_PYTHON) -m venv $(TOOLS_DIR)/$*
	@$(TOOLS_DIR)/$*/bin/pip install -qq -r $<
	@touch $@

pins: ## Regenerate the layer and function requirements from the exact pins in pyproject.toml
	@$(BUILD_PYTHON) mk/pins.py

build: $(TOOLS_DIR)/sam/.installed ## sam build (no Docker): function and layers into .aws-sam/build
	@$(BUILD_PYTHON) mk/pins.py --check
	@mkdir -p .aws-sam
	@start=$$(date +%s); \
	if $(SAM) build --template-file template.yaml --parallel > $(SAM_BUILD_LOG) 2>&1; then \
		echo "sam build: ok in $$(( $$(date +%s) - start )) s (log: $(SAM_BUILD_LOG))"; \
	else \
		tail -n 30 $(SAM_BUILD_LOG); echo "sam build: FAILED (log: $(SAM_BUILD_LOG))"; exit 1; \
	fi

check-size: ## Unzipped size of function + layers for the default model; fails above 200 MB
	@$(BUILD_PYTHON) mk/check_size.py --limit-mb 200

validate: $(TOOLS_DIR)/sam/.installed $(TOOLS_DIR)/checkov/.installed ## All template checks (offline)
	@$(SAM) validate --lint --template-file template.yaml
	@$(SAM) validate --region us-east-1 --template-file template.yaml
	@$(CFN_LINT) --append-rules cfn_lint_serverless.rules -- template.yaml && echo "cfn-lint (+ serverless rules): ok"
	@$(CHECKOV) --config-file .checkov.yaml --file template.yaml --framework cloudformation --skip-download
