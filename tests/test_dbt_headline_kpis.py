"""Headline KPIs end to end: raw tables -> `dbt build` -> marts.kpi_values, against hand-computed values.

The fixture spans January-April 2024 (months Jan..Apr, quarters Q1 and Q2, year
2024). Roster:
    a1 Ann  team T1  hired 2023-06-01 (employed throughout)
    a2 Bo   team T1  hired 2024-02-10 -> no January rows
    a3 Cy   team T2  left 2024-01-31  -> January, Q1 and 2024 rows only; T2 likewise
    x9      not on the roster         -> its records count at center level only
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.dbt_fixture import Key, build_work_db, check, read_kpi_values
from tests.test_dbt_marts import PUBLISHED_COLUMNS

JAN, FEB, MAR, APR = date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1)
Q1, Q2, Y2024 = date(2024, 1, 1), date(2024, 4, 1), date(2024, 1, 1)

AGENTS = [
    {"agent_id": "a1", "agent_name": "Ann", "team": "T1", "role": "agent", "hired_on": "2023-06-01"},
    {"agent_id": "a2", "agent_name": "Bo", "team": "T1", "role": "agent", "hired_on": "2024-02-10"},
    {"agent_id": "a3", "agent_name": "Cy", "team": "T2", "role": "team_lead", "left_on": "2024-01-31"},
]

# big-client date = coalesce(big_client_since, signed_at); signing dates do not widen the periods.
CUSTOMERS = [
    {"customer_id": "k1", "is_big_client": True, "big_client_since": "2024-01-15", "signed_at": "2022-01-01"},
    {"customer_id": "k2", "is_big_client": True, "churned_at": "2024-02-20"},  # big always
    {"customer_id": "k3", "is_big_client": False, "churned_at": "2024-03-05"},
    {"customer_id": "k4", "is_big_client": True, "signed_at": "2023-05-01", "churned_at": "2024-01-01"},
    {"customer_id": "k5", "is_big_client": True, "big_client_since": "2024-02-01", "churned_at": "2024-03-10"},
    {"customer_id": "k6", "is_big_client": True, "big_client_since": "2024-03-15", "churned_at": "2024-03-10"},
    {"customer_id": "k7", "is_big_client": True, "big_client_since": "2023-01-01"},
    {"customer_id": "k8", "is_big_client": True, "big_client_since": "2024-01-20", "churned_at": "2024-01-25"},
]

CALLBACKS = [
    {
        "callback_id": "cb1",
        "customer_id": "k1",
        "agent_id": "a1",
        "planned_date": "2024-01-10",
        "completed_at": "2024-01-15 18:00:00",
        "status": "completed",
    },  # on k1's big-client date: counts
    {"callback_id": "cb2", "customer_id": "k1", "agent_id": "a1", "planned_date": "2024-01-20", "status": "failed"},
    {"callback_id": "cb3", "customer_id": "k1", "agent_id": "a3", "planned_date": "2024-01-22", "status": "planned"},
    {
        "callback_id": "cb4",
        "customer_id": "k2",
        "agent_id": "a3",
        "planned_date": "2024-01-05",
        "completed_at": "2024-01-06 09:00:00",
        "status": "completed",
    },
    {
        "callback_id": "cb5",
        "customer_id": "k3",
        "agent_id": "a1",
        "planned_date": "2024-02-03",
        "completed_at": "2024-02-05 10:00:00",
        "status": "completed",
    },  # k3 is no big client
    {
        "callback_id": "cb6",
        "customer_id": "k2",
        "agent_id": "a2",
        "planned_date": "2024-02-12",
        "completed_at": "2024-02-20 08:00:00",
        "status": "completed",
    },  # on k2's churn date: not a big-client callback
    {
        "callback_id": "cb7",
        "customer_id": "k4",
        "agent_id": "a2",
        "planned_date": "2024-02-15",
        "status": "cancelled",
    },  # excluded everywhere
    {
        "callback_id": "cb8",
        "customer_id": "k5",
        "agent_id": "x9",
        "planned_date": "2024-03-01",
        "completed_at": "2024-03-02 11:00:00",
        "status": "completed",
    },
    {
        "callback_id": "cb10",
        "customer_id": "k6",
        "agent_id": "a1",
        "planned_date": "2024-03-20",
        "completed_at": "2024-03-21 11:00:00",
        "status": "completed",
    },  # after k6's churn
    {
        "callback_id": "cb11",
        "customer_id": "k7",
        "agent_id": "a2",
        "planned_date": "2024-04-02",
        "completed_at": "2024-04-03 15:00:00",
        "status": "completed",
    },
    {"callback_id": "cb12", "customer_id": "k3", "agent_id": "a2", "planned_date": "2024-02-25", "status": "planned"},
    {
        "callback_id": "cb13",
        "customer_id": "k7",
        "agent_id": "a1",
        "planned_date": "2024-03-28",
        "completed_at": "2024-04-01 10:00:00",
        "status": "completed",
    },  # planned March, completed April
    {"callback_id": "cb14", "customer_id": "k3", "agent_id": "x9", "planned_date": "2024-03-05", "status": "failed"},
    {"callback_id": "cb15", "customer_id": "k8", "agent_id": "x9", "planned_date": "2024-02-28", "status": "planned"},
    {
        "callback_id": "cb16",
        "customer_id": "k1",
        "agent_id": "a1",
        "planned_date": "2024-01-12",
        "completed_at": "2024-01-14 10:00:00",
        "status": "completed",
    },  # the day before k1 became big
]

COMPLAINTS = [
    {
        "complaint_id": "c1",
        "severity": "general",
        "agent_id": "a1",
        "received_at": "2024-01-02 09:00:00",
        "resolved_at": "2024-01-02 21:00:00",
        "satisfied": True,
    },  # 12 h
    {
        "complaint_id": "c2",
        "severity": "general",
        "agent_id": "a1",
        "received_at": "2024-01-30 10:00:00",
        "resolved_at": "2024-02-01 10:00:00",
        "satisfied": None,
    },  # 48 h, unknown verdict, resolved in February
    {
        "complaint_id": "c3",
        "severity": "general",
        "agent_id": "a3",
        "received_at": "2024-01-05 08:00:00",
        "resolved_at": "2024-01-06 08:00:00",
        "satisfied": False,
    },  # 24 h
    {
        "complaint_id": "c4",
        "severity": "general",
        "agent_id": "x9",
        "received_at": "2024-02-10 00:00:00",
        "resolved_at": "2024-02-10 06:00:00",
        "satisfied": True,
    },  # 6 h
    {"complaint_id": "c5", "severity": "general", "agent_id": "a2", "received_at": "2024-03-01 09:00:00"},  # unresolved
    {
        "complaint_id": "c6",
        "severity": "general",
        "agent_id": "a2",
        "received_at": "2024-03-20 12:00:00",
        "resolved_at": "2024-04-02 12:00:00",
        "satisfied": True,
    },  # 13 days = 312 h
    {
        "complaint_id": "c7",
        "severity": "general",
        "agent_id": None,
        "received_at": "2024-01-10 10:00:00",
        "resolved_at": "2024-01-10 10:30:00",
        "satisfied": True,
    },  # 0.5 h
]

CALLS = [
    {
        "call_id": "call1",
        "direction": "inbound",
        "agent_id": "a1",
        "offered_at": "2024-01-03 09:00:00",
        "answered_at": "2024-01-03 09:00:10",
        "ended_at": "2024-01-03 09:05:00",
        "outcome": "answered",
        "is_valid": None,
    },  # missing is_valid = valid
    {
        "call_id": "call2",
        "direction": "inbound",
        "offered_at": "2024-01-03 10:00:00",
        "ended_at": "2024-01-03 10:00:40",
        "outcome": "abandoned",
        "is_valid": True,
    },
    {
        "call_id": "call3",
        "direction": "inbound",
        "agent_id": "a1",
        "offered_at": "2024-01-04 11:00:00",
        "answered_at": "2024-01-04 11:00:05",
        "outcome": "answered",
        "is_valid": False,
    },  # invalid
    {
        "call_id": "call4",
        "direction": "outbound",
        "agent_id": "a1",
        "offered_at": "2024-01-05 11:00:00",
        "answered_at": "2024-01-05 11:00:05",
        "outcome": "answered",
        "is_valid": True,
    },  # outbound
    {
        "call_id": "call5",
        "direction": "inbound",
        "agent_id": "a2",
        "offered_at": "2024-02-12 09:00:00",
        "answered_at": "2024-02-12 09:00:30",
        "outcome": "answered",
        "is_valid": True,
    },
    {"call_id": "call6", "direction": "inbound", "offered_at": "2024-02-12 09:30:00", "outcome": "blocked", "is_valid": True},
    {
        "call_id": "call7",
        "direction": "inbound",
        "agent_id": "x9",
        "offered_at": "2024-03-01 08:00:00",
        "answered_at": "2024-03-01 08:00:02",
        "outcome": "answered",
        "is_valid": True,
    },
    {
        "call_id": "call8",
        "direction": "inbound",
        "agent_id": "a1",
        "offered_at": "2024-01-31 23:59:59",
        "answered_at": "2024-02-01 00:00:09",
        "outcome": "answered",
        "is_valid": True,
    },  # January by offered_at
]

# csat_score x 20: 5 -> 100, 2 -> 40, 4 -> 80, 1 -> 20.
SURVEYS = [
    {"survey_id": "s1", "agent_id": "a1", "responded_at": "2024-01-08 10:00:00", "csat_score": 5},
    {"survey_id": "s2", "agent_id": "a1", "responded_at": "2024-01-09 10:00:00", "csat_score": 2},
    {"survey_id": "s3", "agent_id": "a3", "responded_at": "2024-01-20 10:00:00", "csat_score": 4},
    {"survey_id": "s4", "agent_id": "x9", "responded_at": "2024-02-02 10:00:00", "csat_score": 1},
    {"survey_id": "s5", "agent_id": "a2", "responded_at": "2024-02-15 10:00:00", "csat_score": 4},
    {"survey_id": "s6", "agent_id": "a3", "responded_at": "2024-02-10 10:00:00", "csat_score": 2},  # after a3 left
    {"survey_id": "s7", "agent_id": "a2", "responded_at": "2024-03-03 10:00:00", "csat_score": 5},
]

FIXTURE: dict[str, list[dict[str, Any]]] = {
    "agents": AGENTS,
    "customers": CUSTOMERS,
    "callbacks": CALLBACKS,
    "complaints": COMPLAINTS,
    "calls": CALLS,
    "surveys": SURVEYS,
}


@pytest.fixture(scope="module")
def work_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture's raw tables, built once per module with `dbt build`."""
    return build_work_db(tmp_path_factory, "dbt_headline", FIXTURE, [])


