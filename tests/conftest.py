"""Settings and fixtures shared by every test (the settings reach the `kpi` processes tests start too)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import duckdb
import pytest

from dagster_kpi.paths import DBT_PROJECT_DIR

# The generated test data starts in 2026-01; partitions from then keep each run's Dagster bookkeeping
# (one materialization per asset and month) small. Set before the definitions are imported.
FIRST_MONTH = "2026-01"
os.environ["KPI_FIRST_MONTH"] = FIRST_MONTH

# Tests that load the definitions in process parse dbt into a folder of their own worker, so that
# parallel workers never write the same manifest. (`kpi run` points dbt at its warehouse's folder.)
os.environ["DBT_TARGET_PATH"] = str(DBT_PROJECT_DIR / "target" / f"tests-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}")


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh in-memory DuckDB connection."""
    with duckdb.connect() as connection:
        yield connection
