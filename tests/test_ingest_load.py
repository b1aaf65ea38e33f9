"""ingest_source end to end: formats, headers, keys, lineage, quarantine and errors."""

from __future__ import annotations

import csv
import io
import os
from datetime import date, datetime
from pathlib import Path

import duckdb
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dagster_kpi.contract import load_contract
from dagster_kpi.ingest import ExtractError, IngestReport, ingest_source

LOADED = datetime(2025, 1, 1, 12, 0, 0)
CONTRACT = load_contract()

CALL = {
    "call_id": "C1", "direction": "inbound", "queue": "Q1", "customer_id": "CU1", "caller_number": "13800000000",
    "agent_id": "A1", "offered_at": "2024-03-05 08:00:00", "answered_at": "2024-03-05 08:00:10",
    "ended_at": "2024-03-05 08:05:00", "talk_seconds": "290", "hold_seconds": "0", "wrap_seconds": "30",
    "outcome": "answered", "transferred": "N", "is_valid": "1",
}  # fmt: skip
BASE: dict[str, dict[str, str]] = {
    "calls": CALL,
    "tickets": {
        "ticket_id": "T1", "channel": "email", "category": "inquiry", "issue_type": "", "customer_id": "CU1",
        "agent_id": "A1", "created_at": "2024-03-05 09:00:00", "first_response_at": "2024-03-05 09:10:00",
        "transferred_at": "", "target_department": "", "resolved_at": "2024-03-05 10:00:00", "status": "resolved",
        "first_contact_resolution": "true", "reopened_count": "0",
    },
    "complaints": {
        "complaint_id": "P1", "ticket_id": "T1", "customer_id": "CU1", "agent_id": "A1",
        "received_at": "2024-03-05 09:00:00", "source": "phone", "severity": "general", "is_responsible": "",
        "resolved_at": "2024-03-06 09:00:00", "satisfied": "yes",
    },
    "surveys": {
        "survey_id": "S1", "customer_id": "CU1", "agent_id": "A1", "interaction_type": "call",
        "interaction_id": "C1", "responded_at": "2024-03-05 09:00:00", "csat_score": "5", "nps_score": "9",
    },
    "qa_reviews": {"review_id": "R1", "agent_id": "A1", "reviewed_at": "2024-03-05 09:00:00", "score": "88.5"},
    "callbacks": {
        "callback_id": "B1", "customer_id": "CU1", "agent_id": "A1", "planned_date": "2024-03-06",
        "completed_at": "", "status": "planned", "reason": "routine", "related_complaint_id": "",
    },
    "plans": {"period_month": "2024-03", "plan_code": "service_cost", "planned": "100", "actual": "90"},
    "customers": {
        "customer_id": "CU1", "customer_name": "张三", "phone": "13900000000", "region": "华东",
        "is_big_client": "是", "big_client_since": "2023-01-01", "signed_at": "2022-05-01", "churned_at": "",
    },
}  # fmt: skip
OTHER_KEY = {"calls": {"call_id": "C2"}, "tickets": {"ticket_id": "T2"}, "complaints": {"complaint_id": "P2"},
             "surveys": {"survey_id": "S2"}, "qa_reviews": {"review_id": "R2"}, "callbacks": {"callback_id": "B2"},
             "plans": {"plan_code": "business_volume"}, "customers": {"customer_id": "CU2"}}  # fmt: skip


