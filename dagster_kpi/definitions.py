"""Everything Dagster loads: ingestion, dbt, validation checks, publish."""

from __future__ import annotations

from dagster import Definitions

from dagster_kpi.dbt_project import dbt_cli
from dagster_kpi.defs.dbt import dbt_models
from dagster_kpi.defs.ingest import ingest_assets
from dagster_kpi.defs.publish import published_marts
from dagster_kpi.defs.resources import KpiWarehouse
from dagster_kpi.defs.validation import mart_checks, raw_checks

defs = Definitions(
    assets=[*ingest_assets, dbt_models, published_marts],
    asset_checks=[*raw_checks, *mart_checks],
    resources={"warehouse": KpiWarehouse(), "dbt": dbt_cli()},
)
