"""The `kpi` command end to end on generated data: run, show, and runs that must not publish."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook

from dagster_kpi.generate import generate_landing
from tests.conftest import FIRST_MONTH

pytestmark = pytest.mark.e2e  # every test here runs `kpi run`

HEADLINE = {
    "answer_rate",
    "callback_rate",
    "complaint_resolution_satisfaction_rate",
    "complaint_resolution_hours",
    "big_client_churn_count",
    "big_client_churn_rate",
    "big_client_callback_count",
    "csat_score",
}


def kpi(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dagster_kpi.cli", *map(str, args)], capture_output=True, text=True, timeout=600)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("pipeline")
    landing = root / "landing"
    generate_landing(landing, months=3, agents=12, scale=0.02, seed=3, start="2026-01")
    warehouse = root / "out" / "warehouse.duckdb"
    result = kpi("run", "--landing", landing, "--warehouse", warehouse)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "published marts" in result.stdout
    assert "warning:" not in result.stdout  # generated names hold nothing formula-like
    return landing, warehouse


def test_run_publishes_every_headline_kpi_for_every_grain(published):
    _, warehouse = published
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert {r[0] for r in con.execute("SELECT DISTINCT kpi_code FROM marts.kpi_values").fetchall()} >= HEADLINE
        grains = con.execute(
            "SELECT period_grain, min(period_start), max(period_start) FROM marts.kpi_values GROUP BY 1 ORDER BY 1"
        ).fetchall()
        # Three months of records. The SLA targets of late-March tickets and complaints fall in April, which has no
        # records: the period range ends with the data's last month all the same.
        assert [(g, str(a), str(b)) for g, a, b in grains] == [
            ("month", "2026-01-01", "2026-03-01"),
            ("quarter", "2026-01-01", "2026-01-01"),
            ("year", "2026-01-01", "2026-01-01"),
        ]
        levels = {r[0] for r in con.execute("SELECT DISTINCT level FROM marts.kpi_values").fetchall()}
        assert levels == {"center", "department", "team", "agent"}  # the generated roster has departments
        assert con.execute("SELECT count(*) FROM marts.kpi_catalog").fetchone()[0] >= len(HEADLINE)
        schemas = {r[0] for r in con.execute("SELECT DISTINCT schema_name FROM duckdb_tables()").fetchall()}
        assert schemas == {"marts"}, "only marts are published; work in progress stays in the work file"


def test_centre_answer_rate_reconciles_with_raw_calls(published):
    _, warehouse = published
    work_db = warehouse.with_name("warehouse.work") / "work.duckdb"
    with duckdb.connect(str(work_db), read_only=True) as con:
        expected = dict(
            con.execute(
                """SELECT date_trunc('month', offered_at)::DATE,
                      count(*) FILTER (WHERE outcome = 'answered') / count(*)
               FROM raw.calls WHERE direction = 'inbound' AND coalesce(is_valid, true) GROUP BY 1"""
            ).fetchall()
        )
    with duckdb.connect(str(warehouse), read_only=True) as con:
        published_rates = dict(
            con.execute(
                """SELECT period_start, value FROM marts.kpi_values
               WHERE kpi_code = 'answer_rate' AND level = 'center' AND period_grain = 'month'"""
            ).fetchall()
        )
    assert len(expected) == 3
    assert published_rates == pytest.approx(expected)


def test_show_prints_the_latest_month(published):
    _, warehouse = published
    result = kpi("show", "--warehouse", warehouse)
    assert result.returncode == 0, result.stderr
    # March, the data's last month, is the latest published month (late-March SLA targets fall in April).
    assert "== 2026-03 ==" in result.stdout and "SLA attainment by priority" in result.stdout
    march = kpi("show", "--warehouse", warehouse, "--month", "2026-03")
    assert march.returncode == 0, march.stderr
    assert "== 2026-03 ==" in march.stdout
    assert "受话业务接通率" in march.stdout and "center" in march.stdout and "Busiest intervals" in march.stdout


def test_an_unreadable_extract_blocks_publishing_and_keeps_the_marts(published, tmp_path):
    landing, warehouse = published
    bad_landing = tmp_path / "landing"
    shutil.copytree(landing, bad_landing)
    (bad_landing / "calls" / "broken.csv").write_bytes(b"\x00\xff\x00PK\x03\x04" * 50)
    before = digest(warehouse)
    result = kpi("run", "--landing", bad_landing, "--warehouse", warehouse)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    # The one-line verdict is the last line, and the only one.
    verdicts = [line for line in result.stderr.splitlines() if line.startswith("kpi run:")]
    assert verdicts == ["kpi run: not published: calls/broken.csv: not a text file (NUL byte at offset 0)"]
    assert result.stderr.rstrip("\n").splitlines()[-1] == verdicts[0]
    assert digest(warehouse) == before


def test_missing_landing_folder_is_a_one_line_usage_error(tmp_path):
    result = kpi("run", "--landing", tmp_path / "nowhere", "--warehouse", tmp_path / "w.duckdb")
    assert result.returncode == 2
    assert result.stderr.strip() == f"kpi run: landing folder {tmp_path / 'nowhere'} is not a folder"


def test_a_month_refresh_of_unchanged_data_leaves_the_marts_byte_identical(published):
    landing, warehouse = published
    before = digest(warehouse)
    result = kpi("run", "--landing", landing, "--warehouse", warehouse, "--month", "2026-02")
    assert result.returncode == 0, result.stderr[-3000:]
    assert digest(warehouse) == before
    # dbt's parse and the artifacts of the latest two dbt invocations (full run, refresh) stay in the work folder.
    dbt_target = warehouse.with_name("warehouse.work") / "dbt_target"
    assert (dbt_target / "manifest.json").is_file()
    assert len([p for p in dbt_target.iterdir() if p.is_dir() and p.name.startswith("dbt_models-")]) == 2


def test_a_month_outside_the_partitions_is_a_usage_error(published):
    landing, warehouse = published
    result = kpi("run", "--landing", landing, "--warehouse", warehouse, "--month", "1999-01")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"kpi run: month 1999-01 is outside the partitions ({FIRST_MONTH} to the current month)"
    )


def test_no_published_mart_or_serving_file_holds_customer_names_or_phone_numbers(published):
    _, warehouse = published
    work_db = warehouse.with_name("warehouse.work") / "work.duckdb"
    with duckdb.connect(str(work_db), read_only=True) as con:
        secrets = {
            r[0]
            for r in con.execute(
                "SELECT customer_name FROM raw.customers UNION SELECT phone FROM raw.customers "
                "UNION SELECT caller_number FROM raw.calls"
            ).fetchall()
            if r[0]
        }
    assert len(secrets) > 100
    serving = warehouse.with_name("warehouse.serving") / "current"
    marts = ("kpi_values", "kpi_catalog", "kpi_scores", "scorecards", "deductions", "rating_summary", "pay_sheet",
             "call_intervals", "sla_events", "ticket_backlog")  # fmt: skip
    sources = [(str(warehouse), f"marts.{t}") for t in marts]
    sources += [(None, f"'{path}'") for path in sorted(serving.glob("*.parquet"))]
    assert len(sources) >= 8
    for database, relation in sources:
        with duckdb.connect(database or ":memory:", read_only=database is not None) as con:
            text_columns = [
                name for name, kind, *_ in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall() if kind == "VARCHAR"
            ]
            for column in text_columns:
                values = {r[0] for r in con.execute(f'SELECT DISTINCT "{column}" FROM {relation}').fetchall()}
                assert not values & secrets, (relation, column)


def test_formula_like_names_are_published_with_a_warning_and_exported_as_quoted_text(published, tmp_path):
    landing, warehouse = published
    with duckdb.connect(str(warehouse.with_name("warehouse.work") / "work.duckdb"), read_only=True) as con:
        cursor = con.execute("SELECT * EXCLUDE (_source_file, _source_row, _loaded_at) FROM raw.agents ORDER BY agent_id LIMIT 1")
        columns = [column[0] for column in cursor.description or ()]
        row = dict(zip(columns, cursor.fetchone() or (), strict=True))
    hyperlink = '=HYPERLINK("http://evil.example/x","点我")'
    row |= {"agent_name": hyperlink, "team": "=1+1"}
    hostile = tmp_path / "landing"
    shutil.copytree(landing, hostile)
    # A re-extract of one agent, newer than the roster workbook: the newer row wins.
    extract = hostile / "agents" / "更正.csv"
    with extract.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(columns)
        writer.writerow(["" if row[c] is None else row[c] for c in columns])
    newest = max(p.stat().st_mtime for p in extract.parent.iterdir())
    os.utime(extract, (newest + 60, newest + 60))
    out = tmp_path / "out" / "warehouse.duckdb"

    result = kpi("run", "--landing", hostile, "--warehouse", out)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"published marts to {out}" in result.stdout
    warnings = sorted(line for line in result.stdout.splitlines() if line.startswith("warning:"))
    assert [line.split(" warns: ")[0] for line in warnings] == [
        f"warning: check {mart}_formula_like_text on marts/{mart}"
        for mart in ("deductions", "kpi_scores", "kpi_values", "pay_sheet", "scorecards", "sla_events")
    ]
    assert warnings[-2].startswith(  # the first formula-like value of the mart, one line
        "warning: check scorecards_formula_like_text on marts/scorecards warns: "
        "scorecards.entity_id begins like a spreadsheet formula: =1+1 (4 rows) (and 2 more)"  # Jan-Mar, Q1; 2 names
    )
    with duckdb.connect(str(out), read_only=True) as con:
        query = "SELECT DISTINCT entity_name FROM marts.scorecards WHERE entity_id = ?"
        assert con.execute(query, [row["agent_id"]]).fetchall() == [(hyperlink,)]

    exported = kpi("export", "--warehouse", out, "--out", tmp_path / "export", "--lang", "en")
    assert exported.returncode == 0, exported.stderr
    [path] = (tmp_path / "export").glob("kpi_*.xlsx")
    sheet = load_workbook(path)["scorecards"]
    cells = [cell for line in sheet.iter_rows() for cell in line]
    assert all(cell.data_type != "f" for cell in cells)
    names = {cell.value for cell in cells if cell.column_letter == "D"}
    assert "'" + hyperlink in names and "'=1+1" in names


def test_a_run_with_nothing_new_stops_before_dagster_and_dbt_start(published):
    landing, warehouse = published
    first = kpi("run", "--landing", landing, "--warehouse", warehouse)  # whatever ran before: this one publishes
    assert first.returncode == 0, first.stderr[-3000:]
    before, log = digest(warehouse), warehouse.with_name("warehouse.work") / "last_run.log"
    log_mtime = log.stat().st_mtime_ns
    again = kpi("run", "--landing", landing, "--warehouse", warehouse)
    assert again.returncode == 0, again.stderr[-3000:]
    [line] = again.stdout.splitlines()
    assert line.startswith("nothing new since the run that published at ") and line.endswith(
        ": the published marts stand (--force runs anyway)"
    )
    assert digest(warehouse) == before and log.stat().st_mtime_ns == log_mtime  # no run was started
    forced = kpi("run", "--landing", landing, "--warehouse", warehouse, "--force")
    assert forced.returncode == 0 and "published marts" in forced.stdout and log.stat().st_mtime_ns != log_mtime
    # A re-extract (here: the same file saved again) is something new.
    extract = sorted((landing / "calls").rglob("*.csv"))[0]
    os.utime(extract, ns=(extract.stat().st_atime_ns, extract.stat().st_mtime_ns + 1_000_000_000))
    rerun = kpi("run", "--landing", landing, "--warehouse", warehouse)
    assert rerun.returncode == 0 and "published marts" in rerun.stdout
    assert digest(warehouse) == before  # same rows, same marts


def test_a_roster_re_extract_moving_an_agent_in_march_leaves_januarys_team_scorecards(published, tmp_path):
    landing, warehouse = published
    moved_landing = tmp_path / "landing"
    shutil.copytree(landing, moved_landing)
    # The generated roster, without a date in its name, is a snapshot of its modification date: make it January's.
    (first_roster,) = (moved_landing / "agents").iterdir()
    january = datetime(2026, 1, 1, 12).timestamp()
    os.utime(first_roster, (january, january))
    work_db = warehouse.with_name("warehouse.work") / "work.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        # An agent with calls in January and March, and the team it is in.
        agent = con.execute(
            "SELECT entity_id FROM marts.kpi_values WHERE kpi_code = 'avg_talk_seconds' AND level = 'agent' "
            "AND period_grain = 'month' AND denominator > 0 GROUP BY entity_id "
            "HAVING count(*) FILTER (WHERE period_start IN ('2026-01-01', '2026-03-01')) = 2 ORDER BY entity_id LIMIT 1"
        ).fetchone()[0]
    with duckdb.connect(str(work_db), read_only=True) as con:
        (old_team,) = con.execute("SELECT team FROM raw.agents WHERE agent_id = ?", [agent]).fetchone()
        new_team = "热线九组"  # a team of its own
        assert con.execute("SELECT count(*) FROM raw.agents WHERE team = ?", [new_team]).fetchone() == (0,)
        # The re-extract: the whole roster as of 2026-03-15, the agent in another team.
        columns = "agent_id, agent_name, department, role, level, hired_on, left_on, probation_until, pay_base"
        con.execute(
            f"COPY (SELECT {columns}, CASE WHEN agent_id = ? THEN ? ELSE team END AS team FROM raw.agents) "
            f"TO '{moved_landing / 'agents' / '人员档案_20260315.csv'}' (HEADER)",
            [agent, new_team],
        )
    moved = tmp_path / "out" / "warehouse.duckdb"
    result = kpi("run", "--landing", moved_landing, "--warehouse", moved)
    assert result.returncode == 0, result.stderr[-3000:]
    # Generated complaints without an agent reach the centre only: a warning line in the summary, not a block.
    assert "records" in result.stdout and "reach the centre only: " in result.stdout

    def team_rows(path: Path, table: str, month: str) -> list[tuple]:
        with duckdb.connect(str(path), read_only=True) as con:
            return con.execute(
                f"SELECT * FROM marts.{table} WHERE level = 'team' AND period_start = ? "
                + ("AND period_grain = 'month' " if table in ("kpi_values", "scorecards") else "")
                + "ORDER BY ALL",
                [month],
            ).fetchall()

    for table in ("scorecards", "kpi_values", "kpi_scores"):
        for month in ("2026-01-01", "2026-02-01"):
            assert team_rows(moved, table, month) == team_rows(warehouse, table, month), (table, month)
        assert team_rows(moved, table, "2026-03-01") != team_rows(warehouse, table, "2026-03-01"), table
    # March: the agent's calls moved from its old team to the new one.
    with duckdb.connect(str(moved), read_only=True) as con:
        calls = con.execute(
            "SELECT entity_id, denominator FROM marts.kpi_values WHERE kpi_code = 'avg_talk_seconds' "
            "AND period_grain = 'month' AND period_start = '2026-03-01' AND entity_id IN (?, ?, ?)",
            [agent, old_team, new_team],
        ).fetchall()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        before = dict(
            con.execute(
                "SELECT entity_id, denominator FROM marts.kpi_values WHERE kpi_code = 'avg_talk_seconds' "
                "AND period_grain = 'month' AND period_start = '2026-03-01' AND entity_id IN (?, ?, ?)",
                [agent, old_team, new_team],
            ).fetchall()
        )
    after = dict(calls)
    assert after[agent] == before[agent] > 0
    assert after[old_team] == before[old_team] - before[agent]
    assert after[new_team] == before[agent] and new_team not in before
