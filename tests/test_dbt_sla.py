"""SLA policies end to end: raw tickets and complaints -> `dbt build` -> marts.sla_events, marts.ticket_backlog and
sla_attainment_rate, as of 2026-03-10 12:00:00 (var as_of).

The build excludes the seed sla_policies and reads these policies instead (seeds.sla_policies written beforehand):
    tickets     urgent  first_response    60  calendar      tickets     urgent  resolution   120  calendar
    tickets     normal  first_response  1440  calendar      tickets     normal  resolution 10080  calendar
    tickets     high    resolution       540  business (Monday to Friday 09:00-18:00: one business day)
    complaints  normal  resolution      1440  calendar      (complaints high, tickets high first_response: none)
Roster: a1 team T1 department D1, a2 team T2 without department; x9 is not on the roster.
Tickets (2026-03-02 is a Monday):
    T1 urgent   inquiry  a1  created 03-02 09:00, first response 10:00 (exactly 60 min: achieved),
                              resolved 11:01 (121 min, target 11:00: breached by a minute)
    T2 (none)   fault    a1  created 03-02 09:00, status resolved without resolved_at, no first response: normal;
                              targets 03-03 09:00 and 03-09 09:00 passed by the as-of time: both breached
    T3 normal   inquiry  a2  created 03-05 12:00, first response 13:00 (achieved); resolution target 03-12 12:00
                              is ahead of the as-of time: open
    T4 urgent   (cancelled)  -> no event, never in the backlog
    T5 urgent   inquiry  a1  created 03-31 23:30, first response 04-01 00:29 (target 00:30, achieved), resolved
                              04-01 01:31 (target 01:30, breached): both events in April
    T6 urgent   feedback x9  created 03-03 09:00, resolved 09:30 without a first response: resolution achieved
                              (30 min), first response breached (target 10:00): a resolution is not a first response
    T7 high     fault    a2  created Friday 03-06 17:00: 1 business hour that day and 8 on Monday, so the target
                              is Monday 03-09 17:00; resolved 17:00 (540 business minutes: achieved)
    T8 high     fault    a2  the same, resolved 17:01 (541 business minutes: breached by a minute)
    T9 urgent   service_request, no agent, created 03-03 10:00, resolved 03-06 00:00 (the midnight ending 03-05);
                              no first response (target 11:00, breached); resolution target 12:00: breached
    T10 urgent  inquiry  a2  created 04-30 23:30, nothing since: targets 05-01 00:30 and 01:30, open; May holds no
                              record, so it is not a period (April, the data's last month, ends the range)
Complaints:
    C1 normal a2 received 03-01 08:00, resolved 03-02 08:00: exactly 1440 min, achieved
    C2 (none) a1 received 03-01 08:00, resolved 03-02 08:01: normal, breached by a minute
    C3 high   a1 received 03-01 08:00: no policy, no event
    C4 normal a2 received 03-09 13:00, not resolved: target 03-10 13:00 ahead: open
"""

from __future__ import annotations

import csv
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dagster_kpi.paths import PROJECT_ROOT
from tests.dbt_fixture import build_work_db
from tests.test_dbt_project import run_dbt

MAR, APR, MAY = date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)
Q1, Q2, Y2026 = date(2026, 1, 1), date(2026, 4, 1), date(2026, 1, 1)
AS_OF = "2026-03-10 12:00:00"
T = datetime.fromisoformat

POLICIES = [
    ("tickets", "urgent", "first_response", 60, "calendar"),
    ("tickets", "urgent", "resolution", 120, "calendar"),
    ("tickets", "normal", "first_response", 1440, "calendar"),
    ("tickets", "normal", "resolution", 10080, "calendar"),
    ("tickets", "high", "resolution", 540, "business"),
    ("complaints", "normal", "resolution", 1440, "calendar"),
]

