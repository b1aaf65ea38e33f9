"""Headers are normalised before they are matched: NFKC, zero-width characters, a trailing unit in brackets."""

from __future__ import annotations

import pytest

from dagster_kpi.contract import load_contract
from dagster_kpi.ingest import ingest_source
from dagster_kpi.ingest.headers import map_headers
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
