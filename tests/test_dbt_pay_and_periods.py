"""Period scorecards and the pay sheet end to end: raw tables -> one `dbt build` -> marts.scorecards, marts.pay_sheet.

The data's months are May 2023 - January 2024 (surveys); January 2024 is the latest month with records, so 2023 has
quarter, half-year and year rows and 2024 none yet. The build scores with its own seeds, loaded in place of the
defaults, so that a month's total is simply the agent's CSAT score:

    rule sets  frontline (level agent):                   csat_score 50, proportional, target 100
               desk      (level agent, role property_agent): csat_score 20, proportional, target 100
    no adjustments; pay_bases: the defaults plus (agent, senior) 400.

csat_score is the mean answer x 20, so one answer of 5 is a total of 100, of 4 80, of 3 60, of 2 40.
Monthly totals (-: no survey, total NULL; P: on probation, not assessed):

            May  Jun  Jul  Aug  Sep  Oct  Nov  Dec  Jan
    a1       80   80   80   80   80   80   80    -   60   agent, junior
    a2      100  100  100  100  100  100  100  100  100   agent, senior: pay base 400 (seed row of role and level)
    a3       60   60   60   60   60   60   60   60   96   agent, roster pay_base 333.3
    a4        P    P    P  100   60   80   80   80   80   agent, probation until 2023-07-31
    a5       40   40   40   40   40   40   40   40    -   agent
    t1       60   60   60   60   60   60   60   60   60   team_lead (scored by frontline)
    p1       80   80   80   80   80   80   80   80   90   property_agent (scored by desk)
    l3        -    -    -    -    -    -    -    -   80   agent, left 2024-01-15, no attendance
    a6                                           P    P   agent, hired 2023-12-01, probation until 2024-02-29
    l1                                           -  100   agent, hired 2023-12-01, left 2024-01-20, attendance
    l2                                                100   agent, hired 2024-01-10, left 2024-01-20
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dagster_kpi.validation import validate_table
from tests.dbt_fixture import build_work_db

MONTHS = [date(2023, m, 1) for m in range(5, 13)] + [date(2024, 1, 1)]
JAN = date(2024, 1, 1)
SCORES = {  # agent: answers (1-5) per month, None = no survey; "P": on probation (answers 4 kept, not scored)
    "a1": [4, 4, 4, 4, 4, 4, 4, None, 3],
    "a2": [5] * 9,
    "a3": [3] * 8 + [[5, 5, 5, 5, 4]],  # January: (4 x 100 + 80) / 5 = 96
    "a4": [4, 4, 4, 5, 3, 4, 4, 4, 4],
    "a5": [2] * 8 + [None],
    "t1": [3] * 9,
    "p1": [4] * 8 + [[5, 4]],  # January: 90
    "l3": [None] * 8 + [4],
    "a6": [None] * 7 + [4, 4],
    "l1": [None] * 8 + [5],
    "l2": [None] * 8 + [5],
}
AGENTS = [  # agent_id, role, level, hired_on, left_on, probation_until, pay_base
    ("a1", "agent", "junior", "2020-01-01", None, None, None),
    ("a2", "agent", "senior", "2020-01-01", None, None, None),
    ("a3", "agent", "junior", "2020-01-01", None, None, 333.3),
    ("a4", "agent", None, "2023-05-01", None, "2023-07-31", None),
    ("a5", "agent", None, "2020-01-01", None, None, None),
    ("t1", "team_lead", "senior", "2020-01-01", None, None, None),
    ("p1", "property_agent", None, "2020-01-01", None, None, None),
    ("l3", "agent", None, "2020-01-01", "2024-01-15", None, None),
    ("a6", "agent", None, "2023-12-01", None, "2024-02-29", None),
    ("l1", "agent", None, "2023-12-01", "2024-01-20", None, None),
    ("l2", "agent", None, "2024-01-10", "2024-01-20", None, None),
]
RULE_SETS = [("frontline", "agent", None), ("desk", "agent", "property_agent")]
RULES = [  # rule_set, kpi_code, weight, rule_type, target, unit, penalty, zero_at_units
    ("frontline", "csat_score", 50, "proportional", 100, None, None, None),
    ("desk", "csat_score", 20, "proportional", 100, None, None, None),
]
PAY_BASES = [("manager", None, 500), ("team_lead", None, 500), ("agent", None, 300), ("property_agent", None, 300),
             ("agent", "senior", 400)]  # fmt: skip


def fixture_rows() -> dict[str, list[dict[str, Any]]]:
    agents = [
        {"agent_id": a, "agent_name": a.upper(), "team": "T1", "role": role, "level": level, "hired_on": hired,
         "left_on": left, "probation_until": probation, "pay_base": base}
        for a, role, level, hired, left, probation, base in AGENTS
    ]  # fmt: skip
    surveys = []
    for agent, by_month in SCORES.items():
        for month, answers in zip(MONTHS, by_month, strict=True):
            for i, answer in enumerate([] if answers is None else answers if isinstance(answers, list) else [answers]):
                surveys.append(
                    {"survey_id": f"s{agent}{month:%y%m}{i}", "agent_id": agent, "responded_at": f"{month:%Y-%m}-10 10:00:00",
                     "csat_score": answer}
                )  # fmt: skip
    # l1 in January: 15 scheduled days up to its last day, 12 present and 3 on sick leave.
    attendance = [
        {"agent_id": "l1", "work_date": f"2024-01-{day:02d}", "status": "present" if i < 12 else "leave",
         "leave_type": None if i < 12 else "sick"}
        for i, day in enumerate([2, 3, 4, 5, 8, 9, 10, 11, 12, 15, 16, 17, 18, 19, 20])
    ]  # fmt: skip
    violations = [
        {"violation_id": "v1", "occurred_at": "2024-01-05 09:00:00", "agent_id": "a1", "category": "discipline",
         "points": 2, "fine_yuan": 30},
        {"violation_id": "v2", "occurred_at": "2024-01-06 09:00:00", "agent_id": "a6", "category": "appearance",
         "points": 2, "fine_yuan": None},  # 2 points x 10 yuan
    ]  # fmt: skip
    return {"agents": agents, "surveys": surveys, "attendance": attendance, "violations": violations}


def load_seeds(con: duckdb.DuckDBPyConnection) -> None:
    """The fixture's rule sets and pay bases as the seed tables `dbt build` is told to leave alone."""
    con.execute("create schema seeds")
    con.execute("create table seeds.scoring_rule_sets (rule_set varchar, level varchar, role varchar)")
    con.executemany("insert into seeds.scoring_rule_sets values (?, ?, ?)", RULE_SETS)
    con.execute(
        "create table seeds.scoring_rules (rule_set varchar, kpi_code varchar, weight double, rule_type varchar,"
        " target double, unit double, penalty double, zero_at_units double)"
    )
    con.executemany("insert into seeds.scoring_rules values (?, ?, ?, ?, ?, ?, ?, ?)", RULES)
    con.execute("create table seeds.scoring_bands (rule_set varchar, kpi_code varchar, threshold double, band_score double)")
    con.execute(
        "create table seeds.scoring_adjustments (rule_set varchar, level varchar, kpi_code varchar, adjustment varchar,"
        " free_units double, points_per_unit double, max_points double)"
    )
    con.execute("create table seeds.pay_bases (role varchar, level varchar, pay_base double)")
    con.executemany("insert into seeds.pay_bases values (?, ?, ?)", PAY_BASES)


