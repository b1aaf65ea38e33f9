"""Catalogue KPIs end to end: raw tables -> `dbt build` -> marts.kpi_values, against hand-computed values.

The fixture spans January-April 2024 (months Jan..Apr, quarters Q1 and Q2, year 2024) and is built
with short_abandon_seconds = 10 (every other threshold at its default: feedback 24 h, transfer 2 h,
service level 20 s, repeat window 7 days). Roster:
    a1 Ann  team T1  hired 2023-06-01 (employed throughout)
    a2 Bo   team T1  hired 2024-02-10             -> no January rows
    a3 Cy   team T2  left 2024-01-31              -> January, Q1 and 2024 rows only
    a4 Di   team T2  hired 2024-02-05, left 02-20 -> February, Q1 and 2024 rows (hired and gone in February)
    a5 Eve  team T2  hired 2024-03-01, left 04-01 -> March, April, Q1, Q2 and 2024 rows
    x9      not on the roster                     -> its records count at center level only
So T2 has rows in every period (a3 in January, a4 in February, a5 from March).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.dbt_fixture import Key, build_work_db, check, read_kpi_values

JAN, FEB, MAR, APR = date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1)
Q1, Q2, Y2024 = date(2024, 1, 1), date(2024, 4, 1), date(2024, 1, 1)

AGENTS = [
    {"agent_id": "a1", "agent_name": "Ann", "team": "T1", "hired_on": "2023-06-01"},
    {"agent_id": "a2", "agent_name": "Bo", "team": "T1", "hired_on": "2024-02-10"},
    {"agent_id": "a3", "agent_name": "Cy", "team": "T2", "left_on": "2024-01-31"},
    {"agent_id": "a4", "agent_name": "Di", "team": "T2", "hired_on": "2024-02-05", "left_on": "2024-02-20"},
    {"agent_id": "a5", "agent_name": "Eve", "team": "T2", "hired_on": "2024-03-01", "left_on": "2024-04-01"},
]


def ticket(
    ticket_id: str,
    category: str,
    agent: str | None,
    customer: str | None,
    issue: str | None,
    created: str,
    status: str,
    **times: Any,
) -> dict[str, Any]:
    """A raw ticket row; `times` holds first_response_at, transferred_at, resolved_at, first_contact_resolution."""
    return {
        "ticket_id": ticket_id,
        "channel": "email",
        "category": category,
        "agent_id": agent,
        "customer_id": customer,
        "issue_type": issue,
        "created_at": created,
        "status": status,
        **times,
    }


# Minutes to first response and hours to resolution in the trailing comments.
TICKETS = [
    ticket(
        "T01",
        "feedback",
        "a1",
        "k1",
        "login",
        "2024-01-02 08:00:00",
        "resolved",
        first_response_at="2024-01-03 08:00:00",
        resolved_at="2024-01-03 10:00:00",
        first_contact_resolution=True,
    ),  # response exactly 24 h = 1440 min (timely); 26 h
    ticket(
        "T02", "feedback", "a1", "k2", None, "2024-01-05 09:00:00", "processing", first_response_at="2024-01-06 09:01:00"
    ),  # 1441 min: late
    ticket("T03", "feedback", "a3", "k3", "wifi", "2024-01-10 10:00:00", "open"),  # no response: not timely
    ticket(
        "T04",
        "info_transfer",
        "a1",
        "k1",
        "billing",
        "2024-01-15 08:00:00",
        "closed",
        first_response_at="2024-01-15 08:30:00",
        transferred_at="2024-01-15 10:00:00",
        resolved_at="2024-01-15 12:00:00",
        first_contact_resolution=False,
    ),  # 30 min; transfer exactly 2 h; 4 h
    ticket(
        "T05",
        "info_transfer",
        "a3",
        "k4",
        None,
        "2024-01-20 08:00:00",
        "closed",
        first_response_at="2024-01-20 09:00:00",
        transferred_at="2024-01-20 10:01:00",
    ),  # 60 min; 2 h 1 min late
    ticket("T06", "info_transfer", "x9", None, None, "2024-01-25 08:00:00", "open"),  # no transfer time
    ticket(
        "T07",
        "fault",
        "a1",
        "k1",
        "login",
        "2024-01-10 10:00:00",
        "resolved",
        first_response_at="2024-01-10 10:20:00",
        resolved_at="2024-02-02 10:00:00",
    ),  # 20 min; 552 h; FCR unknown
    ticket(
        "T08",
        "inquiry",
        "a3",
        "k3",
        "wifi",
        "2024-01-29 09:00:00",
        "resolved",
        first_response_at="2024-01-29 09:05:00",
        resolved_at="2024-01-30 09:00:00",
        first_contact_resolution=True,
    ),  # 5 min; 24 h
    ticket("T09", "inquiry", "a1", "k1", "billing", "2024-01-22 12:01:00", "open"),
    ticket(
        "T10",
        "feedback",
        "a1",
        "k1",
        "login",
        "2024-01-04 08:00:00",
        "cancelled",
        first_response_at="2024-01-04 09:00:00",
        resolved_at="2024-01-04 10:00:00",
        first_contact_resolution=True,
    ),  # cancelled: excluded everywhere
    ticket(
        "T11",
        "feedback",
        "a2",
        "k2",
        "login",
        "2024-02-12 08:00:00",
        "resolved",
        first_response_at="2024-02-12 20:00:00",
        resolved_at="2024-02-13 08:00:00",
        first_contact_resolution=True,
    ),  # 720 min (timely); 24 h
    ticket(
        "T12",
        "fault",
        "a2",
        "k3",
        "wifi",
        "2024-02-02 09:00:00",
        "resolved",
        first_response_at="2024-02-02 09:30:00",
        resolved_at="2024-02-02 10:00:00",
        first_contact_resolution=True,
    ),  # 30 min; 1 h
    ticket(
        "T13",
        "fault",
        "a2",
        "k2",
        "login",
        "2024-02-14 08:00:00",
        "cancelled",
        first_response_at="2024-02-14 08:01:00",
        resolved_at="2024-02-14 09:00:00",
        first_contact_resolution=True,
    ),  # cancelled
    ticket(
        "T14",
        "info_transfer",
        "a4",
        "k5",
        None,
        "2024-02-15 08:00:00",
        "resolved",
        first_response_at="2024-02-15 08:40:00",
        transferred_at="2024-02-15 09:00:00",
        resolved_at="2024-02-16 08:00:00",
        first_contact_resolution=False,
    ),  # 40 min; transfer 1 h; 24 h
    ticket(
        "T15",
        "inquiry",
        "x9",
        None,
        "login",
        "2024-02-20 10:00:00",
        "resolved",
        first_response_at="2024-02-20 10:15:00",
        resolved_at="2024-02-20 12:00:00",
        first_contact_resolution=True,
    ),  # 15 min; 2 h
    ticket("T16", "feedback", "a1", "k6", "login", "2024-02-25 09:00:00", "open"),  # no response
    ticket(
        "T17", "inquiry", "a2", "k2", "login", "2024-02-13 08:00:00", "processing", first_response_at="2024-02-13 08:00:00"
    ),  # 0 min; created at T11's resolved_at itself
    ticket(
        "T18",
        "inquiry",
        "a1",
        "k1",
        "login",
        "2024-04-02 08:00:00",
        "closed",
        first_response_at="2024-04-02 08:06:00",
        resolved_at="2024-04-02 09:00:00",
        first_contact_resolution=True,
    ),  # 6 min; 1 h
]


def call(call_id: str, direction: str, agent: str | None, offered: str, outcome: str, **fields: Any) -> dict[str, Any]:
    return {
        "call_id": call_id,
        "direction": direction,
        "agent_id": agent,
        "offered_at": offered,
        "outcome": outcome,
        "is_valid": True,
        **fields,
    }


# Trailing comments: seconds to answer; talk + hold + wrap = handle seconds.
CALLS = [
    call(
        "C01",
        "inbound",
        "a1",
        "2024-01-03 09:00:00",
        "answered",
        answered_at="2024-01-03 09:00:20",
        ended_at="2024-01-03 09:05:20",
        talk_seconds=300,
        hold_seconds=30,
        wrap_seconds=60,
        transferred=False,
    ),  # 20 s (on the service level); 390
    call(
        "C02",
        "inbound",
        "a1",
        "2024-01-04 09:00:00",
        "answered",
        answered_at="2024-01-04 09:00:21",
        ended_at="2024-01-04 09:02:21",
        wrap_seconds=40,
        transferred=True,
    ),  # 21 s; talk derived 120; 160
    call(
        "C03",
        "inbound",
        "a3",
        "2024-01-05 10:00:00",
        "answered",
        answered_at="2024-01-05 10:00:05",
        ended_at="2024-01-05 10:01:45",
        talk_seconds=100,
        hold_seconds=0,
        wrap_seconds=20,
    ),  # 5 s; 120
    call(
        "C04", "inbound", None, "2024-01-06 10:00:00", "abandoned", ended_at="2024-01-06 10:00:10"
    ),  # 10 s = short_abandon_seconds: counts
    call(
        "C05", "inbound", None, "2024-01-06 11:00:00", "abandoned", ended_at="2024-01-06 11:00:09"
    ),  # 9 s: short abandon, excluded
    call("C06", "inbound", None, "2024-01-07 12:00:00", "blocked"),
    call(
        "C07",
        "inbound",
        "a1",
        "2024-01-08 09:00:00",
        "answered",
        answered_at="2024-01-08 09:00:02",
        ended_at="2024-01-08 09:01:00",
        talk_seconds=58,
        is_valid=False,
    ),  # invalid: call_volume only
    call(
        "C08",
        "outbound",
        "a1",
        "2024-01-09 14:00:00",
        "answered",
        answered_at="2024-01-09 14:00:03",
        ended_at="2024-01-09 14:03:03",
        talk_seconds=180,
        transferred=True,
    ),  # outbound: transfer_rate only
    call(
        "C09",
        "inbound",
        "x9",
        "2024-01-10 09:00:00",
        "answered",
        answered_at="2024-01-10 09:00:10",
        ended_at="2024-01-10 09:02:10",
        talk_seconds=120,
        hold_seconds=10,
        wrap_seconds=30,
        transferred=False,
    ),  # 10 s; 160
    call(
        "C10",
        "inbound",
        "a2",
        "2024-02-12 09:00:00",
        "answered",
        answered_at="2024-02-12 09:00:15",
        ended_at="2024-02-12 09:04:15",
        talk_seconds=240,
        hold_seconds=0,
        wrap_seconds=60,
        transferred=True,
    ),  # 15 s; 300
    call(
        "C11",
        "inbound",
        "a4",
        "2024-02-15 10:00:00",
        "answered",
        answered_at="2024-02-15 10:00:30",
        ended_at="2024-02-15 10:01:30",
        talk_seconds=60,
        transferred=False,
    ),  # 30 s; 60
    call("C12", "inbound", None, "2024-02-16 08:00:00", "abandoned", ended_at="2024-02-16 08:00:45"),
    call("C13", "outbound", "a2", "2024-02-17 08:00:00", "blocked"),
    call(
        "C14",
        "inbound",
        "a1",
        "2024-02-20 09:00:00",
        "answered",
        answered_at="2024-02-20 09:00:20",
        ended_at="2024-02-20 09:03:40",
        talk_seconds=200,
        hold_seconds=20,
        wrap_seconds=0,
        is_valid=None,
    ),  # missing is_valid = valid; 20 s; 220
    call(
        "C15",
        "inbound",
        "a1",
        "2024-04-01 09:00:00",
        "answered",
        answered_at="2024-04-01 09:00:10",
        ended_at="2024-04-01 09:01:10",
        talk_seconds=60,
        hold_seconds=0,
        wrap_seconds=0,
        transferred=False,
    ),  # 10 s; 60
]

SURVEYS = [  # csat >= 4 satisfied; nps 9-10 promoter (+1), 0-6 detractor (-1)
    {"survey_id": "S1", "agent_id": "a1", "responded_at": "2024-01-08 10:00:00", "csat_score": 5, "nps_score": 10},
    {"survey_id": "S2", "agent_id": "a1", "responded_at": "2024-01-09 10:00:00", "csat_score": 4, "nps_score": 6},
    {"survey_id": "S3", "agent_id": "a3", "responded_at": "2024-01-20 10:00:00", "csat_score": 3, "nps_score": 9},
    {"survey_id": "S4", "agent_id": "x9", "responded_at": "2024-01-25 10:00:00", "csat_score": 2},  # no nps
    {"survey_id": "S5", "agent_id": "a2", "responded_at": "2024-02-15 10:00:00", "csat_score": 4, "nps_score": 7},
    {"survey_id": "S6", "agent_id": "a4", "responded_at": "2024-02-16 10:00:00", "csat_score": 1, "nps_score": 0},
    {"survey_id": "S7", "agent_id": "a1", "responded_at": "2024-02-20 10:00:00", "csat_score": 5, "nps_score": 9},
    {"survey_id": "S8", "agent_id": "a2", "responded_at": "2024-04-03 10:00:00", "csat_score": 5, "nps_score": 10},
]

COMPLAINTS = [
    {"complaint_id": "M1", "agent_id": "a1", "received_at": "2024-01-05 10:00:00", "severity": "major", "is_responsible": True},
    {
        "complaint_id": "M2",
        "agent_id": "a1",
        "received_at": "2024-01-12 10:00:00",
        "severity": "major",
        "is_responsible": False,
    },  # not responsible: complaint_rate only
    {
        "complaint_id": "M3",
        "agent_id": "a3",
        "received_at": "2024-01-20 10:00:00",
        "severity": "major",
        "is_responsible": None,
    },  # missing = responsible
    {"complaint_id": "M4", "agent_id": None, "received_at": "2024-01-22 10:00:00", "severity": "general"},
    {"complaint_id": "M5", "agent_id": "a2", "received_at": "2024-02-14 10:00:00", "severity": "serious"},
    {"complaint_id": "M6", "agent_id": "a4", "received_at": "2024-02-18 10:00:00", "severity": "major"},
    {"complaint_id": "M7", "agent_id": "a1", "received_at": "2024-04-05 10:00:00", "severity": "general"},
]

EXAMS = [
    {"exam_id": "X1", "agent_id": "a1", "exam_date": "2024-01-10", "score": 80},
    {"exam_id": "X2", "agent_id": "a1", "exam_date": "2024-01-20", "score": 90},
    {"exam_id": "X1", "agent_id": "a3", "exam_date": "2024-01-10", "score": 70},
    {"exam_id": "X1", "agent_id": "x9", "exam_date": "2024-01-10", "score": 60},
    {"exam_id": "X3", "agent_id": "a2", "exam_date": "2024-02-15", "score": 100},
    {"exam_id": "X3", "agent_id": "a1", "exam_date": "2024-02-15", "score": 70},
    {"exam_id": "X3", "agent_id": "a4", "exam_date": "2024-02-15", "score": 50},
    {"exam_id": "X4", "agent_id": "a1", "exam_date": "2024-04-10", "score": 95},
]

QA_REVIEWS = [
    {"review_id": "R1", "agent_id": "a1", "reviewed_at": "2024-01-10 09:00:00", "score": 90},
    {"review_id": "R2", "agent_id": "a1", "reviewed_at": "2024-01-20 09:00:00", "score": 81},
    {"review_id": "R3", "agent_id": "a3", "reviewed_at": "2024-01-15 09:00:00", "score": 75},
    {"review_id": "R4", "agent_id": "a1", "reviewed_at": "2024-02-05 09:00:00", "score": 72},
    {"review_id": "R5", "agent_id": "a2", "reviewed_at": "2024-02-12 09:00:00", "score": 88},
    {"review_id": "R6", "agent_id": "a2", "reviewed_at": "2024-02-22 09:00:00", "score": 92},
    {"review_id": "R7", "agent_id": "a4", "reviewed_at": "2024-02-16 09:00:00", "score": 60},
]

COLLABORATION_SURVEYS = [
    {"response_id": "P1", "rating_department": "Sales", "period_month": "2024-01-01", "score": 80},
    {"response_id": "P2", "rating_department": "Finance", "period_month": "2024-01-01", "score": 90},
    {"response_id": "P3", "rating_department": "Sales", "period_month": "2024-02-01", "score": 70},
]

REPORT_ISSUES = [
    {"issue_id": "I1", "raised_at": "2024-01-10 09:00:00", "issue_type": "error"},
    {"issue_id": "I2", "raised_at": "2024-01-31 23:59:59", "issue_type": "late"},
    {"issue_id": "I3", "raised_at": "2024-03-01 00:00:00", "issue_type": "complaint"},
]


def plan(month: str, code: str, planned: float, actual: float | None) -> dict[str, Any]:
    return {"period_month": month, "plan_code": code, "planned": planned, "actual": actual}


PLANS = [
    plan("2024-01-01", "business_volume", 100, 90),
    plan("2024-02-01", "business_volume", 100, 110),
    plan("2024-03-01", "business_volume", 100, None),
    plan("2024-04-01", "business_volume", 50, 40),
    plan("2024-01-01", "service_cost", 1000, 800),
    plan("2024-02-01", "service_cost", 1000, 1100),
    plan("2024-01-01", "customer_survey", 10, 10),
    plan("2024-02-01", "customer_survey", 0, 0),
    plan("2024-01-01", "process_improvement", 4, 1),
    plan("2024-02-01", "process_improvement", 4, None),
    plan("2024-03-01", "process_improvement", 4, 3),
]

FIXTURE: dict[str, list[dict[str, Any]]] = {
    "agents": AGENTS,
    "tickets": TICKETS,
    "calls": CALLS,
    "surveys": SURVEYS,
    "complaints": COMPLAINTS,
    "exams": EXAMS,
    "qa_reviews": QA_REVIEWS,
    "collaboration_surveys": COLLABORATION_SURVEYS,
    "report_issues": REPORT_ISSUES,
    "plans": PLANS,
}

NEW_KPIS = {
    "feedback_timeliness_rate",
    "info_transfer_timeliness_rate",
    "csat_satisfied_rate",
    "collaboration_satisfaction",
    "business_plan_completion_rate",
    "service_cost_budget_rate",
    "survey_plan_completion_rate",
    "process_improvement_completion_rate",
    "call_volume",
    "abandonment_rate",
    "service_level",
    "avg_speed_of_answer_seconds",
    "transfer_rate",
    "avg_talk_seconds",
    "avg_handle_seconds",
    "non_call_processing_rate",
    "exam_avg_score",
    "qa_avg_score",
    "major_complaint_count",
    "report_issue_count",
    "first_response_minutes",
    "fcr_rate",
    "avg_resolution_hours",
    "repeat_issue_rate",
    "nps",
    "complaint_rate",
    "staff_turnover_rate",
}


@pytest.fixture(scope="module")
def work_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture's raw tables, built once per module with `dbt build`."""
    return build_work_db(tmp_path_factory, "dbt_catalog", FIXTURE, ["--vars", "{short_abandon_seconds: 10}"])


