"""Great Expectations suites as blocking asset checks: a failing suite stops everything downstream, publish included."""

from __future__ import annotations

from dagster import AssetCheckResult, AssetCheckSeverity, AssetChecksDefinition, AssetKey, MetadataValue, asset_check

from dagster_kpi.contract import load_contract
from dagster_kpi.defs.ingest import raw_asset_key
from dagster_kpi.defs.resources import KpiWarehouse
from dagster_kpi.paths import EXPECTATIONS_DIR
from dagster_kpi.validation import validate_table

MAX_LISTED_FAILURES = 20


def build_suite_check(asset_key: AssetKey, table: str, suite: str) -> AssetChecksDefinition:
    @asset_check(asset=asset_key, name=f"{suite}_suite", blocking=True,
                 description=f"Great Expectations suite `expectations/{suite}.json` on `{table}`.")
    def suite_check(warehouse: KpiWarehouse) -> AssetCheckResult:
        result = validate_table(warehouse.paths.work_db, table, suite)
        return AssetCheckResult(
            passed=result.success,
            severity=AssetCheckSeverity.ERROR,
            description=result.failures[0] if result.failures else f"{suite}: all expectations met",
            metadata={
                "suite": suite,
                "failures": MetadataValue.json(result.failures[:MAX_LISTED_FAILURES]),
                "failure_count": MetadataValue.int(len(result.failures)),
            },
        )

    return suite_check


RAW_SUITE_PREFIX = "raw_"

raw_checks = [
    build_suite_check(raw_asset_key(name), f"raw.{name}", f"{RAW_SUITE_PREFIX}{name}") for name in load_contract()
]
# Every other suite file is named after the mart it validates: expectations/<mart>.json -> marts.<mart>.
mart_checks = [
    build_suite_check(AssetKey(["marts", path.stem]), f"marts.{path.stem}", path.stem)
    for path in sorted(EXPECTATIONS_DIR.glob("*.json"))
    if not path.stem.startswith(RAW_SUITE_PREFIX)
]
