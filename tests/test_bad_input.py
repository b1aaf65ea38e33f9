"""Bad input: each rejected row is quarantined with its exact reason while the valid rows of its file load;
a file that cannot be read blocks `kpi run` with one line naming it.

The single-row cases of `test_ingest_load.py` (one of each reason, CSV) are not repeated here. These cases
cover what they leave out: every source with a timestamp, other columns and bounds, and .xlsx and .parquet
files, each in a file of four records whose third is the bad one.
"""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl.chart import BarChart

from dagster_kpi.contract import load_contract
from dagster_kpi.generate import generate_landing
from dagster_kpi.ingest import ExtractError, ingest_source
from tests.test_ingest_load import BASE, csv_bytes, put

LOADED = datetime(2025, 1, 1, 12, 0, 0)  # also `now`: later timestamps are in the future
CONTRACT = load_contract()
ROWS = {
    **BASE,
    "agents": {"agent_id": "A1", "agent_name": "李四", "team": "一组", "department": "客服部", "role": "agent",
               "hired_on": "2023-02-01", "left_on": ""},
    "exams": {"exam_id": "E1", "agent_id": "A1", "exam_date": "2024-03-10", "score": "91.5"},
    "collaboration_surveys": {"response_id": "X1", "rating_department": "技术部", "period_month": "2024-03",
                              "score": "88"},
    "report_issues": {"issue_id": "I1", "report_name": "日报", "raised_at": "2024-03-05 09:00:00",
                      "issue_type": "late"},
    # The assessment's sources, with Chinese values as their systems export them.
    "attendance": {"agent_id": "A1", "work_date": "2024-03-04", "status": "出勤", "leave_type": "",
                   "late_minutes": "3", "early_leave_minutes": "", "missed_punch": "否"},
    "shift_swaps": {"swap_id": "W1", "swap_date": "2024-03-05", "agent_id": "A1", "counterpart_agent_id": "A2"},
    "ratings": {"rating_id": "R1", "period_month": "2024-03", "agent_id": "A1", "rater_type": "上级", "rater_id": "L1",
                "item": "工作态度", "score": "88"},
    "violations": {"violation_id": "V1", "occurred_at": "2024-03-05 09:00:00", "agent_id": "A1", "team": "一组",
                   "category": "仪容仪表", "inspector_level": "部门", "points": "1", "fine_yuan": "",
                   "description": "未佩戴工牌"},
    "fee_collection": {"period_month": "2024-03", "building": "1栋", "agent_id": "G1", "households_due": "100",
                       "households_paid": "97"},
    "facility_checks": {"check_id": "C1", "check_date": "2024-03-06", "building": "1栋", "agent_id": "G1",
                        "items_checked": "20", "items_intact": "19"},
}  # fmt: skip
BAD_ROW = 3  # the bad record is the third of four


def key_text(source: str, n: int) -> str:
    """Text of the first key column of record n; month keys are distinct months."""
    column = CONTRACT[source].column(CONTRACT[source].key[0])
    return f"2024-{n:02d}" if column.type == "month" else f"{ROWS[source][column.name]}-{n}"


def raw_key(source: str, n: int) -> object:
    """The value raw holds for key_text(source, n)."""
    return date(2024, n, 1) if CONTRACT[source].column(CONTRACT[source].key[0]).type == "month" else key_text(source, n)


def records(source: str, change: dict[str, object]) -> list[dict[str, object]]:
    key = CONTRACT[source].key[0]
    return [ROWS[source] | {key: key_text(source, n)} | (change if n == BAD_ROW else {}) for n in range(1, 5)]


def write_csv(folder: Path, rows: list[dict[str, object]]) -> str:
    put(folder.parent, folder.name, "bad.csv", csv_bytes([{k: str(v) for k, v in r.items()} for r in rows]))
    return "bad.csv"


def write_xlsx(folder: Path, rows: list[dict[str, object]]) -> str:
    """A blank sheet row before the bad record: it keeps its number, so the bad record is sheet row 4."""
    book = openpyxl.Workbook()
    book.active.append(list(rows[0]))
    for n, row in enumerate(rows, start=1):
        if n == BAD_ROW:
            book.active.append([None] * len(row))
        book.active.append([None if v == "" else v for v in row.values()])
    folder.mkdir(parents=True, exist_ok=True)
    book.save(folder / "bad.xlsx")
    return "bad.xlsx"


