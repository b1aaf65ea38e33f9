"""Runs the whole asset graph in process through the Dagster definitions and explains the outcome in one line."""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
from dagster import AssetCheckSeverity, DagsterEventType, ExecuteInProcessResult

from dagster_kpi.contract import load_contract
from dagster_kpi.errors import KpiError, UsageError
from dagster_kpi.instance import run_instance
from dagster_kpi.paths import WarehousePaths
from dagster_kpi.progress import Progress, RunLog, dagster_listener, stage_of
from dagster_kpi.settings import Settings, configure_dagster_process
from dagster_kpi.validation.centre_only import CENTRE_ONLY_CHECK
from dagster_kpi.validation.dbt_failures import first_failure_row

WAREHOUSE_SUFFIXES = (".duckdb", ".db")
DUCKDB_MAGIC = b"DUCK"

# Dagster's console logger stays quiet: `kpi run` writes its own progress (dagster_kpi.progress) and outcome, and
# every event is in Dagster's run storage.
QUIET_LOGS = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
INSTANCE_CONFIG = "telemetry:\n  enabled: false\n"
PROBE_PREFIX = ".write-probe-"
# A process killed with its run closes its files a moment later.
HOLDER_WAIT_SECONDS = 3.0


@dataclass
class RunOutcome:
    success: bool
    reason: str = ""
    # Per ingested source: rows_read, rows_loaded, rows_quarantined, ...
    ingest: dict[str, dict[str, object]] = field(default_factory=dict)
    # Failed warnings (non-blocking checks) on the marts, one line each.
    warnings: list[str] = field(default_factory=list)
    # One line per source and month with records that reach the centre only (a warning), capped.
    centre_only: list[str] = field(default_factory=list)
    # The months the run's dbt build refreshed: "every month", "no month", "2026-02, 2026-03"; "" if it did not run.
    refreshed: str = ""
    # The run's log file.
    log: Path | None = None
    # The Data Docs index of the run's validations, when a suite failed.
    data_docs: Path | None = None


def prepare_warehouse(settings: Settings) -> WarehousePaths:
    """The warehouse's working folders, and Dagster's instance settings in its home there."""
    paths = settings.paths
    try:
        paths.ensure()
        check_writable(paths.warehouse.parent, paths.work_dir)
    except OSError as error:
        where = Path(error.filename) if error.filename else paths.warehouse.parent
        while not where.is_dir():  # the folder in which a file or folder could not be created
            where = where.parent
        reason = (error.strerror or type(error).__name__).lower()
        raise KpiError(
            f"cannot write in {where}: {reason} (a run writes its work files in {paths.work_dir} and publishes {paths.warehouse})"
        ) from None
    instance_yaml = paths.dagster_home / "dagster.yaml"
    if not instance_yaml.exists():
        instance_yaml.write_text(INSTANCE_CONFIG, encoding="utf-8")
    return paths


def check_writable(*folders: Path) -> None:
    """Raise the OSError of creating a file in each folder (read-only file system, permission denied)."""
    for folder in folders:
        probe = folder / f"{PROBE_PREFIX}{os.getpid()}"
        probe.touch()
        probe.unlink()


def check_run_paths(landing: Path, warehouse: Path) -> None:
    """Refuse paths that would make a run read or overwrite something it must not."""
    if not landing.is_dir():
        raise UsageError(f"landing folder {landing} is not a folder")
    if warehouse.suffix not in WAREHOUSE_SUFFIXES:
        raise UsageError(f"warehouse {warehouse} must be a {' or '.join(WAREHOUSE_SUFFIXES)} file")
    if warehouse.exists() and not _is_duckdb_file(warehouse):
        raise UsageError(f"warehouse {warehouse} exists and is not a DuckDB database; refusing to replace it")
    if warehouse.is_relative_to(landing):
        raise UsageError(f"warehouse {warehouse} must not be inside the landing folder {landing}")
    if landing.is_relative_to(WarehousePaths(warehouse).work_dir):
        raise UsageError(f"landing folder {landing} must not be inside the warehouse's work folder")


