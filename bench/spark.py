"""`make bench-spark`: the same landing folder through `kpi run` on DuckDB and on a local Spark session, per scale.

python -m bench.spark [--scales 1 5] [--months 12] [--data bench/data] [--results bench/results]

Per scale: a full run on each engine (wall time, the stages Dagster recorded, peak memory of the process tree, the
JVM included), a one-month refresh on Spark, and whether the published marts are identical. Writes
bench/results/spark.md and spark.json; docs/scale-out.md quotes them.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from .errors import BenchError, last_line
from .landing import LandingSpec, ensure_landing, month_of
from .measure import measure
from .report import finished_at, machine
from .stages import latest_run_stages

BENCH_DIR = Path(__file__).resolve().parent
MARTS = ("kpi_catalog", "kpi_scores", "kpi_values", "rating_summary", "scorecards")


@dataclass(frozen=True)
class EngineRun:
    engine: str
    case: str  # full or refresh
    wall_seconds: float
    stages: dict[str, float]
    peak_gib: float


@dataclass(frozen=True)
class ScaleResult:
    scale: float
    months: int
    rows_read: int
    runs: list[EngineRun]
    identical: bool


def kpi_run(landing: Path, warehouse: Path, *more: str) -> EngineRun:
    engine = "spark" if "spark" in more else "duckdb"
    case = "refresh" if "--month" in more else "full"
    done = measure([sys.executable, "-m", "dagster_kpi.cli", "run", "--landing", str(landing), "--warehouse",
                    str(warehouse), "--force", *more])  # fmt: skip
    if done.returncode != 0:
        raise BenchError(f"kpi run on {engine} failed: {last_line(done.stderr or done.stdout)}")
    stages = latest_run_stages(warehouse.with_name(warehouse.stem + ".work") / "dagster")
    return EngineRun(engine, case, round(done.wall_seconds, 1), {k: round(v, 1) for k, v in stages.seconds.items()},
                     round(done.peak_rss_bytes / 2**30, 2))  # fmt: skip


def published(warehouse: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {t: con.execute(f"SELECT * FROM marts.{t} ORDER BY ALL").fetchall() for t in MARTS}


def run_scale(scale: float, months: int, data: Path, work: Path) -> ScaleResult:
    spec = LandingSpec(scale=scale, months=months)
    landing = ensure_landing(spec, data / "landing")  # the folders `make bench` generates, reused
    shutil.rmtree(work, ignore_errors=True)
    duck, spark = work / "duckdb" / "warehouse.duckdb", work / "spark" / "warehouse.duckdb"
    runs = [kpi_run(landing, duck), kpi_run(landing, spark, "--engine", "spark")]
    identical = published(duck) == published(spark)
    runs.append(kpi_run(landing, spark, "--engine", "spark", "--month", month_of(spec.resolved(), months - 1)))
    identical = identical and published(duck) == published(spark)
    stages = latest_run_stages(duck.with_name("warehouse.work") / "dagster")
    return ScaleResult(scale, months, stages.rows_read, runs, identical)


def markdown(results: list[ScaleResult], setup: dict[str, object]) -> str:
    lines = [
        "# DuckDB and a local Spark session on the same landing folder",
        "",
        f'Measured {setup["finished_at"]} on {setup["machine"]}; `make bench-spark SPARK_SCALES="{setup["scales"]}"`, '
        f"{setup['months']} months, 60 agents. Seconds of wall time for `kpi run --force`; the stages are the sums of "
        "Dagster's step times (dbt includes, on Spark, starting the JVM, handing raw over and taking the marts back).",
        "",
        "| scale | rows read | engine | run | wall s | ingest | dbt | validation | publish | peak GiB | marts identical |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for run in r.runs:
            s = run.stages
            lines.append(f"| {r.scale:g} | {r.rows_read:,} | {run.engine} | {run.case} | {run.wall_seconds} | "
                         f"{s.get('ingest', 0)} | {s.get('dbt', 0)} | {s.get('validation', 0)} | {s.get('publish', 0)} | "
                         f"{run.peak_gib} | {'yes' if r.identical else 'NO'} |")  # fmt: skip
    lines.append("")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.spark", description=__doc__.splitlines()[0])
    parser.add_argument("--scales", nargs="+", type=float, default=[1.0, 5.0])
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--data", type=Path, default=BENCH_DIR / "data")
    parser.add_argument("--results", type=Path, default=BENCH_DIR / "results")
    args = parser.parse_args(argv)
    started_on = machine()  # the load before the runs
    try:
        results = [run_scale(s, args.months, args.data, args.data / "runs" / f"spark-scale{s:g}") for s in args.scales]
    except BenchError as error:
        print(f"bench-spark: {error}", file=sys.stderr)
        return 1
    described = f"{started_on['cpus']} cores, load {started_on['load_1min_at_start']} at the start, duckdb {started_on['duckdb']}"
    setup = {"finished_at": finished_at(), "machine": described, "scales": " ".join(f"{s:g}" for s in args.scales),
             "months": args.months}  # fmt: skip
    args.results.mkdir(parents=True, exist_ok=True)
    text = markdown(results, setup)
    (args.results / "spark.md").write_text(text, encoding="utf-8")
    (args.results / "spark.json").write_text(json.dumps({"setup": setup, "results": [asdict(r) for r in results]},
                                                        indent=2, default=str), encoding="utf-8")  # fmt: skip
    print(text)
    return 0 if all(r.identical for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
