"""Publishing: the validated marts replace the warehouse FILE and the Parquet serving copies atomically.

Readers open FILE read-only. A publish copies the marts into a new file and renames it over FILE, so
a reader sees the previous marts or the new ones, never a half-published state, and the run never
holds a lock on FILE. Parquet copies go to a new version folder of the serving folder, and the
`current` link is switched to it by one rename. Marts whose content did not change are not
rewritten: FILE stays byte-identical.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dagster_kpi.faults import fault_point
from dagster_kpi.paths import WarehousePaths

CURRENT_LINK = "current"
KEPT_SERVING_VERSIONS = 2


@dataclass(frozen=True)
class PublishReport:
    changed: bool
    fingerprint: str
    rows: dict[str, int]


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def marts_fingerprint(con: duckdb.DuckDBPyConnection, catalog: str, tables: Sequence[str]) -> tuple[str, dict[str, int]]:
    """Order-independent digest of the tables' columns and rows (as `catalog.marts.<table>`)."""
    parts, rows = [], {}
    for table in sorted(tables):
        relation = f"{_quote(catalog)}.marts.{_quote(table)}"
        columns = con.execute(
            "SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) "
            "FROM information_schema.columns WHERE table_catalog = ? AND table_schema = 'marts' AND table_name = ?",
            [catalog, table],
        ).fetchone()[0]
        count, digest = con.execute(f"SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) FROM {relation} t").fetchone()
        parts.append(f"{table}({columns}):{count}:{digest}")
        rows[table] = count
    fingerprint = con.execute("SELECT md5(?)", ["|".join(parts)]).fetchone()[0]
    return fingerprint, rows


def published_fingerprint(warehouse: Path, tables: Sequence[str]) -> str | None:
    """The fingerprint of what FILE holds now; None when there is nothing comparable."""
    if not warehouse.is_file():
        return None
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return marts_fingerprint(con, con.execute("SELECT current_database()").fetchone()[0], tables)[0]
    except duckdb.Error:
        return None


def publish_marts(
    paths: WarehousePaths,
    tables: Sequence[str],
    *,
    duckdb_config: Mapping[str, str] | None = None,
    fault_at: str | None = None,
) -> PublishReport:
    """Publish `marts.<table>` of the work database to FILE and to Parquet, unless nothing changed.

    `duckdb_config` configures the connection that writes FILE; `fault_at` arms the crash tests' fault point.
    """
    with duckdb.connect(str(paths.work_db), read_only=True) as work:
        fingerprint, rows = marts_fingerprint(work, work.execute("SELECT current_database()").fetchone()[0], tables)
    if fingerprint == published_fingerprint(paths.warehouse, tables) and _serving_version(paths) == fingerprint:
        return PublishReport(changed=False, fingerprint=fingerprint, rows=rows)
    _write_serving(paths, tables, fingerprint)
    _write_warehouse(paths, tables, dict(duckdb_config or {}), fault_at)
    return PublishReport(changed=True, fingerprint=fingerprint, rows=rows)


def _write_warehouse(paths: WarehousePaths, tables: Sequence[str], config: dict[str, str], fault_at: str | None) -> None:
    new_file = paths.warehouse.with_name(paths.warehouse.name + ".publishing")
    new_file.unlink(missing_ok=True)
    con = duckdb.connect(str(new_file), config=config)
    try:
        con.execute(f"ATTACH {_sql_string(str(paths.work_db))} AS work (READ_ONLY)")
        con.execute("CREATE SCHEMA marts")
        for table in tables:
            name = _quote(table)
            # Sorted copies: the same marts always give the same file content.
            con.execute(f"CREATE TABLE marts.{name} AS SELECT * FROM work.marts.{name} ORDER BY ALL")
        con.execute("DETACH work")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    fault_point("publish", fault_at)
    os.replace(new_file, paths.warehouse)


def _serving_version(paths: WarehousePaths) -> str | None:
    link = paths.serving_dir / CURRENT_LINK
    return os.readlink(link) if link.is_symlink() else None


def _write_serving(paths: WarehousePaths, tables: Sequence[str], version: str) -> None:
    """Write `<serving>/<version>/<table>.parquet`, then point `<serving>/current` at it atomically."""
    folder = paths.serving_dir / version
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    with duckdb.connect(str(paths.work_db), read_only=True) as work:
        for table in tables:
            target = _sql_string(str(folder / f"{table}.parquet"))
            work.execute(f"COPY (SELECT * FROM marts.{_quote(table)} ORDER BY ALL) TO {target} (FORMAT parquet)")
    temporary_link = paths.serving_dir / f".{CURRENT_LINK}.new"
    temporary_link.unlink(missing_ok=True)
    temporary_link.symlink_to(version)
    os.replace(temporary_link, paths.serving_dir / CURRENT_LINK)
    _prune_serving(paths, keep=version)


def _prune_serving(paths: WarehousePaths, keep: str) -> None:
    """Keep the current version and the one before it (a reader may still be reading it)."""
    versions = sorted(
        (p for p in paths.serving_dir.iterdir() if p.is_dir() and not p.is_symlink() and p.name != keep),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in versions[KEPT_SERVING_VERSIONS - 1 :]:
        shutil.rmtree(old, ignore_errors=True)