def _typed(values: list[object], like: object) -> pa.Array:
    """A column of the changed value's type: the other records' text converted to it."""
    if isinstance(like, datetime):
        return pa.array([v if isinstance(v, datetime) else datetime.fromisoformat(str(v)) for v in values])
    if isinstance(like, int):
        return pa.array([v if isinstance(v, int) else int(str(v)) for v in values], pa.int64())
    return pa.array([None if v in ("", None) else str(v) for v in values], pa.string())


def write_parquet(folder: Path, rows: list[dict[str, object]]) -> str:
    bad = rows[BAD_ROW - 1]
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({c: _typed([r[c] for r in rows], bad[c]) for c in rows[0]}), folder / "bad.parquet")
    return "bad.parquet"


WRITERS = {"csv": write_csv, "xlsx": write_xlsx, "parquet": write_parquet}
FUTURE = "2025-01-01 12:00:01"  # one second after `now`
BEFORE_2000 = "1999-12-31 23:59:59"

# (source, format, change to the bad record, quarantined column, reason)
CASES = [
    # unparsable values, one per type, in other sources and formats than test_ingest_load
    ("tickets", "csv", {"reopened_count": "1e3"}, "reopened_count", "unparsable_int"),
    ("exams", "xlsx", {"score": "91,5"}, "score", "unparsable_float"),
    ("customers", "csv", {"is_big_client": "maybe"}, "is_big_client", "unparsable_bool"),
    ("surveys", "parquet", {"responded_at": "2024-02-30 09:00:00"}, "responded_at", "unparsable_timestamp"),
    ("agents", "xlsx", {"hired_on": "2023/13/01"}, "hired_on", "unparsable_date"),
    ("collaboration_surveys", "csv", {"period_month": "2024-13"}, "period_month", "unparsable_month"),
    # missing values in non-nullable columns
    ("calls", "csv", {"offered_at": ""}, "offered_at", "missing_value"),
    ("calls", "csv", {"outcome": "\u3000"}, "outcome", "missing_value"),  # an ideographic space is blank
    ("agents", "xlsx", {"team": ""}, "team", "missing_value"),
    ("surveys", "parquet", {"csat_score": None}, "csat_score", "missing_value"),
    ("exams", "xlsx", {"exam_date": ""}, "exam_date", "missing_value"),
    ("plans", "csv", {"planned": " "}, "planned", "missing_value"),
    # values outside an enumeration
    ("tickets", "csv", {"status": "done"}, "status", "not_in_values"),
    ("complaints", "csv", {"severity": "四类"}, "severity", "not_in_values"),
    ("report_issues", "csv", {"issue_type": "typo"}, "issue_type", "not_in_values"),
    # bounds
    ("surveys", "parquet", {"csat_score": 0}, "csat_score", "below_min"),
    ("surveys", "csv", {"nps_score": "11"}, "nps_score", "above_max"),
    ("qa_reviews", "csv", {"score": "100.5"}, "score", "above_max"),
    ("exams", "xlsx", {"score": -0.5}, "score", "below_min"),
    ("plans", "csv", {"planned": "-0.01"}, "planned", "below_min"),
    ("tickets", "csv", {"reopened_count": "-1"}, "reopened_count", "below_min"),
    # negative durations (hold_seconds: test_ingest_load)
    ("calls", "csv", {"talk_seconds": "-5"}, "talk_seconds", "below_min"),
    ("calls", "xlsx", {"wrap_seconds": -30}, "wrap_seconds", "below_min"),
    # order of events
    ("calls", "parquet", {"answered_at": datetime(2024, 3, 5, 7, 59, 59)}, "answered_at", "answered_before_offered"),
    ("complaints", "xlsx", {"resolved_at": datetime(2024, 3, 5, 8, 0)}, "resolved_at", "resolved_before_received"),
    ("tickets", "parquet", {"resolved_at": datetime(2024, 3, 5, 8, 0)}, "resolved_at", "resolved_before_created"),
    # event timestamps in the future and before 2000, per source
    ("calls", "csv", {"offered_at": FUTURE, "answered_at": "", "ended_at": "", "outcome": "abandoned"},
     "offered_at", "timestamp_out_of_range"),
    ("tickets", "csv", {"created_at": BEFORE_2000}, "created_at", "timestamp_out_of_range"),
    ("tickets", "csv", {"first_response_at": FUTURE}, "first_response_at", "timestamp_out_of_range"),
    ("complaints", "csv", {"received_at": BEFORE_2000}, "received_at", "timestamp_out_of_range"),
    ("complaints", "csv", {"resolved_at": FUTURE}, "resolved_at", "timestamp_out_of_range"),
    ("callbacks", "csv", {"completed_at": FUTURE, "status": "completed"}, "completed_at", "timestamp_out_of_range"),
    ("surveys", "parquet", {"responded_at": datetime(2030, 1, 1)}, "responded_at", "timestamp_out_of_range"),
    ("qa_reviews", "xlsx", {"reviewed_at": datetime(1999, 6, 30, 10, 0)}, "reviewed_at", "timestamp_out_of_range"),
    ("report_issues", "csv", {"raised_at": FUTURE}, "raised_at", "timestamp_out_of_range"),
    # the assessment's sources: each kind of break, in each format
    ("attendance", "csv", {"status": "迟到"}, "status", "not_in_values"),
    ("attendance", "xlsx", {"late_minutes": -3}, "late_minutes", "below_min"),
    ("attendance", "parquet", {"work_date": ""}, "work_date", "missing_value"),
    ("attendance", "csv", {"missed_punch": "maybe"}, "missed_punch", "unparsable_bool"),
    ("attendance", "csv", {"leave_type": "婚假"}, "leave_type", "not_in_values"),
    ("shift_swaps", "csv", {"counterpart_agent_id": ""}, "counterpart_agent_id", "missing_value"),
    ("shift_swaps", "parquet", {"swap_date": "2024/02/30"}, "swap_date", "unparsable_date"),
    ("ratings", "csv", {"rater_type": "客户"}, "rater_type", "not_in_values"),
    ("ratings", "xlsx", {"score": 101}, "score", "above_max"),
    ("ratings", "csv", {"period_month": "2024-13"}, "period_month", "unparsable_month"),
    ("violations", "csv", {"category": "迟到"}, "category", "not_in_values"),
    ("violations", "xlsx", {"inspector_level": "公司"}, "inspector_level", "not_in_values"),
    ("violations", "csv", {"points": "-1"}, "points", "below_min"),
    ("violations", "parquet", {"fine_yuan": "-10"}, "fine_yuan", "below_min"),
    ("violations", "csv", {"occurred_at": FUTURE}, "occurred_at", "timestamp_out_of_range"),
    ("fee_collection", "csv", {"households_paid": "101"}, "households_paid", "paid_above_due"),
    ("fee_collection", "xlsx", {"households_due": ""}, "households_due", "missing_value"),
    ("facility_checks", "xlsx", {"items_intact": 21}, "items_intact", "intact_above_checked"),
    ("facility_checks", "csv", {"items_checked": "二十"}, "items_checked", "unparsable_int"),
]  # fmt: skip


