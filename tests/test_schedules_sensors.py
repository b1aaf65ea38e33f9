"""Schedules, the landing sensor and the freshness checks, evaluated through Dagster's own APIs."""

import json
import os
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from dagster import (
    AssetCheckSeverity,
    AssetKey,
    Definitions,
    build_asset_check_context,
    build_schedule_context,
    build_sensor_context,
)

from dagster_kpi.contract import LINEAGE_COLUMNS, load_contract
from dagster_kpi.defs.freshness import build_freshness_checks, check_freshness, event_time
from dagster_kpi.defs.ingest import build_ingest_assets
from dagster_kpi.defs.partitions import monthly_partitions, run_partition_tags
from dagster_kpi.defs.resources import KpiWarehouse
from dagster_kpi.defs.schedules import build_refresh_job, build_schedules, month_to_refresh
from dagster_kpi.defs.sensors import build_landing_sensor, evaluate_landing
from dagster_kpi.ingest import ExtractError
from dagster_kpi.settings import SettingsError
from tests.conftest import FIRST_MONTH, make_settings

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR_NS = 3_600 * 10**9
PARTITIONS = monthly_partitions(FIRST_MONTH)
JOB = build_refresh_job()
SCHEDULES = build_schedules(JOB, "Asia/Shanghai")
daily_refresh, monthly_close = SCHEDULES
landing_sensor = build_landing_sensor(JOB, PARTITIONS, interval_seconds=60)


# --- schedules --------------------------------------------------------------------------------


def run_request(schedule, at: datetime):
    return schedule(build_schedule_context(scheduled_execution_time=at))


def test_daily_refresh_tags_the_month_of_its_date():
    request = run_request(daily_refresh, datetime(2026, 3, 15, 6, tzinfo=SHANGHAI))
    assert request.tags == {"kpi/month": "2026-03", "kpi/close": "false"}
    assert request.run_key == "daily-2026-03-15"


def test_monthly_close_finalises_the_previous_month():
    request = run_request(monthly_close, datetime(2026, 4, 1, 8, tzinfo=SHANGHAI))
    assert request.tags == {"kpi/month": "2026-03", "kpi/close": "true"}
    assert request.run_key == "close-2026-03"
    january = run_request(monthly_close, datetime(2027, 1, 1, 8, tzinfo=SHANGHAI))
    assert january.tags["kpi/month"] == "2026-12"


def test_the_month_is_the_local_month_of_the_scheduled_time():
    # 22:30 UTC on 28 February is 06:30 on 1 March in Shanghai.
    request = run_request(daily_refresh, datetime(2026, 2, 28, 22, 30, tzinfo=UTC))
    assert request.tags["kpi/month"] == "2026-03"


def test_month_to_refresh():
    assert month_to_refresh(date(2026, 1, 1), close=True) == "2025-12"
    assert month_to_refresh(date(2026, 1, 1), close=False) == "2026-01"
    assert month_to_refresh(datetime(2026, 12, 31, 23, 59), close=False) == "2026-12"
    assert month_to_refresh(datetime(2026, 10, 1, 8), close=True) == "2026-09"


def test_schedules_run_the_refresh_job_at_local_times():
    assert {(s.name, s.cron_schedule, s.execution_timezone, s.job_name) for s in SCHEDULES} == {
        ("daily_refresh", "0 6 * * *", "Asia/Shanghai", "kpi_refresh"),
        ("monthly_close", "0 8 1 * *", "Asia/Shanghai", "kpi_refresh"),
    }


def test_timezone_setting(tmp_path):
    assert make_settings(tmp_path).timezone == "Asia/Shanghai"
    berlin = make_settings(tmp_path, KPI_TIMEZONE="Europe/Berlin")
    assert berlin.timezone == "Europe/Berlin"
    assert {s.execution_timezone for s in build_schedules(JOB, berlin.timezone)} == {"Europe/Berlin"}
    with pytest.raises(SettingsError, match="KPI_TIMEZONE='Mars/Olympus' is not a known time zone"):
        make_settings(tmp_path, KPI_TIMEZONE="Mars/Olympus")


