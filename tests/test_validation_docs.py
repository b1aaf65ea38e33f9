"""Data Docs: one page per run listing every suite it validated, readable offline, old runs pruned."""

import json
import os
import re
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterEventType, DagsterInstance, Definitions, MaterializeResult, asset

from dagster_kpi.contract import load_contract
from dagster_kpi.defs.resources import KpiWarehouse
from dagster_kpi.defs.validation import build_raw_check
from dagster_kpi.paths import WarehousePaths
from dagster_kpi.validation import RunDocs, validate_table
from dagster_kpi.validation.docs import prune_runs

LOADED_AT = datetime(2024, 6, 1, 8, 0)


# Two suites: raw.surveys passes `surveys_rows`, raw.exams fails `exams_scores` (a score of 120).
SUITES = {
    "surveys_rows": [{"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}}],
    "exams_scores": [
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "score", "min_value": 0, "max_value": 100}}
    ],
}


def write_suites(directory: Path) -> Path:
    directory.mkdir()
    for name, expectations in SUITES.items():
        (directory / f"{name}.json").write_text(json.dumps({"name": name, "expectations": expectations}), encoding="utf-8")
    return directory


def make_work_db(db: Path) -> None:
    """raw.surveys and raw.exams as ingestion writes them."""
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


def rendered(index: Path) -> str:
    """The page's DOM as headless Chromium renders it, offline (every request but the file's refused)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("chromium is not installed (make installs it)")
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--proxy-server=127.0.0.1:9",
               "--proxy-bypass-list=<-loopback>", "--dump-dom", index.as_uri()]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout


def index_statuses(index: Path) -> dict[str, str]:
    """Suite name -> passed/FAILED, from the summary rows of the rendered page."""
    rows = re.findall(r'<tr class="\w+"><td><a href="#(\w+)">\w+</a></td>.*?<span class="\w+-text">(\w+)</span>', rendered(index))
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
    suites = write_suites(tmp_path / "suites")

    surveys = validate_table(db, "raw.surveys", "surveys_rows", directory=suites, docs=docs)
    exams = validate_table(db, "raw.exams", "exams_scores", directory=suites, docs=docs)

    assert (surveys.success, exams.success) == (True, False)
    assert surveys.docs_index == exams.docs_index == root / "run-a" / "index.html"
    assert index_statuses(docs.index) == {"exams_scores": "FAILED", "surveys_rows": "passed"}
    page = rendered(docs.index)
    # The failed expectation with its counts: 1 of the 2 rows unexpected (the score of 120).
    assert re.search(
        r'<tr class="failed"><td>expect_column_values_to_be_between</td><td>score</td><td><span class="failed-text">FAILED'
        r'</span></td><td class="n">1</td><td class="n">2</td><td>1 of 2 rows unexpected, e.g. 120.0 \(1 row\)</td>',
        page,
    )
    # Nothing is fetched from the network: no script at all, styles inline, no http(s) address anywhere.
    text = docs.index.read_text(encoding="utf-8")
    assert "<script" not in text and "<link" not in text and not re.search(r"https?://", text)
    # Two runs kept: this one and the newer of the two before it.
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == ["older", "run-a"]


def test_runs_beyond_the_limit_are_pruned_oldest_first(tmp_path):
    for number in range(1, 6):
        fake_run(tmp_path, f"run-{number}", 1_000_000 + number * 60)
    current = RunDocs(tmp_path, "run-1", keep_runs=3)  # the oldest index, but the run writing now
    assert prune_runs(current) == ["run-2", "run-3"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run-1", "run-4", "run-5"]
    assert prune_runs(RunDocs(tmp_path, "run-6", keep_runs=20)) == []


@pytest.mark.parametrize("run_id", ["", "..", "a/b", ".lock"])
def test_run_id_must_be_a_folder_name(tmp_path, run_id):
    with pytest.raises(ValueError, match="run id must be a plain folder name"):
        RunDocs(tmp_path, run_id)


def test_raw_check_reports_the_docs_of_its_run(tmp_path):
    paths = WarehousePaths(tmp_path / "warehouse.duckdb")
    paths.ensure()
    make_work_db(paths.work_db)
    fake_run(paths.data_docs_dir, "previous-run", 1_000_000)

    @asset(key=["raw", "surveys"])
    def surveys() -> MaterializeResult:  # the table is already in the work database
        return MaterializeResult()

    defs = Definitions(
        assets=[surveys],
        asset_checks=[build_raw_check(load_contract()["surveys"])],
        resources={"warehouse": KpiWarehouse(warehouse=str(paths.warehouse), data_docs_keep=1)},
    )
    with DagsterInstance.ephemeral() as instance:
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(instance=instance)
    (evaluation,) = [
        e.asset_check_evaluation_data for e in result.all_events if e.event_type == DagsterEventType.ASSET_CHECK_EVALUATION
    ]
    index = paths.data_docs_dir / result.run_id / "index.html"
    assert evaluation.passed
    assert evaluation.metadata["data_docs"].path == str(index)
    assert index_statuses(index) == {"raw_surveys": "passed"}
    # data_docs_keep=1: only this run's site is left.
    assert [p.name for p in paths.data_docs_dir.iterdir() if p.is_dir()] == [result.run_id]


def test_values_on_the_page_are_text_not_markup(tmp_path):
    from dagster_kpi.validation.docs_site import render_index

    record = {"suite": "scorecards", "table": "marts.scorecards", "validated": "every month", "success": False,
              "expectations": [{"type": "unexpected_rows_expectation", "description": "names <b>bold</b>",
                                "columns": "entity_name", "success": False, "unexpected": 1, "checked": None,
                                "detail": "observed '<script>alert(1)</script>'"}]}  # fmt: skip
    index = tmp_path / "index.html"
    index.write_text(render_index("run-a", [record], datetime(2026, 1, 2, 3, 4, 5)), encoding="utf-8")
    page = rendered(index)
    assert "names &lt;b&gt;bold&lt;/b&gt;" in page and "observed '&lt;script&gt;alert(1)&lt;/script&gt;'" in page
    assert "<script" not in page and "<b>" not in page
    assert "run run-a, written 2026-01-02 03:04:05: 1 of 1 suites failed" in page
