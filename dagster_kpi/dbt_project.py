"""The dbt project and CLI resource, built once. Kept apart so preparing the manifest never imports the definitions."""

from __future__ import annotations

import os
import subprocess
import sys
from functools import cache
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from dagster_kpi.errors import KpiError
from dagster_kpi.paths import DBT_PROJECT_DIR

# The dbt installed beside this interpreter, whether or not the virtualenv is on PATH.
DBT_EXECUTABLE = Path(sys.executable).parent / "dbt"


@cache
def dbt_project() -> DbtProject:
    """The project, parsed into $DBT_TARGET_PATH (the warehouse's, once `kpi` has configured it)."""
    return DbtProject(
        project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR, target_path=os.environ.get("DBT_TARGET_PATH") or "target"
    )


def dbt_cli() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project(), dbt_executable=str(DBT_EXECUTABLE))


class DbtParseError(KpiError):
    """The dbt project does not parse; the message is dbt's own error text."""


def prepare_manifest() -> None:
    """Write target/manifest.json with `dbt parse` (partial parsing keeps repeat calls fast).

    Parse with the environment the run will have (KPI_WORK_DB among it): dbt reuses this parse in the
    run only when the profile it reads is the same. Parsing opens no database.
    """
    project = dbt_project()
    completed = subprocess.run(
        [
            str(DBT_EXECUTABLE),
            "parse",
            "--quiet",
            "--project-dir",
            str(project.project_dir),
            "--profiles-dir",
            str(project.profiles_dir),
            "--target-path",
            str(project.target_path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        detail = " ".join((completed.stdout + completed.stderr).split())
        raise DbtParseError(f"dbt parse failed: {detail[:500]}")
