"""Readers on hand-made files: every matching sheet of a workbook, content that does not match its extension,
and the bound on the number of columns."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import openpyxl
import pytest
from openpyxl.chart import BarChart

from dagster_kpi.contract import Source, load_contract
from dagster_kpi.ingest import ingest_source, load
from dagster_kpi.ingest.headers import map_headers
from dagster_kpi.ingest.readers import ROW_COLUMN, ROWS_PER_SHEET, OpenedFile, open_file

CALLS = load_contract()["calls"]


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def loaded(con: duckdb.DuckDBPyConnection, opened: OpenedFile) -> list[tuple]:
    assert opened.load(con, "t") == ROW_COLUMN
    return con.execute(f"SELECT * FROM t ORDER BY {ROW_COLUMN}").fetchall()


# --- every sheet of a workbook whose header carries the required columns -----------------------------------------

NOTES = [["说明"], ["本表为话务明细，按月分表"]]
SEPTEMBER = [
    ["呼叫ID", "呼叫方向", "进线时间", "结果", "备注"],
    ["C1", "呼入", datetime(2026, 9, 1, 8, 0), "已接通", "vip"],
    [None, None, None, None, None],
    ["C2", "呼出", datetime(2026, 9, 2, 9, 30), "放弃", None],
]
OCTOBER = [  # the same columns under other accepted headers, in another order, one column fewer, one more
    ["call_id", "Outcome", "direction", "呼叫时间", "工号"],
    ["C3", "answered", "inbound", datetime(2026, 10, 1, 10, 0), "A7"],
]


def test_every_sheet_carrying_the_required_columns_is_stacked_and_others_are_ignored(tmp_path, con):
    path = workbook(tmp_path / "calls.xlsx", {"说明": NOTES, "9月": SEPTEMBER, "10月": OCTOBER})
    opened = open_file(con, path, tmp_path, CALLS)
    assert opened.headers == ("呼叫ID", "呼叫方向", "进线时间", "结果", "备注", "工号")
    assert (opened.sheets, opened.ignored_sheets) == (("9月", "10月"), ("说明",))
    mapped = map_headers(CALLS, opened.headers)
    assert mapped.columns == {"call_id": 0, "direction": 1, "offered_at": 2, "outcome": 3, "agent_id": 5}
    assert mapped.extras == (("备注", 4),)
    # Rows keep their sheet row number, plus ROWS_PER_SHEET times the sheet's tab position (说明 is tab 0).
    assert loaded(con, opened) == [
        ("C1", "呼入", "2026-09-01 08:00:00", "已接通", "vip", None, ROWS_PER_SHEET + 1),
        ("C2", "呼出", "2026-09-02 09:30:00", "放弃", None, None, ROWS_PER_SHEET + 3),
        ("C3", "inbound", "2026-10-01 10:00:00", "answered", None, "A7", 2 * ROWS_PER_SHEET + 1),
    ]


def test_a_single_sheet_workbook_keeps_plain_row_numbers(tmp_path, con):
    path = workbook(tmp_path / "calls.xlsx", {"9月": SEPTEMBER, "说明": NOTES})
    opened = open_file(con, path, tmp_path, CALLS)
    assert (opened.sheets, opened.ignored_sheets) == (("9月",), ("说明",))
    assert [(row[0], row[-1]) for row in loaded(con, opened)] == [("C1", 1), ("C2", 3)]


def test_without_the_source_only_the_first_sheet_is_read(tmp_path, con):
    path = workbook(tmp_path / "calls.xlsx", {"9月": SEPTEMBER, "10月": OCTOBER})
    opened = open_file(con, path, tmp_path)
    assert (opened.headers, opened.sheets, opened.ignored_sheets) == (tuple(SEPTEMBER[0]), ("9月",), ("10月",))
    assert [row[0] for row in loaded(con, opened)] == ["C1", "C2"]


def test_chart_sheets_and_blank_sheets_are_ignored(tmp_path, con):
    path = workbook(tmp_path / "calls.xlsx", {"空": [], "10月": OCTOBER})
    book = openpyxl.load_workbook(path)
    book.create_chartsheet("图表", 0).add_chart(BarChart())
    book.save(path)
    opened = open_file(con, path, tmp_path, CALLS)
    assert (opened.sheets, opened.ignored_sheets) == (("10月",), ("图表", "空"))
    assert loaded(con, opened) == [("C3", "answered", "inbound", "2026-10-01 10:00:00", "A7", 2 * ROWS_PER_SHEET + 1)]


def test_no_sheet_carrying_the_required_columns_gives_the_first_sheet_and_its_missing_column(tmp_path, con):
    path = workbook(tmp_path / "calls.xlsx", {"说明": NOTES, "9月": [["call_id", "direction"], ["C1", "inbound"]]})
    opened = open_file(con, path, tmp_path, CALLS)
    assert (opened.headers, opened.sheets, opened.ignored_sheets) == (("说明",), ("说明",), ("9月",))
    with pytest.raises(ValueError, match=r"^missing required column call_id \(accepted headers: call_id, 呼叫ID, "):
        map_headers(CALLS, opened.headers)


def test_a_blank_first_sheet_and_no_match_is_an_empty_first_sheet(tmp_path, con):
    path = workbook(tmp_path / "calls.xlsx", {"空": [], "说明": NOTES})
    with pytest.raises(ValueError, match=r"^empty first sheet \(no header row\)$"):
        open_file(con, path, tmp_path, CALLS)


def test_a_duplicate_header_names_its_sheet(tmp_path, con):
    bad = [[*OCTOBER[0], "通话ID"], [*OCTOBER[1], "C9"]]
    path = workbook(tmp_path / "calls.xlsx", {"9月": SEPTEMBER, "10月": bad})
    with pytest.raises(ValueError, match=r"^sheet '10月': headers 'call_id' and '通话ID' both name column call_id$"):
        open_file(con, path, tmp_path, CALLS)


def test_stacked_sheets_reach_raw_with_distinct_source_rows(tmp_path, con, monkeypatch):
    real_open = load.open_file

    def open_with_source(con: duckdb.DuckDBPyConnection, path: Path, tmp: Path, source: Source = CALLS) -> OpenedFile:
        return real_open(con, path, tmp, source)

    monkeypatch.setattr(load, "open_file", open_with_source)  # what load.py does once it passes the source
    (tmp_path / "calls").mkdir()
    september = [SEPTEMBER[0], ["C1", "呼入", datetime(2026, 9, 1, 8), "放弃"], [], ["C2", "呼出", datetime(2026, 9, 2), "放弃"]]
    october = [OCTOBER[0], ["C3", "abandoned", "inbound", datetime(2026, 10, 1), "A7"], ["C1", "abandoned", "inbound"]]
    workbook(tmp_path / "calls" / "2026.xlsx", {"9月": september, "10月": october})
    report = ingest_source(con, CALLS, tmp_path, loaded_at=datetime(2026, 11, 1))
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (4, 3, 1)
    assert con.execute("SELECT call_id, outcome, agent_id, _source_row FROM raw.calls ORDER BY call_id").fetchall() == [
        ("C1", "abandoned", None, 1),
        ("C2", "abandoned", None, 3),
        ("C3", "abandoned", "A7", ROWS_PER_SHEET + 1),
    ]
    assert con.execute("SELECT _source_file, _source_row, _column, _reason FROM quarantine.calls").fetchall() == [
        ("2026.xlsx", ROWS_PER_SHEET + 2, "offered_at", "missing_value")
    ]
