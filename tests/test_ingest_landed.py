"""Files read and parsed once: a later ingest reads only new or changed files, and rewrites only the keys they touch."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

import dagster_kpi.ingest.load as load
from dagster_kpi import changes
from dagster_kpi.contract import Source, load_contract
from dagster_kpi.ingest import ingest_source
from tests.test_ingest_load import BASE, CALL, LOADED, csv_bytes, put

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
    return con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'landed' "
                       "AND table_name NOT IN ('files', 'loads', 'load_times', 'digests')").fetchone()[0]  # fmt: skip


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


def test_kept_rows_are_checked_again_at_the_time_of_each_run(tmp_path, con, files_read):
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


def raw_and_quarantine(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple], list[tuple]]:
    """Both tables' rows, lineage included, the time of the load aside."""
    raw = con.execute("SELECT * EXCLUDE (_loaded_at) FROM raw.calls ORDER BY ALL").fetchall()
    bad = con.execute("SELECT * EXCLUDE (_loaded_at) FROM quarantine.calls ORDER BY ALL").fetchall()
    return raw, bad


def at(day: str, call_id: str, **changes: str) -> dict[str, str]:
    """A call offered on `day` (YYYY-MM-DD) at 08:00."""
    times = {"offered_at": f"{day} 08:00:00", "answered_at": f"{day} 08:00:10", "ended_at": f"{day} 08:05:00"}
    return call(call_id, **{**times, **changes})


def test_each_step_of_a_sequence_loads_what_a_first_load_of_the_same_folder_loads(tmp_path, con, files_read):
    """Files added, changed (same key, new value), touched, renamed and removed; rows invalid, superseded, and in
    the future until the clock passes them: after each step raw and quarantine equal a fresh load's, and files are
    read once."""
    landing = tmp_path / "landing"
    steps = []

    def step(when: datetime) -> None:
        report = ingest_source(con, CALLS, landing, loaded_at=when)
        fresh = duckdb.connect()
        again = ingest_source(fresh, CALLS, landing, loaded_at=when)
        assert raw_and_quarantine(con) == raw_and_quarantine(fresh), f"step {len(steps) + 1}"
        assert (report.rows_read, report.rows_loaded, report.rows_quarantined, report.rows_superseded) == (
            again.rows_read, again.rows_loaded, again.rows_quarantined, again.rows_superseded)  # fmt: skip
        steps.append(report.changed_months)
        fresh.close()

    put(landing, "calls", "a.csv", csv_bytes([at("2024-03-05", "C1"), at("2024-03-06", "C2", talk_seconds="x")]),
        mtime=1_700_000_000)  # fmt: skip
    put(landing, "calls", "b.csv", csv_bytes([at("2024-04-02", "C3"), at("2025-01-20", "C4")]), mtime=1_700_000_100)
    step(LOADED)  # C4 lies in the future
    put(landing, "calls", "c.csv", csv_bytes([at("2024-03-05", "C1", talk_seconds="100"), at("2024-05-01", "C5")]),
        mtime=1_700_000_200)  # fmt: skip
    step(LOADED)  # C1 superseded by c.csv
    put(landing, "calls", "a.csv", csv_bytes([at("2024-03-05", "C1", talk_seconds="7"), at("2024-03-06", "C2")]),
        mtime=1_700_000_300)  # fmt: skip
    step(LOADED)  # a.csv re-extracted, now the latest: its C1 wins, C2 valid
    (landing / "calls" / "c.csv").rename(landing / "calls" / "d.csv")
    step(LOADED)  # renamed: same rows, new lineage
    (landing / "calls" / "a.csv").unlink()
    step(datetime(2025, 2, 1))  # a.csv gone: C1 back to d.csv's; C4 now in the past
    os.utime(landing / "calls" / "b.csv", (1_700_000_400, 1_700_000_400))
    step(datetime(2025, 2, 1))  # touched: read again? no, same bytes; order changes, nothing else
    # C1 changed in 2024-03 and C5 new in 2024-05; C1 and C2 (now valid) in 2024-03; lineage only; C1 back to
    # d.csv's and C2 gone in 2024-03, C4 valid in 2025-01; nothing. (A call's KPIs read it in its month only.)
    assert steps == ["every month", "2024-03, 2024-05", "2024-03", "none", "2024-03, 2025-01", "none"]
    # Each version of a file is read once by the kept load; the fresh loads read every file of their step.
    fresh_reads = [2, 3, 3, 3, 2, 2]
    assert len(files_read) == sum(fresh_reads) + len(["a.csv", "b.csv", "c.csv", "a.csv"])


def test_raw_rows_a_change_does_not_touch_are_not_rewritten(tmp_path, con):
    """Rows of keys no new file carries keep the load that wrote them (their `_loaded_at`)."""
    put(tmp_path, "calls", "a.csv", csv_bytes([at("2024-03-05", "C1"), at("2024-03-06", "C2")]), mtime=1_700_000_000)
    ingest_source(con, CALLS, tmp_path, loaded_at=LOADED)
    put(tmp_path, "calls", "b.csv", csv_bytes([at("2024-03-06", "C2", talk_seconds="5")]), mtime=1_700_000_100)
    report = ingest_source(con, CALLS, tmp_path, loaded_at=datetime(2025, 1, 2))
    rows = con.execute("SELECT call_id, talk_seconds, _source_file, _loaded_at FROM raw.calls ORDER BY call_id").fetchall()
    assert rows == [("C1", 290, "a.csv", LOADED), ("C2", 5, "b.csv", datetime(2025, 1, 2))]
    assert (report.rows_read, report.rows_loaded, report.rows_superseded) == (3, 2, 1)
    assert report.changed_months == "2024-03"


