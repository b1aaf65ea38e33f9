"""dbt sources (`models/staging/_sources.yml`) rendered from the source contract.

The contract is the single description of the raw tables; the committed YAML
is this rendering of it. Regenerate with `python -m dagster_kpi.dbt_sources`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from dagster_kpi.contract import LINEAGE_COLUMNS, Column, Source, load_contract
from dagster_kpi.paths import PROJECT_ROOT

SOURCES_YML = PROJECT_ROOT / "models" / "staging" / "_sources.yml"
RAW_SCHEMA = "raw"

HEADER = (
    "# Rendered from dagster_kpi/source_extracts.yml by dagster_kpi.dbt_sources; do not edit.\n"
    "# Regenerate: python -m dagster_kpi.dbt_sources\n"
)

LINEAGE_DESCRIPTIONS: dict[str, str] = {
    "_source_file": "Lineage: file name inside the source's landing folder.",
    "_source_row": "Lineage: 1-based data row of that file (the header is not counted).",
    "_loaded_at": "Lineage: when the run loaded the row.",
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
                "tables": [_table(s) for s in sources.values()],
            }
        ],
    }


def render_sources_yml(contract: dict[str, Source] | None = None) -> str:
    """The text of `models/staging/_sources.yml`."""
    body = yaml.safe_dump(sources_document(contract), allow_unicode=True, sort_keys=False, width=100, default_flow_style=False)
    return HEADER + body


def raw_table_ddl(source: Source) -> str:
    """`CREATE TABLE raw.<source>` with the raw layout: contract columns, then lineage columns."""
    columns = [f"{c.name} {c.duckdb_type}" for c in source.columns]
    columns += [f"{name} {duckdb_type}" for name, duckdb_type in LINEAGE_COLUMNS.items()]
    return f"create table {RAW_SCHEMA}.{source.name} ({', '.join(columns)})"


def write_sources_yml(path: Path = SOURCES_YML) -> Path:
    path.write_text(render_sources_yml(), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write_sources_yml())