@pytest.fixture(scope="module")
def work_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    seeds = ["scoring_rule_sets", "scoring_rules", "scoring_bands", "scoring_adjustments", "pay_bases"]
    return build_work_db(
        tmp_path_factory, "dbt_pay_and_periods", fixture_rows(), ["--threads", "2", "--exclude", *seeds], then=load_seeds
    )


def rows(db: Path, sql: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(db), read_only=True) as con:
        rel = con.sql(sql)
        return [dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()]


@pytest.fixture(scope="module")
def cards(work_db: Path) -> dict[tuple[str, date, str], dict[str, Any]]:
    return {(r["period_grain"], r["period_start"], r["entity_id"]): r for r in rows(work_db, "select * from marts.scorecards")}


@pytest.fixture(scope="module")
def pay(work_db: Path) -> dict[str, dict[str, Any]]:
    return {r["agent_id"]: r for r in rows(work_db, "select * from marts.pay_sheet where period_start = '2024-01-01'")}


Q2, Q3, Q4 = date(2023, 4, 1), date(2023, 7, 1), date(2023, 10, 1)
H1, H2, Y2023 = date(2023, 1, 1), date(2023, 7, 1), date(2023, 1, 1)


def test_periods_exist_only_when_closed_by_the_latest_month(cards: dict) -> None:
    periods = {(grain, start) for grain, start, _ in cards if grain != "month"}
    # Q2 (May, June), Q3, Q4, H1 (May, June), H2 and 2023; January 2024 closes no quarter, half-year or year.
    assert periods == {("quarter", Q2), ("quarter", Q3), ("quarter", Q4), ("half_year", H1), ("half_year", H2),
                       ("year", Y2023)}  # fmt: skip
    months = {start for grain, start, _ in cards if grain == "month"}
    assert months == set(MONTHS)


