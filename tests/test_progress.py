"""A run's progress: stage, step n of N, rows per source, dbt's count and the time, as plain lines off a terminal."""

import io

from dagster_kpi.progress import Progress, RunLog, elapsed, stage_of

SOURCES = ["calls", "agents"]
# A run's steps in order, as the job names them (two sources).
STEPS = [
    "raw__calls",
    "raw__agents",
    "raw__calls_quarantine_share",
    "raw__calls_raw_calls_suite",
    "dbt_models",
    "marts__kpi_values_kpi_values_suite",
    "published__marts",
]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_each_step_has_its_stage_in_run_order():
    assert [stage_of(step, SOURCES) for step in STEPS] == [
        "ingest", "ingest", "checks", "checks", "build", "validate", "publish"]  # fmt: skip
    assert stage_of("intermediate__int_centre_only_records_centre_only_records", SOURCES) == "validate"


def test_elapsed_reads_as_minutes_and_seconds():
    assert [elapsed(s) for s in (0, 59.9, 61, 3599, 3600 + 125)] == ["0:00", "0:59", "1:01", "59:59", "1:02:05"]


def run_through(progress: Progress, clock: Clock, log: io.StringIO) -> None:
    progress.begin(len(STEPS), lambda key: stage_of(key, SOURCES), log)
    clock.now += 19
    progress.step_started("raw__calls")
    progress.materialized(
        "raw__calls", ["raw", "calls"], {"rows_read": 3960, "rows_loaded": 3921, "rows_quarantined": 0, "rows_replaced": 39}
    )
    clock.now += 2
    progress.step_started("raw__agents")
    progress.materialized("raw__agents", ["raw", "agents_snapshots"], {})  # the snapshots table: no line of its own
    progress.materialized("raw__agents", ["raw", "agents"], {"rows_read": 18, "rows_loaded": 18})
    progress.step_started("raw__calls_quarantine_share")
    progress.step_started("raw__calls_quarantine_share")  # told twice, counted once
    clock.now += 30
    progress.step_started("raw__calls_raw_calls_suite")
    progress.check_failed("raw_calls_suite", "raw/calls", blocking=True)
    progress.step_started("dbt_models")
    output = RunLog(log, progress)
    output.write("1 of 1 OK hook: dagster_kpi.on-run-start.0 .... [\x1b[32mOK\x1b[0m in 0.01s]\n")
    for n in range(1, 21):
        clock.now += 1
        output.write(f"{n} of 20 START sql view model staging.m{n}\n{n} of 20 OK created sql view model staging.m{n} [")
        output.write("\x1b[32mOK\x1b[0m in 1.0s]\n")
    clock.now += 5
    progress.step_started("marts__kpi_values_kpi_values_suite")
    progress.step_started("published__marts")
    progress.finish(True)


def test_off_a_terminal_progress_is_plain_lines_also_in_the_log():
    clock, stream, log = Clock(), io.StringIO(), io.StringIO()
    run_through(Progress(stream, clock=clock), clock, log)
    lines = stream.getvalue().splitlines()
    assert lines[:5] == [
        "   0:00  start      0/7  7 steps: ingest, checks, build, validate, publish",
        "   0:19  ingest     1/7  calls: 3,960 read, 3,921 loaded, 0 quarantined, 39 replaced",
        "   0:21  ingest     2/7  agents: 18 read, 18 loaded, 0 quarantined, 0 replaced",
        "   0:21  checks     3/7  checks on the raw tables: quarantine share, freshness, drift",
        "   0:51  checks     4/7  check raw_calls_suite on raw/calls failed",
    ]
    # dbt's count every tenth of the way (20 nodes: every second one), the hook's own count left out.
    assert lines[5:17] == [
        "   0:51  build      5/7  dbt build started",
        *(f"{elapsed(51 + n):>7}  build      5/7  dbt: {n} of 20 done" for n in range(2, 21, 2)),
        "   1:16  validate   6/7  the marts' suites",
    ]
    assert lines[17:] == ["   1:16  publish    7/7  publishing", "   1:16  publish    7/7  done"]
    assert "\r" not in stream.getvalue() and "\x1b" not in stream.getvalue()
    # The log holds the same lines, and dbt's, without colour codes.
    logged = log.getvalue().splitlines()
    assert [line for line in logged if line in lines] == lines
    assert "1 of 1 OK hook: dagster_kpi.on-run-start.0 .... [OK in 0.01s]" in logged
    assert "\x1b" not in log.getvalue()


