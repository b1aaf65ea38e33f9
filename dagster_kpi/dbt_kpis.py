"""The list of measured KPI models (`dbt_project/macros/kpi_models.sql`) rendered from the dbt graph.

A measured KPI is a model tagged `kpi` (every model under models/metrics/, by the folder's config in
dbt_project.yml). `score_measured_kpi_values` unions them through the `kpi_models()` macro. The macro
cannot read the tag from dbt's `graph` itself: that context is empty while dbt parses the project, so
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
KPI_MODELS_MACRO = DBT_PROJECT_DIR / "macros" / "kpi_models.sql"

HEADER = """\
{#
  Rendered from the dbt graph by dagster_kpi.dbt_kpis; do not edit.
  Regenerate: python -m dagster_kpi.dbt_kpis

  The measured KPI models, one kpi_<kpi_code> each: every model tagged `kpi`
  (models/metrics/, see dbt_project.yml). A macro that read the tag from
  `graph` would see an empty graph while dbt parses, and the models calling
  it would get no ref() dependencies.
#}
"""


def kpi_model_names(manifest: Mapping[str, Any]) -> list[str]:
    """The models of the parsed `manifest` tagged `kpi`, by name."""
    return sorted(
        node["name"] for node in manifest["nodes"].values() if node["resource_type"] == "model" and KPI_TAG in node["tags"]
    )


def render_kpi_models_macro(manifest: Mapping[str, Any]) -> str:
    """The text of `dbt_project/macros/kpi_models.sql` for the parsed `manifest`."""
    entries = "".join(f"    '{name}',\n" for name in kpi_model_names(manifest))
    return HEADER + "{% macro kpi_models() %}\n{{ return([\n" + entries + "]) }}\n{% endmacro %}\n"


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
