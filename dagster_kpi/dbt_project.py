"""The dbt project of a warehouse, and the arguments every dbt invocation gets, built from the settings.

dbt learns where the work database is and how much memory DuckDB may use from dbt vars
(`kpi_work_db`, `kpi_memory_limit`, read by profiles.yml), together with the settings' own dbt
vars: one pure function, `dbt_vars`, builds them, and the manifest is parsed with the same vars the
runs pass, so a run reuses the parse. The work database is named relative to the warehouse's work
folder, in which every dbt of a run starts (`kpi-dbt --kpi-work-dir=`): nothing a parse reads names
the warehouse, so one parse serves every warehouse with the same settings. Each warehouse keeps its
copy of the parse in its own target folder, where its runs write their artifacts; the project's own
target folder keeps the latest parses by digest (`target/manifests/<digest>/`), and a warehouse's
first run copies one of those instead of parsing.
Kept apart from the definitions, so preparing the manifest never imports them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from functools import cache, cached_property
from importlib.metadata import version
from pathlib import Path
from typing import Any

from dagster_dbt import DagsterDbtProjectPreparer, DbtCliResource, DbtProject
from dagster_dbt.errors import DagsterDbtError
from packaging.version import Version

from dagster_kpi.dbt_child import WORK_DIR_OPTION
from dagster_kpi.errors import KpiError
from dagster_kpi.paths import DBT_PROJECT_DIR, PROJECT_ROOT, add_files
from dagster_kpi.settings import Settings

# The dbt installed beside this interpreter, whether or not the virtualenv is on PATH, started through `kpi-dbt`
# so that it dies with the process that started it (see dagster_kpi.dbt_child).
DBT_EXECUTABLE = Path(sys.executable).parent / "kpi-dbt"


# Beside the manifest: the digest of the project files and vars it was parsed from.
MANIFEST_DIGEST = "manifest.digest"
# Folders of the dbt project that a parse does not read (its own output, logs, installed packages).
NOT_PARSED = {"target", "logs", "dbt_packages"}
# What a parse leaves that later invocations read: the manifest (the definitions) and dbt's own partial parse.
PARSE_FILES = ("manifest.json", "partial_parse.msgpack")
# Parses shared by every warehouse, by digest, in the project's dbt target folder; the latest few are kept.
SHARED_PARSES = Path("target") / "manifests"
KEPT_SHARED_PARSES = 8
# The colour codes and the time dbt puts before each line it prints.
LOG_PREFIX = re.compile(r"^(\x1b\[[0-9;]*m|\s)*(\d\d:\d\d:\d\d\s+)?")


class DbtParseError(KpiError):
    """The dbt project does not parse; the message is dbt's own error text."""


def dbt_vars(settings: Settings, **extra: Any) -> dict[str, Any]:
    """The vars of a dbt invocation: the profile's (the work database, relative to the work folder dbt starts in;
    the memory limit), the zone of the sources' wall-clock times (the run's start is read in it), the settings' dbt
    vars, `extra`. The same for every run of the same settings, so dbt reuses its parse."""
    return {
        "kpi_work_db": settings.paths.work_db.name,
        "kpi_memory_limit": settings.memory_limit,
        "timezone": settings.timezone,
        **settings.dbt_vars,
        **extra,
    }


def vars_argument(variables: dict[str, Any]) -> list[str]:
    return ["--vars", json.dumps(variables, sort_keys=True, ensure_ascii=False)]


