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
    kinds={"duckdb", "parquet"},
    description="Copies the validated marts into the warehouse FILE that readers open, and into Parquet "
    "serving files, each by one atomic rename; unchanged marts are left as they are.",
)
def published_marts(warehouse: KpiWarehouse) -> MaterializeResult:
    paths = warehouse.paths
    report = publish_marts(paths, [key.path[-1] for key in MART_KEYS])
    return MaterializeResult(
        metadata={
            "warehouse": MetadataValue.path(str(paths.warehouse)),
            "serving": MetadataValue.path(str(paths.serving_dir / "current")),
            "changed": report.changed,
            "fingerprint": report.fingerprint,
            **{f"rows_{table}": MetadataValue.int(count) for table, count in report.rows.items()},
        }
    )
