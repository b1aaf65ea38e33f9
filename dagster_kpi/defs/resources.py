"""The one resource every asset shares: the product's settings, as Dagster resource configuration."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

import duckdb
from dagster import ConfigurableResource

from dagster_kpi.paths import WarehousePaths
from dagster_kpi.settings import DEFAULT_LANDING, DEFAULT_WAREHOUSE, DuckDBConfig, Settings, contract_freshness_hours


class KpiWarehouse(ConfigurableResource):
    """Landing folder of source extracts, the published warehouse FILE (work files live beside it), and
    every other setting of a run (see `dagster_kpi.settings.Settings`, whose fields these are)."""

    landing_dir: str = DEFAULT_LANDING
    warehouse: str = DEFAULT_WAREHOUSE
    first_month: str | None = Settings.first_month
    timezone: str = Settings.timezone
    memory_limit: str = Settings.memory_limit
    max_quarantine_share: float = Settings.max_quarantine_share
    freshness_hours: dict[str, float] = {}  # per event source; the contract's default where absent
    sensor_interval_seconds: int = Settings.sensor_interval_seconds
    sensor_settle_seconds: int = Settings.sensor_settle_seconds
    data_docs_keep: int = Settings.data_docs_keep
    run_logs_keep: int = Settings.run_logs_keep
    dbt_vars: dict[str, Any] = {}
    ignored_folders: list[str] = []
    allow_outside_links: bool = False
    encodings: dict[str, str] = {}  # per source, the encoding of its CSV files that are not UTF-8
    accept_raw_drift: bool = False
    engine: str = Settings.engine
    fault_at: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> KpiWarehouse:
        values: dict[str, Any] = {f.name: getattr(settings, f.name) for f in fields(Settings)}
        values = {name: dict(v) if isinstance(v, Mapping) else list(v) if isinstance(v, tuple) else v
                  for name, v in values.items()}  # fmt: skip
        return cls(landing_dir=str(values.pop("landing")), warehouse=str(values.pop("warehouse")), **values)

    @property
    def settings(self) -> Settings:
        values: dict[str, Any] = {
            f.name: getattr(self, f.name) for f in fields(Settings) if f.name not in ("landing", "warehouse")
        }
        values["freshness_hours"] = contract_freshness_hours() | self.freshness_hours
        values["ignored_folders"] = tuple(self.ignored_folders)
        return Settings(landing=self.landing, warehouse=self.paths.warehouse, **values)

    @property
    def paths(self) -> WarehousePaths:
        return WarehousePaths(Path(self.warehouse).resolve())

    @property
    def landing(self) -> Path:
        return Path(self.landing_dir).resolve()

    @property
    def duckdb_config(self) -> DuckDBConfig:
        """The `config` of every read-write DuckDB connection a run opens."""
        return {"memory_limit": self.memory_limit}

    def max_age_hours(self, source: str) -> float:
        """The max age of `source`'s newest event: the setting, else the contract's default."""
        return self.freshness_hours.get(source) or contract_freshness_hours()[source]

    def connect_work(self, wait_seconds: float = 60.0) -> duckdb.DuckDBPyConnection:
        """A read-write connection to the work database; close it before the step ends.

        Waits while another process holds the file, e.g. a dbt child of a killed run finishing.
        """
        self.paths.ensure()
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                return duckdb.connect(str(self.paths.work_db), config=self.duckdb_config)
            except duckdb.IOException as error:
                if "lock" not in str(error).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
