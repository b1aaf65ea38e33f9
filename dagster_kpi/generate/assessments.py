"""Staff assessments: QA reviews of recorded work and the monthly knowledge exam."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import columns as col
from .patterns import OFFICE_HOURS, times_on, weekday
from .people import Roster
from .timeline import Period

REVIEWS_PER_MONTH = np.array([4.0, 2.0, 0.0])  # by role: agents, team leads, managers
EXAM_DAY = 19  # days after the month start; a weekend moves it to Monday


def _score(rng: np.random.Generator, mean: np.ndarray, spread: float) -> np.ndarray:
    """Scores on 0-100 in half points."""
    return np.clip(np.round(rng.normal(mean, spread) * 2) / 2, 0, 100)


def _worked(period: Period, roster: Roster) -> tuple[np.ndarray, np.ndarray]:
    """First and last day number each person worked in each month, as (month, person) arrays."""
    bounds = period.month_starts[: period.active_months + 1].astype(np.int64)
    last_day = np.minimum(bounds[1:], period.cutoff.astype(np.int64)) - 1
    hired, left = roster.span()
    return np.maximum(bounds[:-1, None], hired[None, :]), np.minimum(last_day[:, None], left[None, :])


def build_qa_reviews(rng: np.random.Generator, period: Period, roster: Roster) -> pa.Table:
    """Reviews of each person and month, in proportion to the days they worked."""
    lo, hi = _worked(period, roster)
    worked = np.maximum(hi - lo + 1, 0)
    length = np.array([len(period.month_days(m)) for m in range(period.active_months)])[:, None]
    counts = rng.poisson(REVIEWS_PER_MONTH[roster.role][None, :] * worked / length)
    month, person = np.nonzero(counts)
    reps = counts[month, person]
    month, person = np.repeat(month, reps), np.repeat(person, reps)
    offset = (rng.random(len(person)) * worked[month, person]).astype(np.int64)
    reviewed = times_on(rng, (lo[month, person] + offset).astype("datetime64[D]"), OFFICE_HOURS)
    score = _score(rng, roster.traits.qa[person] + rng.normal(0.0, 1.5, period.months)[month], 6.0)
    order = np.argsort(reviewed, kind="stable")
    n = len(order)
    return pa.table(
        {
            "review_id": col.ids("QA", np.arange(1, n + 1), col.width(n, 7)),
            "agent_id": col.labels(roster.agent_id, person[order]),
            "reviewed_at": col.timestamps(reviewed[order]),
            "score": col.floats(score[order]),
        }
    )


def build_exams(rng: np.random.Generator, period: Period, roster: Roster) -> pa.Table:
    """One exam a month for agents and team leads at work that day; a few miss it."""
    starts = period.month_starts[: period.active_months]
    exam_day = starts + EXAM_DAY
    weekend = np.select([weekday(exam_day) == 5, weekday(exam_day) == 6], [2, 1], 0)
    exam_day = exam_day + weekend.astype("timedelta64[D]")
    exam_day = exam_day[exam_day < period.cutoff]
    present = roster.employed(exam_day) & (roster.role < 2)[None, :] & (rng.random((len(exam_day), len(roster))) < 0.92)
    month, person = np.nonzero(present)
    score = _score(rng, roster.traits.exam[person] + rng.normal(0.0, 2.0, period.months)[month], 7.0)
    label = np.char.replace(exam_day.astype("datetime64[M]").astype(str), "-", "")
    return pa.table(
        {
            "exam_id": pa.array(np.char.add("EX", label)[month], type=pa.string()),
            "agent_id": col.labels(roster.agent_id, person),
            "exam_date": col.dates(exam_day[month]),
            "score": col.floats(score),
        }
    )
