import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from dagster_kpi.contract import LINEAGE_COLUMNS, load_contract
from dagster_kpi.paths import EXPECTATIONS_DIR
from dagster_kpi.validation import raw_suite, validate_table, write_raw_suites
from dagster_kpi.validation.suites import RAW_NOTES

LOADED_AT = datetime(2024, 6, 1, 8, 0, 0)


def make_raw(db: Path, source_name: str, rows: list[dict], drop: tuple[str, ...] = ()) -> None:
    """raw.<source> as ingestion writes it: contract columns, then lineage; absent keys are NULL."""
    source = load_contract()[source_name]
    columns = {c.name: c.duckdb_type for c in source.columns if c.name not in drop} | LINEAGE_COLUMNS
    lineage = [{"_source_file": "part1.csv", "_source_row": i + 1, "_loaded_at": LOADED_AT} for i in range(len(rows))]
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS raw")
        con.execute(f"CREATE TABLE raw.{source_name} ({', '.join(f'{n} {t}' for n, t in columns.items())})")
        con.executemany(
            f"INSERT INTO raw.{source_name} VALUES ({', '.join('?' for _ in columns)})",
            [[(ln | row).get(name) for name in columns] for ln, row in zip(lineage, rows)],
        )


# --- raw suites -------------------------------------------------------------------------------


def test_raw_suite_checks_drift_from_the_previous_load():
    floor = {"max_value": 1, "strict_min": True}
    assert raw_suite(load_contract()["surveys"]) == {
        "name": "raw_surveys",
        "notes": RAW_NOTES,
        "expectations": [
            {
                "type": "expect_table_row_count_to_be_between",
                "kwargs": {"min_value": {"$PARAMETER": "previous_rows / 2"}},
                "notes": "at least half as many rows as the previous load",
            },
            {
                "type": "expect_column_proportion_of_non_null_values_to_be_between",
                "kwargs": {"column": "customer_id", "min_value": {"$PARAMETER": "non_null_floor_customer_id"}, **floor},
                "notes": "customer_id is not entirely NULL when the previous load had a value in it",
            },
            {
                "type": "expect_column_proportion_of_non_null_values_to_be_between",
                "kwargs": {"column": "agent_id", "min_value": {"$PARAMETER": "non_null_floor_agent_id"}, **floor},
                "notes": "agent_id is not entirely NULL when the previous load had a value in it",
            },
            {
                "type": "expect_column_proportion_of_non_null_values_to_be_between",
                "kwargs": {"column": "interaction_type", "min_value": {"$PARAMETER": "non_null_floor_interaction_type"}, **floor},
                "notes": "interaction_type is not entirely NULL when the previous load had a value in it",
            },
            {
                "type": "expect_column_distinct_values_to_contain_set",
                "kwargs": {"column": "interaction_type", "value_set": {"$PARAMETER": "previous_values_interaction_type"}},
                "notes": "every interaction_type value of the previous load still occurs",
            },
            {
                "type": "expect_column_proportion_of_non_null_values_to_be_between",
                "kwargs": {"column": "interaction_id", "min_value": {"$PARAMETER": "non_null_floor_interaction_id"}, **floor},
                "notes": "interaction_id is not entirely NULL when the previous load had a value in it",
            },
            {
                "type": "expect_column_proportion_of_non_null_values_to_be_between",
                "kwargs": {"column": "nps_score", "min_value": {"$PARAMETER": "non_null_floor_nps_score"}, **floor},
                "notes": "nps_score is not entirely NULL when the previous load had a value in it",
            },
        ],
    }
    # Nothing the quarantine enforces: no key, not-null, value-set or range expectations.
    kinds = {e["type"] for source in load_contract().values() for e in raw_suite(source)["expectations"]}
    assert kinds == {
        "expect_table_row_count_to_be_between",
        "expect_column_proportion_of_non_null_values_to_be_between",
        "expect_column_distinct_values_to_contain_set",
    }