def csv_bytes(rows: list[dict[str, str]] | list[list[str]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if rows and isinstance(rows[0], dict):
        writer.writerow(rows[0].keys())
        writer.writerows(r.values() for r in rows)
    else:
        writer.writerows(rows)
    return out.getvalue().encode(encoding)


def put(landing: Path, source: str, name: str, data: bytes, mtime: int | None = None) -> Path:
    path = landing / source / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def ingest(con: duckdb.DuckDBPyConnection, landing: Path, source: str) -> IngestReport:
    """Ingest one source; every read row is accounted for."""
    report = ingest_source(con, CONTRACT[source], landing, loaded_at=LOADED)
    assert report.rows_read == report.rows_loaded + report.rows_quarantined + report.rows_superseded
    return report


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


# --- formats -----------------------------------------------------------------------------------------------------

CN_HEADER = ["呼叫ID", " 呼叫方向 ", "技能组", "工号", "进线时间", "接听时间", "通话时长", "呼叫结果", "是否转接"]


def cn_call(call_id: str, queue: str, direction: str, outcome: str, transferred: str) -> list[str]:
    answered = "2024/03/05 08:00:10" if outcome == "已接通" else ""
    return [call_id, direction, queue, "A1", "2024/03/05 08:00:00", answered, "95", outcome, transferred]


def test_csv_encodings_with_chinese_headers_and_value_aliases(tmp_path, con):
    put(tmp_path, "calls", "a_utf8.csv", csv_bytes([CALL]))
    put(tmp_path, "calls", "b_bom.csv", csv_bytes([CN_HEADER, cn_call("C2", "售后", "呼出", "放弃", "否")], "utf-8-sig"))
    put(tmp_path, "calls", "c_gbk.csv", csv_bytes([CN_HEADER, cn_call("C3", "投诉组", "呼入", "已接通", "是")], "gbk"))
    put(tmp_path, "calls", "d_gb18030.csv", csv_bytes([CN_HEADER, cn_call("C4", "𠀀组", "呼入", "呼损", "Y")], "gb18030"))
    report = ingest(con, tmp_path, "calls")
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (4, 4, 0)
    assert rows(con, "SELECT call_id, direction, queue, outcome, transferred, offered_at, talk_seconds, "
                     "_source_file, _source_row FROM raw.calls ORDER BY call_id") == [
        ("C1", "inbound", "Q1", "answered", False, datetime(2024, 3, 5, 8), 290, "a_utf8.csv", 1),
        ("C2", "outbound", "售后", "abandoned", False, datetime(2024, 3, 5, 8), 95, "b_bom.csv", 1),
        ("C3", "inbound", "投诉组", "answered", True, datetime(2024, 3, 5, 8), 95, "c_gbk.csv", 1),
        ("C4", "inbound", "𠀀组", "blocked", True, datetime(2024, 3, 5, 8), 95, "d_gb18030.csv", 1),
    ]  # fmt: skip


def test_xlsx_first_sheet_with_typed_cells(tmp_path, con):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["呼叫ID", "呼叫方向", "客户编号", "主叫号码", "工号", "进线时间", "接听时间", "通话时长", "结果",
                  "是否转接", "有效呼入"])  # fmt: skip
    sheet.append(["C1", "呼入", 10086, 13800000000.0, "A1", datetime(2024, 3, 5, 8, 0), datetime(2024, 3, 5, 8, 0, 10),
                  95.0, "已接通", False, "是"])  # fmt: skip
    sheet.append([None] * 11)  # a blank row is not a record, but it still counts for row numbers
    sheet.append(["C2", "outbound", None, None, None, datetime(2024, 3, 6, 9, 30), None, None, "abandoned", True, 0])
    book.create_sheet("other").append(["call_id", "direction", "offered_at", "outcome"])
    book.save(tmp_path / "x.xlsx")
    put(tmp_path, "calls", "calls.xlsx", (tmp_path / "x.xlsx").read_bytes())
    report = ingest(con, tmp_path, "calls")
    assert (report.rows_read, report.rows_loaded) == (2, 2)
    assert rows(con, "SELECT call_id, direction, customer_id, caller_number, offered_at, answered_at, talk_seconds, "
                     "outcome, transferred, is_valid, _source_file, _source_row FROM raw.calls ORDER BY call_id") == [
        ("C1", "inbound", "10086", "13800000000", datetime(2024, 3, 5, 8), datetime(2024, 3, 5, 8, 0, 10), 95,
         "answered", False, True, "calls.xlsx", 1),
        ("C2", "outbound", None, None, datetime(2024, 3, 6, 9, 30), None, None, "abandoned", True, False,
         "calls.xlsx", 3),
    ]  # fmt: skip


def test_xlsx_date_cells_in_date_and_month_columns(tmp_path, con):
    book = openpyxl.Workbook()
    book.active.append(["月份", "plan_code", "计划值", "实际值"])
    book.active.append([datetime(2024, 3, 1), "service_cost", 1200, 1100.5])
    book.save(tmp_path / "x.xlsx")
    put(tmp_path, "plans", "plans.xlsx", (tmp_path / "x.xlsx").read_bytes())
    ingest(con, tmp_path, "plans")
    assert rows(con, "SELECT period_month, plan_code, planned, actual FROM raw.plans") == [
        (date(2024, 3, 1), "service_cost", 1200.0, 1100.5)
    ]


def test_parquet_typed_columns(tmp_path, con):
    table = pa.table({
        "call_id": ["C1", "C2"],
        "Direction": ["inbound", "呼出"],
        "offered_at": pa.array([datetime(2024, 3, 5, 8), datetime(2024, 3, 5, 9)], pa.timestamp("ns")),
        "talk_seconds": pa.array([95.0, None], pa.float64()),
        "hold_seconds": pa.array([3, 0], pa.int64()),
        "outcome": ["abandoned", "abandoned"],
        "transferred": pa.array([True, None], pa.bool_()),
        "note": pa.array([1.5, None], pa.float64()),
    })  # fmt: skip
    (tmp_path / "calls").mkdir()
    pq.write_table(table, tmp_path / "calls" / "calls.parquet")
    ingest(con, tmp_path, "calls")
    assert rows(con, "SELECT call_id, direction, offered_at, talk_seconds, hold_seconds, transferred, note, "
                     "_source_file, _source_row FROM raw.calls ORDER BY call_id") == [
        ("C1", "inbound", datetime(2024, 3, 5, 8), 95, 3, True, "1.5", "calls.parquet", 1),
        ("C2", "outbound", datetime(2024, 3, 5, 9), None, 0, None, None, "calls.parquet", 2),
    ]  # fmt: skip


# --- schema, extras, missing columns, folders --------------------------------------------------------------------

RAW_CALLS = [
    ("call_id", "VARCHAR"), ("direction", "VARCHAR"), ("queue", "VARCHAR"), ("customer_id", "VARCHAR"),
    ("caller_number", "VARCHAR"), ("agent_id", "VARCHAR"), ("offered_at", "TIMESTAMP"), ("answered_at", "TIMESTAMP"),
    ("ended_at", "TIMESTAMP"), ("talk_seconds", "BIGINT"), ("hold_seconds", "BIGINT"), ("wrap_seconds", "BIGINT"),
    ("outcome", "VARCHAR"), ("transferred", "BOOLEAN"), ("is_valid", "BOOLEAN"),
]  # fmt: skip
LINEAGE = [("_source_file", "VARCHAR"), ("_source_row", "BIGINT"), ("_loaded_at", "TIMESTAMP")]


def schema(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return [(name, type_) for name, type_, *_ in rows(con, f"DESCRIBE {table}")]


def test_extra_columns_are_kept_after_the_contract_columns(tmp_path, con):
    put(tmp_path, "calls", "a.csv", csv_bytes([CALL | {"Note": "vip", "": "x"}]), mtime=1_700_000_000)
    put(tmp_path, "calls", "b.csv", csv_bytes([CALL | {"call_id": "C2", "note ": " late ", "remark": ""}]),
        mtime=1_700_000_100)  # fmt: skip
    ingest(con, tmp_path, "calls")
    assert schema(con, "raw.calls") == RAW_CALLS + [
        ("Note", "VARCHAR"), ("unnamed_17", "VARCHAR"), ("remark", "VARCHAR")
    ] + LINEAGE  # fmt: skip
    assert rows(con, 'SELECT call_id, "Note", unnamed_17, remark FROM raw.calls ORDER BY call_id') == [
        ("C1", "vip", "x", None),
        ("C2", "late", None, None),
    ]


def test_missing_nullable_columns_are_null(tmp_path, con):
    put(tmp_path, "calls", "a.csv", b"CALL_ID,direction,offered_at,outcome\nC1,inbound,2024-03-05 08:00,abandoned\n")
    ingest(con, tmp_path, "calls")
    assert schema(con, "raw.calls") == RAW_CALLS + LINEAGE
    assert rows(con, "SELECT * FROM raw.calls") == [
        ("C1", "inbound", None, None, None, None, datetime(2024, 3, 5, 8), None, None, None, None, None,
         "abandoned", None, None, "a.csv", 1, LOADED),
    ]  # fmt: skip


def test_absent_folder_gives_empty_tables_with_the_schema(tmp_path, con):
    report = ingest(con, tmp_path, "calls")
    assert (report.files, report.rows_read, report.rows_loaded) == ([], 0, 0)
    assert schema(con, "raw.calls") == RAW_CALLS + LINEAGE
    assert schema(con, "quarantine.calls")[:5] == [
        ("_source_file", "VARCHAR"), ("_source_row", "BIGINT"), ("_column", "VARCHAR"), ("_reason", "VARCHAR"),
        ("_value", "VARCHAR"),
    ]  # fmt: skip
    assert rows(con, "SELECT count(*) FROM raw.calls") == [(0,)]


def test_empty_required_folder_is_an_empty_extract_and_other_files_are_ignored(tmp_path, con):
    for name in (".DS_Store", "README.md", "readme.txt", "~$agents.xlsx", ".archive/agents.csv", "old/README"):
        put(tmp_path, "agents", name, b"\x00junk")
    (tmp_path / "agents" / "archive").mkdir()
    report = ingest(con, tmp_path, "agents")
    assert (report.files, report.rows_read) == ([], 0)
    assert rows(con, "SELECT count(*) FROM raw.agents") == [(0,)]


def test_sub_folders_are_read_and_a_data_file_named_readme_is_data(tmp_path, con):
    put(tmp_path, "calls", "2026-10/calls.csv", csv_bytes([CALL]), mtime=1_700_000_000)
    put(tmp_path, "calls", "2026-11/week1/calls.csv", csv_bytes([CALL | {"call_id": "C2"}]), mtime=1_700_000_100)
    put(tmp_path, "calls", "Readme_calls_2026-12.csv", csv_bytes([CALL | {"call_id": "C3"}]), mtime=1_700_000_200)
    put(tmp_path, "calls", "2026-11/README.md", b"# notes on the November extracts\n")
    report = ingest(con, tmp_path, "calls")
    assert report.files == ["2026-10/calls.csv", "2026-11/week1/calls.csv", "Readme_calls_2026-12.csv"]
    assert rows(con, "SELECT call_id, _source_file, _source_row FROM raw.calls ORDER BY call_id") == [
        ("C1", "2026-10/calls.csv", 1), ("C2", "2026-11/week1/calls.csv", 1), ("C3", "Readme_calls_2026-12.csv", 1)]  # fmt: skip
    put(tmp_path, "calls", "2026-11/notes.txt", b"x")
    with pytest.raises(ExtractError, match=r"^calls/2026-11/notes\.txt: unsupported file type"):
        ingest(con, tmp_path, "calls")


# --- keys ----------------------------------------------------------------------------------------------------------


def test_latest_file_wins_last_row_wins_and_missing_keys_are_kept(tmp_path, con):
    put(tmp_path, "calls", "z_old.csv", csv_bytes([CALL | {"queue": "old"}, CALL | {"call_id": "C2", "queue": "old"}]),
        mtime=1_700_000_000)  # fmt: skip
    put(tmp_path, "calls", "a_new.csv", csv_bytes([CALL | {"queue": "new1"}, CALL | {"queue": "new2"}]),
        mtime=1_700_000_500)  # fmt: skip
    report = ingest(con, tmp_path, "calls")
    assert report.files == ["z_old.csv", "a_new.csv"]
    assert (report.rows_read, report.rows_loaded, report.rows_superseded) == (4, 2, 2)
    assert rows(con, "SELECT call_id, queue, _source_file, _source_row FROM raw.calls ORDER BY call_id") == [
        ("C1", "new2", "a_new.csv", 2),
        ("C2", "old", "z_old.csv", 2),
    ]


def test_equal_modification_times_the_later_file_name_wins(tmp_path, con):
    put(tmp_path, "calls", "b.csv", csv_bytes([CALL | {"queue": "from b"}]), mtime=1_700_000_000)
    put(tmp_path, "calls", "a.csv", csv_bytes([CALL | {"queue": "from a"}]), mtime=1_700_000_000)
    report = ingest(con, tmp_path, "calls")
    assert rows(con, "SELECT queue, _source_file FROM raw.calls") == [("from b", "b.csv")]
    assert report.keys_conflicting == 1


def test_conflicting_keys_are_counted_only_between_files_of_equal_time(tmp_path, con):
    same = 1_700_000_000
    put(tmp_path, "calls", "a.csv", csv_bytes([CALL, CALL | {"call_id": "C2"}, CALL | {"call_id": "C3"}]), mtime=same)
    # C1 differs (a conflict), C2 is the same row again (no conflict), C4 is new.
    put(tmp_path, "calls", "b.csv", csv_bytes([CALL | {"queue": "Q9"}, CALL | {"call_id": "C2"}, CALL | {"call_id": "C4"}]),
        mtime=same)  # fmt: skip
    # A later file differing on C3 is a re-extract, not a conflict.
    put(tmp_path, "calls", "c.csv", csv_bytes([CALL | {"call_id": "C3", "queue": "Q8"}]), mtime=same + 60)
    report = ingest(con, tmp_path, "calls")
    assert report.keys_conflicting == 1
    assert rows(con, "SELECT call_id, queue FROM raw.calls ORDER BY call_id") == [
        ("C1", "Q9"), ("C2", "Q1"), ("C3", "Q8"), ("C4", "Q1")]  # fmt: skip


def test_an_invalid_newer_row_does_not_replace_a_valid_older_one(tmp_path, con):
    put(tmp_path, "calls", "a.csv", csv_bytes([CALL]), mtime=1_700_000_000)
    put(tmp_path, "calls", "b.csv", csv_bytes([CALL | {"talk_seconds": "lots"}]), mtime=1_700_000_500)
    report = ingest(con, tmp_path, "calls")
    assert (report.rows_loaded, report.rows_quarantined, report.rows_superseded) == (1, 1, 0)
    assert rows(con, "SELECT talk_seconds, _source_file FROM raw.calls") == [(290, "a.csv")]


def test_rows_read_are_loaded_quarantined_or_replaced_by_a_newer_extract(tmp_path, con):
    ids = [CALL | {"call_id": c} for c in ("C1", "C2", "C3", "C4")]
    ids[2] |= {"talk_seconds": "lots"}  # C3: quarantined
    put(tmp_path, "calls", "old.csv", csv_bytes(ids), mtime=1_700_000_000)
    # A re-extract: C1 and C2 again, C5 new and repeated further down the file.
    again = [CALL | {"call_id": c, "queue": "Q2"} for c in ("C1", "C2", "C5", "C5")]
    put(tmp_path, "calls", "new.csv", csv_bytes(again), mtime=1_700_000_500)
    report = ingest(con, tmp_path, "calls")
    # 8 read: C1..C5 loaded once each but C3 (4), C3 quarantined (1), old C1, old C2 and the first C5 replaced (3).
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined, report.rows_superseded) == (8, 4, 1, 3)
    # A later re-extract of C4, loaded key by key: one more row read and one more replaced.
    put(tmp_path, "calls", "newer.csv", csv_bytes([CALL | {"call_id": "C4", "queue": "Q3"}]), mtime=1_700_000_900)
    report = ingest_source(con, CONTRACT["calls"], tmp_path, loaded_at=datetime(2025, 1, 2, 12, 0, 0))
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined, report.rows_superseded) == (9, 4, 1, 4)
    assert rows(con, "SELECT call_id, queue FROM raw.calls ORDER BY call_id") == [
        ("C1", "Q2"), ("C2", "Q2"), ("C4", "Q3"), ("C5", "Q2")]  # fmt: skip


