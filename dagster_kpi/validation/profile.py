"""The profile of a raw load: what the next load of the same source is compared with.

`validation.raw_profiles` in the work database holds, per source, the profile of its latest accepted
load: one row per contract column with the load's row count, the column's non-NULL count and, for an
enumerated column (one with `values` in the contract), the values that occur. A profile is measured by
one aggregate query inside DuckDB and replaced in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb

from dagster_kpi.contract import Source
from dagster_kpi.sql import ident, lit, transaction
from dagster_kpi.validation.suites import PREVIOUS_ROWS, non_null_floor, previous_values

PROFILE_SCHEMA = "validation"
PROFILE_TABLE = f"{PROFILE_SCHEMA}.raw_profiles"


@dataclass(frozen=True)
class RawProfile:
    rows: int
    non_null: dict[str, int] = field(default_factory=dict)  # contract column -> non-NULL values
    values: dict[str, tuple[str, ...]] = field(default_factory=dict)  # enumerated column -> values present, sorted


def ensure_profile_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {PROFILE_SCHEMA}")
    con.execute(
        f"CREATE TABLE IF NOT EXISTS {PROFILE_TABLE} (source VARCHAR NOT NULL, column_name VARCHAR NOT NULL,"
        " row_count BIGINT NOT NULL, non_null_count BIGINT NOT NULL, categories VARCHAR[], recorded_at TIMESTAMP NOT NULL)"
    )


def _profile_query(source: Source) -> str:
    """One row per contract column of `raw.<source>`: row_count, column_name, non_null_count, categories."""
    entries = []
    for col in source.columns:
        name = ident(col.name)
        text = f"CAST({name} AS VARCHAR)"
        categories = (
            f"coalesce(list(DISTINCT {text} ORDER BY {text}) FILTER (WHERE {name} IS NOT NULL), [])"
            if col.values
            else "NULL::VARCHAR[]"
        )
        entries.append(f"{{'column_name': {lit(col.name)}, 'non_null_count': count({name}), 'categories': {categories}}}")
    return (
        f"SELECT row_count, unnest(columns, recursive := true) FROM"
        f" (SELECT count(*) AS row_count, [{', '.join(entries)}] AS columns FROM raw.{ident(source.name)})"
    )


def previous_profile(con: duckdb.DuckDBPyConnection, source: str) -> RawProfile | None:
    """The profile of the latest accepted load of `source`; None before the first."""
    ensure_profile_table(con)
    rows = con.execute(
        f"SELECT column_name, row_count, non_null_count, categories FROM {PROFILE_TABLE} WHERE source = ?", [source]
    ).fetchall()
    if not rows:
        return None
    return RawProfile(
        rows=rows[0][1],
        non_null={name: non_null for name, _, non_null, _ in rows},
        values={name: tuple(values) for name, _, _, values in rows if values is not None},
    )


def record_profile(con: duckdb.DuckDBPyConnection, source: Source) -> RawProfile:
    """Measure `raw.<source>` and make it the profile the next load is compared with; that profile."""
    ensure_profile_table(con)
    with transaction(con):
        con.execute(f"DELETE FROM {PROFILE_TABLE} WHERE source = ?", [source.name])
        con.execute(
            f"INSERT INTO {PROFILE_TABLE} SELECT ?, column_name, row_count, non_null_count, categories,"
            f" current_localtimestamp() FROM ({_profile_query(source)})",
            [source.name],
        )
    return previous_profile(con, source.name) or RawProfile(rows=0)


def suite_parameters(source: Source, previous: RawProfile | None) -> dict[str, Any]:
    """The `raw_<source>` suite's parameters from the previous load's profile; values that pass anything without one."""
    previous = previous or RawProfile(rows=0)
    parameters: dict[str, Any] = {PREVIOUS_ROWS: previous.rows}
    for col in source.columns:
        if col.nullable:
            parameters[non_null_floor(col.name)] = 0 if previous.non_null.get(col.name, 0) > 0 else None
        if col.values:
            # A value the contract no longer allows is quarantined now: its absence is not drift.
            parameters[previous_values(col.name)] = [v for v in previous.values.get(col.name, ()) if v in col.values]
    return parameters