@pytest.fixture(scope="module")
def kpi_values(work_db: Path) -> dict[Key, tuple[Any, Any, Any]]:
    return read_kpi_values(work_db)


def levels_of(values: dict[Key, tuple], kpi: str) -> set[str]:
    return {k[2] for k in values if k[4] == kpi}


def test_every_catalogue_kpi_is_published_at_its_levels(kpi_values: dict[Key, tuple]) -> None:
    center_only = {
        "collaboration_satisfaction",
        "business_plan_completion_rate",
        "service_cost_budget_rate",
        "survey_plan_completion_rate",
        "process_improvement_completion_rate",
        "call_volume",
        "abandonment_rate",
        "service_level",
        "report_issue_count",
    }
    for kpi in NEW_KPIS:
        if kpi in center_only:
            want = {"center"}
        elif kpi == "staff_turnover_rate":
            want = {"center", "team"}
        else:
            want = {"center", "team", "agent"}
        assert levels_of(kpi_values, kpi) == want, kpi
        # One center row per period of the spine: 4 months, 2 quarters, 1 year.
        assert sum(1 for k in kpi_values if k[4] == kpi and k[2] == "center") == 7, kpi
    assert not any(k[3] == "x9" for k in kpi_values)


def test_values_lie_in_the_catalogue_range(work_db: Path) -> None:
    with duckdb.connect(str(work_db), read_only=True) as con:
        outside = con.execute(
            "select v.kpi_code, v.value from marts.kpi_values as v join marts.kpi_catalog as c using (kpi_code) "
            "where v.value < c.value_min or v.value > c.value_max"
        ).fetchall()
    assert outside == []


