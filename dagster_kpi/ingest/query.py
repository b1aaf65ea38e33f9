"""The set-based query that unions a source's files and parses and checks every row.

Its result has, per record: `__file`, `__order` (file load order), `__row`,
the raw text `__t<i>` of each canonical column, the cleaned text `__x<j>` of
each extra column, every canonical column parsed to its type (under its own
name), and `__check`, the 1-based index into `checks` of the first check the
row fails (NULL for a valid row).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from dagster_kpi.contract import Source

from .headers import HeaderMap
from .parse import Check, clean, column_checks, parse_expr
from .rules import ROW_RULES
from .sql import ident, lit


@dataclass(frozen=True)
class FilePlan:
    name: str  # file name inside the source folder
    table: str  # its temporary table of columns c0..cN
    row_expr: str  # SQL over `table`: the data row number in the file
    headers: HeaderMap


def extra_columns(files: Sequence[FilePlan]) -> list[str]:
    """Extra headers over all files, first spelling wins, case-insensitively, in order of appearance."""
    names: dict[str, str] = {}
    for plan in files:
        for header, _ in plan.headers.extras:
            names.setdefault(header.casefold(), header)
    return list(names.values())


def _file_select(source: Source, plan: FilePlan, order: int, extras: Sequence[str]) -> str:
    mapped = plan.headers.columns
    cols = [f"{lit(plan.name)} AS __file", f"{order} AS __order", f"CAST({plan.row_expr} AS BIGINT) AS __row"]
    for i, col in enumerate(source.columns):
        cols.append(f"{'c' + str(mapped[col.name]) if col.name in mapped else 'NULL::VARCHAR'} AS __t{i}")
    positions = {header.casefold(): pos for header, pos in plan.headers.extras}
    for j, name in enumerate(extras):
        pos = positions.get(name.casefold())
        cols.append(f"{'NULL::VARCHAR' if pos is None else f'c{pos}'} AS __x{j}")
    return f"SELECT {', '.join(cols)} FROM {ident(plan.table)}"


def _empty_select(source: Source, extras: Sequence[str]) -> str:
    texts = [f"NULL::VARCHAR AS __t{i}" for i in range(len(source.columns))]
    texts += [f"NULL::VARCHAR AS __x{j}" for j in range(len(extras))]
    return f"SELECT NULL::VARCHAR AS __file, 0 AS __order, NULL::BIGINT AS __row, {', '.join(texts)} WHERE false"


def source_checks(source: Source, now: datetime) -> list[Check]:
    """Column checks in contract order, then the source's row rules."""
    checks = [c for i, col in enumerate(source.columns) for c in column_checks(col, f"__v{i}", now)]
    checks += [Check(r.column, r.reason, r.condition) for r in ROW_RULES.get(source.name, ())]
    return checks


def parse_query(source: Source, files: Sequence[FilePlan], now: datetime) -> tuple[str, list[Check]]:
    """The query described above, and the checks `__check` indexes."""
    extras = extra_columns(files)
    union = " UNION ALL ".join(_file_select(source, p, n, extras) for n, p in enumerate(files))
    n = len(source.columns)
    cleaned = ", ".join(f"{clean(f'__t{i}')} AS __v{i}" for i in range(n))
    parsed = ", ".join(f"{parse_expr(col, f'__v{i}')} AS {ident(col.name)}" for i, col in enumerate(source.columns))
    checks = source_checks(source, now)
    first_failure = " ".join(f"WHEN ({c.condition}) THEN {k}" for k, c in enumerate(checks, start=1))
    keep = ["__file", "__order", "__row", *(f"__t{i}" for i in range(n))]
    keep += [f"{clean(f'__x{j}')} AS __x{j}" for j in range(len(extras))]
    keep += [ident(col.name) for col in source.columns]
    keep.append(f"CASE {first_failure} END AS __check" if checks else "NULL::INTEGER AS __check")
    query = (
        f"WITH src AS ({union or _empty_select(source, extras)}), "
        f"cleaned AS (SELECT *, {cleaned} FROM src), "
        f"parsed AS (SELECT *, {parsed} FROM cleaned) "
        f"SELECT {', '.join(keep)} FROM parsed"
    )
    return query, checks
