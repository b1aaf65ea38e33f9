"""Fault injection for the crash tests: the setting `fault_at` (`KPI_FAULT_AT=<stage>`) kills the run at that
stage with SIGKILL.

Stages: ingest (after a source is loaded), dbt (while dbt is building), validation (after a suite
ran), publish (after both copies of the marts are staged, before either switches), switch (after the
warehouse file is replaced, before the Parquet `current` link is switched).
"""

from __future__ import annotations

import os
import signal
import threading

from dagster_kpi.settings import FAULT_STAGES

STAGES = FAULT_STAGES


def fault_point(stage: str, armed: str | None) -> None:
    """Kill this process when `stage` is the armed one."""
    if armed == stage:
        os.kill(os.getpid(), signal.SIGKILL)


def arm_fault(stage: str, armed: str | None, after_seconds: float) -> None:
    """Kill the run at `stage` after a delay, while the stage's work (e.g. a dbt child process) is under way."""
    if armed == stage:
        timer = threading.Timer(after_seconds, fault_point, args=(stage, armed))
        timer.daemon = True
        timer.start()


# The variable that sets `fault_at`, for tests that start `kpi` processes.
FAULT_ENV = "KPI_FAULT_AT"
