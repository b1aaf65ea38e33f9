"""`kpi explain`: the records behind a published KPI value, counted by the KPI model's own compiled SQL.

Hand-made raw tables built by `dbt build` into a warehouse's work database, and a published warehouse whose
marts.kpi_values hold the hand-checked figures below. March 2024; agent A1 (team T1, department D1), agent A2
(team T2), and X9, who is on no roster (centre only). Calls (seconds from offered):

    c1  A1 inbound  answered   answer 10, talk 120
    c2  A1 inbound  answered   answer 30, talk 3      short answer (short_answer_seconds = 5)
    c3  A1 inbound  abandoned  ended at 3             short abandon (short_abandon_seconds = 5)
    c4  A1 inbound  abandoned  ended at 40
    c5  A1 outbound answered                          never an inbound KPI
    c6  A1 inbound  answered, is_valid false          never counted
    c7  A1 inbound  answered in February              another month
    c8  A2 inbound  answered   answer 5, talk 60
    c9  X9 inbound  abandoned  ended at 15            within 20 s: meets the level in positive mode
    =1+1 A2 inbound answered in February              (a formula-like id, for the CSV)

Callbacks of A1 in March: customer K1 planned then completed, K2 cancelled, K3 failed: 1 of 2 customers.
QA reviews in March: A1 80 and 90, A2 70, X9 100. Violations in March: A1 attitude 2 points; team T2 (no agent)
discipline 3 points.

The end-to-end test runs `kpi run` on a small generated landing folder and explains every KPI for the centre, a
team and an agent, comparing the records' figures with marts.kpi_values.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from dagster_kpi.cli import main
from dagster_kpi.explain import explain, percentile_cont, render
from dagster_kpi.generate import generate_landing
from dagster_kpi.paths import PROJECT_ROOT, WarehousePaths
from tests.conftest import make_settings
from tests.dbt_fixture import load_raw
from tests.test_dbt_project import run_dbt

MARCH = date(2024, 3, 1)
T = datetime(2024, 3, 4, 9, 0, 0)


def call(call_id: str, agent: str, outcome: str, answer: int | None, end: int, *, direction: str = "inbound",
         valid: bool = True, base: datetime = T) -> dict[str, Any]:  # fmt: skip
    answered = None if answer is None else base + timedelta(seconds=answer)
    return {"call_id": call_id, "direction": direction, "agent_id": agent, "offered_at": base, "answered_at": answered,
            "ended_at": base + timedelta(seconds=end), "talk_seconds": None if answer is None else end - answer,
            "outcome": outcome, "is_valid": valid, "caller_number": "13800000000"}  # fmt: skip


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
    {"callback_id": "cb1", "customer_id": "K1", "agent_id": "A1", "planned_date": date(2024, 3, 2), "status": "planned"},
    {"callback_id": "cb2", "customer_id": "K1", "agent_id": "A1", "planned_date": date(2024, 3, 5),
     "completed_at": datetime(2024, 3, 5, 10), "status": "completed"},
    {"callback_id": "cb3", "customer_id": "K2", "agent_id": "A1", "planned_date": date(2024, 3, 6), "status": "cancelled"},
    {"callback_id": "cb4", "customer_id": "K3", "agent_id": "A1", "planned_date": date(2024, 3, 7), "status": "failed"},
]  # fmt: skip
QA = [
    {"review_id": "q1", "agent_id": "A1", "reviewed_at": datetime(2024, 3, 5, 10), "score": 80.0},
    {"review_id": "q2", "agent_id": "A1", "reviewed_at": datetime(2024, 3, 20, 10), "score": 90.0},
    {"review_id": "q3", "agent_id": "A2", "reviewed_at": datetime(2024, 3, 10, 10), "score": 70.0},
    {"review_id": "q4", "agent_id": "X9", "reviewed_at": datetime(2024, 3, 11, 10), "score": 100.0},
]
VIOLATIONS = [
    {"violation_id": "v1", "occurred_at": datetime(2024, 3, 8, 10), "agent_id": "A1", "category": "attitude",
     "points": 2.0, "description": "客户投诉 张三"},
    {"violation_id": "v2", "occurred_at": datetime(2024, 3, 9, 10), "team": "T2", "category": "discipline", "points": 3.0},
]  # fmt: skip
AGENTS = [
    {"agent_id": "A1", "agent_name": "Ann", "team": "T1", "department": "D1"},
    {"agent_id": "A2", "agent_name": "Bo", "team": "T2"},
]
FIXTURE = {"agents": AGENTS, "calls": CALLS, "callbacks": CALLBACKS, "qa_reviews": QA, "violations": VIOLATIONS}
RUN_VARS = {"service_level_seconds": 20, "short_abandon_seconds": 5, "short_answer_seconds": 5}
KPIS = ["answer_rate", "service_level", "abandonment_rate", "avg_speed_of_answer_seconds", "avg_talk_seconds",
        "call_volume", "callback_rate", "qa_avg_score", "speed_of_answer_seconds_p90", "deduction_points",
        "staff_turnover_rate"]  # fmt: skip
# (kpi, level, entity): the published (numerator, denominator, value) under RUN_VARS, as counted above.
HAND: dict[tuple[str, str, str], tuple[float | None, float | None, float | None]] = {
    ("answer_rate", "agent", "A1"): (1, 3, 1 / 3),  # c1 of c1, c3, c4 (c2 a short answer)
    ("answer_rate", "center", "center"): (2, 5, 0.4),  # + c8 answered, c9 abandoned
    ("service_level", "agent", "A1"): (1, 2, 0.5),  # c1 met; c4 counted, not met; c2, c3 short
    ("service_level", "center", "center"): (2, 4, 0.5),  # + c8 met, c9 counted (negative mode)
    ("abandonment_rate", "team", "T1"): (1, 3, 1 / 3),  # c4 of c1, c2, c4
    ("avg_speed_of_answer_seconds", "agent", "A1"): (40, 2, 20),  # c1 10 + c2 30
    ("avg_talk_seconds", "department", "D1"): (123, 2, 61.5),  # c1 120 + c2 3
    ("call_volume", "center", "center"): (None, None, 8),  # every March call: c1-c6, c8, c9
    ("callback_rate", "agent", "A1"): (1, 2, 0.5),  # K1 completed, K3 not; K2 cancelled
    ("qa_avg_score", "center", "center"): (255, 3, 85),  # means A1 85, A2 70, X9 100
    ("qa_avg_score", "team", "T1"): (85, 1, 85),
    ("speed_of_answer_seconds_p90", "center", "center"): (None, None, 26),  # 5, 10, 30: position 1.8 -> 10 + 0.8 x 20
    ("deduction_points", "team", "T2"): (None, None, 3),  # v2, recorded against the team
    ("deduction_points", "center", "center"): (None, None, 5),
    ("staff_turnover_rate", "center", "center"): (0, 2, 0),
}
with (PROJECT_ROOT / "seeds" / "kpis.csv").open(encoding="utf-8") as catalogue:
    UNITS = {row["kpi_code"]: (row["name_zh"], row["unit"]) for row in csv.DictReader(catalogue)}


def make_warehouse(root: Path, run_vars: dict[str, Any]) -> WarehousePaths:
    """The fixture built by dbt (the KPI models compiled under the warehouse's dbt target folder, as a run leaves
    them) and a published warehouse with HAND's rows."""
    paths = WarehousePaths(root / "warehouse.duckdb")
    paths.ensure()
    load_raw(paths.work_db, FIXTURE)
    select = [f"+kpi_{kpi}" for kpi in KPIS]
    args = ["build", "--select", *select, "--indirect-selection", "cautious", "--vars", json.dumps(run_vars)]
    run_dbt(args, paths.work_db, paths.dbt_target_dir / "fixture")
    with duckdb.connect(str(paths.warehouse)) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.kpi_catalog (kpi_code VARCHAR, name_zh VARCHAR, unit VARCHAR)")
        con.executemany("INSERT INTO marts.kpi_catalog VALUES (?, ?, ?)", [(k, *UNITS[k]) for k in KPIS])
        con.execute(
            "CREATE TABLE marts.kpi_values (period_grain VARCHAR, period_start DATE, level VARCHAR, entity_id VARCHAR,"
            " kpi_code VARCHAR, numerator DOUBLE, denominator DOUBLE, value DOUBLE)"
        )
        for (kpi, level, entity), figures in HAND.items():
            row = [MARCH, level, entity, kpi, *figures]
            con.execute("INSERT INTO marts.kpi_values VALUES ('month', ?, ?, ?, ?, ?, ?, ?)", row)
        con.execute("INSERT INTO marts.kpi_values VALUES ('month', '2024-02-01', 'agent', 'A2', 'avg_talk_seconds', 90, 2, 45)")
        # published by an earlier run than the one that left the work database (which counts 1 of 1)
        con.execute("INSERT INTO marts.kpi_values VALUES ('month', '2024-03-01', 'agent', 'A2', 'answer_rate', 4, 5, 0.8)")
    return paths


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> WarehousePaths:
    return make_warehouse(tmp_path_factory.mktemp("explain_fixture"), RUN_VARS)


