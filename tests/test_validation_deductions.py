"""The deductions suite: a consistent ledger passes, each broken rule is named, and the ledger is held to the
deduction_points KPI of kpi_values (read from the mart's own schema) in both directions.

Ledger (points): January a1 1.0 + 2.5 (KPI 3.5), a team-only violation of P1 3.0 and a centre-only 1.0; February
a2 2.0 (KPI 2.0); a1 has a KPI of 0 in February and no deduction. a9 has a January violation but no KPI row (not
employed that month): nothing to agree with.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from dagster_kpi.changes import Scope
from dagster_kpi.validation import validate_table
from dagster_kpi.validation.scope import Period, reach
from dagster_kpi.validation.suites import read_suite
from tests.test_validation_scores import replaced, unexpected

DEDUCTIONS = [  # violation_id, occurred_at, period_start, level_reached, agent_id, team, department, category,
    # inspector_level, points, fine_amount
    ("V1", "2024-01-05 09:00:00", "2024-01-01", "agent", "a1", "T1", "D1", "appearance", "center", 1.0, 10.0),
    ("V2", "2024-01-20 09:00:00", "2024-01-01", "agent", "a1", "T1", "D1", "discipline", None, 2.5, 0.0),
    ("V3", "2024-01-09 09:00:00", "2024-01-01", "team", None, "P1", None, "building", "hq", 3.0, 30.0),
    ("V4", "2024-01-31 23:59:59", "2024-01-01", "center", "x9", None, None, "other", None, 1.0, 10.0),
    ("V5", "2024-02-01 00:00:00", "2024-02-01", "agent", "a2", "T1", "D1", "attitude", None, 2.0, 20.0),
    ("V6", "2024-01-10 09:00:00", "2024-01-01", "agent", "a9", "T2", None, "service", None, 2.0, 20.0),
]
KPI_VALUES = [  # period_grain, period_start, level, entity_id, kpi_code, numerator, denominator, value
    ("month", "2024-01-01", "agent", "a1", "deduction_points", None, None, 3.5),
    ("month", "2024-02-01", "agent", "a1", "deduction_points", None, None, 0.0),
    ("month", "2024-02-01", "agent", "a2", "deduction_points", None, None, 2.0),
    ("month", "2024-01-01", "center", "center", "deduction_points", None, None, 9.5),
    ("quarter", "2024-01-01", "agent", "a1", "deduction_points", None, None, 3.5),
    ("month", "2024-01-01", "agent", "a1", "fine_amount", None, None, 10.0),
]


def make_deductions(db: Path, deductions: list[tuple]) -> None:
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute(
            "CREATE TABLE marts.deductions (violation_id VARCHAR, occurred_at TIMESTAMP, period_start DATE,"
            " level_reached VARCHAR, agent_id VARCHAR, team VARCHAR, department VARCHAR, category VARCHAR,"
            " inspector_level VARCHAR, points DOUBLE, fine_amount DOUBLE)"
        )
        if deductions:
            con.executemany(f"INSERT INTO marts.deductions VALUES ({', '.join('?' * 11)})", deductions)


def make_marts(db: Path, deductions: list[tuple], kpi_values: list[tuple]) -> None:
    make_deductions(db, deductions)
    with duckdb.connect(str(db)) as con:
        con.execute(
            "CREATE TABLE marts.kpi_values (period_grain VARCHAR, period_start DATE, level VARCHAR, entity_id VARCHAR,"
            " kpi_code VARCHAR, numerator DOUBLE, denominator DOUBLE, value DOUBLE)"
        )
        con.executemany("INSERT INTO marts.kpi_values VALUES (?, ?, ?, ?, ?, ?, ?, ?)", kpi_values)


def validate(tmp_path: Path, deductions: list[tuple], kpi_values: list[tuple] = KPI_VALUES, scope: Scope | None = None):
    db = tmp_path / "work.duckdb"
    make_marts(db, deductions, kpi_values)
    return validate_table(db, "marts.deductions", "deductions", scope=scope)


def test_a_consistent_ledger_passes(tmp_path: Path) -> None:
    result = validate(tmp_path, DEDUCTIONS)
    assert (result.success, result.failures) == (True, [])


def test_the_suite_declares_its_period_and_what_each_rule_reads() -> None:
    doc = read_suite("deductions")
    period = Period(**doc["meta"]["period"])
    assert period == Period("period_start")
    # The agreement with the KPI from the ledger's side reads one month; from the KPI's side, a month may have no
    # ledger rows in the validated periods at all: that rule runs on the whole table.
    assert [reach(spec, period) for spec in doc["expectations"]] == ["row", "row", "row", "row", "period", "table"]


MISMATCH = "an agent's points in a month differ from its deduction_points in kpi_values"
WITHOUT_LEDGER = "an agent has deduction_points in kpi_values for a month without any deductions of its own"
LEVELS = (
    "team or department does not match level_reached (agent: an agent and its team; team: a team and no department; "
    "center: neither)"
)


@pytest.mark.parametrize(
    ("row", "changes", "failures"),
    [
        (1, {9: 3.0}, [unexpected("deductions", "agent_id, period_start, points", MISMATCH)]),  # a1 4.0 against 3.5
        (
            4,
            {4: "a1", 2: "2024-02-01"},  # a2's February points move to a1 (KPI 0), a2's 2.0 loses its ledger
            [
                unexpected("deductions", "agent_id, period_start, points", MISMATCH),
                unexpected("deductions", "agent_id, period_start", WITHOUT_LEDGER),
            ],
        ),
        (4, {3: "team", 6: None}, [unexpected("deductions", "agent_id, period_start", WITHOUT_LEDGER)]),  # no more a2's
        (2, {6: "D2"}, [unexpected("deductions", "level_reached, agent_id, team, department", LEVELS)]),
        (3, {5: "P1"}, [unexpected("deductions", "level_reached, agent_id, team, department", LEVELS)]),
        (
            3,
            {2: "2024-02-01"},
            [
                unexpected(
                    "deductions", "period_start, occurred_at", "period_start is not the first day of the month of occurred_at"
                )
            ],
        ),
        (
            2,
            {10: -5.0},
            ["deductions: expect_column_values_to_be_between(fine_amount) — 1 of 6 rows unexpected, e.g. -5.0 (1 row)"],
        ),
    ],
    ids=[
        "points-differ-from-the-kpi",
        "points-booked-to-another-agent",
        "kpi-without-ledger",
        "team-violation-with-a-department",
        "centre-violation-with-a-team",
        "wrong-month",
        "negative-fine",
    ],
)
def test_each_broken_rule_is_reported(tmp_path: Path, row: int, changes: dict[int, object], failures: list[str]) -> None:
    result = validate(tmp_path, replaced(DEDUCTIONS, row, changes))
    assert not result.success
    assert result.failures == failures


def test_a_kpi_differing_from_the_ledger_is_caught(tmp_path: Path) -> None:
    kpi_values = replaced(KPI_VALUES, 0, {7: 3.0})
    result = validate(tmp_path, DEDUCTIONS, kpi_values)
    assert result.failures == [unexpected("deductions", "agent_id, period_start, points", MISMATCH)]


def test_a_scope_validates_its_months_and_the_kpi_side_everywhere(tmp_path: Path) -> None:
    # January's ledger disagrees (a1 4.0 against 3.5): a February scope does not read January's ledger rows...
    broken_january = replaced(DEDUCTIONS, 1, {9: 3.0})
    february = Scope(every_month=False, months=(date(2024, 2, 1),))
    (tmp_path / "a").mkdir()
    assert validate(tmp_path / "a", broken_january, scope=february).success
    # ...but a KPI without ledger rows is looked for in every month, the validated ones holding no row of it.
    without_february = [row for row in DEDUCTIONS if row[0] != "V5"]
    (tmp_path / "b").mkdir()
    result = validate(tmp_path / "b", without_february, scope=february)
    assert result.failures == [unexpected("deductions", "agent_id, period_start", WITHOUT_LEDGER)]
