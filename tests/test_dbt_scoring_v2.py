"""Scoring, second version, end to end: raw tables -> `dbt build` -> marts.scorecards and marts.kpi_scores.

Rule sets by role, zero_at_units, adjustments to the total, the clamp, who is assessed and ranks within a
rule set. The build scores with its own seed tables (loaded in place of the defaults), January 2024 only:

    center        (center):              agent_score_avg 100  deduct_per_unit >= 85, 1 per point
    frontline     (department, team, agent):
                                         csat_score 50  tiered >= 90 -> 100, >= 80 -> 50, else 0
                                         major_complaint_count 50  deduct_per_unit <= 0, 10 each, zero_at_units 3
      adjustments agent:  major_complaint_count      escalating_deduct, free 3, 5 per unit
                          big_client_callback_count  bonus 2 per unit, max 5
                          complaint_resolution_hours deduct 1 per hour, max 4
      adjustments team:   major_complaint_count      deduct 1 per complaint (no cap)
    property_desk (department, team, agent; role property_agent):
                                         qa_avg_score 100  deduct_per_unit >= 80, 1 per point
      adjustments (empty level: every level of the rule set): major_complaint_count deduct 5 each

Roster (everyone hired 2023-01-01; departments D1 = T1, D2 = T3 and T4, D3 = T2):
    T1  a1..a6 call agents (role agent)
    T2  a7 call agent, s1 s2 s3 stewards (property_agent)   -> majority property_agent: property_desk
    T3  b1 steward, b2 team lead                            -> a tie, property_agent sorts first: property_desk
    T4  p1..p6 call agents for the assessment rules (probation, attendance)
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.dbt_fixture import build_work_db

JAN = date(2024, 1, 1)

RULE_SETS = [  # rule_set, level, role
    ("center", "center", None),
    ("frontline", "department", None),
    ("frontline", "team", None),
    ("frontline", "agent", None),
    ("property_desk", "agent", "property_agent"),
    ("property_desk", "team", "property_agent"),
    ("property_desk", "department", "property_agent"),
]
RULES = [  # rule_set, kpi_code, weight, rule_type, target, unit, penalty, zero_at_units
    ("center", "agent_score_avg", 100, "deduct_per_unit", 85, 1, 1, None),
    ("frontline", "csat_score", 50, "tiered", None, None, None, None),
    ("frontline", "major_complaint_count", 50, "deduct_per_unit", 0, 1, 10, 3),
    ("property_desk", "qa_avg_score", 100, "deduct_per_unit", 80, 1, 1, None),
]
BANDS = [("frontline", "csat_score", 90, 100), ("frontline", "csat_score", 80, 50)]
ADJUSTMENTS = [  # rule_set, level, kpi_code, adjustment, free_units, points_per_unit, max_points
    ("frontline", "agent", "major_complaint_count", "escalating_deduct", 3, 5, None),
    ("frontline", "agent", "big_client_callback_count", "bonus", None, 2, 5),
    ("frontline", "agent", "complaint_resolution_hours", "deduct", None, 1, 4),
    ("frontline", "team", "major_complaint_count", "deduct", None, 1, None),
    ("property_desk", None, "major_complaint_count", "deduct", None, 5, None),
]

TEAMS = {
    "T1": {"a1": "agent", "a2": "agent", "a3": "agent", "a4": "agent", "a5": "agent", "a6": "agent"},
    "T2": {"a7": "agent", "s1": "property_agent", "s2": "property_agent", "s3": "property_agent"},
    "T3": {"b1": "property_agent", "b2": "team_lead"},
    "T4": {p: "agent" for p in ("p1", "p2", "p3", "p4", "p5", "p6")},
}
DEPARTMENTS = {"T1": "D1", "T2": "D3", "T3": "D2", "T4": "D2"}
PROBATION = {"p1": "2024-01-31", "p2": "2024-01-30", "p6": "2024-02-15"}

CSAT = {"a1": 5, "a2": 4, "a3": 4, "a4": 3, "a5": 5, "a6": 5, "a7": 5}  # x 20: 100, 80, 80, 60, 100, 100, 100
MAJOR_COMPLAINTS = {"a2": 2, "a3": 3, "a4": 4, "a5": 5, "a6": 6, "s1": 1, "s3": 1, "p3": 3}
RESOLVED_IN_5_HOURS = {"a2"}  # the others' complaints are open: complaint_resolution_hours has no value
BIG_CLIENT_CALLBACKS = {"a1": 3}
QA = {"s1": 90, "s2": 70, "b1": 80}


def attendance_rows() -> list[dict[str, Any]]:
    """p3: three absent days, none present. p4: 11 leave + 11 absent + 1 present (22: assessed).
    p5: 12 leave + 11 absent + 1 present (23: absent). p6: two absent days, but on probation."""
    days: dict[str, list[str]] = {
        "p3": ["absent"] * 3,
        "p4": ["leave"] * 11 + ["absent"] * 11 + ["present"],
        "p5": ["leave"] * 12 + ["absent"] * 11 + ["present"],
        "p6": ["absent"] * 2,
    }
    return [
        {
            "agent_id": agent,
            "work_date": (JAN + timedelta(days=i)).isoformat(),
            "status": status,
            "leave_type": "annual" if status == "leave" else None,
        }
        for agent, statuses in days.items()
        for i, status in enumerate(statuses)
    ]


def fixture_rows() -> dict[str, list[dict[str, Any]]]:
    agents = [
        {
            "agent_id": agent,
            "agent_name": agent.upper(),
            "team": team,
            "department": DEPARTMENTS[team],
            "role": role,
            "hired_on": "2023-01-01",
            "probation_until": PROBATION.get(agent),
        }
        for team, members in TEAMS.items()
        for agent, role in members.items()
    ]
    surveys = [
        {"survey_id": f"s-{a}", "agent_id": a, "responded_at": "2024-01-10 10:00:00", "csat_score": s} for a, s in CSAT.items()
    ]
    complaints = [
        {
            "complaint_id": f"c-{a}-{i}",
            "agent_id": a,
            "received_at": "2024-01-10 10:00:00",
            "severity": "major",
            "is_responsible": True,
            "resolved_at": "2024-01-10 15:00:00" if a in RESOLVED_IN_5_HOURS else None,
        }
        for a, n in MAJOR_COMPLAINTS.items()
        for i in range(n)
    ]
    customers = [{"customer_id": f"k-{a}-{i}", "is_big_client": True} for a, n in BIG_CLIENT_CALLBACKS.items() for i in range(n)]
    callbacks = [
        {
            "callback_id": f"cb-{a}-{i}",
            "customer_id": f"k-{a}-{i}",
            "agent_id": a,
            "planned_date": "2024-01-05",
            "status": "completed",
            "completed_at": "2024-01-06 10:00:00",
        }
        for a, n in BIG_CLIENT_CALLBACKS.items()
        for i in range(n)
    ]
    qa = [{"review_id": f"r-{a}", "agent_id": a, "reviewed_at": "2024-01-12 09:00:00", "score": s} for a, s in QA.items()]
    return {
        "agents": agents,
        "surveys": surveys,
        "complaints": complaints,
        "customers": customers,
        "callbacks": callbacks,
        "qa_reviews": qa,
        "attendance": attendance_rows(),
    }


def load_rule_seeds(con: duckdb.DuckDBPyConnection) -> None:
    """The fixture's rule sets as the seed tables `dbt build` is told to leave alone."""
    con.execute("create schema seeds")
    con.execute("create table seeds.scoring_rule_sets (rule_set varchar, level varchar, role varchar)")
    con.executemany("insert into seeds.scoring_rule_sets values (?, ?, ?)", RULE_SETS)
    con.execute(
        "create table seeds.scoring_rules (rule_set varchar, kpi_code varchar, weight double,"
        " rule_type varchar, target double, unit double, penalty double, zero_at_units double)"
    )
    con.executemany("insert into seeds.scoring_rules values (?, ?, ?, ?, ?, ?, ?, ?)", RULES)
    con.execute("create table seeds.scoring_bands (rule_set varchar, kpi_code varchar, threshold double, band_score double)")
    con.executemany("insert into seeds.scoring_bands values (?, ?, ?, ?)", BANDS)
    con.execute(
        "create table seeds.scoring_adjustments (rule_set varchar, level varchar, kpi_code varchar, adjustment varchar,"
        " free_units double, points_per_unit double, max_points double)"
    )
    con.executemany("insert into seeds.scoring_adjustments values (?, ?, ?, ?, ?, ?, ?)", ADJUSTMENTS)


