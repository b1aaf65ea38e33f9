"""`make bench-encodings`: one calls CSV of a million rows ingested as UTF-8, GBK and GB18030, side by side.

    python -m bench.encodings [--rows 1000000] [--data bench/data/encodings] [--results bench/results]

The file is a month of generated calls in the Chinese layout (Chinese headers and values, as the call
centre's re-extracts are written), cut to `--rows` rows and written once per encoding. Each case runs
`dagster_kpi.ingest.ingest_source` on its own landing folder into a fresh DuckDB file, in its own process:
wall time and peak RSS of that process, and inside it the time of the ingestion and of its encoding step
(the UTF-8 check, the check for mixed encodings, telling GBK/GB18030 from Big5, and the transcoding to a
UTF-8 copy), timed by wrapping the reader's functions. Results go to `encodings.md` in the results folder.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .errors import BenchError, last_line
from .measure import measure
from .report import MIB, finished_at, machine

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
SOURCE = "calls"
SEED = 7
MONTH = "2026-01"
# The reader's functions whose time is the encoding step, in the order a non-UTF-8 CSV meets them.
ENCODING_STEPS = ("is_utf8", "mixed_encodings", "chinese_encoding", "transcode")
TOTAL_STEP = "_utf8_copy"


NOTES = (
    "Each row is the fastest run of its case by ingest time, the one least disturbed by other work on the "
    "machine (the cases take turns). Each run calls `ingest_source` for the calls source on its own landing "
    "folder into a fresh DuckDB file, in its own process (process wall: that process from start to exit, "
    "imports included; peak RSS: its sampled peak). Ingest: the `ingest_source` call. Encoding step: the "
    "reader's `_utf8_copy` (the UTF-8 check, then for a file that is not UTF-8 the mixed-encoding check, "
    "telling GBK/GB18030 from Big5 unless the setting names the encoding, and the transcoding to a UTF-8 "
    "copy); rest: reading the UTF-8 text with DuckDB, parsing, and writing raw and quarantine."
)


@dataclass(frozen=True)
class Case:
    label: str
    file_encoding: str  # Python codec the file is written in
    setting: str | None = None  # the source's `encodings` setting, if any


CASES = (
    Case("UTF-8", "utf-8"),
    Case("GBK", "gbk"),
    Case("GB18030", "gb18030"),
    Case("GBK, setting encodings = gbk", "gbk", "gbk"),
)


def write_files(folder: Path, rows: int) -> dict[str, Path]:
    """The landing folders `folder/<encoding>_<rows>/` holding `calls/calls.csv` in each file encoding of CASES (the
    same text), kept while they exist."""
    encodings = sorted({case.file_encoding for case in CASES})
    landings = {encoding: folder / f"{encoding}_{rows}" for encoding in encodings}
    files = {encoding: landing / SOURCE / "calls.csv" for encoding, landing in landings.items()}
    if all(path.is_file() for path in files.values()):
        return landings
    import duckdb
    import pyarrow as pa
    import pyarrow.csv as pcsv

    from dagster_kpi.contract import load_contract
    from dagster_kpi.generate import write
    from dagster_kpi.generate.calls import CALLS_PER_MONTH, call_month
    from dagster_kpi.generate.customers import build_customers
    from dagster_kpi.generate.people import build_roster
    from dagster_kpi.generate.streams import stream
    from dagster_kpi.generate.timeline import resolve_period

    period = resolve_period(MONTH, 1, datetime.now().date())
    scale = 1.1 * rows / CALLS_PER_MONTH  # a little more than a month of `rows` calls, then cut
    roster = build_roster(stream(SEED, "agents"), 60, period)
    customers = build_customers(stream(SEED, "customers"), period, scale)
    while True:
        table = call_month(stream(SEED, "calls", 0), period, 0, roster, customers, scale, 1.0).table
        if table.num_rows >= rows:
            break
        scale *= 1.1 * rows / max(table.num_rows, 1)
    table = table.slice(0, rows)
    with duckdb.connect() as con:
        shown = write.localize(con, table, load_contract()[SOURCE], chinese=True)
    buffer = pa.BufferOutputStream()
    pcsv.write_csv(shown, buffer, write.CSV_OPTIONS)
    text = buffer.getvalue().to_pybytes().decode("utf-8")
    del table, shown, buffer
    for encoding, path in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode(encoding))
    return landings


def _timed(timings: dict[str, float], name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            timings[name] = timings.get(name, 0.0) + time.perf_counter() - start

    return timed


def ingest_once(landing: Path, database: Path, setting: str | None) -> dict[str, Any]:
    """Ingest `landing/calls/` into a fresh DuckDB file, timing the reader's encoding step; runs in the child."""
    import duckdb

    from dagster_kpi.contract import load_contract
    from dagster_kpi.ingest import ingest_source, readers
    from dagster_kpi.settings import load_settings

    timings: dict[str, float] = {}
    for name in (*ENCODING_STEPS, TOTAL_STEP):
        if hasattr(readers, name):
            setattr(readers, name, _timed(timings, name, getattr(readers, name)))
    database.unlink(missing_ok=True)
    now = datetime.now()
    with duckdb.connect(str(database), config=dict(load_settings().duckdb_config)) as con:
        start = time.perf_counter()
        report = ingest_source(con, load_contract()[SOURCE], landing, loaded_at=now, encoding=setting)
        seconds = time.perf_counter() - start
    return {"ingest_s": seconds, "timings": timings, "rows_read": report.rows_read, "rows_loaded": report.rows_loaded}