def settings_of(paths: WarehousePaths):
    return make_settings(paths.warehouse.parent)


def test_the_models_publish_the_hand_checked_figures(recorded):
    # The fixture's published rows are what the models compute, so explain is checked against the models themselves.
    with duckdb.connect(str(recorded.work_db), read_only=True) as con:
        for (kpi, level, entity), (numerator, denominator, value) in HAND.items():
            measure = "value" if kpi.endswith("_p90") else "NULL"
            query = (f"SELECT numerator, denominator, {measure} FROM metrics.kpi_{kpi}"
                     " WHERE period_grain = 'month' AND period_start = ? AND level = ? AND entity_id = ?")  # fmt: skip
            row = con.execute(query, [MARCH, level, entity]).fetchone()
            assert row is not None, (kpi, level, entity)
            if kpi.endswith("_p90"):
                assert row[2] == pytest.approx(value), kpi
            elif numerator is not None:
                assert row[:2] == (numerator, denominator), (kpi, level, entity)
            else:
                assert row[0] == value, (kpi, level, entity)


@pytest.mark.parametrize(("kpi", "level", "entity"), [key for key in HAND if key[0] != "staff_turnover_rate"])
def test_the_records_give_the_hand_checked_figures(recorded, kpi, level, entity):
    result = explain(settings_of(recorded), kpi, entity, "2024-03")
    assert result.level == level
    want = HAND[(kpi, level, entity)]
    assert result.published == want and result.matches
    numerator, denominator, value = result.summary
    assert value == pytest.approx(want[2])
    if want[0] is not None:
        assert (numerator, denominator) == want[:2]
    assert not {"caller_number", "description", "agent_name"} & set(result.columns)


