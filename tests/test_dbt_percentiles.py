"""Medians and P90s end to end: raw tables -> one `dbt build` -> marts.kpi_values, against hand-computed values.

percentile_cont: the sorted values v_0 <= ... <= v_(n-1), position (n - 1) x p, the two values around it linearly
interpolated. Every record of the fixture carries one number V; each KPI reads its own column, so each is a linear
function of V and its percentile the same function of V's percentile:
    first_response_minutes_p50 / _p90  first_response_at - created_at = V minutes        -> P(V)
    resolution_hours_p50 / _p90        resolved_at - created_at = 2 V hours               -> 2 P(V)
    speed_of_answer_seconds_p90        answered_at - offered_at = V + 1 seconds           -> P90(V) + 1
    talk_seconds_p50                   talk_seconds = 3 V                                 -> 3 P50(V)
Roster: a1, a2 in team T1 (department D1), a3 in T2 (D2); x9 is not on the roster (centre only).
The V of each agent and month (January-April 2024; March has no record of these KPIs):
    Jan  a1 10 30 20   a2 40 100   a3 7   x9 1
    Feb  a1 50 60                  a3 3 5 9 11
    Apr  a1 200
Left out everywhere (V 1000): a cancelled ticket, an open ticket (neither responded to nor resolved), an abandoned,
an invalid and an outbound call.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.dbt_fixture import Key, build_work_db, check, read_kpi_values
from tests.test_dbt_project import run_dbt

JAN, FEB, MAR, APR = date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1)
Q1, Q2, Y2024 = date(2024, 1, 1), date(2024, 4, 1), date(2024, 1, 1)

RECORDS = {  # (month, agent): the V of its records
    (JAN, "a1"): [10, 30, 20],
    (JAN, "a2"): [40, 100],
    (JAN, "a3"): [7],
    (JAN, "x9"): [1],
    (FEB, "a1"): [50, 60],
    (FEB, "a3"): [3, 5, 9, 11],
    (APR, "a1"): [200],
}
EXCLUDED = 1000

AGENTS = [
    {"agent_id": "a1", "agent_name": "Ann", "team": "T1", "department": "D1", "role": "agent", "hired_on": "2023-01-01"},
    {"agent_id": "a2", "agent_name": "Bo", "team": "T1", "department": "D1", "role": "agent", "hired_on": "2023-01-01"},
    {"agent_id": "a3", "agent_name": "Cy", "team": "T2", "department": "D2", "role": "agent", "hired_on": "2023-01-01"},
]


def ticket(ticket_id: str, agent_id: str, created: datetime, v: float | None, **fields: Any) -> dict[str, Any]:
    """A ticket answered V minutes and resolved 2 V hours after it was created (V None: neither)."""
    later = {} if v is None else {
        "first_response_at": created + timedelta(minutes=v), "resolved_at": created + timedelta(hours=2 * v),
        "status": "resolved",
    }  # fmt: skip
    return {"ticket_id": ticket_id, "channel": "web", "category": "inquiry", "agent_id": agent_id,
            "created_at": created, "status": "open", **later, **fields}  # fmt: skip


def call(call_id: str, agent_id: str, offered: datetime, v: float, **fields: Any) -> dict[str, Any]:
    """A valid inbound call answered V + 1 seconds after it was offered, talking 3 V seconds."""
    answered = offered + timedelta(seconds=v + 1)
    return {"call_id": call_id, "direction": "inbound", "queue": "Q1", "agent_id": agent_id, "offered_at": offered,
            "answered_at": answered, "ended_at": answered + timedelta(seconds=3 * v), "talk_seconds": 3 * v,
            "outcome": "answered", **fields}  # fmt: skip


def fixture_rows() -> dict[str, list[dict[str, Any]]]:
    tickets, calls = [], []
    for (month, agent_id), values in RECORDS.items():
        for i, v in enumerate(values):
            at = datetime(month.year, month.month, 5 + i, 8, 0)  # resolved by day 5 + i + 2 x 200 h: same month
            tickets.append(ticket(f"T-{month:%m}-{agent_id}-{i}", agent_id, at, v))
            calls.append(call(f"C-{month:%m}-{agent_id}-{i}", agent_id, at, v))
    at = datetime(2024, 1, 20, 8, 0)
    tickets += [
        ticket("T-cancelled", "a1", at, EXCLUDED, status="cancelled"),
        ticket("T-open", "a1", at, None),
    ]
    calls += [
        {**call("C-abandoned", "a1", at, EXCLUDED), "answered_at": None, "talk_seconds": None, "outcome": "abandoned"},
        call("C-invalid", "a1", at, EXCLUDED, is_valid=False),
        call("C-outbound", "a1", at, EXCLUDED, direction="outbound"),
    ]
    # A March record of another KPI keeps the period spine's months contiguous either way.
    return {"agents": AGENTS, "tickets": tickets, "calls": calls}


TICKET_FILTERS = {  # the records each KPI reads, for the straight recount with DuckDB's own percentile_cont
    "first_response_minutes": (
        "select created_date as d, agent_id, date_diff('second', created_at, first_response_at) / 60 as v "
        "from staging.stg_tickets where not is_cancelled and first_response_at is not null"
    ),
    "resolution_hours": (
        "select resolved_date as d, agent_id, date_diff('second', created_at, resolved_at) / 3600 as v "
        "from staging.stg_tickets where not is_cancelled and resolved_at is not null"
    ),
    "speed_of_answer_seconds": (
        "select offered_date as d, agent_id, answer_seconds as v from staging.stg_calls "
        "where is_valid and direction = 'inbound' and outcome = 'answered' and answer_seconds is not null"
    ),
    "talk_seconds": (
        "select offered_date as d, agent_id, talk_seconds as v from staging.stg_calls "
        "where is_valid and direction = 'inbound' and outcome = 'answered' and talk_seconds is not null"
    ),
}
PERCENTILE_KPIS = {  # code: (records, p)
    "first_response_minutes_p50": ("first_response_minutes", 0.5),
    "first_response_minutes_p90": ("first_response_minutes", 0.9),
    "resolution_hours_p50": ("resolution_hours", 0.5),
    "resolution_hours_p90": ("resolution_hours", 0.9),
    "speed_of_answer_seconds_p90": ("speed_of_answer_seconds", 0.9),
    "talk_seconds_p50": ("talk_seconds", 0.5),
}
TRANSFORM = {  # code: the KPI's value as a function of the percentile P of V
    "first_response_minutes_p50": lambda p: p,
    "first_response_minutes_p90": lambda p: p,
    "resolution_hours_p50": lambda p: 2 * p,
    "resolution_hours_p90": lambda p: 2 * p,
    "speed_of_answer_seconds_p90": lambda p: p + 1,
    "talk_seconds_p50": lambda p: 3 * p,
}

# P50 and P90 of V by hand: sorted values, position (n - 1) x p.
P50 = {
    # January. a1 10 20 30: position 1 -> 20. a2 40 100: 0.5 -> 40 + 0.5 x 60 = 70. a3 7 (one record).
    # T1 = D1 = 10 20 30 40 100: position 2 -> 30. Centre 1 7 10 20 30 40 100: position 3 -> 20.
    ("month", JAN, "agent", "a1"): 20.0,
    ("month", JAN, "agent", "a2"): 70.0,
    ("month", JAN, "agent", "a3"): 7.0,
    ("month", JAN, "team", "T1"): 30.0,
    ("month", JAN, "department", "D1"): 30.0,
    ("month", JAN, "team", "T2"): 7.0,
    ("month", JAN, "center", "center"): 20.0,
    # February. a1 50 60: 0.5 -> 55. a3 3 5 9 11: 1.5 -> 5 + 0.5 x 4 = 7. Centre 3 5 9 11 50 60: 2.5 -> 9 + 0.5 x 2 = 10.
    ("month", FEB, "agent", "a1"): 55.0,
    ("month", FEB, "agent", "a3"): 7.0,
    ("month", FEB, "team", "T1"): 55.0,
    ("month", FEB, "center", "center"): 10.0,
    # Q1 from its records, not its months: a1 10 20 30 50 60: position 2 -> 30 (months 20 and 55).
    # T1 10 20 30 40 50 60 100: 3 -> 40 (months 30 and 55). a3 3 5 7 9 11: 2 -> 7.
    # Centre 1 3 5 7 9 10 11 20 30 40 50 60 100 (13): 6 -> 11 (months 20 and 10).
    ("quarter", Q1, "agent", "a1"): 30.0,
    ("quarter", Q1, "agent", "a2"): 70.0,
    ("quarter", Q1, "agent", "a3"): 7.0,
    ("quarter", Q1, "team", "T1"): 40.0,
    ("quarter", Q1, "department", "D1"): 40.0,
    ("quarter", Q1, "team", "T2"): 7.0,
    ("quarter", Q1, "center", "center"): 11.0,
    # Q2 and April: a1 200 alone.
    ("month", APR, "agent", "a1"): 200.0,
    ("quarter", Q2, "center", "center"): 200.0,
    # 2024: a1 10 20 30 50 60 200: 2.5 -> 30 + 0.5 x 20 = 40. Centre: Q1's 13 and 200 (14): 6.5 -> 11 + 0.5 x 9 = 15.5.
    ("year", Y2024, "agent", "a1"): 40.0,
    ("year", Y2024, "center", "center"): 15.5,
}
P90 = {
    # January. a1 10 20 30: position 1.8 -> 20 + 0.8 x 10 = 28. a2 40 100: 0.9 -> 40 + 0.9 x 60 = 94. a3: 7.
    # T1 10 20 30 40 100: 3.6 -> 40 + 0.6 x 60 = 76. Centre 1 7 10 20 30 40 100: 5.4 -> 40 + 0.4 x 60 = 64.
    ("month", JAN, "agent", "a1"): 28.0,
    ("month", JAN, "agent", "a2"): 94.0,
    ("month", JAN, "agent", "a3"): 7.0,
    ("month", JAN, "team", "T1"): 76.0,
    ("month", JAN, "department", "D1"): 76.0,
    ("month", JAN, "team", "T2"): 7.0,
    ("month", JAN, "center", "center"): 64.0,
    # February. a1 50 60: 0.9 -> 59. a3 3 5 9 11: 2.7 -> 9 + 0.7 x 2 = 10.4. Centre 3 5 9 11 50 60: 4.5 -> 55.
    ("month", FEB, "agent", "a1"): 59.0,
    ("month", FEB, "agent", "a3"): 10.4,
    ("month", FEB, "team", "T1"): 59.0,
    ("month", FEB, "center", "center"): 55.0,
    # Q1. a1 10 20 30 50 60: 3.6 -> 50 + 0.6 x 10 = 56 (months 28 and 59). a3 3 5 7 9 11: 3.6 -> 9 + 0.6 x 2 = 10.2.
    # T1 10 20 30 40 50 60 100: 5.4 -> 60 + 0.4 x 40 = 76. Centre (13): 10.8 -> 50 + 0.8 x 10 = 58 (months 64, 55).
    ("quarter", Q1, "agent", "a1"): 56.0,
    ("quarter", Q1, "agent", "a2"): 94.0,
    ("quarter", Q1, "agent", "a3"): 10.2,
    ("quarter", Q1, "team", "T1"): 76.0,
    ("quarter", Q1, "center", "center"): 58.0,
    ("month", APR, "agent", "a1"): 200.0,
    # 2024. a1 10 20 30 50 60 200: 4.5 -> 60 + 0.5 x 140 = 130. Centre (14): 11.7 -> 60 + 0.7 x 40 = 88.
    ("year", Y2024, "agent", "a1"): 130.0,
    ("year", Y2024, "center", "center"): 88.0,
}
NO_RECORDS = [  # rows on the spine without a record: no value, no numerator, no denominator
    ("month", FEB, "agent", "a2"),
    ("month", MAR, "center", "center"),
    ("month", MAR, "department", "D2"),
    ("month", MAR, "agent", "a1"),
    ("quarter", Q2, "agent", "a3"),
    ("month", APR, "team", "T2"),
]


@pytest.fixture(scope="module")
def work_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture's raw tables, built once per module with `dbt build`."""
    return build_work_db(tmp_path_factory, "dbt_percentiles", fixture_rows(), [])


