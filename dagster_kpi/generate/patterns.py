"""Volume shapes shared by the sources: season, weekday and hour of day."""

from __future__ import annotations

import numpy as np

from .timeline import HOUR, seconds

# Relative volume by calendar month, January first (Spring Festival dip in February).
SEASON = np.array([0.96, 0.82, 1.02, 1.00, 1.03, 1.07, 1.10, 1.09, 1.02, 0.97, 1.04, 1.06])


def _hours(weights: list[float]) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return w / w.sum()


# Inbound calls by hour of day: peaks at 10:00 and 15:00.
CALL_HOURS = _hours(
    [0.2, 0.1, 0.08, 0.06, 0.06, 0.1, 0.3, 0.8, 2.6, 5.6, 7.6, 6.6, 4.4, 5.0, 6.6, 7.4, 6.2, 4.6, 3.0, 2.4, 1.9, 1.3, 0.7, 0.4]
)
# Online work orders: flatter, busy into the evening.
TICKET_HOURS = _hours(
    [0.1, 0.05, 0.05, 0.05, 0.05, 0.1, 0.3, 0.8, 2.5, 4.5, 5.5, 5.2, 4.0, 4.5, 5.2, 5.3, 4.8, 4.0, 3.2, 3.0, 2.8, 2.2, 1.2, 0.4]
)
# Back-office work (reviews, callbacks, complaints handling): 9:00-18:00.
OFFICE_HOURS = _hours([0] * 9 + [1, 1.2, 1.1, 0.4, 0.9, 1.1, 1.1, 1, 0.8] + [0] * 6)


def weekday(days: np.ndarray) -> np.ndarray:
    """0 = Monday ... 6 = Sunday."""
    return (days.astype("datetime64[D]").astype(np.int64) + 3) % 7


def day_factors(days: np.ndarray, saturday: float, sunday: float) -> np.ndarray:
    """Relative volume of each day: weekday/weekend times the season."""
    wd = weekday(days)
    week = np.where(wd == 5, saturday, np.where(wd == 6, sunday, 1.0))
    moy = days.astype("datetime64[M]").astype(np.int64) % 12
    return week / ((5 + saturday + sunday) / 7) * SEASON[moy]


def daily_counts(
    rng: np.random.Generator,
    days: np.ndarray,
    per_month: float,
    scale: float,
    saturday: float,
    sunday: float,
    noise: float = 0.08,
) -> np.ndarray:
    """Events per day: about `per_month * scale` a month, linear in `scale`.

    The daily noise is drawn before anything that depends on the volume, so the
    same seed gives the same shape at every scale. Running totals are rounded,
    so small volumes still add up (0.3 a day is a record every third day).
    """
    shape = day_factors(days, saturday, sunday) * rng.lognormal(0.0, noise, len(days))
    total = np.rint(np.cumsum(per_month * 12 / 365.25 * scale * shape)).astype(np.int64)
    return np.diff(total, prepend=0)


def _clock(u: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """Seconds after midnight at quantiles `u` of an hour profile (monotone in `u`)."""
    used = np.flatnonzero(hours > 0)
    weight = hours[used] / hours[used].sum()
    cdf = np.concatenate([[0.0], np.cumsum(weight)[:-1]])
    k = np.clip(np.searchsorted(cdf, u, side="right") - 1, 0, len(used) - 1)
    frac = np.clip((u - cdf[k]) / weight[k], 0.0, 1.0 - 1e-9)
    return ((used[k] + frac) * HOUR).astype(np.int64)


def times_on(rng: np.random.Generator, days: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """A random moment (epoch seconds) on each given day, following an hour profile."""
    return seconds(days) + _clock(rng.random(len(days)), hours)


def sorted_times(
    rng: np.random.Generator, days: np.ndarray, counts: np.ndarray, hours: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """`counts[i]` random moments on `days[i]`, already in time order, and each one's day index.

    Sorted uniforms come from normalised sums of exponential gaps, so no sort is needed.
    """
    gaps = counts + 1
    cum = np.cumsum(rng.standard_exponential(int(gaps.sum())))
    last = np.cumsum(gaps) - 1  # the closing gap of each day
    before = np.concatenate([[0.0], cum[last[:-1]]])
    keep = np.ones(len(cum), dtype=bool)
    keep[last] = False
    day = np.repeat(np.arange(len(days)), counts)
    u = (cum[keep] - before[day]) / (cum[last] - before)[day]
    return seconds(days)[day] + _clock(u, hours), day
