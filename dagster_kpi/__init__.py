"""dagster-kpi: a customer-service KPI warehouse."""

import warnings

# Great Expectations imports pyspark whenever it is installed (the `spark` extra), and pyspark warns about the
# pandas release on import; nothing here hands pandas data to Spark.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