# --- landing sensor ---------------------------------------------------------------------------


def write(path: Path, text: str, mtime_ns: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(mtime_ns, mtime_ns))


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    """Two sources' files, written an hour ago (long settled)."""
    root = tmp_path / "landing"
    hour_ago = time.time_ns() - HOUR_NS
    write(root / "calls" / "2026-03.csv", "call_id\nc1\n", hour_ago)
    write(root / "agents" / "agents.csv", "agent_id\na1\n", hour_ago)
    return root


def evaluate(landing: Path, cursor: str | None):
    context = build_sensor_context(cursor=cursor, resources={"warehouse": KpiWarehouse(landing_dir=str(landing))})
    return landing_sensor(context)


def test_sensor_requests_a_run_per_new_state_of_the_landing_folder(landing: Path):
    first = evaluate(landing, None)
    [request] = first.run_requests
    # The changed months are known only after ingestion: the run covers every month's partition.
    assert request.tags == {"kpi/changed_sources": "calls,agents", **run_partition_tags(PARTITIONS)}
    assert request.tags["dagster/asset_partition_range_start"] == f"{FIRST_MONTH}-01"
    calls = landing / "calls" / "2026-03.csv"
    assert json.loads(first.cursor) == {
        "agents/agents.csv": [12, (landing / "agents" / "agents.csv").stat().st_mtime_ns],
        "calls/2026-03.csv": [11, calls.stat().st_mtime_ns],
    }

    second = evaluate(landing, first.cursor)
    assert second.run_requests == [] and second.cursor is None
    assert second.skip_reason.skip_message.startswith("no new or changed files")

    os.utime(calls, ns=(calls.stat().st_mtime_ns + HOUR_NS // 2,) * 2)  # touched, still settled
    touched = evaluate(landing, first.cursor)
    [again] = touched.run_requests
    assert again.tags["kpi/changed_sources"] == "calls"
    assert again.run_key != request.run_key

    write(landing / "tickets" / "t.csv", "ticket_id\nt1\n", calls.stat().st_mtime_ns)
    added = evaluate(landing, touched.cursor)
    assert added.run_requests[0].tags["kpi/changed_sources"] == "tickets"

    calls.unlink()
    removed = evaluate(landing, added.cursor)
    assert removed.run_requests[0].tags["kpi/changed_sources"] == "calls"


def test_one_state_has_one_run_key(landing: Path):
    [a] = evaluate(landing, None).run_requests
    [b] = evaluate(landing, "not a cursor").run_requests  # an unreadable cursor counts as an empty folder
    assert a.run_key == b.run_key and a.run_key.startswith("landing-")


def test_sensor_ignores_what_ingestion_ignores(landing: Path):
    cursor = evaluate(landing, None).cursor
    past = (landing / "calls" / "2026-03.csv").stat().st_mtime_ns
    for name in (".hidden.csv", "~$2026-03.xlsx", "README.md", ".old/2026-02.csv"):
        write(landing / "calls" / name, "x\n", past)
    assert evaluate(landing, cursor).run_requests == []


def test_sensor_sees_files_in_sub_folders(landing: Path):
    cursor = evaluate(landing, None).cursor
    past = (landing / "calls" / "2026-03.csv").stat().st_mtime_ns
    write(landing / "calls" / "2026-02" / "calls.csv", "call_id\nc0\n", past)
    [request] = evaluate(landing, cursor).run_requests
    assert request.tags["kpi/changed_sources"] == "calls"
    assert "calls/2026-02/calls.csv" in json.loads(evaluate(landing, None).cursor)


def test_sensor_names_an_unsupported_file(landing: Path):
    write(landing / "surveys" / "notes.txt", "x\n", 0)
    with pytest.raises(ExtractError, match=r"surveys/notes\.txt: unsupported file type"):
        evaluate(landing, None)


def test_sensor_waits_for_files_being_written(landing: Path):
    calls = landing / "calls" / "2026-03.csv"
    now_ns = calls.stat().st_mtime_ns + 10 * 10**9  # calls written 10 s ago, agents too
    tags = run_partition_tags(PARTITIONS)
    waiting = evaluate_landing(landing, None, settle_seconds=30, now_ns=now_ns, partition_tags=tags)
    assert waiting.run_requests == [] and waiting.cursor is None
    assert waiting.skip_reason.skip_message == (
        "waiting 30 s for files still being written: agents/agents.csv, calls/2026-03.csv"
    )
    assert len(evaluate_landing(landing, None, settle_seconds=10, now_ns=now_ns, partition_tags=tags).run_requests) == 1


# --- freshness --------------------------------------------------------------------------------


def make_raw(con: duckdb.DuckDBPyConnection, source_name: str, events: list[object]) -> None:
    """raw.<source> as ingestion writes it, with only the event column filled."""
    source = load_contract()[source_name]
    columns = {c.name: c.duckdb_type for c in source.columns} | LINEAGE_COLUMNS
    column = event_time(source_name).column
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute(f"CREATE TABLE raw.{source_name} ({', '.join(f'{n} {t}' for n, t in columns.items())})")
    if events:
        con.executemany(f"INSERT INTO raw.{source_name} ({column}) VALUES (?)", [[event] for event in events])


def test_calls_older_than_two_days_are_stale(con):
    make_raw(con, "calls", [datetime(2026, 3, 12, 9), datetime(2026, 3, 14, 10), None])
    fresh = check_freshness(con, "calls", now=datetime(2026, 3, 15, 9))
    assert fresh.passed and fresh.severity == AssetCheckSeverity.WARN
    assert fresh.description == (
        "calls is fresh: newest offered_at 2026-03-14 10:00:00, data through "
        "2026-03-14 10:00:00 is 23.0 h old (max age 2.0 days, KPI_FRESHNESS_CALLS_HOURS)"
    )
    assert fresh.metadata["age_hours"].value == 23.0 and fresh.metadata["rows"].value == 3

    stale = check_freshness(con, "calls", now=datetime(2026, 3, 20, 10))
    assert not stale.passed and stale.severity == AssetCheckSeverity.WARN
    assert stale.description == (
        "calls is stale: newest offered_at 2026-03-14 10:00:00, data through "
        "2026-03-14 10:00:00 is 6.0 days old (max age 2.0 days, KPI_FRESHNESS_CALLS_HOURS)"
    )


def test_max_age_setting(con, tmp_path):
    make_raw(con, "calls", [datetime(2026, 3, 14, 10)])
    settings = make_settings(tmp_path, KPI_FRESHNESS_CALLS_HOURS="150")
    assert settings.freshness_hours["calls"] == 150 and settings.freshness_hours["tickets"] == 48
    assert check_freshness(con, "calls", now=datetime(2026, 3, 20, 10), max_age=settings.freshness_hours["calls"]).passed
    assert not check_freshness(con, "calls", now=datetime(2026, 3, 20, 10)).passed  # 144 h past the default 48 h
    with pytest.raises(SettingsError) as error:
        make_settings(tmp_path, KPI_FRESHNESS_CALLS_HOURS="two days")
    assert str(error.value) == "KPI_FRESHNESS_CALLS_HOURS must be a positive number of hours, got 'two days'"


def test_a_month_counts_as_of_its_end(con):
    make_raw(con, "plans", [date(2026, 1, 1), date(2026, 2, 1)])
    # February's plan is data through 1 March; 45 days later is 15 April.
    assert check_freshness(con, "plans", now=datetime(2026, 4, 15)).passed
    stale = check_freshness(con, "plans", now=datetime(2026, 4, 16))
    assert not stale.passed
    assert stale.description == (
        "plans is stale: newest period_month 2026-02, data through 2026-03-01 00:00:00 "
        "is 46.0 days old (max age 45.0 days, KPI_FRESHNESS_PLANS_HOURS)"
    )


def test_a_date_counts_as_of_its_end(con):
    make_raw(con, "callbacks", [date(2026, 3, 10)])
    assert check_freshness(con, "callbacks", now=datetime(2026, 3, 18, 0)).passed  # exactly 7 days
    assert not check_freshness(con, "callbacks", now=datetime(2026, 3, 18, 1)).passed


def test_future_periods_are_fresh(con):
    make_raw(con, "plans", [date(2026, 5, 1)])
    result = check_freshness(con, "plans", now=datetime(2026, 4, 20))
    assert result.passed and "data through 2026-06-01 00:00:00 is in the future" in result.description


def test_empty_and_missing_tables(con):
    make_raw(con, "surveys", [])
    empty = check_freshness(con, "surveys", now=datetime(2026, 3, 1))
    assert empty.passed
    assert empty.description == (
        "surveys: raw.surveys is empty, no data to judge (max age 7.0 days, KPI_FRESHNESS_SURVEYS_HOURS)"
    )
    missing = check_freshness(con, "exams", now=datetime(2026, 3, 1))
    assert not missing.passed
    assert missing.description == "exams: raw.exams does not exist; the source was never loaded"


def test_every_event_source_has_a_time_column_and_snapshots_have_none():
    contract = load_contract()
    assert {name for name, source in contract.items() if source.event_time is None} == {"customers", "agents"}
    assert len(build_freshness_checks()) == len(contract) - 2


def test_freshness_check_reads_the_work_database_and_releases_it(tmp_path: Path):
    warehouse = KpiWarehouse(warehouse=str(tmp_path / "warehouse.duckdb"), landing_dir=str(tmp_path),
                             freshness_hours={"tickets": 60.0})  # fmt: skip
    now = datetime.now(SHANGHAI).replace(tzinfo=None)
    with warehouse.connect_work() as work:
        make_raw(work, "calls", [now - timedelta(hours=1)])
        make_raw(work, "tickets", [now - timedelta(days=3)])
        make_raw(work, "complaints", [now - timedelta(days=3)])
    checks = {check.check_key.asset_key: check for check in build_freshness_checks()}
    context = build_asset_check_context(resources={"warehouse": warehouse})
    calls = checks[AssetKey(["raw", "calls"])](context)
    tickets = checks[AssetKey(["raw", "tickets"])](context)
    assert calls.passed and calls.metadata["age_hours"].value == pytest.approx(1.0, abs=0.01)
    assert not tickets.passed and tickets.description.startswith("tickets is stale: newest created_at")
    assert tickets.description.endswith("(max age 2.5 days, KPI_FRESHNESS_TICKETS_HOURS)")  # the resource's 60 h
    assert checks[AssetKey(["raw", "complaints"])](context).passed  # 3 days within the contract's 7
    # A read-only connection fails while any read-write one is open in this process.
    duckdb.connect(str(warehouse.paths.work_db), read_only=True).close()


# --- definitions ------------------------------------------------------------------------------


def test_job_schedules_sensor_and_checks_resolve_with_the_ingest_assets():
    defs = Definitions(
        assets=build_ingest_assets(),
        asset_checks=build_freshness_checks(),
        jobs=[JOB],
        schedules=SCHEDULES,
        sensors=[landing_sensor],
        resources={"warehouse": KpiWarehouse()},
    )
    job = defs.resolve_job_def("kpi_refresh")
    assert AssetKey(["raw", "calls"]) in job.asset_layer.selected_asset_keys
    graph = defs.resolve_asset_graph()
    [check_key] = graph.get_check_keys_for_assets({AssetKey(["raw", "plans"])})
    assert check_key.name == "freshness" and not graph.get_check_spec(check_key).blocking
    assert check_key in job.asset_layer.asset_graph.asset_check_keys
    assert defs.resolve_sensor_def("landing_sensor").minimum_interval_seconds == 60
