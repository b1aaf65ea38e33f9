"""The dbt files rendered from the source contract, committed and checked against it by tests.

- `models/staging/_sources.yml`: the raw tables, their columns and types;
- `dbt_project/macros/contract_defaults.sql`: `contract_default(source, column)`, the value staging gives
  a missing one (the contract's column `default`);
- `dbt_project/macros/contract_values.sql`: `contract_values(source, column)`, the values an enumerated column
  allows (the contract's column `values`), e.g. the categories a mart lists with zeros;
- `models/intermediate/int_event_months.sql`: the months in which records are placed (the contract's
  `event_months`);
- `models/intermediate/int_centre_only_records.sql`: per source and month, the records that reach the
  centre only (the contract's `agent_attribution`).

The contract is the single description of the sources; regenerate with `python -m dagster_kpi.dbt_sources`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from dagster_kpi.contract import LINEAGE_COLUMNS, SNAPSHOT_COLUMN, Column, Source, load_contract
from dagster_kpi.paths import DBT_PROJECT_DIR, PROJECT_ROOT

SOURCES_YML = PROJECT_ROOT / "models" / "staging" / "_sources.yml"
DEFAULTS_MACRO = DBT_PROJECT_DIR / "macros" / "contract_defaults.sql"
VALUES_MACRO = DBT_PROJECT_DIR / "macros" / "contract_values.sql"
EVENT_MONTHS_MODEL = PROJECT_ROOT / "models" / "intermediate" / "int_event_months.sql"
CENTRE_ONLY_MODEL = PROJECT_ROOT / "models" / "intermediate" / "int_centre_only_records.sql"
UNKNOWN_AGENT_SAMPLE = 5  # agent ids not on the roster listed per source and month
RAW_SCHEMA = "raw"

HEADER = (
    "# Rendered from dagster_kpi/source_extracts.yml by dagster_kpi.dbt_sources; do not edit.\n"
    "# Regenerate: python -m dagster_kpi.dbt_sources\n"
)

LINEAGE_DESCRIPTIONS: dict[str, str] = {
    "_source_file": "Lineage: the file's path inside the source's landing folder (e.g. 2026-10/calls.csv).",
    "_source_row": "Lineage: 1-based data row of that file (the header is not counted).",
    "_loaded_at": "Lineage: when the run loaded the row.",
    SNAPSHOT_COLUMN: "The day the row's snapshot stands for: the date in its file's name, else the file's modification date.",
}


def _column_description(col: Column) -> str:
    parts = [f"{col.type}, {'nullable' if col.nullable else 'required'}."]
    if col.values:
        parts.append(f"Values: {', '.join(col.values)}.")
    if col.value_aliases:
        parts.append("Value aliases: " + ", ".join(f"{k}={v}" for k, v in col.value_aliases.items()) + ".")
    if col.min is not None:
        parts.append(f"Min {col.min:g}.")
    if col.max is not None:
        parts.append(f"Max {col.max:g}.")
    if col.default is not None:
        parts.append(f"Missing means {_sql_literal(col.default)} (staging).")
    if col.aliases:
        parts.append(f"Headers: {', '.join(col.aliases)}.")
    if col.pii:
        parts.append("PII.")
    return " ".join(parts)


def _column(col: Column) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": col.name,
        "description": _column_description(col),
        "data_type": col.duckdb_type.lower(),
    }
    return entry


def _lineage_column(name: str, duckdb_type: str) -> dict[str, Any]:
    return {
        "name": name,
        "description": LINEAGE_DESCRIPTIONS[name],
        "data_type": duckdb_type.lower(),
    }


def _table(source: Source) -> dict[str, Any]:
    description = source.description
    if source.notes:
        description = f"{description}\n{source.notes}"
    description += f"\nKey: {', '.join(source.key)}."
    return {
        "name": source.name,
        "description": description,
        "columns": [_column(c) for c in source.columns] + [_lineage_column(n, t) for n, t in LINEAGE_COLUMNS.items()],
    }


def _snapshots_table(source: Source) -> dict[str, Any]:
    description = (
        f"Every snapshot of {source.name} (each file is one), valid rows with the snapshot's date; the latest "
        f"row per key is raw.{source.name}.\nKey: {', '.join(source.key)}, {SNAPSHOT_COLUMN}."
    )
    table = _table(source)
    return {
        "name": source.snapshots_table,
        "description": description,
        "columns": [*table["columns"], _lineage_column(SNAPSHOT_COLUMN, "DATE")],
    }


def _tables(source: Source) -> list[dict[str, Any]]:
    return [_table(source), _snapshots_table(source)] if source.snapshots else [_table(source)]


def sources_document(contract: dict[str, Source] | None = None) -> dict[str, Any]:
    """The dbt `sources:` document for every contract source, in contract order."""
    sources = contract if contract is not None else load_contract()
    return {
        "version": 2,
        "sources": [
            {
                "name": RAW_SCHEMA,
                "schema": RAW_SCHEMA,
                "description": "Landing extracts as ingested: contract columns typed, extra file columns "
                "as varchar, then lineage columns. NULLs kept as they arrived.",
                "tables": [table for s in sources.values() for table in _tables(s)],
            }
        ],
    }


def render_sources_yml(contract: dict[str, Source] | None = None) -> str:
    """The text of `models/staging/_sources.yml`."""
    body = yaml.safe_dump(sources_document(contract), allow_unicode=True, sort_keys=False, width=100, default_flow_style=False)
    return HEADER + body


def raw_table_ddl(source: Source, snapshots: bool = False) -> str:
    """`CREATE TABLE raw.<source>` with the raw layout: contract columns, then lineage columns; `snapshots`:
    `raw.<source>_snapshots`, with the snapshot date last."""
    columns = [f"{c.name} {c.duckdb_type}" for c in source.columns]
    columns += [f"{name} {duckdb_type}" for name, duckdb_type in LINEAGE_COLUMNS.items()]
    if snapshots:
        columns.append(f"{SNAPSHOT_COLUMN} DATE")
    return f"create table {RAW_SCHEMA}.{source.snapshots_table if snapshots else source.name} ({', '.join(columns)})"


def _sql_literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def render_defaults_macro(contract: dict[str, Source] | None = None) -> str:
    """The text of `dbt_project/macros/contract_defaults.sql`."""
    sources = contract if contract is not None else load_contract()
    defaults = {
        name: {col.name: _sql_literal(col.default) for col in source.columns if col.default is not None}
        for name, source in sources.items()
    }
    entries = ",\n".join(
        f"        '{name}': {{{', '.join(f'{col!r}: {value!r}' for col, value in columns.items())}}}"
        for name, columns in defaults.items()
        if columns
    )
    return (
        "{# Rendered from dagster_kpi/source_extracts.yml by dagster_kpi.dbt_sources; do not edit.\n"
        "   Regenerate: python -m dagster_kpi.dbt_sources #}\n\n"
        "{# `column` of the source with the contract's default in place of a missing value. #}\n"
        "{% macro contract_default(source_name, column) -%}\n"
        "    {%- set defaults = {\n"
        f"{entries}\n"
        "    } -%}\n"
        "    {%- if column not in defaults.get(source_name, {}) -%}\n"
        "        {{ exceptions.raise_compiler_error('the contract gives ' ~ source_name ~ '.' ~ column ~ ' no default') }}\n"
        "    {%- endif -%}\n"
        "    coalesce({{ column }}, {{ defaults[source_name][column] }})\n"
        "{%- endmacro %}\n"
    )


def render_values_macro(contract: dict[str, Source] | None = None) -> str:
    """The text of `dbt_project/macros/contract_values.sql`."""
    sources = contract if contract is not None else load_contract()
    entries = ",\n".join(
        f"        '{name}': {{{', '.join(f'{col.name!r}: {list(col.values)!r}' for col in columns)}}}"
        for name, source in sources.items()
        if (columns := [col for col in source.columns if col.values])
    )
    return (
        "{# Rendered from dagster_kpi/source_extracts.yml by dagster_kpi.dbt_sources; do not edit.\n"
        "   Regenerate: python -m dagster_kpi.dbt_sources #}\n\n"
        "{# The values the contract allows in the enumerated `column` of the source, in the contract's order. #}\n"
        "{% macro contract_values(source_name, column) -%}\n"
        "    {%- set values = {\n"
        f"{entries}\n"
        "    } -%}\n"
        "    {%- if column not in values.get(source_name, {}) -%}\n"
        "        {{ exceptions.raise_compiler_error('the contract lists no values of ' ~ source_name ~ '.' ~ column) }}\n"
        "    {%- endif -%}\n"
        "    {{ return(values[source_name][column]) }}\n"
        "{%- endmacro %}\n"
    )


# Months placed by a derived time rather than a source column: (model, column, the sources it derives from). An SLA
# event counts in the month of its target (int_sla_events.target_at), which may lie after every source timestamp: such
# a month joins the spine only once a source has a record in it (or later), so the period range never runs past the
# data's last month; its events are published when that month's data arrives.
DERIVED_EVENT_MONTHS = [("int_sla_events", "target_at", ("tickets", "complaints"))]


def render_event_months_model(contract: dict[str, Source] | None = None) -> str:
    """The text of `models/intermediate/int_event_months.sql`."""
    sources = contract if contract is not None else load_contract()
    selects = []
    for name, source in sources.items():
        if source.event_months is None:
            continue
        where = f"\n    where {source.event_months.where}" if source.event_months.where else ""
        for column in source.event_months.columns:
            selects.append(f"    select cast({column} as date) as event_date\n    from {{{{ ref('stg_{name}') }}}}{where}")
    derived = [
        f"    select cast({column} as date) as event_date\n    from {{{{ ref('{model}') }}}}"
        for model, column, derived_from in DERIVED_EVENT_MONTHS
        if any(name in sources for name in derived_from)
    ]
    union = "\n    union all\n".join(selects)
    header = (
        "-- Rendered from dagster_kpi/source_extracts.yml (each source's `event_months`) by\n"
        "-- dagster_kpi.dbt_sources; do not edit. Regenerate: python -m dagster_kpi.dbt_sources\n"
        "-- Every month in which a record is placed by the timestamp its KPIs use.\n"
    )
    month = "select distinct cast({{ dbt.date_trunc('month', 'event_date') }} as date) as event_month\n"
    if not derived:
        return f"{header}with event_dates as (\n{union}\n)\n\n{month}from event_dates\nwhere event_date is not null\n"
    return (
        f"{header}"
        "-- A derived month (an SLA target's) counts up to the last month of the sources' records.\n"
        f"with source_dates as (\n{union}\n),\n\n"
        "derived_dates as (\n" + "\n    union all\n".join(derived) + "\n),\n\n"
        "data_end as (\n"
        "    select cast({{ dbt.dateadd('month', 1, dbt.date_trunc('month', 'max(event_date)')) }} as date) as next_month\n"
        "    from source_dates\n"
        "),\n\n"
        "event_dates as (\n"
        "    select event_date\n"
        "    from source_dates\n"
        "    union all\n"
        "    select derived_dates.event_date\n"
        "    from derived_dates\n"
        "    inner join data_end\n"
        "        on data_end.next_month > derived_dates.event_date\n"
        ")\n\n"
        f"{month}from event_dates\nwhere event_date is not null\n"
    )


def render_centre_only_model(contract: dict[str, Source] | None = None) -> str:
    """The text of `models/intermediate/int_centre_only_records.sql`."""
    sources = contract if contract is not None else load_contract()
    selects = []
    for name, source in sources.items():
        if (attribution := source.agent_attribution) is None:
            continue
        where = f"\n    where {attribution.where}" if attribution.where else ""
        selects.append(
            f"    select\n        '{name}' as source_name,\n"
            f"        cast({{{{ dbt.date_trunc('month', '{attribution.month}') }}}} as date) as month_start,\n"
            f"        agent_id\n    from {{{{ ref('stg_{name}') }}}}{where}"
        )
    union = "\n    union all\n".join(selects)
    return (
        "-- Rendered from dagster_kpi/source_extracts.yml (each source's `agent_attribution`) by\n"
        "-- dagster_kpi.dbt_sources; do not edit. Regenerate: python -m dagster_kpi.dbt_sources\n"
        "-- Per source and month, the records that reach the team and agent levels through their\n"
        "-- agent_id, and those of them that reach the centre only (macros/centre_only_records.sql).\n"
        f"with attributed as (\n{union}\n)\n\n"
        f"{{{{ centre_only_records('attributed', sample_size={UNKNOWN_AGENT_SAMPLE}) }}}}\n"
    )


RENDERED: dict[Path, Callable[[], str]] = {
    SOURCES_YML: render_sources_yml,
    DEFAULTS_MACRO: render_defaults_macro,
    VALUES_MACRO: render_values_macro,
    EVENT_MONTHS_MODEL: render_event_months_model,
    CENTRE_ONLY_MODEL: render_centre_only_model,
}


def write_rendered_files() -> list[Path]:
    for path, render in RENDERED.items():
        path.write_text(render(), encoding="utf-8")
    return list(RENDERED)


if __name__ == "__main__":
    for written in write_rendered_files():
        print(written)
