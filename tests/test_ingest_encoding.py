"""Encoding checks and streaming transcoding of CSV extracts."""

from __future__ import annotations

from pathlib import Path

import pytest

from dagster_kpi.ingest import encoding
from dagster_kpi.ingest.encoding import is_utf8, mixed_encodings, transcode

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
