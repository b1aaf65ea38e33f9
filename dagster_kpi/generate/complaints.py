"""Complaints raised after calls and tickets, or referred from outside, with their resolution."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import columns as col
from .contacts import Contacts
from .customers import Customers
from .patterns import OFFICE_HOURS, daily_counts, times_on
from .people import Roster
from .timeline import HOUR, Period, to_days

SEVERITIES = ("major", "serious", "general")
RESOLVE_HOURS = np.array([72.0, 40.0, 18.0])  # median, by severity
SOURCES = ("电话", "工单", "12315转办", "上级转办", "微博")
REMARKS = ("客户要求回电", "已致歉", "需跟进赔付", "已升级处理")
MAJOR_PER_MONTH = 2.5
REFERRALS_PER_MONTH = 40  # at scale 1, complaints that arrive without a contact of ours


@dataclass(frozen=True)
class Complaints:
    table: pa.Table  # contract columns (+ the export's 备注 remark) in received_at order
    resolved: Contacts  # resolved complaints (follow-up callbacks, surveys)


def _major(rng: np.random.Generator, period: Period, received: np.ndarray) -> np.ndarray:
    """A few major complaints (serious incidents) a month, whatever the volume."""
    month = period.month_of(to_days(received))
    wanted = rng.poisson(MAJOR_PER_MONTH, period.months)
    order = np.lexsort((rng.random(len(received)), month))  # random order within each month
    first = np.searchsorted(month[order], month[order])
    rank = np.arange(len(order)) - first
    return order[rank < wanted[month[order]]]


def build_complaints(
    rng: np.random.Generator,
    period: Period,
    roster: Roster,
    customers: Customers,
    calls: Contacts,
    tickets: Contacts,
    scale: float,
) -> Complaints:
    """Complaints hours after the given calls and tickets, plus referrals from outside."""
    days = period.days
    referred = np.repeat(days, daily_counts(rng, days, REFERRALS_PER_MONTH, scale, 0.5, 0.4, noise=0.3))
    n_ref = len(referred)
    delay = lambda k: np.rint(HOUR * rng.gamma(1.5, 8.0, k)).astype(np.int64)  # noqa: E731
    received = np.concatenate(
        [calls.at + delay(len(calls)), tickets.at + delay(len(tickets)), times_on(rng, referred, OFFICE_HOURS)]
    )
    customer = np.concatenate([calls.customer, tickets.customer, customers.pick(rng, n_ref)])
    agent = np.concatenate([calls.agent, tickets.agent, np.full(n_ref, -1)])
    ticket = np.concatenate([np.full(len(calls), -1), np.arange(len(tickets)), np.full(n_ref, -1)])
    source = np.concatenate(
        [np.zeros(len(calls), np.int64), np.ones(len(tickets), np.int64), rng.choice([2, 3, 4], n_ref, p=[0.5, 0.3, 0.2])]
    )
    keep = received < period.cutoff_s
    order = np.flatnonzero(keep)[np.argsort(received[keep], kind="stable")]
    received, customer, agent, ticket, source = (a[order] for a in (received, customer, agent, ticket, source))
    n = len(received)

    severity = np.where(rng.random(n) < 0.15, 1, 2)
    severity[_major(rng, period, received)] = 0
    r = rng.random(n)
    responsible = np.where(severity == 0, r < 0.75, r < 0.65)
    responsible_known = np.where(severity == 0, (r < 0.75) | (r >= 0.95), (r < 0.65) | (r >= 0.90))
    resolved = received + np.rint(HOUR * rng.lognormal(np.log(RESOLVE_HOURS[severity]), 0.8)).astype(np.int64)
    done = (rng.random(n) >= 0.02) & (resolved < period.cutoff_s)
    shift = np.where(agent >= 0, roster.traits.satisfied[np.maximum(agent, 0)], 0.0)
    satisfied = rng.random(n) < np.clip(0.86 + shift, 0.5, 0.99)
    verdict = done & (rng.random(n) >= 0.06)  # some customers never give one
    remark = np.where(rng.random(n) < 0.3, rng.integers(0, len(REMARKS), n), -1)

    ids = col.ids("CP", np.arange(1, n + 1), col.width(n, 7))
    table = pa.table(
        {
            "complaint_id": ids,
            "ticket_id": tickets.ids.take(pa.array(ticket, mask=ticket < 0)),
            "customer_id": customers.ids(customer),
            "agent_id": col.labels(roster.agent_id, agent),
            "received_at": col.timestamps(received),
            "source": col.labels(SOURCES, source),
            "severity": col.labels(SEVERITIES, severity),
            "is_responsible": col.flags(responsible, responsible_known),
            "resolved_at": col.timestamps(resolved, done),
            "satisfied": col.flags(satisfied, verdict),
            # major -> urgent, serious -> high, general -> normal (col.PRIORITIES follows SEVERITIES)
            "priority": col.labels(col.PRIORITIES, severity),
            "备注": col.labels(REMARKS, remark),
        }
    )
    return Complaints(table=table, resolved=Contacts("complaint", ids, customer, agent, resolved).take(done))
