"""Readers are never blocked, and a run killed at any stage leaves the published marts intact."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from dagster_kpi.faults import FAULT_ENV, STAGES
from dagster_kpi.generate import generate_landing
from dagster_kpi.paths import WarehousePaths
from dagster_kpi.runner import check_work_db_free

pytestmark = pytest.mark.e2e  # every test here runs `kpi run`

READER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    import duckdb
    import sqlalchemy

    warehouse, stop = sys.argv[1], Path(sys.argv[2])
    engine = sqlalchemy.create_engine(f"duckdb:///{warehouse}", connect_args={"read_only": True},
                                      poolclass=sqlalchemy.pool.NullPool)
    queries, errors, totals = 0, [], set()
    while not stop.exists():
        try:
            with duckdb.connect(warehouse, read_only=True) as con:
                totals.add(con.execute("SELECT count(*) FROM marts.kpi_values").fetchone()[0])
            with engine.connect() as con:
                con.execute(sqlalchemy.text("SELECT count(*) FROM marts.kpi_catalog")).scalar_one()
            queries += 1
        except Exception as error:
            errors.append(f"{type(error).__name__}: {error}")
        time.sleep(0.2)
    print(json.dumps({"queries": queries, "errors": errors[:5], "totals": sorted(totals)}))
    """
)


# The larger landing folder is another synthetic data set, not a later extract of the smaller one: a category
# of a small source can vanish, which the raw drift check would rightly block. These runs accept the drift.
ANOTHER_DATA_SET = {"KPI_ACCEPT_RAW_DRIFT": "true"}


# The process groups of the runs started here: whatever a killed run leaves (Dagster's log tails end on their own
# a moment later) is stopped when the test ends, not by the test's own checks.
RUN_GROUPS: list[int] = []


def kpi_run(landing: Path, warehouse: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`kpi run` in its own process group, its output in files: a killed run's leftover children, which keep the
    output open for a moment, cannot hold the test up."""
    command = [sys.executable, "-m", "dagster_kpi.cli", "run", "--landing", str(landing), "--warehouse", str(warehouse)]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True, env={**os.environ, **env},
                                   start_new_session=True)  # fmt: skip
        RUN_GROUPS.append(process.pid)
        returncode = process.wait(timeout=900)
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(command, returncode, out.read(), err.read())


@pytest.fixture(autouse=True)
def _stop_leftovers() -> Iterator[None]:
    yield
    while RUN_GROUPS:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(RUN_GROUPS.pop(), signal.SIGKILL)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def kpi_value_count(warehouse: Path) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("SELECT count(*) FROM marts.kpi_values").fetchone()[0]


def served_count(warehouse: Path) -> int:
    current = warehouse.with_name(warehouse.stem + ".serving") / "current" / "kpi_values.parquet"
    return duckdb.sql(f"SELECT count(*) FROM '{current}'").fetchall()[0][0]


@pytest.fixture(scope="module")
def landings(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two landing folders whose marts differ: two months, then three."""
    root = tmp_path_factory.mktemp("stress")
    small, large = root / "small", root / "large"
    generate_landing(small, months=2, agents=8, scale=0.01, seed=11, start="2026-01")
    generate_landing(large, months=3, agents=8, scale=0.01, seed=11, start="2026-01")
    return small, large


@pytest.fixture
def published(landings, tmp_path: Path) -> Path:
    """A warehouse with the marts of the smaller landing folder."""
    warehouse = tmp_path / "warehouse.duckdb"
    result = kpi_run(landings[0], warehouse)
    assert result.returncode == 0, result.stderr[-2000:]
    return warehouse


def test_readers_never_see_an_error_while_runs_are_killed_at_every_stage_and_the_next_publishes(landings, published, tmp_path):
    """SIGKILL at ingest, dbt, validation and publish (both copies staged), one after another on the same warehouse,
    with no clean-up between, then between the two switches (FILE replaced, the Parquet link not yet); then a run
    publishes the new marts to both copies. A reader process queries throughout."""
    warehouse, landing = published, landings[1]
    before, before_count = digest(warehouse), kpi_value_count(warehouse)
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(warehouse), str(stop)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert STAGES[-1] == "switch"
        for stage in STAGES:
            killed = kpi_run(landing, warehouse, **{FAULT_ENV: stage}, **ANOTHER_DATA_SET)
            assert killed.returncode == -9, (stage, killed.stderr[-2000:])
            # Nothing of the killed run (dbt above all) keeps the work database open.
            check_work_db_free(WarehousePaths(warehouse).work_db, wait_seconds=5)
            if stage != "switch":
                assert digest(warehouse) == before, stage
                assert kpi_value_count(warehouse) == before_count, stage
                assert served_count(warehouse) == before_count, stage
        result = kpi_run(landing, warehouse, **ANOTHER_DATA_SET)
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    assert digest(warehouse) != before
    after_count = kpi_value_count(warehouse)
    assert after_count != before_count and served_count(warehouse) == after_count
    assert sorted(p.name for p in warehouse.parent.iterdir() if p.name.startswith(warehouse.name)) == [warehouse.name]
    seen = json.loads(out)
    assert seen["errors"] == [], err
    assert seen["queries"] > 100
    assert set(seen["totals"]) <= {before_count, after_count} and before_count in seen["totals"]
