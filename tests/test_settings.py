"""The settings: one frozen object from defaults, kpi.toml files, KPI_* variables and the command line."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from dagster_kpi.dbt_project import dbt_vars, vars_argument
from dagster_kpi.defs.resources import KpiWarehouse
from dagster_kpi.settings import Settings, SettingsError, child_environment, load_settings


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_files_or_variables(tmp_path):
    settings = load_settings(environ={}, cwd=tmp_path)
    assert settings.landing == tmp_path / "data" / "landing"
    assert settings.warehouse == tmp_path / "data" / "warehouse.duckdb"
    assert (settings.first_month, settings.timezone, settings.memory_limit) == (None, "Asia/Shanghai", "3GB")
    assert (settings.max_quarantine_share, settings.data_docs_keep) == (0.01, 20)
    assert (settings.sensor_interval_seconds, settings.sensor_settle_seconds) == (60, 30)
    assert settings.freshness_hours["calls"] == 48 and settings.freshness_hours["plans"] == 1080
    assert "agents" not in settings.freshness_hours
    assert settings.dbt_vars == {} and not settings.accept_raw_drift and settings.fault_at is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.first_month = "2024-01"  # type: ignore[misc]


def test_later_sources_win_project_file_warehouse_file_environment_arguments(tmp_path):
    write(tmp_path / "kpi.toml", """
warehouse = "wh/warehouse.duckdb"
landing = "in"
first_month = "2024-01"
timezone = "Europe/Berlin"
max_quarantine_share = 0.05
data_docs_keep = 3
[freshness_hours]
calls = 12
tickets = 24
[dbt_vars]
feedback_sla_hours = 48
""")  # fmt: skip
    write(tmp_path / "wh" / "kpi.toml", """
