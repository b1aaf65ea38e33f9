"""The assessment end to end with the default seeds: raw rows -> `dbt build` -> every assessment mart.

A small service centre, January-March 2026, with two departments:

    客服处 (team T1, frontline):  a1, a2, a3 (leaves 2026-03-20), a4 (leaves 2026-02-14, roster
                                  pay_base 333.33), l1 (team lead)
    物业服务中心 (team S1):        s1 (probation until 2026-01-30), s2 (probation until 2026-01-31),
                                  s4 (probation until 2026-06-30), stewards (property_agent); s3 (agent)

No calls, tickets, surveys, QA or exams: with the default `frontline` rules every KPI but
major_complaint_count (0: its full 10 points) and callback_rate (a1: 2 of 2 customers, 100 %: 15
points) has no value, so a frontline base score is 100 and the totals move by the adjustments only
(late/early 2 per time, personal/sick leave 1 per day, shift swaps beyond 3: 5, 10, 15 ...).
Stewards are scored by `property_desk` (appearance 5, discipline 12, attitude 15, fee collection 20,
facility 12, building 15 = 79). The centre (`center` rules) has values for agent_score_avg,
major_complaint_count and report_issue_count only. Every expected value below is worked out by hand
in the comments beside it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.dbt_fixture import Key, build_work_db, check, read_kpi_values

JAN, FEB, MAR = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
Q1 = date(2026, 1, 1)
CS, PM = "客服处", "物业服务中心"


def agent(agent_id: str, name: str, team: str, department: str, role: str, **fields: Any) -> dict[str, Any]:
    return {
        "agent_id": agent_id,
        "agent_name": name,
        "team": team,
        "department": department,
        "role": role,
        "hired_on": "2025-01-01",
        **fields,
    }


AGENTS = [
    agent("a1", "甲", "T1", CS, "agent", level="junior"),
    agent("a2", "乙", "T1", CS, "agent", level="senior"),
    agent("a3", "丙", "T1", CS, "agent", left_on="2026-03-20"),
    agent("a4", "丁", "T1", CS, "agent", left_on="2026-02-14", pay_base=333.33),
    agent("l1", "戊", "T1", CS, "team_lead"),
    agent("s1", "己", "S1", PM, "property_agent", level="intermediate", hired_on="2025-06-01", probation_until="2026-01-30"),
    agent("s2", "庚", "S1", PM, "property_agent", hired_on="2025-12-01", probation_until="2026-01-31"),
    agent("s3", "辛", "S1", PM, "agent"),
    agent("s4", "壬", "S1", PM, "property_agent", hired_on="2026-01-01", probation_until="2026-06-30"),
]


def day(agent_id: str, work_date: str, status: str, **fields: Any) -> dict[str, Any]:
    return {"agent_id": agent_id, "work_date": work_date, "status": status, **fields}


ATTENDANCE = [
    # a1, January: late 4 (under the grace: 0), late 5 (1), late 6 + early 5 + missed punch (3),
    # early 4 (0) -> late_early_count 4; leave personal, sick, NULL type (3 deductible), annual (0);
    # one absent day. 9 scheduled days, 4 present.
    day("a1", "2026-01-05", "present", late_minutes=4),
    day("a1", "2026-01-06", "present", late_minutes=5),
    day("a1", "2026-01-07", "present", late_minutes=6, early_leave_minutes=5, missed_punch=True),
    day("a1", "2026-01-08", "leave", leave_type="personal"),
    day("a1", "2026-01-09", "leave", leave_type="sick"),
    day("a1", "2026-01-12", "leave", leave_type="annual"),
    day("a1", "2026-01-13", "leave"),
    day("a1", "2026-01-14", "absent"),
    day("a1", "2026-01-15", "present", early_leave_minutes=4),
    # a1, February: 1 present + 22 days of annual leave: leave + absent = 22, not above the limit.
    day("a1", "2026-02-01", "present"),
    *[day("a1", f"2026-02-{d:02d}", "leave", leave_type="annual") for d in range(2, 24)],
    # a2, February: 1 present + 23 days of annual leave: 23 > 22 -> not assessed (absent).
    day("a2", "2026-02-01", "present"),
    *[day("a2", f"2026-02-{d:02d}", "leave", leave_type="annual") for d in range(2, 25)],
    # a3 leaves on 2026-03-20: 5 scheduled days in March, 4 present -> proration 0.8.
    day("a3", "2026-03-02", "present"),
    day("a3", "2026-03-03", "present"),
    day("a3", "2026-03-04", "absent"),
    day("a3", "2026-03-05", "present"),
    day("a3", "2026-03-06", "present"),
]

SWAPS = [
    # January: a2 with x9 (not on the roster) 4 times; a3 with l1 6 times (one team: 2 per swap).
    *[{"swap_id": f"w{i}", "swap_date": "2026-01-20", "agent_id": "a2", "counterpart_agent_id": "x9"} for i in range(1, 5)],
    *[{"swap_id": f"w{i}", "swap_date": "2026-01-21", "agent_id": "a3", "counterpart_agent_id": "l1"} for i in range(5, 11)],
]


def violation(vid: str, at: str, category: str, **fields: Any) -> dict[str, Any]:
    return {"violation_id": vid, "occurred_at": at, "category": category, **fields}


VIOLATIONS = [
    # s1, January: the third appearance incident (1 point and 10 yuan each by default).
    violation("v1", "2026-01-10 09:00:00", "appearance", agent_id="s1", inspector_level="center"),
    violation("v2", "2026-01-11 09:00:00", "appearance", agent_id="s1", inspector_level="hq"),
    violation("v3", "2026-01-12 09:00:00", "appearance", agent_id="s1", inspector_level="department"),
    # s2, January (on probation): 2 points each; a fine of 0 is 0, a missing fine is 2 x 10.
    violation("v4", "2026-01-13 09:00:00", "appearance", agent_id="s2", points=2, fine_yuan=0),
    violation("v5", "2026-01-14 09:00:00", "appearance", agent_id="s2", points=2),
    # Only a team: reaches S1 and the centre (1 point, 10 yuan). Neither: the centre only.
    violation("v6", "2026-01-15 09:00:00", "facility", team="S1", inspector_level="region"),
    violation("v7", "2026-01-16 09:00:00", "other", points=3, fine_yuan=50),
    # s2, February: two discipline incidents (2 points and 20 yuan each by default).
    violation("v8", "2026-02-10 09:00:00", "discipline", agent_id="s2"),
    violation("v9", "2026-02-11 09:00:00", "discipline", agent_id="s2"),
]

FEES = [
    {"period_month": "2026-01-01", "building": "B1", "agent_id": "s1", "households_due": 100, "households_paid": 96},
    # February: 49/50 and 98/100 pool to 147/150 = exactly 98 %.
    {"period_month": "2026-02-01", "building": "B1", "agent_id": "s1", "households_due": 50, "households_paid": 49},
    {"period_month": "2026-02-01", "building": "B2", "agent_id": "s1", "households_due": 100, "households_paid": 98},
]

CHECKS = [
    {"check_id": "c1", "check_date": "2026-03-09", "building": "B1", "agent_id": "s1", "items_checked": 20, "items_intact": 19}
]

CALLBACKS = [
    {
        "callback_id": "cb1",
        "customer_id": "k1",
        "agent_id": "a1",
        "planned_date": "2026-01-05",
        "status": "completed",
        "completed_at": "2026-01-06 10:00:00",
    },
    {
        "callback_id": "cb2",
        "customer_id": "k2",
        "agent_id": "a1",
        "planned_date": "2026-01-05",
        "status": "completed",
        "completed_at": "2026-01-07 10:00:00",
    },
    {"callback_id": "cb3", "customer_id": "k3", "agent_id": "a1", "planned_date": "2026-01-05", "status": "cancelled"},
]


def rating(
    rid: str, agent_id: str, rater_type: str, score: float, rater_id: str | None = None, item: str | None = None
) -> dict[str, Any]:
    return {
        "rating_id": rid,
        "period_month": "2026-01-01",
        "agent_id": agent_id,
        "rater_type": rater_type,
        "rater_id": rater_id,
        "item": item,
        "score": score,
    }


RATINGS = [
    # a1: self 90 and 80 (one rater: 85); supervisor l1 90 and 70 (80) and one without rater_id (86):
    # supervisor 83; manager 90. Combined 0.7 x 83 + 0.3 x 90 = 85.1; 4 raters.
    rating("r1", "a1", "self", 90, "a1", "工作态度"),
    rating("r2", "a1", "self", 80, "a1", "业务能力"),
    rating("r3", "a1", "supervisor", 90, "l1", "工作态度"),
    rating("r4", "a1", "supervisor", 70, "l1", "业务能力"),
    rating("r5", "a1", "supervisor", 86),
    rating("r6", "a1", "manager", 90, "m1"),
    # a2: only a self rating: no combined score.
    rating("r7", "a2", "self", 95, "a2"),
]


def fixture_rows() -> dict[str, list[dict[str, Any]]]:
    return {
        "agents": AGENTS,
        "attendance": ATTENDANCE,
        "shift_swaps": SWAPS,
        "violations": VIOLATIONS,
        "fee_collection": FEES,
        "facility_checks": CHECKS,
        "callbacks": CALLBACKS,
        "ratings": RATINGS,
    }


@pytest.fixture(scope="module")
def work_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_work_db(tmp_path_factory, "assessment", fixture_rows(), ["--threads", "2"])


@pytest.fixture(scope="module")
def kpi_values(work_db: Path) -> dict[Key, tuple[Any, Any, Any]]:
    return read_kpi_values(work_db)


def rows(db: Path, sql: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(db), read_only=True) as con:
        rel = con.sql(sql)
        return [dict(zip(rel.columns, r, strict=True)) for r in rel.fetchall()]


def same(got: Any, want: Any) -> bool:
    if want is None or isinstance(want, bool | str | date):
        return got == want and (want is not None or got is None)
    return got == pytest.approx(want, rel=1e-12, abs=1e-12)


def assert_rows(got: dict[Any, dict[str, Any]], want: dict[Any, dict[str, Any]]) -> None:
    assert set(got) == set(want)
    for key, columns in want.items():
        for name, value in columns.items():
            assert same(got[key][name], value), f"{key} {name}: got {got[key][name]!r}, want {value!r}"


# --- KPI values ------------------------------------------------------------------------------------


def test_attendance_kpis(kpi_values: dict[Key, tuple]) -> None:
    for level, entity in (("agent", "a1"), ("team", "T1"), ("department", CS), ("center", "center")):
        check(kpi_values, "late_early_count", {("month", JAN, level, entity): (None, None, 4)})
        check(kpi_values, "leave_days", {("month", JAN, level, entity): (None, None, 3)})
        # February's annual leave is an entitlement: 0.
        check(kpi_values, "leave_days", {("month", FEB, level, entity): (None, None, 0)})
    check(
        kpi_values,
        "absent_days",
        {("month", JAN, "agent", "a1"): (None, None, 1), ("quarter", Q1, "center", "center"): (None, None, 2)},
    )
    check(
        kpi_values,
        "attendance_rate",
        {
            ("month", JAN, "agent", "a1"): (4, 9, 4 / 9),
            ("month", MAR, "agent", "a3"): (4, 5, 0.8),
            # Q1, T1: 4 + 1 + 1 + 4 present of 9 + 23 + 24 + 5 scheduled.
            ("quarter", Q1, "team", "T1"): (10, 61, 10 / 61),
            ("month", JAN, "agent", "a2"): (0, 0, None),
        },
    )
    # 2 completed callbacks (the cancelled one left out) / (200 x 9 scheduled days); none scheduled: NULL.
    check(
        kpi_values,
        "callback_quota_completion_rate",
        {("month", JAN, "agent", "a1"): (2, 1800, 2 / 1800), ("month", JAN, "agent", "a2"): (0, 0, None)},
    )


def test_shift_swap_count(kpi_values: dict[Key, tuple]) -> None:
    # a2 x 4 with x9 (off the roster: the centre only); a3 with l1 x 6 (2 per swap in T1).
    check(
        kpi_values,
        "shift_swap_count",
        {
            ("month", JAN, "agent", "a2"): (None, None, 4),
            ("month", JAN, "agent", "a3"): (None, None, 6),
            ("month", JAN, "agent", "l1"): (None, None, 6),
            ("month", JAN, "team", "T1"): (None, None, 16),
            ("month", JAN, "department", CS): (None, None, 16),
            ("month", JAN, "center", "center"): (None, None, 20),
        },
    )


def test_violation_kpis(kpi_values: dict[Key, tuple]) -> None:
    check(
        kpi_values,
        "violations_appearance",
        {
            ("month", JAN, "agent", "s1"): (None, None, 3),
            ("month", JAN, "agent", "s2"): (None, None, 2),
            ("month", JAN, "team", "S1"): (None, None, 5),
            ("month", JAN, "center", "center"): (None, None, 5),
        },
    )
    check(
        kpi_values,
        "violations_facility",
        {("month", JAN, "team", "S1"): (None, None, 1), ("month", JAN, "department", PM): (None, None, 0)},
    )
    check(
        kpi_values,
        "violations_other",
        {("month", JAN, "center", "center"): (None, None, 1), ("month", JAN, "team", "S1"): (None, None, 0)},
    )
    # Points: s1 3 x 1; s2 2 + 2; v6 1 (team S1, not its department); v7 3 (the centre).
    check(
        kpi_values,
        "deduction_points",
        {
            ("month", JAN, "agent", "s1"): (None, None, 3),
            ("month", JAN, "agent", "s2"): (None, None, 4),
            ("month", JAN, "team", "S1"): (None, None, 8),
            ("month", JAN, "department", PM): (None, None, 7),
            ("month", JAN, "center", "center"): (None, None, 11),
            ("month", FEB, "agent", "s2"): (None, None, 4),
            ("quarter", Q1, "center", "center"): (None, None, 15),
        },
    )
    # Fines: s1 3 x 10; s2 0 + 2 x 10; v6 10; v7 50.
    check(
        kpi_values,
        "fine_amount",
        {
            ("month", JAN, "agent", "s1"): (None, None, 30),
            ("month", JAN, "agent", "s2"): (None, None, 20),
            ("month", JAN, "team", "S1"): (None, None, 60),
            ("month", JAN, "center", "center"): (None, None, 110),
            ("month", FEB, "agent", "s2"): (None, None, 40),
        },
    )


def test_property_desk_kpis(kpi_values: dict[Key, tuple]) -> None:
    check(
        kpi_values,
        "fee_collection_rate",
        {
            ("month", JAN, "agent", "s1"): (96, 100, 0.96),
            ("month", FEB, "agent", "s1"): (147, 150, 0.98),
            ("month", FEB, "department", PM): (147, 150, 0.98),
            ("quarter", Q1, "team", "S1"): (243, 250, 0.972),
            ("month", FEB, "agent", "s2"): (0, 0, None),
        },
    )
    check(
        kpi_values,
        "facility_intact_rate",
        {("month", MAR, "agent", "s1"): (19, 20, 0.95), ("month", MAR, "center", "center"): (19, 20, 0.95)},
    )


def test_rating_score(kpi_values: dict[Key, tuple]) -> None:
    # a1's combined 85.1; a2 has only a self rating, so no combined score and no share in T1's mean.
    check(
        kpi_values,
        "rating_score",
        {
            ("month", JAN, "agent", "a1"): (85.1, 1, 85.1),
            ("month", JAN, "agent", "a2"): (0, 0, None),
            ("month", JAN, "team", "T1"): (85.1, 1, 85.1),
            ("month", JAN, "department", CS): (85.1, 1, 85.1),
            ("quarter", Q1, "center", "center"): (85.1, 1, 85.1),
        },
    )


def test_agent_score_avg(kpi_values: dict[Key, tuple]) -> None:
    # January, assessed agents: a1 89, a2 95, a3 70, a4 100, l1 70, s3 100, s1 6400/79 (s2, s4 on probation).
    check(
        kpi_values,
        "agent_score_avg",
        {
            ("month", JAN, "center", "center"): (524 + 6400 / 79, 7, (524 + 6400 / 79) / 7),
            ("month", JAN, "team", "T1"): (424, 5, 84.8),
            ("month", JAN, "department", PM): (100 + 6400 / 79, 2, (100 + 6400 / 79) / 2),
            # February: a2 not assessed; s2 5500/59.
            ("month", FEB, "center", "center"): (600 + 5500 / 59, 7, (600 + 5500 / 59) / 7),
        },
    )


# --- Scores ----------------------------------------------------------------------------------------


def test_adjustment_rows_of_kpi_scores(work_db: Path) -> None:
    got = {
        (r["period_start"], r["entity_id"], r["kpi_code"]): r
        for r in rows(work_db, "select * from marts.kpi_scores where component = 'adjustment' and level = 'agent'")
    }
    want = {
        (JAN, "a1", "late_early_count"): {"value": 4, "weight": None, "points": -8},
        (JAN, "a1", "leave_days"): {"value": 3, "weight": None, "points": -3},
        (JAN, "a1", "shift_swap_count"): {"value": 0, "weight": None, "points": 0},
        (JAN, "a2", "shift_swap_count"): {"value": 4, "weight": None, "points": -5},
        (JAN, "a3", "shift_swap_count"): {"value": 6, "weight": None, "points": -30},
        (JAN, "l1", "shift_swap_count"): {"value": 6, "weight": None, "points": -30},
    }
    for key, columns in want.items():
        for name, value in columns.items():
            assert same(got[key][name], value), f"{key} {name}: got {got[key][name]!r}, want {value!r}"
    # Only frontline agents get adjustment rows (3 rules each); not-assessed agents get no rows at all.
    frontline = {"a1", "a2", "a3", "a4", "l1", "s3"}
    assert {e for (m, e, _) in got if m == JAN} == frontline
    assert {e for (m, e, _) in got if m == FEB} == frontline - {"a2"}
    assert not rows(
        work_db,
        "select * from marts.kpi_scores where entity_id in ('s4') or (entity_id = 's2' and period_start = date '2026-01-01')",
    )


def test_property_desk_points(work_db: Path) -> None:
    got = {
        (r["period_start"], r["entity_id"], r["kpi_code"]): r["points"]
        for r in rows(work_db, "select * from marts.kpi_scores where rule_set = 'property_desk' and component = 'item'")
    }
    # s1, January: 3 appearance incidents = zero_at_units -> 0 of 5; 96 % -> band 50 -> 10 of 20.
    assert got[(JAN, "s1", "violations_appearance")] == 0
    assert got[(JAN, "s1", "fee_collection_rate")] == 10
    assert got[(JAN, "s1", "violations_discipline")] == 12
    # s1, February: exactly 98 % pooled over B1 and B2 -> the full 20.
    assert got[(FEB, "s1", "fee_collection_rate")] == 20
    # s2, February: 2 discipline incidents -> 12 - 2 x 2 = 8; no fee rows -> no points, weight leaves.
    assert got[(FEB, "s2", "violations_discipline")] == 8
    assert got[(FEB, "s2", "fee_collection_rate")] is None
    # Team S1 (3 stewards, 1 agent: the property desk), January: 5 appearance incidents -> 0; v6 -> 11 of 12.
    assert got[(JAN, "S1", "violations_appearance")] == 0
    assert got[(JAN, "S1", "violations_facility")] == 11


MONTH_CARDS = {
    # (month, level, entity): rule_set, assessed, reason, base, adjustment, total, grade, rank, ranked, pay_ratio, award, plan
    # January, frontline agents: 89 (a1: -8 -3), 95 (a2: -5), 70 (a3, l1: -30), 100 (a4, s3).
    (JAN, "agent", "a1"): ("frontline", True, None, 100, -11, 89, "B", 4, 6, 0.90, 0, True),
    (JAN, "agent", "a2"): ("frontline", True, None, 100, -5, 95, "A", 3, 6, 0.95, 0, False),
    (JAN, "agent", "a3"): ("frontline", True, None, 100, -30, 70, "C", 5, 6, 0.70, 0, True),
    (JAN, "agent", "a4"): ("frontline", True, None, 100, 0, 100, "A", 1, 6, 1.00, 0, False),
    (JAN, "agent", "l1"): ("frontline", True, None, 100, -30, 70, "C", 5, 6, 0.70, 0, True),
    (JAN, "agent", "s3"): ("frontline", True, None, 100, 0, 100, "A", 1, 6, 1.00, 0, False),
    # s1: 64 of 79 points; probation ended on the 30th. s2 (probation to the 31st) and s4 are not assessed.
    (JAN, "agent", "s1"): ("property_desk", True, None, 6400 / 79, 0, 6400 / 79, "B", 1, 1, 0.80, 0, False),
    (JAN, "agent", "s2"): ("property_desk", False, "probation", None, None, None, None, None, 1, None, 0, False),
    (JAN, "agent", "s4"): ("property_desk", False, "probation", None, None, None, None, None, 1, None, 0, False),
    # S1, January: 0 + 12 + 15 + 10 + 11 + 15 = 63 of 79.
    (JAN, "team", "T1"): ("frontline", True, None, 100, 0, 100, "A", 1, 1, 1.00, 0, False),
    (JAN, "team", "S1"): ("property_desk", True, None, 6300 / 79, 0, 6300 / 79, "C", 1, 1, 0.80, 0, False),
    (JAN, "department", CS): ("frontline", True, None, 100, 0, 100, "A", 1, 2, 1.00, 0, False),
    (JAN, "department", PM): ("frontline", True, None, 100, 0, 100, "A", 1, 2, 1.00, 0, False),
    # The centre: agent_score_avg 86.43 >= 85 (10), no major complaints (10), no report issues (10).
    (JAN, "center", "center"): ("center", True, None, 100, 0, 100, "A", 1, 1, 1.00, 0, False),
    # February: a1's 22 days of leave stay within the limit; a2's 23 do not.
    (FEB, "agent", "a1"): ("frontline", True, None, 100, 0, 100, "A", 1, 5, 1.00, 0, True),
    (FEB, "agent", "a2"): ("frontline", False, "absent", None, None, None, None, None, 5, None, 0, False),
    (FEB, "agent", "a3"): ("frontline", True, None, 100, 0, 100, "A", 1, 5, 1.00, 0, True),
    (FEB, "agent", "a4"): ("frontline", True, None, 100, 0, 100, "A", 1, 5, 1.00, 0, True),
    (FEB, "agent", "l1"): ("frontline", True, None, 100, 0, 100, "A", 1, 5, 1.00, 0, True),
    (FEB, "agent", "s3"): ("frontline", True, None, 100, 0, 100, "A", 1, 5, 1.00, 0, True),
    (FEB, "agent", "s1"): ("property_desk", True, None, 100, 0, 100, "A", 1, 2, 1.00, 0, False),
    # s2: 5 + 8 + 15 + 12 + 15 = 55 of 59 (no fee rows).
    (FEB, "agent", "s2"): ("property_desk", True, None, 5500 / 59, 0, 5500 / 59, "A", 2, 2, 0.90, 0, False),
    (FEB, "agent", "s4"): ("property_desk", False, "probation", None, None, None, None, None, 2, None, 0, False),
    # S1, February: 5 + 8 + 15 + 20 + 12 + 15 = 75 of 79 = 94.94: grade A, pay ratio 0.90 (below 95).
    (FEB, "team", "S1"): ("property_desk", True, None, 7500 / 79, 0, 7500 / 79, "A", 1, 1, 0.90, 0, False),
    # March: ranked 1st three months running: s3 (frontline), s1 (property desk), every team,
    # department and the centre earn 500.
    (MAR, "agent", "a1"): ("frontline", True, None, 100, 0, 100, "A", 1, 5, 1.00, 0, True),
    (MAR, "agent", "a2"): ("frontline", True, None, 100, 0, 100, "A", 1, 5, 1.00, 0, True),
    (MAR, "agent", "a3"): ("frontline", True, None, 100, 0, 100, "A", 1, 5, 1.00, 0, True),
    (MAR, "agent", "l1"): ("frontline", True, None, 100, 0, 100, "A", 1, 5, 1.00, 0, True),
    (MAR, "agent", "s3"): ("frontline", True, None, 100, 0, 100, "A", 1, 5, 1.00, 500, True),
    (MAR, "agent", "s1"): ("property_desk", True, None, 100, 0, 100, "A", 1, 2, 1.00, 500, False),
    (MAR, "agent", "s2"): ("property_desk", True, None, 100, 0, 100, "A", 1, 2, 1.00, 0, False),
    (MAR, "agent", "s4"): ("property_desk", False, "probation", None, None, None, None, None, 2, None, 0, False),
    (MAR, "team", "T1"): ("frontline", True, None, 100, 0, 100, "A", 1, 1, 1.00, 500, False),
    (MAR, "team", "S1"): ("property_desk", True, None, 100, 0, 100, "A", 1, 1, 1.00, 500, False),
    (MAR, "department", PM): ("frontline", True, None, 100, 0, 100, "A", 1, 2, 1.00, 500, False),
    (MAR, "center", "center"): ("center", True, None, 100, 0, 100, "A", 1, 1, 1.00, 500, False),
}
CARD_COLUMNS = (
    "rule_set",
    "assessed",
    "not_assessed_reason",
    "base_score",
    "adjustment_points",
    "total_score",
    "grade",
    "rank",
    "ranked_entities",
    "pay_ratio",
    "award_amount",
    "improvement_plan_required",
)


@pytest.fixture(scope="module")
def cards(work_db: Path) -> dict[tuple, dict[str, Any]]:
    return {
        (r["period_grain"], r["period_start"], r["level"], r["entity_id"]): r
        for r in rows(work_db, "select * from marts.scorecards")
    }


def test_month_scorecards(cards: dict[tuple, dict[str, Any]]) -> None:
    want = {("month", *key): dict(zip(CARD_COLUMNS, values, strict=True)) for key, values in MONTH_CARDS.items()}
    assert_rows({k: v for k, v in cards.items() if k in want}, want)
    # Every month row: not-assessed rows have no score, rank or flags; month rows are never `excellent`.
    month_rows = [c for c in cards.values() if c["period_grain"] == "month"]
    assert {(c["period_start"], c["entity_id"]) for c in month_rows if c["level"] == "agent"} == {
        (m, a)
        for m in (JAN, FEB, MAR)
        for a in ("a1", "a2", "a3", "a4", "l1", "s1", "s2", "s3", "s4")
        if not (m == MAR and a == "a4")
    }
    assert not any(c["excellent"] for c in month_rows)
    assert all(not c["at_risk"] for c in month_rows)


def test_quarter_scorecards(cards: dict[tuple, dict[str, Any]]) -> None:
    quarter = {k[2:]: v for k, v in cards.items() if k[0] == "quarter"}
    # The mean of the assessed months' totals; a2's February and s2's January are left out.
    want_totals = {
        ("agent", "a1"): (89 + 100 + 100) / 3,
        ("agent", "a2"): (95 + 100) / 2,
        ("agent", "a3"): 90.0,
        ("agent", "a4"): 100.0,
        ("agent", "l1"): 90.0,
        ("agent", "s3"): 100.0,
        ("agent", "s1"): (6400 / 79 + 200) / 3,
        ("agent", "s2"): (5500 / 59 + 100) / 2,
        ("agent", "s4"): None,
        ("team", "T1"): 100.0,
        ("team", "S1"): (6300 / 79 + 7500 / 79 + 100) / 3,
        ("department", CS): 100.0,
        ("department", PM): 100.0,
        ("center", "center"): 100.0,
    }
    assert set(quarter) == set(want_totals)
    for key, total in want_totals.items():
        card = quarter[key]
        assert card["period_start"] == Q1
        assert same(card["total_score"], total), f"{key}: {card['total_score']} != {total}"
        assert card["pay_ratio"] is None and card["award_amount"] == 0 and card["scored_weight"] is None
        assert card["base_score"] is None and card["adjustment_points"] is None
        assert not card["improvement_plan_required"] and not card["at_risk"] and not card["excellent"]
    assert (quarter[("agent", "s4")]["assessed"], quarter[("agent", "s4")]["not_assessed_reason"]) == (False, "no_assessed_month")
    assert quarter[("agent", "s4")]["rank"] is None and quarter[("agent", "s4")]["rule_set"] == "property_desk"
    # Ranks within the rule set: frontline s3 100, a4 100, a2 97.5, a1 96.33, a3 90, l1 90.
    ranks = {e: (c["rank"], c["ranked_entities"], c["grade"]) for (lvl, e), c in quarter.items() if lvl == "agent"}
    assert ranks == {
        "s3": (1, 6, "A"),
        "a4": (1, 6, "A"),
        "a2": (3, 6, "A"),
        "a1": (4, 6, "A"),
        "a3": (5, 6, "B"),
        "l1": (5, 6, "B"),
        "s2": (1, 2, "A"),
        "s1": (2, 2, "A"),
        "s4": (None, 2, None),
    }
    # A running half-year or year (its last month after March) has no scorecard yet.
    assert {k[0] for k in cards} == {"month", "quarter"}


# --- Pay sheet, ledger, ratings --------------------------------------------------------------------

PAY = {
    # (month, agent): assessed, effective_pay_ratio, pay_base, proration, performance_pay, award, fine, net
    (JAN, "a1"): (True, 0.90, 300, 1, 270.00, 0, 0, 270.00),
    (JAN, "a2"): (True, 0.95, 300, 1, 285.00, 0, 0, 285.00),
    (JAN, "a3"): (True, 0.75, 300, 1, 225.00, 0, 0, 225.00),  # 0.70 raised to the frontline floor
    (JAN, "a4"): (True, 1.00, 333.33, 1, 333.33, 0, 0, 333.33),  # the roster's pay base
    (JAN, "l1"): (True, 0.70, 500, 1, 350.00, 0, 0, 350.00),  # a team lead has no floor
    (JAN, "s1"): (True, 0.80, 300, 1, 240.00, 0, 30, 210.00),
    (JAN, "s2"): (False, 0, 300, 1, 0, 0, 20, -20.00),  # fines come out of the whole wage
    (JAN, "s3"): (True, 1.00, 300, 1, 300.00, 0, 0, 300.00),
    (JAN, "s4"): (False, 0, 300, 1, 0, 0, 0, 0),
    (FEB, "a1"): (True, 1.00, 300, 1, 300.00, 0, 0, 300.00),
    (FEB, "a2"): (False, 0, 300, 1, 0, 0, 0, 0),
    (FEB, "a3"): (True, 1.00, 300, 1, 300.00, 0, 0, 300.00),
    # a4 left on 14 February with no attendance rows: 14 of 28 days; 333.33 x 0.5 = 166.665 -> 166.67.
    (FEB, "a4"): (True, 1.00, 333.33, 0.5, 166.67, 0, 0, 166.67),
    (FEB, "l1"): (True, 1.00, 500, 1, 500.00, 0, 0, 500.00),
    (FEB, "s1"): (True, 1.00, 300, 1, 300.00, 0, 0, 300.00),
    (FEB, "s2"): (True, 0.90, 300, 1, 270.00, 0, 40, 230.00),
    (FEB, "s3"): (True, 1.00, 300, 1, 300.00, 0, 0, 300.00),
    (FEB, "s4"): (False, 0, 300, 1, 0, 0, 0, 0),
    (MAR, "a1"): (True, 1.00, 300, 1, 300.00, 0, 0, 300.00),
    (MAR, "a2"): (True, 1.00, 300, 1, 300.00, 0, 0, 300.00),
    # a3 leaves on 20 March: 4 present of 5 scheduled days.
    (MAR, "a3"): (True, 1.00, 300, 0.8, 240.00, 0, 0, 240.00),
    (MAR, "l1"): (True, 1.00, 500, 1, 500.00, 0, 0, 500.00),
    (MAR, "s1"): (True, 1.00, 300, 1, 300.00, 500, 0, 800.00),
    (MAR, "s2"): (True, 1.00, 300, 1, 300.00, 0, 0, 300.00),
    (MAR, "s3"): (True, 1.00, 300, 1, 300.00, 500, 0, 800.00),
    (MAR, "s4"): (False, 0, 300, 1, 0, 0, 0, 0),
}
PAY_COLUMNS = (
    "assessed",
    "effective_pay_ratio",
    "pay_base",
    "proration",
    "performance_pay",
    "award_amount",
    "fine_amount",
    "net_amount",
)


def test_pay_sheet(work_db: Path) -> None:
    got = {(r["period_start"], r["agent_id"]): r for r in rows(work_db, "select * from marts.pay_sheet")}
    assert_rows(got, {key: dict(zip(PAY_COLUMNS, values, strict=True)) for key, values in PAY.items()})
    a1 = got[(JAN, "a1")]
    assert (a1["agent_name"], a1["team"], a1["department"], a1["role"], a1["level"]) == ("甲", "T1", CS, "agent", "junior")
    assert (a1["total_score"], a1["grade"], a1["pay_ratio"]) == (89, "B", 0.90)
    s2 = got[(JAN, "s2")]
    assert (s2["total_score"], s2["grade"], s2["pay_ratio"], s2["level"]) == (None, None, None, None)


def test_deduction_ledger(work_db: Path) -> None:
    got = {r["violation_id"]: r for r in rows(work_db, "select * from marts.deductions")}
    columns = (
        "period_start",
        "level_reached",
        "agent_id",
        "team",
        "department",
        "category",
        "inspector_level",
        "points",
        "fine_amount",
    )
    want = {
        "v1": (JAN, "agent", "s1", "S1", PM, "appearance", "center", 1, 10),
        "v2": (JAN, "agent", "s1", "S1", PM, "appearance", "hq", 1, 10),
        "v3": (JAN, "agent", "s1", "S1", PM, "appearance", "department", 1, 10),
        "v4": (JAN, "agent", "s2", "S1", PM, "appearance", None, 2, 0),
        "v5": (JAN, "agent", "s2", "S1", PM, "appearance", None, 2, 20),
        "v6": (JAN, "team", None, "S1", None, "facility", "region", 1, 10),
        "v7": (JAN, "center", None, None, None, "other", None, 3, 50),
        "v8": (FEB, "agent", "s2", "S1", PM, "discipline", None, 2, 20),
        "v9": (FEB, "agent", "s2", "S1", PM, "discipline", None, 2, 20),
    }
    assert_rows(got, {v: dict(zip(columns, values, strict=True)) for v, values in want.items()})
    assert "description" not in got["v1"]


def test_rating_summary(work_db: Path) -> None:
    got = {(r["period_start"], r["agent_id"]): r for r in rows(work_db, "select * from marts.rating_summary")}
    columns = ("self_score", "peer_score", "supervisor_score", "manager_score", "combined_score", "rater_count")
    assert_rows(
        got,
        {
            (JAN, "a1"): dict(zip(columns, (85, None, 83, 90, 85.1, 4), strict=True)),
            (JAN, "a2"): dict(zip(columns, (95, None, None, None, None, 1), strict=True)),
        },
    )
    assert "rater_id" not in got[(JAN, "a1")]
