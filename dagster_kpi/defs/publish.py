"""The publish asset: the marts reach readers only when every check on them passed for their latest build.

A check of severity warn (the formula-like-text dbt tests) must have run, but its failure does not block.

Once the marts are published, the changes recorded since the last publish are cleared (`dagster_kpi.changes`, stage
`publish`), so that the next run's checks validate only what changes next. They are cleared only if they are still
what the mart suite checks saw when they ran; a failed check or a failed publish never gets here, and leaves them.
"""

from collections.abc import Sequence

import duckdb
from dagster import (
    AssetCheckKey,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    DagsterInstance,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)
from dagster._core.storage.asset_check_execution_record import AssetCheckExecutionRecordStatus

from dagster_kpi.data_months import record_first_month
from dagster_kpi.defs.resources import KpiWarehouse
from dagster_kpi.publish import PublishError, publish_marts
from dagster_kpi.validation.scope import CHANGED_MONTHS, CHANGED_SOURCES, changed_sources, complete_publish, publish_scope

Changes = tuple[str | None, tuple[str, ...] | None]  # the months (Scope.describe()) and sources recorded


def unverified_checks(instance: DagsterInstance, checks: dict[AssetKey, list[AssetCheckKey]]) -> list[str]:
    """Checks whose latest result is missing, older than the asset's latest build, or a failure."""
    problems = []
    for asset_key, check_keys in checks.items():
        built = instance.get_latest_materialization_event(asset_key)
        if built is None:
            problems.append(f"{asset_key.to_user_string()} was never built")
            continue
        latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(check_keys)
        for check_key in check_keys:
            record = latest.get(check_key)
            name = f"{check_key.name} on {asset_key.to_user_string()}"
            if record is None or record.event is None or record.event.timestamp < built.timestamp:
                problems.append(f"{name} has not run since the last build")
            elif record.status == AssetCheckExecutionRecordStatus.FAILED:
                event = record.event.dagster_event
                evaluation = event.asset_check_evaluation_data if event else None
                if evaluation is None or evaluation.severity == AssetCheckSeverity.ERROR:
                    problems.append(f"{name} failed")
    return problems


def validated_changes(instance: DagsterInstance, checks: dict[AssetKey, list[AssetCheckKey]]) -> set[Changes]:
    """The changes each mart suite check (`<mart>_suite`) validated in its latest run, from its metadata."""
    seen: set[Changes] = set()
    for asset_key, check_keys in checks.items():
        suite_keys = [key for key in check_keys if key.name == f"{asset_key.path[-1]}_suite"]
        latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(suite_keys) if suite_keys else {}
        for key in suite_keys:
            record = latest.get(key)
            event = record.event.dagster_event if record is not None and record.event is not None else None
            evaluation = event.asset_check_evaluation_data if event is not None else None
            metadata = evaluation.metadata if evaluation is not None else {}
            months, sources = metadata.get(CHANGED_MONTHS), metadata.get(CHANGED_SOURCES)
            listed = sources.value if sources is not None and isinstance(sources.value, list) else None
            seen.add((None if months is None else str(months.value), None if listed is None else tuple(map(str, listed))))
    return seen


def complete_validated_changes(warehouse: KpiWarehouse, validated: set[Changes]) -> tuple[str, bool]:
    """Clear the changes recorded since the last publish if they are what the checks `validated`; what is
    recorded (`Scope.describe()`), and whether it was cleared."""
    con = warehouse.connect_work()
    try:
        recorded: Changes = (publish_scope(con, warehouse.dbt_vars).describe(), tuple(changed_sources(con)))
        if validated <= {recorded}:
            complete_publish(con, warehouse.dbt_vars)
            return str(recorded[0]), True
        return str(recorded[0]), False
    finally:
        con.close()


def build_publish_asset(
    mart_keys: Sequence[AssetKey], checked_by: Sequence[AssetsDefinition | AssetChecksDefinition]
) -> AssetsDefinition:
    """The publish asset of the marts `mart_keys`, gated on every check among `checked_by` that targets one."""
    checks: dict[AssetKey, list[AssetCheckKey]] = {key: [] for key in mart_keys}
    for definition in checked_by:
        for check_key in definition.check_keys:
            if check_key.asset_key in checks:
                checks[check_key.asset_key].append(check_key)

    @asset(
        key=["published", "marts"],
        group_name="publish",
        deps=mart_keys,
        kinds={"duckdb", "parquet"},
        description="Copies the validated marts into the warehouse FILE that readers open, and into Parquet "
        "serving files, each by one atomic rename; unchanged marts are left as they are. Refuses to publish "
        "unless every check on every mart ran after the mart's latest build and passed (a failed warning does "
        "not hold it back), however the run was started. Then clears the changes recorded since the last "
        "publish, which the checks validated: the next run validates what changes next.",
    )
    def published_marts(context: AssetExecutionContext, warehouse: KpiWarehouse) -> MaterializeResult:
        problems = unverified_checks(context.instance, checks)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise Failure(description=f"not validated: {problems[0]}{more}")
        paths = warehouse.paths
        try:
            report = publish_marts(paths, [key.path[-1] for key in mart_keys], duckdb_config=warehouse.duckdb_config,
                                   fault_at=warehouse.fault_at)  # fmt: skip
        except PublishError as error:
            raise Failure(description=str(error)) from None
        try:
            changes, cleared = complete_validated_changes(warehouse, validated_changes(context.instance, checks))
            if not cleared:
                context.log.warning(f"the changes recorded now ({changes}) are not those the checks validated: "
                                    "they are kept, and the next run validates them")  # fmt: skip
        except duckdb.Error as error:
            changes, cleared = "unknown", False
            context.log.warning(f"the validated changes were not cleared, the next run validates them again: {error}")
        try:  # the next definitions' partitions start at the data's first month
            record_first_month(paths)
        except (duckdb.Error, OSError) as error:
            context.log.warning(f"the data's first month was not recorded: {error}")
        return MaterializeResult(
            metadata={
                "warehouse": MetadataValue.path(str(paths.warehouse)),
                "serving": MetadataValue.path(str(paths.serving_dir / "current")),
                "changed": report.changed,
                "validated_changes": changes,  # the months changed since the previous publish
                "changes_cleared": cleared,
                "fingerprint": report.fingerprint,
                **{f"rows_{table}": MetadataValue.int(count) for table, count in report.rows.items()},
            }
        )

    return published_marts
