"""Raw drift: each load of a raw table against the previous accepted load of the same source."""

import tracemalloc
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterEventType, DagsterInstance, Definitions, MaterializeResult, asset

from dagster_kpi.contract import load_contract
from dagster_kpi.defs.resources import KpiWarehouse
from dagster_kpi.defs.validation import build_raw_check, build_validation_checks
from dagster_kpi.paths import WarehousePaths
from dagster_kpi.validation import check_raw_drift
from dagster_kpi.validation.profile import PROFILE_TABLE, RawProfile, previous_profile, suite_parameters
from tests.test_validation import make_raw

SURVEYS_SOURCE = load_contract()["surveys"]
ACCEPT = "; if the change is expected, run once with kpi run --accept-drift"


def survey(number: int, customer: str | None, interaction: str | None, nps: int | None = None) -> dict:
    return {
        "survey_id": f"S{number}",
        "customer_id": customer,
        "interaction_type": interaction,
        "responded_at": datetime(2024, 1, number, 9, 0),
        "csat_score": 4,
        "nps_score": nps,
    }


# customer_id: 5 non-NULL of 8; interaction_type: call, complaint, ticket; agent_id, nps_score: always NULL.
SURVEYS = [
    survey(1, "C1", "call"),
    survey(2, "C2", "ticket"),
    survey(3, None, "complaint"),
    survey(4, "C3", "call"),
    survey(5, "C4", "ticket"),
    survey(6, None, "call"),
    survey(7, "C5", "call"),
    survey(8, None, "ticket"),
]


def load(db: Path, rows: list[dict]) -> None:
    """A new load of raw.surveys: ingestion replaces the table."""
    if db.exists():
        with duckdb.connect(str(db)) as con:
            con.execute("DROP TABLE raw.surveys")
    make_raw(db, "surveys", rows)


def check(db: Path, accept: bool = False):
    return check_raw_drift(db, SURVEYS_SOURCE, duckdb_config={"memory_limit": "1GB"}, accept=accept)


def profile_rows(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            f"SELECT source, column_name, row_count, non_null_count, categories FROM {PROFILE_TABLE} ORDER BY column_name"
        ).fetchall()


def test_the_first_load_passes_and_becomes_the_reference(tmp_path):
    db = tmp_path / "work.duckdb"
    load(db, SURVEYS)
    result = check(db)
    assert (result.passed, result.description, result.changes) == (
        True,
        "surveys: first load, 8 rows; recorded as the reference for the next load",
        [],
    )
    assert profile_rows(db) == [
        ("surveys", "agent_id", 8, 0, None),
        ("surveys", "csat_score", 8, 8, None),
        ("surveys", "customer_id", 8, 5, None),
        ("surveys", "interaction_id", 8, 0, None),
        ("surveys", "interaction_type", 8, 8, ["call", "complaint", "ticket"]),
        ("surveys", "nps_score", 8, 0, None),
        ("surveys", "responded_at", 8, 8, None),
        ("surveys", "survey_id", 8, 8, None),
    ]
    assert result.recorded == RawProfile(
        rows=8,
        non_null={
            "survey_id": 8,
            "customer_id": 5,
            "agent_id": 0,
            "interaction_type": 8,
            "interaction_id": 0,
            "responded_at": 8,
            "csat_score": 8,
            "nps_score": 0,
        },
        values={"interaction_type": ("call", "complaint", "ticket")},
    )


def test_parameters_come_from_the_previous_profile():
    previous = RawProfile(
        rows=10_250,
        non_null={"customer_id": 3_977, "agent_id": 0, "interaction_type": 10_250},
        values={"interaction_type": ("call", "email", "ticket")},  # email: no longer a contract value
    )
    assert suite_parameters(SURVEYS_SOURCE, previous) == {
        "previous_rows": 10_250,
        "non_null_floor_customer_id": 0,
        "non_null_floor_agent_id": None,
        "non_null_floor_interaction_type": 0,
        "previous_values_interaction_type": ["call", "ticket"],
        "non_null_floor_interaction_id": None,  # a column the previous profile lacks had no value
        "non_null_floor_nps_score": None,
    }
    assert suite_parameters(SURVEYS_SOURCE, None)["previous_rows"] == 0


