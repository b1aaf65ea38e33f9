"""`kpi run` as a person watches it: progress on stderr, a log per run without colour codes, rows read accounted
for (loaded + quarantined + replaced), and the Data Docs of a failed suite named and readable offline."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dagster_kpi.generate import generate_landing
from dagster_kpi.progress import STAGES
from tests.test_validation_docs import rendered

pytestmark = pytest.mark.e2e  # runs `kpi run` twice

PROGRESS = re.compile(r"^ +\d+:\d\d  (\w+) +(\d+)/(\d+)  (.*)$")
ROWS = re.compile(r"^(\w+): ([\d,]+) read, ([\d,]+) loaded, ([\d,]+) quarantined, ([\d,]+) replaced$")


def kpi(*args: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dagster_kpi.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=900, env={**os.environ, **(env or {})})  # fmt: skip


def data_lines(path: Path) -> int:
    return len(path.read_bytes().splitlines()) - 1  # the header


def number(text: str) -> int:
    return int(text.replace(",", ""))


def test_a_run_shows_its_progress_and_keeps_its_log_and_a_failed_suite_points_to_its_data_docs(tmp_path):
    landing = tmp_path / "landing"
    generate_landing(landing, months=2, agents=8, scale=0.02, seed=5, start="2026-01")
    calls = landing / "calls"
    # The generated re-extract is replaced by one of our own: the first 5 calls of January again, a day later.
    for path in calls.glob("*_reextract.csv"):
        path.unlink()
    january = calls / "calls_2026-01.csv"
    again = calls / "calls_2026-01_again.csv"
    again.write_bytes(b"\n".join(january.read_bytes().splitlines()[:6]) + b"\n")
    stamp = january.stat().st_mtime + 86_400
    os.utime(again, (stamp, stamp))
    read = data_lines(january) + data_lines(calls / "calls_2026-02.csv") + 5
    warehouse = tmp_path / "wh" / "warehouse.duckdb"

    run = kpi("run", "--landing", landing, "--warehouse", warehouse)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = run.stderr.splitlines()
    parsed = [PROGRESS.match(line) for line in lines]
    assert all(parsed), [line for line, m in zip(lines, parsed, strict=True) if not m]
    stages = [m[1] for m in parsed if m]
    steps = [int(m[2]) for m in parsed if m]
    total = int(parsed[0][3])  # type: ignore[index]
    # start, then the five stages in order, each step counted once; the last step is the last of N.
    assert list(dict.fromkeys(stages)) == ["start", *STAGES]
    assert steps == sorted(steps) and steps[-1] == total and parsed[-1][4] == "done"  # type: ignore[index]
    rows = {m[1]: [number(m[i]) for i in (2, 3, 4, 5)] for m in (ROWS.match(p[4]) for p in parsed if p) if m}
    assert len(rows) == 18 and [int(p[2]) for p in parsed if p and ROWS.match(p[4])] == list(range(1, 19))
    # calls: every line of the two monthly files and the 5 of the re-extract read; the 5 older rows replaced.
    assert rows["calls"] == [read, read - 5, 0, 5]
    assert all(r == loaded + quarantined + replaced for r, loaded, quarantined, replaced in rows.values())
    assert any("dbt: " in line and " done" in line for line in lines)
    # The run summary says the same on stdout.
    summary = next(line.split() for line in run.stdout.splitlines() if line.startswith("calls "))
    assert [number(x) for x in summary[1:5]] == [read, read - 5, 0, 5]
    assert "read = loaded + quarantined + replaced" in run.stdout

    first_log = warehouse.with_name("warehouse.work") / "last_run.log"
    text = first_log.read_text(encoding="utf-8")
    # dbt's lines, without colour codes, among the progress lines.
    assert re.search(r"^\d+ of \d+ OK created sql table model marts\.kpi_values \.+ \[OK in ", text, re.MULTILINE)
    assert "\x1b" not in text and "  ingest     1/" in text

    # A second run with a tenth of January's calls and no February: the raw drift suite fails and blocks.
    kept = first_log.resolve()
    january.write_bytes(b"\n".join(january.read_bytes().splitlines()[:20]) + b"\n")
    (calls / "calls_2026-02.csv").unlink()
    failed = kpi("run", "--landing", landing, "--warehouse", warehouse, "--quiet", env={"KPI_RUN_LOGS_KEEP": "1"})
    assert failed.returncode == 1
    errors = failed.stderr.splitlines()
    assert not any(PROGRESS.match(line) for line in errors)  # --quiet: errors only
    assert errors[-1].startswith("kpi run: not published: check raw_calls_suite on raw/calls failed")
    docs = next(Path(line.split(": ", 1)[1]) for line in errors if line.startswith("validation results (Data Docs): "))
    assert docs.parent.parent == warehouse.with_name("warehouse.work") / "data_docs"
    page = rendered(docs)
    assert re.search(r'<a href="#raw_calls">raw_calls</a></td><td>raw.calls</td><td>the whole table</td>'
                     r'<td><span class="failed-text">FAILED</span>', page)  # fmt: skip
    assert not re.search(r"https?://", docs.read_text(encoding="utf-8"))

    # Each run has its own log; KPI_RUN_LOGS_KEEP=1 kept only the latest, which last_run.log links to.
    logs = sorted((warehouse.with_name("warehouse.work") / "logs").iterdir())
    assert len(logs) == 1 and logs[0] != kept and first_log.resolve() == logs[0]
    log = logs[0].read_text(encoding="utf-8")
    assert "\x1b" not in log and "checks on the raw tables" in log and "stopped: not published" in log
    assert f"details: {logs[0]}" in failed.stderr
