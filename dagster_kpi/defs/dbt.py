"""dbt models and seeds as Dagster assets. One rule everywhere: folder = schema = asset-key prefix = group."""

# No `from __future__ import annotations`: Dagster reads the context parameter's annotation at runtime.

import shutil
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
from dagster import AssetExecutionContext, AssetKey, AssetsDefinition, BackfillPolicy, MonthlyPartitionsDefinition, TimeWindow
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from dagster_kpi import changes, engines
from dagster_kpi.contract import load_contract
from dagster_kpi.dbt_project import dbt_vars, project_digest, vars_argument
from dagster_kpi.defs.resources import KpiWarehouse
from dagster_kpi.faults import arm_fault
from dagster_kpi.settings import Settings

DBT_FAULT_DELAY_SECONDS = 3.0
# The latest dbt invocations' artifacts (run_results.json, compiled SQL) kept for inspection.
KEPT_DBT_INVOCATIONS = 2
# dbt unit tests check the SQL, not the data: the test suite runs them, production runs need not.
DBT_BUILD = ("build", "--exclude", "resource_type:unit_test")
PARTIAL_PARSE = "partial_parse.msgpack"
MARTS_PATH = "models/marts"  # always built: publishing waits for every mart


def dbt_schema(props: Mapping[str, Any]) -> str:
    """The custom schema of a model or seed (its folder), the source name for sources."""
    if props["resource_type"] == "source":
        return props["source_name"]
    return props.get("config", {}).get("schema") or props["schema"]


class KpiDbtTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return AssetKey([dbt_schema(dbt_resource_props), dbt_resource_props.get("alias") or dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_schema(dbt_resource_props)


translator = KpiDbtTranslator()


def window_months(window: TimeWindow) -> list[date]:
    """The first days of the months of a partition window."""
    months, month = [], window.start.date().replace(day=1)
    while month < window.end.date():
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


@dataclass(frozen=True)
class BuildPlan:
    """One `dbt build`: its arguments, the months it refreshes (None: every month), and the digest under which it
    completes the build stage of `changes` (None: it leaves the recorded changes for a later run)."""

    args: list[str]
    months: list[date] | None
    completes: str | None

    def describe(self) -> str:
        return changes.Scope(self.months is None, tuple(self.months or ())).describe()


def plan_build(settings: Settings, con: duckdb.DuckDBPyConnection | None, window: TimeWindow,
               covers_every_partition: bool) -> BuildPlan:  # fmt: skip
    """What a run's `dbt build` does.

    A run of some months (`kpi run --month`, a partition backfill) refreshes those months. A run of every partition
    refreshes the months the landing changes touched since the last completed build (`changes`), and builds only
    the models downstream of the sources that changed, and the marts; a first build, a change of the dbt project
    or its vars, or a change that touches every month builds everything. The vars are the same for every run (the
    months go through the work database), so dbt reuses its parse."""
    args = [*DBT_BUILD, *vars_argument(dbt_vars(settings))]
    if not covers_every_partition:
        return BuildPlan(args, window_months(window), None)
    digest = project_digest(args[-1], settings.dbt_target)
    if con is None or (scope := changes.scope(con, "build", digest)).every_month:
        return BuildPlan(args, None, digest)
    contract = load_contract()
    tables = [t for s in sorted(changes.sources(con, "build")) if s in contract
              for t in (s, *([contract[s].snapshots_table] if contract[s].snapshots else []))]  # fmt: skip
    # One value (dagster-dbt reads one value per --select; dbt reads the spaces as a union).
    select = ["--select", " ".join([*(f"source:raw.{table}+" for table in tables), f"path:{MARTS_PATH}"])]
    return BuildPlan([*args, *select], list(scope.months), digest)


def invocation_target(project: DbtProject, op_name: str, run_id: str) -> Path:
    """A new folder for one invocation's artifacts, seeded with the project's parse so dbt reuses it."""
    root = Path(project.project_dir) / project.target_path
    target = root / f"{op_name}-{run_id[:7]}-{uuid.uuid4().hex[:7]}"
    target.mkdir(parents=True)
    if (root / PARTIAL_PARSE).is_file():
        shutil.copyfile(root / PARTIAL_PARSE, target / PARTIAL_PARSE)
    return target


def build_dbt_assets(project: DbtProject, partitions: MonthlyPartitionsDefinition) -> AssetsDefinition:
    """Every seed, model and test of the project's manifest as assets and checks, partitioned by month."""

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=translator,
        partitions_def=partitions,
        backfill_policy=BackfillPolicy.single_run(),
    )
    def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: KpiWarehouse) -> Iterator[Any]:
        """Builds and tests every selected seed and model in the work database, for the run's months."""
        covers_every_partition = context.partition_keys == partitions.get_partition_keys()
        settings = warehouse.settings
        con = warehouse.connect_work()
        try:
            plan = plan_build(settings, con, context.partition_time_window, covers_every_partition)
            changes.set_window(con, plan.months)
            if settings.engine == "spark":
                handed = engines.hand_over(con, settings.paths.work_dir)
                context.log.info(f"handed over to Spark: {', '.join(handed)}")
        finally:
            con.close()
        context.log.info(f"dbt build on {settings.engine} refreshes {plan.describe()}")
        op_name = context.op_execution_context.op.name
        target = invocation_target(project, op_name, context.run.run_id)
        arm_fault("dbt", warehouse.fault_at, after_seconds=DBT_FAULT_DELAY_SECONDS)
        try:
            yield from dbt.cli(plan.args, context=context, target_path=target).stream()
            if settings.engine == "spark":
                con = warehouse.connect_work()
                try:
                    taken = engines.take_back(con, settings.paths.work_dir)
                finally:
                    con.close()
                context.log.info(f"taken back from Spark: {', '.join(taken)}")
            completed = True
        except BaseException:
            completed = False
            raise
        finally:
            prune_dbt_invocations(target.parent, prefix=f"{op_name}-")
            con = warehouse.connect_work()
            try:
                changes.set_window(con, None)  # a dbt build outside a run builds everything
                if completed:
                    changes.note_build(con, plan.describe())
                    if plan.completes is not None:
                        changes.complete(con, "build", plan.completes)
            finally:
                con.close()

    return dbt_models


def prune_dbt_invocations(target_root: Path, prefix: str, keep: int = KEPT_DBT_INVOCATIONS) -> None:
    """Each dbt invocation writes its artifacts (10-30 MB) to a new folder; keep the latest few."""
    folders = [p for p in target_root.glob(f"{prefix}*") if p.is_dir()]
    for old in sorted(folders, key=lambda p: p.stat().st_mtime_ns, reverse=True)[keep:]:
        shutil.rmtree(old, ignore_errors=True)


def mart_asset_keys(dbt_models: AssetsDefinition) -> list[AssetKey]:
    """Every model in the `marts` schema: what a publish copies to the warehouse FILE."""
    return sorted((key for key in dbt_models.keys if key.path[0] == "marts"), key=lambda key: key.to_user_string())
