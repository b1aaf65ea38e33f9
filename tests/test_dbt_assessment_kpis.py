"""Assessment KPIs and the department level end to end: raw tables -> one `dbt build` -> marts, against hand-computed
values (attendance, shift swaps, callback quota, violations and their ledger, property desk, handled work).

The fixture spans January-April 2024 (months Jan..Apr, quarters Q1 and Q2, year 2024), every threshold at its
default (late_grace_minutes 5, deductible_leave_types [personal, sick], callback_daily_quota 200, fine_per_point 10).
Roster (team / department):
    a1 Ann  T1 / D1  agent           employed throughout
    a2 Bo   T1 / D1  agent           employed throughout
    a3 Cy   T2 / D1  team_lead       employed throughout
    a5 Ed   T2 / D1  agent           left 2024-02-15 -> January, February, Q1 and 2024 rows
    s1 Sam  P1 / D2  property_agent  the steward team P1, employed throughout
    s2 Sue  P1 / D2  property_agent  hired 2024-01-15
    a4 Di   T3 / -   agent           no department: reaches no department
    x9      not on the roster        -> its records count at centre level only (a violation's own team excepted)
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.dbt_fixture import Key, build_work_db, check, read_kpi_values

JAN, FEB, MAR, APR = date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1)
Q1, Q2, Y2024 = date(2024, 1, 1), date(2024, 4, 1), date(2024, 1, 1)


def agent(agent_id: str, name: str, team: str, department: str | None, role: str, **dates: str) -> dict[str, Any]:
    return {"agent_id": agent_id, "agent_name": name, "team": team, "department": department, "role": role,
            "hired_on": "2023-01-01", **dates}  # fmt: skip


AGENTS = [
    agent("a1", "Ann", "T1", "D1", "agent"),
    agent("a2", "Bo", "T1", "D1", "agent"),
    agent("a3", "Cy", "T2", "D1", "team_lead"),
    agent("a5", "Ed", "T2", "D1", "agent", left_on="2024-02-15"),
    agent("s1", "Sam", "P1", "D2", "property_agent"),
    agent("s2", "Sue", "P1", "D2", "property_agent", hired_on="2024-01-15"),
    {"agent_id": "a4", "agent_name": "Di", "team": "T3", "role": "agent"},  # no department, hired before the data
]


def day(agent_id: str, work_date: str, status: str = "present", **fields: Any) -> dict[str, Any]:
    return {"agent_id": agent_id, "work_date": work_date, "status": status, **fields}


# Trailing comments: late/early/missed incidents (grace 5 minutes, 5 itself included); leave counted or not.
ATTENDANCE = [
    day("a1", "2024-01-02", late_minutes=4),  # 4 < 5: 0
    day("a1", "2024-01-03", late_minutes=5),  # 1
    day("a1", "2024-01-04", early_leave_minutes=5),  # 1
    day("a1", "2024-01-05", late_minutes=10, early_leave_minutes=6, missed_punch=True),  # 3
    day("a1", "2024-01-08", "leave", leave_type="personal"),  # leave day
    day("a1", "2024-01-09", "leave", leave_type="annual"),  # entitlement: not a leave day
    day("a1", "2024-01-10", "absent"),  # absent day
    day("a2", "2024-01-02"),
    day("a2", "2024-01-03", "leave", leave_type="sick"),  # leave day
    day("a2", "2024-01-04", "leave", leave_type="comp"),  # entitlement
    day("a2", "2024-01-05", "leave"),  # no type: a leave day
    day("a2", "2024-01-08", late_minutes=None, missed_punch=None),  # defaults 0 and false: 0
    day("a3", "2024-01-02"),
    day("a3", "2024-02-01", late_minutes=30),  # 1 (February)
    day("s1", "2024-01-02"),
    day("s1", "2024-01-03", "absent"),  # absent day
    day("a4", "2024-01-02", early_leave_minutes=7),  # 1
    day("x9", "2024-01-02", late_minutes=6),  # 1, centre only
    day("a1", "2024-04-01"),
    day("a1", "2024-04-02", "leave", leave_type="other"),  # not deductible by default
]

SHIFT_SWAPS = [
    {"swap_id": "W1", "swap_date": "2024-01-10", "agent_id": "a1", "counterpart_agent_id": "a2"},  # inside T1
    {"swap_id": "W2", "swap_date": "2024-01-11", "agent_id": "a1", "counterpart_agent_id": "x9"},  # x9: centre only
    {"swap_id": "W3", "swap_date": "2024-01-12", "agent_id": "a3", "counterpart_agent_id": "a4"},  # T2/D1 with T3/-
]


def callback(callback_id: str, customer: str, agent_id: str, planned: str, status: str, completed: str | None = None):
    return {"callback_id": callback_id, "customer_id": customer, "agent_id": agent_id, "planned_date": planned,
            "status": status, "completed_at": completed}  # fmt: skip


CALLBACKS = [
    callback("CB1", "k1", "a1", "2024-01-05", "completed", "2024-01-05 10:00:00"),
    callback("CB2", "k2", "a1", "2024-01-06", "completed", "2024-01-06 10:00:00"),
    callback("CB3", "k1", "a1", "2024-01-07", "completed", "2024-01-08 10:00:00"),
    callback("CB4", "k3", "a1", "2024-01-09", "planned"),
    callback("CB5", "k4", "a1", "2024-01-10", "cancelled", "2024-01-10 10:00:00"),  # cancelled: nowhere
    callback("CB6", "k1", "a3", "2024-01-12", "failed"),  # k1 again, by T2's a3
    callback("CB7", "k5", "a4", "2024-01-15", "completed", "2024-01-15 10:00:00"),
    callback("CB8", "k6", "x9", "2024-01-16", "completed", "2024-01-16 10:00:00"),
    callback("CB9", "k7", "a3", "2024-03-05", "completed", "2024-03-06 10:00:00"),  # March: no attendance then
    callback("CB10", "k8", "a3", "2024-03-07", "completed", "2024-03-07 10:00:00"),
]


def violation(violation_id: str, occurred: str, agent_id: str | None, team: str | None, category: str, **fields: Any):
    return {"violation_id": violation_id, "occurred_at": occurred, "agent_id": agent_id, "team": team,
            "category": category, "description": "张三 on duty", **fields}  # fmt: skip


# Effective (points, fine): points else the category default; fine_yuan (0 is 0) else points x 10.
VIOLATIONS = [
    violation("V01", "2024-01-05 09:00:00", "a1", None, "appearance", inspector_level="center"),  # (1, 10)
    violation("V02", "2024-01-06 09:00:00", "a1", None, "discipline", points=3),  # (3, 30)
    violation("V03", "2024-01-07 09:00:00", "a1", None, "attitude", fine_yuan=0),  # (2, 0)
    violation("V04", "2024-01-08 09:00:00", "s1", "P1", "facility", points=1.5, fine_yuan=50, inspector_level="hq"),
    violation("V05", "2024-01-09 09:00:00", None, "P1", "building"),  # (3, 30): team P1 only
    violation("V06", "2024-01-10 09:00:00", "x9", "P1", "service"),  # (2, 20): x9 off the roster, its team P1
    violation("V07", "2024-01-11 09:00:00", None, None, "other"),  # (1, 10): centre only
    violation("V08", "2024-01-12 09:00:00", "x9", None, "appearance", points=2),  # (2, 20): centre only
    violation("V09", "2024-02-03 09:00:00", "s2", None, "facility", fine_yuan=25),  # (1, 25)
    violation("V10", "2024-04-03 09:00:00", "a1", "T9", "appearance"),  # (1, 10): the roster's T1, not T9
    violation("V11", "2024-01-15 09:00:00", "a4", None, "service", points=0),  # (0, 0): T3, no department
]

FEE_COLLECTION = [
    {"period_month": "2024-01-01", "building": "B1", "agent_id": "s1", "households_due": 50, "households_paid": 49},
    {"period_month": "2024-01-01", "building": "B2", "agent_id": "s1", "households_due": 100, "households_paid": 98},
    {"period_month": "2024-01-01", "building": "B3", "agent_id": "s2", "households_due": 40, "households_paid": 30},
    {"period_month": "2024-02-01", "building": "B3", "agent_id": "s2", "households_due": 40, "households_paid": 40},
    {"period_month": "2024-02-01", "building": "B4", "agent_id": "x9", "households_due": 10, "households_paid": 5},
]

FACILITY_CHECKS = [
    {"check_id": "F1", "check_date": "2024-01-20", "building": "B1", "agent_id": "s1", "items_checked": 20, "items_intact": 19},
    {"check_id": "F2", "check_date": "2024-01-21", "building": "B3", "agent_id": "s2", "items_checked": 10, "items_intact": 10},
    {"check_id": "F3", "check_date": "2024-01-22", "building": "B2", "agent_id": None, "items_checked": 5, "items_intact": 3},
]


def call(call_id: str, direction: str, agent_id: str | None, offered: str, outcome: str, valid: bool = True):
    answered = {"answered_at": offered[:-2] + "10", "talk_seconds": 60} if outcome == "answered" else {}
    return {"call_id": call_id, "direction": direction, "agent_id": agent_id, "offered_at": offered, "outcome": outcome,
            "is_valid": valid, "ended_at": offered[:-5] + "05:00", **answered}  # fmt: skip


CALLS = [
    call("C1", "inbound", "a1", "2024-01-03 09:00:00", "answered"),
    call("C2", "inbound", "a1", "2024-01-03 10:00:00", "answered", valid=False),  # invalid: out
    call("C3", "inbound", None, "2024-01-03 11:00:00", "abandoned"),  # not handled
    call("C4", "outbound", "a1", "2024-01-04 09:00:00", "answered"),
    call("C5", "outbound", "a2", "2024-01-04 10:00:00", "blocked"),  # outbound of any outcome
    call("C6", "inbound", "a3", "2024-01-05 09:00:00", "answered"),
    call("C7", "outbound", "a1", "2024-01-05 10:00:00", "abandoned", valid=False),  # invalid: out
    call("C8", "inbound", "x9", "2024-01-05 11:00:00", "answered"),
    call("C9", "inbound", "a2", "2024-02-05 09:00:00", "answered"),
]


def ticket(ticket_id: str, agent_id: str | None, created: str, status: str, resolved: str | None = None):
    return {"ticket_id": ticket_id, "channel": "email", "category": "fault", "agent_id": agent_id,
            "created_at": created, "status": status, "resolved_at": resolved}  # fmt: skip


TICKETS = [
    ticket("K1", "a1", "2024-01-02 09:00:00", "resolved", "2024-01-03 09:00:00"),
    ticket("K2", "a1", "2024-01-05 09:00:00", "resolved", "2024-02-01 09:00:00"),  # handled in February
    ticket("K3", "a2", "2024-01-06 09:00:00", "closed"),  # no resolved_at: out
    ticket("K4", "a3", "2024-01-07 09:00:00", "cancelled", "2024-01-08 09:00:00"),  # cancelled: out
    ticket("K5", "x9", "2024-01-09 09:00:00", "resolved", "2024-01-10 09:00:00"),
    ticket("K6", "s1", "2024-04-02 09:00:00", "resolved", "2024-04-03 09:00:00"),
]

EXAMS = [
    {"exam_id": "X1", "agent_id": "a1", "exam_date": "2024-01-10", "score": 80},
    {"exam_id": "X2", "agent_id": "a1", "exam_date": "2024-01-20", "score": 90},
    {"exam_id": "X1", "agent_id": "a2", "exam_date": "2024-01-10", "score": 70},
    {"exam_id": "X1", "agent_id": "a3", "exam_date": "2024-01-10", "score": 60},
    {"exam_id": "X1", "agent_id": "a4", "exam_date": "2024-01-10", "score": 100},
    {"exam_id": "X3", "agent_id": "a1", "exam_date": "2024-02-10", "score": 70},
]

FIXTURE: dict[str, list[dict[str, Any]]] = {
    "agents": AGENTS,
    "attendance": ATTENDANCE,
    "shift_swaps": SHIFT_SWAPS,
    "callbacks": CALLBACKS,
    "violations": VIOLATIONS,
    "fee_collection": FEE_COLLECTION,
    "facility_checks": FACILITY_CHECKS,
    "calls": CALLS,
    "tickets": TICKETS,
    "exams": EXAMS,
}

NEW_KPIS = (
    "attendance_rate",
    "late_early_count",
    "leave_days",
    "absent_days",
    "shift_swap_count",
    "callback_quota_completion_rate",
    *(f"violations_{c}" for c in ("appearance", "discipline", "attitude", "facility", "building", "service", "other")),
    "deduction_points",
    "fine_amount",
    "fee_collection_rate",
    "facility_intact_rate",
    "handled_calls",
    "outbound_call_rate",
    "handled_tickets",
)


@pytest.fixture(scope="module")
def work_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture's raw tables, built once per module with `dbt build`."""
    return build_work_db(tmp_path_factory, "dbt_assessment", FIXTURE, [])


