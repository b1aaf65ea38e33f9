"""Text encoding of CSV extracts: UTF-8 (with or without BOM), else GB18030 (a superset of GBK) or Big5.

Files are checked and transcoded in chunks, never read whole into memory. GBK/GB18030 and Big5 share their byte
ranges, so nearly any Big5 text is valid GB18030 too (and much GBK text valid Big5): `chinese_encoding` reads the
start of a file both ways and takes the reading under which its characters are common ones.
"""

from __future__ import annotations

import codecs
import unicodedata
from functools import cache
from pathlib import Path

CHUNK_BYTES = 1 << 22
UTF8 = "utf-8"
GB18030 = "gb18030"
BIG5 = "cp950"  # Windows' Big5, which Traditional Chinese exports are written in: Big5 and a few more characters
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)  # also the start of UTF-32's
# What `chinese_encoding` reads of a file, and how it decides: the reading whose share of common characters is the
# higher by at least DECISIVE_MARGIN, and at least COMMON_SHARE_NEEDED. Text read in its own encoding has nearly all
# its characters common (GBK text read as GB18030, Big5 text read as Big5: 0.9 to 1), text read in the other one far
# fewer (0 to 0.7, often undecodable): kana, Greek, private-use and rare characters.
SAMPLE_BYTES = 1 << 20
DECISIVE_MARGIN = 0.25
COMMON_SHARE_NEEDED = 0.5
LETTERS = frozenset({"Lu", "Ll", "Lt", "Lm", "Lo", "Co"})  # Unicode categories counted: letters and private use


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


def _characters(first: int, last: int, trails: range | list[int], codec: str) -> frozenset[str]:
    """The characters that the double bytes from `first` to `last` (lead bytes) and `trails` encode in `codec`."""
    found = set()
    for lead in range(first, last + 1):
        for trail in trails:
            try:
                found.add(bytes((lead, trail)).decode(codec))
            except UnicodeDecodeError:
                continue
    return frozenset(found)


@cache
def common_characters(codec: str) -> frozenset[str]:
    """The characters each standard marks as frequently used, taken from the codecs themselves (no list to keep):
    GB2312's level 1 (B0A1-D7F9, 3,755 simplified characters) and Big5's 常用字 (A440-C67E, 5,401 traditional)."""
    if codec == GB18030:
        return _characters(0xB0, 0xD7, range(0xA1, 0xFF), "gb2312")
    return _characters(0xA4, 0xC6, [*range(0x40, 0x7F), *range(0xA1, 0xFF)], "big5") - _characters(
        0xC6, 0xC6, range(0xA1, 0xFF), "big5"
    )


def common_share(text: str, codec: str) -> float | None:
    """The share of `text`'s non-ASCII letters (private-use characters included) that are common in `codec`; None
    without any."""
    letters = [c for c in text if ord(c) > 0x7F and unicodedata.category(c) in LETTERS]
    if not letters:
        return None
    common = common_characters(codec)
    return sum(c in common for c in letters) / len(letters)


def chinese_encoding(path: Path) -> str:
    """GB18030 or BIG5, for a file that is not UTF-8: the reading of its first SAMPLE_BYTES whose characters are common
    (see DECISIVE_MARGIN). GB18030 when the start is not Big5 or holds no letter; ValueError when it cannot tell."""
    with path.open("rb") as file:
        sample = file.read(SAMPLE_BYTES)
    texts = {}
    for codec in (GB18030, BIG5):
        try:  # a character cut at the sample's end is left pending, not an error
            texts[codec] = codecs.getincrementaldecoder(codec)().decode(sample)
        except UnicodeDecodeError:
            continue
    if BIG5 not in texts or GB18030 not in texts:
        return BIG5 if BIG5 in texts else GB18030  # neither: GB18030's transcoding names the bytes that are not text
    gb, big5 = common_share(texts[GB18030], GB18030), common_share(texts[BIG5], BIG5)
    if gb is None or big5 is None:
        return GB18030
    if gb >= max(big5 + DECISIVE_MARGIN, COMMON_SHARE_NEEDED):
        return GB18030
    if big5 >= max(gb + DECISIVE_MARGIN, COMMON_SHARE_NEEDED):
        return BIG5
    raise ValueError(f"cannot tell whether it is GBK/GB18030 or Big5 text (common characters: {gb:.0%} read as "
                     f"GB18030, {big5:.0%} read as Big5)")  # fmt: skip


def transcode(path: Path, dest: Path, encoding: str = GB18030, undecodable: str = "not UTF-8, GBK or GB18030 text") -> Path:
    """Write `path` decoded from `encoding` to `dest` as UTF-8; returns `dest`.

    ValueError when the file holds a NUL byte, starts with a UTF-16 BOM, or holds bytes that are not `encoding`
    (`undecodable`).
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
            raise ValueError(undecodable) from exc
    return dest
