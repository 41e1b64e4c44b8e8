# Two commands matter: `make run` and `make test`. The rest are their parts.
# Installs are stamped, so a second call installs nothing unless pyproject.toml changed.
# `make run ARGS="--port 8001"` passes options to `refloop run`.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
TEST_INSTALLED := $(VENV)/.installed-test

.PHONY: run test install install-test openapi bench migrate seed serve worker clean-data

run: $(INSTALLED)
	$(VENV)/bin/refloop run $(ARGS)

test: $(TEST_INSTALLED)
	$(PY) -m pytest tests
	# Front-end tests run here, after the API suite.

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

bench: $(TEST_INSTALLED)
	@if [ -f bench/run_all.sh ]; then bash bench/run_all.sh; else echo "bench/run_all.sh is not there yet"; fi

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
