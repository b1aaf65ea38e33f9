"""`kpi explain`: the records behind a published KPI value add up to its numerator and denominator.

Hand-made: a work database with the staging and roster tables the explanations read, and a published warehouse
with the matching marts.kpi_values rows. March 2024; agent A1 (team T1, department D1), agent A2 (team T2), and
X9, who is on no roster (centre only). Calls (offered, answered, ended; seconds from offered):

    c1  A1 inbound  answered   answer 10, talk 120
    c2  A1 inbound  answered   answer 30, talk 3      short answer when short_answer_seconds = 5
    c3  A1 inbound  abandoned  ended at 3             short abandon when short_abandon_seconds = 5
    c4  A1 inbound  abandoned  ended at 40
    c5  A1 outbound answered                          never an inbound KPI
    c6  A1 inbound  answered, is_valid false          never counted
    c7  A1 inbound  answered in February              another month
    c8  A2 inbound  answered   answer 5, talk 60
    c9  X9 inbound  abandoned  ended at 15            within 20 s: meets the level in positive mode
    =1+1 A2 inbound answered in February              (a formula-like id, for the CSV)

Callbacks of A1 in March: customer K1 planned then completed, K2 cancelled, K3 missed: 1 of 2 customers.

The end-to-end test runs `kpi run` on a small generated landing folder and explains every explained KPI for the
centre, a team and an agent, comparing the records' sums with marts.kpi_values.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dagster_kpi.cli import main
from dagster_kpi.explain import EXPLAINED, explain, render
from dagster_kpi.generate import generate_landing
from dagster_kpi.paths import WarehousePaths
from tests.conftest import make_settings

MARCH = date(2024, 3, 1)
T = datetime(2024, 3, 4, 9, 0, 0)


def at(seconds: int | None, base: datetime = T) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(base.timestamp() + seconds)


def call(call_id: str, agent: str, outcome: str, answer: int | None, end: int, *, direction: str = "inbound",
         valid: bool = True, base: datetime = T) -> tuple[Any, ...]:  # fmt: skip
    talk = end - answer if answer is not None else None
    return (call_id, direction, agent, base, at(answer, base), at(end, base), talk, outcome, valid, base.date(), answer, end)


CALLS = [
    call("c1", "A1", "answered", 10, 130),
    call("c2", "A1", "answered", 30, 33),
    call("c3", "A1", "abandoned", None, 3),
    call("c4", "A1", "abandoned", None, 40),
    call("c5", "A1", "answered", 5, 50, direction="outbound"),
    call("c6", "A1", "answered", 5, 50, valid=False),
    call("c7", "A1", "answered", 5, 50, base=datetime(2024, 2, 20, 9)),
    call("c8", "A2", "answered", 5, 65),
    call("c9", "X9", "abandoned", None, 15),
    call("=1+1", "A2", "answered", 5, 50, base=datetime(2024, 2, 21, 9)),
]
CALLBACKS = [
    ("cb1", "K1", "A1", date(2024, 3, 2), None, "planned", False),
    ("cb2", "K1", "A1", date(2024, 3, 5), datetime(2024, 3, 5, 10), "completed", False),
    ("cb3", "K2", "A1", date(2024, 3, 6), None, "cancelled", True),
    ("cb4", "K3", "A1", date(2024, 3, 7), None, "missed", False),
]
RUN_VARS = {"service_level_seconds": 20, "short_abandon_seconds": 5, "short_answer_seconds": 5}
# (kpi, level, entity): (numerator, denominator) under RUN_VARS, as counted above.
HAND = {
    ("answer_rate", "agent", "A1"): (1, 3),  # c1 of c1, c3, c4 (c2 a short answer)
    ("answer_rate", "center", "center"): (2, 5),  # + c8 answered, c9 abandoned
    ("service_level", "agent", "A1"): (1, 2),  # c1 met; c4 counted, not met; c2, c3 short
    ("service_level", "center", "center"): (2, 4),  # + c8 met, c9 counted (negative mode)
    ("abandonment_rate", "team", "T1"): (1, 3),  # c4 of c1, c2, c4
    ("avg_speed_of_answer_seconds", "agent", "A1"): (40, 2),  # c1 10 + c2 30
    ("avg_talk_seconds", "department", "D1"): (123, 2),  # c1 120 + c2 3
    ("callback_rate", "agent", "A1"): (1, 2),  # K1 completed, K3 not; K2 cancelled
}


def make_warehouse(root: Path, run_vars: dict[str, Any] | None) -> WarehousePaths:
    paths = WarehousePaths(root / "warehouse.duckdb")
    paths.ensure()
    with duckdb.connect(str(paths.work_db)) as con:
        con.execute("CREATE SCHEMA staging; CREATE SCHEMA intermediate")
        con.execute(
            "CREATE TABLE staging.stg_calls (call_id VARCHAR, direction VARCHAR, agent_id VARCHAR, offered_at TIMESTAMP,"
            " answered_at TIMESTAMP, ended_at TIMESTAMP, talk_seconds INTEGER, outcome VARCHAR, is_valid BOOLEAN,"
            " offered_date DATE, answer_seconds BIGINT, call_seconds BIGINT, caller_number VARCHAR DEFAULT '13800000000')"
        )
        con.executemany("INSERT INTO staging.stg_calls VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, DEFAULT)", CALLS)
        con.execute(
            "CREATE TABLE staging.stg_callbacks (callback_id VARCHAR, customer_id VARCHAR, agent_id VARCHAR,"
            " planned_date DATE, completed_at TIMESTAMP, status VARCHAR, is_cancelled BOOLEAN)"
        )
        con.executemany("INSERT INTO staging.stg_callbacks VALUES (?, ?, ?, ?, ?, ?, ?)", CALLBACKS)
        con.execute("CREATE TABLE intermediate.int_agents AS SELECT * FROM (VALUES ('A1'), ('A2')) t(agent_id)")
        con.execute(
            "CREATE TABLE intermediate.int_agent_months AS SELECT * FROM (VALUES"
            " ('A1', DATE '2024-02-01', 'T1', 'D1'), ('A1', DATE '2024-03-01', 'T1', 'D1'),"
            " ('A2', DATE '2024-02-01', 'T2', NULL), ('A2', DATE '2024-03-01', 'T2', NULL))"
            " AS t(agent_id, month_start, team, department)"
        )
    with duckdb.connect(str(paths.warehouse)) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.kpi_catalog (kpi_code VARCHAR, name_zh VARCHAR, unit VARCHAR)")
        con.execute(
            "CREATE TABLE marts.kpi_values (period_grain VARCHAR, period_start DATE, level VARCHAR, entity_id VARCHAR,"
            " kpi_code VARCHAR, numerator DOUBLE, denominator DOUBLE, value DOUBLE)"
        )
        for (kpi, level, entity), (numerator, denominator) in HAND.items():
            con.execute("INSERT INTO marts.kpi_values VALUES ('month', ?, ?, ?, ?, ?, ?, ?)",
                        [MARCH, level, entity, kpi, numerator, denominator, numerator / denominator])  # fmt: skip
        con.execute("INSERT INTO marts.kpi_values VALUES ('month', '2024-02-01', 'agent', 'A2', 'avg_talk_seconds', 45, 1, 45)")
        # published by an earlier run than the one that left the work database (which counts 1 of 1)
        con.execute("INSERT INTO marts.kpi_values VALUES ('month', '2024-03-01', 'agent', 'A2', 'answer_rate', 4, 5, 0.8)")
        con.execute("INSERT INTO marts.kpi_catalog VALUES ('answer_rate', '受话业务接通率', 'ratio')")
        con.execute("INSERT INTO marts.kpi_catalog VALUES ('avg_talk_seconds', '平均通话时长', 'seconds')")
    if run_vars is not None:
        invocation = paths.dbt_target_dir / "dbt_models-x"
        invocation.mkdir(parents=True)
        (invocation / "run_results.json").write_text(json.dumps({"args": {"vars": {"kpi_work_db": "work.duckdb", **run_vars}}}))
    return paths


@pytest.fixture
def recorded(tmp_path: Path) -> WarehousePaths:
    return make_warehouse(tmp_path, RUN_VARS)


@pytest.mark.parametrize(("kpi", "level", "entity"), list(HAND))
def test_the_records_add_up_to_the_hand_checked_figures(recorded, tmp_path, kpi, level, entity):
    result = explain(make_settings(tmp_path), kpi, entity, "2024-03")
    assert result.level == level
    assert result.sums == HAND[(kpi, level, entity)]
    assert result.published[:2] == HAND[(kpi, level, entity)]
    assert "caller_number" not in result.columns


def test_each_record_says_what_it_adds(recorded, tmp_path):
    result = explain(make_settings(tmp_path), "answer_rate", "A1", "2024-03")
    assert result.columns == ["call_id", "offered_at", "answered_at", "ended_at", "outcome", "is_valid", "direction",
                              "numerator", "denominator"]  # fmt: skip
    counts = [(row[0], row[-2], row[-1]) for row in result.rows]
    # c2 is a short answer, c5 outbound, c6 not valid, c7 of February
    assert counts == [("c1", 1, 1), ("c2", 0, 0), ("c3", 0, 1), ("c4", 0, 1), ("c5", 0, 0), ("c6", 0, 0)]
    assert result.vars == {"short_answer_seconds": 5}
    callbacks = explain(make_settings(tmp_path), "callback_rate", "A1", "2024-03")
    # K1 counted once, on its completed callback; the cancelled one counts nowhere
    assert [(row[0], row[-2], row[-1]) for row in callbacks.rows] == [("cb1", 0, 0), ("cb2", 1, 1), ("cb3", 0, 0), ("cb4", 0, 1)]


def test_the_vars_decide_and_without_a_recorded_run_the_defaults_do(tmp_path):
    positive = make_warehouse(tmp_path / "positive", {**RUN_VARS, "service_level_abandon_mode": "positive"})
    result = explain(make_settings(positive.warehouse.parent), "service_level", "center", "2024-03")
    assert result.sums == (3, 4)  # c9 ended within 20 s
    assert result.vars_from == "as the run recorded them"
    defaults = make_warehouse(tmp_path / "defaults", None)
    result = explain(make_settings(defaults.warehouse.parent), "answer_rate", "A1", "2024-03")
    assert result.sums == (2, 4)  # no short answers by default: c2 counts
    assert result.vars == {"short_answer_seconds": 0}
    assert result.vars_from == "no run recorded: defaults and settings"


def test_the_command_prints_aligned_figures_and_writes_a_formula_safe_csv(recorded, tmp_path, capsys):
    out_csv = tmp_path / "a2.csv"
    args = ["explain", "--warehouse", recorded.warehouse, "--kpi", "avg_talk_seconds", "--entity", "A2", "--month", "2024-02"]
    assert main([*map(str, args), "--csv", str(out_csv)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:4] == [
        "avg_talk_seconds 平均通话时长 · agent A2 · 2024-02",
        "           numerator  denominator   value",
        "published         45            1  45.0 s",
        "records           45            1  45.0 s",
    ]
    assert out[4] == "1 record of the month, 1 counted"
    assert out[-1] == f"wrote 1 record to {out_csv}"
    with out_csv.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0][-3:] == ["talk_seconds", "numerator", "denominator"]
    assert rows[1][0] == "'=1+1" and rows[1][1] == "2024-02-21 09:00:00" and rows[1][-2:] == ["45", "1"]


def test_records_that_do_not_add_up_are_said_to_come_from_a_later_run(recorded, tmp_path):
    result = explain(make_settings(tmp_path), "answer_rate", "A2", "2024-03")
    assert (result.published[:2], result.sums, result.matches) == ((4, 5), (1, 1), False)
    lines = render(result).splitlines()
    assert lines[2:5] == [
        "published          4            5   80.0%",
        "records            1            1  100.0%",
        "the records differ from the published figures: the work database is from a later run that was not published",
    ]
    assert explain(make_settings(tmp_path), "answer_rate", "A1", "2024-03").matches


def test_explain_problems_are_one_line(recorded, capsys):
    def run(*args: str) -> tuple[int, str]:
        code = main(["explain", "--warehouse", str(recorded.warehouse), *args])
        return code, capsys.readouterr().err

    code, err = run("--kpi", "csat_score", "--entity", "A1", "--month", "2024-03")
    assert code == 2
    assert err == f"kpi explain: kpi 'csat_score' is not explained; explained KPIs: {', '.join(sorted(EXPLAINED))}\n"
    assert run("--kpi", "answer_rate", "--entity", "A9", "--month", "2024-03") == (
        1, "kpi explain: no published answer_rate of A9 in 2024-03\n",
    )  # fmt: skip
    assert run("--kpi", "answer_rate", "--entity", "A1", "--month", "2024-3") == (
        2, "kpi explain: month must be YYYY-MM, got '2024-3'\n",
    )  # fmt: skip
    recorded.work_db.unlink()
    assert run("--kpi", "answer_rate", "--entity", "A1", "--month", "2024-03") == (
        1, f"kpi explain: work database {recorded.work_db} does not exist: run `kpi run` first\n",
    )  # fmt: skip


# --- on a real run -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("explain")
    generate_landing(root / "landing", months=2, agents=8, scale=0.02, seed=11, start="2026-01")
    warehouse = root / "out" / "warehouse.duckdb"
    done = subprocess.run([sys.executable, "-m", "dagster_kpi.cli", "run", "--landing", str(root / "landing"),
                           "--warehouse", str(warehouse)], capture_output=True, text=True, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return warehouse


@pytest.mark.e2e
def test_every_explained_kpi_adds_up_to_the_published_figures(published):
    with duckdb.connect(str(published), read_only=True) as con:
        rows = con.execute(
            """
            SELECT kpi_code, level, entity_id, numerator, denominator FROM marts.kpi_values
            WHERE period_grain = 'month' AND period_start = '2026-02-01' AND denominator > 0
              AND level IN ('center', 'team', 'agent') AND kpi_code IN (SELECT unnest(?::VARCHAR[]))
            QUALIFY row_number() OVER (PARTITION BY kpi_code, level ORDER BY entity_id) = 1
            """,
            [list(EXPLAINED)],
        ).fetchall()
    assert {row[0] for row in rows} == set(EXPLAINED)
    assert {row[1] for row in rows} == {"center", "team", "agent"}
    settings = make_settings(published.parent)
    for kpi, level, entity, numerator, denominator in rows:
        result = explain(settings, kpi, entity, "2026-02", level=level)
        assert result.sums == (pytest.approx(numerator, rel=1e-9), denominator), (kpi, level, entity)
        assert result.vars_from == "as the run recorded them"
