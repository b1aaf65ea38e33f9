"""The business clock end to end: the seeds business_hours and holidays -> int_business_clock -> the macros of
macros/business_clock.sql, against hand-counted business seconds and deadlines.

The macros are rendered by `dbt compile --inline` over hand-made instants and the compiled SQL is run on the built
work database, so the checks need no model of their own. Default hours: Monday-Friday 09:00-18:00. Days used
(2026, from the State Council's notice):
    2026-01-01..03 元旦 off (Thu-Sat), 2026-01-04 Sun worked (调休上班)
    2026-02-13 Fri ordinary; 2026-02-14 Sat worked (Monday hours); 2026-02-15..23 春节 off; 2026-02-24 Tue ordinary
    2026-02-28 Sat worked; 2026-03-06 Fri, 03-07 Sat, 03-08 Sun, 03-09 Mon ordinary
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.dbt_fixture import build_work_db
from tests.test_dbt_project import run_dbt

CLOCK_MODELS = ["business_hours", "holidays", "int_business_clock", "int_business_clock_buckets"]


def ts(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def clock_query(db: Path, tmp: Path, pairs: list[tuple[Any, ...]], body: str) -> list[tuple[Any, ...]]:
    """`body` (macro calls over the CTE `pairs`: case_id, started_at, ended_at, minutes) compiled by dbt against
    `db`, run there; its rows ordered by case_id."""
    values = ", ".join(
        "({}, {}, {}, {})".format(
            case_id,
            "null" if start is None else f"timestamp '{start}'",
            "null" if end is None else f"timestamp '{end}'",
            "null" if minutes is None else minutes,
        )
        for case_id, start, end, minutes in pairs
    )
    sql = f"with pairs as (select * from (values {values}) as v(case_id, started_at, ended_at, minutes)),\n{body}"
    out = run_dbt(["compile", "--quiet", "--output", "json", "--inline", sql], db, tmp)
    compiled = json.loads(out[out.index("{") :])["compiled"]
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"select * from ({compiled}) as q order by case_id").fetchall()


@pytest.fixture(scope="module")
def work_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_work_db(tmp_path_factory, "dbt_business_clock", {}, ["--select", *CLOCK_MODELS])


# (case, start, end, business seconds of [start, end), hand-counted)
SECONDS = [
    (1, "2026-03-06 17:00:00", "2026-03-09 10:00:00", 7200),  # weekend: Fri 17-18 + Mon 09-10
    (2, "2026-02-13 17:00:00", "2026-02-24 10:00:00", 39600),  # 春节: Fri 1 h + Sat 02-14 worked 9 h + Tue 1 h = 11 h
    (3, "2026-02-16 10:00:00", "2026-02-20 15:00:00", 0),  # inside the 春节 span (Mon-Fri off)
    (4, "2026-02-28 08:00:00", "2026-02-28 20:00:00", 32400),  # 调休 Saturday with the Monday hours: 9 h
    (5, "2026-03-07 08:00:00", "2026-03-07 20:00:00", 0),  # an ordinary Saturday
    (6, "2026-03-06 09:00:00", "2026-03-06 18:00:00", 32400),  # the edges: 09:00 included .. 18:00 excluded
    (7, "2026-03-06 08:59:59", "2026-03-06 09:00:01", 1),  # one second after opening
    (8, "2026-03-06 17:59:59", "2026-03-06 18:00:01", 1),  # one second before closing
    (9, "2026-03-06 18:00:00", "2026-03-09 09:00:00", 0),  # closing to next opening
    (10, "2026-03-06 12:00:00", "2026-03-06 11:00:00", 0),  # end before start
    (11, "2026-03-06 12:00:00", "2026-03-06 12:00:00", 0),  # end = start
    (12, "2026-03-06 12:00:00", None, None),  # no end
    (13, "2025-12-31 17:00:00", "2026-01-05 10:00:00", 39600),  # 元旦: Wed 1 h + Sun 01-04 worked 9 h + Mon 1 h
    (14, "2027-01-01 10:00:00", "2027-01-01 11:00:00", 3600),  # 2027 has no rows yet: a plain Friday
    (15, "2035-12-31 10:00:00", "2036-01-02 10:00:00", None),  # the end is past the calendar (2035-12-31)
    (16, "2026-03-06 12:00:00", "2026-03-13 12:00:00", 162000),  # a week: 5 x 9 h
]


def test_business_seconds(work_db: Path, tmp_path: Path) -> None:
    pairs = [(case, ts(start), ts(end), None) for case, start, end, _ in SECONDS]
    body = "timed as ({{ business_seconds('started_at', 'ended_at', 'pairs', 'secs') }})\nselect case_id, secs from timed"
    assert clock_query(work_db, tmp_path, pairs, body) == [(case, want) for case, _, _, want in SECONDS]


# (case, start, minutes, the instant the business clock has run them, hand-counted)
DEADLINES = [
    (1, "2026-03-09 09:00:00", 540, "2026-03-09 18:00:00"),  # 9 h from opening: 18:00 itself, not Tue 09:00
    (2, "2026-03-06 17:00:00", 60, "2026-03-06 18:00:00"),  # the last hour of Friday
    (3, "2026-03-06 17:00:00", 61, "2026-03-09 09:01:00"),  # one minute more: Monday
    (4, "2026-03-07 10:00:00", 0, "2026-03-07 10:00:00"),  # 0 minutes: the start, even on a closed day
    (5, "2026-02-13 17:00:00", 1440, "2026-02-25 14:00:00"),  # 24 h: Fri 1 + Sat 9 + Tue 02-24 9 + Wed 5
    (6, "2026-03-08 12:00:00", 30, "2026-03-09 09:30:00"),  # from closed time: Monday's opening + 30 min
    (7, "2026-03-06 17:00:00", None, None),  # no minutes
    (8, None, 60, None),  # no start
    (9, "2026-03-06 17:30:00", 0.5, "2026-03-06 17:30:30"),  # half a minute
]


def test_business_deadline(work_db: Path, tmp_path: Path) -> None:
    pairs = [(case, ts(start), None, minutes) for case, start, minutes, _ in DEADLINES]
    body = "due as ({{ business_deadline('started_at', 'minutes', 'pairs', 'due_at') }})\nselect case_id, due_at from due"
    assert clock_query(work_db, tmp_path, pairs, body) == [(case, ts(want)) for case, _, _, want in DEADLINES]


def test_clock_macros_follow_the_named_clock(work_db: Path, tmp_path: Path) -> None:
    # Friday 17:00 -> Monday 10:00: 65 calendar hours (234000 s), 2 business hours (Fri 17-18, Mon 09-10).
    # 60 minutes from Friday 17:00: 18:00 on both clocks. 1440 minutes: Saturday 17:00 on the calendar; in business
    # hours Fri 1 h + Mon 9 h + Tue 9 h = 19 h, then 5 h of Wednesday: 2026-03-11 14:00.
    pairs = [
        (1, ts("2026-03-06 17:00:00"), ts("2026-03-09 10:00:00"), 60),
        (2, ts("2026-03-06 17:00:00"), ts("2026-03-06 16:00:00"), 1440),
    ]
    body = """
