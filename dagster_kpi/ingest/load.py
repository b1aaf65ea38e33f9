"""Load one source's landing folder into `raw.<source>` and `quarantine.<source>`.

Each file's rows are kept as read (text columns c0..cN and the row number) in `landed`, under the
digest of the file's bytes: a later run reads only files that are new or changed, and parses the
kept rows of the others again (parsing depends on the time of the run, reading does not).
"""

from __future__ import annotations

import difflib
import hashlib
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from dagster_kpi.contract import Source
from dagster_kpi.sql import ident, timestamp_lit

from .errors import ExtractError, one_line
from .headers import HeaderMap, absent_optional_columns, map_headers, near_misses
from .query import FilePlan, quarantine_sql, raw_sql, snapshots_sql, source_query
from .readers import ROW_COLUMN, SUFFIXES, OpenedFile, open_file


@dataclass
class IngestReport:
    source: str
    files: list[str]  # in load order
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    rows_superseded: int = 0  # valid rows replaced by a later row with the same key
    ignored_sheets: list[str] = field(default_factory=list)  # "<file>: <sheet>" of workbook sheets not read
    # Keys whose valid rows differ between files with the same modification time: the later file name won.
    keys_conflicting: int = 0
    snapshot_dates: dict[str, str] = field(default_factory=dict)  # snapshot sources: file -> its date (ISO)
    # Per file: its headers that name no column but come close to a name of a column the file lacks, each as
    # {"header": ..., "resembles": <name or alias>, "column": ...} (see headers.near_misses).
    near_miss_headers: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    # Per file: the optional columns it lacks, empty in each of its rows.
    absent_columns: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class _HeaderFindings:
    """What the files' headers tell beyond the columns they map (see IngestReport)."""

    ignored_sheets: list[str] = field(default_factory=list)
    near_miss_headers: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    absent_columns: dict[str, list[str]] = field(default_factory=dict)

    def add(self, source: Source, name: str, headers: HeaderMap, sheets: list[str]) -> None:
        self.ignored_sheets += [f"{name}: {sheet}" for sheet in sheets]
        if misses := near_misses(source, headers):
            self.near_miss_headers[name] = [{"header": m.header, "resembles": m.resembles, "column": m.column}
                                            for m in misses]  # fmt: skip
        if absent := absent_optional_columns(source, headers):
            self.absent_columns[name] = absent


def _ignored(path: Path) -> bool:
    """Hidden files and folders, Excel lock files and README files that are not data (README.md,
    readme.txt) are not extracts; a .csv, .xlsx or .parquet file is one, whatever its name."""
    name = path.name
    readme = name.casefold().startswith("readme") and path.suffix.lower() not in SUFFIXES
    return name.startswith((".", "~$")) or readme


def _extracts(folder: Path, landing: Path, allow_outside_links: bool) -> list[Path]:
    """Every file under `folder`, sub-folders included, that is not ignored (nor inside an ignored folder).

    A link that leads out of the landing folder is refused unless `allow_outside_links`.
    """
    found = []
    for path in folder.iterdir():
        if _ignored(path):
            continue
        if path.is_symlink() and not allow_outside_links and not path.resolve().is_relative_to(landing.resolve()):
            raise ValueError(f"{path.relative_to(landing).as_posix()}: a link to {path.resolve()}, outside the landing "
                             "folder; refused (the setting allow_outside_links reads such links)")  # fmt: skip
        if path.is_dir():
            found.extend(_extracts(path, landing, allow_outside_links))
        elif path.is_file():
            found.append(path)
    return found


