"""The product's settings: one frozen, validated object, read once.

Where a setting comes from, later sources winning:

1. its default;
2. `kpi.toml` in the current (project) folder;
3. `kpi.toml` in the warehouse file's folder;
4. the environment (`KPI_*`);
5. the command line (`--landing`, `--warehouse`, `--var`, `--accept-drift`, `--engine`).

Relative paths in a settings file are relative to that file's folder. A bad value is a `SettingsError`:
one line naming the setting as the user wrote it (the variable, or the file and key).

This module is the only one that reads or writes the process environment: `load_settings` reads it,
`child_environment` builds the environment of a `kpi` child process, and `configure_dagster_process`
sets the one flag Dagster reads from the environment.
"""

from __future__ import annotations

import codecs
import os
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb
import yaml

from dagster_kpi.contract import load_contract
from dagster_kpi.engines import DBT_TARGETS, ENGINES
from dagster_kpi.errors import UsageError
from dagster_kpi.paths import DBT_PROJECT_DIR, WarehousePaths

SETTINGS_FILE = "kpi.toml"
DEFAULT_LANDING = "data/landing"
DEFAULT_WAREHOUSE = "data/warehouse.duckdb"
ENV_PREFIX = "KPI_"
FAULT_STAGES = ("ingest", "dbt", "validation", "publish", "switch")
# Dagster logs the planned materializations of a run over a range of months as one event per asset
# instead of one per asset and month: a full run over years of partitions starts in seconds, not
# minutes. (The cost: when such a run fails, its partitions show as missing rather than failed.)
PLANNED_EVENTS_AS_RANGES = "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS"


# The `config` of duckdb.connect.
DuckDBConfig = dict[str, str | bool | int | float | list[str]]


class SettingsError(UsageError):
    """A setting has a value the product cannot use; the message names the setting."""


@dataclass(frozen=True)
class Settings:
    """Everything a run, the definitions and dbt need to know, validated."""

    landing: Path  # the landing folder of source extracts
    warehouse: Path  # the published warehouse FILE; work files live beside it
    # The first month Dagster offers as a partition (YYYY-MM); a full run covers any older data too.
    # Unset: the data's first month (see dagster_kpi.data_months).
    first_month: str | None = None
    # IANA zone of the source systems' wall-clock timestamps, of the schedules and of freshness.
    timezone: str = "Asia/Shanghai"
    # Every DuckDB connection of a run, dbt's included; DuckDB's own default is 80 % of the machine.
    memory_limit: str = "3GB"
    # A source whose quarantined share of rows passes this blocks publishing.
    max_quarantine_share: float = 0.01
    # Max age in hours of each event source's newest record (defaults: the contract's `freshness_hours`).
    freshness_hours: Mapping[str, float] = field(default_factory=lambda: contract_freshness_hours())
    sensor_interval_seconds: int = 60
    # A landing file modified more recently than this may still be being copied: the sensor waits.
    sensor_settle_seconds: int = 30
    # Runs whose Great Expectations Data Docs are kept.
    data_docs_keep: int = 20
    # Runs whose log is kept (`<work_dir>/logs/`; `last_run.log` links to the latest).
    run_logs_keep: int = 10
    # dbt vars for the runs (thresholds, modes), checked against the vars dbt_project.yml declares.
    dbt_vars: Mapping[str, Any] = field(default_factory=dict)
    # Folders of the landing folder that are not sources and are left alone (any other is an error).
    ignored_folders: tuple[str, ...] = ()
    # Read extracts that are links to files outside the landing folder (refused by default).
    allow_outside_links: bool = False
    # Per source, the encoding of its CSV files that are not UTF-8 (default: GBK/GB18030 or Big5, told per file).
    encodings: Mapping[str, str] = field(default_factory=dict)
    # Accept, for one run, a raw load that differs sharply from the previous one (see the raw checks).
    accept_raw_drift: bool = False
    # Where dbt builds: "duckdb" (the work database) or "spark" (a local Spark session; dagster_kpi/engines.py).
    engine: str = "duckdb"
    # Crash tests only: SIGKILL the run at this stage.
    fault_at: str | None = None

    @property
    def paths(self) -> WarehousePaths:
        return WarehousePaths(self.warehouse)

    @property
    def duckdb_config(self) -> DuckDBConfig:
        """The `config` of every read-write DuckDB connection a run opens."""
        return {"memory_limit": self.memory_limit}

    @property
    def dbt_target(self) -> str:
        """The dbt profile's target of the engine."""
        return DBT_TARGETS[self.engine]