class KpiDbtPreparer(DagsterDbtProjectPreparer):
    """dagster-dbt's preparer (`dbt parse`, guarded against concurrent writers), run with this interpreter's dbt, in a
    plain child process: dagster-dbt's own invocation would first ask dbt its version in another process and load
    dbt's adapter into this one, seconds that a parse does not need."""

    def _prepare_manifest(self, project: DbtProject) -> None:
        target = Path(project.project_dir) / project.target_path
        done = subprocess.run(
            [str(DBT_EXECUTABLE), *self._prepare_project_cli_args],
            cwd=project.project_dir,
            env={**os.environ, "DBT_PROJECT_DIR": str(project.project_dir), "DBT_PROFILES_DIR": str(project.profiles_dir),
                 "DBT_TARGET_PATH": str(target), "DBT_LOG_PATH": str(target), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
            capture_output=True,
            text=True,
            check=False,
        )  # fmt: skip
        if done.returncode != 0:
            lines = f"{done.stdout}\n{done.stderr}".splitlines()
            detail = " ".join(" ".join(LOG_PREFIX.sub("", line).split()) for line in lines if line.strip())
            raise DbtParseError(f"dbt parse failed: {detail[-500:]}")
        self._invalidate_seeds_in_partial_parse(project)


class KpiDbtCli(DbtCliResource):
    """dagster-dbt's dbt resource with this interpreter's dbt, started in the warehouse's work folder.

    Two things dagster-dbt does on every invocation are left out, each costing a second or two of the dbt step: asking
    the dbt executable its version (it is the dbt-core installed here) and loading dbt's adapter into this process
    (dagster-dbt uses it only to fetch column metadata and row counts, which these assets do not ask for).
    """

    @cached_property
    def _cli_version(self) -> Version:
        return Version(version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Any) -> Any:
        return None


@cache
def _project(target_path: str, parse_vars: str, target: str) -> DbtProject:
    return DbtProject(
        project_dir=DBT_PROJECT_DIR,
        profiles_dir=DBT_PROJECT_DIR,
        target_path=target_path,
        target=target,
        prepare_project_cli_args=["parse", "--quiet", "--target", target, "--vars", parse_vars],
    )


def dbt_project(settings: Settings) -> DbtProject:
    """The project, parsed for the engine's target into the warehouse's dbt target folder with the runs' vars."""
    parse_vars = vars_argument(dbt_vars(settings))[1]
    return _project(str(settings.paths.dbt_target_dir), parse_vars, settings.dbt_target)


def preparer(project: DbtProject) -> KpiDbtPreparer:
    return KpiDbtPreparer(project.preparer._prepare_project_cli_args)  # type: ignore[attr-defined]


def dbt_cli(project: DbtProject, settings: Settings) -> DbtCliResource:
    """The dbt resource of a warehouse's runs: every dbt starts in its work folder."""
    return KpiDbtCli(
        project_dir=project,  # type: ignore[arg-type]  # DbtCliResource takes a DbtProject too
        target=settings.dbt_target,
        dbt_executable=str(DBT_EXECUTABLE),
        # dbt's lines go to the run's log: no colour codes in them.
        global_config_flags=[f"{WORK_DIR_OPTION}{settings.paths.work_dir}", "--no-use-colors"],
    )


def prepare_if_dev(project: DbtProject) -> None:
    """Under `dagster dev`, parse again on every load so model edits show up."""
    preparer(project).prepare_if_dev(project)


def project_digest(parse_vars: str, target: str) -> str:
    """The digest of what a parse reads: the project's files (macros, tests, models, seeds, settings) by content and
    where they are, the vars, the target (the engine), and dbt's version."""
    digest = hashlib.sha256(f"{version('dbt-core')}\0{version('dbt-duckdb')}\0{PROJECT_ROOT}\0{parse_vars}\0{target}".encode())
    add_files(digest, (DBT_PROJECT_DIR, PROJECT_ROOT / "models", PROJECT_ROOT / "seeds"), NOT_PARSED)
    return digest.hexdigest()


def shared_parses() -> Path:
    return DBT_PROJECT_DIR / SHARED_PARSES


def reuse_shared_parse(digest: str, target: Path) -> bool:
    """Copy the shared parse of that digest into `target`; False when there is none (or it cannot be read)."""
    shared = shared_parses() / digest
    try:
        for name in PARSE_FILES:
            shutil.copyfile(shared / name, target / name)
    except OSError:
        return False
    with contextlib.suppress(OSError):
        os.utime(shared)  # the latest used are the ones kept
    return True


def share_parse(digest: str, target: Path) -> None:
    """Keep the parse in `target` as the shared parse of that digest, and only the latest few. A project folder that
    cannot be written in shares nothing: each warehouse then parses for itself."""
    root = shared_parses()
    staging = root / f".{digest}-{os.getpid()}"
    try:
        if all((root / digest / name).is_file() for name in PARSE_FILES):
            return
        shutil.rmtree(root / digest, ignore_errors=True)  # incomplete
        staging.mkdir(parents=True)
        for name in PARSE_FILES:
            shutil.copyfile(target / name, staging / name)
        staging.rename(root / digest)  # whole or not at all; another run may have shared the same parse meanwhile
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)
        return
    kept = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), key=_modified, reverse=True)
    for old in kept[KEPT_SHARED_PARSES:]:
        shutil.rmtree(old, ignore_errors=True)


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def prepare_manifest(settings: Settings) -> DbtProject:
    """Write the manifest into the warehouse's target folder, unless the one there was parsed from the same project
    files and vars (the digest beside it says so): from the shared parse of that digest when there is one, else with
    dagster-dbt's preparer, sharing the result. A parse costs seconds even when partial; a copy does not. Parsing
    opens no database."""
    project = dbt_project(settings)
    target = settings.paths.dbt_target_dir
    digest = project_digest(vars_argument(dbt_vars(settings))[1], settings.dbt_target)
    recorded = target / MANIFEST_DIGEST
    if project.manifest_path.is_file() and recorded.is_file() and recorded.read_text(encoding="utf-8") == digest:
        return project
    target.mkdir(parents=True, exist_ok=True)
    recorded.unlink(missing_ok=True)
    if not reuse_shared_parse(digest, target):
        try:
            preparer(project).prepare(project)
        except DagsterDbtError as error:
            detail = " ".join(str(error).split())
            raise DbtParseError(f"dbt parse failed: {detail[:500]}") from None
        share_parse(digest, target)
    recorded.write_text(digest, encoding="utf-8")
    return project
