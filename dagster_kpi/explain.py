"""`kpi explain`: why an entity's KPI value is what it is, record by record.

The published figures (numerator, denominator, value of marts.kpi_values, month grain) come from the warehouse file;
the records behind them from the run's work database (`<warehouse>.work/work.duckdb`), counted by the KPI's own SQL.

Every KPI model that counts records one by one ends in the macro aggregate_kpi, whose output begins with a comment
`/* kpi_facts {...} */`: the facts CTE's name, the method (sum, distinct, per_person_mean, percentile), and the model
whose rows the facts are (`records`, with its key columns, which the facts carry). The compiled SQL of the model, as
the run that built it compiled it (`<warehouse>.work/dbt_target/…/compiled/…/kpi_<code>.sql`, vars filled in), up
to that comment is the model's WITH list ending in the facts: each fact row is one record and what it adds to the
numerator and the denominator (or its value). Explain selects those rows for the entity's month and joins the
records' own columns, so the filters, thresholds and clocks are the model's, never restated here.

A record reaches an entity as aggregate_kpi attributes it: the centre every record, an agent its own on the roster
(intermediate.int_agents), a team or department those of the agents that were in it in the record's month
(intermediate.int_agent_months); with `fact_team`, a record without a rostered agent reaches its own team.

The records' columns shown: their key, their timestamps and the columns the KPI's SQL reads (the flags that
decide), never a column the contract marks as personal data (names, phone numbers, raters, descriptions).
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from dagster_kpi.cells import spreadsheet_cell
from dagster_kpi.contract import load_contract
from dagster_kpi.errors import KpiError, UsageError
from dagster_kpi.paths import WarehousePaths
from dagster_kpi.report import format_value, published_marts, render_table
from dagster_kpi.settings import Settings

MARKER = re.compile(r"/\*\s*kpi_facts\s+(\{.*?\})\s*\*/", re.DOTALL)
METHODS = ("sum", "distinct", "per_person_mean", "percentile")
# Fact columns aggregate_kpi reads; the others (the record's key, record_source, record_id) identify the record.
FACT_COLUMNS = ("event_date", "agent_id", "team", "numerator", "denominator", "value", "distinct_key")
# Columns explain adds to the facts (prefixed so they never meet a model's own names).
ATTRIBUTION = "kpi_explain_roster_agent", "kpi_explain_team", "kpi_explain_department"
SHOWN_RECORDS = 200  # text output lists at most this many records; --csv writes them all


@dataclass(frozen=True)
class CompiledKpi:
    """A KPI model as the run compiled it: the SQL up to aggregate_kpi and what the macro was told."""

    path: Path
    prefix: str
    facts: str
    method: str
    fact_team: bool
    p: float | None
    records: str | None
    record_key: tuple[str, ...]


@dataclass(frozen=True)
class Explained:
    kpi: str
    name: str
    unit: str
    level: str
    entity: str
    period: date
    method: str
    p: float | None
    published: tuple[float | None, float | None, float | None]
    columns: list[str]
    rows: list[tuple[Any, ...]]
    compiled: Path

    def measures(self) -> list[tuple[Any, ...]]:
        """Each record's (agent_id, numerator, denominator), or (agent_id, value) for a percentile."""
        at = {name: i for i, name in enumerate(self.columns)}
        if self.method == "percentile":
            return [(row[at["agent_id"]], row[at["value"]]) for row in self.rows]
        return [(row[at["agent_id"]], row[at["numerator"]], row[at["denominator"]]) for row in self.rows]

    @property
    def summary(self) -> tuple[float | None, float | None, float | None]:
        """(numerator, denominator, value) from the records, as the model and marts.kpi_values count them."""
        measures = self.measures()
        if self.method == "percentile":
            values = sorted(float(v) for _, v in measures if v is not None)
            return None, float(len(values)), percentile_cont(values, self.p or 0.0)
        if self.method == "per_person_mean":
            per_agent: dict[Any, list[float]] = {}
            for agent, numerator, denominator in measures:
                if agent is not None:
                    sums = per_agent.setdefault(agent, [0.0, 0.0])
                    sums[0] += float(numerator or 0)
                    sums[1] += float(denominator or 0)
            units = [n / d for n, d in per_agent.values() if d > 0]
            numerator, denominator = float(sum(units)), float(len(units))
        else:
            numerator = float(sum(float(n or 0) for _, n, _ in measures))
            denominator = float(sum(float(d or 0) for _, _, d in measures))
        return numerator, denominator, kpi_value(self.unit, numerator, denominator)

    @property
    def counted(self) -> int:
        """The records that count: a value, or something added to the numerator or the denominator."""
        if self.method == "percentile":
            return sum(1 for _, v in self.measures() if v is not None)
        return sum(1 for _, n, d in self.measures() if n or d)

    @property
    def matches(self) -> bool:
        """Do the records give the published figures (to rounding)? A count or percentile publishes its value alone."""
        return all(
            (want is None) or (got is not None and abs(got - want) <= 1e-9 * max(1.0, abs(want)))
            for got, want in zip(self.summary, self.published, strict=True)
        )