def contract_freshness_hours() -> dict[str, float]:
    """Each event source's default max age, from the contract."""
    return {name: source.event_time.freshness_hours for name, source in load_contract().items() if source.event_time}


# --- parsing one value --------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else str(value)


def _number(value: Any) -> float:
    """A float from a number or its text; NaN when it is neither (every range check then fails)."""
    if isinstance(value, bool):
        return float("nan")
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def parse_path(label: str, value: Any, base: Path) -> Path:
    text = _text(value)
    if not text:
        raise SettingsError(f"{label} must be a path, got {value!r}")
    return (base / Path(text).expanduser()).resolve()


def parse_month(label: str, value: Any) -> str:
    text = _text(value)
    try:
        if len(text) == 7:
            return date.fromisoformat(f"{text}-01").strftime("%Y-%m")
    except ValueError:
        pass
    raise SettingsError(f"{label} must be a month YYYY-MM, got {value!r}")


def parse_timezone(label: str, value: Any) -> str:
    name = _text(value)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"{label}={value!r} is not a known time zone (e.g. {Settings.timezone})") from None
    return name


def parse_memory_limit(label: str, value: Any) -> str:
    text = _text(value)
    try:
        duckdb.connect(config={"memory_limit": text}).close()
    except duckdb.Error as error:
        message = str(error).splitlines()[0]
        raise SettingsError(f"{label}={value!r} is not a DuckDB memory limit ({message})") from None
    return text


def parse_share(label: str, value: Any) -> float:
    number = _number(value)
    if not 0 <= number <= 1:
        raise SettingsError(f"{label} must be a number from 0 to 1, got {value!r}")
    return number


def parse_hours(label: str, value: Any) -> float:
    number = _number(value)
    if not 0 < number < float("inf"):
        raise SettingsError(f"{label} must be a positive number of hours, got {value!r}")
    return number


def parse_seconds(label: str, value: Any) -> int:
    text = _text(value)
    if isinstance(value, bool) or not text.isdigit():
        raise SettingsError(f"{label} must be a whole number of seconds, got {value!r}")
    return int(text)


def parse_runs(label: str, value: Any) -> int:
    text = _text(value)
    if isinstance(value, bool) or not text.isdigit() or int(text) < 1:
        raise SettingsError(f"{label} must be a whole number of runs, at least 1; got {value!r}")
    return int(text)