def unexpected_folders(landing: Path, sources: Iterable[str], ignored: Iterable[str] = ()) -> list[str]:
    """One line per folder of the landing folder that is neither a source nor ignored, naming the closest source."""
    known, left_alone = list(sources), set(ignored)
    lines = []
    for path in sorted(p for p in landing.iterdir() if p.is_dir() and not _ignored(p)):
        if path.name in known or path.name in left_alone:
            continue
        close = difflib.get_close_matches(path.name.casefold(), known, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else f" (sources: {', '.join(known)})"
        lines.append(f"landing/{path.name} is not a source folder{hint} (list it in the setting ignored_folders to keep it)")
    return lines


def source_file_name(folder: Path, path: Path) -> str:
    """A file's name inside its source folder: its path below the folder, e.g. `2026-10/calls.csv`."""
    return path.relative_to(folder).as_posix()


def _lookalikes(source: Source, folder: Path) -> list[str]:
    """Entries beside the source's absent folder that look meant for it: `calls.csv`, a file `calls`, `Calls/`."""
    if not folder.parent.is_dir():
        return []
    return sorted(
        p.name
        for p in folder.parent.iterdir()
        if p.name.casefold() == source.name or (p.is_file() and p.stem.casefold() == source.name and p.suffix.lower() in SUFFIXES)
    )


def landing_files(source: Source, folder: Path, allow_outside_links: bool = False) -> list[Path]:
    """The source's files, its sub-folders read too, in load order: modification time, then path in the folder."""
    if not folder.is_dir():
        if found := _lookalikes(source, folder):
            raise ExtractError(f"{source.name}/: no such folder, but the landing folder holds {', '.join(found)} "
                               f"(put the extracts of {source.name} in the folder {source.name}/)")  # fmt: skip
        if source.required:
            raise ExtractError(f"{source.name}/: the folder of required source {source.name} is missing")
        return []
    try:
        files = _extracts(folder, folder.parent, allow_outside_links)
    except OSError as exc:
        raise ExtractError(f"{source.name}/: the folder cannot be read ({exc.strerror or exc})") from exc
    except ValueError as exc:
        raise ExtractError(str(exc)) from None
    for path in files:
        if path.suffix.lower() not in SUFFIXES:
            name = source_file_name(folder, path)
            raise ExtractError(f"{source.name}/{name}: unsupported file type (expected {', '.join(SUFFIXES)})")
    return sorted(files, key=lambda p: (p.stat().st_mtime_ns, source_file_name(folder, p)))


# A date in a file or folder name: YYYYMMDD or YYYY-MM-DD, not part of a longer number.
NAME_DATE = re.compile(r"(?<!\d)(\d{4})(-?)(\d{2})\2(\d{2})(?!\d)")


def date_in_name(name: str) -> date | None:
    """The first valid calendar date written `YYYYMMDD` or `YYYY-MM-DD` in `name`."""
    for match in NAME_DATE.finditer(name):
        try:
            return date(int(match[1]), int(match[3]), int(match[4]))
        except ValueError:
            continue
    return None


def snapshot_date(folder: Path, path: Path, timezone: str | None = None) -> date:
    """The day a snapshot file stands for: a date in its name, else in the names of its sub-folders inside the
    source folder (innermost first), else the local date (in `timezone`, default the machine's) it was last
    modified."""
    for part in reversed(path.relative_to(folder).parts):
        if found := date_in_name(part):
            return found
    zone = ZoneInfo(timezone) if timezone else None
    return datetime.fromtimestamp(path.stat().st_mtime, zone).date()


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


LANDED = "landed"
# Part of every digest: a change to what the readers put in a landed table must not reuse old ones.
LANDED_FORMAT = "3"


def file_digest(path: Path, encoding: str | None = None) -> str:
    """The digest of the file's bytes, and of the encoding the settings name for a CSV (another one reads it again)."""
    named = f":{encoding}" if encoding and path.suffix.lower() == ".csv" else ""
    digest = hashlib.blake2b(f"{LANDED_FORMAT}{named}".encode(), digest_size=16)
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _landed_table(source: Source, digest: str) -> str:
    return f"{LANDED}.{ident(f'{source.name}_{digest}')}"


def _landed_file(con: duckdb.DuckDBPyConnection, source: Source, digest: str) -> tuple[tuple[str, ...], list[str]] | None:
    """The header texts and ignored sheets recorded for a file read before; None for a new file."""
    rows = con.execute(f"SELECT headers, ignored_sheets FROM {LANDED}.files WHERE source = ? AND digest = ?",
                       [source.name, digest]).fetchall()  # fmt: skip
    return (tuple(rows[0][0]), list(rows[0][1] or [])) if rows else None


def _land(con: duckdb.DuckDBPyConnection, source: Source, opened: OpenedFile, digest: str) -> None:
    """Read the rows of an opened file into its landed table, and record its header texts."""
    loading = f"__ingest_{source.name}_loading"
    try:
        row_expr = opened.load(con, loading)
        row_column = "" if row_expr == ROW_COLUMN else f", {row_expr} AS {ROW_COLUMN}"
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(f"CREATE OR REPLACE TABLE {_landed_table(source, digest)} AS "
                        f"SELECT *{row_column} FROM temp.{ident(loading)}")  # fmt: skip
            con.execute(f"DELETE FROM {LANDED}.files WHERE source = ? AND digest = ?", [source.name, digest])
            con.execute(f"INSERT INTO {LANDED}.files (source, digest, headers, ignored_sheets) VALUES (?, ?, ?, ?)",
                        [source.name, digest, list(opened.headers), list(opened.ignored_sheets)])  # fmt: skip
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        con.execute(f"DROP TABLE IF EXISTS temp.{ident(loading)}")


def _read_files(
    con: duckdb.DuckDBPyConnection, source: Source, folder: Path, paths: list[Path], tmp: Path, encoding: str | None
) -> tuple[list[FilePlan], set[str], _HeaderFindings]:
    """The files' plans, digests and what their headers tell. Headers are checked before rows are read; files read
    before are not read again. `encoding`: of the CSV files that are not UTF-8 (None: told per file)."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {LANDED}")
    con.execute(f"CREATE TABLE IF NOT EXISTS {LANDED}.files (source VARCHAR, digest VARCHAR, headers VARCHAR[])")
    con.execute(f"ALTER TABLE {LANDED}.files ADD COLUMN IF NOT EXISTS ignored_sheets VARCHAR[]")
    plans, digests, findings = [], set(), _HeaderFindings()
    for path in paths:
        try:
            digest = file_digest(path, encoding)
            digests.add(digest)
            name = source_file_name(folder, path)
            landed = _landed_file(con, source, digest)
            if landed is None:
                opened = open_file(con, path, tmp, source, encoding)
                headers = map_headers(source, opened.headers)  # before the rows are read
                _land(con, source, opened, digest)
                sheets = list(opened.ignored_sheets)
            else:
                headers = map_headers(source, landed[0])
                sheets = landed[1]
            findings.add(source, name, headers, sheets)
            plans.append(FilePlan(name, _landed_table(source, digest), ROW_COLUMN, headers))
        except (ValueError, OSError, duckdb.Error) as exc:
            raise ExtractError(f"{source.name}/{source_file_name(folder, path)}: {one_line(str(exc))}") from exc
    return plans, digests, findings


def _forget_other_files(con: duckdb.DuckDBPyConnection, source: Source, digests: set[str]) -> None:
    """Drop the landed tables of files no longer in the source's folder."""
    known = con.execute(f"SELECT digest FROM {LANDED}.files WHERE source = ?", [source.name]).fetchall()
    for (digest,) in known:
        if digest not in digests:
            con.execute(f"DROP TABLE IF EXISTS {_landed_table(source, digest)}")
            con.execute(f"DELETE FROM {LANDED}.files WHERE source = ? AND digest = ?", [source.name, digest])


def _write(con: duckdb.DuckDBPyConnection, statements: list[str]) -> None:
    """Replace raw and quarantine together, or neither."""
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


def conflicting_keys(con: duckdb.DuckDBPyConnection, source: Source, parsed: str, mtimes: list[int]) -> int:
    """Keys whose valid rows differ between two files of equal modification time (`mtimes`: per file, in load order).

    The documented tie-break (the later file name wins) settles them; the count says that it had to.
    """
    if len(set(mtimes)) == len(mtimes):
        return 0
    key = ", ".join(ident(k) for k in source.key)
    others = [ident(c.name) for c in source.columns if c.name not in source.key]
    values = ", ".join(f"({order}, {mtime})" for order, mtime in enumerate(mtimes))
    [(count,)] = con.execute(
        f"WITH m(__order, __mtime) AS (VALUES {values}), "
        f"v AS (SELECT p.*, m.__mtime FROM {ident(parsed)} AS p JOIN m USING (__order) WHERE p.__check IS NULL) "
        f"SELECT count(DISTINCT ({key})) FROM (SELECT {key} FROM v GROUP BY {key}, __mtime "
        f"HAVING count(DISTINCT __order) > 1 AND count(DISTINCT ({', '.join(others) or 'NULL'})) > 1)"
    ).fetchall()
    return int(count)


def ingest_source(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    landing: Path,
    *,
    loaded_at: datetime,
    now: datetime | None = None,
    allow_outside_links: bool = False,
    encoding: str | None = None,
    timezone: str | None = None,
) -> IngestReport:
    """Replace `raw.<source>` and `quarantine.<source>` with the contents of `landing/<source>/`.

    `now` (default `loaded_at`) is the latest acceptable timestamp. `encoding` is the one the source's CSV files that
    are not UTF-8 are read in (the setting `encodings`; None: GBK/GB18030 or Big5, told per file). A snapshot source
    also replaces `raw.<source>_snapshots` (a file without a date in its name is a snapshot of its modification date
    in `timezone`). The tables are written in one transaction, so the connection must not be inside one already.
    """
    folder = Path(landing) / source.name
    paths = landing_files(source, folder, allow_outside_links)
    dates = [snapshot_date(folder, path, timezone) for path in paths] if source.snapshots else []
    parsed = f"__ingest_{source.name}_parsed"
    loaded = timestamp_lit(loaded_at)
    with tempfile.TemporaryDirectory(prefix="kpi-ingest-") as tmp, _insertion_order(con):
        try:
            plans, digests, findings = _read_files(con, source, folder, paths, Path(tmp), encoding)
            query = source_query(source, plans, now or loaded_at)
            con.execute(f"CREATE OR REPLACE TEMP TABLE {ident(parsed)} AS {query.parse}")
            statements = [raw_sql(query, parsed, loaded), quarantine_sql(query, parsed, loaded)]
            if source.snapshots:
                statements.append(snapshots_sql(query, parsed, loaded, dates))
            _write(con, statements)
            [(read, valid)] = con.execute(
                f"SELECT count(*), count(*) FILTER (WHERE __check IS NULL) FROM {ident(parsed)}"
            ).fetchall()
            conflicts = conflicting_keys(con, source, parsed, [path.stat().st_mtime_ns for path in paths])
        finally:
            con.execute(f"DROP TABLE IF EXISTS temp.{ident(parsed)}")
    _forget_other_files(con, source, digests)
    [(loaded_rows,)] = con.execute(f"SELECT count(*) FROM raw.{ident(source.name)}").fetchall()
    reasons = con.execute(
        f"SELECT _reason, count(*) FROM quarantine.{ident(source.name)} GROUP BY _reason ORDER BY _reason"
    ).fetchall()
    return IngestReport(
        source=source.name,
        files=[source_file_name(folder, p) for p in paths],
        rows_read=read,
        rows_loaded=loaded_rows,
        rows_quarantined=read - valid,
        quarantined_by_reason=dict(reasons),
        rows_superseded=valid - loaded_rows,
        ignored_sheets=findings.ignored_sheets,
        keys_conflicting=conflicts,
        near_miss_headers=findings.near_miss_headers,
        absent_columns=findings.absent_columns,
        snapshot_dates={source_file_name(folder, p): day.isoformat() for p, day in zip(paths, dates, strict=True)}
        if source.snapshots
        else {},
    )