def case_id(case: tuple) -> str:
    source, fmt, _, column, reason = case
    return f"{source}-{column}-{reason}-{fmt}"


@pytest.mark.parametrize(("source", "fmt", "change", "column", "reason"), CASES, ids=map(case_id, CASES))
def test_bad_row_is_quarantined_and_the_valid_rows_load(tmp_path, con, source, fmt, change, column, reason):
    name = WRITERS[fmt](tmp_path / source, records(source, change))
    report = ingest_source(con, CONTRACT[source], tmp_path, loaded_at=LOADED)
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined, report.rows_superseded) == (4, 3, 1, 0)
    key = CONTRACT[source].key[0]
    quarantined = con.execute(f"SELECT _source_file, _source_row, _column, _reason, {key} FROM quarantine.{source}")
    assert quarantined.fetchall() == [(name, BAD_ROW + (fmt == "xlsx"), column, reason, key_text(source, BAD_ROW))]
    loaded = {k for (k,) in con.execute(f"SELECT {key} FROM raw.{source}").fetchall()}
    assert loaded == {raw_key(source, n) for n in (1, 2, 4)}


def test_utf16_csv_is_refused_with_its_encoding(tmp_path, con):
    put(tmp_path, "calls", "unicode.csv", csv_bytes([BASE["calls"]], "utf-16"))
    with pytest.raises(ExtractError, match=r"^calls/unicode\.csv: UTF-16 or UTF-32 text \(expected UTF-8, GBK or "
                                           r"GB18030: save the file as UTF-8 CSV\)$"):  # fmt: skip
        ingest_source(con, CONTRACT["calls"], tmp_path, loaded_at=LOADED)


def test_blank_first_lines_are_skipped_not_read_as_the_header(tmp_path, con):
    put(tmp_path, "calls", "a.csv", b"\n\n" + csv_bytes([BASE["calls"]]))
    ingest_source(con, CONTRACT["calls"], tmp_path, loaded_at=LOADED)
    assert con.execute("SELECT call_id, _source_row FROM raw.calls").fetchall() == [("C1", 1)]
    put(tmp_path, "calls", "a.csv", b"\n\n")
    with pytest.raises(ExtractError, match=r"^calls/a\.csv: empty file \(blank lines only, no header row\)$"):
        ingest_source(con, CONTRACT["calls"], tmp_path, loaded_at=LOADED)


