"""The refresh job and its schedules: a daily refresh of the current month, a monthly close of the previous one.

Assessment follows the service centres' practice: the previous month is assessed on the 1st and
published by the 5th. Both schedules run the whole asset graph for the partition of the month they
refresh (also the run tag `kpi/month`, `YYYY-MM`); the close also carries `kpi/close=true`. Times are local to
the setting `timezone` (default Asia/Shanghai), the zone of the source systems' wall-clock timestamps.
"""

# No `from __future__ import annotations`: Dagster reads the context parameter's annotation at runtime.

from datetime import date, datetime
from zoneinfo import ZoneInfo

from dagster import (
    AssetSelection,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    define_asset_job,
    schedule,
)
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from dagster_kpi.defs.partitions import month_key

MONTH_TAG = "kpi/month"
CLOSE_TAG = "kpi/close"

DAILY_CRON = "0 6 * * *"
# Two hours after the daily refresh: the last day's extracts have landed and that run has finished.
CLOSE_CRON = "0 8 1 * *"


def month_to_refresh(scheduled_at: date, close: bool) -> str:
    """`YYYY-MM` a run scheduled at this local date refreshes: its own month, or the previous one for a close."""
    year, month = scheduled_at.year, scheduled_at.month
    if close:
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return f"{year:04d}-{month:02d}"


def _local(moment: datetime, timezone: str) -> datetime:
    """Aware times are converted to the schedule's zone; naive ones already are local wall-clock time."""
    return moment.astimezone(ZoneInfo(timezone)) if moment.tzinfo else moment


def build_refresh_job() -> UnresolvedAssetJobDefinition:
    return define_asset_job(
        "kpi_refresh",
        selection=AssetSelection.all(),
        description="Ingests every source, builds and validates the KPIs, and publishes the marts.",
    )


def refresh_request(context: ScheduleEvaluationContext, timezone: str, close: bool) -> RunRequest:
    scheduled_at = _local(context.scheduled_execution_time, timezone)
    month = month_to_refresh(scheduled_at, close)
    # One run per close month, one per daily tick: a re-evaluated tick never starts a second run.
    run_key = f"close-{month}" if close else f"daily-{scheduled_at:%Y-%m-%d}"
    return RunRequest(run_key=run_key, partition_key=month_key(month), tags={MONTH_TAG: month, CLOSE_TAG: str(close).lower()})


def build_schedules(job: UnresolvedAssetJobDefinition, timezone: str) -> list[ScheduleDefinition]:
    """The daily refresh and the monthly close of `job`, at local times in `timezone`."""

    @schedule(cron_schedule=DAILY_CRON, job=job, execution_timezone=timezone, name="daily_refresh",
              description=f"Every day at 06:00 ({timezone}): refreshes the current month.")  # fmt: skip
    def daily_refresh(context: ScheduleEvaluationContext) -> RunRequest:
        return refresh_request(context, timezone, close=False)

    @schedule(cron_schedule=CLOSE_CRON, job=job, execution_timezone=timezone, name="monthly_close",
              description=f"On the 1st at 08:00 ({timezone}): finalises the previous month "
                          f"(tags {MONTH_TAG}=<previous month>, {CLOSE_TAG}=true).")  # fmt: skip
    def monthly_close(context: ScheduleEvaluationContext) -> RunRequest:
        return refresh_request(context, timezone, close=True)

    return [daily_refresh, monthly_close]
