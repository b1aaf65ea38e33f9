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
    )
