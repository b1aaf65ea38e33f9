"""Great Expectations gates: the suites under `expectations/`, the runner and each run's Data Docs, the raw drift
check, and what the publishing gate validates (`scope`: the periods changed since the last publish).
(`dbt_failures.first_failure_row`: the failing rows a dbt test stored, as one line.)"""

from dagster_kpi.validation.docs import RunDocs
from dagster_kpi.validation.drift import DriftResult, check_raw_drift
from dagster_kpi.validation.result import ValidationResult
from dagster_kpi.validation.suites import raw_suite, write_raw_suites
from dagster_kpi.validation.validate import validate_table

__all__ = [
    "DriftResult",
    "RunDocs",
    "ValidationResult",
    "check_raw_drift",
    "raw_suite",
    "validate_table",
    "write_raw_suites",
]
