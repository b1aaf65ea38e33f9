"""The Dagster asset graph: one rule names everything, checks sit on their assets, publish waits for all marts."""

from __future__ import annotations

import os

import pytest
from dagster import AssetKey

from dagster_kpi.contract import load_contract
from dagster_kpi.dbt_project import prepare_manifest
from tests.conftest import FIRST_MONTH


@pytest.fixture(scope="module")
def graph():
    prepare_manifest()
    from dagster_kpi.definitions import defs

    return defs.resolve_asset_graph()


def test_every_source_is_an_ingest_asset_with_a_blocking_suite(graph):
    for source in load_contract():
        node = graph.get(AssetKey(["raw", source]))
        assert node.group_name == "ingest"
        checks = {key.name: graph.get_check_spec(key) for key in graph.get_check_keys_for_assets({node.key})}
        assert checks[f"raw_{source}_suite"].blocking


def test_staging_reads_the_ingest_assets(graph):
    for source in load_contract():
        assert graph.get(AssetKey(["staging", f"stg_{source}"])).parent_keys == {AssetKey(["raw", source])}


def test_group_and_key_prefix_are_the_dbt_folder(graph):
    dbt_keys = [key for key in graph.get_all_asset_keys() if key.path[0] not in ("raw", "published")]
    assert dbt_keys
    for key in dbt_keys:
        assert graph.get(key).group_name == key.path[0]
    groups = {graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert {"ingest", "staging", "intermediate", "metrics", "marts", "seeds", "publish"} <= groups


def test_publish_waits_for_every_mart_and_the_marts_are_validated(graph):
    marts = {key for key in graph.get_all_asset_keys() if key.path[0] == "marts"}
    assert {AssetKey(["marts", "kpi_values"]), AssetKey(["marts", "kpi_catalog"])} <= marts
    assert graph.get(AssetKey(["published", "marts"])).parent_keys == marts
    checks = {key.name for key in graph.get_check_keys_for_assets({AssetKey(["marts", "kpi_values"])})}
    assert "kpi_values_suite" in checks
    assert any(name.startswith("unique_combination") for name in checks), "dbt tests appear as asset checks"


def test_dbt_arguments_of_a_partition_run():
    from datetime import datetime

    from dagster import TimeWindow
    from dagster._core.definitions.backfill_policy import BackfillPolicyType

    from dagster_kpi.defs.dbt import dbt_build_args, dbt_models

    march = TimeWindow(datetime(2026, 3, 1), datetime(2026, 4, 1))
    assert dbt_build_args(march, covers_every_partition=False) == [
        "build",
        "--exclude",
        "resource_type:unit_test",
        "--vars",
        '{"refresh_from": "2026-03-01", "refresh_to": "2026-03-01"}',
    ]
    first_quarter = TimeWindow(datetime(2026, 1, 1), datetime(2026, 4, 1))
    assert dbt_build_args(first_quarter, covers_every_partition=False)[-1] == (
        '{"refresh_from": "2026-01-01", "refresh_to": "2026-03-01"}'
    )
    assert dbt_build_args(first_quarter, covers_every_partition=True) == ["build", "--exclude", "resource_type:unit_test"]
    assert dbt_models.backfill_policy.policy_type == BackfillPolicyType.SINGLE_RUN
    assert dbt_models.partitions_def.get_first_partition_key() == f"{FIRST_MONTH}-01"


def test_run_tags_name_one_month_or_every_month():
    from dagster_kpi.defs.partitions import run_partition_tags

    assert run_partition_tags("2026-03") == {"dagster/partition": "2026-03-01"}
    full = run_partition_tags()
    assert full["dagster/asset_partition_range_start"] == f"{FIRST_MONTH}-01"
    with pytest.raises(ValueError, match="month must be YYYY-MM, got '2026-3x'"):
        run_partition_tags("2026-3x")
    with pytest.raises(ValueError, match="outside the partitions"):
        run_partition_tags("2025-12")


def test_only_the_latest_dbt_invocations_are_kept(tmp_path):
    from dagster_kpi.defs.dbt import KEPT_DBT_INVOCATIONS, prune_dbt_invocations

    (tmp_path / "manifest.json").write_text("{}")
    (tmp_path / "other-run").mkdir()
    for age, name in enumerate(["dbt_models-c", "dbt_models-b", "dbt_models-a"]):
        folder = tmp_path / name
        (folder / "compiled").mkdir(parents=True)
        os.utime(folder, ns=(10**18 - age * 10**9, 10**18 - age * 10**9))
    prune_dbt_invocations(tmp_path, prefix="dbt_models-")
    assert KEPT_DBT_INVOCATIONS == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dbt_models-b", "dbt_models-c", "manifest.json", "other-run"]
