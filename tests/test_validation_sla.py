"""The sla_events and ticket_backlog suites: consistent rows pass, each broken rule is named.

One row per (source, record, metric) or per (day, category), the accepted values of source, priority, metric and
clock, and the columns' types are dbt tests and the marts' contracts (tests/test_dbt_marts.py).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dagster_kpi.validation import validate_table
from tests.test_validation_scores import replaced, unexpected

SLA_COLUMNS = (
    "source VARCHAR, record_id VARCHAR, priority VARCHAR, metric VARCHAR, started_at TIMESTAMP, target_at TIMESTAMP,"
    " achieved_at TIMESTAMP, elapsed_minutes DOUBLE, target_minutes INTEGER, clock VARCHAR, status VARCHAR,"
    " agent_id VARCHAR, team VARCHAR, department VARCHAR, period_start DATE"
)
SLA_EVENTS = [  # as of 2026-03-10 12:00:00
    ("tickets", "T1", "urgent", "first_response", "2026-03-02 09:00:00", "2026-03-02 10:00:00",
     "2026-03-02 10:00:00", 60.0, 60, "calendar", "achieved", "a1", "T1", "D1", "2026-03-01"),  # exactly on target
    ("tickets", "T1", "urgent", "resolution", "2026-03-02 09:00:00", "2026-03-02 11:00:00",
     "2026-03-02 11:01:00", 121.0, 120, "calendar", "breached", "a1", "T1", "D1", "2026-03-01"),  # a minute late
    ("tickets", "T2", "normal", "resolution", "2026-03-02 09:00:00", "2026-03-09 09:00:00",
     None, None, 10080, "calendar", "breached", "a1", "T1", "D1", "2026-03-01"),  # target passed
    ("tickets", "T3", "normal", "resolution", "2026-03-05 12:00:00", "2026-03-12 12:00:00",
     None, None, 10080, "calendar", "open", "a2", "T2", None, "2026-03-01"),  # target ahead
    ("tickets", "T7", "high", "resolution", "2026-03-06 17:00:00", "2026-03-09 17:00:00",
     "2026-03-09 17:00:00", 540.0, 540, "business", "achieved", None, None, None, "2026-03-01"),
    ("complaints", "C5", "urgent", "resolution", "2026-03-31 23:00:00", "2026-04-01 23:00:00",
     None, None, 1440, "calendar", "open", "x9", None, None, "2026-04-01"),  # April by its target
]  # fmt: skip
BACKLOG_COLUMNS = "day DATE, category VARCHAR, open_tickets INTEGER, past_target_tickets INTEGER"
BACKLOG = [  # day, category, open_tickets, past_target_tickets
    ("2026-03-01", "inquiry", 0, 0),
    ("2026-03-02", "inquiry", 2, 0),
    ("2026-03-09", "inquiry", 2, 2),
    ("2026-03-09", "fault", 1, 0),
]


def make_table(db: Path, name: str, columns: str, rows: list[tuple]) -> None:
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute(f"CREATE TABLE marts.{name} ({columns})")
        con.executemany(f"INSERT INTO marts.{name} VALUES ({', '.join('?' * len(rows[0]))})", rows)


@pytest.mark.parametrize(
    ("name", "columns", "rows"),
    [
        ("sla_events", SLA_COLUMNS, SLA_EVENTS),
        ("ticket_backlog", BACKLOG_COLUMNS, BACKLOG),
    ],
)
def test_consistent_rows_pass(tmp_path: Path, name: str, columns: str, rows: list[tuple]) -> None:
    db = tmp_path / "warehouse.duckdb"
    make_table(db, name, columns, rows)
    result = validate_table(db, f"marts.{name}", name)
    assert (result.success, result.failures) == (True, [])


ACHIEVED_LATE = unexpected(
    "sla_events", "status, achieved_at, target_at", "an achieved row was achieved after its target, or not at all"
)
BREACHED_IN_TIME = unexpected("sla_events", "status, achieved_at, target_at", "a breached row was achieved in time")
OPEN_ACHIEVED = unexpected("sla_events", "status, achieved_at", "an open row was achieved")
TWO_AS_OF = unexpected(
    "sla_events",
    "status, achieved_at, target_at",
    "the target of a breached row not achieved lies at or after the target of an open row (two as-of times)",
)
ELAPSED_WITHOUT_ACHIEVED = unexpected(
    "sla_events",
    "elapsed_minutes, achieved_at",
    "elapsed_minutes is NULL although achieved_at is not, or not NULL although achieved_at is",
)
ACHIEVED_TOO_LONG = unexpected(
    "sla_events", "status, elapsed_minutes, target_minutes", "an achieved row took longer than its target on the policy's clock"
)
TARGET_BEFORE_START = unexpected("sla_events", "started_at, target_at", "target_at is not after started_at")
PERIOD_NOT_TARGET_MONTH = unexpected(
    "sla_events", "period_start, target_at", "period_start is not the first day of the month of target_at"
)


@pytest.mark.parametrize(
    ("row", "changes", "failures"),
    [
        (0, {10: "met"}, ["sla_events: expect_column_values_to_be_in_set(status) — 1 of 6 rows unexpected, e.g. 'met' (1 row)"]),
        (1, {10: "achieved", 7: 120.0}, [ACHIEVED_LATE]),  # a minute late, called achieved
        (2, {10: "achieved"}, [ACHIEVED_LATE]),  # never achieved, called achieved
        (0, {10: "breached"}, [BREACHED_IN_TIME]),
        (3, {10: "open", 6: "2026-03-06 12:00:00", 7: 1440.0}, [OPEN_ACHIEVED]),
        (2, {5: "2026-03-12 13:00:00"}, [TWO_AS_OF]),  # breached, yet its target is after T3's, which is open
        (3, {7: 10.0}, [ELAPSED_WITHOUT_ACHIEVED]),
        (4, {7: 541.0}, [ACHIEVED_TOO_LONG]),
        (
            0,
            {7: -1.0, 4: "2026-03-02 10:01:00", 6: "2026-03-02 10:00:00"},
            [
                "sla_events: expect_column_values_to_be_between(elapsed_minutes) — 1 of 6 rows unexpected, e.g. -1.0 (1 row)",
                TARGET_BEFORE_START,
            ],
        ),
        (5, {14: "2026-03-01"}, [PERIOD_NOT_TARGET_MONTH]),
    ],
    ids=[
        "unknown-status",
        "achieved-late",
        "achieved-never",
        "breached-in-time",
        "open-but-achieved",
        "two-as-of-times",
        "elapsed-without-achievement",
        "achieved-over-target-minutes",
        "negative-elapsed-target-before-start",
        "period-not-the-target-month",
    ],
)
def test_each_sla_events_failure_is_reported(tmp_path: Path, row: int, changes: dict[int, object], failures: list[str]) -> None:
    db = tmp_path / "warehouse.duckdb"
    make_table(db, "sla_events", SLA_COLUMNS, replaced(SLA_EVENTS, row, changes))
    result = validate_table(db, "marts.sla_events", "sla_events")
    assert not result.success
    assert result.failures == failures


@pytest.mark.parametrize(
    ("row", "changes", "failures"),
    [
        (
            3,
            {2: -1},
            [
                "ticket_backlog: expect_column_values_to_be_between(open_tickets) — 1 of 4 rows unexpected, e.g. -1 (1 row)",
                unexpected(
                    "ticket_backlog", "open_tickets, past_target_tickets", "more tickets past their target than open tickets"
                ),
            ],
        ),
        (
            2,
            {3: 3},
            [
                unexpected(
                    "ticket_backlog", "open_tickets, past_target_tickets", "more tickets past their target than open tickets"
                )
            ],
        ),
    ],
    ids=["negative-open", "more-past-target-than-open"],
)
def test_each_ticket_backlog_failure_is_reported(
    tmp_path: Path, row: int, changes: dict[int, object], failures: list[str]
) -> None:
    db = tmp_path / "warehouse.duckdb"
    make_table(db, "ticket_backlog", BACKLOG_COLUMNS,
               replaced(BACKLOG, row, changes))  # fmt: skip
    result = validate_table(db, "marts.ticket_backlog", "ticket_backlog")
    assert not result.success
    assert result.failures == failures
