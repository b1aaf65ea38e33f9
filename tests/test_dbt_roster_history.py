"""Roster history: a record counts for its agent's team in the roster snapshot in force on its month's last day.

Roster files, ingested as the product does (each file a snapshot; no date in the name: its modification date):
    人员档案_20260115.csv    KF1 张三 热线一组 (agent), KF2 李四 热线一组
    人员档案_2026-03-20.csv  KF1 张三丰 热线二组 (team lead), KF2 李四 热线一组
    roster.csv               modified 2026-05-10 (the newest file): KF1 张三丰 热线二组 (team lead), KF2 李四 热线二组

Valid inbound answered calls (talk seconds), from December 2025, before the first snapshot, to May 2026:
    KF1  Dec 100 | Jan 110, 120 | Feb 130 | Mar 140, 150, 160
    KF2  Jan 200 | Apr 210 | May 220, 230

avg_talk_seconds by team (Σ talk seconds, calls):
    热线一组  Dec 100/1 (the first snapshot) | Jan 430/3 | Feb 130/1 | Mar 0/0 | Apr 210/1 | May: no row
              Q4 2025 and 2025 100/1 | Q1 560/4 | Q2 210/1 | 2026 770/5
    热线二组  Mar 450/3 | Apr 0/0 | May 450/2 | Q1 450/3 | Q2 450/2 | 2026 900/5
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pytest

from dagster_kpi.contract import load_contract
from dagster_kpi.ingest import ingest_source
from tests.dbt_fixture import Key, check, load_raw, read_kpi_values
from tests.test_dbt_project import run_dbt
from tests.test_ingest_load import csv_bytes, put

SHANGHAI = "Asia/Shanghai"
ONE, TWO = "热线一组", "热线二组"
DEC, JAN, FEB, MAR, APR, MAY = (date(2025, 12, 1), *(date(2026, m, 1) for m in range(1, 6)))
Q4_2025, Q1, Q2, Y2025, Y2026 = date(2025, 10, 1), date(2026, 1, 1), date(2026, 4, 1), date(2025, 1, 1), date(2026, 1, 1)


def agent(agent_id: str, name: str, team: str, role: str) -> dict[str, str]:
    return {"agent_id": agent_id, "agent_name": name, "team": team, "role": role, "hired_on": "2025-01-01"}


# (file name, modified (local), rows)
ROSTER_FILES = [
    ("人员档案_20260115.csv", (2026, 1, 16, 9), [agent("KF1", "张三", ONE, "坐席"), agent("KF2", "李四", ONE, "坐席")]),
    ("人员档案_2026-03-20.csv", (2026, 3, 21, 9), [agent("KF1", "张三丰", TWO, "组长"), agent("KF2", "李四", ONE, "坐席")]),
    ("roster.csv", (2026, 5, 10, 9), [agent("KF1", "张三丰", TWO, "组长"), agent("KF2", "李四", TWO, "坐席")]),
]


def call(call_id: str, agent_id: str, offered: str, talk: int) -> dict[str, Any]:
    return {
        "call_id": call_id,
        "direction": "inbound",
        "agent_id": agent_id,
        "offered_at": offered,
        "answered_at": offered[:-2] + "10",
        "outcome": "answered",
        "is_valid": True,
        "talk_seconds": talk,
    }


CALLS = [
    call("D1", "KF1", "2025-12-10 09:00:00", 100),
    call("J1", "KF1", "2026-01-05 09:00:00", 110),
    call("J2", "KF1", "2026-01-31 23:59:00", 120),
    call("J3", "KF2", "2026-01-20 09:00:00", 200),
    call("F1", "KF1", "2026-02-10 09:00:00", 130),
    call("M1", "KF1", "2026-03-01 00:00:00", 140),
    call("M2", "KF1", "2026-03-19 09:00:00", 150),  # before the snapshot date, in force on March 31 all the same
    call("M3", "KF1", "2026-03-31 18:00:00", 160),
    call("A1", "KF2", "2026-04-10 09:00:00", 210),
    call("Y1", "KF2", "2026-05-05 09:00:00", 220),  # before the May snapshot's date
    call("Y2", "KF2", "2026-05-20 09:00:00", 230),
]


def land_roster(landing: Path, files: list[tuple[str, tuple[int, ...], list[dict[str, str]]]]) -> None:
    for name, modified, rows in files:
        put(landing, "agents", name, csv_bytes(rows), mtime=int(datetime(*modified, tzinfo=ZoneInfo(SHANGHAI)).timestamp()))


def ingest_roster(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    """raw.agents and raw.agents_snapshots as ingestion writes them from the landing folder's roster files."""
    con.execute("drop table if exists raw.agents; drop table if exists raw.agents_snapshots")
    ingest_source(con, load_contract()["agents"], landing, loaded_at=datetime(2026, 6, 1, 12), timezone=SHANGHAI)