@pytest.fixture(scope="module")
def kpi_values(work_db: Path) -> dict[Key, tuple[Any, Any, Any]]:
    return read_kpi_values(work_db)


@pytest.mark.parametrize("kpi", sorted(PERCENTILE_KPIS))
def test_percentiles_by_hand(kpi_values, kpi):
    by_hand = P50 if PERCENTILE_KPIS[kpi][1] == 0.5 else P90
    check(kpi_values, kpi, {key: (None, None, TRANSFORM[kpi](p)) for key, p in by_hand.items()})


@pytest.mark.parametrize("kpi", sorted(PERCENTILE_KPIS))
def test_no_records_no_value_and_no_numerator_or_denominator(kpi_values, kpi):
    check(kpi_values, kpi, {key: (None, None, None) for key in NO_RECORDS})
    # Every row of the KPI, with or without records, publishes neither numerator nor denominator.
    rows = [v for k, v in kpi_values.items() if k[4] == kpi]
    assert len(rows) > 40 and all(v[:2] == (None, None) for v in rows)


def test_quarters_are_the_records_percentiles_not_the_months(kpi_values):
    # a1's first response median: January 20 and February 55, the quarter 30 (its five records' median), not their
    # mean 37.5; the centre's: 20 and 10, the quarter 11.
    value = {k[:4]: v[2] for k, v in kpi_values.items() if k[4] == "first_response_minutes_p50"}
    assert [value[("month", JAN, "agent", "a1")], value[("month", FEB, "agent", "a1")]] == [20.0, 55.0]
    assert value[("quarter", Q1, "agent", "a1")] == 30.0
    assert [value[("month", m, "center", "center")] for m in (JAN, FEB, MAR)] == [20.0, 10.0, None]
    assert value[("quarter", Q1, "center", "center")] == 11.0


