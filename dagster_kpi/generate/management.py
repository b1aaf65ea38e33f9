"""Management records: cooperation ratings, report issues and monthly plans."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import columns as col
from .patterns import OFFICE_HOURS, SEASON, times_on
from .timeline import Period

RATING_DEPARTMENTS = ("技术部", "财务部", "市场部", "物流部", "销售部", "人力资源部", "法务部")
REPORTS = ("客服日报", "话务周报", "月度经营报表", "投诉分析报告", "满意度调查报告")
ISSUE_TYPES = ("error", "late", "complaint")
PLAN_CODES = ("business_volume", "service_cost", "customer_survey", "process_improvement")


def build_collaboration(rng: np.random.Generator, period: Period) -> pa.Table:
    """One or two ratings from each department every month, around 86 of 100."""
    months, depts = period.active_months, len(RATING_DEPARTMENTS)
    counts = rng.integers(1, 3, (months, depts))
    month, dept = np.nonzero(counts)
    month, dept = np.repeat(month, counts[month, dept]), np.repeat(dept, counts[month, dept])
    mean = 86 + rng.normal(0, 3, depts)[dept] + rng.normal(0, 2, period.months)[month]
    score = np.clip(np.round(rng.normal(mean, 4.0), 1), 0, 100)
    n = len(month)
    return pa.table(
        {
            "response_id": col.ids("XZ", np.arange(1, n + 1), col.width(n, 6)),
            "rating_department": col.labels(RATING_DEPARTMENTS, dept),
            "period_month": col.dates(period.month_starts[month]),
            "score": col.floats(score),
        }
    )


def build_report_issues(rng: np.random.Generator, period: Period) -> pa.Table:
    """About one problem a month with the reports the centre sends out."""
    day = np.concatenate([rng.choice(period.month_days(m), rng.poisson(1.2)) for m in range(period.active_months)])
    raised = np.sort(times_on(rng, day, OFFICE_HOURS))
    n = len(raised)
    return pa.table(
        {
            "issue_id": col.ids("BB", np.arange(1, n + 1), col.width(n, 5)),
            "report_name": col.labels(REPORTS, rng.integers(0, len(REPORTS), n)),
            "raised_at": col.timestamps(raised),
            "issue_type": col.labels(ISSUE_TYPES, rng.choice(3, n, p=[0.45, 0.4, 0.15])),
        }
    )


def build_plans(
    rng: np.random.Generator, period: Period, scale: float, volume: np.ndarray, surveys: np.ndarray, per_month: float
) -> pa.Table:
    """Plans and actuals of the four plan codes for every month.

    `volume` and `surveys` are the actual contacts and surveys of each month;
    `per_month` the contacts expected in an average month at scale 1. The last
    month's service cost is not reported yet (actual NULL).
    """
    months = period.active_months
    starts = period.month_starts[:months]
    moy = starts.astype("datetime64[M]").astype(np.int64) % 12
    length = np.array([len(period.month_days(m)) for m in range(months)]) / 30.44
    business = np.round(per_month * scale * SEASON[moy] * length * rng.uniform(0.97, 1.06, months), -1)
    budget = np.round((180_000 + 1_200_000 * scale) * length, -3)
    spent = np.round(budget * rng.normal(0.97, 0.035, months), 2)
    target = np.maximum(np.round(surveys[:months] * rng.uniform(0.92, 1.1, months), -1), 10)
    improve = rng.integers(3, 7, months).astype(float)
    achieved = improve - rng.binomial(improve.astype(np.int64), 0.15)
    planned = np.stack([business, budget, target, improve], axis=1)
    actual = np.stack([volume[:months], spent, surveys[:months], achieved], axis=1).astype(float)
    known = np.ones_like(actual, dtype=bool)
    known[-1, 1] = False
    return pa.table(
        {
            "period_month": col.dates(np.repeat(starts, 4)),
            "plan_code": col.labels(PLAN_CODES, np.tile(np.arange(4), months)),
            "planned": col.floats(planned.ravel()),
            "actual": col.floats(actual.ravel(), known.ravel()),
        }
    )
