"""Freshness: a warning check per raw source whose newest event is older than expected.

Freshness here is event time — the newest timestamp in the data — not when Dagster last
materialised the asset: a daily run that reloads the same old extracts must still warn.
(Dagster's `build_last_update_freshness_checks` and `FreshnessPolicy` judge the time of the latest
materialisation, which every run renews.) A date or month counts as of its end: the month
`2026-02` is data through 2026-03-01 00:00. Times are local wall-clock time in the setting `timezone`,
like the extracts' timestamps.

The contract names each source's event-time column and default max age (`event_time`). customers and
agents are snapshots without an event time (their `_loaded_at` is the time of the run that loaded each
row, which says when the extract changed, not how recent its data is), so they have no freshness check.
The setting `freshness_hours` (`KPI_FRESHNESS_<SOURCE>_HOURS`) overrides the max age per source.
"""

# No `from __future__ import annotations`: Dagster reads the resource parameter's annotation at runtime.

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
from dagster import AssetCheckResult, AssetChecksDefinition, AssetCheckSeverity, MetadataValue, asset_check

from dagster_kpi.contract import EventTime, Source, load_contract
from dagster_kpi.defs.ingest import raw_asset_key
from dagster_kpi.defs.resources import KpiWarehouse
from dagster_kpi.settings import freshness_env
from dagster_kpi.sql import ident, table_exists

DAY_HOURS = 24.0


def event_time(source: str) -> EventTime:
    """The contract's event time of `source` (KeyError for a snapshot source without one)."""
    found = load_contract()[source].event_time
    if found is None:
        raise KeyError(f"source {source} has no event time")
    return found


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


def period_end(value: date, column_type: str) -> datetime:
    """The end of the period a value stands for: a timestamp itself, a date's next midnight, a month's next 1st."""
    if column_type == "timestamp":
        return value  # type: ignore[return-value]  # DuckDB returns TIMESTAMP as datetime
    start = datetime(value.year, value.month, value.day)
    if column_type == "date":
        return start + timedelta(days=1)
    return datetime(value.year + value.month // 12, value.month % 12 + 1, 1)


def measure(con: duckdb.DuckDBPyConnection, source: str, max_age: float, now: datetime) -> Freshness:
    """Row count and newest event of `raw.<source>` (the table must exist)."""
    column = event_time(source).column
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
    limit = f"max age {_duration(result.max_age_hours)}, {freshness_env(result.source)}"
    if result.newest is None:
        return f"{result.source}: raw.{result.source} is empty, no data to judge ({limit})"
    column_type = load_contract()[result.source].column(result.column).type
    state = "fresh" if result.passed else "stale"
    hours = result.age_hours or 0.0  # not None: there is a newest value
    age = f"{_duration(hours)} old" if hours >= 0 else "in the future"
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
        metadata["age_hours"] = MetadataValue.float(round(result.age_hours or 0.0, 2))
    return AssetCheckResult(
        passed=result.passed, severity=AssetCheckSeverity.WARN, description=describe(result), metadata=metadata
    )


def local_now(timezone: str) -> datetime:
    """Wall-clock time in `timezone`, naive like the extracts' timestamps."""
    return datetime.now(ZoneInfo(timezone)).replace(tzinfo=None, microsecond=0)


def check_freshness(con: duckdb.DuckDBPyConnection, source: str, now: datetime, max_age: float | None = None) -> AssetCheckResult:
    """The check's result for `raw.<source>` at `now` (max age: the contract's default unless given); a missing
    table is a failed warning."""
    if not table_exists(con, "raw", source):
        return AssetCheckResult(
            passed=False,
            severity=AssetCheckSeverity.WARN,
            description=f"{source}: raw.{source} does not exist; the source was never loaded",
        )
    return evaluate(measure(con, source, max_age or event_time(source).freshness_hours, now))


def build_freshness_check(source: Source) -> AssetChecksDefinition:
    event = event_time(source.name)

    @asset_check(asset=raw_asset_key(source.name), name="freshness", blocking=False,
                 description=f"Newest `{event.column}` of `raw.{source.name}` is at most "
                             f"{_duration(event.freshness_hours)} old (`{freshness_env(source.name)}` overrides).")  # fmt: skip
    def freshness_check(warehouse: KpiWarehouse) -> AssetCheckResult:
        con = warehouse.connect_work()
        try:
            return check_freshness(con, source.name, local_now(warehouse.timezone), warehouse.max_age_hours(source.name))
        finally:
            con.close()

    return freshness_check


def build_freshness_checks() -> list[AssetChecksDefinition]:
    """One check per contract source with an event time."""
    return [build_freshness_check(source) for source in load_contract().values() if source.event_time]
