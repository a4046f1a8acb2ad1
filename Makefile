# One entry point for people and CI. Every target creates what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
WEB_STAMP := src/guiders/web/static/.build-stamp
WEB_DEPS := web/node_modules/.package-lock.json
WEB_SOURCES := web/package.json web/package-lock.json web/tsconfig.json web/vite.config.ts \
	web/vite.widget.config.ts $(shell find web/src -type f 2>/dev/null)
CHROMIUM := /usr/bin/chromium
WRK := /usr/bin/wrk

.PHONY: run test lint bench clean help api-types

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'

$(STAMP): pyproject.toml requirements/constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first, pinned to the CPU build: anything unpinned pulls a CUDA build of several GB
	$(BIN)/pip install --quiet -c requirements/constraints.txt torch==2.13.0
	$(BIN)/pip install --quiet -c requirements/constraints.txt -e '.[dev]'
	touch $(STAMP)

# The web code's dependencies, exactly as web/package-lock.json pins them
$(WEB_DEPS): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $(WEB_DEPS)

# The widget, console and dashboard (web/ -> src/guiders/web/static/, not committed)
$(WEB_STAMP): $(WEB_SOURCES) $(WEB_DEPS)
	cd web && npm run build
	touch $(WEB_STAMP)

api-types: $(STAMP) $(WEB_DEPS)  ## regenerate web/openapi.json and the web code's types (web/src/shared/api.d.ts) from the API
	$(BIN)/guiders openapi --out web/openapi.json
	cd web && npm run gen:api

# The browser tests drive Debian's chromium (never a downloaded browser). Without root the
# install fails and those tests skip with the reason (they fail under CI=true).
$(CHROMIUM):
	-apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium

# HTTP benchmarks load the servers with Debian's wrk (a Python client is slower than them)
$(WRK):
	-apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk

run: $(STAMP) $(WEB_STAMP)  ## serve the demo (API, Socket.IO, widget, console, dashboard, bot) on 127.0.0.1:8000
	$(BIN)/guiders bot prepare
	$(BIN)/guiders up

test: $(STAMP) $(WEB_STAMP) $(CHROMIUM)  ## the whole test suite (the web code's vitest, then pytest)
	cd web && npm test
	$(BIN)/python -m pytest -q

lint: $(STAMP) $(WEB_DEPS)  ## ruff, mypy, the layers (import-linter); tsc, eslint and the generated API types of the web code
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports
	cd web && npm run typecheck && npm run lint && npm run check:api

bench: $(STAMP) $(WRK) $(CHROMIUM) $(WEB_STAMP)  ## benchmarks that print figures
	$(BIN)/python benchmarks/send_message.py
	$(BIN)/python benchmarks/fanout.py
	$(BIN)/python benchmarks/idle_connections.py
	$(BIN)/python benchmarks/two_nodes.py
	$(BIN)/python benchmarks/analytics_scoring.py
	$(BIN)/python benchmarks/bot_latency.py
	$(BIN)/python benchmarks/grounded.py
	$(BIN)/python benchmarks/ingest_speed.py
	$(BIN)/python benchmarks/abuse.py
	$(BIN)/python benchmarks/bot_reply_browser.py
	$(BIN)/python benchmarks/profile_send.py

clean:  ## remove the virtualenv and local data
	rm -rf $(VENV) var
