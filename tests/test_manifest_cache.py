"""The manifest is parsed again only when what a parse reads has changed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dagster_kpi import dbt_child, dbt_project
from tests.conftest import make_settings


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """Record the parses instead of running dbt: each writes a manifest naming the vars it was given."""
    done: list[str] = []

    class Preparer:
        def __init__(self, args):
            self.args = args

        def prepare(self, project):
            done.append(self.args[-1])
            Path(project.manifest_path).write_text("{}", encoding="utf-8")

    monkeypatch.setattr(dbt_project, "preparer", lambda project: Preparer(project.preparer._prepare_project_cli_args))
    return done


def test_a_parse_is_reused_until_the_project_or_the_vars_change(tmp_path, parses, monkeypatch):
    project_root = tmp_path / "project"
    for folder in ("dbt_project/macros", "models", "seeds"):
        (project_root / folder).mkdir(parents=True)
    (project_root / "dbt_project" / "dbt_project.yml").write_text("name: kpi\n", encoding="utf-8")
    model = project_root / "models" / "m.sql"
    model.write_text("select 1", encoding="utf-8")
    (project_root / "dbt_project" / "target").mkdir()
    (project_root / "dbt_project" / "target" / "junk.json").write_text("{}", encoding="utf-8")
    monkeypatch.setattr(dbt_project, "DBT_PROJECT_DIR", project_root / "dbt_project")
    monkeypatch.setattr(dbt_project, "PROJECT_ROOT", project_root)
    settings = make_settings(tmp_path)

    dbt_project.prepare_manifest(settings)
    dbt_project.prepare_manifest(settings)
    assert len(parses) == 1
    (project_root / "dbt_project" / "target" / "junk.json").write_text("{1}", encoding="utf-8")  # dbt's output: not read
    dbt_project.prepare_manifest(settings)
    assert len(parses) == 1
    model.write_text("select 2", encoding="utf-8")
    dbt_project.prepare_manifest(settings)
    assert len(parses) == 2
    other_vars = make_settings(tmp_path, KPI_MEMORY_LIMIT="2GB")
    dbt_project.prepare_manifest(other_vars)
    assert len(parses) == 3 and '"kpi_memory_limit": "2GB"' in parses[-1]
    settings.paths.dbt_target_dir.joinpath("manifest.json").unlink()  # a lost manifest is parsed again
    dbt_project.prepare_manifest(other_vars)
    assert len(parses) == 4


def test_a_project_that_does_not_parse_is_one_line_with_dbt_s_reason(tmp_path):
    project = dbt_project._project(str(tmp_path / "target"), "{not yaml: [")
    (tmp_path / "target").mkdir()
    with pytest.raises(dbt_project.DbtParseError, match=r"^dbt parse failed: .*vars") as failure:
        dbt_project.preparer(project).prepare(project)
    assert "\n" not in str(failure.value) and "\x1b" not in str(failure.value)


def test_kpi_dbt_starts_dbt_in_the_work_folder_it_is_given(tmp_path, monkeypatch):
    started: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(dbt_child, "die_with_parent", lambda: None)
    monkeypatch.setattr(dbt_child.os, "execv", lambda path, argv: started.append((os.getcwd(), argv)))
    monkeypatch.chdir(tmp_path)
    work = tmp_path / "warehouse.work"
    work.mkdir()
    monkeypatch.setattr(dbt_child.sys, "argv", ["kpi-dbt", f"--kpi-work-dir={work}", "build", "--vars", "{}"])
    dbt_child.main()
    monkeypatch.setattr(dbt_child.sys, "argv", ["kpi-dbt", "--version"])
    dbt_child.main()
    assert started == [(str(work), [str(dbt_child.DBT), "build", "--vars", "{}"]), (str(work), [str(dbt_child.DBT), "--version"])]


def test_the_runs_dbt_starts_in_the_warehouse_s_work_folder(tmp_path):
    settings = make_settings(tmp_path)
    cli = dbt_project.dbt_cli(dbt_project.dbt_project(settings), settings)
    assert cli.global_config_flags == [f"--kpi-work-dir={settings.paths.work_dir}"]
    assert dbt_project.dbt_vars(settings)["kpi_work_db"] == "work.duckdb"
    assert settings.paths.work_dir / "work.duckdb" == settings.paths.work_db
