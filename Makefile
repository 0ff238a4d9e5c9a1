# modelwatch: `make demo` and `make test` are all a fresh machine needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export MODELWATCH_DUCKDB_PATH ?= $(CURDIR)/data/modelwatch.duckdb

.PHONY: venv demo test lint format bench study clean

venv: $(STAMP)

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

demo: venv
	mkdir -p data
	$(BIN)/python scripts/run_demo.py

test: venv lint
	$(BIN)/python -m pytest -q --numprocesses auto --dist loadfile tests

lint: venv
	$(BIN)/ruff check scripts tests
	$(BIN)/ruff format --check scripts tests
	$(BIN)/sqlfluff lint --processes 0 models analyses

format: venv
	$(BIN)/ruff format scripts tests
	$(BIN)/sqlfluff fix models analyses

bench: venv
	$(BIN)/python scripts/bench.py

study: venv
	$(BIN)/python scripts/drift_study.py

clean:
	rm -rf target logs data outbox dbt_packages