@pytest.fixture(scope="module")
def kpi_values(work_db: Path) -> dict[Key, tuple[Any, Any, Any]]:
    return read_kpi_values(work_db)


def count(n: float) -> tuple[None, None, float]:
    """A count KPI's published row."""
    return (None, None, n)


def test_every_new_kpi_is_catalogued_and_published_at_every_level(work_db: Path, kpi_values: dict[Key, tuple]) -> None:
    with duckdb.connect(str(work_db), read_only=True) as con:
        catalog = dict(con.execute("select kpi_code, levels from marts.kpi_catalog").fetchall())
    for kpi in NEW_KPIS:
        assert catalog[kpi] == "center|department|team|agent", kpi
        entities = {(k[0], k[1], k[2], k[3]) for k in kpi_values if k[4] == kpi}
        # Departments D1 and D2 only: a4 has none, a violation's own team never reaches one.
        assert {k[3] for k in entities if k[2] == "department"} == {"D1", "D2"}, kpi
        assert {k[3] for k in entities if k[2] == "team"} == {"T1", "T2", "T3", "P1"}, kpi
        # 4 months, 2 quarters, 1 year at the centre; a5 (gone 02-15) has January, February, Q1 and 2024.
        assert sum(1 for k in entities if k[2] == "center") == 7, kpi
        assert {(k[0], k[1]) for k in entities if k[3] == "a5"} == {("month", JAN), ("month", FEB), ("quarter", Q1),
                                                                    ("year", Y2024)}, kpi  # fmt: skip
        assert not any(k[3] in ("x9", "T9") for k in entities), kpi


