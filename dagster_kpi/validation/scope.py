"""What the publishing gate validates: the rows of the periods that contain a month changed since the last publish.

Ingestion records, per source, the months its changed rows touch (`dagster_kpi.changes`). The `publish` stage's
scope is what was recorded since the last successful publish, or every month when nothing was published yet or
when what decides the marts beyond the raw data, or the rules they are held to, changed since: the product's files
(package, dbt project, models, seeds, expectation suites) and the dbt vars, whose digest is `publish_digest`. The
publish asset completes the stage after a successful publish; a failed check or a failed publish leaves the record,
so the next run validates those months again.

A mart suite says in its `meta` how the mart's rows fall into periods:

    "meta": {"period": {"start_column": "period_start", "grain_column": "period_grain"}}

A row belongs to the scope when its period contains a changed month: the month of `start_column`, or, with
`grain_column`, the month, quarter, half-year (H1 January-June, H2 July-December) or year (the grain that column
names) that begins there. A change in 2026-11 brings in the rows of 2026-11, of 2026-Q4, of 2026-H2 and of 2026. A
row whose period is unknown (no start, another grain) is always in the scope. A suite without `period`, or a scope of
every month, validates the whole table as it is.

Every expectation keeps its meaning exactly. By what its verdict on a row reads, it is one of:

- `row`: that row alone, and other tables the seeds fill (the KPI catalogue), which change only with the digest.
  Validated on the scope's rows it gives the verdict the whole table would give on them, and the rows outside the
  scope have not changed since they last passed. Row-level GX expectations (`ROW_TYPES`: values between, in a set,
  not NULL, ...) are `row` unless `mostly` asks for a share of the batch; an `unexpected_rows_expectation` is
  `row` when its meta says `"scope": "row"`.
- `period`: the rows of that row's period (grouped or ranked by period). A period is in the scope entirely or not at
  all, so the verdict is exact as well. Uniqueness (`UNIQUE_TYPES`) is `period` when its key includes the period's
  columns, as a duplicate then lies within one period; an `unexpected_rows_expectation` when its meta says
  `"scope": "period"`.
- `table`: anything else: row counts and other aggregates (mean, sum, distinct values, a share through `mostly`),
  uniqueness over a key without the period, an `unexpected_rows_expectation` that does not say. Its verdict on part
  of the table would differ from the verdict on the table, so it runs on the whole table (in Data Docs as the suite
  `<suite>__whole_table`).

When no month changed (nothing recorded since the last publish, under the same digest), the marts are those the last
publish validated, and nothing runs.

The rows outside the scope are taken to be as the last publish validated them. Ingestion records the month before
and after each changed month, for KPIs that look across a month's edge; a value carried further (a scorecard's award
run over `award_run_months`) may change in a later month outside the scope, and the suites' rules on it (an award is
never negative, none without a total) read only that row's own columns.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import duckdb

from dagster_kpi import changes
from dagster_kpi.changes import Scope
from dagster_kpi.run_state import product_digest
from dagster_kpi.sql import ident, lit

PUBLISH = "publish"  # the stage of dagster_kpi.changes the publishing gate reads and completes
# In a mart suite check's metadata: the changes recorded since the last publish when it ran (`Scope.describe()`, the
# sources). The publish asset clears the record only when these are still what is recorded.
CHANGED_MONTHS = "changed_months"
CHANGED_SOURCES = "changed_sources"
WHOLE_TABLE_SUFFIX = "__whole_table"
GRAINS = ("month", "quarter", "half_year", "year")

Reach = Literal["row", "period", "table"]
DECLARED: tuple[Reach, ...] = ("row", "period", "table")

# Expectations whose verdict on a row reads that row only.
ROW_TYPES = frozenset(
    {
        "expect_column_values_to_be_between",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_not_be_in_set",
        "expect_column_values_to_be_null",
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_match_regex",
        "expect_column_values_to_not_match_regex",
        "expect_column_values_to_match_regex_list",
        "expect_column_values_to_not_match_regex_list",
        "expect_column_values_to_match_like_pattern",
        "expect_column_values_to_not_match_like_pattern",
        "expect_column_values_to_match_like_pattern_list",
        "expect_column_values_to_not_match_like_pattern_list",
        "expect_column_values_to_match_strftime_format",
        "expect_column_values_to_be_dateutil_parseable",
        "expect_column_values_to_be_json_parseable",
        "expect_column_values_to_match_json_schema",
        "expect_column_value_lengths_to_be_between",
        "expect_column_value_lengths_to_equal",
        "expect_column_pair_values_a_to_be_greater_than_b",
        "expect_column_pair_values_to_be_equal",
        "expect_column_pair_values_to_be_in_set",
        "expect_multicolumn_sum_to_equal",
        "expect_multicolumn_values_to_be_equal",
        "expect_select_column_values_to_be_unique_within_record",
    }
)
# Expectations that no two rows share a key.
UNIQUE_TYPES = frozenset(
    {"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique", "expect_multicolumn_values_to_be_unique"}
)


# --- the publish stage ----------------------------------------------------------------------------------------------


def publish_digest(dbt_vars: Mapping[str, Any]) -> str:
    """What decides the marts beyond the raw data, and the rules they are validated by: the product's files (package,
    dbt project, models, seeds, expectation suites) and the dbt vars of the runs."""
    described = json.dumps({"product": product_digest(), "dbt_vars": dict(dbt_vars)}, sort_keys=True, default=str)
    return hashlib.sha256(described.encode()).hexdigest()


def publish_scope(con: duckdb.DuckDBPyConnection, dbt_vars: Mapping[str, Any]) -> Scope:
    """The months changed since the last publish; every month before the first one, or when the digest changed."""
    return changes.scope(con, PUBLISH, publish_digest(dbt_vars))


def changed_sources(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The sources with a change recorded since the last publish, sorted."""
    return sorted(changes.sources(con, PUBLISH))


