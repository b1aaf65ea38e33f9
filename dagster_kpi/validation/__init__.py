"""Great Expectations gates: the suites under `expectations/` and the runner."""

from dagster_kpi.validation.result import ValidationResult
from dagster_kpi.validation.suites import raw_suite, write_raw_suites
from dagster_kpi.validation.validate import validate_table

__all__ = ["ValidationResult", "raw_suite", "validate_table", "write_raw_suites"]