def test_department_entities_follow_their_agents(work_db: Path) -> None:
    with duckdb.connect(str(work_db), read_only=True) as con:
        rows = con.execute(
            "select period_start, entity_id, entity_name from intermediate.int_kpi_entities "
            "where level = 'department' and period_grain = 'month' order by all"
        ).fetchall()
    assert rows == [(m, d, d) for m in (JAN, FEB, MAR, APR) for d in ("D1", "D2")]


def test_attendance_rate(kpi_values: dict[Key, tuple]) -> None:
    # January rows (present): a1 7 (4), a2 5 (2), a3 1 (1), s1 2 (1), a4 1 (1), x9 1 (1) -> centre 10/17;
    # T1 = a1 + a2 6/12, D1 = a1 + a2 + a3 7/13, D2 = s1 1/2, T3 = a4 1/1.  February a3 1/1.  April a1 1/2.
    # Q1 centre 11/18, D1 8/14; year centre 12/20, D1 9/16.
    check(
        kpi_values,
        "attendance_rate",
        {
            ("month", JAN, "center", "center"): (10, 17, 10 / 17),
            ("month", JAN, "department", "D1"): (7, 13, 7 / 13),
            ("month", JAN, "department", "D2"): (1, 2, 0.5),
            ("month", JAN, "team", "T1"): (6, 12, 0.5),
            ("month", JAN, "team", "T3"): (1, 1, 1.0),
            ("month", JAN, "agent", "a1"): (4, 7, 4 / 7),
            ("month", JAN, "agent", "s2"): (0, 0, None),
            ("month", FEB, "center", "center"): (1, 1, 1.0),
            ("month", FEB, "department", "D1"): (1, 1, 1.0),
            ("month", FEB, "department", "D2"): (0, 0, None),
            ("month", MAR, "center", "center"): (0, 0, None),
            ("month", APR, "agent", "a1"): (1, 2, 0.5),
            ("quarter", Q1, "center", "center"): (11, 18, 11 / 18),
            ("quarter", Q1, "department", "D1"): (8, 14, 8 / 14),
            ("quarter", Q1, "team", "T2"): (2, 2, 1.0),
            ("quarter", Q2, "department", "D1"): (1, 2, 0.5),
            ("year", Y2024, "center", "center"): (12, 20, 0.6),
            ("year", Y2024, "department", "D1"): (9, 16, 9 / 16),
        },
    )


