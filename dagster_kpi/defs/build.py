"""All of the product's Dagster definitions for one warehouse, built from its settings."""

from __future__ import annotations

from dagster import Definitions, in_process_executor

from dagster_kpi.data_months import first_month
from dagster_kpi.dbt_project import dbt_cli, dbt_project, prepare_if_dev, prepare_manifest
from dagster_kpi.defs.attribution import build_centre_only_check
from dagster_kpi.defs.dbt import build_dbt_assets, mart_asset_keys
from dagster_kpi.defs.freshness import build_freshness_checks
from dagster_kpi.defs.ingest import build_ingest_assets
from dagster_kpi.defs.partitions import monthly_partitions
from dagster_kpi.defs.publish import build_publish_asset
from dagster_kpi.defs.quality import build_quarantine_checks
from dagster_kpi.defs.resources import KpiWarehouse
from dagster_kpi.defs.schedules import build_refresh_job, build_schedules
from dagster_kpi.defs.sensors import build_landing_sensor
from dagster_kpi.defs.validation import build_validation_checks
from dagster_kpi.settings import Settings


def build_definitions(settings: Settings) -> Definitions:
    """Ingestion, dbt, checks, publish, the refresh job, its schedules and the landing sensor for `settings`.

    The dbt manifest is prepared when it is missing (and, under `dagster dev`, on every load).
    """
    project = dbt_project(settings)
    if not project.manifest_path.exists():
        prepare_manifest(settings)
    else:
        prepare_if_dev(project)
    partitions = monthly_partitions(first_month(settings))
    dbt_models = build_dbt_assets(project, partitions)
    checks = [*build_quarantine_checks(), *build_freshness_checks(), *build_validation_checks(), build_centre_only_check()]
    job = build_refresh_job()
    return Definitions(
        assets=[*build_ingest_assets(), dbt_models, build_publish_asset(mart_asset_keys(dbt_models), [dbt_models, *checks])],
        asset_checks=checks,
        jobs=[job],
        schedules=build_schedules(job, settings.timezone),
        sensors=[build_landing_sensor(job, partitions, settings.sensor_interval_seconds)],
        resources={"warehouse": KpiWarehouse.from_settings(settings), "dbt": dbt_cli(project, settings)},
        # One process: DuckDB allows one writer, and on two cores it is also the fastest.
        executor=in_process_executor,
    )