def kpi_value(unit: str, numerator: float, denominator: float) -> float | None:
    """The value marts.kpi_values publishes for these sums (macro kpi_rows_on_spine)."""
    if unit == "count":
        return numerator
    if denominator == 0:
        return None
    return 100 * numerator / denominator if unit == "nps" else numerator / denominator


def percentile_cont(values: list[float], p: float) -> float | None:
    """The `p` percentile of sorted `values`, linearly interpolated at position (n - 1) x p (as aggregate_kpi)."""
    if not values:
        return None
    position = (len(values) - 1) * p
    lower = int(position)
    fraction = position - lower
    if fraction == 0 or lower + 1 >= len(values):
        return values[lower]
    return values[lower] + (values[lower + 1] - values[lower]) * fraction


def compiled_kpi(paths: WarehousePaths, kpi: str) -> CompiledKpi:
    """The KPI model's SQL as the latest run that built it compiled it, cut where aggregate_kpi begins."""
    model = f"kpi_{kpi}.sql"
    target = paths.dbt_target_dir
    found = [path for path in target.rglob(model) if "compiled" in path.parts] if target.is_dir() else []
    if not found:
        raise KpiError(f"no compiled SQL of kpi_{kpi} in {target}: run `kpi run` first")
    path = max(found, key=lambda p: p.stat().st_mtime)
    text = path.read_text(encoding="utf-8")
    marker = MARKER.search(text)
    if marker is None:
        raise UsageError(f"kpi {kpi!r} is not explained record by record: its model counts periods or snapshots")
    told = json.loads(marker.group(1))
    if told.get("method") not in METHODS or not re.fullmatch(r"\w+", str(told.get("facts"))):
        raise KpiError(f"{path}: cannot read the aggregate_kpi comment {marker.group(0)!r}")
    return CompiledKpi(
        path=path,
        prefix=text[: marker.start()].rstrip(),
        facts=told["facts"],
        method=told["method"],
        fact_team=bool(told.get("fact_team")),
        p=None if told.get("p") is None else float(told["p"]),
        records=told.get("records"),
        record_key=tuple(told.get("record_key") or ()),
    )


def _personal_columns() -> set[str]:
    return {column.name for source in load_contract().values() for column in source.columns if column.pii}


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _names(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[str, str]]:
    """(column, type) of a query's result."""
    return [(str(row[0]), str(row[1])) for row in con.execute(f"DESCRIBE {sql}").fetchall()]


def records_query(con: duckdb.DuckDBPyConnection, compiled: CompiledKpi, level: str, entity: str, period: date) -> str:
    """The entity's records of the month: identifying columns, the record's own columns, what each adds."""
    personal = _personal_columns()
    facts = [name for name, _ in _names(con, f"{compiled.prefix}\nselect * from {compiled.facts}")]
    ids = [name for name in facts if name not in FACT_COLUMNS and name not in personal]
    referenced = set(re.findall(r"\w+", compiled.prefix.lower()))
    own: list[str] = []
    if compiled.records:
        for name, kind in _names(con, f"select * from {compiled.records}"):
            if name.startswith("_") or name in compiled.record_key or name in facts or name in personal:
                continue
            if kind.startswith("TIMESTAMP") or (kind != "DATE" and name.lower() in referenced):
                own.append(name)
    team = "case when e.kpi_explain_roster_agent is null then e.team else e.kpi_explain_team end"
    where = {
        "center": "true",
        "agent": f"e.kpi_explain_roster_agent = {_literal(entity)}",
        "team": f"{team if compiled.fact_team else 'e.kpi_explain_team'} = {_literal(entity)}",
        "department": f"e.kpi_explain_department = {_literal(entity)}",
    }[level]
    if compiled.method == "per_person_mean":
        where += " and e.agent_id is not null"
    order = ", ".join(f"e.{name}" for name in ids) or "e.event_date"
    if compiled.method == "percentile":
        measures = ["e.value"]
    elif compiled.method == "distinct":
        # Counted once per key: the key's first record (one that adds to the numerator when there is one).
        first = f"row_number() over (partition by e.distinct_key order by e.numerator desc, {order}) = 1"
        counts = f"e.distinct_key is not null and {first}"
        measures = [
            "e.distinct_key",
            f"case when {counts} then max(case when e.numerator > 0 then 1 else 0 end)"
            " over (partition by e.distinct_key) else 0 end as numerator",
            f"case when {counts} then 1 else 0 end as denominator",
        ]
    else:
        measures = ["e.numerator", "e.denominator"]
    shown = [f"e.{name}" for name in ids] + [f"r.{name}" for name in own] + ["e.event_date", "e.agent_id"]
    if compiled.fact_team:
        shown.append("e.team")
    join = ""
    if compiled.records:
        on = " and ".join(f"r.{name} = e.{name}" for name in compiled.record_key)
        join = f"\nleft join {compiled.records} as r on {on}"
    month = f"date '{period.isoformat()}'"
    return f"""{compiled.prefix}
, kpi_explained as (
    select
        f.*,
        roster.agent_id as kpi_explain_roster_agent,
        agent_months.team as kpi_explain_team,
        agent_months.department as kpi_explain_department
    from {compiled.facts} as f
    left join intermediate.int_agents as roster
        on roster.agent_id = f.agent_id
    left join intermediate.int_agent_months as agent_months
        on agent_months.agent_id = f.agent_id
        and agent_months.month_start = cast(date_trunc('month', f.event_date) as date)
    where f.event_date >= {month} and f.event_date < {month} + interval 1 month
)
select {", ".join(shown + measures)}
from kpi_explained as e{join}
where {where}
order by {order}, e.event_date"""


