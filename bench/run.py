"""`make bench`: per scale, full, refresh and incremental `kpi run`s and the SQL baseline, measured and compared.

python -m bench.run [--scales 1 5 20] [--months 12] [--data bench/data] [--results bench/results]
"""

from __future__ import annotations

import argparse
import functools
import json
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb

from dagster_kpi.defs.sensors import encode, landing_fingerprint
from dagster_kpi.paths import WarehousePaths
from dagster_kpi.settings import load_settings

from .crosscheck import Comparison, compare, published_values
from .errors import BenchError, last_line
from .landing import (
    LandingSpec,
    NotOverYet,
    add_day_of_calls,
    ensure_landing,
    month_of,
    reextract_month,
    working_copy,
)
from .measure import Measured, measure
from .report import NEW_DAY, REEXTRACT, CaseResult, ScaleResult, finished_at, machine, write_report
from .stages import latest_run_stages

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
REEXTRACT_MONTH = 2  # the month a late re-extract replaces: the third


def kpi(*args: object) -> list[str]:
    return [sys.executable, "-m", "dagster_kpi.cli", *(str(a) for a in args)]


def latest_month(warehouse: Path) -> str:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (month,) = con.execute(
            "select strftime(max(period_start), '%Y-%m') from marts.kpi_values where period_grain = 'month'"
        ).fetchone()
    if month is None:
        raise BenchError(f"{warehouse} has no monthly KPI values")
    return month


def lacks_month_option(refresh: Measured) -> bool:
    """argparse's answer when `kpi run` does not know --month yet."""
    return refresh.returncode == 2 and "unrecognized arguments" in refresh.stderr and "--month" in refresh.stderr


def crosscheck(landing: Path, warehouse: Path, out: Path, what: str) -> tuple[Measured, list[Comparison]]:
    """The baseline on `landing`, measured, and its KPIs compared with the warehouse's marts."""
    baseline = measure([sys.executable, "-m", "bench.baseline", "--landing", str(landing), "--out", str(out)], cwd=PROJECT_ROOT)
    if baseline.returncode != 0:
        raise BenchError(f"{what}: baseline failed: {last_line(baseline.stderr)}")
    rows = json.loads(out.read_text(encoding="utf-8"))
    return baseline, compare(rows, published_values(warehouse, {code for _m, code, *_ in rows}))


def measure_case(
    case: str, change: str, command: list[str], landing: Path, warehouse: Path, run_dir: Path, what: str
) -> CaseResult:
    """Run `command` (a run on the warehouse after a change to the landing folder), then the cross-check."""
    run = measure(command, cwd=PROJECT_ROOT)
    if run.returncode != 0:
        raise BenchError(f"{what}: {case} failed: {last_line(run.stderr)}")
    stages = latest_run_stages(WarehousePaths(warehouse).dagster_home)
    _baseline, comparisons = crosscheck(landing, warehouse, run_dir / "baseline.json", what)
    return CaseResult(
        case=case,
        change=change,
        wall_s=run.wall_seconds,
        overhead_s=stages.first_step_at - run.started_at,
        stage_s=stages.seconds,
        peak_rss_bytes=run.peak_rss_bytes,
        crosscheck=comparisons,
    )


def new_day_case(spec: LandingSpec, landing: Path, warehouse: Path, run_dir: Path, say: Callable[[str], None]) -> CaseResult:
    """One more day of calls in a new file, through the landing sensor's path: its evaluation against the cursor it
    held before the file came, and the run it requests."""
    label = f"scale {spec.scale:g}"
    cursor = run_dir / "sensor_cursor.json"
    cursor.write_text(encode(landing_fingerprint(landing)), encoding="utf-8")
    try:
        added = add_day_of_calls(spec, landing, timezone=load_settings(landing=str(landing), warehouse=str(warehouse)).timezone)
    except NotOverYet as reason:
        say(f"{label}: {NEW_DAY} not measured: {reason}")
        return CaseResult(NEW_DAY, f"not measured: {reason}")
    change = f"calls/{added.path.name}: {added.rows:,} calls of {added.day}"
    say(f"{label}: {NEW_DAY}: {change}")
    command = [sys.executable, "-m", "bench.sensor", "--landing", str(landing), "--warehouse", str(warehouse),
               "--cursor", str(cursor)]  # fmt: skip
    result = measure_case(NEW_DAY, change, command, landing, warehouse, run_dir, label)
    say(f"{label}: {NEW_DAY} took {result.wall_s:.1f} s, cross-check {'agrees' if result.crosscheck_ok else 'DIFFERS'}")
    return result


