"""Blocking asset checks: a failing one stops everything downstream, publish included.

- `raw_<source>_suite` on each raw table: the load against the previous accepted load of the same
  source (row count, columns gone NULL, categories gone), a Great Expectations suite whose
  parameters are that load's profile (`dagster_kpi.validation.drift`). A source with no change
  recorded since the last publish still has the load accepted then: its check passes without running
  the suite, unless the publishing gate covers every month (nothing published yet, or the product or
  the dbt vars changed since).
- `<mart>_suite` on each mart with a suite `expectations/<mart>.json`: its business rules, on the
  rows of the periods that contain a month changed since the last publish (every month before the
  first publish), `dagster_kpi.validation.scope`; the publish asset clears the record once the marts
  are published.

Each run keeps the suites' Data Docs under `<work_dir>/data_docs/<run_id>/index.html`. The recounts
of `marts.kpi_values` from the staging views are dbt tests (`dbt_project/tests/reconcile/`).
"""

# No `from __future__ import annotations`: Dagster reads the context parameter's annotation at runtime.

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)

from dagster_kpi.contract import Source, load_contract
from dagster_kpi.defs.ingest import raw_asset_key
from dagster_kpi.defs.resources import KpiWarehouse
from dagster_kpi.faults import fault_point
from dagster_kpi.paths import EXPECTATIONS_DIR
from dagster_kpi.validation import RunDocs, check_raw_drift, validate_table
from dagster_kpi.validation.profile import previous_profile
from dagster_kpi.validation.scope import CHANGED_MONTHS, CHANGED_SOURCES, changed_sources, publish_scope
from dagster_kpi.validation.suites import RAW_PREFIX, raw_suite_name

MAX_LISTED_FAILURES = 20


def _run_docs(context: AssetCheckExecutionContext, warehouse: KpiWarehouse) -> RunDocs:
    return RunDocs(warehouse.paths.data_docs_dir, context.run.run_id, keep_runs=warehouse.data_docs_keep)


def build_raw_check(source: Source) -> AssetChecksDefinition:
    suite = raw_suite_name(source.name)

    @asset_check(
        asset=raw_asset_key(source.name),
        name=f"{suite}_suite",
        blocking=True,
        description=f"Great Expectations suite `expectations/{suite}.json` on `raw.{source.name}`: against the "
        "previous accepted load, at least half its rows, no column that had values now entirely NULL, every "
        "category still present. Accept a drift for one run with `kpi run --accept-drift`.",
    )
    def raw_check(context: AssetCheckExecutionContext, warehouse: KpiWarehouse) -> AssetCheckResult:
        con = warehouse.connect_work()
        try:
            every_month = publish_scope(con, warehouse.dbt_vars).every_month
            unchanged = not every_month and source.name not in changed_sources(con)
            accepted = previous_profile(con, source.name) if unchanged else None
        finally:
            con.close()
        if accepted is not None:  # the load the last publish accepted is still the one in raw: nothing to compare
            return AssetCheckResult(
                passed=True,
                severity=AssetCheckSeverity.ERROR,
                description=f"{source.name}: no change since the last publish; its accepted load "
                f"({accepted.rows:,} rows) stands, not validated again",
                metadata={
                    "suite": suite,
                    "validated": "nothing: no change since the last publish",
                    "changes": MetadataValue.json([]),
                    "change_count": MetadataValue.int(0),
                    "accepted_drift": MetadataValue.bool(False),
                    "recorded_rows": MetadataValue.int(accepted.rows),
                    "data_docs": MetadataValue.null(),
                },
            )
        result = check_raw_drift(
            warehouse.paths.work_db,
            source,
            duckdb_config=warehouse.duckdb_config,
            docs=_run_docs(context, warehouse),
            accept=warehouse.accept_raw_drift,
        )
        fault_point("validation", warehouse.fault_at)
        recorded = result.recorded
        return AssetCheckResult(
            passed=result.passed,
            severity=AssetCheckSeverity.ERROR,
            description=result.description,
            metadata={
                "suite": suite,
                "validated": "the whole table",
                "changes": MetadataValue.json(result.changes[:MAX_LISTED_FAILURES]),
                "change_count": MetadataValue.int(len(result.changes)),
                "accepted_drift": MetadataValue.bool(result.passed and bool(result.changes)),
                "recorded_rows": MetadataValue.int(recorded.rows) if recorded else MetadataValue.null(),
                "data_docs": MetadataValue.path(str(result.docs_index)),
            },
        )

    return raw_check


def build_suite_check(asset_key: AssetKey, table: str, suite: str) -> AssetChecksDefinition:
    @asset_check(
        asset=asset_key,
        name=f"{suite}_suite",
        blocking=True,
        description=f"Great Expectations suite `expectations/{suite}.json` on `{table}`: on the rows of the periods "
        "that contain a month changed since the last publish (every month until the first publish), rules that read "
        "across periods on the whole table.",
    )
    def suite_check(context: AssetCheckExecutionContext, warehouse: KpiWarehouse) -> AssetCheckResult:
        con = warehouse.connect_work()
        try:
            scope = publish_scope(con, warehouse.dbt_vars)
            sources = changed_sources(con)
        finally:
            con.close()
        result = validate_table(
            warehouse.paths.work_db,
            table,
            suite,
            docs=_run_docs(context, warehouse),
            duckdb_config=warehouse.duckdb_config,
            scope=scope,
        )
        fault_point("validation", warehouse.fault_at)
        if result.failures:
            description = f"{result.failures[0]}; validated {result.validated}"
        elif scope.nothing:
            description = f"{suite}: no change since the last publish; nothing to validate"
        else:
            description = f"{suite}: all expectations met; validated {result.validated}"
        return AssetCheckResult(
            passed=result.success,
            severity=AssetCheckSeverity.ERROR,
            description=description,
            metadata={
                "suite": suite,
                "validated": result.validated,
                CHANGED_MONTHS: scope.describe(),
                CHANGED_SOURCES: MetadataValue.json(sources),
                "failures": MetadataValue.json(result.failures[:MAX_LISTED_FAILURES]),
                "failure_count": MetadataValue.int(len(result.failures)),
                "data_docs": MetadataValue.path(str(result.docs_index)) if result.docs_index else MetadataValue.null(),
            },
        )

    return suite_check


def build_raw_checks() -> list[AssetChecksDefinition]:
    return [build_raw_check(source) for source in load_contract().values()]


def build_mart_checks() -> list[AssetChecksDefinition]:
    """Every suite file not generated for a raw source is named after the mart it validates: `<mart>.json` -> marts.<mart>."""
    return [
        build_suite_check(AssetKey(["marts", path.stem]), f"marts.{path.stem}", path.stem)
        for path in sorted(EXPECTATIONS_DIR.glob("*.json"))
        if not path.stem.startswith(RAW_PREFIX)
    ]


def build_validation_checks() -> list[AssetChecksDefinition]:
    return [*build_raw_checks(), *build_mart_checks()]