def recount(db: Path) -> dict[Key, float]:
    """Each percentile KPI straight from the staging views with DuckDB's percentile_cont, every period and level."""
    found: dict[Key, float] = {}
    with duckdb.connect(str(db), read_only=True) as con:
        for kpi, (records, p) in PERCENTILE_KPIS.items():
            rows = con.execute(f"""
                with facts as ({TICKET_FILTERS[records]}),
                placed as (
                    select g.grain, cast(date_trunc(g.grain, f.d) as date) as period_start, f.agent_id, f.v,
                        m.team, m.department, roster.agent_id as roster_agent_id
                    from facts as f
                    cross join (values ('month'), ('quarter'), ('year')) as g(grain)
                    left join intermediate.int_agents as roster on roster.agent_id = f.agent_id
                    left join intermediate.int_agent_months as m
                        on m.agent_id = f.agent_id and m.month_start = cast(date_trunc('month', f.d) as date)
                ),
                leveled as (
                    select grain, period_start, 'center' as level, 'center' as entity_id, v from placed
                    union all select grain, period_start, 'department', department, v from placed
                        where department is not null
                    union all select grain, period_start, 'team', team, v from placed where team is not null
                    union all select grain, period_start, 'agent', roster_agent_id, v from placed
                        where roster_agent_id is not null
                )
                select grain, period_start, level, entity_id, percentile_cont({p}) within group (order by v)
                from leveled
                group by all
            """).fetchall()  # fmt: skip
            found.update({(g, s, level, entity, kpi): value for g, s, level, entity, value in rows})
    return found


