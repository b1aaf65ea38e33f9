"""Every DuckDB connection of a run, dbt's included, works within one memory limit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from dagster_kpi.dbt_project import dbt_vars
from dagster_kpi.defs.resources import KpiWarehouse
from dagster_kpi.paths import DBT_PROJECT_DIR
from dagster_kpi.settings import SCALARS, Settings
from tests.conftest import make_settings
from tests.test_dbt_project import run_dbt

MEMORY_LIMIT_ENV = SCALARS["memory_limit"][0]
DEFAULT_MEMORY_LIMIT = Settings.memory_limit


def setting(con: duckdb.DuckDBPyConnection) -> str:
    return con.execute("select current_setting('memory_limit')").fetchone()[0]


def test_the_default_limit_is_also_the_dbt_profiles(tmp_path: Path) -> None:
    assert DEFAULT_MEMORY_LIMIT == "3GB"
    with KpiWarehouse(landing_dir=str(tmp_path), warehouse=str(tmp_path / "w.duckdb")).connect_work() as con:
        assert setting(con) == "2.7 GiB"  # 3 GB
    profile = (DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8")
    assert f"var('kpi_memory_limit', '{DEFAULT_MEMORY_LIMIT}')" in profile


def test_the_work_connection_and_dbt_take_the_setting(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, **{MEMORY_LIMIT_ENV: "2GiB"})
    with KpiWarehouse.from_settings(settings).connect_work() as con:
        assert setting(con) == "2.0 GiB"
    shown = run_dbt(
        ["show", "--quiet", "--inline", "select current_setting('memory_limit') as m", "--output", "json",
         "--vars", json.dumps({"kpi_memory_limit": dbt_vars(settings)["kpi_memory_limit"]})],
        tmp_path / "work.duckdb",
        tmp_path,
    )  # fmt: skip
    assert json.loads(shown) == {"show": [{"m": "2.0 GiB"}]}


def test_a_limit_duckdb_refuses_is_a_one_line_usage_error(tmp_path: Path) -> None:
    (tmp_path / "landing").mkdir()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dagster_kpi.cli",
            "run",
            "--landing",
            str(tmp_path / "landing"),
            "--warehouse",
            str(tmp_path / "w.duckdb"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, MEMORY_LIMIT_ENV: "lots"},
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "kpi run: KPI_MEMORY_LIMIT='lots' is not a DuckDB memory limit (Parser Error: Memory must have a number (e.g. 1GB))"
    )
