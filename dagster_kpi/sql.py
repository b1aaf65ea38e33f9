"""Quoting of SQL identifiers and literals, reading one row, a table's existence, and a transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    query = "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?"
    [(count,)] = con.execute(query, [schema, table]).fetchall()
    return bool(count)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The statements of the block take effect together or not at all (the connection must not be in one already)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
