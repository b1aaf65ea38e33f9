"""Expectation suites as reviewable JSON files in GX's suite format.

`raw_<source>.json` is derived from the source contract by `raw_suite` and
committed; `write_raw_suites` regenerates it. Other suites are written by hand.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dagster_kpi.contract import LINEAGE_COLUMNS, Column, Source, load_contract
from dagster_kpi.paths import EXPECTATIONS_DIR

RAW_NOTES = (
    "Derived from the source contract (source_extracts.yml); "
    "regenerate with `python -m dagster_kpi.validation` instead of editing."
)


def _expectation(type_: str, **kwargs: Any) -> dict[str, Any]:
    return {"type": type_, "kwargs": kwargs}


def _column_expectations(col: Column) -> list[dict[str, Any]]:
    found = []
    if not col.nullable:
        found.append(_expectation("expect_column_values_to_not_be_null", column=col.name))
    if col.values:
        found.append(_expectation("expect_column_values_to_be_in_set", column=col.name, value_set=list(col.values)))
    bounds = {k: v for k, v in (("min_value", col.min), ("max_value", col.max)) if v is not None}
    if bounds:
        found.append(_expectation("expect_column_values_to_be_between", column=col.name, **bounds))
    return found


def raw_suite(source: Source) -> dict[str, Any]:
    """The `raw_<source>` suite: key unique, required columns present, values in set and range."""
    if len(source.key) == 1:
        key = _expectation("expect_column_values_to_be_unique", column=source.key[0])
    else:
        key = _expectation("expect_compound_columns_to_be_unique", column_list=list(source.key))
    lineage = [_expectation("expect_column_values_to_not_be_null", column=name) for name in LINEAGE_COLUMNS]
    columns = [e for col in source.columns for e in _column_expectations(col)]
    return {"name": f"raw_{source.name}", "notes": RAW_NOTES, "expectations": [key, *columns, *lineage]}


def suite_text(suite: dict[str, Any]) -> str:
    return json.dumps(suite, indent=2, ensure_ascii=False) + "\n"


def write_raw_suites(directory: Path = EXPECTATIONS_DIR) -> None:
    """(Re)write `raw_<source>.json` for every source of the contract."""
    directory.mkdir(parents=True, exist_ok=True)
    for source in load_contract().values():
        suite = raw_suite(source)
        (directory / f"{suite['name']}.json").write_text(suite_text(suite), encoding="utf-8")


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
