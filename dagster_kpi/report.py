"""Plain-text views of the published marts for the terminal: headline KPIs, the month's scorecards, its pay sheet,
the agents with deductions, SLA attainment by priority and the busiest intervals with the agents they needed."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb

from dagster_kpi.cells import terminal_text
from dagster_kpi.errors import KpiError, UsageError
from dagster_kpi.naming import natural_key
from dagster_kpi.sql import one, table_exists

HEADLINE_KPIS = (
    "answer_rate",
    "callback_rate",
    "complaint_resolution_satisfaction_rate",
    "complaint_resolution_hours",
    "csat_score",
    "big_client_callback_count",
    "big_client_churn_count",
    "big_client_churn_rate",
)
RANKED_SHOWN = 3
DEDUCTIONS_SHOWN = 10  # agents listed, most points first; the rest are counted
INTERVALS_SHOWN = 5  # the month's busiest intervals, most calls offered first
PRIORITIES = ("urgent", "high", "normal")


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "ratio":
        return f"{value:.1%}"
    if unit == "count":
        return f"{value:,.0f}"
    if unit in ("hours", "minutes", "seconds"):
        return f"{value:,.1f} {unit[0]}"
    return f"{value:,.1f}"


def display_width(text: str) -> int:
    """Terminal columns: wide (CJK) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def render_table(header: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> str:
    """The first `left` columns left-aligned, the others right-aligned, padded by display width; cells as
    `terminal_text`."""
    table = [[terminal_text(cell) for cell in row] for row in (header, *rows)]
    widths = [max(display_width(row[i]) for row in table) for i in range(len(header))]
    lines = []
    for row in table:
        cells = [
            cell + " " * (widths[i] - display_width(cell)) if i < left else " " * (widths[i] - display_width(cell)) + cell
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def published_months(con: duckdb.DuckDBPyConnection) -> list[date]:
    """The first days of the months with published KPI values, in order."""
    query = "SELECT DISTINCT period_start FROM marts.kpi_values WHERE period_grain = 'month' ORDER BY period_start"
    return [start for (start,) in con.execute(query).fetchall()]


def month_spans(months: Sequence[date]) -> str:
    """`2025-12 … 2026-11` for consecutive months; gaps split the spans: `2024-01, 2024-03 … 2024-05`."""
    spans: list[list[date]] = []
    for month in months:
        previous = spans[-1][-1] if spans else None
        if previous is not None and (month.year * 12 + month.month) - (previous.year * 12 + previous.month) == 1:
            spans[-1].append(month)
        else:
            spans.append([month])
    return ", ".join(f"{s[0]:%Y-%m}" if len(s) == 1 else f"{s[0]:%Y-%m} … {s[-1]:%Y-%m}" for s in spans)


def published_month(con: duckdb.DuckDBPyConnection, month: str | None) -> date | None:
    """The first day of `month` (`YYYY-MM`), or of the latest month with published KPI values when None
    (None when there is none). A month without published values is a UsageError naming the months there are."""
    months = published_months(con)
    if month is None:
        return months[-1] if months else None
    period = date.fromisoformat(f"{month}-01")
    if period not in months:
        there = f"published months: {month_spans(months)}" if months else "nothing is published yet"
        raise UsageError(f"no published values for {month}; {there}")
    return period


def headline_table(con: duckdb.DuckDBPyConnection, period: date) -> str:
    rows = con.execute(
        """
        SELECT v.kpi_code, c.name_zh, c.name_en, c.unit, v.level, v.entity_id, v.value
        FROM marts.kpi_values v JOIN marts.kpi_catalog c USING (kpi_code)
        WHERE v.period_grain = 'month' AND v.period_start = ? AND v.level IN ('center', 'team')
          AND v.kpi_code IN (SELECT unnest(?::VARCHAR[]))
        """,
        [period, list(HEADLINE_KPIS)],
    ).fetchall()
    entities = ["center", *sorted({r[5] for r in rows if r[4] == "team"}, key=natural_key)]
    values = {(r[0], r[5]): r[6] for r in rows}
    names = {r[0]: (f"{r[1]} {r[2]}", r[3]) for r in rows}
    body = [
        [names[code][0], *(format_value(values.get((code, e)), names[code][1]) for e in entities)]
        for code in HEADLINE_KPIS
        if code in names
    ]
    return render_table(["KPI", *entities], body)


def centre_scorecard(con: duckdb.DuckDBPyConnection, period: date) -> str:
    rows = con.execute(
        """
        SELECT c.name_zh || ' ' || c.name_en, c.unit, s.value, s.target, s.weight, s.points
        FROM marts.kpi_scores s JOIN marts.kpi_catalog c USING (kpi_code)
        WHERE s.level = 'center' AND s.period_start = ?
        ORDER BY CASE s.component WHEN 'item' THEN 0 ELSE 1 END, s.weight DESC, s.kpi_code
        """,
        [period],
    ).fetchall()
    card = con.execute(
        "SELECT entity_name, total_score, grade, pay_ratio FROM marts.scorecards"
        " WHERE period_grain = 'month' AND level = 'center' AND period_start = ?",
        [period],
    ).fetchone()
    if card is None:
        return "no centre scorecard for this month"
    body = [
        # An adjustment to the total has no weight.
        [
            name,
            format_value(value, unit),
            format_value(target, unit),
            "adj." if weight is None else f"{weight:g}",
            format_value(points, "score"),
        ]
        for name, unit, value, target, weight, points in rows
    ]
    table = render_table(["KPI", "value", "target", "weight", "points"], body)
    name, total, grade, pay = card
    total_text = "—" if total is None else f"{total:.2f}"
    pay_text = "—" if pay is None else f"{pay:.2f}"
    return f"{terminal_text(name)} scorecard\n{table}\ntotal {total_text}  grade {grade or '—'}  pay ratio {pay_text}"


def ranked_agents(con: duckdb.DuckDBPyConnection, period: date) -> str:
    query = """
        SELECT rank, entity_id, entity_name, total_score, grade
        FROM marts.scorecards
        WHERE period_grain = 'month' AND level = 'agent' AND period_start = ? AND rank IS NOT NULL
        ORDER BY total_score {order}, entity_id
        LIMIT ?
    """
    sections = []
    for title, order in (("Top agents", "DESC"), ("Bottom agents", "ASC")):
        rows = con.execute(query.format(order=order), [period, RANKED_SHOWN]).fetchall()
        body = [[str(rank), agent, name or "", f"{total:.2f}", grade] for rank, agent, name, total, grade in rows]
        sections.append(f"{title}\n" + render_table(["rank", "agent", "name", "total", "grade"], body))
    return "\n\n".join(sections)


def yuan(amount: float) -> str:
    return f"{amount:,.2f}"


def pay_totals(con: duckdb.DuckDBPyConnection, period: date) -> str:
    """The month's pay sheet in totals: its agents, how many were assessed, and Σ performance pay, awards, fines, net."""
    agents, assessed, pay, awards, fines, net = one(
        con,
        """
        SELECT count(*), count(*) FILTER (WHERE assessed), coalesce(sum(performance_pay), 0),
               coalesce(sum(award_amount), 0), coalesce(sum(fine_amount), 0), coalesce(sum(net_amount), 0)
        FROM marts.pay_sheet WHERE period_start = ?
        """,
        [period],
    )
    if agents == 0:
        return "no pay sheet for this month"
    body = [["performance pay", yuan(pay)], ["awards", yuan(awards)], ["fines", yuan(fines)], ["net", yuan(net)]]
    heading = f"Pay sheet: {agents} agent{'s' if agents != 1 else ''}, {assessed} assessed, {agents - assessed} not assessed"
    return heading + "\n" + render_table(["total", "yuan"], body)


# The month's agents with deductions (marts.deductions), most points first: agent_id, agent_name, incidents, points,
# fines; parameters: the month's first day, twice.
DEDUCTED_AGENTS_QUERY = """
        WITH per_agent AS (
            SELECT agent_id, count(*) AS incidents, sum(points) AS points, sum(fine_amount) AS fines
            FROM marts.deductions WHERE period_start = ? AND agent_id IS NOT NULL
            GROUP BY agent_id
        ),
        names AS (
            SELECT entity_id AS agent_id, any_value(entity_name) AS agent_name
            FROM marts.scorecards WHERE period_grain = 'month' AND period_start = ? AND level = 'agent'
            GROUP BY entity_id
        )
        SELECT agent_id, agent_name, incidents, points, fines
        FROM per_agent LEFT JOIN names USING (agent_id)
        ORDER BY points DESC NULLS LAST, fines DESC NULLS LAST, agent_id
"""


def deducted_agents(con: duckdb.DuckDBPyConnection, period: date) -> str:
    """The month's agents with deductions (marts.deductions), most points first: incidents, points and fines."""
    rows = con.execute(DEDUCTED_AGENTS_QUERY, [period, period]).fetchall()
    if not rows:
        return "Deductions: none this month"
    body = [
        [agent, name or "", str(incidents), "—" if points is None else f"{points:g}", "—" if fines is None else yuan(fines)]
        for agent, name, incidents, points, fines in rows[:DEDUCTIONS_SHOWN]
    ]
    table = render_table(["agent", "name", "incidents", "points", "fines"], body)
    more = len(rows) - DEDUCTIONS_SHOWN
    tail = f"\n… and {more} more agent{'s' if more > 1 else ''} with deductions" if more > 0 else ""
    return "Deductions (most points first)\n" + table + tail


def sla_attainment(con: duckdb.DuckDBPyConnection, period: date) -> list[tuple[str, int, int, int, float | None]]:
    """The month's SLA events (marts.sla_events, by the month of their target) per priority (urgent, high, normal,
    then any other) and in all: (priority, achieved, breached, open, attainment), the attainment achieved /
    (achieved + breached) as sla_attainment_rate counts it (None without a decided event); [] without events."""
    rows = con.execute(
        """
        SELECT priority, count(*) FILTER (WHERE status = 'achieved'), count(*) FILTER (WHERE status = 'breached'),
               count(*) FILTER (WHERE status = 'open')
        FROM marts.sla_events WHERE period_start = ?
        GROUP BY priority
        """,
        [period],
    ).fetchall()
    counts = {priority: (achieved, breached, still_open) for priority, achieved, breached, still_open in rows}
    if not counts:
        return []
    order = [p for p in PRIORITIES if p in counts] + sorted(set(counts) - set(PRIORITIES))
    totals = tuple(sum(c[i] for c in counts.values()) for i in range(3))
    return [
        (label, achieved, breached, still_open, achieved / (achieved + breached) if achieved + breached else None)
        for label, (achieved, breached, still_open) in [*((p, counts[p]) for p in order), ("all", totals)]
    ]


def sla_by_priority(con: duckdb.DuckDBPyConnection, period: date) -> str:
    """The month's SLA attainment by priority (`sla_attainment`) as a table."""
    rows = sla_attainment(con, period)
    if not rows:
        return "SLA attainment: no SLA events this month"
    body = [
        [label, f"{achieved:,}", f"{breached:,}", f"{still_open:,}", format_value(rate, "ratio")]
        for label, achieved, breached, still_open, rate in rows
    ]
    return "SLA attainment by priority\n" + render_table(["priority", "achieved", "breached", "open", "attainment"], body)


def busiest_intervals(con: duckdb.DuckDBPyConnection, period: date) -> str:
    """The month's intervals with most calls offered (marts.call_intervals, one row per interval and queue), with the
    service level and the agents Erlang C says were needed."""
    rows = con.execute(
        """
        SELECT interval_start, queue, offered, service_level, aht_seconds, erlang_agents, required_agents
        FROM marts.call_intervals
        WHERE interval_start >= ? AND interval_start < ? + INTERVAL 1 MONTH
        ORDER BY offered DESC, interval_start, queue
        LIMIT ?
        """,
        [period, period, INTERVALS_SHOWN],
    ).fetchall()
    if not rows:
        return "Busiest intervals: no calls this month"
    body = [
        [
            f"{start:%Y-%m-%d %H:%M}",
            queue,
            f"{offered:,}",
            format_value(level, "ratio"),
            format_value(aht, "seconds"),
            "—" if erlang is None else str(erlang),
            "—" if required is None else str(required),
        ]
        for start, queue, offered, level, aht, erlang, required in rows
    ]
    header = ["interval", "queue", "offered", "service level", "AHT", "Erlang C agents", "required agents"]
    return "Busiest intervals\n" + render_table(header, body, left=2)


@contextmanager
def published_marts(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the published warehouse file.

    A file DuckDB cannot read as published marts (cut off, not a warehouse, a mart missing) is a one-line
    KpiError, whether opening it or querying it fails.
    """
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            yield con
    except duckdb.Error as error:
        cause = " ".join(str(error).split("\n")[0].split())
        raise KpiError(f"warehouse {warehouse} cannot be read as published marts ({cause})") from None


def month_report(warehouse: Path, month: str | None = None) -> str:
    """Headline KPIs of the centre and teams, the centre's scorecard, the top and bottom agents, the pay sheet's totals,
    the agents with deductions, SLA attainment by priority and the busiest intervals (a warehouse published before
    some of those marts existed shows what it has).

    Text from the marts is printed as `terminal_text`: a name cannot move the cursor or recolour the screen.
    """
    with published_marts(warehouse) as con:
        period = published_month(con, month)
        if period is None:
            return "no published KPI values"
        sections = [
            f"== {period:%Y-%m} ==",
            "Headline KPIs\n" + headline_table(con, period),
            centre_scorecard(con, period),
            ranked_agents(con, period),
        ]
        if table_exists(con, "marts", "pay_sheet"):
            sections.append(pay_totals(con, period))
        if table_exists(con, "marts", "deductions"):
            sections.append(deducted_agents(con, period))
        if table_exists(con, "marts", "sla_events"):
            sections.append(sla_by_priority(con, period))
        if table_exists(con, "marts", "call_intervals"):
            sections.append(busiest_intervals(con, period))
        return "\n\n".join(sections)
