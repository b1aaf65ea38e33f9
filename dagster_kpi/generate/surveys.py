"""Satisfaction surveys after calls, tickets, complaints and callbacks."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import columns as col
from .contacts import Contacts
from .customers import Customers
from .people import Roster
from .timeline import Period, to_days

# Latent satisfaction ~ N(shift, 1) cut into CSAT 1..5: about 46% fives, 83% four or better.
CUTS = np.array([-2.2, -1.7, -0.95, 0.1])
KINDS = ("call", "ticket", "complaint", "callback")
# Share of contacts answering a survey (calls arrive pre-sampled) and the mood of each kind.
RESPONSE = {"call": 1.0, "ticket": 0.06, "complaint": 0.3, "callback": 0.1}
MOOD = {"call": 0.0, "ticket": 0.05, "complaint": -0.8, "callback": 0.15}


def build_surveys(
    rng: np.random.Generator, period: Period, roster: Roster, customers: Customers, contacts: list[Contacts]
) -> pa.Table:
    """CSAT 1-5 from a sample of each contact kind; three in four answers also give an NPS 0-10."""
    month_mood = rng.normal(0.0, 0.12, period.months)
    parts = []
    for batch in contacts:  # one batch per contact kind
        chosen = batch.take(rng.random(len(batch)) < RESPONSE[batch.kind])
        if batch.kind == "call":  # the IVR survey right after the call
            minutes = rng.gamma(1.5, 3.0, len(chosen))
        else:  # a message a few hours later
            minutes = 60 * rng.lognormal(np.log(4), 1.0, len(chosen))
        responded = chosen.at + np.rint(60 * minutes).astype(np.int64)
        parts.append((chosen, responded, np.full(len(chosen), KINDS.index(batch.kind))))
    responded = np.concatenate([p[1] for p in parts])
    kind = np.concatenate([p[2] for p in parts])
    customer = np.concatenate([p[0].customer for p in parts])
    agent = np.concatenate([p[0].agent for p in parts])
    interaction = pa.concat_arrays([p[0].ids for p in parts])
    keep = responded < period.cutoff_s
    order = np.flatnonzero(keep)[np.argsort(responded[keep], kind="stable")]
    responded, kind, customer, agent = responded[order], kind[order], customer[order], agent[order]
    interaction = interaction.take(pa.array(order))
    n = len(responded)

    shift = (
        np.where(agent >= 0, roster.traits.csat[np.maximum(agent, 0)], 0.0)
        + np.array([MOOD[k] for k in KINDS])[kind]
        + month_mood[period.month_of(to_days(responded))]
    )
    csat = 1 + (rng.normal(shift, 1.0)[:, None] > CUTS[None, :]).sum(axis=1)
    nps = np.clip(np.rint(2 * csat - 0.3 + rng.normal(0.0, 1.2, n)), 0, 10)
    return pa.table(
        {
            "survey_id": col.ids("SV", np.arange(1, n + 1), col.width(n, 8)),
            "customer_id": customers.ids(customer),
            "agent_id": col.labels(roster.agent_id, agent),
            "interaction_type": col.labels(KINDS, kind),
            "interaction_id": interaction,
            "responded_at": col.timestamps(responded),
            "csat_score": col.ints(csat),
            "nps_score": col.ints(nps, rng.random(n) >= 0.25),
        }
    )
