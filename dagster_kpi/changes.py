"""Which months the changes in the landing folder touch, kept in the work database until they are built and until
they are published.

Ingestion records, per source, the months of the rows it added to or removed from `raw` (the months of the
source's `event_months` columns, and the months beside them its KPIs may read a record for, the contract's `reach`:
e.g. a repeat within 7 days). A change to a source without `event_months`, or to one other models look up as a
dimension (`lookup: true` in the contract), touches every month.

Two stages read the record: `build` (dbt) and `publish` (the publishing gate's validation). Each stage's scope is
what was recorded since that stage last completed; a stage that never completed, or completed under another
`digest` (the dbt project and its vars for `build`), covers every month. Completing a stage clears what it saw.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import duckdb

from dagster_kpi.sql import table_exists, transaction

SCHEMA = "changes"
STAGES = ("build", "publish")


@dataclass(frozen=True)
class Scope:
    every_month: bool
    months: tuple[date, ...] = ()  # first days of the months, sorted; empty when every_month

    @property
    def nothing(self) -> bool:
        return not self.every_month and not self.months

    def describe(self) -> str:
        if self.every_month:
            return "every month"
        if not self.months:
            return "no month"
        return ", ".join(m.strftime("%Y-%m") for m in self.months)


EVERY_MONTH = Scope(every_month=True)


def _ensure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    con.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA}.pending (stage VARCHAR, source VARCHAR, month DATE)")
    con.execute(f"CREATE TABLE IF NOT EXISTS {SCHEMA}.marks (stage VARCHAR PRIMARY KEY, digest VARCHAR)")


def record(con: duckdb.DuckDBPyConnection, source: str, months: Iterable[date] | None) -> None:
    """Record that `source` changed in `months` (None: every month) for every stage."""
    _ensure(con)
    listed: list[date | None] = [None] if months is None else list(sorted(set(months)))
    rows = [(stage, source, month) for stage in STAGES for month in listed]
    if rows:
        con.executemany(f"INSERT INTO {SCHEMA}.pending VALUES (?, ?, ?)", rows)


def scope(con: duckdb.DuckDBPyConnection, stage: str, digest: str = "") -> Scope:
    """The months `stage` must cover: every month unless it completed before under the same `digest`."""
    _ensure(con)
    marks = con.execute(f"SELECT digest FROM {SCHEMA}.marks WHERE stage = ?", [stage]).fetchall()
    if not marks or marks[0][0] != digest:
        return EVERY_MONTH
    months = [m for (m,) in con.execute(f"SELECT DISTINCT month FROM {SCHEMA}.pending WHERE stage = ?", [stage]).fetchall()]
    if any(m is None for m in months):
        return EVERY_MONTH
    return Scope(every_month=False, months=tuple(sorted(months)))


WINDOW = f"{SCHEMA}.refresh_window"


def set_window(con: duckdb.DuckDBPyConnection, months: Iterable[date] | None) -> None:
    """The months the next dbt build refreshes (None: every month), read by macros/refresh_window.sql."""
    _ensure(con)
    con.execute(f"CREATE OR REPLACE TABLE {WINDOW} AS SELECT CAST(? AS VARCHAR) AS months",
                [None if months is None else ",".join(m.isoformat() for m in sorted(set(months)))])  # fmt: skip


def note_build(con: duckdb.DuckDBPyConnection, refreshed: str) -> None:
    """What the latest dbt build refreshed, in words (see `last_build`)."""
    _ensure(con)
    con.execute(f"CREATE OR REPLACE TABLE {SCHEMA}.last_build AS SELECT CAST(? AS VARCHAR) AS refreshed", [refreshed])


def last_build(con: duckdb.DuckDBPyConnection) -> str:
    """What the latest dbt build refreshed: "every month", "no month" or "2026-02, 2026-03"; "" when none ran."""
    if not table_exists(con, SCHEMA, "last_build"):
        return ""
    row = con.execute(f"SELECT refreshed FROM {SCHEMA}.last_build").fetchone()
    return str(row[0]) if row else ""


def sources(con: duckdb.DuckDBPyConnection, stage: str) -> set[str]:
    """The sources with a change recorded since `stage` last completed."""
    _ensure(con)
    return {s for (s,) in con.execute(f"SELECT DISTINCT source FROM {SCHEMA}.pending WHERE stage = ?", [stage]).fetchall()}


def complete(con: duckdb.DuckDBPyConnection, stage: str, digest: str = "") -> None:
    """`stage` covered what was recorded: clear it, and remember the digest it ran under."""
    _ensure(con)
    with transaction(con):
        con.execute(f"DELETE FROM {SCHEMA}.pending WHERE stage = ?", [stage])
        con.execute(f"INSERT OR REPLACE INTO {SCHEMA}.marks VALUES (?, ?)", [stage, digest])