def test_committed_raw_suites_are_the_generated_ones(tmp_path):
    (tmp_path / "raw_retired_source.json").write_text("{}", encoding="utf-8")  # a source no longer in the contract
    (tmp_path / "kpi_values.json").write_text("{}", encoding="utf-8")  # hand-written suites stay
    write_raw_suites(tmp_path)
    generated = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.glob("raw_*.json")}
    committed = {p.name: p.read_text(encoding="utf-8") for p in EXPECTATIONS_DIR.glob("raw_*.json")}
    assert set(generated) == {f"raw_{name}.json" for name in load_contract()}
    assert committed == generated
    assert (tmp_path / "kpi_values.json").exists()


# --- running a suite --------------------------------------------------------------------------

TINY_SUITE = {
    "name": "tiny",
    "expectations": [
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "responded_at"}},
        {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": {"$PARAMETER": "at_least"}}},
    ],
}

SURVEYS = [
    {"survey_id": "S1", "customer_id": "C1", "responded_at": datetime(2024, 1, 5, 10, 0), "csat_score": 5},
    {"survey_id": "S2", "responded_at": datetime(2024, 1, 6, 11, 0), "csat_score": 1},
    {"survey_id": "S3", "customer_id": "C2", "responded_at": datetime(2024, 2, 1, 9, 0), "csat_score": 3},
]


@pytest.fixture
def suites(tmp_path: Path) -> Path:
    directory = tmp_path / "suites"
    directory.mkdir()
    (directory / "tiny.json").write_text(json.dumps(TINY_SUITE), encoding="utf-8")
    return directory


def test_suite_parameters_reach_the_expectations(tmp_path, suites):
    db = tmp_path / "work.duckdb"
    make_raw(db, "surveys", SURVEYS)
    passed = validate_table(db, "raw.surveys", "tiny", directory=suites, parameters={"at_least": 3})
    assert (passed.suite, passed.table, passed.success, passed.failures, passed.failed) == ("tiny", "raw.surveys", True, [], [])
    failed = validate_table(db, "raw.surveys", "tiny", directory=suites, parameters={"at_least": 4})
    assert failed.failures == ["tiny: expect_table_row_count_to_be_between() — observed 3"]
    assert [(f.type, f.column, f.result, f.error) for f in failed.failed] == [
        ("expect_table_row_count_to_be_between", None, {"observed_value": 3}, None)
    ]


def test_a_missing_column_is_an_error_naming_it(tmp_path, suites):
    make_raw(tmp_path / "short.duckdb", "surveys", SURVEYS, drop=("responded_at",))
    result = validate_table(tmp_path / "short.duckdb", "raw.surveys", "tiny", directory=suites, parameters={"at_least": 0})
    (failure,) = result.failures
    assert failure.startswith("tiny: expect_column_values_to_not_be_null(responded_at) — error: ")
    assert "responded_at" in failure.split(" — ", 1)[1]
    assert result.failed[0].error is not None and "responded_at" in result.failed[0].error


def test_the_connection_gets_the_duckdb_config(tmp_path, suites):
    db = tmp_path / "work.duckdb"
    make_raw(db, "surveys", SURVEYS)
    with pytest.raises(Exception, match="Memory must have a number"):  # DuckDB refusing the limit shows it arrived
        validate_table(
            db, "raw.surveys", "tiny", directory=suites, parameters={"at_least": 0}, duckdb_config={"memory_limit": "lots"}
        )
    assert validate_table(
        db, "raw.surveys", "tiny", directory=suites, parameters={"at_least": 0}, duckdb_config={"memory_limit": "1GB"}
    ).success


# --- kpi_values -------------------------------------------------------------------------------
# Rules on the published values. Not NULL, accepted values, unique keys and the KPI in the catalogue
# are dbt tests of the mart (tests/test_dbt_marts.py).

