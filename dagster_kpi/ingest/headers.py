"""Match a file's headers to the contract's columns (canonical name or alias), and tell which headers come close."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from dagster_kpi.contract import LINEAGE_COLUMNS, SNAPSHOT_COLUMN, Column, Source


@dataclass(frozen=True)
class HeaderMap:
    columns: dict[str, int]  # canonical column -> position in the file
    extras: tuple[tuple[str, int], ...]  # (header, position) of columns not in the contract


# Zero-width space, non-joiner, joiner, word joiner, BOM: invisible, and never part of a name.
ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
# A trailing unit or note in brackets, as exports add it: `通话时长(秒)`, `推荐意愿（NPS）` (after NFKC).
TRAILING_BRACKETS = re.compile(r"\s*\([^()]*\)$")


# How close (difflib's ratio of the normalized texts) a header must come to a column's name or alias to be reported
# as a near miss: `call_idd` ~ `call_id` (0.93), `是否有效呼叫` ~ `是否有效` (0.8), `接通时间` ~ `接听时间` (0.75), but not
# `转接次数` ~ `是否转接` (0.5) nor `客户名称` ~ `客户编号` (0.5).
NEAR_MISS_RATIO = 0.75


@dataclass(frozen=True)
class NearMiss:
    header: str  # the file's header, naming no contract column
    resembles: str  # the contract name or alias it comes close to
    column: str  # that name's column


def _strip(header: str) -> str:
    """NFKC (full-width letters, digits and brackets to their plain forms), zero-width characters removed, trimmed."""
    return ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", header)).strip()


def normalize(header: str) -> str:
    """Headers match case-insensitively after `_strip`."""
    return _strip(header).casefold()


def shown(text: str) -> str:
    """Text quoted with its invisible characters made visible (`'call_id\\u00ad'`)."""
    return "'" + "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text) + "'"


def header_lookup(source: Source) -> dict[str, str]:
    """Normalized header text -> canonical column."""
    lookup: dict[str, str] = {}
    for col in source.columns:
        for name in col.header_names:
            if lookup.setdefault(normalize(name), col.name) != col.name:
                raise ValueError(f"contract: header {name!r} names two columns of {source.name}")
    return lookup


def match_column(lookup: dict[str, str], header: str) -> str | None:
    """The canonical column a header names (see `header_lookup`), or None."""
    text = _strip(header)
    return lookup.get(text.casefold()) or lookup.get(TRAILING_BRACKETS.sub("", text).casefold())


# A header may stand below title rows (`2026年9月 话务明细报表`) and blank rows: it is looked for among the first
# HEADER_SEARCH_ROWS rows that are not blank.
HEADER_SEARCH_ROWS = 10
MERGED_HEADER = "the header looks merged over two rows ({}): unmerge its cells and keep one header row naming every column"


def _blank(row: Sequence[str]) -> bool:
    return not any(text.strip() for text in row)


def locate_header(source: Source, rows: Sequence[Sequence[str]], numbers: Sequence[int], unit: str) -> tuple[int, bool]:
    """The header among a file's (or sheet's) first rows (blank cells as ""), and whether it carries the source's
    required and key columns.

    The header is the first of the HEADER_SEARCH_ROWS first non-blank rows that carries them; without one, the row that
    names the most columns (the first non-blank row when none names any), whose missing columns `map_headers` then
    names. `numbers` and `unit` ("line", "row") name the rows in the ValueError raised when the header looks merged over
    two rows: two adjacent rows carry them together, the row above the header names a column the header lacks over a
    blank cell of the header, or the row below it names one under a cell that is blank or names no column (a group
    label) while its key cells are blank, as a data row's are not.
    """
    lookup = header_lookup(source)
    named = [{pos: col for pos, text in enumerate(row) if (col := match_column(lookup, text))} for row in rows]
    needed = {col.name for col in source.columns if not col.nullable} | set(source.key)
    candidates = [i for i, row in enumerate(rows) if not _blank(row)][:HEADER_SEARCH_ROWS]

    def merged(first: int) -> ValueError:
        return ValueError(MERGED_HEADER.format(f"{unit}s {numbers[first]} and {numbers[first + 1]}"))

    def adjacent(i: int) -> bool:
        return 0 <= i < len(rows) and not _blank(rows[i])

    def blank_cell(row: int, pos: int) -> bool:
        return pos >= len(rows[row]) or not rows[row][pos].strip()

    def completes(header: int, other: int, under_labels: bool) -> bool:
        """Whether row `other` names a column the header lacks, in a column where the header's cell is blank (or, with
        `under_labels`, names no column)."""
        found = set(named[header].values())
        return any(col not in found and (blank_cell(header, pos) or (under_labels and pos not in named[header]))
                   for pos, col in named[other].items())  # fmt: skip

    for h in candidates:
        if needed <= set(named[h].values()):
            if adjacent(h - 1) and completes(h, h - 1, under_labels=False):
                raise merged(h - 1)
            keys = [pos for pos, col in named[h].items() if col in source.key]
            if adjacent(h + 1) and completes(h, h + 1, under_labels=True) and all(blank_cell(h + 1, p) for p in keys):
                raise merged(h)
            return h, True
    for i in candidates:  # none carries them alone (the row below the last candidate may: it is not looked at)
        if adjacent(i + 1) and not needed <= set(named[i + 1].values()):
            if needed <= set(named[i].values()) | set(named[i + 1].values()):
                raise merged(i)
    return max(candidates, key=lambda i: (len(set(named[i].values())), -i), default=0), False


def _key(text: str) -> str:
    """`normalize`, with a trailing unit in brackets dropped."""
    return TRAILING_BRACKETS.sub("", _strip(text)).casefold()


def _resemblance(header: str, name: str) -> float:
    return difflib.SequenceMatcher(None, _key(header), _key(name)).ratio()


def near_miss(header: str, columns: Sequence[Column]) -> NearMiss | None:
    """The name or alias of `columns` that `header` comes closest to, if at least NEAR_MISS_RATIO; ties: the first."""
    best, best_ratio = None, 0.0
    for col in columns:
        for name in col.header_names:
            if (ratio := _resemblance(header, name)) >= NEAR_MISS_RATIO and ratio > best_ratio:
                best, best_ratio = NearMiss(header, name, col.name), ratio
    return best


def near_misses(source: Source, mapped: HeaderMap) -> list[NearMiss]:
    """The file's headers that name no column but come close to a name of a column the file lacks (the headers are
    not read as that column; a header close to a column the file has is taken as another column, and not listed)."""
    absent = [col for col in source.columns if col.name not in mapped.columns]
    return [miss for header, _ in mapped.extras if (miss := near_miss(header, absent))]


def absent_optional_columns(source: Source, mapped: HeaderMap) -> list[str]:
    """The optional columns the file lacks, in contract order: they are empty in each of its rows."""
    return [col.name for col in source.columns if col.nullable and col.name not in mapped.columns]


def map_headers(source: Source, headers: Sequence[str]) -> HeaderMap:
    """Raises ValueError on a missing required column, a duplicate or a reserved header.

    An empty header is named `unnamed_<position>` (1-based) and kept as an extra column.
    """
    lookup = header_lookup(source)
    columns: dict[str, int] = {}
    extras: list[tuple[str, int]] = []
    seen: dict[str, str] = {}  # canonical column or normalized extra header -> header text
    for pos, raw in enumerate(headers):
        text = _strip(raw) or f"unnamed_{pos + 1}"
        target = match_column(lookup, text)
        key = target or text.casefold()
        if key in seen:
            raise ValueError(f"headers {seen[key]!r} and {text!r} both name column {target or text}")
        seen[key] = text
        if target:
            columns[target] = pos
        elif key in LINEAGE_COLUMNS or (source.snapshots and key == SNAPSHOT_COLUMN):
            raise ValueError(f"header {text!r} is a reserved lineage column")
        else:
            extras.append((text, pos))
    for col in source.columns:
        if not col.nullable and col.name not in columns:
            names = ", ".join(col.header_names)
            invisible = [shown(raw) for raw in headers if not _strip(raw).isprintable()]
            close = [miss for text, _ in extras if (miss := near_miss(text, [col]))]
            hint = ""
            if invisible:
                hint = f"; the header {invisible[0]} holds an invisible character"
            elif close:
                header, name = shown(close[0].header), close[0].resembles
                hint = f"; the header {header} is close to {name}: rename it if it holds that column"
            raise ValueError(f"missing required column {col.name} (accepted headers: {names}){hint}")
    return HeaderMap(columns, tuple(extras))
