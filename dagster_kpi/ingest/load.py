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

from dagster_kpi import changes
from dagster_kpi.contract import Source
from dagster_kpi.sql import ident, lit, table_exists, timestamp_lit, transaction

from .errors import ExtractError, one_line
from .headers import HeaderMap, absent_optional_columns, map_headers, near_misses
from .query import (
    FilePlan,
    SourceQuery,
    file_parse_sql,
    latest_sql,
    quarantine_sql,
    raw_sql,
    snapshots_sql,
    source_query,
    timed_columns,
)
from .readers import SUFFIXES, OpenedFile, open_file


@dataclass
class IngestReport:
    source: str
    files: list[str]  # in load order
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    # Valid rows replaced by a later valid row with the same key (a newer extract, or further down the same file):
    # counted on their own, so that read = loaded + quarantined + superseded checks the load.
    rows_superseded: int = 0
    ignored_sheets: list[str] = field(default_factory=list)  # "<file>: <sheet>" of workbook sheets not read
    # Keys whose valid rows differ between files with the same modification time: the later file name won.
    keys_conflicting: int = 0
    snapshot_dates: dict[str, str] = field(default_factory=dict)  # snapshot sources: file -> its date (ISO)
    # Per file: its headers that name no column but come close to a name of a column the file lacks, each as
    # {"header": ..., "resembles": <name or alias>, "column": ...} (see headers.near_misses).
    near_miss_headers: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    # Per file: the optional columns it lacks, empty in each of its rows.
    absent_columns: dict[str, list[str]] = field(default_factory=dict)
    # The months the rows that changed since the last load touch: "every month", "none" or "2026-10, 2026-11".
    changed_months: str = "every month"


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
# Part of every digest: a change to what the readers or the parse put in a landed table must not reuse old ones.
LANDED_FORMAT = "4"
_CODE = hashlib.blake2b(b"".join(p.read_bytes() for p in sorted(Path(__file__).parent.glob("*.py"))), digest_size=8)


def _source_digest(source: Source) -> str:
    """What a file's parsed table depends on besides its bytes: the source's contract and the ingestion code."""
    return hashlib.blake2b(f"{LANDED_FORMAT}{source!r}{_CODE.hexdigest()}".encode(), digest_size=8).hexdigest()


def file_digest(path: Path, encoding: str | None = None, source: Source | None = None) -> str:
    """The digest of the file's bytes, of the encoding the settings name for a CSV (another one reads it again) and
    of what its parse depends on (`source`'s contract, the ingestion code)."""
    named = f":{encoding}" if encoding and path.suffix.lower() == ".csv" else ""
    digest = hashlib.blake2b(f"{LANDED_FORMAT}{named}:{_source_digest(source) if source else ''}".encode(), digest_size=16)
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _landed_table(source: Source, digest: str) -> str:
    return f"{LANDED}.{ident(f'{source.name}_{digest}')}"


@dataclass(frozen=True)
class _Landed:
    """What is recorded of a file parsed before."""

    headers: tuple[str, ...]
    ignored_sheets: list[str]
    parsed_at: datetime
    rows: int
    latest: datetime | None  # its latest timestamp among rows that fail no time-free check