def test_feedback_and_info_transfer_timeliness(kpi_values: dict[Key, tuple]) -> None:
    # Feedback tickets by created_at, response <= 24 h: Jan T01 a1 exactly 24 h (timely), T02 a1 24 h 1 min,
    # T03 a3 no response; T10 cancelled -> center 1/3, T1 = a1 1/2, T2 = a3 0/1.
    # Feb T11 a2 12 h (timely), T16 a1 no response -> center 1/2, T1 1/2, a1 0/1, a2 1/1, T2 none -> NULL.
    # Q1 center 2/5, T1 2/4, a1 1/3; year = Q1; Mar and Q2 none -> NULL.
    check(
        kpi_values,
        "feedback_timeliness_rate",
        {
            ("month", JAN, "center", "center"): (1, 3, 1 / 3),
            ("month", JAN, "team", "T1"): (1, 2, 0.5),
            ("month", JAN, "team", "T2"): (0, 1, 0.0),
            ("month", JAN, "agent", "a1"): (1, 2, 0.5),
            ("month", JAN, "agent", "a3"): (0, 1, 0.0),
            ("month", FEB, "center", "center"): (1, 2, 0.5),
            ("month", FEB, "team", "T1"): (1, 2, 0.5),
            ("month", FEB, "team", "T2"): (0, 0, None),
            ("month", FEB, "agent", "a1"): (0, 1, 0.0),
            ("month", FEB, "agent", "a2"): (1, 1, 1.0),
            ("month", MAR, "center", "center"): (0, 0, None),
            ("quarter", Q1, "center", "center"): (2, 5, 0.4),
            ("quarter", Q1, "team", "T1"): (2, 4, 0.5),
            ("quarter", Q1, "team", "T2"): (0, 1, 0.0),
            ("quarter", Q1, "agent", "a1"): (1, 3, 1 / 3),
            ("quarter", Q2, "center", "center"): (0, 0, None),
            ("year", Y2024, "center", "center"): (2, 5, 0.4),
        },
    )
    # Info-transfer tickets, transfer <= 2 h: Jan T04 a1 exactly 2 h (timely), T05 a3 2 h 1 min, T06 x9 no
    # transfer time -> center 1/3, T1 1/1, T2 0/1.  Feb T14 a4 1 h -> center 1/1, T2 = a4 1/1, T1 NULL.
    # Q1 center 2/4, T2 1/2 (T05, T14).
    check(
        kpi_values,
        "info_transfer_timeliness_rate",
        {
            ("month", JAN, "center", "center"): (1, 3, 1 / 3),
            ("month", JAN, "team", "T1"): (1, 1, 1.0),
            ("month", JAN, "team", "T2"): (0, 1, 0.0),
            ("month", JAN, "agent", "a3"): (0, 1, 0.0),
            ("month", FEB, "center", "center"): (1, 1, 1.0),
            ("month", FEB, "team", "T1"): (0, 0, None),
            ("month", FEB, "team", "T2"): (1, 1, 1.0),
            ("month", FEB, "agent", "a4"): (1, 1, 1.0),
            ("quarter", Q1, "center", "center"): (2, 4, 0.5),
            ("quarter", Q1, "team", "T1"): (1, 1, 1.0),
            ("quarter", Q1, "team", "T2"): (1, 2, 0.5),
            ("quarter", Q1, "agent", "a1"): (1, 1, 1.0),
            ("year", Y2024, "center", "center"): (2, 4, 0.5),
        },
    )


