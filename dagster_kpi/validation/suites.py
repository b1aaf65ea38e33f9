"""Expectation suites as reviewable JSON files in GX's suite format.

`raw_<source>.json` is derived from the source contract by `raw_suite` and committed;
`write_raw_suites` regenerates it. Other suites are written by hand.

A raw suite checks what ingestion cannot see, one load against the previous accepted load of
the same source (ingestion's quarantine already enforces the contract row by row: required
columns, value sets, ranges, keys). Its suite parameters are that load's profile
(`dagster_kpi.validation.profile`):

- `previous_rows`: its row count; the new load must have at least half of it;
- `non_null_floor_<column>`: 0 when it had a non-NULL value in the nullable `column`, so the new
  load's share of non-NULL values must be above 0; NULL (no floor) when it had none;
- `previous_values_<column>`: the values it had in the enumerated `column`; every one must still occur.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dagster_kpi.contract import Column, Source, load_contract
from dagster_kpi.paths import EXPECTATIONS_DIR

RAW_PREFIX = "raw_"
RAW_NOTES = (
    "Generated from the source contract (source_extracts.yml) by `python -m dagster_kpi.validation`; do not edit. "
    "Compares a load of the raw table with the previous accepted load of the same source, whose profile fills "
    "the suite parameters (the first load has none and passes)."
)
PREVIOUS_ROWS = "previous_rows"


def raw_suite_name(source: str) -> str:
    return f"{RAW_PREFIX}{source}"


def non_null_floor(column: str) -> str:
    """The suite parameter: 0 when the previous load had a non-NULL `column`, else None."""
    return f"non_null_floor_{column}"


def previous_values(column: str) -> str:
    """The suite parameter: the values of the enumerated `column` in the previous load."""
    return f"previous_values_{column}"


def _expectation(type_: str, description: str, **kwargs: Any) -> dict[str, Any]:
    return {"type": type_, "kwargs": kwargs, "notes": description}


def _column_expectations(col: Column) -> list[dict[str, Any]]:
    found = []
    if col.nullable:
        found.append(
            _expectation(
                "expect_column_proportion_of_non_null_values_to_be_between",
                f"{col.name} is not entirely NULL when the previous load had a value in it",
                column=col.name,
                min_value={"$PARAMETER": non_null_floor(col.name)},
                max_value=1,
                strict_min=True,
            )
        )
    if col.values:
        found.append(
            _expectation(
                "expect_column_distinct_values_to_contain_set",
                f"every {col.name} value of the previous load still occurs",
                column=col.name,
                value_set={"$PARAMETER": previous_values(col.name)},
            )
        )
    return found


def raw_suite(source: Source) -> dict[str, Any]:
    """The `raw_<source>` suite: rows, non-NULL columns and categories against the previous load."""
    rows = _expectation(
        "expect_table_row_count_to_be_between",
        "at least half as many rows as the previous load",
        min_value={"$PARAMETER": f"{PREVIOUS_ROWS} / 2"},
    )
    columns = [e for col in source.columns for e in _column_expectations(col)]
    return {"name": raw_suite_name(source.name), "notes": RAW_NOTES, "expectations": [rows, *columns]}


def suite_text(suite: dict[str, Any]) -> str:
    return json.dumps(suite, indent=2, ensure_ascii=False) + "\n"


def write_raw_suites(directory: Path = EXPECTATIONS_DIR) -> list[Path]:
    """(Re)write `raw_<source>.json` for every source of the contract, delete those of other sources; the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for source in load_contract().values():
        suite = raw_suite(source)
        path = directory / f"{suite['name']}.json"
        path.write_text(suite_text(suite), encoding="utf-8")
        written.append(path)
    for stale in set(directory.glob(f"{RAW_PREFIX}*.json")) - set(written):
        stale.unlink()
    return written


def read_suite(suite_name: str, directory: Path = EXPECTATIONS_DIR) -> dict[str, Any]:
    """The suite document `<directory>/<suite_name>.json`."""
    path = directory / f"{suite_name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"expectation suite {suite_name!r} not found: {path} does not exist")
    doc = json.loads(path.read_text(encoding="utf-8"))
    if doc.get("name") != suite_name:
        raise ValueError(f"{path}: suite name {doc.get('name')!r} does not match the file name")
    if not isinstance(doc.get("expectations"), list):
        raise ValueError(f"{path}: the suite has no 'expectations' list")
    return doc