calendar_seconds as ({{ clock_seconds('calendar', 'started_at', 'ended_at', 'pairs', 'calendar_secs') }}),
business_seconds as ({{ clock_seconds('business', 'started_at', 'ended_at', 'calendar_seconds', 'business_secs') }}),
calendar_due as ({{ clock_deadline('calendar', 'started_at', 'minutes', 'business_seconds', 'calendar_due_at') }}),
business_due as ({{ clock_deadline('business', 'started_at', 'minutes', 'calendar_due', 'business_due_at') }})
select case_id, calendar_secs, business_secs, calendar_due_at, business_due_at from business_due
"""
    assert clock_query(work_db, tmp_path, pairs, body) == [
        (1, 234000, 7200, ts("2026-03-06 18:00:00"), ts("2026-03-06 18:00:00")),
        # End before start: calendar seconds go negative as elapsed time always has (-3600), business seconds are 0.
        (2, -3600, 0, ts("2026-03-07 17:00:00"), ts("2026-03-11 14:00:00")),
    ]


def test_the_calendar_tiles_every_day(work_db: Path) -> None:
    with duckdb.connect(str(work_db), read_only=True) as con:
        days = con.execute(
            "select count(*), min(calendar_date), max(calendar_date),"
            " count(*) filter (where lengths <> 86400) from (select calendar_date,"
            " sum(segment_end_second - segment_start_second) as lengths"
            " from intermediate.int_business_clock group by calendar_date)"
        ).fetchone()
        # 2015-01-01 .. 2035-12-31: 21 years, 5 of them leap (2016, 2020, 2024, 2028, 2032).
        assert days == (21 * 365 + 5, datetime(2015, 1, 1).date(), datetime(2035, 12, 31).date(), 0)
        open_days = dict(
            con.execute(
                "select calendar_date, sum(business_seconds_after - business_seconds_before)"
                " from intermediate.int_business_clock"
                " where calendar_date between '2026-02-13' and '2026-02-24' group by calendar_date"
            ).fetchall()
        )
    assert {str(day): seconds for day, seconds in open_days.items() if seconds} == {
        "2026-02-13": 32400,  # Friday
        "2026-02-14": 32400,  # 调休 Saturday
        "2026-02-24": 32400,  # the first day after 春节
    }


# Custom opening hours: Monday two windows with a lunch break, Tuesday round the clock, Saturday two windows that
# touch, every other day closed. The 调休 Saturday 2026-02-28 opens with the Monday hours.
CUSTOM_HOURS = [
    (1, "09:00:00", "12:00:00"),
    (1, "13:00:00", "18:00:00"),
    (2, "00:00:00", "24:00:00"),
    (6, "10:00:00", "12:00:00"),
    (6, "12:00:00", "14:00:00"),
]


def load_custom_hours(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema seeds")
    con.execute('create table seeds.business_hours (weekday integer, "start" varchar, "end" varchar)')
    con.executemany("insert into seeds.business_hours values (?, ?, ?)", CUSTOM_HOURS)


@pytest.fixture(scope="module")
def custom_hours_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    models = ["holidays", "int_business_clock", "int_business_clock_buckets"]
    return build_work_db(tmp_path_factory, "dbt_business_clock_custom", {}, ["--select", *models], then=load_custom_hours)


def test_several_windows_a_day(custom_hours_db: Path, tmp_path: Path) -> None:
    pairs = [
        (1, ts("2026-03-09 11:00:00"), ts("2026-03-09 14:00:00"), 60),  # 11-12 + 13-14 = 2 h; deadline 12:00 sharp
        (2, ts("2026-03-09 12:30:00"), ts("2026-03-09 13:30:00"), 61),  # lunch (closed), then 13:00-13:30; due 14:01
        (3, ts("2026-03-09 17:00:00"), ts("2026-03-10 01:00:00"), 120),  # Mon 17-18 + Tue 00-01; due Tue 01:00
        (4, ts("2026-03-10 23:00:00"), ts("2026-03-11 10:00:00"), 60),  # Tue 23-24, Wed closed; due at midnight
        (5, ts("2026-03-07 11:00:00"), ts("2026-03-07 13:00:00"), 90),  # touching Saturday windows; due 12:30
        (6, ts("2026-02-28 11:30:00"), ts("2026-02-28 13:30:00"), 31),  # 调休 Sat, Monday hours: 30 + 30 min; 13:01
    ]
    body = """
