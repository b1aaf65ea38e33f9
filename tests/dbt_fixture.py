"""Hand-made raw tables built by `dbt build`: the shared machinery of the dbt fixture tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dagster_kpi.contract import load_contract
from dagster_kpi.dbt_sources import raw_table_ddl
from tests.test_dbt_project import run_dbt

Key = tuple[str, date, str, str, str]  # (period_grain, period_start, level, entity_id, kpi_code)
Rows = Mapping[str, list[dict[str, Any]]]


def create_raw_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Every contract source as an empty raw.<source> table with the raw layout (and raw.<source>_snapshots)."""
    con.execute("create schema raw")
    for source in load_contract().values():
        con.execute(raw_table_ddl(source))
        if source.snapshots:
            con.execute(raw_table_ddl(source, snapshots=True))


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    for row_number, row in enumerate(rows, start=1):
        values = {**row, "_source_file": f"{table}.csv", "_source_row": row_number}
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        con.execute(
            f"insert into raw.{table} ({names}, _loaded_at) values ({marks}, current_timestamp)",
            list(values.values()),
        )


def load_raw(db: Path, rows: Rows, then: Callable[[duckdb.DuckDBPyConnection], None] | None = None) -> None:
    """`db` with the raw tables holding `rows` (and whatever `then` adds)."""
    with duckdb.connect(str(db)) as con:
        create_raw_tables(con)
        for table, table_rows in rows.items():
            insert_rows(con, table, table_rows)
        if then:
            then(con)


def build_work_db(
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    rows: Rows,
    dbt_args: list[str],
    then: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
    *,
    test_warnings: bool = False,
) -> Path:
    """A work database with `rows` in raw, built with `dbt build <dbt_args>` (`test_warnings`: see `run_dbt`)."""
    tmp = tmp_path_factory.mktemp(name)
    db = tmp / "work.duckdb"
    load_raw(db, rows, then)
    run_dbt(["build", *dbt_args], db, tmp, test_warnings=test_warnings)
    return db


def read_kpi_values(db: Path) -> dict[Key, tuple[Any, Any, Any]]:
    """marts.kpi_values as {key: (numerator, denominator, value)}."""
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select period_grain, period_start, level, entity_id, kpi_code, numerator, denominator, value from marts.kpi_values"
        ).fetchall()
    return {tuple(r[:5]): tuple(r[5:]) for r in rows}  # type: ignore[misc]


def check(values: dict[Key, tuple[Any, Any, Any]], kpi: str, expected: dict[tuple[str, date, str, str], tuple]) -> None:
    """Compare (numerator, denominator, value) rows; floats to 1e-9."""
    for (grain, start, level, entity), want in expected.items():
        got = values.get((grain, start, level, entity, kpi))
        assert got is not None, f"missing row {grain} {start} {level} {entity} {kpi}"
        same = all(g is w if w is None else g == pytest.approx(w, rel=1e-9) for g, w in zip(got, want, strict=True))
        assert same, f"{kpi} {grain} {start} {level} {entity}: got {got}, want {want}"