# --- quarantine ----------------------------------------------------------------------------------------------------

QUARANTINE_CASES = [
    ("calls", {"call_id": "  "}, "call_id", "missing_value", "  "),
    ("customers", {"is_big_client": ""}, "is_big_client", "missing_value", None),
    ("calls", {"offered_at": "2024-13-01 08:00"}, "offered_at", "unparsable_timestamp", "2024-13-01 08:00"),
    ("calls", {"talk_seconds": "12.5"}, "talk_seconds", "unparsable_int", "12.5"),
    ("qa_reviews", {"score": "9O"}, "score", "unparsable_float", "9O"),
    ("calls", {"transferred": "maybe"}, "transferred", "unparsable_bool", "maybe"),
    ("callbacks", {"planned_date": "2024-03-32"}, "planned_date", "unparsable_date", "2024-03-32"),
    ("plans", {"period_month": "2024-03-15"}, "period_month", "unparsable_month", "2024-03-15"),
    ("calls", {"direction": "sideways"}, "direction", "not_in_values", "sideways"),
    ("calls", {"hold_seconds": "-1"}, "hold_seconds", "below_min", "-1"),
    ("surveys", {"csat_score": "6"}, "csat_score", "above_max", "6"),
    ("calls", {"offered_at": "1999-12-31 23:59:59"}, "offered_at", "timestamp_out_of_range", "1999-12-31 23:59:59"),
    ("calls", {"ended_at": "2025-01-01 12:00:01"}, "ended_at", "timestamp_out_of_range", "2025-01-01 12:00:01"),
    ("calls", {"answered_at": "2024-03-05 07:59:59"}, "answered_at", "answered_before_offered", "2024-03-05 07:59:59"),
    ("calls", {"ended_at": "2024-03-05 07:00:00"}, "ended_at", "ended_before_offered", "2024-03-05 07:00:00"),
    ("calls", {"answered_at": ""}, "answered_at", "answered_without_agent", None),
    ("calls", {"agent_id": ""}, "agent_id", "answered_without_agent", None),
    ("tickets", {"first_response_at": "2024-03-05 08:00:00"}, "first_response_at", "first_response_before_created",
     "2024-03-05 08:00:00"),
    ("tickets", {"transferred_at": "2024-03-05 08:30:00"}, "transferred_at", "transferred_before_created",
     "2024-03-05 08:30:00"),
    ("tickets", {"resolved_at": "2024-03-05 08:59:59"}, "resolved_at", "resolved_before_created",
     "2024-03-05 08:59:59"),
    ("complaints", {"resolved_at": "2024-03-04 09:00:00"}, "resolved_at", "resolved_before_received",
     "2024-03-04 09:00:00"),
]  # fmt: skip


