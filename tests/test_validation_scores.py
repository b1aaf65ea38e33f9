"""The kpi_scores and scorecards suites: consistent marts pass, each broken rule is named.

The suites hold the rules on the published values; not NULL, accepted values, unique keys and the KPI in
the catalogue are dbt tests of the marts (tests/test_dbt_marts.py).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dagster_kpi.validation import validate_table

KPI_SCORES = [  # period_start, level, entity_id, rule_set, kpi_code, value, weight, points
    ("2024-01-01", "agent", "a1", "frontline", "csat_score", 85.0, 20.0, 16.0),
    ("2024-01-01", "agent", "a1", "frontline", "fcr_rate", None, 15.0, None),
    ("2024-01-01", "team", "T1", "frontline", "csat_score", 85.0, 20.0, 16.0),
    ("2024-01-01", "center", "center", "center", "answer_rate", 0.88, 15.0, 13.0),
    ("2024-02-01", "center", "center", "center", "answer_rate", 0.5, 15.0, 0.0),
]
SCORECARDS = [  # ... total_score, scored_weight, grade, rank, ranked_entities, pay_ratio, award, plan, at_risk
    ("2024-01-01", "agent", "a1", "Ann", "frontline", 100.0, 45.0, "A", 1, 2, 1.0, 0.0, False, False),
    ("2024-01-01", "agent", "a2", "Bo", "frontline", 90.0, 45.0, "B", 2, 2, 0.9, 0.0, False, False),
    ("2024-01-01", "agent", "a3", "Cy", "frontline", None, 0.0, None, None, 2, None, 0.0, False, False),
    ("2024-01-01", "center", "center", "客服中心", "center", 55.0, 100.0, "D", 1, 1, 0.7, 0.0, False, False),
    ("2024-03-01", "center", "center", "客服中心", "center", 58.0, 100.0, "D", 1, 1, 0.7, 500.0, False, True),
]


def make_marts(db: Path, kpi_scores: list[tuple], scorecards: list[tuple]) -> None:
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute(
            "CREATE TABLE marts.kpi_scores (period_start DATE, level VARCHAR, entity_id VARCHAR, rule_set VARCHAR,"
            " kpi_code VARCHAR, value DOUBLE, weight DOUBLE, points DOUBLE)"
        )
        con.executemany("INSERT INTO marts.kpi_scores VALUES (?, ?, ?, ?, ?, ?, ?, ?)", kpi_scores)
        con.execute(
            "CREATE TABLE marts.scorecards (period_start DATE, level VARCHAR, entity_id VARCHAR, entity_name VARCHAR,"
            " rule_set VARCHAR, total_score DOUBLE, scored_weight DOUBLE, grade VARCHAR, rank INTEGER,"
            " ranked_entities INTEGER, pay_ratio DOUBLE, award_amount DOUBLE, improvement_plan_required BOOLEAN,"
            " at_risk BOOLEAN)"
        )
        con.executemany(f"INSERT INTO marts.scorecards VALUES ({', '.join('?' * 14)})", scorecards)


def test_consistent_marts_pass(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    make_marts(db, KPI_SCORES, SCORECARDS)
    for mart in ("kpi_scores", "scorecards"):
        result = validate_table(db, f"marts.{mart}", mart)
        assert (result.success, result.failures) == (True, [])


def unexpected(suite: str, columns: str, description: str) -> str:
    return f"{suite}: unexpected_rows_expectation({columns}) — 1 row unexpected: {description}"


def replaced(rows: list[tuple], row: int, changes: dict[int, object]) -> list[tuple]:
    """`rows` with some columns of one row changed, columns by position."""
    copy = list(rows)
    copy[row] = tuple(changes.get(i, v) for i, v in enumerate(copy[row]))
    return copy


OUTSIDE_WEIGHT = unexpected("kpi_scores", "points, weight", "points lie outside [0, weight]")
NULL_POINTS = unexpected(
    "kpi_scores", "value, points", "points are NULL although the value is not, or not NULL although the value is"
)


@pytest.mark.parametrize(
    ("row", "changes", "failures"),
    [
        (0, {7: 20.5}, [OUTSIDE_WEIGHT]),
        (4, {7: -1.0}, [OUTSIDE_WEIGHT]),
        (3, {7: None}, [NULL_POINTS]),
        (1, {7: 0.0}, [NULL_POINTS]),
        (
            1,
            {3: "center"},
            [
                (
                    "kpi_scores: unexpected_rows_expectation(period_start, level, rule_set) — 2 rows unexpected: "
                    "a level is scored by more than one rule set in a month"
                )
            ],
        ),
        (4, {0: "2024-02-15"}, [unexpected("kpi_scores", "period_start", "period_start is not the first day of a month")]),
        (1, {6: 0.0}, ["kpi_scores: expect_column_values_to_be_between(weight) — 1 of 5 rows unexpected, e.g. 0.0 (1 row)"]),
    ],
    ids=[
        "points-above-weight",
        "negative-points",
        "no-points-for-a-value",
        "points-without-value",
        "two-rule-sets-at-a-level",
        "mid-month",
        "zero-weight",
    ],
)
def test_each_kpi_scores_failure_is_reported(tmp_path: Path, row: int, changes: dict[int, object], failures: list[str]) -> None:
    db = tmp_path / "warehouse.duckdb"
    make_marts(db, replaced(KPI_SCORES, row, changes), SCORECARDS)
    result = validate_table(db, "marts.kpi_scores", "kpi_scores")
    assert not result.success
    assert result.failures == failures


GRADE_PAY_RANK = unexpected(
    "scorecards",
    "total_score, grade, pay_ratio, rank",
    "grade, pay_ratio or rank is missing for an entity with a total, or set for one without",
)
RANK_ORDER = unexpected(
    "scorecards", "total_score, rank", "rank is not the rank by total_score desc within level and month, ties shared"
)


@pytest.mark.parametrize(
    ("row", "changes", "failures"),
    [
        (
            0,
            {5: 100.5},
            [("scorecards: expect_column_values_to_be_between(total_score) — 1 of 5 rows unexpected, e.g. 100.5 (1 row)")],
        ),
        (2, {7: "D"}, [GRADE_PAY_RANK]),
        (0, {10: None}, [GRADE_PAY_RANK]),
        (1, {8: 3}, [unexpected("scorecards", "rank, ranked_entities", "rank lies outside 1..ranked_entities"), RANK_ORDER]),
        (1, {8: 1}, [RANK_ORDER]),
        (
            3,
            {9: 2},
            [
                unexpected(
                    "scorecards",
                    "ranked_entities",
                    "ranked_entities differs from the entities with a total at the level that month",
                )
            ],
        ),
        (
            2,
            {11: 200.0},
            [
                unexpected(
                    "scorecards",
                    "total_score, award_amount, improvement_plan_required, at_risk",
                    "an entity without a total has an award or a flag",
                )
            ],
        ),
        (
            4,
            {6: 0.0},
            [
                unexpected(
                    "scorecards",
                    "total_score, scored_weight",
                    "total_score is NULL although KPIs were scored, or set although none was",
                )
            ],
        ),
    ],
    ids=[
        "total-above-100",
        "grade-without-total",
        "no-pay-ratio",
        "rank-beyond-ranked",
        "rank-against-totals",
        "wrong-ranked-entities",
        "award-without-total",
        "total-without-weight",
    ],
)
def test_each_scorecards_failure_is_reported(tmp_path: Path, row: int, changes: dict[int, object], failures: list[str]) -> None:
    db = tmp_path / "warehouse.duckdb"
    make_marts(db, KPI_SCORES, replaced(SCORECARDS, row, changes))
    result = validate_table(db, "marts.scorecards", "scorecards")
    assert not result.success
    assert result.failures == failures
