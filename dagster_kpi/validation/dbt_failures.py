"""The rows a failing dbt test stored, for a one-line failure reason.

dbt reports a failing test as `Got 1 result, configured to fail if != 0`; the tests that store
their failures (`store_failures=true`, schema `audit`, e.g. the reconciliations under
`dbt_project/tests/reconcile/`) leave the failing rows in `audit.<test name>` of the work database,
replaced by each run of the test. The Dagster check of a dbt test has the test's name.
"""

from __future__ import annotations

import duckdb

from dagster_kpi.sql import ident, lit

AUDIT_SCHEMA = "audit"  # dbt_project/tests/**: config(store_failures=true, schema='audit')
MESSAGE_COLUMN = "mismatch"  # a test's readable description of a failing row, when it has one


def first_failure_row(con: duckdb.DuckDBPyConnection, test_name: str) -> str | None:
    """The first failing row dbt stored for `test_name`, as one line; None when it stored none.

    The row's `mismatch` text when the test has that column, else `column value, ...`; rows are
    taken in the order of that text (of all columns otherwise). More rows add ` (and N more)`.
    """
    columns = [
        name
        for (name,) in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
            [AUDIT_SCHEMA, test_name],
        ).fetchall()
    ]
    if not columns:
        return None
    table = f"{ident(AUDIT_SCHEMA)}.{ident(test_name)}"
    if MESSAGE_COLUMN in columns:
        line = f"CAST({ident(MESSAGE_COLUMN)} AS VARCHAR)"
    else:
        line = " || ', ' || ".join(f"{lit(name + ' ')} || coalesce(CAST({ident(name)} AS VARCHAR), 'NULL')" for name in columns)
    first = con.execute(f"SELECT {line} AS line, count(*) OVER () AS n FROM {table} ORDER BY line LIMIT 1").fetchone()
    if first is None:
        return None
    text, rows = first
    text = " ".join(str(text).split())
    return text + (f" (and {rows - 1} more)" if rows > 1 else "")