def parse_flag(label: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in ("1", "true", "yes"):
        return True
    if text in ("", "0", "false", "no"):
        return False
    raise SettingsError(f"{label} must be true or false, got {value!r}")


def parse_names(label: str, value: Any) -> tuple[str, ...]:
    """Folder names: a TOML list of strings, or comma-separated text."""
    items = value if isinstance(value, list) else str(value).split(",")
    names = tuple(str(item).strip() for item in items if str(item).strip())
    if any("/" in name or name in (".", "..") for name in names) or not all(isinstance(i, str) for i in items):
        raise SettingsError(f"{label} must be folder names (no paths), got {value!r}")
    return names


# The encodings a source's CSV files may be named in (`codecs` names; aliases such as `cp936` or `utf8` are accepted).
# `big5` is read as Windows' cp950, the Big5 that Traditional Chinese exports are written in (a few more characters).
ENCODINGS = ("gb18030", "gbk", "gb2312", "big5", "cp950", "big5hkscs", "utf-8")


def parse_encodings(label: str, value: Any) -> dict[str, str]:
    """Source -> encoding: a TOML table, or `source=encoding` pairs, comma-separated (the variable)."""
    if isinstance(value, dict):
        pairs = [(str(source), encoding) for source, encoding in value.items()]
    else:
        pairs = []
        for item in filter(str.strip, str(value).split(",")):
            source, sep, encoding = item.partition("=")
            if not sep:
                raise SettingsError(f"{label} must be SOURCE=ENCODING pairs, comma-separated (e.g. calls=big5), got {value!r}")
            pairs.append((source.strip(), encoding.strip()))
    sources = list(load_contract())
    found: dict[str, str] = {}
    for source, encoding in pairs:
        if source not in sources:
            raise SettingsError(f"{label}: {source!r} is not a source ({', '.join(sources)})")
        try:
            name = codecs.lookup(str(encoding)).name
        except LookupError:
            name = ""
        if name not in ENCODINGS:
            raise SettingsError(f"{label}: {source} = {encoding!r} is not an encoding of extracts ({', '.join(ENCODINGS)})")
        found[source] = "cp950" if name == "big5" else name
    return found


def parse_engine(label: str, value: Any) -> str:
    text = _text(value).lower()
    if text not in ENGINES:
        raise SettingsError(f"{label} must be one of {', '.join(ENGINES)}, got {value!r}")
    return text


def parse_stage(label: str, value: Any) -> str | None:
    text = _text(value)
    if text and text not in FAULT_STAGES:
        raise SettingsError(f"{label} must be one of {', '.join(FAULT_STAGES)}, got {value!r}")
    return text or None


# Setting -> (environment variable, parser). The TOML key is the setting's name.
Parser = Callable[[str, Any], Any]
SCALARS: dict[str, tuple[str, Parser]] = {
    "first_month": ("KPI_FIRST_MONTH", parse_month),
    "timezone": ("KPI_TIMEZONE", parse_timezone),
    "memory_limit": ("KPI_MEMORY_LIMIT", parse_memory_limit),
    "max_quarantine_share": ("KPI_MAX_QUARANTINE_SHARE", parse_share),
    "sensor_interval_seconds": ("KPI_SENSOR_INTERVAL_SECONDS", parse_seconds),
    "sensor_settle_seconds": ("KPI_SENSOR_SETTLE_SECONDS", parse_seconds),
    "data_docs_keep": ("KPI_DATA_DOCS_KEEP", parse_runs),
    "run_logs_keep": ("KPI_RUN_LOGS_KEEP", parse_runs),
    "ignored_folders": ("KPI_IGNORED_FOLDERS", parse_names),
    "allow_outside_links": ("KPI_ALLOW_OUTSIDE_LINKS", parse_flag),
    "encodings": ("KPI_ENCODINGS", parse_encodings),
    "accept_raw_drift": ("KPI_ACCEPT_RAW_DRIFT", parse_flag),
    "engine": ("KPI_ENGINE", parse_engine),
    "fault_at": ("KPI_FAULT_AT", parse_stage),
}
PATHS = {"landing": "KPI_LANDING_DIR", "warehouse": "KPI_WAREHOUSE"}


def freshness_env(source: str) -> str:
    """The variable that sets `source`'s max age in hours."""
    return f"KPI_FRESHNESS_{source.upper()}_HOURS"


# --- dbt vars ---------------------------------------------------------------------------------------------------


# dbt vars that a setting passes to every run (dagster_kpi.dbt_project.dbt_vars): not set as vars of their own.
SETTING_VARS = {"timezone": SCALARS["timezone"][0]}


def declared_dbt_vars() -> dict[str, Any]:
    """The vars dbt_project.yml declares, with their defaults."""
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return dict(project.get("vars") or {})


def parse_dbt_var(label: str, name: str, value: Any, declared: Mapping[str, Any]) -> Any:
    """A dbt var's value, checked against the var dbt_project.yml declares (a number stays a number)."""
    if name not in declared:
        raise SettingsError(f"{label}: dbt_project.yml declares no var {name!r} (declared: {', '.join(sorted(declared))})")
    if name in SETTING_VARS:
        raise SettingsError(f"{label}: the var {name} follows the setting {name} ({SETTING_VARS[name]}); set that")
    default = declared[name]
    if isinstance(value, str):
        try:
            loaded = yaml.safe_load(value) if value.strip() else value
        except yaml.YAMLError:
            loaded = value
        # A date or time stays the text it was written as (as_of=2026-03-31T18:00:00), as dbt reads it.
        value = value.strip() if isinstance(loaded, date) else loaded
    if isinstance(default, bool) and not isinstance(value, bool):
        raise SettingsError(f"{label}: {name} must be true or false like its default, got {value!r}")
    if isinstance(default, int | float) and not isinstance(default, bool):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SettingsError(f"{label}: {name} must be a number like its default ({default}), got {value!r}")
    elif isinstance(default, str) and not isinstance(value, str):
        value = str(value)
    return value


def parse_var_arguments(arguments: Sequence[str], declared: Mapping[str, Any]) -> dict[str, Any]:
    """`NAME=VALUE` command-line arguments as dbt vars."""
    found: dict[str, Any] = {}
    for argument in arguments:
        name, sep, value = argument.partition("=")
        if not sep or not name.strip():
            raise SettingsError(f"--var must be NAME=VALUE, got {argument!r}")
        found[name.strip()] = parse_dbt_var("--var", name.strip(), value, declared)
    return found


# --- loading ----------------------------------------------------------------------------------------------------


@dataclass
class _Layer:
    """The settings one source gives: values already parsed, by setting name."""

    values: dict[str, Any] = field(default_factory=dict)
    freshness: dict[str, float] = field(default_factory=dict)
    dbt_vars: dict[str, Any] = field(default_factory=dict)


def _file_layer(path: Path, declared: Mapping[str, Any]) -> _Layer:
    layer = _Layer()
    if not path.is_file():
        return layer
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(f"{path}: not a readable TOML file ({' '.join(str(error).split())})") from None
    sources = set(contract_freshness_hours())
    for key, value in document.items():
        label = f"{path}: {key}"
        if key in PATHS:
            layer.values[key] = parse_path(label, value, path.parent)
        elif key in SCALARS:
            layer.values[key] = SCALARS[key][1](label, value)
        elif key == "freshness_hours" and isinstance(value, dict):
            for source, hours in value.items():
                if source not in sources:
                    raise SettingsError(f"{label}: {source!r} is not a source with an event time "
                                        f"({', '.join(sorted(sources))})")  # fmt: skip
                layer.freshness[source] = parse_hours(f"{label}.{source}", hours)
        elif key == "dbt_vars" and isinstance(value, dict):
            layer.dbt_vars = {name: parse_dbt_var(label, name, v, declared) for name, v in value.items()}
        else:
            known = sorted([*PATHS, *SCALARS, "freshness_hours", "dbt_vars"])
            raise SettingsError(f"{path}: unknown setting {key!r} (known: {', '.join(known)})")
    return layer


def _environment_layer(environ: Mapping[str, str], cwd: Path) -> _Layer:
    layer = _Layer()
    for name, variable in PATHS.items():
        if environ.get(variable, "").strip():
            layer.values[name] = parse_path(variable, environ[variable], cwd)
    for name, (variable, parse) in SCALARS.items():
        if environ.get(variable, "").strip():
            layer.values[name] = parse(variable, environ[variable])
    for source in contract_freshness_hours():
        variable = freshness_env(source)
        if environ.get(variable, "").strip():
            layer.freshness[source] = parse_hours(variable, environ[variable])
    return layer


def load_settings(
    *,
    landing: str | os.PathLike[str] | None = None,
    warehouse: str | os.PathLike[str] | None = None,
    dbt_vars: Sequence[str] = (),
    accept_raw_drift: bool = False,
    engine: str | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    """The settings of this process: defaults, settings files, the environment, then the arguments."""
    environ = os.environ if environ is None else environ
    cwd = (cwd or Path.cwd()).resolve()
    declared = declared_dbt_vars()
    project = _file_layer(cwd / SETTINGS_FILE, declared)
    environment = _environment_layer(environ, cwd)
    command_line = _Layer(dbt_vars=parse_var_arguments(dbt_vars, declared))
    if landing is not None:
        command_line.values["landing"] = parse_path("--landing", landing, cwd)
    if warehouse is not None:
        command_line.values["warehouse"] = parse_path("--warehouse", warehouse, cwd)
    if accept_raw_drift:
        command_line.values["accept_raw_drift"] = True
    if engine is not None:
        command_line.values["engine"] = parse_engine("--engine", engine)
    # The warehouse's own settings file is found once the warehouse is known.
    located = {**project.values, **environment.values, **command_line.values}
    warehouse_file = located.get("warehouse") or (cwd / DEFAULT_WAREHOUSE).resolve()
    beside_file = warehouse_file.parent / SETTINGS_FILE
    beside = _file_layer(beside_file, declared) if beside_file != cwd / SETTINGS_FILE else _Layer()
    if "warehouse" in beside.values:
        raise SettingsError(f"{warehouse_file.parent / SETTINGS_FILE}: warehouse cannot be set beside the warehouse")
    layers = (project, beside, environment, command_line)
    values: dict[str, Any] = {"landing": (cwd / DEFAULT_LANDING).resolve(), "warehouse": warehouse_file}
    freshness = contract_freshness_hours()
    chosen_vars: dict[str, Any] = {}
    encodings: dict[str, str] = {}  # per source, like freshness: a later layer adds to an earlier one's table
    for layer in layers:
        values |= {name: value for name, value in layer.values.items() if name != "encodings"}
        encodings |= layer.values.get("encodings", {})
        freshness |= layer.freshness
        chosen_vars |= layer.dbt_vars
    return Settings(**values, freshness_hours=freshness, dbt_vars=chosen_vars, encodings=encodings)


# --- the process environment ------------------------------------------------------------------------------------


def child_environment(settings: Settings) -> dict[str, str]:
    """The environment of a child process that must load these settings again (e.g. `dagster dev`)."""
    env = dict(os.environ)
    env.update({PATHS["landing"]: str(settings.landing), PATHS["warehouse"]: str(settings.warehouse),
                "DAGSTER_HOME": str(settings.paths.dagster_home)})  # fmt: skip
    for name, (variable, _) in SCALARS.items():
        value = getattr(settings, name)
        if isinstance(value, Mapping):
            env[variable] = ",".join(f"{key}={item}" for key, item in value.items())
        elif value is None:  # unset here: not inherited from this process's environment either
            env.pop(variable, None)
        elif name != "accept_raw_drift":
            env[variable] = ",".join(value) if isinstance(value, tuple) else str(value)
    for source, hours in settings.freshness_hours.items():
        env[freshness_env(source)] = str(hours)
    return env


def configure_dagster_process() -> None:
    """Process-wide flags Dagster reads from the environment (see PLANNED_EVENTS_AS_RANGES)."""
    os.environ.setdefault(PLANNED_EVENTS_AS_RANGES, "1")
    # The `kpi` command exits without interpreter teardown; keep multiprocessing's helper from warning about it.
    os.environ.setdefault("PYTHONWARNINGS", "ignore::UserWarning:multiprocessing.resource_tracker")
