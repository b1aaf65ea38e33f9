"""Publishing: atomic replacement, byte-identical when unchanged, Parquet serving copies, path checks, run lock."""

from __future__ import annotations

import errno
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dagster_kpi.errors import KpiError, UsageError
from dagster_kpi.paths import WarehousePaths
from dagster_kpi.publish import STORAGE_VERSION, PublishError, publish_marts, storage_version
from dagster_kpi.runner import check_run_paths, check_work_db_free, exclusive_run, work_db_holders


def write_marts(paths: WarehousePaths, values: list[tuple[str, float]]) -> None:
    paths.ensure()
    with duckdb.connect(str(paths.work_db)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute("CREATE OR REPLACE TABLE marts.kpi_values (kpi_code VARCHAR, value DOUBLE)")
        con.executemany("INSERT INTO marts.kpi_values VALUES (?, ?)", values)
        con.execute("CREATE OR REPLACE TABLE marts.kpi_catalog AS SELECT 'answer_rate' AS kpi_code")


def published(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("SELECT * FROM marts.kpi_values ORDER BY ALL").fetchall()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def paths(tmp_path: Path) -> WarehousePaths:
    return WarehousePaths(tmp_path / "out" / "warehouse.duckdb")


TABLES = ["kpi_catalog", "kpi_values"]


def test_publish_copies_only_the_marts_sorted(paths):
    write_marts(paths, [("b", 2.0), ("a", 1.0)])
    report = publish_marts(paths, TABLES)
    assert report.changed and report.rows == {"kpi_catalog": 1, "kpi_values": 2}
    assert published(paths.warehouse) == [("a", 1.0), ("b", 2.0)]
    with duckdb.connect(str(paths.warehouse), read_only=True) as con:
        assert {r[0] for r in con.execute("SELECT DISTINCT schema_name FROM duckdb_tables()").fetchall()} == {"marts"}
    served = paths.serving_dir / "current" / "kpi_values.parquet"
    assert duckdb.sql(f"SELECT * FROM '{served}'").fetchall() == [("a", 1.0), ("b", 2.0)]


def test_unchanged_marts_leave_the_file_byte_identical(paths):
    write_marts(paths, [("a", 1.0), ("b", 2.0)])
    first = publish_marts(paths, TABLES)
    before, mtime = digest(paths.warehouse), paths.warehouse.stat().st_mtime_ns
    # Same rows written in another order: same content.
    write_marts(paths, [("b", 2.0), ("a", 1.0)])
    second = publish_marts(paths, TABLES)
    assert not second.changed and second.fingerprint == first.fingerprint
    assert digest(paths.warehouse) == before and paths.warehouse.stat().st_mtime_ns == mtime


def test_the_file_is_written_in_the_storage_format_duckdb_1_reads_and_an_older_format_is_rewritten(paths):
    write_marts(paths, [("a", 1.0)])
    publish_marts(paths, TABLES)
    assert STORAGE_VERSION == "v1.0.0" and storage_version(paths.warehouse) == "v1.0.0"
    # A FILE published in DuckDB 2's own format (as before), same marts: rewritten in the readable format.
    paths.warehouse.unlink()
    with duckdb.connect(str(paths.warehouse)) as con:
        con.execute(f"ATTACH '{paths.work_db}' AS work (READ_ONLY)")
        con.execute("CREATE SCHEMA marts")
        for table in TABLES:
            con.execute(f"CREATE TABLE marts.{table} AS SELECT * FROM work.marts.{table} ORDER BY ALL")
    assert storage_version(paths.warehouse) == "v2.0.0"
    report = publish_marts(paths, TABLES)
    assert report.changed and storage_version(paths.warehouse) == "v1.0.0"
    assert published(paths.warehouse) == [("a", 1.0)]
    assert not publish_marts(paths, TABLES).changed
    assert storage_version(paths.work_db.parent / "nothing.duckdb") is None


def test_a_reader_keeps_its_snapshot_while_a_publish_replaces_the_file(paths):
    write_marts(paths, [("a", 1.0)])
    publish_marts(paths, TABLES)
    reader = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        write_marts(paths, [("a", 5.0)])
        assert publish_marts(paths, TABLES).changed
        assert reader.execute("SELECT value FROM marts.kpi_values").fetchall() == [(1.0,)]
    finally:
        reader.close()
    assert published(paths.warehouse) == [("a", 5.0)]


def test_serving_keeps_the_current_and_the_previous_version(paths):
    for value in (1.0, 2.0, 3.0):
        write_marts(paths, [("a", value)])
        publish_marts(paths, TABLES)
    versions = [p for p in paths.serving_dir.iterdir() if p.is_dir() and not p.is_symlink()]
    assert len(versions) == 2
    current = paths.serving_dir / "current" / "kpi_values.parquet"
    assert duckdb.sql(f"SELECT value FROM '{current}'").fetchall() == [(3.0,)]


def test_run_paths_are_checked(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    readme = tmp_path / "notes.duckdb"
    readme.write_text("not a database", encoding="utf-8")
    with pytest.raises(UsageError, match="exists and is not a DuckDB database"):
        check_run_paths(landing, readme)
    with pytest.raises(UsageError, match=r"must be a \.duckdb or \.db file"):
        check_run_paths(landing, tmp_path / "README.md")
    with pytest.raises(UsageError, match="must not be inside the landing folder"):
        check_run_paths(landing, landing / "w.duckdb")
    with pytest.raises(UsageError, match="is not a folder"):
        check_run_paths(tmp_path / "missing", tmp_path / "w.duckdb")
    check_run_paths(landing, tmp_path / "w.duckdb")


def test_one_run_per_warehouse(paths):
    paths.ensure()
    with exclusive_run(paths):
        with pytest.raises(KpiError, match="another run is in progress"):
            with exclusive_run(paths):
                pass
    with exclusive_run(paths):
        pass


def test_a_rewrite_of_the_same_marts_has_the_same_rows_in_the_same_order_not_the_same_bytes(paths):
    """What the decision log claims: a rewrite gives the same content in the same order; DuckDB's file header and
    block placement differ between writes, which is why an unchanged publish does not rewrite the file at all."""
    from dagster_kpi.publish import _write_warehouse, published_fingerprint

    write_marts(paths, [("b", 2.0), ("a", 1.0), ("c", None)])
    publish_marts(paths, TABLES)
    first = (published_fingerprint(paths.warehouse, TABLES), raw_rows(paths.warehouse))
    staged = paths.warehouse.with_name("again.duckdb")
    _write_warehouse(paths, TABLES, staged, {})  # the same marts, written again
    staged.replace(paths.warehouse)
    assert (published_fingerprint(paths.warehouse, TABLES), raw_rows(paths.warehouse)) == first
    assert first[1] == [("a", 1.0), ("b", 2.0), ("c", None)]


def raw_rows(warehouse: Path) -> list[tuple]:
    """The rows in storage order (no ORDER BY)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("SELECT * FROM marts.kpi_values").fetchall()


def served(paths: WarehousePaths) -> list[tuple]:
    current = paths.serving_dir / "current" / "kpi_values.parquet"
    return duckdb.sql(f"SELECT * FROM '{current}' ORDER BY ALL").fetchall()


def state(paths: WarehousePaths) -> tuple[str, str, list[tuple], list[tuple]]:
    """What readers see: FILE's bytes and rows, the `current` version and its Parquet rows."""
    return digest(paths.warehouse), os.readlink(paths.serving_dir / "current"), published(paths.warehouse), served(paths)


def listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 3 MiB tmpfs holding FILE and the serving folder; the work database lives elsewhere (a linked folder)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip("mounting a tmpfs needs root")
    try:
        (tmp_path / "work").mkdir()
        (disk / "warehouse.work").symlink_to(tmp_path / "work")
        yield WarehousePaths(disk / "warehouse.duckdb")
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


@pytest.mark.parametrize(
    ("marts_sql", "stage"),
    [  # about 10 MB of incompressible text: the Parquet copies do not fit
        ("SELECT md5(i::VARCHAR) || md5((i * 7)::VARCHAR) AS kpi_code, i::DOUBLE AS value FROM range(150000) t(i)",
         "writing the Parquet copies"),
        # about 1.3 MB: the Parquet copies fit, the warehouse file beside them does not
        ("SELECT md5(i::VARCHAR) AS kpi_code, i::DOUBLE AS value FROM range(40000) t(i)", "writing the warehouse file"),
    ],
)  # fmt: skip
def test_a_full_disk_switches_neither_copy_removes_what_was_staged_and_names_the_cause(small_disk, marts_sql, stage):
    paths = small_disk
    write_marts(paths, [("a", 1.0)])
    publish_marts(paths, TABLES)
    before, files = state(paths), listing(paths.warehouse.parent)
    with duckdb.connect(str(paths.work_db)) as con:
        con.execute(f"CREATE OR REPLACE TABLE marts.kpi_values AS {marts_sql}")
    with pytest.raises(PublishError) as raised:
        publish_marts(paths, TABLES)
    message = str(raised.value)
    assert f"while {stage} in {paths.warehouse.parent}" in message and "no space left on device" in message
    assert "\n" not in message and "unchanged" in message
    assert state(paths) == before
    assert listing(paths.warehouse.parent) == files  # no .publishing, .wal, half-written version folder or link
    # Once there is room again, the same marts publish.
    write_marts(paths, [("a", 2.0)])
    assert publish_marts(paths, TABLES).changed
    assert published(paths.warehouse) == served(paths) == [("a", 2.0)]


def test_a_failed_link_switch_puts_the_previous_warehouse_file_back(paths, monkeypatch):
    write_marts(paths, [("a", 1.0)])
    publish_marts(paths, TABLES)
    before, files = state(paths), listing(paths.warehouse.parent)
    write_marts(paths, [("a", 2.0)])

    def no_room(self, target):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

    monkeypatch.setattr(Path, "symlink_to", no_room)
    with pytest.raises(PublishError, match="while switching to the new marts .*: no space left on device;"):
        publish_marts(paths, TABLES)
    assert state(paths) == before
    assert listing(paths.warehouse.parent) == files
    monkeypatch.undo()
    assert publish_marts(paths, TABLES).changed
    assert published(paths.warehouse) == served(paths) == [("a", 2.0)]


def test_a_publish_killed_between_the_two_switches_is_repaired_by_the_next(paths):
    """The warehouse file switched, the `current` link not yet: the next publish of the same marts switches the link
    (and clears the leftovers) instead of deciding nothing changed."""
    write_marts(paths, [("a", 1.0)])
    publish_marts(paths, TABLES)
    write_marts(paths, [("a", 2.0)])
    killed = subprocess.run(
        [sys.executable, "-c", "import sys; from dagster_kpi.paths import WarehousePaths; from dagster_kpi.publish import "
         "publish_marts; publish_marts(WarehousePaths(__import__('pathlib').Path(sys.argv[1])), sys.argv[2:], fault_at='switch')",
         str(paths.warehouse), *TABLES],
        capture_output=True,
    )  # fmt: skip
    assert killed.returncode == -9
    assert published(paths.warehouse) == [("a", 2.0)] and served(paths) == [("a", 1.0)]
    assert paths.warehouse.with_name("warehouse.duckdb.previous").exists()
    report = publish_marts(paths, TABLES)
    assert report.changed
    assert published(paths.warehouse) == served(paths) == [("a", 2.0)]
    assert not paths.warehouse.with_name("warehouse.duckdb.previous").exists()


def test_a_run_does_not_start_while_another_process_holds_the_work_database(paths):
    paths.ensure()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time, duckdb; con = duckdb.connect(sys.argv[1]); print('open', flush=True); "
         "time.sleep(60)", str(paths.work_db)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "open"
        assert [pid for pid, _ in work_db_holders(paths.work_db)] == [holder.pid]
        with pytest.raises(KpiError, match=rf"^process {holder.pid} \(.*python.*\) still holds {paths.work_db}; wait"):
            check_work_db_free(paths.work_db, wait_seconds=0.5)
    finally:
        holder.kill()
        holder.wait()
    check_work_db_free(paths.work_db, wait_seconds=0.5)
    assert work_db_holders(paths.work_db) == []


CHILD_OF_A_RUN = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c",
    "from dagster_kpi.dbt_child import die_with_parent; die_with_parent(); print('ready', flush=True); "
    "import time; time.sleep(60)"], stdout=sys.stdout)
time.sleep(60)
"""


def test_dbt_started_by_a_run_dies_when_the_run_is_killed():
    parent = subprocess.Popen([sys.executable, "-c", CHILD_OF_A_RUN], stdout=subprocess.PIPE, text=True)
    assert parent.stdout.readline().strip() == "ready"
    import psutil

    (child,) = psutil.Process(parent.pid).children()
    parent.kill()
    parent.wait()
    _, alive = psutil.wait_procs([child], timeout=5)
    assert all(process.status() == psutil.STATUS_ZOMBIE for process in alive)  # dead, waiting for init to reap it
