"""Centre-level monthly KPIs in marts.kpi_values against a straight recount from staging."""

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from dagster import build_asset_check_context

from dagster_kpi.defs.resources import KpiWarehouse
from dagster_kpi.defs.validation import reconciliation_checks
from dagster_kpi.paths import WarehousePaths
from dagster_kpi.validation.reconcile import RECONCILIATIONS, Reconciliation, reconcile

CALLS = [  # call_id, direction, offered_at, outcome, is_valid
    ("K1", "inbound", datetime(2024, 1, 3, 9, 0), "answered", True),
    ("K2", "inbound", datetime(2024, 1, 15, 10, 0), "answered", True),
    ("K3", "inbound", datetime(2024, 1, 31, 23, 59), "abandoned", True),
    ("K4", "inbound", datetime(2024, 1, 20, 11, 0), "answered", False),  # invalid: call_volume only
    ("K5", "outbound", datetime(2024, 1, 21, 12, 0), "answered", True),  # outbound: call_volume only
    ("K6", "inbound", datetime(2024, 2, 1, 0, 0), "answered", True),
    ("K7", "inbound", datetime(2024, 2, 10, 8, 0), "blocked", True),
    ("K8", "outbound", datetime(2024, 2, 11, 8, 0), "abandoned", False),
]
CALLBACKS = [  # customer_id, planned_date, status
    ("C1", date(2024, 1, 5), "completed"),
    ("C1", date(2024, 1, 20), "failed"),  # C1 once: one customer, completed
    ("C2", date(2024, 1, 7), "planned"),
    ("C3", date(2024, 1, 9), "cancelled"),  # left out
    ("C3", date(2024, 2, 2), "completed"),
    ("C3", date(2024, 2, 3), "completed"),
]
SURVEYS = [  # responded_at, csat_score
    (datetime(2024, 1, 2, 9, 0), 5),
    (datetime(2024, 1, 9, 9, 0), 4),
    (datetime(2024, 1, 30, 9, 0), 1),
    (datetime(2024, 3, 4, 9, 0), 3),
]
COMPLAINTS = [  # resolved_at, satisfied
    (datetime(2024, 1, 4, 9, 0), True),
    (datetime(2024, 1, 5, 9, 0), None),
    (datetime(2024, 1, 6, 9, 0), False),
    (None, True),  # not resolved: left out
    (datetime(2024, 2, 7, 9, 0), True),
]
# Centre months by hand from the records above: (kpi_code, month, numerator, denominator, value).
CENTRE = [
    ("answer_rate", 1, 2, 3, 2 / 3),
    ("answer_rate", 2, 1, 2, 0.5),
    ("answer_rate", 3, 0, 0, None),
    ("call_volume", 1, None, None, 5),
    ("call_volume", 2, None, None, 3),
    ("call_volume", 3, None, None, 0),
    ("callback_rate", 1, 1, 2, 0.5),
    ("callback_rate", 2, 1, 1, 1.0),
    ("callback_rate", 3, 0, 0, None),
    ("csat_score", 1, 200, 3, 200 / 3),
    ("csat_score", 2, 0, 0, None),
    ("csat_score", 3, 60, 1, 60.0),
    ("complaint_resolution_satisfaction_rate", 1, 1, 3, 1 / 3),
    ("complaint_resolution_satisfaction_rate", 2, 1, 1, 1.0),
    ("complaint_resolution_satisfaction_rate", 3, 0, 0, None),
]


def make_work_db(db: Path, centre: list[tuple] = CENTRE) -> None:
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE SCHEMA staging; CREATE SCHEMA marts")
        con.execute(
            "CREATE TABLE staging.stg_calls (call_id VARCHAR, direction VARCHAR, offered_at TIMESTAMP,"
            " outcome VARCHAR, is_valid BOOLEAN)"
        )
        con.executemany("INSERT INTO staging.stg_calls VALUES (?, ?, ?, ?, ?)", CALLS)
        con.execute("CREATE TABLE staging.stg_callbacks (customer_id VARCHAR, planned_date DATE, status VARCHAR)")
        con.executemany("INSERT INTO staging.stg_callbacks VALUES (?, ?, ?)", CALLBACKS)
        con.execute("CREATE TABLE staging.stg_surveys (responded_at TIMESTAMP, csat_score BIGINT)")
        con.executemany("INSERT INTO staging.stg_surveys VALUES (?, ?)", SURVEYS)
        con.execute("CREATE TABLE staging.stg_complaints (resolved_at TIMESTAMP, satisfied BOOLEAN)")
        con.executemany("INSERT INTO staging.stg_complaints VALUES (?, ?)", COMPLAINTS)
        con.execute(
            "CREATE TABLE marts.kpi_values (period_grain VARCHAR, period_start DATE, level VARCHAR,"
            " entity_id VARCHAR, kpi_code VARCHAR, numerator DOUBLE, denominator DOUBLE, value DOUBLE)"
        )
        con.executemany(
            "INSERT INTO marts.kpi_values VALUES ('month', ?, 'center', 'center', ?, ?, ?, ?)",
            [(date(2024, month, 1), code, num, den, value) for code, month, num, den, value in centre],
        )
        # Other grains and levels are not compared.
        con.execute(
            "INSERT INTO marts.kpi_values VALUES"
            " ('quarter', DATE '2024-01-01', 'center', 'center', 'answer_rate', 99, 100, 0.99),"
            " ('month', DATE '2024-01-01', 'team', 'T1', 'answer_rate', 1, 1, 1)"
        )


def replaced(code: str, month: int, row: tuple | None) -> list[tuple]:
    """CENTRE with one month's row replaced (or removed when `row` is None)."""
    kept = [r for r in CENTRE if (r[0], r[1]) != (code, month)]
    return kept if row is None else [*kept, row]


