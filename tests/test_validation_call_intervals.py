"""The call_intervals suite: consistent rows pass, each broken rule is named.

The monthly rule reads kpi_values from the mart's own schema: the January intervals below offer 10 calls, the
centre's January answer_rate denominator in tests.test_validation.KPI_VALUES. One row per interval and queue and the
columns' types are dbt tests and the mart's contract.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dagster_kpi.validation import validate_table
from tests.test_validation import KPI_VALUES
from tests.test_validation import make_marts as make_kpi_values
from tests.test_validation_scores import replaced, unexpected

COLUMNS = (
    "interval_start TIMESTAMP, queue VARCHAR, offered INTEGER, answered INTEGER, abandoned INTEGER,"
    " short_abandoned INTEGER, blocked INTEGER, answered_in_sl INTEGER, service_level DOUBLE, asa_seconds DOUBLE,"
    " aht_seconds DOUBLE, erlang_agents INTEGER, required_agents INTEGER"
)
CALL_INTERVALS = [  # interval_start, queue, offered, answered, abandoned, short, blocked, in SL, SL, ASA, AHT, Erlang, required
    ("2024-01-05 09:00:00", "sales", 7, 2, 4, 1, 0, 1, 0.5, 25.5, 300.0, 3, 5),
    ("2024-01-05 09:30:00", "未分组", 1, 0, 0, 0, 1, 0, None, None, None, None, None),  # blocked only
    ("2024-01-05 10:00:00", "sales", 2, 2, 0, 0, 0, 2, 1.0, 10.0, 180.0, 1, 2),
]  # January offers 7 + 1 + 2 = 10


def make_call_intervals(db: Path, rows: list[tuple]) -> None:
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute(f"CREATE TABLE marts.call_intervals ({COLUMNS})")
        con.executemany(f"INSERT INTO marts.call_intervals VALUES ({', '.join('?' * 13)})", rows)


def make_db(tmp_path: Path, rows: list[tuple]) -> Path:
    db = tmp_path / "warehouse.duckdb"
    make_kpi_values(db, KPI_VALUES)
    make_call_intervals(db, rows)
    return db


def test_consistent_intervals_pass(tmp_path: Path) -> None:
    result = validate_table(make_db(tmp_path, CALL_INTERVALS), "marts.call_intervals", "call_intervals")
    assert (result.success, result.failures) == (True, [])


AGENTS = unexpected(
    "call_intervals",
    "erlang_agents, required_agents",
    "erlang_agents is negative, required_agents is below it, or only one of them is NULL",
)
MONTH = unexpected(
    "call_intervals",
    "interval_start, offered",
    "a month's offered calls differ from its centre answer_rate denominator in kpi_values",
)
FEBRUARY = [(start.replace("2024-01", "2024-02"), *rest) for start, *rest in CALL_INTERVALS]


@pytest.mark.parametrize(
    ("rows", "failures"),
    [
        (
            replaced(CALL_INTERVALS, 0, {8: 1.5}),
            ["call_intervals: expect_column_values_to_be_between(service_level) — 1 of 3 rows unexpected, e.g. 1.5 (1 row)"],
        ),
        (replaced(CALL_INTERVALS, 0, {12: 2}), [AGENTS]),  # required below erlang
        (replaced(CALL_INTERVALS, 2, {11: -1, 12: 0}), [AGENTS]),
        (replaced(CALL_INTERVALS, 2, {12: None}), [AGENTS]),
        (
            replaced(CALL_INTERVALS, 0, {6: 1}),  # a blocked call too many: the row, not the month
            [
                unexpected(
                    "call_intervals",
                    "offered, answered, abandoned, short_abandoned, blocked",
                    "offered differs from answered + abandoned + short_abandoned + blocked",
                )
            ],
        ),
        (replaced(CALL_INTERVALS, 0, {2: 8, 3: 3}), [MONTH]),  # 11 offered in January, 10 in answer_rate
        (
            FEBRUARY,  # no answer_rate denominator for February; January's has no interval
            [
                MONTH,
                unexpected(
                    "call_intervals", "interval_start", "a month has an answer_rate denominator in kpi_values but no interval"
                ),
            ],
        ),
    ],
    ids=["service-level-above-1", "required-below-erlang", "negative-erlang", "one-null", "outcomes", "month", "month-missing"],
)
def test_each_call_intervals_failure_is_reported(tmp_path: Path, rows: list[tuple], failures: list[str]) -> None:
    result = validate_table(make_db(tmp_path, rows), "marts.call_intervals", "call_intervals")
    assert not result.success
    assert result.failures == failures
