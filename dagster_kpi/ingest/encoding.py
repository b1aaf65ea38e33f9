"""Text encoding of CSV extracts: UTF-8 (with or without BOM), else GB18030 (a superset of GBK).

Files are checked and transcoded in chunks, never read whole into memory.
"""

from __future__ import annotations

import codecs
from pathlib import Path

CHUNK_BYTES = 1 << 22
UTF8 = "utf-8"
GB18030 = "gb18030"
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)  # also the start of UTF-32's


def _check_text(chunk: bytes, offset: int) -> None:
    if offset == 0 and chunk.startswith(UTF16_BOMS):
        raise ValueError("UTF-16 or UTF-32 text (expected UTF-8, GBK or GB18030: save the file as UTF-8 CSV)")
    if (pos := chunk.find(b"\x00")) >= 0:
        raise ValueError(f"not a text file (NUL byte at offset {offset + pos})")


def is_utf8(path: Path) -> bool:
    """Whether the whole file is UTF-8; ValueError on a NUL byte (binary content) or a UTF-16 BOM."""
    decoder = codecs.getincrementaldecoder(UTF8)()
    offset = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            _check_text(chunk, offset)
            offset += len(chunk)
            # A pure-ASCII chunk is valid unless a multi-byte sequence is pending.
            if chunk.isascii() and not decoder.getstate()[0]:
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


def _name(utf8: bool) -> str:
    return "UTF-8" if utf8 else "GBK/GB18030"


def mixed_encodings(path: Path) -> str | None:
    """For a file that is not UTF-8 as a whole: where it switches between UTF-8 lines and lines of another encoding.

    A line counts as UTF-8 when it decodes as UTF-8 and holds a three-byte character (as Chinese text in UTF-8
    does); a line that is not UTF-8 is taken as GBK/GB18030. None when the lines are of one kind.
    """
    first: dict[bool, int] = {}
    with path.open("rb") as file:
        for number, line in enumerate(file, start=1):
            if line.isascii():
                continue
            try:
                text = line.decode(UTF8)
                kind = any(0x800 <= ord(ch) <= 0xFFFF for ch in text)
            except UnicodeDecodeError:
                kind = False
            if first and kind not in first:
                [(earlier, line_number)] = first.items()
                return f"mixed encodings: {_name(earlier)} from line {line_number}, {_name(kind)} from line {number}"
            first.setdefault(kind, number)
    return None


def transcode(path: Path, dest: Path, encoding: str = GB18030) -> Path:
    """Write `path` decoded from `encoding` to `dest` as UTF-8; returns `dest`.

    ValueError when the file holds a NUL byte, starts with a UTF-16 BOM, or holds bytes that are not `encoding`.
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    with path.open("rb") as src, dest.open("w", encoding=UTF8, newline="") as out:
        try:
            while chunk := src.read(CHUNK_BYTES):
                _check_text(chunk, offset)
                offset += len(chunk)
                out.write(decoder.decode(chunk))
            out.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError as exc:
            raise ValueError("not UTF-8, GBK or GB18030 text") from exc
    return dest
