import json
import subprocess
import sys
import tracemalloc
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


def test_raw_suite_follows_the_contract():
    assert raw_suite(load_contract()["exams"]) == {
        "name": "raw_exams",
        "notes": RAW_NOTES,
        "expectations": [
            {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": ["exam_id", "agent_id"]}},
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "exam_id"}},
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "agent_id"}},
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "exam_date"}},
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "score"}},
            {"type": "expect_column_values_to_be_between", "kwargs": {"column": "score", "min_value": 0, "max_value": 100}},
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "_source_file"}},
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "_source_row"}},
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "_loaded_at"}},
        ],
    }
    calls = raw_suite(load_contract()["calls"])["expectations"]
    assert calls[0] == {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "call_id"}}
    assert {
        "type": "expect_column_values_to_be_in_set",
        "kwargs": {"column": "outcome", "value_set": ["answered", "abandoned", "blocked"]},
    } in calls
    assert {"type": "expect_column_values_to_be_between", "kwargs": {"column": "talk_seconds", "min_value": 0}} in calls


def test_committed_raw_suites_are_the_generated_ones(tmp_path):
    write_raw_suites(tmp_path)
    generated = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.glob("raw_*.json")}
    committed = {p.name: p.read_text(encoding="utf-8") for p in EXPECTATIONS_DIR.glob("raw_*.json")}
    assert len(generated) == 12
    assert committed == generated


SURVEYS = [
    {
        "survey_id": "S1",
        "customer_id": "C1",
        "agent_id": "A1",
        "interaction_type": "call",
        "interaction_id": "K1",
        "responded_at": datetime(2024, 1, 5, 10, 0),
        "csat_score": 5,
        "nps_score": 10,
    },
    {"survey_id": "S2", "responded_at": datetime(2024, 1, 6, 11, 0), "csat_score": 1},
    {
        "survey_id": "S3",
        "customer_id": "C2",
        "agent_id": "A2",
        "interaction_type": "ticket",
        "interaction_id": "T1",
        "responded_at": datetime(2024, 2, 1, 9, 0),
        "csat_score": 3,
        "nps_score": 0,
    },
]


def test_a_clean_raw_table_passes(tmp_path):
    db = tmp_path / "work.duckdb"
    make_raw(db, "surveys", SURVEYS)
    result = validate_table(db, "raw.surveys", "raw_surveys")
    assert (result.suite, result.table, result.success, result.failures) == ("raw_surveys", "raw.surveys", True, [])


@pytest.mark.parametrize(
    ("row", "change", "failure"),
    [
        (
            2,
            {"survey_id": "S1"},
            "raw_surveys: expect_column_values_to_be_unique(survey_id) — 2 of 3 rows unexpected, e.g. 'S1' (2 rows)",
        ),
        (1, {"responded_at": None}, "raw_surveys: expect_column_values_to_not_be_null(responded_at) — 1 of 3 rows are null"),
        (
            2,
            {"interaction_type": "email"},
            "raw_surveys: expect_column_values_to_be_in_set(interaction_type) — 1 of 3 rows unexpected, e.g. 'email' (1 row)",
        ),
        (
            0,
            {"csat_score": 6},
            "raw_surveys: expect_column_values_to_be_between(csat_score) — 1 of 3 rows unexpected, e.g. 6 (1 row)",
        ),
        (
            1,
            {"nps_score": -1},
            "raw_surveys: expect_column_values_to_be_between(nps_score) — 1 of 3 rows unexpected, e.g. -1 (1 row)",
        ),
        (0, {"_source_file": None}, "raw_surveys: expect_column_values_to_not_be_null(_source_file) — 1 of 3 rows are null"),
    ],
    ids=["duplicate-key", "null-required", "outside-set", "above-max", "below-min", "null-lineage"],
)
def test_each_raw_failure_names_expectation_and_column(tmp_path, row, change, failure):
    rows = [dict(r) for r in SURVEYS]
    rows[row].update(change)
    db = tmp_path / "work.duckdb"
    make_raw(db, "surveys", rows)
    result = validate_table(db, "raw.surveys", "raw_surveys")
    assert not result.success
    assert result.failures == [failure]


