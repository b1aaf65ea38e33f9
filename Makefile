PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SCALES ?= 1 5 20

.PHONY: run test test-fast lint format bench bench-encodings bench-spark install ui clean

# The spark extra runs the Spark identity test; Spark 4 needs Java 17 (installed from Debian's packages when missing).
# The report's browser test renders the page in headless Chromium, also from Debian's packages.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,spark]'
	@command -v java >/dev/null || (apt-get update -qq && apt-get install -y -qq openjdk-17-jre-headless >/dev/null) \
		|| echo "no Java: the Spark tests are skipped"
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
		|| echo "no Chromium: the report's browser tests are skipped"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@test -d data/landing || $(BIN)/kpi generate --out data/landing
	$(BIN)/kpi run --landing data/landing --warehouse data/warehouse.duckdb
	$(BIN)/kpi show --warehouse data/warehouse.duckdb

# Python: ruff (lint and format) and mypy on the package; SQL: sqlfluff on the models and dbt tests (with the macros they call,
# rendered by the dbt templater; it lints models through the project's own dbt_project/models link).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy dagster_kpi
	$(BIN)/sqlfluff lint dbt_project/models dbt_project/tests

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/sqlfluff fix dbt_project/models dbt_project/tests

# Everything, lint first: one worker per core, one test file per worker.
test: lint
	$(BIN)/python -m pytest -q -n auto --dist loadfile

# The unit and dbt-fixture tests, without the end-to-end runs (marker e2e).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --dist loadfile -m "not e2e"

bench: $(STAMP)
	$(BIN)/python -m bench.run --scales $(SCALES)

# One calls CSV of a million rows ingested as UTF-8, GBK and GB18030 (bench/results/encodings.md).
bench-encodings: $(STAMP)
	$(BIN)/python -m bench.encodings

# The same landing folder through DuckDB and a local Spark session, scale 1 and 5 (bench/results/spark.md).
SPARK_SCALES ?= 1 5
bench-spark: $(STAMP)
	$(BIN)/python -m bench.spark --scales $(SPARK_SCALES)

ui: $(STAMP)
	$(BIN)/kpi ui

clean:
	rm -rf data dbt_project/target dbt_project/logs
