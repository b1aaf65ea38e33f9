"""The publishing gate validates what changed since the last publish: the mart suites on the rows of the periods
that contain a changed month, the raw drift checks of the sources that changed; the publish clears the record."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest
from dagster import (
    AssetKey,
    DagsterEventType,
    DagsterInstance,
    Definitions,
    ExecuteInProcessResult,
    MaterializeResult,
    asset,
)

from dagster_kpi import changes
from dagster_kpi.changes import EVERY_MONTH, Scope
from dagster_kpi.defs.publish import build_publish_asset
from dagster_kpi.defs.resources import KpiWarehouse
from dagster_kpi.defs.validation import build_mart_checks
from dagster_kpi.paths import WarehousePaths
from dagster_kpi.publish import PublishError
from dagster_kpi.validation import RunDocs, validate_table
from dagster_kpi.validation.scope import (
    Period,
    changed_sources,
    complete_publish,
    describe_scope,
    publish_scope,
    reach,
    scope_condition,
)
from dagster_kpi.validation.suites import read_suite
from tests.test_raw_drift import ACCEPT, SURVEYS, load, run_check
from tests.test_validation import BOUNDS, KPI_VALUES, NULL_VALUE, SHARE
from tests.test_validation import make_marts as make_kpi_values
from tests.test_validation_call_intervals import CALL_INTERVALS, make_call_intervals
from tests.test_validation_deductions import make_deductions
from tests.test_validation_docs import index_statuses, rendered
from tests.test_validation_pay import PAY_SHEET, make_pay_sheet
from tests.test_validation_ratings import RATING_SUMMARY, make_rating_summary
from tests.test_validation_scores import KPI_SCORES, SCORECARDS, replaced, unexpected
from tests.test_validation_scores import make_marts as make_scores
from tests.test_validation_sla import BACKLOG, BACKLOG_COLUMNS, SLA_COLUMNS, SLA_EVENTS, make_table


def months(*texts: str) -> Scope:
    return Scope(every_month=False, months=tuple(date.fromisoformat(t + "-01") for t in texts))


NOTHING = Scope(every_month=False)
GRAINED = Period("period_start", "period_grain")
MONTHLY = Period("period_start")

# --- which rows, which expectations ---------------------------------------------------------------------------------


def test_a_row_is_in_the_scope_when_its_period_contains_a_changed_month():
    condition = scope_condition(GRAINED, months("2026-10", "2026-11"))
    assert condition == (
        '"period_start" IS NULL OR CASE "period_grain" '
        "WHEN 'month' THEN date_trunc('month', \"period_start\") IN (DATE '2026-10-01', DATE '2026-11-01') "
        "WHEN 'quarter' THEN date_trunc('quarter', \"period_start\") IN (DATE '2026-10-01') "
        'WHEN \'half_year\' THEN make_date(year("period_start"), CASE WHEN month("period_start") <= 6 THEN 1 ELSE 7 END, 1)'
        " IN (DATE '2026-07-01') "
        "WHEN 'year' THEN date_trunc('year', \"period_start\") IN (DATE '2026-01-01') ELSE true END"
    )
    rows = [  # period_grain, period_start, in the scope
        ("month", "2026-09-01", False),
        ("month", "2026-11-01", True),
        ("month", "2026-12-01", False),
        ("quarter", "2026-07-01", False),
        ("quarter", "2026-10-01", True),
        ("half_year", "2026-07-01", True),  # H2 holds October and November
        ("half_year", "2026-01-01", False),
        ("half_year", "2025-07-01", False),
        ("year", "2026-01-01", True),
        ("year", "2025-01-01", False),
        ("month", None, True),  # no period: always validated
        (None, "2025-01-01", True),
        ("week", "2025-01-05", True),  # a grain the scope does not know: always validated
    ]
    with duckdb.connect() as con:
        con.execute("CREATE TABLE t (period_grain VARCHAR, period_start DATE, expected BOOLEAN)")
        con.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
        wrong = con.execute(f"SELECT * FROM t WHERE ({condition}) IS DISTINCT FROM expected").fetchall()
    assert wrong == []


@pytest.mark.parametrize(
    ("changed", "in_scope"),
    [
        ("2026-06", ["2026-01-01"]),  # June closes H1
        ("2026-07", ["2026-07-01"]),  # July opens H2
        ("2026-01", ["2026-01-01"]),
        ("2026-12", ["2026-07-01"]),
    ],
)
def test_a_changed_month_brings_in_its_half_year(changed, in_scope):
    condition = scope_condition(GRAINED, months(changed))
    with duckdb.connect() as con:
        found = con.execute(
            "SELECT strftime(period_start, '%Y-%m-%d') FROM (VALUES (DATE '2025-07-01'), (DATE '2026-01-01'),"
            f" (DATE '2026-07-01'), (DATE '2027-01-01')) AS t(period_start), (SELECT 'half_year' AS period_grain)"
            f" WHERE {condition} ORDER BY 1"
        ).fetchall()
    assert [start for (start,) in found] == in_scope


def test_a_monthly_mart_places_a_row_by_the_month_of_its_start():
    condition = scope_condition(MONTHLY, months("2024-03"))
    assert condition == "\"period_start\" IS NULL OR date_trunc('month', \"period_start\") IN (DATE '2024-03-01')"
    with duckdb.connect() as con:
        found = con.execute(
            f"SELECT period_start FROM (VALUES (DATE '2024-02-29'), (DATE '2024-03-01'), (DATE '2024-03-15'),"
            f" (DATE '2024-04-01')) AS t(period_start) WHERE {condition} ORDER BY 1"
        ).fetchall()
    assert found == [(date(2024, 3, 1),), (date(2024, 3, 15),)]


@pytest.mark.parametrize(
    ("scope", "period", "phrase"),
    [
        (months("2026-10", "2026-11"), GRAINED, "2026-10, 2026-11 and their quarter 2026-Q4, half-year 2026-H2 and year 2026"),
        (
            months("2026-12", "2027-01"),
            GRAINED,
            "2026-12, 2027-01 and their quarters 2026-Q4, 2027-Q1, half-years 2026-H2, 2027-H1 and years 2026, 2027",
        ),
        (months("2024-02"), GRAINED, "2024-02 and its quarter 2024-Q1, half-year 2024-H1 and year 2024"),
        (months("2026-10", "2026-11"), MONTHLY, "2026-10, 2026-11"),
    ],
)
def test_the_scope_is_described_with_its_quarters_half_years_and_years(scope, period, phrase):
    assert describe_scope(scope, period) == phrase


ROWS_QUERY = "SELECT * FROM {batch} WHERE value < 0"


@pytest.mark.parametrize(
    ("spec", "period", "expected"),
    [
        ({"type": "expect_column_values_to_be_between", "kwargs": {"column": "v", "min_value": 0}}, MONTHLY, "row"),
        ({"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "v", "mostly": 0.95}}, MONTHLY, "table"),
        ({"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}}, MONTHLY, "table"),
        ({"type": "expect_column_mean_to_be_between", "kwargs": {"column": "v", "min_value": 1}}, MONTHLY, "table"),
        ({"type": "expect_column_values_to_be_unique", "kwargs": {"column": "period_start"}}, MONTHLY, "period"),
        ({"type": "expect_column_values_to_be_unique", "kwargs": {"column": "entity_id"}}, MONTHLY, "table"),
        (
            {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": ["period_start", "entity_id"]}},
            GRAINED,
            "table",  # the same start in two grains is two periods: the key must hold the grain too
        ),
        (
            {
                "type": "expect_compound_columns_to_be_unique",
                "kwargs": {"column_list": ["period_grain", "period_start", "entity_id"]},
            },
            GRAINED,
            "period",
        ),
        ({"type": "unexpected_rows_expectation", "kwargs": {"unexpected_rows_query": ROWS_QUERY}}, MONTHLY, "table"),
        (
            {"type": "unexpected_rows_expectation", "meta": {"scope": "period"}, "kwargs": {"unexpected_rows_query": ROWS_QUERY}},
            MONTHLY,
            "period",
        ),
    ],
)
def test_what_an_expectation_reads_decides_where_it_runs(spec, period, expected):
    assert reach(spec, period) == expected


def test_an_unknown_declared_scope_is_refused():
    spec = {"type": "unexpected_rows_expectation", "meta": {"scope": "month"}, "kwargs": {"unexpected_rows_query": ROWS_QUERY}}
    with pytest.raises(ValueError, match="meta.scope must be one of row, period, table, got 'month'"):
        reach(spec, MONTHLY)


def test_the_committed_mart_suites_declare_their_periods_and_what_each_rule_reads():
    found = {}
    for name in ("kpi_values", "kpi_scores", "scorecards", "deductions", "rating_summary", "call_intervals"):
        doc = read_suite(name)
        period = Period(**doc["meta"]["period"])
        found[name] = (period, [reach(spec, period) for spec in doc["expectations"]])
    assert found == {
        "kpi_values": (GRAINED, ["row"] * 6),
        "kpi_scores": (MONTHLY, ["row"] * 6 + ["period"]),
        "scorecards": (
            GRAINED,
            ["row"] * 5
            + ["row", "row", "row", "row", "period", "row", "period", "row", "row", "row"]
            + ["period", "row", "row", "row", "row", "period", "table"],  # the mean of the months reads other periods
        ),
        "deductions": (MONTHLY, ["row", "row", "row", "row", "period", "table"]),
        "rating_summary": (MONTHLY, ["row"] * 5 + ["row", "row", "row"]),
        "call_intervals": (Period("interval_start"), ["row", "row", "row", "period", "table"]),  # months without intervals
    }


# --- a mart suite on a scope -----------------------------------------------------------------------------------------
# KPI_VALUES: months 2024-01 (rows 0, 3, 4, 5) and 2024-02 (row 6), quarter 2024-Q1 (row 1), year 2024 (row 2).

FEBRUARY = "2024-02 and its quarter 2024-Q1, half-year 2024-H1 and year 2024"


def kpi_values_db(tmp_path: Path, changes_by_row: dict[int, tuple]) -> Path:
    values = list(KPI_VALUES)
    for row, replacement in changes_by_row.items():
        values[row] = replacement
    db = tmp_path / "work.duckdb"
    make_kpi_values(db, values)
    return db


JANUARY_BOUNDS = ("month", "2024-01-01", "agent", "A1", "nps", -6, 4, -150)  # row 5: [BOUNDS]
FEBRUARY_NULL = ("month", "2024-02-01", "agent", "A1", "avg_talk_seconds", 300, 2, None)  # row 6: [NULL_VALUE]
QUARTER_SHARE = ("quarter", "2024-01-01", "center", "center", "answer_rate", 33, 30, 0.9)  # row 1: [SHARE]


def test_a_scoped_suite_ignores_a_broken_row_outside_the_scope(tmp_path):
    db = kpi_values_db(tmp_path, {5: JANUARY_BOUNDS})
    result = validate_table(db, "marts.kpi_values", "kpi_values", scope=months("2024-02"))
    assert (result.success, result.failures, result.validated) == (True, [], FEBRUARY)


def test_a_scoped_suite_catches_a_broken_row_inside_the_scope(tmp_path):
    db = kpi_values_db(tmp_path, {5: JANUARY_BOUNDS, 6: FEBRUARY_NULL})
    result = validate_table(db, "marts.kpi_values", "kpi_values", scope=months("2024-02"))
    assert (result.success, result.failures, result.validated) == (False, [NULL_VALUE], FEBRUARY)


def test_a_changed_month_brings_in_its_quarter_and_year(tmp_path):
    db = kpi_values_db(tmp_path, {1: QUARTER_SHARE})
    in_q1 = validate_table(db, "marts.kpi_values", "kpi_values", scope=months("2024-02"))
    assert (in_q1.success, in_q1.failures) == (False, [SHARE])
    in_q2 = validate_table(db, "marts.kpi_values", "kpi_values", scope=months("2024-04"))
    assert (in_q2.success, in_q2.validated) == (True, "2024-04 and its quarter 2024-Q2, half-year 2024-H1 and year 2024")


def test_every_month_validates_the_whole_table(tmp_path):
    db = kpi_values_db(tmp_path, {5: JANUARY_BOUNDS, 6: FEBRUARY_NULL})
    result = validate_table(db, "marts.kpi_values", "kpi_values", scope=EVERY_MONTH)
    assert (result.success, result.failures, result.validated) == (False, [BOUNDS, NULL_VALUE], "every month")
    assert validate_table(db, "marts.kpi_values", "kpi_values").failures == [BOUNDS, NULL_VALUE]


def test_no_changed_month_runs_nothing(tmp_path):
    db = kpi_values_db(tmp_path, {5: JANUARY_BOUNDS, 6: FEBRUARY_NULL})
    docs = RunDocs(tmp_path / "docs", "run1")
    result = validate_table(db, "marts.kpi_values", "kpi_values", scope=NOTHING, docs=docs)
    assert (result.success, result.failures, result.docs_index) == (True, [], None)
    assert result.validated == "no month: nothing changed since the last publish"
    assert not docs.index.exists()


def test_row_rules_count_the_rows_of_the_scope(tmp_path):
    db = tmp_path / "work.duckdb"
    make_scores(db, replaced(KPI_SCORES, 1, {6: 0.0}), SCORECARDS)  # a zero weight in 2024-01 (4 of 5 rows)
    january = validate_table(db, "marts.kpi_scores", "kpi_scores", scope=months("2024-01"))
    assert (january.failures, january.validated) == (
        ["kpi_scores: expect_column_values_to_be_between(weight) — 1 of 4 rows unexpected, e.g. 0.0 (1 row)"],
        "2024-01",
    )
    assert validate_table(db, "marts.kpi_scores", "kpi_scores", scope=months("2024-02")).success


def test_a_rule_over_a_period_sees_the_whole_period(tmp_path):
    db = tmp_path / "work.duckdb"
    make_scores(db, KPI_SCORES, replaced(SCORECARDS, 3, {9: 2}))  # 2024-01: the centre counts 2 ranked centres
    wrong_count = unexpected(
        "scorecards",
        "ranked_entities",
        "ranked_entities differs from the entities with a total at the level and rule set that period",
    )
    assert validate_table(db, "marts.scorecards", "scorecards", scope=months("2024-01")).failures == [wrong_count]
    assert validate_table(db, "marts.scorecards", "scorecards", scope=months("2024-03")).success


def test_a_start_inside_a_month_is_validated_with_that_month(tmp_path):
    db = tmp_path / "work.duckdb"
    make_scores(db, KPI_SCORES, replaced(SCORECARDS, 4, {0: "2024-03-15"}))
    result = validate_table(db, "marts.scorecards", "scorecards", scope=months("2024-03"))
    assert result.failures == [unexpected("scorecards", "period_start", "period_start is not the first day of a month")]


MIXED = {
    "name": "mixed",
    "meta": {"period": {"start_column": "period_start", "grain_column": "period_grain"}},
    "expectations": [
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "denominator", "min_value": 1}},
        {"type": "expect_table_row_count_to_be_between", "kwargs": {"max_value": 3}},
        {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": ["level", "entity_id", "kpi_code"]}},
        {
            "type": "expect_compound_columns_to_be_unique",
            "kwargs": {"column_list": ["period_grain", "period_start", "level", "entity_id", "kpi_code"]},
        },
        {
            "type": "unexpected_rows_expectation",
            "description": "a negative value",
            "kwargs": {"unexpected_rows_query": "SELECT * FROM {batch} WHERE value < 0"},
        },
    ],
}


def test_rules_that_read_across_periods_run_on_the_whole_table(tmp_path):
    suites = tmp_path / "suites"
    suites.mkdir()
    (suites / "mixed.json").write_text(json.dumps(MIXED), encoding="utf-8")
    db = kpi_values_db(tmp_path, {})
    docs = RunDocs(tmp_path / "docs", "run1")
    result = validate_table(db, "marts.kpi_values", "mixed", directory=suites, scope=months("2024-02"), docs=docs)
    # On 2024-02, Q1 and 2024 (rows 1, 2, 6) the row count would be 3, the three KPIs unique and no value negative:
    # these fail on the whole table (7 rows; center answer_rate in a month and a quarter; nps -50 in 2024-01).
    assert result.failures == [
        "mixed: expect_column_values_to_be_between(denominator) — 1 of 3 rows unexpected, e.g. 0.0 (1 row)",
        "mixed: expect_table_row_count_to_be_between() — observed 7",
        "mixed: expect_compound_columns_to_be_unique(level, entity_id, kpi_code) — 2 of 7 rows unexpected, "
        "e.g. ('center', 'center', 'answer_rate') (2 rows)",
        "mixed: unexpected_rows_expectation() — 1 row unexpected: a negative value",
    ]
    assert result.validated == f"{FEBRUARY} (3 expectations reading across periods: the whole table)"
    # One entry for the suite, its two parts' expectations together: 1 of the 5 met.
    assert index_statuses(docs.index) == {"mixed": "FAILED"}
    assert f"<td>{FEBRUARY} (3 expectations reading across periods: the whole table)</td>" in rendered(docs.index)
    assert '<td class="n">1 of 5</td>' in rendered(docs.index)


# --- the publish stage -----------------------------------------------------------------------------------------------


def test_the_publish_stage_covers_every_month_until_published_and_after_the_product_changes(con):
    assert publish_scope(con, {}) == EVERY_MONTH
    complete_publish(con, {})
    assert publish_scope(con, {}) == NOTHING
    changes.record(con, "calls", [date(2024, 2, 1), date(2024, 1, 1)])
    changes.record(con, "tickets", [date(2024, 2, 1)])
    assert (publish_scope(con, {}), changed_sources(con)) == (months("2024-01", "2024-02"), ["calls", "tickets"])
    assert publish_scope(con, {"at_risk_below": 50}) == EVERY_MONTH  # other dbt vars: other marts
    complete_publish(con, {})
    assert (publish_scope(con, {}), changed_sources(con)) == (NOTHING, [])
    assert changes.sources(con, "build") == {"calls", "tickets"}  # dbt's own record is not the gate's


# --- the raw drift check ---------------------------------------------------------------------------------------------

UNCHANGED = "surveys: no change since the last publish; its accepted load (8 rows) stands, not validated again"
DRIFTED = f"surveys: 3 rows, fewer than half of the previous load's 8{ACCEPT}"


def record(paths: WarehousePaths, source: str, months_changed: list[date] | None) -> None:
    with duckdb.connect(str(paths.work_db)) as con:
        changes.record(con, source, months_changed)


def published_once(paths: WarehousePaths) -> None:
    with duckdb.connect(str(paths.work_db)) as con:
        complete_publish(con, {})


@pytest.fixture
def surveys_accepted(tmp_path: Path) -> WarehousePaths:
    """raw.surveys accepted by its check (8 rows) and published; then a load of 3 rows that nobody recorded."""
    paths = WarehousePaths(tmp_path / "warehouse.duckdb")
    paths.ensure()
    load(paths.work_db, SURVEYS)
    first, _ = run_check(paths)
    assert (first.passed, first.metadata["validated"].value) == (True, "the whole table")
    published_once(paths)
    load(paths.work_db, SURVEYS[:3])  # were the suite run, it would fail: fewer than half the rows
    return paths


def test_a_raw_check_on_an_unchanged_source_passes_without_running_the_suite(surveys_accepted):
    paths = surveys_accepted
    record(paths, "calls", [date(2024, 1, 1)])  # another source changed
    evaluation, index = run_check(paths)
    assert (evaluation.passed, evaluation.description) == (True, UNCHANGED)
    assert evaluation.metadata["validated"].value == "nothing: no change since the last publish"
    assert evaluation.metadata["recorded_rows"].value == 8
    assert evaluation.metadata["data_docs"].value is None
    assert not index.exists()  # no suite ran in that run


def test_a_raw_check_on_a_changed_source_runs_the_suite(surveys_accepted):
    paths = surveys_accepted
    record(paths, "surveys", [date(2024, 1, 1)])
    evaluation, index = run_check(paths)
    assert (evaluation.passed, evaluation.description) == (False, DRIFTED)
    assert index.exists()


def test_every_month_in_scope_runs_every_raw_check(surveys_accepted):
    paths = surveys_accepted
    record(paths, "agents", None)  # a lookup source: every month
    evaluation, _ = run_check(paths)
    assert (evaluation.passed, evaluation.description) == (False, DRIFTED)


# --- checks and publish in one run -----------------------------------------------------------------------------------

MARTS = (
    "kpi_catalog",
    "kpi_values",
    "kpi_scores",
    "scorecards",
    "deductions",
    "rating_summary",
    "pay_sheet",
    "call_intervals",
    "sla_events",
    "ticket_backlog",
)
# A violation of a team without an agent: it reaches no agent, so no agent KPI has to agree with it.
DEDUCTIONS = [("V1", "2024-02-03 09:00:00", "2024-02-01", "team", None, "P1", None, "building", None, 3.0, 30.0)]


def mart_asset(name: str):
    @asset(key=["marts", name])
    def mart() -> MaterializeResult:  # the table is already in the work database
        return MaterializeResult()

    return mart


def run_gate(paths: WarehousePaths, instance: DagsterInstance) -> ExecuteInProcessResult:
    checks = build_mart_checks()
    publish = build_publish_asset([AssetKey(["marts", name]) for name in MARTS], checks)
    defs = Definitions(
        assets=[*(mart_asset(name) for name in MARTS), publish],
        asset_checks=checks,
        resources={"warehouse": KpiWarehouse(warehouse=str(paths.warehouse))},
    )
    return defs.resolve_implicit_global_asset_job_def().execute_in_process(instance=instance, raise_on_error=False)


def evaluations(result: ExecuteInProcessResult) -> dict[str, object]:
    found = [e.asset_check_evaluation_data for e in result.all_events if e.event_type == DagsterEventType.ASSET_CHECK_EVALUATION]
    return {e.check_name: e for e in found}


def publish_metadata(result: ExecuteInProcessResult) -> dict[str, object] | None:
    for event in result.all_events:
        if event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.step_materialization_data.materialization
            if materialization.asset_key == AssetKey(["published", "marts"]):
                return {name: value.value for name, value in materialization.metadata.items()}
    return None


def recorded(paths: WarehousePaths) -> tuple[Scope, list[str]]:
    with duckdb.connect(str(paths.work_db)) as con:
        return publish_scope(con, {}), changed_sources(con)


@pytest.fixture
def work(tmp_path: Path) -> WarehousePaths:
    """Consistent marts in the work database (KPI_VALUES, KPI_SCORES, SCORECARDS, RATING_SUMMARY, PAY_SHEET,
    CALL_INTERVALS, SLA_EVENTS, BACKLOG), never published."""
    paths = WarehousePaths(tmp_path / "out" / "warehouse.duckdb")
    paths.ensure()
    make_kpi_values(paths.work_db, KPI_VALUES)
    make_scores(paths.work_db, KPI_SCORES, SCORECARDS)
    make_deductions(paths.work_db, DEDUCTIONS)
    make_rating_summary(paths.work_db, RATING_SUMMARY)
    make_pay_sheet(paths.work_db, PAY_SHEET)
    make_call_intervals(paths.work_db, CALL_INTERVALS)
    make_table(paths.work_db, "sla_events", SLA_COLUMNS, SLA_EVENTS)
    make_table(paths.work_db, "ticket_backlog", BACKLOG_COLUMNS, BACKLOG)
    return paths


def published_rows(paths: WarehousePaths) -> int:
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        return con.execute("SELECT count(*) FROM marts.kpi_values").fetchone()[0]


def test_a_publish_clears_what_its_checks_validated(work):
    with DagsterInstance.ephemeral() as instance:
        first = run_gate(work, instance)
        assert first.success
        assert {name: e.metadata["validated"].value for name, e in evaluations(first).items()} == {
            "kpi_values_suite": "every month",
            "kpi_scores_suite": "every month",
            "scorecards_suite": "every month",
            "deductions_suite": "every month",
            "rating_summary_suite": "every month",
            "pay_sheet_suite": "every month",
            "call_intervals_suite": "every month",
            "sla_events_suite": "every month",
            "ticket_backlog_suite": "every month",
        }
        assert (publish_metadata(first) or {})["changes_cleared"] is True
        assert recorded(work) == (NOTHING, [])

        record(work, "calls", [date(2024, 2, 1)])
        second = run_gate(work, instance)
        assert second.success
        checked = evaluations(second)
        assert checked["kpi_values_suite"].description == f"kpi_values: all expectations met; validated {FEBRUARY}"
        assert checked["kpi_scores_suite"].metadata["validated"].value == "2024-02"
        assert checked["deductions_suite"].metadata["validated"].value == (
            "2024-02 (1 expectation reading across periods: the whole table)"
        )
        assert checked["call_intervals_suite"].metadata["validated"].value == (
            "2024-02 (1 expectation reading across periods: the whole table)"
        )
        assert checked["kpi_values_suite"].metadata["changed_sources"].value == ["calls"]
        metadata = publish_metadata(second) or {}
        assert (metadata["validated_changes"], metadata["changes_cleared"]) == ("2024-02", True)
        assert recorded(work) == (NOTHING, [])

        third = run_gate(work, instance)
        assert third.success
        assert evaluations(third)["scorecards_suite"].description == (
            "scorecards: no change since the last publish; nothing to validate"
        )


def test_a_failed_validation_keeps_the_record_until_a_run_publishes(work):
    published_once(work)
    record(work, "calls", [date(2024, 2, 1)])
    with duckdb.connect(str(work.work_db)) as con:
        con.execute("UPDATE marts.kpi_values SET value = NULL WHERE kpi_code = 'avg_talk_seconds'")  # FEBRUARY_NULL
    with DagsterInstance.ephemeral() as instance:
        failed = run_gate(work, instance)
        assert not failed.success
        assert evaluations(failed)["kpi_values_suite"].description == f"{NULL_VALUE}; validated {FEBRUARY}"
        assert publish_metadata(failed) is None and not work.warehouse.exists()
        assert recorded(work) == (months("2024-02"), ["calls"])

        with duckdb.connect(str(work.work_db)) as con:
            con.execute("UPDATE marts.kpi_values SET value = 150 WHERE kpi_code = 'avg_talk_seconds'")
        fixed = run_gate(work, instance)
        assert fixed.success and evaluations(fixed)["kpi_values_suite"].metadata["validated"].value == FEBRUARY
        assert published_rows(work) == len(KPI_VALUES)
        assert recorded(work) == (NOTHING, [])


def test_a_failed_publish_keeps_the_record(work, monkeypatch):
    published_once(work)
    record(work, "calls", [date(2024, 2, 1)])

    def full_disk(*args, **kwargs):
        raise PublishError("publishing failed while writing the warehouse file: no space left on device")

    monkeypatch.setattr("dagster_kpi.defs.publish.publish_marts", full_disk)
    with DagsterInstance.ephemeral() as instance:
        result = run_gate(work, instance)
    assert not result.success
    assert all(e.passed for e in evaluations(result).values())
    assert recorded(work) == (months("2024-02"), ["calls"])


def test_changes_recorded_after_the_checks_ran_are_kept(work, monkeypatch):
    published_once(work)
    record(work, "calls", [date(2024, 2, 1)])
    from dagster_kpi.defs import publish as publish_defs

    real_publish = publish_defs.publish_marts

    def ingest_meanwhile(*args, **kwargs):
        record(work, "tickets", [date(2024, 3, 1)])
        return real_publish(*args, **kwargs)

    monkeypatch.setattr(publish_defs, "publish_marts", ingest_meanwhile)
    with DagsterInstance.ephemeral() as instance:
        result = run_gate(work, instance)
    assert result.success and published_rows(work) == len(KPI_VALUES)
    metadata = publish_metadata(result) or {}
    assert (metadata["validated_changes"], metadata["changes_cleared"]) == ("2024-02, 2024-03", False)
    assert recorded(work) == (months("2024-02", "2024-03"), ["calls", "tickets"])
