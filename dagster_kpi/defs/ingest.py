"""One ingestion asset per contract source, all made by one factory.

A snapshot source's asset also materializes `raw.<source>_snapshots`, which it writes in the same load.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from dagster import AssetKey, AssetsDefinition, AssetSpec, Failure, MaterializeResult, MetadataValue, multi_asset

from dagster_kpi.contract import Source, load_contract
from dagster_kpi.defs.resources import KpiWarehouse
from dagster_kpi.faults import fault_point
from dagster_kpi.ingest import ExtractError, IngestReport, ingest_source

INGEST_GROUP = "ingest"


def raw_asset_key(source: str) -> AssetKey:
    """Same key dagster-dbt gives the dbt source `raw.<source>`, so staging links to it (also for
    `raw.<source>_snapshots`)."""
    return AssetKey(["raw", source])


def _specs(source: Source) -> list[AssetSpec]:
    raw = AssetSpec(
        key=raw_asset_key(source.name),
        group_name=INGEST_GROUP,
        description=f"{source.description}\n\nLoads every file of the landing folder `{source.name}/` into "
        f"`raw.{source.name}`; rows that break the contract go to `quarantine.{source.name}`.",
        kinds={"duckdb"},
        metadata={"key": ", ".join(source.key), "columns": ", ".join(source.column_names)},
    )
    if not source.snapshots:
        return [raw]
    snapshots = AssetSpec(
        key=raw_asset_key(source.snapshots_table),
        group_name=INGEST_GROUP,
        description=f"Every snapshot of `{source.name}`: each file of `{source.name}/` is one, as of the date in "
        "its name, else its modification date; the valid rows of each with that date (`_snapshot_date`), "
        f"loaded with `raw.{source.name}`.",
        kinds={"duckdb"},
        metadata={"key": ", ".join([*source.key, "_snapshot_date"])},
    )
    return [raw, snapshots]


def _results(source: Source, report: IngestReport) -> Iterator[MaterializeResult]:
    yield MaterializeResult(
        asset_key=raw_asset_key(source.name),
        metadata={
            "files": MetadataValue.int(len(report.files)),
            "rows_read": MetadataValue.int(report.rows_read),
            "rows_loaded": MetadataValue.int(report.rows_loaded),
            "rows_quarantined": MetadataValue.int(report.rows_quarantined),
            # read = loaded + quarantined + replaced: valid rows whose key a later row repeats (a newer extract).
            "rows_replaced": MetadataValue.int(report.rows_superseded),
            "quarantined_by_reason": MetadataValue.json(report.quarantined_by_reason),
            "ignored_sheets": MetadataValue.json(report.ignored_sheets),
            "keys_conflicting": MetadataValue.int(report.keys_conflicting),
            "near_miss_headers": MetadataValue.json(report.near_miss_headers),
            "absent_columns": MetadataValue.json(report.absent_columns),
        },
    )
    if source.snapshots:
        yield MaterializeResult(
            asset_key=raw_asset_key(source.snapshots_table),
            metadata={"snapshot_dates": MetadataValue.json(report.snapshot_dates)},
        )


def build_ingest_asset(source: Source) -> AssetsDefinition:
    @multi_asset(name=f"raw__{source.name}", specs=_specs(source))  # the step name an @asset raw/<source> has
    def ingest(warehouse: KpiWarehouse) -> Iterator[MaterializeResult]:
        con = warehouse.connect_work()
        try:
            report = ingest_source(con, source, warehouse.landing, loaded_at=datetime.now().replace(microsecond=0),
                                   allow_outside_links=warehouse.allow_outside_links,
                                   encoding=warehouse.encodings.get(source.name), timezone=warehouse.timezone)  # fmt: skip
            fault_point("ingest", warehouse.fault_at)
        except ExtractError as error:
            raise Failure(description=str(error), allow_retries=False) from None
        finally:
            con.close()
        yield from _results(source, report)

    return ingest


def build_ingest_assets() -> list[AssetsDefinition]:
    return [build_ingest_asset(source) for source in load_contract().values()]
