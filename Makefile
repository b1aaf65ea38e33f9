PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SCALES ?= 1 5 20

.PHONY: run test bench install ui clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@test -d data/landing || $(BIN)/kpi generate --out data/landing
	$(BIN)/kpi run --landing data/landing --warehouse data/warehouse.duckdb
	$(BIN)/kpi show --warehouse data/warehouse.duckdb

test: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --dist loadfile

bench: $(STAMP)
	$(BIN)/python -m bench.run --scales $(SCALES)

ui: $(STAMP)
	$(BIN)/kpi ui

clean:
	rm -rf data dbt_project/target dbt_project/logs
