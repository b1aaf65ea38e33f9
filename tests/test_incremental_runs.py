"""Incremental runs publish what a full rebuild publishes: a file added, changed and removed, and a late month.

One warehouse follows the landing folder run after run (one run per step); after every second step a fresh
warehouse is built from the same folder, and both publish the same marts, row for row and Parquet byte for byte.
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
from pathlib import Path

import duckdb
import pytest

from dagster_kpi.generate import generate_landing
from tests.test_pipeline import kpi

pytestmark = pytest.mark.e2e


def marts(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = [t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' "
                                            "ORDER BY 1").fetchall()]  # fmt: skip
        return {t: con.execute(f"SELECT * FROM marts.{t} ORDER BY ALL").fetchall() for t in tables}


def parquet_digests(warehouse: Path) -> dict[str, str]:
    """The published Parquet copies (the serving `current` version) by name, with the digest of their bytes."""
    current = next(p for p in warehouse.parent.rglob("current") if p.is_symlink() or p.is_dir())
    folder = current.resolve()
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*.parquet"))}  # fmt: skip


def run(landing: Path, warehouse: Path) -> str:
    result = kpi("run", "--landing", landing, "--warehouse", warehouse)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "published marts" in result.stdout
    return result.stdout


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def write(path: Path, records: list[dict[str, str]], mtime: float | None = None) -> None:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(records[0]))
        writer.writeheader()
        writer.writerows(records)
    if mtime is not None:
        os.utime(path, (mtime, mtime))


def shifted(record: dict[str, str], call_id: str, day: str) -> dict[str, str]:
    """The call moved to `day` (YYYY-MM-DD), same times of day, under a new id."""
    moved = {**record, "call_id": call_id}
    for column in ("offered_at", "answered_at", "ended_at"):
        if moved[column]:
            moved[column] = f"{day}{moved[column][10:]}"
    return moved


def test_incremental_runs_publish_what_a_full_rebuild_publishes(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "followed" / "warehouse.duckdb"
    generate_landing(landing, months=3, agents=8, scale=0.01, seed=5, start="2026-01")
    run(landing, warehouse)
    calls = landing / "calls"
    template = rows(calls / "calls_2026-03.csv")[:40]
    steps = {
        # One new day of calls at the end of the data.
        "added": lambda: write(
            calls / "calls_2026-03-31.csv", [shifted(r, f"N{n:05d}", "2026-03-31") for n, r in enumerate(template)]
        ),  # fmt: skip
        # A re-extract of January: talk times corrected, a call dropped.
        "changed": lambda: write(
            calls / "calls_2026-01.csv",
            [
                {**r, "talk_seconds": str(int(r["talk_seconds"] or 0) + 7) if n % 5 == 0 else r["talk_seconds"]}
                for n, r in enumerate(rows(calls / "calls_2026-01.csv"))
                if n != 3
            ],
        ),  # fmt: skip
        # The new day withdrawn.
        "removed": lambda: (calls / "calls_2026-03-31.csv").unlink(),
        # Calls of a month before the first one, arriving late (the oldest modification time of all).
        "late month": lambda: write(
            calls / "calls_2025-12.csv",
            [shifted(r, f"L{n:05d}", "2025-12-15") for n, r in enumerate(template)],
            mtime=1_700_000_000,
        ),  # fmt: skip
    }
    refreshed = {}
    for n, (step, change) in enumerate(steps.items()):
        change()
        output = run(landing, warehouse)
        refreshed[step] = next(line for line in output.splitlines() if line.startswith("refreshed "))
        if n % 2:
            fresh = tmp_path / step.replace(" ", "_") / "warehouse.duckdb"
            run(landing, fresh)
            assert marts(warehouse) == marts(fresh), step
            assert parquet_digests(warehouse) == parquet_digests(fresh), step
    # Each run refreshed the months of the calls it changed (a call's KPIs read it in its own month only).
    assert refreshed == {
        "added": "refreshed 2026-03 with their quarters and years",
        "changed": "refreshed 2026-01 with their quarters and years",
        "removed": "refreshed 2026-03 with their quarters and years",
        "late month": "refreshed 2025-12 with their quarters and years",
    }
    with duckdb.connect(str(warehouse), read_only=True) as con:
        december = con.execute(
            "SELECT value FROM marts.kpi_values WHERE kpi_code = 'call_volume' "
            "AND level = 'center' AND period_grain = 'month' AND period_start = '2025-12-01'"
        ).fetchall()
    assert december == [(40.0,)]  # the late month is published: its 40 calls
    shutil.rmtree(tmp_path / "landing")
