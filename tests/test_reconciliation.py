"""Centre-level monthly KPIs in marts.kpi_values against a straight recount from staging: the dbt tests
`dbt_project/tests/reconcile/reconcile_<kpi>.sql`, run by dbt on hand-made staging views and marts."""

import json
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, AssetSpec

from dagster_kpi.defs.dbt import translator
from dagster_kpi.validation.dbt_failures import AUDIT_SCHEMA, first_failure_row
from tests.test_dbt_project import run_dbt

KPIS = ("answer_rate", "call_volume", "callback_rate", "csat_score", "complaint_resolution_satisfaction_rate")

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


@pytest.fixture(scope="module")
def dbt_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One work database path and dbt target for every run here, so that dbt re-parses only partially."""
    return tmp_path_factory.mktemp("reconcile")


def reconcile(
    dbt_dir: Path, centre: list[tuple] = CENTRE, then: Callable[[duckdb.DuckDBPyConnection], None] | None = None
) -> dict[str, list[str]]:
    """Run the reconcile tests on a fresh work database with `centre` published; each KPI's mismatches by month."""
    db = dbt_dir / "work.duckdb"
    db.unlink(missing_ok=True)
    make_work_db(db, centre)
    if then:
        with duckdb.connect(str(db)) as con:
            then(con)
    run_results = dbt_dir / "target" / "run_results.json"
    run_results.unlink(missing_ok=True)
    try:
        run_dbt(["test", "--select", "path:tests/reconcile"], db, dbt_dir)
    except AssertionError:
        pass  # a failing test makes dbt exit 1: the results say which, and that none errored
    statuses = {r["unique_id"].split(".")[-1]: r["status"] for r in json.loads(run_results.read_text())["results"]
                if r["unique_id"].startswith("test.")}  # fmt: skip
    assert statuses.keys() == {f"reconcile_{kpi}" for kpi in KPIS}
    assert set(statuses.values()) <= {"pass", "fail"}, statuses
    with duckdb.connect(str(db), read_only=True) as con:
        found = {
            kpi: [m for (m,) in con.execute(f"SELECT mismatch FROM {AUDIT_SCHEMA}.reconcile_{kpi} ORDER BY month").fetchall()]
            for kpi in KPIS
        }
    assert {kpi: statuses[f"reconcile_{kpi}"] == "fail" for kpi in KPIS} == {kpi: bool(found[kpi]) for kpi in KPIS}
    return found


NONE = {kpi: [] for kpi in KPIS}


def test_every_kpi_reconciles_with_hand_counted_months(dbt_dir):
    assert reconcile(dbt_dir) == NONE


# (kpi_code, month, published row or None for no row, the mismatch)
DIFFERING = [
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
]


def test_each_kpi_fails_on_its_differing_month_naming_kpi_month_and_figures(dbt_dir):
    centre = list(CENTRE)
    for code, month, row, _ in DIFFERING:
        centre = [r for r in centre if (r[0], r[1]) != (code, month)] + ([row] if row else [])
    assert reconcile(dbt_dir, centre) == {code: [mismatch] for code, _, _, mismatch in DIFFERING}
    with duckdb.connect(str(dbt_dir / "work.duckdb"), read_only=True) as con:
        assert first_failure_row(con, "reconcile_call_volume") == DIFFERING[1][3]


def test_null_figures_and_several_differing_months(dbt_dir):
    centre = replaced("answer_rate", 3, ("answer_rate", 3, None, None, None))
    centre = [r for r in centre if r[0] != "csat_score"] + [("csat_score", 2, 20, 1, 20.0)]
    several = [
        "csat_score 2024-01: no published centre row; straight from staging numerator 200, denominator 3",
        "csat_score 2024-02: published numerator 20, denominator 1; straight from staging numerator 0, denominator 0",
        "csat_score 2024-03: no published centre row; straight from staging numerator 60, denominator 1",
    ]
    assert reconcile(dbt_dir, centre) == NONE | {
        "answer_rate": [
            "answer_rate 2024-03: published numerator NULL, denominator NULL; straight from staging numerator 0, denominator 0"
        ],
        "csat_score": several,
    }
    with duckdb.connect(str(dbt_dir / "work.duckdb"), read_only=True) as con:
        assert first_failure_row(con, "reconcile_csat_score") == several[0] + " (and 2 more)"
        assert first_failure_row(con, "reconcile_call_volume") is None  # passed: dbt stored no row


def test_a_kpi_without_any_row_passes(dbt_dir):
    without = [r for r in CENTRE if r[0] != "call_volume"]
    assert reconcile(dbt_dir, without) == NONE

    def team_row(con: duckdb.DuckDBPyConnection) -> None:  # any row at all, here a team row, means it must reconcile
        con.execute(
            "INSERT INTO marts.kpi_values VALUES ('month', DATE '2024-01-01', 'team', 'T1', 'call_volume', NULL, NULL, 5)"
        )

    assert reconcile(dbt_dir, without, then=team_row) == NONE | {
        "call_volume": [
            "call_volume 2024-01: no published centre row; straight from staging value 5",
            "call_volume 2024-02: no published centre row; straight from staging value 3",
        ]
    }


def test_the_tests_are_blocking_checks_on_kpi_values_named_after_the_kpi(dbt_dir):
    target = dbt_dir / "target" / "manifest.json"
    if not target.exists():
        reconcile(dbt_dir)
    manifest = json.loads(target.read_text(encoding="utf-8"))
    kpi_values = AssetSpec(AssetKey(["marts", "kpi_values"]))
    for kpi in KPIS:
        unique_id = f"test.dagster_kpi.reconcile_{kpi}"
        spec = translator.get_asset_check_spec(kpi_values, manifest, unique_id, None)
        assert (spec.name, spec.asset_key, spec.blocking) == (f"reconcile_{kpi}", kpi_values.key, True)
        assert spec.description.startswith(f"Centre-level monthly {kpi} (")
        assert manifest["nodes"][unique_id]["config"]["schema"] == AUDIT_SCHEMA


# --- first_failure_row -------------------------------------------------------------------------


def test_first_failure_row_of_tests_without_a_mismatch_column(con):
    con.execute(f"CREATE SCHEMA {AUDIT_SCHEMA}")
    con.execute(
        f"CREATE TABLE {AUDIT_SCHEMA}.unique_combination_x AS SELECT * FROM (VALUES ('b', 2), ('a', NULL)) t(kpi_code, n_rows)"
    )
    assert first_failure_row(con, "unique_combination_x") == "kpi_code a, n_rows NULL (and 1 more)"
    assert first_failure_row(con, "never_stored") is None
