"""Publishing: copy the validated marts from the work database into a new file, then rename it over FILE.

Readers open FILE read-only. Because FILE is replaced by one atomic rename, a reader sees either the
previous marts or the new ones, never a half-published state, and the run never holds a lock on FILE.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import duckdb


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def publish_marts(work_db: Path, warehouse: Path, tables: Sequence[str]) -> dict[str, int]:
    """Copy `marts.<table>` for each table from work_db into a fresh FILE; returns rows per table."""
    staging_file = warehouse.with_name(warehouse.name + ".publishing")
    staging_file.unlink(missing_ok=True)
    rows: dict[str, int] = {}
    con = duckdb.connect(str(staging_file))
    try:
        con.execute(f"ATTACH {_sql_string(str(work_db))} AS work (READ_ONLY)")
        con.execute("CREATE SCHEMA marts")
        for table in tables:
            name = _quote(table)
            # Sorted copies: the same marts always produce the same file content.
            con.execute(f"CREATE TABLE marts.{name} AS SELECT * FROM work.marts.{name} ORDER BY ALL")
            rows[table] = con.execute(f"SELECT count(*) FROM marts.{name}").fetchone()[0]
        con.execute("DETACH work")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(staging_file, warehouse)
    return rows


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
