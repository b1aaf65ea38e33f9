"""The publish asset: runs only when every upstream asset and blocking check succeeded."""

from __future__ import annotations

from dagster import MaterializeResult, MetadataValue, asset

from dagster_kpi.defs.dbt import mart_asset_keys
from dagster_kpi.defs.resources import KpiWarehouse
from dagster_kpi.publish import publish_marts

MART_KEYS = mart_asset_keys()


@asset(
    key=["published", "marts"],
    group_name="publish",
    deps=MART_KEYS,
    kinds={"duckdb"},
    description="Copies the validated marts into the warehouse FILE that readers open, by one atomic rename.",
)
def published_marts(warehouse: KpiWarehouse) -> MaterializeResult:
    paths = warehouse.paths
    rows = publish_marts(paths.work_db, paths.warehouse, [key.path[-1] for key in MART_KEYS])
    return MaterializeResult(
        metadata={"warehouse": str(paths.warehouse), **{f"rows_{t}": MetadataValue.int(n) for t, n in rows.items()}}
    )