CATALOG = [  # kpi_code, unit, value_min, value_max
    ("answer_rate", "ratio", 0.0, 1.0),
    ("business_plan_completion_rate", "ratio", 0.0, None),
    ("call_volume", "count", 0.0, None),
    ("nps", "nps", -100.0, 100.0),
    ("avg_talk_seconds", "seconds", 0.0, None),
    ("talk_seconds_p50", "seconds", 0.0, None),
]
KPI_VALUES = [
    ("month", "2024-01-01", "center", "center", "answer_rate", 9, 10, 0.9),
    ("quarter", "2024-01-01", "center", "center", "answer_rate", 27, 30, 0.9),
    ("year", "2024-01-01", "team", "T1", "answer_rate", 0, 0, None),
    ("month", "2024-01-01", "center", "center", "business_plan_completion_rate", 12, 10, 1.2),
    ("month", "2024-01-01", "center", "center", "call_volume", None, None, 120),
    ("month", "2024-01-01", "agent", "A1", "nps", -2, 4, -50),
    ("month", "2024-02-01", "agent", "A1", "avg_talk_seconds", 300, 2, 150),
]
# A percentile publishes its value without numerator and denominator, and no value without records.
PERCENTILES = [
    ("month", "2024-02-01", "agent", "A1", "talk_seconds_p50", None, None, 95.5),
    ("month", "2024-02-01", "agent", "A2", "talk_seconds_p50", None, None, None),
]


def make_marts(db: Path, values: list[tuple]) -> None:
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.kpi_catalog (kpi_code VARCHAR, unit VARCHAR, value_min DOUBLE, value_max DOUBLE)")
        con.executemany("INSERT INTO marts.kpi_catalog VALUES (?, ?, ?, ?)", CATALOG)
        con.execute(
            "CREATE TABLE marts.kpi_values (period_grain VARCHAR, period_start DATE, level VARCHAR, entity_id VARCHAR,"
            " kpi_code VARCHAR, numerator DOUBLE, denominator DOUBLE, value DOUBLE)"
        )
        con.executemany("INSERT INTO marts.kpi_values VALUES (?, ?, ?, ?, ?, ?, ?, ?)", values)


def test_consistent_kpi_values_pass(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    make_marts(db, KPI_VALUES + PERCENTILES)
    result = validate_table(db, "marts.kpi_values", "kpi_values")
    assert result.success and result.failures == []


SHARE = (
    "kpi_values: unexpected_rows_expectation(numerator, denominator) — 1 row unexpected: "
    "numerator exceeds denominator for a share KPI (unit ratio, value_max 1)"
)
BOUNDS = (
    "kpi_values: unexpected_rows_expectation(value) — 1 row unexpected: "
    "value lies outside the KPI's [value_min, value_max] in kpi_catalog"
)
NULL_VALUE = (
    "kpi_values: unexpected_rows_expectation(value, denominator) — 1 row unexpected: "
    "a ratio or mean has a value although its denominator is 0, or no value although it is not (percentiles have no denominator)"
)


@pytest.mark.parametrize(
    ("row", "replacement", "failures"),
    [
        (0, ("month", "2024-01-01", "center", "center", "answer_rate", 11, 10, 1.1), [SHARE, BOUNDS]),
        (0, ("month", "2024-01-01", "center", "center", "answer_rate", 11, 10, 0.9), [SHARE]),
        (5, ("month", "2024-01-01", "agent", "A1", "nps", -6, 4, -150), [BOUNDS]),
        (6, ("month", "2024-02-01", "agent", "A1", "avg_talk_seconds", 300, 2, None), [NULL_VALUE]),
        (2, ("year", "2024-01-01", "team", "T1", "answer_rate", 0, 0, 0.0), [NULL_VALUE]),
        (
            1,
            ("quarter", "2024-02-01", "center", "center", "answer_rate", 27, 30, 0.9),
            [
                "kpi_values: unexpected_rows_expectation(period_grain, period_start) — 1 row unexpected: "
                "period_start is not the first day of its period_grain"
            ],
        ),
        (
            0,
            ("month", "2024-01-01", "center", "center", "answer_rate", None, None, 0.9),
            [
                "kpi_values: unexpected_rows_expectation(numerator, denominator) — 1 row unexpected: "
                "a ratio or nps KPI has no numerator or denominator"
            ],
        ),
        (None, ("month", "2024-02-01", "agent", "A2", "talk_seconds_p50", None, None, -1.0), [BOUNDS]),
        (
            4,
            ("month", "2024-01-01", "center", "center", "call_volume", 120, None, 120),
            [
                "kpi_values: unexpected_rows_expectation(value, numerator, denominator) — 1 row unexpected: "
                "a count KPI has no value, or has a numerator or denominator"
            ],
        ),
    ],
    ids=[
        "ratio-above-1",
        "numerator-above-denominator",
        "value-below-min",
        "null-value",
        "value-for-zero-denominator",
        "period-start-mid-quarter",
        "ratio-without-denominator",
        "percentile-below-min",
        "count-with-numerator",
    ],
)
def test_each_kpi_values_failure_is_reported(tmp_path, row, replacement, failures):
    values = list(KPI_VALUES)
    if row is None:
        values.append(replacement)
    else:
        values[row] = replacement
    db = tmp_path / "warehouse.duckdb"
    make_marts(db, values)
    result = validate_table(db, "marts.kpi_values", "kpi_values")
    assert not result.success
    assert result.failures == failures


# --- the file, errors, scale ------------------------------------------------------------------


def open_read_write_elsewhere(db: Path) -> subprocess.CompletedProcess:
    code = "import duckdb, sys; duckdb.connect(sys.argv[1]).execute('CREATE OR REPLACE TABLE after_check (i INTEGER)')"
    return subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True, timeout=60)


