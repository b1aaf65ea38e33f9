"""The `kpi` command's surface: one-line errors for bad arguments, --version, help with an example for every option,
`kpi ui --host`, and `kpi ui` stopping with everything it started."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from dagster_kpi.cli import build_parser, main, package_version
from dagster_kpi.ui import serve


def kpi(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dagster_kpi.cli", *args], capture_output=True, text=True, timeout=300,
                          cwd=cwd, env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})  # fmt: skip


def test_version():
    done = kpi("--version")
    assert (done.returncode, done.stdout, done.stderr) == (0, f"kpi (dagster-kpi) {package_version()}\n", "")
    assert package_version() == "0.1.0"  # pyproject.toml's version, as installed


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    [action] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_every_option_has_help_with_an_example():
    commands = subcommands(build_parser())
    assert sorted(commands) == ["explain", "export", "generate", "report", "run", "show", "ui"]
    for name, sub in commands.items():
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            assert action.help, f"kpi {name} {action.option_strings[0]} has no help"
            if not isinstance(action, argparse._StoreTrueAction):  # a flag is its own example
                assert f"e.g. {action.option_strings[0]} " in action.help, f"kpi {name} {action.option_strings[0]}"
    generate = subcommands(build_parser())["generate"].format_help()
    for text in ("e.g. --months 3", "e.g. --agents 20", "e.g. --seed 42", "(default 7)"):
        assert text in " ".join(generate.split())


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["nope"],
            "kpi: argument command: invalid choice: 'nope'"
            " (choose from 'generate', 'run', 'ui', 'show', 'export', 'explain', 'report')",
        ),
        ([], "kpi: the following arguments are required: command"),
        (["generate", "--out", "x", "--months", "x"], "kpi generate: argument --months: invalid int value: 'x'"),
        (["generate", "--out", "x", "--months", "0"], "kpi generate: months must be at least 1, got 0"),
        (["generate"], "kpi generate: the following arguments are required: --out"),
        (["ui", "--port", "x"], "kpi ui: argument --port: must be a port number from 1 to 65535, got 'x'"),
        (["ui", "--port", "99999"], "kpi ui: argument --port: must be a port number from 1 to 65535, got '99999'"),
        (["run", "--engine", "bad"], "kpi run: argument --engine: invalid choice: 'bad' (choose from 'duckdb', 'spark')"),
        (["run", "--month", "bad"], "kpi run: month must be YYYY-MM, got 'bad'"),
        (
            ["export", "--format", "pdf"],
            "kpi export: argument --format: invalid choice: 'pdf' (choose from 'xlsx', 'csv', 'parquet')",
        ),
        (["show", "--bogus"], "kpi: unrecognized arguments: --bogus"),
        (["show", "--month", "bad"], "kpi show: month must be YYYY-MM, got 'bad'"),
        (["export", "--month", "2026-1"], "kpi export: month must be YYYY-MM, got '2026-1'"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(args, line, tmp_path):
    (tmp_path / "data" / "landing").mkdir(parents=True)
    done = kpi(*args, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    help_hint = f" (`{line.split(':')[0]} --help` lists the options)"
    assert done.stderr in (line + "\n", line + help_hint + "\n"), done.stderr


def test_ui_refuses_the_paths_run_refuses(tmp_path):
    not_duckdb = tmp_path / "notes.duckdb"
    not_duckdb.write_text("my notes")
    done = kpi("ui", "--landing", str(tmp_path), "--warehouse", str(not_duckdb))
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"kpi ui: warehouse {not_duckdb} exists and is not a DuckDB database; refusing to replace it\n"
    assert not_duckdb.read_text() == "my notes"
    done = kpi("ui", "--landing", str(tmp_path / "none"), "--warehouse", str(tmp_path / "w.duckdb"))
    assert (done.returncode, done.stderr) == (2, f"kpi ui: landing folder {tmp_path / 'none'} is not a folder\n")


def test_a_landing_folder_that_cannot_be_written_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    done = kpi("generate", "--out", str(blocker / "landing"), "--months", "1", "--agents", "2", "--scale", "0.001")
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f"kpi generate: cannot write the landing folder {blocker / 'landing'}: Not a directory\n"


def test_show_of_a_bad_month_in_process(tmp_path, capsys):
    assert main(["show", "--warehouse", str(tmp_path / "none.duckdb")]) == 2
    assert capsys.readouterr().err == f"kpi show: warehouse {tmp_path / 'none.duckdb'} does not exist yet: run `kpi run` first\n"


# A stand-in for `dagster dev`: it starts a child of its own (as dagster dev starts code servers) that ignores SIGTERM,
# writes the child's pid, and stops on SIGTERM without it.
DAGSTER_DEV = """
import signal, subprocess, sys, time
ignore = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(300)"
child = subprocess.Popen([sys.executable, "-c", ignore])
open(sys.argv[1], "w").write(str(child.pid))
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
time.sleep(300)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] if Path(f"/proc/{pid}").exists() else "X"
    return state not in ("Z", "X")


