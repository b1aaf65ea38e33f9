"""Publishing: the validated marts replace the warehouse FILE and the Parquet serving copies atomically.

Readers open FILE read-only. A publish stages both copies in full: the marts in a new file beside FILE,
the Parquet copies in a new version folder of the serving folder. Only then does it switch both, FILE by
one rename and the serving `current` link by another, so a reader of either sees the previous marts or
the new ones, never a half-published state, and the run never holds a lock on FILE. If staging fails (a
full disk, a read-only folder), nothing switches and the staged files are removed. Marts whose content
did not change are not rewritten: FILE stays byte-identical.

FILE is written in DuckDB's v1.0.0 storage format (STORAGE_VERSION), the format DuckDB 1.x writes by default:
BI tools bundle a DuckDB 1.x (Superset's `duckdb` extra pins duckdb<2, Metabase's DuckDB driver and Evidence ship
1.x builds), and DuckDB 1.x cannot open a file in DuckDB 2's own format. A FILE in another format is rewritten by
the next publish even when its marts did not change.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from dagster_kpi.errors import KpiError
from dagster_kpi.faults import fault_point
from dagster_kpi.paths import WarehousePaths
from dagster_kpi.settings import DuckDBConfig
from dagster_kpi.sql import ident, lit, one

CURRENT_LINK = "current"
KEPT_SERVING_VERSIONS = 2
STAGING_SUFFIX = ".publishing"
PREVIOUS_SUFFIX = ".previous"
STORAGE_VERSION = "v1.0.0"
"""The storage format FILE is written in: readable by DuckDB 1.0 and later (and by DuckDB 2)."""


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


def storage_version(warehouse: Path) -> str | None:
    """The storage format of a DuckDB file (`v1.0.0`, `v2.0.0`); None when it cannot be read."""
    try:
        with duckdb.connect() as con:
            con.execute(f"ATTACH {lit(str(warehouse))} AS file (READ_ONLY)")
            (tags,) = one(con, "SELECT tags FROM duckdb_databases() WHERE database_name = 'file'")
    except duckdb.Error:
        return None
    return str(tags.get("storage_version", "")).rstrip("+") or None


def publish_marts(
    paths: WarehousePaths,
    tables: Sequence[str],
    *,
    duckdb_config: DuckDBConfig | None = None,
    fault_at: str | None = None,
) -> PublishReport:
    """Publish `marts.<table>` of the work database to FILE and to Parquet, unless nothing changed.

    Both copies are staged in full first (the Parquet version folder, `FILE.publishing`), then switched
    together: FILE is replaced by one rename and the `current` link by another, and a failure of the second
    puts the previous FILE back. A failure before the switch (a full disk, a read-only folder) leaves both
    copies as they were and removes what was staged; the error names the cause and the folder.

    `duckdb_config` configures the connection that writes FILE; `fault_at` arms the crash tests' fault points.
    """
    _remove_leftovers(paths)
    with duckdb.connect(str(paths.work_db), read_only=True) as work:
        fingerprint, rows = marts_fingerprint(work, one(work, "SELECT current_database()")[0], tables)
    serving = _serving_version(paths)
    unchanged = fingerprint == published_fingerprint(paths.warehouse, tables) and serving == fingerprint
    if unchanged and storage_version(paths.warehouse) == STORAGE_VERSION:
        return PublishReport(changed=False, fingerprint=fingerprint, rows=rows)
    staged_version = None if serving == fingerprint else paths.serving_dir / fingerprint
    try:
        if staged_version is not None:
            _stage("writing the Parquet copies", staged_version, lambda: _write_serving(paths, tables, staged_version))
        staged_file = _staging_file(paths)
        _stage("writing the warehouse file", paths.warehouse.parent,
               lambda: _write_warehouse(paths, tables, staged_file, dict(duckdb_config or {})))  # fmt: skip
        fault_point("publish", fault_at)
        _stage("switching to the new marts", paths.warehouse.parent, lambda: _switch(paths, staged_file, fingerprint, fault_at))
    except BaseException:
        if staged_version is not None and _serving_version(paths) != fingerprint:
            shutil.rmtree(staged_version, ignore_errors=True)
        _remove_leftovers(paths)
        raise
    _prune_serving(paths, keep=fingerprint)
    return PublishReport(changed=True, fingerprint=fingerprint, rows=rows)


class PublishError(KpiError):
    """Publishing stopped before the switch (or rolled it back): the readers' copies are unchanged."""


