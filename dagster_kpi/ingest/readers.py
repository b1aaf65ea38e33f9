"""One landing file -> its headers, then a temporary DuckDB table of VARCHAR columns c0..cN.

Headers are read first, so a file with wrong headers fails before its rows are
read. A CSV's or sheet's header may stand below title rows (`headers.locate_header`):
the rows above it are not read. CSV and Parquet rows go through DuckDB's own readers,
so large files never become Python rows; .xlsx files are small and are read with openpyxl: every
sheet whose header carries the source's required columns, stacked into one table
(columns matched by contract column, else by header text; a sheet's row numbers are
offset by ROWS_PER_SHEET times its tab position, so lineage tells the sheets apart).
Loading returns the SQL giving each table row's 1-based data row number in the
file (the header and rows above it are not counted; blank lines and blank sheet rows are not
records). Readers raise ValueError or duckdb.Error; the loader names the file.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pyarrow as pa

from dagster_kpi.contract import Source
from dagster_kpi.sql import ident, lit

from .encoding import BIG5, GB18030, UTF16_BOMS, chinese_encoding, is_utf8, mixed_encodings, transcode
from .headers import HEADER_SEARCH_ROWS, header_lookup, locate_header, map_headers, match_column, normalize

ROW_COLUMN = "__row"
# A workbook's row numbers: its n-th sheet tab (0-based) adds n times this to the sheet row (Excel has 1,048,576 rows).
ROWS_PER_SHEET = 10_000_000
MAX_COLUMNS = 500  # wider files are refused before their rows are read (reading them would take minutes)
GLOB_CHARACTERS = frozenset("*?[]{}")


@dataclass(frozen=True)
class OpenedFile:
    headers: tuple[str, ...]  # the file's header texts, of columns c0..cN
    load: Callable[[duckdb.DuckDBPyConnection, str], str]  # creates the table; returns its row-number SQL
    ignored_sheets: tuple[str, ...] = ()  # a workbook's sheets not read (no header carrying the required columns)
    sheets: tuple[str, ...] = ()  # a workbook's sheets read, stacked in this order


def _scratch(tmp: Path, name: str) -> Path:
    """A fresh path in `tmp`, whatever files were created there before."""
    return Path(tempfile.mkdtemp(dir=tmp)) / name


def _literal(path: Path, tmp: Path) -> Path:
    """DuckDB expands glob characters in paths: read such a file through a plainly named link."""
    if GLOB_CHARACTERS.isdisjoint(str(path)):
        return path
    link = _scratch(tmp, f"extract{path.suffix.lower()}")
    link.symlink_to(path.resolve())
    return link


def _check_width(columns: int, sheet: str = "") -> None:
    if columns > MAX_COLUMNS:
        where = f"sheet {sheet!r}: " if sheet else ""
        raise ValueError(f"{where}{columns:,} columns, more than the {MAX_COLUMNS} an extract may have")


def _varchar_columns(n: int) -> str:
    return "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(n)) + "}"


def _csv_rows(path: Path) -> tuple[list[list[str]], list[int]]:
    """The file's first records, up to the one after HEADER_SEARCH_ROWS non-blank ones, with their first line numbers
    (a blank line is a record of no field)."""
    rows: list[list[str]] = []
    numbers: list[int] = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        while sum(1 for row in rows if any(row)) <= HEADER_SEARCH_ROWS:
            line = reader.line_num + 1
            try:
                row = next(reader, None)
            except csv.Error as exc:
                if not rows:
                    raise ValueError(f"unreadable header row ({exc})") from exc
                break  # below the header, DuckDB names the line
            if row is None:
                break
            rows.append(row)
            numbers.append(line)
    return rows, numbers


def _csv_header(path: Path, source: Source | None) -> tuple[tuple[str, ...], int]:
    """The header (see `locate_header`; without `source`, the first record) and the number of records above it."""
    rows, numbers = _csv_rows(path)
    if not rows:
        raise ValueError("empty file (no header row)")
    if not any(any(row) for row in rows):
        raise ValueError("empty file (blank lines only, no header row)")
    skip = locate_header(source, rows, numbers, "line")[0] if source else 0
    if not any(rows[skip]):  # DuckDB would take the blank line as the header and the header as data
        raise ValueError("the first line is blank (the header must be on the first line)")
    return tuple(rows[skip]), skip


def _csv_error(exc: duckdb.Error) -> str:
    """DuckDB's multi-line CSV error reduced to its line number and cause (never the line's data)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    number = re.search(r"CSV Error on Line: (\d+)", str(exc))
    found = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", str(exc))
    if found:
        cause = f"expected {found[1]} fields, found {found[2]}"
    elif "unterminated quote" in str(exc):
        cause = "unterminated quoted value"
    else:
        details = [line for line in lines[1:] if not line.startswith(("Original Line", "Possible"))]
        cause = details[0] if number and details else (lines[0] if lines else type(exc).__name__)
    return f"line {number[1]}: {cause}" if number else cause