@pytest.fixture(scope="module")
def kpi_values(work_db: Path) -> dict[Key, tuple[Any, Any, Any]]:
    return read_kpi_values(work_db)


def test_periods_and_entities_of_the_spine(kpi_values: dict[Key, tuple]) -> None:
    # Records span 2024-01..2024-04 (hire 2023-06-01, signing 2022 and big-client 2023 dates do not widen it).
    periods = {(k[0], k[1]) for k in kpi_values}
    assert periods == {
        ("month", JAN),
        ("month", FEB),
        ("month", MAR),
        ("month", APR),
        ("quarter", Q1),
        ("quarter", Q2),
        ("year", Y2024),
    }
    entities = {(k[0], k[1], k[2], k[3]) for k in kpi_values}
    month = {m: {(lvl, e) for g, s, lvl, e in entities if (g, s) == ("month", m)} for m in (JAN, FEB, MAR, APR)}
    assert month[JAN] == {("center", "center"), ("team", "T1"), ("team", "T2"), ("agent", "a1"), ("agent", "a3")}
    assert month[FEB] == {("center", "center"), ("team", "T1"), ("agent", "a1"), ("agent", "a2")}
    assert month[APR] == month[FEB]
    q1 = {(lvl, e) for g, s, lvl, e in entities if (g, s) == ("quarter", Q1)}
    assert q1 == month[JAN] | {("agent", "a2")}
    # 63 KPIs at center, 51 of them also at team level and 50 of those at agent level (no roster row has a
    # department: no department rows): Jan 63+2*51+2*50, Feb-Apr 3*(63+51+2*50), Q1 63+2*51+3*50,
    # Q2 63+51+2*50, year as Q1 = 265 + 642 + 315 + 214 + 315 = 1751, plus agent_score_avg (month rows only,
    # center and team): Jan center, T1, T2 and Feb-Apr center, T1 = 9.
    assert len(kpi_values) == 1751 + 9
    assert not any(k[3] == "x9" for k in kpi_values)