def _ensure_landed(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {LANDED}")
    con.execute(f"CREATE TABLE IF NOT EXISTS {LANDED}.files (source VARCHAR, digest VARCHAR, headers VARCHAR[])")
    for column, type_ in (("ignored_sheets", "VARCHAR[]"), ("parsed_at", "TIMESTAMP"), ("rows", "BIGINT"),
                          ("latest", "TIMESTAMP")):  # fmt: skip
        con.execute(f"ALTER TABLE {LANDED}.files ADD COLUMN IF NOT EXISTS {column} {type_}")
    # The files raw.<source> and quarantine.<source> were last written from, and the time that load checked against.
    con.execute(f"CREATE TABLE IF NOT EXISTS {LANDED}.loads (source VARCHAR, file VARCHAR, digest VARCHAR, "
                "mtime_ns BIGINT, snapshot DATE)")  # fmt: skip
    con.execute(f"CREATE TABLE IF NOT EXISTS {LANDED}.load_times (source VARCHAR, checked_at TIMESTAMP, extras VARCHAR[])")
    # The digest of each file as last computed, with the size and modification time it had then.
    con.execute(f"CREATE TABLE IF NOT EXISTS {LANDED}.digests (source VARCHAR, file VARCHAR, size BIGINT, "
                "mtime_ns BIGINT, basis VARCHAR, digest VARCHAR)")  # fmt: skip


def _digest(con: duckdb.DuckDBPyConnection, source: Source, name: str, path: Path, encoding: str | None) -> str:
    """`file_digest`, read again only when the file's size or modification time changed since it was computed (as
    git's index does: reading every byte of every extract on every run costs seconds at scale)."""
    stat = path.stat()
    basis = f"{_source_digest(source)}:{encoding or ''}"
    found = con.execute(f"SELECT digest FROM {LANDED}.digests WHERE source = ? AND file = ? AND size = ? "
                        "AND mtime_ns = ? AND basis = ?", [source.name, name, stat.st_size, stat.st_mtime_ns, basis]
                        ).fetchall()  # fmt: skip
    if found:
        return str(found[0][0])
    digest = file_digest(path, encoding, source)
    con.execute(f"DELETE FROM {LANDED}.digests WHERE source = ? AND file = ?", [source.name, name])
    con.execute(f"INSERT INTO {LANDED}.digests VALUES (?, ?, ?, ?, ?, ?)",
                [source.name, name, stat.st_size, stat.st_mtime_ns, basis, digest])  # fmt: skip
    return digest


def _landed_file(con: duckdb.DuckDBPyConnection, source: Source, digest: str) -> _Landed | None:
    """What was recorded of a file parsed before; None for a new file (or one from an older format)."""
    rows = con.execute(f"SELECT headers, ignored_sheets, parsed_at, rows, latest FROM {LANDED}.files "
                       "WHERE source = ? AND digest = ? AND parsed_at IS NOT NULL",
                       [source.name, digest]).fetchall()  # fmt: skip
    if not rows:
        return None
    headers, sheets, parsed_at, count, latest = rows[0]
    return _Landed(tuple(headers), list(sheets or []), parsed_at, int(count), latest)


def _parse_file(con: duckdb.DuckDBPyConnection, source: Source, opened: OpenedFile, headers: HeaderMap, digest: str,
                parsed_at: datetime) -> _Landed:  # fmt: skip
    """Read an opened file's rows and keep them parsed (`query.file_parse_sql`) in its landed table."""
    loading = f"__ingest_{source.name}_loading"
    table = _landed_table(source, digest)
    try:
        row_expr = opened.load(con, loading)
        sql = file_parse_sql(source, f"temp.{ident(loading)}", row_expr, headers, parsed_at)
        timed = timed_columns(source)
        latest = f"greatest({', '.join(ident(c) for c in timed)})" if timed else "NULL::TIMESTAMP"
        with transaction(con):
            con.execute(f"CREATE OR REPLACE TABLE {table} AS {sql}")
            [(count, last)] = con.execute(
                f"SELECT count(*), max(CASE WHEN __static IS NULL THEN {latest} END) FROM {table}"
            ).fetchall()
            con.execute(f"DELETE FROM {LANDED}.files WHERE source = ? AND digest = ?", [source.name, digest])
            con.execute(f"INSERT INTO {LANDED}.files (source, digest, headers, ignored_sheets, parsed_at, rows, latest) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [source.name, digest, list(opened.headers), list(opened.ignored_sheets), parsed_at, count,
                         last])  # fmt: skip
    finally:
        con.execute(f"DROP TABLE IF EXISTS temp.{ident(loading)}")
    return _Landed(tuple(opened.headers), list(opened.ignored_sheets), parsed_at, int(count), last)


@dataclass(frozen=True)
class _File:
    """A file of the load, as the load state records it."""

    name: str
    digest: str
    mtime_ns: int
    snapshot: date | None
    landed: _Landed = field(compare=False)

    @property
    def identity(self) -> tuple[str, str, int, date | None]:
        return (self.name, self.digest, self.mtime_ns, self.snapshot)


def _read_files(
    con: duckdb.DuckDBPyConnection, source: Source, folder: Path, paths: list[Path], dates: list[date], tmp: Path,
    encoding: str | None, now: datetime,
) -> tuple[list[FilePlan], list[_File], _HeaderFindings]:  # fmt: skip
    """The files' plans and load records, and what their headers tell. Headers are checked before rows are read; a
    file parsed before is neither read nor parsed again, unless that parse was later than `now` (the clock went
    back: its kept text may lack rows that are in the future now). `encoding`: of the CSV files that are not UTF-8
    (None: told per file)."""
    _ensure_landed(con)
    plans, files, findings = [], [], _HeaderFindings()
    for n, path in enumerate(paths):
        try:
            name = source_file_name(folder, path)
            digest = _digest(con, source, name, path, encoding)
            landed = _landed_file(con, source, digest)
            if landed is None or landed.parsed_at > now:
                opened = open_file(con, path, tmp, source, encoding)
                headers = map_headers(source, opened.headers)  # before the rows are read
                landed = _parse_file(con, source, opened, headers, digest, now)
            else:
                headers = map_headers(source, landed.headers)
            findings.add(source, name, headers, landed.ignored_sheets)
            plans.append(FilePlan(name, _landed_table(source, digest), headers))
            files.append(_File(name, digest, path.stat().st_mtime_ns, dates[n] if dates else None, landed))
        except (ValueError, OSError, duckdb.Error) as exc:
            raise ExtractError(f"{source.name}/{source_file_name(folder, path)}: {one_line(str(exc))}") from exc
    return plans, files, findings


