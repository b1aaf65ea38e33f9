"""dbt_project/macros/kpi_models.sql is the dbt graph rendered: the models tagged `kpi`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dagster_kpi.dbt_kpis import HEADER, KPI_MODELS_MACRO, kpi_model_names, render_kpi_models_macro
from tests.test_dbt_project import run_dbt


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("dbt_kpis")
    run_dbt(["parse"], tmp / "work.duckdb", tmp)
    return json.loads((tmp / "target" / "manifest.json").read_text(encoding="utf-8"))


def test_committed_macro_is_the_rendered_graph(manifest: dict) -> None:
    assert KPI_MODELS_MACRO.read_text(encoding="utf-8") == render_kpi_models_macro(manifest)


def test_the_tag_marks_exactly_the_metrics_models(manifest: dict) -> None:
    tagged = kpi_model_names(manifest)
    in_metrics = sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and Path(node["original_file_path"]).parts[:2] == ("models", "metrics")
    )
    assert tagged == in_metrics
    assert len(tagged) == 63
    assert (tagged[0], tagged[-1]) == ("kpi_abandonment_rate", "kpi_violations_service")
    assert "kpi_agent_score_avg" not in tagged  # computed from the agents' scores, not measured


def test_rendering_lists_the_tagged_models_by_name() -> None:
    manifest = {
        "nodes": {
            "model.p.kpi_b": {"resource_type": "model", "name": "kpi_b", "tags": ["kpi"]},
            "model.p.kpi_a": {"resource_type": "model", "name": "kpi_a", "tags": ["other", "kpi", "percentile"]},
            "model.p.pct": {"resource_type": "model", "name": "pct", "tags": ["percentile"]},
            "model.p.score_x": {"resource_type": "model", "name": "score_x", "tags": ["kpis"]},
            "test.p.kpi_c": {"resource_type": "test", "name": "kpi_c", "tags": ["kpi"]},
        }
    }
    assert render_kpi_models_macro(manifest) == (
        HEADER
        + "{% macro kpi_models() %}\n{{ return([\n    'kpi_a',\n    'kpi_b',\n]) }}\n{% endmacro %}\n\n"
        + "{% macro kpi_percentile_models() %}\n{{ return([\n    'kpi_a',\n]) }}\n{% endmacro %}\n"
    )


def test_the_percentile_tag_marks_the_models_of_method_percentile(manifest: dict) -> None:
    """A percentile model publishes its value only, so its tag and its aggregate_kpi method must agree."""
    of_method = sorted(
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and "method='percentile'" in node["raw_code"]
    )
    assert kpi_model_names(manifest, "percentile") == of_method
    assert [name.removeprefix("kpi_") for name in of_method] == [
        "first_response_minutes_p50",
        "first_response_minutes_p90",
        "resolution_hours_p50",
        "resolution_hours_p90",
        "speed_of_answer_seconds_p90",
        "talk_seconds_p50",
    ]
