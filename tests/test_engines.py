"""The Spark engine's two crossings, without Spark: raw handed over as Parquet when it changed, marts taken back."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dagster_kpi import engines


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(tmp_path / "work.duckdb"))
    con.execute("CREATE SCHEMA raw; CREATE SCHEMA changes")
    con.execute("CREATE TABLE raw.calls AS SELECT 'c1' AS call_id, TIMESTAMP '2026-01-05 09:00:00.5' AS _loaded_at")
    con.execute("CREATE TABLE raw.plans AS SELECT DATE '2026-01-01' AS period_month, 0.0 AS planned, NULL AS _loaded_at")
    con.execute("CREATE TABLE changes.refresh_window AS SELECT '2026-01-01' AS months")
    con.execute("CREATE TABLE changes.pending (stage VARCHAR)")  # not a table dbt reads: never handed over
    return con


def landed(work: Path, relation: str) -> list[tuple]:
    schema, table = relation.split(".")
    return duckdb.sql(f"SELECT * FROM '{work / 'spark' / 'landed' / schema / table}/*.parquet' ORDER BY ALL").fetchall()


def test_raw_is_handed_over_when_it_changed_and_the_window_every_time(con, tmp_path):
    assert engines.hand_over(con, tmp_path) == ["raw.calls", "raw.plans", "changes.refresh_window"]
    assert landed(tmp_path, "raw.calls") == [("c1", duckdb.sql("SELECT TIMESTAMP '2026-01-05 09:00:00.5'").fetchall()[0][0])]
    assert engines.hand_over(con, tmp_path) == ["changes.refresh_window"]
    con.execute("INSERT INTO raw.calls VALUES ('c2', TIMESTAMP '2026-01-06 10:00:00')")
    con.execute("ALTER TABLE raw.plans ADD COLUMN actual DOUBLE")
    assert engines.hand_over(con, tmp_path) == ["raw.calls", "raw.plans", "changes.refresh_window"]
    assert [row[0] for row in landed(tmp_path, "raw.calls")] == ["c1", "c2"]
    assert len(landed(tmp_path, "raw.plans")[0]) == 4
    # A folder removed behind the run's back is written again.
    for path in (tmp_path / "spark" / "landed" / "raw" / "calls").iterdir():
        path.unlink()
    (tmp_path / "spark" / "landed" / "raw" / "calls").rmdir()
    assert engines.hand_over(con, tmp_path) == ["raw.calls", "changes.refresh_window"]


def test_marts_and_the_checked_models_are_taken_back_whole(con, tmp_path):
    warehouse = tmp_path / "spark" / "warehouse"
    for relation, rows in (("marts.db/kpi_values", "SELECT 'a' AS kpi_code, 0.5 AS value"),
                           ("marts.db/scorecards", "SELECT 1 AS n WHERE false"),
                           ("intermediate.db/int_centre_only_records", "SELECT 'calls' AS source")):  # fmt: skip
        (warehouse / relation).mkdir(parents=True)
        duckdb.sql(f"COPY ({rows}) TO '{warehouse / relation / 'part-00000.parquet'}' (FORMAT parquet)")
    con.execute("CREATE SCHEMA marts; CREATE TABLE marts.kpi_values AS SELECT 'old' AS kpi_code, 1.0 AS value")
    taken = engines.take_back(con, tmp_path)
    assert taken == ["marts.kpi_values", "marts.scorecards", "intermediate.int_centre_only_records"]
    assert con.execute("SELECT * FROM marts.kpi_values").fetchall() == [("a", 0.5)]
    assert con.execute("SELECT count(*) FROM marts.scorecards").fetchall() == [(0,)]
    assert con.execute("SELECT * FROM intermediate.int_centre_only_records").fetchall() == [("calls",)]


def test_sparks_timestamps_come_back_as_the_wall_clock_times_they_hold(con, tmp_path):
    # Spark writes its TIMESTAMP (an instant; the session runs in UTC) as Parquet "adjusted to UTC".
    folder = tmp_path / "spark" / "warehouse" / "marts.db" / "deductions"
    folder.mkdir(parents=True)
    instant = pa.array([datetime(2026, 1, 10, 9, 0, 0)], pa.timestamp("us", tz="UTC"))
    pq.write_table(pa.table({"violation_id": ["v1"], "occurred_at": instant}), folder / "part-00000.parquet")
    checked = tmp_path / "spark" / "warehouse" / "intermediate.db" / "int_centre_only_records"
    checked.mkdir(parents=True)
    pq.write_table(pa.table({"source": ["calls"]}), checked / "part-00000.parquet")
    con.execute("SET TimeZone = 'Asia/Shanghai'")  # whatever the reader's zone
    engines.take_back(con, tmp_path)
    assert con.execute("SELECT * FROM marts.deductions").fetchall() == [("v1", datetime(2026, 1, 10, 9, 0, 0))]
    assert con.execute("SELECT data_type FROM information_schema.columns WHERE column_name = 'occurred_at'").fetchall() == [
        ("TIMESTAMP",)
    ]


def test_a_missing_result_is_one_line_and_nothing_is_replaced(con, tmp_path):
    with pytest.raises(engines.EngineError, match="Spark built no marts: .*marts.db holds no table"):
        engines.take_back(con, tmp_path)
    (tmp_path / "spark" / "warehouse" / "marts.db" / "kpi_values").mkdir(parents=True)
    con.execute("CREATE SCHEMA marts; CREATE TABLE marts.kpi_values AS SELECT 'kept' AS kpi_code")
    with pytest.raises(engines.EngineError, match="Spark left no Parquet file for marts.kpi_values"):
        engines.take_back(con, tmp_path)
    assert con.execute("SELECT * FROM marts.kpi_values").fetchall() == [("kept",)]


def test_an_engine_this_installation_cannot_run_is_refused_in_one_line(monkeypatch):
    monkeypatch.setattr(engines, "has_spark", lambda: False)
    with pytest.raises(engines.EngineError, match=r"^engine spark needs dbt-spark: pip install 'dagster-kpi\[spark\]'"):
        engines.check_engine("spark")
    engines.check_engine("duckdb")