def test_each_record_says_what_it_adds_with_the_columns_that_decide(recorded):
    result = explain(settings_of(recorded), "answer_rate", "A1", "2024-03")
    # the key, the call's timestamps and the columns the model reads; then the placing date and the agent
    assert result.columns == ["call_id", "direction", "offered_at", "answered_at", "ended_at", "outcome", "is_valid",
                              "event_date", "agent_id", "numerator", "denominator"]  # fmt: skip
    level = explain(settings_of(recorded), "service_level", "A1", "2024-03")
    assert level.columns[7:9] == ["answer_seconds", "call_seconds"]  # what service_level reads, answer_rate does not
    # the facts are the counted records: c2 (a short answer), c5 (outbound), c6 (not valid) and c7 (February) are not
    assert [(row[0], row[-2], row[-1]) for row in result.rows] == [("c1", 1, 1), ("c3", 0, 1), ("c4", 0, 1)]
    callbacks = explain(settings_of(recorded), "callback_rate", "A1", "2024-03")
    # K1 counted once, on its completed callback; the cancelled one is no fact
    at = callbacks.columns.index("distinct_key")
    assert [(row[0], row[at], row[-2], row[-1]) for row in callbacks.rows] == [
        ("cb1", "K1", 0, 0), ("cb2", "K1", 1, 1), ("cb4", "K3", 0, 1),
    ]  # fmt: skip
    assert "status" in callbacks.columns and "completed_at" in callbacks.columns
    deductions = explain(settings_of(recorded), "deduction_points", "T2", "2024-03")
    assert [(row[0], row[-2]) for row in deductions.rows] == [("v2", 3)]
    assert "points" in deductions.columns and "description" not in deductions.columns
    p90 = explain(settings_of(recorded), "speed_of_answer_seconds_p90", "center", "2024-03")
    assert sorted(row[-1] for row in p90.rows) == [5, 10, 30] and p90.columns[-1] == "value"


