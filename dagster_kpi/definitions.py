"""Everything Dagster loads: ingestion, dbt, checks, publish, schedules and the landing sensor."""

from __future__ import annotations

from dagster import Definitions, in_process_executor

from dagster_kpi.dbt_project import dbt_cli
from dagster_kpi.defs.dbt import dbt_models
from dagster_kpi.defs.freshness import freshness_checks
from dagster_kpi.defs.ingest import ingest_assets
from dagster_kpi.defs.publish import build_publish_asset
from dagster_kpi.defs.quality import quarantine_checks
from dagster_kpi.defs.resources import KpiWarehouse
from dagster_kpi.defs.schedules import jobs, schedules
from dagster_kpi.defs.sensors import sensors
from dagster_kpi.defs.validation import mart_checks, raw_checks, reconciliation_checks

checks = [*raw_checks, *quarantine_checks, *freshness_checks, *mart_checks, *reconciliation_checks]

defs = Definitions(
    assets=[*ingest_assets, dbt_models, build_publish_asset([dbt_models, *checks])],
    asset_checks=checks,
    jobs=jobs,
    schedules=schedules,
    sensors=sensors,
    resources={"warehouse": KpiWarehouse(), "dbt": dbt_cli()},
    # One process: DuckDB allows one writer, and on two cores it is also the fastest.
    executor=in_process_executor,
)
