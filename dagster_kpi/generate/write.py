"""Writing extracts as the source systems export them.

CSV is written by Arrow's CSV writer (no quoting: generated values never hold
commas, quotes or line breaks); GBK and UTF-8-with-BOM files are transcoded in
memory. A "Chinese" layout uses each column's first alias as header, the
Chinese value aliases and 是/否 booleans; rows flagged in `slash` get YYYY/MM/DD
dates, as some exports have them. Those rewrites run as DuckDB SQL.
"""

from __future__ import annotations

import re
from datetime import datetime
from io import BytesIO
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
from openpyxl import Workbook

from dagster_kpi.contract import Column, Source

TIME_FORMATS = {"timestamp": "%Y-%m-%d %H:%M:%S", "date": "%Y-%m-%d", "month": "%Y-%m"}
SLASH = "_slash"  # per-row flag column: dates written YYYY/MM/DD
CSV_OPTIONS = pcsv.WriteOptions(quoting_style="none", quoting_header="none", batch_size=65_536)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def header(column: Column, chinese: bool) -> str:
    return column.aliases[0] if chinese and column.aliases else column.name


def chinese_values(column: Column) -> dict[str, str]:
    """Canonical value -> its first Chinese alias."""
    out: dict[str, str] = {}
    for alias, value in column.value_aliases.items():
        out.setdefault(value, alias)
    return out


def _expression(column: Column, chinese: bool, text: bool, slash: bool) -> str:
    """SQL for one column of the export; `text` renders numbers and dates as CSV text."""
    ref = _quote(column.name)
    if chinese and column.type == "bool":
        return f"CASE WHEN {ref} THEN '是' WHEN NOT {ref} THEN '否' END"
    if chinese and column.value_aliases:
        cases = " ".join(f"WHEN {_literal(v)} THEN {_literal(a)}" for v, a in chinese_values(column).items())
        return f"CASE {ref} {cases} ELSE {ref} END"
    if column.type == "month":
        return f"strftime({ref}, {_literal(TIME_FORMATS['month'])})"
    if text and column.type == "float":
        return f"CAST({ref} AS VARCHAR)"  # 12180000.0, never 1.218e+07
    if text and column.type in TIME_FORMATS:
        fmt = TIME_FORMATS[column.type]
        if slash:
            slashed = f"strftime({ref}, {_literal(fmt.replace('-', '/'))})"
            return f"CASE WHEN {SLASH} THEN {slashed} ELSE strftime({ref}, {_literal(fmt)}) END"
        return f"strftime({ref}, {_literal(fmt)})"
    return ref


def _plain(table: pa.Table) -> pa.Table:
    """Dictionary-encoded labels as plain strings."""
    return pa.table(
        {
            name: column.cast(pa.string()) if pa.types.is_dictionary(column.type) else column
            for name, column in zip(table.column_names, table.columns, strict=True)
        }
    )


def localize(
    con: duckdb.DuckDBPyConnection,
    table: pa.Table,
    source: Source,
    *,
    chinese: bool = False,
    slash: np.ndarray | None = None,
    text: bool = True,
) -> pa.Table:
    """The table as the export shows it: headers, values and date styles.

    Tables that need no rewriting (English, no floats or months) pass through
    untouched, so large extracts skip the SQL round trip.
    """
    known = {c.name: c for c in source.columns}
    types = {known[name].type for name in table.column_names if name in known}
    if not chinese and slash is None and not types & {"month", "float"}:
        return _plain(table)
    parts = []
    for name in table.column_names:
        if name in known:
            sql = _expression(known[name], chinese, text, slash is not None)
            parts.append(f"{sql} AS {_quote(header(known[name], chinese))}")
        else:  # an extra column of the export
            parts.append(_quote(name))
    src = table if slash is None else table.append_column(SLASH, pa.array(np.asarray(slash, dtype=bool)))
    cur = con.cursor()
    try:
        cur.register("src", src)
        return _plain(cur.sql("SELECT " + ", ".join(parts) + " FROM src").to_arrow_table())
    finally:
        cur.close()


def write_csv(
    con: duckdb.DuckDBPyConnection,
    table: pa.Table,
    path: Path,
    source: Source,
    *,
    chinese: bool = False,
    encoding: str = "utf-8",
    slash: np.ndarray | None = None,
) -> int:
    """Write `table` (contract columns) as a CSV export; returns the rows written."""
    shown = localize(con, table, source, chinese=chinese, slash=slash)
    if encoding == "utf-8":
        pcsv.write_csv(shown, str(path), CSV_OPTIONS)
    else:
        buffer = pa.BufferOutputStream()
        pcsv.write_csv(shown, buffer, CSV_OPTIONS)
        path.write_bytes(buffer.getvalue().to_pybytes().decode("utf-8").encode(encoding))
    return table.num_rows


def write_xlsx(
    con: duckdb.DuckDBPyConnection, table: pa.Table, path: Path, source: Source, *, chinese: bool = False, stamp: datetime
) -> int:
    """A one-sheet workbook with typed date cells; byte-identical for the same data and stamp.

    Meant for small sources (a roster, exam results): cells are written one by one.
    """
    rows = localize(con, table, source, chinese=chinese, text=False)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(source.name)
    sheet.append(rows.column_names)
    for row in zip(*(c.to_pylist() for c in rows.columns), strict=True):
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    path.write_bytes(_stable_zip(buffer.getvalue(), stamp))
    return table.num_rows


def _stable_zip(data: bytes, stamp: datetime) -> bytes:
    """Fix the times openpyxl stamps into the package (entry times, core properties)."""
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = BytesIO()
    with ZipFile(BytesIO(data)) as src, ZipFile(out, "w", ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + iso, body)
            dst.writestr(ZipInfo(info.filename, date_time=stamp.timetuple()[:6]), body, ZIP_DEFLATED)
    return out.getvalue()


def write_parquet(table: pa.Table, path: Path) -> int:
    """Typed columns as they are (labels as plain strings)."""
    pq.write_table(_plain(table), path, compression="zstd")
    return table.num_rows
