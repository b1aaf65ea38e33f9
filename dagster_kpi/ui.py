"""`kpi ui`: Dagster's web UI (`dagster dev`) as a child that stops, with everything it started, when `kpi ui` is told to.

`dagster dev` starts the webserver, the daemon and code servers as its own children. Told to stop, it shuts the
webserver and the daemon down but leaves the code servers to notice its absence by a heartbeat timeout, 30 to 45
seconds later, and a service manager waiting for the whole process tree waits as long. So `kpi ui` runs it in a
process group of its own. On SIGTERM, SIGINT (Ctrl-C) or SIGHUP it sends SIGTERM to `dagster dev` (which stops the
webserver and the daemon, in about 5 seconds), then to what is left of the group; whatever is still running
STOP_GRACE_SECONDS after the signal is killed. When `dagster dev` ends by itself, what it left is stopped too.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from types import FrameType

STOP_GRACE_SECONDS = 10.0
"""How long the UI's processes get to shut down after SIGTERM before they are killed."""
LEFTOVER_GRACE_SECONDS = 2.0
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal_group(group: int, signum: int) -> None:
    try:
        os.killpg(group, signum)
    except ProcessLookupError:
        pass


def stop_group(group: int, grace: float) -> None:
    """SIGTERM to every process of `group`, SIGKILL to those still there after `grace` seconds."""
    _signal_group(group, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while _group_alive(group) and time.monotonic() < deadline:
        time.sleep(0.1)
    _signal_group(group, signal.SIGKILL)


def serve(command: Sequence[str], env: Mapping[str, str], grace: float = STOP_GRACE_SECONDS) -> int:
    """Run `command` in a process group of its own until it ends or a stop signal comes; 0 when stopped by a signal,
    else its exit code. Nothing of the group outlives this call."""
    child = subprocess.Popen(list(command), env=dict(env), start_new_session=True)
    stop_at: list[float] = []

    def request_stop(signum: int, frame: FrameType | None) -> None:
        if not stop_at:
            stop_at.append(time.monotonic())
            child.send_signal(signal.SIGTERM)  # `dagster dev` stops its webserver and daemon itself

    previous = {signum: signal.signal(signum, request_stop) for signum in STOP_SIGNALS}
    try:
        while True:
            try:
                code = child.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                if stop_at and time.monotonic() - stop_at[0] > grace:
                    _signal_group(child.pid, signal.SIGKILL)
        stop_group(child.pid, LEFTOVER_GRACE_SECONDS)  # the code servers `dagster dev` leaves behind
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if child.poll() is None:  # interrupted by an error of our own: leave nothing running
            stop_group(child.pid, 0)
            child.wait()
    return 0 if stop_at else code