@pytest.mark.parametrize(("source", "change", "column", "reason", "value"), QUARANTINE_CASES)
def test_quarantine_reason(tmp_path, con, source, change, column, reason, value):
    good, bad = BASE[source], BASE[source] | OTHER_KEY[source] | change
    put(tmp_path, source, "f.csv", csv_bytes([good, bad]))
    report = ingest(con, tmp_path, source)
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (2, 1, 1)
    assert report.quarantined_by_reason == {reason: 1}
    names = CONTRACT[source].column_names
    quarantined = rows(con, f"SELECT * FROM quarantine.{source}")
    texts = tuple(None if bad.get(n, "") == "" else bad[n] for n in names)  # the file's text, untrimmed (a column it lacks: NULL)
    assert quarantined == [("f.csv", 2, column, reason, value, *texts, LOADED)]
    assert rows(con, f"SELECT _source_file, _source_row FROM raw.{source}") == [("f.csv", 1)]  # the valid row
    assert schema(con, f"quarantine.{source}")[5:-1] == [(n, "VARCHAR") for n in names]


def test_quarantine_names_the_first_failing_column_in_contract_order(tmp_path, con):
    bad = CALL | {"talk_seconds": "abc", "direction": "x", "answered_at": "2024-03-05 07:00:00"}
    put(tmp_path, "calls", "f.csv", csv_bytes([bad, CALL | {"call_id": "C2"}]))
    ingest(con, tmp_path, "calls")
    assert rows(con, "SELECT _source_row, _column, _reason, _value FROM quarantine.calls") == [
        (1, "direction", "not_in_values", "x")
    ]
    assert rows(con, "SELECT call_id FROM raw.calls") == [("C2",)]


