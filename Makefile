# The two commands of the README. Both build a project-local .venv with clearcrawl installed
# (editable) and then run. PYTHON may point at another Python >= 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pywb (replay tests) pins old Werkzeug/cryptography/redis and ships brotlipy, which shadows the
# brotli module Scrapy decodes `br` with: it gets its own venv, used only as an external tool.
REPLAY_VENV := .venv-replay
REPLAY_STAMP := $(REPLAY_VENV)/.installed

.PHONY: demo test lint bench clean system-deps

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

$(REPLAY_STAMP):
	@test -x $(REPLAY_VENV)/bin/python || $(PYTHON) -m venv $(REPLAY_VENV)
	$(REPLAY_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(REPLAY_VENV)/bin/python -m pip install --quiet "pywb==2.10.0" "wacz==0.6.0"
	@touch $(REPLAY_STAMP)

demo: $(STAMP)
	$(BIN)/clearcrawl demo

# Real redis-server, Chromium and wget for the tests: installed from Debian's packages if missing.
system-deps:
	@bash .ci/system-deps.sh

test: system-deps $(STAMP) $(REPLAY_STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) $(REPLAY_VENV) clearcrawl-demo .pytest_cache
