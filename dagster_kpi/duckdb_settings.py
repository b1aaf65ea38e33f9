"""DuckDB settings every connection of a run shares, and the dbt profile mirrors."""

from __future__ import annotations

import os

import duckdb

MEMORY_LIMIT_ENV = "KPI_MEMORY_LIMIT"
# DuckDB's own default is 80% of the machine's memory; a run shares its machine with BI tools.
# Past the limit DuckDB spills to a temporary folder beside the database file.
DEFAULT_MEMORY_LIMIT = "3GB"


def memory_limit() -> str:
    return os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT


def duckdb_config() -> dict[str, str]:
    """The `config` of every read-write DuckDB connection a run opens."""
    return {"memory_limit": memory_limit()}


def check_duckdb_settings() -> None:
    """A setting DuckDB refuses is a one-line error before the run starts."""
    try:
        duckdb.connect(config=duckdb_config()).close()
    except duckdb.Error as error:
        message = str(error).splitlines()[0]
        raise ValueError(f"{MEMORY_LIMIT_ENV}={memory_limit()!r} is not a DuckDB memory limit ({message})") from None
