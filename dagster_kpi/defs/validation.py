"""Blocking asset checks: a failing one stops everything downstream, publish included.

- Great Expectations suites on raw tables and marts; each run keeps the suites' Data Docs
  under `<work_dir>/data_docs/<run_id>/index.html`.
- Reconciliations of `marts.kpi_values` with a straight recount from the staging views.
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

from dagster_kpi.contract import load_contract
from dagster_kpi.defs.ingest import raw_asset_key
from dagster_kpi.defs.resources import KpiWarehouse
from dagster_kpi.faults import fault_point
from dagster_kpi.paths import EXPECTATIONS_DIR
from dagster_kpi.validation import RunDocs, keep_runs_setting, validate_table
from dagster_kpi.validation.reconcile import RECONCILIATIONS, Reconciliation, reconcile

MAX_LISTED_FAILURES = 20
KPI_VALUES_KEY = AssetKey(["marts", "kpi_values"])


def build_suite_check(asset_key: AssetKey, table: str, suite: str) -> AssetChecksDefinition:
    @asset_check(
        asset=asset_key,
        name=f"{suite}_suite",
        blocking=True,
        description=f"Great Expectations suite `expectations/{suite}.json` on `{table}`.",
    )
    def suite_check(context: AssetCheckExecutionContext, warehouse: KpiWarehouse) -> AssetCheckResult:
        docs = RunDocs(warehouse.paths.data_docs_dir, context.run.run_id, keep_runs=keep_runs_setting())
        result = validate_table(warehouse.paths.work_db, table, suite, docs=docs)
        fault_point("validation")
        return AssetCheckResult(
            passed=result.success,
            severity=AssetCheckSeverity.ERROR,
            description=result.failures[0] if result.failures else f"{suite}: all expectations met",
            metadata={
                "suite": suite,
                "failures": MetadataValue.json(result.failures[:MAX_LISTED_FAILURES]),
                "failure_count": MetadataValue.int(len(result.failures)),
                "data_docs": MetadataValue.path(str(result.docs_index)),
            },
        )

    return suite_check


def build_reconciliation_check(rec: Reconciliation) -> AssetChecksDefinition:
    @asset_check(
        asset=KPI_VALUES_KEY,
        name=f"reconcile_{rec.kpi_code}",
        blocking=True,
        description=f"Centre-level monthly `{rec.kpi_code}` ({', '.join(rec.columns)}) equals a "
        "straight recount from the staging views.",
    )
    def reconciliation_check(warehouse: KpiWarehouse) -> AssetCheckResult:
        con = warehouse.connect_work()
        try:
            result = reconcile(con, rec)
        finally:
            con.close()
        return AssetCheckResult(
            passed=result.passed,
            severity=AssetCheckSeverity.ERROR,
            description=result.description,
            metadata={
                "months_compared": MetadataValue.int(result.months),
                "mismatches": MetadataValue.json(result.mismatches[:MAX_LISTED_FAILURES]),
                "mismatch_count": MetadataValue.int(len(result.mismatches)),
            },
        )

    return reconciliation_check


RAW_SUITE_PREFIX = "raw_"

raw_checks = [build_suite_check(raw_asset_key(name), f"raw.{name}", f"{RAW_SUITE_PREFIX}{name}") for name in load_contract()]
# Every other suite file is named after the mart it validates: expectations/<mart>.json -> marts.<mart>.
mart_checks = [
    build_suite_check(AssetKey(["marts", path.stem]), f"marts.{path.stem}", path.stem)
    for path in sorted(EXPECTATIONS_DIR.glob("*.json"))
    if not path.stem.startswith(RAW_SUITE_PREFIX)
]
reconciliation_checks = [build_reconciliation_check(rec) for rec in RECONCILIATIONS]
