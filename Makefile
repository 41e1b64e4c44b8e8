# Two commands matter: `make run` and `make test`. The rest are their parts.
# Installs are stamped, so a second call installs nothing unless pyproject.toml changed.
# `make run ARGS="--port 8001"` passes options to `refloop run`.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
TEST_INSTALLED := $(VENV)/.installed-test
BENCH_INSTALLED := $(VENV)/.installed-bench
FRONTEND := frontend
NPM_INSTALLED := $(FRONTEND)/node_modules/.installed

.PHONY: run test lint install install-test openapi bench migrate seed serve worker clean-data frontend-build frontend-test image-constraints

run: $(INSTALLED) frontend-build
	$(VENV)/bin/refloop run $(ARGS)

test: lint
	$(PY) -m pytest tests
	# Front-end tests run here, after the API suite.
	$(MAKE) frontend-test

# ruff (lint and format check) and mypy over the Python code, ESLint over the web app. `make test` runs it first.
PY_SOURCES := api domain integrations workers seed bench tests migrations deploy
lint: $(TEST_INSTALLED) $(NPM_INSTALLED)
	$(VENV)/bin/ruff check $(PY_SOURCES)
	$(VENV)/bin/ruff format --check $(PY_SOURCES)
	$(VENV)/bin/mypy
	cd $(FRONTEND) && npm run --silent lint

install: $(INSTALLED)

install-test: $(TEST_INSTALLED)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(TEST_INSTALLED): pyproject.toml $(INSTALLED)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

openapi: $(INSTALLED)
	$(PY) -m api.openapi

$(BENCH_INSTALLED): pyproject.toml $(INSTALLED)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,bench]'
	touch $@

# `make bench ARGS="--rounds 5"`: see bench/README.md (PostgreSQL, Redis and wrk; results in bench/results/).
bench: $(BENCH_INSTALLED)
	bash bench/run_all.sh $(ARGS)

# The image's exact dependency versions (deploy/constraints.txt), resolved again from pyproject.toml.
image-constraints: $(INSTALLED)
	$(PY) -m pip install --dry-run --ignore-installed --quiet --report - . | $(PY) deploy/constraints.py > deploy/constraints.txt

migrate: $(INSTALLED)
	$(VENV)/bin/refloop migrate

seed: $(INSTALLED)
	$(VENV)/bin/refloop seed --demo

serve: $(INSTALLED)
	$(VENV)/bin/refloop serve

worker: $(INSTALLED)
	$(VENV)/bin/refloop worker

# Forget the embedded servers' data (the next `make run` loads fresh demo data).
clean-data:
	rm -rf .data

# The web app: `make run` serves frontend/dist at / (rebuilt when its sources change).
FRONTEND_SOURCES := $(shell find $(FRONTEND)/src -type f 2>/dev/null) $(FRONTEND)/index.html $(FRONTEND)/vite.config.ts

$(NPM_INSTALLED): $(FRONTEND)/package-lock.json
	cd $(FRONTEND) && npm ci --no-audit --no-fund
	touch $@

$(FRONTEND)/dist/index.html: $(NPM_INSTALLED) $(FRONTEND_SOURCES)
	cd $(FRONTEND) && npm run build

frontend-build:
	@if command -v npm >/dev/null; then $(MAKE) --no-print-directory $(FRONTEND)/dist/index.html; \
	else echo "npm not found: the API runs without the web app"; fi

# Client freshness against openapi.json, types, Vitest, then end to end against the real API (e2e/run.mjs).
frontend-test: $(NPM_INSTALLED) $(TEST_INSTALLED)
	cd $(FRONTEND) && npm run --silent check:client && npm run --silent typecheck && npm test --silent && npm run --silent e2e
