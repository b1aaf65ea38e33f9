"""Dagster definitions, one module per concern: ingest, dbt, validation, publish."""
