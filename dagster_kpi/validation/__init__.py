"""Great Expectations gates: the suites under `expectations/`, the runner and each run's Data Docs."""

from dagster_kpi.validation.docs import RunDocs, keep_runs_setting
from dagster_kpi.validation.result import ValidationResult
from dagster_kpi.validation.suites import raw_suite, write_raw_suites
from dagster_kpi.validation.validate import validate_table

__all__ = ["RunDocs", "ValidationResult", "keep_runs_setting", "raw_suite", "validate_table", "write_raw_suites"]