def _forget_other_files(con: duckdb.DuckDBPyConnection, source: Source, digests: set[str], names: list[str]) -> None:
    """Drop the landed tables of files no longer in the source's folder."""
    con.execute(f"DELETE FROM {LANDED}.digests WHERE source = ? AND NOT list_contains(?, file)", [source.name, names])
    known = con.execute(f"SELECT digest FROM {LANDED}.files WHERE source = ?", [source.name]).fetchall()
    for (digest,) in known:
        if digest not in digests:
            con.execute(f"DROP TABLE IF EXISTS {_landed_table(source, digest)}")
            con.execute(f"DELETE FROM {LANDED}.files WHERE source = ? AND digest = ?", [source.name, digest])


@dataclass(frozen=True)
class _LastLoad:
    files: set[tuple[str, str, int, date | None]]
    checked_at: datetime
    extras: list[str]


def _last_load(con: duckdb.DuckDBPyConnection, source: Source) -> _LastLoad | None:
    """The load raw.<source> holds now; None when there is none to build on."""
    tables = [source.name, *([source.snapshots_table] if source.snapshots else [])]
    times = con.execute(f"SELECT checked_at, extras FROM {LANDED}.load_times WHERE source = ?", [source.name]).fetchall()
    if not times or not all(table_exists(con, "raw", table) for table in tables):
        return None
    files = con.execute(f"SELECT file, digest, mtime_ns, snapshot FROM {LANDED}.loads WHERE source = ?",
                        [source.name]).fetchall()  # fmt: skip
    return _LastLoad({tuple(row) for row in files}, times[0][0], list(times[0][1]))


def _record_load(con: duckdb.DuckDBPyConnection, source: Source, files: list[_File], checked_at: datetime,
                 extras: list[str]) -> list[str]:  # fmt: skip
    """Statements recording the load raw.<source> now holds."""
    rows = ", ".join(f"({lit(source.name)}, {lit(f.name)}, {lit(f.digest)}, {f.mtime_ns}, "
                     f"{f'DATE {lit(f.snapshot.isoformat())}' if f.snapshot else 'NULL'})" for f in files)  # fmt: skip
    statements = [f"DELETE FROM {LANDED}.loads WHERE source = {lit(source.name)}",
                  f"DELETE FROM {LANDED}.load_times WHERE source = {lit(source.name)}",
                  f"INSERT INTO {LANDED}.load_times VALUES ({lit(source.name)}, {timestamp_lit(checked_at)}, "
                  f"{'[' + ', '.join(lit(x) for x in extras) + ']::VARCHAR[]'})"]  # fmt: skip
    if rows:
        statements.append(f"INSERT INTO {LANDED}.loads VALUES {rows}")
    return statements


@contextmanager
def _writing(con: duckdb.DuckDBPyConnection, statements: list[str]) -> Iterator[None]:
    """Write raw, quarantine and the load state together, or none of them: the statements, then the block."""
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    con.execute("CREATE SCHEMA IF NOT EXISTS quarantine")
    with transaction(con):
        for statement in statements:
            con.execute(statement)
        yield


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


def superseded_rows(con: duckdb.DuckDBPyConnection, source: Source, parsed: str) -> int:
    """Valid rows of `parsed` whose key a later valid row repeats: all but one row of each key."""
    key = ", ".join(ident(k) for k in source.key)
    [(count,)] = con.execute(f"SELECT count(*) - count(DISTINCT ({key})) FROM {ident(parsed)} WHERE __check IS NULL").fetchall()
    return int(count)


