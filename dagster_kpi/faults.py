"""Fault injection for the crash tests: `KPI_FAULT_AT=<stage>` kills the run at that stage with SIGKILL.

Stages: ingest (after a source is loaded), dbt (while dbt is building), validation (after a suite
ran), publish (after the new warehouse file is written, before it replaces the old one).
"""

from __future__ import annotations

import os
import signal
import threading

FAULT_ENV = "KPI_FAULT_AT"
STAGES = ("ingest", "dbt", "validation", "publish")


def fault_point(stage: str) -> None:
    if os.environ.get(FAULT_ENV) == stage:
        os.kill(os.getpid(), signal.SIGKILL)


def arm_fault(stage: str, after_seconds: float) -> None:
    """Kill the run at `stage` after a delay, while the stage's work (e.g. a dbt child process) is under way."""
    if os.environ.get(FAULT_ENV) == stage:
        timer = threading.Timer(after_seconds, fault_point, args=(stage,))
        timer.daemon = True
        timer.start()
