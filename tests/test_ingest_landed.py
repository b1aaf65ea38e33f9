"""Files read once: a later ingest reads only new or changed files, and parses every file's rows again."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

import dagster_kpi.ingest.load as load
from dagster_kpi.contract import Source, load_contract
from dagster_kpi.ingest import ingest_source
from tests.test_ingest_load import CALL, LOADED, csv_bytes, put

CALLS = load_contract()["calls"]


@pytest.fixture
def files_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files ingestion opens."""
    opened: list[str] = []
    real_open = load.open_file

    def counting_open(con: duckdb.DuckDBPyConnection, path: Path, tmp: Path, source: Source | None = None,
                      encoding: str | None = None):  # fmt: skip
        opened.append(path.name)
        return real_open(con, path, tmp, source, encoding)

    monkeypatch.setattr(load, "open_file", counting_open)
    return opened


def call(call_id: str, **changes: str) -> dict[str, str]:
    return {**CALL, "call_id": call_id, **changes}


def raw_calls(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("SELECT call_id, talk_seconds, _source_file, _source_row FROM raw.calls ORDER BY ALL").fetchall()


def landed_tables(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'landed' AND table_name <> 'files'"
                       ).fetchone()[0]  # fmt: skip


def test_unchanged_files_are_not_read_again(tmp_path, con, files_read):
    put(tmp_path, "calls", "a.csv", csv_bytes([call("C1"), call("C2")]), mtime=1_700_000_000)
    put(tmp_path, "calls", "b.csv", csv_bytes([call("C3")]), mtime=1_700_000_100)
    first = ingest_source(con, CALLS, tmp_path, loaded_at=LOADED)
    before = raw_calls(con)
    second = ingest_source(con, CALLS, tmp_path, loaded_at=LOADED)
    assert files_read == ["a.csv", "b.csv"]
    assert raw_calls(con) == before == [("C1", 290, "a.csv", 1), ("C2", 290, "a.csv", 2), ("C3", 290, "b.csv", 1)]
    assert (second.rows_read, second.rows_loaded) == (first.rows_read, first.rows_loaded) == (3, 3)


def test_a_changed_file_is_read_again_and_a_removed_one_forgotten(tmp_path, con, files_read):
    put(tmp_path, "calls", "a.csv", csv_bytes([call("C1"), call("C2")]), mtime=1_700_000_000)
    b = put(tmp_path, "calls", "b.csv", csv_bytes([call("C3")]), mtime=1_700_000_100)
    ingest_source(con, CALLS, tmp_path, loaded_at=LOADED)
    put(tmp_path, "calls", "a.csv", csv_bytes([call("C1", talk_seconds="12"), call("C2")]), mtime=1_700_000_000)
    b.unlink()
    ingest_source(con, CALLS, tmp_path, loaded_at=LOADED)
    assert files_read == ["a.csv", "b.csv", "a.csv"]
    assert raw_calls(con) == [("C1", 12, "a.csv", 1), ("C2", 290, "a.csv", 2)]
    assert landed_tables(con) == 1, "the old a.csv and b.csv are dropped"


def test_a_renamed_file_is_not_read_again_but_carries_its_new_name(tmp_path, con, files_read):
    a = put(tmp_path, "calls", "a.csv", csv_bytes([call("C1")]))
    ingest_source(con, CALLS, tmp_path, loaded_at=LOADED)
    a.rename(tmp_path / "calls" / "calls_2024-03.csv")
    ingest_source(con, CALLS, tmp_path, loaded_at=LOADED)
    assert files_read == ["a.csv"]
    assert raw_calls(con) == [("C1", 290, "calls_2024-03.csv", 1)]


def test_kept_rows_are_parsed_again_at_the_time_of_each_run(tmp_path, con, files_read):
    """A call dated after the first run's time is quarantined then, and valid once that time has come."""
    put(
        tmp_path,
        "calls",
        "a.csv",
        csv_bytes(
            [
                call("C1"),
                call("C9", offered_at="2025-02-01 08:00:00", answered_at="2025-02-01 08:00:10", ended_at="2025-02-01 08:05:00"),
            ]
        ),
    )
    early = ingest_source(con, CALLS, tmp_path, loaded_at=LOADED)
    assert early.quarantined_by_reason == {"timestamp_out_of_range": 1}
    later = ingest_source(con, CALLS, tmp_path, loaded_at=datetime(2025, 3, 1))
    assert files_read == ["a.csv"]
    assert (later.rows_loaded, later.rows_quarantined) == (2, 0)


def test_an_unreadable_file_leaves_what_was_read_before(tmp_path, con, files_read):
    put(tmp_path, "calls", "a.csv", csv_bytes([call("C1")]), mtime=1_700_000_000)
    ingest_source(con, CALLS, tmp_path, loaded_at=LOADED)
    put(tmp_path, "calls", "b.csv", b"\x00\x01binary", mtime=1_700_000_100)
    with pytest.raises(load.ExtractError, match=r"^calls/b\.csv: not a text file"):
        ingest_source(con, CALLS, tmp_path, loaded_at=LOADED)
    (tmp_path / "calls" / "b.csv").unlink()
    ingest_source(con, CALLS, tmp_path, loaded_at=LOADED)
    assert files_read == ["a.csv", "b.csv"]
    assert raw_calls(con) == [("C1", 290, "a.csv", 1)]
