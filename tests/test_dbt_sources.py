"""models/staging/_sources.yml is the contract rendered, and the raw layout follows the conventions."""

from __future__ import annotations

import duckdb
import pytest
import yaml

from dagster_kpi.contract import load_contract, parse_contract
from dagster_kpi.dbt_sources import (
    RENDERED,
    SOURCES_YML,
    raw_table_ddl,
    render_centre_only_model,
    render_defaults_macro,
    render_event_months_model,
    render_sources_yml,
)


@pytest.mark.parametrize("path", list(RENDERED), ids=lambda path: path.name)
def test_committed_files_are_the_rendered_contract(path) -> None:
    assert path.read_text(encoding="utf-8") == RENDERED[path](), "regenerate: python -m dagster_kpi.dbt_sources"
    assert SOURCES_YML in RENDERED


SMALL_CONTRACT = """
sources:
  orders:
    key: [order_id]
    event_months: {columns: [placed_at, paid_at], where: not is_void}
    columns:
      order_id: {type: string, nullable: false}
      placed_at: {type: timestamp}
      paid_at: {type: date}
      is_gift: {type: bool, default: false}
      channel: {type: string, default: "it's web"}
  stock:
    key: [sku]
    event_months: {columns: [counted_on]}
    columns:
      sku: {type: string}
      counted_on: {type: date}
      units: {type: int, default: 0}
"""


def test_defaults_macro_carries_each_default_as_sql() -> None:
    text = render_defaults_macro(parse_contract(SMALL_CONTRACT))
    assert "'orders': {'is_gift': 'false', 'channel': \"'it''s web'\"}," in text
    assert "'stock': {'units': '0'}" in text
    assert "coalesce({{ column }}, {{ defaults[source_name][column] }})" in text


def test_event_months_union_every_listed_column_with_its_filter() -> None:
    text = render_event_months_model(parse_contract(SMALL_CONTRACT))
    assert text.count("union all") == 2
    assert "    select cast(placed_at as date) as event_date\n    from {{ ref('stg_orders') }}\n    where not is_void\n" in text
    assert "    select cast(counted_on as date) as event_date\n    from {{ ref('stg_stock') }}\n)" in text


def test_centre_only_model_unions_the_sources_attributed_to_agents() -> None:
    contract = SMALL_CONTRACT.replace(
        "    event_months: {columns: [placed_at, paid_at], where: not is_void}\n",
        "    event_months: {columns: [placed_at, paid_at], where: not is_void}\n"
        "    agent_attribution: {month: placed_at, where: not is_void}\n",
    ).replace("      placed_at: {type: timestamp}\n", "      placed_at: {type: timestamp}\n      agent_id: {type: string}\n")
    text = render_centre_only_model(parse_contract(contract))
    assert "union all" not in text  # stock has no agent_attribution
    assert (
        "    select\n        'orders' as source_name,\n"
        "        cast({{ dbt.date_trunc('month', 'placed_at') }} as date) as month_start,\n"
        "        agent_id\n    from {{ ref('stg_orders') }}\n    where not is_void\n)"
    ) in text
    assert text.endswith("{{ centre_only_records('attributed', sample_size=5) }}\n")


def test_sources_cover_every_contract_column_with_type() -> None:
    doc = yaml.safe_load(render_sources_yml())
    (raw,) = doc["sources"]
    assert raw["schema"] == "raw"
    tables = {t["name"]: t for t in raw["tables"]}
    # Every source, a snapshot source followed by its table of every snapshot.
    names = list(load_contract())
    assert list(tables) == [*names[: names.index("agents") + 1], "agents_snapshots", *names[names.index("agents") + 1 :]]
    snapshots = [c["name"] for c in tables["agents_snapshots"]["columns"]]
    assert snapshots == [c["name"] for c in tables["agents"]["columns"]] + ["_snapshot_date"]
    assert tables["agents_snapshots"]["description"].endswith("Key: agent_id, _snapshot_date.")
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
    con.execute(raw_table_ddl(load_contract()["agents"], snapshots=True))
    [(last,)] = con.execute(
        "select column_name from information_schema.columns where table_schema = 'raw' "
        "and table_name = 'agents_snapshots' order by ordinal_position desc limit 1"
    ).fetchall()
    assert last == "_snapshot_date"
