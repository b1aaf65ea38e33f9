"""Scoring end to end: raw tables -> `dbt build` -> marts.kpi_scores, marts.scorecards and agent_score_avg.

The build scores with its own rule sets, loaded in place of the default seed tables (as a centre
would edit the CSVs), so that every point depends only on KPIs this fixture feeds:

    center    (level center):        answer_rate       15  deduct_per_unit >= 90%, 1 per pp
                                     agent_score_avg   10  deduct_per_unit >= 85, 1 per point
                                     big_client_churn_count 10  deduct_per_unit <= 0, 2 per client
    frontline (levels team, agent):  csat_score        50  tiered >= 90 -> 100, >= 80 -> 80, >= 70 -> 60
                                     callback_rate     50  proportional, target 100%

Grades, pay and awards use the default seeds. Six agents, employed throughout January-April
2024: team T1 = a1, a2, a3 and team T2 = a4, a5, a6. The default rule seeds themselves are
checked against the scoring rules of the KPI specification at the end (as docs/scoring.md lists them).
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dagster_kpi.paths import PROJECT_ROOT
from tests.dbt_fixture import build_work_db
from tests.test_dbt_project import run_dbt

JAN, FEB, MAR, APR = date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1)
MONTHS = (JAN, FEB, MAR, APR)
TEAMS = {"a1": "T1", "a2": "T1", "a3": "T1", "a4": "T2", "a5": "T2", "a6": "T2"}

RULE_SETS = [("center", "center"), ("frontline", "team"), ("frontline", "agent")]
RULES = [  # rule_set, kpi_code, weight, rule_type, target, unit, penalty
    ("center", "answer_rate", 15, "deduct_per_unit", 90, 1, 1),
    ("center", "agent_score_avg", 10, "deduct_per_unit", 85, 1, 1),
    ("center", "big_client_churn_count", 10, "deduct_per_unit", 0, 1, 2),
    ("frontline", "csat_score", 50, "tiered", None, None, None),
    ("frontline", "callback_rate", 50, "proportional", 100, None, None),
]
BANDS = [("frontline", "csat_score", 90, 100), ("frontline", "csat_score", 80, 80), ("frontline", "csat_score", 70, 60)]

# CSAT answers (1-5, scored x 20) per month and agent. Frontline points: csat band x 50 / 100.
CSAT = {
    JAN: {"a1": [5], "a2": [5], "a3": [4], "a4": [3], "a6": [4, 3]},
    FEB: {"a1": [5], "a5": [5], "a2": [4], "a3": [4, 3], "a4": [3, 4], "a6": [3, 4]},
    MAR: {"a5": [5, 4], "a1": [4], "a3": [4], "a2": [4, 3], "a6": [3], "a4": [2]},
    APR: {"a5": [5], "a1": [5], "a3": [4], "a2": [5], "a4": [3]},
}
# Callbacks per month and agent: (completed, still planned), one customer each.
CALLBACKS = {
    JAN: {"a1": (1, 0), "a2": (1, 0), "a3": (1, 0), "a4": (1, 0), "a6": (1, 0)},
    FEB: {"a1": (1, 0), "a5": (1, 0), "a2": (1, 0), "a3": (1, 0)},
    MAR: {"a5": (1, 0), "a1": (1, 0), "a3": (1, 0), "a2": (1, 0), "a6": (1, 0), "a4": (1, 0)},
    APR: {"a5": (1, 0), "a1": (1, 0), "a2": (1, 1), "a4": (1, 0)},
}
# Valid inbound calls per month without an agent: (answered, abandoned). March has none.
CALLS = {JAN: (22, 3), FEB: (9, 1), APR: (1, 1)}


def fixture_rows() -> dict[str, list[dict[str, Any]]]:
    agents = [
        {"agent_id": a, "agent_name": a.upper(), "team": t, "role": "agent", "hired_on": "2023-01-01"} for a, t in TEAMS.items()
    ]
    surveys = [
        {"survey_id": f"s{m:%m}{a}{i}", "agent_id": a, "responded_at": f"{m:%Y-%m}-10 10:00:00", "csat_score": s}
        for m, by_agent in CSAT.items()
        for a, scores in by_agent.items()
        for i, s in enumerate(scores)
    ]
    callbacks = [
        {
            "callback_id": f"cb{m:%m}{a}{i}",
            "customer_id": f"k{m:%m}{a}{i}",
            "agent_id": a,
            "planned_date": f"{m:%Y-%m}-05",
            "status": "completed" if i < done else "planned",
            "completed_at": f"{m:%Y-%m}-06 10:00:00" if i < done else None,
        }
        for m, by_agent in CALLBACKS.items()
        for a, (done, planned) in by_agent.items()
        for i in range(done + planned)
    ]
    calls = [
        {
            "call_id": f"call{m:%m}{i}",
            "direction": "inbound",
            "offered_at": f"{m:%Y-%m}-03 09:00:00",
            "outcome": "answered" if i < answered else "abandoned",
            "is_valid": True,
        }
        for m, (answered, abandoned) in CALLS.items()
        for i in range(answered + abandoned)
    ]
    return {"agents": agents, "surveys": surveys, "callbacks": callbacks, "calls": calls}


def load_rule_seeds(con: duckdb.DuckDBPyConnection) -> None:
    """The fixture's rule sets as the seed tables `dbt build` is told to leave alone."""
    con.execute("create schema seeds")
    con.execute("create table seeds.scoring_rule_sets (rule_set varchar, level varchar, role varchar)")
    con.executemany("insert into seeds.scoring_rule_sets values (?, ?, null)", RULE_SETS)
    con.execute(
        "create table seeds.scoring_rules (rule_set varchar, kpi_code varchar, weight double,"
        " rule_type varchar, target double, unit double, penalty double, zero_at_units double)"
    )
    con.executemany("insert into seeds.scoring_rules values (?, ?, ?, ?, ?, ?, ?, null)", RULES)
    con.execute("create table seeds.scoring_bands (rule_set varchar, kpi_code varchar, threshold double, band_score double)")
    con.executemany("insert into seeds.scoring_bands values (?, ?, ?, ?)", BANDS)
    # No adjustments: the totals are the weighted totals.
    con.execute(
        "create table seeds.scoring_adjustments (rule_set varchar, level varchar, kpi_code varchar, adjustment varchar,"
        " free_units double, points_per_unit double, max_points double)"
    )


