"""Work orders of every channel and category, with follow-up tickets for repeat issues."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import columns as col
from .contacts import Contacts
from .customers import Customers
from .patterns import TICKET_HOURS, daily_counts, times_on
from .people import Roster
from .timeline import DAY, HOUR, Period, to_days

TICKETS_PER_MONTH = 15_000  # at scale 1
CHANNELS = ("email", "wechat", "web", "app", "sms", "walk_in", "other")
CHANNEL_P = np.array([0.15, 0.30, 0.18, 0.22, 0.05, 0.05, 0.05])
FIRST_RESPONSE_MINUTES = np.array([180, 25, 25, 25, 25, 3, 25])  # median, by channel
CATEGORIES = ("inquiry", "feedback", "info_transfer", "service_request", "fault")
CATEGORY_P = np.array([0.32, 0.16, 0.14, 0.22, 0.16])
RESOLVE_HOURS = np.array([2.0, 20.0, 30.0, 24.0, 36.0])  # median after the first response, by category
ISSUES = (
    ("资费咨询", "业务办理咨询", "账单疑问", "活动咨询"),
    ("服务态度", "产品建议", "网站体验"),
    ("投诉转办", "需求转达", "资料补充"),
    ("地址变更", "套餐变更", "发票申请", "退款申请"),
    ("网络中断", "设备故障", "系统登录失败", "支付失败"),
)
DEPARTMENTS = ("技术部", "财务部", "市场部", "物流部", "销售部", "法务部")
STATUSES = ("open", "processing", "resolved", "closed", "cancelled")
INFO_TRANSFER, FAULT = 2, 4


@dataclass(frozen=True)
class Tickets:
    table: pa.Table  # contract columns in created_at order
    resolved: Contacts  # resolved tickets (surveys, after-service callbacks)
    complained: Contacts  # tickets that led to a complaint, at their creation
    per_month: np.ndarray  # tickets created in each month


def _issue(rng: np.random.Generator, category: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """An issue type of the ticket's category (index into the flat list)."""
    sizes = np.array([len(i) for i in ISSUES])
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    issue = offsets[category] + (rng.random(len(category)) * sizes[category]).astype(np.int64)
    return np.where(rng.random(len(category)) < 0.02, -1, issue), [i for group in ISSUES for i in group]


def _handle(
    rng: np.random.Generator, period: Period, roster: Roster, created: np.ndarray, category: np.ndarray, pace: np.ndarray
) -> dict[str, np.ndarray]:
    """Who handles each ticket and when it gets answered, transferred and resolved."""
    n, cutoff = len(created), period.cutoff_s
    channel = rng.choice(len(CHANNELS), n, p=CHANNEL_P)
    agent = roster.pick(rng, to_days(created), "tickets")
    staff = np.maximum(agent, 0)
    speed = roster.traits.response[staff] * pace[period.month_of(to_days(created))]
    first = created + np.rint(60 * rng.lognormal(np.log(FIRST_RESPONSE_MINUTES[channel] * speed), 1.0)).astype(np.int64)
    responded = (rng.random(n) >= 0.04) & (agent >= 0)

    info, fault = category == INFO_TRANSFER, category == FAULT
    passed_on = (info & (rng.random(n) >= 0.03)) | (fault & (rng.random(n) < 0.25))
    transfer_minutes = np.where(info, 40.0, 120.0) * speed
    transferred = created + np.rint(60 * rng.lognormal(np.log(transfer_minutes), 0.9)).astype(np.int64)
    department = np.where(passed_on, np.where(info, rng.integers(0, len(DEPARTMENTS), n), 0), -1)

    begin = np.maximum(np.where(responded, first, created), np.where(passed_on, transferred, created))
    resolved = begin + np.rint(HOUR * rng.lognormal(np.log(RESOLVE_HOURS[category]), 0.9)).astype(np.int64)
    u = rng.random(n)
    cancelled, stuck = u < 0.04, (u >= 0.04) & (u < 0.06)
    done = ~cancelled & ~stuck & (resolved < cutoff) & (agent >= 0)
    responded &= first < cutoff
    passed_on &= transferred < cutoff
    closed = done & (resolved < cutoff - 3 * DAY) & (rng.random(n) < 0.85)
    status = np.select([cancelled, closed, done, responded], [4, 3, 2, 1], default=0)
    agent = np.where((status == 0) & (rng.random(n) < 0.5), -1, agent)  # not yet assigned

    r = rng.random(n)
    reopened = np.where(done, np.select([r < 0.07, r < 0.085], [1, 2], default=0), 0)
    fcr = (rng.random(n) < roster.traits.fcr[staff]) & (reopened == 0)
    return {
        "channel": channel,
        "agent": agent,
        "first": first,
        "responded": responded,
        "transferred": transferred,
        "passed_on": passed_on,
        "department": department,
        "resolved": resolved,
        "resolved_known": done & (rng.random(n) >= 0.015),
        "status": status,
        "fcr": fcr,
        "fcr_known": done & (rng.random(n) >= 0.03),
        "reopened": reopened,
        "reopened_known": rng.random(n) >= 0.02,
    }


