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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dagster_kpi.faults import fault_point
from dagster_kpi.paths import WarehousePaths
from dagster_kpi.settings import DuckDBConfig
from dagster_kpi.sql import ident, lit, one

CURRENT_LINK = "current"
KEPT_SERVING_VERSIONS = 2


@dataclass(frozen=True)
class PublishReport:
    changed: bool
    fingerprint: str
    rows: dict[str, int]


def marts_fingerprint(con: duckdb.DuckDBPyConnection, catalog: str, tables: Sequence[str]) -> tuple[str, dict[str, int]]:
    """Order-independent digest of the tables' columns and rows (as `catalog.marts.<table>`)."""
    parts: list[str] = []
    rows: dict[str, int] = {}
    for table in sorted(tables):
        relation = f"{ident(catalog)}.marts.{ident(table)}"
        (columns,) = one(
            con,
            "SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) "
            "FROM information_schema.columns WHERE table_catalog = ? AND table_schema = 'marts' AND table_name = ?",
            [catalog, table],
        )
        count, digest = one(con, f"SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) FROM {relation} t")
        parts.append(f"{table}({columns}):{count}:{digest}")
        rows[table] = count
    (fingerprint,) = one(con, "SELECT md5(?)", ["|".join(parts)])
    return fingerprint, rows


def published_fingerprint(warehouse: Path, tables: Sequence[str]) -> str | None:
    """The fingerprint of what FILE holds now; None when there is nothing comparable."""
    if not warehouse.is_file():
        return None
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return marts_fingerprint(con, one(con, "SELECT current_database()")[0], tables)[0]
    except duckdb.Error:
        return None


def publish_marts(
    paths: WarehousePaths,
    tables: Sequence[str],
    *,
    duckdb_config: DuckDBConfig | None = None,
    fault_at: str | None = None,
) -> PublishReport:
    """Publish `marts.<table>` of the work database to FILE and to Parquet, unless nothing changed.

    `duckdb_config` configures the connection that writes FILE; `fault_at` arms the crash tests' fault point.
    """
    with duckdb.connect(str(paths.work_db), read_only=True) as work:
        fingerprint, rows = marts_fingerprint(work, one(work, "SELECT current_database()")[0], tables)
    if fingerprint == published_fingerprint(paths.warehouse, tables) and _serving_version(paths) == fingerprint:
        return PublishReport(changed=False, fingerprint=fingerprint, rows=rows)
    _write_serving(paths, tables, fingerprint)
    _write_warehouse(paths, tables, dict(duckdb_config or {}), fault_at)
    return PublishReport(changed=True, fingerprint=fingerprint, rows=rows)


def _write_warehouse(paths: WarehousePaths, tables: Sequence[str], config: DuckDBConfig, fault_at: str | None) -> None:
    new_file = paths.warehouse.with_name(paths.warehouse.name + ".publishing")
    new_file.unlink(missing_ok=True)
    con = duckdb.connect(str(new_file), config=config)
    try:
        con.execute(f"ATTACH {lit(str(paths.work_db))} AS work (READ_ONLY)")
        con.execute("CREATE SCHEMA marts")
        for table in tables:
            name = ident(table)
            # Sorted copies: the same marts give the same rows in the same order (not the same bytes: see publish_marts).
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
            target = lit(str(folder / f"{table}.parquet"))
            work.execute(f"COPY (SELECT * FROM marts.{ident(table)} ORDER BY ALL) TO {target} (FORMAT parquet)")
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
