"""The rating_summary suite: consistent rows pass, each broken rule is named.

The suite's rules hold whatever the weights of rating_weights; one row per month and agent and the
columns' types are dbt tests and the mart's contract (tests/test_dbt_marts.py).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dagster_kpi.validation import validate_table
from tests.test_validation_scores import replaced, unexpected

COLUMNS = (
    "period_start DATE, agent_id VARCHAR, self_score DOUBLE, peer_score DOUBLE, supervisor_score DOUBLE,"
    " manager_score DOUBLE, combined_score DOUBLE, rater_count INTEGER"
)
RATING_SUMMARY = [  # period_start, agent_id, self, peer, supervisor, manager, combined, rater_count
    ("2024-01-01", "a1", 90.0, None, 85.0, 70.0, 80.5, 4),  # 0.7 x 85 + 0.3 x 70; two supervisors
    ("2024-01-01", "a2", 70.0, 60.0, None, None, None, 2),  # no weighted type: no combined score
    ("2024-01-01", "x9", None, None, 100.0, None, 100.0, 1),  # off the roster, kept
    ("2024-02-01", "a1", None, None, 0.0, 100.0, 30.0, 2),
]


def make_rating_summary(db: Path, rows: list[tuple]) -> None:
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute(f"CREATE TABLE marts.rating_summary ({COLUMNS})")
        con.executemany(f"INSERT INTO marts.rating_summary VALUES ({', '.join('?' * 8)})", rows)


def test_consistent_ratings_pass(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    make_rating_summary(db, RATING_SUMMARY)
    result = validate_table(db, "marts.rating_summary", "rating_summary")
    assert (result.success, result.failures) == (True, [])


NO_RATER = unexpected(
    "rating_summary",
    "self_score, peer_score, supervisor_score, manager_score, rater_count",
    "no rater type rated, or rater_count is below the number of rater types that rated",
)
OUTSIDE_TYPES = unexpected(
    "rating_summary",
    "combined_score, self_score, peer_score, supervisor_score, manager_score",
    "combined_score lies outside the range of the rater types' scores it weighs",
)


@pytest.mark.parametrize(
    ("row", "changes", "failures"),
    [
        (
            2,
            {4: 100.5, 6: 100.5},
            [
                "rating_summary: expect_column_values_to_be_between(combined_score) — 1 of 4 rows unexpected, e.g. 100.5 (1 row)",
                "rating_summary: expect_column_values_to_be_between(supervisor_score) — 1 of 4 rows unexpected, "
                "e.g. 100.5 (1 row)",
            ],
        ),
        (
            1,
            {2: -1.0},
            ["rating_summary: expect_column_values_to_be_between(self_score) — 1 of 4 rows unexpected, e.g. -1.0 (1 row)"],
        ),
        (0, {6: 95.0}, [OUTSIDE_TYPES]),
        (3, {6: None, 4: None, 5: None}, [NO_RATER]),
        (0, {7: 2}, [NO_RATER]),
        (3, {0: "2024-02-15"}, [unexpected("rating_summary", "period_start", "period_start is not the first day of a month")]),
    ],
    ids=["combined-above-100", "negative-score", "combined-outside-its-types", "no-rater-type", "too-few-raters", "mid-month"],
)
def test_each_rating_summary_failure_is_reported(
    tmp_path: Path, row: int, changes: dict[int, object], failures: list[str]
) -> None:
    db = tmp_path / "warehouse.duckdb"
    make_rating_summary(db, replaced(RATING_SUMMARY, row, changes))
    result = validate_table(db, "marts.rating_summary", "rating_summary")
    assert not result.success
    assert result.failures == failures