def test_a_period_total_is_the_mean_of_the_assessed_months_totals(cards: dict) -> None:
    total = {(g, s, e): c["total_score"] for (g, s, e), c in cards.items()}
    assert total[("quarter", Q3, "a4")] == pytest.approx(80.0)  # July on probation: (100 + 60) / 2
    assert total[("quarter", Q4, "a1")] == pytest.approx(80.0)  # December has no total: (80 + 80) / 2
    assert total[("half_year", H2, "a4")] == pytest.approx(80.0)  # (100 + 60 + 80 + 80 + 80) / 5
    assert total[("half_year", H1, "a1")] == pytest.approx(80.0)
    assert total[("year", Y2023, "a4")] == pytest.approx(80.0)
    assert total[("year", Y2023, "a2")] == pytest.approx(100.0)
    assert total[("year", Y2023, "p1")] == pytest.approx(80.0)
    # l3: assessed every month of 2023 but never scored: assessed, without a total
    l3 = cards[("year", Y2023, "l3")]
    assert (l3["assessed"], l3["total_score"], l3["grade"], l3["rank"], l3["not_assessed_reason"]) == (
        True,
        None,
        None,
        None,
        None,
    )


def test_a_period_without_an_assessed_month_is_not_assessed(cards: dict) -> None:
    q2 = cards[("quarter", Q2, "a4")]
    assert (q2["assessed"], q2["not_assessed_reason"], q2["total_score"], q2["rank"], q2["grade"]) == (
        False, "no_assessed_month", None, None, None,
    )  # fmt: skip
    assert q2["ranked_entities"] == 5  # a1, a2, a3, a5, t1
    assert q2["rule_set"] == "frontline"  # its last month's
    a6 = cards[("year", Y2023, "a6")]  # December 2023 only, on probation
    assert (a6["assessed"], a6["not_assessed_reason"], a6["excellent"]) == (False, "no_assessed_month", False)


def test_period_rows_carry_no_monthly_pay_award_flags_or_weights(cards: dict) -> None:
    for (grain, _, _), card in cards.items():
        if grain == "month":
            continue
        assert (card["pay_ratio"], card["award_amount"], card["improvement_plan_required"], card["at_risk"]) == (
            None, 0, False, False,
        )  # fmt: skip
        assert (card["scored_weight"], card["base_score"], card["adjustment_points"]) == (None, None, None)
    assert cards[("year", Y2023, "a2")]["grade"] == "A"
    assert cards[("year", Y2023, "a1")]["grade"] == "B"
    assert cards[("year", Y2023, "a3")]["grade"] == "D"


def test_period_ranks_within_grain_level_and_rule_set_with_shared_ties(cards: dict) -> None:
    def ranks(grain: str, start: date) -> dict[str, Any]:
        return {e: c["rank"] for (g, s, e), c in cards.items() if (g, s) == (grain, start) and c["rank"] is not None}

    # Q3: a2 100, a1 80, a4 80, a3 60, t1 60, a5 40; p1 alone in desk.
    assert ranks("quarter", Q3) == {"a2": 1, "a1": 2, "a4": 2, "a3": 4, "t1": 4, "a5": 6, "p1": 1}
    assert ranks("year", Y2023) == {"a2": 1, "a1": 2, "a4": 2, "a3": 4, "t1": 4, "a5": 6, "p1": 1}
    ranked = {e: c["ranked_entities"] for (g, s, e), c in cards.items() if (g, s) == ("year", Y2023)}
    assert ranked == {"a1": 6, "a2": 6, "a3": 6, "a4": 6, "a5": 6, "t1": 6, "l3": 6, "a6": 6, "l1": 6, "p1": 1}


