"""Encoding checks and streaming transcoding of CSV extracts."""

from __future__ import annotations

from pathlib import Path

import pytest

from dagster_kpi.contract import load_contract
from dagster_kpi.ingest import ExtractError, encoding, ingest_source
from dagster_kpi.ingest.encoding import BIG5, GB18030, chinese_encoding, common_share, is_utf8, mixed_encodings, transcode
from tests.test_ingest_load import LOADED, put, rows

TICKETS = load_contract()["tickets"]

TEXT = "呼叫ID,呼叫方向,结果\nC1,呼入,已接通\nC2,呼出,放弃\n"


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"call_id\nC1\n", True),
        (TEXT.encode("utf-8"), True),
        (TEXT.encode("utf-8-sig"), True),
        (TEXT.encode("gbk"), False),
        (TEXT.encode("gb18030"), False),
    ],
)
def test_utf8_check(tmp_path, data, expected):
    assert is_utf8(write(tmp_path / "f.csv", data)) is expected


def test_utf8_sequence_split_across_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(encoding, "CHUNK_BYTES", 5)  # splits the 3-byte characters
    assert is_utf8(write(tmp_path / "f.csv", b"call_id\n" + TEXT.encode("utf-8")))


def test_binary_content_is_rejected(tmp_path):
    with pytest.raises(ValueError, match=r"^not a text file \(NUL byte at offset 3\)$"):
        is_utf8(write(tmp_path / "f.csv", b"abc\x00def"))


@pytest.mark.parametrize("codec", ["gbk", "gb18030"])
def test_transcode_in_small_chunks_keeps_every_character(tmp_path, monkeypatch, codec):
    monkeypatch.setattr(encoding, "CHUNK_BYTES", 7)  # odd size: splits double-byte characters
    text = TEXT * 50 + ("𠀀\n" if codec == "gb18030" else "")  # U+20000 exists in GB18030, not in GBK
    out = transcode(write(tmp_path / "in.csv", text.encode(codec)), tmp_path / "out.csv")
    assert out.read_bytes() == text.encode("utf-8")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"a,b\n\xff\xfe\x80\x81\n", r"^not UTF-8, GBK or GB18030 text$"),
        (TEXT.encode("gbk") + b"\x00", r"^not a text file \(NUL byte at offset 49\)$"),
    ],
)
def test_transcode_rejects_what_is_not_gb18030_text(tmp_path, data, message):
    with pytest.raises(ValueError, match=message):
        transcode(write(tmp_path / "in.csv", data), tmp_path / "out.csv")


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        (
            (("呼叫ID,技能组\n", "utf-8"), ("C1,热线一组\n", "utf-8"), ("C2,热线二组\n", "gbk")),
            "mixed encodings: UTF-8 from line 1, GBK/GB18030 from line 3",
        ),
        (
            (("call_id,queue\n", "ascii"), ("C1,热线一组\n", "gbk"), ("C2,热线二组\n", "utf-8")),
            "mixed encodings: GBK/GB18030 from line 2, UTF-8 from line 3",
        ),
    ],
)
def test_a_file_mixing_encodings_names_the_line_where_it_changes(tmp_path, parts, message):
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"".join(text.encode(encoding) for text, encoding in parts))
    assert not is_utf8(path)
    assert mixed_encodings(path) == message


def test_one_encoding_throughout_is_not_mixed(tmp_path):
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("呼叫ID,技能组\nC1,热线一组\nC2,投诉处理组\n".encode("gbk"))
    assert mixed_encodings(gbk) is None


# --- Big5 told apart from GBK/GB18030 -------------------------------------------------------------------------------

TRADITIONAL = ["帳單查詢問題", "網路斷線報修,客戶資料變更", "客戶編號,進線時間,通話時長", "呼入", "張三", "華東", "一類"]
SIMPLIFIED = ["账单查询问题", "网络断线报修,客户资料变更", "客户编号,进线时间,通话时长", "呼入", "张三", "是否有效", "一类"]


@pytest.mark.parametrize(("texts", "codec", "expected"), [(TRADITIONAL, "cp950", "cp950"), (SIMPLIFIED, "gbk", "gb18030")])
def test_big5_and_gbk_are_told_apart_by_their_common_characters(tmp_path, texts, codec, expected):
    for text in texts:
        assert chinese_encoding(write(tmp_path / "f.csv", f"id,text\n1,{text}\n".encode(codec))) == expected, text


def test_the_shares_of_common_characters_under_each_reading():
    big5 = "帳單查詢問題".encode("cp950")
    assert big5.decode("gb18030") == "眀虫琩高拜肈"  # what a Big5 file used to load as
    assert (common_share(big5.decode("gb18030"), GB18030), common_share(big5.decode("cp950"), BIG5)) == (0.5, 1.0)
    gbk = "是否有效".encode("gbk")
    assert (common_share(gbk.decode("gb18030"), GB18030), common_share(gbk.decode("cp950"), BIG5)) == (1.0, 0.25)
    assert common_share("ID,2026-10-01,，", GB18030) is None  # no letter to judge by


def test_text_that_reads_as_common_characters_both_ways_cannot_be_told(tmp_path):
    path = write(tmp_path / "f.csv", "region\n华东\n".encode("gbk"))  # as Big5: 貌陲, two characters of 常用字 too
    with pytest.raises(ValueError) as caught:
        chinese_encoding(path)
    assert str(caught.value) == (
        "cannot tell whether it is GBK/GB18030 or Big5 text (common characters: 100% read as GB18030, 100% read as Big5)"
    )


