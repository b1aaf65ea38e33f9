import subprocess
import sys

import duckdb
import pytest

from dagster_kpi.cli import quality_summary


def test_quality_summary_lists_each_source_with_its_quarantine_reasons():
    summary = quality_summary(
        {
            "calls": {
                "rows_read": 1700,
                "rows_loaded": 1609,
                "rows_quarantined": 84,
                "rows_replaced": 7,
                "quarantined_by_reason": {"unparsable_int": 4, "below_min": 80},
            },
            "agents": {
                "rows_read": 8,
                "rows_loaded": 8,
                "rows_quarantined": 0,
                "quarantined_by_reason": {},
                "keys_conflicting": 2,
                "ignored_sheets": ["人员档案.xlsx: 说明", "2026-10/人员.xlsx: Sheet2"],
            },
        }
    )
    assert summary.splitlines() == [
        "source                          read      loaded quarantined    replaced  reasons",
        "calls                          1,700       1,609          84           7  below_min 80, unparsable_int 4",
        "agents                             8           8           0           0",
        "read = loaded + quarantined + replaced: a replaced row's key came again in a newer extract "
        "(or further down the same file), whose row was loaded",
        "agents: 2 keys differ between files with the same modification time (the later file name won)",
        "agents: sheets not read (no header with the required columns): 人员档案.xlsx: 说明, 2026-10/人员.xlsx: Sheet2",
    ]


def test_quality_summary_groups_header_findings_by_file_and_caps_them():
    is_valid = {"header": "是否有效呼叫", "resembles": "是否有效", "column": "is_valid"}
    talk = {"header": "通话时长秒", "resembles": "通话时长", "column": "talk_seconds"}
    typo = {"header": "call_idd", "resembles": "call_id", "column": "call_id"}
    many = ["queue", "customer_id", "caller_number", "answered_at", "ended_at", "talk_seconds", "hold_seconds",
            "wrap_seconds", "transferred", "is_valid"]  # fmt: skip
    summary = quality_summary(
        {
            "calls": {
                "rows_read": 10,
                "rows_loaded": 10,
                "rows_quarantined": 0,
                "near_miss_headers": {"2026-10.csv": [is_valid, talk], "2026-11.csv": [typo]},
                "absent_columns": {
                    **{f"2026-0{m}.csv": ["hold_seconds", "wrap_seconds"] for m in range(1, 6)},
                    "2026-10.csv": many,
                    "2026-11.csv": ["hold_seconds", "wrap_seconds"],
                },
            },
            "tickets": {
                "rows_read": 1,
                "near_miss_headers": {"t0.csv": [{"header": "问题分类名称", "resembles": "问题分类", "column": "issue_type"}]},
                "absent_columns": {f"t{n}.csv": [f"column_{n}"] for n in range(7)},
            },
        }
    )
    assert summary.splitlines()[3:] == [
        "calls/2026-10.csv: headers not read: 是否有效呼叫 (did you mean 是否有效, is_valid?), "
        "通话时长秒 (did you mean 通话时长, talk_seconds?)",
        "calls/2026-11.csv: header call_idd not read; did you mean call_id?",
        "calls/2026-01.csv, calls/2026-02.csv, calls/2026-03.csv and 3 more files: "
        "optional columns absent, empty in every row: hold_seconds, wrap_seconds",
        "calls/2026-10.csv: optional columns absent, empty in every row: queue, customer_id, caller_number, "
        "answered_at, ended_at, talk_seconds, hold_seconds, wrap_seconds and 2 more",
        "tickets/t0.csv: header 问题分类名称 not read; did you mean 问题分类 (issue_type)?",
        *(f"tickets/t{n}.csv: optional column absent, empty in every row: column_{n}" for n in range(5)),
        "tickets: 2 more files with optional columns absent (see the ingest metadata in `kpi ui`)",
    ]


def test_show_on_a_cut_off_warehouse_is_one_line(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE SCHEMA marts; CREATE TABLE marts.kpi_values AS SELECT range AS n FROM range(100000)")
    with warehouse.open("r+b") as file:
        file.truncate(20_000)
    done = subprocess.run([sys.executable, "-m", "dagster_kpi.cli", "show", "--warehouse", str(warehouse)],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    [line] = done.stderr.splitlines()
    assert line.startswith(f"kpi show: warehouse {warehouse} cannot be read as published marts (IO Error: Could not read")
    month = subprocess.run([sys.executable, "-m", "dagster_kpi.cli", "show", "--warehouse", str(warehouse), "--month", "2026-13"],
                           capture_output=True, text=True, timeout=120)  # fmt: skip
    assert (month.returncode, month.stderr.strip()) == (2, "kpi show: month must be YYYY-MM, got '2026-13'")


def kpi(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dagster_kpi.cli", *args], capture_output=True, text=True, timeout=120)


def test_a_read_only_warehouse_folder_is_one_line_naming_it(tmp_path):
    landing, folder = tmp_path / "landing", tmp_path / "read-only"
    landing.mkdir()
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(folder)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("mounting a read-only tmpfs needs root (and root ignores file modes)")
    try:
        warehouse = folder / "warehouse.duckdb"
        for command in ("run", "ui"):
            done = kpi(command, "--landing", str(landing), "--warehouse", str(warehouse))
            assert done.returncode == 1
            assert done.stderr.splitlines() == [
                f"kpi {command}: cannot write in {folder}: read-only file system (a run writes its work files in "
                f"{folder / 'warehouse.work'} and publishes {warehouse})"
            ]
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)