def test_late_early_leave_and_absent_days(kpi_values: dict[Key, tuple]) -> None:
    # Late/early/missed: a1 late 4 (0), late 5 (1), early 5 (1), late 10 + early 6 + missed punch (3) = 5; a2 0
    # (missing minutes and punch are 0 and false); a4 early 7 (1); x9 late 6 (1) -> January centre 7, T1 = D1 5,
    # T3 1 (a4 reaches no department).  February a3 late 30 (1).  Q1 centre 8, D1 6; year 8.
    check(
        kpi_values,
        "late_early_count",
        {
            ("month", JAN, "center", "center"): count(7),
            ("month", JAN, "department", "D1"): count(5),
            ("month", JAN, "department", "D2"): count(0),
            ("month", JAN, "team", "T1"): count(5),
            ("month", JAN, "team", "T3"): count(1),
            ("month", JAN, "agent", "a1"): count(5),
            ("month", JAN, "agent", "a2"): count(0),
            ("month", FEB, "center", "center"): count(1),
            ("month", FEB, "department", "D1"): count(1),
            ("month", FEB, "team", "T2"): count(1),
            ("quarter", Q1, "center", "center"): count(8),
            ("quarter", Q1, "department", "D1"): count(6),
            ("quarter", Q2, "center", "center"): count(0),
            ("year", Y2024, "center", "center"): count(8),
        },
    )
    # Leave days: a1 personal (annual is not), a2 sick and one without a type (comp is not) -> T1 = D1 = centre 3;
    # a1's April leave of type other is not deductible.
    check(
        kpi_values,
        "leave_days",
        {
            ("month", JAN, "center", "center"): count(3),
            ("month", JAN, "department", "D1"): count(3),
            ("month", JAN, "team", "T1"): count(3),
            ("month", JAN, "agent", "a1"): count(1),
            ("month", JAN, "agent", "a2"): count(2),
            ("month", APR, "agent", "a1"): count(0),
            ("quarter", Q2, "center", "center"): count(0),
            ("year", Y2024, "center", "center"): count(3),
        },
    )
    # Absent: a1 (T1, D1) and s1 (P1, D2) in January.
    check(
        kpi_values,
        "absent_days",
        {
            ("month", JAN, "center", "center"): count(2),
            ("month", JAN, "department", "D1"): count(1),
            ("month", JAN, "department", "D2"): count(1),
            ("month", JAN, "team", "P1"): count(1),
            ("month", JAN, "agent", "s1"): count(1),
            ("month", FEB, "center", "center"): count(0),
            ("year", Y2024, "department", "D2"): count(1),
        },
    )