def test_callback_rate(kpi_values: dict[Key, tuple]) -> None:
    # Customers with a non-cancelled callback planned in the period / those with a completed one.
    # Jan: cb1 k1 a1 done, cb16 k1 a1 done, cb2 k1 a1 failed, cb3 k1 a3 planned, cb4 k2 a3 done.
    #   center {k1,k2} 2/2; T1 {k1} 1/1; T2 {k1 planned, k2 done} 1/2 (k1 done by a1 does not count for T2).
    # Feb: cb5 k3 a1 done, cb6 k2 a2 done, cb12 k3 a2 planned, cb15 k8 x9 planned, cb7 cancelled.
    #   center {k3,k2,k8} 2/3; T1 {k3,k2} 2/2 (k3 once though a1 and a2 both had it); a2 {k2 done, k3} 1/2.
    # Mar: cb8 k5 x9 done, cb10 k6 a1 done, cb13 k7 a1 done (completed in April), cb14 k3 x9 failed.
    #   center {k5,k6,k7,k3} 3/4; T1 {k6,k7} 2/2; a2 none -> 0, 0, NULL.
    # Apr: cb11 k7 a2 done -> center 1/1; a1 none -> NULL.
    # Q1: center {k1,k2,k3,k5,k6,k7,k8}, all but k8 done: 6/7; T1 {k1,k3,k6,k7,k2} 5/5;
    #   a2 {k2 done, k3} 1/2; a3 {k1, k2 done} 1/2 = T2.  Year = Q1 + k7 again: center 6/7, a2 {k2,k3,k7} 2/3.
    check(
        kpi_values,
        "callback_rate",
        {
            ("month", JAN, "center", "center"): (2, 2, 1.0),
            ("month", JAN, "team", "T1"): (1, 1, 1.0),
            ("month", JAN, "team", "T2"): (1, 2, 0.5),
            ("month", JAN, "agent", "a1"): (1, 1, 1.0),
            ("month", JAN, "agent", "a3"): (1, 2, 0.5),
            ("month", FEB, "center", "center"): (2, 3, 2 / 3),
            ("month", FEB, "team", "T1"): (2, 2, 1.0),
            ("month", FEB, "agent", "a1"): (1, 1, 1.0),
            ("month", FEB, "agent", "a2"): (1, 2, 0.5),
            ("month", MAR, "center", "center"): (3, 4, 0.75),
            ("month", MAR, "team", "T1"): (2, 2, 1.0),
            ("month", MAR, "agent", "a2"): (0, 0, None),
            ("month", APR, "center", "center"): (1, 1, 1.0),
            ("month", APR, "agent", "a1"): (0, 0, None),
            ("quarter", Q1, "center", "center"): (6, 7, 6 / 7),
            ("quarter", Q1, "team", "T1"): (5, 5, 1.0),
            ("quarter", Q1, "team", "T2"): (1, 2, 0.5),
            ("quarter", Q1, "agent", "a1"): (4, 4, 1.0),
            ("quarter", Q1, "agent", "a2"): (1, 2, 0.5),
            ("quarter", Q1, "agent", "a3"): (1, 2, 0.5),
            ("quarter", Q2, "center", "center"): (1, 1, 1.0),
            ("quarter", Q2, "agent", "a1"): (0, 0, None),
            ("year", Y2024, "center", "center"): (6, 7, 6 / 7),
            ("year", Y2024, "team", "T1"): (5, 5, 1.0),
            ("year", Y2024, "agent", "a2"): (2, 3, 2 / 3),
        },
    )