def test_non_call_processing_rate(kpi_values: dict[Key, tuple]) -> None:
    # Non-cancelled tickets by created_at; resolved = resolved_at set or status resolved/closed, whenever.
    # Jan: a1 T01 yes, T02 no, T04 yes, T07 yes (resolved in Feb), T09 no -> 3/5; a3 T03 no, T05 yes (closed
    #   without resolved_at), T08 yes -> 2/3; x9 T06 no -> center 5/9 (T10 cancelled).
    # Feb: a2 T11 yes, T12 yes, T17 no -> 2/3; a1 T16 no -> 0/1; T1 2/4; a4 T14 yes; x9 T15 yes -> center 4/6.
    # Q1 center 9/15, T1 5/9, T2 3/4, a1 3/6; Apr T18 a1 yes 1/1; year 10/16, T1 6/10.
    check(
        kpi_values,
        "non_call_processing_rate",
        {
            ("month", JAN, "center", "center"): (5, 9, 5 / 9),
            ("month", JAN, "team", "T1"): (3, 5, 0.6),
            ("month", JAN, "team", "T2"): (2, 3, 2 / 3),
            ("month", JAN, "agent", "a1"): (3, 5, 0.6),
            ("month", FEB, "center", "center"): (4, 6, 4 / 6),
            ("month", FEB, "team", "T1"): (2, 4, 0.5),
            ("month", FEB, "team", "T2"): (1, 1, 1.0),
            ("month", FEB, "agent", "a1"): (0, 1, 0.0),
            ("month", FEB, "agent", "a2"): (2, 3, 2 / 3),
            ("month", MAR, "center", "center"): (0, 0, None),
            ("month", APR, "agent", "a1"): (1, 1, 1.0),
            ("quarter", Q1, "center", "center"): (9, 15, 0.6),
            ("quarter", Q1, "team", "T1"): (5, 9, 5 / 9),
            ("quarter", Q1, "team", "T2"): (3, 4, 0.75),
            ("quarter", Q1, "agent", "a1"): (3, 6, 0.5),
            ("quarter", Q1, "agent", "a4"): (1, 1, 1.0),
            ("year", Y2024, "center", "center"): (10, 16, 0.625),
            ("year", Y2024, "team", "T1"): (6, 10, 0.6),
        },
    )


def test_first_response_minutes(kpi_values: dict[Key, tuple]) -> None:
    # Tickets with a first response, by created_at. Jan a1 T01 1440 + T02 1441 + T04 30 + T07 20 = 2931 / 4,
    # a3 T05 60 + T08 5 = 65 / 2 -> center 2996 / 6.  Feb a2 T11 720 + T12 30 + T17 0 = 750 / 3, a4 T14 40,
    # x9 T15 15 -> center 805 / 5 = 161; a1 none (T16 unanswered, T13 cancelled) -> NULL.
    # Q1 center 3801 / 11, T1 3681 / 7, T2 105 / 3 = 35; Apr a1 T18 6; year 3807 / 12.
    check(
        kpi_values,
        "first_response_minutes",
        {
            ("month", JAN, "center", "center"): (2996, 6, 2996 / 6),
            ("month", JAN, "team", "T1"): (2931, 4, 732.75),
            ("month", JAN, "team", "T2"): (65, 2, 32.5),
            ("month", JAN, "agent", "a1"): (2931, 4, 732.75),
            ("month", FEB, "center", "center"): (805, 5, 161.0),
            ("month", FEB, "team", "T1"): (750, 3, 250.0),
            ("month", FEB, "team", "T2"): (40, 1, 40.0),
            ("month", FEB, "agent", "a1"): (0, 0, None),
            ("month", FEB, "agent", "a2"): (750, 3, 250.0),
            ("month", MAR, "center", "center"): (0, 0, None),
            ("quarter", Q1, "center", "center"): (3801, 11, 3801 / 11),
            ("quarter", Q1, "team", "T1"): (3681, 7, 3681 / 7),
            ("quarter", Q1, "team", "T2"): (105, 3, 35.0),
            ("quarter", Q1, "agent", "a3"): (65, 2, 32.5),
            ("quarter", Q2, "agent", "a1"): (6, 1, 6.0),
            ("year", Y2024, "center", "center"): (3807, 12, 317.25),
        },
    )


