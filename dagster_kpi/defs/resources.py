"""The one resource every asset shares: where the landing folder and the warehouse are."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
from dagster import ConfigurableResource

from dagster_kpi.duckdb_settings import duckdb_config
from dagster_kpi.paths import WarehousePaths, landing_dir, warehouse_file


class KpiWarehouse(ConfigurableResource):
    """Landing folder of source extracts, and the published warehouse FILE (work files live beside it)."""

    # Unset: $KPI_LANDING_DIR / $KPI_WAREHOUSE at run time, else data/landing / data/warehouse.duckdb.
    landing_dir: str | None = None
    warehouse: str | None = None

    @property
    def paths(self) -> WarehousePaths:
        return WarehousePaths(warehouse_file(self.warehouse))

    @property
    def landing(self) -> Path:
        return landing_dir(self.landing_dir)

    def connect_work(self, wait_seconds: float = 60.0) -> duckdb.DuckDBPyConnection:
        """A read-write connection to the work database; close it before the step ends.

        Waits while another process holds the file, e.g. a dbt child of a killed run finishing.
        """
        self.paths.ensure()
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                return duckdb.connect(str(self.paths.work_db), config=duckdb_config())
            except duckdb.IOException as error:
                if "lock" not in str(error).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
