"""`kpi-dbt`: the dbt command as a run starts it, a child process that dies with the run.

dagster-dbt starts dbt as a plain child process. If the run is killed (SIGKILL, the out-of-memory killer),
such a child lives on, re-parented, and keeps writing the work database while the next run starts. This
entry point asks Linux to kill it when its parent dies (`PR_SET_PDEATHSIG`, kept across `exec`), then
becomes dbt. Elsewhere it is plain dbt; the next run's check for processes holding the work database
(`runner.work_db_holders`) still stops a run from starting beside a survivor.

A first argument `--kpi-work-dir=DIR` makes dbt start in DIR (the warehouse's work folder, where the profile's
relative work-database path points; see dagster_kpi.dbt_project) and is not passed on to dbt.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from pathlib import Path
from typing import NoReturn

PR_SET_PDEATHSIG = 1
DBT = Path(sys.executable).parent / "dbt"
WORK_DIR_OPTION = "--kpi-work-dir="


def die_with_parent() -> None:
    """Have this process killed when its parent dies; exit at once if the parent is already gone."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if parent == 1 or os.getppid() != parent:  # the parent died before the request took effect
        sys.exit(1)


def main() -> NoReturn:
    die_with_parent()
    args = sys.argv[1:]
    if args and args[0].startswith(WORK_DIR_OPTION):
        os.chdir(args.pop(0).removeprefix(WORK_DIR_OPTION))
    # A local Spark session (the spark target) binds to the loopback address unless told otherwise.
    os.execve(DBT, [str(DBT), *args], {"SPARK_LOCAL_IP": "127.0.0.1", **os.environ})


if __name__ == "__main__":
    main()