def test_big_client_callback_count(kpi_values: dict[Key, tuple]) -> None:
    # Completed callbacks by completed_at to a big client (big-client date <= completion < churned_at):
    #   cb1 k1 a1 2024-01-15 (k1 big from 01-15, inclusive) yes; cb16 k1 01-14 no (not yet big);
    #   cb4 k2 a3 01-06 yes; cb5 k3 no (not big); cb6 k2 02-20 no (= churn date);
    #   cb8 k5 x9 03-02 yes (center only); cb10 k6 03-21 no (churned 03-10);
    #   cb11 k7 a2 04-03 yes; cb13 k7 a1 04-01 yes.
    # Jan center 2, T1 1 (a1), T2 1 (a3); Feb 0 everywhere; Mar center 1, T1 0; Apr center 2, a1 1, a2 1.
    # Q1 center 3, a2 0; Q2 center 2, T1 2; year center 5, T1 3, a1 2.
    check(
        kpi_values,
        "big_client_callback_count",
        {
            ("month", JAN, "center", "center"): (None, None, 2),
            ("month", JAN, "team", "T1"): (None, None, 1),
            ("month", JAN, "team", "T2"): (None, None, 1),
            ("month", JAN, "agent", "a1"): (None, None, 1),
            ("month", JAN, "agent", "a3"): (None, None, 1),
            ("month", FEB, "center", "center"): (None, None, 0),
            ("month", FEB, "agent", "a2"): (None, None, 0),
            ("month", MAR, "center", "center"): (None, None, 1),
            ("month", MAR, "team", "T1"): (None, None, 0),
            ("month", APR, "center", "center"): (None, None, 2),
            ("month", APR, "agent", "a1"): (None, None, 1),
            ("month", APR, "agent", "a2"): (None, None, 1),
            ("quarter", Q1, "center", "center"): (None, None, 3),
            ("quarter", Q1, "agent", "a2"): (None, None, 0),
            ("quarter", Q2, "center", "center"): (None, None, 2),
            ("quarter", Q2, "team", "T1"): (None, None, 2),
            ("year", Y2024, "center", "center"): (None, None, 5),
            ("year", Y2024, "team", "T1"): (None, None, 3),
            ("year", Y2024, "agent", "a1"): (None, None, 2),
        },
    )


