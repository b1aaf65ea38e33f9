"""The landing folder's own rules: no unknown source folders, no links leading out of it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dagster_kpi.contract import load_contract
from dagster_kpi.defs.partitions import monthly_partitions, run_partition_tags
from dagster_kpi.defs.sensors import evaluate_landing
from dagster_kpi.ingest import ExtractError, ingest_source, unexpected_folders
from tests.conftest import FIRST_MONTH
from tests.test_ingest_load import CALL, LOADED, csv_bytes, put, rows

SOURCES = list(load_contract())


def test_a_misspelt_or_unknown_folder_is_named_with_the_closest_source(tmp_path):
    for name in ("calls", "call", "refunds", ".git", "archive"):
        (tmp_path / name).mkdir()
    assert unexpected_folders(tmp_path, SOURCES, ignored=["archive"]) == [
        "landing/call is not a source folder; did you mean calls? (list it in the setting ignored_folders to keep it)",
        f"landing/refunds is not a source folder (sources: {', '.join(SOURCES)}) "
        "(list it in the setting ignored_folders to keep it)",
    ]
    assert unexpected_folders(tmp_path, SOURCES, ignored=["archive", "call", "refunds"]) == []


def test_the_sensor_and_kpi_run_refuse_an_unknown_folder(tmp_path):
    landing = tmp_path / "landing"
    put(landing, "agents", "a.csv", b"agent_id\nA1\n", mtime=1_700_000_000)
    (landing / "ticket").mkdir()
    tags = run_partition_tags(monthly_partitions(FIRST_MONTH))
    with pytest.raises(ExtractError, match="^landing/ticket is not a source folder; did you mean tickets\\?"):
        evaluate_landing(landing, None, 30, 1_800_000_000 * 10**9, tags)
    assert evaluate_landing(landing, None, 30, 1_800_000_000 * 10**9, tags, ignored_folders=["ticket"]).run_requests
    command = [
        sys.executable,
        "-m",
        "dagster_kpi.cli",
        "run",
        "--landing",
        str(landing),
        "--warehouse",
        str(tmp_path / "w.duckdb"),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "kpi run: not published: landing/ticket is not a source folder; did you mean tickets? "
        "(list it in the setting ignored_folders to keep it)"
    )
    assert not (tmp_path / "w.work").exists()


def test_a_link_out_of_the_landing_folder_is_refused_unless_allowed(tmp_path, con):
    landing, outside = tmp_path / "landing", tmp_path / "secrets"
    put(outside, "x", "calls.csv", csv_bytes([CALL]))
    put(landing, "calls", "inside.csv", csv_bytes([CALL | {"call_id": "C2"}]))
    os.symlink(outside / "x" / "calls.csv", landing / "calls" / "linked.csv")
    os.symlink(landing / "calls" / "inside.csv", landing / "calls" / "alias_inside.csv")  # stays inside: fine
    calls = load_contract()["calls"]
    with pytest.raises(ExtractError) as error:
        ingest_source(con, calls, landing, loaded_at=LOADED)
    assert str(error.value) == (
        f"calls/linked.csv: a link to {outside / 'x' / 'calls.csv'}, outside the landing folder; refused "
        "(the setting allow_outside_links reads such links)"
    )
    report = ingest_source(con, calls, landing, loaded_at=LOADED, allow_outside_links=True)
    assert sorted(report.files) == ["alias_inside.csv", "inside.csv", "linked.csv"]
    assert rows(con, "SELECT call_id FROM raw.calls ORDER BY call_id") == [("C1",), ("C2",)]


def test_a_linked_folder_out_of_the_landing_folder_is_refused(tmp_path, con):
    landing, outside = tmp_path / "landing", tmp_path / "elsewhere"
    put(outside, "2026-10", "calls.csv", csv_bytes([CALL]))
    (landing / "calls").mkdir(parents=True)
    os.symlink(outside / "2026-10", landing / "calls" / "2026-10")
    with pytest.raises(ExtractError, match=r"^calls/2026-10: a link to .*elsewhere/2026-10, outside the landing folder"):
        ingest_source(con, load_contract()["calls"], Path(landing), loaded_at=LOADED)
