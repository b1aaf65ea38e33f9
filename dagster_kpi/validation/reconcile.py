"""Published centre-level monthly KPIs against a straight recount from the staging views.

Each reconciliation is a query of its own over `staging.stg_*`, written from the KPI's
definition in the catalogue and independent of the dbt metric models: one row per month
with the numerator and denominator (ratios, means) or the value (counts). A month the
recount has no records for counts as 0; a month with records but no published centre row,
or whose published figures differ, fails the reconciliation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb

COMPARABLE = ("numerator", "denominator", "value")
RELATIVE_TOLERANCE = 1e-9  # sums of doubles (hours, seconds) may differ in the last bits


@dataclass(frozen=True)
class Reconciliation:
    kpi_code: str
    sql: str  # one row per month: period_start DATE and the compared columns
    columns: tuple[str, ...] = ("numerator", "denominator")

    def __post_init__(self) -> None:
        unknown = set(self.columns) - set(COMPARABLE)
        if not self.columns or unknown:
            raise ValueError(f"reconciliation {self.kpi_code}: columns must be among {COMPARABLE}, got {self.columns}")


@dataclass
class ReconciliationResult:
    kpi_code: str
    passed: bool
    description: str
    months: int = 0  # months compared
    mismatches: list[str] = field(default_factory=list)


def _month(day: date) -> str:
    return day.strftime("%Y-%m")


def _number(value: float | None) -> str:
    if value is None:
        return "NULL"
    return str(int(value)) if float(value).is_integer() else f"{value:.6f}".rstrip("0")


def _comparison_sql(rec: Reconciliation) -> str:
    pairs = ", ".join(f"p.{c} as published_{c}, coalesce(s.{c}, 0) as straight_{c}" for c in rec.columns)
    figures = ", ".join(f"published_{c}, straight_{c}" for c in rec.columns)
    differs = " or ".join(
        f"published_{c} is null or abs(published_{c} - straight_{c}) > {RELATIVE_TOLERANCE} * greatest(1, abs(straight_{c}))"
        for c in rec.columns
    )
    return f"""
        with straight as (
            select * from ({rec.sql}) where period_start is not null
        ),
        published as (
            select period_start, {", ".join(rec.columns)}
            from marts.kpi_values
            where kpi_code = $kpi_code and period_grain = 'month' and level = 'center' and entity_id = 'center'
        ),
        joined as (
            select coalesce(p.period_start, s.period_start) as month, p.period_start is null as unpublished, {pairs}
            from published as p
            full join straight as s on s.period_start = p.period_start
        )
        select month, unpublished, unpublished or {differs} as differs, {figures}
        from joined
        order by month
    """


def _mismatch(rec: Reconciliation, row: tuple) -> str:
    month, unpublished, _, *figures = row
    published = [_number(v) for v in figures[0::2]]
    straight = [_number(v) for v in figures[1::2]]
    recount = ", ".join(f"{c} {v}" for c, v in zip(rec.columns, straight))
    if unpublished:
        return f"{rec.kpi_code} {_month(month)}: no published centre row; straight from staging {recount}"
    shown = ", ".join(f"{c} {v}" for c, v in zip(rec.columns, published))
    return f"{rec.kpi_code} {_month(month)}: published {shown}; straight from staging {recount}"


def reconcile(con: duckdb.DuckDBPyConnection, rec: Reconciliation) -> ReconciliationResult:
    """Compare the published centre months of `rec.kpi_code` with its recount from staging."""
    try:
        (published_rows,) = con.execute("select count(*) from marts.kpi_values where kpi_code = ?", [rec.kpi_code]).fetchone()
        if published_rows == 0:
            return ReconciliationResult(rec.kpi_code, True, f"no rows for {rec.kpi_code}")
        rows = con.execute(_comparison_sql(rec), {"kpi_code": rec.kpi_code}).fetchall()
    except duckdb.Error as exc:
        reason = str(exc).strip().splitlines()[0]
        raise RuntimeError(f"reconciliation of {rec.kpi_code} could not run: {reason}") from exc
    mismatches = [_mismatch(rec, row) for row in rows if row[2]]
    if not mismatches:
        return ReconciliationResult(
            rec.kpi_code, True, f"{rec.kpi_code}: {len(rows)} centre months match staging", months=len(rows)
        )
    more = f" (and {len(mismatches) - 1} more months)" if len(mismatches) > 1 else ""
    return ReconciliationResult(rec.kpi_code, False, mismatches[0] + more, months=len(rows), mismatches=mismatches)


def _monthly(timestamp: str) -> str:
    return f"cast(date_trunc('month', {timestamp}) as date) as period_start"


# The KPIs recounted by every run (definitions: kpis.md). Staging already applies the
# contract's defaults (a missing is_valid is true) and codes (outcome, status).
RECONCILIATIONS: tuple[Reconciliation, ...] = (
    Reconciliation(
        "answer_rate",
        f"""select {_monthly("offered_at")},
                   count(*) filter (where outcome = 'answered') as numerator,
                   count(*) as denominator
            from staging.stg_calls
            where is_valid and direction = 'inbound'
            group by all""",
    ),
    Reconciliation(
        "call_volume",
        f"""select {_monthly("offered_at")}, count(*) as value
            from staging.stg_calls
            group by all""",
        columns=("value",),
    ),
    Reconciliation(
        "callback_rate",
        f"""select {_monthly("planned_date")},
                   count(distinct customer_id) filter (where status = 'completed') as numerator,
                   count(distinct customer_id) as denominator
            from staging.stg_callbacks
            where status <> 'cancelled'
            group by all""",
    ),
    Reconciliation(
        "csat_score",
        f"""select {_monthly("responded_at")},
                   sum(csat_score * 20) as numerator,
                   count(csat_score) as denominator
            from staging.stg_surveys
            group by all""",
    ),
    Reconciliation(
        "complaint_resolution_satisfaction_rate",
        f"""select {_monthly("resolved_at")},
                   count(*) filter (where satisfied) as numerator,
                   count(*) as denominator
            from staging.stg_complaints
            where resolved_at is not null
            group by all""",
    ),
)
