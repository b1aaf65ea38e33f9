"""The pay_sheet suite: a consistent pay sheet passes, each broken rule is named.

Not NULL, accepted values, the unique key and the floor's value (the dbt var frontline_pay_floor) are dbt tests of
the mart (tests/test_dbt_pay_and_periods.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from dagster_kpi.validation import validate_table
from tests.test_validation_scores import replaced, unexpected

COLUMNS = (
    "period_start DATE, agent_id VARCHAR, agent_name VARCHAR, team VARCHAR, department VARCHAR, role VARCHAR,"
    " level VARCHAR, assessed BOOLEAN, total_score DOUBLE, grade VARCHAR, pay_ratio DOUBLE, effective_pay_ratio DOUBLE,"
    " pay_base DOUBLE, proration DOUBLE, performance_pay DOUBLE, award_amount DOUBLE, fine_amount DOUBLE,"
    " net_amount DOUBLE"
)
# period_start, agent_id, name, team, department, role, level, assessed, total, grade, pay_ratio (10),
# effective_pay_ratio (11), pay_base (12), proration (13), performance_pay (14), award (15), fine (16), net (17)
PAY_SHEET = [
    # 300 x 0.95 = 285; + 500 - 30
    ("2024-03-01", "a1", "Ann", "T1", "客服处", "agent", "junior", True, 96.0, "A", 0.95, 0.95, 300.0, 1.0, 285.0,
     500.0, 30.0, 755.0),
    # raised to the floor: 300 x 0.75 x 20/22 = 204.5454... -> 204.55
    ("2024-03-01", "a2", "Bo", "T1", "客服处", "agent", "junior", True, 60.0, "D", 0.7, 0.75, 300.0, 20 / 22, 204.55,
     0.0, 0.0, 204.55),
    # no pay ratio (no KPI value): the floor
    ("2024-03-01", "a3", "Cy", "T2", None, "property_agent", None, True, None, None, None, 0.75, 300.0, 1.0, 225.0,
     0.0, 20.0, 205.0),
    # a team lead keeps its pay ratio: 500 x 0.7
    ("2024-03-01", "t1", "Di", "T1", "客服处", "team_lead", "senior", True, 60.0, "D", 0.7, 0.7, 500.0, 1.0, 350.0,
     0.0, 0.0, 350.0),
    # not assessed: 0, fines still come out
    ("2024-03-01", "a4", "Ed", "T2", None, "agent", None, False, None, None, None, 0.0, 300.0, 1.0, 0.0, 0.0, 12.5,
     -12.5),
]  # fmt: skip


def make_pay_sheet(db: Path, rows: list[tuple]) -> None:
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute(f"CREATE TABLE marts.pay_sheet ({COLUMNS})")
        con.executemany(f"INSERT INTO marts.pay_sheet VALUES ({', '.join('?' * 18)})", rows)


def test_a_consistent_pay_sheet_passes(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    make_pay_sheet(db, PAY_SHEET)
    result = validate_table(db, "marts.pay_sheet", "pay_sheet")
    assert (result.success, result.failures) == (True, [])


OUTSIDE_BASE = unexpected("pay_sheet", "performance_pay, pay_base", "performance_pay lies outside [0, pay_base]")
NOT_THE_PRODUCT = unexpected(
    "pay_sheet",
    "performance_pay, pay_base, effective_pay_ratio, proration",
    "performance_pay is not pay_base x effective_pay_ratio x proration to the cent",
)
NET = unexpected(
    "pay_sheet",
    "net_amount, performance_pay, award_amount, fine_amount",
    "net_amount is not performance_pay + award_amount - fine_amount",
)
NOT_ASSESSED = unexpected(
    "pay_sheet",
    "assessed, effective_pay_ratio, performance_pay, total_score, pay_ratio",
    "an agent not assessed has a pay ratio, a score or pay",
)
BELOW_RATIO = unexpected(
    "pay_sheet",
    "assessed, role, effective_pay_ratio, pay_ratio",
    "an assessed agent or property_agent is paid below its pay ratio, or has no ratio",
)
FLOOR_COLUMNS = "assessed, role, effective_pay_ratio, pay_ratio"
FLOOR = "the frontline floor is not one value in the month, or an assessed agent or property_agent is paid below it"
OTHER_ROLE = unexpected("pay_sheet", FLOOR_COLUMNS, "an assessed agent of another role is not paid its pay ratio")


def floor_failure(rows: int) -> str:
    return f"pay_sheet: unexpected_rows_expectation({FLOOR_COLUMNS}) — {rows} row{'s' if rows > 1 else ''} unexpected: {FLOOR}"


@pytest.mark.parametrize(
    ("row", "changes", "failures"),
    [
        (0, {14: 300.01, 17: 1270.01 - 500}, [OUTSIDE_BASE, NOT_THE_PRODUCT]),
        (1, {14: 204.54, 17: 204.54}, [NOT_THE_PRODUCT]),  # rounded down: 204.5454... is nearer 204.55
        (1, {14: 204.545, 17: 204.545}, [NOT_THE_PRODUCT]),  # not to the cent
        (0, {17: 756.0}, [NET]),
        (4, {11: 0.75, 14: 225.0, 17: 212.5}, [NOT_ASSESSED]),
        # not raised to the floor: paid its 0.70, below the 0.75 the month's other raised ratios show
        (1, {11: 0.7, 14: 190.91, 17: 190.91}, [floor_failure(1)]),
        # raised to 0.80 while another was raised to 0.75: two floors in one month; every frontline row is suspect
        (1, {11: 0.8, 14: 218.18, 17: 218.18}, [floor_failure(3)]),
        (0, {11: 0.9, 14: 270.0, 17: 740.0}, [BELOW_RATIO]),
        (3, {11: 0.75, 14: 375.0, 17: 375.0}, [OTHER_ROLE]),  # the floor is for frontline roles only
        (
            2,
            {13: 1.5, 14: 337.5, 17: 317.5},
            [
                "pay_sheet: expect_column_values_to_be_between(proration) — 1 of 5 rows unexpected, e.g. 1.5 (1 row)",
                OUTSIDE_BASE,
            ],
        ),
    ],  # fmt: skip
    ids=[
        "above-pay-base",
        "rounded-the-wrong-way",
        "not-to-the-cent",
        "net-not-the-sum",
        "not-assessed-paid",
        "below-the-floor",
        "two-floors",
        "below-own-ratio",
        "floor-for-a-team-lead",
        "proration-above-1",
    ],
)
def test_each_pay_sheet_failure_is_reported(tmp_path: Path, row: int, changes: dict[int, object], failures: list[str]) -> None:
    db = tmp_path / "warehouse.duckdb"
    make_pay_sheet(db, replaced(PAY_SHEET, row, changes))
    result = validate_table(db, "marts.pay_sheet", "pay_sheet")
    assert not result.success
    assert result.failures == failures
