"""The Dagster asset graph: one rule names everything, checks sit on their assets, publish waits for all marts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey

from dagster_kpi.contract import load_contract
from dagster_kpi.defs.build import build_definitions
from tests.conftest import FIRST_MONTH, make_settings


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory):
    return make_settings(tmp_path_factory.mktemp("definitions"))


@pytest.fixture(scope="module")
def defs(settings):
    return build_definitions(settings)


@pytest.fixture(scope="module")
def graph(defs):
    return defs.resolve_asset_graph()


def test_every_source_is_an_ingest_asset_with_a_blocking_suite(graph):
    for source in load_contract():
        node = graph.get(AssetKey(["raw", source]))
        assert node.group_name == "ingest"
        checks = {key.name: graph.get_check_spec(key) for key in graph.get_check_keys_for_assets({node.key})}
        assert checks[f"raw_{source}_suite"].blocking


def test_staging_reads_the_ingest_assets(graph):
    staged = [source for source in load_contract() if graph.has(AssetKey(["staging", f"stg_{source}"]))]
    assert len(staged) >= 12
    for source in staged:
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


def test_dbt_arguments_of_a_partition_run(defs, settings, tmp_path):
    from dagster import TimeWindow
    from dagster._core.definitions.backfill_policy import BackfillPolicyType

    from dagster_kpi import changes
    from dagster_kpi.defs.dbt import plan_build

    [dbt_models] = [a for a in defs.assets if getattr(a, "op", None) is not None and a.op.name == "dbt_models"]
    # The work database in the work folder, where dbt starts; the zone the run's start is read in.
    profile = {"kpi_memory_limit": "3GB", "kpi_work_db": "work.duckdb", "timezone": "Asia/Shanghai"}
    base = ["build", "--exclude", "resource_type:unit_test", "--vars"]
    march = TimeWindow(datetime(2026, 3, 1), datetime(2026, 4, 1))
    con = duckdb.connect(str(tmp_path / "work.duckdb"))
    one = plan_build(settings, con, march, covers_every_partition=False)
    assert one.args[:4] == base and json.loads(one.args[4]) == profile and len(one.args) == 5
    assert (one.months, one.completes, one.describe()) == ([date(2026, 3, 1)], None, "2026-03")
    first_quarter = TimeWindow(datetime(2026, 1, 1), datetime(2026, 4, 1))
    quarter = plan_build(settings, con, first_quarter, covers_every_partition=False)
    assert quarter.months == [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)] and quarter.args == one.args
    # Every partition: everything at first; then the months and sources the landing changes touched.
    full = plan_build(settings, con, first_quarter, covers_every_partition=True)
    assert full.args == one.args and full.months is None and full.completes
    changes.complete(con, "build", full.completes)
    changes.record(con, "calls", [date(2026, 2, 1), date(2026, 3, 1)])
    changes.record(con, "plans", [date(2026, 3, 1)])
    refresh = plan_build(settings, con, first_quarter, covers_every_partition=True)
    assert refresh.months == [date(2026, 2, 1), date(2026, 3, 1)] and refresh.completes == full.completes
    assert refresh.args[5:] == ["--select", "source:raw.calls+ source:raw.plans+ path:models/marts"]
    changes.record(con, "customers", None)
    assert plan_build(settings, con, first_quarter, covers_every_partition=True).months is None
    changes.complete(con, "build", "another project or vars")
    assert plan_build(settings, con, first_quarter, covers_every_partition=True).months is None
    assert dbt_models.backfill_policy.policy_type == BackfillPolicyType.SINGLE_RUN
    assert dbt_models.partitions_def.get_first_partition_key() == f"{FIRST_MONTH}-01"


def test_dbt_vars_of_the_settings_reach_every_invocation(tmp_path):
    from dagster import TimeWindow

    from dagster_kpi.defs.dbt import plan_build

    settings = replace(make_settings(tmp_path, KPI_MEMORY_LIMIT="2GB"), dbt_vars={"feedback_sla_hours": 12})
    window = TimeWindow(datetime(2026, 3, 1), datetime(2026, 4, 1))
    variables = json.loads(plan_build(settings, None, window, covers_every_partition=True).args[-1])
    assert variables == {"kpi_memory_limit": "2GB", "kpi_work_db": "work.duckdb", "timezone": "Asia/Shanghai",
                         "feedback_sla_hours": 12}  # fmt: skip


def test_run_tags_name_one_month_or_every_month():
    from dagster_kpi.defs.partitions import monthly_partitions, run_partition_tags

    partitions = monthly_partitions(FIRST_MONTH)
    assert run_partition_tags(partitions, "2026-03") == {"dagster/partition": "2026-03-01"}
    full = run_partition_tags(partitions)
    assert full["dagster/asset_partition_range_start"] == f"{FIRST_MONTH}-01"
    with pytest.raises(ValueError, match="month must be YYYY-MM, got '2026-3x'"):
        run_partition_tags(partitions, "2026-3x")
    with pytest.raises(ValueError, match=rf"^month 2025-12 is outside the partitions \({FIRST_MONTH} to the current month\)$"):
        run_partition_tags(partitions, "2025-12")


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


@pytest.mark.e2e
def test_definitions_load_with_dagsters_own_tooling_in_a_fresh_process(tmp_path):
    """`import dagster_kpi.definitions` reads nothing; Dagster's loader builds the definitions from the settings."""
    script = textwrap.dedent(
        """
        import dagster_kpi.definitions as module
        from dagster.components.definitions import LazyDefinitions
        assert isinstance(module.defs, LazyDefinitions)  # importing the module built nothing
        defs = module.defs()
        warehouse = defs.resources["warehouse"]
        print(warehouse.warehouse, warehouse.landing_dir, warehouse.first_month, len(defs.resolve_all_asset_specs()))
        """
    )
    (tmp_path / "kpi.toml").write_text('warehouse = "wh/warehouse.duckdb"\nfirst_month = "2026-02"\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KPI_")}
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    warehouse, landing, first_month, assets = done.stdout.split()
    assert (warehouse, landing, first_month) == (
        str(tmp_path / "wh" / "warehouse.duckdb"),
        str(tmp_path / "data" / "landing"),
        "2026-02",
    )
    assert int(assets) > 80
    assert (tmp_path / "wh" / "warehouse.work" / "dbt_target" / "manifest.json").is_file()
    dagster = str(Path(sys.executable).parent / "dagster")
    command = [dagster, "definitions", "validate", "-m", "dagster_kpi.definitions"]
    validated = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert validated.returncode == 0, validated.stdout[-2000:] + validated.stderr[-2000:]


def test_formula_like_text_is_a_non_blocking_check_on_every_mart(graph):
    marts = ("kpi_values", "kpi_catalog", "kpi_scores", "scorecards", "deductions", "rating_summary", "pay_sheet",
             "call_intervals", "sla_events", "ticket_backlog")  # fmt: skip
    for mart in marts:
        [key] = [k for k in graph.get_check_keys_for_assets({AssetKey(["marts", mart])}) if k.name == f"{mart}_formula_like_text"]
        assert not graph.get_check_spec(key).blocking, "a warning: it never holds back a publish"


def test_partitions_start_at_the_recorded_first_month_of_the_data(tmp_path):
    """Data from 2025-03 on: monthly partitions from 2025-03 up to the current month, on every partitioned asset,
    not a span from years before the data."""
    unset = replace(make_settings(tmp_path), first_month=None)
    unset.paths.ensure()
    (unset.paths.work_dir / "first_data_month").write_text("2025-03\n", encoding="utf-8")
    graph = build_definitions(unset).resolve_asset_graph()
    partitioned = [key for key in graph.get_all_asset_keys() if graph.get(key).partitions_def is not None]
    assert AssetKey(["marts", "kpi_values"]) in partitioned
    now = datetime.now()
    expected = (now.year * 12 + now.month) - (2025 * 12 + 3) + 1
    for key in partitioned:
        keys = graph.get(key).partitions_def.get_partition_keys()
        assert (keys[0], len(keys)) == ("2025-03-01", expected), key