@pytest.mark.parametrize(
    ("rows", "change"),
    [
        (SURVEYS[:3], "3 rows, fewer than half of the previous load's 8"),
        (
            [{**r, "customer_id": None} for r in SURVEYS],
            "customer_id is NULL in every row; the previous load had 5 non-NULL values",
        ),
        (
            [r for r in SURVEYS if r["interaction_type"] != "ticket"],
            "interaction_type 'ticket' no longer occurs (1 of the previous load's 3 values)",
        ),
        (
            [{**r, "interaction_type": "call"} for r in SURVEYS],
            "interaction_type 'complaint', 'ticket' no longer occur (2 of the previous load's 3 values)",
        ),
    ],
    ids=["fewer-than-half-the-rows", "column-now-null", "category-gone", "two-categories-gone"],
)
def test_a_drifted_load_fails_naming_source_change_and_numbers(tmp_path, rows, change):
    db = tmp_path / "work.duckdb"
    load(db, SURVEYS)
    check(db)
    load(db, rows)
    result = check(db)
    assert (result.passed, result.description, result.changes) == (False, f"surveys: {change}{ACCEPT}", [change])
    assert result.recorded is None
    assert [r[2] for r in profile_rows(db)] == [8] * 8, "a failing load is not recorded"


@pytest.mark.parametrize(
    "rows",
    [
        SURVEYS[:4],  # exactly half the rows
        [{**r, "customer_id": None} for r in SURVEYS[1:]] + [SURVEYS[0]],  # one value left
        [*SURVEYS, survey(9, "C6", "callback", nps=9)],  # a new category, a column that gets values
        [{**r, "agent_id": None} for r in SURVEYS],  # NULL before, NULL now
    ],
    ids=["half-the-rows", "one-value-left", "new-category-and-values", "still-null"],
)
def test_a_load_like_the_previous_one_passes_and_becomes_the_reference(tmp_path, rows):
    db = tmp_path / "work.duckdb"
    load(db, SURVEYS)
    check(db)
    load(db, rows)
    result = check(db)
    assert (result.passed, result.description) == (
        True,
        f"surveys: {len(rows)} rows, no drift from the previous load (8 rows)",
    )
    assert result.recorded is not None and result.recorded.rows == len(rows)
    assert [r[2] for r in profile_rows(db)] == [len(rows)] * 8


def test_several_changes_block_until_accepted_once(tmp_path):
    db = tmp_path / "work.duckdb"
    load(db, SURVEYS)
    check(db)
    load(db, [{**r, "customer_id": None, "interaction_type": "call"} for r in SURVEYS[:2]])
    changes = [
        "2 rows, fewer than half of the previous load's 8",
        "customer_id is NULL in every row; the previous load had 5 non-NULL values",
        "interaction_type 'complaint', 'ticket' no longer occur (2 of the previous load's 3 values)",
    ]
    for _ in range(2):  # not recorded: the next run with the same load fails the same way
        result = check(db)
        assert (result.passed, result.changes) == (False, changes)
        assert result.description == f"surveys: {changes[0]} (and 2 more changes){ACCEPT}"

    accepted = check(db, accept=True)
    assert (accepted.passed, accepted.changes) == (True, changes)
    assert accepted.description == (
        f"surveys: drift accepted (--accept-drift): {changes[0]} (and 2 more changes); this load is now the reference"
    )
    with duckdb.connect(str(db)) as con:
        assert previous_profile(con, "surveys") == RawProfile(
            rows=2,
            non_null={**accepted.recorded.non_null, "customer_id": 0},
            values={"interaction_type": ("call",)},
        )
    after = check(db)
    assert (after.passed, after.description) == (True, "surveys: 2 rows, no drift from the previous load (2 rows)")


def test_sources_are_profiled_apart(tmp_path):
    db = tmp_path / "work.duckdb"
    load(db, SURVEYS)
    check(db)
    exam = {"exam_id": "E1", "agent_id": "A1", "exam_date": datetime(2024, 3, 1).date(), "score": 80.0}
    make_raw(db, "exams", [exam, {**exam, "agent_id": "A2"}])
    exams = check_raw_drift(db, load_contract()["exams"])
    assert exams.description == "exams: first load, 2 rows; recorded as the reference for the next load"
    with duckdb.connect(str(db), read_only=True) as con:
        counts = con.execute(f"SELECT source, max(row_count), count(*) FROM {PROFILE_TABLE} GROUP BY ALL ORDER BY 1")
        assert counts.fetchall() == [("exams", 2, 4), ("surveys", 8, 8)]


