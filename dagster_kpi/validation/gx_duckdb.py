"""Great Expectations' SQL path on a DuckDB file: every metric is a query run by DuckDB.

GX 1.24 has no DuckDB engine of its own; through duckdb-engine it needs two adjustments:

- GX reads a query's rows after it has returned the connection to the pool, and the
  pool's rollback discards DuckDB's pending result. Registering DuckDB among GX's
  persisted-connection dialects makes GX keep one connection (a StaticPool) per run.
- Column reflection (SQLAlchemy's PostgreSQL dialect, which duckdb-engine inherits)
  queries catalog tables DuckDB lacks, and GX's fallback query drops the schema. So the
  asset names the bare table and every connection takes the table's schema as default.

The persisted connection holds the file until its engine is disposed: `duckdb_batches`
disposes both engines GX creates, so the file is free again when it returns.

A batch is the whole table, or its rows in the periods that changed since the last publish
(`dagster_kpi.validation.scope`): a query asset selecting them from the table, so that the
suites' queries read `{batch}` and the schema's other tables (the KPI catalogue) the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import great_expectations as gx
import sqlalchemy as sa
from great_expectations.data_context import EphemeralDataContext
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.datasource.fluent import TestConnectionError
from great_expectations.datasource.fluent.interfaces import Batch
from great_expectations.execution_engine import sqlalchemy_execution_engine
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

from dagster_kpi.settings import DuckDBConfig
from dagster_kpi.sql import ident

SCOPED_ASSET_SUFFIX = "__changed_periods"  # the query asset of a table's rows in the changed periods


class _DialectName(str):
    """A dialect name that GX accepts beside its own enum members (it reads `.value`)."""

    @property
    def value(self) -> str:
        return str(self)


def _keep_duckdb_connection() -> None:
    dialects = sqlalchemy_execution_engine._PERSISTED_CONNECTION_DIALECTS
    if "duckdb" not in dialects:
        # GX types the tuple as its own dialects only; it reads nothing but `.value` of each.
        sqlalchemy_execution_engine._PERSISTED_CONNECTION_DIALECTS = (*dialects, _DialectName("duckdb"))  # type: ignore[assignment]


def _quiet_context() -> EphemeralDataContext:
    """An in-memory context: nothing written to disk, no analytics, no progress bars."""
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def build_suite(doc: dict[str, Any]) -> gx.ExpectationSuite:
    """A GX suite from its JSON document; an invalid expectation raises (GX would drop it)."""
    expectations = []
    for number, spec in enumerate(doc["expectations"], start=1):
        try:
            expectations.append(ExpectationConfiguration(**spec).to_domain_obj())
        except Exception as exc:
            reason = " ".join(str(exc).split())
            raise ValueError(f"suite {doc['name']}: expectation {number} ({spec.get('type')}) is invalid: {reason}") from exc
    return gx.ExpectationSuite(name=doc["name"], expectations=expectations, notes=doc.get("notes"))


def _default_schema(schema: str) -> Callable[[Any, Any, Any], None]:
    statement = "SET schema = '{}'".format(schema.replace("'", "''"))

    def on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        dbapi_connection.cursor().execute(statement)

    return on_checkout


@contextmanager
def duckdb_batches(
    db_path: Path, schema: str, table: str, duckdb_config: DuckDBConfig | None = None
) -> Iterator[Callable[[str | None], Batch]]:
    """GX batches of `schema.table`, on one connection with `duckdb_config`; the file is released on exit.

    Yields `batch(where)`: the whole table when `where` is None, else its rows where the SQL condition `where` holds
    (a query asset, `SELECT * FROM <table> WHERE <where>`, read in the table's schema like the table itself).
    """
    if not db_path.is_file():
        raise FileNotFoundError(f"DuckDB file not found: {db_path}")
    _keep_duckdb_connection()
    url = sa.URL.create("duckdb", database=str(db_path.resolve()))
    # Named after the schema, so a batch reads `raw-calls` or `marts-kpi_values` in Data Docs.
    source = _quiet_context().data_sources.add_sql(  # type: ignore[call-arg]  # `kwargs` is missing from GX's stub only
        schema,
        connection_string=url.render_as_string(hide_password=False),
        kwargs={"connect_args": {"config": dict(duckdb_config or {})}},
    )
    engines = (source.get_engine(), source.get_execution_engine().engine)
    try:
        for engine in engines:
            sa.event.listen(engine, "checkout", _default_schema(schema))
        try:
            whole = source.add_table_asset(table, table_name=table)
        except TestConnectionError as exc:
            raise LookupError(f"{db_path.name}: cannot read table {schema}.{table}") from exc

        def batch(where: str | None) -> Batch:
            if where is None:
                return whole.add_batch_definition_whole_table("whole table").get_batch()
            query = f"SELECT * FROM {ident(table)} WHERE {where}"
            rows = source.add_query_asset(f"{table}{SCOPED_ASSET_SUFFIX}", query=query)
            return rows.add_batch_definition_whole_table("changed periods").get_batch()

        yield batch
    finally:
        for engine in engines:
            engine.dispose()
