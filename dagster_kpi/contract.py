"""The source-extract contract (`source_extracts.yml`), loaded into typed objects.

The YAML file shipped inside this package is the single description of every
source: ingestion, staging column lists and raw expectations all read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

CONTRACT_FILE = "source_extracts.yml"

# Contract type -> DuckDB type of the column in raw.<source>.
# A `month` is stored as the DATE of its first day.
DUCKDB_TYPES: dict[str, str] = {
    "string": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
    "timestamp": "TIMESTAMP",
    "date": "DATE",
    "month": "DATE",
}

# Lineage columns appended to every raw table.
LINEAGE_COLUMNS: dict[str, str] = {
    "_source_file": "VARCHAR",  # the file's path inside the source's landing folder
    "_source_row": "BIGINT",  # 1-based data row number (the header is not counted)
    "_loaded_at": "TIMESTAMP",  # when the run loaded the row
}

# A snapshot source's second raw table, raw.<source>_snapshots: every snapshot's rows, with its date.
SNAPSHOTS_SUFFIX = "_snapshots"
SNAPSHOT_COLUMN = "_snapshot_date"  # DATE: the day the file's snapshot stands for


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool = True
    aliases: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    value_aliases: dict[str, str] = field(default_factory=dict)
    min: float | None = None
    max: float | None = None
    pii: bool = False
    default: Any = None  # the value staging gives a missing one (None: no default)

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.type]

    @property
    def header_names(self) -> tuple[str, ...]:
        """Every header that names this column, canonical name first."""
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class EventTime:
    """The column holding a source's main event time, and the default max age of its newest value."""

    column: str
    freshness_hours: float


@dataclass(frozen=True)
class EventMonths:
    """Staging columns whose month places a record in the period spine, and an optional staging filter."""

    columns: tuple[str, ...]
    where: str | None = None
    # The months before and after a record's own that its KPIs may read it for (the repeat rate looks 7 days
    # ahead): a change to the record refreshes them too.
    reach: int = 1


@dataclass(frozen=True)
class AgentAttribution:
    """The records that reach the team and agent levels through `agent_id`: the column whose month places one,
    and an optional staging filter. The others (no agent_id, or one not on the roster) reach the centre only."""

    month: str
    where: str | None = None


@dataclass(frozen=True)
class RowRule:
    """A cross-column rule: `when` is SQL on the parsed columns, true when the row breaks the rule."""

    reason: str
    column: str  # the column a quarantined row names
    when: str


@dataclass(frozen=True)
class Source:
    name: str
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    required: bool = False
    notes: str = ""
    event_time: EventTime | None = None
    event_months: EventMonths | None = None
    row_rules: tuple[RowRule, ...] = ()
    # Each file is a snapshot as of a date (in its name, else its modification date); ingestion keeps every
    # snapshot's rows in raw.<name>_snapshots beside raw.<name> (the latest row per key).
    snapshots: bool = False
    agent_attribution: AgentAttribution | None = None
    # Other models look its rows up for records of any month (a customer's tier, an agent's team): a change to it
    # touches every month (see dagster_kpi.changes).
    lookup: bool = False

    @property
    def snapshots_table(self) -> str:
        """The raw table holding every snapshot of a snapshot source."""
        if not self.snapshots:
            raise ValueError(f"source {self.name} is not a snapshot source")
        return f"{self.name}{SNAPSHOTS_SUFFIX}"

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(col.name for col in self.columns)


def _column(name: str, spec: dict[str, Any]) -> Column:
    if spec["type"] not in DUCKDB_TYPES:
        raise ValueError(f"column {name}: unknown type {spec['type']!r}")
    return Column(
        name=name,
        type=spec["type"],
        nullable=bool(spec.get("nullable", True)),
        aliases=tuple(str(a) for a in spec.get("aliases", ())),
        values=tuple(str(v) for v in spec.get("values", ())),
        value_aliases={str(k): str(v) for k, v in (spec.get("value_aliases") or {}).items()},
        min=spec.get("min"),
        max=spec.get("max"),
        pii=bool(spec.get("pii", False)),
        default=spec.get("default"),
    )


def _source(name: str, spec: dict[str, Any]) -> Source:
    columns = tuple(_column(col, cs) for col, cs in spec["columns"].items())
    known = {col.name for col in columns}
    event_time = spec.get("event_time")
    event_months = spec.get("event_months")
    attribution = spec.get("agent_attribution")
    source = Source(
        name=name,
        description=str(spec.get("description", "")).strip(),
        key=tuple(spec["key"]),
        columns=columns,
        required=bool(spec.get("required", False)),
        notes=" ".join(str(spec.get("notes", "")).split()),
        event_time=EventTime(event_time["column"], float(event_time["freshness_hours"])) if event_time else None,
        event_months=EventMonths(tuple(event_months["columns"]), event_months.get("where"), int(event_months.get("reach", 1)))
        if event_months
        else None,  # fmt: skip
        row_rules=tuple(RowRule(r["reason"], r["column"], r["when"]) for r in spec.get("row_rules") or ()),
        snapshots=bool(spec.get("snapshots", False)),
        agent_attribution=AgentAttribution(attribution["month"], attribution.get("where")) if attribution else None,
        lookup=bool(spec.get("lookup", False)),
    )
    named = [*source.key, *(r.column for r in source.row_rules)]
    if source.event_time:
        named.append(source.event_time.column)
    if source.event_months and not source.lookup:  # the months a change touches are read from raw's columns
        named += list(source.event_months.columns)
    if source.agent_attribution:
        named += ["agent_id", source.agent_attribution.month]
    if unknown := [column for column in named if column not in known]:
        raise ValueError(f"source {name}: no column {unknown[0]!r}")
    if source.event_time and source.column(source.event_time.column).type not in ("timestamp", "date", "month"):
        raise ValueError(f"source {name}: event_time column {source.event_time.column} is not a time")
    return source


def parse_contract(text: str) -> dict[str, Source]:
    doc = yaml.safe_load(text)
    sources = {name: _source(name, spec) for name, spec in doc["sources"].items()}
    for source in sources.values():
        if source.snapshots and source.snapshots_table in sources:
            raise ValueError(f"source {source.name}: its snapshots table {source.snapshots_table} is the name of a source")
    return sources


def contract_text() -> str:
    return files("dagster_kpi").joinpath(CONTRACT_FILE).read_text(encoding="utf-8")


@cache
def load_contract() -> dict[str, Source]:
    """All sources of the shipped contract, in contract order."""
    return parse_contract(contract_text())
