"""Baseline KPIs against the published marts: month by month, at centre level."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .baseline import KpiRow

# These must agree for the benchmark to stand; the other baseline KPIs are compared for information.
REQUIRED = ("answer_rate", "call_volume")
COUNT_KPIS = ("call_volume",)  # a month without records counts 0, not NULL
RELATIVE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Comparison:
    kpi_code: str
    months: int
    differing: tuple[str, ...]  # "YYYY-MM: baseline vs marts" for each month that differs

    @property
    def agrees(self) -> bool:
        return not self.differing


def published_values(warehouse: Path, kpi_codes: Iterable[str]) -> dict[tuple[str, str], float | None]:
    """(YYYY-MM-DD, kpi_code) -> value of the centre's monthly rows in `marts.kpi_values`."""
    codes = sorted(set(kpi_codes))
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select cast(period_start as varchar), kpi_code, value from marts.kpi_values "
            "where period_grain = 'month' and level = 'center' and kpi_code in (select unnest(?))",
            [codes],
        ).fetchall()
    return {(month, code): value for month, code, value in rows}


def same(left: float | None, right: float | None) -> bool:
    if left is None or right is None:
        return left is None and right is None
    return math.isclose(left, right, rel_tol=RELATIVE_TOLERANCE, abs_tol=RELATIVE_TOLERANCE)


def compare(baseline: Iterable[KpiRow], published: dict[tuple[str, str], float | None]) -> list[Comparison]:
    """One comparison per baseline KPI over the months either side has; a month the baseline has no
    records for is 0 for a count and no value for the rest."""
    ours = {(month, code): value for month, code, _num, _den, value in baseline}
    comparisons = []
    for code in sorted({code for _month, code in ours}):
        months = sorted({m for m, c in ours if c == code} | {m for m, c in published if c == code})
        missing = 0.0 if code in COUNT_KPIS else None
        differing = tuple(
            f"{month[:7]}: {ours.get((month, code), missing)} vs {published.get((month, code))}"
            for month in months
            if not same(ours.get((month, code), missing), published.get((month, code)))
        )
        comparisons.append(Comparison(code, len(months), differing))
    return comparisons


def required_agree(comparisons: Iterable[Comparison]) -> bool:
    found = {c.kpi_code: c for c in comparisons}
    return all(code in found and found[code].agrees and found[code].months > 0 for code in REQUIRED)
