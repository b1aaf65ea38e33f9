"""Freshness: a warning check per raw source whose newest event is older than expected.

Freshness here is event time — the newest timestamp in the data — not when Dagster last
materialised the asset: a daily run that reloads the same old extracts must still warn.
(Dagster's `build_last_update_freshness_checks` and `FreshnessPolicy` judge the time of the latest
materialisation, which every run renews.) A date or month counts as of its end: the month
`2026-02` is data through 2026-03-01 00:00. Times are local wall-clock time in `KPI_TIMEZONE`,
like the extracts' timestamps.

customers and agents are snapshots without an event time, and their `_loaded_at` is the time of
the run that reloaded them, so they have no freshness check.

Max age per source: `KPI_FRESHNESS_<SOURCE>_HOURS`, else the default below.
"""

# No `from __future__ import annotations`: Dagster reads the resource parameter's annotation at runtime.

import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
from dagster import AssetCheckResult, AssetChecksDefinition, AssetCheckSeverity, MetadataValue, asset_check

from dagster_kpi.contract import load_contract
from dagster_kpi.defs.ingest import raw_asset_key
from dagster_kpi.defs.resources import KpiWarehouse
from dagster_kpi.defs.schedules import kpi_timezone
from dagster_kpi.ingest.sql import ident

DAY_HOURS = 24.0
DAILY_HOURS, WEEKLY_HOURS, MONTHLY_HOURS = 2 * DAY_HOURS, 7 * DAY_HOURS, 45 * DAY_HOURS

# Source -> (column holding its main event time, default max age in hours).
EVENT_TIME: dict[str, tuple[str, float]] = {
    "calls": ("offered_at", DAILY_HOURS),
    "tickets": ("created_at", DAILY_HOURS),
    "complaints": ("received_at", WEEKLY_HOURS),
    "callbacks": ("planned_date", WEEKLY_HOURS),
    "surveys": ("responded_at", WEEKLY_HOURS),
    "qa_reviews": ("reviewed_at", MONTHLY_HOURS),
    "exams": ("exam_date", MONTHLY_HOURS),
    "report_issues": ("raised_at", MONTHLY_HOURS),
    "collaboration_surveys": ("period_month", MONTHLY_HOURS),
    "plans": ("period_month", MONTHLY_HOURS),
}


@dataclass(frozen=True)
class Freshness:
    source: str
    column: str
    rows: int
    newest: date | None  # the newest value as stored (a datetime for timestamps)
    data_end: datetime | None  # when that value's period ends
    max_age_hours: float
    now: datetime

    @property
    def age_hours(self) -> float | None:
        return None if self.data_end is None else (self.now - self.data_end).total_seconds() / 3600

    @property
    def passed(self) -> bool:
        # An empty extract is allowed by the contract; there is no data to judge.
        return self.age_hours is None or self.age_hours <= self.max_age_hours


def max_age_env(source: str) -> str:
    return f"KPI_FRESHNESS_{source.upper()}_HOURS"


def max_age_hours(source: str) -> float:
    """The source's max age; ValueError naming the variable unless it is a positive number."""
    name = max_age_env(source)
    text = os.environ.get(name, "").strip()
    if not text:
        return EVENT_TIME[source][1]
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise ValueError(f"{name} must be a positive number of hours, got {text!r}")
    return value


def period_end(value: date, column_type: str) -> datetime:
    """The end of the period a value stands for: a timestamp itself, a date's next midnight, a month's next 1st."""
    if column_type == "timestamp":
        return value  # type: ignore[return-value]  # DuckDB returns TIMESTAMP as datetime
    start = datetime(value.year, value.month, value.day)
    if column_type == "date":
        return start + timedelta(days=1)
    return datetime(value.year + value.month // 12, value.month % 12 + 1, 1)


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    query = "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?"
    [(count,)] = con.execute(query, [schema, table]).fetchall()
    return count > 0


def measure(con: duckdb.DuckDBPyConnection, source: str, max_age: float, now: datetime) -> Freshness:
    """Row count and newest event of `raw.<source>` (the table must exist)."""
    column = EVENT_TIME[source][0]
    [(rows, newest)] = con.execute(f"SELECT count(*), max({ident(column)}) FROM raw.{ident(source)}").fetchall()
    column_type = load_contract()[source].column(column).type
    end = None if newest is None else period_end(newest, column_type)
    return Freshness(source, column, rows, newest, end, max_age, now)


def _duration(hours: float) -> str:
    return f"{hours / DAY_HOURS:.1f} days" if abs(hours) >= 2 * DAY_HOURS else f"{hours:.1f} h"


def _value(value: date, column_type: str) -> str:
    return f"{value:%Y-%m}" if column_type == "month" else str(value)


def describe(result: Freshness) -> str:
    """One line: source, newest value, its age and the max age with the variable that sets it."""
    limit = f"max age {_duration(result.max_age_hours)}, {max_age_env(result.source)}"
    if result.newest is None:
        return f"{result.source}: raw.{result.source} is empty, no data to judge ({limit})"
    column_type = load_contract()[result.source].column(result.column).type
    state = "fresh" if result.passed else "stale"
    age = f"{_duration(result.age_hours)} old" if result.age_hours >= 0 else "in the future"
    return (
        f"{result.source} is {state}: newest {result.column} {_value(result.newest, column_type)}, "
        f"data through {result.data_end:%Y-%m-%d %H:%M:%S} is {age} ({limit})"
    )


def evaluate(result: Freshness) -> AssetCheckResult:
    metadata = {
        "rows": MetadataValue.int(result.rows),
        "max_age_hours": MetadataValue.float(result.max_age_hours),
        "checked_at": MetadataValue.text(f"{result.now:%Y-%m-%d %H:%M:%S}"),
    }
    if result.newest is not None:
        metadata["newest"] = MetadataValue.text(str(result.newest))
        metadata["age_hours"] = MetadataValue.float(round(result.age_hours, 2))
    return AssetCheckResult(
        passed=result.passed, severity=AssetCheckSeverity.WARN, description=describe(result), metadata=metadata
    )


def local_now() -> datetime:
    """Wall-clock time in `KPI_TIMEZONE`, naive like the extracts' timestamps."""
    return datetime.now(ZoneInfo(kpi_timezone())).replace(tzinfo=None, microsecond=0)


def check_freshness(con: duckdb.DuckDBPyConnection, source: str, now: datetime) -> AssetCheckResult:
    """The check's result for `raw.<source>` at `now`; settings and a missing table are failed warnings."""
    try:
        max_age = max_age_hours(source)
    except ValueError as error:
        return AssetCheckResult(passed=False, severity=AssetCheckSeverity.WARN, description=str(error))
    if not table_exists(con, "raw", source):
        return AssetCheckResult(
            passed=False,
            severity=AssetCheckSeverity.WARN,
            description=f"{source}: raw.{source} does not exist; the source was never loaded",
        )
    return evaluate(measure(con, source, max_age, now))


def build_freshness_check(source: str) -> AssetChecksDefinition:
    column, default_hours = EVENT_TIME[source]

    @asset_check(
        asset=raw_asset_key(source),
        name="freshness",
        blocking=False,
        description=f"Newest `{column}` of `raw.{source}` is at most {_duration(default_hours)} old "
        f"(`{max_age_env(source)}` overrides).",
    )
    def freshness_check(warehouse: KpiWarehouse) -> AssetCheckResult:
        con = warehouse.connect_work()
        try:
            return check_freshness(con, source, local_now())
        finally:
            con.close()

    return freshness_check


freshness_checks = [build_freshness_check(source) for source in EVENT_TIME]