def published(values: dict[Key, tuple[Any, Any, Any]]) -> dict[Key, float]:
    return {k: v[2] for k, v in values.items() if k[4] in PERCENTILE_KPIS and v[2] is not None}


def test_every_value_is_duckdbs_percentile_cont_of_the_staging_rows(work_db, kpi_values):
    expected, got = recount(work_db), published(kpi_values)
    assert len(expected) > 100
    assert got.keys() == expected.keys()
    # The models interpolate in a way of their own (the same on every engine): equal to DuckDB's within rounding.
    assert all(got[k] == pytest.approx(expected[k], rel=1e-12) for k in expected)


def test_metric_models_carry_the_records_counted(work_db):
    with duckdb.connect(str(work_db), read_only=True) as con:
        rows = con.execute(
            "select period_grain, level, entity_id, numerator, denominator, value from metrics.kpi_talk_seconds_p50 "
            "where period_start = '2024-01-01' and entity_id in ('center', 'a1') order by all"
        ).fetchall()
    # Centre: January 7 records (V 1 7 10 20 30 40 100: median 20, x 3), Q1 13 (median 11), 2024 14 (median 15.5).
    assert rows == [
        ("month", "agent", "a1", None, 3.0, 60.0),
        ("month", "center", "center", None, 7.0, 60.0),
        ("quarter", "agent", "a1", None, 5.0, 90.0),
        ("quarter", "center", "center", None, 13.0, 33.0),
        ("year", "agent", "a1", None, 6.0, 120.0),
        ("year", "center", "center", None, 14.0, 46.5),
    ]


