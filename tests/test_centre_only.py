"""Records that reach the centre only (no agent_id, or one not on the roster): counted per source and month
by dbt, reported by a warning check and the run summary, never blocking.

Roster KF1, KF2. March 2026:
    calls       8,473 answered valid calls, 35 of them by 7 agent ids not on the roster (X1 10, X2 8, X3 6,
                X4 4, X5 3, X6 2, X7 2): 35 / 8,473 = 0.41 %. Not counted: 100 abandoned calls without an
                agent (no agent answers them) and 3 invalid answered calls of X9.
    complaints  4: KF1, KF2, X1 and one without an agent_id: 2 of 4.
    tickets     1 of KF1; a cancelled one of X8 is not counted.
February 2026: 10 calls of KF1, all on the roster: no line.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from dagster import AssetCheckSeverity

from dagster_kpi.defs.attribution import evaluate
from dagster_kpi.validation.centre_only import CentreOnly, centre_only_records, describe, summary_lines
from tests.dbt_fixture import build_work_db

MAR, FEB = date(2026, 3, 1), date(2026, 2, 1)

AGENTS = [
    {"agent_id": "KF1", "agent_name": "张三", "team": "热线一组", "hired_on": "2025-01-01"},
    {"agent_id": "KF2", "agent_name": "李四", "team": "热线一组", "hired_on": "2025-01-01"},
]
COMPLAINTS = [
    {"complaint_id": f"P{n}", "agent_id": agent, "received_at": f"2026-03-0{n} 10:00:00", "severity": "general"}
    for n, agent in enumerate(["KF1", "KF2", "X1", None], start=1)
]
TICKETS = [
    {"ticket_id": "T1", "channel": "web", "category": "inquiry", "agent_id": "KF1", "created_at": "2026-03-02 09:00:00",
     "status": "open"},
    {"ticket_id": "T2", "channel": "web", "category": "inquiry", "agent_id": "X8", "created_at": "2026-03-02 09:00:00",
     "status": "cancelled"},
]  # fmt: skip

UNKNOWN = "case when i < 10 then 'X1' when i < 18 then 'X2' when i < 24 then 'X3' when i < 28 then 'X4' " \
          "when i < 31 then 'X5' when i < 33 then 'X6' when i < 35 then 'X7' else 'KF' || (1 + i % 2) end"  # fmt: skip


def insert_calls(con: duckdb.DuckDBPyConnection) -> None:
    """The calls, set-based: (count, id prefix, agent, first offered, outcome, valid)."""
    for count, prefix, agent, first, outcome, valid in [
        (8473, "M", UNKNOWN, "2026-03-01 08:00:00", "answered", True),
        (100, "A", "NULL", "2026-03-10 08:00:00", "abandoned", True),
        (3, "I", "'X9'", "2026-03-12 08:00:00", "answered", False),
        (10, "F", "'KF1'", "2026-02-10 08:00:00", "answered", True),
    ]:
        con.execute(f"""
            insert into raw.calls (call_id, direction, agent_id, offered_at, answered_at, talk_seconds, outcome,
                                   is_valid, _source_file, _source_row, _loaded_at)
            select '{prefix}' || i, 'inbound', {agent}, offered, offered + interval 10 second, 60, '{outcome}',
                   {valid}, 'calls.csv', i + 1, current_timestamp
            from (select i, timestamp '{first}' + i * interval 1 minute as offered from range({count}) as t(i))
        """)  # fmt: skip


@pytest.fixture(scope="module")
def work_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rows = {"agents": AGENTS, "complaints": COMPLAINTS, "tickets": TICKETS}
    return build_work_db(tmp_path_factory, "dbt_centre_only", rows, [], then=insert_calls)


def test_the_model_counts_each_source_and_month(work_db):
    with duckdb.connect(str(work_db), read_only=True) as con:
        rows = con.execute(
            "select source_name, month_start, records, centre_only_records, records_without_agent, "
            "records_of_unknown_agents, unknown_agent_ids, unknown_agent_sample, round(centre_only_share, 6) "
            "from intermediate.int_centre_only_records order by all"
        ).fetchall()
    assert rows == [
        ("calls", FEB, 10, 0, 0, 0, 0, None, 0.0),
        ("calls", MAR, 8473, 35, 0, 35, 7, "X1, X2, X3, X4, X5", round(35 / 8473, 6)),
        ("complaints", MAR, 4, 2, 1, 1, 1, "X1", 0.5),
        ("tickets", MAR, 1, 0, 0, 0, 0, None, 0.0),
    ]


def test_one_line_per_source_month_with_centre_only_records(work_db):
    with duckdb.connect(str(work_db), read_only=True) as con:
        found = centre_only_records(con)
    assert [describe(row) for row in found] == [
        "calls 2026-03: 35 of 8,473 records (0.41%) reach the centre only: "
        "35 by 7 agent ids not on the roster (X1, X2, X3, X4, X5, …)",
        "complaints 2026-03: 2 of 4 records (50.00%) reach the centre only: "
        "1 by 1 agent id not on the roster (X1); 1 without an agent_id",
    ]


def test_the_check_is_a_warning_with_the_lines(work_db):
    with duckdb.connect(str(work_db), read_only=True) as con:
        result = evaluate(centre_only_records(con))
    assert not result.passed and result.severity == AssetCheckSeverity.WARN
    assert result.description.startswith("2 source-months have records that reach the centre only; the first: calls 2026-03")
    assert result.metadata["lines"].value[1].startswith("complaints 2026-03: 2 of 4 records (50.00%)")
    assert result.metadata["centre_only_records"].value == 37
    clean = evaluate([])
    assert clean.passed and clean.metadata["lines"].value == []


def test_the_summary_is_capped():
    rows = [CentreOnly("surveys", date(2025, m, 1), 100, 1, 1, 0, 0, ()) for m in range(12, 0, -1)]
    rows += [CentreOnly("exams", date(2024, 12, 1), 8, 2, 0, 2, 2, ("Z1", "Z2"))]
    lines = summary_lines(rows, limit=3)
    assert lines == [
        "surveys 2025-12: 1 of 100 records (1.00%) reach the centre only: 1 without an agent_id",
        "surveys 2025-11: 1 of 100 records (1.00%) reach the centre only: 1 without an agent_id",
        "surveys 2025-10: 1 of 100 records (1.00%) reach the centre only: 1 without an agent_id",
        "… and 10 more source-months with records that reach the centre only",
    ]
    assert describe(rows[-1]).endswith("2 by 2 agent ids not on the roster (Z1, Z2)")