def test_shift_swap_count_counts_each_party(kpi_values: dict[Key, tuple]) -> None:
    # W1 a1-a2 (both T1): T1 2; W2 a1-x9: a1 and T1 1, x9 the centre only; W3 a3 (T2, D1) - a4 (T3, no department).
    # Centre 2 per swap = 6; T1 3, D1 4 (a1 2, a2 1, a3 1), T2 1, T3 1; a1 2.
    check(
        kpi_values,
        "shift_swap_count",
        {
            ("month", JAN, "center", "center"): count(6),
            ("month", JAN, "department", "D1"): count(4),
            ("month", JAN, "department", "D2"): count(0),
            ("month", JAN, "team", "T1"): count(3),
            ("month", JAN, "team", "T2"): count(1),
            ("month", JAN, "team", "T3"): count(1),
            ("month", JAN, "agent", "a1"): count(2),
            ("month", JAN, "agent", "a2"): count(1),
            ("month", JAN, "agent", "a4"): count(1),
            ("quarter", Q1, "center", "center"): count(6),
            ("year", Y2024, "department", "D1"): count(4),
        },
    )


def test_callback_quota_completion_rate(kpi_values: dict[Key, tuple]) -> None:
    # Completed callbacks by completed_at: January a1 CB1, CB2, CB3 (3; CB5 cancelled), a4 CB7, x9 CB8 -> centre 5;
    # March a3 CB9, CB10.  Denominator 200 x attendance rows: January centre 17 -> 3400, a1 7 -> 1400, T1 12 -> 2400,
    # D1 13 -> 2600.  March: callbacks but no attendance rows -> (0, 0, NULL).  Q1 centre 7 / (18 x 200);
    # T2 (a3) 2 / (2 x 200).  Year 7 / (20 x 200).
    check(
        kpi_values,
        "callback_quota_completion_rate",
        {
            ("month", JAN, "center", "center"): (5, 3400, 5 / 3400),
            ("month", JAN, "department", "D1"): (3, 2600, 3 / 2600),
            ("month", JAN, "team", "T1"): (3, 2400, 3 / 2400),
            ("month", JAN, "team", "T3"): (1, 200, 0.005),
            ("month", JAN, "agent", "a1"): (3, 1400, 3 / 1400),
            ("month", JAN, "agent", "a2"): (0, 1000, 0.0),
            ("month", JAN, "agent", "s2"): (0, 0, None),
            ("month", MAR, "center", "center"): (0, 0, None),
            ("month", MAR, "team", "T2"): (0, 0, None),
            ("month", MAR, "agent", "a3"): (0, 0, None),
            ("quarter", Q1, "center", "center"): (7, 3600, 7 / 3600),
            ("quarter", Q1, "team", "T2"): (2, 400, 0.005),
            ("quarter", Q1, "department", "D1"): (5, 2800, 5 / 2800),
            ("year", Y2024, "center", "center"): (7, 4000, 7 / 4000),
        },
    )


def test_violation_counts_by_category(kpi_values: dict[Key, tuple]) -> None:
    # appearance: V01 a1 and V08 x9 (centre only) in January, V10 a1 in April (the roster's T1, not its own T9).
    check(
        kpi_values,
        "violations_appearance",
        {
            ("month", JAN, "center", "center"): count(2),
            ("month", JAN, "department", "D1"): count(1),
            ("month", JAN, "team", "T1"): count(1),
            ("month", JAN, "agent", "a1"): count(1),
            ("month", APR, "team", "T1"): count(1),
            ("month", APR, "department", "D1"): count(1),
            ("quarter", Q1, "center", "center"): count(2),
            ("year", Y2024, "center", "center"): count(3),
            ("year", Y2024, "agent", "a1"): count(2),
        },
    )
    check(
        kpi_values,
        "violations_discipline",
        {("month", JAN, "agent", "a1"): count(1), ("month", JAN, "center", "center"): count(1)},
    )
    check(
        kpi_values,
        "violations_attitude",
        {("month", JAN, "department", "D1"): count(1), ("month", FEB, "center", "center"): count(0)},
    )
    # facility: V04 s1 (January), V09 s2 (February): P1 and D2 each month, 2 over Q1.
    check(
        kpi_values,
        "violations_facility",
        {
            ("month", JAN, "team", "P1"): count(1),
            ("month", FEB, "department", "D2"): count(1),
            ("month", FEB, "agent", "s2"): count(1),
            ("quarter", Q1, "team", "P1"): count(2),
            ("quarter", Q1, "department", "D2"): count(2),
            ("quarter", Q1, "agent", "s1"): count(1),
        },
    )
    # building: V05 with team P1 only -> P1 and the centre, not D2 nor any steward.
    check(
        kpi_values,
        "violations_building",
        {
            ("month", JAN, "center", "center"): count(1),
            ("month", JAN, "team", "P1"): count(1),
            ("month", JAN, "department", "D2"): count(0),
            ("month", JAN, "agent", "s1"): count(0),
        },
    )
    # service: V06 (x9 off the roster, its team P1) -> P1; V11 a4 -> a4 and T3 (no department).
    check(
        kpi_values,
        "violations_service",
        {
            ("month", JAN, "center", "center"): count(2),
            ("month", JAN, "team", "P1"): count(1),
            ("month", JAN, "team", "T3"): count(1),
            ("month", JAN, "agent", "a4"): count(1),
            ("month", JAN, "department", "D2"): count(0),
        },
    )
    # other: V07 without agent or team -> the centre only.
    check(kpi_values, "violations_other", {("month", JAN, "center", "center"): count(1), ("month", JAN, "team", "T1"): count(0)})