def test_the_run_s_vars_decide_as_compiled(tmp_path):
    positive = make_warehouse(tmp_path, {**RUN_VARS, "service_level_abandon_mode": "positive"})
    result = explain(settings_of(positive), "service_level", "center", "2024-03")
    assert result.summary[:2] == (3, 4)  # c9 ended within 20 s
    assert not result.matches  # published under the negative mode: 2 of 4


def test_percentile_interpolates_between_ranks():
    assert percentile_cont([5.0, 10.0, 30.0], 0.9) == pytest.approx(26.0)
    assert percentile_cont([5.0, 10.0, 30.0], 0.5) == 10.0
    assert percentile_cont([7.0], 0.9) == 7.0
    assert percentile_cont([], 0.5) is None


def test_the_command_prints_aligned_figures_and_writes_a_formula_safe_csv(recorded, tmp_path, capsys):
    out_csv = tmp_path / "a2.csv"
    args = ["explain", "--warehouse", recorded.warehouse, "--kpi", "avg_talk_seconds", "--entity", "A2", "--month", "2024-02"]
    assert main([*map(str, args), "--csv", str(out_csv)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:4] == [
        "avg_talk_seconds 平均通话时长 · agent A2 · 2024-02",
        "           numerator  denominator   value",
        "published         90            2  45.0 s",
        "records           45            1  45.0 s",
    ]
    assert out[4] == "the records differ from the published figures: the work database is from a later run that was not published"
    assert out[5] == "1 record of the month, 1 counted"
    assert out[-1] == f"wrote 1 record to {out_csv}"
    with out_csv.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.reader(file))
    assert rows[0][:3] == ["call_id", "direction", "offered_at"] and rows[0][-2:] == ["numerator", "denominator"]
    assert rows[1][0] == "'=1+1" and rows[1][2] == "2024-02-21 09:00:00" and rows[1][-2:] == ["45", "1"]


def test_records_that_do_not_add_up_are_said_to_come_from_a_later_run(recorded):
    result = explain(settings_of(recorded), "answer_rate", "A2", "2024-03")
    assert (result.published[:2], result.summary[:2], result.matches) == ((4, 5), (1, 1), False)
    lines = render(result).splitlines()
    assert lines[2:5] == [
        "published          4            5   80.0%",
        "records            1            1  100.0%",
        "the records differ from the published figures: the work database is from a later run that was not published",
    ]


