"""Load one source's landing folder into `raw.<source>` and `quarantine.<source>`."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from dagster_kpi.contract import Source

from .errors import ExtractError, one_line
from .headers import map_headers
from .parse import Check
from .query import FilePlan, extra_columns, parse_query
from .readers import SUFFIXES, open_file
from .sql import ident, lit, timestamp_lit


@dataclass
class IngestReport:
    source: str
    files: list[str]  # in load order
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    rows_superseded: int = 0  # valid rows replaced by a later row with the same key


def _ignored(path: Path) -> bool:
    """Hidden files, Excel lock files, README files and sub-folders are not extracts."""
    name = path.name
    return name.startswith((".", "~$")) or name.casefold().startswith("readme") or not path.is_file()


def landing_files(source: Source, folder: Path) -> list[Path]:
    """The source's files in load order: modification time, then file name."""
    if not folder.is_dir():
        if source.required:
            raise ExtractError(f"{source.name}/: the folder of required source {source.name} is missing")
        return []
    files = [p for p in folder.iterdir() if not _ignored(p)]
    for path in files:
        if path.suffix.lower() not in SUFFIXES:
            kinds = ", ".join(SUFFIXES)
            raise ExtractError(f"{source.name}/{path.name}: unsupported file type (expected {kinds})")
    return sorted(files, key=lambda p: (p.stat().st_mtime_ns, p.name))


@contextmanager
def _insertion_order(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Row numbers of CSV files rely on DuckDB keeping the file's row order."""
    [(before,)] = con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()
    if not before:
        con.execute("SET preserve_insertion_order = true")
    try:
        yield
    finally:
        if not before:
            con.execute("SET preserve_insertion_order = false")


# A row's place in load order: file order, then data row (a file holds fewer than 2**40 rows).
POSITION = "((CAST(__order AS BIGINT) << 40) + __row)"


def _raw_sql(source: Source, parsed: str, extras: list[str], loaded: str) -> str:
    """Valid rows; of a key that occurs more than once, only the row latest in load order."""
    cols = [f"CAST({ident(c.name)} AS {c.duckdb_type}) AS {ident(c.name)}" for c in source.columns]
    cols += [f"__x{j} AS {ident(name)}" for j, name in enumerate(extras)]
    cols += ["__file AS _source_file", "__row AS _source_row", f"{loaded} AS _loaded_at"]
    key = ", ".join(ident(k) for k in source.key)
    same_key = " AND ".join(f"latest.{ident(k)} = valid.{ident(k)}" for k in source.key)
    return (
        f"CREATE OR REPLACE TABLE raw.{ident(source.name)} AS "
        f"WITH valid AS (SELECT * FROM {ident(parsed)} WHERE __check IS NULL), "
        f"latest AS (SELECT {key}, max({POSITION}) AS __latest FROM valid GROUP BY {key} HAVING count(*) > 1) "
        f"SELECT {', '.join(cols)} FROM valid "
        f"WHERE NOT EXISTS (SELECT 1 FROM latest WHERE {same_key} AND __latest <> {POSITION})"
    )


def _quarantine_sql(source: Source, parsed: str, checks: list[Check], loaded: str) -> str:
    position = {col.name: i for i, col in enumerate(source.columns)}
    column = f"[{', '.join(lit(c.column) for c in checks)}][__check]" if checks else "NULL::VARCHAR"
    reason = f"[{', '.join(lit(c.reason) for c in checks)}][__check]" if checks else "NULL::VARCHAR"
    values = " ".join(f"WHEN {k} THEN __t{position[c.column]}" for k, c in enumerate(checks, start=1))
    value = f"CASE __check {values} END" if checks else "NULL::VARCHAR"
    cols = ["__file AS _source_file", "__row AS _source_row", f"{column} AS _column", f"{reason} AS _reason",
            f"{value} AS _value"]  # fmt: skip
    cols += [f"__t{i} AS {ident(col.name)}" for i, col in enumerate(source.columns)]
    cols.append(f"{loaded} AS _loaded_at")
    return (
        f"CREATE OR REPLACE TABLE quarantine.{ident(source.name)} AS SELECT {', '.join(cols)} "
        f"FROM {ident(parsed)} WHERE __check IS NOT NULL ORDER BY __order, __row"
    )


def _read_files(
    con: duckdb.DuckDBPyConnection, source: Source, paths: list[Path], prefix: str, tmp: Path
) -> list[FilePlan]:
    plans = []
    for n, path in enumerate(paths):
        try:
            opened = open_file(con, path, tmp)
            headers = map_headers(source, opened.headers)
            table = f"{prefix}_{n}"
            plans.append(FilePlan(path.name, table, opened.load(con, table), headers))
        except (ValueError, OSError, duckdb.Error) as exc:
            raise ExtractError(f"{source.name}/{path.name}: {one_line(exc)}") from exc
    return plans


def _drop(con: duckdb.DuckDBPyConnection, tables: list[str]) -> None:
    for table in tables:
        con.execute(f"DROP TABLE IF EXISTS temp.{ident(table)}")


def _write(con: duckdb.DuckDBPyConnection, statements: list[str]) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute("CREATE SCHEMA IF NOT EXISTS quarantine")
    con.execute("BEGIN TRANSACTION")
    try:
        for statement in statements:
            con.execute(statement)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def ingest_source(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    landing: Path,
    *,
    loaded_at: datetime,
    now: datetime | None = None,
) -> IngestReport:
    """Replace `raw.<source>` and `quarantine.<source>` with the contents of `landing/<source>/`.

    `now` (default `loaded_at`) is the latest acceptable timestamp. Both tables are
    written in one transaction, so the connection must not be inside one already.
    """
    paths = landing_files(source, Path(landing) / source.name)
    prefix = f"__ingest_{source.name}"
    parsed = f"{prefix}_parsed"
    loaded = timestamp_lit(loaded_at)
    with tempfile.TemporaryDirectory(prefix="kpi-ingest-") as tmp, _insertion_order(con):
        try:
            plans = _read_files(con, source, paths, prefix, Path(tmp))
            query, checks = parse_query(source, plans, now or loaded_at)
            con.execute(f"CREATE OR REPLACE TEMP TABLE {ident(parsed)} AS {query}")
            _drop(con, [f"{prefix}_{n}" for n in range(len(paths))])
            extras = extra_columns(plans)
            _write(con, [_raw_sql(source, parsed, extras, loaded), _quarantine_sql(source, parsed, checks, loaded)])
            [(read, valid)] = con.execute(
                f"SELECT count(*), count(*) FILTER (WHERE __check IS NULL) FROM {ident(parsed)}"
            ).fetchall()
        finally:
            _drop(con, [*(f"{prefix}_{n}" for n in range(len(paths))), parsed])
    [(loaded_rows,)] = con.execute(f"SELECT count(*) FROM raw.{ident(source.name)}").fetchall()
    reasons = con.execute(
        f"SELECT _reason, count(*) FROM quarantine.{ident(source.name)} GROUP BY _reason ORDER BY _reason"
    ).fetchall()
    return IngestReport(
        source=source.name,
        files=[p.name for p in paths],
        rows_read=read,
        rows_loaded=loaded_rows,
        rows_quarantined=read - valid,
        quarantined_by_reason=dict(reasons),
        rows_superseded=valid - loaded_rows,
    )