@dataclass(frozen=True)
class CaseResult:
    case: Case
    file_bytes: int
    same_bytes_as: str  # the label of an earlier case whose file has the same bytes, else ""
    wall_s: float
    peak_rss_bytes: int
    ingest_s: float
    timings: dict[str, float]
    rows_read: int
    rows_loaded: int

    @property
    def encoding_s(self) -> float:
        return self.timings.get(TOTAL_STEP, 0.0)


def run_case(case: Case, landing: Path, work: Path) -> dict[str, Any]:
    out = work / "result.json"
    command = [sys.executable, "-m", "bench.encodings", "--child", str(landing), "--database", str(work / "ingest.duckdb"),
               "--out", str(out)]  # fmt: skip
    if case.setting:
        command += ["--setting", case.setting]
    measured = measure(command, cwd=PROJECT_ROOT)
    if measured.returncode != 0:
        raise BenchError(f"{case.label}: ingestion failed: {last_line(measured.stderr)}")
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return {**result, "wall_s": measured.wall_seconds, "peak_rss_bytes": measured.peak_rss_bytes}


def markdown(results: list[CaseResult], rows: int, setup: dict[str, object]) -> str:
    utf8 = next(r for r in results if r.case.file_encoding == "utf-8")
    lines = [
        f"# Ingesting one calls CSV of {rows:,} rows by encoding, {setup['finished_at']}",
        "",
        "Setup: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in setup.items() if k != "finished_at"),
        "",
        "| file | size MiB | process wall s | ingest s | ÷ UTF-8 | encoding step s | share of ingest | "
        "UTF-8 check s | mixed check s | detection s | transcode s | rest of ingest s | peak RSS MiB | rows loaded |",
        "|" + "---|" * 14,
    ]
    for r in results:
        t = r.timings
        lines.append(
            "| "
            + " | ".join(
                [
                    r.case.label + (f" (same bytes as {r.same_bytes_as})" if r.same_bytes_as else ""),
                    f"{r.file_bytes / MIB:,.0f}",
                    f"{r.wall_s:.2f}",
                    f"{r.ingest_s:.2f}",
                    f"{r.ingest_s / utf8.ingest_s:.2f}×",
                    f"{r.encoding_s:.2f}",
                    f"{r.encoding_s / r.ingest_s:.0%}",
                    *(f"{t[name]:.2f}" if name in t else "–" for name in ENCODING_STEPS),
                    f"{r.ingest_s - r.encoding_s:.2f}",
                    f"{r.peak_rss_bytes / MIB:,.0f}",
                    f"{r.rows_loaded:,}",
                ]
            )
            + " |"
        )
    lines += ["", NOTES, ""]
    for r in results:
        if r.case.file_encoding == "utf-8":
            continue
        # DuckDB reads the same UTF-8 bytes after the encoding step in every case: what an encoding costs is that step.
        alike = (utf8.ingest_s - utf8.encoding_s + r.encoding_s) / utf8.ingest_s
        lines.append(
            f"- {r.case.label}: the encoding step takes {r.encoding_s:.2f} s ({r.encoding_s / r.ingest_s:.0%} of this "
            f"run's ingest) against UTF-8's {utf8.encoding_s:.2f} s; with the rest of the ingestion as in the UTF-8 "
            f"run, which reads the same UTF-8 text, the ingestion takes {alike:.2f}× UTF-8's."
        )
    lines += ["", f"DuckDB's own `read_csv(encoding = ...)` for GBK/GB18030: {duckdb_encodings()}.", ""]
    return "\n".join(lines)


