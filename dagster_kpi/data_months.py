"""Which month Dagster's monthly partitions start from when the settings do not say: the data's first month.

A run records, after ingestion, the earliest event month in raw (over every source's event time) in
`<work_dir>/first_data_month`; definitions built later (the next run, `kpi ui`) start their partitions
there. A warehouse that has never been loaded starts them FALLBACK_MONTHS before the current month; a full
run covers older data all the same (its dbt build is not filtered by month), and the next run's partitions
include it. The setting `first_month` overrides all of this.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import duckdb

from dagster_kpi.contract import load_contract
from dagster_kpi.paths import WarehousePaths
from dagster_kpi.settings import Settings, SettingsError, parse_month
from dagster_kpi.sql import ident

RECORD = "first_data_month"
FALLBACK_MONTHS = 12


def months_before(month: str, count: int) -> str:
    year, number = map(int, month.split("-"))
    index = year * 12 + number - 1 - count
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def first_month(settings: Settings, now: datetime | None = None) -> str:
    """The first partition month: the setting, else the recorded first month of the data, else a year back."""
    if settings.first_month:
        return settings.first_month
    try:
        recorded = (settings.paths.work_dir / RECORD).read_text(encoding="utf-8").strip()
        return parse_month(RECORD, recorded)
    except (OSError, SettingsError):
        pass
    current = (now or datetime.now(ZoneInfo(settings.timezone))).strftime("%Y-%m")
    return months_before(current, FALLBACK_MONTHS)


def record_first_month(paths: WarehousePaths) -> str | None:
    """Record the earliest event month in the work database's raw tables; returns it (None without data)."""
    if not paths.work_db.is_file():
        return None
    with duckdb.connect(str(paths.work_db), read_only=True) as con:
        present = {name for (name,) in con.execute("SELECT table_name FROM information_schema.tables "
                                                   "WHERE table_schema = 'raw'").fetchall()}  # fmt: skip
        firsts = [
            f"SELECT min({ident(source.event_time.column)})::DATE AS first FROM raw.{ident(name)}"
            for name, source in load_contract().items()
            if source.event_time and name in present
        ]
        if not firsts:
            return None
        (earliest,) = con.execute(f"SELECT min(first) FROM ({' UNION ALL '.join(firsts)})").fetchall()[0]
    if earliest is None:
        return None
    month = earliest.strftime("%Y-%m")
    (paths.work_dir / RECORD).write_text(month + "\n", encoding="utf-8")
    return month
