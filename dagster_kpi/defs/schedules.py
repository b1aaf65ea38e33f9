"""The refresh job and its schedules: a daily refresh of the current month, a monthly close of the previous one.

Assessment follows the service centres' practice: the previous month is assessed on the 1st and
published by the 5th. Both schedules run the whole asset graph for the partition of the month they
refresh (also the run tag `kpi/month`, `YYYY-MM`); the close also carries `kpi/close=true`. Times are local to
`KPI_TIMEZONE` (default Asia/Shanghai), the zone of the source systems' wall-clock timestamps.
"""

# No `from __future__ import annotations`: Dagster reads the context parameter's annotation at runtime.

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dagster import AssetSelection, RunRequest, ScheduleEvaluationContext, define_asset_job, schedule

from dagster_kpi.defs.partitions import month_key

TIMEZONE_ENV = "KPI_TIMEZONE"
DEFAULT_TIMEZONE = "Asia/Shanghai"
MONTH_TAG = "kpi/month"
CLOSE_TAG = "kpi/close"

DAILY_CRON = "0 6 * * *"
# Two hours after the daily refresh: the last day's extracts have landed and that run has finished.
CLOSE_CRON = "0 8 1 * *"


def kpi_timezone() -> str:
    """The IANA zone of `KPI_TIMEZONE`; ValueError naming the variable when it is unknown."""
    name = os.environ.get(TIMEZONE_ENV, "").strip() or DEFAULT_TIMEZONE
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{TIMEZONE_ENV}={name!r} is not a known time zone (e.g. {DEFAULT_TIMEZONE})") from None
    return name


def month_to_refresh(scheduled_at: date, close: bool) -> str:
    """`YYYY-MM` a run scheduled at this local date refreshes: its own month, or the previous one for a close."""
    year, month = scheduled_at.year, scheduled_at.month
    if close:
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return f"{year:04d}-{month:02d}"


def _local(moment: datetime, timezone: str) -> datetime:
    """Aware times are converted to the schedule's zone; naive ones already are local wall-clock time."""
    return moment.astimezone(ZoneInfo(timezone)) if moment.tzinfo else moment


TIMEZONE = kpi_timezone()

refresh_job = define_asset_job(
    "kpi_refresh",
    selection=AssetSelection.all(),
    description="Ingests every source, builds and validates the KPIs, and publishes the marts.",
)


def refresh_request(context: ScheduleEvaluationContext, close: bool) -> RunRequest:
    scheduled_at = _local(context.scheduled_execution_time, TIMEZONE)
    month = month_to_refresh(scheduled_at, close)
    # One run per close month, one per daily tick: a re-evaluated tick never starts a second run.
    run_key = f"close-{month}" if close else f"daily-{scheduled_at:%Y-%m-%d}"
    return RunRequest(run_key=run_key, partition_key=month_key(month), tags={MONTH_TAG: month, CLOSE_TAG: str(close).lower()})


@schedule(
    cron_schedule=DAILY_CRON,
    job=refresh_job,
    execution_timezone=TIMEZONE,
    name="daily_refresh",
    description=f"Every day at 06:00 ({TIMEZONE}): refreshes the current month.",
)
def daily_refresh(context: ScheduleEvaluationContext) -> RunRequest:
    return refresh_request(context, close=False)


@schedule(
    cron_schedule=CLOSE_CRON,
    job=refresh_job,
    execution_timezone=TIMEZONE,
    name="monthly_close",
    description=f"On the 1st at 08:00 ({TIMEZONE}): finalises the previous month "
    f"(tags {MONTH_TAG}=<previous month>, {CLOSE_TAG}=true).",
)
def monthly_close(context: ScheduleEvaluationContext) -> RunRequest:
    return refresh_request(context, close=True)


jobs = [refresh_job]
schedules = [daily_refresh, monthly_close]
