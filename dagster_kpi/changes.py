"""Which months the changes in the landing folder touch, kept in the work database until they are built and until
they are published.

Ingestion records, per source, the months of the rows it added to or removed from `raw` (the months of the
source's `event_months` columns, with the month before and after: a KPI may look a few days across a month's
edge, e.g. a repeat within 7 days). A change to a source without `event_months`, or to one other models look up
as a dimension (`lookup: true` in the contract), touches every month.

Two stages read the record: `build` (dbt) and `publish` (the publishing gate's validation). Each stage's scope is
what was recorded since that stage last completed; a stage that never completed, or completed under another
`digest` (the dbt project and its vars for `build`), covers every month. Completing a stage clears what it saw.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import duckdb

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
    rows: list[tuple[str, str, date | None]] = [(stage, source, None) for stage in STAGES if months is None]
    rows += [(stage, source, month) for stage in STAGES for month in sorted(set(months or ()))]
    if rows:
        con.executemany(f"INSERT INTO {SCHEMA}.pending VALUES (?, ?, ?)", rows)


def record_sql(con: duckdb.DuckDBPyConnection, source: str, months_query: str) -> None:
    """Record the months (DATE, first days) a query yields, for every stage."""
    _ensure(con)
    con.execute(
        f"INSERT INTO {SCHEMA}.pending SELECT s.stage, ?, m.month "
        f"FROM (SELECT DISTINCT month FROM ({months_query}) WHERE month IS NOT NULL) AS m, "
        f"(SELECT unnest(?::VARCHAR[]) AS stage) AS s",
        [source, list(STAGES)],
    )


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


def sources(con: duckdb.DuckDBPyConnection, stage: str) -> set[str]:
    """The sources with a change recorded since `stage` last completed."""
    _ensure(con)
    return {s for (s,) in con.execute(f"SELECT DISTINCT source FROM {SCHEMA}.pending WHERE stage = ?", [stage]).fetchall()}


def complete(con: duckdb.DuckDBPyConnection, stage: str, digest: str = "") -> None:
    """`stage` covered what was recorded: clear it, and remember the digest it ran under."""
    _ensure(con)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM {SCHEMA}.pending WHERE stage = ?", [stage])
        con.execute(f"INSERT OR REPLACE INTO {SCHEMA}.marks VALUES (?, ?)", [stage, digest])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