def _utf8_copy(path: Path, tmp: Path, source: Source | None, encoding: str | None) -> Path:
    """The file as UTF-8: itself, else a copy decoded from `encoding` (the setting), else from the Chinese encoding
    its start reads as (`chinese_encoding`)."""
    if is_utf8(path):
        return _literal(path, tmp)
    if mixed := mixed_encodings(path):
        raise ValueError(mixed)
    dest = _scratch(tmp, "utf8.csv")
    name = source.name if source else "<source>"
    if encoding:
        return transcode(path, dest, encoding, f"not UTF-8 nor {encoding} text (the encoding the settings name for {name})")
    try:
        detected = chinese_encoding(path)
    except ValueError as exc:
        by_headers = _encoding_by_headers(path, source) if source else None
        if by_headers is None:
            raise ValueError(f'{exc}: name its encoding in the settings ([encodings] {name} = "gb18030" or "big5")') from exc
        detected = by_headers
    if detected == BIG5:
        return transcode(path, dest, BIG5, "not UTF-8, GBK, GB18030 or Big5 text (its start reads as Big5)")
    return transcode(path, dest)


def _encoding_by_headers(path: Path, source: Source) -> str | None:
    """GB18030 or BIG5, when the file's first lines read that way name more of the source's columns than read the
    other way (the tie-break for text whose characters are common either way); None when they name as many."""
    with path.open("rb") as file:
        start = b"".join(file.readline() for _ in range(2 * HEADER_SEARCH_ROWS))
    lookup = header_lookup(source)
    named = {}
    for codec in (GB18030, BIG5):
        text = start.decode(codec, errors="replace")
        cells = {cell.strip().strip('"') for line in text.splitlines() for cell in line.split(",")}
        named[codec] = len({column for cell in cells if (column := match_column(lookup, cell))})
    if named[GB18030] == named[BIG5]:
        return None
    return GB18030 if named[GB18030] > named[BIG5] else BIG5


def open_csv(path: Path, tmp: Path, source: Source | None = None, encoding: str | None = None) -> OpenedFile:
    path = _utf8_copy(path, tmp, source, encoding)
    headers, skip = _csv_header(path, source)
    _check_width(len(headers))
    if len(headers) == 1 and any(sep in headers[0] for sep in ";\t|"):
        raise ValueError("the header has a single column: the file is not comma-separated")

    def load(con: duckdb.DuckDBPyConnection, table: str) -> str:
        try:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {ident(table)} AS SELECT * FROM read_csv({lit(str(path))}, "
                f"columns = {_varchar_columns(len(headers))}, header = true, auto_detect = false, "
                "delim = ',', quote = '\"', escape = '\"', strict_mode = true, null_padding = false, "
                f"encoding = 'utf-8', skip = {skip})"
            )
        except duckdb.Error as exc:
            raise ValueError(_csv_error(exc)) from exc
        # Insertion order is preserved (the loader ensures the setting), so rowid is the record index below the header.
        return "rowid + 1"

    return OpenedFile(headers, load)


