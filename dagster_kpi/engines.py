"""Where dbt builds: DuckDB (the work database, the default) or Apache Spark (`engine = "spark"`).

Ingestion, the raw checks, the publishing gate and publishing always run on the work database. With Spark, dbt
builds in a Spark session inside its own process (the profile's `spark` target), and the run moves data across
twice, as Parquet, the one format both engines read and write:

- before dbt, `hand_over` writes each raw table that changed, and the refresh window, to
  `<work>/spark/landed/<schema>/<table>/`, which the project's `register_landed_tables` hook registers as
  external tables of the same names on Spark (the dbt sources do not change);
- after dbt, `take_back` reads every mart (and the models the checks read) from the Spark warehouse folder into
  the work database, where the gate validates them and publishing copies them, as with DuckDB.

A table is handed over again when its row count, newest load time or columns differ from what was handed over
last (kept in `landed.handed_over`): a run moves what changed.
"""

from __future__ import annotations

import importlib.util
import shutil
from importlib.machinery import PathFinder
from pathlib import Path

import duckdb

from dagster_kpi.errors import KpiError
from dagster_kpi.sql import ident, lit, one, transaction

ENGINES = ("duckdb", "spark")
# The dbt profile's target of each engine.
DBT_TARGETS = {"duckdb": "work", "spark": "spark"}
SPARK_DIR = "spark"  # in the work folder; the profile's var kpi_spark_dir names it relative to that folder
# The schemas a run writes outside dbt and dbt reads: the sources, and the refresh window (changes.refresh_window).
HANDED_OVER = (("raw", None), ("changes", "refresh_window"))
# What the checks read besides the marts.
TAKEN_BACK = (("intermediate", "int_centre_only_records"),)
STATE = "landed.handed_over"
LOAD_TIME = "_loaded_at"


class EngineError(KpiError):
    """The Spark side of a run cannot go on (a missing table, an unreadable result)."""


def spark_dir(work_dir: Path) -> Path:
    return work_dir / SPARK_DIR


def _tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    found = []
    for schema, only in HANDED_OVER:
        names = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() "
            "AND table_schema = ? ORDER BY table_name", [schema]).fetchall()]  # fmt: skip
        found += [(schema, name) for name in names if only is None or name == only]
    return found


def _fingerprint(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> str:
    relation = f"{ident(schema)}.{ident(table)}"
    columns = [r[0] for r in con.execute(f"DESCRIBE {relation}").fetchall()]
    newest = f"max({ident(LOAD_TIME)})" if LOAD_TIME in columns else "NULL"
    count, loaded = one(con, f"SELECT count(*), CAST({newest} AS VARCHAR) FROM {relation}")
    return f"{count}|{loaded}|{','.join(columns)}"


def hand_over(con: duckdb.DuckDBPyConnection, work_dir: Path) -> list[str]:
    """Write the tables dbt reads on Spark as Parquet where the project registers them; the tables written."""
    con.execute("CREATE SCHEMA IF NOT EXISTS landed")
    con.execute(f"CREATE TABLE IF NOT EXISTS {STATE} (relation VARCHAR PRIMARY KEY, fingerprint VARCHAR)")
    done = dict(con.execute(f"SELECT relation, fingerprint FROM {STATE}").fetchall())
    root = spark_dir(work_dir) / "landed"
    written = []
    for schema, table in _tables(con):
        name, folder = f"{schema}.{table}", root / schema / table
        fingerprint = _fingerprint(con, schema, table)
        if schema != "changes" and done.get(name) == fingerprint and folder.is_dir():  # the window: one row, always
            continue
        staging = folder.with_name(f".{table}.new")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        con.execute(f"COPY {ident(schema)}.{ident(table)} TO {lit(str(staging / 'part-0.parquet'))} (FORMAT parquet)")
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
        con.execute(f"INSERT OR REPLACE INTO {STATE} VALUES (?, ?)", [name, fingerprint])
        written.append(name)
    return written


def _wall_clock(con: duckdb.DuckDBPyConnection, source: str) -> str:
    """The select list of `source` with Spark's timestamps as the wall-clock times they hold.

    Spark's TIMESTAMP is an instant: its Parquet says "adjusted to UTC", which DuckDB reads as TIMESTAMP WITH TIME
    ZONE. The session runs in UTC, so the instant's UTC reading is the local wall-clock time the source recorded,
    the TIMESTAMP that DuckDB's build publishes.
    """
    columns = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
    return ", ".join(
        f"timezone('UTC', {ident(name)}) AS {ident(name)}" if kind == "TIMESTAMP WITH TIME ZONE" else ident(name)
        for name, kind, *_ in columns
    )


def take_back(con: duckdb.DuckDBPyConnection, work_dir: Path) -> list[str]:
    """Read the marts and the checked models Spark built into the work database, each replaced whole; their names."""
    warehouse = spark_dir(work_dir) / "warehouse"
    tables = [("marts", p.name) for p in sorted((warehouse / "marts.db").glob("*")) if p.is_dir()]
    tables += list(TAKEN_BACK)
    if len(tables) == len(TAKEN_BACK):
        raise EngineError(f"Spark built no marts: {warehouse / 'marts.db'} holds no table")
    taken = []
    with transaction(con):
        for schema, table in tables:
            files = sorted((warehouse / f"{schema}.db" / table).glob("*.parquet"))
            if not files:
                raise EngineError(f"Spark left no Parquet file for {schema}.{table} in {warehouse / f'{schema}.db' / table}")
            listed = "[" + ", ".join(lit(str(f)) for f in files) + "]"
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {ident(schema)}")
            source = f"read_parquet({listed})"
            columns = _wall_clock(con, source)
            con.execute(f"CREATE OR REPLACE TABLE {ident(schema)}.{ident(table)} AS SELECT {columns} FROM {source}")
            taken.append(f"{schema}.{table}")
    return taken


def has_spark() -> bool:
    """Whether dbt's Spark adapter and pyspark are installed (the `spark` extra); nothing is imported."""
    # pyspark is looked up on the path: this package's processes mark it as absent (see dagster_kpi/__init__.py).
    return importlib.util.find_spec("dbt.adapters.spark") is not None and PathFinder.find_spec("pyspark") is not None


def check_engine(engine: str) -> None:
    """Refuse, up front and in one line, an engine this installation cannot run."""
    if engine == "spark" and not has_spark():
        raise EngineError("engine spark needs dbt-spark: pip install 'dagster-kpi[spark]' (and Java 17 for Spark 4)")
    if engine == "spark" and shutil.which("java") is None:
        raise EngineError("engine spark needs Java 17 or newer on PATH (Debian: apt-get install openjdk-17-jre-headless)")
