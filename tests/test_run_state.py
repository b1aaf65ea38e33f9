"""A run with nothing new finds out from the digest of its inputs, and anything that changes what it would publish
makes it run."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from dagster_kpi import run_state
from tests.conftest import make_settings

NOW = datetime(2026, 3, 10, 9, 0)


@pytest.fixture
def settings(tmp_path: Path):
    landing = tmp_path / "landing"
    (landing / "calls" / "2026-02").mkdir(parents=True)
    (landing / "calls" / "2026-02" / "calls.csv").write_text("call_id\nC1\n", encoding="utf-8")
    settings = make_settings(tmp_path)
    paths = settings.paths
    paths.ensure()
    with duckdb.connect(str(paths.work_db)) as con:
        con.execute("CREATE SCHEMA quarantine")
        con.execute("CREATE TABLE quarantine.calls (_reason VARCHAR, _value VARCHAR)")
        con.execute(
            "INSERT INTO quarantine.calls VALUES ('missing_value', NULL), ('timestamp_out_of_range', '1999-12-31 23:00:00')"
        )
    paths.warehouse.write_bytes(b"published")
    paths.serving_dir.mkdir()
    (paths.serving_dir / "current").symlink_to("v1")
    return settings


def published_run(settings) -> str:
    inputs = run_state.inputs_digest(settings, None)
    run_state.remember(settings, inputs, datetime(2026, 3, 10, 8, 30))
    return inputs


def test_the_same_inputs_are_nothing_new(settings):
    inputs = published_run(settings)
    assert run_state.unchanged_since(settings, run_state.inputs_digest(settings, None), NOW) == "2026-03-10 08:30:00"
    assert run_state.unchanged_since(settings, inputs, NOW) == "2026-03-10 08:30:00"


@pytest.mark.parametrize(
    "change",
    ["touch a file", "add a hidden file", "remove a file", "another month", "a setting", "the warehouse replaced",
     "the parquet link switched", "a run started"],
)  # fmt: skip
def test_anything_that_changes_the_marts_is_something_new(settings, change):
    published_run(settings)
    landing, paths, months = settings.landing, settings.paths, None
    csv = landing / "calls" / "2026-02" / "calls.csv"
    if change == "touch a file":
        os.utime(csv, ns=(csv.stat().st_atime_ns, csv.stat().st_mtime_ns + 1))
    elif change == "add a hidden file":
        (landing / "calls" / ".new.csv").write_text("x", encoding="utf-8")
    elif change == "remove a file":
        csv.unlink()
    elif change == "another month":
        months = "2026-02"
    elif change == "a setting":
        settings = make_settings(settings.landing.parent, KPI_MEMORY_LIMIT="2GB")
    elif change == "the warehouse replaced":
        paths.warehouse.write_bytes(b"published by hand")
    elif change == "the parquet link switched":
        (paths.serving_dir / "current").unlink()
        (paths.serving_dir / "current").symlink_to("v2")
    elif change == "a run started":
        run_state.forget(settings)
    assert run_state.unchanged_since(settings, run_state.inputs_digest(settings, months), NOW) is None


def test_a_timestamp_quarantined_for_lying_in_the_future_makes_a_run_once_its_time_has_come(settings):
    with duckdb.connect(str(settings.paths.work_db)) as con:
        con.execute(
            "INSERT INTO quarantine.calls VALUES ('timestamp_out_of_range', '2026-03-10 12:00:00'), "
            "('timestamp_out_of_range', '2026-03-11 08:00:00'), ('unparsable_timestamp', '2026-03-10 10:00:00')"
        )
    inputs = published_run(settings)
    assert run_state.earliest_future_timestamp(settings.paths.work_db) == "2026-03-10 12:00:00"
    assert run_state.unchanged_since(settings, inputs, datetime(2026, 3, 10, 11, 59, 59)) == "2026-03-10 08:30:00"
    assert run_state.unchanged_since(settings, inputs, datetime(2026, 3, 10, 12, 0)) is None


def test_the_product_s_own_files_are_part_of_the_inputs(settings, monkeypatch, tmp_path):
    inputs = published_run(settings)
    model = tmp_path / "product" / "models" / "m.sql"
    model.parent.mkdir(parents=True)
    model.write_text("select 1", encoding="utf-8")
    monkeypatch.setattr(run_state, "PRODUCT_TREES", (tmp_path / "product",))
    monkeypatch.setattr(run_state, "PROJECT_ROOT", tmp_path / "product")
    first = run_state.inputs_digest(settings, None)
    assert first != inputs
    model.write_text("select 2", encoding="utf-8")
    assert run_state.inputs_digest(settings, None) != first