def test_now_bounds_timestamps(tmp_path, con):
    put(tmp_path, "calls", "f.csv", csv_bytes([CALL]))
    report = ingest_source(con, CONTRACT["calls"], tmp_path, loaded_at=LOADED, now=datetime(2024, 3, 5, 8, 1))
    assert report.quarantined_by_reason == {"timestamp_out_of_range": 1}
    assert rows(con, "SELECT _column FROM quarantine.calls") == [("ended_at",)]


# --- errors --------------------------------------------------------------------------------------------------------


def xlsx_bytes(tmp_path: Path) -> bytes:
    book = openpyxl.Workbook()
    book.active.append(list(CALL))
    book.active.append(list(CALL.values()))
    book.save(tmp_path / "book.xlsx")
    return (tmp_path / "book.xlsx").read_bytes()


HEADER = ",".join(CALL).encode()
LINE = ",".join(CALL.values()).encode()
ERROR_CASES = [
    ("a.csv", HEADER.replace(b"offered_at,", b"") + b"\nC1\n",
     r"calls/a\.csv: missing required column offered_at \(accepted headers: offered_at, 进线时间, 呼叫时间\)"),
    ("a.csv", HEADER + ",呼叫ID\n".encode() + LINE + b",C1\n",
     r"calls/a\.csv: headers 'call_id' and '呼叫ID' both name column call_id"),
    ("a.csv", HEADER + b",note,NOTE\n" + LINE + b",x,y\n",
     r"calls/a\.csv: headers 'note' and 'NOTE' both name column NOTE"),
    ("a.csv", HEADER + b",_source_row\n" + LINE + b",7\n",
     r"calls/a\.csv: header '_source_row' is a reserved lineage column"),
    ("a.csv", HEADER + b"\n" + LINE + b"\n" + LINE + b",extra\n",
     r"calls/a\.csv: line 3: expected 15 fields, found 16"),
    ("a.csv", HEADER + b"\n" + LINE + b"\n\"C2" + LINE[2:] + b"\n", r"calls/a\.csv: line 3: unterminated quoted value"),
    ("a.csv", b"", r"calls/a\.csv: empty file \(no header row\)"),
    ("a.csv", b"call_id;direction;offered_at;outcome\nC1;inbound;2024-03-05 08:00;abandoned\n",
     r"calls/a\.csv: the header has a single column: the file is not comma-separated"),
    ("a.csv", bytes(range(256)) * 4, r"calls/a\.csv: not a text file \(NUL byte at offset 0\)"),
    ("a.csv", HEADER + b"\n\xff\xfe\xfd\x80\n", r"calls/a\.csv: not UTF-8, GBK or GB18030 text"),
    ("a.xlsx", b"PK\x03\x04 not really a zip", r"calls/a\.xlsx: unreadable \.xlsx file \(BadZipFile: .*\)"),
    ("a.parquet", b"PAR1 not really parquet",
     r"calls/a\.parquet: unreadable \.parquet file \(Invalid Input Error: No magic bytes found at end of file\)"),
    ("a.xls", b"old excel", r"calls/a\.xls: unsupported file type \(expected \.csv, \.xlsx, \.parquet\)"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "data", "message"), ERROR_CASES)