def reextract_case(spec: LandingSpec, landing: Path, warehouse: Path, run_dir: Path, say: Callable[[str], None]) -> CaseResult:
    """A later extract of an old month's calls (the third month, or the first of a shorter period), then `kpi run`."""
    label = f"scale {spec.scale:g}"
    month = month_of(spec, min(REEXTRACT_MONTH, spec.months - 1))
    done = reextract_month(landing, month, spec.seed)
    change = f"calls/{done.path.name}: {done.changed:,} talk times changed, {done.added} calls added"
    say(f"{label}: {REEXTRACT}: {change}")
    command = kpi("run", "--landing", landing, "--warehouse", warehouse)
    result = measure_case(REEXTRACT, change, command, landing, warehouse, run_dir, label)
    say(f"{label}: {REEXTRACT} took {result.wall_s:.1f} s, cross-check {'agrees' if result.crosscheck_ok else 'DIFFERS'}")
    return result


def bench_scale(spec: LandingSpec, data: Path, say: Callable[[str], None] = print) -> ScaleResult:
    label = f"scale {spec.scale:g}"
    spec = spec.resolved()
    say(f"{label}: landing folder")
    generated = ensure_landing(spec, data / "landing")
    # As a user runs it: default settings (partitions follow the data).
    env: dict[str, str] = {}
    run_dir = data / "runs" / generated.name
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    warehouse = run_dir / "warehouse.duckdb"
    # The incremental cases change the landing folder: they change this copy, the generated folder is kept for reuse.
    landing = working_copy(generated, run_dir / "landing")

    say(f"{label}: full run")
    full = measure(kpi("run", "--landing", landing, "--warehouse", warehouse), env=env)
    if full.returncode != 0:
        raise BenchError(f"{label}: kpi run failed: {last_line(full.stderr)}")
    stages = latest_run_stages(WarehousePaths(warehouse).dagster_home)
    say(f"{label}: full run took {full.wall_seconds:.1f} s")

    say(f"{label}: a run with nothing new")
    again = measure(kpi("run", "--landing", landing, "--warehouse", warehouse), env=env)
    if again.returncode != 0:
        raise BenchError(f"{label}: kpi run with nothing new failed: {last_line(again.stderr)}")
    say(f"{label}: a run with nothing new took {again.wall_seconds:.1f} s")

    say(f"{label}: baseline")
    baseline, comparisons = crosscheck(landing, warehouse, run_dir / "baseline.json", label)
    say(f"{label}: baseline took {baseline.wall_seconds:.1f} s")

    month = latest_month(warehouse)
    say(f"{label}: refresh of {month}")
    refresh = measure(kpi("run", "--landing", landing, "--warehouse", warehouse, "--month", month), env=env)
    refresh_s = None if lacks_month_option(refresh) else refresh.wall_seconds
    if refresh_s is not None and refresh.returncode != 0:
        raise BenchError(f"{label}: kpi run --month {month} failed: {last_line(refresh.stderr)}")
    say(f"{label}: refresh n/a, kpi run has no --month" if refresh_s is None else f"{label}: refresh took {refresh_s:.1f} s")

    cases = [new_day_case(spec, landing, warehouse, run_dir, say), reextract_case(spec, landing, warehouse, run_dir, say)]

    return ScaleResult(
        scale=spec.scale,
        months=spec.months,
        rows_read=stages.rows_read,
        full_run_s=full.wall_seconds,
        refresh_month=month,
        refresh_s=refresh_s,
        overhead_s=stages.first_step_at - full.started_at,
        stage_s=stages.seconds,
        peak_rss_bytes=full.peak_rss_bytes,
        peak_step=stages.step_at(full.peak_at),
        refresh_peak_rss_bytes=None if refresh_s is None else refresh.peak_rss_bytes,
        baseline_s=baseline.wall_seconds,
        baseline_peak_rss_bytes=baseline.peak_rss_bytes,
        crosscheck=comparisons,
        nothing_new_s=again.wall_seconds,
        cases=cases,
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 5.0, 20.0])
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--agents", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, default=BENCH_DIR / "data", help="landing folders and warehouses")
    parser.add_argument("--results", type=Path, default=BENCH_DIR / "results", help="latest.md and latest.json")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup = {"months": args.months, "agents": args.agents, "seed": args.seed, **machine()}
    say = functools.partial(print, flush=True)
    results: list[ScaleResult] = []
    try:
        for scale in args.scales:
            results.append(bench_scale(LandingSpec(scale, args.months, args.agents, args.seed), args.data.resolve(), say))
            # Written after every scale, so a long bench keeps what it has measured.
            text = write_report(results, {"finished_at": finished_at(), **setup}, args.results)
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    print(text)
    failed = [f"{r.scale:g}" for r in results if not r.crosscheck_ok]
    if failed:
        print(f"bench: baseline and marts disagree at scale {', '.join(failed)} (see the cross-check)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