def test_complaint_resolution(kpi_values: dict[Key, tuple]) -> None:
    # By resolved_at. Jan: c1 a1 12h sat, c3 a3 24h not, c7 no agent 0.5h sat.
    #   Feb: c2 a1 48h unknown verdict (= not satisfied), c4 x9 6h sat.  Mar: none.  Apr: c6 a2 312h sat.
    # Satisfaction: Jan center 2/3, T1 1/1, T2 0/1; Feb center 1/2, T1 0/1, a2 0/0 NULL; Mar center NULL;
    #   Q1 center 3/5, T1 1/2; year center 4/6, T1 2/3.
    check(
        kpi_values,
        "complaint_resolution_satisfaction_rate",
        {
            ("month", JAN, "center", "center"): (2, 3, 2 / 3),
            ("month", JAN, "team", "T1"): (1, 1, 1.0),
            ("month", JAN, "team", "T2"): (0, 1, 0.0),
            ("month", JAN, "agent", "a3"): (0, 1, 0.0),
            ("month", FEB, "center", "center"): (1, 2, 0.5),
            ("month", FEB, "team", "T1"): (0, 1, 0.0),
            ("month", FEB, "agent", "a1"): (0, 1, 0.0),
            ("month", FEB, "agent", "a2"): (0, 0, None),
            ("month", MAR, "center", "center"): (0, 0, None),
            ("month", APR, "agent", "a2"): (1, 1, 1.0),
            ("quarter", Q1, "center", "center"): (3, 5, 0.6),
            ("quarter", Q1, "team", "T1"): (1, 2, 0.5),
            ("quarter", Q1, "agent", "a2"): (0, 0, None),
            ("quarter", Q2, "center", "center"): (1, 1, 1.0),
            ("year", Y2024, "center", "center"): (4, 6, 4 / 6),
            ("year", Y2024, "team", "T1"): (2, 3, 2 / 3),
        },
    )
    # Hours: Jan center 36.5/3, T1 12, T2 24; Feb center 54/2 = 27, a1 48; Mar NULL; Apr 312;
    #   Q1 center 90.5/5 = 18.1, T1 60/2 = 30; year center 402.5/6, T1 372/3 = 124.
    check(
        kpi_values,
        "complaint_resolution_hours",
        {
            ("month", JAN, "center", "center"): (36.5, 3, 36.5 / 3),
            ("month", JAN, "team", "T1"): (12, 1, 12.0),
            ("month", JAN, "team", "T2"): (24, 1, 24.0),
            ("month", FEB, "center", "center"): (54, 2, 27.0),
            ("month", FEB, "agent", "a1"): (48, 1, 48.0),
            ("month", FEB, "agent", "a2"): (0, 0, None),
            ("month", MAR, "center", "center"): (0, 0, None),
            ("month", APR, "center", "center"): (312, 1, 312.0),
            ("quarter", Q1, "center", "center"): (90.5, 5, 18.1),
            ("quarter", Q1, "team", "T1"): (60, 2, 30.0),
            ("quarter", Q1, "agent", "a3"): (24, 1, 24.0),
            ("quarter", Q2, "agent", "a2"): (312, 1, 312.0),
            ("year", Y2024, "center", "center"): (402.5, 6, 402.5 / 6),
            ("year", Y2024, "team", "T1"): (372, 3, 124.0),
        },
    )