@pytest.fixture(scope="module")
def work_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_work_db(
        tmp_path_factory,
        "dbt_scoring",
        fixture_rows(),
        ["--threads", "2", "--exclude", "scoring_rule_sets", "scoring_rules", "scoring_bands", "scoring_adjustments"],
        then=load_rule_seeds,
    )


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def cards(work_db: Path) -> dict[tuple[date, str, str], dict[str, Any]]:
    with duckdb.connect(str(work_db), read_only=True) as con:
        rel = con.sql("select * from marts.scorecards where period_grain = 'month'")
        names = rel.columns
        return {(r[0], r[1], r[2]): dict(zip(names, r, strict=True)) for r in rel.fetchall()}


def column(cards: dict, level: str, name: str) -> dict[tuple[date, str], Any]:
    return {(m, e): card[name] for (m, lvl, e), card in cards.items() if lvl == level}


def approx_table(got: dict, want: dict) -> None:
    assert got.keys() == want.keys()
    for key, value in want.items():
        assert got[key] == (None if value is None else pytest.approx(value, rel=1e-12)), key


# Agent totals by hand: csat band points (100 -> 50, 80 -> 40, 60 -> 30, else 0) + 50 x callback rate,
# over the weight of the KPIs with a value.
AGENT_TOTALS = {
    JAN: {"a1": 100, "a2": 100, "a3": 90, "a4": 50, "a5": None, "a6": 80},  # a6 csat (80+60)/2 = 70 -> band 60
    FEB: {"a1": 100, "a5": 100, "a2": 90, "a3": 80, "a4": 60, "a6": 60},  # a4, a6: 30 of 50, no callbacks
    MAR: {"a5": 100, "a1": 90, "a3": 90, "a2": 80, "a6": 50, "a4": 50},  # a5 csat 90 -> band 100
    APR: {"a5": 100, "a1": 100, "a3": 80, "a2": 75, "a4": 50, "a6": None},  # a3 40 of 50; a2 50 + 50 x 1/2
}
# Teams pool their agents' surveys and callbacks: T1 Jan csat 280/3 -> 50 + 50; T2 Jan 200/3 -> 0 + 50;
# Feb T1 320/4 = 80 -> 40 + 50, T2 380/5 = 76 -> 30 + 50; Mar T1 300/4 = 75 and T2 280/4 = 70 -> 30 + 50;
# Apr T1 280/3 -> 50 + 50 x 2/3, T2 160/2 = 80 -> 40 + 50.
TEAM_TOTALS = {
    JAN: {"T1": 100, "T2": 50},
    FEB: {"T1": 90, "T2": 80},
    MAR: {"T1": 80, "T2": 80},
    APR: {"T1": 50 + 100 / 3, "T2": 90},
}
# Centre: answer_rate 22/25 = 88% -> 2 units short -> 13, 9/10 on target -> 15, none in March, 1/2 -> 0;
# agent_score_avg 84 -> 9, 490/6 -> 7, 460/6 -> 2, 81 -> 6; big_client_churn_count 0 -> 10.
CENTER_TOTALS = {JAN: 100 * 32 / 35, FEB: 100 * 32 / 35, MAR: 100 * 12 / 20, APR: 100 * 16 / 35}


