"""Call detail records, one month at a time, plus a re-extract of some of them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import columns as col
from .contacts import Contacts
from .customers import UNKNOWN_CALLERS, Customers
from .patterns import CALL_HOURS, daily_counts, day_factors, sorted_times
from .people import Roster
from .timeline import DAY, HOUR, Period

CALLS_PER_MONTH = 100_000  # at scale 1
QUEUES = ("售后服务", "售前咨询", "账单查询", "投诉建议", "大客户专线", "外呼回访")
INBOUND_QUEUES = np.array([0.42, 0.24, 0.16, 0.10, 0.08])
OUTBOUND_QUEUE = 5
DIRECTIONS = ("inbound", "outbound")
OUTCOMES = ("answered", "abandoned", "blocked")


@dataclass(frozen=True)
class CallMonth:
    table: pa.Table  # contract columns in offered_at order
    surveyed: Contacts  # answered calls whose customer was asked for a survey
    complained: Contacts  # calls that led to a complaint


def call_month(
    rng: np.random.Generator, period: Period, month: int, roster: Roster, customers: Customers, scale: float, strain: float
) -> CallMonth:
    """About 100k x scale calls; `strain` (~1) is the month's staffing pressure."""
    days = period.month_days(month)
    per_day = daily_counts(rng, days, CALLS_PER_MONTH, scale, saturday=0.6, sunday=0.5)
    offered, day_idx = sorted_times(rng, days, per_day, CALL_HOURS)
    day = days[day_idx]
    n = len(offered)
    hour = (offered % DAY) // HOUR
    pressure = CALL_HOURS[hour] / CALL_HOURS.max() * (day_factors(days, 0.6, 0.5) * strain)[day_idx]

    outbound = rng.random(n) < np.where((hour >= 9) & (hour < 18), 0.15, 0.02)
    u = rng.random(n)
    p_block = np.where(outbound, 0.01, 0.004 + 0.01 * pressure)
    p_abandon = np.where(outbound, 0.28, 0.015 + 0.06 * pressure**2)
    outcome = np.where(u < p_block, 2, np.where(u < p_block + p_abandon, 1, 0))
    agent = roster.pick(rng, day, "calls")
    outcome = np.where((outcome == 0) & (agent < 0), 1, outcome)  # nobody on duty
    answered = outcome == 0
    agent = np.where(answered | outbound, agent, -1)
    staff = np.maximum(agent, 0)

    wait = np.where(outbound, rng.uniform(5, 25, n), rng.standard_exponential(n) * (3 + 17 * pressure**2))
    talk_mean = np.where(outbound, 60.0, 88.0) * roster.traits.talk[staff]
    talk = np.clip(np.rint(rng.lognormal(np.log(talk_mean), 0.6)), 5, 3600).astype(np.int64)
    hold = np.zeros(n, dtype=np.int64)
    held = np.flatnonzero(rng.random(n) < 0.25)
    hold[held] = np.rint(rng.gamma(2.0, 20.0, len(held)))
    wrap = np.rint(rng.gamma(3.0, 8.0, n) * roster.traits.talk[staff]).astype(np.int64)
    answered_at = offered + np.rint(wait).astype(np.int64)
    ended = np.where(answered, answered_at + talk, offered)
    gave_up = np.flatnonzero(outcome == 1)
    ended[gave_up] += np.rint(rng.gamma(1.2, 30.0, len(gave_up))).astype(np.int64)
    shift = np.maximum(ended - (period.cutoff_s - 1), 0)  # nothing ends after the cutoff
    offered, answered_at, ended = offered - shift, answered_at - shift, ended - shift

    transferred = answered & (rng.random(n) < roster.traits.transfer[staff])
    v = rng.random(n)
    customer = np.where(rng.random(n) < 0.85, customers.pick(rng, n), -1)
    queue = np.where(outbound, OUTBOUND_QUEUE, np.searchsorted(np.cumsum(INBOUND_QUEUES)[:-1], rng.random(n)))
    unknown = np.where(rng.random(n) < 0.02, -1, rng.integers(0, UNKNOWN_CALLERS, n))  # -1: number withheld
    talk_known = ~answered | (rng.random(n) >= 0.03)  # some answered calls lack talk_seconds
    part_known = rng.random((2, n)) >= 0.01

    yyyymm = str(period.month_starts[month].astype("datetime64[M]")).replace("-", "")
    ids = col.ids(f"C{yyyymm}", np.arange(1, n + 1), col.width(n, 7))
    table = pa.table(
        {
            "call_id": ids,
            "direction": col.labels(DIRECTIONS, outbound.astype(np.int64)),
            "queue": col.labels(QUEUES, np.where(rng.random(n) < 0.01, -1, queue)),
            "customer_id": customers.ids(customer),
            "caller_number": customers.phones(np.where(unknown < 0, -1, customer), unknown),
            "agent_id": col.labels(roster.agent_id, agent),
            "offered_at": col.timestamps(offered),
            "answered_at": col.timestamps(answered_at, answered),
            "ended_at": col.timestamps(ended),
            "talk_seconds": col.ints(talk, answered & talk_known),
            "hold_seconds": col.ints(hold, answered & part_known[0]),
            "wrap_seconds": col.ints(wrap, answered & part_known[1]),
            "outcome": col.labels(OUTCOMES, outcome),
            "transferred": col.flags(transferred, rng.random(n) >= 0.01),
            "is_valid": col.flags(v >= 0.015, (v < 0.015) | (v >= 0.055)),  # 1.5% invalid, 4% unknown
        }
    )
    inbound_answered = answered & ~outbound
    contacts = Contacts("call", ids, customer, agent, ended)
    complaint_p = np.where(inbound_answered, 0.004 * roster.traits.complaint[staff], 0.0)
    complaint_p = np.where((outcome == 1) & ~outbound, 0.01, complaint_p)  # callers fed up with waiting
    return CallMonth(
        table=table,
        surveyed=contacts.take(inbound_answered & (rng.random(n) < 0.035)),
        complained=contacts.take(rng.random(n) < complaint_p),
    )


def reextract(rng: np.random.Generator, month: pa.Table, share: float = 0.02) -> pa.Table:
    """A later extract repeating some calls with corrected values.

    Missing talk times are filled in, wrap-up times grow by late after-call work,
    and one in ten of the repeated calls is flagged invalid.
    """
    n = month.num_rows
    idx = np.sort(rng.choice(n, size=max(1, round(n * share)), replace=False)) if n else np.zeros(0, np.int64)
    calls = month.take(pa.array(idx))
    answered = calls.column("answered_at").is_valid().to_numpy(zero_copy_only=False)
    duration = pc.subtract(calls.column("ended_at"), calls.column("answered_at"))
    talk = pc.coalesce(calls.column("talk_seconds"), pc.cast(duration, pa.int64()))
    wrap = pc.add(calls.column("wrap_seconds"), pa.array(rng.integers(5, 60, len(idx))))
    invalid = pa.array(answered & (rng.random(len(idx)) < 0.1))
    is_valid = pc.if_else(invalid, False, calls.column("is_valid"))
    for name, values in (("talk_seconds", talk), ("wrap_seconds", wrap), ("is_valid", is_valid)):
        calls = calls.set_column(calls.schema.get_field_index(name), name, values)
    return calls