def test_deduction_points_and_fine_amount(kpi_values: dict[Key, tuple]) -> None:
    # Points (default when NULL: appearance 1, attitude 2, building 3, service 2, other 1): January V01 1 + V02 3 +
    # V03 2 (a1: 6) + V04 1.5 (s1) + V05 3 (P1) + V06 2 (P1) + V07 1 + V08 2 + V11 0 (a4) = 15.5; P1 1.5 + 3 + 2 = 6.5,
    # D2 1.5 (s1 only).  February V09 s2 1.  April V10 a1 1.  Q1 centre 16.5, P1 7.5, D2 2.5; year 17.5.
    check(
        kpi_values,
        "deduction_points",
        {
            ("month", JAN, "center", "center"): count(15.5),
            ("month", JAN, "department", "D1"): count(6),
            ("month", JAN, "department", "D2"): count(1.5),
            ("month", JAN, "team", "T1"): count(6),
            ("month", JAN, "team", "P1"): count(6.5),
            ("month", JAN, "team", "T3"): count(0),
            ("month", JAN, "agent", "a1"): count(6),
            ("month", JAN, "agent", "s1"): count(1.5),
            ("month", JAN, "agent", "a4"): count(0),
            ("month", FEB, "agent", "s2"): count(1),
            ("month", APR, "agent", "a1"): count(1),
            ("quarter", Q1, "center", "center"): count(16.5),
            ("quarter", Q1, "team", "P1"): count(7.5),
            ("quarter", Q1, "department", "D2"): count(2.5),
            ("year", Y2024, "center", "center"): count(17.5),
            ("year", Y2024, "agent", "a1"): count(7),
        },
    )
    # Fines: V01 10 (1 x 10), V02 30 (3 x 10), V03 0 (given 0), V04 50 (given), V05 30, V06 20, V07 10, V08 20,
    # V11 0 (0 points) -> January 170; a1 40, P1 50 + 30 + 20 = 100, D2 50.  February V09 25 (given).  April V10 10.
    check(
        kpi_values,
        "fine_amount",
        {
            ("month", JAN, "center", "center"): count(170),
            ("month", JAN, "department", "D1"): count(40),
            ("month", JAN, "department", "D2"): count(50),
            ("month", JAN, "team", "P1"): count(100),
            ("month", JAN, "agent", "a1"): count(40),
            ("month", FEB, "agent", "s2"): count(25),
            ("quarter", Q1, "center", "center"): count(195),
            ("year", Y2024, "center", "center"): count(205),
            ("year", Y2024, "department", "D1"): count(50),
        },
    )


def test_property_desk_rates(kpi_values: dict[Key, tuple]) -> None:
    # s1 in January: B1 49/50 and B2 98/100 pooled: 147/150 = exactly 98%; s2 B3 30/40 -> P1 = D2 = centre 177/190.
    # February s2 40/40, x9 5/10 (centre only) -> centre 45/50.  Q1 P1 217/230, centre 222/240.
    check(
        kpi_values,
        "fee_collection_rate",
        {
            ("month", JAN, "center", "center"): (177, 190, 177 / 190),
            ("month", JAN, "department", "D2"): (177, 190, 177 / 190),
            ("month", JAN, "team", "P1"): (177, 190, 177 / 190),
            ("month", JAN, "agent", "s1"): (147, 150, 0.98),
            ("month", JAN, "department", "D1"): (0, 0, None),
            ("month", FEB, "center", "center"): (45, 50, 0.9),
            ("month", FEB, "agent", "s2"): (40, 40, 1.0),
            ("quarter", Q1, "team", "P1"): (217, 230, 217 / 230),
            ("quarter", Q1, "center", "center"): (222, 240, 222 / 240),
            ("year", Y2024, "agent", "s1"): (147, 150, 0.98),
        },
    )
    # F1 s1 19/20, F2 s2 10/10, F3 without agent 3/5 -> centre 32/35, P1 = D2 29/30.
    check(
        kpi_values,
        "facility_intact_rate",
        {
            ("month", JAN, "center", "center"): (32, 35, 32 / 35),
            ("month", JAN, "department", "D2"): (29, 30, 29 / 30),
            ("month", JAN, "team", "P1"): (29, 30, 29 / 30),
            ("month", JAN, "agent", "s1"): (19, 20, 0.95),
            ("month", JAN, "team", "T1"): (0, 0, None),
            ("month", FEB, "center", "center"): (0, 0, None),
            ("year", Y2024, "center", "center"): (32, 35, 32 / 35),
        },
    )