def test_fcr_rate_and_avg_resolution_hours(kpi_values: dict[Key, tuple]) -> None:
    # Tickets with resolved_at, by resolved_at (T05 closed without resolved_at and T10/T13 cancelled are out).
    # Jan: T01 a1 FCR, T04 a1 not, T08 a3 FCR -> 2/3, T1 1/2, T2 1/1.
    # Feb: T07 a1 unknown (= not), T11 a2 FCR, T12 a2 FCR, T14 a4 not, T15 x9 FCR -> 3/5, T1 2/3, T2 0/1.
    # Q1 5/8, T1 3/5, T2 1/2, a1 1/3; Apr T18 a1 FCR; year 6/9.
    check(
        kpi_values,
        "fcr_rate",
        {
            ("month", JAN, "center", "center"): (2, 3, 2 / 3),
            ("month", JAN, "team", "T1"): (1, 2, 0.5),
            ("month", JAN, "team", "T2"): (1, 1, 1.0),
            ("month", JAN, "agent", "a1"): (1, 2, 0.5),
            ("month", FEB, "center", "center"): (3, 5, 0.6),
            ("month", FEB, "team", "T1"): (2, 3, 2 / 3),
            ("month", FEB, "team", "T2"): (0, 1, 0.0),
            ("month", FEB, "agent", "a1"): (0, 1, 0.0),
            ("month", FEB, "agent", "a2"): (2, 2, 1.0),
            ("month", MAR, "center", "center"): (0, 0, None),
            ("quarter", Q1, "center", "center"): (5, 8, 0.625),
            ("quarter", Q1, "team", "T1"): (3, 5, 0.6),
            ("quarter", Q1, "team", "T2"): (1, 2, 0.5),
            ("quarter", Q1, "agent", "a1"): (1, 3, 1 / 3),
            ("year", Y2024, "center", "center"): (6, 9, 6 / 9),
        },
    )
    # Hours: Jan a1 T01 26 + T04 4, a3 T08 24 -> center 54 / 3 = 18.  Feb a1 T07 552 (01-10 to 02-02),
    # a2 T11 24 + T12 1, a4 T14 24, x9 T15 2 -> center 603 / 5, T1 577 / 3.
    # Q1 center 657 / 8, T1 607 / 5, T2 48 / 2, a1 (26 + 4 + 552) / 3; Apr T18 1; year 658 / 9.
    check(
        kpi_values,
        "avg_resolution_hours",
        {
            ("month", JAN, "center", "center"): (54, 3, 18.0),
            ("month", JAN, "team", "T1"): (30, 2, 15.0),
            ("month", JAN, "team", "T2"): (24, 1, 24.0),
            ("month", JAN, "agent", "a3"): (24, 1, 24.0),
            ("month", FEB, "center", "center"): (603, 5, 120.6),
            ("month", FEB, "team", "T1"): (577, 3, 577 / 3),
            ("month", FEB, "team", "T2"): (24, 1, 24.0),
            ("month", FEB, "agent", "a1"): (552, 1, 552.0),
            ("month", FEB, "agent", "a2"): (25, 2, 12.5),
            ("month", MAR, "center", "center"): (0, 0, None),
            ("quarter", Q1, "center", "center"): (657, 8, 82.125),
            ("quarter", Q1, "team", "T1"): (607, 5, 121.4),
            ("quarter", Q1, "team", "T2"): (48, 2, 24.0),
            ("quarter", Q1, "agent", "a1"): (582, 3, 194.0),
            ("quarter", Q2, "center", "center"): (1, 1, 1.0),
            ("year", Y2024, "center", "center"): (658, 9, 658 / 9),
        },
    )


def test_repeat_issue_rate(kpi_values: dict[Key, tuple]) -> None:
    # Resolved tickets with customer and issue_type, by resolved_at; repeat = another non-cancelled ticket of
    # the same customer and issue created in (resolved_at, resolved_at + 7 days].
    #   T01 a1 k1 login resolved 01-03 10:00: T07 created 01-10 10:00, exactly on the edge -> repeat.
    #   T04 a1 k1 billing resolved 01-15 12:00: T09 created 01-22 12:01, one minute late -> no.
    #   T08 a3 k3 wifi resolved 01-30 09:00: T12 created 02-02 (next month) -> repeat, counted in January.
    #   T07 a1 (Feb): no k1 login ticket until April -> no.  T11 a2 k2 login resolved 02-13 08:00: T13 is
    #   cancelled and T17 was created at 02-13 08:00 itself -> no.  T12 a2 (Feb) -> no.  T18 a1 (Apr) -> no.
    #   T14 (no issue_type) and T15 (no customer) are left out.
    # Jan center 2/3, T1 1/2, T2 1/1; Feb 0/3, T2 NULL; Q1 2/6, T1 1/5, a1 1/3; Apr 0/1; year 2/7.
    check(
        kpi_values,
        "repeat_issue_rate",
        {
            ("month", JAN, "center", "center"): (2, 3, 2 / 3),
            ("month", JAN, "team", "T1"): (1, 2, 0.5),
            ("month", JAN, "team", "T2"): (1, 1, 1.0),
            ("month", JAN, "agent", "a1"): (1, 2, 0.5),
            ("month", JAN, "agent", "a3"): (1, 1, 1.0),
            ("month", FEB, "center", "center"): (0, 3, 0.0),
            ("month", FEB, "team", "T1"): (0, 3, 0.0),
            ("month", FEB, "team", "T2"): (0, 0, None),
            ("month", FEB, "agent", "a2"): (0, 2, 0.0),
            ("month", MAR, "center", "center"): (0, 0, None),
            ("month", APR, "center", "center"): (0, 1, 0.0),
            ("quarter", Q1, "center", "center"): (2, 6, 1 / 3),
            ("quarter", Q1, "team", "T1"): (1, 5, 0.2),
            ("quarter", Q1, "team", "T2"): (1, 1, 1.0),
            ("quarter", Q1, "agent", "a1"): (1, 3, 1 / 3),
            ("quarter", Q1, "agent", "a2"): (0, 2, 0.0),
            ("year", Y2024, "center", "center"): (2, 7, 2 / 7),
            ("year", Y2024, "team", "T1"): (1, 6, 1 / 6),
        },
    )


def test_call_volume_abandonment_and_service_level(kpi_values: dict[Key, tuple]) -> None:
    # Every call by offered_at: Jan C01-C09 = 9, Feb C10-C14 = 5, Mar 0, Apr C15 = 1.
    check(
        kpi_values,
        "call_volume",
        {
            ("month", JAN, "center", "center"): (None, None, 9),
            ("month", FEB, "center", "center"): (None, None, 5),
            ("month", MAR, "center", "center"): (None, None, 0),
            ("month", APR, "center", "center"): (None, None, 1),
            ("quarter", Q1, "center", "center"): (None, None, 14),
            ("quarter", Q2, "center", "center"): (None, None, 1),
            ("year", Y2024, "center", "center"): (None, None, 15),
        },
    )
    # Valid inbound answered or abandoned, abandons under 10 s excluded:
    #   Jan C01, C02, C03, C09 answered + C04 abandoned after exactly 10 s (C05 9 s out, C06 blocked, C07 invalid,
    #   C08 outbound) -> 1/5;  Feb C10, C11, C14 answered + C12 abandoned -> 1/4;  Apr C15 -> 0/1.
    check(
        kpi_values,
        "abandonment_rate",
        {
            ("month", JAN, "center", "center"): (1, 5, 0.2),
            ("month", FEB, "center", "center"): (1, 4, 0.25),
            ("month", MAR, "center", "center"): (0, 0, None),
            ("month", APR, "center", "center"): (0, 1, 0.0),
            ("quarter", Q1, "center", "center"): (2, 9, 2 / 9),
            ("quarter", Q2, "center", "center"): (0, 1, 0.0),
            ("year", Y2024, "center", "center"): (2, 10, 0.2),
        },
    )
    # Same denominator; answered within 20 s: Jan C01 (exactly 20 s), C03 5 s, C09 10 s; C02 21 s late -> 3/5.
    #   Feb C10 15 s, C14 20 s; C11 30 s late -> 2/4.  Apr C15 10 s -> 1/1.
    check(
        kpi_values,
        "service_level",
        {
            ("month", JAN, "center", "center"): (3, 5, 0.6),
            ("month", FEB, "center", "center"): (2, 4, 0.5),
            ("month", MAR, "center", "center"): (0, 0, None),
            ("month", APR, "center", "center"): (1, 1, 1.0),
            ("quarter", Q1, "center", "center"): (5, 9, 5 / 9),
            ("year", Y2024, "center", "center"): (6, 10, 0.6),
        },
    )


