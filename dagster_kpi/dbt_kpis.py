"""The list of measured KPI models (`dbt_project/macros/kpi_models.sql`) rendered from the dbt graph.

A measured KPI is a model tagged `kpi` (every model under models/metrics/, by the folder's config in
dbt_project.yml). `score_measured_kpi_values` unions them through the `kpi_models()` macro, and
publishes those also tagged `percentile` (`kpi_percentile_models()`) with their value only. The macro
cannot read the tags from dbt's `graph` itself: that context is empty while dbt parses the project, so
a model that loops over `graph.nodes` gets no `ref()` dependencies and dbt stops at run time, unable
to infer them. The committed macro is therefore this rendering of a parsed manifest; a test fails
when it drifts. Regenerate with `python -m dagster_kpi.dbt_kpis` after adding or removing a KPI model
(the parse itself fails, naming the model, while the macro still lists one that is gone: delete
that line first).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster_kpi.paths import DBT_PROJECT_DIR

KPI_TAG = "kpi"
PERCENTILE_TAG = "percentile"
KPI_MODELS_MACRO = DBT_PROJECT_DIR / "macros" / "kpi_models.sql"

HEADER = """\
{#
  Rendered from the dbt graph by dagster_kpi.dbt_kpis; do not edit.
  Regenerate: python -m dagster_kpi.dbt_kpis

  The measured KPI models, one kpi_<kpi_code> each: every model tagged `kpi`
  (models/metrics/, see dbt_project.yml); kpi_percentile_models(): those also
  tagged `percentile`, published with their value only. A macro that read the
  tags from `graph` would see an empty graph while dbt parses, and the models
  calling it would get no ref() dependencies.
#}
"""


def kpi_model_names(manifest: Mapping[str, Any], *tags: str) -> list[str]:
    """The models of the parsed `manifest` tagged `kpi` (and every one of `tags`), by name."""
    wanted = {KPI_TAG, *tags}
    return sorted(
        node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "model" and wanted <= set(node["tags"])
    )


def _list_macro(name: str, models: list[str]) -> str:
    entries = "".join(f"    '{model}',\n" for model in models)
    return f"{{% macro {name}() %}}\n{{{{ return([\n" + entries + "]) }}\n{% endmacro %}\n"


def render_kpi_models_macro(manifest: Mapping[str, Any]) -> str:
    """The text of `dbt_project/macros/kpi_models.sql` for the parsed `manifest`."""
    return (
        HEADER
        + _list_macro("kpi_models", kpi_model_names(manifest))
        + "\n"
        + _list_macro("kpi_percentile_models", kpi_model_names(manifest, PERCENTILE_TAG))
    )


def parse_manifest() -> dict[str, Any]:
    """Parse the project (`dbt parse`, into a temporary target folder) and return its manifest."""
    with tempfile.TemporaryDirectory(prefix="dbt_kpis-") as tmp:
        argv = [
            sys.executable,
            "-c",
            "from dbt.cli.main import cli; cli()",
            "parse",
            "--quiet",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(Path(tmp) / "target"),
            "--log-path",
            str(Path(tmp) / "logs"),
        ]
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"dbt parse failed:\n{done.stdout[-4000:]}{done.stderr[-2000:]}")
        return json.loads((Path(tmp) / "target" / "manifest.json").read_text(encoding="utf-8"))


def write_kpi_models_macro(path: Path = KPI_MODELS_MACRO, manifest: Mapping[str, Any] | None = None) -> Path:
    path.write_text(render_kpi_models_macro(manifest if manifest is not None else parse_manifest()), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(write_kpi_models_macro())
