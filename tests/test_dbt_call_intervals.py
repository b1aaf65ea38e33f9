"""Service level as the phone systems count it, and marts.call_intervals, end to end: raw calls -> dbt -> the
metric models and the mart, against hand-computed values.

One build (vars: service_level_abandon_mode positive, short_abandon_seconds 5, short_answer_seconds 10;
service_level_seconds 20, interval_minutes 30, target_service_level 0.8, shrinkage 0.3 at their defaults), then
the call models only, on copies of it: negative mode (same thresholds), and ignore mode with 15-minute intervals and
no short answers.

January 2024 (queue sales unless said; all valid inbound unless said):
    c01 answered  offered 09:00:00, answered +20 s (on the threshold: in SL), ended 09:05:00 -> talk 280 + wrap 20 = 300
    c02 answered  offered 09:29:59 (last second of 09:00), answered 09:30:30 (+31 s: not in SL), talk 300 -> 300
    c03 answered  offered 09:30:00, answered +5 s, ended +3 s later: a short answer (3 < 10) -> leaves SL, answer_rate,
                  every column of call_intervals; abandonment_rate keeps it
    c04 answered  offered 09:30:00, answered +10 s, ended +10 s later (10 is not < 10: not short), talk 10 + wrap 5
    c05 abandoned offered 09:00:10, ended +20 s: on the threshold (positive: meets the level)
    c06 abandoned offered 09:10:00, ended +4 s: short abandon (4 < 5)
    c07 abandoned offered 09:10:00, ended +5 s: not short (5 is not < 5); positive: meets
    c08 abandoned offered 09:20:00, ended +21 s: positive: against
    c09 abandoned offered 09:20:00, no ended_at: not short; positive: against
    c10 blocked   offered 09:40:00, no queue -> '未分组'
    c11 answered  not valid -> nowhere;  c12 outbound -> nowhere
    c13 answered  offered 23:59:59, answered 00:00:10 the next day (+11 s, in SL), talk 110: stays in 23:30 (23:45)
    c14 abandoned offered 11:00:00, ended +60 s: against in positive and negative; ignore: 11:00 has no counted call

    service_level (Jan, centre): counted answered c01 c02 c04 c13 = 4, in SL c01 c04 c13 = 3;
        counted abandons c05 c07 c08 c09 c14 = 5, within 20 s c05 c07 = 2
      negative 3 / (4 + 5) = 3/9; ignore 3/4; positive (3 + 2) / 9 = 5/9
      ignore without short answers: c03 counts and meets (5 s): 4/5
    answer_rate (Jan, every mode): valid inbound less short answers = 14 - c03 - c11 - c12 = 11, answered 4 -> 4/11;
      without short answers 5/12
    abandonment_rate keeps short answers: answered 5 (c03 too) + abandons not short 5 = 10, abandoned 5 -> 5/10

February 2024, queues E10, E21, E300, every call answered 5 s after its offer, all within 10:00-10:30:
    E10   100 calls, talk 120 + hold 20 + wrap 40 = 180 s: A = 100 x 180 / 1800 = 10 Erlangs, T 20 s, target 0.8
          -> 14 agents (13 reach 79.6 %, 14 reach 88.8 %: published Erlang C tables); required ceil(14 / 0.7) = 20
    E21   168 calls of 180 s: A = 16.8 -> SL(20) = 0.750, SL(21) = 0.846 -> 21 agents;
          required = ceil(round(21 / 0.7, 6)) = 30 (21 / 0.7 is 30.000000000000004 in doubles: a plain ceil gives 31)
    E300  3000 calls of 180 s: A = 300 -> SL(308) = 0.778, SL(309) = 0.817 -> 309; required ceil(441.43) = 442
(Erlang C values from the textbook recursion B(k) = A B(k-1) / (k + A B(k-1)), C = N B / (N - A (1 - B)),
SL = 1 - C e^(-(N - A) T / AHT).)
"""

from __future__ import annotations

import re
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.dbt_fixture import build_work_db
from tests.test_dbt_project import run_dbt

JAN, FEB = date(2024, 1, 1), date(2024, 2, 1)
CALL_MODELS = ["kpi_service_level", "kpi_answer_rate", "kpi_abandonment_rate", "int_call_intervals",
               "int_call_interval_agents", "call_intervals"]  # fmt: skip
BUILD_VARS = "{service_level_abandon_mode: positive, short_abandon_seconds: 5, short_answer_seconds: 10}"


def call(call_id: str, outcome: str, offered: str, answered: str | None = None, ended: str | None = None,
         **fields: Any) -> dict[str, Any]:  # fmt: skip
    return {"call_id": call_id, "direction": "inbound", "queue": "sales", "agent_id": "a1" if answered else None,
            "offered_at": offered, "answered_at": answered, "ended_at": ended, "outcome": outcome, **fields}  # fmt: skip


