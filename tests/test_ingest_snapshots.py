"""A snapshot source (the roster): every file is a snapshot as of a date, kept in raw.<source>_snapshots."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from dagster_kpi.contract import load_contract
from dagster_kpi.ingest import ExtractError, ingest_source
from dagster_kpi.ingest.load import date_in_name, snapshot_date
from tests.test_ingest_load import csv_bytes, put

LOADED = datetime(2026, 6, 1, 12, 0, 0)
AGENTS = load_contract()["agents"]
SHANGHAI = "Asia/Shanghai"


def mtime(*local: int, zone: str = SHANGHAI) -> int:
    """A file modification time: the epoch seconds of a local wall-clock time in `zone`."""
    return int(datetime(*local, tzinfo=ZoneInfo(zone)).timestamp())


def agent(agent_id: str, team: str, name: str = "", role: str = "") -> dict[str, str]:
    return {"agent_id": agent_id, "agent_name": name, "team": team, "role": role, "hired_on": "2025-01-01"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("人员档案_20260115.xlsx", date(2026, 1, 15)),
        ("roster 2026-03-20.csv", date(2026, 3, 20)),
        ("agents-20260320-v2.csv", date(2026, 3, 20)),
        ("agents_20261345_20260401.csv", date(2026, 4, 1)),  # 2026-13-45 is no date: the next one is taken
        ("agents_2026-0320.csv", None),  # separators on one side only
        ("agents_120260115.csv", None),  # part of a longer number
        ("agents_2026-03.csv", None),  # a month is not a date
        ("人员档案.xlsx", None),
    ],
)
def test_a_date_in_a_name(name, expected):
    assert date_in_name(name) == expected


def test_the_snapshot_date_is_the_names_the_folders_or_the_modification_date(tmp_path):
    folder = tmp_path / "agents"
    named = put(tmp_path, "agents", "2026-02-01/人员档案_20260115.csv", b"x", mtime=mtime(2026, 5, 1, 12))
    in_folder = put(tmp_path, "agents", "2026-02-01/人员档案.csv", b"x", mtime=mtime(2026, 5, 1, 12))
    # 2026-05-09 20:00 UTC is 2026-05-10 04:00 in Shanghai: the modification date is a local date.
    undated = put(tmp_path, "agents", "roster.csv", b"x", mtime=mtime(2026, 5, 9, 20, zone="UTC"))
    assert snapshot_date(folder, named, SHANGHAI) == date(2026, 1, 15)
    assert snapshot_date(folder, in_folder, SHANGHAI) == date(2026, 2, 1)
    assert snapshot_date(folder, undated, SHANGHAI) == date(2026, 5, 10)
    assert snapshot_date(folder, undated, "UTC") == date(2026, 5, 9)


def ingest(con: duckdb.DuckDBPyConnection, landing: Path):
    return ingest_source(con, AGENTS, landing, loaded_at=LOADED, timezone=SHANGHAI)


def test_every_roster_file_is_kept_as_a_snapshot_of_its_date(tmp_path):
    put(tmp_path, "agents", "人员档案_20260115.csv",
        csv_bytes([agent("KF1", "热线一组", "张三"), agent("KF2", "热线一组", "李四"), agent("KF3", "", "王五")]),
        mtime=mtime(2026, 1, 16, 9))  # fmt: skip
    put(tmp_path, "agents", "人员档案_2026-03-20.csv",
        csv_bytes([agent("KF1", "热线二组", "张三丰", "组长"), agent("KF1", "热线三组", "张三丰", "组长")]),
        mtime=mtime(2026, 3, 21, 9))  # fmt: skip
    # No date in the name: a snapshot of its modification date, 2026-05-10; it names KF2 only.
    put(tmp_path, "agents", "roster.csv", csv_bytes([agent("KF2", "热线二组", "李四")]), mtime=mtime(2026, 5, 10, 8))
    with duckdb.connect() as con:
        report = ingest(con, tmp_path)
        assert report.snapshot_dates == {
            "人员档案_20260115.csv": "2026-01-15",
            "人员档案_2026-03-20.csv": "2026-03-20",
            "roster.csv": "2026-05-10",
        }
        # KF3 has no team: quarantined, in neither table. Within one file the last row of a key wins.
        assert report.rows_quarantined == 1
        snapshots = con.execute(
            "SELECT _snapshot_date, agent_id, team, agent_name, role, _source_file, _source_row "
            "FROM raw.agents_snapshots ORDER BY ALL"
        ).fetchall()
        assert snapshots == [
            (date(2026, 1, 15), "KF1", "热线一组", "张三", None, "人员档案_20260115.csv", 1),
            (date(2026, 1, 15), "KF2", "热线一组", "李四", None, "人员档案_20260115.csv", 2),
            (date(2026, 3, 20), "KF1", "热线三组", "张三丰", "team_lead", "人员档案_2026-03-20.csv", 2),
            (date(2026, 5, 10), "KF2", "热线二组", "李四", None, "roster.csv", 1),
        ]
        # raw.agents is unchanged: the latest row per key (the latest file wins, a snapshot never deletes).
        latest = con.execute("SELECT agent_id, team, _source_file FROM raw.agents ORDER BY agent_id").fetchall()
        assert latest == [("KF1", "热线三组", "人员档案_2026-03-20.csv"), ("KF2", "热线二组", "roster.csv")]


def test_two_files_of_one_date_keep_the_later_row_in_load_order(tmp_path):
    put(tmp_path, "agents", "a_20260115.csv", csv_bytes([agent("KF1", "热线一组")]), mtime=mtime(2026, 1, 16, 9))
    put(tmp_path, "agents", "b_20260115.csv", csv_bytes([agent("KF1", "热线二组")]), mtime=mtime(2026, 1, 17, 9))
    with duckdb.connect() as con:
        ingest(con, tmp_path)
        rows = con.execute("SELECT _snapshot_date, agent_id, team, _source_file FROM raw.agents_snapshots").fetchall()
        assert rows == [(date(2026, 1, 15), "KF1", "热线二组", "b_20260115.csv")]


def test_an_empty_roster_folder_leaves_an_empty_snapshots_table(tmp_path):
    (tmp_path / "agents").mkdir()
    with duckdb.connect() as con:
        report = ingest(con, tmp_path)
        assert report.snapshot_dates == {}
        assert con.execute("SELECT count(*) FROM raw.agents_snapshots").fetchone() == (0,)


def test_only_snapshot_sources_get_a_snapshots_table_and_reserve_its_column(tmp_path):
    calls = load_contract()["calls"]
    assert [s.name for s in load_contract().values() if s.snapshots] == ["agents"]
    (tmp_path / "calls").mkdir()
    with duckdb.connect() as con:
        report = ingest_source(con, calls, tmp_path, loaded_at=LOADED)
        assert report.snapshot_dates == {}
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw'").fetchall()}
        assert tables == {"calls"}
    put(tmp_path, "agents", "a.csv", csv_bytes([{**agent("KF1", "热线一组"), "_snapshot_date": "2026-01-01"}]))
    with duckdb.connect() as con, pytest.raises(ExtractError, match="header '_snapshot_date' is a reserved lineage column"):
        ingest(con, tmp_path)
