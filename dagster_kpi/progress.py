"""What a run is doing while it works: one line per stage, per source loaded and per check that fails, on stderr.

A run goes through five stages, each a run of Dagster steps in order: ingest (one step per source), checks (the
raw tables' quarantine share, freshness and drift), build (dbt), validate (the marts' suites) and publish. Each
line names the time since `kpi run` started, the stage and the step (n of the run's N):

      0:19  ingest     1/82  agents: 18 read, 18 loaded, 0 quarantined, 0 replaced
      1:12  build     73/82  dbt build started
      1:40  build     73/82  dbt: 75 of 747 done

On a terminal a status line (the step that is running) is redrawn below them; anywhere else (a file, a pipe, a
scheduler's log) only whole lines are written, and dbt's count every tenth of the way. Every line also goes to the
run's log. Nothing is coloured.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TextIO

STAGES = ("ingest", "checks", "build", "validate", "publish")
# dbt's line for a node that finished: "12 of 747 OK created sql view model ..." (not "START", nor a hook's).
DBT_DONE = re.compile(r"^\s*(\d+) of (\d+) (?!START\b)[A-Z]+ (?!hook:)")
DBT_STEPS = 10  # off a terminal, dbt's count is written this many times over a build
# Colour and other terminal control sequences, as dbt and Dagster write them.
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
CLEAR_LINE = "\r\x1b[K"


def plain(text: str) -> str:
    """`text` without terminal control sequences."""
    return ANSI.sub("", text)


def elapsed(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def stage_of(step_key: str, sources: Iterable[str]) -> str:
    """The stage of a step of the run's job: ingest `raw__<source>`, a check on a raw table, the dbt build, a check on
    a model (staging, intermediate, marts), or publish."""
    if step_key.startswith("published__"):
        return "publish"
    if step_key.startswith("raw__"):
        return "ingest" if step_key.removeprefix("raw__") in set(sources) else "checks"
    if step_key.startswith(("staging__", "intermediate__", "marts__")):
        return "validate"
    return "build"


def rows_line(source: str, metadata: Mapping[str, Any]) -> str:
    """`calls: 3,960 read, 3,921 loaded, 0 quarantined, 39 replaced` from the ingest asset's metadata."""
    counts = [(metadata.get(f"rows_{what}", 0) or 0, what) for what in ("read", "loaded", "quarantined", "replaced")]
    return f"{source}: " + ", ".join(f"{count:,} {what}" for count, what in counts)


