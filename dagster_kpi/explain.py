"""`kpi explain`: why an entity's KPI value is what it is, record by record.

The published figures (numerator, denominator, value of marts.kpi_values, month grain) come from the warehouse file;
the records behind them from the run's work database (`<warehouse>.work/work.duckdb`): the staging rows of the
KPI's source in the entity's month, each with what it adds to the numerator and to the denominator. The records'
sums equal the published numerator and denominator.

Each explained KPI is one row of `EXPLAINED`: the relation it reads, the columns shown (ids, timestamps and the flags
that decide — never names or phone numbers), the date that places a record in a month, and three SQL expressions over
the relation (`src`): whether the record is in the KPI's facts, and what it adds to the numerator and denominator.
They restate the filters of the KPI's model (models/metrics/<family>/kpi_<code>.sql) with the run's dbt vars filled
in. A record reaches an entity as the KPI models attribute it (macro aggregate_kpi): the centre every record, an
agent its own on the roster, a team or department those of the agents that were in it in the record's month
(intermediate.int_agent_months).

The vars are those of the run that built the work database, as dbt recorded them (`run_results.json` of the latest
dbt invocation in the warehouse's dbt target folder), over the dbt project's defaults; when no invocation is
recorded, the defaults with the settings' dbt vars.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from dagster_kpi.cells import spreadsheet_cell
from dagster_kpi.errors import KpiError, UsageError
from dagster_kpi.paths import WarehousePaths
from dagster_kpi.report import format_value, published_marts, render_table
from dagster_kpi.settings import Settings, declared_dbt_vars

CALL_COLUMNS = ("call_id", "offered_at", "answered_at", "ended_at", "outcome", "is_valid", "direction")
TICKET_COLUMNS = ("ticket_id", "category", "status", "created_at", "first_response_at", "resolved_at")
VALID_INBOUND = "src.is_valid AND src.direction = 'inbound'"
# A short abandon and a short answer (macros/call_rules.sql), with the run's thresholds.
SHORT_ABANDON = "(src.outcome = 'abandoned' AND coalesce(src.call_seconds < {short_abandon_seconds}, false))"
SHORT_ANSWER = (
    "({short_answer_seconds} > 0 AND src.outcome = 'answered'"
    " AND coalesce(date_diff('second', src.answered_at, src.ended_at) < {short_answer_seconds}, false))"
)
SL_COUNTED = (
    f"((src.outcome = 'answered' AND NOT {SHORT_ANSWER})"
    f" OR ('{{service_level_abandon_mode}}' <> 'ignore' AND src.outcome = 'abandoned' AND NOT {SHORT_ABANDON}))"
)
SL_MET = (
    f"((src.outcome = 'answered' AND NOT {SHORT_ANSWER} AND src.answer_seconds <= {{service_level_seconds}})"
    f" OR ('{{service_level_abandon_mode}}' = 'positive' AND src.outcome = 'abandoned' AND NOT {SHORT_ABANDON}"
    " AND src.call_seconds <= {service_level_seconds}))"
)
ABANDON_MODES = ("negative", "ignore", "positive")
NUMBER_VARS = ("short_abandon_seconds", "short_answer_seconds", "service_level_seconds", "feedback_sla_hours")


def flag(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


@dataclass(frozen=True)
class Explanation:
    """How one KPI's records are found and counted (SQL over the relation as `src`, `{var}` for the run's vars)."""

    relation: str
    key: str
    columns: tuple[str, ...]
    event_date: str
    included: str
    numerator: str
    denominator: str = "1"
    distinct_key: str | None = None  # method distinct: counted once per key (numerator: any record of the key)
    clock: bool = False  # durations on the clock of var sla_clock: explained on the calendar clock only


def _calls(included: str, numerator: str, *extra: str) -> Explanation:
    return Explanation("staging.stg_calls", "call_id", (*CALL_COLUMNS, *extra), "src.offered_date", included, numerator)


ANSWERED = f"{VALID_INBOUND} AND src.outcome = 'answered'"
EXPLAINED: dict[str, Explanation] = {
    "answer_rate": _calls(f"{VALID_INBOUND} AND NOT {SHORT_ANSWER}", flag("src.outcome = 'answered'")),
    "service_level": _calls(f"{VALID_INBOUND} AND {SL_COUNTED}", flag(SL_MET), "answer_seconds", "call_seconds"),
    "abandonment_rate": _calls(
        f"{VALID_INBOUND} AND (src.outcome = 'answered' OR (src.outcome = 'abandoned' AND NOT {SHORT_ABANDON}))",
        flag("src.outcome = 'abandoned'"),
        "call_seconds",
    ),
    "avg_speed_of_answer_seconds": _calls(
        f"{ANSWERED} AND src.answer_seconds IS NOT NULL", "src.answer_seconds", "answer_seconds"
    ),
    "avg_talk_seconds": _calls(f"{ANSWERED} AND src.talk_seconds IS NOT NULL", "src.talk_seconds", "talk_seconds"),
    "first_response_minutes": Explanation(
        "staging.stg_tickets", "ticket_id", TICKET_COLUMNS, "src.created_date",
        "NOT src.is_cancelled AND src.first_response_at IS NOT NULL",
        "date_diff('second', src.created_at, src.first_response_at) / 60", clock=True,
    ),
    "avg_resolution_hours": Explanation(
        "staging.stg_tickets", "ticket_id", TICKET_COLUMNS, "src.resolved_date",
        "NOT src.is_cancelled AND src.resolved_at IS NOT NULL",
        "date_diff('second', src.created_at, src.resolved_at) / 3600", clock=True,
    ),
    "feedback_timeliness_rate": Explanation(
        "staging.stg_tickets", "ticket_id", TICKET_COLUMNS, "src.created_date",
        "NOT src.is_cancelled AND src.category = 'feedback'",
        flag("date_diff('second', src.created_at, src.first_response_at) <= {feedback_sla_hours} * 3600"), clock=True,
    ),
    "fcr_rate": Explanation(
        "staging.stg_tickets", "ticket_id", (*TICKET_COLUMNS, "first_contact_resolution"), "src.resolved_date",
        "NOT src.is_cancelled AND src.resolved_at IS NOT NULL", flag("src.first_contact_resolution"),
    ),
    "callback_rate": Explanation(
        "staging.stg_callbacks", "callback_id", ("callback_id", "customer_id", "planned_date", "completed_at", "status"),
        "src.planned_date", "NOT src.is_cancelled", flag("src.status = 'completed'"), distinct_key="customer_id",
    ),
    "complaint_resolution_satisfaction_rate": Explanation(
        "staging.stg_complaints", "complaint_id", ("complaint_id", "received_at", "resolved_at", "satisfied"),
        "src.resolved_date", "src.resolved_at IS NOT NULL", flag("src.satisfied"),
    ),
    "sla_attainment_rate": Explanation(
        "marts.sla_events", "record_id",
        ("source", "record_id", "metric", "priority", "started_at", "target_at", "achieved_at", "status"),
        "CAST(src.target_at AS DATE)", "src.status <> 'open'", flag("src.status = 'achieved'"),
    ),
}  # fmt: skip
# How aggregate_kpi attributes a record to an entity of each level (`?`: the entity).
ENTITY_CONDITIONS = {
    "center": "true",
    "agent": "roster.agent_id = ?",
    "team": "months.team = ?",
    "department": "months.department = ?",
}
SHOWN_RECORDS = 200  # text output lists at most this many records; --csv writes them all


@dataclass(frozen=True)
class Explained:
    kpi: str
    name: str
    unit: str
    level: str
    entity: str
    period: date
    published: tuple[float | None, float | None, float | None]
    columns: list[str]
    rows: list[tuple[Any, ...]]
    vars: dict[str, Any]
    vars_from: str

    @property
    def sums(self) -> tuple[float, float]:
        return sum(row[-2] for row in self.rows), sum(row[-1] for row in self.rows)

    @property
    def matches(self) -> bool:
        """Do the records add up to the published numerator and denominator (to rounding)?"""
        return all(
            abs(summed - (published or 0)) <= 1e-9 * max(1.0, abs(published or 0))
            for summed, published in zip(self.sums, self.published[:2], strict=False)
        )


def run_vars(settings: Settings) -> tuple[dict[str, Any], str]:
    """The dbt vars of the run that built the work database and where they were read from: the latest dbt
    invocation's run_results.json (over the project's defaults), else the defaults with the settings' vars."""
    defaults = declared_dbt_vars()
    target = settings.paths.dbt_target_dir
    results = sorted(target.glob("*/run_results.json"), key=lambda p: p.stat().st_mtime) if target.is_dir() else []
    for path in reversed(results):
        try:
            recorded = json.loads(path.read_text(encoding="utf-8")).get("args", {}).get("vars")
        except (OSError, ValueError):
            continue
        if isinstance(recorded, str):
            try:
                recorded = json.loads(recorded)
            except ValueError:
                continue
        if isinstance(recorded, dict):
            return {**defaults, **recorded}, "as the run recorded them"
    return {**defaults, "timezone": settings.timezone, **settings.dbt_vars}, "no run recorded: defaults and settings"


