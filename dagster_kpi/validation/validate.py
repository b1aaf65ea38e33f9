"""Run an expectation suite against one table of a DuckDB file: the whole table, or the rows of the periods that
changed since the last publish (`dagster_kpi.validation.scope`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster_kpi.changes import Scope
from dagster_kpi.paths import EXPECTATIONS_DIR
from dagster_kpi.settings import DuckDBConfig
from dagster_kpi.validation.docs import RunDocs
from dagster_kpi.validation.result import ValidationResult, failed_expectations, failure_lines
from dagster_kpi.validation.scope import plan
from dagster_kpi.validation.suites import read_suite


def validate_table(
    db_path: Path,
    table: str,
    suite_name: str,
    directory: Path = EXPECTATIONS_DIR,
    docs: RunDocs | None = None,
    duckdb_config: DuckDBConfig | None = None,
    parameters: Mapping[str, Any] | None = None,
    scope: Scope | None = None,
) -> ValidationResult:
    """Validate `schema.table` in `db_path` with `<directory>/<suite_name>.json`.

    Expectations are computed inside DuckDB, on a connection with `duckdb_config` (e.g. its memory
    limit); no handle on the file remains afterwards. `parameters` are the values of the suite's
    `{"$PARAMETER": ...}` arguments. With `docs`, the result is also added to that run's Data Docs
    (from the same result).

    Without `scope`, or with every month, the suite runs on the whole table. With some months, the
    expectations that read a row or its period run on the rows of the periods containing those months
    and the others on the whole table; with no month, nothing runs (see `dagster_kpi.validation.scope`).
    `ValidationResult.validated` says which.
    """
    schema, _, name = table.partition(".")
    if not schema or not name or "." in name:
        raise ValueError(f"table must be given as 'schema.table', got {table!r}")
    doc = read_suite(suite_name, directory)
    steps = plan(doc, scope)
    result = ValidationResult(suite=suite_name, table=table, success=True, validated=steps.validated)
    if not steps.parts:
        return result
    # Great Expectations takes seconds to import: only validation runs pay for it.
    from dagster_kpi.validation.gx_duckdb import build_suite, duckdb_batches

    suites = [build_suite(part.suite) for part in steps.parts]
    outcomes = []
    with duckdb_batches(Path(db_path), schema, name, duckdb_config) as batch:
        for part, suite in zip(steps.parts, suites, strict=True):
            outcome = batch(part.where).validate(suite, result_format="SUMMARY", expectation_parameters=dict(parameters or {}))
            outcomes.append(outcome)
            result.success = result.success and bool(outcome.success)
            result.failures += failure_lines(suite_name, outcome)
            result.failed += failed_expectations(outcome)
    if docs is not None:
        from dagster_kpi.validation.docs_site import write_run_docs

        result.docs_index = write_run_docs(docs, suite_name, table, steps.validated, outcomes)
    return result
