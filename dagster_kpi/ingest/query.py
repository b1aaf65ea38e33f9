"""The set-based SQL of one source's load: parse each file once, then union, check as of the run, and split.

- `file_parse_sql`: a file's rows typed and checked once, with what does not depend on the time of the run;
  kept per file digest (`landed`), so a later run parses only new or changed files.
- `source_query`: the union of the files' parsed tables in load order: per record `__file`, `__order` (file load
  order), `__row`, the extras `__x<j>` (over all files), every canonical column, and `__check`, the 1-based index
  into `checks` of the first check the record fails as of the run's time (NULL: valid).
- `raw_sql` / `quarantine_sql` write the two tables; `snapshots_sql` writes a snapshot source's every snapshot;
  `latest_sql` the latest rows of some keys only (raw maintained incrementally).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from dagster_kpi.contract import SNAPSHOT_COLUMN, Source
from dagster_kpi.sql import ident, lit, timestamp_lit

from .headers import HeaderMap
from .parse import Check, clean, column_checks, parse_expr


@dataclass(frozen=True)
class FilePlan:
    name: str  # file name inside the source folder
    table: str  # SQL naming its parsed table (see `file_parse_sql`)
    headers: HeaderMap


@dataclass(frozen=True)
class SourceQuery:
    source: Source
    extras: list[str]  # extra column names, in raw's order
    checks: list[Check]
    union: str  # every file's rows, typed, with `__check` as of the run's time
    kept: str  # the rows whose text is kept (see `file_parse_sql`), with `__check` as of the run's time


TIMESTAMP_CHECK = "timestamp_out_of_range"
TIMESTAMP_TYPE = "timestamp"


def extra_columns(files: Sequence[FilePlan]) -> list[str]:
    """Extra headers over all files in order of appearance; case-insensitive, the first spelling wins."""
    names: dict[str, str] = {}
    for plan in files:
        for header, _ in plan.headers.extras:
            names.setdefault(header.casefold(), header)
    return list(names.values())


def source_checks(source: Source, now: datetime | None) -> list[Check]:
    """Column checks in contract order, then the source's row rules (from the contract). Without `now`, the
    checks that do not depend on the time of the run (see `parse.column_checks`)."""
    checks = [c for i, col in enumerate(source.columns) for c in column_checks(col, f"__v{i}", now)]
    checks += [Check(r.column, r.reason, r.when) for r in source.row_rules]
    return checks


def _first_failure(checks: Sequence[Check]) -> str:
    whens = " ".join(f"WHEN ({c.condition}) THEN {k}" for k, c in enumerate(checks, start=1))
    return f"CASE {whens} END" if checks else "NULL::INTEGER"


def _timed_checks(source: Source) -> list[tuple[int, str]]:
    """(index in `source_checks`, column) of each check bounded by the time of the run: a timestamp's."""
    checks = source_checks(source, None)
    return [(k, c.column) for k, c in enumerate(checks, start=1)
            if c.reason == TIMESTAMP_CHECK and source.column(c.column).type == TIMESTAMP_TYPE]  # fmt: skip


def file_parse_sql(source: Source, text_table: str, row_expr: str, headers: HeaderMap, parsed_at: datetime) -> str:
    """A file's rows parsed once, whatever the time of a later run: per record `__row`, the file's own extra columns
    cleaned (`__x<j>`, in the order of `headers.extras`), every canonical column typed (under its own name),
    `__static` (the index in `source_checks` of the first check it fails that does not depend on the run's time,
    NULL: none) and `__keep`: its text `__t<i>` is kept (else NULL) when the record fails a check or has a timestamp
    after `parsed_at`, so the quarantine of any run at or after `parsed_at` can show what the file said."""
    mapped = headers.columns
    cols = [f"CAST({row_expr} AS BIGINT) AS __row"]
    cols += [f"{f'c{mapped[c.name]}' if c.name in mapped else 'NULL::VARCHAR'} AS __t{i}"
             for i, c in enumerate(source.columns)]  # fmt: skip
    cols += [f"c{pos} AS __e{j}" for j, (_, pos) in enumerate(headers.extras)]
    columns = source.columns
    cleaned = ", ".join(f"{clean(f'__t{i}')} AS __v{i}" for i in range(len(columns)))
    parsed = ", ".join(f"{parse_expr(col, f'__v{i}')} AS {ident(col.name)}" for i, col in enumerate(columns))
    later = [f"{ident(column)} > {timestamp_lit(parsed_at)}" for _, column in _timed_checks(source)]
    keep = " OR ".join(["__static IS NOT NULL", *later])
    out = ["__row", *(f"{clean(f'__e{j}')} AS __x{j}" for j in range(len(headers.extras)))]
    out += [ident(col.name) for col in columns]
    out += ["__static", "__keep"]
    out += [f"CASE WHEN __keep THEN __t{i} END AS __t{i}" for i in range(len(columns))]
    return (
        f"WITH src AS (SELECT {', '.join(cols)} FROM {text_table}), "
        f"cleaned AS (SELECT *, {cleaned} FROM src), "
        f"parsed AS (SELECT *, {parsed} FROM cleaned), "
        f"checked AS (SELECT *, {_first_failure(source_checks(source, None))} AS __static FROM parsed), "
        f"kept AS (SELECT *, coalesce({keep}, false) AS __keep FROM checked) "
        f"SELECT {', '.join(out)} FROM kept"
    )


