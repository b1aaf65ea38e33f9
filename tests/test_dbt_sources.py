"""models/staging/_sources.yml is the contract rendered, and the raw layout follows the conventions."""

from __future__ import annotations

import duckdb
import yaml

from dagster_kpi.contract import load_contract
from dagster_kpi.dbt_sources import SOURCES_YML, raw_table_ddl, render_sources_yml


def test_committed_sources_yml_is_the_rendered_contract() -> None:
    assert SOURCES_YML.read_text(encoding="utf-8") == render_sources_yml()


def test_sources_cover_every_contract_column_with_type() -> None:
    doc = yaml.safe_load(render_sources_yml())
    (raw,) = doc["sources"]
    assert raw["schema"] == "raw"
    tables = {t["name"]: t for t in raw["tables"]}
    assert list(tables) == list(load_contract())
    calls = {c["name"]: c for c in tables["calls"]["columns"]}
    assert list(calls)[:3] == ["call_id", "direction", "queue"]
    assert list(calls)[-3:] == ["_source_file", "_source_row", "_loaded_at"]
    assert calls["talk_seconds"]["data_type"] == "bigint"
    assert calls["talk_seconds"]["description"] == "int, nullable. Min 0. Headers: 通话时长, 通话秒数."
    # Raw tables are validated by the Great Expectations raw suites, not by dbt source tests.
    assert not any("data_tests" in column for table in tables.values() for column in table["columns"])
    assert "A missing `is_valid` means true." in tables["calls"]["description"]
    assert tables["exams"]["description"].endswith("Key: exam_id, agent_id.")


def test_raw_table_ddl_builds_the_raw_layout() -> None:
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute(raw_table_ddl(load_contract()["plans"]))
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'raw' and table_name = 'plans' order by ordinal_position"
    ).fetchall()
    assert columns == [
        ("period_month", "DATE"),
        ("plan_code", "VARCHAR"),
        ("planned", "DOUBLE"),
        ("actual", "DOUBLE"),
        ("_source_file", "VARCHAR"),
        ("_source_row", "BIGINT"),
        ("_loaded_at", "TIMESTAMP"),
    ]