def test_kpi_scores_rows(work_db: Path) -> None:
    scores = query(work_db, "select * from marts.kpi_scores")
    rows = {(r[0], r[1], r[2], r[4]): (r[3], r[5], r[6], r[7]) for r in scores}
    # 4 months x (6 agents x 2 + 2 teams x 2 + centre x 3) rules.
    assert len(rows) == 4 * (12 + 4 + 3)
    assert rows[(JAN, "agent", "a3", "csat_score")] == ("frontline", 80.0, 50.0, 40.0)
    assert rows[(JAN, "agent", "a6", "csat_score")] == ("frontline", 70.0, 50.0, 30.0)
    assert rows[(JAN, "agent", "a4", "csat_score")] == ("frontline", 60.0, 50.0, 0.0)
    assert rows[(MAR, "agent", "a5", "csat_score")] == ("frontline", 90.0, 50.0, 50.0)
    assert rows[(APR, "agent", "a2", "callback_rate")] == ("frontline", 0.5, 50.0, 25.0)
    assert rows[(JAN, "agent", "a5", "csat_score")] == ("frontline", None, 50.0, None)
    assert rows[(APR, "agent", "a3", "callback_rate")] == ("frontline", None, 50.0, None)
    assert rows[(JAN, "center", "center", "answer_rate")] == ("center", 0.88, 15.0, 13.0)
    assert rows[(FEB, "center", "center", "answer_rate")] == ("center", 0.9, 15.0, 15.0)
    assert rows[(MAR, "center", "center", "answer_rate")] == ("center", None, 15.0, None)
    assert rows[(APR, "center", "center", "answer_rate")] == ("center", 0.5, 15.0, 0.0)
    assert rows[(JAN, "center", "center", "agent_score_avg")] == ("center", 84.0, 10.0, 9.0)
    assert rows[(FEB, "center", "center", "agent_score_avg")] == ("center", pytest.approx(490 / 6), 10.0, 7.0)
    assert rows[(APR, "center", "center", "big_client_churn_count")] == ("center", 0.0, 10.0, 10.0)
    assert rows[(APR, "team", "T1", "callback_rate")] == ("frontline", pytest.approx(2 / 3), 50.0, pytest.approx(100 / 3))


def test_totals_and_scored_weight(cards: dict) -> None:
    approx_table(
        column(cards, "agent", "total_score"), {(m, a): t for m, by_agent in AGENT_TOTALS.items() for a, t in by_agent.items()}
    )
    approx_table(
        column(cards, "team", "total_score"), {(m, t): v for m, by_team in TEAM_TOTALS.items() for t, v in by_team.items()}
    )
    approx_table(column(cards, "center", "total_score"), {(m, "center"): t for m, t in CENTER_TOTALS.items()})
    weights = column(cards, "agent", "scored_weight")
    assert (weights[(JAN, "a1")], weights[(FEB, "a4")], weights[(APR, "a3")], weights[(JAN, "a5")]) == (100, 50, 50, 0)
    assert column(cards, "center", "scored_weight")[(MAR, "center")] == 20  # answer_rate has no value
    names = {e: card["entity_name"] for (m, _, e), card in cards.items() if m == JAN}
    assert (names["a1"], names["T2"], names["center"], names["a5"]) == ("A1", "T2", "客服中心", "A5")
    assert {card["rule_set"] for (_, level, _), card in cards.items() if level != "center"} == {"frontline"}