def complete_publish(con: duckdb.DuckDBPyConnection, dbt_vars: Mapping[str, Any]) -> None:
    """The marts were published: what was recorded is validated and published; the next run starts from here."""
    changes.complete(con, PUBLISH, publish_digest(dbt_vars))


# --- a suite on a scope ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """How a mart's rows fall into periods: the column of the period's first day and, if any, of its grain."""

    start_column: str
    grain_column: str | None = None  # holds a grain of GRAINS; without it, every period is a month

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.start_column,) if self.grain_column is None else (self.start_column, self.grain_column)


def suite_period(doc: Mapping[str, Any]) -> Period | None:
    """The suite's `meta.period`; None when it declares none."""
    declared = (doc.get("meta") or {}).get("period")
    if declared is None:
        return None
    if not isinstance(declared, dict) or not isinstance(declared.get("start_column"), str):
        raise ValueError(f"suite {doc.get('name')}: meta.period must name its start_column, got {declared!r}")
    unknown = set(declared) - {"start_column", "grain_column"}
    if unknown:
        raise ValueError(f"suite {doc.get('name')}: meta.period has unknown keys {sorted(unknown)}")
    return Period(declared["start_column"], declared.get("grain_column"))


def reach(spec: Mapping[str, Any], period: Period) -> Reach:
    """What an expectation's verdict on a row reads: the row, the row's period, or the table (see the module doc)."""
    kind = spec.get("type")
    kwargs = spec.get("kwargs") or {}
    if kind == "unexpected_rows_expectation":
        declared = (spec.get("meta") or {}).get("scope", "table")
        if declared not in DECLARED:
            raise ValueError(f"unexpected_rows_expectation: meta.scope must be one of {', '.join(DECLARED)}, got {declared!r}")
        return declared
    if kwargs.get("mostly", 1) != 1:
        return "table"
    if kind in ROW_TYPES:
        return "row"
    if kind in UNIQUE_TYPES:
        key = [kwargs["column"]] if "column" in kwargs else list(kwargs.get("column_list") or ())
        return "period" if set(period.columns) <= set(key) else "table"
    return "table"


