"""The baseline: `baseline.sql` run on a landing folder by plain DuckDB, as its own process.

    python -m bench.baseline --landing DIR --out results.json

DuckDB reads UTF-8 CSV and Parquet itself; the GBK sources (complaints,
callbacks) are first transcoded to UTF-8 copies in a temporary folder by a
streaming copy, which is part of the timed work.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import duckdb

BASELINE_SQL = Path(__file__).with_name("baseline.sql")
GBK_SOURCES = ("complaints", "callbacks")
CHUNK_CHARS = 1 << 20

# (period_start YYYY-MM-DD, kpi_code, numerator, denominator, value)
KpiRow = tuple[str, str, float | None, float | None, float | None]


def transcode(landing: Path, out: Path) -> None:
    """UTF-8 copies of the GBK sources' CSV files under `out/<source>/` (GB18030 decodes GBK too)."""
    for source in GBK_SOURCES:
        (out / source).mkdir(parents=True, exist_ok=True)
        for path in sorted((landing / source).glob("*.csv")):
            with (
                path.open(encoding="gb18030", newline="") as reader,
                (out / source / path.name).open("w", encoding="utf-8", newline="") as writer,
            ):
                shutil.copyfileobj(reader, writer, CHUNK_CHARS)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def baseline_kpis(landing: Path) -> list[KpiRow]:
    """Centre-level monthly KPIs computed by `baseline.sql` from the landing files."""
    with tempfile.TemporaryDirectory(prefix="kpi-baseline-") as utf8, duckdb.connect() as con:
        transcode(landing, Path(utf8))
        con.execute(f"SET VARIABLE landing = {_literal(str(landing))}")
        con.execute(f"SET VARIABLE utf8 = {_literal(utf8)}")
        rows = con.execute(BASELINE_SQL.read_text(encoding="utf-8")).fetchall()
    return [(str(month), code, num, den, value) for month, code, num, den, value in rows]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.baseline", description=__doc__.splitlines()[0])
    parser.add_argument("--landing", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path, help="JSON file for the KPI rows")
    args = parser.parse_args(argv)
    rows = baseline_kpis(args.landing.resolve())
    args.out.write_text(json.dumps(rows), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
