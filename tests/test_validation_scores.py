"""The kpi_scores and scorecards suites: consistent marts pass, each broken rule is named.

The suites hold the rules on the published values; not NULL, accepted values, unique keys and the KPI in
the catalogue are dbt tests of the marts (tests/test_dbt_marts.py).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dagster_kpi.validation import validate_table

KPI_SCORES = [  # period_start, level, entity_id, rule_set, kpi_code, value, weight, points, rule_type, target, component
    ("2024-01-01", "agent", "a1", "frontline", "csat_score", 85.0, 20.0, 16.0, "tiered", 90.0, "item"),
    ("2024-01-01", "agent", "a1", "frontline", "fcr_rate", None, 15.0, None, "tiered", 0.85, "item"),
    ("2024-01-01", "team", "T1", "frontline", "csat_score", 85.0, 20.0, 16.0, "tiered", 90.0, "item"),
    ("2024-01-01", "center", "center", "center", "answer_rate", 0.88, 15.0, 13.0, "deduct_per_unit", 0.9, "item"),
    ("2024-02-01", "center", "center", "center", "answer_rate", 0.5, 15.0, 0.0, "deduct_per_unit", 0.9, "item"),
    ("2024-02-01", "agent", "a1", "frontline", "late_early_count", 3.0, None, -6.0, "deduct", None, "adjustment"),
]
SCORED = [  # ... total_score, scored_weight, grade, rank, ranked_entities, pay_ratio, award, plan, at_risk
    ("2024-01-01", "agent", "a1", "Ann", "frontline", 100.0, 45.0, "A", 1, 2, 1.0, 0.0, False, False),
    ("2024-01-01", "agent", "a2", "Bo", "frontline", 90.0, 45.0, "B", 2, 2, 0.9, 0.0, False, False),
    ("2024-01-01", "agent", "a3", "Cy", "frontline", None, 0.0, None, None, 2, None, 0.0, False, False),
    ("2024-01-01", "center", "center", "客服中心", "center", 55.0, 100.0, "D", 1, 1, 0.7, 0.0, False, False),
    ("2024-03-01", "center", "center", "客服中心", "center", 58.0, 100.0, "D", 1, 1, 0.7, 500.0, False, True),
    ("2024-01-01", "agent", "a4", "Di", "frontline", None, None, None, None, 2, None, 0.0, False, False),
]
ASSESSMENT = [  # assessed, not_assessed_reason, base_score, adjustment_points
    (True, None, 100.0, 0.0),
    (True, None, 92.0, -2.0),
    (True, None, None, -1.0),
    (True, None, 55.0, 0.0),
    (True, None, 58.0, 0.0),
    (False, "absent", None, None),
]
MONTH = ("month", False)  # period_grain, excellent
OCT, NOV, DEC = "2023-10-01", "2023-11-01", "2023-12-01"
NOT_ASSESSED = (None, None, None, None)  # total_score, scored_weight, grade, rank
# a5 and a6 in the last quarter of 2023, and their quarter, half-year and year: a5 scores 80 and 90, then has no
# KPI value (assessed, no total); a6 is on probation throughout. The longer periods average a5's 80 and 90.
LATE_2023 = [
    (OCT, "agent", "a5", "Eve", "frontline", 80.0, 45.0, "B", 1, 1, 0.8, 0.0, False, False, True, None, 80.0, 0.0, *MONTH),
    (NOV, "agent", "a5", "Eve", "frontline", 90.0, 45.0, "B", 1, 1, 0.9, 0.0, False, False, True, None, 90.0, 0.0, *MONTH),
    (DEC, "agent", "a5", "Eve", "frontline", None, 0.0, None, None, 0, None, 0.0, False, False, True, None, None, 0.0,
     *MONTH),
    *((m, "agent", "a6", "Fay", "frontline", *NOT_ASSESSED, n, None, 0.0, False, False, False, "probation", None, None,
       *MONTH) for m, n in ((OCT, 1), (NOV, 1), (DEC, 0))),
    (OCT, "agent", "a5", "Eve", "frontline", 85.0, None, "B", 1, 1, None, 0.0, False, False, True, None, None, None,
     "quarter", False),
    ("2023-07-01", "agent", "a5", "Eve", "frontline", 85.0, None, "B", 1, 1, None, 0.0, False, False, True, None, None,
     None, "half_year", False),
    ("2023-01-01", "agent", "a5", "Eve", "frontline", 85.0, None, "B", 1, 1, None, 0.0, False, False, True, None, None,
     None, "year", True),
    *((start, "agent", "a6", "Fay", "frontline", *NOT_ASSESSED, 1, None, 0.0, False, False, False, "no_assessed_month",
       None, None, grain, False) for start, grain in ((OCT, "quarter"), ("2023-07-01", "half_year"), ("2023-01-01", "year"))),
]  # fmt: skip
SCORECARDS = [scored + assessment + MONTH for scored, assessment in zip(SCORED, ASSESSMENT, strict=True)] + LATE_2023
A5_QUARTER, A5_HALF, A5_YEAR, A6_YEAR = 12, 13, 14, 17  # rows of SCORECARDS


def make_marts(db: Path, kpi_scores: list[tuple], scorecards: list[tuple]) -> None:
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute(
            "CREATE TABLE marts.kpi_scores (period_start DATE, level VARCHAR, entity_id VARCHAR, rule_set VARCHAR,"
            " kpi_code VARCHAR, value DOUBLE, weight DOUBLE, points DOUBLE, rule_type VARCHAR, target DOUBLE, component VARCHAR)"
        )
        con.executemany(f"INSERT INTO marts.kpi_scores VALUES ({', '.join('?' * 11)})", kpi_scores)
        con.execute(
            "CREATE TABLE marts.scorecards (period_start DATE, level VARCHAR, entity_id VARCHAR, entity_name VARCHAR,"
            " rule_set VARCHAR, total_score DOUBLE, scored_weight DOUBLE, grade VARCHAR, rank INTEGER,"
            " ranked_entities INTEGER, pay_ratio DOUBLE, award_amount DOUBLE, improvement_plan_required BOOLEAN,"
            " at_risk BOOLEAN, assessed BOOLEAN, not_assessed_reason VARCHAR, base_score DOUBLE, adjustment_points DOUBLE,"
            " period_grain VARCHAR, excellent BOOLEAN)"
        )
        con.executemany(f"INSERT INTO marts.scorecards VALUES ({', '.join('?' * 20)})", scorecards)


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
ITEM_SHAPE = unexpected(
    "kpi_scores", "component, weight, target", "an item row lacks its weight or target, or an adjustment row has one"
)
ADJUSTMENT_SIGN = unexpected(
    "kpi_scores",
    "component, rule_type, value, points",
    "an adjustment's points have the wrong sign, or are not 0 without a value",
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
                    "kpi_scores: unexpected_rows_expectation(period_start, level, entity_id, rule_set) — 2 rows unexpected: "
                    "an entity is scored by more than one rule set in a month"
                )
            ],
        ),
        (4, {0: "2024-02-15"}, [unexpected("kpi_scores", "period_start", "period_start is not the first day of a month")]),
        (1, {6: 0.0}, ["kpi_scores: expect_column_values_to_be_between(weight) — 1 of 6 rows unexpected, e.g. 0.0 (1 row)"]),
        (0, {9: None}, [ITEM_SHAPE]),
        (5, {6: 1.0}, [ITEM_SHAPE]),
        (5, {7: 6.0}, [ADJUSTMENT_SIGN]),
        (5, {5: None}, [ADJUSTMENT_SIGN]),
        (5, {7: None}, [ADJUSTMENT_SIGN]),
    ],
    ids=[
        "points-above-weight",
        "negative-points",
        "no-points-for-a-value",
        "points-without-value",
        "two-rule-sets-for-an-entity",
        "mid-month",
        "zero-weight",
        "item-without-target",
        "adjustment-with-weight",
        "deduction-adding-points",
        "adjustment-without-units",
        "adjustment-without-points",
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
    "scorecards", "total_score, rank", "rank is not the rank by total_score desc within period, level and rule set, ties shared"
)
NOT_ASSESSED_RANKED = unexpected("scorecards", "assessed, total_score, rank", "a scorecard not assessed has a total or a rank")
ASSESSED_REASON = unexpected(
    "scorecards",
    "level, assessed, not_assessed_reason, base_score, scored_weight, adjustment_points",
    "assessed disagrees with not_assessed_reason, a scorecard not assessed has a score,"
    " or one that is not an agent's is not assessed",
)
TOTAL_BASE = unexpected(
    "scorecards",
    "total_score, base_score, adjustment_points",
    "a month's total_score is not base_score + adjustment_points clamped to [0, 100]",
)
RANKED_ENTITIES = unexpected(
    "scorecards",
    "ranked_entities",
    "ranked_entities differs from the entities with a total at the level and rule set that period",
)
PERIOD_START = unexpected(
    "scorecards", "period_grain, period_start", "period_start is not the first day of its quarter, half-year or year"
)
PERIOD_MONTHLY = unexpected(
    "scorecards",
    "period_grain, pay_ratio, award_amount, improvement_plan_required, at_risk, scored_weight, base_score, adjustment_points",
    "a quarter, half-year or year row has a pay ratio, an award, a flag, a scored weight, a base score or adjustments",
)
PERIOD_REASON = unexpected(
    "scorecards",
    "period_grain, not_assessed_reason",
    "not_assessed_reason no_assessed_month is on a month row, or a longer period has another reason",
)
EXCELLENT_ROW = unexpected(
    "scorecards", "period_grain, excellent, rank", "excellent on a row that is not a year's, or without a rank"
)
EXCELLENT_ORDER = unexpected(
    "scorecards",
    "excellent, rank",
    "a year row ranked at or above an excellent one of its level and rule set is not excellent",
)
PERIOD_MEAN = (
    "scorecards: unexpected_rows_expectation(period_grain, total_score, assessed) — 1 row unexpected: "
    "a quarter, half-year or year total is not the mean of its assessed months' totals, or its assessed is not whether "
    "any month was"
)


@pytest.mark.parametrize(
    ("row", "changes", "failures"),
    [
        (
            0,
            {5: 100.5},
            [
                "scorecards: expect_column_values_to_be_between(total_score) — 1 of 18 rows unexpected, e.g. 100.5 (1 row)",
                TOTAL_BASE,
            ],
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
                    "ranked_entities differs from the entities with a total at the level and rule set that period",
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
        (5, {8: 1}, [GRADE_PAY_RANK, NOT_ASSESSED_RANKED]),
        (0, {15: "absent"}, [ASSESSED_REASON]),
        (5, {16: 50.0}, [ASSESSED_REASON]),
        (3, {14: False, 15: "absent", 16: None, 6: None, 17: None}, [NOT_ASSESSED_RANKED, ASSESSED_REASON]),
        (1, {17: -3.0}, [TOTAL_BASE]),
        (2, {17: None}, [TOTAL_BASE]),
        (
            0,
            {16: 100.5},
            [("scorecards: expect_column_values_to_be_between(base_score) — 1 of 18 rows unexpected, e.g. 100.5 (1 row)")],
        ),
        (4, {16: 70.0}, [TOTAL_BASE]),
        # August .. January still holds October to December; a6's H2 is left with no ranked a5 beside it
        (A5_HALF, {0: "2023-08-01"}, [RANKED_ENTITIES, PERIOD_START]),
        (A5_QUARTER, {10: 0.9}, [PERIOD_MONTHLY]),
        (A5_YEAR, {11: 500.0}, [PERIOD_MONTHLY]),
        (A5_QUARTER, {16: 85.0}, [PERIOD_MONTHLY]),
        (A6_YEAR, {15: "probation"}, [PERIOD_REASON]),
        (9, {15: "no_assessed_month"}, [PERIOD_REASON]),  # a6 in October
        (A6_YEAR, {19: True}, [EXCELLENT_ROW]),
        (A5_QUARTER, {19: True}, [EXCELLENT_ROW]),
        (A5_QUARTER, {5: 86.0}, [PERIOD_MEAN]),  # (80 + 90) / 2
        (A6_YEAR, {14: True, 15: None}, [PERIOD_MEAN]),  # no month of a6 was assessed
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
        "not-assessed-with-a-rank",
        "assessed-with-a-reason",
        "not-assessed-with-a-base-score",
        "centre-not-assessed",
        "total-not-base-plus-adjustments",
        "assessed-without-adjustment-points",
        "base-above-100",
        "total-not-its-base",
        "half-year-not-on-its-first-day",
        "quarter-with-a-pay-ratio",
        "year-with-an-award",
        "quarter-with-a-base-score",
        "period-with-a-monthly-reason",
        "month-without-an-assessed-month",
        "excellent-without-a-rank",
        "excellent-quarter",
        "quarter-not-the-mean",
        "assessed-year-without-assessed-months",
    ],
)
def test_each_scorecards_failure_is_reported(tmp_path: Path, row: int, changes: dict[int, object], failures: list[str]) -> None:
    db = tmp_path / "warehouse.duckdb"
    make_marts(db, KPI_SCORES, replaced(SCORECARDS, row, changes))
    result = validate_table(db, "marts.scorecards", "scorecards")
    assert not result.success
    assert result.failures == failures


def test_an_excellent_year_row_is_never_outranked_by_one_that_is_not(tmp_path: Path) -> None:
    # a7 ranks first in 2023 but is not excellent, while a5, second, is.
    a7 = ("2023-01-01", "agent", "a7", "Gus", "frontline", 95.0, None, "A", 1, 2, None, 0.0, False, False, True, None,
          None, None, "year", False)  # fmt: skip
    cards = replaced(replaced(SCORECARDS, A5_YEAR, {8: 2, 9: 2}), A6_YEAR, {9: 2}) + [a7]
    db = tmp_path / "warehouse.duckdb"
    make_marts(db, KPI_SCORES, cards)
    assert validate_table(db, "marts.scorecards", "scorecards").failures == [EXCELLENT_ORDER]


def test_one_scorecard_per_grain_start_level_and_entity(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    make_marts(db, KPI_SCORES, [*SCORECARDS, SCORECARDS[A6_YEAR]])
    failures = validate_table(db, "marts.scorecards", "scorecards").failures
    assert [f for f in failures if "compound" in f] == [
        "scorecards: expect_compound_columns_to_be_unique(period_grain, period_start, level, entity_id) — "
        "2 of 19 rows unexpected, e.g. ('year', 2023-01-01, 'agent', 'a6') (2 rows)"
    ]
