"""A suite's verdict on one table, with one readable line per failed expectation."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SAMPLE_VALUES = 3  # unexpected values quoted in a failure line


@dataclass(frozen=True)
class FailedExpectation:
    """One failed expectation as plain values: its type, column, GX's result (observed value, ...) and any error."""

    type: str
    column: str | None
    result: dict[str, Any]
    error: str | None = None


@dataclass
class ValidationResult:
    suite: str
    table: str
    success: bool
    failures: list[str] = field(default_factory=list)  # one readable line per failed expectation
    failed: list[FailedExpectation] = field(default_factory=list)  # the same expectations, as values
    docs_index: Path | None = None  # the run's Data Docs index, when docs were written
    validated: str = "the whole table"  # the rows validated: "every month", "2026-11 and its quarter 2026-Q4 ...", "no month"


def expectation_columns(config: Any) -> str:
    kwargs = config.kwargs
    if "column" in kwargs:
        return str(kwargs["column"])
    if "column_list" in kwargs:
        return ", ".join(kwargs["column_list"])
    return ", ".join((config.meta or {}).get("columns", []))


def _rows(count: Any) -> str:
    return f"{count} row" if count == 1 else f"{count} rows"


def _show(value: Any) -> str:
    """A value as a reader would write it: strings quoted, tuples of key parts bracketed."""
    if isinstance(value, dict):
        value = tuple(value.values())
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(_show(v) for v in value) + ")"
    return repr(value) if isinstance(value, str) else str(value)


def _exception_message(info: dict[str, Any]) -> str | None:
    """GX reports an error either flat or keyed by the metric that raised it."""
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message"))
    return None


def expectation_detail(expectation_result: Any) -> str:
    config = expectation_result.expectation_config
    error = _exception_message(expectation_result.exception_info or {})
    if error is not None:
        return "error: " + error.strip().splitlines()[0][:300]
    result = expectation_result.result or {}
    if config.type == "unexpected_rows_expectation":
        return f"{_rows(result.get('observed_value'))} unexpected: {config.description}"
    if "unexpected_count" in result:
        counted = f"{result['unexpected_count']} of {_rows(result.get('element_count'))}"
        if config.type == "expect_column_values_to_not_be_null":
            return f"{counted} are null"
        samples = [
            f"{_show(item['value'])} ({_rows(item['count'])})"
            for item in result.get("partial_unexpected_counts", [])[:SAMPLE_VALUES]
        ]
        return f"{counted} unexpected" + (", e.g. " + ", ".join(samples) if samples else "")
    return f"observed {result.get('observed_value')!r}"


def failed_expectations(suite_result: Any) -> list[FailedExpectation]:
    return [
        FailedExpectation(
            type=r.expectation_config.type,
            column=r.expectation_config.kwargs.get("column"),
            result=dict(r.result or {}),
            error=_exception_message(r.exception_info or {}),
        )
        for r in suite_result.results
        if not r.success
    ]


def failure_lines(suite_name: str, suite_result: Any) -> list[str]:
    """`<suite>: <expectation type>(<columns>) — <observed detail>` for each failed expectation."""
    return [
        f"{suite_name}: {r.expectation_config.type}({expectation_columns(r.expectation_config)}) — {expectation_detail(r)}"
        for r in suite_result.results
        if not r.success
    ]