def _sql_vars(variables: Mapping[str, Any]) -> dict[str, Any]:
    """The vars the explanations use, checked: numbers as numbers, the abandon mode one of its three words."""
    values: dict[str, Any] = {}
    for name in NUMBER_VARS:
        try:
            values[name] = float(str(variables.get(name)).strip())
        except ValueError:
            raise KpiError(f"var {name} is not a number: {variables.get(name)!r}") from None
    mode = str(variables.get("service_level_abandon_mode")).strip().lower()
    if mode not in ABANDON_MODES:
        raise KpiError(f"var service_level_abandon_mode must be one of {', '.join(ABANDON_MODES)}, got {mode!r}")
    values["service_level_abandon_mode"] = mode
    return values


def records_query(explanation: Explanation, level: str, variables: Mapping[str, Any]) -> str:
    """The records of an entity's month (parameters: month start twice, entity unless centre): the shown columns, then
    the numerator and denominator each record adds."""
    fill = _sql_vars(variables)
    shown = ", ".join(f"src.{column}" for column in explanation.columns)
    included = explanation.included.format(**fill)
    numerator = explanation.numerator.format(**fill)
    denominator = explanation.denominator.format(**fill)
    where = ENTITY_CONDITIONS[level]
    inner = f"""
        SELECT {shown}, src.{explanation.key} AS _key,
               {"src." + explanation.distinct_key if explanation.distinct_key else "NULL"} AS _distinct,
               coalesce({included}, false) AS _included,
               CAST(coalesce({numerator}, 0) AS DOUBLE) AS _numerator,
               CAST(coalesce({denominator}, 0) AS DOUBLE) AS _denominator
        FROM {explanation.relation} AS src
        LEFT JOIN intermediate.int_agents AS roster ON roster.agent_id = src.agent_id
        LEFT JOIN intermediate.int_agent_months AS months
            ON months.agent_id = src.agent_id AND months.month_start = CAST(date_trunc('month', {explanation.event_date}) AS DATE)
        WHERE {explanation.event_date} >= ? AND {explanation.event_date} < ? + INTERVAL 1 MONTH AND {where}
    """
    columns = ", ".join(explanation.columns)
    if explanation.distinct_key:
        # Counted once per key: the key's first record (a completed one when there is one) carries the key's counts.
        first = "row_number() OVER (PARTITION BY _included, _distinct ORDER BY _numerator DESC, _key) = 1"
        counts = (
            f"CASE WHEN _included AND _distinct IS NOT NULL AND {first} THEN CASE WHEN _numerator > 0 THEN 1 ELSE 0 END "
            f"ELSE 0 END AS numerator, CASE WHEN _included AND _distinct IS NOT NULL AND {first} THEN 1 ELSE 0 END AS denominator"
        )
    else:
        counts = (
            "CASE WHEN _included THEN _numerator ELSE 0 END AS numerator, "
            "CASE WHEN _included THEN _denominator ELSE 0 END AS denominator"
        )
    return f"SELECT {columns}, {counts} FROM ({inner}) ORDER BY {explanation.key}"


