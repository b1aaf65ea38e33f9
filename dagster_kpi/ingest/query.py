"""The set-based SQL of one source's load: union the files, parse and check, then split.

- `union`: per record `__file`, `__order` (file load order), `__row`, the raw
  text `__t<i>` of each canonical column and `__x<j>` of each extra column.
- `parse`: per record `__file`, `__order`, `__row`, the cleaned extras, every
  canonical column parsed to its type (under its own name), and `__check`, the
  1-based index into `checks` of the first check the record fails (NULL: valid).
- `raw_sql` / `quarantine_sql` write the two tables from the materialized parse; `snapshots_sql` writes
  a snapshot source's every snapshot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from dagster_kpi.contract import SNAPSHOT_COLUMN, Source
from dagster_kpi.sql import ident, lit

from .headers import HeaderMap
from .parse import Check, clean, column_checks, parse_expr


@dataclass(frozen=True)
class FilePlan:
    name: str  # file name inside the source folder
    table: str  # SQL naming its table of columns c0..cN
    row_expr: str  # SQL over `table`: the data row number in the file
    headers: HeaderMap


@dataclass(frozen=True)
class SourceQuery:
    source: Source
    extras: list[str]  # extra column names, in raw's order
    checks: list[Check]
    union: str
    parse: str


def extra_columns(files: Sequence[FilePlan]) -> list[str]:
    """Extra headers over all files in order of appearance; case-insensitive, the first spelling wins."""
    names: dict[str, str] = {}
    for plan in files:
        for header, _ in plan.headers.extras:
            names.setdefault(header.casefold(), header)
    return list(names.values())


def _file_select(source: Source, plan: FilePlan, order: int, extras: Sequence[str]) -> str:
    mapped = plan.headers.columns
    positions = {header.casefold(): pos for header, pos in plan.headers.extras}
    cols = [f"{lit(plan.name)} AS __file", f"{order} AS __order", f"CAST({plan.row_expr} AS BIGINT) AS __row"]
    cols += [f"{f'c{mapped[c.name]}' if c.name in mapped else 'NULL::VARCHAR'} AS __t{i}"
             for i, c in enumerate(source.columns)]  # fmt: skip
    cols += [f"{f'c{positions[x.casefold()]}' if x.casefold() in positions else 'NULL::VARCHAR'} AS __x{j}"
             for j, x in enumerate(extras)]  # fmt: skip
    return f"SELECT {', '.join(cols)} FROM {plan.table}"


def _empty_select(source: Source, extras: Sequence[str]) -> str:
    texts = [f"NULL::VARCHAR AS __t{i}" for i in range(len(source.columns))]
    texts += [f"NULL::VARCHAR AS __x{j}" for j in range(len(extras))]
    return f"SELECT NULL::VARCHAR AS __file, 0 AS __order, NULL::BIGINT AS __row, {', '.join(texts)} WHERE false"


def source_checks(source: Source, now: datetime) -> list[Check]:
    """Column checks in contract order, then the source's row rules (from the contract)."""
    checks = [c for i, col in enumerate(source.columns) for c in column_checks(col, f"__v{i}", now)]
    checks += [Check(r.column, r.reason, r.when) for r in source.row_rules]
    return checks


def source_query(source: Source, files: Sequence[FilePlan], now: datetime) -> SourceQuery:
    extras = extra_columns(files)
    union = " UNION ALL ".join(_file_select(source, p, n, extras) for n, p in enumerate(files))
    union = union or _empty_select(source, extras)
    columns = source.columns
    cleaned = ", ".join(f"{clean(f'__t{i}')} AS __v{i}" for i in range(len(columns)))
    parsed = ", ".join(f"{parse_expr(col, f'__v{i}')} AS {ident(col.name)}" for i, col in enumerate(columns))
    checks = source_checks(source, now)
    first_failure = " ".join(f"WHEN ({c.condition}) THEN {k}" for k, c in enumerate(checks, start=1))
    keep = ["__file", "__order", "__row", *(f"{clean(f'__x{j}')} AS __x{j}" for j in range(len(extras)))]
    keep += [ident(col.name) for col in columns]
    keep.append(f"CASE {first_failure} END AS __check" if checks else "NULL::INTEGER AS __check")
    parse = (
        f"WITH src AS ({union}), cleaned AS (SELECT *, {cleaned} FROM src), "
        f"parsed AS (SELECT *, {parsed} FROM cleaned) SELECT {', '.join(keep)} FROM parsed"
    )
    return SourceQuery(source, extras, checks, union, parse)