@pytest.fixture(scope="module")
def work_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_work_db(
        tmp_path_factory,
        "dbt_scoring_v2",
        fixture_rows(),
        ["--threads", "2", "--exclude", "scoring_rule_sets", "scoring_rules", "scoring_bands", "scoring_adjustments"],
        then=load_rule_seeds,
    )


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def cards(work_db: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """January's scorecards by (level, entity_id)."""
    with duckdb.connect(str(work_db), read_only=True) as con:
        rel = con.sql("select * from marts.scorecards where period_grain = 'month'")
        names = rel.columns
        rows = [dict(zip(names, r, strict=True)) for r in rel.fetchall()]
    assert {r["period_start"] for r in rows} == {JAN}
    return {(r["level"], r["entity_id"]): r for r in rows}


@pytest.fixture(scope="module")
def adjustments(work_db: Path) -> dict[tuple[str, str], tuple]:
    """marts.kpi_scores adjustment rows: (entity_id, kpi_code) -> (rule_type, value, weight, target, points)."""
    rows = query(
        work_db,
        "select entity_id, kpi_code, rule_type, value, weight, target, points from marts.kpi_scores"
        " where component = 'adjustment'",
    )
    return {(r[0], r[1]): r[2:] for r in rows}


def scores(cards: dict, level: str, *names: str) -> dict[str, tuple]:
    return {e: tuple(card[n] for n in names) for (lvl, e), card in cards.items() if lvl == level}


# Frontline agents: csat band (100 -> 50 points, 50 -> 25, else 0) + major complaints (50 - 10 each, 0 from 3 on);
# adjustments: escalating (units above 3 cost 5, 10, 15 ...), callback bonus (2 each, at most 5), resolution
# hours (1 per hour, at most 4).
#   a1: 50 + 50 = 100; bonus 3 x 2 = 6 -> 5; 100 + 5 clamped to 100
#   a2: 25 + (50 - 20) = 55; 2 complaints free; 5 hours -> -4 (max); 51
#   a3: 25 + 0 (3 complaints: zero_at_units, not 50 - 30 = 20) = 25; 3 swaps free; no resolved complaint -> 0
#   a4: 0 + 0 = 0; 4 complaints -> -5; clamped to 0
#   a5: 50 + 0 = 50; 5 -> -(5 + 10) = -15; 35
#   a6: 50 + 0 = 50; 6 -> -(5 + 10 + 15) = -30; 20
#   a7: 50 + 50 = 100; b2, p2, p4: no survey (csat leaves the total), no complaint: 50 of 50 -> 100
# Stewards (qa_avg_score 100 - 1 per point under 80; -5 per major complaint):
#   s1: 100 - 5 = 95; s2: 90; s3: no QA -> base NULL, -5 but the total stays NULL; b1: 100
AGENTS = {  # base_score, scored_weight, adjustment_points, total_score
    "a1": (100, 100, 5, 100),
    "a2": (55, 100, -4, 51),
    "a3": (25, 100, 0, 25),
    "a4": (0, 100, -5, 0),
    "a5": (50, 100, -15, 35),
    "a6": (50, 100, -30, 20),
    "a7": (100, 100, 0, 100),
    "b2": (100, 50, 0, 100),
    "p2": (100, 50, 0, 100),
    "p4": (100, 50, 0, 100),
    "s1": (100, 100, -5, 95),
    "s2": (90, 100, 0, 90),
    "s3": (None, 0, -5, None),
    "b1": (100, 100, 0, 100),
}
NOT_ASSESSED = {"p1": "probation", "p3": "absent", "p5": "absent", "p6": "probation"}


def test_agent_totals_with_adjustments_and_clamp(cards: dict) -> None:
    got = scores(cards, "agent", "base_score", "scored_weight", "adjustment_points", "total_score")
    assert {a: v for a, v in got.items() if a not in NOT_ASSESSED} == AGENTS


def test_adjustment_rows_of_kpi_scores(adjustments: dict) -> None:
    # value = the units, weight and target NULL, points signed; a KPI without a value adjusts by 0.
    esc, bonus, deduct = "escalating_deduct", "bonus", "deduct"
    assert adjustments[("a3", "major_complaint_count")] == (esc, 3.0, None, None, 0.0)
    assert adjustments[("a4", "major_complaint_count")] == (esc, 4.0, None, None, -5.0)
    assert adjustments[("a5", "major_complaint_count")] == (esc, 5.0, None, None, -15.0)
    assert adjustments[("a6", "major_complaint_count")] == (esc, 6.0, None, None, -30.0)
    assert adjustments[("a1", "big_client_callback_count")] == (bonus, 3.0, None, None, 5.0)
    assert adjustments[("a2", "big_client_callback_count")] == (bonus, 0.0, None, None, 0.0)
    assert adjustments[("a2", "complaint_resolution_hours")] == (deduct, 5.0, None, None, -4.0)
    assert adjustments[("a3", "complaint_resolution_hours")] == (deduct, None, None, None, 0.0)
    assert adjustments[("T1", "major_complaint_count")] == (deduct, 20.0, None, None, -20.0)
    assert adjustments[("T4", "major_complaint_count")] == (deduct, 3.0, None, None, -3.0)
    assert adjustments[("s3", "major_complaint_count")] == (deduct, 1.0, None, None, -5.0)
    assert adjustments[("T2", "major_complaint_count")] == (deduct, 2.0, None, None, -10.0)
    assert adjustments[("D3", "major_complaint_count")] == (deduct, 2.0, None, None, -10.0)
    # Three adjustments per assessed frontline agent, one per steward and property-desk team, one per frontline team.
    per_entity: dict[str, int] = {}
    for entity, _ in adjustments:
        per_entity[entity] = per_entity.get(entity, 0) + 1
    frontline = ["a1", "a2", "a3", "a4", "a5", "a6", "a7", "b2", "p2", "p4"]
    one_each = ["s1", "s2", "s3", "b1", "T2", "T3", "D3", "T1", "T4"]
    assert per_entity == {**dict.fromkeys(frontline, 3), **dict.fromkeys(one_each, 1)}


def test_item_rows_keep_their_shape(work_db: Path) -> None:
    rows = query(
        work_db,
        "select entity_id, kpi_code, rule_type, value, weight, points, target from marts.kpi_scores where component = 'item'",
    )
    items = {(r[0], r[1]): r[2:] for r in rows}
    # zero_at_units: 2 complaints lose 2 x 10, 3 lose everything; a tiered band of 50 gives 25 of 50.
    assert items[("a2", "major_complaint_count")] == ("deduct_per_unit", 2.0, 50.0, 30.0, 0.0)
    assert items[("a3", "major_complaint_count")] == ("deduct_per_unit", 3.0, 50.0, 0.0, 0.0)
    assert items[("a2", "csat_score")] == ("tiered", 80.0, 50.0, 25.0, 90.0)
    assert items[("s2", "qa_avg_score")] == ("deduct_per_unit", 70.0, 100.0, 90.0, 80.0)
    # A not-assessed agent has no kpi_scores rows at all.
    entities = {r[0] for r in query(work_db, "select distinct entity_id from marts.kpi_scores")}
    assert entities.isdisjoint(NOT_ASSESSED)


def test_rule_sets_by_role(cards: dict) -> None:
    rule_sets = {e: card["rule_set"] for (_, e), card in cards.items()}
    # T2 and D3 (a7 and three stewards): the majority role; T3 (b1 steward, b2 team lead): a tie, and
    # property_agent sorts before team_lead; D2 (b1, b2 and six call agents): the call agents' frontline.
    assert {e for e, r in rule_sets.items() if r == "property_desk"} == {"s1", "s2", "s3", "b1", "T2", "T3", "D3"}
    assert (rule_sets["D1"], rule_sets["D2"]) == ("frontline", "frontline")
    # b2 is a team lead: no (agent, team_lead) row, so the agent level's row without a role.
    assert (rule_sets["b2"], rule_sets["a7"], rule_sets["T1"], rule_sets["T4"], rule_sets["center"]) == (
        "frontline",
        "frontline",
        "frontline",
        "frontline",
        "center",
    )


def test_ranks_within_rule_set(cards: dict) -> None:
    rank = scores(cards, "agent", "rank", "ranked_entities")
    # Frontline agents: five at 100 share rank 1, then 51, 35, 25, 20, 0; the stewards are ranked apart.
    assert {a: rank[a] for a in ["a1", "a7", "b2", "p2", "p4", "a2", "a5", "a3", "a6", "a4"]} == {
        **{a: (1, 10) for a in ["a1", "a7", "b2", "p2", "p4"]},
        "a2": (6, 10),
        "a5": (7, 10),
        "a3": (8, 10),
        "a6": (9, 10),
        "a4": (10, 10),
    }
    assert {a: rank[a] for a in ["b1", "s1", "s2", "s3"]} == {"b1": (1, 3), "s1": (2, 3), "s2": (3, 3), "s3": (None, 3)}
    # A not-assessed agent shows the ranked agents of the rule set it would be scored with.
    assert {a: rank[a] for a in NOT_ASSESSED} == dict.fromkeys(NOT_ASSESSED, (None, 10))
    # Teams: T1 25 - 20 = 5 and T4 0 - 3 -> 0 (frontline); T3 100 and T2 100 - 10 = 90 (property desk).
    assert scores(cards, "team", "rule_set", "total_score", "rank", "ranked_entities") == {
        "T1": ("frontline", 5.0, 1, 2),
        "T4": ("frontline", 0.0, 2, 2),
        "T3": ("property_desk", 100.0, 1, 2),
        "T2": ("property_desk", 90.0, 2, 2),
    }
    # Departments: D1 as T1 without the team adjustment (25), D2 0 (p3's three complaints), D3 as T2 (90).
    assert scores(cards, "department", "rule_set", "total_score", "rank", "ranked_entities") == {
        "D1": ("frontline", 25.0, 1, 2),
        "D2": ("frontline", 0.0, 2, 2),
        "D3": ("property_desk", 90.0, 1, 1),
    }
    # Improvement plans among the ten frontline agents only (three stewards are too few).
    plans = {a for (lvl, a), card in cards.items() if lvl == "agent" and card["improvement_plan_required"]}
    assert plans == {"a3", "a6", "a4"}


def test_who_is_assessed(cards: dict) -> None:
    got = scores(
        cards,
        "agent",
        "assessed",
        "not_assessed_reason",
        "total_score",
        "base_score",
        "scored_weight",
        "adjustment_points",
        "grade",
        "pay_ratio",
        "rank",
        "award_amount",
        "improvement_plan_required",
        "at_risk",
        "rule_set",
    )
    # p1: probation until January's last day; p6: on probation and absent (probation wins); p3: no day present;
    # p5: 23 leave and absent days. p2 (probation until the day before), p4 (22 days) and every agent
    # without attendance rows are assessed.
    for agent, reason in NOT_ASSESSED.items():
        assert got[agent] == (False, reason, *[None] * 7, 0, False, False, "frontline")
    others = [card for (_, entity), card in cards.items() if entity not in NOT_ASSESSED]
    assert all(card["assessed"] and card["not_assessed_reason"] is None for card in others)


def test_agent_score_avg_leaves_out_agents_not_assessed(work_db: Path) -> None:
    rows = query(
        work_db,
        "select level, entity_id, numerator, denominator, value from marts.kpi_values where kpi_code = 'agent_score_avg'",
    )
    got = {(r[0], r[1]): r[2:] for r in rows}
    # T2: a7 100, s1 95, s2 90 (s3 has no total); T4: p2 and p4 (p1, p3, p5, p6 are not assessed).
    # Centre: 100 + 51 + 25 + 0 + 35 + 20 + 100 + 95 + 90 + 100 + 100 + 100 + 100 = 916 over 13 agents.
    want = {
        ("center", "center"): (916, 13, 916 / 13),
        ("team", "T1"): (231, 6, 38.5),
        ("team", "T2"): (285, 3, 95),
        ("team", "T3"): (200, 2, 100),
        ("team", "T4"): (200, 2, 100),
    }
    # Departments: D1 = T1; D2 = b1, b2, p2, p4; D3 = T2.
    want |= {
        ("department", "D1"): (231, 6, 38.5),
        ("department", "D2"): (400, 4, 100),
        ("department", "D3"): (285, 3, 95),
    }
    assert got == {k: pytest.approx(v, rel=1e-12) for k, v in want.items()}


def test_centre_scored_from_the_assessed_agents(cards: dict) -> None:
    # agent_score_avg 70.46 is 14.54 points short of 85: 14 whole units -> 100 - 14 = 86.
    assert scores(cards, "center", "base_score", "adjustment_points", "total_score", "rank", "ranked_entities") == {
        "center": (86.0, 0.0, 86.0, 1, 1)
    }


# --- the build-time checks of the scoring seeds -----------------------------------------------------------------------

BROKEN_RULE_SETS = RULE_SETS + [
    ("frontline_bis", "agent", "property_agent"),  # a second rule set for (agent, property_agent)
    ("frontline", "agent", "steward"),  # not a roster role
]
BROKEN_RULES = RULES + [
    ("frontline", "fcr_rate", 10, "tiered", None, None, None, 3),  # zero_at_units on a tiered rule
]
BROKEN_ADJUSTMENTS = [
    ("frontline", "agent", "major_complaint_count", "penalty", None, 1, None),  # unknown adjustment type
    ("frontline", "agent", "report_issue_count", "deduct", None, 1, None),  # not published at agent level
    ("frontline", "agent", "csat_score", "deduct", None, -1, None),  # negative points
    ("frontline", "agent", "qa_avg_score", "deduct", 2, 1, None),  # free units on a plain deduct
    ("frontline", "agent", "big_client_callback_count", "bonus", None, 1, None),  # a bonus without its cap
    ("center", "agent", "fcr_rate", "deduct", None, 1, None),  # agent is no level of center
    ("frontline", None, "callback_rate", "deduct", None, 1, None),  # with the next row: adjusted twice at team level
    ("frontline", "team", "callback_rate", "bonus", None, 1, 2),
]


def failed_checks(tmp: Path, command: list[str]) -> set[str]:
    """The checks (dbt tests) that fail in `dbt <command>`, by the name of the test and what it is attached to."""
    from tests.test_dbt_project import run_dbt

    with pytest.raises(AssertionError):
        run_dbt(command, tmp / "work.duckdb", tmp)
    results = json.loads((tmp / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
    manifest = json.loads((tmp / "target" / "manifest.json").read_text(encoding="utf-8"))["nodes"]
    failed = set()
    for result in results:
        if result["status"] == "fail":
            node = manifest[result["unique_id"]]
            kwargs = node["test_metadata"]["kwargs"]
            target = kwargs.get("column_name") or ", ".join(kwargs.get("columns", []))
            named = node["test_metadata"]["name"] == "expression_is_true"
            failed.add(node["name"] if named else f"{node['test_metadata']['name']}({target})")
    return failed


def test_broken_scoring_seeds_stop_the_build(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "work.duckdb")) as con:
        con.execute("create schema seeds")
        con.execute("create table seeds.scoring_rule_sets (rule_set varchar, level varchar, role varchar)")
        con.executemany("insert into seeds.scoring_rule_sets values (?, ?, ?)", BROKEN_RULE_SETS)
        con.execute(
            "create table seeds.scoring_rules (rule_set varchar, kpi_code varchar, weight double,"
            " rule_type varchar, target double, unit double, penalty double, zero_at_units double)"
        )
        con.executemany("insert into seeds.scoring_rules values (?, ?, ?, ?, ?, ?, ?, ?)", BROKEN_RULES)
        con.execute("create table seeds.scoring_bands (rule_set varchar, kpi_code varchar, threshold double, band_score double)")
        con.executemany("insert into seeds.scoring_bands values (?, ?, ?, ?)", [*BANDS, ("frontline", "fcr_rate", 80, 100)])
        con.execute(
            "create table seeds.scoring_adjustments (rule_set varchar, level varchar, kpi_code varchar, adjustment varchar,"
            " free_units double, points_per_unit double, max_points double)"
        )
        con.executemany("insert into seeds.scoring_adjustments values (?, ?, ?, ?, ?, ?, ?)", BROKEN_ADJUSTMENTS)
    seeds = ["scoring_rule_sets", "scoring_rules", "scoring_bands", "scoring_adjustments"]
    # The rule and adjustment models, built on the broken seed tables, and the seeds' own tests.
    models = failed_checks(tmp_path, ["build", "--select", "kpis", "score_rules", "score_adjustment_rules"])
    assert models == {
        "score_adjustment_rules_kpi_is_published_at_the_level",
        "score_adjustment_rules_level_is_a_level_of_the_rule_set",
        "unique_combination(level, rule_set, kpi_code)",
    }
    assert failed_checks(tmp_path, ["test", "--select", *seeds]) == {
        "unique_combination(level, role)",
        "accepted_values(role)",
        "scoring_rules_zero_at_units_only_for_deduct_per_unit",
        "accepted_values(adjustment)",
        "scoring_adjustments_points_are_not_negative",
        "scoring_adjustments_free_units_only_for_escalating_deduct",
        "scoring_adjustments_bonus_has_max_points",
    }