def test_explain_problems_are_one_line(recorded, capsys):
    def run(*args: str) -> tuple[int, str]:
        code = main(["explain", "--warehouse", str(recorded.warehouse), *args])
        return code, capsys.readouterr().err

    assert run("--kpi", "staff_turnover_rate", "--entity", "center", "--month", "2024-03") == (
        2, "kpi explain: kpi 'staff_turnover_rate' is not explained record by record: its model counts periods or snapshots\n",
    )  # fmt: skip
    assert run("--kpi", "no_such_kpi", "--entity", "A1", "--month", "2024-03") == (
        2, "kpi explain: no kpi 'no_such_kpi' in marts.kpi_catalog (`kpi show` and the export list the KPIs)\n",
    )  # fmt: skip
    assert run("--kpi", "answer_rate", "--entity", "A9", "--month", "2024-03") == (
        1, "kpi explain: no published answer_rate of A9 in 2024-03\n",
    )  # fmt: skip
    assert run("--kpi", "answer_rate", "--entity", "A1", "--month", "2024-3") == (
        2, "kpi explain: month must be YYYY-MM, got '2024-3'\n",
    )  # fmt: skip


def test_without_the_run_s_files_explain_says_what_to_do(tmp_path, capsys):
    paths = make_warehouse(tmp_path, RUN_VARS)
    args = ["explain", "--warehouse", str(paths.warehouse), "--kpi", "answer_rate", "--entity", "A1", "--month", "2024-03"]
    paths.work_db.unlink()
    assert main(args) == 1
    assert capsys.readouterr().err == f"kpi explain: work database {paths.work_db} does not exist: run `kpi run` first\n"
    for compiled in paths.dbt_target_dir.rglob("kpi_answer_rate.sql"):
        os.remove(compiled)
    assert main(args) == 1
    assert capsys.readouterr().err == (
        f"kpi explain: no compiled SQL of kpi_answer_rate in {paths.dbt_target_dir}: run `kpi run` first\n"
    )


# --- on a real run -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("explain")
    generate_landing(root / "landing", months=2, agents=8, scale=0.02, seed=11, start="2026-01")
    warehouse = root / "out" / "warehouse.duckdb"
    done = subprocess.run([sys.executable, "-m", "dagster_kpi.cli", "run", "--landing", str(root / "landing"),
                           "--warehouse", str(warehouse), "--var", "sla_clock=business"],
                          capture_output=True, text=True, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return warehouse


# KPIs whose models count periods or snapshots (or the scores), not records one by one.
NOT_RECORD_BY_RECORD = {"big_client_churn_rate", "rating_score", "staff_turnover_rate", "agent_score_avg"}


@pytest.mark.e2e
def test_every_kpi_counted_record_by_record_gives_the_published_figures(published):
    with duckdb.connect(str(published), read_only=True) as con:
        rows = con.execute(
            """
            SELECT kpi_code, level, entity_id, strftime(period_start, '%Y-%m'), numerator, denominator, value
            FROM marts.kpi_values
            WHERE period_grain = 'month' AND value IS NOT NULL AND level IN ('center', 'team', 'agent')
            QUALIFY row_number() OVER (PARTITION BY kpi_code, level ORDER BY period_start DESC, entity_id) = 1
            """
        ).fetchall()
        codes = {code for (code,) in con.execute("SELECT kpi_code FROM marts.kpi_catalog").fetchall()}
    assert {row[0] for row in rows} == codes
    settings = make_settings(published.parent)
    explained, refused = set(), set()
    for kpi, level, entity, month, numerator, denominator, value in rows:
        try:
            result = explain(settings, kpi, entity, month, level=level)
        except Exception as error:  # noqa: BLE001 - the refusal is checked below
            assert "is not explained record by record" in str(error), (kpi, error)
            refused.add(kpi)
            continue
        explained.add(kpi)
        got = result.summary
        assert got[2] == pytest.approx(value, rel=1e-9), (kpi, level, entity)
        if numerator is not None:
            assert got[:2] == (pytest.approx(numerator, rel=1e-9), denominator), (kpi, level, entity)
        assert result.matches, (kpi, level, entity)
    assert refused == NOT_RECORD_BY_RECORD
    assert len(explained) == len(codes) - len(NOT_RECORD_BY_RECORD) >= 60
