"""The `kpi` command line: generate, run, ui, show, export, explain, report."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

from dagster_kpi.cells import terminal_text
from dagster_kpi.engines import ENGINES, check_engine
from dagster_kpi.errors import KpiError, UsageError
from dagster_kpi.settings import Settings, child_environment, configure_dagster_process, load_settings


def cmd_generate(args: argparse.Namespace) -> int:
    from dagster_kpi.generate import generate_landing

    out = Path(args.out).resolve()
    try:
        rows = generate_landing(out, months=args.months, agents=args.agents, scale=args.scale, seed=args.seed, start=args.start)
    except ValueError as error:
        raise UsageError(str(error)) from None
    except OSError as error:
        raise KpiError(f"cannot write the landing folder {out}: {error.strerror or error}") from None
    print(f"wrote {sum(rows.values()):,} rows for {len(rows)} sources to {out}")
    for source, count in rows.items():
        print(f"  {source:<24}{count:>12,}")
    return 0


def run_settings(args: argparse.Namespace) -> Settings:
    return load_settings(landing=args.landing, warehouse=args.warehouse, dbt_vars=getattr(args, "var", None) or (),
                         accept_raw_drift=getattr(args, "accept_drift", False), engine=args.engine)  # fmt: skip


def cmd_run(args: argparse.Namespace) -> int:
    from dagster_kpi import run_state
    from dagster_kpi.contract import load_contract
    from dagster_kpi.data_months import first_month
    from dagster_kpi.defs.partitions import month_partition_key, monthly_partitions
    from dagster_kpi.ingest import unexpected_folders
    from dagster_kpi.progress import Progress
    from dagster_kpi.runner import check_run_paths, prepare_warehouse

    progress = Progress(None if args.quiet else sys.stderr)
    settings = run_settings(args)
    check_engine(settings.engine)
    check_run_paths(settings.landing, settings.warehouse)
    if unexpected := unexpected_folders(settings.landing, load_contract(), settings.ignored_folders):
        print(f"kpi run: not published: {unexpected[0]}", file=sys.stderr)
        return 1
    prepare_warehouse(settings)  # a warehouse folder it cannot write in is refused before any extract is read
    if args.month is not None:  # before any slow set-up
        try:
            month_partition_key(monthly_partitions(first_month(settings)), args.month)
        except ValueError as error:
            raise UsageError(str(error)) from None
    inputs = run_state.inputs_digest(settings, args.month)
    if not args.force and (since := run_state.unchanged_since(settings, inputs, datetime.now())):
        print(f"nothing new since the run that published at {since}: the published marts stand (--force runs anyway)")
        return 0
    # dagster-dbt and the definitions are imported only by a run that goes on.
    from dagster_kpi.dbt_project import prepare_manifest
    from dagster_kpi.runner import run_all

    run_state.forget(settings)
    prepare_manifest(settings)
    outcome = run_all(settings, month=args.month, progress=progress)
    if outcome.ingest:
        print(quality_summary(outcome.ingest))
    for line in outcome.centre_only:
        print(line)
    for warning in outcome.warnings:
        print(f"warning: {terminal_text(warning)}")
    if not outcome.success:
        print(f"details: {outcome.log or settings.paths.log_file} and the run in `kpi ui`", file=sys.stderr)
        if outcome.data_docs:
            print(f"validation results (Data Docs): {outcome.data_docs}", file=sys.stderr)
        print(f"kpi run: not published: {outcome.reason}", file=sys.stderr)
        return 1
    run_state.remember(settings, inputs, datetime.now())
    if outcome.refreshed:
        periods = "" if outcome.refreshed in ("every month", "no month") else " with their quarters and years"
        print(f"refreshed {outcome.refreshed}{periods}")
    print(f"published marts to {settings.warehouse}")
    return 0


# The run summary's lists of per-file findings: files with equal findings share a line, naming at most
# NAMED_FILES of them; at most FINDING_LINES lines per source and kind of finding, at most NAMED_ITEMS items a line.
# The ingest assets' metadata holds the full lists.
NAMED_FILES = 3
FINDING_LINES = 5
NAMED_ITEMS = 8


def _some(items: Sequence[str], limit: int, unit: str = "") -> str:
    """`a, b, c and 4 more <unit>`."""
    more = len(items) - limit
    return ", ".join(items[:limit]) + (f" and {more} more{unit and ' ' + unit}" if more > 0 else "")


def _file_lines(source: str, per_file: dict[str, Any], describe: Callable[[Any], str], what: str) -> list[str]:
    """One line per group of files with equal findings (`describe(finding)` says them), at most FINDING_LINES."""
    groups: list[tuple[list[str], Any]] = []
    for name, finding in per_file.items():
        same = next((files for files, other in groups if other == finding), None)
        if same is None:
            groups.append(([name], finding))
        else:
            same.append(name)
    lines = [f"{_some([f'{source}/{name}' for name in files], NAMED_FILES, 'files')}: {describe(finding)}"
             for files, finding in groups[:FINDING_LINES]]  # fmt: skip
    if rest := sum(len(files) for files, _ in groups[FINDING_LINES:]):
        lines.append(f"{source}: {rest:,} more file{'s' if rest > 1 else ''} with {what} (see the ingest metadata in `kpi ui`)")
    return lines


def _near_misses(misses: list[dict[str, str]]) -> str:
    def meant(miss: dict[str, str], template: str) -> str:
        name, column = miss["resembles"], miss["column"]
        return name if name == column else template.format(name, column)

    if len(misses) == 1:
        return f"header {misses[0]['header']} not read; did you mean {meant(misses[0], '{} ({})')}?"
    texts = [f"{miss['header']} (did you mean {meant(miss, '{}, {}')}?)" for miss in misses]
    return f"headers not read: {_some(texts, NAMED_ITEMS)}"


def _absent(columns: list[str]) -> str:
    return f"optional column{'s' if len(columns) > 1 else ''} absent, empty in every row: {_some(columns, NAMED_ITEMS)}"


def quality_summary(ingest: dict[str, dict[str, Any]]) -> str:
    """Rows read, loaded, quarantined and replaced (read = the other three) per source, with the quarantine reasons;
    then the workbook sheets not read, the headers not read that come close to a column, and the optional columns
    files lack."""
    lines = [f"{'source':<24}{'read':>12}{'loaded':>12}{'quarantined':>12}{'replaced':>12}  reasons"]
    for source, stats in ingest.items():
        reasons = stats.get("quarantined_by_reason") or {}
        detail = ", ".join(f"{reason} {count:,}" for reason, count in sorted(reasons.items(), key=lambda r: -r[1]))
        lines.append(
            f"{source:<24}{stats.get('rows_read', 0):>12,}{stats.get('rows_loaded', 0):>12,}"
            f"{stats.get('rows_quarantined', 0):>12,}{stats.get('rows_replaced', 0):>12,}  {detail}".rstrip()
        )
    if any(stats.get("rows_replaced") for stats in ingest.values()):
        lines.append("read = loaded + quarantined + replaced: a replaced row's key came again in a newer extract "
                     "(or further down the same file), whose row was loaded")  # fmt: skip
    for source, stats in ingest.items():
        if conflicts := stats.get("keys_conflicting"):
            lines.append(f"{source}: {conflicts:,} keys differ between files with the same modification time "
                         "(the later file name won)")  # fmt: skip
        if sheets := stats.get("ignored_sheets"):
            lines.append(f"{source}: sheets not read (no header with the required columns): {', '.join(sheets)}")
        lines += _file_lines(source, stats.get("near_miss_headers") or {}, _near_misses, "headers not read")
        lines += _file_lines(source, stats.get("absent_columns") or {}, _absent, "optional columns absent")
    return "\n".join(lines)


def cmd_ui(args: argparse.Namespace) -> int:
    from dagster_kpi.dbt_project import prepare_manifest
    from dagster_kpi.runner import check_run_paths, prepare_warehouse

    settings = run_settings(args)
    check_engine(settings.engine)
    check_run_paths(settings.landing, settings.warehouse)  # the paths its runs would use, as `kpi run` checks them
    prepare_warehouse(settings)
    prepare_manifest(settings)
    from dagster_kpi.ui import serve

    command = [sys.executable, "-m", "dagster", "dev", "-m", "dagster_kpi.definitions", "-h", args.host, "-p", str(args.port)]
    return serve(command, child_environment(settings))


def published_warehouse(args: argparse.Namespace) -> Path:
    """The warehouse file `kpi show` and `kpi export` read, after checking it exists and `--month` is a month."""
    from dagster_kpi.defs.partitions import month_key

    if args.month is not None:  # the arguments first, then the files
        try:
            month_key(args.month)
        except ValueError as error:
            raise UsageError(str(error)) from None
    warehouse = load_settings(warehouse=args.warehouse).warehouse
    if not warehouse.is_file():
        raise UsageError(f"warehouse {warehouse} does not exist yet: run `kpi run` first")
    return warehouse


def cmd_show(args: argparse.Namespace) -> int:
    from dagster_kpi.report import month_report

    print(month_report(published_warehouse(args), month=args.month))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from dagster_kpi.export import DEFAULT_FORMAT, export_month

    warehouse = published_warehouse(args)
    for path in export_month(warehouse, Path(args.out), args.format or [DEFAULT_FORMAT], month=args.month, lang=args.lang):
        print(f"wrote {path}")
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from dagster_kpi.explain import explain, records, render, write_csv

    published_warehouse(args)
    result = explain(load_settings(warehouse=args.warehouse), args.kpi, args.entity, args.month, level=args.level)
    print(render(result))
    if args.csv:
        write_csv(Path(args.csv), result)
        print(f"wrote {records(len(result.rows))} to {args.csv}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from dagster_kpi.report_html import write_report

    warehouse = published_warehouse(args)
    print(f"wrote {write_report(warehouse, Path(args.out) if args.out else None, month=args.month, lang=args.lang)}")
    return 0


class KpiArgumentParser(argparse.ArgumentParser):
    """Bad arguments are one line on stderr, exit 2, like every other error of the command."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (`{self.prog} --help` lists the options)\n")