AGENTS = [
    {"agent_id": "a1", "agent_name": "Ann", "team": "T1", "department": "D1"},
    {"agent_id": "a2", "agent_name": "Bo", "team": "T2"},
]


def ticket(
    ticket_id: str,
    priority: str | None,
    category: str,
    agent: str | None,
    created: str,
    first_response: str | None = None,
    resolved: str | None = None,
    status: str = "processing",
) -> dict:
    return {"ticket_id": ticket_id, "channel": "web", "category": category, "agent_id": agent, "created_at": created,
            "first_response_at": first_response, "resolved_at": resolved, "status": status, "priority": priority}  # fmt: skip


def complaint(complaint_id: str, priority: str | None, agent: str, received: str, resolved: str | None = None) -> dict:
    return {"complaint_id": complaint_id, "agent_id": agent, "received_at": received, "severity": "general",
            "resolved_at": resolved, "priority": priority}  # fmt: skip


TICKETS = [
    ticket("T1", "urgent", "inquiry", "a1", "2026-03-02 09:00:00", "2026-03-02 10:00:00", "2026-03-02 11:01:00", "closed"),
    ticket("T2", None, "fault", "a1", "2026-03-02 09:00:00", status="resolved"),
    ticket("T3", "normal", "inquiry", "a2", "2026-03-05 12:00:00", "2026-03-05 13:00:00"),
    ticket("T4", "urgent", "inquiry", "a1", "2026-03-02 09:00:00", status="cancelled"),
    ticket("T5", "urgent", "inquiry", "a1", "2026-03-31 23:30:00", "2026-04-01 00:29:00", "2026-04-01 01:31:00", "resolved"),
    ticket("T6", "urgent", "feedback", "x9", "2026-03-03 09:00:00", None, "2026-03-03 09:30:00", "resolved"),
    ticket("T7", "high", "fault", "a2", "2026-03-06 17:00:00", None, "2026-03-09 17:00:00", "resolved"),
    ticket("T8", "high", "fault", "a2", "2026-03-06 17:00:00", None, "2026-03-09 17:01:00", "resolved"),
    ticket("T9", "urgent", "service_request", None, "2026-03-03 10:00:00", None, "2026-03-06 00:00:00", "resolved"),
    ticket("T10", "urgent", "inquiry", "a2", "2026-04-30 23:30:00"),
]
COMPLAINTS = [
    complaint("C1", "normal", "a2", "2026-03-01 08:00:00", "2026-03-02 08:00:00"),
    complaint("C2", None, "a1", "2026-03-01 08:00:00", "2026-03-02 08:01:00"),
    complaint("C3", "high", "a1", "2026-03-01 08:00:00"),
    complaint("C4", "normal", "a2", "2026-03-09 13:00:00"),
]
FIXTURE = {"agents": AGENTS, "tickets": TICKETS, "complaints": COMPLAINTS}
MODELS = ["+sla_events", "+ticket_backlog", "+kpi_sla_attainment_rate"]


