"""`kpi export`: a month's published marts as files, an Excel workbook or CSV files for people, Parquet for analysts.

One sheet (or file) per mart: `scorecards`, `pay_sheet`, `deductions`, `kpi_scores` and `kpi_values` of the month
(the month's monthly rows; quarters, half-years and years are in the warehouse), the whole `kpi_catalog`, and, where the
warehouse has them, `sla_events` (by the month of their target), `ticket_backlog` (the month's days), `call_intervals`
(the month's intervals) and `rating_summary`. Values are those of the published marts, read from the warehouse file
read-only. Scorecards run from the centre to the departments, teams and agents, each level by rank, then name in its
natural order (热线二组 before 热线三组).

- Excel: one workbook `kpi_<YYYY-MM>.xlsx`; headers and sheet names in Chinese (units in the header: 元, 秒, 分钟) or,
  with lang en, the marts' names; a bold, frozen header row with filters, columns as wide as their content (within
  limits), number formats per column (percent for ratios, yuan with 2 decimals, counts as integers, seconds and
  minutes to one decimal; a KPI's value and target by the KPI's unit); text cells written as text, never formulas.
- CSV: `kpi_<YYYY-MM>_<mart>.csv`, UTF-8 with a byte-order mark (Excel then reads Chinese correctly), headers as in
  the workbook, every text field in double quotes, numbers bare.
- Parquet: `kpi_<YYYY-MM>_<mart>.parquet`, the marts' column names, types and values exactly as published.

In the workbook and the CSV files every text cell, headers included, goes through `cells.spreadsheet_text`: text a
spreadsheet would run as a formula gets a leading single quote. Numbers stay numbers, dates are dates.

A file is written beside its final name and renamed over it, so a reader never sees half a file.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from dagster_kpi.cells import spreadsheet_cell, spreadsheet_text
from dagster_kpi.errors import KpiError, UsageError
from dagster_kpi.naming import register_natural_key
from dagster_kpi.report import display_width, published_marts, published_month
from dagster_kpi.sql import lit, table_exists

FORMATS = ("xlsx", "csv", "parquet")
DEFAULT_FORMAT = "xlsx"
LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
CSV_ENCODING = "utf-8-sig"  # UTF-8 with a byte-order mark
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
MIN_WIDTH, MAX_WIDTH = 8, 60
MONTH = "$month"  # in a mart's query: the month's first day, as a DATE literal

LEVEL_ORDER = "CASE level WHEN 'center' THEN 0 WHEN 'department' THEN 1 WHEN 'team' THEN 2 ELSE 3 END"
IN_MONTH = f">= {MONTH} AND {{column}} < {MONTH} + INTERVAL 1 MONTH"
# The sheets of a workbook, in order: (mart, query of the month's rows). Names in their natural order (naming.natural_key,
# the SQL function natural_key: 热线二组 before 热线三组, KF999 before KF1001); scorecards by rank, then name.
MART_QUERIES: tuple[tuple[str, str], ...] = (
    (
        "scorecards",
        f"SELECT * FROM marts.scorecards WHERE period_grain = 'month' AND period_start = {MONTH} "
        f"ORDER BY {LEVEL_ORDER}, rank NULLS LAST, natural_key(entity_id)",
    ),
    (
        "pay_sheet",
        f"SELECT * FROM marts.pay_sheet WHERE period_start = {MONTH} "
        "ORDER BY natural_key(team) NULLS LAST, natural_key(agent_id)",
    ),
    ("deductions", f"SELECT * FROM marts.deductions WHERE period_start = {MONTH} ORDER BY occurred_at, violation_id"),
    (
        "kpi_scores",
        f"SELECT * FROM marts.kpi_scores WHERE period_start = {MONTH} "
        f"ORDER BY {LEVEL_ORDER}, natural_key(entity_id), CASE component WHEN 'item' THEN 0 ELSE 1 END, kpi_code",
    ),
    (
        "kpi_values",
        f"SELECT * FROM marts.kpi_values WHERE period_grain = 'month' AND period_start = {MONTH} "
        f"ORDER BY {LEVEL_ORDER}, natural_key(entity_id), kpi_code",
    ),
    ("kpi_catalog", "SELECT * FROM marts.kpi_catalog ORDER BY kpi_code"),
    ("sla_events", f"SELECT * FROM marts.sla_events WHERE period_start = {MONTH} ORDER BY target_at, source, record_id, metric"),
    ("ticket_backlog", f"SELECT * FROM marts.ticket_backlog WHERE day {IN_MONTH.format(column='day')} ORDER BY day, category"),
    (
        "call_intervals",
        f"SELECT * FROM marts.call_intervals WHERE interval_start {IN_MONTH.format(column='interval_start')} "
        "ORDER BY interval_start, queue",
    ),
    ("rating_summary", f"SELECT * FROM marts.rating_summary WHERE period_start = {MONTH} ORDER BY natural_key(agent_id)"),
)
# Marts a warehouse published before they existed may lack: their sheets are left out.
OPTIONAL_MARTS = frozenset({"sla_events", "ticket_backlog", "call_intervals", "rating_summary"})

SHEET_TITLES_ZH = {
    "scorecards": "计分卡",
    "pay_sheet": "绩效工资表",
    "deductions": "扣分明细",
    "kpi_scores": "指标得分",
    "kpi_values": "指标值",
    "kpi_catalog": "指标目录",
    "sla_events": "SLA事件",
    "ticket_backlog": "工单积压",
    "call_intervals": "话务时段",
    "rating_summary": "评分汇总",
}
# Chinese headers, with the unit where the column has one (yuan, seconds, minutes); (mart, column) before column.
HEADERS_ZH: dict[str, str] = {
    "period_start": "期间",
    "period_grain": "期间类型",
    "level": "层级",
    "entity_id": "对象编号",
    "entity_name": "对象名称",
    "rule_set": "考核方案",
    "total_score": "总分",
    "scored_weight": "计分权重",
    "grade": "等级",
    "rank": "排名",
    "ranked_entities": "参与排名数",
    "pay_ratio": "绩效系数",
    "award_amount": "奖励金额(元)",
    "improvement_plan_required": "需改进计划",
    "at_risk": "风险预警",
    "assessed": "参与考核",
    "not_assessed_reason": "未考核原因",
    "base_score": "基础分",
    "adjustment_points": "加减分",
    "excellent": "优秀",
    "agent_id": "工号",
    "agent_name": "姓名",
    "team": "班组",
    "department": "部门",
    "role": "岗位",
    "effective_pay_ratio": "实际绩效系数",
    "pay_base": "绩效工资基数(元)",
    "proration": "出勤折算比例",
    "performance_pay": "绩效工资(元)",
    "fine_amount": "罚款(元)",
    "net_amount": "实发金额(元)",
    "violation_id": "违规编号",
    "occurred_at": "发生时间",
    "level_reached": "计入层级",
    "category": "类别",
    "inspector_level": "检查层级",
    "points": "得分",
    "kpi_code": "指标代码",
    "value": "值",
    "weight": "权重",
    "rule_type": "计分规则",
    "target": "目标值",
    "component": "组成部分",
    "numerator": "分子",
    "denominator": "分母",
    "name_zh": "中文名称",
    "name_en": "英文名称",
    "unit": "单位",
    "direction": "方向",
    "levels": "适用层级",
    "value_min": "最小值",
    "value_max": "最大值",
    "definition": "定义",
    "source_tables": "来源表",
    "source": "来源",
    "record_id": "记录编号",
    "priority": "优先级",
    "metric": "考核项",
    "started_at": "开始时间",
    "target_at": "目标时间",
    "achieved_at": "达成时间",
    "elapsed_minutes": "用时(分钟)",
    "target_minutes": "目标时长(分钟)",
    "clock": "计时方式",
    "status": "状态",
    "day": "日期",
    "open_tickets": "未结工单数",
    "past_target_tickets": "超时工单数",
    "interval_start": "时段开始",
    "queue": "队列",
    "offered": "呼入量",
    "answered": "接听量",
    "abandoned": "放弃量",
    "short_abandoned": "短时放弃量",
    "blocked": "阻塞量",
    "answered_in_sl": "服务水平内接听量",
    "service_level": "服务水平",
    "asa_seconds": "平均应答速度(秒)",
    "aht_seconds": "平均处理时长(秒)",
    "erlang_agents": "Erlang C坐席数",
    "required_agents": "所需坐席数",
    "self_score": "自评分",
    "peer_score": "互评分",
    "supervisor_score": "主管评分",
    "manager_score": "经理评分",
    "combined_score": "综合评分",
    "rater_count": "评分人数",
}
MART_HEADERS_ZH: dict[tuple[str, str], str] = {("pay_sheet", "level"): "职级", ("deductions", "points"): "扣分"}

PERCENT, YUAN, COUNT, AMOUNT, SCORE = "0.0%", "#,##0.00", "#,##0", "#,##0.0", "0.00"
# Number formats of the workbook's columns; a KPI's value and target take the format of the KPI's unit.
COLUMN_FORMATS: dict[str, str] = {
    **dict.fromkeys(("pay_ratio", "effective_pay_ratio", "proration", "service_level"), PERCENT),
    **dict.fromkeys(("award_amount", "fine_amount", "net_amount", "performance_pay", "pay_base"), YUAN),
    **dict.fromkeys(("asa_seconds", "aht_seconds", "elapsed_minutes", "target_minutes"), AMOUNT),
    **dict.fromkeys(
        (
            "rank",
            "ranked_entities",
            "offered",
            "answered",
            "abandoned",
            "short_abandoned",
            "blocked",
            "answered_in_sl",
            "erlang_agents",
            "required_agents",
            "rater_count",
            "open_tickets",
            "past_target_tickets",
        ),
        COUNT,
    ),  # fmt: skip
    **dict.fromkeys(
        (
            "total_score",
            "base_score",
            "adjustment_points",
            "self_score",
            "peer_score",
            "supervisor_score",
            "manager_score",
            "combined_score",
        ),
        SCORE,
    ),  # fmt: skip
}
UNIT_FORMATS = {"ratio": PERCENT, "count": COUNT, "seconds": AMOUNT, "minutes": AMOUNT, "hours": AMOUNT, "score": SCORE}
BY_UNIT = ("value", "target")  # columns whose format is the unit of the row's kpi_code


def header(mart: str, column: str, lang: str) -> str:
    if lang == "en":
        return column
    return MART_HEADERS_ZH.get((mart, column)) or HEADERS_ZH.get(column, column)


def sheet_title(mart: str, lang: str) -> str:
    return mart if lang == "en" else SHEET_TITLES_ZH.get(mart, mart)


@dataclass(frozen=True)
class Sheet:
    """One mart's rows for the month, as published."""

    name: str
    columns: list[str]
    rows: list[tuple[Any, ...]]


