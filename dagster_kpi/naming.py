"""The order people expect of names with numbers in them: 热线二组 before 热线十组, T2 before T10.

Plain string order puts 热线三组 before 热线二组 (三 U+4E09 < 二 U+4E8C) and T10 before T2. `natural_key` reads every
run of digits, and every run of Chinese numerals (一 … 九, 零, 〇, 两, with 十 百 千 万), as the number it
writes, and compares those by value; the text between them compares as text.
"""

from __future__ import annotations

import re

import duckdb
from duckdb.func import FunctionNullHandling

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10_000}
# A run of Chinese numerals counts as a number when it holds a digit or starts with 十 (十二 is 12): a lone 万 or
# 千 in a name (万科, 千禧) stays text.
_CHUNKS = re.compile(r"(\d+|[零〇一二两三四五六七八九十百千万]+)")


def chinese_number(text: str) -> int | None:
    """The value of a run of Chinese numerals (`十二` 12, `二十` 20, `一百零五` 105, `三万二千` 32000), None when it is
    not one (`万`)."""
    if not (set(text) & set(_DIGITS) or text.startswith("十")):
        return None
    if all(ch in _DIGITS for ch in text) and len(text) > 1:  # 二〇二六: digit by digit
        return int("".join(str(_DIGITS[ch]) for ch in text))
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        elif ch == "万":
            total += (section + (digit or 0)) * 10_000
            section, digit = 0, None
        else:
            section += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
    return total + section + (digit or 0)


def natural_key(name: str) -> tuple[tuple[int, int, str], ...]:
    """A sort key for `name`: numbers written in digits or Chinese numerals by value, the rest as text.

    >>> sorted(["热线三组", "热线十组", "热线一组", "热线二组"], key=natural_key)
    ['热线一组', '热线二组', '热线三组', '热线十组']
    >>> sorted(["T10", "T2", "t1"], key=natural_key)
    ['T2', 'T10', 't1']
    """
    key: list[tuple[int, int, str]] = []
    for i, chunk in enumerate(_CHUNKS.split(name)):
        if not chunk:
            continue
        value = (int(chunk) if chunk.isdigit() else chinese_number(chunk)) if i % 2 else None
        # A number sorts before text at the same place; equal numbers written differently keep a stable order.
        key.append((0, value, chunk) if value is not None else (1, 0, chunk))
    return tuple(key)


def natural_text_key(name: str | None) -> str | None:
    """`natural_key` as one string, for SQL's ORDER BY: strings sort as the keys do (byte order of UTF-8 is code
    point order). Each part is a number padded to 20 digits (prefixed 0) or text (prefixed 1), parts joined by
    U+0001, which sorts below every character a name holds."""
    if name is None:
        return None
    return "\x01".join(f"0{value:020d}{chunk}" if kind == 0 else f"1{chunk}" for kind, value, chunk in natural_key(name))


def register_natural_key(con: duckdb.DuckDBPyConnection) -> None:
    """SQL function `natural_key(text)` on `con`: `ORDER BY natural_key(team)` puts 热线二组 before 热线三组."""
    con.create_function("natural_key", natural_text_key, ["VARCHAR"], "VARCHAR", null_handling=FunctionNullHandling.SPECIAL)
