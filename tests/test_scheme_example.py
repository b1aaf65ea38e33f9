"""The README's worked example of a centre's own scheme, built exactly as written there.

The rows under "Writing your own scheme" (each CSV block follows a `<!-- seeds/<seed>.csv -->`
line) are added to the default seeds, and one month of records gives the team lead the figures the
README names: a supervisor's rating of 85, a QA mean of 78, one major complaint, 420 answered calls
and one late arrival. The README's numbers are then checked in the marts.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from dagster_kpi.paths import PROJECT_ROOT
from tests.dbt_fixture import build_work_db

JAN = date(2026, 1, 1)
BLOCK = re.compile(r"<!-- seeds/(\w+)\.csv -->\n```csv\n(.*?)```", re.S)
DUCKDB_TYPES = {"string": "varchar", "double": "double", "integer": "integer", "boolean": "boolean", "date": "date"}


def readme_rows() -> dict[str, list[list[str]]]:
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Writing your own scheme", 1)[1].split("\n## ", 1)[0]
    added: dict[str, list[list[str]]] = {}
    for seed, body in BLOCK.findall(section):
        added.setdefault(seed, []).extend(csv.reader(io.StringIO(body)))
    return added


def seed_column_types() -> dict[str, dict[str, str]]:
    types: dict[str, dict[str, str]] = {}
    for path in (PROJECT_ROOT / "seeds").glob("_*.yml"):
        for seed in yaml.safe_load(path.read_text(encoding="utf-8")).get("seeds", []):
            types[seed["name"]] = seed.get("config", {}).get("column_types", {})
    return types


def load_seeds(added: dict[str, list[list[str]]]):
    """Each seed the README adds to, as a table of its default rows and the README's (dbt leaves them alone)."""
    types = seed_column_types()

    def load(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("create schema seeds")
        for seed, new_rows in added.items():
            with (PROJECT_ROOT / "seeds" / f"{seed}.csv").open(encoding="utf-8", newline="") as f:
                header, *default_rows = list(csv.reader(f))
            columns = ", ".join(f'"{c}" {DUCKDB_TYPES[types[seed][c]]}' for c in header)
            con.execute(f"create table seeds.{seed} ({columns})")
            for row in [*default_rows, *new_rows]:
                assert len(row) == len(header), f"{seed}: {row} does not have the columns {header}"
                values = [None if v == "" else v for v in row]
                con.execute(f"insert into seeds.{seed} values ({', '.join('?' for _ in header)})", values)

    return load


def fixture_rows() -> dict[str, list[dict[str, Any]]]:
    agents = [
        {
            "agent_id": "L1",
            "agent_name": "组长",
            "team": "T1",
            "department": "客服处",
            "role": "team_lead",
            "hired_on": "2025-01-01",
        },
        {"agent_id": "a1", "agent_name": "坐席", "team": "T1", "department": "客服处", "role": "agent", "hired_on": "2025-01-01"},
    ]
    calls = [
        {
            "call_id": f"c{i}",
            "direction": "inbound",
            "agent_id": "L1",
            "offered_at": "2026-01-05 09:00:00",
            "answered_at": "2026-01-05 09:00:10",
            "ended_at": "2026-01-05 09:02:10",
            "talk_seconds": 120,
            "outcome": "answered",
        }
        for i in range(420)
    ]
    return {
        "agents": agents,
        "calls": calls,
        "ratings": [
            {
                "rating_id": "r1",
                "period_month": "2026-01-01",
                "agent_id": "L1",
                "rater_type": "supervisor",
                "rater_id": "m0",
                "score": 85,
            }
        ],
        "qa_reviews": [{"review_id": "q1", "agent_id": "L1", "reviewed_at": "2026-01-10 10:00:00", "score": 78}],
        "complaints": [
            {
                "complaint_id": "k1",
                "agent_id": "L1",
                "received_at": "2026-01-12 10:00:00",
                "severity": "major",
                "is_responsible": True,
            }
        ],
        "attendance": [
            {"agent_id": "L1", "work_date": "2026-01-05", "status": "present", "late_minutes": 10},
            {"agent_id": "L1", "work_date": "2026-01-06", "status": "present"},
        ],
    }


@pytest.fixture(scope="module")
def work_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    added = readme_rows()
    assert set(added) == {"scoring_rule_sets", "scoring_rules", "scoring_bands", "scoring_adjustments"}
    return build_work_db(
        tmp_path_factory, "scheme_example", fixture_rows(), ["--threads", "2", "--exclude", *added], then=load_seeds(added)
    )


def query(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_team_lead_is_scored_by_the_readme_scheme(work_db: Path) -> None:
    [card] = query(
        work_db,
        "select rule_set, base_score, adjustment_points, total_score, grade, pay_ratio, rank, ranked_entities"
        " from marts.scorecards where period_grain = 'month' and entity_id = 'L1'",
    )
    assert card[:4] == ("lead", 80, pytest.approx(2.2, abs=1e-9), pytest.approx(82.2, abs=1e-9))
    assert card[4:] == ("B", 0.80, 1, 1)
    # The agent beside the lead keeps the frontline set, ranked apart.
    assert query(
        work_db, "select rule_set, ranked_entities from marts.scorecards where period_grain = 'month' and entity_id = 'a1'"
    ) == [("frontline", 1)]


def test_items_and_adjustments_as_the_readme_says(work_db: Path) -> None:
    points = dict(
        query(
            work_db,
            "select kpi_code || ':' || component, points from marts.kpi_scores where entity_id = 'L1'",
        )
    )
    assert points == {
        "rating_score:item": 32,
        "qa_avg_score:item": 28,
        "major_complaint_count:item": 20,
        "handled_calls:adjustment": pytest.approx(4.2, abs=1e-9),
        "late_early_count:adjustment": -2,
        "leave_days:adjustment": 0,
    }


def test_the_lead_is_paid_from_the_team_lead_pay_base(work_db: Path) -> None:
    assert query(
        work_db, "select period_start, pay_base, effective_pay_ratio, performance_pay from marts.pay_sheet where agent_id = 'L1'"
    ) == [(JAN, 500, 0.80, 400.00)]