def vars_used(explanation: Explanation) -> list[str]:
    """The vars the explanation's expressions name (and sla_clock for a duration on that clock)."""
    text = explanation.included + explanation.numerator + explanation.denominator
    names = [name for name in (*NUMBER_VARS, "service_level_abandon_mode") if "{" + name + "}" in text]
    return names + (["sla_clock"] if explanation.clock else [])


def unknown_kpi(kpi: str) -> UsageError:
    return UsageError(f"kpi {kpi!r} is not explained; explained KPIs: {', '.join(sorted(EXPLAINED))}")


def _published(warehouse: Path, kpi: str, entity: str, period: date, level: str | None) -> tuple[str, tuple[Any, ...], str, str]:
    with published_marts(warehouse) as con:
        rows = con.execute(
            "SELECT level, numerator, denominator, value FROM marts.kpi_values"
            " WHERE period_grain = 'month' AND period_start = ? AND kpi_code = ? AND entity_id = ?",
            [period, kpi, entity],
        ).fetchall()
        catalog = con.execute("SELECT name_zh, unit FROM marts.kpi_catalog WHERE kpi_code = ?", [kpi]).fetchone()
    by_level = {row[0]: row[1:] for row in rows}
    if level is not None:
        by_level = {level: by_level[level]} if level in by_level else {}
    if not by_level:
        raise KpiError(f"no published {kpi} of {entity}{f' ({level})' if level else ''} in {period:%Y-%m}")
    if len(by_level) > 1:
        raise UsageError(f"{entity} is a {' and a '.join(sorted(by_level))} in {period:%Y-%m}: say which with --level")
    [(found, published)] = by_level.items()
    name, unit = catalog if catalog else ("", "")
    return found, published, name, unit


