"""Follow-up calls: after complaints and service, to big clients, and routine ones."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import columns as col
from .contacts import Contacts
from .customers import Customers
from .patterns import OFFICE_HOURS, daily_counts, times_on
from .people import Roster
from .timeline import DAY, Period, to_days

STATUSES = ("planned", "completed", "failed", "cancelled")
STATUS_P = np.array([0.03, 0.86, 0.08, 0.03])
REASONS = ("complaint_followup", "routine", "big_client", "after_service")
ROUTINE_PER_MONTH = 300  # at scale 1


@dataclass(frozen=True)
class Callbacks:
    table: pa.Table  # contract columns in planned_date order
    completed: Contacts


def _big_client_plans(rng: np.random.Generator, period: Period, customers: Customers) -> tuple[np.ndarray, np.ndarray]:
    """About 60% of the active big clients get a callback planned each month."""
    big = np.flatnonzero(customers.big)
    since, churned = customers.big_from()[big], customers.churned[big]
    days, customer = [], []
    for m in range(period.active_months):  # a dozen months, each handled as a whole array
        month = period.month_days(m)
        day = month[0] + rng.integers(0, len(month), len(big)).astype("timedelta64[D]")
        active = (np.isnat(since) | (since <= day)) & (np.isnat(churned) | (day < churned))
        chosen = active & (rng.random(len(big)) < 0.6)
        days.append(day[chosen])
        customer.append(big[chosen])
    return np.concatenate(days), np.concatenate(customer)


def _outcome(rng: np.random.Generator, planned: np.ndarray, cutoff: int) -> tuple[np.ndarray, np.ndarray]:
    """Status and completion time of each planned callback (not after the cutoff)."""
    status = rng.choice(len(STATUSES), len(planned), p=STATUS_P)
    late = np.where(rng.random(len(planned)) < 0.2, DAY, 0)
    completed = times_on(rng, planned, OFFICE_HOURS) + late
    status = np.where((status == 1) & (completed >= cutoff), 0, status)
    return status, completed


def build_callbacks(
    rng: np.random.Generator,
    period: Period,
    roster: Roster,
    customers: Customers,
    complaints: Contacts,
    tickets: Contacts,
    scale: float,
) -> Callbacks:
    """Callbacks after every resolved complaint, some resolved tickets, most big clients
    each month and a few routine ones; most failed attempts are retried once."""
    after = tickets.take((tickets.customer >= 0) & (rng.random(len(tickets)) < 0.06))
    followed = complaints.take(complaints.customer >= 0)
    big_day, big_customer = _big_client_plans(rng, period, customers)
    routine = np.repeat(period.days, daily_counts(rng, period.days, ROUTINE_PER_MONTH, scale, 0.3, 0.0))
    planned = np.concatenate(
        [
            to_days(followed.at) + rng.integers(1, 4, len(followed)).astype("timedelta64[D]"),
            to_days(after.at) + rng.integers(1, 6, len(after)).astype("timedelta64[D]"),
            big_day,
            routine,
        ]
    )
    customer = np.concatenate([followed.customer, after.customer, big_customer, customers.pick(rng, len(routine))])
    reason = np.repeat([0, 3, 2, 1], [len(followed), len(after), len(big_day), len(routine)])
    related = np.concatenate([np.arange(len(followed)), np.full(len(planned) - len(followed), -1)])
    status, completed = _outcome(rng, planned, period.cutoff_s)

    # One retry a few days after most failed attempts.
    retry = (status == 2) & (rng.random(len(planned)) < 0.7)
    again = planned[retry] + rng.integers(1, 4, retry.sum()).astype("timedelta64[D]")
    again_status, again_completed = _outcome(rng, again, period.cutoff_s)
    planned = np.concatenate([planned, again])
    customer, reason, related = (np.concatenate([a, a[retry]]) for a in (customer, reason, related))
    status = np.concatenate([status, again_status])
    completed = np.concatenate([completed, again_completed])

    keep = planned < period.cutoff
    churned = customers.churned[customer]
    gone = (status == 1) & ~np.isnat(churned) & (to_days(completed) >= churned)
    status = np.where(gone, 3, status)  # the customer left before we reached them
    order = np.flatnonzero(keep)[np.argsort(planned[keep], kind="stable")]
    planned, customer, reason, related, status, completed = (
        a[order] for a in (planned, customer, reason, related, status, completed)
    )
    n = len(planned)
    agent = roster.pick(rng, planned, "callbacks")
    agent = np.where((status == 0) & (rng.random(n) < 0.1), -1, agent)

    ids = col.ids("HF", np.arange(1, n + 1), col.width(n, 8))
    table = pa.table(
        {
            "callback_id": ids,
            "customer_id": customers.ids(customer),
            "agent_id": col.labels(roster.agent_id, agent),
            "planned_date": col.dates(planned),
            "completed_at": col.timestamps(completed, status == 1),
            "status": col.labels(STATUSES, status),
            "reason": col.labels(REASONS, reason),
            "related_complaint_id": followed.ids.take(pa.array(related, mask=related < 0)),
        }
    )
    done = status == 1
    return Callbacks(table=table, completed=Contacts("callback", ids, customer, agent, completed).take(done))