def duckdb_encodings() -> str:
    """Whether this DuckDB reads GB18030 itself: its CSV reader knows UTF-8, UTF-16 and Latin-1; others come with the
    `encodings` extension, which is loaded here only if it is installed already (nothing is downloaded)."""
    import duckdb

    with duckdb.connect(config={"autoinstall_known_extensions": False}) as con:
        try:
            con.execute("LOAD encodings")
        except duckdb.Error:
            return f"not available (DuckDB {duckdb.__version__} without its `encodings` extension installed)"
    return f"the `encodings` extension of DuckDB {duckdb.__version__} is installed (not measured here)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.encodings", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each case; the fastest is reported")
    parser.add_argument("--data", type=Path, default=BENCH_DIR / "data" / "encodings", help="the generated files")
    parser.add_argument("--results", type=Path, default=BENCH_DIR / "results", help="encodings.md")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--database", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--setting", help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.child:
        result = ingest_once(args.child, args.database, args.setting)
        args.out.write_text(json.dumps(result), encoding="utf-8")
        return 0
    say = functools.partial(print, flush=True)
    setup = {**machine()}
    say(f"encodings: files of {args.rows:,} rows")
    landings = write_files(args.data.resolve(), args.rows)
    digests = {encoding: _digest(landing / SOURCE / "calls.csv") for encoding, landing in landings.items()}
    runs: dict[Case, list[dict[str, Any]]] = {case: [] for case in CASES}
    try:
        for repeat in range(1, args.repeat + 1):  # the cases take turns, so a busy moment does not hit one case only
            for case in CASES:
                with tempfile.TemporaryDirectory(prefix="kpi-bench-encodings-") as work:
                    runs[case].append(run_case(case, landings[case.file_encoding], Path(work)))
                say(f"encodings: run {repeat} of {args.repeat}, {case.label}: ingest {runs[case][-1]['ingest_s']:.2f} s")
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    results: list[CaseResult] = []
    for case, measured in runs.items():
        earlier = [r.case for r in results]
        same = (
            ""
            if any(c.file_encoding == case.file_encoding for c in earlier)
            else next((c.label for c in earlier if digests[c.file_encoding] == digests[case.file_encoding]), "")
        )
        size = (landings[case.file_encoding] / SOURCE / "calls.csv").stat().st_size
        fastest = min(measured, key=lambda run: run["ingest_s"])
        results.append(CaseResult(case, size, same, **fastest))
    text = markdown(results, args.rows, {"finished_at": finished_at(), "runs per case": args.repeat, **setup})
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "encodings.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


def _digest(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


if __name__ == "__main__":
    raise SystemExit(main())