D = "2024-01-05 "
CALLS = [
    call("c01", "answered", D + "09:00:00", D + "09:00:20", D + "09:05:00", wrap_seconds=20),
    call("c02", "answered", D + "09:29:59", D + "09:30:30", D + "09:35:30"),
    call("c03", "answered", D + "09:30:00", D + "09:30:05", D + "09:30:08"),
    call("c04", "answered", D + "09:30:00", D + "09:30:10", D + "09:30:20", wrap_seconds=5),
    call("c05", "abandoned", D + "09:00:10", ended=D + "09:00:30"),
    call("c06", "abandoned", D + "09:10:00", ended=D + "09:10:04"),
    call("c07", "abandoned", D + "09:10:00", ended=D + "09:10:05"),
    call("c08", "abandoned", D + "09:20:00", ended=D + "09:20:21"),
    call("c09", "abandoned", D + "09:20:00"),
    call("c10", "blocked", D + "09:40:00", queue=None),
    call("c11", "answered", D + "09:00:00", D + "09:00:01", D + "09:01:00", is_valid=False),
    call("c12", "answered", D + "09:00:00", D + "09:00:01", D + "09:01:00", direction="outbound"),
    call("c13", "answered", D + "23:59:59", "2024-01-06 00:00:10", "2024-01-06 00:02:00"),
    call("c14", "abandoned", D + "11:00:00", ended=D + "11:01:00"),
]


