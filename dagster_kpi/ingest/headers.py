"""Match a file's headers to the contract's columns (canonical name or alias)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from dagster_kpi.contract import LINEAGE_COLUMNS, SNAPSHOT_COLUMN, Source


@dataclass(frozen=True)
class HeaderMap:
    columns: dict[str, int]  # canonical column -> position in the file
    extras: tuple[tuple[str, int], ...]  # (header, position) of columns not in the contract


# Zero-width space, non-joiner, joiner, word joiner, BOM: invisible, and never part of a name.
ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
# A trailing unit or note in brackets, as exports add it: `通话时长(秒)`, `推荐意愿（NPS）` (after NFKC).
TRAILING_BRACKETS = re.compile(r"\s*\([^()]*\)$")


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
            hint = f"; the header {invisible[0]} holds an invisible character" if invisible else ""
            raise ValueError(f"missing required column {col.name} (accepted headers: {names}){hint}")
    return HeaderMap(columns, tuple(extras))
