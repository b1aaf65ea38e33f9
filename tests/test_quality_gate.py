"""The quarantine gate: a source whose quarantined share passes KPI_MAX_QUARANTINE_SHARE blocks publishing."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from dagster_kpi.contract import load_contract
from dagster_kpi.defs.quality import (
    THRESHOLD_ENV,
    QuarantineShare,
    build_quarantine_checks,
    describe,
    evaluate,
    quarantine_share,
)
from dagster_kpi.defs.resources import KpiWarehouse
from dagster_kpi.generate import generate_landing
from dagster_kpi.ingest import ingest_source
from dagster_kpi.settings import SettingsError
from tests.conftest import make_settings
from tests.test_ingest_load import CALL, csv_bytes, put

CONTRACT = load_contract()
LOADED = datetime(2025, 1, 1, 12, 0, 0)


def calls_landing(landing: Path) -> None:
    """12 records: C1..C8, C1 again (superseding the first), 2 negative talk times, 1 unparsable one."""
    rows = [CALL | {"call_id": f"C{n}"} for n in range(1, 9)] + [CALL | {"queue": "again"}]
    rows += [CALL | {"call_id": "C9", "talk_seconds": "-1"}, CALL | {"call_id": "C10", "talk_seconds": "-2"},
             CALL | {"call_id": "C11", "talk_seconds": "n/a"}]  # fmt: skip
    put(landing, "calls", "calls.csv", csv_bytes(rows))


def test_share_counts_the_latest_load_without_superseded_rows(tmp_path):
    calls_landing(tmp_path)
    with duckdb.connect() as con:
        report = ingest_source(con, CONTRACT["calls"], tmp_path, loaded_at=LOADED)
        assert (report.rows_read, report.rows_superseded) == (12, 1)
        result = quarantine_share(con, "calls")
    assert result == QuarantineShare("calls", rows=11, quarantined=3, reasons=(("below_min", 2), ("unparsable_int", 1)))
    assert result.share == pytest.approx(3 / 11)


def test_description_names_source_share_threshold_and_top_reasons():
    result = QuarantineShare("tickets", 2500, 40, (("missing_value", 20), ("not_in_values", 10),
                                                   ("below_min", 6), ("unparsable_int", 4)))  # fmt: skip
    assert describe(result, 0.01) == (
        "tickets: 40 of 2,500 rows quarantined (1.60%; threshold 1.00%, KPI_MAX_QUARANTINE_SHARE); "
        "top reasons: missing_value 20, not_in_values 10, below_min 6"
    )


@pytest.mark.parametrize(("quarantined", "threshold", "passed"), [(1, 0.01, True), (2, 0.01, False), (0, 0.0, True),
                                                                 (1, 0.0, False), (100, 1.0, True)])  # fmt: skip
def test_a_share_above_the_threshold_fails(quarantined, threshold, passed):
    result = evaluate(QuarantineShare("calls", 100, quarantined, (("below_min", quarantined),)), threshold)
    assert result.passed is passed
    assert result.metadata["share"].value == quarantined / 100


def test_an_empty_source_passes():
    result = evaluate(QuarantineShare("report_issues", 0, 0, ()), 0.01)
    assert result.passed
    assert result.description == "report_issues: 0 of 0 rows quarantined (0.00%; threshold 1.00%, KPI_MAX_QUARANTINE_SHARE)"


@pytest.mark.parametrize(("text", "expected"), [(None, 0.01), ("", 0.01), ("0.1", 0.1), (" 0 ", 0.0), ("1", 1.0)])
def test_threshold_from_the_environment(tmp_path, text, expected):
    environ = {} if text is None else {THRESHOLD_ENV: text}
    assert make_settings(tmp_path, **environ).max_quarantine_share == expected


@pytest.mark.parametrize("text", ["5%", "-0.1", "1.5", "nan"])
def test_a_bad_threshold_is_an_error(tmp_path, text):
    with pytest.raises(SettingsError, match=rf"^KPI_MAX_QUARANTINE_SHARE must be a number from 0 to 1, got '{text}'$"):
        make_settings(tmp_path, **{THRESHOLD_ENV: text})


def test_one_blocking_check_per_source():
    quarantine_checks = build_quarantine_checks()
    assert [next(iter(c.check_keys)).asset_key.path for c in quarantine_checks] == [["raw", s] for s in CONTRACT]
    assert all(spec.blocking and spec.name == "quarantine_share" for c in quarantine_checks for spec in c.check_specs)


@pytest.mark.parametrize(("threshold", "passed"), [(None, False), (0.3, True)])
def test_check_reads_the_work_database(tmp_path, threshold, passed):
    warehouse = KpiWarehouse(landing_dir=str(tmp_path / "landing"), warehouse=str(tmp_path / "w.duckdb"))
    if threshold:
        warehouse = KpiWarehouse(landing_dir=warehouse.landing_dir, warehouse=warehouse.warehouse, max_quarantine_share=threshold)
    calls_landing(warehouse.landing)
    with warehouse.connect_work() as con:
        ingest_source(con, CONTRACT["calls"], warehouse.landing, loaded_at=LOADED)
    [check] = [c for c in build_quarantine_checks() if next(iter(c.check_keys)).asset_key.path == ["raw", "calls"]]
    result = check(warehouse=warehouse)
    assert result.passed is passed
    assert result.description.startswith(f"calls: 3 of 11 rows quarantined (27.27%; threshold {float(threshold or 0.01):.2%}")


def test_a_bad_threshold_is_a_usage_error_of_kpi_run(tmp_path):
    (tmp_path / "landing").mkdir()
    command = [sys.executable, "-m", "dagster_kpi.cli", "run", "--landing", str(tmp_path / "landing"),
               "--warehouse", str(tmp_path / "w.duckdb")]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env={**os.environ, THRESHOLD_ENV: "high"})
    assert done.returncode == 2
    assert done.stderr.strip() == "kpi run: KPI_MAX_QUARANTINE_SHARE must be a number from 0 to 1, got 'high'"
    assert not (tmp_path / "w.work").exists()


# --- through `kpi run` ----------------------------------------------------------------------------------------


def spoil_calls(folder: Path, every: int) -> tuple[set[str], set[str], set[str]]:
    """Negative talk time in every `every`-th record of the monthly files (not the re-extract).

    Returns the spoiled call ids, every call id of the folder and the re-extracted ones.
    """
    spoiled, keys, reextracted = set(), set(), set()
    for path in sorted(folder.glob("calls_*.csv")):
        header, *rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
        keys |= {r[0] for r in rows}
        if "reextract" in path.name:
            reextracted |= {r[0] for r in rows}
            continue
        talk = header.index("talk_seconds")
        for row in rows[every - 1 :: every]:
            row[talk] = "-1"
            spoiled.add(row[0])
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([header, *rows])
        mtime = path.stat().st_mtime_ns
        path.write_text(out.getvalue(), encoding="utf-8")
        os.utime(path, ns=(mtime, mtime))  # the re-extract stays the later file
    return spoiled, keys, reextracted


def kpi_run(landing: Path, warehouse: Path, threshold: str | None, *more: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != THRESHOLD_ENV}
    if threshold:
        env[THRESHOLD_ENV] = threshold
    command = [sys.executable, "-m", "dagster_kpi.cli", "run", "--landing", str(landing), "--warehouse", str(warehouse), *more]
    return subprocess.run(command, capture_output=True, text=True, timeout=1800, env=env, check=False)


@pytest.mark.e2e
def test_five_percent_bad_calls_block_publishing_unless_the_threshold_allows(tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "out" / "warehouse.duckdb"
    generate_landing(landing, months=2, agents=8, scale=0.01, start="2026-01")
    spoiled, keys, reextracted = spoil_calls(landing / "calls", every=20)
    # Spoiled records are quarantined; a spoiled key that was re-extracted still loads from the re-extract.
    rows = len(keys) - len(spoiled - reextracted) + len(spoiled)
    assert 0.04 < len(spoiled) / rows <= 0.05

    blocked = kpi_run(landing, warehouse, None)
    assert blocked.returncode == 1, blocked.stderr[-2000:]
    assert "Traceback" not in blocked.stdout + blocked.stderr
    assert blocked.stderr.splitlines()[-1] == (
        f"kpi run: not published: check quarantine_share on raw/calls failed: calls: {len(spoiled)} of {rows:,} rows "
        f"quarantined ({len(spoiled) / rows:.2%}; threshold 1.00%, KPI_MAX_QUARANTINE_SHARE); "
        f"top reasons: below_min {len(spoiled)}"
    )
    assert not warehouse.exists()

    misnamed = kpi_run(landing, warehouse, "0.10", "--var", "centre_name=东区")
    assert misnamed.returncode == 2
    assert misnamed.stderr.strip().startswith("kpi run: --var: dbt_project.yml declares no var 'centre_name' (declared: ")

    # A dbt var given to the run reaches the models: the centre's scorecard carries the name.
    allowed = kpi_run(landing, warehouse, "0.10", "--var", "center_name=东区客服中心")
    assert allowed.returncode == 0, allowed.stderr[-2000:]
    assert f"published marts to {warehouse}" in allowed.stdout
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM marts.kpi_values").fetchone()[0] > 0
        names = con.execute("SELECT DISTINCT entity_name FROM marts.scorecards WHERE level = 'center'").fetchall()
        assert names == [("东区客服中心",)]
