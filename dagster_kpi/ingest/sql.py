"""Quoting of SQL identifiers and literals."""

from __future__ import annotations

from datetime import datetime


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def timestamp_lit(value: datetime) -> str:
    """A TIMESTAMP literal of a local wall-clock time (aware values are converted to local time)."""
    if value.tzinfo is not None:
        value = value.astimezone().replace(tzinfo=None)
    return f"TIMESTAMP {lit(value.isoformat(sep=' '))}"