def test_on_a_terminal_a_status_line_is_redrawn_below_the_lines():
    clock, terminal, log = Clock(), Terminal(), io.StringIO()
    run_through(Progress(terminal, clock=clock), clock, log)
    text = terminal.getvalue()
    assert "\r\x1b[K   1:11  build      5/7  dbt: 20 of 20 done" in text
    assert "dbt: 19 of 20 done" in text  # every count, redrawn in place
    assert text.endswith("\r\x1b[K   1:16  publish    7/7  done\n")
    # The log has whole lines only.
    assert "\r" not in log.getvalue() and "dbt: 19 of 20 done" not in log.getvalue()


def test_quiet_writes_only_the_log():
    clock, log = Clock(), io.StringIO()
    run_through(Progress(None, clock=clock), clock, log)
    assert "   0:19  ingest     1/7  calls: 3,960 read, 3,921 loaded, 0 quarantined, 39 replaced" in log.getvalue()


def test_a_new_stage_s_line_is_followed_by_the_status_of_its_first_step():
    clock, terminal = Clock(), Terminal()
    progress = Progress(terminal, clock=clock)
    progress.begin(len(STEPS), lambda key: stage_of(key, SOURCES))
    progress.step_started("raw__calls")
    progress.step_started("raw__agents")
    terminal.seek(0)
    terminal.truncate()
    progress.step_started("raw__calls_quarantine_share")
    assert terminal.getvalue() == (
        "\r\x1b[K   0:00  checks     3/7  checks on the raw tables: quarantine share, freshness, drift\n"
        "   0:00  checks     3/7  raw__calls_quarantine_share"
    )


def test_a_failed_step_is_one_line_and_its_error_in_full_in_the_log():
    clock, stream, log = Clock(), io.StringIO(), io.StringIO()
    progress = Progress(stream, clock=clock)
    progress.begin(len(STEPS), lambda key: stage_of(key, SOURCES), log)
    progress.step_started("raw__calls")
    progress.step_failed("raw__calls", 'ExtractError: calls/a.csv: \x1b[31mnot a CSV\x1b[0m\n  File "load.py", line 3\n')
    assert stream.getvalue().splitlines()[-1] == "   0:00  ingest     1/7  step raw__calls failed"
    assert log.getvalue().splitlines()[-3:] == [
        "   0:00  ingest     1/7  step raw__calls failed",
        "ExtractError: calls/a.csv: not a CSV",
        '  File "load.py", line 3',
    ]


def test_dagster_s_events_reach_the_progress_through_the_instance_listener():
    import uuid

    from dagster import AssetCheckResult, DagsterInstance, Definitions, Failure, MaterializeResult, asset, asset_check

    from dagster_kpi.progress import dagster_listener

    @asset(key=["raw", "agents"])
    def agents() -> MaterializeResult:
        return MaterializeResult(metadata={"rows_read": 3, "rows_loaded": 2, "rows_quarantined": 0, "rows_replaced": 1})

    @asset(key=["raw", "calls"])
    def calls() -> None:
        raise Failure(description="calls/a.csv: not a CSV")

    @asset_check(asset=agents, blocking=True)
    def roster() -> AssetCheckResult:
        return AssetCheckResult(passed=False)

    job = Definitions(assets=[agents, calls], asset_checks=[roster]).resolve_implicit_global_asset_job_def()
    clock, stream, log = Clock(), io.StringIO(), io.StringIO()
    progress = Progress(stream, clock=clock)
    progress.begin(len(job.nodes_in_topological_order), lambda key: stage_of(key, ["agents", "calls"]), log)
    run_id = str(uuid.uuid4())
    with DagsterInstance.ephemeral() as instance:
        instance.add_event_listener(run_id, dagster_listener(progress))
        job.execute_in_process(instance=instance, raise_on_error=False, run_id=run_id)
    # The check's own step failure (a blocking check failed) is not repeated; the error of calls is in the log.
    assert stream.getvalue().splitlines() == [
        "   0:00  start      0/3  3 steps: ingest, checks, build, validate, publish",
        "   0:00  ingest     1/3  agents: 3 read, 2 loaded, 0 quarantined, 1 replaced",
        "   0:00  ingest     2/3  step raw__calls failed",
        "   0:00  checks     3/3  checks on the raw tables: quarantine share, freshness, drift",
        "   0:00  checks     3/3  check roster on raw/agents failed",
    ]
    assert "step raw__calls failed\ncalls/a.csv: not a CSV\n" in log.getvalue()
