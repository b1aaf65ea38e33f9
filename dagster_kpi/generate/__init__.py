"""Synthetic landing data for every source of the contract (`kpi generate`)."""

from .landing import generate_landing

__all__ = ["generate_landing"]