def test_handled_calls_outbound_rate_and_handled_tickets(kpi_values: dict[Key, tuple]) -> None:
    # Valid inbound answered: January C1 a1, C6 a3, C8 x9 (C2 invalid, C3 abandoned) -> centre 3, D1 2; February C9 a2.
    check(
        kpi_values,
        "handled_calls",
        {
            ("month", JAN, "center", "center"): count(3),
            ("month", JAN, "department", "D1"): count(2),
            ("month", JAN, "team", "T1"): count(1),
            ("month", JAN, "agent", "a3"): count(1),
            ("month", FEB, "agent", "a2"): count(1),
            ("quarter", Q1, "center", "center"): count(4),
            ("year", Y2024, "department", "D1"): count(3),
        },
    )
    # Outbound (valid, any outcome): C4 a1 answered, C5 a2 blocked (C7 invalid); over those + inbound answered:
    # January centre 2/5, T1 (C1, C4, C5) 2/3, D1 (+ C6) 2/4, T2 0/1; February a2 0/1; Q1 2/6.
    check(
        kpi_values,
        "outbound_call_rate",
        {
            ("month", JAN, "center", "center"): (2, 5, 0.4),
            ("month", JAN, "department", "D1"): (2, 4, 0.5),
            ("month", JAN, "team", "T1"): (2, 3, 2 / 3),
            ("month", JAN, "team", "T2"): (0, 1, 0.0),
            ("month", JAN, "agent", "a2"): (1, 1, 1.0),
            ("month", FEB, "agent", "a2"): (0, 1, 0.0),
            ("month", MAR, "center", "center"): (0, 0, None),
            ("quarter", Q1, "center", "center"): (2, 6, 1 / 3),
            ("quarter", Q1, "agent", "a2"): (1, 2, 0.5),
        },
    )
    # Not cancelled, by resolved_at: K1 a1 and K5 x9 in January, K2 a1 in February, K6 s1 in April (K3 has no
    # resolved_at, K4 is cancelled).
    check(
        kpi_values,
        "handled_tickets",
        {
            ("month", JAN, "center", "center"): count(2),
            ("month", JAN, "department", "D1"): count(1),
            ("month", FEB, "agent", "a1"): count(1),
            ("month", APR, "department", "D2"): count(1),
            ("month", APR, "team", "P1"): count(1),
            ("quarter", Q1, "center", "center"): count(3),
            ("quarter", Q1, "agent", "a1"): count(2),
            ("year", Y2024, "center", "center"): count(4),
        },
    )