def _changed_keys(con: duckdb.DuckDBPyConnection, source: Source, last: _LastLoad, files: list[_File],
                  plans: list[FilePlan], now: datetime) -> str | None:  # fmt: skip
    """SQL of the keys whose latest valid row may differ from the last load's (None: no file changed and no
    timestamp crossed the time of a run since): the keys raw holds from files gone or changed, those of new or
    changed files, and those of rows with a timestamp between the last load's time and this one's."""
    key = ", ".join(ident(k) for k in source.key)
    current = {f.identity for f in files}
    gone = sorted({name for name, *_ in last.files - current})
    parts = []
    if gone:
        parts.append(f"SELECT {key} FROM raw.{ident(source.name)} WHERE _source_file IN ({', '.join(map(lit, gone))})")
    low, high = min(last.checked_at, now), max(last.checked_at, now)
    timed = timed_columns(source)
    crossing = " OR ".join(f"({ident(c)} > {timestamp_lit(low)} AND {ident(c)} <= {timestamp_lit(high)})" for c in timed)
    for file, plan in zip(files, plans, strict=True):
        if file.identity not in last.files:
            parts.append(f"SELECT {key} FROM {plan.table} WHERE __static IS NULL")
        elif crossing and low != high and file.landed.latest is not None and file.landed.latest > low:
            parts.append(f"SELECT {key} FROM {plan.table} WHERE __static IS NULL AND ({crossing})")
    return " UNION ".join(parts) or None


def _months_sql(source: Source, changed: str) -> str | None:
    """SQL of the months the changed rows (`changed`, a query) touch; None: every month."""
    if source.lookup or not source.event_months:
        return None
    reach = source.event_months.reach  # the months beside its own that a record's KPIs may read it for
    shifts = ", ".join(f"({n})" for n in range(-reach, reach + 1))
    months = " UNION ".join(f"SELECT CAST(date_trunc('month', {ident(c)}) + to_months(n.shift) AS DATE) AS month "
                            f"FROM ({changed}) AS c, (VALUES {shifts}) AS n(shift) WHERE {ident(c)} IS NOT NULL"
                            for c in source.event_months.columns)  # fmt: skip
    return f"SELECT DISTINCT month FROM ({months}) ORDER BY month"


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
    """Bring `raw.<source>` and `quarantine.<source>` up to the contents of `landing/<source>/`.

    `now` (default `loaded_at`) is the latest acceptable timestamp. `encoding` is the one the source's CSV files that
    are not UTF-8 are read in (the setting `encodings`; None: GBK/GB18030 or Big5, told per file). A snapshot source
    also replaces `raw.<source>_snapshots` (a file without a date in its name is a snapshot of its modification date
    in `timezone`). The tables are written in one transaction, so the connection must not be inside one already.

    Each file is read and parsed once (kept in `landed` under its digest). Raw is then maintained by key: the keys
    of new, changed and removed files (and of rows whose timestamp the clock passed since the last load) get their
    latest valid row again; no other row is rewritten. The first load, a snapshot source, and a change of the extra
    columns rewrite the whole table. The months the changed rows touch are recorded for the build and the
    publishing gate (`dagster_kpi.changes`); rows loaded keep the `_loaded_at` of the run that loaded them.
    """
    now = now or loaded_at
    folder = Path(landing) / source.name
    paths = landing_files(source, folder, allow_outside_links)
    dates = [snapshot_date(folder, path, timezone) for path in paths] if source.snapshots else []
    view = f"__ingest_{source.name}_parsed"
    loaded = timestamp_lit(loaded_at)
    with tempfile.TemporaryDirectory(prefix="kpi-ingest-") as tmp, _insertion_order(con):
        plans, files, findings = _read_files(con, source, folder, paths, dates, Path(tmp), encoding, now)
        query = source_query(source, plans, now)
        try:
            con.execute(f"CREATE OR REPLACE TEMP VIEW {ident(view)} AS {query.union}")
            last = _last_load(con, source)
            state = _record_load(con, source, files, now, query.extras)
            if last is None or source.snapshots or last.extras != query.extras:
                changed = _load_all(con, source, query, view, loaded, dates, state, everything=last is None)
            else:
                changed = _load_keys(con, source, query, view, loaded, state, last, files, plans, now)
            conflicts = conflicting_keys(con, source, view, [f.mtime_ns for f in files])
            superseded = superseded_rows(con, source, view)
        except duckdb.Error as exc:
            raise ExtractError(f"{source.name}/: {one_line(str(exc))}") from exc
        finally:
            con.execute(f"DROP VIEW IF EXISTS temp.{ident(view)}")
    _forget_other_files(con, source, {f.digest for f in files}, [f.name for f in files])
    read = sum(f.landed.rows for f in files)
    [(loaded_rows,)] = con.execute(f"SELECT count(*) FROM raw.{ident(source.name)}").fetchall()
    reasons = con.execute(
        f"SELECT _reason, count(*) FROM quarantine.{ident(source.name)} GROUP BY _reason ORDER BY _reason"
    ).fetchall()
    quarantined = sum(count for _, count in reasons)
    return IngestReport(
        source=source.name,
        files=[f.name for f in files],
        rows_read=read,
        rows_loaded=loaded_rows,
        rows_quarantined=quarantined,
        quarantined_by_reason=dict(reasons),
        rows_superseded=superseded,
        ignored_sheets=findings.ignored_sheets,
        keys_conflicting=conflicts,
        near_miss_headers=findings.near_miss_headers,
        absent_columns=findings.absent_columns,
        snapshot_dates={f.name: f.snapshot.isoformat() for f in files if f.snapshot} if source.snapshots else {},
        changed_months=changed,
    )


