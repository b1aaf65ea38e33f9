"""The CRM customer master: regions, signing dates, big clients and churn."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import columns as col
from .timeline import Period

UNKNOWN_CALLERS = 10_000
REGIONS = ("华东", "华南", "华北", "华中", "西南", "西北", "东北")
NAT = np.datetime64("NaT")


@dataclass(frozen=True)
class Customers:
    signed: np.ndarray  # datetime64[D], NaT = unknown
    big: np.ndarray  # bool: a big client in the newest snapshot
    big_since: np.ndarray  # datetime64[D], NaT = unknown
    churned: np.ndarray  # datetime64[D], NaT = still a customer
    region: np.ndarray  # index into REGIONS
    by_contact: np.ndarray  # customer indices, the most frequent contacts first

    def __len__(self) -> int:
        return len(self.big)

    @cached_property
    def _ids(self) -> pa.Array:
        return col.ids("CU", np.arange(1, len(self) + 1), col.width(len(self), 6))

    @cached_property
    def _numbers(self) -> pa.Array:
        """Obviously synthetic phone numbers: customer 12345 has 138-0001-2345; then
        the numbers of unknown callers, 170-0000-0000 ... 170-0000-9999."""
        n = np.arange(1, len(self) + 1)
        known = pc.binary_join_element_wise(col.ids("138-", n // 10_000, 4), col.ids("", n % 10_000, 4), "-")
        return pa.concat_arrays([known, col.ids("170-0000-", np.arange(UNKNOWN_CALLERS), 4)])

    def ids(self, idx: np.ndarray) -> pa.Array:
        """customer_id of each index (-1 = NULL)."""
        return col.labels(self._ids, idx)

    def names(self, idx: np.ndarray) -> pa.Array:
        return col.ids("客户", np.where(idx < 0, -1, idx + 1), col.width(len(self), 6))

    def phones(self, idx: np.ndarray, unknown: np.ndarray | None = None) -> pa.Array:
        """Each customer's phone; where idx is -1, unknown caller number `unknown` (-1 or None: NULL)."""
        other = np.full(len(idx), -1) if unknown is None else unknown
        pos = np.where(idx >= 0, idx, np.where(other >= 0, len(self) + other, -1))
        return col.labels(self._numbers, pos)

    def pick(self, rng: np.random.Generator, count: int) -> np.ndarray:
        """Customers by how often they get in touch: contact rank r has density ~ 1/sqrt(r)
        (the top tenth of customers make about a third of the contacts)."""
        rank = (len(self) * rng.random(count) ** 2).astype(np.int64)
        return self.by_contact[rank]

    def big_from(self) -> np.ndarray:
        """The day a big client became one (NaT: always, or not big)."""
        return np.where(np.isnat(self.big_since), self.signed, self.big_since)

    def snapshot(self, as_of: np.datetime64) -> pa.Table:
        """The master as extracted at the end of `as_of`: customers signed by then."""
        shown = np.isnat(self.signed) | (self.signed <= as_of)
        since = self.big_from()
        big = self.big & (np.isnat(since) | (since <= as_of))
        churned = np.where(self.churned <= as_of, self.churned, NAT)
        idx = np.flatnonzero(shown)
        return pa.table(
            {
                "customer_id": self.ids(idx),
                "customer_name": self.names(idx),
                "phone": self.phones(idx),
                "region": col.labels(REGIONS, self.region[idx]),
                "is_big_client": col.flags(big[idx]),
                "big_client_since": col.dates(np.where(big, self.big_since, NAT)[idx]),
                "signed_at": col.dates(self.signed[idx]),
                "churned_at": col.dates(churned[idx]),
            }
        )


def _days(rng: np.random.Generator, lo: np.ndarray | np.datetime64, span: np.ndarray | int, n: int) -> np.ndarray:
    return lo + (rng.random(n) * span).astype("timedelta64[D]")


def build_customers(rng: np.random.Generator, period: Period, scale: float) -> Customers:
    """About 2,000 + 40,000 x scale customers, 2.5% of them big clients.

    Big clients churn with a hazard of about 1.2% a month from the period start
    (or from becoming big), so a year loses roughly one in eight. Every churn
    date lies inside the period.
    """
    n = round(2_000 + 40_000 * scale)
    start, cutoff = period.start, period.cutoff
    span = int((cutoff - start).astype(np.int64))
    u = rng.random(n)
    signed = np.where(u < 0.90, _days(rng, start - 8 * 365, 8 * 365 - 30, n), np.where(u < 0.97, _days(rng, start, span, n), NAT))
    big = rng.random(n) < 0.025

    # Big-client date: mostly some time after signing, some upgraded during the period.
    v = rng.random(n)
    before = np.where(np.isnat(signed), start - 400, signed)
    gap = np.maximum((start - before).astype(np.int64), 1)
    since = np.where(v < 0.75, _days(rng, before, gap, n), np.where(v < 0.85, _days(rng, start, span, n), NAT))
    since = np.where(~np.isnat(signed) & ~np.isnat(since), np.maximum(since, signed), since)
    since = np.where(big, since, NAT)

    # Churn inside the period only (the master holds current and recently lost customers):
    # big clients by a monthly hazard, other customers now and then.
    big_from = np.where(np.isnat(since), signed, since)
    origin = np.where(np.isnat(big_from), start, np.maximum(big_from, start))
    churn_at = origin + (rng.exponential(30.44 / 0.012, n)).astype("timedelta64[D]")
    churned = np.where(big & (churn_at < cutoff), churn_at, NAT)
    known = np.where(np.isnat(signed), start, np.maximum(signed + 30, start))
    lost = ~big & (rng.random(n) < 0.03)
    churned = np.where(lost, _days(rng, known, np.maximum((cutoff - known).astype(np.int64), 1), n), churned)
    churned = np.where(churned < cutoff, churned, NAT)

    weight = rng.pareto(2.5, n) + 0.2
    weight = np.where(big, weight * 4, weight)
    weight = np.where(np.isnat(churned), weight, weight * 0.3)
    return Customers(
        signed=signed,
        big=big,
        big_since=since,
        churned=churned,
        region=rng.integers(0, len(REGIONS), n),
        by_contact=np.argsort(-weight, kind="stable"),
    )
