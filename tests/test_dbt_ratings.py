"""Manual ratings end to end: raw ratings -> `dbt build` -> marts.rating_summary and rating_score in marts.kpi_values.

Default weights (rating_weights): supervisor 0.7, manager 0.3, self and peer 0. Roster, employed throughout:
    a1 Ann  team T1  department D1
    a2 Bo   team T1  department D1
    a3 Cy   team T2  department D1
    a4 Di   team T2  no department   -> reaches no department
    x9      not on the roster        -> its ratings reach the centre only (its rating_summary rows are kept)
Ratings in January and February 2024 (below); the spine is January, February, Q1 and 2024.

Every expected double is computed twice: by hand (the comments, compared to 1e-9) and by the arithmetic the
models document (`exact_mean`, `combined`), compared to the bit, as DuckDB and Spark both compute it.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.dbt_fixture import build_work_db, load_raw
from tests.test_dbt_project import run_dbt

JAN, FEB, Q1, Y2024 = date(2024, 1, 1), date(2024, 2, 1), date(2024, 1, 1), date(2024, 1, 1)
WEIGHTS = {"self": 0.0, "peer": 0.0, "supervisor": 0.7, "manager": 0.3}
TYPES = ("self", "peer", "supervisor", "manager")

AGENTS = [
    {"agent_id": "a1", "agent_name": "Ann", "team": "T1", "department": "D1"},
    {"agent_id": "a2", "agent_name": "Bo", "team": "T1", "department": "D1"},
    {"agent_id": "a3", "agent_name": "Cy", "team": "T2", "department": "D1"},
    {"agent_id": "a4", "agent_name": "Di", "team": "T2"},
]


def rating(rating_id: str, month: str, agent: str, rater_type: str, rater: str | None, item: str, score: float) -> dict:
    return {"rating_id": rating_id, "period_month": f"{month}-01", "agent_id": agent, "rater_type": rater_type,
            "rater_id": rater, "item": item, "score": score}  # fmt: skip


RATINGS = [
    # January
    rating("r01", "2024-01", "a1", "supervisor", "s1", "工作态度", 80),  # s1: 2 items, mean 85
    rating("r02", "2024-01", "a1", "supervisor", "s1", "工作纪律", 90),
    rating("r03", "2024-01", "a1", "supervisor", "s2", "工作态度", 70),  # s2: 1 item, 70
    rating("r04", "2024-01", "a1", "manager", "m1", "工作态度", 90),
    rating("r05", "2024-01", "a1", "self", "a1", "工作态度", 100),  # weight 0: shown, not counted
    rating("r06", "2024-01", "a2", "self", "a2", "工作态度", 60),  # a2: self and peers only
    rating("r07", "2024-01", "a2", "peer", None, "工作态度", 70),  # each row without rater_id: a rater of its own
    rating("r08", "2024-01", "a2", "peer", None, "工作态度", 80),
    rating("r09", "2024-01", "a3", "supervisor", "s1", "工作态度", 60),  # s1: mean 70
    rating("r10", "2024-01", "a3", "supervisor", "s1", "工作纪律", 80),
    rating("r11", "2024-01", "a3", "supervisor", None, "工作态度", 100),  # two anonymous supervisors: 100, 91
    rating("r12", "2024-01", "a3", "supervisor", None, "工作态度", 91),
    rating("r13", "2024-01", "a4", "supervisor", "s3", "工作态度", 50),
    rating("r14", "2024-01", "a4", "manager", None, "工作态度", 100),
    rating("r15", "2024-01", "x9", "supervisor", "s1", "工作态度", 88),  # not on the roster
    # February
    rating("r16", "2024-02", "a1", "supervisor", "s1", "工作态度", 60),
    rating("r17", "2024-02", "a1", "manager", "m1", "工作态度", 50),
    rating("r18", "2024-02", "a2", "supervisor", "s1", "工作态度", 90),  # supervisor only
]
FIXTURE = {"agents": AGENTS, "ratings": RATINGS}


# --- the documented arithmetic ---------------------------------------------------------------------------------------


def exact_sum(values: Sequence[float]) -> float:
    """The exact_sum macro: whole parts and fractions rounded to 1e-15, added exactly, back as the nearest double."""
    total = 0
    for value in values:
        whole = math.floor(value)
        fraction = Decimal((value - whole) * 1e15).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        total += whole * 10**15 + int(fraction)
    high, low = divmod(total, 2**32)
    return (float(high) * 4294967296 + float(low)) / 1e15


def exact_mean(values: Sequence[float]) -> float:
    return exact_sum(values) / len(values)


def combined(scores: dict[str, float]) -> float | None:
    """Σ (w / Σw) x score in the fixed order of the types, over the types present with weight above 0, within
    the range of the scores it weighs (the rating_scores macro)."""
    weights = {t: WEIGHTS[t] if t in scores and WEIGHTS[t] > 0 else 0.0 for t in TYPES}
    total = 0.0
    for t in TYPES:
        total += weights[t]
    if total <= 0:
        return None
    mean = 0.0
    for t in TYPES:
        mean += weights[t] / total * scores[t] if weights[t] > 0 else 0
    weighed = [scores[t] for t in TYPES if weights[t] > 0]
    return min(max(mean, min(weighed)), max(weighed))


# Rater-months (the mean of each rater's items) and the types' scores.
A1_JAN = {"supervisor": exact_mean([exact_mean([80, 90]), 70]), "manager": 90.0, "self": 100.0}  # (85 + 70) / 2 = 77.5
A2_JAN = {"self": 60.0, "peer": exact_mean([70, 80])}  # (70 + 80) / 2 = 75, two raters
A3_JAN = {"supervisor": exact_mean([exact_mean([60, 80]), 100, 91])}  # (70 + 100 + 91) / 3 = 87
A4_JAN = {"supervisor": 50.0, "manager": 100.0}
X9_JAN = {"supervisor": 88.0}
A1_FEB = {"supervisor": 60.0, "manager": 50.0}
A2_FEB = {"supervisor": 90.0}
A1_Q1 = {"supervisor": exact_mean([85, 70, 60]), "manager": exact_mean([90, 50]), "self": 100.0}  # 71.666…, 70
A2_Q1 = {"self": 60.0, "peer": exact_mean([70, 80]), "supervisor": 90.0}

COMBINED = {  # by hand
    ("a1", "2024-01"): 81.25,  # 0.7 x 77.5 + 0.3 x 90 = 54.25 + 27; the mean of rows would give 0.7 x 80 + 27 = 83
    ("a2", "2024-01"): None,  # no supervisor or manager
    ("a3", "2024-01"): 87.0,  # supervisor only: its score; were the anonymous rows one rater, (70 + 95.5) / 2 = 82.75
    ("a4", "2024-01"): 65.0,  # 0.7 x 50 + 0.3 x 100
    ("x9", "2024-01"): 88.0,
    ("a1", "2024-02"): 57.0,  # 0.7 x 60 + 0.3 x 50
    ("a2", "2024-02"): 90.0,
    # Q1 over the rater-months: supervisor (85 + 70 + 60) / 3 = 71.666…, manager (90 + 50) / 2 = 70:
    # 0.7 x 71.666… + 21 = 71.1666…, not the mean of a1's monthly combined scores (81.25 + 57) / 2 = 69.125.
    ("a1", "2024-Q1"): 71.0 + 1 / 6,
    ("a2", "2024-Q1"): 90.0,  # February's supervisor; January's self and peers do not count
    ("a3", "2024-Q1"): 87.0,
    ("a4", "2024-Q1"): 65.0,
    ("x9", "2024-Q1"): 88.0,
}
SCORES = {
    ("a1", "2024-01"): A1_JAN,
    ("a2", "2024-01"): A2_JAN,
    ("a3", "2024-01"): A3_JAN,
    ("a4", "2024-01"): A4_JAN,
    ("x9", "2024-01"): X9_JAN,
    ("a1", "2024-02"): A1_FEB,
    ("a2", "2024-02"): A2_FEB,
    ("a1", "2024-Q1"): A1_Q1,
    ("a2", "2024-Q1"): A2_Q1,
    ("a3", "2024-Q1"): A3_JAN,
    ("a4", "2024-Q1"): A4_JAN,
    ("x9", "2024-Q1"): X9_JAN,
}


def score(agent: str, period: str) -> float | None:
    """The combined score of a period ('2024-01', '2024-02', '2024-Q1') to the bit, checked against the hand value."""
    value = combined(SCORES[(agent, period)])
    hand = COMBINED[(agent, period)]
    assert (value is None and hand is None) or value == pytest.approx(hand, rel=1e-12)
    return value


@pytest.fixture(scope="module")
def work_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_work_db(tmp_path_factory, "dbt_ratings", FIXTURE, [])


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def rating_scores(db: Path) -> dict[tuple[str, date, str, str], tuple[Any, Any, Any]]:
    """rating_score in marts.kpi_values: {(grain, start, level, entity): (numerator, denominator, value)}."""
    rows = query(db, "select period_grain, period_start, level, entity_id, numerator, denominator, value "
                     "from marts.kpi_values where kpi_code = 'rating_score'")  # fmt: skip
    return {tuple(r[:4]): tuple(r[4:]) for r in rows}  # type: ignore[misc]


# --- marts.rating_summary --------------------------------------------------------------------------------------------


def test_rating_summary_has_one_row_per_month_and_rated_agent(work_db: Path) -> None:
    rows = query(work_db, "select * from marts.rating_summary order by period_start, agent_id")

    def row(agent: str, month: date, rater_count: int) -> tuple:
        scores = SCORES[(agent, f"{month:%Y-%m}")]
        return (month, agent, *(scores.get(t) for t in TYPES), score(agent, f"{month:%Y-%m}"), rater_count)

    assert rows == [
        row("a1", JAN, 4),  # s1, s2, m1 and the self rating
        row("a2", JAN, 3),  # self and two anonymous peers
        row("a3", JAN, 3),  # s1 and two anonymous supervisors
        row("a4", JAN, 2),
        row("x9", JAN, 1),  # kept: the mart is per rated agent
        row("a1", FEB, 2),
        row("a2", FEB, 1),
    ]
    # By hand, as published.
    assert rows[0][2:] == (100.0, None, 77.5, 90.0, 81.25, 4)
    assert rows[1][2:] == (60.0, 75.0, None, None, None, 3)
    assert rows[2][4] == 87.0 and rows[2][6] == 87.0  # a lone weighted type gives exactly its own score


def test_rating_summary_publishes_no_rater_identity(work_db: Path) -> None:
    columns = [r[0] for r in query(work_db, "describe marts.rating_summary")]
    assert columns == ["period_start", "agent_id", "self_score", "peer_score", "supervisor_score", "manager_score",
                       "combined_score", "rater_count"]  # fmt: skip
    raters = {"s1", "s2", "s3", "m1", "id:s1", "row:r11"}
    assert not {v for r in query(work_db, "select agent_id from marts.rating_summary") for v in r} & raters


def test_quarters_and_years_count_each_rater_once(work_db: Path) -> None:
    rows = query(work_db, "select period_grain, agent_id, rater_count, supervisor_score, combined_score "
                          "from intermediate.int_rating_scores where period_grain <> 'month' and agent_id = 'a1'")  # fmt: skip
    # s1 (January and February), s2, m1 (both months), self: 4 raters; supervisor over 3 rater-months.
    assert sorted(rows) == [(g, "a1", 4, A1_Q1["supervisor"], score("a1", "2024-Q1")) for g in ("quarter", "year")]


# --- rating_score ----------------------------------------------------------------------------------------------------


def test_rating_score_at_agent_level_is_the_combined_score(work_db: Path) -> None:
    values = rating_scores(work_db)
    for grain, start, agent, period in [
        ("month", JAN, "a1", "2024-01"), ("month", JAN, "a3", "2024-01"), ("month", JAN, "a4", "2024-01"),
        ("month", FEB, "a1", "2024-02"), ("month", FEB, "a2", "2024-02"), ("quarter", Q1, "a1", "2024-Q1"),
        ("quarter", Q1, "a2", "2024-Q1"), ("year", Y2024, "a1", "2024-Q1"),
    ]:  # fmt: skip
        want = score(agent, period)
        assert values[(grain, start, "agent", agent)] == (want, 1.0, want), (grain, agent)
    # Only a self rating (January) or no rating (a3, a4 in February): (0, 0, NULL).
    for key in [("month", JAN, "a2"), ("month", FEB, "a3"), ("month", FEB, "a4")]:
        assert values[(key[0], key[1], "agent", key[2])] == (0.0, 0.0, None), key
    assert not any(k[3] == "x9" for k in values)


def test_rating_score_of_teams_and_the_centre_is_the_mean_over_agents(work_db: Path) -> None:
    values = rating_scores(work_db)

    def mean_of(agents: list[str], period: str) -> tuple[float, float, float]:
        numerator = exact_sum([score(a, period) or 0.0 for a in agents])
        return (numerator, float(len(agents)), numerator / len(agents))

    expected = {
        # T1 in January: a1 only (a2 has no combined score) -> 81.25
        ("month", JAN, "team", "T1"): mean_of(["a1"], "2024-01"),
        ("month", JAN, "team", "T2"): mean_of(["a3", "a4"], "2024-01"),  # (87 + 65) / 2 = 76
        # centre: a1 81.25 + a3 87 + a4 65 + x9 88 = 321.25 over 4 (x9 is one person at centre level)
        ("month", JAN, "center", "center"): mean_of(["a1", "a3", "a4", "x9"], "2024-01"),
        ("month", FEB, "team", "T1"): mean_of(["a1", "a2"], "2024-02"),  # (57 + 90) / 2 = 73.5
        ("month", FEB, "team", "T2"): (0.0, 0.0, None),  # no rating
        ("month", FEB, "center", "center"): mean_of(["a1", "a2"], "2024-02"),
        # Q1: a1 71.1666… + a2 90 = 161.1666… over 2; the centre adds a3 87, a4 65 and x9 88: 401.1666… over 5
        ("quarter", Q1, "team", "T1"): mean_of(["a1", "a2"], "2024-Q1"),
        ("quarter", Q1, "team", "T2"): mean_of(["a3", "a4"], "2024-Q1"),
        ("quarter", Q1, "center", "center"): mean_of(["a1", "a2", "a3", "a4", "x9"], "2024-Q1"),
        ("year", Y2024, "center", "center"): mean_of(["a1", "a2", "a3", "a4", "x9"], "2024-Q1"),
    }
    for key, want in expected.items():
        assert values[key] == want, key
    assert values[("month", JAN, "team", "T1")] == (81.25, 1.0, 81.25)
    assert values[("month", JAN, "center", "center")] == (321.25, 4.0, 321.25 / 4)
    assert values[("month", FEB, "team", "T1")] == (147.0, 2.0, 73.5)
    assert values[("quarter", Q1, "center", "center")][:2] == (pytest.approx(401 + 1 / 6, rel=1e-12), 5.0)


def test_rating_score_of_departments(work_db: Path) -> None:
    """D1 = a1, a2, a3; a4 has no department. Computed by the KPI model; published once the spine has departments."""
    sql = "select period_grain, period_start, level, entity_id, numerator, denominator from metrics.kpi_rating_score"
    computed = {tuple(r[:4]): tuple(r[4:]) for r in query(work_db, f"{sql} where level = 'department'")}
    a1, a2, a3 = score("a1", "2024-Q1"), score("a2", "2024-Q1"), score("a3", "2024-Q1")
    assert computed == {
        ("month", JAN, "department", "D1"): (exact_sum([81.25, 87.0]), 2.0),  # a2 left out
        ("month", FEB, "department", "D1"): (exact_sum([57.0, 90.0]), 2.0),
        ("quarter", Q1, "department", "D1"): (exact_sum([a1, a2, a3]), 3.0),  # 71.1666… + 90 + 87
        ("year", Y2024, "department", "D1"): (exact_sum([a1, a2, a3]), 3.0),
    }
    published = {k: v[:2] for k, v in rating_scores(work_db).items() if k[2] == "department"}
    spine = query(work_db, "select count(*) from intermediate.int_kpi_entities where level = 'department'")[0][0]
    assert published == (computed if spine else {})


# --- a refresh of one month ------------------------------------------------------------------------------------------

# February changes: a1's manager now gives 100, a3 gets a supervisor's 70.
LATE_RATINGS = [
    "update raw.ratings set score = 100 where rating_id = 'r17'",
    "insert into raw.ratings (rating_id, period_month, agent_id, rater_type, rater_id, item, score, _source_file, "
    "_source_row, _loaded_at) values ('r19', '2024-02-01', 'a3', 'supervisor', 's1', '工作态度', 70, 'ratings.csv', 19, "
    "current_timestamp)",
]


def ratings_marts(db: Path) -> dict[str, list[tuple]]:
    return {
        "kpi_values": query(db, "select * from marts.kpi_values where kpi_code = 'rating_score' order by all"),
        "kpi_rating_score": query(db, "select * from metrics.kpi_rating_score order by all"),
        "rating_summary": query(db, "select * from marts.rating_summary order by all"),
    }


def test_a_refresh_of_february_equals_a_full_rebuild(work_db: Path, tmp_path: Path) -> None:
    models_only = ["build", "--exclude", "resource_type:test", "resource_type:unit_test"]
    refreshed = tmp_path / "refreshed.duckdb"
    shutil.copy(work_db, refreshed)
    with duckdb.connect(str(refreshed)) as con:
        for statement in LATE_RATINGS:
            con.execute(statement)
    run_dbt([*models_only, "--vars", "{refresh_months: ['2024-02-01']}"], refreshed, tmp_path)
    rebuilt = tmp_path / "rebuilt.duckdb"
    load_raw(rebuilt, FIXTURE, then=lambda con: [con.execute(s) for s in LATE_RATINGS])
    run_dbt(models_only, rebuilt, tmp_path)

    before, after = ratings_marts(work_db), ratings_marts(refreshed)
    assert after == ratings_marts(rebuilt)
    changed = {(r[0], r[1]) for r in set(after["kpi_values"]) ^ set(before["kpi_values"])}
    assert changed == {("month", FEB), ("quarter", Q1), ("year", Y2024)}  # January untouched
    # a1 in February: 0.7 x 60 + 0.3 x 100 = 72.
    assert ("month", FEB, "agent", "a1", "rating_score", 72.0, 1.0, 72.0) in after["kpi_values"]
