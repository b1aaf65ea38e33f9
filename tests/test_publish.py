"""Publishing: atomic replacement, byte-identical when unchanged, Parquet serving copies, path checks, run lock."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from dagster_kpi.errors import KpiError, UsageError
from dagster_kpi.paths import WarehousePaths
from dagster_kpi.publish import publish_marts
from dagster_kpi.runner import check_run_paths, exclusive_run


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
    _write_warehouse(paths, TABLES, {}, None)  # the same marts, written again
    assert (published_fingerprint(paths.warehouse, TABLES), raw_rows(paths.warehouse)) == first
    assert first[1] == [("a", 1.0), ("b", 2.0), ("c", None)]


def raw_rows(warehouse: Path) -> list[tuple]:
    """The rows in storage order (no ORDER BY)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("SELECT * FROM marts.kpi_values").fetchall()
