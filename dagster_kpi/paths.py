"""Where things live: the project's folders and a warehouse's working files.

The warehouse FILE is what readers open; it only ever changes by an atomic
publish. All work in progress lives in a folder beside it:

    data/warehouse.duckdb            published marts (readers open this)
    data/warehouse.work/work.duckdb  raw, quarantine, staging ... (the run writes here)
    data/warehouse.work/dagster/     Dagster's run storage
    data/warehouse.work/data_docs/   Great Expectations Data Docs of the latest runs
    data/warehouse.work/dbt_target/  dbt's manifest and the latest dbt invocations' artifacts
    data/warehouse.work/logs/        the latest runs' logs, one file each
    data/warehouse.work/last_run.log the latest run's log (a link into logs/)
    data/warehouse.serving/current/  Parquet copies of the published marts
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"


def add_files(digest: Any, roots: Iterable[Path], skip: Collection[str], suffixes: Collection[str] | None = None) -> None:
    """Feed `digest` (a hashlib object) every file under `roots`, by name and content, in a fixed order: folders named
    in `skip`, hidden folders and linked folders are left out (list a linked folder as a root of its own); with
    `suffixes`, only files ending so."""
    for root in roots:
        for folder, folders, names in os.walk(root):
            folders[:] = sorted(name for name in folders if name not in skip and not name.startswith("."))
            for name in sorted(names):
                path = Path(folder) / name
                if suffixes is None or path.suffix in suffixes:
                    digest.update(f"{root.name}\0{path.relative_to(root)}\0".encode())
                    digest.update(path.read_bytes())


@dataclass(frozen=True)
class WarehousePaths:
    """The published file and the working files that belong to it."""

    warehouse: Path

    @property
    def work_dir(self) -> Path:
        return self.warehouse.with_name(self.warehouse.stem + ".work")

    @property
    def work_db(self) -> Path:
        return self.work_dir / "work.duckdb"

    @property
    def dagster_home(self) -> Path:
        return self.work_dir / "dagster"

    @property
    def serving_dir(self) -> Path:
        """Parquet copies of the marts for tools that prefer files: `<serving>/current/<mart>.parquet`."""
        return self.warehouse.with_name(self.warehouse.stem + ".serving")

    @property
    def run_lock(self) -> Path:
        return self.work_dir / "run.lock"

    @property
    def data_docs_dir(self) -> Path:
        """Great Expectations Data Docs, one folder per run: `<run_id>/index.html`."""
        return self.work_dir / "data_docs"

    @property
    def dbt_target_dir(self) -> Path:
        """dbt's parse of the project for this warehouse, and its latest invocations' artifacts."""
        return self.work_dir / "dbt_target"

    @property
    def log_file(self) -> Path:
        """The log of the latest run (its progress and dbt's output): a link to its file in `logs_dir`."""
        return self.work_dir / "last_run.log"

    @property
    def logs_dir(self) -> Path:
        """Each run's log, `<YYYYmmdd-HHMMSS>-<run id>.log`; the latest few are kept."""
        return self.work_dir / "logs"

    def ensure(self) -> None:
        self.warehouse.parent.mkdir(parents=True, exist_ok=True)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.dagster_home.mkdir(parents=True, exist_ok=True)
