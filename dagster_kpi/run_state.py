"""What a published run was made from, so that a run with nothing new finds out in a moment and stops.

After a run publishes, `<work_dir>/published_inputs.json` records the digest of its inputs: every file in the
landing folder (path, size, modification time), the product itself (package, contract, dbt project, models, seeds,
expectations: file contents), the settings, the months asked for, and the published copies (the warehouse file and
the Parquet `current` link). It also records the one thing that changes with time alone: the earliest quarantined
timestamp that lay in the future then (`recheck_after`), which becomes valid once that time has come.

A run whose inputs have the same digest, before `recheck_after`, would publish the same marts: `kpi run` says so
and stops before Dagster and dbt start. Any failed or unfinished run leaves no record (it is removed when a run
starts), so the next run is a full one. `kpi run --force` runs anyway.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import duckdb

from dagster_kpi.paths import DBT_PROJECT_DIR, EXPECTATIONS_DIR, PROJECT_ROOT, add_files
from dagster_kpi.settings import Settings
from dagster_kpi.sql import ident

STATE_FILE = "published_inputs.json"
PACKAGE_DIR = Path(__file__).resolve().parent
# The product's own files whose content decides what a run publishes.
PRODUCT_TREES = (PACKAGE_DIR, DBT_PROJECT_DIR, PROJECT_ROOT / "models", PROJECT_ROOT / "seeds", EXPECTATIONS_DIR)
PRODUCT_SUFFIXES = {".py", ".yml", ".yaml", ".sql", ".csv", ".json", ".toml"}
SKIPPED_FOLDERS = {"__pycache__", "target", "logs", "dbt_packages"}


def landing_listing(landing: Path) -> list[tuple[str, int, int]]:
    """Every file under the landing folder, hidden ones included: (path below it, size, modification time in ns)."""
    listing = []
    for folder, folders, names in os.walk(landing, followlinks=True):
        folders.sort()
        for name in sorted(names):
            path = Path(folder) / name
            try:
                stat = path.stat()
            except OSError:  # a dangling link: listed, so that its repair counts as a change
                listing.append((str(path.relative_to(landing)), -1, -1))
                continue
            listing.append((str(path.relative_to(landing)), stat.st_size, stat.st_mtime_ns))
    return listing


def product_digest() -> str:
    digest = hashlib.sha256()
    add_files(digest, PRODUCT_TREES, SKIPPED_FOLDERS, PRODUCT_SUFFIXES)
    return digest.hexdigest()


def _published_copies(settings: Settings) -> list[object]:
    """The published warehouse file (size, modification time) and the Parquet `current` version."""
    paths = settings.paths
    link = paths.serving_dir / "current"
    if not paths.warehouse.is_file() or not link.is_symlink():
        return []
    stat = paths.warehouse.stat()
    return [stat.st_size, stat.st_mtime_ns, os.readlink(link)]


def inputs_digest(settings: Settings, months: str | None) -> str:
    """The digest of what a run starts from: the landing folder, the product, the settings, the months asked for."""
    described = {
        "landing": landing_listing(settings.landing),
        "product": product_digest(),
        "settings": {name: str(value) for name, value in asdict(settings).items()},
        "months": months,
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


def forget(settings: Settings) -> None:
    """A run starts: until it publishes, no record stands."""
    (settings.paths.work_dir / STATE_FILE).unlink(missing_ok=True)


def earliest_future_timestamp(work_db: Path) -> str | None:
    """The earliest timestamp quarantined because it lay in the future, over every source's quarantine."""
    with duckdb.connect(str(work_db), read_only=True) as con:
        tables = con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'quarantine' ORDER BY 1"
        ).fetchall()
        if not tables:
            return None
        values = " UNION ALL ".join(
            f"SELECT try_cast(_value AS TIMESTAMP) AS t FROM quarantine.{ident(name)} WHERE _reason = 'timestamp_out_of_range'"
            for (name,) in tables
        )
        (earliest,) = con.execute(f"SELECT min(t) FROM ({values}) WHERE t > TIMESTAMP '2000-01-01'").fetchall()[0]
    return earliest.isoformat(sep=" ") if earliest else None


def remember(settings: Settings, inputs: str, finished: datetime) -> None:
    """A run that started from `inputs` published (or found its marts unchanged): record it."""
    state = {
        "inputs": inputs,
        "published": _published_copies(settings),
        "finished": finished.isoformat(sep=" ", timespec="seconds"),
        "recheck_after": earliest_future_timestamp(settings.paths.work_db),
    }
    (settings.paths.work_dir / STATE_FILE).write_text(json.dumps(state, indent=2), encoding="utf-8")


def unchanged_since(settings: Settings, inputs: str, now: datetime) -> str | None:
    """When the last published run finished, if it started from the same `inputs`, its copies are still the published
    ones and no quarantined timestamp has come due since; else None."""
    try:
        state = json.loads((settings.paths.work_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    recheck_after = state.get("recheck_after")
    if recheck_after and now >= datetime.fromisoformat(recheck_after):
        return None
    if state.get("inputs") != inputs or state.get("published") != _published_copies(settings):
        return None
    return str(state.get("finished"))