timed as ({{ business_seconds('started_at', 'ended_at', 'pairs', 'secs') }}),
due as ({{ business_deadline('started_at', 'minutes', 'timed', 'due_at') }})
select case_id, secs, due_at from due
"""
    assert clock_query(custom_hours_db, tmp_path, pairs, body) == [
        (1, 7200, ts("2026-03-09 12:00:00")),
        (2, 1800, ts("2026-03-09 14:01:00")),
        (3, 7200, ts("2026-03-10 01:00:00")),
        (4, 3600, ts("2026-03-11 00:00:00")),
        (5, 7200, ts("2026-03-07 12:30:00")),
        (6, 3600, ts("2026-02-28 13:01:00")),
    ]


def test_overlapping_business_hours_stop_the_build(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "work.duckdb")) as con:
        con.execute("create schema seeds")
        con.execute('create table seeds.business_hours (weekday integer, "start" varchar, "end" varchar)')
        con.executemany(
            "insert into seeds.business_hours values (?, ?, ?)",
            [
                (1, "09:00:00", "12:00:00"),
                (1, "11:00:00", "13:00:00"),  # overlaps the row before
                (2, "09:00:00", "12:00:00"),
                (2, "12:00:00", "13:00:00"),  # touches: fine
                (3, "10:00:00", "10:00:00"),  # does not start before it ends
            ],
        )
    with pytest.raises(AssertionError):
        run_dbt(["test", "--select", "business_hours"], tmp_path / "work.duckdb", tmp_path)
    results = json.loads((tmp_path / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
    failed = {r["unique_id"].split(".")[2]: r["failures"] for r in results if r["status"] == "fail"}
    assert failed == {"business_hours_do_not_overlap_business_hours_": 2}


def test_the_holidays_seed_follows_the_notices() -> None:
    from dagster_kpi.paths import PROJECT_ROOT

    lines = (PROJECT_ROOT / "seeds" / "holidays.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "date,is_workday,name_zh"
    rows = {date: workday == "true" for date, workday, _ in (line.split(",", 2) for line in lines[1:])}
    worked = sorted(date for date, workday in rows.items() if workday)
    assert worked == [
        "2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11", "2024-09-14", "2024-09-29", "2024-10-12",
        "2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11",
        "2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
    ]  # fmt: skip
    # Days off per year: 2024 元旦 3 (12-30..01-01, two of them in 2023) + 8 + 3 + 5 + 3 + 3 + 7; 2025 1 + 8 + 3 + 5 +
    # 3 + 8; 2026 3 + 9 + 3 + 5 + 3 + 3 + 7.
    off = [date for date, workday in rows.items() if not workday]
    assert len(off) == (3 + 8 + 3 + 5 + 3 + 3 + 7) + (1 + 8 + 3 + 5 + 3 + 8) + (3 + 9 + 3 + 5 + 3 + 3 + 7)
    assert all(rows.get(f"2026-02-{day}") is False for day in range(15, 24))