def month_queries(con: duckdb.DuckDBPyConnection, period: date) -> list[tuple[str, str]]:
    """(mart, query) of the month's sheets the warehouse has, the month filled in as a DATE literal."""
    month = f"DATE '{period.isoformat()}'"
    return [
        (name, query.replace(MONTH, month))
        for name, query in MART_QUERIES
        if name not in OPTIONAL_MARTS or table_exists(con, "marts", name)
    ]


def read_month(con: duckdb.DuckDBPyConnection, period: date) -> list[Sheet]:
    """The published marts' rows of the month starting `period`, one sheet per mart."""
    sheets = []
    for name, query in month_queries(con, period):
        cursor = con.execute(query)
        columns = [column[0] for column in cursor.description or ()]
        sheets.append(Sheet(name, columns, cursor.fetchall()))
    return sheets


def export_month(
    warehouse: Path,
    out: Path,
    formats: Sequence[str] = (DEFAULT_FORMAT,),
    month: str | None = None,
    lang: str = DEFAULT_LANG,
) -> list[Path]:
    """Write the month's (default: the latest published month's) marts in `formats`; the files written.

    `out` is a folder (created when missing), or the workbook's file when it ends in `.xlsx` and only
    xlsx is asked for. Workbook and CSV headers are in `lang`; Parquet keeps the marts' column names and types.
    A month without published KPI values is a KpiError.
    """
    formats = list(dict.fromkeys(formats))
    if unknown := [f for f in formats if f not in FORMATS]:
        raise UsageError(f"format must be one of {', '.join(FORMATS)}, got {unknown[0]!r}")
    if lang not in LANGS:
        raise UsageError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    folder, workbook_name = _output(out, formats)
    written: list[Path] = []
    with published_marts(warehouse) as con:
        register_natural_key(con)
        period = published_month(con, month)
        if period is None or not _has_month(con, period):
            raise KpiError(f"no published KPI values for {month}" if month else "no published KPI values")
        label = f"{period:%Y-%m}"
        sheets = read_month(con, period)
        units = dict(con.execute("SELECT kpi_code, unit FROM marts.kpi_catalog").fetchall())
        _writing(out, lambda: _folder(folder))
        if "parquet" in formats:
            written += _writing(out, lambda: write_parquet(con, folder, label, month_queries(con, period)))
    if "xlsx" in formats:
        workbook = folder / (workbook_name or f"kpi_{label}.xlsx")
        written += _writing(out, lambda: [write_workbook(workbook, sheets, lang, units)])
    if "csv" in formats:
        written += _writing(out, lambda: [write_csv(folder / f"kpi_{label}_{sheet.name}.csv", sheet, lang) for sheet in sheets])
    # xlsx first, then CSV, then Parquet, as the files are listed
    order = {"xlsx": 0, "csv": 1, "parquet": 2}
    return sorted(written, key=lambda path: order[path.suffix[1:].lower()])