def _parquet_text(column: str, type_: str) -> str:
    if type_.startswith("TIMESTAMP_") or type_ == "TIMESTAMP":  # _S, _MS, _NS -> plain microseconds
        return f"CAST(CAST({ident(column)} AS TIMESTAMP) AS VARCHAR)"
    return f"CAST({ident(column)} AS VARCHAR)"


def open_parquet(con: duckdb.DuckDBPyConnection, path: Path, tmp: Path) -> OpenedFile:
    literal = _literal(path, tmp)
    source = f"read_parquet({lit(str(literal))}, file_row_number = true)"
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    except duckdb.Error as exc:  # keep DuckDB's first line, without the SQL context or the full path
        cause = str(exc).splitlines()[0].replace(f"'{literal}'", "").strip()
        raise ValueError(f"unreadable .parquet file ({cause})") from exc
    fields = [(name, type_) for name, type_, *_ in described if name != "file_row_number"]
    _check_width(len(fields))
    columns = [f"{_parquet_text(name, type_)} AS c{i}" for i, (name, type_) in enumerate(fields)]

    def load(con: duckdb.DuckDBPyConnection, table: str) -> str:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {ident(table)} AS "
            f"SELECT {', '.join([*columns, f'file_row_number + 1 AS {ROW_COLUMN}'])} FROM {source}"
        )
        return ROW_COLUMN

    return OpenedFile(tuple(name for name, _ in fields), load)


def cell_text(value: Any) -> str | None:
    """An Excel cell value as the text a CSV export would hold."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):  # Excel stores fractions of a day: round to the second
        return (value + timedelta(microseconds=500_000)).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _blank(row: tuple[Any, ...]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in row)


def _open_book(path: Path) -> Any:
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zip, XML and key errors for damaged files
        raise ValueError(f"unreadable .xlsx file ({type(exc).__name__}: {exc})") from exc


@dataclass
class _Sheet:
    """A worksheet's header and kept columns (unnamed columns without any value are dropped)."""

    name: str
    offset: int  # added to the sheet row: ROWS_PER_SHEET times the sheet's tab position
    headers: list[str]
    cells: list[list[str | None]]  # per kept column, its data rows' texts
    rows: list[int]  # the data rows' sheet row numbers (below the header row)


@dataclass
class _SheetHeader:
    texts: list[str]
    below: Iterator[tuple[Any, ...]]  # the sheet's rows below the header
    carries: bool  # whether the header carries the source's required and key columns


def _sheet_header(rows: Iterator[tuple[Any, ...]], source: Source | None, label: str) -> _SheetHeader | None:
    """The header among the sheet's first rows (see `locate_header`; without `source`, the first non-blank row); None for
    a blank sheet. `label` names the sheet in errors (empty when the workbook has one)."""
    first: list[tuple[Any, ...]] = []
    for row in rows:
        first.append(row)
        if sum(1 for kept in first if not _blank(kept)) > HEADER_SEARCH_ROWS:
            break
    texts = [[cell_text(v) or "" for v in row] for row in first]
    if all(_blank(row) for row in first):
        return None
    if source is None:
        at, carries = next(i for i, row in enumerate(first) if not _blank(row)), False
    else:
        try:  # iter_rows gives every row from the sheet's first, blank ones included: row n is at n - 1
            at, carries = locate_header(source, texts, range(1, len(first) + 1), "row")
        except ValueError as exc:
            raise ValueError(f"sheet {label!r}: {exc}" if label else str(exc)) from exc
    return _SheetHeader(texts[at], itertools.chain(first[at + 1 :], rows), carries)


