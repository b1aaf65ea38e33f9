"""The error ingestion raises for an extract it cannot read."""

from __future__ import annotations

from dagster_kpi.errors import KpiError


class ExtractError(KpiError):
    """A source file cannot be loaded: "<source>/<file>: <what is wrong>", on one line."""


def one_line(text: str) -> str:
    """Collapse a (possibly multi-line) message to one line."""
    return " ".join(str(text).split())
