"""The benchmark: its baseline SQL on hand-made extracts, its measuring parts, and one tiny end-to-end bench."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bench.baseline import baseline_kpis
from bench.crosscheck import compare, required_agree
from bench.measure import measure
from bench.report import COLUMNS
from bench.stages import group_steps

PROJECT_ROOT = Path(__file__).resolve().parent.parent

CALLS = """\
call_id,direction,queue,customer_id,caller_number,agent_id,offered_at,answered_at,ended_at,talk_seconds,hold_seconds,wrap_seconds,outcome,transferred,is_valid
C1,inbound,q,,,A1,2026-01-05 09:00:00,2026-01-05 09:00:10,2026-01-05 09:02:10,120,5,15,answered,false,true
C2,inbound,q,,,A1,2026-01-05 10:00:00,2026-01-05 10:00:30,2026-01-05 10:01:30,,,,answered,true,
C3,Inbound,q,,,,2026-01-06 10:00:00,,2026-01-06 10:00:40,,,,abandoned,,true
C4,outbound,q,,,A2,2026-01-06 11:00:00,2026-01-06 11:00:05,2026-01-06 11:01:05,60,0,0,answered,Y,1
C5,inbound,q,,,,2026-01-07 11:00:00,,2026-01-07 11:00:00,,,,blocked,,false
C6,inbound,q,,,A1,2026/02/01 08:00:00,2026/02/01 08:00:20,2026/02/01 08:03:00,160,0,0,answered,false,true
"""
# A later re-extract in the Chinese layout (BOM) that marks C1 invalid.
CALLS_REEXTRACT = """\
\ufeff呼叫ID,呼叫方向,技能组,客户编号,主叫号码,坐席工号,进线时间,接听时间,挂机时间,通话时长,保持时长,话后处理时长,呼叫结果,是否转接,是否有效
C1,呼入,q,,,A1,2026-01-05 09:00:00,2026-01-05 09:00:10,2026-01-05 09:02:10,120,5,40,已接通,否,否
"""
TICKETS = """\
ticket_id,channel,category,issue_type,customer_id,agent_id,created_at,first_response_at,transferred_at,target_department,resolved_at,status,first_contact_resolution,reopened_count
T1,email,inquiry,,,A1,2026-01-03 09:00:00,,,,2026-01-04 09:00:00,resolved,true,0
T2,email,inquiry,,,A1,2026-01-10 09:00:00,,,,,closed,,0
T3,web,fault,,,A1,2026-01-11 09:00:00,,,,,processing,,0
T4,web,fault,,,A1,2026-01-12 09:00:00,,,,,cancelled,,0
T5,app,inquiry,,,A2,2026-02-02 09:00:00,,,,,open,,0
"""
COMPLAINTS = """\
投诉编号,工单号,客户编号,责任人工号,投诉时间,投诉来源,投诉等级,是否责任投诉,解决时间,是否满意
P1,,,A1,2026-01-02 10:00:00,电话,一类,,2026/01/20 10:00:00,是
P2,,,A1,2026-01-03 10:00:00,电话,三类,,2026-01-25 10:00:00,否
P3,,,A1,2026-01-04 10:00:00,电话,三类,,2026-02-01 08:00:00,
P4,,,A1,2026-01-05 10:00:00,电话,三类,,,
"""
CALLBACKS = """\
回访编号,客户编号,回访人工号,计划回访日期,回访时间,回访状态,回访类型,关联投诉编号
H1,K1,A1,2026/01/05,2026-01-05 10:00:00,已回访,例行回访,
H2,K1,A1,2026-01-06,,未接通,例行回访,
H3,K2,A1,2026-01-07,,计划,例行回访,
H4,K3,A1,2026-01-08,,取消,例行回访,
H5,K2,A1,2026-02-01,2026-02-01 10:00:00,已完成,例行回访,
"""


def write_landing(root: Path) -> Path:
    files = {
        "calls/calls_2026-01.csv": CALLS.encode(),
        "calls/calls_2026-01_reextract.csv": CALLS_REEXTRACT.encode(),
        "tickets/tickets.csv": TICKETS.encode(),
        "complaints/投诉明细.csv": COMPLAINTS.encode("gbk"),
        "callbacks/回访记录.csv": CALLBACKS.encode("gbk"),
    }
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    # The re-extract is newer than the file it corrects, even on file systems with coarse times.
    older = (root / "calls/calls_2026-01.csv").stat().st_mtime
    os.utime(root / "calls/calls_2026-01_reextract.csv", (older + 5, older + 5))
    (root / "surveys").mkdir()
    pq.write_table(
        pa.table(
            {
                "survey_id": ["S1", "S2", "S3"],
                "responded_at": pa.array(["2026-01-09 10:00:00", "2026-01-19 10:00:00", "2026-02-09 10:00:00"]).cast(
                    pa.timestamp("s")
                ),
                "csat_score": [5, 3, 4],
            }
        ),
        root / "surveys/surveys.parquet",
    )
    return root


def test_baseline_sql_on_hand_made_extracts(tmp_path: Path) -> None:
    rows = {(month, code): (num, den, value) for month, code, num, den, value in baseline_kpis(write_landing(tmp_path))}
    jan, feb = "2026-01-01", "2026-02-01"
    # January after the re-extract: C1 invalid; valid inbound C2 (answered after 30 s, talk 60 s derived from
    # its times, transferred), C3 (abandoned); outbound C4 answered and transferred; C5 blocked and invalid.
    assert rows[(jan, "call_volume")] == (None, None, 5.0)
    assert rows[(jan, "answer_rate")] == (1.0, 2.0, 0.5)
    assert rows[(jan, "abandonment_rate")] == (1.0, 2.0, 0.5)
    assert rows[(jan, "service_level")] == (0.0, 2.0, 0.0)
    assert rows[(jan, "avg_talk_seconds")] == (60.0, 1.0, 60.0)
    assert rows[(jan, "avg_speed_of_answer_seconds")] == (30.0, 1.0, 30.0)
    assert rows[(jan, "avg_handle_seconds")] == (60.0, 1.0, 60.0)
    assert rows[(jan, "transfer_rate")] == (2.0, 2.0, 1.0)
    # C6: answered in exactly 20 s, which is within the service level.
    assert rows[(feb, "call_volume")] == (None, None, 1.0)
    assert rows[(feb, "service_level")] == (1.0, 1.0, 1.0)
    assert rows[(feb, "transfer_rate")] == (0.0, 1.0, 0.0)
    assert rows[(feb, "avg_handle_seconds")] == (160.0, 1.0, 160.0)
    # Tickets: T4 cancelled; T1 has resolved_at, T2 is closed, T3 is open.
    assert rows[(jan, "non_call_processing_rate")] == (2.0, 3.0, 2 / 3)
    assert rows[(feb, "non_call_processing_rate")] == (0.0, 1.0, 0.0)
    # Complaints by resolved month: P1 satisfied, P2 not; P3 has no verdict; P4 unresolved.
    assert rows[(jan, "complaint_resolution_satisfaction_rate")] == (1.0, 2.0, 0.5)
    assert rows[(feb, "complaint_resolution_satisfaction_rate")] == (0.0, 1.0, 0.0)
    # Callbacks in customers: January K1 (reached) and K2 (still planned), K3 cancelled only.
    assert rows[(jan, "callback_rate")] == (1.0, 2.0, 0.5)
    assert rows[(feb, "callback_rate")] == (1.0, 1.0, 1.0)
    assert rows[(jan, "csat_score")] == (160.0, 2.0, 80.0)
    assert rows[(feb, "csat_score")] == (80.0, 1.0, 80.0)
    assert len(rows) == 24


def test_compare_month_by_month() -> None:
    baseline = [
        ("2026-01-01", "call_volume", None, None, 5.0),
        ("2026-01-01", "answer_rate", 1.0, 2.0, 0.5),
        ("2026-02-01", "answer_rate", 1.0, 4.0, 0.25),
    ]
    published = {
        ("2026-01-01", "call_volume"): 5.0,
        ("2026-02-01", "call_volume"): 0.0,
        ("2026-01-01", "answer_rate"): 0.5,
        ("2026-02-01", "answer_rate"): 0.5,
        ("2026-03-01", "answer_rate"): None,
    }
    found = {c.kpi_code: c for c in compare(baseline, published)}
    # A month without calls counts 0 calls; a ratio without records has no value on either side.
    assert (found["call_volume"].months, found["call_volume"].differing) == (2, ())
    assert (found["answer_rate"].months, found["answer_rate"].differing) == (3, ("2026-02: 0.25 vs 0.5",))
    assert not required_agree(found.values())
    published[("2026-02-01", "answer_rate")] = 0.25
    assert required_agree(compare(baseline, published))


def test_steps_grouped_by_stage() -> None:
    steps = [
        ("raw__calls", 2.0),
        ("raw__calls_raw_calls_suite", 1.0),
        ("dbt_models", 10.0),
        ("marts__kpi_values_reconcile_answer_rate", 0.25),
        ("published__marts", 0.5),
        ("raw__tickets", 3.0),
        ("something_new", 0.125),
    ]
    checks = {"raw__calls_raw_calls_suite", "marts__kpi_values_reconcile_answer_rate"}
    assert group_steps(steps, checks) == {"ingest": 5.0, "dbt": 10.0, "validation": 1.25, "publish": 0.5, "other": 0.125}


def test_step_running_at_a_moment() -> None:
    from bench.stages import RunStages

    run = RunStages(
        run_id="r",
        first_step_at=100.0,
        seconds={},
        rows_read=0,
        steps=(("raw__calls", 100.0, 110.0), ("dbt_models", 112.0, 150.0)),
    )
    assert [run.step_at(t) for t in (99.0, 105.0, 111.0, 150.0, 151.0)] == [
        "start-up",
        "raw__calls",
        "between steps",
        "dbt_models",
        "after the last step",
    ]


def test_measure_counts_the_whole_process_tree() -> None:
    # The parent holds little; its child holds 300 MiB for half a second.
    child = "import time; time.sleep(0.3); block = bytearray(300 << 20); time.sleep(0.5)"
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}]); print('done')"
    measured = measure([sys.executable, "-c", parent])
    assert measured.returncode == 0 and measured.stdout == "done\n"
    assert measured.peak_rss_bytes >= 300 << 20
    assert measured.wall_seconds >= 0.8
    assert measured.started_at + 0.3 <= measured.peak_at <= measured.started_at + measured.wall_seconds


def test_landing_folder_reused(tmp_path: Path) -> None:
    from bench.landing import LandingSpec, ensure_landing

    spec = LandingSpec(scale=0.001, months=1, agents=5)
    folder = ensure_landing(spec, tmp_path)
    stamp = (folder / "calls").stat().st_mtime_ns
    assert ensure_landing(spec, tmp_path) == folder
    assert (folder / "calls").stat().st_mtime_ns == stamp
    assert folder.name == f"scale0.001_months1_agents5_seed7_from{spec.resolved().start}"


def test_a_day_of_calls_and_a_re_extract_change_a_working_copy_only(tmp_path: Path) -> None:
    import duckdb

    from bench.landing import LandingSpec, NotOverYet, add_day_of_calls, ensure_landing, reextract_month, working_copy

    spec = LandingSpec(scale=0.01, months=2, agents=5, start="2026-01")
    generated = ensure_landing(spec, tmp_path / "generated")
    before = {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in (generated / "calls").iterdir()}
    landing = working_copy(generated, tmp_path / "copy")

    # The day after the data must be over: its calls would lie in the future.
    with pytest.raises(NotOverYet, match="^the day after the data, 2026-03-01, is not over yet$"):
        add_day_of_calls(spec, landing, today=date(2026, 3, 1))
    assert not (landing / "calls/calls_2026-03-01.csv").exists()
    day = add_day_of_calls(spec, landing, timezone="Asia/Shanghai")
    assert (day.day.isoformat(), day.path.name) == ("2026-03-01", "calls_2026-03-01.csv")
    with duckdb.connect() as con:
        [(rows, first, last, ids, prefixed)] = con.execute(
            "SELECT count(*), min(offered_at::DATE)::VARCHAR, max(offered_at::DATE)::VARCHAR, count(DISTINCT call_id), "
            "bool_and(starts_with(call_id, 'C20260301-')) FROM read_csv(?, all_varchar = true)",
            [str(day.path)],
        ).fetchall()
    # A Sunday in March at scale 0.01: about 100,000 x 0.01 x 12 / 365 calls a weekday, half that on a Sunday.
    assert rows == ids == day.rows and 5 < rows < 40
    assert (first, last, prefixed) == ("2026-03-01", "2026-03-01", True)

    march = reextract_month(landing, "2026-02", seed=7)
    with duckdb.connect() as con:
        old, new = (
            con.execute("SELECT * FROM read_csv(?, all_varchar = true)", [str(path)]).fetchall()
            for path in (generated / "calls/calls_2026-02.csv", march.path)
        )
    assert len(new) == len(old) + 20 == march.rows and march.added == 20
    changed = [(a, b) for a, b in zip(old, new, strict=False) if a != b]
    assert len(changed) == march.changed == round(sum(r[9] is not None for r in old) * 0.01)
    assert all(a[:9] == b[:9] and int(b[9]) > int(a[9]) and a[10:] == b[10:] for a, b in changed)
    assert len({r[0] for r in new}) == len(new)
    assert march.path.stat().st_mtime_ns > before["calls_2026-02.csv"][1]
    # The generated folder is as it was: the copy's files were added or replaced, never written into.
    assert {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in (generated / "calls").iterdir()} == before


@pytest.mark.e2e
def test_bench_end_to_end(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-m",
        "bench.run",
        "--scales",
        "0.01",
        "--months",
        "2",
        "--data",
        str(tmp_path / "data"),
        "--results",
        str(tmp_path / "results"),
    ]
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=1200, check=False)
    assert done.returncode == 0, done.stderr
    report = (tmp_path / "results/latest.md").read_text(encoding="utf-8")
    assert "| " + " | ".join(COLUMNS) + " |" in report
    (result,) = json.loads((tmp_path / "results/latest.json").read_text(encoding="utf-8"))["results"]
    assert result["scale"] == 0.01 and result["rows_read"] > 2_000
    assert set(result["stage_s"]) == {"ingest", "dbt", "validation", "publish", "other"}
    assert all(result["stage_s"][s] > 0 for s in ("ingest", "dbt", "validation", "publish"))
    assert 0 < result["overhead_s"] + sum(result["stage_s"].values()) <= result["full_run_s"]
    assert result["refresh_s"] is None or 0 < result["refresh_s"]
    assert result["peak_rss_bytes"] > 50 << 20 and result["baseline_s"] > 0
    markers = ("start-up", "between steps", "after the last step")
    assert result["peak_step"] in markers or result["peak_step"].startswith(("raw__", "dbt_models", "marts__"))
    checks = {c["kpi_code"]: c for c in result["crosscheck"]}
    # The two months of calls (late-February SLA targets in March do not extend the published months).
    assert checks["answer_rate"]["agrees"] and checks["answer_rate"]["months"] == 2
    assert checks["call_volume"]["agrees"] and checks["call_volume"]["months"] == 2
    assert result["crosscheck_ok"]
    # The incremental runs, on the same warehouse: measured by stage and cross-checked again.
    new_day, reextract = result["cases"]
    assert (new_day["case"], reextract["case"]) == ("new day via the sensor", "late re-extract")
    assert re.fullmatch(r"calls/calls_\d{4}-\d{2}\.csv: \d+ talk times changed, 20 calls added", reextract["change"])
    for case in (c for c in (new_day, reextract) if c["wall_s"] is not None):
        assert set(case["stage_s"]) == {"ingest", "dbt", "validation", "publish", "other"}
        assert case["stage_s"]["ingest"] > 0 and case["share_of_full_run"] > 0 and case["peak_rss_bytes"] > 0
        assert case["crosscheck_ok"]
    assert "## Incremental runs" in report


def test_targets_reported_per_scale() -> None:
    from bench.report import GIB, NEW_DAY, REEXTRACT, CaseResult, ScaleResult, target_rows

    stages = {"ingest": 1.0, "dbt": 2.0, "validation": 1.0, "publish": 0.5, "other": 0.0}
    small = ScaleResult(
        scale=1,
        months=12,
        rows_read=1_000,
        full_run_s=50.0,
        refresh_month="2026-10",
        refresh_s=None,
        overhead_s=12.0,
        stage_s=stages,
        peak_rss_bytes=GIB,
        peak_step="raw__calls",
        refresh_peak_rss_bytes=None,
        baseline_s=5.0,
        baseline_peak_rss_bytes=GIB,
    )
    # The refresh's peak counts against the memory target too.
    large = ScaleResult(
        scale=20,
        months=12,
        rows_read=20_000,
        full_run_s=100.0,
        refresh_month="2026-10",
        refresh_s=25.0,
        overhead_s=9.5,
        stage_s=stages,
        peak_rss_bytes=3 * GIB,
        peak_step="dbt_models",
        refresh_peak_rss_bytes=5 * GIB,
        baseline_s=40.0,
        baseline_peak_rss_bytes=GIB,
        nothing_new_s=1.2,
        cases=[
            CaseResult(NEW_DAY, "calls/calls_2026-11-01.csv", wall_s=12.0, overhead_s=5.0, stage_s=stages, peak_rss_bytes=GIB),
            CaseResult(REEXTRACT, "calls/calls_2026-03.csv", wall_s=30.0, overhead_s=5.0, stage_s=stages, peak_rss_bytes=GIB),
        ],
    )
    assert large.rows_per_s == 200.0
    assert target_rows([small, large]) == [
        ["full run ≤ 3× baseline (at scale 20)", "n/a (10.0×)", "met (2.5×)"],
        ["full run ≤ 6× baseline (at scale 1)", "missed (10.0×)", "n/a (2.5×)"],
        ["a run with nothing new ≤ 10 s", "n/a (not measured)", "met (1.2 s)"],
        ["one-month refresh ≤ 20% of full run", "n/a (no --month)", "missed (25%)"],
        ["new day via the sensor ≤ 15% of full run (at scale 20)", "n/a (not measured)", "met (12%)"],
        ["peak memory < 4 GiB", "met (1.00 GiB)", "missed (5.00 GiB)"],
        ["fixed overhead ≤ 8 s", "missed (12.0 s)", "missed (9.5 s)"],
    ]


def test_encodings_bench_ingests_the_same_rows_in_every_encoding(tmp_path: Path) -> None:
    from bench.encodings import main

    assert main(["--rows", "2000", "--repeat", "1", "--data", str(tmp_path / "data"), "--results", str(tmp_path)]) == 0
    report = (tmp_path / "encodings.md").read_text(encoding="utf-8")
    rows = [line for line in report.splitlines() if line.startswith("| ") and line.endswith(" | 2,000 |")]
    assert [row.split(" | ")[0] for row in rows] == [
        "| UTF-8",
        "| GBK",
        "| GB18030 (same bytes as GBK)",
        "| GBK, setting encodings = gbk",
    ]
    gbk = (tmp_path / "data/gbk_2000/calls/calls.csv").read_bytes()
    assert gbk.decode("gbk") == (tmp_path / "data/utf-8_2000/calls/calls.csv").read_text(encoding="utf-8")
    assert "呼叫ID" in gbk.decode("gbk")