def test_big_client_churn(kpi_values: dict[Key, tuple]) -> None:
    # Count by churned_at, big-client date <= churned_at: Jan k4 (01-01, from 2023-05-01) + k8 (from 01-20,
    # churned 01-25) = 2; Feb k2 = 1; Mar k5 = 1 (k3 no big client, k6 big only after churning); Apr 0.
    check(
        kpi_values,
        "big_client_churn_count",
        {
            ("month", JAN, "center", "center"): (None, None, 2),
            ("month", FEB, "center", "center"): (None, None, 1),
            ("month", MAR, "center", "center"): (None, None, 1),
            ("month", APR, "center", "center"): (None, None, 0),
            ("quarter", Q1, "center", "center"): (None, None, 4),
            ("quarter", Q2, "center", "center"): (None, None, 0),
            ("year", Y2024, "center", "center"): (None, None, 4),
        },
    )
    # Active at period start S: big-client date NULL or < S, and churned_at NULL or >= S.
    #   01-01: k2 (always), k4 (churns 01-01 itself), k7 = 3 (k1 from 01-15, k8 from 01-20 not yet).
    #   02-01: k1, k2, k7 = 3 (k5 from 02-01 is not before the start).  03-01: k1, k5, k7 = 3.
    #   04-01: k1, k7 = 2.  Q1 and 2024 start 01-01: 3; Q2: 2.
    check(
        kpi_values,
        "big_client_churn_rate",
        {
            ("month", JAN, "center", "center"): (2, 3, 2 / 3),
            ("month", FEB, "center", "center"): (1, 3, 1 / 3),
            ("month", MAR, "center", "center"): (1, 3, 1 / 3),
            ("month", APR, "center", "center"): (0, 2, 0.0),
            ("quarter", Q1, "center", "center"): (4, 3, 4 / 3),
            ("quarter", Q2, "center", "center"): (0, 2, 0.0),
            ("year", Y2024, "center", "center"): (4, 3, 4 / 3),
        },
    )
    assert not any(k[4].startswith("big_client_churn") and k[2] != "center" for k in kpi_values)


def test_answer_rate(kpi_values: dict[Key, tuple]) -> None:
    # Valid inbound calls by offered_at: Jan call1 (is_valid missing = valid) answered, call2 abandoned,
    # call8 answered (offered 01-31 23:59:59) -> 2/3; call3 invalid and call4 outbound are out.
    # Feb call5 answered, call6 blocked -> 1/2.  Mar call7 -> 1/1.  Apr no calls -> NULL.
    check(
        kpi_values,
        "answer_rate",
        {
            ("month", JAN, "center", "center"): (2, 3, 2 / 3),
            ("month", FEB, "center", "center"): (1, 2, 0.5),
            ("month", MAR, "center", "center"): (1, 1, 1.0),
            ("month", APR, "center", "center"): (0, 0, None),
            ("quarter", Q1, "center", "center"): (4, 6, 4 / 6),
            ("quarter", Q2, "center", "center"): (0, 0, None),
            ("year", Y2024, "center", "center"): (4, 6, 4 / 6),
        },
    )
    assert not any(k[4] == "answer_rate" and k[2] != "center" for k in kpi_values)


