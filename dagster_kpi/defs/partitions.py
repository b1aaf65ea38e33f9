"""Monthly partitions: the grain the metric models refresh by."""

from __future__ import annotations

from datetime import date

from dagster import MonthlyPartitionsDefinition
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
    PARTITION_NAME_TAG,
)


def monthly_partitions(first_month: str) -> MonthlyPartitionsDefinition:
    """Every month from `first_month` (YYYY-MM) to the current one (end_offset=1: the daily refresh works on it)."""
    return MonthlyPartitionsDefinition(start_date=f"{first_month}-01", end_offset=1)


def month_key(month: str) -> str:
    """`YYYY-MM` -> the key of that month's partition, `YYYY-MM-01`."""
    try:
        return date.fromisoformat(f"{month}-01").isoformat()
    except ValueError:
        raise ValueError(f"month must be YYYY-MM, got {month!r}") from None


def month_partition_key(partitions: MonthlyPartitionsDefinition, month: str) -> str:
    """The key of an existing partition for `YYYY-MM`; a one-line error otherwise."""
    key = month_key(month)
    if not partitions.has_partition_key(key):
        first = partitions.get_first_partition_key()
        raise ValueError(f"month {month} is outside the partitions ({(first or '')[:7]} to the current month)")
    return key


def run_partition_tags(partitions: MonthlyPartitionsDefinition, month: str | None = None) -> dict[str, str]:
    """Run tags for one month's partition, or (no month) for the range of every partition: a full run."""
    if month is not None:
        return {PARTITION_NAME_TAG: month_partition_key(partitions, month)}
    keys = partitions.get_partition_keys()
    return {ASSET_PARTITION_RANGE_START_TAG: keys[0], ASSET_PARTITION_RANGE_END_TAG: keys[-1]}
