"""The property desk's buildings: who looks after each, fee collection (物业费收缴) and facility checks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import columns as col
from .patterns import weekday
from .people import Roster
from .timeline import Period

ESTATES = ("锦绣花园", "翠湖苑", "阳光水岸", "金桂园")
BUILDINGS_PER_ESTATE = 12
BUILDINGS_PER_STEWARD = 2.5
HOUSEHOLDS = (80, 300)  # homes per building, inclusive
UNHANDED = 12  # at most this many homes of a building not yet handed over at the start, one a month after
EXACT_SHARE = (49, 50)  # one steward-month pooled at exactly 98 %: the fee_collection_rate tier's edge
ITEMS = (24, 60)  # public-facility items of a building (lights, hydrants, door locks ...), inclusive
PARTIAL = 0.15  # checks that cover only part of the items
BY_ENGINEERING = 0.1  # checks the engineering department makes (no steward named)


@dataclass(frozen=True)
class Estate:
    names: tuple[str, ...]  # one per building
    households: np.ndarray
    holder: np.ndarray  # (month, building): the steward in charge, -1 when none is employed


def build_estate(rng: np.random.Generator, period: Period, staff: Roster) -> Estate:
    """Buildings shared out among the stewards at the start; when a steward has left by the
    middle of a month, each of its buildings goes to the on-duty steward with the fewest
    (ties: the latest hired, so a replacement takes over)."""
    stewards = staff.role == 3
    on_start = np.flatnonzero(stewards & staff.employed(np.array([period.start]))[0])
    count = max(3, round(BUILDINGS_PER_STEWARD * max(len(on_start), 1)))
    names = tuple(f"{ESTATES[(i // BUILDINGS_PER_ESTATE) % len(ESTATES)]}{i % BUILDINGS_PER_ESTATE + 1}栋" for i in range(count))
    owner = on_start[np.arange(count) % len(on_start)] if len(on_start) else np.full(count, -1)
    holder = np.full((period.active_months, count), -1, dtype=np.int64)
    for m in range(period.active_months):
        days = period.month_days(m)
        on = stewards & staff.employed(days[len(days) // 2 :][:1])[0]
        duty = np.flatnonzero(on)
        if not len(duty):
            continue
        kept = (owner >= 0) & on[np.maximum(owner, 0)]
        load = np.bincount(owner[kept], minlength=len(staff))
        for b in np.flatnonzero(~kept):  # a handful of handovers over the period
            pick = duty[np.lexsort((-duty, load[duty]))[0]]
            owner[b], load[pick] = pick, load[pick] + 1
        holder[m] = owner
    return Estate(names, rng.integers(HOUSEHOLDS[0], HOUSEHOLDS[1] + 1, count), holder)


def build_fee_collection(rng: np.random.Generator, period: Period, staff: Roster, estate: Estate) -> pa.Table:
    """Households due and paid per steward, building and month: 92-100 % paid as a rule, with
    one steward-month pooled over its buildings at exactly 98 %."""
    month, building = np.nonzero(estate.holder >= 0)
    agent = estate.holder[month, building]
    unhanded = rng.integers(0, UNHANDED + 1, len(estate.names))
    due = estate.households[building] - np.maximum(unhanded[building] - month, 0)
    rate = (
        staff.traits.collection[agent]
        + rng.normal(0.0, 0.005, period.months)[month]
        + rng.normal(0.0, 0.008, len(estate.names))[building]
    )
    paid = rng.binomial(due, np.clip(rate, 0.85, 1.0))

    pairs, size = np.unique(np.stack([month, agent]), axis=1, return_counts=True)
    several = np.flatnonzero(size >= 2)
    if len(several):
        m0, a0 = pairs[:, several[len(several) // 2]]
        rows = np.flatnonzero((month == m0) & (agent == a0))
        num, den = EXACT_SHARE
        due[rows[0]] += -due[rows].sum() % den
        paid[rows] = due[rows] * num // den
        short = due[rows].sum() * num // den - paid[rows].sum()  # below the number of rows
        paid[rows[:short]] += 1
    return pa.table(
        {
            "period_month": col.dates(period.month_starts[month]),
            "building": col.labels(estate.names, building),
            "agent_id": col.labels(staff.agent_id, agent),
            "households_due": col.ints(due),
            "households_paid": col.ints(paid),
        }
    )


def build_facility_checks(rng: np.random.Generator, period: Period, staff: Roster, estate: Estate) -> pa.Table:
    """A weekly check of each building's public facilities on its own weekday, by its steward:
    mostly 95-100 % of the items intact."""
    count = len(estate.names)
    items = rng.integers(ITEMS[0], ITEMS[1] + 1, count)
    wear = rng.lognormal(np.log(0.012), 0.5, count)
    days = period.days
    day, building = np.nonzero(weekday(days)[:, None] == np.arange(count)[None, :] % 5)
    day = days[day]
    n = len(day)
    checked = np.where(rng.random(n) < PARTIAL, np.ceil(items[building] * rng.uniform(0.5, 0.9, n)), items[building])
    checked = checked.astype(np.int64)
    intact = checked - rng.binomial(checked, np.minimum(wear[building], 0.2))
    holder = estate.holder[period.month_of(day), building]
    hired, left = staff.span()
    d = day.astype(np.int64)
    on_duty = (holder >= 0) & (hired[holder] <= d) & (d <= left[holder])
    agent = np.where(on_duty & (rng.random(n) >= BY_ENGINEERING), holder, -1)
    return pa.table(
        {
            "check_id": col.ids("SS", np.arange(1, n + 1), col.width(n, 6)),
            "check_date": col.dates(day),
            "building": col.labels(estate.names, building),
            "agent_id": col.labels(staff.agent_id, agent),
            "items_checked": col.ints(checked),
            "items_intact": col.ints(intact),
        }
    )
