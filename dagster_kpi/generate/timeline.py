"""The generated period: its months, its days and the extract cutoff."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import numpy as np

DAY = 86_400  # seconds
HOUR = 3_600


@dataclass(frozen=True)
class Period:
    """Months `start` .. `start + months`; the extract is taken at `cutoff` 00:00.

    Nothing in the data happens at or after the cutoff, which is never later
    than today, so no generated timestamp lies in the future.
    """

    start: np.datetime64  # first day, datetime64[D]
    months: int
    cutoff: np.datetime64  # datetime64[D]

    @property
    def month_starts(self) -> np.ndarray:
        """First day of each month, plus the day after the last month."""
        first = self.start.astype("datetime64[M]")
        return (first + np.arange(self.months + 1)).astype("datetime64[D]")

    def month_days(self, month: int) -> np.ndarray:
        """The days of one month before the cutoff."""
        lo, hi = self.month_starts[month], min(self.month_starts[month + 1], self.cutoff)
        return np.arange(lo, max(lo, hi), dtype="datetime64[D]")

    @property
    def active_months(self) -> int:
        """Months that have at least one day before the cutoff."""
        return int((self.month_starts[:-1] < self.cutoff).sum())

    @property
    def days(self) -> np.ndarray:
        return np.arange(self.start, self.cutoff, dtype="datetime64[D]")

    @property
    def start_s(self) -> int:
        return int(seconds(self.start))

    @property
    def cutoff_s(self) -> int:
        return int(seconds(self.cutoff))

    def month_of(self, days: np.ndarray) -> np.ndarray:
        """Index of the month each day falls in."""
        return np.searchsorted(self.month_starts, days, side="right") - 1


def seconds(days: np.ndarray | np.datetime64) -> np.ndarray:
    """Days as epoch seconds of their midnight (local wall-clock time)."""
    return np.asarray(days, dtype="datetime64[D]").astype("datetime64[s]").astype(np.int64)


def to_days(secs: np.ndarray) -> np.ndarray:
    return np.asarray(secs, dtype=np.int64).astype("datetime64[s]").astype("datetime64[D]")


def resolve_period(start: str | None, months: int, today: date) -> Period:
    """`start` is YYYY-MM; by default the period ends with the last complete month."""
    this_month = np.datetime64(today, "M")
    if start is None:
        first = this_month - months
    elif re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", start):
        first = np.datetime64(start, "M")
    else:
        raise ValueError(f"start must be a month as YYYY-MM, got {start!r}")
    end = (first + months).astype("datetime64[D]")
    cutoff = min(end, np.datetime64(today, "D"))
    begin = first.astype("datetime64[D]")
    if cutoff <= begin:
        raise ValueError(f"start {first} leaves no complete day before today ({today})")
    return Period(start=begin, months=months, cutoff=cutoff)
