# The viewer's browser tests drive Debian's chromium through chromium-driver (tests skip, saying so, without them).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: browser
browser: ## Install chromium and chromium-driver (apt) for the viewer's browser tests, unless present
	@if command -v chromium > /dev/null && command -v chromedriver > /dev/null; then \
		echo "browser: $$(chromium --version 2> /dev/null | head -n 1)"; \
	else \
		$(SUDO) apt-get install -y chromium chromium-driver \
			|| { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium chromium-driver; }; \
	fi

.PHONY: screenshots
screenshots: browser $(VENV)/.dev-installed ## Save the viewer's pages over seeds/ to docs/screenshots/ (the README shows them)
	$(BIN)/python -m tools.screenshots