def _published(warehouse: Path, kpi: str, entity: str, period: date, level: str | None) -> tuple[str, tuple[Any, ...], str, str]:
    with published_marts(warehouse) as con:
        catalog = con.execute("SELECT name_zh, unit FROM marts.kpi_catalog WHERE kpi_code = ?", [kpi]).fetchone()
        if catalog is None:
            raise UsageError(f"no kpi {kpi!r} in marts.kpi_catalog (`kpi show` and the export list the KPIs)")
        rows = con.execute(
            "SELECT level, numerator, denominator, value FROM marts.kpi_values"
            " WHERE period_grain = 'month' AND period_start = ? AND kpi_code = ? AND entity_id = ?",
            [period, kpi, entity],
        ).fetchall()
    by_level = {row[0]: row[1:] for row in rows}
    if level is not None:
        by_level = {level: by_level[level]} if level in by_level else {}
    if not by_level:
        raise KpiError(f"no published {kpi} of {entity}{f' ({level})' if level else ''} in {period:%Y-%m}")
    if len(by_level) > 1:
        raise UsageError(f"{entity} is a {' and a '.join(sorted(by_level))} in {period:%Y-%m}: say which with --level")
    [(found, published)] = by_level.items()
    name, unit = catalog
    return found, published, name, unit


def explain(settings: Settings, kpi: str, entity: str, month: str, level: str | None = None) -> Explained:
    """The published figures of `kpi` for `entity` in `month` (YYYY-MM) and the records behind them."""
    period = datetime.strptime(month, "%Y-%m").date()
    paths: WarehousePaths = settings.paths
    found, published, name, unit = _published(paths.warehouse, kpi, entity, period, level)
    compiled = compiled_kpi(paths, kpi)
    if not paths.work_db.is_file():
        raise KpiError(f"work database {paths.work_db} does not exist: run `kpi run` first")
    try:
        with duckdb.connect(str(paths.work_db), read_only=True) as con:
            cursor = con.execute(records_query(con, compiled, found, entity, period))
            columns = [column[0] for column in cursor.description or ()]
            rows = cursor.fetchall()
    except duckdb.Error as error:
        cause = " ".join(str(error).split("\n")[0].split())
        raise KpiError(f"work database {paths.work_db} cannot be read ({cause})") from None
    return Explained(kpi, name, unit, found, entity, period, compiled.method, compiled.p, published, columns, rows,
                     compiled.path)  # fmt: skip


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


METHOD_NOTES = {
    "distinct": "each key counts once",
    "per_person_mean": "each agent's mean over its records, then the mean over agents",
    "percentile": "the {p:g} percentile of the values",
}


def render(result: Explained) -> str:
    """The published figures, the records' figures and the records (at most SHOWN_RECORDS), aligned as `kpi show`."""
    numerator, denominator, value = result.published
    summed = result.summary
    shown = result.rows[:SHOWN_RECORDS]
    table = render_table(
        ["", "numerator", "denominator", "value"],
        [
            ["published", _number(numerator), _number(denominator), format_value(value, result.unit)],
            ["records", _number(summed[0]), _number(summed[1]), format_value(summed[2], result.unit)],
        ],
    )  # fmt: skip
    note = METHOD_NOTES.get(result.method, "").format(p=100 * (result.p or 0))
    lines = [
        f"{result.kpi} {result.name}".rstrip() + f" · {result.level} {result.entity} · {result.period:%Y-%m}",
        table,
        f"{records(len(result.rows))} of the month, {result.counted:,} counted" + (f" ({note})" if note else ""),
        "",
        render_table(result.columns, [[_text(v) for v in row] for row in shown],
                     left=len(result.columns) - (1 if result.method == "percentile" else 2)),
    ]  # fmt: skip
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