def test_only_the_start_of_a_file_is_judged(tmp_path, monkeypatch):
    monkeypatch.setattr(encoding, "SAMPLE_BYTES", 12)  # the start of the 4th character: left pending, not an error
    path = write(tmp_path / "f.csv", "id,text\n帳單查詢問題\n".encode("cp950") + b"\x80\n")
    assert chinese_encoding(path) == BIG5


TICKET = "ticket_id,channel,category,issue_type,created_at,status\nT1,email,inquiry,{},2024-03-05 10:00:00,closed\n"


def test_a_big5_csv_loads_its_text(tmp_path, con):
    put(tmp_path, "tickets", "big5.csv", TICKET.format("帳單查詢問題").encode("cp950"))
    put(tmp_path, "tickets", "gbk.csv", TICKET.format("账单查询问题").replace("T1", "T2").encode("gbk"))
    ingest_source(con, TICKETS, tmp_path, loaded_at=LOADED)
    assert rows(con, "SELECT ticket_id, issue_type FROM raw.tickets ORDER BY 1") == [
        ("T1", "帳單查詢問題"), ("T2", "账单查询问题")]  # fmt: skip


def test_a_csv_that_cannot_be_told_is_one_line_naming_the_file_and_the_setting(tmp_path, con):
    put(tmp_path, "tickets", "t.csv", TICKET.format("华东").encode("gbk"))
    with pytest.raises(ExtractError) as caught:
        ingest_source(con, TICKETS, tmp_path, loaded_at=LOADED)
    assert str(caught.value) == (
        "tickets/t.csv: cannot tell whether it is GBK/GB18030 or Big5 text (common characters: 100% read as GB18030, "
        '100% read as Big5): name its encoding in the settings ([encodings] tickets = "gb18030" or "big5")'
    )


def test_a_file_whose_start_reads_as_big5_but_not_the_rest(tmp_path, con, monkeypatch):
    monkeypatch.setattr(encoding, "SAMPLE_BYTES", 100)
    put(tmp_path, "tickets", "t.csv", TICKET.format("帳單查詢問題").encode("cp950") + b"T9,email,inquiry,\x80\x80\n")
    with pytest.raises(ExtractError) as caught:
        ingest_source(con, TICKETS, tmp_path, loaded_at=LOADED)
    assert str(caught.value) == "tickets/t.csv: not UTF-8, GBK, GB18030 or Big5 text (its start reads as Big5)"


def test_a_file_mixing_utf8_and_big5_is_still_refused_as_mixed(tmp_path):
    path = write(tmp_path / "f.csv", "id,text\n1,帳單\n".encode() + "2,帳單查詢\n".encode("cp950"))
    assert not is_utf8(path)
    assert mixed_encodings(path) == "mixed encodings: UTF-8 from line 2, GBK/GB18030 from line 3"


# --- the setting names a source's encoding ---------------------------------------------------------------------------


def test_the_encoding_setting_reads_what_cannot_be_told_and_a_change_reads_the_file_again(tmp_path, con):
    put(tmp_path, "tickets", "t.csv", TICKET.format("华东").encode("gbk"))
    ingest_source(con, TICKETS, tmp_path, loaded_at=LOADED, encoding="gbk")
    assert rows(con, "SELECT issue_type FROM raw.tickets") == [("华东",)]
    ingest_source(con, TICKETS, tmp_path, loaded_at=LOADED, encoding="cp950")  # the same bytes, read as Big5
    assert rows(con, "SELECT issue_type FROM raw.tickets") == [("貌陲",)]


def test_the_encoding_setting_refuses_a_file_that_is_not_in_it(tmp_path, con):
    put(tmp_path, "tickets", "t.csv", TICKET.format("丂").encode("gbk"))  # 81 40: GBK, not Big5
    with pytest.raises(ExtractError) as caught:
        ingest_source(con, TICKETS, tmp_path, loaded_at=LOADED, encoding="cp950")
    assert str(caught.value) == "tickets/t.csv: not UTF-8 nor cp950 text (the encoding the settings name for tickets)"


def test_a_utf8_file_is_read_as_utf8_whatever_the_setting(tmp_path, con):
    put(tmp_path, "tickets", "t.csv", TICKET.format("帳單查詢問題").encode())
    ingest_source(con, TICKETS, tmp_path, loaded_at=LOADED, encoding="gbk")
    assert rows(con, "SELECT issue_type FROM raw.tickets") == [("帳單查詢問題",)]


def test_text_that_reads_common_both_ways_is_told_by_the_headers_it_names(tmp_path, con):
    """华东 is common read as GB18030 and read as Big5 (貌陲); the Chinese headers name the columns only as GBK."""
    put(
        tmp_path,
        "tickets",
        "t.csv",
        "工单号,渠道,工单类型,问题分类,创建时间,状态\nT1,email,inquiry,华东,2024-03-05 10:00:00,closed\n".encode("gbk"),
    )
    ingest_source(con, TICKETS, tmp_path, loaded_at=LOADED)
    assert con.execute("SELECT ticket_id, issue_type FROM raw.tickets").fetchall() == [("T1", "华东")]