def explain(settings: Settings, kpi: str, entity: str, month: str, level: str | None = None) -> Explained:
    """The published figures of `kpi` for `entity` in `month` (YYYY-MM) and the records behind them."""
    if kpi not in EXPLAINED:
        raise unknown_kpi(kpi)
    explanation = EXPLAINED[kpi]
    period = datetime.strptime(month, "%Y-%m").date()
    paths: WarehousePaths = settings.paths
    found, published, name, unit = _published(paths.warehouse, kpi, entity, period, level)
    variables, vars_from = run_vars(settings)
    if explanation.clock and str(variables.get("sla_clock", "calendar")).strip().lower() != "calendar":
        raise KpiError(f"{kpi} was computed on the business clock (var sla_clock); explain follows the calendar clock only")
    if not paths.work_db.is_file():
        raise KpiError(f"work database {paths.work_db} does not exist: run `kpi run` first")
    query = records_query(explanation, found, variables)
    parameters: list[Any] = [period, period] + ([] if found == "center" else [entity])
    try:
        with duckdb.connect(str(paths.work_db), read_only=True) as con:
            cursor = con.execute(query, parameters)
            columns = [column[0] for column in cursor.description or ()]
            rows = cursor.fetchall()
    except duckdb.Error as error:
        cause = " ".join(str(error).split("\n")[0].split())
        raise KpiError(f"work database {paths.work_db} cannot be read ({cause})") from None
    used = {name: variables.get(name) for name in vars_used(explanation)}
    return Explained(kpi, name, unit, found, entity, period, published, columns, rows, used, vars_from)


def _text(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}" if value == int(value) else f"{value:.2f}"
    return str(value)


def records(count: int) -> str:
    return f"{count:,} record{'' if count == 1 else 's'}"


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:,.6g}"


def render(result: Explained) -> str:
    """The published figures, the records' sums and the records (at most SHOWN_RECORDS), aligned as `kpi show`."""
    numerator, denominator, value = result.published
    summed = result.sums
    counted = sum(1 for row in result.rows if row[-1] or row[-2])
    settings = ", ".join(f"{k}={v}" for k, v in result.vars.items())
    shown = result.rows[:SHOWN_RECORDS]
    table = render_table(
        ["", "numerator", "denominator", "value"],
        [
            ["published", _number(numerator), _number(denominator), format_value(value, result.unit)],
            ["records", _number(summed[0]), _number(summed[1]),
             format_value(summed[0] / summed[1] if summed[1] else None, result.unit)],
        ],
    )  # fmt: skip
    lines = [
        f"{result.kpi} {result.name}".rstrip() + f" · {result.level} {result.entity} · {result.period:%Y-%m}",
        table,
        f"{records(len(result.rows))} of the month, {counted:,} counted"
        + (f"; vars: {settings} ({result.vars_from})" if settings else ""),
        "",
        render_table(result.columns, [[_text(v) for v in row] for row in shown], left=len(result.columns) - 2),
    ]
    if not result.matches:
        lines.insert(
            2, "the records differ from the published figures: the work database is from a later run that was not published"
        )
    if (more := len(result.rows) - SHOWN_RECORDS) > 0:
        lines.append(f"… and {more:,} more records (--csv FILE writes them all)")
    return "\n".join(lines)


def write_csv(path: Path, result: Explained) -> None:
    """The records as CSV (UTF-8 with BOM, text formula-safe), one header row."""
    try:
        with path.open("w", encoding="utf-8-sig", newline="") as file:
            writer = csv.writer(file)
            writer.writerow(result.columns)
            writer.writerows([_csv_value(v) for v in row] for row in result.rows)
    except OSError as error:
        raise KpiError(f"cannot write {path}: {error.strerror or error}") from None


def _csv_value(value: object) -> object:
    if isinstance(value, (datetime, date)):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return spreadsheet_cell(value)
