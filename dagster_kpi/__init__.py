"""dagster-kpi: a customer-service KPI warehouse."""

import sys

# Great Expectations imports pyspark whenever it is installed (the `spark` extra), which costs a second per process,
# warns about the pandas release, and, in a process started with `python -c` (pytest's workers), exits it, taking the
# missing Spark Connect modules for a doctest run. No process of this package uses pyspark: on the Spark engine dbt
# runs the Spark session in a process of its own. So, here, pyspark reads as not installed.
sys.modules.setdefault("pyspark", None)  # type: ignore[arg-type]