def write_policies(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema seeds")
    con.execute("create table seeds.sla_policies (source varchar, priority varchar, metric varchar,"
                " target_minutes integer, clock varchar)")  # fmt: skip
    con.executemany("insert into seeds.sla_policies values (?, ?, ?, ?, ?)", POLICIES)


@pytest.fixture(scope="module")
def work_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    args = [
        "--select",
        *MODELS,
        "--exclude",
        "sla_policies",
        "--indirect-selection",
        "cautious",
        "--vars",
        f'{{as_of: "{AS_OF}"}}',
    ]
    return build_work_db(tmp_path_factory, "dbt_sla", FIXTURE, args, then=write_policies)


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


# --- marts.sla_events ------------------------------------------------------------------------------------------------


def test_sla_events_per_record_and_metric(work_db: Path) -> None:
    rows = query(work_db, "select source, record_id, metric, priority, started_at, target_at, achieved_at,"
                          " elapsed_minutes, target_minutes, clock, status, agent_id, team, department, period_start"
                          " from marts.sla_events order by all")  # fmt: skip
    got = {(r[0], r[1], r[2]): r[3:] for r in rows}
    cal = "calendar"
    want = {
        # Exactly on the target is achieved; a minute late is breached.
        ("tickets", "T1", "first_response"): ("urgent", T("2026-03-02 09:00"), T("2026-03-02 10:00"),
                                              T("2026-03-02 10:00"), 60.0, 60, cal, "achieved", "a1", "T1", "D1", MAR),
        ("tickets", "T1", "resolution"): ("urgent", T("2026-03-02 09:00"), T("2026-03-02 11:00"),
                                          T("2026-03-02 11:01"), 121.0, 120, cal, "breached", "a1", "T1", "D1", MAR),
        # No priority: normal. Resolved without resolved_at: not achieved, breached once 7 days have passed.
        ("tickets", "T2", "first_response"): ("normal", T("2026-03-02 09:00"), T("2026-03-03 09:00"), None, None,
                                              1440, cal, "breached", "a1", "T1", "D1", MAR),
        ("tickets", "T2", "resolution"): ("normal", T("2026-03-02 09:00"), T("2026-03-09 09:00"), None, None,
                                          10080, cal, "breached", "a1", "T1", "D1", MAR),
        ("tickets", "T3", "first_response"): ("normal", T("2026-03-05 12:00"), T("2026-03-06 12:00"),
                                              T("2026-03-05 13:00"), 60.0, 1440, cal, "achieved", "a2", "T2", None, MAR),
        # The target (03-12 12:00) is ahead of the as-of time (03-10 12:00): open.
        ("tickets", "T3", "resolution"): ("normal", T("2026-03-05 12:00"), T("2026-03-12 12:00"), None, None,
                                          10080, cal, "open", "a2", "T2", None, MAR),
        # Targets in April: the events count in April. Achieved after the as-of time still counts as achieved.
        ("tickets", "T5", "first_response"): ("urgent", T("2026-03-31 23:30"), T("2026-04-01 00:30"),
                                              T("2026-04-01 00:29"), 59.0, 60, cal, "achieved", "a1", "T1", "D1", APR),
        ("tickets", "T5", "resolution"): ("urgent", T("2026-03-31 23:30"), T("2026-04-01 01:30"),
                                          T("2026-04-01 01:31"), 121.0, 120, cal, "breached", "a1", "T1", "D1", APR),
        # A resolution is not a first response. x9 is off the roster: no team, no department.
        ("tickets", "T6", "first_response"): ("urgent", T("2026-03-03 09:00"), T("2026-03-03 10:00"), None, None,
                                              60, cal, "breached", "x9", None, None, MAR),
        ("tickets", "T6", "resolution"): ("urgent", T("2026-03-03 09:00"), T("2026-03-03 11:00"),
                                          T("2026-03-03 09:30"), 30.0, 120, cal, "achieved", "x9", None, None, MAR),
        # The business clock: exactly on the target, and a minute late; no first-response policy for high.
        ("tickets", "T7", "resolution"): ("high", T("2026-03-06 17:00"), T("2026-03-09 17:00"),
                                          T("2026-03-09 17:00"), 540.0, 540, "business", "achieved", "a2", "T2", None,
                                          MAR),
        ("tickets", "T8", "resolution"): ("high", T("2026-03-06 17:00"), T("2026-03-09 17:00"),
                                          T("2026-03-09 17:01"), 541.0, 540, "business", "breached", "a2", "T2", None,
                                          MAR),
        ("tickets", "T9", "first_response"): ("urgent", T("2026-03-03 10:00"), T("2026-03-03 11:00"), None, None,
                                              60, cal, "breached", None, None, None, MAR),
        # 03-03 10:00 to 03-06 00:00 = 14 h + 2 x 24 h = 62 h = 3720 min.
        ("tickets", "T9", "resolution"): ("urgent", T("2026-03-03 10:00"), T("2026-03-03 12:00"),
                                          T("2026-03-06 00:00"), 3720.0, 120, cal, "breached", None, None, None, MAR),
        ("complaints", "C1", "resolution"): ("normal", T("2026-03-01 08:00"), T("2026-03-02 08:00"),
                                             T("2026-03-02 08:00"), 1440.0, 1440, cal, "achieved", "a2", "T2", None, MAR),
        ("complaints", "C2", "resolution"): ("normal", T("2026-03-01 08:00"), T("2026-03-02 08:00"),
                                             T("2026-03-02 08:01"), 1441.0, 1440, cal, "breached", "a1", "T1", "D1", MAR),
        ("complaints", "C4", "resolution"): ("normal", T("2026-03-09 13:00"), T("2026-03-10 13:00"), None, None,
                                             1440, cal, "open", "a2", "T2", None, MAR),
        # Targets in May, after the data's last month: in the mart all the same.
        ("tickets", "T10", "first_response"): ("urgent", T("2026-04-30 23:30"), T("2026-05-01 00:30"), None, None,
                                               60, cal, "open", "a2", "T2", None, MAY),
        ("tickets", "T10", "resolution"): ("urgent", T("2026-04-30 23:30"), T("2026-05-01 01:30"), None, None,
                                           120, cal, "open", "a2", "T2", None, MAY),
    }  # fmt: skip
    # T4 is cancelled; C3 (high) has no policy.
    assert got == want


# --- sla_attainment_rate ---------------------------------------------------------------------------------------------


def test_sla_attainment_rate_counts_closed_events_by_target_month(work_db: Path) -> None:
    rows = query(work_db, "select period_grain, period_start, level, entity_id, numerator, denominator"
                          " from metrics.kpi_sla_attainment_rate")  # fmt: skip
    got = {tuple(r[:4]): tuple(r[4:]) for r in rows}
    # March, open events (T3 resolution, C4) left out: T1 fr A, T1 res B, T2 fr B, T2 res B, T3 fr A, T6 fr B,
    # T6 res A, T7 res A, T8 res B, T9 fr B, T9 res B, C1 A, C2 B -> 5 achieved of 13.
    # a1: T1 fr A, T1 res B, T2 x2 B, C2 B -> 1/5; a2: T3 fr A, T7 A, T8 B, C1 A -> 3/4; x9 and T9 (no agent)
    # reach the centre only.  April (T5, created in March): fr A, res B -> 1/2.
    want = {
        ("month", MAR, "center", "center"): (5, 13),
        ("month", MAR, "department", "D1"): (1, 5),
        ("month", MAR, "team", "T1"): (1, 5),
        ("month", MAR, "team", "T2"): (3, 4),
        ("month", MAR, "agent", "a1"): (1, 5),
        ("month", MAR, "agent", "a2"): (3, 4),
        ("month", APR, "center", "center"): (1, 2),
        ("month", APR, "agent", "a1"): (1, 2),
        ("quarter", Q1, "center", "center"): (5, 13),
        ("quarter", Q2, "center", "center"): (1, 2),
        ("year", Y2026, "center", "center"): (6, 15),
        ("year", Y2026, "agent", "a1"): (2, 7),
    }
    for key, value in want.items():
        assert got.get(key) == value, key
    assert not any(key[3] == "x9" for key in got)


def test_a_month_of_sla_targets_alone_is_not_a_period(work_db: Path) -> None:
    # T10's targets fall in May, after April, the last month with a record: May is not in the period range (it
    # joins once May's records arrive), so no KPI publishes an empty May.
    months = query(work_db, "select event_month from intermediate.int_event_months order by 1")
    assert [m for (m,) in months] == [MAR, APR]
    periods = query(work_db, "select distinct period_start from metrics.kpi_sla_attainment_rate"
                             " where period_grain = 'month' order by 1")  # fmt: skip
    assert [p for (p,) in periods] == [MAR, APR]


# --- marts.ticket_backlog --------------------------------------------------------------------------------------------


def test_ticket_backlog_counts_every_day_and_category(work_db: Path) -> None:
    rows = query(work_db, "select day, category, open_tickets, past_target_tickets from marts.ticket_backlog")
    got = {(r[0], r[1]): (r[2], r[3]) for r in rows}
    days = [date(2026, 3, d) for d in range(1, 11)]  # the first month's first day to the as-of date
    categories = ["inquiry", "feedback", "info_transfer", "service_request", "fault"]
    assert sorted(got) == sorted((d, c) for d in days for c in categories)
    want = {(d, c): (0, 0) for d in days for c in categories}
    # T1 (created and resolved on 03-02) and T6 (03-03) are open at no day's end; T4 is cancelled.
    for d in days[4:]:  # T3 open from 03-05, its target (03-12) ahead
        want[d, "inquiry"] = (1, 0)
    for d in days[1:]:  # T2 never resolved: open from 03-02; past its target (03-09 09:00) from the end of 03-09
        want[d, "fault"] = (1, 1 if d >= date(2026, 3, 9) else 0)
    for d in days[5:8]:  # T7 and T8, resolved on 03-09 (at and after their target): open at the ends of 03-06 to 03-08
        want[d, "fault"] = (3, 0)
    for d in days[2:5]:  # T9 resolved at 03-06 00:00, the end of 03-05: open at the ends of 03-03 to 03-05
        want[d, "service_request"] = (1, 1)  # its target (03-03 12:00) passed on its first day
    assert got == want


# --- the as-of time --------------------------------------------------------------------------------------------------


def compiled_as_of(tmp_path: Path, variables: str | None) -> str:
    args = ["compile", "--inline", "select {{ as_of_time() }} as as_of"]
    out = run_dbt([*args, "--vars", variables] if variables else args, tmp_path / "work.duckdb", tmp_path)
    match = re.search(r"cast\('([^']*)' as timestamp\)", out)
    assert match, out
    return match.group(1)


def test_as_of_is_the_var_or_the_run_start_in_local_time(tmp_path: Path) -> None:
    from zoneinfo import ZoneInfo

    assert compiled_as_of(tmp_path, '{as_of: "2026-03-31T18:00:00"}') == "2026-03-31 18:00:00"
    assert compiled_as_of(tmp_path, '{as_of: "2026-03-31"}') == "2026-03-31 00:00:00"
    before = datetime.now(ZoneInfo("America/New_York")).replace(tzinfo=None, microsecond=0)
    started = datetime.fromisoformat(compiled_as_of(tmp_path, "{timezone: America/New_York}"))
    assert before.replace(second=0) <= started <= datetime.now(ZoneInfo("America/New_York")).replace(tzinfo=None)


def test_as_of_of_another_shape_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="var as_of must be"):
        compiled_as_of(tmp_path, '{as_of: "31/03/2026"}')


# --- the seed --------------------------------------------------------------------------------------------------------


def test_default_policies_follow_the_after_sales_scheme() -> None:
    with (PROJECT_ROOT / "seeds" / "sla_policies.csv").open(encoding="utf-8") as f:
        rows = {(r["source"], r["priority"], r["metric"]): (int(r["target_minutes"]), r["clock"]) for r in csv.DictReader(f)}
    day, three_days, week = 1440, 3 * 1440, 7 * 1440
    assert rows == {
        **{("tickets", p, "first_response"): (day, "calendar") for p in ("urgent", "high", "normal")},
        **{(s, "urgent", "resolution"): (day, "calendar") for s in ("tickets", "complaints")},
        **{(s, "high", "resolution"): (three_days, "calendar") for s in ("tickets", "complaints")},
        **{(s, "normal", "resolution"): (week, "calendar") for s in ("tickets", "complaints")},
    }
