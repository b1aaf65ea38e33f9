"""The dbt project's shape: every model file is parsed, every KPI model is catalogued and published."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from dagster_kpi.paths import DBT_PROJECT_DIR, PROJECT_ROOT

MODELS_DIR = PROJECT_ROOT / "models"
CATALOG_SEED = PROJECT_ROOT / "seeds" / "kpis.csv"


def run_dbt(args: list[str], work_db: Path, tmp: Path, *, test_warnings: bool = False) -> str:
    """Run dbt in a child process (it keeps DuckDB files open while it lives) against `work_db`.

    The work database reaches the profile as the dbt var `kpi_work_db`, beside any `--vars` in `args`.
    Any warning, deprecations included, fails the run; with `test_warnings`, a dbt test of severity warn
    that finds rows stays a warning (and every other warning still fails the run).
    """
    args = list(args)
    warn_error = ["--warn-error-options", '{"error": "all", "warn": ["LogTestResult"]}'] if test_warnings else ["--warn-error"]
    variables = {"kpi_work_db": str(work_db)}
    if "--vars" in args:
        at = args.index("--vars")
        variables |= yaml.safe_load(args[at + 1])
        del args[at : at + 2]
    argv = [
        sys.executable,
        "-c",
        "from dbt.cli.main import cli; cli()",
        *warn_error,
        *args,
        "--vars",
        json.dumps(variables),
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--target-path",
        str(tmp / "target"),
        "--log-path",
        str(tmp / "logs"),
    ]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise AssertionError(f"dbt {args[0]} failed:\n{done.stdout[-4000:]}{done.stderr[-2000:]}")
    return done.stdout


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("dbt_parse")
    run_dbt(["parse"], tmp / "work.duckdb", tmp)
    return json.loads((tmp / "target" / "manifest.json").read_text(encoding="utf-8"))


def _models(manifest: dict) -> dict[str, dict]:
    return {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}


def test_models_and_seeds_are_linked_into_the_project() -> None:
    assert os.readlink(DBT_PROJECT_DIR / "models") == "../models"
    assert os.readlink(DBT_PROJECT_DIR / "seeds") == "../seeds"


def test_every_sql_file_is_a_parsed_model(manifest: dict) -> None:
    files = {p.relative_to(MODELS_DIR).as_posix() for p in MODELS_DIR.rglob("*.sql")}
    parsed = {n["original_file_path"].removeprefix("models/") for n in _models(manifest).values()}
    assert files == parsed
    assert len(files) >= 12 + 4 + 8 + 2


def test_every_model_is_documented_with_columns(manifest: dict) -> None:
    undocumented = [name for name, node in _models(manifest).items() if not node["description"] or not node["columns"]]
    assert undocumented == []


def test_every_kpi_model_is_catalogued_and_published(manifest: dict) -> None:
    """One model kpi_<code> per catalogue KPI: the measured ones (tag kpi) and agent_score_avg reach score_kpi_values."""
    models = _models(manifest)

    def reads(name: str) -> set[str]:
        return {uid.split(".")[-1] for uid in models[name]["depends_on"]["nodes"] if uid.startswith("model.")}

    with CATALOG_SEED.open(encoding="utf-8") as f:
        catalog = {row["kpi_code"] for row in csv.DictReader(f)}
    measured = {name for name, node in models.items() if "kpi" in node["tags"]}
    assert {m.removeprefix("kpi_") for m in measured} == catalog - {"agent_score_avg"}
    assert reads("score_measured_kpi_values") == measured | {"int_kpi_entities"}
    assert reads("score_kpi_values") == {"score_measured_kpi_values", "kpi_agent_score_avg", "int_kpi_entities"}
    assert reads("kpi_values") == {"score_kpi_values"}
    # Every measured KPI model sits in a concern folder under metrics/; agent_score_avg, computed from
    # the agents' scores, is a scores model.
    for name in measured:
        parts = Path(models[name]["original_file_path"]).parts
        assert parts[:2] == ("models", "metrics") and len(parts) == 4, name
    assert models["kpi_agent_score_avg"]["original_file_path"] == "models/scores/kpi_agent_score_avg.sql"


def test_catalogue_has_every_kpi_of_the_spec() -> None:
    with CATALOG_SEED.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 64
    by_code = {r["kpi_code"]: r for r in rows}
    assert by_code["callback_rate"]["name_zh"] == "客户回访率"
    assert by_code["service_level"]["name_zh"] == "服务水平 (X 秒接通率)"
    assert by_code["nps"]["value_min"] == "-100" and by_code["nps"]["unit"] == "nps"
    assert by_code["call_volume"]["direction"] == "none"
    assert by_code["staff_turnover_rate"]["levels"] == "center|department|team"
    assert by_code["csat_score"]["levels"] == "center|department|team|agent"
    assert by_code["fine_amount"]["unit"] == "count" and by_code["outbound_call_rate"]["direction"] == "none"
    assert by_code["rating_score"]["levels"] == "center|department|team|agent"
    assert by_code["business_plan_completion_rate"]["value_max"] == ""


def test_schemas_are_the_folder_names(manifest: dict) -> None:
    schemas = {name: node["schema"] for name, node in _models(manifest).items()}
    assert schemas["stg_calls"] == "staging"
    assert schemas["int_periods"] == "intermediate"
    assert schemas["kpi_callback_rate"] == "metrics"
    assert schemas["kpi_values"] == "marts"
    # The published marts are named as published: no prefix, no alias.
    marts = {(n["name"], n["alias"]) for n in _models(manifest).values() if n["schema"] == "marts"}
    assert marts == {
        (m, m)
        for m in (
            "kpi_values",
            "kpi_catalog",
            "kpi_scores",
            "scorecards",
            "deductions",
            "rating_summary",
            "pay_sheet",
            "call_intervals",
            "sla_events",
            "ticket_backlog",
        )
    }
    seeds = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "seed"}
    assert "kpis" in seeds and "kpi_catalog" not in seeds


LAYERS = ("staging", "intermediate", "metrics", "scores", "marts")


def test_layers_read_only_themselves_and_earlier_layers(manifest: dict) -> None:
    """staging -> intermediate -> metrics -> scores -> marts; folder = schema; seeds and sources are read anywhere."""
    models = {uid: n for uid, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    for node in models.values():
        assert Path(node["original_file_path"]).parts[1] == node["schema"], node["name"]
        assert node["schema"] in LAYERS, node["name"]
    backwards = sorted(
        (node["name"], models[dep]["name"])
        for node in models.values()
        for dep in node["depends_on"]["nodes"]
        if dep in models and LAYERS.index(models[dep]["schema"]) > LAYERS.index(node["schema"])
    )
    assert backwards == []
    # The layers the KPI values pass through, in order.
    layer = {n["name"]: n["schema"] for n in models.values()}
    assert [layer[m] for m in ("int_kpi_entities", "kpi_csat_score", "score_measured_kpi_values", "kpi_agent_score_avg")] == [
        "intermediate",
        "metrics",
        "scores",
        "scores",
    ]
    assert [layer[m] for m in ("score_kpi_values", "score_center_team_points", "kpi_values")] == ["scores", "scores", "marts"]


def test_kpi_sums_do_not_depend_on_the_order_of_rows(tmp_path: Path) -> None:
    """The same rows summed in another order (as parallel threads do) give the same bits."""
    sql = run_dbt(
        ["compile", "--quiet", "--inline", "select {{ exact_sum('x') }} from t"], tmp_path / "work.duckdb", tmp_path
    ).strip()
    totals, float_totals = set(), set()
    with duckdb.connect() as con:
        for order in ([0.1, 0.2, 0.3], [0.3, 0.2, 0.1]):
            con.execute("create or replace table t as select unnest(?::double[]) as x", [order])
            totals.add(con.execute(sql).fetchone()[0])
            float_totals.add(con.execute("select sum(x) from t").fetchone()[0])
    assert float_totals == {0.6000000000000001, 0.6}  # a plain floating-point sum differs
    assert totals == {0.6}


def test_kpi_rows_well_formed_returns_every_malformed_row(tmp_path: Path) -> None:
    db = tmp_path / "work.duckdb"
    sql = run_dbt(["compile", "--quiet", "--inline", "{{ test_kpi_rows_well_formed('kpi_rows') }}"], db, tmp_path)
    with duckdb.connect(str(db)) as con:
        con.execute("create schema intermediate; create table intermediate.int_agents as select 'a1' as agent_id")
        con.execute("""create table kpi_rows as select * from (values
            ('month', date '2024-01-01', 'center', 'center', 1.0, 2.0),
            ('month', date '2024-01-01', 'agent', 'a1', 1.0, 1.0),
            ('week', date '2024-01-01', 'center', 'center', 1.0, 1.0),
            ('month', date '2024-01-01', 'agent', 'zz', 1.0, 1.0),
            ('month', date '2024-02-01', 'team', 'T1', null, 1.0),
            ('year', date '2024-01-01', 'team', 'T2', 1.0, 1.0),
            ('year', date '2024-01-01', 'team', 'T2', 0.0, 1.0)
        ) as t(period_grain, period_start, level, entity_id, numerator, denominator)""")
        offending = con.execute(sql).fetchall()
    # An unknown grain, an agent off the roster, a NULL numerator and both rows of a duplicated key.
    assert sorted((r[0], r[3]) for r in offending) == [
        ("month", "T1"),
        ("month", "zz"),
        ("week", "center"),
        ("year", "T2"),
        ("year", "T2"),
    ]
