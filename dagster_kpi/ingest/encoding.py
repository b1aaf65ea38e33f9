"""Text encoding of CSV extracts: UTF-8 (with or without BOM), else GB18030 (a superset of GBK).

Files are scanned and transcoded in chunks, never read whole into memory.
"""

from __future__ import annotations

import codecs
from pathlib import Path

CHUNK_BYTES = 1 << 22
UTF8 = "utf-8"
GB18030 = "gb18030"


def _decodes(path: Path, encoding: str) -> bool:
    """Whether the whole file decodes; ValueError on a NUL byte (binary content)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            if (pos := chunk.find(b"\x00")) >= 0:
                raise ValueError(f"not a text file (NUL byte at offset {offset + pos})")
            offset += len(chunk)
            # A pure-ASCII chunk is valid UTF-8 unless a multi-byte sequence is pending.
            if encoding == UTF8 and chunk.isascii() and not decoder.getstate()[0]:
                continue
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                return False
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(path: Path) -> str:
    """`utf-8` or `gb18030`; ValueError when the file is neither (or binary)."""
    for encoding in (UTF8, GB18030):
        if _decodes(path, encoding):
            return encoding
    raise ValueError("not UTF-8, GBK or GB18030 text")


def transcode(path: Path, dest: Path, encoding: str) -> Path:
    """Write `path` decoded from `encoding` to `dest` as UTF-8; returns `dest`."""
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as src, dest.open("w", encoding=UTF8, newline="") as out:
        while chunk := src.read(CHUNK_BYTES):
            out.write(decoder.decode(chunk))
        out.write(decoder.decode(b"", final=True))
    return dest