def work_db_with(tmp: Path, files: list, name: str = "work") -> Path:
    """A work database `<name>.duckdb` with the calls, and the roster ingested from `files` in `landing_<name>/`."""
    landing = tmp / f"landing_{name}"
    land_roster(landing, files)
    db = tmp / f"{name}.duckdb"
    load_raw(db, {"calls": CALLS}, then=lambda con: ingest_roster(con, landing))
    return db


@pytest.fixture(scope="module")
def work_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("dbt_roster")
    db = work_db_with(tmp, ROSTER_FILES)
    run_dbt(["build"], db, tmp)
    return db


@pytest.fixture(scope="module")
def kpi_values(work_db: Path) -> dict[Key, tuple[Any, Any, Any]]:
    return read_kpi_values(work_db)


def test_team_values_follow_the_snapshot_in_force_each_month(kpi_values):
    check(kpi_values, "avg_talk_seconds", {
        ("month", DEC, "team", ONE): (100, 1, 100.0),  # before the first snapshot: the first
        ("month", JAN, "team", ONE): (430, 3, 430 / 3),
        ("month", FEB, "team", ONE): (130, 1, 130.0),
        ("month", MAR, "team", ONE): (0, 0, None),  # KF2 is still in it, without calls
        ("month", MAR, "team", TWO): (450, 3, 150.0),  # the 2026-03-20 snapshot is in force on March 31
        ("month", APR, "team", ONE): (210, 1, 210.0),
        ("month", APR, "team", TWO): (0, 0, None),
        ("month", MAY, "team", TWO): (450, 2, 225.0),  # roster.csv, modified 2026-05-10, is in force on May 31
        ("quarter", Q4_2025, "team", ONE): (100, 1, 100.0),
        ("year", Y2025, "team", ONE): (100, 1, 100.0),
        ("quarter", Q1, "team", ONE): (560, 4, 140.0),
        ("quarter", Q1, "team", TWO): (450, 3, 150.0),
        ("quarter", Q2, "team", ONE): (210, 1, 210.0),
        ("quarter", Q2, "team", TWO): (450, 2, 225.0),
        ("year", Y2026, "team", ONE): (770, 5, 154.0),
        ("year", Y2026, "team", TWO): (900, 5, 180.0),
    })  # fmt: skip
    # Nobody is in 热线一组 in May, nobody in 热线二组 before March: no rows.
    teams = {(k[0], k[1], k[3]) for k in kpi_values if k[2] == "team" and k[4] == "avg_talk_seconds"}
    assert ("month", MAY, ONE) not in teams
    assert not {t for t in teams if t[2] == TWO and t[0] == "month" and t[1] < MAR}
    assert ("quarter", Q4_2025, TWO) not in teams


def test_agent_and_centre_values_do_not_depend_on_the_team(kpi_values):
    check(kpi_values, "avg_talk_seconds", {
        ("month", JAN, "agent", "KF1"): (230, 2, 115.0),
        ("month", MAR, "agent", "KF1"): (450, 3, 150.0),
        ("quarter", Q1, "agent", "KF1"): (810, 6, 135.0),
        ("month", JAN, "center", "center"): (430, 3, 430 / 3),
        ("year", Y2026, "center", "center"): (1670, 10, 167.0),
    })  # fmt: skip