def test_file_is_released_and_nothing_written_beside_it(tmp_path, monkeypatch, suites):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "work.duckdb"
    make_raw(db, "surveys", SURVEYS)
    holder = duckdb.connect(str(db), read_only=False)  # another process cannot open the file while this lives
    assert open_read_write_elsewhere(db).returncode != 0
    holder.close()

    assert validate_table(db, "raw.surveys", "tiny", directory=suites, parameters={"at_least": 1}).success
    opened = open_read_write_elsewhere(db)
    assert opened.returncode == 0, opened.stderr
    with pytest.raises(LookupError, match=r"work.duckdb: cannot read table raw.calls"):
        validate_table(db, "raw.calls", "tiny", directory=suites, parameters={"at_least": 1})
    opened = open_read_write_elsewhere(db)
    assert opened.returncode == 0, opened.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["suites", "work.duckdb"]


def test_bad_requests_fail_clearly(tmp_path):
    with pytest.raises(ValueError, match="table must be given as 'schema.table', got 'surveys'"):
        validate_table(tmp_path / "work.duckdb", "surveys", "raw_surveys")
    with pytest.raises(FileNotFoundError, match="expectation suite 'raw_nothing' not found"):
        validate_table(tmp_path / "work.duckdb", "raw.surveys", "raw_nothing")
    with pytest.raises(FileNotFoundError, match="DuckDB file not found"):
        validate_table(tmp_path / "work.duckdb", "raw.surveys", "raw_surveys")
    assert not (tmp_path / "work.duckdb").exists()
    suites = tmp_path / "suites"
    suites.mkdir()
    bad = {"name": "typo", "expectations": [{"type": "expect_column_values_to_be_in_set", "kwargs": {"colum": "x"}}]}
    (suites / "typo.json").write_text(json.dumps(bad))
    make_raw(tmp_path / "work.duckdb", "surveys", SURVEYS)
    invalid = r"suite typo: expectation 1 \(expect_column_values_to_be_in_set\) is invalid: .*colum extra fields not permitted"
    with pytest.raises(ValueError, match=invalid):
        validate_table(tmp_path / "work.duckdb", "raw.surveys", "typo", directory=suites)