def port(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if not 1 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 1 to 65535, got {text!r}")
    return number


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dagster-kpi")
    except PackageNotFoundError:  # run from a source tree that is not installed
        return "unknown"


WAREHOUSE_HELP = "warehouse file (default $KPI_WAREHOUSE or data/warehouse.duckdb), e.g. --warehouse /srv/kpi/warehouse.duckdb"
MONTH_HELP = "YYYY-MM (default: the latest published month), e.g. --month 2026-03"


def build_parser() -> argparse.ArgumentParser:
    parser = KpiArgumentParser(prog="kpi", description="Customer-service KPI warehouse.")
    parser.add_argument("--version", action="version", version=f"kpi (dagster-kpi) {package_version()}")
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="write a synthetic landing folder")
    generate.add_argument("--out", required=True, help="landing folder to write, e.g. --out data/landing")
    generate.add_argument("--months", type=int, default=12,
                          help="months of data, ending with the last complete month (default 12), e.g. --months 3")  # fmt: skip
    generate.add_argument("--agents", type=int, default=60, help="agents on the roster (default 60), e.g. --agents 20")
    generate.add_argument("--scale", type=float, default=1.0,
                          help="volume factor; 1 is about 100k calls a month (default 1), e.g. --scale 0.1")  # fmt: skip
    generate.add_argument("--seed", type=int, default=7,
                          help="random seed: the same seed writes the same files (default 7), e.g. --seed 42")  # fmt: skip
    generate.add_argument("--start",
                          help="first month, YYYY-MM (default: so the last month is the last complete one), "
                          "e.g. --start 2026-01")  # fmt: skip
    generate.set_defaults(handler=cmd_generate)

    for name, handler, help_text in (
        ("run", cmd_run, "ingest, build, validate and publish"),
        ("ui", cmd_ui, "open the Dagster UI on the same definitions"),
    ):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument(
            "--landing", help="landing folder (default $KPI_LANDING_DIR or data/landing), e.g. --landing /srv/kpi/landing"
        )
        sub.add_argument("--warehouse", help=WAREHOUSE_HELP)
        sub.add_argument(
            "--engine",
            choices=ENGINES,
            help="where dbt builds (default $KPI_ENGINE or duckdb; spark: a local Spark session), e.g. --engine spark",
        )
        sub.set_defaults(handler=handler)
        if name == "ui":
            sub.add_argument("--port", type=port, default=3000, help="port of the web UI (default 3000), e.g. --port 3001")
            sub.add_argument("--host", default="127.0.0.1",
                             help="address to listen on (default 127.0.0.1: this machine only), "
                             "e.g. --host 0.0.0.0 for every interface")  # fmt: skip
        else:
            sub.add_argument("--month", help="refresh one month, YYYY-MM (default: every month), e.g. --month 2026-03")
            sub.add_argument(
                "--var",
                action="append",
                metavar="NAME=VALUE",
                help="a dbt var for this run (repeatable), one that dbt_project.yml declares, e.g. --var feedback_sla_hours=12",
            )
            sub.add_argument(
                "--force",
                action="store_true",
                help="run even when nothing changed since the last published run",
            )
            sub.add_argument(
                "--quiet",
                action="store_true",
                help="no progress on stderr (errors still print); the run's log has it",
            )
            sub.add_argument(
                "--accept-drift",
                action="store_true",
                help="accept raw loads that differ sharply from the previous ones (this run only)",
            )

    show = commands.add_parser("show", help="print a month's headline KPIs, the centre scorecard and the top and bottom agents")
    show.add_argument("--warehouse", help=WAREHOUSE_HELP)
    show.add_argument("--month", help=MONTH_HELP)
    show.set_defaults(handler=cmd_show)

    export = commands.add_parser("export", help="write a month's published marts: an Excel workbook, CSV files or Parquet files")
    export.add_argument("--warehouse", help=WAREHOUSE_HELP)
    export.add_argument("--month", help=MONTH_HELP)
    export.add_argument(
        "--format",
        action="append",
        choices=("xlsx", "csv", "parquet"),
        help="xlsx (one workbook, the default), csv or parquet (one file per mart); repeat for several,"
        " e.g. --format xlsx --format parquet",
    )
    export.add_argument(
        "--lang",
        choices=("zh", "en"),
        default="zh",
        help="headers and sheet names of the workbook and CSV files: zh (Chinese, with units; the default) or en"
        " (the marts' column names); Parquet always keeps the column names; e.g. --lang en",
    )
    export.add_argument("--out", default=".",
                        help="folder to write to (default: the current one), or the workbook's .xlsx file, "
                        "e.g. --out reports/")  # fmt: skip
    export.set_defaults(handler=cmd_export)

    explain = commands.add_parser(
        "explain", help="the numerator, denominator and records behind an entity's KPI value in a month"
    )
    explain.add_argument("--kpi", required=True, help="KPI code, e.g. --kpi answer_rate")
    explain.add_argument("--entity", required=True, help="agent id, team, department or center, e.g. --entity KF1001")
    explain.add_argument("--month", required=True, help="YYYY-MM, e.g. --month 2026-03")
    explain.add_argument(
        "--level", choices=("agent", "team", "department", "center"), help="when an id names two levels, e.g. --level team"
    )
    explain.add_argument("--warehouse", help=WAREHOUSE_HELP)
    explain.add_argument("--csv", metavar="FILE", help="also write the records to this CSV file, e.g. --csv talk.csv")
    explain.set_defaults(handler=cmd_explain)

    report = commands.add_parser("report", help="write a month's report for managers: one self-contained HTML file")
    report.add_argument("--warehouse", help=WAREHOUSE_HELP)
    report.add_argument("--month", help=MONTH_HELP)
    report.add_argument("--out", help="HTML file or folder to write (default: ./kpi_report_<YYYY-MM>.html), e.g. --out reports/")
    report.add_argument("--lang", choices=("zh", "en"), default="zh",
                        help="labels and KPI names (default zh), e.g. --lang en")  # fmt: skip
    report.set_defaults(handler=cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except BrokenPipeError:  # `kpi --help | head -1`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    try:
        return args.handler(args)
    except KpiError as error:
        print(f"kpi {args.command}: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print(f"kpi {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`kpi show | head`): nothing more to say, and nothing to say it to.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def entry_point() -> None:
    """Console-script entry: exits without interpreter teardown, where native extensions print leak noise."""
    configure_dagster_process()
    try:
        code = main()
    except SystemExit as done:  # argparse's --help, --version and bad arguments
        code = done.code if isinstance(done.code, int) else int(done.code is not None)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        code = code or 141
    os._exit(code)


if __name__ == "__main__":
    entry_point()
