"""Partitions start at the data's first month unless the settings name one."""

from __future__ import annotations

from datetime import datetime

import duckdb

from dagster_kpi.data_months import first_month, months_before, record_first_month
from dagster_kpi.settings import load_settings


def test_months_before():
    assert [months_before("2026-12", n) for n in (0, 11, 12, 23)] == ["2026-12", "2026-01", "2025-12", "2025-01"]


def test_the_setting_wins_then_the_recorded_data_then_a_year_back(tmp_path):
    now = datetime(2026, 12, 4, 10, 0)
    unset = load_settings(landing=tmp_path, warehouse=tmp_path / "w.duckdb", environ={}, cwd=tmp_path)
    named = load_settings(landing=tmp_path, warehouse=tmp_path / "w.duckdb", environ={"KPI_FIRST_MONTH": "2024-03"}, cwd=tmp_path)
    assert first_month(unset, now) == "2025-12"  # never loaded: 12 months before the current one
    assert record_first_month(unset.paths) is None  # no work database yet: nothing recorded
    paths = unset.paths
    paths.ensure()
    with duckdb.connect(str(paths.work_db)) as con:
        con.execute("CREATE SCHEMA raw")
        con.execute("CREATE TABLE raw.calls (offered_at TIMESTAMP)")
        con.execute("INSERT INTO raw.calls VALUES ('2025-07-31 23:59:59'), ('2026-01-02 08:00:00'), (NULL)")
        con.execute("CREATE TABLE raw.plans (period_month DATE)")  # plans may lie ahead; the earliest counts
        con.execute("INSERT INTO raw.plans VALUES ('2025-09-01'), ('2027-01-01')")
        con.execute("CREATE TABLE raw.agents (agent_id VARCHAR, hired_on DATE)")  # no event time: not counted
        con.execute("INSERT INTO raw.agents VALUES ('KF1', '2019-01-01')")
    assert record_first_month(paths) == "2025-07"
    assert (paths.work_dir / "first_data_month").read_text(encoding="utf-8") == "2025-07\n"
    assert first_month(unset, now) == "2025-07"
    assert first_month(named, now) == "2024-03"
    (paths.work_dir / "first_data_month").write_text("garbage", encoding="utf-8")
    assert first_month(unset, now) == "2025-12"
