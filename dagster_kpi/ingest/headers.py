"""Match a file's headers to the contract's columns (canonical name or alias)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dagster_kpi.contract import LINEAGE_COLUMNS, Source


@dataclass(frozen=True)
class HeaderMap:
    columns: dict[str, int]  # canonical column -> position in the file
    extras: tuple[tuple[str, int], ...]  # (header, position) of columns not in the contract


def _strip(header: str) -> str:
    return header.strip().lstrip("\ufeff").strip()


def normalize(header: str) -> str:
    """Headers match case-insensitively, ignoring surrounding spaces (and a stray BOM)."""
    return _strip(header).casefold()


def header_lookup(source: Source) -> dict[str, str]:
    """Normalized header text -> canonical column."""
    lookup: dict[str, str] = {}
    for col in source.columns:
        for name in col.header_names:
            if lookup.setdefault(normalize(name), col.name) != col.name:
                raise ValueError(f"contract: header {name!r} names two columns of {source.name}")
    return lookup


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
        target = lookup.get(text.casefold())
        key = target or text.casefold()
        if key in seen:
            raise ValueError(f"headers {seen[key]!r} and {text!r} both name column {target or text}")
        seen[key] = text
        if target:
            columns[target] = pos
        elif key in LINEAGE_COLUMNS:
            raise ValueError(f"header {text!r} is a reserved lineage column")
        else:
            extras.append((text, pos))
    for col in source.columns:
        if not col.nullable and col.name not in columns:
            names = ", ".join(col.header_names)
            raise ValueError(f"missing required column {col.name} (accepted headers: {names})")
    return HeaderMap(columns, tuple(extras))