def test_answer_speed_and_transfer_rate(kpi_values: dict[Key, tuple]) -> None:
    # Valid inbound answered calls, seconds to answer: Jan a1 C01 20 + C02 21, a3 C03 5, x9 C09 10 -> 56 / 4;
    # Feb a2 C10 15, a4 C11 30, a1 C14 20 -> 65 / 3;  Q1 121 / 7, T1 76 / 4, T2 35 / 2, a1 61 / 3;  year 131 / 8.
    check(
        kpi_values,
        "avg_speed_of_answer_seconds",
        {
            ("month", JAN, "center", "center"): (56, 4, 14.0),
            ("month", JAN, "team", "T1"): (41, 2, 20.5),
            ("month", JAN, "team", "T2"): (5, 1, 5.0),
            ("month", JAN, "agent", "a1"): (41, 2, 20.5),
            ("month", FEB, "center", "center"): (65, 3, 65 / 3),
            ("month", FEB, "team", "T1"): (35, 2, 17.5),
            ("month", FEB, "team", "T2"): (30, 1, 30.0),
            ("month", FEB, "agent", "a2"): (15, 1, 15.0),
            ("month", MAR, "team", "T1"): (0, 0, None),
            ("quarter", Q1, "center", "center"): (121, 7, 121 / 7),
            ("quarter", Q1, "team", "T1"): (76, 4, 19.0),
            ("quarter", Q1, "team", "T2"): (35, 2, 17.5),
            ("quarter", Q1, "agent", "a1"): (61, 3, 61 / 3),
            ("year", Y2024, "center", "center"): (131, 8, 16.375),
        },
    )
    # Valid answered calls of both directions, transferred: Jan C02 a1 and outbound C08 a1 of C01, C02, C03 (a3,
    # missing flag = false), C08, C09 -> 2/5, T1 2/3, T2 0/1.  Feb C10 a2 of C10, C11 a4, C14 a1 -> 1/3.
    # Q1 3/8, T1 3/5, T2 0/2; Apr C15 0/1; year 3/9.
    check(
        kpi_values,
        "transfer_rate",
        {
            ("month", JAN, "center", "center"): (2, 5, 0.4),
            ("month", JAN, "team", "T1"): (2, 3, 2 / 3),
            ("month", JAN, "team", "T2"): (0, 1, 0.0),
            ("month", JAN, "agent", "a1"): (2, 3, 2 / 3),
            ("month", FEB, "center", "center"): (1, 3, 1 / 3),
            ("month", FEB, "team", "T1"): (1, 2, 0.5),
            ("month", FEB, "team", "T2"): (0, 1, 0.0),
            ("month", FEB, "agent", "a1"): (0, 1, 0.0),
            ("month", FEB, "agent", "a2"): (1, 1, 1.0),
            ("quarter", Q1, "center", "center"): (3, 8, 0.375),
            ("quarter", Q1, "team", "T1"): (3, 5, 0.6),
            ("quarter", Q1, "team", "T2"): (0, 2, 0.0),
            ("quarter", Q1, "agent", "a1"): (2, 4, 0.5),
            ("year", Y2024, "center", "center"): (3, 9, 1 / 3),
        },
    )


def test_talk_and_handle_seconds(kpi_values: dict[Key, tuple]) -> None:
    # Valid inbound answered calls. Talk: Jan a1 C01 300 + C02 120 (ended - answered), a3 C03 100, x9 C09 120
    # -> 640 / 4;  Feb a2 C10 240, a4 C11 60, a1 C14 200 -> 500 / 3;  Q1 1140 / 7, T1 860 / 4, T2 160 / 2,
    # a1 620 / 3;  Apr C15 60;  year 1200 / 8.
    check(
        kpi_values,
        "avg_talk_seconds",
        {
            ("month", JAN, "center", "center"): (640, 4, 160.0),
            ("month", JAN, "team", "T1"): (420, 2, 210.0),
            ("month", JAN, "team", "T2"): (100, 1, 100.0),
            ("month", JAN, "agent", "a1"): (420, 2, 210.0),
            ("month", FEB, "center", "center"): (500, 3, 500 / 3),
            ("month", FEB, "team", "T1"): (440, 2, 220.0),
            ("month", FEB, "team", "T2"): (60, 1, 60.0),
            ("month", FEB, "agent", "a1"): (200, 1, 200.0),
            ("month", FEB, "agent", "a2"): (240, 1, 240.0),
            ("quarter", Q1, "center", "center"): (1140, 7, 1140 / 7),
            ("quarter", Q1, "team", "T1"): (860, 4, 215.0),
            ("quarter", Q1, "team", "T2"): (160, 2, 80.0),
            ("quarter", Q1, "agent", "a1"): (620, 3, 620 / 3),
            ("year", Y2024, "center", "center"): (1200, 8, 150.0),
        },
    )
    # Handle = talk + hold + wrap (missing parts 0): C01 390, C02 160, C03 120, C09 160 -> Jan 830 / 4;
    # C10 300, C11 60, C14 220 -> Feb 580 / 3;  Q1 1410 / 7, T1 1070 / 4, T2 180 / 2;  C15 60;  year 1470 / 8.
    check(
        kpi_values,
        "avg_handle_seconds",
        {
            ("month", JAN, "center", "center"): (830, 4, 207.5),
            ("month", JAN, "team", "T1"): (550, 2, 275.0),
            ("month", JAN, "team", "T2"): (120, 1, 120.0),
            ("month", JAN, "agent", "a1"): (550, 2, 275.0),
            ("month", FEB, "center", "center"): (580, 3, 580 / 3),
            ("month", FEB, "team", "T1"): (520, 2, 260.0),
            ("month", FEB, "agent", "a1"): (220, 1, 220.0),
            ("month", FEB, "agent", "a4"): (60, 1, 60.0),
            ("quarter", Q1, "center", "center"): (1410, 7, 1410 / 7),
            ("quarter", Q1, "team", "T1"): (1070, 4, 267.5),
            ("quarter", Q1, "team", "T2"): (180, 2, 90.0),
            ("quarter", Q1, "agent", "a1"): (770, 3, 770 / 3),
            ("year", Y2024, "center", "center"): (1470, 8, 183.75),
        },
    )