def _is_duckdb_file(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(12)[8:12] == DUCKDB_MAGIC


@contextlib.contextmanager
def exclusive_run(paths: WarehousePaths) -> Iterator[None]:
    """One run per warehouse at a time; the lock goes away with the process, however it ends."""
    with paths.run_lock.open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise KpiError(f"another run is in progress on {paths.warehouse}") from None
        yield


def work_db_holders(work_db: Path) -> list[tuple[int, str]]:
    """The processes (pid, command) other than this one that have the work database or its log open (Linux: /proc;
    elsewhere none are found, and DuckDB's own file lock is what stops a second writer)."""
    targets = {str(work_db), f"{work_db}.wal"}
    found = []
    for process in Path("/proc").glob("[0-9]*"):
        pid = int(process.name)
        if pid == os.getpid():
            continue
        try:
            if any(os.readlink(fd) in targets for fd in (process / "fd").iterdir()):
                command = (process / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
                found.append((pid, command))
        except OSError:  # gone meanwhile, or not ours to look at
            continue
    return found


def check_work_db_free(work_db: Path, wait_seconds: float = HOLDER_WAIT_SECONDS) -> None:
    """Refuse to start while another process (e.g. a dbt left from a killed run) holds the work database."""
    deadline = time.monotonic() + wait_seconds
    while holders := work_db_holders(work_db):
        if time.monotonic() >= deadline:
            pid, command = holders[0]
            raise KpiError(f"process {pid} ({command[:80]}) still holds {work_db}; wait for it to end or stop it, then run again")
        time.sleep(0.2)


def run_all(settings: Settings, month: str | None = None, progress: Progress | None = None) -> RunOutcome:
    """Materialise every asset and run every check: all months, or refresh one month (`YYYY-MM`); the run tells
    `progress` what it does."""
    paths = prepare_warehouse(settings)
    with exclusive_run(paths):
        check_work_db_free(paths.work_db)
        return _run_job(settings, month, progress=progress)


def run_requested(settings: Settings, job_name: str, tags: Mapping[str, str]) -> RunOutcome:
    """Execute a run that a sensor or schedule requested, in process like `run_all`: the job it targets (`job_name`)
    with the request's tags (its partition tags choose the months)."""
    paths = prepare_warehouse(settings)
    with exclusive_run(paths):
        check_work_db_free(paths.work_db)
        return _run_job(settings, None, job_name, tags)


def _run_job(
    settings: Settings,
    month: str | None,
    job_name: str | None = None,
    tags: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> RunOutcome:
    """The whole asset graph for `month` (None: every month); or the job `job_name` with `tags`. Its log is a file of
    its own; its progress goes to `progress` (and to the log)."""
    from dagster_kpi.data_months import first_month
    from dagster_kpi.defs.build import build_definitions
    from dagster_kpi.defs.partitions import monthly_partitions, run_partition_tags

    configure_dagster_process()
    paths = settings.paths
    definitions = build_definitions(settings)
    job = definitions.resolve_job_def(job_name) if job_name else definitions.resolve_implicit_global_asset_job_def()
    if tags is None:
        tags = run_partition_tags(monthly_partitions(first_month(settings)), month)
    run_id = str(uuid.uuid4())
    log_path = new_run_log(paths, run_id, settings.run_logs_keep)
    progress = progress or Progress(None)
    sources = list(load_contract())
    steps = len(job.nodes_in_topological_order)
    with run_instance(paths.dagster_home) as instance, log_path.open("w", encoding="utf-8") as log:
        output = RunLog(log, progress)
        progress.begin(steps, lambda step_key: stage_of(step_key, sources), log)
        instance.add_event_listener(run_id, dagster_listener(progress))
        # dbt's log lines are echoed to stdout by dagster-dbt; they go to the run log instead.
        with contextlib.redirect_stdout(output):  # type: ignore[type-var]
            result = job.execute_in_process(
                instance=instance,
                run_config=QUIET_LOGS,
                raise_on_error=False,
                tags=dict(tags),
                run_id=run_id,
            )
        output.close()
        progress.finish(result.success)
    return RunOutcome(
        success=result.success,
        reason="" if result.success else blocking_reason(result, paths.work_db),
        ingest=ingest_summary(result),
        warnings=mart_warnings(result, paths.work_db),
        centre_only=check_lines(result, CENTRE_ONLY_CHECK),
        refreshed=last_build(paths.work_db) if result.success else "",
        log=log_path,
        data_docs=failed_suite_docs(result),
    )


def new_run_log(paths: WarehousePaths, run_id: str, keep: int) -> Path:
    """A new run's log file in `paths.logs_dir`, linked as `last_run.log`; the logs beyond the latest `keep` deleted."""
    paths.logs_dir.mkdir(parents=True, exist_ok=True)
    log = paths.logs_dir / f"{datetime.now():%Y%m%d-%H%M%S}-{run_id}.log"
    log.touch()
    link = paths.log_file.with_name(f".{paths.log_file.name}.{os.getpid()}")
    link.unlink(missing_ok=True)
    link.symlink_to(log.relative_to(paths.log_file.parent))
    link.replace(paths.log_file)  # at once: a reader never finds no latest log
    for old in sorted(paths.logs_dir.glob("*.log"), reverse=True)[keep:]:
        old.unlink(missing_ok=True)
    return log


def failed_suite_docs(result: ExecuteInProcessResult) -> Path | None:
    """The Data Docs index a failed Great Expectations check (blocking or not) wrote, if any did."""
    for evaluation in _check_evaluations(result):
        docs = evaluation.metadata.get("data_docs")
        if not evaluation.passed and docs is not None and isinstance(docs.value, str) and Path(docs.value).is_file():
            return Path(docs.value)
    return None


def last_build(work_db: Path) -> str:
    """What the latest dbt build in the work database refreshed (`changes.last_build`)."""
    from dagster_kpi import changes

    with duckdb.connect(str(work_db), read_only=True) as con:
        return changes.last_build(con)


def blocking_reason(result: ExecuteInProcessResult, work_db: Path | None = None) -> str:
    """The first failed check, else the first failed step, as one line.

    A failed dbt test that stored its failing rows in `work_db` is explained by its first row.
    """
    for evaluation in _check_evaluations(result):
        if not evaluation.passed and evaluation.severity == AssetCheckSeverity.ERROR:
            detail = _failure_detail(evaluation, work_db)
            return f"check {evaluation.check_name} on {evaluation.asset_key.to_user_string()} failed: {detail}"
    for event in result.all_events:
        if event.event_type == DagsterEventType.STEP_FAILURE:
            failure = event.step_failure_data
            if failure.user_failure_data and failure.user_failure_data.description:
                return _first_line(failure.user_failure_data.description)
            error = failure.error
            while error is not None and error.cause is not None:  # "Error occurred while executing op ..." wraps the cause
                error = error.cause
            message = error.message if error else "unknown error"
            return f"step {event.step_key} failed: {_first_line(message)}"
    return "the run did not complete"


def mart_warnings(result: ExecuteInProcessResult, work_db: Path | None = None) -> list[str]:
    """Each failed non-blocking check on a mart as one line, explained like `blocking_reason` explains a failure."""
    lines = []
    for evaluation in _check_evaluations(result):
        warned = not evaluation.passed and evaluation.severity == AssetCheckSeverity.WARN
        if warned and evaluation.asset_key.path[0] == "marts":
            detail = _failure_detail(evaluation, work_db) or "failed"
            lines.append(f"check {evaluation.check_name} on {evaluation.asset_key.to_user_string()} warns: {detail}")
    return lines


def _check_evaluations(result: ExecuteInProcessResult) -> Iterator[Any]:
    """The run's asset check evaluations, in event order."""
    for event in result.all_events:
        if event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            yield event.asset_check_evaluation_data


def _failure_detail(evaluation: Any, work_db: Path | None) -> str:
    """A failed check explained: the first failing row its dbt test stored in `work_db`, else its description."""
    stored = stored_failure(work_db, evaluation.check_name) if work_db else None
    return stored or _first_line(evaluation.description or "")


def stored_failure(work_db: Path, check_name: str) -> str | None:
    """The first failing row a dbt test of that name stored, if the work database holds one."""
    if not work_db.is_file():
        return None
    try:
        with duckdb.connect(str(work_db), read_only=True) as con:
            return first_failure_row(con, check_name)
    except duckdb.Error:
        return None


def ingest_summary(result: ExecuteInProcessResult) -> dict[str, dict[str, object]]:
    sources = load_contract()
    summary: dict[str, dict[str, object]] = {}
    for event in result.all_events:
        if event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.step_materialization_data.materialization
            key = materialization.asset_key
            if key.path[0] == "raw" and key.path[-1] in sources:  # not a snapshot source's raw.<source>_snapshots
                summary[key.path[-1]] = {name: value.value for name, value in materialization.metadata.items()}
    return summary


def check_lines(result: ExecuteInProcessResult, check_name: str) -> list[str]:
    """The `lines` a check of that name put in its metadata (none when it did not run or has none)."""
    for evaluation in _check_evaluations(result):
        lines = evaluation.metadata.get("lines") if evaluation.check_name == check_name else None
        if lines is not None and isinstance(lines.value, list):
            return [str(line) for line in lines.value]
    return []


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else ""