def _load_all(con: duckdb.DuckDBPyConnection, source: Source, query: SourceQuery, view: str, loaded: str,
              dates: list[date], state: list[str], everything: bool) -> str:  # fmt: skip
    """Rewrite raw (and the snapshots) and quarantine from every file. `everything`: no load before this one,
    every month changed; else the change is told by comparing with the tables replaced."""
    name = ident(source.name)
    statements = []
    if not everything:
        statements.append(f"CREATE OR REPLACE TEMP TABLE __ingest_old AS SELECT * FROM raw.{name}")
    statements += [raw_sql(query, view, loaded), quarantine_sql(query, loaded)]
    if source.snapshots:
        statements.append(snapshots_sql(query, view, loaded, dates))
    try:
        with _writing(con, statements + state):
            if everything:
                changes.record(con, source.name, None)
                return "every month"
            return _record_changes(con, source, "temp.__ingest_old", f"raw.{name}")
    finally:
        con.execute("DROP TABLE IF EXISTS temp.__ingest_old")


def _load_keys(con: duckdb.DuckDBPyConnection, source: Source, query: SourceQuery, view: str, loaded: str,
               state: list[str], last: _LastLoad, files: list[_File], plans: list[FilePlan], now: datetime) -> str:  # fmt: skip
    """Bring raw up to date key by key, and rewrite quarantine (its rows are few), when anything changed."""
    keys_sql = _changed_keys(con, source, last, files, plans, now)
    if keys_sql is None:
        if {f.identity for f in files} == last.files:
            return "none"
        with _writing(con, [quarantine_sql(query, loaded), *state]):
            return "none"
    name, key = ident(source.name), ", ".join(ident(k) for k in source.key)
    same_key = " AND ".join(f"r.{ident(k)} = k.{ident(k)}" for k in source.key)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE __ingest_keys AS SELECT DISTINCT {key} FROM ({keys_sql})")
        con.execute(latest_sql(query, view, "temp.__ingest_keys", "temp.__ingest_new", loaded))
        con.execute(f"CREATE OR REPLACE TEMP TABLE __ingest_old AS "
                    f"SELECT r.* FROM raw.{name} AS r SEMI JOIN temp.__ingest_keys USING ({key})")  # fmt: skip
        statements = [
            f"DELETE FROM raw.{name} AS r USING temp.__ingest_keys AS k WHERE {same_key}",
            f"INSERT INTO raw.{name} BY NAME SELECT * FROM temp.__ingest_new",
            quarantine_sql(query, loaded),
            *state,
        ]
        with _writing(con, statements):
            return _record_changes(con, source, "temp.__ingest_old", "temp.__ingest_new")
    finally:
        for table in ("__ingest_keys", "__ingest_new", "__ingest_old"):
            con.execute(f"DROP TABLE IF EXISTS temp.{table}")


def _record_changes(con: duckdb.DuckDBPyConnection, source: Source, old: str, new: str) -> str:
    """Record the months of the rows that differ between `old` and `new` (contract columns; lineage aside)."""
    columns = ", ".join(ident(c) for c in source.column_names)
    changed = (f"(SELECT {columns} FROM {old} EXCEPT SELECT {columns} FROM {new}) UNION ALL "
               f"(SELECT {columns} FROM {new} EXCEPT SELECT {columns} FROM {old})")  # fmt: skip
    months_sql = _months_sql(source, changed)
    if months_sql is None:
        [(count,)] = con.execute(f"SELECT count(*) FROM ({changed})").fetchall()
        if not count:
            return "none"
        changes.record(con, source.name, None)
        return "every month"
    months = [month for (month,) in con.execute(months_sql).fetchall()]
    changes.record(con, source.name, months)
    return ", ".join(m.strftime("%Y-%m") for m in months) or "none"
