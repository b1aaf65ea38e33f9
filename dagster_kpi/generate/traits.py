"""How each person works: the spread that makes KPIs differ between agents and teams."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Traits:
    """Per-person working style; drives how each person's KPIs come out."""

    productivity: np.ndarray  # share of the work relative to colleagues
    talk: np.ndarray  # talk-time multiplier
    transfer: np.ndarray  # probability an answered call is transferred
    csat: np.ndarray  # shift of the latent satisfaction score
    fcr: np.ndarray  # probability of first-contact resolution
    response: np.ndarray  # response-time multiplier
    complaint: np.ndarray  # complaint-propensity multiplier
    satisfied: np.ndarray  # shift of the complaint-resolution verdict
    qa: np.ndarray  # mean QA score
    exam: np.ndarray  # mean exam score
    lateness: np.ndarray  # multiplier of the chance to come late, leave early or miss a punch
    absence: np.ndarray  # multiplier of sick and personal leave and of absence
    swaps: np.ndarray  # multiplier of shift swaps asked for
    rating: np.ndarray  # mean manual rating (考评) by a neutral rater
    conduct: np.ndarray  # multiplier of violations and inspection findings
    collection: np.ndarray  # share of due households a steward gets to pay


def draw_traits(rng: np.random.Generator, team: np.ndarray, n_teams: int, joiner: np.ndarray) -> Traits:
    """Each person's style: a personal draw plus a shared team effect; joiners start weaker."""
    n = len(team)
    quality = rng.normal(0.0, 1.0, n_teams)[team]  # some teams are simply better run

    def z() -> np.ndarray:
        return rng.normal(0.0, 1.0, n)

    return Traits(
        productivity=rng.lognormal(0.0, 0.15, n),
        talk=np.exp(0.12 * z() - 0.05 * quality) * np.where(joiner, 1.1, 1.0),
        transfer=np.clip(0.05 * rng.lognormal(0.0, 0.35, n), 0.01, 0.2),
        csat=0.3 * z() + 0.12 * quality,
        fcr=np.clip(0.85 + 0.05 * z() + 0.02 * quality, 0.5, 0.98),
        response=rng.lognormal(0.0, 0.3, n),
        complaint=rng.lognormal(0.0, 0.4, n),
        satisfied=0.05 * z() + 0.02 * quality,
        qa=84 + 4 * z() + 1.5 * quality - 3 * joiner,
        exam=83 + 5 * z() + 1.5 * quality - 4 * joiner,
        # Drawn after the traits above, so those come out as before they existed.
        lateness=rng.lognormal(0.0, 0.7, n),
        absence=rng.lognormal(0.0, 0.5, n),
        swaps=rng.lognormal(0.0, 0.5, n),
        rating=85 + 3 * z() + 1.5 * quality - 2 * joiner,
        conduct=rng.lognormal(0.0, 0.6, n) * np.where(joiner, 1.3, 1.0),
        collection=np.clip(0.966 + 0.014 * z() + 0.005 * quality - 0.01 * joiner, 0.88, 0.998),
    )