def test_grades_and_pay(cards: dict) -> None:
    grade, pay = column(cards, "agent", "grade"), column(cards, "agent", "pay_ratio")
    # 100 A/1.00, 90 B/0.90 (the edge is B), 80 B/0.80, 75 C/0.80, 60 D/0.70, no total: neither.
    assert [grade[k] for k in [(JAN, "a1"), (JAN, "a3"), (JAN, "a6"), (APR, "a2"), (FEB, "a4"), (JAN, "a5")]] == [
        "A",
        "B",
        "B",
        "C",
        "D",
        None,
    ]
    assert [pay[k] for k in [(JAN, "a1"), (JAN, "a3"), (JAN, "a6"), (APR, "a2"), (FEB, "a4"), (JAN, "a5")]] == [
        1.0,
        0.9,
        0.8,
        0.8,
        0.7,
        None,
    ]
    assert column(cards, "center", "grade") == {
        (JAN, "center"): "A",
        (FEB, "center"): "A",
        (MAR, "center"): "D",
        (APR, "center"): "D",
    }


def test_ranks_with_shared_ties(cards: dict) -> None:
    rank, ranked = column(cards, "agent", "rank"), column(cards, "agent", "ranked_entities")
    assert {a: rank[(JAN, a)] for a in TEAMS} == {"a1": 1, "a2": 1, "a3": 3, "a6": 4, "a4": 5, "a5": None}
    assert {a: rank[(MAR, a)] for a in TEAMS} == {"a5": 1, "a1": 2, "a3": 2, "a2": 4, "a6": 5, "a4": 5}
    assert {m: ranked[(m, "a1")] for m in MONTHS} == {JAN: 5, FEB: 6, MAR: 6, APR: 5}
    assert column(cards, "team", "rank") == {
        (JAN, "T1"): 1,
        (JAN, "T2"): 2,
        (FEB, "T1"): 1,
        (FEB, "T2"): 2,
        (MAR, "T1"): 1,
        (MAR, "T2"): 1,
        (APR, "T1"): 2,
        (APR, "T2"): 1,
    }
    assert set(column(cards, "center", "rank").values()) == {1}


def test_awards_need_three_months_of_top_ranks(cards: dict) -> None:
    paid = {k: v for k, v in column(cards, "agent", "award_amount").items() if v}
    # a1 ranks 1, 1, 2 (Mar: 300) then 1, 2, 1 (Apr: 500); a5 has no January rank, then 1, 1, 1 (Apr: 500);
    # a2 falls to 4th in March. Nothing in January and February.
    assert paid == {(MAR, "a1"): 300, (APR, "a1"): 500, (APR, "a5"): 500}
    assert column(cards, "team", "award_amount") == {
        (JAN, "T1"): 0,
        (JAN, "T2"): 0,
        (FEB, "T1"): 0,
        (FEB, "T2"): 0,
        (MAR, "T1"): 500,
        (MAR, "T2"): 500,
        (APR, "T1"): 300,
        (APR, "T2"): 500,
    }
    assert column(cards, "center", "award_amount") == {
        (JAN, "center"): 0,
        (FEB, "center"): 0,
        (MAR, "center"): 500,
        (APR, "center"): 500,
    }


def test_improvement_plan_for_the_bottom_three(cards: dict) -> None:
    plan = {k for k, v in column(cards, "agent", "improvement_plan_required").items() if v}
    # Jan: a3 (90), a6, a4 have fewer than three ranked agents below; a1 and a2 (100) have three; a5 is unranked.
    # Feb: a2 (90) has a3, a4, a6 below; the tied 60s are both in the bottom three.
    assert plan == {
        (JAN, "a3"),
        (JAN, "a6"),
        (JAN, "a4"),
        (FEB, "a3"),
        (FEB, "a4"),
        (FEB, "a6"),
        (MAR, "a2"),
        (MAR, "a6"),
        (MAR, "a4"),
        (APR, "a3"),
        (APR, "a2"),
        (APR, "a4"),
    }
    # Two teams and one centre are too few for a plan.
    assert not any(card["improvement_plan_required"] for (_, level, _), card in cards.items() if level != "agent")


