"""Records that reach the centre only, as the lines of a warning.

A record of a source the contract attributes to agents (`agent_attribution`) reaches the team and agent
levels through its agent_id; without one, or with one not on the roster, it counts at the centre only and
never blocks publishing. `intermediate.int_centre_only_records` counts them per source and month; this
module reads the source-months that have any and words them, one line each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import duckdb

CENTRE_ONLY_MODEL = "intermediate.int_centre_only_records"
CENTRE_ONLY_CHECK = "centre_only_records"  # the warning check on that model
MAX_LINES = 12  # lines shown in the run summary and the check's description


@dataclass(frozen=True)
class CentreOnly:
    """One source and month with records that reach the centre only."""

    source: str
    month: date
    records: int
    centre_only: int
    without_agent: int
    of_unknown_agents: int
    unknown_agents: int  # distinct agent ids not on the roster
    sample: tuple[str, ...]  # the first of them in sort order

    @property
    def share(self) -> float:
        return self.centre_only / self.records if self.records else 0.0


def centre_only_records(con: duckdb.DuckDBPyConnection) -> list[CentreOnly]:
    """The source-months with centre-only records, newest month first, then by source."""
    rows = con.execute(
        f"""
        SELECT source_name, month_start, records, centre_only_records, records_without_agent,
               records_of_unknown_agents, unknown_agent_ids, unknown_agent_sample
        FROM {CENTRE_ONLY_MODEL}
        WHERE centre_only_records > 0
        ORDER BY month_start DESC, source_name
        """
    ).fetchall()
    return [
        CentreOnly(source, month, records, centre_only, without, unknown, ids, tuple(sample.split(", ")) if sample else ())
        for source, month, records, centre_only, without, unknown, ids, sample in rows
    ]


def describe(row: CentreOnly) -> str:
    """`calls 2026-03: 35 of 8,473 records (0.41%) reach the centre only: 35 by 7 agent ids not on the roster
    (X1, X2, X3, X4, X5, …)`."""
    parts = []
    if row.of_unknown_agents:
        ids = ", ".join(row.sample) + (", …" if row.unknown_agents > len(row.sample) else "")
        noun = "agent id" if row.unknown_agents == 1 else "agent ids"
        parts.append(f"{row.of_unknown_agents:,} by {row.unknown_agents:,} {noun} not on the roster ({ids})")
    if row.without_agent:
        parts.append(f"{row.without_agent:,} without an agent_id")
    return (
        f"{row.source} {row.month:%Y-%m}: {row.centre_only:,} of {row.records:,} records ({row.share:.2%}) "
        f"reach the centre only: {'; '.join(parts)}"
    )


def summary_lines(rows: Sequence[CentreOnly], limit: int = MAX_LINES) -> list[str]:
    """One line per source-month, at most `limit`, then how many more there are."""
    lines = [describe(row) for row in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"… and {len(rows) - limit:,} more source-months with records that reach the centre only")
    return lines