def build_tickets(rng: np.random.Generator, period: Period, roster: Roster, customers: Customers, scale: float) -> Tickets:
    """About 15k x scale tickets a month; ~9% of resolved ones come back as the same issue."""
    days = period.days
    created = times_on(rng, np.repeat(days, daily_counts(rng, days, TICKETS_PER_MONTH, scale, 0.7, 0.6)), TICKET_HOURS)
    pace = rng.lognormal(0.0, 0.25, period.months)  # some months the back office is slower
    category = rng.choice(len(CATEGORIES), len(created), p=CATEGORY_P)
    issue, issue_names = _issue(rng, category)
    customer = np.where(rng.random(len(created)) < 0.94, customers.pick(rng, len(created)), -1)
    first = _handle(rng, period, roster, created, category, pace)

    # Repeat issues: the same customer and issue type again, days after the resolution.
    again = first["resolved_known"] & (customer >= 0) & (issue >= 0) & (rng.random(len(created)) < 0.09)
    later = first["resolved"][again] + np.rint(HOUR * rng.gamma(1.2, 40.0, again.sum())).astype(np.int64)
    keep = later < period.cutoff_s
    follow = _handle(rng, period, roster, later[keep], category[again][keep], pace)

    created = np.concatenate([created, later[keep]])
    category = np.concatenate([category, category[again][keep]])
    issue = np.concatenate([issue, issue[again][keep]])
    customer = np.concatenate([customer, customer[again][keep]])
    f = {k: np.concatenate([first[k], follow[k]]) for k in first}
    order = np.argsort(created, kind="stable")
    created, category, issue, customer = created[order], category[order], issue[order], customer[order]
    f = {k: v[order] for k, v in f.items()}
    n = len(created)

    ids = col.ids("TK", np.arange(1, n + 1), col.width(n, 8))
    table = pa.table(
        {
            "ticket_id": ids,
            "channel": col.labels(CHANNELS, f["channel"]),
            "category": col.labels(CATEGORIES, category),
            "issue_type": col.labels(issue_names, issue),
            "customer_id": customers.ids(customer),
            "agent_id": col.labels(roster.agent_id, f["agent"]),
            "created_at": col.timestamps(created),
            "first_response_at": col.timestamps(f["first"], f["responded"]),
            "transferred_at": col.timestamps(f["transferred"], f["passed_on"]),
            "target_department": col.labels(DEPARTMENTS, f["department"]),
            "resolved_at": col.timestamps(f["resolved"], f["resolved_known"]),
            "status": col.labels(STATUSES, f["status"]),
            "first_contact_resolution": col.flags(f["fcr"], f["fcr_known"]),
            "reopened_count": col.ints(f["reopened"], f["reopened_known"]),
            "priority": col.labels(col.PRIORITIES, col.spread_priorities(np.arange(1, n + 1))),
        }
    )
    contacts = Contacts("ticket", ids, customer, f["agent"], created)
    complaint_p = 0.02 * roster.traits.complaint[np.maximum(f["agent"], 0)]
    resolved = f["resolved_known"]
    return Tickets(
        table=table,
        resolved=Contacts("ticket", ids, customer, f["agent"], f["resolved"]).take(resolved),
        complained=contacts.take((f["status"] != 4) & (rng.random(n) < complaint_p)),
        per_month=np.bincount(period.month_of(to_days(created)), minlength=period.months),
    )