def _folder(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return []


def _writing(out: Path, write: Callable[[], list[Path]]) -> list[Path]:
    """What `write` wrote; a file system error as a one-line KpiError."""
    try:
        return write()
    except OSError as error:
        raise KpiError(f"cannot write the export to {out}: {error.strerror or error}") from None


def write_parquet(con: duckdb.DuckDBPyConnection, folder: Path, label: str, queries: Sequence[tuple[str, str]]) -> list[Path]:
    """One Parquet file per mart, `kpi_<month>_<mart>.parquet`: the marts' columns and types as published."""
    written = []
    for name, query in queries:
        path = folder / f"kpi_{label}_{name}.parquet"
        with _replacing(path) as partial:
            try:
                con.execute(f"COPY ({query}) TO {lit(str(partial))} (FORMAT parquet)")
            except duckdb.IOException as error:
                raise OSError(str(error).split("\n")[0]) from None
        written.append(path)
    return written


def _output(out: Path, formats: Sequence[str]) -> tuple[Path, str | None]:
    """(folder, workbook file name or None for the default name) of `--out`."""
    suffix = out.suffix.lower()
    per_mart = [name for name, fmt in (("CSV", "csv"), ("Parquet", "parquet")) if fmt in formats]
    if suffix in (".csv", ".parquet") or (suffix == ".xlsx" and per_mart):
        raise UsageError(f"--out {out}: {(per_mart or ['CSV'])[0]} export writes one file per mart; give a folder")
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


def write_csv(path: Path, sheet: Sheet, lang: str = DEFAULT_LANG) -> Path:
    """The sheet as CSV: UTF-8 with BOM, a header row in `lang`, text quoted and neutralised, numbers bare."""
    with _replacing(path) as partial, partial.open("w", encoding=CSV_ENCODING, newline="") as file:
        writer = csv.writer(file, quoting=csv.QUOTE_NONNUMERIC)
        writer.writerow([spreadsheet_text(header(sheet.name, column, lang)) for column in sheet.columns])
        writer.writerows([_csv_value(value) for value in row] for row in sheet.rows)
    return path


def _csv_value(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return spreadsheet_cell(value)


def column_formats(sheet: Sheet) -> list[tuple[str | None, int | None]]:
    """Per column, (its number format or None for General, the index of kpi_code when the format is the unit's of
    the row's KPI: a KPI's value and target)."""
    code = sheet.columns.index("kpi_code") if "kpi_code" in sheet.columns and sheet.name != "kpi_catalog" else None
    return [(COLUMN_FORMATS.get(column), code if column in BY_UNIT else None) for column in sheet.columns]


def _number_format(row: tuple[Any, ...], fixed: str | None, code: int | None, units: Mapping[str, str]) -> str | None:
    return fixed if code is None else UNIT_FORMATS.get(units.get(row[code], ""))


def write_workbook(path: Path, sheets: Sequence[Sheet], lang: str = DEFAULT_LANG, units: Mapping[str, str] | None = None) -> Path:
    """The sheets as one Excel workbook: a bold frozen header in `lang` with filters, fitted widths, text as text,
    number formats per column (percent, yuan, seconds, counts)."""
    from openpyxl import Workbook  # only an export pays for the import
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet_title(sheet.name, lang))
        headers = [header(sheet.name, column, lang) for column in sheet.columns]
        for index, width in enumerate(_widths(headers, sheet), start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = width
        worksheet.freeze_panes = "A2"
        if sheet.columns:
            worksheet.auto_filter.ref = f"A1:{get_column_letter(len(sheet.columns))}{len(sheet.rows) + 1}"
        worksheet.append([_cell(worksheet, text, font=bold) for text in headers])
        formats = column_formats(sheet)
        for row in sheet.rows:
            numbers = [_number_format(row, fixed, code, units or {}) for fixed, code in formats]
            worksheet.append([_cell(worksheet, value, number_format=fmt) for value, fmt in zip(row, numbers, strict=True)])
    with _replacing(path) as partial:
        workbook.save(partial)
    return path


def _cell(worksheet: Any, value: object, font: Any = None, number_format: str | None = None) -> Any:
    """A write-only cell: text neutralised and typed as text (never a formula), dates formatted as dates, numbers in
    `number_format`."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(worksheet, value=spreadsheet_cell(value))
    if isinstance(value, str):
        cell.data_type = "s"
    elif isinstance(value, datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool) and number_format:
        cell.number_format = number_format
    if font is not None:
        cell.font = font
    return cell


def _widths(headers: Sequence[str], sheet: Sheet) -> list[float]:
    """Each column as wide as its widest cell (wide characters count twice), within limits."""
    widths = [display_width(text) for text in headers]
    for row in sheet.rows:
        for index, value in enumerate(row):
            if value is not None:
                widths[index] = max(widths[index], display_width(_shown(value)))
    return [min(max(width + 2, MIN_WIDTH), MAX_WIDTH) for width in widths]


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"  # about what Excel's General format shows
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(spreadsheet_cell(value))