def test_catalogue_rows(work_db):
    with duckdb.connect(str(work_db), read_only=True) as con:
        rows = con.execute(
            "select kpi_code, name_zh, unit, direction, levels, value_min, value_max from marts.kpi_catalog "
            "where kpi_code like '%\\_p_0' escape '\\' order by kpi_code"
        ).fetchall()
        talk_direction = con.execute("select direction from marts.kpi_catalog where kpi_code = 'avg_talk_seconds'").fetchone()
    levels = "center|department|team|agent"
    assert rows == [
        ("first_response_minutes_p50", "首次响应时长中位数", "minutes", "down", levels, 0.0, None),
        ("first_response_minutes_p90", "首次响应时长P90", "minutes", "down", levels, 0.0, None),
        ("resolution_hours_p50", "工单处理时长中位数", "hours", "down", levels, 0.0, None),
        ("resolution_hours_p90", "工单处理时长P90", "hours", "down", levels, 0.0, None),
        ("speed_of_answer_seconds_p90", "应答速度P90", "seconds", "down", levels, 0.0, None),
        ("talk_seconds_p50", "通话时长中位数", "seconds", talk_direction[0], levels, 0.0, None),
    ]


# --- a refresh of one month -------------------------------------------------------------------------------------------

LATE = [  # late records: V 25 of a1 in February, V 13 of a3 in January
    ("a1", datetime(2024, 2, 20, 8, 0), 25),
    ("a3", datetime(2024, 1, 20, 8, 0), 13),
]


