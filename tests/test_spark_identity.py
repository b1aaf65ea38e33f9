"""The same dbt project on Spark publishes the marts DuckDB publishes: `kpi run --engine spark` on a local Spark session
against `kpi run` on DuckDB, over one small generated landing folder with the rows where the engines could part:
fractions of seconds between two timestamps (DuckDB counts second boundaries, Spark truncates each timestamp), a
plan of 0 (a division by zero raises in Spark's ANSI mode), sums of fractional minutes and hours (decimal literals
and the fixed-point sums). Then one month changes and Spark refreshes that month alone (`--month`): the marts equal
DuckDB's after the same change."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import pytest

from dagster_kpi.engines import has_spark
from dagster_kpi.generate import generate_landing

pytestmark = [
    pytest.mark.e2e,
    # Two full runs on a local Spark session (the fixture), beside the rest of the suite on two cores.
    pytest.mark.timeout(2700),
    pytest.mark.skipif(not has_spark() or shutil.which("java") is None, reason="needs the spark extra and Java 17"),
]

MARTS = ("call_intervals", "deductions", "kpi_catalog", "kpi_scores", "kpi_values", "pay_sheet", "rating_summary",
         "scorecards", "sla_events", "ticket_backlog")  # fmt: skip

CALLS_HEADER = (
    "call_id,direction,queue,customer_id,caller_number,agent_id,offered_at,answered_at,ended_at,talk_seconds,"
    "hold_seconds,wrap_seconds,outcome,transferred,is_valid"
)


def calls_csv(*rows: tuple[str, str, str, str, str, str, str, str, str]) -> str:
    """Inbound calls: (call_id, agent_id, offered_at, answered_at, ended_at, hold, wrap, outcome) per row."""
    lines = [CALLS_HEADER]
    for call, agent, offered, answered, ended, hold, wrap, outcome in rows:
        lines.append(f"{call},inbound,,,139-0000-0000,{agent},{offered},{answered},{ended},,{hold},{wrap},{outcome},false,true")
    return "\n".join(lines) + "\n"


EDGE_CALLS = calls_csv(
    ("EDGE-1", "KF1001", "2026-02-10 09:00:00.900", "2026-02-10 09:00:01.100", "2026-02-10 09:01:00.500", "0", "10", "answered"),
    ("EDGE-2", "KF1002", "2026-02-10 09:30:59.999", "2026-02-10 09:31:00.001", "2026-02-10 09:33:00.000", "5", "0", "answered"),
)
# The February plan of service_cost (the generator's row for that key is replaced: the later file wins) is 0.
EDGE_PLANS = """period_month,plan_code,planned,actual
2026-02,service_cost,0,1500.5
"""
# Manual ratings whose means and weighted combinations are not exact in binary (thirds, tenths, 0.7 x ...): a rater
# with several items, raters without rater_id, every rater type, a quarter over rater-months, an agent off the roster.
EDGE_RATINGS = """rating_id,period_month,agent_id,rater_type,rater_id,item,score
EDGE-R01,2026-01,KF1001,supervisor,KF2001,工作态度,87.3
EDGE-R02,2026-01,KF1001,supervisor,KF2001,工作纪律,91.1
EDGE-R03,2026-01,KF1001,supervisor,KF2002,工作态度,66.7
EDGE-R04,2026-01,KF1001,manager,,工作态度,79.9
EDGE-R05,2026-01,KF1001,self,KF1001,工作态度,95
EDGE-R06,2026-01,KF1002,peer,,工作态度,70.1
EDGE-R07,2026-01,KF1002,peer,,工作态度,80.2
EDGE-R08,2026-01,KF1002,supervisor,,工作态度,83.3
EDGE-R09,2026-02,KF1001,supervisor,KF2001,工作态度,72.2
EDGE-R10,2026-02,KF1001,manager,KF3001,工作态度,88.8
EDGE-R11,2026-02,KF1003,supervisor,KF2001,工作态度,100
EDGE-R12,2026-02,KF1003,manager,KF3001,工作态度,33.3
EDGE-R13,2026-03,KF9999,supervisor,KF2001,工作态度,61.7
"""
# One more day of calls in March: the change a refresh of 2026-03 picks up.
MORE_CALLS = calls_csv(
    ("MORE-1", "KF1003", "2026-03-20 10:00:00", "2026-03-20 10:00:12", "2026-03-20 10:04:00", "0", "30", "answered"),
    ("MORE-2", "KF1004", "2026-03-20 10:05:00", "", "2026-03-20 10:05:40", "", "", "abandoned"),
    ("MORE-3", "KF1003", "2026-03-20 11:00:00", "2026-03-20 11:00:03", "2026-03-20 11:10:00.750", "20", "15", "answered"),
)


# Both engines judge the SLA statuses and end the ticket backlog at one as-of time, whenever each run starts.
AS_OF = "2026-04-01T00:00:00"


def kpi_run(landing: Path, warehouse: Path, *more: str) -> subprocess.CompletedProcess[str]:
    """`kpi run`, its output in files (a Spark session's JVM may keep a pipe open a moment after dbt ends)."""
    command = [sys.executable, "-m", "dagster_kpi.cli", "run", "--landing", str(landing), "--warehouse", str(warehouse),
               "--var", f"as_of={AS_OF}", *more]  # fmt: skip
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        returncode = subprocess.run(command, stdout=out, stderr=err, text=True, timeout=1500, check=False).returncode
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(command, returncode, out.read(), err.read())


def marts(warehouse: Path) -> dict[str, tuple[list[tuple[str, str]], list[tuple]]]:
    """Each published mart: its columns with their types, and its rows sorted."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        found = {}
        for table in MARTS:
            columns = [(r[0], r[1]) for r in con.execute(f"DESCRIBE marts.{table}").fetchall()]
            found[table] = (columns, con.execute(f"SELECT * FROM marts.{table} ORDER BY ALL").fetchall())
        return found


def served(warehouse: Path, table: str) -> list[tuple]:
    current = warehouse.with_name(warehouse.stem + ".serving") / "current" / f"{table}.parquet"
    return duckdb.sql(f"SELECT * FROM '{current}' ORDER BY ALL").fetchall()


def differences(duck: dict, spark: dict) -> list[str]:
    """Every mart, column, type and value equal (floats to the last bit); else what differs, briefly."""
    found = []
    for table in MARTS:
        (duck_columns, duck_rows), (spark_columns, spark_rows) = duck[table], spark[table]
        if duck_columns != spark_columns:
            found.append(f"{table} columns: {duck_columns} != {spark_columns}")
        elif duck_rows != spark_rows:
            only_duck, only_spark = set(duck_rows) - set(spark_rows), set(spark_rows) - set(duck_rows)
            found.append(f"{table}: {len(only_duck)} rows only on DuckDB, e.g. {sorted(only_duck)[:2]}; "
                         f"{len(only_spark)} only on Spark, e.g. {sorted(only_spark)[:2]}")  # fmt: skip
    return found


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("spark") / "landing"
    generate_landing(folder, months=3, agents=8, scale=0.01, seed=23, start="2026-01")
    (folder / "calls" / "zz_edge_fractions.csv").write_text(EDGE_CALLS, encoding="utf-8")
    (folder / "plans" / "zz_edge_zero_plan.csv").write_text(EDGE_PLANS, encoding="utf-8")
    (folder / "ratings").mkdir(exist_ok=True)
    (folder / "ratings" / "zz_edge_ratings.csv").write_text(EDGE_RATINGS, encoding="utf-8")
    return folder


def test_spark_publishes_the_marts_duckdb_publishes_and_refreshes_a_month_alike(landing, tmp_path):
    duck_warehouse, spark_warehouse = tmp_path / "duck" / "warehouse.duckdb", tmp_path / "spark" / "warehouse.duckdb"
    done = kpi_run(landing, duck_warehouse)
    assert done.returncode == 0, done.stderr[-3000:]
    done = kpi_run(landing, spark_warehouse, "--engine", "spark")
    assert done.returncode == 0, done.stderr[-3000:]
    duck, spark = marts(duck_warehouse), marts(spark_warehouse)
    assert differences(duck, spark) == []
    assert served(spark_warehouse, "kpi_values") == spark["kpi_values"][1]

    # The rows where the engines could part reached Spark (fractions of seconds kept in raw), and the zero plan
    # (raw: planned 0, actual 1500.5) published a ratio without a value rather than an error.
    with duckdb.connect(str(spark_warehouse.with_name("warehouse.work") / "work.duckdb"), read_only=True) as con:
        edge = con.execute("SELECT call_id, answered_at FROM raw.calls WHERE call_id LIKE 'EDGE-%' ORDER BY 1").fetchall()
    assert [(call, str(at)) for call, at in edge] == [("EDGE-1", "2026-02-10 09:00:01.100000"),
                                                      ("EDGE-2", "2026-02-10 09:31:00.001000")]  # fmt: skip
    with duckdb.connect(str(spark_warehouse), read_only=True) as con:
        plan = con.execute(
            "SELECT numerator, denominator, value FROM marts.kpi_values WHERE kpi_code = 'service_cost_budget_rate' "
            "AND period_grain = 'month' AND period_start = DATE '2026-02-01' AND level = 'center'"
        ).fetchall()
    assert plan == [(0.0, 0.0, None)]  # a denominator of 0 publishes 0 over 0 and no value, on Spark without an error
    # The edge ratings reached the mart beside the generated ones (KF9999, off the roster, too).
    rated = {(str(row[0]), row[1]) for row in spark["rating_summary"][1]}
    assert {("2026-01-01", "KF1001"), ("2026-01-01", "KF1002"), ("2026-02-01", "KF1003"), ("2026-03-01", "KF9999")} <= rated

    # One more day of calls in March: DuckDB's run picks the change up by itself; Spark refreshes March alone.
    (landing / "calls" / "zz_more_march.csv").write_text(MORE_CALLS, encoding="utf-8")
    done = kpi_run(landing, duck_warehouse)
    assert done.returncode == 0, done.stderr[-3000:]
    done = kpi_run(landing, spark_warehouse, "--engine", "spark", "--month", "2026-03")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "refreshed 2026-03" in done.stdout
    duck_after, spark_after = marts(duck_warehouse), marts(spark_warehouse)
    assert duck_after["kpi_values"] != duck["kpi_values"]  # the change reached the marts
    assert differences(duck_after, spark_after) == []
