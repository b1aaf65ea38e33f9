"""`kpi export`: a month's published marts as files for people, an Excel workbook or CSV files.

One sheet (or CSV file) per mart: `scorecards`, `pay_sheet`, `deductions`, `kpi_scores` and `kpi_values` of the
month (the month's monthly rows; quarters, half-years and years are in the warehouse), and the whole `kpi_catalog`. Columns
and values are those of the published marts, read from the warehouse file read-only. Every text cell,
headers included, goes through `cells.spreadsheet_text`: text a spreadsheet would run as a formula gets
a leading single quote. Numbers stay numbers, dates are dates.

- Excel: one workbook `kpi_<YYYY-MM>.xlsx`; a bold, frozen header row with filters, columns as wide
  as their content (within limits); text cells are written as text, never as formulas.
- CSV: `kpi_<YYYY-MM>_<mart>.csv`, UTF-8 with a byte-order mark (Excel then reads Chinese correctly),
  every text field in double quotes, numbers bare.

A file is written beside its final name and renamed over it, so a reader never sees half a file.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from dagster_kpi.cells import spreadsheet_cell, spreadsheet_text
from dagster_kpi.errors import KpiError, UsageError
from dagster_kpi.report import display_width, published_marts, published_month

FORMATS = ("xlsx", "csv")
DEFAULT_FORMAT = "xlsx"
CSV_ENCODING = "utf-8-sig"  # UTF-8 with a byte-order mark
DATE_FORMAT = "yyyy-mm-dd"
MIN_WIDTH, MAX_WIDTH = 8, 60

LEVEL_ORDER = "CASE level WHEN 'center' THEN 0 WHEN 'department' THEN 1 WHEN 'team' THEN 2 ELSE 3 END"
# The sheets of a workbook, in order: (mart, query of its rows; `?`, where there is one, is the month's first day).
MART_QUERIES: tuple[tuple[str, str], ...] = (
    (
        "scorecards",
        f"SELECT * FROM marts.scorecards WHERE period_grain = 'month' AND period_start = ? "
        f"ORDER BY {LEVEL_ORDER}, rank NULLS LAST, entity_id",
    ),
    ("pay_sheet", "SELECT * FROM marts.pay_sheet WHERE period_start = ? ORDER BY team NULLS LAST, agent_id"),
    ("deductions", "SELECT * FROM marts.deductions WHERE period_start = ? ORDER BY occurred_at, violation_id"),
    (
        "kpi_scores",
        f"SELECT * FROM marts.kpi_scores WHERE period_start = ? "
        f"ORDER BY {LEVEL_ORDER}, entity_id, CASE component WHEN 'item' THEN 0 ELSE 1 END, kpi_code",
    ),
    (
        "kpi_values",
        f"SELECT * FROM marts.kpi_values WHERE period_grain = 'month' AND period_start = ? "
        f"ORDER BY {LEVEL_ORDER}, entity_id, kpi_code",
    ),
    ("kpi_catalog", "SELECT * FROM marts.kpi_catalog ORDER BY kpi_code"),
)


@dataclass(frozen=True)
class Sheet:
    """One mart's rows for the month, as published."""

    name: str
    columns: list[str]
    rows: list[tuple[Any, ...]]


def read_month(con: duckdb.DuckDBPyConnection, period: date) -> list[Sheet]:
    """The published marts' rows of the month starting `period`, one sheet per mart."""
    sheets = []
    for name, query in MART_QUERIES:
        cursor = con.execute(query, [period] if "?" in query else [])
        columns = [column[0] for column in cursor.description or ()]
        sheets.append(Sheet(name, columns, cursor.fetchall()))
    return sheets