def test_the_team_of_each_month_and_every_other_column_from_the_newest_file(work_db):
    with duckdb.connect(str(work_db), read_only=True) as con:
        months = con.execute(
            "select agent_id, month_start, team, snapshot_date from intermediate.int_agent_months "
            "where month_start between '2025-12-01' and '2026-06-01' order by all"
        ).fetchall()
        agents = con.execute("select agent_id, agent_name, role from intermediate.int_agents order by all").fetchall()
    first, moved, newest = date(2026, 1, 15), date(2026, 3, 20), date(2026, 5, 10)
    assert months == [
        ("KF1", DEC, ONE, first), ("KF1", JAN, ONE, first), ("KF1", FEB, ONE, first), ("KF1", MAR, TWO, moved),
        ("KF1", APR, TWO, moved), ("KF1", MAY, TWO, newest), ("KF1", date(2026, 6, 1), TWO, newest),
        ("KF2", DEC, ONE, first), ("KF2", JAN, ONE, first), ("KF2", FEB, ONE, first), ("KF2", MAR, ONE, moved),
        ("KF2", APR, ONE, moved), ("KF2", MAY, TWO, newest), ("KF2", date(2026, 6, 1), TWO, newest),
    ]  # fmt: skip
    # Name and role: the newest roster file's (raw.agents), not January's.
    assert agents == [("KF1", "张三丰", "team_lead"), ("KF2", "李四", "agent")]


MARTS = ("kpi_values", "kpi_scores", "scorecards")


def marts(db: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"select * from marts.{t} order by all").fetchall() for t in MARTS}


def team_scorecards(rows: list[tuple], month: date) -> list[tuple]:
    """The month rows (period_grain, column 18, is month: a quarter starting that day is another period)."""
    return [r for r in rows if r[0] == month and r[1] == "team" and r[18] == "month"]


@pytest.fixture(scope="module")
def re_extract(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, list[tuple]]]:
    """January's roster, then a re-extract dated March moving KF1: refreshed March to May, and a full rebuild."""
    tmp = tmp_path_factory.mktemp("dbt_roster_re_extract")
    models_only = ["--exclude", "resource_type:test", "resource_type:unit_test"]
    before = work_db_with(tmp, ROSTER_FILES[:1], "before")
    run_dbt(["build", *models_only], before, tmp)
    first = marts(before)
    # The re-extract lands beside the January file; the roster is ingested again and March to May refreshed.
    land_roster(tmp / "landing_before", ROSTER_FILES[1:2])
    with duckdb.connect(str(before)) as con:
        ingest_roster(con, tmp / "landing_before")
    window = "{refresh_months: ['2026-03-01', '2026-04-01', '2026-05-01']}"
    run_dbt(["build", *models_only, "--vars", window], before, tmp)
    full = work_db_with(tmp, ROSTER_FILES[:2], "full")
    run_dbt(["build", *models_only], full, tmp)
    return {"first": first, "refreshed": marts(before), "full": marts(full)}


def test_a_roster_re_extract_leaves_januarys_team_scorecards_unchanged(re_extract):
    first, refreshed = re_extract["first"]["scorecards"], re_extract["refreshed"]["scorecards"]
    # January, 热线一组: avg_talk_seconds 143.3 s against 120 s (10 - 2 points) and no major complaint (10 of 10).
    january = team_scorecards(first, JAN)
    assert [(r[2], r[5], r[7]) for r in january] == [(ONE, pytest.approx(90.0), "B")]
    assert team_scorecards(refreshed, JAN) == january
    assert team_scorecards(refreshed, FEB) == team_scorecards(first, FEB)
    # March moves: KF1's 150 s go to 热线二组 (7 + 10 of 20); 热线一组 keeps only its major-complaint points.
    assert [(r[2], r[5]) for r in team_scorecards(first, MAR)] == [(ONE, pytest.approx(85.0))]
    assert [(r[2], r[5]) for r in team_scorecards(refreshed, MAR)] == [(ONE, pytest.approx(100.0)), (TWO, pytest.approx(85.0))]


def test_refreshing_the_months_from_the_snapshot_on_equals_a_full_rebuild(re_extract):
    for table in MARTS:
        assert re_extract["refreshed"][table] == re_extract["full"][table], table
