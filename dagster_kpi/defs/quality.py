"""The quarantine gate: a blocking check per raw source that fails when too many of its rows were rejected.

Share = quarantined rows / (loaded rows + quarantined rows) of the latest load (each load replaces
`raw.<source>` and `quarantine.<source>`). Older versions of a key, superseded by a re-extract, are
not counted. The threshold is the setting `max_quarantine_share` (`KPI_MAX_QUARANTINE_SHARE`, default
0.01); a share above it blocks.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
from dagster import AssetCheckResult, AssetChecksDefinition, AssetCheckSeverity, MetadataValue, asset_check

from dagster_kpi.contract import Source, load_contract
from dagster_kpi.defs.ingest import raw_asset_key
from dagster_kpi.defs.resources import KpiWarehouse
from dagster_kpi.settings import SCALARS, Settings
from dagster_kpi.sql import ident

THRESHOLD_ENV = SCALARS["max_quarantine_share"][0]
DEFAULT_THRESHOLD = Settings.max_quarantine_share
TOP_REASONS = 3


@dataclass(frozen=True)
class QuarantineShare:
    source: str
    rows: int  # loaded + quarantined
    quarantined: int
    reasons: tuple[tuple[str, int], ...]  # (reason, rows), most frequent first

    @property
    def share(self) -> float:
        return self.quarantined / self.rows if self.rows else 0.0


def quarantine_share(con: duckdb.DuckDBPyConnection, source: str) -> QuarantineShare:
    """Counts of the latest load of `source` (both tables must exist)."""
    name = ident(source)
    [(loaded,)] = con.execute(f"SELECT count(*) FROM raw.{name}").fetchall()
    reasons = con.execute(
        f"SELECT _reason, count(*) AS n FROM quarantine.{name} GROUP BY _reason ORDER BY n DESC, _reason"
    ).fetchall()
    quarantined = sum(n for _, n in reasons)
    return QuarantineShare(source, loaded + quarantined, quarantined, tuple(reasons))


def _percent(share: float) -> str:
    return f"{share:.2%}"


def describe(result: QuarantineShare, threshold: float) -> str:
    """One line: source, share, threshold and the most frequent reasons."""
    line = (
        f"{result.source}: {result.quarantined:,} of {result.rows:,} rows quarantined "
        f"({_percent(result.share)}; threshold {_percent(threshold)}, {THRESHOLD_ENV})"
    )
    if result.reasons:
        top = ", ".join(f"{reason} {n:,}" for reason, n in result.reasons[:TOP_REASONS])
        line += f"; top reasons: {top}"
    return line


def evaluate(result: QuarantineShare, threshold: float) -> AssetCheckResult:
    return AssetCheckResult(
        passed=result.share <= threshold,
        severity=AssetCheckSeverity.ERROR,
        description=describe(result, threshold),
        metadata={
            "rows": MetadataValue.int(result.rows),
            "rows_quarantined": MetadataValue.int(result.quarantined),
            "share": MetadataValue.float(result.share),
            "threshold": MetadataValue.float(threshold),
            "quarantined_by_reason": MetadataValue.json(dict(result.reasons)),
        },
    )


def build_quarantine_check(source: Source) -> AssetChecksDefinition:
    @asset_check(asset=raw_asset_key(source.name), name="quarantine_share", blocking=True,
                 description=f"Share of `{source.name}` rows sent to `quarantine.{source.name}` is at most "
                 f"{THRESHOLD_ENV} (default {DEFAULT_THRESHOLD}).")  # fmt: skip
    def quarantine_check(warehouse: KpiWarehouse) -> AssetCheckResult:
        con = warehouse.connect_work()
        try:
            result = quarantine_share(con, source.name)
        finally:
            con.close()
        return evaluate(result, warehouse.max_quarantine_share)

    return quarantine_check


def build_quarantine_checks() -> list[AssetChecksDefinition]:
    return [build_quarantine_check(source) for source in load_contract().values()]