def test_csat_satisfied_rate_and_nps(kpi_values: dict[Key, tuple]) -> None:
    # csat >= 4 by responded_at: Jan S1 a1 5, S2 a1 4 (on the edge) yes, S3 a3 3, S4 x9 2 no -> 2/4;
    # Feb S5 a2 4, S7 a1 5 yes, S6 a4 1 no -> 2/3;  Q1 4/7, T1 4/4, T2 0/2;  Apr S8 yes;  year 5/8.
    check(
        kpi_values,
        "csat_satisfied_rate",
        {
            ("month", JAN, "center", "center"): (2, 4, 0.5),
            ("month", JAN, "team", "T1"): (2, 2, 1.0),
            ("month", JAN, "team", "T2"): (0, 1, 0.0),
            ("month", JAN, "agent", "a3"): (0, 1, 0.0),
            ("month", FEB, "center", "center"): (2, 3, 2 / 3),
            ("month", FEB, "team", "T1"): (2, 2, 1.0),
            ("month", FEB, "team", "T2"): (0, 1, 0.0),
            ("month", FEB, "agent", "a1"): (1, 1, 1.0),
            ("month", MAR, "center", "center"): (0, 0, None),
            ("quarter", Q1, "center", "center"): (4, 7, 4 / 7),
            ("quarter", Q1, "team", "T1"): (4, 4, 1.0),
            ("quarter", Q1, "team", "T2"): (0, 2, 0.0),
            ("quarter", Q1, "agent", "a1"): (3, 3, 1.0),
            ("year", Y2024, "center", "center"): (5, 8, 0.625),
        },
    )
    # Promoters (9-10) +1, detractors (0-6) -1, S4 without nps_score left out; value = 100 x num / den.
    # Jan S1 +1, S2 (6) -1, S3 (9) +1 -> 1/3, T1 0/2, T2 1/1.  Feb S5 (7) 0, S6 (0) -1, S7 (9) +1 -> 0/3 = 0
    # (not NULL), T1 1/2, T2 -1/1.  Q1 1/6, T1 1/4, T2 0/2, a1 1/3;  Apr S8 +1;  year 2/7.
    check(
        kpi_values,
        "nps",
        {
            ("month", JAN, "center", "center"): (1, 3, 100 / 3),
            ("month", JAN, "team", "T1"): (0, 2, 0.0),
            ("month", JAN, "team", "T2"): (1, 1, 100.0),
            ("month", JAN, "agent", "a1"): (0, 2, 0.0),
            ("month", FEB, "center", "center"): (0, 3, 0.0),
            ("month", FEB, "team", "T1"): (1, 2, 50.0),
            ("month", FEB, "team", "T2"): (-1, 1, -100.0),
            ("month", FEB, "agent", "a1"): (1, 1, 100.0),
            ("month", FEB, "agent", "a2"): (0, 1, 0.0),
            ("month", MAR, "center", "center"): (0, 0, None),
            ("quarter", Q1, "center", "center"): (1, 6, 100 / 6),
            ("quarter", Q1, "team", "T1"): (1, 4, 25.0),
            ("quarter", Q1, "team", "T2"): (0, 2, 0.0),
            ("quarter", Q1, "agent", "a1"): (1, 3, 100 / 3),
            ("quarter", Q2, "agent", "a2"): (1, 1, 100.0),
            ("year", Y2024, "center", "center"): (2, 7, 200 / 7),
        },
    )


def test_collaboration_satisfaction_and_plans(kpi_values: dict[Key, tuple]) -> None:
    # Mean score by period_month: Jan 80, 90 -> 170 / 2; Feb 70; Q1 240 / 3 = 80.
    check(
        kpi_values,
        "collaboration_satisfaction",
        {
            ("month", JAN, "center", "center"): (170, 2, 85.0),
            ("month", FEB, "center", "center"): (70, 1, 70.0),
            ("month", MAR, "center", "center"): (0, 0, None),
            ("quarter", Q1, "center", "center"): (240, 3, 80.0),
            ("quarter", Q2, "center", "center"): (0, 0, None),
            ("year", Y2024, "center", "center"): (240, 3, 80.0),
        },
    )
    # Σactual / Σplanned; a month with NULL actual leaves both sums (business_volume March: Q1 = Jan + Feb).
    check(
        kpi_values,
        "business_plan_completion_rate",
        {
            ("month", JAN, "center", "center"): (90, 100, 0.9),
            ("month", FEB, "center", "center"): (110, 100, 1.1),
            ("month", MAR, "center", "center"): (0, 0, None),
            ("month", APR, "center", "center"): (40, 50, 0.8),
            ("quarter", Q1, "center", "center"): (200, 200, 1.0),
            ("quarter", Q2, "center", "center"): (40, 50, 0.8),
            ("year", Y2024, "center", "center"): (240, 250, 0.96),
        },
    )
    check(
        kpi_values,
        "service_cost_budget_rate",
        {
            ("month", JAN, "center", "center"): (800, 1000, 0.8),
            ("month", FEB, "center", "center"): (1100, 1000, 1.1),
            ("month", APR, "center", "center"): (0, 0, None),
            ("quarter", Q1, "center", "center"): (1900, 2000, 0.95),
            ("year", Y2024, "center", "center"): (1900, 2000, 0.95),
        },
    )
    # February plans 0 and reports 0: denominator 0 -> NULL.
    check(
        kpi_values,
        "survey_plan_completion_rate",
        {
            ("month", JAN, "center", "center"): (10, 10, 1.0),
            ("month", FEB, "center", "center"): (0, 0, None),
            ("quarter", Q1, "center", "center"): (10, 10, 1.0),
            ("year", Y2024, "center", "center"): (10, 10, 1.0),
        },
    )
    # Jan 1/4, Feb actual NULL (out), Mar 3/4 -> Q1 4/8.
    check(
        kpi_values,
        "process_improvement_completion_rate",
        {
            ("month", JAN, "center", "center"): (1, 4, 0.25),
            ("month", FEB, "center", "center"): (0, 0, None),
            ("month", MAR, "center", "center"): (3, 4, 0.75),
            ("quarter", Q1, "center", "center"): (4, 8, 0.5),
            ("quarter", Q2, "center", "center"): (0, 0, None),
            ("year", Y2024, "center", "center"): (4, 8, 0.5),
        },
    )


def test_exam_and_qa_per_person_means(kpi_values: dict[Key, tuple]) -> None:
    # Exams: Jan a1 80, 90 (mean 85), a3 70, x9 60 -> center 215 / 3, T1 85, T2 70.
    # Feb a1 70, a2 100, a4 50 -> center 220 / 3, T1 (70 + 100) / 2.
    # Q1 per agent over the quarter: a1 (80 + 90 + 70) / 3 = 80, a2 100, a3 70, a4 50, x9 60 -> center 360 / 5,
    #   T1 (80 + 100) / 2, T2 (70 + 50) / 2.  Apr a1 95.  Year a1 (80 + 90 + 70 + 95) / 4 = 83.75 -> 363.75 / 5.
    check(
        kpi_values,
        "exam_avg_score",
        {
            ("month", JAN, "center", "center"): (215, 3, 215 / 3),
            ("month", JAN, "team", "T1"): (85, 1, 85.0),
            ("month", JAN, "team", "T2"): (70, 1, 70.0),
            ("month", JAN, "agent", "a1"): (85, 1, 85.0),
            ("month", FEB, "center", "center"): (220, 3, 220 / 3),
            ("month", FEB, "team", "T1"): (170, 2, 85.0),
            ("month", FEB, "team", "T2"): (50, 1, 50.0),
            ("month", FEB, "agent", "a1"): (70, 1, 70.0),
            ("month", MAR, "center", "center"): (0, 0, None),
            ("month", APR, "agent", "a1"): (95, 1, 95.0),
            ("quarter", Q1, "center", "center"): (360, 5, 72.0),
            ("quarter", Q1, "team", "T1"): (180, 2, 90.0),
            ("quarter", Q1, "team", "T2"): (120, 2, 60.0),
            ("quarter", Q1, "agent", "a1"): (80, 1, 80.0),
            ("quarter", Q1, "agent", "a5"): (0, 0, None),
            ("year", Y2024, "center", "center"): (363.75, 5, 72.75),
            ("year", Y2024, "team", "T1"): (183.75, 2, 91.875),
            ("year", Y2024, "agent", "a1"): (83.75, 1, 83.75),
        },
    )
    # QA: Jan a1 90, 81 (85.5), a3 75 -> 160.5 / 2.  Feb a1 72, a2 88, 92 (90), a4 60 -> 222 / 3, T1 162 / 2.
    # Q1 a1 (90 + 81 + 72) / 3 = 81 (not the 78.75 of its monthly means), a2 90, a3 75, a4 60 -> 306 / 4,
    #   T1 171 / 2, T2 135 / 2.  No reviews after February: Q2 NULL; year = Q1.
    check(
        kpi_values,
        "qa_avg_score",
        {
            ("month", JAN, "center", "center"): (160.5, 2, 80.25),
            ("month", JAN, "team", "T1"): (85.5, 1, 85.5),
            ("month", JAN, "team", "T2"): (75, 1, 75.0),
            ("month", JAN, "agent", "a3"): (75, 1, 75.0),
            ("month", FEB, "center", "center"): (222, 3, 74.0),
            ("month", FEB, "team", "T1"): (162, 2, 81.0),
            ("month", FEB, "team", "T2"): (60, 1, 60.0),
            ("month", FEB, "agent", "a2"): (90, 1, 90.0),
            ("quarter", Q1, "center", "center"): (306, 4, 76.5),
            ("quarter", Q1, "team", "T1"): (171, 2, 85.5),
            ("quarter", Q1, "team", "T2"): (135, 2, 67.5),
            ("quarter", Q1, "agent", "a1"): (81, 1, 81.0),
            ("quarter", Q2, "center", "center"): (0, 0, None),
            ("year", Y2024, "center", "center"): (306, 4, 76.5),
        },
    )