@pytest.fixture(scope="module")
def refreshed(work_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built warehouse, late records added to January and February, then February refreshed (its quarter and
    year), January not."""
    tmp = tmp_path_factory.mktemp("dbt_percentiles_refresh")
    db = tmp / "work.duckdb"
    shutil.copy(work_db, db)
    late = [(table, row) for i, (agent_id, at, v) in enumerate(LATE)
            for table, row in (("tickets", ticket(f"T-late-{i}", agent_id, at, v)),
                               ("calls", call(f"C-late-{i}", agent_id, at, v)))]  # fmt: skip
    with duckdb.connect(str(db)) as con:
        for table, row in late:
            names = ", ".join(row)
            con.execute(
                f"insert into raw.{table} ({names}, _source_file, _source_row, _loaded_at) "
                f"values ({', '.join('?' for _ in row)}, 'late.csv', 1, current_timestamp)",
                list(row.values()),
            )
    run_dbt(
        ["build", "--select", "+kpi_values", "--exclude", "resource_type:test", "resource_type:unit_test",
         "--vars", "{refresh_months: ['2024-02-01']}"],
        db, tmp,
    )  # fmt: skip
    return db


def test_a_refreshed_month_recomputes_its_quarter_and_year_from_their_records(work_db, refreshed):
    after = read_kpi_values(refreshed)
    # a1's V: January 10 20 30, February 25 50 60, April 200.
    # February: 25 50 60 -> P50 50, P90 position 1.8 -> 50 + 0.8 x 10 = 58.
    # Q1: 10 20 25 30 50 60 -> P50 position 2.5 -> 25 + 0.5 x 5 = 27.5; P90 4.5 -> 50 + 0.5 x 10 = 55.
    # 2024: 10 20 25 30 50 60 200 -> P50 position 3 -> 30; P90 5.4 -> 60 + 0.4 x 140 = 116.
    # January and April keep their rows: 20 / 28 and 200.
    # a3's late January record (V 13) is in Q1 and 2024, which are recomputed from their records: 3 5 7 9 11 13 ->
    # P50 position 2.5 -> 7 + 0.5 x 2 = 8; P90 4.5 -> 11 + 0.5 x 2 = 12. January itself keeps 7 until it is refreshed.
    for kpi, (_, p) in PERCENTILE_KPIS.items():
        f = TRANSFORM[kpi]
        rows = {
            ("month", JAN, "agent", "a1"): 20.0 if p == 0.5 else 28.0,
            ("month", FEB, "agent", "a1"): 50.0 if p == 0.5 else 58.0,
            ("quarter", Q1, "agent", "a1"): 27.5 if p == 0.5 else 55.0,
            ("year", Y2024, "agent", "a1"): 30.0 if p == 0.5 else 116.0,
            ("month", APR, "agent", "a1"): 200.0,
            ("month", JAN, "agent", "a3"): 7.0,
            ("quarter", Q1, "agent", "a3"): 8.0 if p == 0.5 else 12.0,
            ("year", Y2024, "agent", "a3"): 8.0 if p == 0.5 else 12.0,
        }
        check(after, kpi, {key: (None, None, f(v)) for key, v in rows.items()})
    # Every other period ends where a full recount of the staging rows does, at every level.
    expected, got = recount(refreshed), published(after)
    assert got.keys() == expected.keys()
    stale = {k for k in expected if k[:2] == ("month", JAN)}
    assert stale and all(got[k] == pytest.approx(expected[k], rel=1e-12) for k in expected.keys() - stale)
    before = published(read_kpi_values(work_db))
    assert (
        got[("quarter", Q1, "center", "center", "talk_seconds_p50")]
        != before[("quarter", Q1, "center", "center", "talk_seconds_p50")]
    )


# --- the business clock -----------------------------------------------------------------------------------------------

# a1's tickets in March 2024 (no holiday; business hours Monday-Friday 09:00-18:00, the seeds' defaults):
#   created              first response        resolved              response (business)   resolution (business)
#   Mon 03-04 17:00      Tue 03-05 10:00       Wed 03-06 17:00       60 + 60 = 120 min     1 + 9 + 8 = 18 h
#   Fri 03-08 16:00      Mon 03-11 09:30       Mon 03-11 18:00       120 + 30 = 150 min    2 + 9 = 11 h
#   Sat 03-09 10:00      Sat 03-09 11:00       Mon 03-11 10:00       0 min (weekend)       1 h
# Business: response 0 120 150 -> P50 120, P90 position 1.8 -> 120 + 0.8 x 30 = 144;
#           resolution 1 11 18 -> P50 11, P90 11 + 0.8 x 7 = 16.6.
# Calendar: response 1020 3930 60 -> P50 1020; resolution 48 74 48 -> P50 48.
BUSINESS_TICKETS = [
    ticket("B1", "a1", datetime(2024, 3, 4, 17), None, first_response_at=datetime(2024, 3, 5, 10),
           resolved_at=datetime(2024, 3, 6, 17), status="resolved"),
    ticket("B2", "a1", datetime(2024, 3, 8, 16), None, first_response_at=datetime(2024, 3, 11, 9, 30),
           resolved_at=datetime(2024, 3, 11, 18), status="resolved"),
    ticket("B3", "a1", datetime(2024, 3, 9, 10), None, first_response_at=datetime(2024, 3, 9, 11),
           resolved_at=datetime(2024, 3, 11, 10), status="resolved"),
]  # fmt: skip
TICKET_PERCENTILES = [k for k in PERCENTILE_KPIS if PERCENTILE_KPIS[k][0] in ("first_response_minutes", "resolution_hours")]


def test_ticket_percentiles_follow_the_sla_clock(tmp_path_factory):
    selected = " ".join(f"+kpi_{kpi}" for kpi in TICKET_PERCENTILES)
    found = {}
    for clock in ("calendar", "business"):
        db = build_work_db(
            tmp_path_factory, f"dbt_percentiles_{clock}", {"agents": AGENTS, "tickets": BUSINESS_TICKETS},
            ["--select", selected, "--exclude", "resource_type:test", "resource_type:unit_test",
             "--vars", "{sla_clock: " + clock + "}"],
        )  # fmt: skip
        with duckdb.connect(str(db), read_only=True) as con:
            for kpi in TICKET_PERCENTILES:
                found[clock, kpi] = con.execute(
                    f"select value from metrics.kpi_{kpi} where period_grain = 'month' and level = 'center'"
                ).fetchall()
    assert found == {
        ("calendar", "first_response_minutes_p50"): [(1020.0,)],
        ("calendar", "first_response_minutes_p90"): [(pytest.approx(1020 + 0.8 * (3930 - 1020)),)],
        ("calendar", "resolution_hours_p50"): [(48.0,)],
        ("calendar", "resolution_hours_p90"): [(pytest.approx(48 + 0.8 * (74 - 48)),)],
        ("business", "first_response_minutes_p50"): [(120.0,)],
        ("business", "first_response_minutes_p90"): [(pytest.approx(144.0),)],
        ("business", "resolution_hours_p50"): [(11.0,)],
        ("business", "resolution_hours_p90"): [(pytest.approx(16.6),)],
    }
