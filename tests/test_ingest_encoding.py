"""Encoding detection and streaming transcoding of CSV extracts."""

from __future__ import annotations

from pathlib import Path

import pytest

from dagster_kpi.ingest import encoding
from dagster_kpi.ingest.encoding import detect_encoding, transcode

TEXT = "呼叫ID,呼叫方向,结果\nC1,呼入,已接通\nC2,呼出,放弃\n"


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"call_id\nC1\n", "utf-8"),
        (TEXT.encode("utf-8"), "utf-8"),
        (TEXT.encode("utf-8-sig"), "utf-8"),
        (TEXT.encode("gbk"), "gb18030"),
        ((TEXT + "𠀀\n").encode("gb18030"), "gb18030"),  # U+20000 exists in GB18030, not in GBK
    ],
)
def test_detects_encoding(tmp_path, data, expected):
    assert detect_encoding(write(tmp_path / "f.csv", data)) == expected


def test_binary_content_is_rejected(tmp_path):
    with pytest.raises(ValueError, match=r"not a text file \(NUL byte at offset 3\)"):
        detect_encoding(write(tmp_path / "f.csv", b"abc\x00def"))


def test_bytes_invalid_in_both_encodings_are_rejected(tmp_path):
    with pytest.raises(ValueError, match="not UTF-8, GBK or GB18030 text"):
        detect_encoding(write(tmp_path / "f.csv", b"a,b\n\xff\xfe\x80\x81\n"))


def test_utf8_sequence_split_across_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(encoding, "CHUNK_BYTES", 5)  # splits the 3-byte characters
    assert detect_encoding(write(tmp_path / "f.csv", TEXT.encode("utf-8"))) == "utf-8"


def test_transcode_in_small_chunks_keeps_every_character(tmp_path, monkeypatch):
    monkeypatch.setattr(encoding, "CHUNK_BYTES", 7)  # odd size: splits double-byte characters
    text = TEXT * 50 + "𠀀\n"
    src = write(tmp_path / "gb.csv", text.encode("gb18030"))
    out = transcode(src, tmp_path / "out.csv", "gb18030")
    assert out.read_bytes() == text.encode("utf-8")
