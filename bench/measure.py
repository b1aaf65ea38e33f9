"""Running a command as the benchmark sees it: wall time and the peak memory of its whole process tree."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

SAMPLE_SECONDS = 0.05


@dataclass(frozen=True)
class Measured:
    returncode: int
    started_at: float  # epoch seconds, comparable with Dagster's step times
    wall_seconds: float
    peak_rss_bytes: int  # the largest sampled sum of RSS over the process and all its descendants
    peak_at: float  # epoch seconds of that sample
    stdout: str
    stderr: str


def tree_rss(process: psutil.Process) -> int:
    """RSS of a process and its descendants now; processes that end while being read count as 0."""
    total = 0
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    for member in members:
        try:
            total += member.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total


def measure(command: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> Measured:
    """Run `command` to completion, sampling its tree's memory every SAMPLE_SECONDS."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started_at, start = time.time(), time.perf_counter()
        process = psutil.Popen(
            list(command), cwd=cwd, stdout=out, stderr=err, text=True, env=None if env is None else {**os.environ, **env}
        )
        peak, peak_at = 0, started_at
        done = threading.Event()

        def sample() -> None:
            nonlocal peak, peak_at
            while not done.is_set():
                rss = tree_rss(process)
                if rss > peak:
                    peak, peak_at = rss, time.time()
                done.wait(SAMPLE_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        returncode = process.wait()
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        return Measured(returncode, started_at, wall, peak, peak_at, out.read(), err.read())
