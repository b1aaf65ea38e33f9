"""A warning check: records that reach the centre only, per source and month.

Records without an agent_id, or with one not on the roster, count at the centre level only (the spec): they
never block publishing, but they should not pass silently. The counts are the dbt model
`intermediate.int_centre_only_records` (rendered from the contract's `agent_attribution`); this check words
them, fails as a warning when there are any, and carries the lines the `kpi run` summary prints.
"""

# No `from __future__ import annotations`: Dagster reads the resource parameter's annotation at runtime.

from collections.abc import Sequence

from dagster import AssetCheckResult, AssetChecksDefinition, AssetCheckSeverity, AssetKey, MetadataValue, asset_check

from dagster_kpi.defs.resources import KpiWarehouse
from dagster_kpi.validation.centre_only import (
    CENTRE_ONLY_CHECK,
    CENTRE_ONLY_MODEL,
    CentreOnly,
    centre_only_records,
    summary_lines,
)

MODEL_KEY = AssetKey(CENTRE_ONLY_MODEL.split("."))  # folder = schema = asset-key prefix


def evaluate(rows: Sequence[CentreOnly]) -> AssetCheckResult:
    lines = summary_lines(rows)
    description = (
        f"{len(rows):,} source-months have records that reach the centre only; the first: {lines[0]}"
        if rows
        else "every record with an agent reaches its team and agent"
    )
    return AssetCheckResult(
        passed=not rows,
        severity=AssetCheckSeverity.WARN,
        description=description,
        metadata={
            "lines": MetadataValue.json(lines),
            "source_months": MetadataValue.int(len(rows)),
            "centre_only_records": MetadataValue.int(sum(row.centre_only for row in rows)),
        },
    )


def build_centre_only_check() -> AssetChecksDefinition:
    @asset_check(asset=MODEL_KEY, name=CENTRE_ONLY_CHECK, blocking=False,
                 description="Records without an agent_id, or with one not on the roster, reach the centre only: "
                 "per source and month, their count and share and the agent ids not on the roster. A warning, "
                 "never blocking.")  # fmt: skip
    def centre_only_check(warehouse: KpiWarehouse) -> AssetCheckResult:
        con = warehouse.connect_work()
        try:
            return evaluate(centre_only_records(con))
        finally:
            con.close()

    return centre_only_check