def test_at_risk_needs_two_months_below_60(cards: dict) -> None:
    # a4: 50 (first month), 60 (not below), 50 (after 60), 50 (after 50: at risk).
    # The centre: 60 in March, 45.7 in April -> not at risk.
    assert {key for key, card in cards.items() if card["at_risk"]} == {(APR, "agent", "a4")}


def test_null_total_has_no_grade_pay_or_rank(cards: dict) -> None:
    for key in [(JAN, "agent", "a5"), (APR, "agent", "a6")]:
        card = cards[key]
        assert (card["total_score"], card["grade"], card["pay_ratio"], card["rank"]) == (None, None, None, None)
        assert (card["award_amount"], card["improvement_plan_required"], card["at_risk"]) == (0, False, False)


def test_without_adjustments_or_attendance_every_card_is_assessed_at_its_base(cards: dict, work_db: Path) -> None:
    # No adjustment rules: total = base, adjustment_points 0. No attendance extract: everyone is assessed.
    for card in cards.values():
        assert (card["assessed"], card["not_assessed_reason"], card["adjustment_points"]) == (True, None, 0)
        assert card["base_score"] == card["total_score"]
    assert query(work_db, "select distinct component from marts.kpi_scores") == [("item",)]


def test_agent_score_avg_at_center_and_team(work_db: Path) -> None:
    rows = query(
        work_db,
        "select period_grain, period_start, level, entity_id, numerator, denominator, value "
        "from marts.kpi_values where kpi_code = 'agent_score_avg'",
    )
    got = {(r[1], r[3]): r[4:] for r in rows}
    assert {r[0] for r in rows} == {"month"} and {r[2] for r in rows} == {"center", "team"}
    # Mean of the agents' totals, agents without one left out (a5 in January, a6 in April).
    want = {
        (JAN, "center"): (420, 5, 84),
        (JAN, "T1"): (290, 3, 290 / 3),
        (JAN, "T2"): (130, 2, 65),
        (FEB, "center"): (490, 6, 490 / 6),
        (FEB, "T1"): (270, 3, 90),
        (FEB, "T2"): (220, 3, 220 / 3),
        (MAR, "center"): (460, 6, 460 / 6),
        (MAR, "T1"): (260, 3, 260 / 3),
        (MAR, "T2"): (200, 3, 200 / 3),
        (APR, "center"): (405, 5, 81),
        (APR, "T1"): (255, 3, 85),
        (APR, "T2"): (150, 2, 75),
    }
    assert got.keys() == want.keys()
    for key, values in want.items():
        assert got[key] == pytest.approx(values, rel=1e-12), key


def test_other_kpi_values_are_published_unchanged(work_db: Path) -> None:
    differences = query(
        work_db,
        """
        (select * from marts.kpi_values where kpi_code <> 'agent_score_avg'
         except all select * from scores.score_measured_kpi_values)
        union all
        (select * from scores.score_measured_kpi_values
         except all select * from marts.kpi_values where kpi_code <> 'agent_score_avg')
    """,
    )
    assert differences == []


# --- the default rule seeds are the scoring tables of the KPI specification (docs/scoring.md) ---------


def read_seed(name: str) -> list[tuple[str, ...]]:
    with (PROJECT_ROOT / "seeds" / f"{name}.csv").open(encoding="utf-8") as f:
        return [tuple(row.values()) for row in csv.DictReader(f)]