def _position(alias: str) -> str:
    """A row's place in load order: file order, then data row (a file holds fewer than 2**40 rows)."""
    return f"((CAST({alias}.__order AS BIGINT) << 40) + {alias}.__row)"


def _latest_per_key(q: SourceQuery, valid: str, extra: Sequence[str], table: str, columns: Sequence[str]) -> str:
    """`CREATE TABLE table` from the CTE list `valid` (valid rows): of a (key, *extra) that occurs more than once,
    only the row latest in load order."""
    key = ", ".join([*(ident(k) for k in q.source.key), *extra])
    same_key = " AND ".join(f"latest.{c} = valid.{c}" for c in [*(ident(k) for k in q.source.key), *extra])
    return (
        f"CREATE OR REPLACE TABLE {table} AS "
        f"WITH {valid}, "
        f"latest AS (SELECT {key}, max({_position('valid')}) AS __latest FROM valid GROUP BY {key} "
        f"HAVING count(*) > 1) "
        f"SELECT {', '.join(columns)} FROM valid "
        f"WHERE NOT EXISTS (SELECT 1 FROM latest WHERE {same_key} AND latest.__latest <> {_position('valid')})"
    )


def _raw_columns(q: SourceQuery, loaded: str) -> list[str]:
    cols = [f"CAST({ident(c.name)} AS {c.duckdb_type}) AS {ident(c.name)}" for c in q.source.columns]
    cols += [f"__x{j} AS {ident(name)}" for j, name in enumerate(q.extras)]
    cols += ["__file AS _source_file", "__row AS _source_row", f"{loaded} AS _loaded_at"]
    return cols


def raw_sql(q: SourceQuery, parsed: str, loaded: str) -> str:
    """Valid rows; of a key that occurs more than once, only the row latest in load order."""
    valid = f"valid AS (SELECT * FROM {ident(parsed)} WHERE __check IS NULL)"
    return _latest_per_key(q, valid, [], f"raw.{ident(q.source.name)}", _raw_columns(q, loaded))


def snapshots_sql(q: SourceQuery, parsed: str, loaded: str, dates: Sequence[date]) -> str:
    """Every file's valid rows with the date of its snapshot (`dates`: per file, in load order) as
    `_snapshot_date`; of a key that occurs more than once in the snapshots of one date, only the row latest in
    load order."""
    if dates:
        values = ", ".join(f"({order}, DATE {lit(day.isoformat())})" for order, day in enumerate(dates))
        snapshot_dates = f"snapshot_dates(__order, __snapshot) AS (VALUES {values})"
    else:
        snapshot_dates = "snapshot_dates AS (SELECT 0 AS __order, NULL::DATE AS __snapshot WHERE false)"
    valid = (
        f"{snapshot_dates}, valid AS (SELECT p.*, d.__snapshot FROM {ident(parsed)} AS p "
        f"JOIN snapshot_dates AS d USING (__order) WHERE p.__check IS NULL)"
    )
    columns = [*_raw_columns(q, loaded), f"__snapshot AS {SNAPSHOT_COLUMN}"]
    return _latest_per_key(q, valid, ["__snapshot"], f"raw.{ident(q.source.snapshots_table)}", columns)


def quarantine_sql(q: SourceQuery, parsed: str, loaded: str) -> str:
    """Rejected rows with the file's text, joined back from the (not materialized) union."""
    source, checks = q.source, q.checks
    position = {col.name: i for i, col in enumerate(source.columns)}
    if checks:
        column = f"[{', '.join(lit(c.column) for c in checks)}][bad.__check]"
        reason = f"[{', '.join(lit(c.reason) for c in checks)}][bad.__check]"
        whens = " ".join(f"WHEN {k} THEN src.__t{position[c.column]}" for k, c in enumerate(checks, start=1))
        value = f"CASE bad.__check {whens} END"
    else:
        column = reason = value = "NULL::VARCHAR"
    cols = ["src.__file AS _source_file", "src.__row AS _source_row", f"{column} AS _column",
            f"{reason} AS _reason", f"{value} AS _value"]  # fmt: skip
    cols += [f"src.__t{i} AS {ident(col.name)}" for i, col in enumerate(source.columns)]
    cols.append(f"{loaded} AS _loaded_at")
    return (
        f"CREATE OR REPLACE TABLE quarantine.{ident(source.name)} AS "
        f"WITH src AS ({q.union}), "
        f"bad AS (SELECT __order, __row, __check FROM {ident(parsed)} WHERE __check IS NOT NULL) "
        f"SELECT {', '.join(cols)} FROM bad JOIN src USING (__order, __row) ORDER BY src.__order, src.__row"
    )