def test_department_rows_of_existing_kpis(kpi_values: dict[Key, tuple]) -> None:
    # callback_rate, customers by planned_date: January a1 k1 (done), k2 (done), k3 (planned; k4 cancelled);
    # a3 k1 (failed); a4 k5 (done); x9 k6 (done).  D1 pools T1 and T2: k1, k2, k3 once each -> 2/3 (the teams'
    # sums would give 2/4).  D2 has no callback -> NULL.  March a3 k7, k8 done.
    check(
        kpi_values,
        "callback_rate",
        {
            ("month", JAN, "center", "center"): (4, 5, 0.8),
            ("month", JAN, "department", "D1"): (2, 3, 2 / 3),
            ("month", JAN, "team", "T1"): (2, 3, 2 / 3),
            ("month", JAN, "team", "T2"): (0, 1, 0.0),
            ("month", JAN, "department", "D2"): (0, 0, None),
            ("quarter", Q1, "department", "D1"): (4, 5, 0.8),
        },
    )
    # exam_avg_score, per person then mean: January a1 (80 + 90) / 2 = 85, a2 70, a3 60, a4 100 -> D1 215/3, T1 155/2,
    # centre 315/4.  Q1: a1 (80 + 90 + 70) / 3 = 80 -> D1 (80 + 70 + 60) / 3.
    check(
        kpi_values,
        "exam_avg_score",
        {
            ("month", JAN, "center", "center"): (315, 4, 78.75),
            ("month", JAN, "department", "D1"): (215, 3, 215 / 3),
            ("month", JAN, "team", "T1"): (155, 2, 77.5),
            ("month", FEB, "department", "D1"): (70, 1, 70.0),
            ("month", JAN, "department", "D2"): (0, 0, None),
            ("quarter", Q1, "department", "D1"): (210, 3, 70.0),
            ("year", Y2024, "department", "D1"): (210, 3, 70.0),
        },
    )
    # staff_turnover_rate: active at 01-01 a1, a2, a3, a5, s1, a4 (s2 hired 01-15) -> January 0/6, D1 0/4, D2 0/1;
    # February: s2 active, a5 leaves -> centre 1/7, D1 1/4, T2 1/2, D2 0/2; March 0/6, D1 0/3; Q1 1/6, D1 1/4.
    check(
        kpi_values,
        "staff_turnover_rate",
        {
            ("month", JAN, "center", "center"): (0, 6, 0.0),
            ("month", JAN, "department", "D1"): (0, 4, 0.0),
            ("month", JAN, "department", "D2"): (0, 1, 0.0),
            ("month", FEB, "center", "center"): (1, 7, 1 / 7),
            ("month", FEB, "department", "D1"): (1, 4, 0.25),
            ("month", FEB, "department", "D2"): (0, 2, 0.0),
            ("month", FEB, "team", "T2"): (1, 2, 0.5),
            ("month", MAR, "department", "D1"): (0, 3, 0.0),
            ("quarter", Q1, "center", "center"): (1, 6, 1 / 6),
            ("quarter", Q1, "department", "D1"): (1, 4, 0.25),
            ("year", Y2024, "department", "D1"): (1, 4, 0.25),
        },
    )
    assert ("month", JAN, "department", "D1", "big_client_churn_count") not in kpi_values  # a centre-only KPI


def test_deductions_ledger(work_db: Path) -> None:
    with duckdb.connect(str(work_db), read_only=True) as con:
        columns = [c[0] for c in con.execute("describe marts.deductions").fetchall()]
        rows = con.execute("select * from marts.deductions order by violation_id").fetchall()
    assert columns == ["violation_id", "occurred_at", "period_start", "level_reached", "agent_id", "team", "department",
                       "category", "inspector_level", "points", "fine_amount"]  # fmt: skip

    def at(text: str) -> datetime:
        return datetime.fromisoformat(text)

    assert rows == [
        ("V01", at("2024-01-05 09:00:00"), JAN, "agent", "a1", "T1", "D1", "appearance", "center", 1.0, 10.0),
        ("V02", at("2024-01-06 09:00:00"), JAN, "agent", "a1", "T1", "D1", "discipline", None, 3.0, 30.0),
        ("V03", at("2024-01-07 09:00:00"), JAN, "agent", "a1", "T1", "D1", "attitude", None, 2.0, 0.0),
        ("V04", at("2024-01-08 09:00:00"), JAN, "agent", "s1", "P1", "D2", "facility", "hq", 1.5, 50.0),
        ("V05", at("2024-01-09 09:00:00"), JAN, "team", None, "P1", None, "building", None, 3.0, 30.0),
        ("V06", at("2024-01-10 09:00:00"), JAN, "team", "x9", "P1", None, "service", None, 2.0, 20.0),
        ("V07", at("2024-01-11 09:00:00"), JAN, "center", None, None, None, "other", None, 1.0, 10.0),
        ("V08", at("2024-01-12 09:00:00"), JAN, "center", "x9", None, None, "appearance", None, 2.0, 20.0),
        ("V09", at("2024-02-03 09:00:00"), FEB, "agent", "s2", "P1", "D2", "facility", None, 1.0, 25.0),
        ("V10", at("2024-04-03 09:00:00"), APR, "agent", "a1", "T1", "D1", "appearance", None, 1.0, 10.0),
        ("V11", at("2024-01-15 09:00:00"), JAN, "agent", "a4", "T3", None, "service", None, 0.0, 0.0),
    ]


def test_the_ledger_adds_up_to_the_deduction_kpis(work_db: Path) -> None:
    """Per agent and month, Σ deductions.points = deduction_points and Σ fine_amount = fine_amount (the GX rule)."""
    with duckdb.connect(str(work_db), read_only=True) as con:
        differing = con.execute(
            """
            with ledger as (
                select agent_id, period_start, sum(points) as points, sum(fine_amount) as fines
                from marts.deductions where level_reached = 'agent' group by all
            )
            select v.entity_id, v.period_start, v.kpi_code, v.value, l.points, l.fines
            from marts.kpi_values as v
            left join ledger as l on l.agent_id = v.entity_id and l.period_start = v.period_start
            where v.level = 'agent' and v.period_grain = 'month' and v.kpi_code in ('deduction_points', 'fine_amount')
                and v.value <> coalesce(case v.kpi_code when 'deduction_points' then l.points else l.fines end, 0)
            """
        ).fetchall()
    assert differing == []