class Progress:
    """Writes a run's progress to `stream` (None: only to the log), redrawing a status line when `live`."""

    def __init__(self, stream: TextIO | None, *, live: bool | None = None, clock: Callable[[], float] = time.monotonic):
        self.stream = stream
        self.live = bool(stream is not None and (stream.isatty() if live is None else live))
        self.clock = clock
        self.started = clock()
        self.log: TextIO | None = None
        self.total = 0
        self.stage_of: Callable[[str], str] = lambda _step: "build"
        self.step = 0
        self.stage = ""
        self.steps_seen: set[str] = set()
        self.status = ""
        self.dbt_done = 0  # dbt's nodes finished
        self.lock = threading.RLock()

    # --- what the run tells -------------------------------------------------------------------------------------

    def begin(self, total_steps: int, stage_of: Callable[[str], str], log: TextIO | None = None) -> None:
        """The run's job has `total_steps` steps; `stage_of(step_key)` names a step's stage."""
        self.total, self.stage_of, self.log = total_steps, stage_of, log
        self.write(f"{total_steps} steps: {', '.join(STAGES)}")

    def step_started(self, step_key: str) -> None:
        with self.lock:
            if step_key in self.steps_seen:
                return
            self.steps_seen.add(step_key)
            self.step += 1
            stage = self.stage_of(step_key)
            if stage != self.stage and stage != "ingest":  # each ingest step has its own line
                self.stage, self.status = stage, step_key
                self.write(STAGE_STARTS.get(stage, stage))  # and the status line below it
            else:
                self.stage = stage
                self.show_status(step_key)

    def materialized(self, step_key: str, asset_path: list[str], metadata: Mapping[str, Any]) -> None:
        if self.stage_of(step_key) == "ingest" and step_key == f"raw__{asset_path[-1]}":
            self.write(rows_line(asset_path[-1], metadata))

    def check_failed(self, check_name: str, asset: str, blocking: bool) -> None:
        self.write(f"check {check_name} on {asset} {'failed' if blocking else 'warns'}")

    def step_failed(self, step_key: str, details: str) -> None:
        """A step failed: one line, and the error in full (`details`) in the log only."""
        with self.lock:
            self.write(f"step {step_key} failed")
            if self.log is not None and details.strip():
                self.log.write(plain(details).rstrip() + "\n")
                self.log.flush()

    def output_line(self, line: str) -> None:
        """A line dbt printed: its count of finished nodes."""
        match = DBT_DONE.match(line)
        if not match:
            return
        total = int(match[2])
        with self.lock:
            self.dbt_done += 1
            done = self.dbt_done
            if self.live:
                self.show_status(f"dbt: {done} of {total} done")
            elif done * DBT_STEPS // total > (done - 1) * DBT_STEPS // total:
                self.write(f"dbt: {done} of {total} done")

    def finish(self, success: bool) -> None:
        with self.lock:
            self.status = ""
            self.write("done" if success else "stopped: not published")

    # --- writing ------------------------------------------------------------------------------------------------

    def line(self, message: str) -> str:
        stage = self.stage or "start"
        return f"{elapsed(self.clock() - self.started):>7}  {stage:<8} {self.step:>3}/{self.total}  {message}".rstrip()

    def write(self, message: str) -> None:
        """A whole line, on the stream and in the log."""
        with self.lock:
            text = self.line(message)
            if self.log is not None:
                self.log.write(text + "\n")
                self.log.flush()
            if self.stream is None:
                return
            if self.live:  # the line above the status line, which is drawn again below it
                self.stream.write(CLEAR_LINE + text + "\n" + (self.line(self.status) if self.status else ""))
            else:
                self.stream.write(text + "\n")
            self.stream.flush()

    def show_status(self, status: str) -> None:
        """The status line's new text (on a terminal only)."""
        with self.lock:
            self.status = status
            if self.live and self.stream is not None:
                self.stream.write(CLEAR_LINE + self.line(status))
                self.stream.flush()


STAGE_STARTS = {
    "checks": "checks on the raw tables: quarantine share, freshness, drift",
    "build": "dbt build started",
    "validate": "the marts' suites",
    "publish": "publishing",
}


class RunLog:
    """A text sink for the run's output (dbt's lines): whole lines go to `file` without control codes, and each to
    `progress`."""

    def __init__(self, file: TextIO, progress: Progress | None = None):
        self.file = file
        self.progress = progress
        self.pending = ""
        self.lock = progress.lock if progress is not None else threading.RLock()

    def write(self, text: str) -> int:
        with self.lock:  # one line at a time in the log, dbt's and the progress lines
            self.pending += text
            *lines, self.pending = self.pending.split("\n")
            for line in lines:
                clean = plain(line)
                self.file.write(clean + "\n")
                if self.progress is not None:
                    self.progress.output_line(clean)
        return len(text)

    def flush(self) -> None:
        self.file.flush()

    def close(self) -> None:
        if self.pending:
            self.write("\n")
        self.file.flush()


def dagster_listener(progress: Progress) -> Callable[[Any], None]:
    """An event listener for a Dagster instance (`instance.add_event_listener(run_id, ...)`) that tells `progress`."""
    from dagster import AssetCheckSeverity, DagsterEventType

    def on_event(entry: Any) -> None:
        event = entry.dagster_event
        if event is None:
            return
        if event.event_type == DagsterEventType.STEP_START and event.step_key:
            progress.step_started(event.step_key)
        elif event.event_type == DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.step_materialization_data.materialization
            metadata = {name: value.value for name, value in materialization.metadata.items()}
            progress.materialized(event.step_key or "", list(materialization.asset_key.path), metadata)
        elif event.event_type == DagsterEventType.STEP_FAILURE and event.step_key:
            failure = event.step_failure_data
            if failure.error and failure.error.cls_name == "DagsterAssetCheckFailedError":
                return  # a blocking check that failed: its own line said so
            described = failure.user_failure_data.description if failure.user_failure_data else None
            progress.step_failed(event.step_key, described or (failure.error.to_string() if failure.error else ""))
        elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.asset_check_evaluation_data
            if not evaluation.passed:
                blocking = evaluation.severity == AssetCheckSeverity.ERROR
                progress.check_failed(evaluation.check_name, evaluation.asset_key.to_user_string(), blocking)

    return on_event
