"""One ingestion asset per contract source, all made by one factory."""

from __future__ import annotations

from datetime import datetime

from dagster import AssetKey, AssetsDefinition, Failure, MaterializeResult, MetadataValue, asset

from dagster_kpi.contract import Source, load_contract
from dagster_kpi.defs.resources import KpiWarehouse
from dagster_kpi.faults import fault_point
from dagster_kpi.ingest import ExtractError, ingest_source

INGEST_GROUP = "ingest"


def raw_asset_key(source: str) -> AssetKey:
    """Same key dagster-dbt gives the dbt source `raw.<source>`, so staging links to it."""
    return AssetKey(["raw", source])


def build_ingest_asset(source: Source) -> AssetsDefinition:
    @asset(
        key=raw_asset_key(source.name),
        group_name=INGEST_GROUP,
        description=f"{source.description}\n\nLoads every file of the landing folder `{source.name}/` into "
        f"`raw.{source.name}`; rows that break the contract go to `quarantine.{source.name}`.",
        kinds={"duckdb"},
        metadata={"key": ", ".join(source.key), "columns": ", ".join(source.column_names)},
    )
    def ingest(warehouse: KpiWarehouse) -> MaterializeResult:
        con = warehouse.connect_work()
        try:
            report = ingest_source(con, source, warehouse.landing, loaded_at=datetime.now().replace(microsecond=0),
                                   allow_outside_links=warehouse.allow_outside_links,
                                   encoding=warehouse.encodings.get(source.name))  # fmt: skip
            fault_point("ingest", warehouse.fault_at)
        except ExtractError as error:
            raise Failure(description=str(error), allow_retries=False) from None
        finally:
            con.close()
        return MaterializeResult(
            metadata={
                "files": MetadataValue.int(len(report.files)),
                "rows_read": MetadataValue.int(report.rows_read),
                "rows_loaded": MetadataValue.int(report.rows_loaded),
                "rows_quarantined": MetadataValue.int(report.rows_quarantined),
                "quarantined_by_reason": MetadataValue.json(report.quarantined_by_reason),
                "ignored_sheets": MetadataValue.json(report.ignored_sheets),
                "keys_conflicting": MetadataValue.int(report.keys_conflicting),
                "near_miss_headers": MetadataValue.json(report.near_miss_headers),
                "absent_columns": MetadataValue.json(report.absent_columns),
            }
        )

    return ingest


def build_ingest_assets() -> list[AssetsDefinition]:
    return [build_ingest_asset(source) for source in load_contract().values()]
