"""The Dagster instance a run records itself in: SQLite files in the warehouse's work folder, written cheaply.

Before a run's first step starts, Dagster records one planned event per asset and per asset check (about 480),
and the steps record their results the same way: each event through a new SQLite connection that commits and
closes. By default every commit waits for the disk, and every close of the last connection to a file checkpoints
its write-ahead log and waits for the disk again; the planned events alone took 4 s on an idle machine and up to
25 s with other processes writing to the disk. For the run, `run_instance` has every SQLite connection commit
without waiting (`synchronous=NORMAL`, which in WAL mode, the mode of Dagster's files, still leaves a consistent
file after a crash or a power cut, at worst without the last events) and holds one idle connection to each file,
so the per-event connections are never the last one and never checkpoint. Closing those at the end checkpoints
each file once. A file Dagster creates (the instance's files in a new warehouse, one file per run for its events)
is switched to WAL before Dagster creates its tables rather than just after, so creating them does not wait either.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dagster import DagsterInstance
from sqlalchemy import event
from sqlalchemy.pool import Pool

SYNCHRONOUS = "NORMAL"


@contextlib.contextmanager
def cheap_sqlite_commits() -> Iterator[dict[str, sqlite3.Connection]]:
    """While open, every new SQLite connection made through SQLAlchemy commits without waiting for the disk, and the
    first one to each file in WAL mode leaves an idle connection held open (yielded: file -> connection)."""
    held: dict[str, sqlite3.Connection] = {}
    lock = threading.Lock()

    def on_connect(connection: Any, _record: Any) -> None:
        if not isinstance(connection, sqlite3.Connection):
            return
        connection.execute(f"PRAGMA synchronous={SYNCHRONOUS}")
        file = connection.execute("PRAGMA database_list").fetchone()[2]
        if not file:
            return
        if connection.execute("PRAGMA page_count").fetchone()[0] == 0:
            # A file Dagster is about to create its tables in, and then switch to WAL: switched first, its tables are
            # created without waiting for the disk either.
            with contextlib.suppress(sqlite3.OperationalError):
                connection.execute("PRAGMA journal_mode=WAL")
        # Any other file not in WAL mode is left alone: holding it open would keep it from being switched.
        if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            return
        with lock:
            if file not in held:
                keeper = sqlite3.connect(file, check_same_thread=False)
                keeper.execute("SELECT count(*) FROM sqlite_master").fetchall()  # opens the file and its log
                held[file] = keeper

    event.listen(Pool, "connect", on_connect)
    try:
        yield held
    finally:
        event.remove(Pool, "connect", on_connect)
        with lock:
            for keeper in held.values():
                keeper.close()
            held.clear()


@contextlib.contextmanager
def run_instance(dagster_home: Path) -> Iterator[DagsterInstance]:
    """The persistent Dagster instance in `dagster_home`, with cheap SQLite commits while it is open."""
    with cheap_sqlite_commits(), DagsterInstance.from_config(str(dagster_home)) as instance:
        yield instance