def export_month(warehouse: Path, out: Path, formats: Sequence[str] = (DEFAULT_FORMAT,), month: str | None = None) -> list[Path]:
    """Write the month's (default: the latest published month's) marts in `formats`; the files written.

    `out` is a folder (created when missing), or the workbook's file when it ends in `.xlsx` and only
    xlsx is asked for. A month without published KPI values is a KpiError.
    """
    formats = list(dict.fromkeys(formats))
    if unknown := [f for f in formats if f not in FORMATS]:
        raise UsageError(f"format must be one of {', '.join(FORMATS)}, got {unknown[0]!r}")
    folder, workbook_name = _output(out, formats)
    with published_marts(warehouse) as con:
        period = published_month(con, month)
        if period is None or not _has_month(con, period):
            raise KpiError(f"no published KPI values for {month}" if month else "no published KPI values")
        sheets = read_month(con, period)
    label = f"{period:%Y-%m}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        if "xlsx" in formats:
            written.append(write_workbook(folder / (workbook_name or f"kpi_{label}.xlsx"), sheets))
        if "csv" in formats:
            written += [write_csv(folder / f"kpi_{label}_{sheet.name}.csv", sheet) for sheet in sheets]
    except OSError as error:
        raise KpiError(f"cannot write the export to {out}: {error.strerror or error}") from None
    return written


def _output(out: Path, formats: Sequence[str]) -> tuple[Path, str | None]:
    """(folder, workbook file name or None for the default name) of `--out`."""
    suffix = out.suffix.lower()
    if suffix == ".csv" or (suffix == ".xlsx" and "csv" in formats):
        raise UsageError(f"--out {out}: CSV export writes one file per mart; give a folder")
    if suffix == ".xlsx":
        if out.is_dir():
            raise UsageError(f"--out {out} is a folder, not a workbook file")
        return out.parent, out.name
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a folder")
    return out, None


def _has_month(con: duckdb.DuckDBPyConnection, period: date) -> bool:
    query = "SELECT count(*) > 0 FROM marts.kpi_values WHERE period_grain = 'month' AND period_start = ?"
    row = con.execute(query, [period]).fetchone()
    return bool(row and row[0])


@contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A temporary path beside `path`, renamed over it once written (removed if writing fails)."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def write_csv(path: Path, sheet: Sheet) -> Path:
    """The sheet as CSV: UTF-8 with BOM, a header row, text quoted and neutralised, numbers bare."""
    with _replacing(path) as partial, partial.open("w", encoding=CSV_ENCODING, newline="") as file:
        writer = csv.writer(file, quoting=csv.QUOTE_NONNUMERIC)
        writer.writerow([spreadsheet_text(column) for column in sheet.columns])
        writer.writerows([_csv_value(value) for value in row] for row in sheet.rows)
    return path


def _csv_value(value: object) -> object:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return spreadsheet_cell(value)


def write_workbook(path: Path, sheets: Sequence[Sheet]) -> Path:
    """The sheets as one Excel workbook: bold frozen header with filters, fitted widths, text as text."""
    from openpyxl import Workbook  # only an export pays for the import
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet.name)
        for index, width in enumerate(_widths(sheet), start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = width
        worksheet.freeze_panes = "A2"
        if sheet.columns:
            worksheet.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}{len(sheet.rows) + 1}"
        worksheet.append([_cell(worksheet, column, font=bold) for column in sheet.columns])
        for row in sheet.rows:
            worksheet.append([_cell(worksheet, value) for value in row])
    with _replacing(path) as partial:
        workbook.save(partial)
    return path


def _cell(worksheet: Any, value: object, font: Any = None) -> Any:
    """A write-only cell: text neutralised and typed as text (never a formula), dates formatted as dates."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(worksheet, value=spreadsheet_cell(value))
    if isinstance(value, str):
        cell.data_type = "s"
    elif isinstance(value, (date, datetime)):
        cell.number_format = DATE_FORMAT
    if font is not None:
        cell.font = font
    return cell


def _widths(sheet: Sheet) -> list[float]:
    """Each column as wide as its widest cell (wide characters count twice), within limits."""
    widths = [display_width(column) for column in sheet.columns]
    for row in sheet.rows:
        for index, value in enumerate(row):
            if value is not None:
                widths[index] = max(widths[index], display_width(_shown(value)))
    return [min(max(width + 2, MIN_WIDTH), MAX_WIDTH) for width in widths]


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"  # about what Excel's General format shows
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(spreadsheet_cell(value))