def _stage(what: str, where: Path, step: Callable[[], None]) -> None:
    """Run one publishing step; an OS or DuckDB error becomes one line naming the cause and the folder."""
    try:
        step()
    except (OSError, duckdb.Error) as error:
        raise PublishError(f"publishing failed while {what} in {where}: {_cause(error)}; "
                           "the published warehouse and Parquet copies are unchanged") from None  # fmt: skip


def _cause(error: BaseException) -> str:
    text = str(error)
    number = getattr(error, "errno", None)
    if number == errno.ENOSPC or "No space left on device" in text:
        return "no space left on device"
    if number == errno.EROFS or "Read-only file system" in text:
        return "read-only file system"
    if number == errno.EACCES or "Permission denied" in text:
        return "permission denied"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _staging_file(paths: WarehousePaths) -> Path:
    return paths.warehouse.with_name(paths.warehouse.name + STAGING_SUFFIX)


def _remove_leftovers(paths: WarehousePaths) -> None:
    """What an interrupted publish leaves: the staged file and its write-ahead log, the previous FILE's link, the
    temporary `current` link. None of them is read by anyone."""
    staged = _staging_file(paths)
    for path in (
        staged,
        staged.with_name(staged.name + ".wal"),
        paths.warehouse.with_name(paths.warehouse.name + PREVIOUS_SUFFIX),
        paths.serving_dir / f".{CURRENT_LINK}.new",
    ):
        path.unlink(missing_ok=True)


def _write_warehouse(paths: WarehousePaths, tables: Sequence[str], new_file: Path, config: DuckDBConfig) -> None:
    """Copy the marts, sorted, into `new_file` (the same marts give the same rows in the same order)."""
    new_file.unlink(missing_ok=True)
    con = duckdb.connect(str(new_file), config={**config, "storage_compatibility_version": STORAGE_VERSION})
    try:
        con.execute(f"ATTACH {lit(str(paths.work_db))} AS work (READ_ONLY)")
        con.execute("CREATE SCHEMA marts")
        for table in tables:
            name = ident(table)
            con.execute(f"CREATE TABLE marts.{name} AS SELECT * FROM work.marts.{name} ORDER BY ALL")
        con.execute("DETACH work")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _write_serving(paths: WarehousePaths, tables: Sequence[str], folder: Path) -> None:
    """Write `<serving>/<version>/<table>.parquet`; nobody reads the folder until `current` points at it."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    with duckdb.connect(str(paths.work_db), read_only=True) as work:
        for table in tables:
            target = lit(str(folder / f"{table}.parquet"))
            work.execute(f"COPY (SELECT * FROM marts.{ident(table)} ORDER BY ALL) TO {target} (FORMAT parquet)")


def _switch(paths: WarehousePaths, staged_file: Path, version: str, fault_at: str | None) -> None:
    """Replace FILE by the staged file, then point `current` at `version`; if the link cannot be switched, the
    previous FILE is put back (it is kept under a second name, a hard link, until the switch is done)."""
    previous = paths.warehouse.with_name(paths.warehouse.name + PREVIOUS_SUFFIX)
    had_previous = paths.warehouse.is_file()
    if had_previous:
        os.link(paths.warehouse, previous)
    os.replace(staged_file, paths.warehouse)
    try:
        fault_point("switch", fault_at)
        if _serving_version(paths) != version:
            temporary_link = paths.serving_dir / f".{CURRENT_LINK}.new"
            temporary_link.unlink(missing_ok=True)
            temporary_link.symlink_to(version)
            os.replace(temporary_link, paths.serving_dir / CURRENT_LINK)
    except BaseException:
        if had_previous:
            os.replace(previous, paths.warehouse)
        else:
            paths.warehouse.unlink(missing_ok=True)
        raise
    previous.unlink(missing_ok=True)


def _serving_version(paths: WarehousePaths) -> str | None:
    link = paths.serving_dir / CURRENT_LINK
    return os.readlink(link) if link.is_symlink() else None


def _prune_serving(paths: WarehousePaths, keep: str) -> None:
    """Keep the current version and the one before it (a reader may still be reading it)."""
    versions = sorted(
        (p for p in paths.serving_dir.iterdir() if p.is_dir() and not p.is_symlink() and p.name != keep),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in versions[KEPT_SERVING_VERSIONS - 1 :]:
        shutil.rmtree(old, ignore_errors=True)