first_month = "2025-01"
landing = "../beside"
[freshness_hours]
tickets = 36
""")  # fmt: skip
    environ = {"KPI_MAX_QUARANTINE_SHARE": "0.2", "KPI_FRESHNESS_CALLS_HOURS": "6"}
    settings = load_settings(environ=environ, cwd=tmp_path, dbt_vars=["feedback_sla_hours=12", "center_name=南区客服中心"])
    assert settings.warehouse == tmp_path / "wh" / "warehouse.duckdb"
    assert settings.landing == tmp_path / "beside"  # relative to the file that sets it
    assert settings.first_month == "2025-01"  # the warehouse's file over the project's
    assert settings.timezone == "Europe/Berlin" and settings.data_docs_keep == 3
    assert settings.max_quarantine_share == 0.2  # the environment over the files
    assert settings.freshness_hours["calls"] == 6 and settings.freshness_hours["tickets"] == 36
    assert settings.freshness_hours["surveys"] == 168  # the contract's default
    assert settings.dbt_vars == {"feedback_sla_hours": 12, "center_name": "南区客服中心"}  # the command line over the file
    argued = load_settings(environ=environ, cwd=tmp_path, landing="x", warehouse=tmp_path / "other.duckdb")
    assert (argued.landing, argued.warehouse, argued.first_month) == (tmp_path / "x", tmp_path / "other.duckdb", "2024-01")


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"KPI_FIRST_MONTH": "2024-13"}, "KPI_FIRST_MONTH must be a month YYYY-MM, got '2024-13'"),
        ({"KPI_TIMEZONE": "Mars/Olympus"}, "KPI_TIMEZONE='Mars/Olympus' is not a known time zone (e.g. Asia/Shanghai)"),
        ({"KPI_MAX_QUARANTINE_SHARE": "5%"}, "KPI_MAX_QUARANTINE_SHARE must be a number from 0 to 1, got '5%'"),
        ({"KPI_SENSOR_SETTLE_SECONDS": "-1"}, "KPI_SENSOR_SETTLE_SECONDS must be a whole number of seconds, got '-1'"),
        ({"KPI_SENSOR_INTERVAL_SECONDS": "1m"}, "KPI_SENSOR_INTERVAL_SECONDS must be a whole number of seconds, got '1m'"),
        ({"KPI_DATA_DOCS_KEEP": "0"}, "KPI_DATA_DOCS_KEEP must be a whole number of runs, at least 1; got '0'"),
        ({"KPI_FRESHNESS_PLANS_HOURS": "inf"}, "KPI_FRESHNESS_PLANS_HOURS must be a positive number of hours, got 'inf'"),
        ({"KPI_FAULT_AT": "lunch"}, "KPI_FAULT_AT must be one of ingest, dbt, validation, publish, switch, got 'lunch'"),
        ({"KPI_ACCEPT_RAW_DRIFT": "maybe"}, "KPI_ACCEPT_RAW_DRIFT must be true or false, got 'maybe'"),
        ({"KPI_ENGINE": "trino"}, "KPI_ENGINE must be one of duckdb, spark, got 'trino'"),
    ],
)
def test_a_bad_variable_is_one_line_naming_it(tmp_path, environ, message):
    with pytest.raises(SettingsError) as error:
        load_settings(environ=environ, cwd=tmp_path)
    assert str(error.value) == message
    assert error.value.exit_code == 2


def test_a_bad_memory_limit_names_duckdbs_reason(tmp_path):
    with pytest.raises(SettingsError) as error:
        load_settings(environ={"KPI_MEMORY_LIMIT": "lots"}, cwd=tmp_path)
    assert str(error.value) == (
        "KPI_MEMORY_LIMIT='lots' is not a DuckDB memory limit (Parser Error: Memory must have a number (e.g. 1GB))"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("max_quarantine_share = 1.5\n", "kpi.toml: max_quarantine_share must be a number from 0 to 1, got 1.5"),
        ("colour = 'blue'\n", "kpi.toml: unknown setting 'colour' (known: "),
        ("[freshness_hours]\nagents = 5\n", "kpi.toml: freshness_hours: 'agents' is not a source with an event time"),
        ("[freshness_hours]\ncalls = -5\n", "kpi.toml: freshness_hours.calls must be a positive number of hours, got -5"),
        ("[dbt_vars]\nsla = 5\n", "kpi.toml: dbt_vars: dbt_project.yml declares no var 'sla' (declared: "),
        ("first_month = \n", "kpi.toml: not a readable TOML file (Invalid value (at line 1, column 15))"),
    ],
)
def test_a_bad_file_value_names_the_file_and_key(tmp_path, text, message):
    write(tmp_path / "kpi.toml", text)
    with pytest.raises(SettingsError) as error:
        load_settings(environ={}, cwd=tmp_path)
    assert str(error.value).startswith(f"{tmp_path}/{message}")


def test_the_warehouse_file_cannot_move_the_warehouse(tmp_path):
    write(tmp_path / "wh" / "kpi.toml", "warehouse = 'elsewhere.duckdb'\n")
    with pytest.raises(SettingsError, match="warehouse cannot be set beside the warehouse"):
        load_settings(environ={}, cwd=tmp_path, warehouse=tmp_path / "wh" / "warehouse.duckdb")


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("feedback_sla_hours", "--var must be NAME=VALUE, got 'feedback_sla_hours'"),
        ("sla_hours=12", "--var: dbt_project.yml declares no var 'sla_hours' (declared: as_of, at_risk_below, "),
        ("feedback_sla_hours=a day", "--var: feedback_sla_hours must be a number like its default (24), got 'a day'"),
        ("kpi_work_db=/tmp/x.duckdb", "--var: dbt_project.yml declares no var 'kpi_work_db'"),
        ("timezone=UTC", "--var: the var timezone follows the setting timezone (KPI_TIMEZONE); set that"),
    ],
)
def test_dbt_vars_are_checked_against_the_project(tmp_path, argument, message):
    with pytest.raises(SettingsError) as error:
        load_settings(environ={}, cwd=tmp_path, dbt_vars=[argument])
    assert str(error.value).startswith(message)


@pytest.mark.parametrize("written", ["2026-03-31T18:00:00", "2026-03-31 18:00:00", "2026-03-31"])
def test_a_time_var_stays_the_text_it_was_written_as(tmp_path, written):
    settings = load_settings(environ={}, cwd=tmp_path, dbt_vars=[f"as_of={written}"])
    assert settings.dbt_vars == {"as_of": written}
    # The run's vars carry it as written (dbt reads them as JSON), with the zone the run's start would be read in.
    passed = json.loads(vars_argument(dbt_vars(settings))[1])
    assert (passed["as_of"], passed["timezone"]) == (written, "Asia/Shanghai")


def test_the_resource_carries_every_setting(tmp_path):
    settings = load_settings(environ={"KPI_FRESHNESS_CALLS_HOURS": "5", "KPI_TIMEZONE": "UTC"}, cwd=tmp_path,
                             dbt_vars=["repeat_window_days=3"], accept_raw_drift=True)  # fmt: skip
    resource = KpiWarehouse.from_settings(settings)
    assert resource.settings == settings
    assert resource.max_age_hours("calls") == 5 and resource.max_age_hours("tickets") == 48
    assert {f.name for f in dataclasses.fields(Settings)} - {"landing", "warehouse"} <= set(type(resource).model_fields)


def test_a_child_process_loads_the_same_settings(tmp_path):
    settings = load_settings(environ={"KPI_FRESHNESS_CALLS_HOURS": "5", "KPI_DATA_DOCS_KEEP": "4"}, cwd=tmp_path,
                             landing=tmp_path / "in", warehouse=tmp_path / "w.duckdb")  # fmt: skip
    script = "from dagster_kpi.settings import load_settings; print(repr(load_settings()))"
    done = subprocess.run([sys.executable, "-c", script], env=child_environment(settings), cwd="/",
                          capture_output=True, text=True, check=True)  # fmt: skip
    assert done.stdout.strip() == repr(settings)


def test_a_bad_setting_stops_kpi_run_before_anything_is_written(tmp_path):
    (tmp_path / "landing").mkdir()
    write(tmp_path / "kpi.toml", "timezone = 'Moon/Base'\n")
    command = [sys.executable, "-m", "dagster_kpi.cli", "run", "--landing", "landing", "--warehouse", "w.duckdb"]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert (
        done.stderr.strip() == f"kpi run: {tmp_path}/kpi.toml: timezone='Moon/Base' is not a known time zone (e.g. Asia/Shanghai)"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kpi.toml", "landing"]


def test_ignored_folders_from_a_file_or_a_variable(tmp_path):
    write(tmp_path / "kpi.toml", 'ignored_folders = ["archive", "说明"]\n')
    assert load_settings(environ={}, cwd=tmp_path).ignored_folders == ("archive", "说明")
    assert load_settings(environ={"KPI_IGNORED_FOLDERS": "tmp, old"}, cwd=tmp_path).ignored_folders == ("tmp", "old")
    with pytest.raises(SettingsError, match=r"^KPI_IGNORED_FOLDERS must be folder names \(no paths\), got 'a/b'$"):
        load_settings(environ={"KPI_IGNORED_FOLDERS": "a/b"}, cwd=tmp_path)
    resource = KpiWarehouse.from_settings(load_settings(environ={"KPI_ALLOW_OUTSIDE_LINKS": "yes"}, cwd=tmp_path))
    assert (resource.ignored_folders, resource.allow_outside_links) == (["archive", "说明"], True)
    assert resource.settings.ignored_folders == ("archive", "说明")


def test_encodings_per_source_from_files_and_the_variable(tmp_path):
    write(tmp_path / "kpi.toml", 'warehouse = "wh/w.duckdb"\n[encodings]\ncalls = "big5"\ntickets = "GBK"\n')
    write(tmp_path / "wh" / "kpi.toml", '[encodings]\ntickets = "gb18030"\n')
    settings = load_settings(environ={"KPI_ENCODINGS": "complaints=cp936, surveys = utf8"}, cwd=tmp_path)
    # Per source, later sources win; names as the codecs spell them, and big5 read as Windows' cp950.
    assert settings.encodings == {"calls": "cp950", "tickets": "gb18030", "complaints": "gbk", "surveys": "utf-8"}
    resource = KpiWarehouse.from_settings(settings)
    assert resource.encodings == {"calls": "cp950", "tickets": "gb18030", "complaints": "gbk", "surveys": "utf-8"}
    assert resource.settings == settings
    assert child_environment(settings)["KPI_ENCODINGS"] == "calls=cp950,tickets=gb18030,complaints=gbk,surveys=utf-8"
    assert load_settings(environ={}, cwd=tmp_path / "wh").encodings == {"tickets": "gb18030"}


@pytest.mark.parametrize(
    ("toml", "environ", "message"),
    [
        ('[encodings]\ncall = "big5"\n', {}, "{toml}: encodings: 'call' is not a source (calls, tickets, complaints, "),
        ('[encodings]\ncalls = "latin-9"\n', {},
         "{toml}: encodings: calls = 'latin-9' is not an encoding of extracts (gb18030, gbk, gb2312, big5, cp950, "
         "big5hkscs, utf-8)"),
        ("", {"KPI_ENCODINGS": "calls"},
         "KPI_ENCODINGS must be SOURCE=ENCODING pairs, comma-separated (e.g. calls=big5), got 'calls'"),
        ("", {"KPI_ENCODINGS": "calls=utf-16"}, "KPI_ENCODINGS: calls = 'utf-16' is not an encoding of extracts ("),
    ],
)  # fmt: skip
def test_an_unknown_source_or_encoding_is_one_line_naming_the_setting(tmp_path, toml, environ, message):
    write(tmp_path / "kpi.toml", toml)
    with pytest.raises(SettingsError) as error:
        load_settings(environ=environ, cwd=tmp_path)
    assert str(error.value).startswith(message.format(toml=tmp_path / "kpi.toml"))
    assert "\n" not in str(error.value)


def test_the_engine_chooses_the_dbt_target_and_the_argument_wins(tmp_path):
    write(tmp_path / "kpi.toml", 'engine = "Spark"\n')
    settings = load_settings(environ={}, cwd=tmp_path)
    assert (settings.engine, settings.dbt_target) == ("spark", "spark")
    settings = load_settings(engine="duckdb", environ={"KPI_ENGINE": "spark"}, cwd=tmp_path)
    assert (settings.engine, settings.dbt_target) == ("duckdb", "work")
    assert load_settings(environ={}, cwd=tmp_path / "elsewhere").engine == "duckdb"
