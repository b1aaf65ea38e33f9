"""`python -m dagster_kpi.validation`: regenerate the raw suites from the contract."""

from dagster_kpi.paths import EXPECTATIONS_DIR
from dagster_kpi.validation.suites import write_raw_suites

write_raw_suites(EXPECTATIONS_DIR)
print(f"raw suites written to {EXPECTATIONS_DIR}")