def _read_sheet(name: str, offset: int, header: list[str], rows: Iterator[tuple[Any, ...]], label: str) -> _Sheet:
    """The sheet's rows below `header`; `label` names the sheet in errors (empty when the workbook has one)."""
    _check_width(sum(1 for text in header if text.strip()), label)  # before the rows are read
    data = [(n, row) for n, row in enumerate(rows, start=1) if not _blank(row)]
    width = max([len(header), *(len(row) for _, row in data)])
    header = header + [""] * (width - len(header))
    cells = [[cell_text(row[i]) if i < len(row) else None for _, row in data] for i in range(width)]
    keep = [i for i in range(width) if header[i].strip() or any(v is not None for v in cells[i])]
    _check_width(len(keep), label)
    return _Sheet(name, offset, [header[i] for i in keep], [cells[i] for i in keep], [n + offset for n, _ in data])


def _stack(sheets: list[_Sheet], source: Source | None) -> tuple[tuple[str, ...], dict[str, pa.Array]]:
    """One table of the sheets: a column per header (matched to the contract's column, else by its text), in
    order of first appearance; a sheet without a column has nulls there."""
    lookup = header_lookup(source) if source else {}
    keys: dict[object, int] = {}
    headers: list[str] = []
    placed: list[list[int]] = []  # per sheet, the stacked position of each of its columns
    for s, sheet in enumerate(sheets):
        positions = []
        for i, text in enumerate(sheet.headers):
            key: object = match_column(lookup, text) or normalize(text) or (s, i)  # empty headers are never merged
            if key not in keys:
                keys[key] = len(headers)
                headers.append(text)
            positions.append(keys[key])
        placed.append(positions)
    columns: list[list[str | None]] = [[] for _ in headers]
    for sheet, positions in zip(sheets, placed, strict=True):
        filled = dict(zip(positions, sheet.cells, strict=True))
        for j, column in enumerate(columns):
            column.extend(filled.get(j) or [None] * len(sheet.rows))
    arrays = {f"c{j}": pa.array(column, pa.string()) for j, column in enumerate(columns)}
    arrays[ROW_COLUMN] = pa.array([n for sheet in sheets for n in sheet.rows], pa.int64())
    return tuple(headers), arrays


def open_xlsx(path: Path, source: Source | None = None) -> OpenedFile:
    """Every worksheet whose header carries `source`'s required columns, stacked (without `source`: the first).

    A workbook where no sheet carries them gives its first sheet, whose headers then fail to match.
    """
    book = _open_book(path)
    try:
        if not book.worksheets:
            raise ValueError("the workbook has no worksheet")
        tabs = list(book.sheetnames)  # chart sheets count in the tab position too
        several = len(book.worksheets) > 1
        read: list[_Sheet] = []
        ignored: list[str] = []
        for number, sheet in enumerate(book.worksheets):
            name = sheet.title
            sheet.reset_dimensions()  # stored dimensions may be wrong; read every cell
            found = _sheet_header(sheet.iter_rows(values_only=True), source, name if several else "")
            if found is None or not (found.carries if source else number == 0):
                ignored.append(name)
                continue
            if source and several:
                try:  # duplicate or reserved headers, named with their sheet
                    map_headers(source, found.texts)
                except ValueError as exc:
                    raise ValueError(f"sheet {name!r}: {exc}") from exc
            offset = ROWS_PER_SHEET * tabs.index(name)
            read.append(_read_sheet(name, offset, found.texts, found.below, name if several else ""))
        if not read:  # the first sheet, as if it were the only one: its headers tell what is missing
            first_sheet = book.worksheets[0]
            label = first_sheet.title if several else ""
            found = _sheet_header(first_sheet.iter_rows(values_only=True), source, label)
            if found is None:
                raise ValueError("empty first sheet (no header row)")
            offset = ROWS_PER_SHEET * tabs.index(first_sheet.title)
            read = [_read_sheet(first_sheet.title, offset, found.texts, found.below, label)]
            ignored = [name for name in ignored if name != first_sheet.title]
        ignored += [name for name in tabs if name not in {s.title for s in book.worksheets}]
    except ValueError:
        raise
    except Exception as exc:
        raise ValueError(f"unreadable .xlsx file ({type(exc).__name__}: {exc})") from exc
    finally:
        book.close()
    headers, arrays = _stack(read, source)
    _check_width(len(headers))

    def load(con: duckdb.DuckDBPyConnection, table: str) -> str:
        view = f"{table}_arrow"
        con.register(view, pa.table(arrays))
        try:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {ident(table)} AS SELECT * FROM {ident(view)}")
        finally:
            con.unregister(view)
        return ROW_COLUMN

    ignored_sheets = tuple(name for name in tabs if name in ignored)
    return OpenedFile(headers, load, ignored_sheets=ignored_sheets, sheets=tuple(s.name for s in read))