def test_compound_key_duplicate_and_missing_column(tmp_path):
    db = tmp_path / "work.duckdb"
    exam = {"exam_id": "E1", "agent_id": "A1", "exam_date": datetime(2024, 3, 1).date(), "score": 80.0}
    make_raw(db, "exams", [exam, exam | {"agent_id": "A2"}, exam | {"score": 90.0}])
    assert validate_table(db, "raw.exams", "raw_exams").failures == [
        "raw_exams: expect_compound_columns_to_be_unique(exam_id, agent_id) — 2 of 3 rows unexpected, e.g. ('E1', 'A1') (2 rows)"
    ]
    make_raw(tmp_path / "short.duckdb", "exams", [exam], drop=("exam_date",))
    (failure,) = validate_table(tmp_path / "short.duckdb", "raw.exams", "raw_exams").failures
    assert failure.startswith("raw_exams: expect_column_values_to_not_be_null(exam_date) — error: ")
    assert "exam_date" in failure.split(" — ", 1)[1]


# --- kpi_values -------------------------------------------------------------------------------

CATALOG = [  # kpi_code, unit, value_min, value_max
    ("answer_rate", "ratio", 0.0, 1.0),
    ("business_plan_completion_rate", "ratio", 0.0, None),
    ("call_volume", "count", 0.0, None),
    ("nps", "nps", -100.0, 100.0),
    ("avg_talk_seconds", "seconds", 0.0, None),
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
    make_marts(db, KPI_VALUES)
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
    "a ratio or mean has a value although its denominator is 0, or no value although it is not"
)


@pytest.mark.parametrize(
    ("row", "replacement", "failures"),
    [
        (
            None,
            KPI_VALUES[0],
            [
                "kpi_values: expect_compound_columns_to_be_unique(period_grain, period_start, level, entity_id, kpi_code)"
                " — 2 of 8 rows unexpected, e.g. ('month', 2024-01-01, 'center', 'center', 'answer_rate') (2 rows)"
            ],
        ),
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
            1,
            ("week", "2024-01-01", "center", "center", "answer_rate", 27, 30, 0.9),
            ["kpi_values: expect_column_values_to_be_in_set(period_grain) — 1 of 7 rows unexpected, e.g. 'week' (1 row)"],
        ),
        (
            6,
            ("month", "2024-02-01", "region", "A1", "avg_talk_seconds", 300, 2, 150),
            ["kpi_values: expect_column_values_to_be_in_set(level) — 1 of 7 rows unexpected, e.g. 'region' (1 row)"],
        ),
        (
            6,
            ("month", "2024-02-01", "agent", None, "avg_talk_seconds", 300, 2, 150),
            ["kpi_values: expect_column_values_to_not_be_null(entity_id) — 1 of 7 rows are null"],
        ),
        (
            6,
            ("month", "2024-02-01", "agent", "A1", "avg_hold_seconds", 300, 2, 150),
            ["kpi_values: unexpected_rows_expectation(kpi_code) — 1 row unexpected: kpi_code is not in kpi_catalog"],
        ),
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
        "duplicate-row",
        "ratio-above-1",
        "numerator-above-denominator",
        "value-below-min",
        "null-value",
        "value-for-zero-denominator",
        "period-start-mid-quarter",
        "unknown-grain",
        "unknown-level",
        "null-entity",
        "unknown-kpi",
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


def test_file_is_released_and_nothing_written_beside_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "work.duckdb"
    make_raw(db, "surveys", SURVEYS)
    holder = duckdb.connect(str(db), read_only=False)  # another process cannot open the file while this lives
    assert open_read_write_elsewhere(db).returncode != 0
    holder.close()

    assert validate_table(db, "raw.surveys", "raw_surveys").success
    opened = open_read_write_elsewhere(db)
    assert opened.returncode == 0, opened.stderr
    with pytest.raises(LookupError, match=r"work.duckdb: cannot read table raw.calls"):
        validate_table(db, "raw.calls", "raw_calls")
    opened = open_read_write_elsewhere(db)
    assert opened.returncode == 0, opened.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work.duckdb"]


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


def test_two_million_rows_are_checked_inside_duckdb(tmp_path):
    db = tmp_path / "work.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute(
            "CREATE SCHEMA raw; CREATE TABLE raw.exams AS SELECT 'E' || (range // 4) AS exam_id,"
            " 'A' || (range % 4) AS agent_id, DATE '2024-01-01' + CAST(range % 365 AS INTEGER) AS exam_date,"
            " CAST(range % 101 AS DOUBLE) AS score, 'exams.csv' AS _source_file, range + 1 AS _source_row,"
            " TIMESTAMP '2024-06-01 08:00:00' AS _loaded_at FROM range(2000000)"
        )
    validate_table(db, "raw.exams", "raw_exams")  # warm-up: imports and GX's registries
    # Python-side allocations only: DuckDB's own memory is not traced, a pandas copy would be (≈ 500 MB).
    tracemalloc.start()
    try:
        result = validate_table(db, "raw.exams", "raw_exams")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.success and result.failures == []
    assert peak < 32 * 2**20
