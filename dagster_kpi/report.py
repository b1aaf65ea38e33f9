"""Plain-text views of the published marts for the terminal."""

from __future__ import annotations

from pathlib import Path

import duckdb

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


def headline_report(warehouse: Path, month: str | None = None) -> str:
    """The headline KPIs of one month for the centre and each team, one KPI per line."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        period = con.execute(
            "SELECT coalesce(CAST(? || '-01' AS DATE), max(period_start)) FROM marts.kpi_values "
            "WHERE period_grain = 'month'",
            [month],
        ).fetchone()[0]
        if period is None:
            return "no published KPI values"
        rows = con.execute(
            """
            SELECT v.kpi_code, c.name_zh, c.name_en, c.unit, v.level, v.entity_id, v.value
            FROM marts.kpi_values v JOIN marts.kpi_catalog c USING (kpi_code)
            WHERE v.period_grain = 'month' AND v.period_start = ? AND v.level IN ('center', 'team')
              AND v.kpi_code IN (SELECT unnest(?::VARCHAR[]))
            """,
            [period, list(HEADLINE_KPIS)],
        ).fetchall()
    entities = ["center", *sorted({r[5] for r in rows if r[4] == "team"})]
    values = {(r[0], r[5] if r[4] == "team" else "center"): r[6] for r in rows}
    names = {r[0]: (r[1], r[2], r[3]) for r in rows}
    label_width = 2 + max((_display_width(f"{r[1]} {r[2]}") for r in rows), default=0)
    lines = [f"Headline KPIs, {period:%Y-%m}", f"{'KPI':<{label_width}}" + "".join(f"{e:>12}" for e in entities)]
    for code in HEADLINE_KPIS:
        if code not in names:
            continue
        name_zh, name_en, unit = names[code]
        label = f"{name_zh} {name_en}"
        pad = label_width - _display_width(label)
        cells = "".join(f"{format_value(values.get((code, e)), unit):>12}" for e in entities)
        lines.append(label + " " * max(pad, 1) + cells)
    return "\n".join(lines)


def _display_width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