def run(db: Path, kpi_code: str):
    (rec,) = [r for r in RECONCILIATIONS if r.kpi_code == kpi_code]
    with duckdb.connect(str(db)) as con:
        return reconcile(con, rec)


def test_every_kpi_reconciles_with_hand_counted_months(tmp_path):
    db = tmp_path / "work.duckdb"
    make_work_db(db)
    for rec in RECONCILIATIONS:
        result = run(db, rec.kpi_code)
        assert (result.passed, result.months, result.mismatches) == (True, 3, [])
        assert result.description == f"{rec.kpi_code}: 3 centre months match staging"


@pytest.mark.parametrize(
    ("code", "month", "row", "mismatch"),
    [
        (
            "answer_rate",
            1,
            ("answer_rate", 1, 3, 3, 1.0),
            "answer_rate 2024-01: published numerator 3, denominator 3; straight from staging numerator 2, denominator 3",
        ),
        (
            "call_volume",
            2,
            ("call_volume", 2, None, None, 4),
            "call_volume 2024-02: published value 4; straight from staging value 3",
        ),
        (
            "callback_rate",
            1,
            ("callback_rate", 1, 2, 3, 2 / 3),  # counted in calls, not customers
            "callback_rate 2024-01: published numerator 2, denominator 3; straight from staging numerator 1, denominator 2",
        ),
        ("csat_score", 3, None, "csat_score 2024-03: no published centre row; straight from staging numerator 60, denominator 1"),
        (
            "complaint_resolution_satisfaction_rate",
            1,
            ("complaint_resolution_satisfaction_rate", 1, 1, 2, 0.5),
            "complaint_resolution_satisfaction_rate 2024-01: published numerator 1, denominator 2; "
            "straight from staging numerator 1, denominator 3",
        ),
        (
            "answer_rate",
            3,
            ("answer_rate", 3, None, None, None),
            "answer_rate 2024-03: published numerator NULL, denominator NULL; straight from staging numerator 0, denominator 0",
        ),
    ],
    ids=["ratio-numerator", "count-value", "distinct-customers", "missing-month", "denominator", "null-for-zero"],
)
def test_a_differing_month_fails_naming_kpi_and_month(tmp_path, code, month, row, mismatch):
    db = tmp_path / "work.duckdb"
    make_work_db(db, replaced(code, month, row))
    result = run(db, code)
    assert (result.passed, result.description, result.mismatches) == (False, mismatch, [mismatch])


def test_several_differing_months_are_all_listed(tmp_path):
    db = tmp_path / "work.duckdb"
    make_work_db(db, [r for r in CENTRE if r[0] != "csat_score"] + [("csat_score", 2, 20, 1, 20.0)])
    result = run(db, "csat_score")
    assert result.mismatches == [
        "csat_score 2024-01: no published centre row; straight from staging numerator 200, denominator 3",
        "csat_score 2024-02: published numerator 20, denominator 1; straight from staging numerator 0, denominator 0",
        "csat_score 2024-03: no published centre row; straight from staging numerator 60, denominator 1",
    ]
    assert result.description == result.mismatches[0] + " (and 2 more months)"


def test_a_kpi_without_any_row_passes_and_says_so(tmp_path):
    db = tmp_path / "work.duckdb"
    make_work_db(db, [r for r in CENTRE if r[0] != "call_volume"])
    result = run(db, "call_volume")
    assert (result.passed, result.description) == (True, "no rows for call_volume")
    with duckdb.connect(str(db)) as con:  # any row at all, here a team row, means it must reconcile
        con.execute(
            "INSERT INTO marts.kpi_values VALUES ('month', DATE '2024-01-01', 'team', 'T1', 'call_volume', NULL, NULL, 5)"
        )
    result = run(db, "call_volume")
    assert not result.passed
    assert result.description == (
        "call_volume 2024-01: no published centre row; straight from staging value 5 (and 1 more months)"
    )


def test_bad_reconciliations_fail_clearly(tmp_path):
    with pytest.raises(ValueError, match=r"reconciliation x: columns must be among .*got \('numerator', 'count'\)"):
        Reconciliation("x", "select 1", columns=("numerator", "count"))
    db = tmp_path / "work.duckdb"
    make_work_db(db)
    with duckdb.connect(str(db)) as con:
        con.execute("DROP TABLE staging.stg_calls")
        with pytest.raises(
            RuntimeError,
            match="reconciliation of answer_rate could not run: Catalog Error: Table with name stg_calls does not exist",
        ):
            reconcile(con, RECONCILIATIONS[0])


def test_checks_are_blocking_and_release_the_work_database(tmp_path):
    paths = WarehousePaths(tmp_path / "warehouse.duckdb")
    paths.ensure()
    make_work_db(paths.work_db, replaced("call_volume", 2, ("call_volume", 2, None, None, 4)))
    checks = {spec.name: (check, spec) for check in reconciliation_checks for spec in check.check_specs}
    assert set(checks) == {f"reconcile_{rec.kpi_code}" for rec in RECONCILIATIONS}
    assert all(spec.blocking and spec.asset_key.path == ["marts", "kpi_values"] for _, spec in checks.values())

    context = build_asset_check_context(resources={"warehouse": KpiWarehouse(warehouse=str(paths.warehouse))})
    answer = checks["reconcile_answer_rate"][0](context)
    volume = checks["reconcile_call_volume"][0](context)
    assert (answer.passed, answer.description) == (True, "answer_rate: 3 centre months match staging")
    assert (volume.passed, volume.description) == (False, "call_volume 2024-02: published value 4; straight from staging value 3")
    assert volume.metadata["mismatch_count"].value == 1
    # A read-only connection cannot join a read-write one left open in this process.
    duckdb.connect(str(paths.work_db), read_only=True).close()
