"""Raw drift: a new load of `raw.<source>` against the previous accepted load of the same source.

Ingestion's quarantine enforces the contract row by row; what it cannot see is a load that is
valid row by row but unlike the one before: far fewer rows (a partial extract), a column that
had values and now has none (a renamed header, a system that stopped filling it), a category that
no longer occurs (a changed code list). The `raw_<source>` suite checks exactly these, with the
previous load's profile as its parameters. The new load's profile is recorded when the suite
passes, or when the drift is accepted for one run (`kpi run --accept-drift`); the first load of a
source has nothing to compare with, passes and is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from dagster_kpi.contract import Source
from dagster_kpi.paths import EXPECTATIONS_DIR
from dagster_kpi.settings import DuckDBConfig
from dagster_kpi.validation.docs import RunDocs
from dagster_kpi.validation.profile import RawProfile, previous_profile, record_profile, suite_parameters
from dagster_kpi.validation.result import FailedExpectation
from dagster_kpi.validation.suites import raw_suite_name
from dagster_kpi.validation.validate import validate_table

ACCEPT_HOW = "if the change is expected, run once with kpi run --accept-drift"


@dataclass
class DriftResult:
    source: str
    passed: bool
    description: str  # one line
    changes: list[str] = field(default_factory=list)  # each change from the previous load, one line each
    recorded: RawProfile | None = None  # the profile recorded for the next load to be compared with
    docs_index: Path | None = None


def _quoted(values: list[str]) -> str:
    return ", ".join(repr(v) for v in values)


def describe_change(failed: FailedExpectation, previous: RawProfile) -> str:
    """One failed drift expectation as a sentence with its numbers."""
    column = failed.column or ""
    if failed.error is not None:
        reason = failed.error.strip().splitlines()[0][:300] if failed.error.strip() else "unknown error"
        return f"{failed.type}({column}) could not run: {reason}"
    if failed.type == "expect_table_row_count_to_be_between":
        return f"{failed.result.get('observed_value', 0):,} rows, fewer than half of the previous load's {previous.rows:,}"
    if failed.type == "expect_column_proportion_of_non_null_values_to_be_between":
        return f"{column} is NULL in every row; the previous load had {previous.non_null.get(column, 0):,} non-NULL values"
    if failed.type == "expect_column_distinct_values_to_contain_set":
        missing = sorted(failed.result.get("partial_missing_list") or [])
        count = failed.result.get("missing_count", len(missing))
        verb = "no longer occurs" if count == 1 else "no longer occur"
        return (
            f"{column} {_quoted(missing)} {verb} ({count} of the previous load's {len(previous.values.get(column, ())):,} values)"
        )
    return f"{failed.type}({column}) failed: observed {failed.result.get('observed_value')!r}"


def _first_and_count(changes: list[str]) -> str:
    more = len(changes) - 1
    return changes[0] + (f" (and {more} more change{'s' if more > 1 else ''})" if more else "")


def check_raw_drift(
    db_path: Path,
    source: Source,
    *,
    duckdb_config: DuckDBConfig | None = None,
    docs: RunDocs | None = None,
    accept: bool = False,
    directory: Path = EXPECTATIONS_DIR,
) -> DriftResult:
    """Validate `raw.<source>` with its suite against the previous accepted load; record it when it passes or `accept`."""
    config: DuckDBConfig = dict(duckdb_config or {})
    with duckdb.connect(str(db_path), config=config) as con:
        previous = previous_profile(con, source.name)
    validation = validate_table(
        db_path,
        f"raw.{source.name}",
        raw_suite_name(source.name),
        directory=directory,
        docs=docs,
        duckdb_config=config,
        parameters=suite_parameters(source, previous),
    )
    changes = [describe_change(failed, previous or RawProfile(rows=0)) for failed in validation.failed]
    if changes and not accept:
        description = f"{source.name}: {_first_and_count(changes)}; {ACCEPT_HOW}"
        return DriftResult(source.name, False, description, changes, docs_index=validation.docs_index)
    with duckdb.connect(str(db_path), config=config) as con:
        recorded = record_profile(con, source)
    if changes:
        description = (
            f"{source.name}: drift accepted (--accept-drift): {_first_and_count(changes)}; this load is now the reference"
        )
    elif previous is None:
        description = f"{source.name}: first load, {recorded.rows:,} rows; recorded as the reference for the next load"
    else:
        description = f"{source.name}: {recorded.rows:,} rows, no drift from the previous load ({previous.rows:,} rows)"
    return DriftResult(source.name, True, description, changes, recorded=recorded, docs_index=validation.docs_index)