def test_csat_score(kpi_values: dict[Key, tuple]) -> None:
    # csat x 20 by responded_at. Jan s1 100 a1, s2 40 a1, s3 80 a3 -> center 220/3, T1 = a1 140/2, T2 = a3 80.
    # Feb s4 20 x9, s5 80 a2, s6 40 a3 (after a3 left: center only, T2 and a3 have no February row)
    #   -> center 140/3, T1 = a2 80, a1 NULL.  Mar s7 100 a2.  Apr none -> NULL.
    # Q1: center 460/7, T1 320/4, T2 = a3 (s3 + s6) 120/2 = 60, a2 180/2.
    check(
        kpi_values,
        "csat_score",
        {
            ("month", JAN, "center", "center"): (220, 3, 220 / 3),
            ("month", JAN, "team", "T1"): (140, 2, 70.0),
            ("month", JAN, "team", "T2"): (80, 1, 80.0),
            ("month", JAN, "agent", "a1"): (140, 2, 70.0),
            ("month", FEB, "center", "center"): (140, 3, 140 / 3),
            ("month", FEB, "team", "T1"): (80, 1, 80.0),
            ("month", FEB, "agent", "a1"): (0, 0, None),
            ("month", FEB, "agent", "a2"): (80, 1, 80.0),
            ("month", MAR, "agent", "a2"): (100, 1, 100.0),
            ("month", APR, "center", "center"): (0, 0, None),
            ("quarter", Q1, "center", "center"): (460, 7, 460 / 7),
            ("quarter", Q1, "team", "T1"): (320, 4, 80.0),
            ("quarter", Q1, "team", "T2"): (120, 2, 60.0),
            ("quarter", Q1, "agent", "a3"): (120, 2, 60.0),
            ("quarter", Q1, "agent", "a2"): (180, 2, 90.0),
            ("quarter", Q2, "center", "center"): (0, 0, None),
            ("year", Y2024, "center", "center"): (460, 7, 460 / 7),
            ("year", Y2024, "team", "T1"): (320, 4, 80.0),
        },
    )
    assert ("month", FEB, "team", "T2", "csat_score") not in kpi_values
    assert ("month", FEB, "agent", "a3", "csat_score") not in kpi_values


def test_kpi_catalog_mart_publishes_every_row(work_db: Path) -> None:
    with duckdb.connect(str(work_db), read_only=True) as con:
        n, zh = con.execute(
            "select count(*), max(case when kpi_code = 'csat_score' then name_zh end) from marts.kpi_catalog"
        ).fetchone()
    assert (n, zh) == (64, "客户满意度")


def test_built_marts_have_the_published_columns_and_types(work_db: Path) -> None:
    with duckdb.connect(str(work_db), read_only=True) as con:
        rows = con.execute(
            "select table_name, column_name, lower(data_type) from information_schema.columns "
            "where table_schema = 'marts' order by table_name, ordinal_position"
        ).fetchall()
    built: dict[str, list[tuple[str, str]]] = {}
    for table, column, data_type in rows:
        built.setdefault(table, []).append((column, data_type))
    assert built == {mart: list(columns.items()) for mart, columns in PUBLISHED_COLUMNS.items()}


def test_entity_names(work_db: Path) -> None:
    with duckdb.connect(str(work_db), read_only=True) as con:
        names = dict(
            con.execute(
                "select entity_id, entity_name from intermediate.int_kpi_entities "
                "where period_grain = 'month' and period_start = date '2024-01-01'"
            ).fetchall()
        )
    assert names == {"center": "客服中心", "T1": "T1", "T2": "T2", "a1": "Ann", "a3": "Cy"}
