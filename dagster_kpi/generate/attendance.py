"""Attendance (考勤) per scheduled work day and approved shift swaps (换班)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import columns as col
from .patterns import weekday
from .people import Roster
from .timeline import Period

STATUSES = ("present", "leave", "absent")
LEAVE_TYPES = ("annual", "sick", "personal", "comp", "other")
# Spells of days away: leave of each type, then absence (旷工). Per scheduled day, the chance a
# spell starts (sick, personal and absence scaled by the person's `absence` trait), and its
# length in scheduled days (low, high inclusive).
SPELL_START = np.array([0.010, 0.005, 0.005, 0.007, 0.0008, 0.0012])
SPELL_BY_TRAIT = np.array([False, True, True, False, False, True])
SPELL_DAYS = np.array([[1, 5], [1, 3], [1, 2], [1, 1], [1, 3], [1, 1]])
ABSENT = len(LEAVE_TYPES)
UNTYPED = 0.06  # leave spells whose type the export leaves blank
# Hotline agents work four days and rest two (做四休二), each from their own offset; the others Monday to Friday.
SHIFT_CYCLE, SHIFT_ON = 6, 4
LATE, EARLY, MISSED = 0.03, 0.012, 0.008  # per present day, times the `lateness` trait
UNDER_GRACE = 0.45  # share of late arrivals and early leaves of 1-4 minutes
# One person away a whole month (long sick leave): from this many days before the month to this many after.
LONG_LEAVE_MARGIN = (8, 4)

SWAPS_PER_MONTH = (0.15, 0.45)  # office hours, shift workers; times the `swaps` trait
SAME_TEAM = 0.85  # swaps within the team; the rest with someone of the same desk
HEAVY_SWAPPERS = 30  # one person in this many asks for 4-6 swaps in one month (at least two people)


@dataclass(frozen=True)
class Attendance:
    table: pa.Table  # contract columns, by person then day
    steward: np.ndarray  # per row: a property-desk person
    month: np.ndarray  # per row: index of its month


def _shift_workers(staff: Roster) -> np.ndarray:
    return np.array([p == "hotline" for p in staff.team_profiles])[staff.team] & (staff.role == 0)


def _schedule(period: Period, staff: Roster) -> tuple[np.ndarray, np.ndarray]:
    """(person, day) of every scheduled work day while employed, person by person."""
    days = period.days
    on_shift = (days.astype(np.int64)[None, :] + np.arange(len(staff))[:, None]) % SHIFT_CYCLE < SHIFT_ON
    office = (weekday(days) < 5)[None, :]
    scheduled = np.where(_shift_workers(staff)[:, None], on_shift, office) & staff.employed(days).T
    person, day = np.nonzero(scheduled)
    return person, days[day]


def _spells(rng: np.random.Generator, staff: Roster, person: np.ndarray) -> np.ndarray:
    """Kind of absence of each scheduled day (index into LEAVE_TYPES, ABSENT, or -1: at work).

    A spell covers the next scheduled days of its person (never running into the next
    person's rows); a later spell overrides an earlier one.
    """
    n = len(person)
    rate = SPELL_START[None, :] * np.where(SPELL_BY_TRAIT[None, :], staff.traits.absence[person][:, None], 1.0)
    cum = np.cumsum(rate, axis=1)
    kind = (rng.random(n)[:, None] >= cum).sum(axis=1)  # 0..5; 6: no spell starts
    starts = kind < len(SPELL_START)
    kind = np.where(starts, kind, 0)
    length = rng.integers(SPELL_DAYS[kind, 0], SPELL_DAYS[kind, 1] + 1)
    idx = np.arange(n)
    row_end = np.cumsum(np.bincount(person, minlength=len(staff)))[person]  # first row of the next person
    reach = np.maximum.accumulate(np.where(starts, np.minimum(idx + length, row_end), 0))
    latest = np.maximum.accumulate(np.where(starts, idx, -1))
    return np.where(idx < reach, kind[np.maximum(latest, 0)], -1)


def _long_leave(rng: np.random.Generator, period: Period, staff: Roster, person: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Rows of one call agent on sick leave through a whole month (so that month has no present day)."""
    whole = np.isnat(staff.left) & (np.isnat(staff.hired) | (staff.hired < period.start)) & (staff.role == 0)
    if not whole.any():
        return np.zeros(len(person), dtype=bool)
    who = rng.choice(np.flatnonzero(whole))
    month = period.active_months // 2
    lo = period.month_starts[month] - np.timedelta64(LONG_LEAVE_MARGIN[0], "D")
    hi = period.month_starts[month + 1] + np.timedelta64(LONG_LEAVE_MARGIN[1], "D")
    return (person == who) & (day >= lo) & (day < hi)


def _minutes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Minutes late or early: 1-4 (inside the grace) or 5 and more."""
    over = 5 + np.minimum(rng.geometric(0.1, n) - 1, 115)
    return np.where(rng.random(n) < UNDER_GRACE, rng.integers(1, 5, n), over)


def build_attendance(rng: np.random.Generator, period: Period, staff: Roster) -> Attendance:
    """One row per person and scheduled work day while employed: mostly present, some late,
    early or without a punch; leave in spells, rare absence, and one long sick leave."""
    person, day = _schedule(period, staff)
    n = len(person)
    kind = _spells(rng, staff, person)
    untyped = rng.random(n) < UNTYPED
    kind = np.where(_long_leave(rng, period, staff, person, day), LEAVE_TYPES.index("sick"), kind)
    status = np.select([kind < 0, kind == ABSENT], [0, 2], 1)
    present = status == 0
    prone = staff.traits.lateness[person]
    late = present & (rng.random(n) < LATE * prone)
    early = present & (rng.random(n) < EARLY * prone)
    missed = present & (rng.random(n) < MISSED * prone)
    leave_type = np.where((status == 1) & ~untyped, kind, -1)
    late_minutes = np.where(late, _minutes(rng, n), 0)
    early_minutes = np.where(early, _minutes(rng, n), 0)
    # The property desk's sheet is kept by hand: a blank cell where nothing happened.
    steward = staff.stewarding[person]
    return Attendance(
        table=pa.table(
            {
                "agent_id": col.labels(staff.agent_id, person),
                "work_date": col.dates(day),
                "status": col.labels(STATUSES, status),
                "leave_type": col.labels(LEAVE_TYPES, leave_type),
                "late_minutes": col.ints(late_minutes, ~steward | (late_minutes > 0)),
                "early_leave_minutes": col.ints(early_minutes, ~steward | (early_minutes > 0)),
                "missed_punch": col.flags(missed, ~steward | missed),
            }
        ),
        steward=steward,
        month=period.month_of(day),
    )


def build_shift_swaps(rng: np.random.Generator, period: Period, staff: Roster) -> pa.Table:
    """Approved swaps between two frontline colleagues, mostly of one team; shift workers swap
    more, and a few people ask for 4-6 swaps in one month."""
    lo, hi = staff.worked(period)
    worked = np.maximum(hi - lo + 1, 0)
    length = np.array([len(period.month_days(m)) for m in range(period.active_months)])[:, None]
    rate = np.array(SWAPS_PER_MONTH)[_shift_workers(staff).astype(np.int64)] * staff.traits.swaps * staff.frontline
    counts = rng.poisson(rate[None, :] * worked / length)
    month, who = np.nonzero((worked == length) & staff.frontline[None, :])
    heavy = rng.choice(len(month), size=min(len(month), max(2, round(len(staff) / HEAVY_SWAPPERS))), replace=False)
    counts[month[heavy], who[heavy]] = rng.integers(4, 7, len(heavy))

    month, person = np.nonzero(counts)
    reps = counts[month, person]
    month, person = np.repeat(month, reps), np.repeat(person, reps)
    day = (lo[month, person] + (rng.random(len(person)) * worked[month, person]).astype(np.int64)).astype("datetime64[D]")
    partner = staff.colleagues(rng, person, day, rng.random(len(person)) < SAME_TEAM, staff.frontline)
    keep = np.flatnonzero(partner >= 0)
    order = keep[np.argsort(day[keep], kind="stable")]
    n = len(order)
    return pa.table(
        {
            "swap_id": col.ids("HB", np.arange(1, n + 1), col.width(n, 6)),
            "swap_date": col.dates(day[order]),
            "agent_id": col.labels(staff.agent_id, person[order]),
            "counterpart_agent_id": col.labels(staff.agent_id, partner[order]),
        }
    )