def test_default_rule_sets_follow_the_spec() -> None:
    assert read_seed("scoring_rule_sets") == [
        ("center", "center", ""),
        ("frontline", "department", ""),
        ("frontline", "team", ""),
        ("frontline", "agent", ""),
        ("property_desk", "agent", "property_agent"),
        ("property_desk", "team", "property_agent"),
    ]
    rules = {(r[0], r[1]): r[2:] for r in read_seed("scoring_rules")}
    deduct = "deduct_per_unit"
    assert rules == {
        ("center", "answer_rate"): ("15", deduct, "90", "1", "1", ""),
        ("center", "non_call_processing_rate"): ("15", deduct, "100", "1", "1", ""),
        ("center", "exam_avg_score"): ("15", deduct, "80", "1", "1", ""),
        ("center", "qa_avg_score"): ("15", deduct, "80", "1", "1", ""),
        ("center", "avg_talk_seconds"): ("10", deduct, "120", "10", "1", ""),
        ("center", "agent_score_avg"): ("10", deduct, "85", "1", "1", ""),
        ("center", "major_complaint_count"): ("10", deduct, "0", "1", "2", ""),
        ("center", "report_issue_count"): ("10", deduct, "0", "1", "2", ""),
        ("frontline", "callback_rate"): ("15", "tiered", "", "", "", ""),
        ("frontline", "complaint_resolution_satisfaction_rate"): ("20", "tiered", "", "", "", ""),
        ("frontline", "csat_score"): ("20", "tiered", "", "", "", ""),
        ("frontline", "fcr_rate"): ("15", "tiered", "", "", "", ""),
        ("frontline", "avg_talk_seconds"): ("10", deduct, "120", "10", "1", ""),
        ("frontline", "qa_avg_score"): ("10", deduct, "80", "1", "1", ""),
        ("frontline", "major_complaint_count"): ("10", deduct, "0", "1", "5", ""),
        # 物业客服员月度绩效考核表: three or more incidents or defects cost the item's whole weight.
        ("property_desk", "violations_appearance"): ("5", deduct, "0", "1", "1", "3"),
        ("property_desk", "violations_discipline"): ("12", deduct, "0", "1", "2", "3"),
        ("property_desk", "violations_attitude"): ("15", deduct, "0", "1", "2", "3"),
        ("property_desk", "fee_collection_rate"): ("20", "tiered", "", "", "", ""),
        ("property_desk", "violations_facility"): ("12", deduct, "0", "1", "1", "3"),
        ("property_desk", "violations_building"): ("15", deduct, "0", "1", "3", "3"),
    }
    bands: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for rule_set, kpi, threshold, score in read_seed("scoring_bands"):
        bands.setdefault((rule_set, kpi), []).append((threshold, score))
    assert bands == {
        ("frontline", "callback_rate"): [("95", "100"), ("85", "80"), ("70", "60")],
        ("frontline", "complaint_resolution_satisfaction_rate"): [("90", "100"), ("80", "80"), ("70", "60")],
        ("frontline", "csat_score"): [("90", "100"), ("80", "80"), ("70", "60")],
        ("frontline", "fcr_rate"): [("85", "100"), ("75", "80"), ("60", "60")],
        # 低于98%扣10分 (of 20), 低于95%全扣
        ("property_desk", "fee_collection_rate"): [("98", "100"), ("95", "50")],
    }
    # 迟到早退减2分/次, 有效请假减1分/天; 第四次换班扣5分, 第五次加扣10分, 第六次扣15分
    assert read_seed("scoring_adjustments") == [
        ("frontline", "agent", "late_early_count", "deduct", "", "2", ""),
        ("frontline", "agent", "leave_days", "deduct", "", "1", ""),
        ("frontline", "agent", "shift_swap_count", "escalating_deduct", "3", "5", ""),
    ]
    assert read_seed("scoring_awards") == [("1", "500"), ("2", "300"), ("3", "200")]


def test_default_rule_seeds_pass_the_build_time_checks(tmp_path: Path) -> None:
    """The default seeds, their checks and the rule and adjustment models built from them, with every check passing."""
    seeds = ["kpis", "scoring_rule_sets", "scoring_rules", "scoring_bands", "scoring_adjustments"]
    run_dbt(["build", "--select", *seeds, "score_rules", "score_adjustment_rules"], tmp_path / "work.duckdb", tmp_path)
    with duckdb.connect(str(tmp_path / "work.duckdb"), read_only=True) as con:
        levels = con.execute("select level, rule_set, count(*) from scores.score_rules group by all order by all").fetchall()
        adjusted = con.execute("select level, rule_set, kpi_code from scores.score_adjustment_rules order by all").fetchall()
    assert levels == [
        ("agent", "frontline", 7),
        ("agent", "property_desk", 6),
        ("center", "center", 8),
        ("department", "frontline", 7),
        ("team", "frontline", 7),
        ("team", "property_desk", 6),
    ]
    assert adjusted == [
        ("agent", "frontline", "late_early_count"),
        ("agent", "frontline", "leave_days"),
        ("agent", "frontline", "shift_swap_count"),
    ]
