"""A run's Dagster storage: SQLite commits that do not wait for the disk, for the run only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from dagster_kpi.instance import cheap_sqlite_commits, run_instance

NORMAL, FULL = 1, 2


def pragma(db: Path, name: str) -> Any:
    """`PRAGMA <name>` of a new connection made the way Dagster makes them (an engine without a pool)."""
    engine = create_engine(f"sqlite:///{db}", poolclass=NullPool)
    with engine.connect() as conn:
        value = conn.execute(text(f"PRAGMA {name}")).scalar_one()
    engine.dispose()
    return value


def synchronous(db: Path) -> int:
    return int(pragma(db, "synchronous"))


def test_sqlite_commits_wait_for_the_disk_again_after_the_run(tmp_path):
    db = tmp_path / "events.db"
    engine = create_engine(f"sqlite:///{db}", poolclass=NullPool)
    with engine.connect() as conn:
        conn.execute(text("PRAGMA journal_mode=WAL"))
    assert synchronous(db) == FULL
    with cheap_sqlite_commits() as held:
        assert synchronous(db) == NORMAL
        assert list(held) == [str(db)]  # one connection held open for the WAL file, however many come and go
        assert synchronous(db) == NORMAL and len(held) == 1
    assert held == {}
    assert synchronous(db) == FULL


def test_a_new_file_is_switched_to_wal_first_and_another_file_is_left_as_it_is(tmp_path):
    def journal_mode(db: Path) -> str:
        return str(pragma(db, "journal_mode"))

    old = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{old}", poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    engine.dispose()
    with cheap_sqlite_commits() as held:
        assert journal_mode(tmp_path / "new.db") == "wal"  # as Dagster makes its files, only before their tables
        assert journal_mode(old) == "delete"
        assert list(held) == [str(tmp_path / "new.db")]


def test_the_run_instance_records_runs_that_a_later_instance_reads(tmp_path):
    from dagster import DagsterInstance, asset, materialize

    @asset
    def one() -> int:
        return 1

    home = tmp_path / "dagster"
    home.mkdir()
    with run_instance(home) as instance:
        assert materialize([one], instance=instance).success
    with DagsterInstance.from_config(str(home)) as later:
        [record] = later.get_run_records()
        assert record.dagster_run.is_success