def test_excellent_is_the_years_top_three_within_level_and_rule_set(cards: dict) -> None:
    excellent = {(g, e) for (g, s, e), c in cards.items() if c["excellent"]}
    # frontline ranks 1, 2, 2 (a3 is 4th); desk: p1 alone, whatever its total. Never on months or quarters.
    assert excellent == {("year", "a2"), ("year", "a1"), ("year", "a4"), ("year", "p1")}


def test_period_names_and_rule_sets(cards: dict) -> None:
    assert cards[("year", Y2023, "p1")]["rule_set"] == "desk"
    assert cards[("year", Y2023, "a1")]["entity_name"] == "A1"
    assert {c["period_grain"] for c in cards.values()} == {"month", "quarter", "half_year", "year"}
    assert not any(c["excellent"] for (g, _, _), c in cards.items() if g == "month")


# --- the pay sheet ---------------------------------------------------------------------------------------------------


def test_pay_sheet_rows_of_january(pay: dict) -> None:
    got = {
        a: (r["assessed"], r["pay_ratio"], r["effective_pay_ratio"], r["pay_base"], r["proration"], r["performance_pay"])
        for a, r in pay.items()
    }
    assert got == {
        "a1": (True, 0.7, 0.75, 300.0, 1.0, 225.0),  # 60 -> 0.70, raised to the 0.75 floor: 300 x 0.75
        "a2": (True, 1.0, 1.0, 400.0, 1.0, 400.0),  # the (agent, senior) row beats the agent row
        "a3": (True, 0.95, 0.95, 333.3, 1.0, 316.64),  # 333.3 x 0.95 = 316.635, half away from zero
        "a4": (True, 0.8, 0.8, 300.0, 1.0, 240.0),
        "a5": (True, None, 0.75, 300.0, 1.0, 225.0),  # assessed, no KPI value: the floor
        "t1": (True, 0.7, 0.7, 500.0, 1.0, 350.0),  # a team lead has no floor
        "p1": (True, 0.9, 0.9, 300.0, 1.0, 270.0),
        "a6": (False, None, 0.0, 300.0, 1.0, 0.0),  # on probation: nothing
        "l1": (True, 1.0, 1.0, 300.0, pytest.approx(12 / 15), 240.0),  # 12 present of 15 scheduled
        "l2": (True, 1.0, 1.0, 300.0, pytest.approx(11 / 31), 106.45),  # 10-20 January of 31 days: 106.4516...
        "l3": (True, 0.8, 0.8, 300.0, pytest.approx(15 / 31), 116.13),  # 1-15 January: 300 x 0.8 x 15 / 31 = 116.129...
    }


def test_pay_sheet_fines_awards_and_net(pay: dict) -> None:
    got = {a: (r["award_amount"], r["fine_amount"], r["net_amount"]) for a, r in pay.items() if a in ("a1", "a2", "a6", "p1")}
    assert got == {
        "a1": (0.0, 30.0, 195.0),  # 225 - 30
        "a2": (500.0, 0.0, 900.0),  # first in November, December and January: 400 + 500
        "a6": (0.0, 20.0, -20.0),  # not assessed; 2 points x 10 yuan come out of the whole wage
        "p1": (500.0, 0.0, 770.0),  # first of desk every month
    }


def test_pay_sheet_describes_the_agent(pay: dict) -> None:
    a2 = pay["a2"]
    assert (a2["agent_name"], a2["team"], a2["department"], a2["role"], a2["level"], a2["total_score"], a2["grade"]) == (
        "A2", "T1", None, "agent", "senior", 100.0, "A",
    )  # fmt: skip
    assert pay["a3"]["total_score"] == pytest.approx(96.0)


def test_pay_sheet_has_a_row_per_agent_scorecard(work_db: Path) -> None:
    counts = rows(
        work_db,
        "select (select count(*) from marts.pay_sheet) as pay,"
        " (select count(*) from marts.scorecards where period_grain = 'month' and level = 'agent') as cards",
    )[0]
    assert counts["pay"] == counts["cards"]


def test_the_publishing_gate_passes_the_built_marts(work_db: Path) -> None:
    for mart in ("scorecards", "pay_sheet"):
        result = validate_table(work_db, f"marts.{mart}", mart)
        assert (mart, result.success, result.failures) == (mart, True, [])