def test_two_million_rows_are_profiled_and_checked_inside_duckdb(tmp_path):
    db = tmp_path / "work.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute(
            "CREATE SCHEMA raw; CREATE TABLE raw.calls AS SELECT 'K' || range AS call_id,"
            " CASE WHEN range % 5 = 0 THEN 'outbound' ELSE 'inbound' END AS direction,"
            " CASE WHEN range % 3 = 0 THEN NULL ELSE 'Q' || (range % 7) END AS queue,"
            " 'C' || (range % 50000) AS customer_id, NULL::VARCHAR AS caller_number, 'A' || (range % 200) AS agent_id,"
            " TIMESTAMP '2024-01-01' + INTERVAL (range) SECOND AS offered_at, NULL::TIMESTAMP AS answered_at,"
            " NULL::TIMESTAMP AS ended_at, range % 600 AS talk_seconds, NULL::BIGINT AS hold_seconds,"
            " NULL::BIGINT AS wrap_seconds, ['answered', 'abandoned', 'blocked'][1 + range % 3] AS outcome,"
            " NULL::BOOLEAN AS transferred, true AS is_valid, 'calls.csv' AS _source_file, range + 1 AS _source_row,"
            " TIMESTAMP '2024-06-01 08:00:00' AS _loaded_at FROM range(2000000)"
        )
    calls = load_contract()["calls"]
    check_raw_drift(db, calls)  # first load, and warm-up: imports and GX's registries
    # Python-side allocations only: DuckDB's own memory is not traced, a pandas copy would be (≈ 500 MB).
    tracemalloc.start()
    try:
        result = check_raw_drift(db, calls)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (result.passed, result.description) == (
        True,
        "calls: 2,000,000 rows, no drift from the previous load (2,000,000 rows)",
    )
    assert peak < 32 * 2**20
    with duckdb.connect(str(db)) as con:
        con.execute("DELETE FROM raw.calls WHERE outcome = 'blocked' OR _source_row > 1100000")
    changed = check_raw_drift(db, calls)
    assert changed.changes == [
        "733,334 rows, fewer than half of the previous load's 2,000,000",
        "outcome 'blocked' no longer occurs (1 of the previous load's 3 values)",
    ]


# --- the Dagster check ------------------------------------------------------------------------


def run_check(paths: WarehousePaths, **settings) -> tuple:
    @asset(key=["raw", "surveys"])
    def surveys() -> MaterializeResult:  # the table is already in the work database
        return MaterializeResult()

    defs = Definitions(
        assets=[surveys],
        asset_checks=[build_raw_check(SURVEYS_SOURCE)],
        resources={"warehouse": KpiWarehouse(warehouse=str(paths.warehouse), **settings)},
    )
    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(instance=instance, raise_on_error=False)
    (evaluation,) = [
        e.asset_check_evaluation_data for e in result.all_events if e.event_type == DagsterEventType.ASSET_CHECK_EVALUATION
    ]
    return evaluation, paths.data_docs_dir / result.run_id / "index.html"


def test_the_check_blocks_until_the_drift_is_accepted(tmp_path):
    paths = WarehousePaths(tmp_path / "warehouse.duckdb")
    paths.ensure()
    load(paths.work_db, SURVEYS)
    first, _ = run_check(paths)
    assert (first.passed, first.check_name, first.asset_key) == (True, "raw_surveys_suite", AssetKey(["raw", "surveys"]))
    load(paths.work_db, SURVEYS[:3])

    blocked, index = run_check(paths)
    assert (blocked.passed, blocked.description) == (False, f"surveys: 3 rows, fewer than half of the previous load's 8{ACCEPT}")
    assert blocked.metadata["change_count"].value == 1
    assert blocked.metadata["data_docs"].path == str(index)
    assert "raw_surveys" in index.read_text(encoding="utf-8")

    accepted, _ = run_check(paths, accept_raw_drift=True)
    assert accepted.passed
    assert accepted.description.startswith("surveys: drift accepted (--accept-drift): 3 rows")
    assert accepted.metadata["recorded_rows"].value == 3
    assert run_check(paths)[0].description == "surveys: 3 rows, no drift from the previous load (3 rows)"


def test_every_source_has_a_blocking_raw_check_and_marts_keep_their_suites():
    specs = [spec for check in build_validation_checks() for spec in check.check_specs]
    assert all(spec.blocking for spec in specs)
    raw = {spec.asset_key.path[1]: spec.name for spec in specs if spec.asset_key.path[0] == "raw"}
    assert raw == {name: f"raw_{name}_suite" for name in load_contract()}
    marts = {(spec.asset_key.to_user_string(), spec.name) for spec in specs if spec.asset_key.path[0] == "marts"}
    assert marts == {("marts/kpi_values", "kpi_values_suite"), ("marts/kpi_scores", "kpi_scores_suite"),
                     ("marts/scorecards", "scorecards_suite"), ("marts/deductions", "deductions_suite"),
                     ("marts/rating_summary", "rating_summary_suite"), ("marts/pay_sheet", "pay_sheet_suite"),
                     ("marts/call_intervals", "call_intervals_suite"), ("marts/sla_events", "sla_events_suite"),
                     ("marts/ticket_backlog", "ticket_backlog_suite")}  # fmt: skip
    assert len(specs) == len(raw) + len(marts)