def erlang_queue(queue: str, count: int, **handle: int) -> list[dict[str, Any]]:
    start = datetime(2024, 2, 1, 10, 0, 0)
    rows = []
    for i in range(count):
        offered = start + timedelta(seconds=i * 1800 // count)
        answered = offered + timedelta(seconds=5)
        rows.append(call(f"{queue}-{i}", "answered", str(offered), str(answered), str(answered + timedelta(seconds=600)),
                         queue=queue, **handle))  # fmt: skip
    return rows


ERLANG_CALLS = [
    *erlang_queue("E10", 100, talk_seconds=120, hold_seconds=20, wrap_seconds=40),
    *erlang_queue("E21", 168, talk_seconds=180),
    *erlang_queue("E300", 3000, talk_seconds=180),
]


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def centre_month(db: Path, kpi: str, month: date = JAN) -> tuple[float, float]:
    [row] = query(
        db,
        f"select numerator, denominator from metrics.kpi_{kpi} where period_grain = 'month' and level = 'center' "
        f"and period_start = '{month}'",
    )
    return row


def intervals(db: Path, day: str = "2024-01-05") -> dict[tuple[str, str], tuple]:
    """call_intervals of a day as {(hh:mm, queue): (offered, answered, abandoned, short_abandoned, blocked,
    answered_in_sl, service_level, asa_seconds, aht_seconds, erlang_agents, required_agents)}."""
    rows = query(
        db,
        "select interval_start, queue, offered, answered, abandoned, short_abandoned, blocked, answered_in_sl,"
        " service_level, asa_seconds, aht_seconds, erlang_agents, required_agents from marts.call_intervals"
        f" where cast(interval_start as date) = '{day}'",
    )
    return {(r[0].strftime("%H:%M"), r[1]): tuple(r[2:]) for r in rows}


@pytest.fixture(scope="module")
def positive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    select = ["--select", *(f"+{model}" for model in CALL_MODELS), "--indirect-selection", "cautious"]
    return build_work_db(tmp_path_factory, "dbt_calls", {"calls": CALLS + ERLANG_CALLS}, [*select, "--vars", BUILD_VARS])


def rerun(positive: Path, tmp_path_factory: pytest.TempPathFactory, name: str, variables: str) -> Path:
    """A copy of the built database with the call models rebuilt under other vars."""
    tmp = tmp_path_factory.mktemp(name)
    db = tmp / "work.duckdb"
    shutil.copy(positive, db)
    run_dbt(["run", "--full-refresh", "--select", *CALL_MODELS, "--vars", variables], db, tmp)
    return db


@pytest.fixture(scope="module")
def negative(positive: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return rerun(positive, tmp_path_factory, "dbt_calls_negative", BUILD_VARS.replace("positive", "negative"))


@pytest.fixture(scope="module")
def ignore_15(positive: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    variables = "{service_level_abandon_mode: ignore, short_abandon_seconds: 5, interval_minutes: 15}"
    return rerun(positive, tmp_path_factory, "dbt_calls_ignore", variables)


# --- service_level and answer_rate ----------------------------------------------------------------------------------


def test_service_level_by_abandon_mode(positive: Path, negative: Path, ignore_15: Path) -> None:
    assert centre_month(negative, "service_level") == (3, 9)  # abandons against the level
    assert centre_month(positive, "service_level") == (5, 9)  # c05 (20 s, on the threshold) and c07 meet it
    assert centre_month(ignore_15, "service_level") == (4, 5)  # abandons out; c03 no longer a short answer


def test_answer_rate_is_the_same_in_every_mode_and_leaves_short_answers(positive: Path, negative: Path, ignore_15: Path) -> None:
    assert centre_month(positive, "answer_rate") == centre_month(negative, "answer_rate") == (4, 11)
    assert centre_month(ignore_15, "answer_rate") == (5, 12)  # short_answer_seconds 0: c03 counts


def test_other_kpis_keep_short_answers(positive: Path) -> None:
    assert centre_month(positive, "abandonment_rate") == (5, 10)


# --- call_intervals -------------------------------------------------------------------------------------------------


def test_intervals_of_thirty_minutes(positive: Path) -> None:
    assert intervals(positive) == {
        # c01 c02 c05 c06 c07 c08 c09; SL (c01 + c05 + c07) / (2 answered + 4 abandoned); ASA (20 + 31) / 2;
        # A = 7 x 300 / 1800 = 7/6: SL(2) = 1 - 0.4298 x e^(-(5/6) x 20 / 300) = 0.593, SL(3) = 0.883 -> 3; 3 / 0.7 -> 5
        ("09:00", "sales"): (7, 2, 4, 1, 0, 1, 0.5, 25.5, 300.0, 3, 5),
        # c04 alone (c03 a short answer); A = 15 / 1800: SL(1) = 1 - A e^(-(1 - A) 20 / 15) = 0.998 -> 1; 1 / 0.7 -> 2
        ("09:30", "sales"): (1, 1, 0, 0, 0, 1, 1.0, 10.0, 15.0, 1, 2),
        ("09:30", "未分组"): (1, 0, 0, 0, 1, 0, None, None, None, None, None),  # c10: nothing answered or abandoned
        ("11:00", "sales"): (1, 0, 1, 0, 0, 0, 0.0, None, None, None, None),  # c14 against the level
        ("23:30", "sales"): (1, 1, 0, 0, 0, 1, 1.0, 11.0, 110.0, 1, 2),  # c13, answered after midnight
    }


def test_service_level_of_an_interval_follows_the_abandon_mode(negative: Path) -> None:
    got = intervals(negative)
    assert got[("09:00", "sales")][6] == pytest.approx(1 / 6)  # c01 / (2 + 4)
    assert got[("11:00", "sales")][6] == 0.0


def test_intervals_of_fifteen_minutes(ignore_15: Path) -> None:
    got = {key: value[:7] for key, value in intervals(ignore_15).items()}
    assert got == {
        ("09:00", "sales"): (4, 1, 2, 1, 0, 1, 1.0),  # c01 c05 c06 c07: ignore mode, c01 in SL
        ("09:15", "sales"): (3, 1, 2, 0, 0, 0, 0.0),  # c02 (09:29:59) c08 c09
        ("09:30", "sales"): (2, 2, 0, 0, 0, 2, 1.0),  # c03 (not short with short_answer_seconds 0) c04
        ("09:30", "未分组"): (1, 0, 0, 0, 1, 0, None),
        ("11:00", "sales"): (1, 0, 1, 0, 0, 0, None),  # ignore: no counted call
        ("23:45", "sales"): (1, 1, 0, 0, 0, 1, 1.0),
    }


def test_intervals_offered_add_up_to_the_answer_rate_denominator(positive: Path, ignore_15: Path) -> None:
    for db in (positive, ignore_15):
        [(january,)] = query(db, "select sum(offered) from marts.call_intervals where interval_start < '2024-02-01'")
        assert january == centre_month(db, "answer_rate")[1]


def test_erlang_c_against_published_values(positive: Path) -> None:
    got = {key[1]: (value[0], value[8], value[9], value[10]) for key, value in intervals(positive, "2024-02-01").items()}
    assert got == {
        "E10": (100, 180.0, 14, 20),
        "E21": (168, 180.0, 21, 30),  # not 31: 21 / 0.7 = 30.000000000000004
        "E300": (3000, 180.0, 309, 442),
    }


# --- vars -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ("{service_level_abandon_mode: sometimes}", "var service_level_abandon_mode must be negative, ignore or positive"),
        ("{interval_minutes: 7}", "var interval_minutes must divide a day (1440 minutes)"),
        ("{shrinkage: 1}", "var shrinkage must be a number from 0 and below 1"),
    ],
    ids=["abandon-mode", "interval", "shrinkage"],
)
def test_a_wrong_setting_is_a_compiler_error(tmp_path: Path, variables: str, message: str) -> None:
    with pytest.raises(AssertionError, match=re.escape(message)):
        run_dbt(["parse", "--vars", variables], tmp_path / "work.duckdb", tmp_path)
