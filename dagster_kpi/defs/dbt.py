"""dbt models and seeds as Dagster assets. One rule everywhere: folder = schema = asset-key prefix = group."""

import json
import os
import shutil
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from dagster import AssetExecutionContext, AssetKey, BackfillPolicy, TimeWindow
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from dagster_kpi.dbt_project import dbt_project
from dagster_kpi.defs.partitions import monthly_partitions
from dagster_kpi.defs.resources import KpiWarehouse
from dagster_kpi.faults import arm_fault

DBT_FAULT_DELAY_SECONDS = 3.0
# The latest dbt invocations' artifacts (run_results.json, compiled SQL) kept for inspection.
KEPT_DBT_INVOCATIONS = 2
# dbt unit tests check the SQL, not the data: the test suite runs them, production runs need not.
DBT_BUILD = ("build", "--exclude", "resource_type:unit_test")


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


def dbt_build_args(window: TimeWindow, covers_every_partition: bool) -> list[str]:
    """`dbt build`, recomputing only the months of `window` unless the run covers every partition."""
    if covers_every_partition:
        return [*DBT_BUILD]
    last_month = (window.end - timedelta(days=1)).replace(day=1)
    refresh = {"refresh_from": window.start.date().isoformat(), "refresh_to": last_month.date().isoformat()}
    return [*DBT_BUILD, "--vars", json.dumps(refresh)]


@dbt_assets(
    manifest=dbt_project().manifest_path,
    project=dbt_project(),
    dagster_dbt_translator=translator,
    partitions_def=monthly_partitions,
    backfill_policy=BackfillPolicy.single_run(),
)
def dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: KpiWarehouse) -> Iterator[Any]:
    """Builds and tests every selected seed and model in the work database, for the run's months."""
    os.environ["KPI_WORK_DB"] = str(warehouse.paths.work_db)
    keys = context.partition_keys
    every_key = monthly_partitions.get_partition_keys()
    args = dbt_build_args(context.partition_time_window, covers_every_partition=keys == every_key)
    arm_fault("dbt", after_seconds=DBT_FAULT_DELAY_SECONDS)
    try:
        yield from dbt.cli(args, context=context).stream()
    finally:
        prune_dbt_invocations(dbt_target_root(), prefix=f"{context.op_execution_context.op.name}-")


def dbt_target_root() -> Path:
    project = dbt_project()
    return Path(project.project_dir) / project.target_path


def prune_dbt_invocations(target_root: Path, prefix: str, keep: int = KEPT_DBT_INVOCATIONS) -> None:
    """Each dbt invocation writes its artifacts (10-30 MB) to a new folder; keep the latest few."""
    folders = [p for p in target_root.glob(f"{prefix}*") if p.is_dir()]
    for old in sorted(folders, key=lambda p: p.stat().st_mtime_ns, reverse=True)[keep:]:
        shutil.rmtree(old, ignore_errors=True)


def mart_asset_keys() -> list[AssetKey]:
    """Every model in the `marts` schema: what a publish copies to the warehouse FILE."""
    return sorted(
        (key for key in dbt_models.keys if key.path[0] == "marts"),
        key=lambda key: key.to_user_string(),
    )