def test_complaint_counts_and_rate(kpi_values: dict[Key, tuple]) -> None:
    # Major and responsible (missing = responsible) by received_at: Jan M1 a1, M3 a3 (M2 not responsible);
    # Feb M6 a4; none in Mar and Apr -> 0.
    check(
        kpi_values,
        "major_complaint_count",
        {
            ("month", JAN, "center", "center"): (None, None, 2),
            ("month", JAN, "team", "T1"): (None, None, 1),
            ("month", JAN, "team", "T2"): (None, None, 1),
            ("month", JAN, "agent", "a1"): (None, None, 1),
            ("month", FEB, "center", "center"): (None, None, 1),
            ("month", FEB, "team", "T1"): (None, None, 0),
            ("month", FEB, "team", "T2"): (None, None, 1),
            ("month", FEB, "agent", "a2"): (None, None, 0),
            ("month", MAR, "center", "center"): (None, None, 0),
            ("quarter", Q1, "center", "center"): (None, None, 3),
            ("quarter", Q1, "team", "T2"): (None, None, 2),
            ("quarter", Q1, "agent", "a4"): (None, None, 1),
            ("quarter", Q2, "center", "center"): (None, None, 0),
            ("year", Y2024, "center", "center"): (None, None, 3),
        },
    )
    # Complaints (any) / (valid inbound answered calls + non-cancelled tickets), each by its own agent:
    #   Jan: M1-M4 = 4 / (C01, C02, C03, C09 + 9 tickets) = 4/13;  a1 M1, M2 / (C01, C02 + T01, T02, T04, T07,
    #   T09) = 2/7;  a3 M3 / (C03 + T03, T05, T08) = 1/4.
    #   Feb: M5 a2, M6 a4 / (C10, C11, C14 + 6 tickets) = 2/9;  T1 M5 / (C10, C14 + T11, T12, T16, T17) = 1/6;
    #   a1 0 / (C14 + T16) = 0/2;  a4 M6 / (C11 + T14) = 1/2.  Mar none -> NULL.  Apr M7 / (C15 + T18) = 1/2.
    #   Q1: 6/22, T1 3/13, T2 2/6, a1 2/9;  year 7/24.
    check(
        kpi_values,
        "complaint_rate",
        {
            ("month", JAN, "center", "center"): (4, 13, 4 / 13),
            ("month", JAN, "team", "T1"): (2, 7, 2 / 7),
            ("month", JAN, "team", "T2"): (1, 4, 0.25),
            ("month", JAN, "agent", "a1"): (2, 7, 2 / 7),
            ("month", FEB, "center", "center"): (2, 9, 2 / 9),
            ("month", FEB, "team", "T1"): (1, 6, 1 / 6),
            ("month", FEB, "team", "T2"): (1, 2, 0.5),
            ("month", FEB, "agent", "a1"): (0, 2, 0.0),
            ("month", FEB, "agent", "a2"): (1, 4, 0.25),
            ("month", MAR, "center", "center"): (0, 0, None),
            ("month", APR, "agent", "a1"): (1, 2, 0.5),
            ("quarter", Q1, "center", "center"): (6, 22, 6 / 22),
            ("quarter", Q1, "team", "T1"): (3, 13, 3 / 13),
            ("quarter", Q1, "team", "T2"): (2, 6, 1 / 3),
            ("quarter", Q1, "agent", "a1"): (2, 9, 2 / 9),
            ("year", Y2024, "center", "center"): (7, 24, 7 / 24),
        },
    )


def test_report_issue_count(kpi_values: dict[Key, tuple]) -> None:
    # By raised_at: Jan I1 and I2 (01-31 23:59:59), Feb none, Mar I3 (03-01 00:00:00), Apr none.
    check(
        kpi_values,
        "report_issue_count",
        {
            ("month", JAN, "center", "center"): (None, None, 2),
            ("month", FEB, "center", "center"): (None, None, 0),
            ("month", MAR, "center", "center"): (None, None, 1),
            ("month", APR, "center", "center"): (None, None, 0),
            ("quarter", Q1, "center", "center"): (None, None, 3),
            ("quarter", Q2, "center", "center"): (None, None, 0),
            ("year", Y2024, "center", "center"): (None, None, 3),
        },
    )


def test_staff_turnover_rate(kpi_values: dict[Key, tuple]) -> None:
    # Left in the period / active at its start (hired_on NULL or < start, left_on NULL or >= start).
    #   01-01: a1, a3 active; a3 leaves in Jan -> 1/2 (T1 0/1, T2 1/1).
    #   02-01: a1 active (a2 hired 02-10); a4 hired 02-05 and gone 02-20 -> 1/1; T2 1/0 publishes 0, 0, NULL.
    #   03-01: a1, a2 active, a5 hired on the start day is not -> 0/2; T2 (a5) 0/0 -> NULL.
    #   04-01: a1, a2, a5 active; a5 leaves 04-01 -> 1/3; T2 1/1.
    #   Q1 (01-01): a3, a4 leave of a1, a3 active -> 2/2; T2 2/1.  Q2 (04-01) = April.
    #   2024 (01-01): a3, a4, a5 leave of a1, a3 -> 3/2; T1 0/1; T2 3/1.
    check(
        kpi_values,
        "staff_turnover_rate",
        {
            ("month", JAN, "center", "center"): (1, 2, 0.5),
            ("month", JAN, "team", "T1"): (0, 1, 0.0),
            ("month", JAN, "team", "T2"): (1, 1, 1.0),
            ("month", FEB, "center", "center"): (1, 1, 1.0),
            ("month", FEB, "team", "T1"): (0, 1, 0.0),
            ("month", FEB, "team", "T2"): (0, 0, None),
            ("month", MAR, "center", "center"): (0, 2, 0.0),
            ("month", MAR, "team", "T1"): (0, 2, 0.0),
            ("month", MAR, "team", "T2"): (0, 0, None),
            ("month", APR, "center", "center"): (1, 3, 1 / 3),
            ("month", APR, "team", "T2"): (1, 1, 1.0),
            ("quarter", Q1, "center", "center"): (2, 2, 1.0),
            ("quarter", Q1, "team", "T1"): (0, 1, 0.0),
            ("quarter", Q1, "team", "T2"): (2, 1, 2.0),
            ("quarter", Q2, "center", "center"): (1, 3, 1 / 3),
            ("quarter", Q2, "team", "T2"): (1, 1, 1.0),
            ("year", Y2024, "center", "center"): (3, 2, 1.5),
            ("year", Y2024, "team", "T1"): (0, 1, 0.0),
            ("year", Y2024, "team", "T2"): (3, 1, 3.0),
        },
    )
