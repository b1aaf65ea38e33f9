"""The one-line reason `kpi run` gives when a run does not publish."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import duckdb
from dagster import AssetCheckSeverity, AssetKey, DagsterEventType

from dagster_kpi.paths import WarehousePaths
from dagster_kpi.runner import blocking_reason, new_run_log


def check_failed(name: str, description: str, severity: AssetCheckSeverity = AssetCheckSeverity.ERROR) -> SimpleNamespace:
    evaluation = SimpleNamespace(passed=False, severity=severity, check_name=name, description=description,
                                 asset_key=AssetKey(["marts", "kpi_values"]))  # fmt: skip
    return SimpleNamespace(event_type=DagsterEventType.ASSET_CHECK_EVALUATION, asset_check_evaluation_data=evaluation)


def test_a_failed_dbt_test_is_explained_by_its_first_stored_row(tmp_path: Path):
    work_db = tmp_path / "work.duckdb"
    with duckdb.connect(str(work_db)) as con:
        con.execute("CREATE SCHEMA audit")
        con.execute("CREATE TABLE audit.reconcile_call_volume AS SELECT * FROM (VALUES "
                    "('call_volume 2024-02: published value 4; straight from staging value 3')) t(mismatch)")  # fmt: skip
    result = SimpleNamespace(all_events=[
        check_failed("freshness", "calls is stale", AssetCheckSeverity.WARN),  # a warning never blocks
        check_failed("reconcile_call_volume", "Got 1 result, configured to fail if != 0"),
    ])  # fmt: skip
    assert blocking_reason(result, work_db) == (  # type: ignore[arg-type]
        "check reconcile_call_volume on marts/kpi_values failed: "
        "call_volume 2024-02: published value 4; straight from staging value 3"
    )
    # Without stored rows (another check, or no work database yet) the check's own description stands.
    other = SimpleNamespace(all_events=[check_failed("unique_kpi_values", "Got 2 results, configured to fail if != 0")])
    assert blocking_reason(other, work_db) == (  # type: ignore[arg-type]
        "check unique_kpi_values on marts/kpi_values failed: Got 2 results, configured to fail if != 0"
    )
    assert blocking_reason(result, tmp_path / "absent.duckdb").endswith(  # type: ignore[arg-type]
        "failed: Got 1 result, configured to fail if != 0"
    )


def test_a_failed_step_is_explained_by_its_cause_not_by_dagster_s_wrapper():
    import errno
    import os

    from dagster import job, op

    @op
    def write_work_file() -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/data/warehouse.work/work.duckdb.wal")

    @job
    def boom() -> None:
        write_work_file()

    result = boom.execute_in_process(raise_on_error=False)
    assert blocking_reason(result) == (
        "step write_work_file failed: OSError: [Errno 28] No space left on device: '/data/warehouse.work/work.duckdb.wal'"
    )


def test_failed_warnings_on_the_marts_are_listed_with_their_first_stored_row(tmp_path: Path):
    from dagster_kpi.runner import mart_warnings

    work_db = tmp_path / "work.duckdb"
    with duckdb.connect(str(work_db)) as con:
        con.execute("CREATE SCHEMA audit")
        con.execute("CREATE TABLE audit.kpi_values_formula_like_text AS SELECT * FROM (VALUES "
                    "('kpi_values.entity_id begins like a spreadsheet formula: =1+1 (3 rows)')) t(mismatch)")  # fmt: skip
    freshness = check_failed("freshness", "calls is stale", AssetCheckSeverity.WARN)
    freshness.asset_check_evaluation_data.asset_key = AssetKey(["raw", "calls"])  # not a mart: not listed
    result = SimpleNamespace(all_events=[
        freshness,
        check_failed("kpi_values_formula_like_text", "", AssetCheckSeverity.WARN),
        check_failed("reconcile_call_volume", "Got 1 result, configured to fail if != 0"),  # blocking: the verdict's
    ])  # fmt: skip
    assert mart_warnings(result, work_db) == [  # type: ignore[arg-type]
        "check kpi_values_formula_like_text on marts/kpi_values warns: "
        "kpi_values.entity_id begins like a spreadsheet formula: =1+1 (3 rows)"
    ]
    assert mart_warnings(SimpleNamespace(all_events=[]), work_db) == []  # type: ignore[arg-type]


def test_each_run_has_its_own_log_the_latest_linked_and_only_the_last_few_kept(tmp_path: Path):
    paths = WarehousePaths(tmp_path / "warehouse.duckdb")
    paths.ensure()
    paths.log_file.write_text("a log from before logs were kept per run\n", encoding="utf-8")
    made = []  # named by the second each starts in, then the run id: here they sort by the run id
    for run in ("run-1", "run-2", "run-3"):
        made.append(new_run_log(paths, run, keep=2))
        made[-1].write_text(f"{run}\n", encoding="utf-8")
    assert sorted(paths.logs_dir.iterdir()) == made[1:]
    assert [p.name[16:] for p in made] == ["run-1.log", "run-2.log", "run-3.log"]
    assert paths.log_file.is_symlink() and paths.log_file.read_text(encoding="utf-8") == "run-3\n"