SUFFIXES = (".csv", ".xlsx", ".parquet")
SNIFF_BYTES = 8192
# What a file's first bytes say it is: (description, the extension it should have).
KINDS = {
    "csv": ("a text file", ".csv"),
    "xlsx": ("an Excel workbook", ".xlsx"),
    "parquet": ("a Parquet file", ".parquet"),
    "xls": ("an Excel 97-2003 or password-protected workbook", ".xls"),  # both are OLE2 compound files
    "zip": ("a zip archive", ".zip"),
    "html": ("an HTML page", ".html"),
    "xml": ("an XML file", ".xml"),  # Excel 2003 XML spreadsheets are saved as .xls
}
SAVE_AS_XLSX = "open it in Excel and save it as .xlsx"


def sniff(path: Path) -> str | None:
    """The kind of content (a key of KINDS, or "empty") the file's first bytes show; None for other binary content."""
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    if not head:
        return "empty"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                return "xlsx" if any(name.startswith("xl/") for name in archive.namelist()) else "zip"
        except (zipfile.BadZipFile, OSError):
            return "xlsx"  # a damaged zip: most likely a workbook cut short
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2 compound file
        return "xls"
    if head.startswith(UTF16_BOMS):
        return "csv"
    if b"\x00" in head:
        return None
    text = head.lstrip(codecs.BOM_UTF8).lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html", b"<table")):
        return "html"
    return "xml" if text.startswith(b"<?xml") else "csv"


def _check_content(path: Path) -> None:
    """ValueError when the file's content is of another format than its extension says."""
    suffix = path.suffix.lower()
    expected = suffix.lstrip(".")
    kind = sniff(path)
    if kind is None or kind == expected or (kind == "zip" and suffix == ".xlsx") or (kind == "empty" and suffix == ".csv"):
        return  # unknown binary content and damaged files get the reader's own message
    if kind == "empty":
        raise ValueError("empty file (0 bytes)")
    what, right = KINDS[kind]
    if kind in ("csv", "xlsx", "parquet"):
        fix = f"rename it to {right}"
    elif kind in ("xls", "html", "xml"):
        fix = SAVE_AS_XLSX
    else:
        fix = "extract it"
    if kind == "csv":
        raise ValueError(f"{what}, not {KINDS[expected][0]}: {fix}")
    raise ValueError(f"{what} saved as {suffix}: {fix}")


def open_file(
    con: duckdb.DuckDBPyConnection, path: Path, tmp: Path, source: Source | None = None, encoding: str | None = None
) -> OpenedFile:
    """Read `path`'s headers (`tmp` receives a transcoded copy if needed); `load` reads its rows.

    `source` chooses the header row (`locate_header`) and the sheets of a workbook (those carrying its required
    columns); without it, the first row and the first sheet. `encoding` is the one a CSV that is not UTF-8 is read in
    (the setting `encodings`); without it, GB18030 or Big5, as the file's start reads.
    """
    if path.suffix.lower() in SUFFIXES:
        _check_content(path)
    match path.suffix.lower():
        case ".csv":
            return open_csv(path, tmp, source, encoding)
        case ".xlsx":
            return open_xlsx(path, source)
        case ".parquet":
            return open_parquet(con, path, tmp)
    raise ValueError(f"unsupported file type (expected {', '.join(SUFFIXES)})")