def test_the_months_a_change_touches_are_recorded_for_the_build_and_the_gate(tmp_path, con):
    put(tmp_path, "calls", "a.csv", csv_bytes([at("2024-03-05", "C1")]), mtime=1_700_000_000)
    ingest_source(con, CALLS, tmp_path, loaded_at=LOADED)
    assert changes.scope(con, "build") == changes.EVERY_MONTH  # never built
    changes.complete(con, "build")
    put(tmp_path, "calls", "b.csv", csv_bytes([at("2024-07-31", "C2")]), mtime=1_700_000_100)
    ingest_source(con, CALLS, tmp_path, loaded_at=LOADED)
    assert changes.scope(con, "build").describe() == "2024-07"
    assert changes.sources(con, "build") == {"calls"}
    changes.complete(con, "build")
    assert changes.scope(con, "build").nothing
    assert changes.scope(con, "publish") == changes.EVERY_MONTH  # never published


def test_a_change_to_a_lookup_source_touches_every_month(tmp_path, con):
    customers = load_contract()["customers"]
    row = {"customer_id": "CU1", "customer_name": "甲", "is_big_client": "Y"}
    put(tmp_path, "customers", "a.csv", csv_bytes([row]), mtime=1_700_000_000)
    ingest_source(con, customers, tmp_path, loaded_at=LOADED)
    changes.complete(con, "build")
    put(tmp_path, "customers", "a.csv", csv_bytes([row]), mtime=1_700_000_100)  # touched, same rows
    assert ingest_source(con, customers, tmp_path, loaded_at=LOADED).changed_months == "none"
    put(tmp_path, "customers", "a.csv", csv_bytes([{**row, "is_big_client": "N"}]), mtime=1_700_000_200)
    assert ingest_source(con, customers, tmp_path, loaded_at=LOADED).changed_months == "every month"
    assert changes.scope(con, "build") == changes.EVERY_MONTH


def test_a_clock_set_back_parses_a_file_again(tmp_path, con, files_read):
    """Text is kept for the rows in the future at parse time; a run dated before that parse reads the file again."""
    put(tmp_path, "calls", "a.csv", csv_bytes([at("2024-03-05", "C1"), at("2024-12-01", "C2")]))
    assert ingest_source(con, CALLS, tmp_path, loaded_at=LOADED).rows_quarantined == 0
    early = ingest_source(con, CALLS, tmp_path, loaded_at=datetime(2024, 6, 1))
    assert files_read == ["a.csv", "a.csv"]
    assert con.execute("SELECT _source_row, _value FROM quarantine.calls").fetchall() == [(2, "2024-12-01 08:00:00")]
    assert early.changed_months == "2024-12"


def test_a_file_is_hashed_again_only_when_its_size_or_time_changed(tmp_path, con, monkeypatch):
    hashed: list[str] = []
    real = load.file_digest
    monkeypatch.setattr(load, "file_digest", lambda path, *args: hashed.append(path.name) or real(path, *args))
    a = put(tmp_path, "calls", "a.csv", csv_bytes([at("2024-03-05", "C1")]), mtime=1_700_000_000)
    put(tmp_path, "calls", "b.csv", csv_bytes([at("2024-03-06", "C2")]), mtime=1_700_000_000)
    ingest_source(con, CALLS, tmp_path, loaded_at=LOADED)
    ingest_source(con, CALLS, tmp_path, loaded_at=LOADED)
    assert hashed == ["a.csv", "b.csv"]
    put(tmp_path, "calls", "a.csv", csv_bytes([at("2024-03-05", "C1", talk_seconds="12")]), mtime=1_700_000_100)
    report = ingest_source(con, CALLS, tmp_path, loaded_at=LOADED)
    assert hashed == ["a.csv", "b.csv", "a.csv"] and report.changed_months == "2024-03"
    a.unlink()
    ingest_source(con, CALLS, tmp_path, loaded_at=LOADED)
    assert con.execute("SELECT file FROM landed.digests").fetchall() == [("b.csv",)]


def test_a_changed_ticket_touches_the_months_beside_its_own(tmp_path, con):
    """Tickets reach one month each way (the repeat rate reads a ticket for the tickets resolved up to 7 days before
    it): a ticket created in March and resolved in May touches February to June but April's neighbours only."""
    tickets = load_contract()["tickets"]
    ticket = {
        **BASE["tickets"],
        "created_at": "2024-03-30 09:00:00",
        "first_response_at": "2024-03-30 09:10:00",
        "resolved_at": "2024-05-02 10:00:00",
    }
    put(tmp_path, "tickets", "a.csv", csv_bytes([ticket]), mtime=1_700_000_000)
    ingest_source(con, tickets, tmp_path, loaded_at=LOADED)
    put(tmp_path, "tickets", "a.csv", csv_bytes([{**ticket, "first_response_at": "2024-03-30 09:20:00"}]), mtime=1_700_000_100)
    report = ingest_source(con, tickets, tmp_path, loaded_at=LOADED)
    assert report.changed_months == "2024-02, 2024-03, 2024-04, 2024-05, 2024-06"