def _months_sql(months: Sequence[date]) -> str:
    return ", ".join(f"DATE {lit(m.isoformat())}" for m in sorted(set(months)))


def _truncated(grain: str, months: Sequence[date]) -> list[date]:
    if grain == "quarter":
        return [date(m.year, (m.month - 1) // 3 * 3 + 1, 1) for m in months]
    if grain == "half_year":
        return [date(m.year, 1 if m.month <= 6 else 7, 1) for m in months]
    if grain == "year":
        return [date(m.year, 1, 1) for m in months]
    return [date(m.year, m.month, 1) for m in months]


def scope_condition(period: Period, scope: Scope) -> str:
    """The SQL condition of the rows whose period contains a month of `scope` (not every month)."""
    start = ident(period.start_column)

    def truncated(grain: str) -> str:
        if grain == "half_year":  # no date_trunc unit: the year's first day, or its 1 July
            return f"make_date(year({start}), CASE WHEN month({start}) <= 6 THEN 1 ELSE 7 END, 1)"
        return f"date_trunc({lit(grain)}, {start})"

    def contains(grain: str) -> str:
        return f"{truncated(grain)} IN ({_months_sql(_truncated(grain, scope.months))})"

    if not scope.months:
        return "false"
    if period.grain_column is None:
        return f"{start} IS NULL OR {contains('month')}"
    cases = " ".join(f"WHEN {lit(grain)} THEN {contains(grain)}" for grain in GRAINS)
    return f"{start} IS NULL OR CASE {ident(period.grain_column)} {cases} ELSE true END"


def _listed(label: str, values: list[str]) -> str:
    return f"{label}{'s' if len(values) > 1 else ''} {', '.join(values)}"


def describe_scope(scope: Scope, period: Period) -> str:
    """The periods of `scope` (some months) a suite validates, e.g. `2026-10, 2026-11 and their quarter 2026-Q4,
    half-year 2026-H2 and year 2026`."""
    months = scope.describe()
    if period.grain_column is None:
        return months
    quarters = sorted({f"{m.year}-Q{(m.month - 1) // 3 + 1}" for m in scope.months})
    halves = sorted({f"{m.year}-H{1 if m.month <= 6 else 2}" for m in scope.months})
    years = sorted({str(m.year) for m in scope.months})
    their = "its" if len(scope.months) == 1 else "their"
    return f"{months} and {their} {_listed('quarter', quarters)}, {_listed('half-year', halves)} and {_listed('year', years)}"


@dataclass(frozen=True)
class Part:
    """One GX validation of a suite: a suite document and the rows it runs on (`where`; None: the whole table)."""

    suite: dict[str, Any]
    where: str | None


@dataclass(frozen=True)
class Plan:
    parts: tuple[Part, ...]
    validated: str  # what the parts cover, as a phrase: "every month", "2026-11 and its quarter 2026-Q4, half-year ..."


def plan(doc: dict[str, Any], scope: Scope | None) -> Plan:
    """The validations that check the suite `doc` on `scope` (None: the whole table, as for a raw table)."""
    period = suite_period(doc)
    if scope is None:
        return Plan((Part(doc, None),), "the whole table")
    if scope.every_month:
        return Plan((Part(doc, None),), "every month")
    if scope.nothing:
        return Plan((), "no month: nothing changed since the last publish")
    if period is None:
        return Plan((Part(doc, None),), "the whole table (the suite declares no period)")
    scoped = [spec for spec in doc["expectations"] if reach(spec, period) != "table"]
    table_wide = [spec for spec in doc["expectations"] if reach(spec, period) == "table"]
    parts = []
    if scoped:
        parts.append(Part({**doc, "expectations": scoped}, scope_condition(period, scope)))
    if table_wide:
        parts.append(Part({**doc, "name": doc["name"] + WHOLE_TABLE_SUFFIX, "expectations": table_wide}, None))
    validated = describe_scope(scope, period)
    if table_wide:
        count = len(table_wide)
        validated += f" ({count} expectation{'s' if count > 1 else ''} reading across periods: the whole table)"
    return Plan(tuple(parts), validated)