def _check_at(source: Source, now: datetime) -> str:
    """`__check` as of `now`: the first of the time-free failure and each timestamp after `now`."""
    timed = [f"CASE WHEN {ident(column)} > {timestamp_lit(now)} THEN {k} END" for k, column in _timed_checks(source)]
    return f"least(__static, {', '.join(timed)})" if timed else "__static"


def _file_select(source: Source, plan: FilePlan, order: int, extras: Sequence[str], now: datetime, kept: bool) -> str:
    own = {header.casefold(): j for j, (header, _) in enumerate(plan.headers.extras)}  # the last spelling's position
    cols = [f"{lit(plan.name)} AS __file", f"{order} AS __order", "__row"]
    cols += [f"{f'__x{own[x.casefold()]}' if x.casefold() in own else 'NULL::VARCHAR'} AS __x{u}"
             for u, x in enumerate(extras)]  # fmt: skip
    cols += [ident(col.name) for col in source.columns]
    cols.append(f"{_check_at(source, now)} AS __check")
    if kept:
        cols += [f"__t{i}" for i in range(len(source.columns))]
    return f"SELECT {', '.join(cols)} FROM {plan.table}" + (" WHERE __keep" if kept else "")


def _empty_select(source: Source, extras: Sequence[str], kept: bool) -> str:
    cols = ["NULL::VARCHAR AS __file", "0 AS __order", "NULL::BIGINT AS __row"]
    cols += [f"NULL::VARCHAR AS __x{u}" for u in range(len(extras))]
    cols += [f"NULL::{col.duckdb_type} AS {ident(col.name)}" for col in source.columns]
    cols.append("NULL::INTEGER AS __check")
    if kept:
        cols += [f"NULL::VARCHAR AS __t{i}" for i in range(len(source.columns))]
    return f"SELECT {', '.join(cols)} WHERE false"


def source_query(source: Source, files: Sequence[FilePlan], now: datetime) -> SourceQuery:
    """The union of the files' parsed tables as of `now`, in load order (`__order`: the file's place in it)."""
    extras = extra_columns(files)

    def union(kept: bool) -> str:
        selects = [_file_select(source, plan, n, extras, now, kept) for n, plan in enumerate(files)]
        return " UNION ALL ".join(selects) or _empty_select(source, extras, kept)

    return SourceQuery(source, extras, source_checks(source, now), union(False), union(True))


def timed_columns(source: Source) -> list[str]:
    """The columns whose check depends on the time of the run."""
    return [column for _, column in _timed_checks(source)]


def _position(alias: str) -> str:
    """A row's place in load order: file order, then data row (a file holds fewer than 2**40 rows)."""
    return f"((CAST({alias}.__order AS BIGINT) << 40) + {alias}.__row)"


def _latest_per_key(q: SourceQuery, valid: str, extra: Sequence[str], table: str, columns: Sequence[str]) -> str:
    """`CREATE TABLE table` from the CTE list `valid` (valid rows): of a (key, *extra) that occurs more than once,
    only the row latest in load order."""
    key = ", ".join([*(ident(k) for k in q.source.key), *extra])
    same_key = " AND ".join(f"latest.{c} = valid.{c}" for c in [*(ident(k) for k in q.source.key), *extra])
    return (
        f"CREATE OR REPLACE {'TEMP TABLE ' + table.removeprefix('temp.') if table.startswith('temp.') else 'TABLE ' + table} AS "
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


def latest_sql(q: SourceQuery, parsed: str, keys: str, table: str, loaded: str) -> str:
    """`raw_sql` for the keys in the table `keys` only, into `table`."""
    key = ", ".join(ident(k) for k in q.source.key)
    valid = f"valid AS (SELECT p.* FROM {ident(parsed)} AS p SEMI JOIN {keys} USING ({key}) WHERE p.__check IS NULL)"
    return _latest_per_key(q, valid, [], table, _raw_columns(q, loaded))


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


def quarantine_sql(q: SourceQuery, loaded: str) -> str:
    """Rejected rows with the file's text: from each file's kept rows, those failing a check as of the run."""
    source, checks = q.source, q.checks
    position = {col.name: i for i, col in enumerate(source.columns)}
    if checks:
        column = f"[{', '.join(lit(c.column) for c in checks)}][__check]"
        reason = f"[{', '.join(lit(c.reason) for c in checks)}][__check]"
        whens = " ".join(f"WHEN {k} THEN __t{position[c.column]}" for k, c in enumerate(checks, start=1))
        value = f"CASE __check {whens} END"
    else:
        column = reason = value = "NULL::VARCHAR"
    cols = ["__file AS _source_file", "__row AS _source_row", f"{column} AS _column",
            f"{reason} AS _reason", f"{value} AS _value"]  # fmt: skip
    cols += [f"__t{i} AS {ident(col.name)}" for i, col in enumerate(source.columns)]
    cols.append(f"{loaded} AS _loaded_at")
    return (
        f"CREATE OR REPLACE TABLE quarantine.{ident(source.name)} AS "
        f"SELECT {', '.join(cols)} FROM ({q.kept}) WHERE __check IS NOT NULL ORDER BY __order, __row"
    )
