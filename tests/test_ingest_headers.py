"""Headers are normalised before they are matched: NFKC, zero-width characters, a trailing unit in brackets."""

from __future__ import annotations

import pytest

from dagster_kpi.contract import load_contract
from dagster_kpi.ingest import ingest_source
from dagster_kpi.ingest.headers import map_headers, near_miss
from tests.test_ingest_load import CALL, LOADED, csv_bytes, put, rows

CALLS = load_contract()["calls"]
REQUIRED = ["呼叫方向", "进线时间", "呼叫结果"]


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("\u200b呼叫ID", "call_id"),  # a zero-width space before
        ("call\u2060_id", "call_id"),  # a word joiner inside
        ("ＣＡＬＬ＿ＩＤ", "call_id"),  # full-width letters
        ("通话时长(秒)", "talk_seconds"),  # a unit in brackets
        ("通话时长（秒）", "talk_seconds"),  # full-width brackets
        (" 话单号 ", "call_id"),
    ],
)
def test_near_miss_headers_match_their_column(header, column):
    mapped = map_headers(CALLS, [header, *REQUIRED, *([] if column == "call_id" else ["call_id"])])
    assert mapped.columns[column] == 0
    assert mapped.extras == ()


def test_an_invisible_character_is_shown_in_the_message():
    with pytest.raises(ValueError) as error:
        map_headers(CALLS, ["call_id\u00ad", *REQUIRED])
    assert str(error.value) == (
        "missing required column call_id (accepted headers: call_id, 呼叫ID, 通话ID, 话单号); "
        "the header 'call_id\\u00ad' holds an invisible character"
    )


def test_a_file_with_near_miss_headers_loads_every_value(tmp_path, con):
    header = {"call_id": "\u200bcall_id", "talk_seconds": "通话时长(秒)", "agent_id": "ＡＧＥＮＴ＿ＩＤ"}
    put(tmp_path, "calls", "c.csv", csv_bytes([[header.get(k, k) for k in CALL], list(CALL.values())]))
    report = ingest_source(con, CALLS, tmp_path, loaded_at=LOADED)
    assert (report.rows_loaded, report.rows_quarantined) == (1, 0)
    assert rows(con, "SELECT call_id, talk_seconds, agent_id FROM raw.calls") == [("C1", 290, "A1")]


def test_look_alike_identifiers_are_one_identifier(tmp_path, con):
    """`\u200bKF1004` and `ＫＦ１００４` are the agent KF1004; case is kept; an id of invisible characters is missing."""
    records = [
        CALL | {"call_id": "C1", "agent_id": "\u200bKF1004"},
        CALL | {"call_id": "Ｃ２", "agent_id": "ＫＦ１００４"},
        CALL | {"call_id": "C3", "agent_id": "kf1004 "},
        CALL | {"call_id": "\u200b", "agent_id": "KF1004"},
    ]
    put(tmp_path, "calls", "c.csv", csv_bytes(records))
    report = ingest_source(con, CALLS, tmp_path, loaded_at=LOADED)
    assert (report.rows_loaded, report.quarantined_by_reason) == (3, {"missing_value": 1})
    assert rows(con, "SELECT call_id, agent_id FROM raw.calls ORDER BY call_id") == [
        ("C1", "KF1004"), ("C2", "KF1004"), ("C3", "kf1004")]  # fmt: skip
    assert rows(con, "SELECT _column, _reason FROM quarantine.calls") == [("call_id", "missing_value")]


# --- headers that come close to a column, and optional columns a file lacks ---------------------------------------

IS_VALID = {"header": "是否有效呼叫", "resembles": "是否有效", "column": "is_valid"}
TALK = {"header": "通话时长秒", "resembles": "通话时长", "column": "talk_seconds"}


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("是否有效呼叫", ("是否有效", "is_valid")),  # an alias inside the header
        ("通话时长秒", ("通话时长", "talk_seconds")),  # a unit outside brackets
        ("call_idd", ("call_id", "call_id")),  # a typo
        ("接通时间", ("接听时间", "answered_at")),  # one character off
        ("Hold_Secs", ("hold_seconds", "hold_seconds")),
        ("技能组名称(全称)", ("技能组", "queue")),  # the trailing brackets dropped first
        ("转接次数", None),  # shares 转接 with 是否转接, but another column
        ("有效时长", None),
        ("客户名称", None),  # customer name, not 客户编号
        ("备注", None),
        ("呼叫类型", None),  # not 呼叫方向
        ("queue_name", None),
    ],
)
def test_a_header_resembles_a_column_only_when_it_comes_close(header, expected):
    miss = near_miss(header, CALLS.columns)
    assert (miss.resembles, miss.column) == expected if expected else miss is None


def test_headers_close_to_an_absent_column_and_absent_optional_columns_are_reported_by_file(tmp_path, con):
    header = ["call_id", "direction", "offered_at", "outcome", "agent_id", "是否有效呼叫", "通话时长秒", "转接次数", "客户名称"]
    put(tmp_path, "calls", "2026-10.csv", csv_bytes([header, ["C1", "inbound", "2024-03-05 08:00:00", "abandoned", "A1",
                                                             "否", "0", "2", "张三"]]), mtime=1_700_000_000)  # fmt: skip
    # Another file has is_valid under its alias: 是否有效呼叫 there is another column, not a near miss.
    november = [[*(k.replace("is_valid", "是否有效") for k in CALL), "是否有效呼叫"], [*(CALL | {"call_id": "C2"}).values(), "x"]]
    put(tmp_path, "calls", "2026-11.csv", csv_bytes(november), mtime=1_700_000_100)
    report = ingest_source(con, CALLS, tmp_path, loaded_at=LOADED)
    assert report.near_miss_headers == {"2026-10.csv": [IS_VALID, TALK]}
    assert report.absent_columns == {"2026-10.csv": ["queue", "customer_id", "caller_number", "answered_at", "ended_at",
                                                     "talk_seconds", "hold_seconds", "wrap_seconds", "transferred",
                                                     "is_valid"]}  # fmt: skip
    # The near misses are not read as their column: is_valid and talk_seconds are empty in that file's row.
    assert rows(con, "SELECT call_id, is_valid, talk_seconds, 是否有效呼叫 FROM raw.calls ORDER BY call_id") == [
        ("C1", None, None, "否"), ("C2", True, 290, "x")]  # fmt: skip
    again = ingest_source(con, CALLS, tmp_path, loaded_at=LOADED)  # the first file is not read again, only its headers
    assert (again.near_miss_headers, again.absent_columns) == (report.near_miss_headers, report.absent_columns)


def test_a_missing_required_column_names_the_header_close_to_it():
    with pytest.raises(ValueError) as error:
        map_headers(CALLS, ["呼叫ID号", *REQUIRED])
    assert str(error.value) == (
        "missing required column call_id (accepted headers: call_id, 呼叫ID, 通话ID, 话单号); "
        "the header '呼叫ID号' is close to 呼叫ID: rename it if it holds that column"
    )
