"""The manifest is parsed again only when what a parse reads has changed, and a parse serves every warehouse."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dagster_kpi import dbt_child, dbt_project
from tests.conftest import make_settings


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """Record the parses instead of running dbt: each writes what a parse leaves, the manifest naming its vars."""
    done: list[str] = []

    class Preparer:
        def __init__(self, args):
            self.args = args

        def prepare(self, project):
            done.append(self.args[-1])
            target = Path(project.project_dir) / project.target_path
            (target / "manifest.json").write_text(f'{{"vars": {self.args[-1]!r}}}', encoding="utf-8")
            (target / "partial_parse.msgpack").write_bytes(b"parsed")

    monkeypatch.setattr(dbt_project, "preparer", lambda project: Preparer(project.preparer._prepare_project_cli_args))
    return done


@pytest.fixture
def project_root(tmp_path, monkeypatch) -> Path:
    """A dbt project of one model, in place of the product's."""
    root = tmp_path / "project"
    for folder in ("dbt_project/macros", "models", "seeds"):
        (root / folder).mkdir(parents=True)
    (root / "dbt_project" / "dbt_project.yml").write_text("name: kpi\n", encoding="utf-8")
    (root / "models" / "m.sql").write_text("select 1", encoding="utf-8")
    monkeypatch.setattr(dbt_project, "DBT_PROJECT_DIR", root / "dbt_project")
    monkeypatch.setattr(dbt_project, "PROJECT_ROOT", root)
    return root


def test_a_parse_is_reused_until_the_project_or_the_vars_change(tmp_path, project_root, parses):
    (project_root / "dbt_project" / "target").mkdir()
    (project_root / "dbt_project" / "target" / "junk.json").write_text("{}", encoding="utf-8")
    model = project_root / "models" / "m.sql"
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
    model.write_text("select 1", encoding="utf-8")  # back to the first project: its parse is still shared
    dbt_project.prepare_manifest(settings)
    assert len(parses) == 3
    assert '"kpi_memory_limit": "3GB"' in settings.paths.dbt_target_dir.joinpath("manifest.json").read_text(encoding="utf-8")


def test_a_new_warehouse_copies_the_shared_parse_instead_of_parsing(tmp_path, project_root, parses):
    first = make_settings(tmp_path / "first")
    dbt_project.prepare_manifest(first)
    assert len(parses) == 1
    second = make_settings(tmp_path / "second")
    assert dbt_project.dbt_vars(second) == dbt_project.dbt_vars(first)  # nothing in the vars names the warehouse
    project = dbt_project.prepare_manifest(second)
    assert len(parses) == 1, "dbt parse did not run for the second warehouse"
    target = second.paths.dbt_target_dir
    assert Path(project.manifest_path) == target / "manifest.json"
    for name in dbt_project.PARSE_FILES:
        assert (target / name).read_bytes() == (first.paths.dbt_target_dir / name).read_bytes()
    dbt_project.prepare_manifest(second)  # and from then on its own copy stands
    assert len(parses) == 1
    second.paths.dbt_target_dir.joinpath("manifest.json").unlink()  # a lost manifest comes back from the shared parse
    dbt_project.prepare_manifest(second)
    assert len(parses) == 1 and (target / "manifest.json").is_file()


def test_a_lost_shared_parse_is_parsed_again_and_shared_again(tmp_path, project_root, parses):
    dbt_project.prepare_manifest(make_settings(tmp_path / "first"))
    [shared] = dbt_project.shared_parses().iterdir()
    (shared / "partial_parse.msgpack").unlink()  # incomplete: not used
    dbt_project.prepare_manifest(make_settings(tmp_path / "second"))
    assert len(parses) == 2
    assert sorted(p.name for p in shared.iterdir()) == sorted(dbt_project.PARSE_FILES)


def test_only_the_latest_shared_parses_are_kept(tmp_path, project_root, parses, monkeypatch):
    monkeypatch.setattr(dbt_project, "KEPT_SHARED_PARSES", 2)
    for limit in ("1GB", "2GB", "3GB"):
        dbt_project.prepare_manifest(make_settings(tmp_path, KPI_MEMORY_LIMIT=limit))
        for aged, folder in enumerate(sorted(dbt_project.shared_parses().iterdir(), key=os.path.getmtime)):
            os.utime(folder, (aged, aged))  # the file system's clock may not tell them apart
    assert len(parses) == 3
    assert len(list(dbt_project.shared_parses().iterdir())) == 2


def test_a_project_folder_that_cannot_be_written_in_shares_nothing(tmp_path, project_root, parses, monkeypatch):
    target = project_root / "dbt_project" / "target"
    target.write_text("not a folder", encoding="utf-8")  # the shared parses cannot be made
    dbt_project.prepare_manifest(make_settings(tmp_path / "first"))
    dbt_project.prepare_manifest(make_settings(tmp_path / "second"))
    assert len(parses) == 2  # each warehouse parsed for itself, and both runs went on


def test_kpi_dbt_starts_dbt_in_the_work_folder_it_is_given(tmp_path, monkeypatch):
    started: list[tuple[str, list[str]]] = []
    environments: list[dict[str, str]] = []

    def execve(path: str, argv: list[str], env: dict[str, str]) -> None:
        started.append((os.getcwd(), argv))
        environments.append(env)

    monkeypatch.setattr(dbt_child, "die_with_parent", lambda: None)
    monkeypatch.setattr(dbt_child.os, "execve", execve)
    monkeypatch.delenv("SPARK_LOCAL_IP", raising=False)
    monkeypatch.chdir(tmp_path)
    work = tmp_path / "warehouse.work"
    work.mkdir()
    monkeypatch.setattr(dbt_child.sys, "argv", ["kpi-dbt", f"--kpi-work-dir={work}", "build", "--vars", "{}"])
    dbt_child.main()
    monkeypatch.setattr(dbt_child.sys, "argv", ["kpi-dbt", "--version"])
    dbt_child.main()
    assert started == [(str(work), [str(dbt_child.DBT), "build", "--vars", "{}"]), (str(work), [str(dbt_child.DBT), "--version"])]
    # A local Spark session binds to the loopback address; the rest of the environment passes unchanged.
    assert environments[0]["SPARK_LOCAL_IP"] == "127.0.0.1" and environments[0]["PATH"] == os.environ["PATH"]


def test_the_runs_dbt_starts_in_the_warehouse_s_work_folder(tmp_path):
    settings = make_settings(tmp_path)
    cli = dbt_project.dbt_cli(dbt_project.dbt_project(settings), settings)
    assert cli.global_config_flags == [f"--kpi-work-dir={settings.paths.work_dir}", "--no-use-colors"]
    assert dbt_project.dbt_vars(settings)["kpi_work_db"] == "work.duckdb"
    assert settings.paths.work_dir / "work.duckdb" == settings.paths.work_db


def test_a_project_that_does_not_parse_is_one_line_with_dbt_s_reason(tmp_path):
    project = dbt_project._project(str(tmp_path / "target"), "{not yaml: [", "work")
    (tmp_path / "target").mkdir()
    with pytest.raises(dbt_project.DbtParseError, match=r"^dbt parse failed: .*vars") as failure:
        dbt_project.preparer(project).prepare(project)
    assert "\n" not in str(failure.value) and "\x1b" not in str(failure.value)
