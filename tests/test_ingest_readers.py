"""Readers on hand-made files: every matching sheet of a workbook, content that does not match its extension,
and the bound on the number of columns."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

import duckdb
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl.chart import BarChart

from dagster_kpi.contract import Source, load_contract
from dagster_kpi.ingest import ExtractError, ingest_source, load
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
    ["call_id", "Outcome", "direction", "呼叫时间（北京时间）", "工号"],
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

    def open_with_source(con: duckdb.DuckDBPyConnection, path: Path, tmp: Path, source: Source = CALLS,
                         encoding: str | None = None) -> OpenedFile:  # fmt: skip
        return real_open(con, path, tmp, source, encoding)

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


# --- content that does not match the extension ----------------------------------------------------------------------

CSV_TEXT = "呼叫ID,呼叫方向,进线时间,结果\nC1,呼入,2026-09-01 08:00:00,放弃\n"


def xlsx_content(tmp_path: Path) -> bytes:
    return workbook(tmp_path / "made.xlsx", {"9月": SEPTEMBER}).read_bytes()


def parquet_content(tmp_path: Path) -> bytes:
    pq.write_table(pa.table({"call_id": ["C1"], "direction": ["inbound"]}), tmp_path / "made.parquet")
    return (tmp_path / "made.parquet").read_bytes()


def zip_content(tmp_path: Path) -> bytes:
    with zipfile.ZipFile(tmp_path / "made.zip", "w") as archive:
        archive.writestr("calls.csv", CSV_TEXT)
    return (tmp_path / "made.zip").read_bytes()


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
MISMATCHES = [
    ("a.csv", xlsx_content, "an Excel workbook saved as .csv: rename it to .xlsx"),
    ("a.csv", parquet_content, "a Parquet file saved as .csv: rename it to .parquet"),
    ("a.csv", zip_content, "a zip archive saved as .csv: extract it"),
    ("a.csv", lambda _: OLE2,
     "an Excel 97-2003 or password-protected workbook saved as .csv: open it in Excel and save it as .xlsx"),
    ("a.xlsx", lambda _: CSV_TEXT.encode("gbk"), "a text file, not an Excel workbook: rename it to .csv"),
    ("a.xlsx", lambda _: CSV_TEXT.encode("utf-16"), "a text file, not an Excel workbook: rename it to .csv"),
    ("a.xlsx", parquet_content, "a Parquet file saved as .xlsx: rename it to .parquet"),
    ("a.xlsx", lambda _: OLE2,
     "an Excel 97-2003 or password-protected workbook saved as .xlsx: open it in Excel and save it as .xlsx"),
    ("a.XLSX", lambda _: b"\xef\xbb\xbf <html><table><tr><td>C1</td></tr></table></html>",
     "an HTML page saved as .xlsx: open it in Excel and save it as .xlsx"),
    ("a.xlsx", lambda _: b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>',
     "an XML file saved as .xlsx: open it in Excel and save it as .xlsx"),
    ("a.xlsx", lambda _: b"", "empty file (0 bytes)"),
    ("a.parquet", lambda _: CSV_TEXT.encode(), "a text file, not a Parquet file: rename it to .csv"),
    ("a.parquet", xlsx_content, "an Excel workbook saved as .parquet: rename it to .xlsx"),
    ("a.parquet", lambda _: b"", "empty file (0 bytes)"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "content", "message"), MISMATCHES)
def test_content_of_another_format_than_the_extension_is_named(tmp_path, con, name, content, message):
    path = tmp_path / name
    path.write_bytes(content(tmp_path))
    with pytest.raises(ValueError) as caught:
        open_file(con, path, tmp_path, CALLS)
    assert str(caught.value) == message


def test_a_mismatch_is_an_extract_error_naming_the_file(tmp_path, con):
    (tmp_path / "calls").mkdir()
    (tmp_path / "calls" / "9月.csv").write_bytes(xlsx_content(tmp_path))
    with pytest.raises(ExtractError) as caught:
        ingest_source(con, CALLS, tmp_path, loaded_at=datetime(2026, 11, 1))
    assert str(caught.value) == "calls/9月.csv: an Excel workbook saved as .csv: rename it to .xlsx"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.csv", b"", "empty file (no header row)"),
        ("a.csv", b"\x89PNG\r\n\x1a\n\x00\x00", "not a text file (NUL byte at offset 8)"),
        ("a.xlsx", b"PK\x03\x04 cut short", "unreadable .xlsx file (BadZipFile: File is not a zip file)"),
        ("a.parquet", b"PAR1 cut short",
         "unreadable .parquet file (Invalid Input Error: No magic bytes found at end of file)"),
    ],
)  # fmt: skip
def test_unknown_or_damaged_content_keeps_the_readers_message(tmp_path, con, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValueError) as caught:
        open_file(con, path, tmp_path, CALLS)
    assert str(caught.value) == message


# --- too many columns ------------------------------------------------------------------------------------------------

WIDE_HEADER = ["呼叫ID", "呼叫方向", "进线时间", "结果", *(f"字段{i}" for i in range(4, 10_000))]


def test_a_csv_with_too_many_columns_is_refused_before_its_rows_are_read(tmp_path, con):
    (tmp_path / "calls").mkdir()
    rows = [WIDE_HEADER, *(["C1", "呼入", "2026-09-01 08:00:00", "放弃", *["x"] * 9_996] for _ in range(20))]
    (tmp_path / "calls" / "wide.csv").write_text("\n".join(",".join(row) for row in rows) + "\n", encoding="gbk")
    with pytest.raises(ExtractError) as caught:
        ingest_source(con, CALLS, tmp_path, loaded_at=datetime(2026, 11, 1))
    assert str(caught.value) == "calls/wide.csv: 10,000 columns, more than the 500 an extract may have"


def test_500_columns_are_read(tmp_path, con):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(WIDE_HEADER[:500]) + "\n" + ",".join(["C1", "呼入", "2026-09-01", "放弃", *["x"] * 496]) + "\n")
    opened = open_file(con, path, tmp_path, CALLS)
    assert len(opened.headers) == 500
    assert opened.load(con, "t") == "rowid + 1"
    assert con.execute("SELECT c0, c3, c499, rowid + 1 FROM t").fetchall() == [("C1", "放弃", "x", 1)]


def test_a_parquet_file_with_too_many_columns_is_refused(tmp_path, con):
    pq.write_table(pa.table({header: ["x"] * 20 for header in WIDE_HEADER[:501]}), tmp_path / "wide.parquet")
    with pytest.raises(ValueError) as caught:
        open_file(con, tmp_path / "wide.parquet", tmp_path, CALLS)
    assert str(caught.value) == "501 columns, more than the 500 an extract may have"


@pytest.mark.parametrize(
    ("sheets", "message"),
    [
        ({"9月": [WIDE_HEADER[:501]]}, "501 columns, more than the 500 an extract may have"),
        # columns without a header count once they hold a value
        ({"9月": [WIDE_HEADER[:4], ["C1", "呼入", "2026-09-01", "放弃", *["x"] * 600]]},
         "604 columns, more than the 500 an extract may have"),
        ({"说明": NOTES, "9月": SEPTEMBER, "10月": [WIDE_HEADER[:501]]},
         "sheet '10月': 501 columns, more than the 500 an extract may have"),
        # sheets within the bound, stacked beyond it
        ({"9月": [WIDE_HEADER[:300]], "10月": [[*WIDE_HEADER[:4], *WIDE_HEADER[300:600]]]},
         "600 columns, more than the 500 an extract may have"),
    ],
)  # fmt: skip
def test_a_workbook_with_too_many_columns_is_refused(tmp_path, con, sheets, message):
    path = workbook(tmp_path / "wide.xlsx", sheets)
    with pytest.raises(ValueError) as caught:
        open_file(con, path, tmp_path, CALLS)
    assert str(caught.value) == message


def test_a_wide_sheet_that_is_ignored_is_not_refused(tmp_path, con):
    path = workbook(tmp_path / "calls.xlsx", {"9月": SEPTEMBER, "字典": [WIDE_HEADER[4:1000]]})
    opened = open_file(con, path, tmp_path, CALLS)
    assert (opened.sheets, opened.ignored_sheets, len(opened.headers)) == (("9月",), ("字典",), 5)


def test_ingestion_loads_every_matching_sheet_of_a_workbook(tmp_path):
    import duckdb

    from dagster_kpi.contract import load_contract
    from dagster_kpi.ingest import ingest_source
    from tests.test_ingest_load import CALL, LOADED

    book = openpyxl.Workbook()
    september = book.active
    september.title = "9月"
    september.append(list(CALL))
    september.append(list(CALL.values()))
    october = book.create_sheet("10月")
    october.append(list(CALL))
    october.append(list((CALL | {"call_id": "C2"}).values()))
    book.create_sheet("说明").append(["本表为话务明细"])
    (tmp_path / "calls").mkdir()
    book.save(tmp_path / "calls" / "话务.xlsx")
    with duckdb.connect() as con:
        report = ingest_source(con, load_contract()["calls"], tmp_path, loaded_at=LOADED)
        assert (report.rows_loaded, report.ignored_sheets) == (2, ["话务.xlsx: 说明"])
        again = ingest_source(con, load_contract()["calls"], tmp_path, loaded_at=LOADED)  # from landed, not read again
        assert again.ignored_sheets == ["话务.xlsx: 说明"]
        assert con.execute("SELECT call_id, _source_row FROM raw.calls ORDER BY call_id").fetchall() == [
            ("C1", 1), ("C2", 10_000_001)]  # fmt: skip


# --- title rows above the header, and headers merged over two rows ----------------------------------------------------

HEADER = "呼叫ID,呼叫方向,进线时间,结果\n"
RECORDS = "C1,呼入,2026-09-01 08:00:00,放弃\n\nC2,呼出,2026-09-02 09:30:00,放弃\n"


def ingest_calls(con: duckdb.DuckDBPyConnection, landing: Path, name: str, data: bytes) -> list[tuple]:
    (landing / "calls").mkdir(exist_ok=True)
    (landing / "calls" / name).write_bytes(data)
    ingest_source(con, CALLS, landing, loaded_at=datetime(2026, 11, 1))
    return con.execute("SELECT call_id, direction, _source_row FROM raw.calls ORDER BY call_id").fetchall()


@pytest.mark.parametrize(
    "above",
    [
        "2026年9月 话务明细报表\n\n",  # a title, a blank line
        "2026年9月 话务明细报表,,,\n导出时间：2026-10-01,,,\n,,,\n",  # as Excel saves merged title cells
        "通话信息,,,结果信息\n",  # group labels over a header that names every column
        "\n" * 3 + "".join(f"说明第{n}行\n" for n in range(1, 10)),  # nine title rows: the header is the tenth
    ],
)
def test_title_rows_above_a_csv_header_are_skipped_and_records_count_from_the_header(tmp_path, con, above):
    rows = ingest_calls(con, tmp_path, "9月.csv", (above + HEADER + RECORDS).encode("gbk"))
    assert rows == [("C1", "inbound", 1), ("C2", "outbound", 2)]  # records below the header; blank lines are none


def test_an_error_below_title_rows_names_the_line_of_the_file(tmp_path, con):
    data = "话务明细报表\n\n" + HEADER + "C1,呼入,2026-09-01 08:00:00,放弃,多余\n"
    with pytest.raises(ExtractError) as caught:
        ingest_calls(con, tmp_path, "9月.csv", data.encode())
    assert str(caught.value) == "calls/9月.csv: line 4: expected 4 fields, found 5"


def test_a_header_below_ten_title_rows_is_not_looked_for(tmp_path, con):
    above = "".join(f"说明第{n}行\n" for n in range(1, 11))
    with pytest.raises(ExtractError) as caught:
        ingest_calls(con, tmp_path, "9月.csv", (above + HEADER + RECORDS).encode())
    assert str(caught.value).startswith("calls/9月.csv: missing required column call_id (accepted headers: call_id, ")


def test_without_a_header_the_row_naming_most_columns_tells_what_is_missing(tmp_path, con):
    data = "话务明细报表\n呼叫ID,呼叫方向,进线时间,呼叫结果码\nC1,呼入,2026-09-01 08:00:00,放弃\n"
    with pytest.raises(ExtractError) as caught:
        ingest_calls(con, tmp_path, "9月.csv", data.encode())
    assert str(caught.value) == (
        "calls/9月.csv: missing required column outcome (accepted headers: outcome, 呼叫结果, 结果); "
        "the header '呼叫结果码' is close to 呼叫结果: rename it if it holds that column"
    )


MERGED = "the header looks merged over two rows ({}): unmerge its cells and keep one header row naming every column"


@pytest.mark.parametrize(
    ("above", "lines"),
    [
        ("呼叫ID,通话信息,,结果\n,呼叫方向,进线时间,\n", "lines 1 and 2"),  # the names split over two rows
        ("报表\n\n呼叫ID,呼叫方向,时间,\n,,进线时间,结果\n", "lines 3 and 4"),
        ("技能组,通话信息,,,\n,呼叫ID,呼叫方向,进线时间,结果\n", "lines 1 and 2"),  # 技能组 above a blank cell
        ("呼叫ID,呼叫方向,进线时间,结果,时长信息,\n,,,,通话时长,保持时长\n", "lines 1 and 2"),  # sub-names below
    ],
)
def test_a_csv_header_merged_over_two_rows_is_refused_in_one_line(tmp_path, con, above, lines):
    with pytest.raises(ExtractError) as caught:
        ingest_calls(con, tmp_path, "9月.csv", (above + "C1,呼入,2026-09-01 08:00:00,放弃\n").encode())
    assert str(caught.value) == f"calls/9月.csv: {MERGED.format(lines)}"


@pytest.mark.parametrize(
    "data",
    [
        "呼叫ID,呼叫方向,进线时间,结果,备注\nC1,呼入,2026-09-01 08:00:00,放弃,技能组\n",  # a data row naming a column
        "技能组,热线一组\n序号,呼叫ID,呼叫方向,进线时间,结果\n1,C1,呼入,2026-09-01 08:00:00,放弃\n",  # a filter row
    ],
)
def test_a_row_naming_a_column_next_to_a_header_is_no_merged_header(tmp_path, con, data):
    assert ingest_calls(con, tmp_path, "9月.csv", data.encode()) == [("C1", "inbound", 1)]


TITLED = [
    ["2026年9月 话务明细报表"],
    [],
    SEPTEMBER[0],
    *SEPTEMBER[1:],
]


def test_every_sheet_whose_header_stands_below_title_rows_is_read(tmp_path, con):
    path = workbook(tmp_path / "calls.xlsx", {"说明": NOTES, "9月": TITLED, "10月": OCTOBER})
    opened = open_file(con, path, tmp_path, CALLS)
    assert (opened.sheets, opened.ignored_sheets) == (("9月", "10月"), ("说明",))
    assert opened.headers == ("呼叫ID", "呼叫方向", "进线时间", "结果", "备注", "工号")
    # Rows count from the header row: the title and blank rows above it are not counted.
    assert [(row[0], row[-1]) for row in loaded(con, opened)] == [
        ("C1", ROWS_PER_SHEET + 1), ("C2", ROWS_PER_SHEET + 3), ("C3", 2 * ROWS_PER_SHEET + 1)]  # fmt: skip


def test_a_sheet_with_merged_header_cells_is_refused_naming_the_sheet_and_rows(tmp_path, con):
    path = workbook(tmp_path / "calls.xlsx", {"9月": SEPTEMBER, "10月": [
        ["2026年10月 话务明细报表"],
        ["呼叫ID", "通话信息", None, "结果"],
        [None, "进线时间", "呼叫方向", None],
        ["C3", datetime(2026, 10, 1, 10, 0), "呼入", "放弃"],
    ]})  # fmt: skip
    book = openpyxl.load_workbook(path)
    for cells in ("A1:D1", "A2:A3", "B2:C2", "D2:D3"):
        book["10月"].merge_cells(cells)
    book.save(path)
    with pytest.raises(ValueError) as caught:
        open_file(con, path, tmp_path, CALLS)
    assert str(caught.value) == f"sheet '10月': {MERGED.format('rows 2 and 3')}"
