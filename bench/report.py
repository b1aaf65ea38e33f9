"""The benchmark's results: one row per scale, the targets, the cross-check; as Markdown and JSON."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

from dagster_kpi.settings import load_settings

from .crosscheck import REQUIRED, Comparison, required_agree
from .stages import STAGES

MIB = 1 << 20
GIB = 1 << 30

# Targets to report against, not to assert.
BASELINE_FACTOR = 3.0  # full run at the largest scale within 3x the baseline
SMALL_BASELINE_FACTOR = 6.0  # and at scale 1 within 6x
REFRESH_SHARE = 0.20  # one-month refresh at most 20% of a full run
NOTHING_NEW_SECONDS = 10.0  # a run with nothing new
PEAK_BYTES = 4 * GIB
OVERHEAD_SECONDS = 8.0
NEW_DAY_SHARE = 0.15  # one new day of calls through the sensor path at most 15% of a full run
NEW_DAY_SCALE = 20.0  # at this scale

NEW_DAY = "new day via the sensor"
REEXTRACT = "late re-extract"


@dataclass(frozen=True)
class CaseResult:
    """A run after a change to the landing folder, on the warehouse of the full run."""

    case: str  # NEW_DAY or REEXTRACT
    change: str  # what changed in the landing folder, or why the case was not measured
    wall_s: float | None = None  # None: not measured
    overhead_s: float | None = None  # process start to the first step
    stage_s: dict[str, float] = field(default_factory=dict)  # every stage of STAGES when measured
    peak_rss_bytes: int | None = None
    crosscheck: list[Comparison] = field(default_factory=list)  # the baseline on the changed folder vs the marts

    @property
    def measured(self) -> bool:
        return self.wall_s is not None

    @property
    def crosscheck_ok(self) -> bool:
        return required_agree(self.crosscheck)


@dataclass(frozen=True)
class ScaleResult:
    scale: float
    months: int
    rows_read: int  # raw rows the ingest steps read
    full_run_s: float
    refresh_month: str  # YYYY-MM
    refresh_s: float | None  # None: `kpi run` has no --month option
    overhead_s: float  # process start to the first step: start-up and `dbt parse`
    stage_s: dict[str, float]  # every stage of STAGES
    peak_rss_bytes: int  # full run, whole process tree
    peak_step: str  # the step running when the full run's memory peaked
    refresh_peak_rss_bytes: int | None
    baseline_s: float
    baseline_peak_rss_bytes: int
    crosscheck: list[Comparison] = field(default_factory=list)
    nothing_new_s: float | None = None  # a second `kpi run` right after the full run
    cases: list[CaseResult] = field(default_factory=list)  # after the refresh, in order

    @property
    def rows_per_s(self) -> float:
        return self.rows_read / self.full_run_s

    @property
    def baseline_factor(self) -> float:
        return self.full_run_s / self.baseline_s

    @property
    def refresh_share(self) -> float | None:
        return None if self.refresh_s is None else self.refresh_s / self.full_run_s

    @property
    def max_peak_rss_bytes(self) -> int:
        return max(self.peak_rss_bytes, self.refresh_peak_rss_bytes or 0, *(c.peak_rss_bytes or 0 for c in self.cases))

    def case(self, name: str) -> CaseResult | None:
        return next((c for c in self.cases if c.case == name and c.measured), None)

    def case_share(self, name: str) -> float | None:
        """A measured case's wall time ÷ the full run's."""
        found = self.case(name)
        return None if found is None or found.wall_s is None else found.wall_s / self.full_run_s

    @property
    def crosscheck_ok(self) -> bool:
        """The baseline agrees with the marts after the full run and after every measured case."""
        return required_agree(self.crosscheck) and all(c.crosscheck_ok for c in self.cases if c.measured)


COLUMNS = (
    "scale",
    "rows read",
    "full run s",
    "refresh s",
    "refresh ÷ full",
    "nothing new s",
    "overhead s",
    *(f"{stage} s" for stage in STAGES),
    "peak MiB",
    "peak during",
    "rows/s",
    "baseline s",
    "baseline peak MiB",
    "full ÷ baseline",
    "cross-check",
)


NOTES = (
    "Stages are Σ step times from the run's Dagster storage (dbt includes its dbt tests; validation is the "
    "Great Expectations suites and the other asset checks). Overhead: process start to the first step "
    "(start-up and `dbt parse`). Peak: the full run's RSS summed over its whole process tree, sampled every "
    "50 ms; peak during: the step running then; the memory target also counts the peaks of the refresh and "
    "of the incremental runs. Rows/s: raw rows read ÷ full-run wall time. Baseline: `bench/baseline.sql` on "
    "the same landing files. Cross-check: after the full run and after each incremental run."
)

CASE_COLUMNS = (
    "scale",
    "case",
    "change",
    "wall s",
    "÷ full",
    "overhead s",
    *(f"{stage} s" for stage in STAGES),
    "peak MiB",
    "cross-check",
)

CASE_NOTES = (
    f"After the refresh, on the same warehouse. {NEW_DAY}: one file of the calls of the day after the data added "
    "to the landing folder, then the landing sensor's evaluation (`evaluate_landing`, against the cursor it held "
    "before the file came) and the run it requests (its job and tags) executed through the product's runner, in "
    f"one process. {REEXTRACT}: an old month's calls file replaced by a later extract (some talk times changed, "
    "a few calls added, a new modification time), then `kpi run`. Stages, overhead and peak as for the full run."
)


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def _row(r: ScaleResult) -> list[str]:
    share = r.refresh_share
    return [
        f"{r.scale:g}",
        f"{r.rows_read:,}",
        _seconds(r.full_run_s),
        _seconds(r.refresh_s),
        "n/a" if share is None else f"{share:.0%}",
        _seconds(r.nothing_new_s),
        _seconds(r.overhead_s),
        *(_seconds(r.stage_s[stage]) for stage in STAGES),
        f"{r.peak_rss_bytes / MIB:,.0f}",
        r.peak_step,
        f"{r.rows_per_s:,.0f}",
        _seconds(r.baseline_s),
        f"{r.baseline_peak_rss_bytes / MIB:,.0f}",
        f"{r.baseline_factor:.1f}×",
        "agrees" if r.crosscheck_ok else "DIFFERS",
    ]


def _case_row(r: ScaleResult, c: CaseResult) -> list[str]:
    if not c.measured:
        return [f"{r.scale:g}", c.case, c.change, *["n/a"] * (len(CASE_COLUMNS) - 3)]
    share = r.case_share(c.case)
    return [
        f"{r.scale:g}",
        c.case,
        c.change,
        _seconds(c.wall_s),
        "n/a" if share is None else f"{share:.0%}",
        _seconds(c.overhead_s),
        *(_seconds(c.stage_s.get(stage)) for stage in STAGES),
        f"{(c.peak_rss_bytes or 0) / MIB:,.0f}",
        "agrees" if c.crosscheck_ok else "DIFFERS",
    ]


def _verdict(met: bool | None, shown: str) -> str:
    return f"n/a ({shown})" if met is None else f"{'met' if met else 'missed'} ({shown})"


def target_rows(results: list[ScaleResult]) -> list[list[str]]:
    largest = max(r.scale for r in results)
    rows = [
        [
            f"full run ≤ {BASELINE_FACTOR:g}× baseline (at scale {largest:g})",
            *(
                _verdict(r.baseline_factor <= BASELINE_FACTOR if r.scale == largest else None, f"{r.baseline_factor:.1f}×")
                for r in results
            ),
        ],
        [
            f"full run ≤ {SMALL_BASELINE_FACTOR:g}× baseline (at scale 1)",
            *(
                _verdict(r.baseline_factor <= SMALL_BASELINE_FACTOR if r.scale == 1 else None, f"{r.baseline_factor:.1f}×")
                for r in results
            ),
        ],
        [
            f"a run with nothing new ≤ {NOTHING_NEW_SECONDS:g} s",
            *(
                _verdict(
                    None if r.nothing_new_s is None else r.nothing_new_s <= NOTHING_NEW_SECONDS,
                    "not measured" if r.nothing_new_s is None else f"{r.nothing_new_s:.1f} s",
                )
                for r in results
            ),
        ],
        [
            f"one-month refresh ≤ {REFRESH_SHARE:.0%} of full run",
            *(
                _verdict(
                    None if r.refresh_share is None else r.refresh_share <= REFRESH_SHARE,
                    "no --month" if r.refresh_share is None else f"{r.refresh_share:.0%}",
                )
                for r in results
            ),
        ],
        [
            f"{NEW_DAY} ≤ {NEW_DAY_SHARE:.0%} of full run (at scale {NEW_DAY_SCALE:g})",
            *(
                _verdict(
                    None if r.case_share(NEW_DAY) is None or r.scale != NEW_DAY_SCALE else r.case_share(NEW_DAY) <= NEW_DAY_SHARE,
                    "not measured" if (share := r.case_share(NEW_DAY)) is None else f"{share:.0%}",
                )
                for r in results
            ),
        ],
        [
            f"peak memory < {PEAK_BYTES / GIB:g} GiB",
            *(_verdict(r.max_peak_rss_bytes < PEAK_BYTES, f"{r.max_peak_rss_bytes / GIB:.2f} GiB") for r in results),
        ],
        [
            f"fixed overhead ≤ {OVERHEAD_SECONDS:g} s",
            *(_verdict(r.overhead_s <= OVERHEAD_SECONDS, f"{r.overhead_s:.1f} s") for r in results),
        ],
    ]
    return rows


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


def machine() -> dict[str, object]:
    return {
        "cpus": os.cpu_count(),
        "load_1min_at_start": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "duckdb memory limit": load_settings().memory_limit,
        **{package: version(package) for package in ("duckdb", "dagster", "dbt-core", "dbt-duckdb")},
    }


def crosscheck_lines(results: list[ScaleResult]) -> list[str]:
    """One line per KPI: agreement at every scale after the full run and each incremental run, or where it differs."""
    by_code: dict[str, list[tuple[str, Comparison]]] = {}
    for r in results:
        checked = [("full run", r.crosscheck), *((c.case, c.crosscheck) for c in r.cases if c.measured)]
        for after, comparisons in checked:
            for c in comparisons:
                by_code.setdefault(c.kpi_code, []).append((f"scale {r.scale:g} after the {after}", c))
    several = any(c.measured for r in results for c in r.cases)
    lines = []
    for code, found in by_code.items():
        role = "required" if code in REQUIRED else "informative"
        if all(c.agrees for _where, c in found):
            state = "agrees in every month at every scale" + (", after every run" if several else "")
        else:
            state = "; ".join(
                f"{where}: differs in {len(c.differing)} of {c.months} months, e.g. {c.differing[0]}"
                for where, c in found
                if not c.agrees
            )
        lines.append(f"- {code} ({role}): {state}")
    return lines


def markdown(results: list[ScaleResult], setup: dict[str, object]) -> str:
    """The report: setup, results per scale, targets, and the baseline cross-check."""
    lines = [
        f"# Benchmark {setup['finished_at']}",
        "",
        "Setup: " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in setup.items() if k != "finished_at"),
        "",
        _table(list(COLUMNS), [_row(r) for r in results]),
        "",
        NOTES,
        "",
    ]
    if any(r.cases for r in results):
        lines += [
            "## Incremental runs",
            "",
            _table(list(CASE_COLUMNS), [_case_row(r, c) for r in results for c in r.cases]),
            "",
            CASE_NOTES,
            "",
        ]
    lines += [
        "## Targets",
        "",
        _table(["target", *(f"scale {r.scale:g}" for r in results)], target_rows(results)),
        "",
        "## Cross-check: baseline.sql against marts.kpi_values (centre, monthly)",
        "",
    ]
    lines += crosscheck_lines(results)
    return "\n".join(lines) + "\n"


def as_json(results: list[ScaleResult], setup: dict[str, object]) -> dict[str, object]:
    return {
        "setup": setup,
        "results": [
            {
                **asdict(r),
                "rows_per_s": r.rows_per_s,
                "baseline_factor": r.baseline_factor,
                "refresh_share": r.refresh_share,
                "crosscheck_ok": r.crosscheck_ok,
                "crosscheck": [{**asdict(c), "agrees": c.agrees} for c in r.crosscheck],
                "cases": [
                    {
                        **asdict(c),
                        "share_of_full_run": r.case_share(c.case),
                        "crosscheck_ok": c.crosscheck_ok if c.measured else None,
                        "crosscheck": [{**asdict(k), "agrees": k.agrees} for k in c.crosscheck],
                    }
                    for c in r.cases
                ],
            }
            for r in results
        ],
        "targets": [
            dict(zip(["target", *(f"scale {r.scale:g}" for r in results)], row, strict=True)) for row in target_rows(results)
        ],
    }


def write_report(results: list[ScaleResult], setup: dict[str, object], folder: Path) -> str:
    """Write `latest.md` and `latest.json` into `folder`; returns the Markdown."""
    folder.mkdir(parents=True, exist_ok=True)
    text = markdown(results, setup)
    (folder / "latest.md").write_text(text, encoding="utf-8")
    (folder / "latest.json").write_text(
        json.dumps(as_json(results, setup), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return text


def finished_at() -> str:
    return datetime.now().strftime("%Y-%m-%d %H:%M")
