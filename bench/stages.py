"""Per-stage durations of the latest run stored in a warehouse's Dagster storage."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from dagster import DagsterEventType, DagsterInstance, EventLogEntry

from .errors import BenchError

STAGES = ("ingest", "dbt", "validation", "publish", "other")


@dataclass(frozen=True)
class RunStages:
    run_id: str
    first_step_at: float  # epoch seconds
    seconds: dict[str, float]  # stage -> Σ step durations, every stage of STAGES present
    rows_read: int  # rows the ingest steps read from the landing files
    steps: tuple[tuple[str, float, float], ...]  # (step key, start, end) in epoch seconds, by start

    def step_at(self, moment: float) -> str:
        """The step running at `moment`; before the first step that is start-up."""
        if moment < self.first_step_at:
            return "start-up"
        running = [key for key, start, end in self.steps if start <= moment <= end]
        if running:
            return running[-1]
        return "after the last step" if moment > max(end for _key, _start, end in self.steps) else "between steps"


def stage_of(step_key: str, check_steps: set[str]) -> str:
    """dbt_models: dbt (its dbt tests included); published__*: publish; steps that only evaluate asset checks
    (Great Expectations suites, quarantine shares): validation; the raw__<source> assets: ingest. The reconciliations
    are dbt tests: their time counts as dbt.
    """
    if step_key == "dbt_models":
        return "dbt"
    if step_key.startswith("published__"):
        return "publish"
    if step_key in check_steps:
        return "validation"
    if step_key.startswith("raw__"):
        return "ingest"
    return "other"


def group_steps(steps: Iterable[tuple[str, float]], check_steps: set[str]) -> dict[str, float]:
    """(step key, seconds) -> seconds per stage."""
    totals = dict.fromkeys(STAGES, 0.0)
    for step_key, seconds in steps:
        totals[stage_of(step_key, check_steps)] += seconds
    return totals


def latest_run_stages(dagster_home: Path) -> RunStages:
    """The stages of the newest run in `dagster_home` (the run `kpi run` just stored there)."""
    with DagsterInstance.from_config(str(dagster_home)) as instance:
        records = instance.get_run_records(limit=1)
        if not records:
            raise BenchError(f"no Dagster run stored in {dagster_home}")
        run_id = records[0].dagster_run.run_id
        stats = [s for s in instance.get_run_step_stats(run_id) if s.start_time and s.end_time]
        if not stats:
            raise BenchError(f"run {run_id} in {dagster_home} has no finished steps")
        check_steps = {
            e.step_key for e in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION) if e.step_key
        }
        check_steps -= {e.step_key for e in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION)}
        rows_read = sum(_rows_read(entry) for entry in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION))
    return RunStages(
        run_id=run_id,
        first_step_at=min(s.start_time for s in stats),
        seconds=group_steps(((s.step_key, s.end_time - s.start_time) for s in stats), check_steps),
        rows_read=rows_read,
        steps=tuple(sorted(((s.step_key, s.start_time, s.end_time) for s in stats), key=lambda step: step[1])),
    )


def _rows_read(entry: EventLogEntry) -> int:
    materialization = entry.asset_materialization
    if materialization is None or materialization.asset_key.path[0] != "raw":
        return 0
    value = materialization.metadata.get("rows_read")
    return int(value.value) if value is not None else 0
