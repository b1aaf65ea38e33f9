"""`kpi report`: one month of the published marts as a self-contained HTML page for a centre manager.

The page holds the centre's scorecard (each KPI's value, target, points and its last 12 months as an inline SVG
line), the teams and agents with grades, awards, improvement plans and at-risk flags, the pay sheet's totals, the
deductions, SLA attainment by priority and the busiest intervals; a section whose mart the warehouse does not have
is left out. Styles and charts are inline, nothing is fetched, no script runs; print CSS lays it out on A4.

Text from the marts is escaped by the template (autoescape) and by `_svg_text` inside the charts.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from dagster_kpi.errors import KpiError, UsageError
from dagster_kpi.report import (
    DEDUCTED_AGENTS_QUERY,
    DEDUCTIONS_SHOWN,
    HEADLINE_KPIS,
    format_value,
    published_marts,
    published_month,
    sla_attainment,
)
from dagster_kpi.sql import table_exists

LANGUAGES = ("zh", "en")
TREND_MONTHS = 12
INTERVALS_SHOWN = 10

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "绩效月报",
        "month": "月份",
        "total": "总分",
        "grade": "等级",
        "rank": "排名",
        "pay_ratio": "绩效系数",
        "scorecard": "中心计分卡",
        "kpi": "指标",
        "value": "本月值",
        "target": "目标",
        "weight": "权重",
        "points": "得分",
        "trend": "近12个月趋势",
        "adjustment": "加减分",
        "headline": "重点指标（分组）",
        "center": "中心",
        "teams": "班组排名",
        "team": "班组",
        "agents": "坐席排名",
        "agent": "工号",
        "name": "姓名",
        "award": "奖励（元）",
        "flags": "提示",
        "improvement": "需改进计划",
        "at_risk": "风险",
        "not_assessed": "未考核",
        "probation": "试用期",
        "absent": "缺勤",
        "pay": "绩效工资汇总",
        "agents_count": "人数",
        "assessed": "已考核",
        "performance_pay": "绩效工资",
        "awards": "奖励",
        "fines": "罚款",
        "net": "实发",
        "yuan": "元",
        "deductions": "违规扣分",
        "incidents": "次数",
        "deduction_points": "扣分",
        "more_deducted": "另有 {n} 名坐席有扣分",
        "no_deductions": "本月无扣分。",
        "by_category": "按类别",
        "category": "类别",
        "sla": "服务时限达成（按优先级）",
        "priority": "优先级",
        "achieved": "达成",
        "breached": "超时",
        "open": "未到期",
        "attainment": "达成率",
        "all": "合计",
        "urgent": "特别紧急",
        "high": "紧急",
        "normal": "一般",
        "no_sla": "本月无服务时限事件。",
        "intervals": "最繁忙时段",
        "interval": "时段",
        "queue": "技能组",
        "offered": "来电",
        "service_level": "服务水平",
        "aht": "平均处理时长",
        "erlang_agents": "Erlang C 坐席",
        "required_agents": "所需坐席",
        "no_intervals": "本月无来电。",
        "footer": "数据来源：已发布的数据集市（只读）。",
        "no_scorecard": "本月无中心计分卡。",
        "no_ranked": "本月无记录。",
        "agents_card": "坐席",
        "rule_set": "规则集",
        "cat_appearance": "仪容仪表",
        "cat_discipline": "工作纪律",
        "cat_attitude": "工作态度",
        "cat_facility": "公共设施",
        "cat_building": "建筑风貌",
        "cat_service": "服务规范",
        "cat_other": "其他",
    },
    "en": {
        "title": "Monthly performance report",
        "month": "Month",
        "total": "Total",
        "grade": "Grade",
        "rank": "Rank",
        "pay_ratio": "Pay ratio",
        "scorecard": "Centre scorecard",
        "kpi": "KPI",
        "value": "Value",
        "target": "Target",
        "weight": "Weight",
        "points": "Points",
        "trend": "Last 12 months",
        "adjustment": "adjustment",
        "headline": "Headline KPIs by team",
        "center": "Centre",
        "teams": "Team ranking",
        "team": "Team",
        "agents": "Agent ranking",
        "agent": "Agent",
        "name": "Name",
        "award": "Award (yuan)",
        "flags": "Flags",
        "improvement": "improvement plan",
        "at_risk": "at risk",
        "not_assessed": "not assessed",
        "probation": "probation",
        "absent": "absent",
        "pay": "Pay sheet totals",
        "agents_count": "Agents",
        "assessed": "Assessed",
        "performance_pay": "Performance pay",
        "awards": "Awards",
        "fines": "Fines",
        "net": "Net",
        "yuan": "yuan",
        "deductions": "Deductions",
        "incidents": "Incidents",
        "deduction_points": "Points",
        "more_deducted": "and {n} more agents with deductions",
        "no_deductions": "No deductions this month.",
        "by_category": "By category",
        "category": "Category",
        "sla": "SLA attainment by priority",
        "priority": "Priority",
        "achieved": "Achieved",
        "breached": "Breached",
        "open": "Open",
        "attainment": "Attainment",
        "all": "All",
        "urgent": "urgent",
        "high": "high",
        "normal": "normal",
        "no_sla": "No SLA events this month.",
        "intervals": "Busiest intervals",
        "interval": "Interval",
        "queue": "Queue",
        "offered": "Offered",
        "service_level": "Service level",
        "aht": "AHT",
        "erlang_agents": "Erlang C agents",
        "required_agents": "Required agents",
        "no_intervals": "No calls this month.",
        "footer": "Source: the published marts, read-only.",
        "no_scorecard": "No centre scorecard this month.",
        "no_ranked": "No rows this month.",
        "agents_card": "Agents",
        "rule_set": "Rule set",
        "cat_appearance": "appearance",
        "cat_discipline": "discipline",
        "cat_attitude": "attitude",
        "cat_facility": "facility",
        "cat_building": "building",
        "cat_service": "service",
        "cat_other": "other",
    },
}

# Chinese numerals as a natural sort reads them: 热线二组 before 热线十组, 第十一 after 第九.
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMBER_RUN = re.compile(r"(\d+|[零〇一二两三四五六七八九十百千]+)")


def chinese_number(text: str) -> int:
    """The value of a run of Chinese numerals below 10 000 (十二 = 12, 二十 = 20, 一百零五 = 105, 二〇二四 = 2024)."""
    if all(ch in _CN_DIGITS for ch in text):  # digit by digit, as in years
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
    return total + (digit or 0)


def natural_key(name: str | None) -> tuple[tuple[int, Any], ...]:
    """Sort key of a name with its numbers (Arabic or Chinese) compared by value."""
    parts = _NUMBER_RUN.split(name or "")
    key: list[tuple[int, Any]] = []
    for i, part in enumerate(parts):
        if i % 2:
            key.append((0, int(part) if part.isdigit() else chinese_number(part)))
        elif part:
            key.append((1, part))
    return tuple(key)


# --- inline SVG charts, built from numbers ---------------------------------------------------------------------------


def _svg_text(text: object) -> str:
    return str(escape(str(text)))


def sparkline(
    points: Sequence[tuple[date, float | None]],
    unit: str,
    target: float | None = None,
    width: int = 180,
    height: int = 52,
) -> Markup:
    """A small line chart of monthly values (a gap where a month has none), the last point marked, the target as a
    dashed line, the first and last month written below; each point's <title> holds its month and value."""
    values = [v for _, v in points if v is not None]
    if not values:
        return Markup("")
    scale = [*values, *([target] if target is not None else [])]
    low, high = min(scale), max(scale)
    if math.isclose(low, high):
        low, high = low - 1, high + 1
    pad, axis = 5, 12  # margin around the plot; the month labels' band at the bottom
    step = (width - 2 * pad) / max(len(points) - 1, 1)

    def y(value: float) -> float:
        return round(height - axis - (value - low) / (high - low) * (height - axis - pad), 1)

    segments: list[list[str]] = [[]]
    marks = []
    for i, (month, value) in enumerate(points):
        if value is None:
            segments.append([])
            continue
        x = round(pad + i * step, 1)
        segments[-1].append(f"{x},{y(value)}")
        last = i == len(points) - 1
        title = _svg_text(f"{month:%Y-%m}: {format_value(value, unit)}")
        marks.append(
            f'<circle cx="{x}" cy="{y(value)}" r="{3 if last else 1.8}" class="{"pt last" if last else "pt"}">'
            f"<title>{title}</title></circle>"
        )
    parts = [f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">']
    if target is not None:
        ty = y(target)
        parts.append(f'<line class="target" x1="{pad}" x2="{width - pad}" y1="{ty}" y2="{ty}"/>')
    parts += [f'<polyline class="line" points="{" ".join(s)}"/>' for s in segments if len(s) > 1]
    parts += marks
    parts.append(f'<text class="axis" x="{pad}" y="{height - 1}">{points[0][0]:%Y-%m}</text>')
    if len(points) > 1:
        parts.append(f'<text class="axis" x="{width - pad}" y="{height - 1}" text-anchor="end">{points[-1][0]:%Y-%m}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def meter(share: float | None, width: int = 120, height: int = 12) -> Markup:
    """A horizontal bar of a 0-1 share."""
    if share is None:
        return Markup("")
    filled = round(max(0.0, min(1.0, share)) * width, 1)
    return Markup(
        f'<svg class="meter" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">'
        f'<rect class="track" x="0" y="0" width="{width}" height="{height}" rx="3"/>'
        f'<rect class="fill" x="0" y="0" width="{filled}" height="{height}" rx="3"/></svg>'
    )


# --- what the page shows ---------------------------------------------------------------------------------------------


@dataclass
class Report:
    lang: str
    month: date
    centre: str
    card: dict[str, Any] | None
    scorecard: list[dict[str, Any]]
    headline: dict[str, Any]
    teams: list[dict[str, Any]]
    agents: list[dict[str, Any]]
    agent_groups: list[tuple[str | None, list[dict[str, Any]]]]
    pay: dict[str, Any] | None = None
    deductions: dict[str, Any] | None = None
    sla: list[dict[str, Any]] | None = None
    intervals: list[dict[str, Any]] | None = None
    counts: dict[str, int] = field(default_factory=dict)


def _rows(con: duckdb.DuckDBPyConnection, query: str, parameters: Sequence[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(query, parameters)
    names = [c[0] for c in cursor.description or ()]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    query = "SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts' AND table_name = ?"
    return {row[0] for row in con.execute(query, [table]).fetchall()}


def _kpi_name(row: dict[str, Any], lang: str) -> str:
    return row.get(f"name_{lang}") or row.get("name_en") or row["kpi_code"]


def _months_back(period: date, count: int) -> list[date]:
    months = []
    year, month = period.year, period.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


def _scorecard_flags(con: duckdb.DuckDBPyConnection) -> str:
    """The optional scorecard columns as a select list (a warehouse published before a column existed shows none)."""
    present = _columns(con, "scorecards")
    optional = {
        "award_amount": "CAST(NULL AS DOUBLE)",
        "improvement_plan_required": "false",
        "at_risk": "false",
        "assessed": "true",
        "not_assessed_reason": "CAST(NULL AS VARCHAR)",
        "pay_ratio": "CAST(NULL AS DOUBLE)",
        "ranked_entities": "CAST(NULL AS INTEGER)",
        "rule_set": "CAST(NULL AS VARCHAR)",
    }
    return ", ".join(name if name in present else f"{default} AS {name}" for name, default in optional.items())


def read_report(con: duckdb.DuckDBPyConnection, period: date, lang: str) -> Report:
    flags = _scorecard_flags(con)
    cards = _rows(
        con,
        f"SELECT level, entity_id, entity_name, total_score, grade, rank, {flags} FROM marts.scorecards"
        " WHERE period_grain = 'month' AND period_start = ? AND level IN ('center', 'team', 'agent')",
        [period],
    )
    centre_card = next((c for c in cards if c["level"] == "center"), None)
    teams = sorted((c for c in cards if c["level"] == "team"), key=lambda c: natural_key(c["entity_name"] or c["entity_id"]))
    # Ranks are shared within a rule set: agents are listed by rule set, then rank, the unranked last.
    agents = sorted(
        (c for c in cards if c["level"] == "agent"),
        key=lambda c: (natural_key(c["rule_set"]), c["rank"] is None, c["rank"] or 0, natural_key(c["entity_id"])),
    )
    if table_exists(con, "marts", "pay_sheet"):
        team_of = dict(con.execute("SELECT agent_id, team FROM marts.pay_sheet WHERE period_start = ?", [period]).fetchall())
        for agent in agents:
            agent["team"] = team_of.get(agent["entity_id"])

    catalog = {r["kpi_code"]: r for r in _rows(con, "SELECT * FROM marts.kpi_catalog", [])}
    months = _months_back(period, TREND_MONTHS)
    history: dict[str, dict[date, float | None]] = {}
    for code, start, value in con.execute(
        "SELECT kpi_code, period_start, value FROM marts.kpi_values"
        " WHERE period_grain = 'month' AND level = 'center' AND period_start BETWEEN ? AND ?",
        [months[0], period],
    ).fetchall():
        history.setdefault(code, {})[start] = value

    scorecard = []
    for row in _rows(
        con,
        "SELECT kpi_code, value, target, weight, points, component FROM marts.kpi_scores"
        " WHERE level = 'center' AND period_start = ?"
        " ORDER BY CASE component WHEN 'item' THEN 0 ELSE 1 END, weight DESC NULLS LAST, kpi_code",
        [period],
    ):
        entry = catalog.get(row["kpi_code"], {"kpi_code": row["kpi_code"]})
        unit = entry.get("unit") or ""
        series = history.get(row["kpi_code"], {})
        # The trend starts at the first month with a value, so a young warehouse is not mostly blank.
        first = next((i for i, m in enumerate(months) if series.get(m) is not None), len(months))
        shown = [(m, series.get(m)) for m in months[first:]]
        scorecard.append(
            {
                **row,
                "name": _kpi_name(entry, lang),
                "unit": unit,
                "value_text": format_value(row["value"], unit),
                "target_text": format_value(row["target"], unit),
                "points_text": "—" if row["points"] is None else f"{row['points']:.2f}",
                "weight_text": "" if row["weight"] is None else f"{row['weight']:g}",
                "chart": sparkline(shown, unit, target=row["target"] if row["component"] == "item" else None),
            }
        )

    headline_rows = con.execute(
        "SELECT kpi_code, level, entity_id, value FROM marts.kpi_values"
        " WHERE period_grain = 'month' AND period_start = ? AND level IN ('center', 'team')"
        " AND kpi_code IN (SELECT unnest(?::VARCHAR[]))",
        [period, list(HEADLINE_KPIS)],
    ).fetchall()
    team_ids = sorted({r[2] for r in headline_rows if r[1] == "team"}, key=natural_key)
    values = {(code, entity): value for code, _, entity, value in headline_rows}
    headline = {
        "teams": team_ids,
        "rows": [
            {
                "code": code,
                "name": _kpi_name(catalog.get(code, {"kpi_code": code}), lang),
                "cells": [
                    format_value(values.get((code, e)), (catalog.get(code) or {}).get("unit") or "")
                    for e in ["center", *team_ids]
                ],
            }
            for code in HEADLINE_KPIS
            if any(k == code for k, _ in values)
        ],
    }

    report = Report(
        lang=lang,
        month=period,
        centre=(centre_card or {}).get("entity_name") or LABELS[lang]["center"],
        card=centre_card,
        scorecard=scorecard,
        headline=headline,
        teams=teams,
        agents=agents,
        agent_groups=_by_rule_set(agents),
    )
    report.counts = {
        "agents": len(agents),
        "at_risk": sum(1 for a in agents if a["at_risk"]),
        "improvement": sum(1 for a in agents if a["improvement_plan_required"]),
        "awards": sum(1 for a in agents if (a["award_amount"] or 0) > 0),
    }
    if table_exists(con, "marts", "pay_sheet"):
        report.pay = _rows(
            con,
            "SELECT count(*) AS agents, count(*) FILTER (WHERE assessed) AS assessed,"
            " coalesce(sum(performance_pay), 0) AS performance_pay, coalesce(sum(award_amount), 0) AS awards,"
            " coalesce(sum(fine_amount), 0) AS fines, coalesce(sum(net_amount), 0) AS net"
            " FROM marts.pay_sheet WHERE period_start = ?",
            [period],
        )[0]
        if not report.pay["agents"]:
            report.pay = None
    if table_exists(con, "marts", "deductions"):
        report.deductions = _deductions(con, period)
    if table_exists(con, "marts", "sla_events"):
        report.sla = _sla(con, period)
    if table_exists(con, "marts", "call_intervals"):
        report.intervals = _intervals(con, period)
    return report


def _by_rule_set(cards: list[dict[str, Any]]) -> list[tuple[str | None, list[dict[str, Any]]]]:
    """The cards (sorted by rule set) in groups of one rule set each."""
    groups: list[tuple[str | None, list[dict[str, Any]]]] = []
    for card in cards:
        if not groups or groups[-1][0] != card["rule_set"]:
            groups.append((card["rule_set"], []))
        groups[-1][1].append(card)
    return groups


def _deductions(con: duckdb.DuckDBPyConnection, period: date) -> dict[str, Any]:
    agents = _rows(con, DEDUCTED_AGENTS_QUERY, [period, period])
    categories = _rows(
        con,
        "SELECT category, count(*) AS incidents, sum(points) AS points, sum(fine_amount) AS fines"
        " FROM marts.deductions WHERE period_start = ? GROUP BY category ORDER BY points DESC, category",
        [period],
    )
    return {"agents": agents[:DEDUCTIONS_SHOWN], "more": max(len(agents) - DEDUCTIONS_SHOWN, 0), "categories": categories}


def _sla(con: duckdb.DuckDBPyConnection, period: date) -> list[dict[str, Any]]:
    return [
        {
            "priority": key,
            "achieved": achieved,
            "breached": breached,
            "open": still_open,
            "rate": format_value(share, "ratio"),
            "bar": meter(share),
        }
        for key, achieved, breached, still_open, share in sla_attainment(con, period)
    ]


def _intervals(con: duckdb.DuckDBPyConnection, period: date) -> list[dict[str, Any]]:
    rows = _rows(
        con,
        "SELECT interval_start, queue, offered, service_level, aht_seconds, erlang_agents, required_agents"
        " FROM marts.call_intervals WHERE interval_start >= ? AND interval_start < ? + INTERVAL 1 MONTH"
        " ORDER BY offered DESC, interval_start, queue LIMIT ?",
        [period, period, INTERVALS_SHOWN],
    )
    for row in rows:
        row["service_level_text"] = format_value(row["service_level"], "ratio")
        row["aht_text"] = format_value(row["aht_seconds"], "seconds")
    return rows


# --- the page --------------------------------------------------------------------------------------------------------


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("dagster_kpi", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["yuan"] = lambda amount: "—" if amount is None else f"{amount:,.2f}"
    env.filters["score"] = lambda score: "—" if score is None else f"{score:.2f}"
    env.filters["num"] = lambda n: "—" if n is None else (f"{n:,}" if isinstance(n, int) else f"{n:g}")
    return env


def render(report: Report) -> str:
    return _environment().get_template("report.html.j2").render(r=report, t=LABELS[report.lang])


def default_output(period: date) -> Path:
    return Path(f"kpi_report_{period:%Y-%m}.html")


def write_report(warehouse: Path, out: Path | None = None, month: str | None = None, lang: str = "zh") -> Path:
    """Write the month's (default: the latest published month's) report to `out` (default `kpi_report_<YYYY-MM>.html`
    in the current folder, or in `out` when it is a folder); the file written.

    The page is written beside `out` and renamed over it, so a reader of a shared folder never sees half a page.
    """
    if lang not in LANGUAGES:
        raise UsageError(f"--lang must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    with published_marts(warehouse) as con:
        period = published_month(con, month)
        found = period is not None and con.execute(
            "SELECT count(*) FROM marts.kpi_values WHERE period_grain = 'month' AND period_start = ?", [period]
        ).fetchone() != (0,)
        if period is None or not found:
            raise KpiError(f"no published KPI values for {month}" if month else "no published KPI values")
        report = read_report(con, period, lang)
    page = render(report)
    path = default_output(period) if out is None else out / default_output(period) if out.is_dir() else out
    partial = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(page, encoding="utf-8")
        os.replace(partial, path)
    except OSError as error:
        raise KpiError(f"cannot write the report to {path}: {error.strerror or error}") from None
    finally:
        partial.unlink(missing_ok=True)
    return path
