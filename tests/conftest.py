"""Settings shared by every test, in this process and in the `kpi` processes tests start."""

from __future__ import annotations

import os

# The generated test data starts in 2026-01; partitions from then keep each run's Dagster bookkeeping
# (one materialization per asset and month) small. Set before the definitions are imported.
FIRST_MONTH = "2026-01"
os.environ["KPI_FIRST_MONTH"] = FIRST_MONTH