def test_unreadable_files_raise_one_line_extract_errors(tmp_path, con, name, data, message):
    put(tmp_path, "calls", name, data)
    with pytest.raises(ExtractError) as caught:
        ingest(con, tmp_path, "calls")
    assert caught.match(f"^{message}$")
    assert "\n" not in str(caught.value)


def test_truncated_xlsx(tmp_path, con):
    data = xlsx_bytes(tmp_path)
    put(tmp_path, "calls", "a.xlsx", data[: len(data) // 2])
    with pytest.raises(ExtractError, match=r"^calls/a\.xlsx: unreadable \.xlsx file \(BadZipFile: "):
        ingest(con, tmp_path, "calls")


def test_absent_folder_of_a_required_source(tmp_path, con):
    with pytest.raises(ExtractError, match=r"^agents/: the folder of required source agents is missing$"):
        ingest(con, tmp_path, "agents")


def test_a_failed_load_keeps_the_previous_tables_and_leaves_no_temporary_tables(tmp_path, con):
    put(tmp_path, "calls", "a.csv", csv_bytes([CALL]))
    ingest(con, tmp_path, "calls")
    put(tmp_path, "calls", "b.csv", b"")
    with pytest.raises(ExtractError):
        ingest(con, tmp_path, "calls")
    assert rows(con, "SELECT call_id, _source_file FROM raw.calls") == [("C1", "a.csv")]
    assert rows(con, "SELECT count(*) FROM duckdb_tables() WHERE temporary") == [(0,)]


# --- row numbers at scale ------------------------------------------------------------------------------------------


def test_large_csv_keeps_true_row_numbers(tmp_path, con):
    """300k rows read with 4 threads; quoted line breaks make lines and rows differ."""
    (tmp_path / "calls").mkdir()
    con.execute("SET threads = 4")
    con.execute(f"""
        COPY (SELECT 'C' || i AS call_id, 'inbound' AS direction,
                     CASE WHEN i % 1000 = 0 THEN 'Q' || chr(10) || 'multi-line' ELSE 'Q1' END AS queue,
                     strftime(TIMESTAMP '2024-01-01' + to_seconds(i), '%Y-%m-%d %H:%M:%S') AS offered_at,
                     CASE WHEN i % 100000 = 0 THEN 'x' ELSE CAST(i % 600 AS VARCHAR) END AS talk_seconds,
                     'abandoned' AS outcome, i AS row_no
              FROM range(1, 300001) t(i))
        TO '{tmp_path / "calls" / "big.csv"}' (HEADER)""")
    report = ingest(con, tmp_path, "calls")
    assert (report.rows_read, report.rows_loaded, report.rows_quarantined) == (300_000, 299_997, 3)
    assert rows(
        con,
        "SELECT count(*), count(*) FILTER (WHERE _source_row = CAST(row_no AS BIGINT)), "
        "count(*) FILTER (WHERE queue LIKE 'Q%multi-line') FROM raw.calls",
    ) == [(299_997, 299_997, 297)]
    assert rows(con, "SELECT _source_row, _reason FROM quarantine.calls") == [
        (100_000, "unparsable_int"), (200_000, "unparsable_int"), (300_000, "unparsable_int")
    ]  # fmt: skip


def test_row_order_does_not_depend_on_the_insertion_order_setting(tmp_path, con):
    put(tmp_path, "calls", "a.csv", csv_bytes([CALL | {"call_id": f"C{i}"} for i in range(1, 6)]))
    con.execute("SET preserve_insertion_order = false")
    ingest(con, tmp_path, "calls")
    assert rows(con, "SELECT call_id, _source_row FROM raw.calls ORDER BY _source_row") == [(f"C{i}", i) for i in range(1, 6)]
    assert rows(con, "SELECT current_setting('preserve_insertion_order')") == [(False,)]


def test_file_names_with_glob_characters_are_read_literally(tmp_path, con):
    put(tmp_path, "calls", "calls*.csv", csv_bytes([CALL]), mtime=1_700_000_000)
    put(tmp_path, "calls", "calls?.csv", csv_bytes([CALL | {"call_id": "C2"}]), mtime=1_700_000_001)
    put(tmp_path, "calls", "calls[1].csv", csv_bytes([CN_HEADER, cn_call("C3", "Q", "呼入", "放弃", "否")], "gbk"),
        mtime=1_700_000_002)  # fmt: skip
    pq.write_table(pa.table({"call_id": ["C4"], "direction": ["inbound"], "offered_at": ["2024-03-05 08:00"],
                             "outcome": ["abandoned"]}), tmp_path / "calls" / "calls{a,b}.parquet")  # fmt: skip
    os.utime(tmp_path / "calls" / "calls{a,b}.parquet", (1_700_000_003, 1_700_000_003))
    report = ingest(con, tmp_path, "calls")
    assert report.rows_read == 4
    assert rows(con, "SELECT call_id, _source_file FROM raw.calls ORDER BY call_id") == [
        ("C1", "calls*.csv"), ("C2", "calls?.csv"), ("C3", "calls[1].csv"), ("C4", "calls{a,b}.parquet")
    ]  # fmt: skip
