"""Settings and fixtures shared by every test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from dagster_kpi.settings import Settings, load_settings

# The generated test data starts in 2026-01; partitions from then keep each run's Dagster bookkeeping
# (one materialization per asset and month) small. The `kpi` processes tests start read it too.
FIRST_MONTH = "2026-01"
os.environ["KPI_FIRST_MONTH"] = FIRST_MONTH


def make_settings(root: Path, **environ: str) -> Settings:
    """Default settings for a warehouse under `root`, partitions from FIRST_MONTH, plus `environ` (KPI_* values)."""
    return load_settings(
        landing=root / "landing",
        warehouse=root / "warehouse.duckdb",
        environ={"KPI_FIRST_MONTH": FIRST_MONTH, **environ},
        cwd=root,
    )


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh in-memory DuckDB connection."""
    with duckdb.connect() as connection:
        yield connection