def test_serve_stops_the_whole_process_group_on_sigterm(tmp_path):
    pid_file = tmp_path / "child.pid"
    threading.Timer(3.0, os.kill, (os.getpid(), signal.SIGTERM)).start()
    started = time.monotonic()
    assert serve([sys.executable, "-c", DAGSTER_DEV, str(pid_file)], os.environ, grace=5.0) == 0
    assert time.monotonic() - started < 3.0 + 5.0  # the child's child ignored SIGTERM: killed within the grace
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(grandchild)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL or callable(signal.getsignal(signal.SIGTERM))


def test_serve_returns_the_exit_code_when_the_command_ends_by_itself():
    assert serve([sys.executable, "-c", "raise SystemExit(3)"], os.environ) == 3


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.e2e
def test_kpi_ui_listens_on_the_host_and_stops_with_everything_on_sigterm(tmp_path):
    port, landing, log = free_port(), tmp_path / "landing", tmp_path / "ui.log"
    landing.mkdir()
    ui = subprocess.Popen(
        [sys.executable, "-m", "dagster_kpi.cli", "ui", "--warehouse", str(tmp_path / "out" / "warehouse.duckdb"),
         "--landing", str(landing), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                info = urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2).read()
                break
            except OSError:
                assert ui.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
                time.sleep(1)
        assert b"dagster_webserver_version" in info
        ui.send_signal(signal.SIGTERM)
        assert ui.wait(timeout=30) == 0
        time.sleep(1)
        left = subprocess.run(["pgrep", "-g", str(ui.pid)], capture_output=True, text=True).stdout.split()
        assert left == [], f"processes of kpi ui still running: {left}"
    finally:
        if ui.poll() is None or subprocess.run(["pgrep", "-g", str(ui.pid)], capture_output=True).returncode == 0:
            os.killpg(ui.pid, signal.SIGKILL)


@pytest.mark.parametrize("args", [["--help"], ["explain", "--help"], ["--version"], ["generate", "--months", "1"]])
def test_a_reader_that_went_away_is_no_traceback(args, tmp_path):
    # `kpi show | head -1`: the pipe's reader is gone before kpi writes. argparse's own output (help, version)
    # swallows the error and exits 0; a command's output ends with 141, as `yes | head` does; neither says more.
    read, write = os.pipe()
    os.close(read)
    if args[0] == "generate":
        args = [*args, "--agents", "2", "--scale", "0.001", "--out", str(tmp_path / "landing")]
    try:
        done = subprocess.run([sys.executable, "-m", "dagster_kpi.cli", *args], stdout=write, stderr=subprocess.PIPE,
                              text=True, timeout=300)  # fmt: skip
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (141 if args[0] == "generate" else 0, "")