def test_empty_fields_past_the_header_are_ignored_but_a_value_there_is_an_error(tmp_path, con):
    header, line = ",".join(BASE["calls"]).encode(), ",".join(BASE["calls"].values()).encode()
    put(tmp_path, "calls", "a.csv", header + b"\n" + line + b",,\n")  # as spreadsheet exports often end rows
    ingest_source(con, CONTRACT["calls"], tmp_path, loaded_at=LOADED)
    assert con.execute("SELECT call_id, is_valid, _source_row FROM raw.calls").fetchall() == [("C1", True, 1)]
    put(tmp_path, "calls", "a.csv", header + b"\n" + line + b",,x\n")
    with pytest.raises(ExtractError, match=r"^calls/a\.csv: line 2: expected 15 fields, found \d+$"):
        ingest_source(con, CONTRACT["calls"], tmp_path, loaded_at=LOADED)


@pytest.mark.parametrize(("entry", "is_folder"), [("calls.csv", False), ("Calls.XLSX", False), ("calls", False),
                                                  ("Calls", True)])  # fmt: skip
def test_extracts_beside_the_source_folder_are_not_silently_skipped(tmp_path, con, entry, is_folder):
    (tmp_path / entry).mkdir() if is_folder else (tmp_path / entry).write_bytes(csv_bytes([BASE["calls"]]))
    with pytest.raises(ExtractError, match=rf"^calls/: no such folder, but the landing folder holds {entry} "
                                           r"\(put the extracts of calls in the folder calls/\)$"):  # fmt: skip
        ingest_source(con, CONTRACT["calls"], tmp_path, loaded_at=LOADED)


def test_workbook_without_a_worksheet(tmp_path, con):
    book = openpyxl.Workbook()
    book.create_chartsheet("chart").add_chart(BarChart())
    book.remove(book.active)
    (tmp_path / "agents").mkdir()
    book.save(tmp_path / "agents" / "roster.xlsx")
    with pytest.raises(ExtractError, match=r"^agents/roster\.xlsx: the workbook has no worksheet$"):
        ingest_source(con, CONTRACT["agents"], tmp_path, loaded_at=LOADED)


# --- files that cannot be read block `kpi run` --------------------------------------------------------------------


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bad_input") / "landing"
    generate_landing(folder, months=2, agents=8, scale=0.01, start="2026-01")
    return folder


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def drop_column(path: Path, header: str, encoding: str) -> None:
    rows = list(csv.reader(io.StringIO(path.read_bytes().decode(encoding))))
    drop = rows[0].index(header)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([v for i, v in enumerate(r) if i != drop] for r in rows)
    path.write_bytes(out.getvalue().encode(encoding))


UNREADABLE = {
    "binary": (lambda d: (d / "calls" / "calls_2026-03.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 64),
               "calls/calls_2026-03.csv: not a text file (NUL byte at offset 8)"),
    "unknown-encoding": (lambda d: (d / "tickets" / "tickets_cp1252.csv").write_bytes(
                             b"ticket_id,channel,category,issue_type,created_at,status\n"
                             b"TK9,email,inquiry,caf\xe9,2026-01-05 10:00:00,closed\n"),  # Windows-1252
                         "tickets/tickets_cp1252.csv: not UTF-8, GBK or GB18030 text"),
    "truncated-xlsx": (lambda d: truncate(d / "exams" / "业务考试成绩.xlsx"),
                       "exams/业务考试成绩.xlsx: unreadable .xlsx file (BadZipFile: File is not a zip file)"),
    "truncated-parquet": (lambda d: truncate(d / "surveys" / "surveys.parquet"),
                          ("surveys/surveys.parquet: unreadable .parquet file "
                           "(Invalid Input Error: No magic bytes found at end of file)")),
    "missing-required-column": (lambda d: drop_column(d / "callbacks" / "回访记录.csv", "回访状态", "gbk"),
                                ("callbacks/回访记录.csv: missing required column status "
                                 "(accepted headers: status, 回访状态)")),
}  # fmt: skip


@pytest.mark.parametrize("case", list(UNREADABLE))
def test_unreadable_file_is_an_extract_error_naming_it(landing, tmp_path, con, case):
    damage, reason = UNREADABLE[case]
    bad = tmp_path / "landing"
    shutil.copytree(landing, bad)
    damage(bad)
    source = reason.split("/", 1)[0]
    with pytest.raises(ExtractError) as error:
        ingest_source(con, CONTRACT[source], bad, loaded_at=LOADED)
    assert str(error.value) == reason
