"""Quoting of SQL identifiers and literals, and reading one row."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def timestamp_lit(value: datetime) -> str:
    """A TIMESTAMP literal of a local wall-clock time (aware values are converted to local time)."""
    if value.tzinfo is not None:
        value = value.astimezone().replace(tzinfo=None)
    return f"TIMESTAMP {lit(value.isoformat(sep=' '))}"


def one(con: duckdb.DuckDBPyConnection, query: str, parameters: object = None) -> tuple[Any, ...]:
    """The single row of `query` (an aggregate, a setting): LookupError when there is none."""
    row = con.execute(query, parameters).fetchone()
    if row is None:
        raise LookupError(f"no row from: {query}")
    return row
