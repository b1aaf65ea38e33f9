"""Great Expectations Data Docs: one site per run listing every suite it validated, old runs pruned."""

import os
import re
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterEventType, DagsterInstance, Definitions, MaterializeResult, asset

from dagster_kpi.defs.resources import KpiWarehouse
from dagster_kpi.defs.validation import build_suite_check
from dagster_kpi.paths import WarehousePaths
from dagster_kpi.validation import RunDocs, keep_runs_setting, validate_table
from dagster_kpi.validation.docs import prune_runs

LOADED_AT = datetime(2024, 6, 1, 8, 0)


def make_work_db(db: Path) -> None:
    """raw.surveys that passes its suite, raw.exams that fails (a score of 120)."""
    with duckdb.connect(str(db)) as con:
        con.execute("CREATE SCHEMA raw")
        con.execute(
            "CREATE TABLE raw.surveys (survey_id VARCHAR, customer_id VARCHAR, agent_id VARCHAR,"
            " interaction_type VARCHAR, interaction_id VARCHAR, responded_at TIMESTAMP, csat_score BIGINT,"
            " nps_score BIGINT, _source_file VARCHAR, _source_row BIGINT, _loaded_at TIMESTAMP)"
        )
        con.execute(
            "INSERT INTO raw.surveys VALUES ('S1', 'C1', 'A1', 'call', 'K1', ?, 5, 9, 's.csv', 1, ?)",
            [datetime(2024, 1, 5, 10, 0), LOADED_AT],
        )
        con.execute(
            "CREATE TABLE raw.exams (exam_id VARCHAR, agent_id VARCHAR, exam_date DATE, score DOUBLE,"
            " _source_file VARCHAR, _source_row BIGINT, _loaded_at TIMESTAMP)"
        )
        con.executemany(
            "INSERT INTO raw.exams VALUES (?, ?, ?, ?, 'e.csv', ?, ?)",
            [("E1", "A1", date(2024, 1, 9), 80.0, 1, LOADED_AT), ("E1", "A2", date(2024, 1, 9), 120.0, 2, LOADED_AT)],
        )


def index_statuses(index: Path) -> dict[str, str]:
    """Suite name -> Success/Failed, from the validation rows of a GX index page."""
    rows = re.findall(
        r"'_expectation_suite_name_sort': '(\w+)'[^}]*?'_validation_success_text': '(\w+)'", index.read_text(encoding="utf-8")
    )
    return dict(rows)


def fake_run(root: Path, run_id: str, written_at: float) -> Path:
    run_dir = root / run_id
    run_dir.mkdir(parents=True)
    (run_dir / "index.html").write_text("<html></html>", encoding="utf-8")
    os.utime(run_dir / "index.html", (written_at, written_at))
    return run_dir


def test_data_docs_live_in_the_work_folder():
    paths = WarehousePaths(Path("/data/warehouse.duckdb"))
    assert paths.data_docs_dir == Path("/data/warehouse.work/data_docs")
    assert RunDocs(paths.data_docs_dir, "0b5e").index == Path("/data/warehouse.work/data_docs/0b5e/index.html")


def test_one_index_per_run_names_every_suite_and_its_status(tmp_path):
    db = tmp_path / "work.duckdb"
    make_work_db(db)
    root = tmp_path / "data_docs"
    fake_run(root, "older", 1_000_000)
    fake_run(root, "oldest", 500_000)
    docs = RunDocs(root, "run-a", keep_runs=2)

    surveys = validate_table(db, "raw.surveys", "raw_surveys", docs=docs)
    exams = validate_table(db, "raw.exams", "raw_exams", docs=docs)

    assert (surveys.success, exams.success) == (True, False)
    assert surveys.docs_index == exams.docs_index == root / "run-a" / "index.html"
    assert index_statuses(docs.index) == {"raw_surveys": "Success", "raw_exams": "Failed"}
    pages = sorted(p.relative_to(docs.run_dir).parts[:2] for p in (docs.run_dir / "validations").rglob("*.html"))
    assert pages == [("validations", "raw_exams"), ("validations", "raw_surveys")]
    assert "score" in next((docs.run_dir / "validations" / "raw_exams").rglob("*.html")).read_text(encoding="utf-8")
    # Two runs kept: this one and the newer of the two before it.
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == ["older", "run-a"]


def test_runs_beyond_the_limit_are_pruned_oldest_first(tmp_path):
    for number in range(1, 6):
        fake_run(tmp_path, f"run-{number}", 1_000_000 + number * 60)
    current = RunDocs(tmp_path, "run-1", keep_runs=3)  # the oldest index, but the run writing now
    assert prune_runs(current) == ["run-2", "run-3"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run-1", "run-4", "run-5"]
    assert prune_runs(RunDocs(tmp_path, "run-6", keep_runs=20)) == []


def test_keep_runs_setting(monkeypatch):
    monkeypatch.delenv("KPI_DATA_DOCS_KEEP", raising=False)
    assert keep_runs_setting() == 20
    monkeypatch.setenv("KPI_DATA_DOCS_KEEP", "5")
    assert keep_runs_setting() == 5
    for bad in ("0", "-3", "five"):
        with pytest.raises(ValueError, match=f"must be a whole number of runs, at least 1; got '{bad}'"):
            keep_runs_setting(bad)


@pytest.mark.parametrize("run_id", ["", "..", "a/b", ".lock"])
def test_run_id_must_be_a_folder_name(tmp_path, run_id):
    with pytest.raises(ValueError, match="run id must be a plain folder name"):
        RunDocs(tmp_path, run_id)


def test_suite_check_reports_the_docs_of_its_run(tmp_path, monkeypatch):
    monkeypatch.setenv("KPI_DATA_DOCS_KEEP", "1")
    paths = WarehousePaths(tmp_path / "warehouse.duckdb")
    paths.ensure()
    make_work_db(paths.work_db)
    fake_run(paths.data_docs_dir, "previous-run", 1_000_000)

    @asset(key=["raw", "surveys"])
    def surveys() -> MaterializeResult:  # the table is already in the work database
        return MaterializeResult()

    defs = Definitions(
        assets=[surveys],
        asset_checks=[build_suite_check(AssetKey(["raw", "surveys"]), "raw.surveys", "raw_surveys")],
        resources={"warehouse": KpiWarehouse(warehouse=str(paths.warehouse))},
    )
    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(instance=instance)
    (evaluation,) = [
        e.asset_check_evaluation_data for e in result.all_events if e.event_type == DagsterEventType.ASSET_CHECK_EVALUATION
    ]
    index = paths.data_docs_dir / result.run_id / "index.html"
    assert evaluation.passed
    assert evaluation.metadata["data_docs"].path == str(index)
    assert index_statuses(index) == {"raw_surveys": "Success"}
    assert [p.name for p in paths.data_docs_dir.iterdir() if p.is_dir()] == [result.run_id]
