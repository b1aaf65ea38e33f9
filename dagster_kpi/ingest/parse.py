"""SQL that turns a cell's text into its contract type, and the checks a value must pass.

Every expression takes the cleaned text (trimmed, empty = NULL) and yields the
typed value, or NULL when the text does not parse; a check is a condition that
is true when the value breaks the contract.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dagster_kpi.contract import Column
from dagster_kpi.sql import ident, lit, timestamp_lit

# Trimmed from every value: ASCII whitespace, no-break space, ideographic space, BOM.
WHITESPACE = " \t\r\n\u00a0\u3000\ufeff"
MIN_TIMESTAMP = "TIMESTAMP '2000-01-01 00:00:00'"

_DAY = r"([0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{4}/[0-9]{1,2}/[0-9]{1,2})"
DATE_RE = _DAY + r"([ T]0{1,2}:00(:00(\.0+)?)?)?"  # a midnight time is allowed (Excel date cells)
MONTH_RE = r"[0-9]{4}[-/][0-9]{1,2}"
INT_RE = r"[+-]?[0-9]+(\.0*)?"
FLOAT_RE = r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"
TIME_FORMATS = ("%H:%M:%S", "%H:%M", "%H:%M:%S.%f")
BOOLS = {"true": True, "false": False, "1": True, "0": False, "y": True, "n": False,
         "yes": True, "no": False, "是": True, "否": False}  # fmt: skip


def clean(text: str) -> str:
    # Trimming with a character set is slow: only do it when an end character needs it.
    ws = lit(WHITESPACE)
    ends = f"contains({ws}, {text}[1]) OR contains({ws}, {text}[-1])"
    return f"nullif(CASE WHEN {ends} THEN trim({text}, {ws}) ELSE {text} END, '')"


def _formats(day: str, times: tuple[str, ...] = ()) -> str:
    """A list of strptime formats: the day alone, or the day then a space or T then each time."""
    formats = [f"{day}{sep}{time}" for time in times for sep in (" ", "T")] if times else [day]
    return "[" + ", ".join(lit(f) for f in formats) + "]"


def _strptime(v: str, times: tuple[str, ...] = (), day: str = "%Y-%m-%d") -> str:
    """try_strptime with the date part separated by '-' or '/' (formats listed per separator: faster)."""
    slash = day.replace("-", "/")
    return (
        f"CASE WHEN contains({v}, '/') THEN try_strptime({v}, {_formats(slash, times)}) "
        f"ELSE try_strptime({v}, {_formats(day, times)}) END"
    )


def _match(v: str, pattern: str) -> str:
    return f"regexp_full_match({v}, {lit(pattern)})"


def _year(v: str) -> str:
    """The value starts with a four-digit year (strptime's %Y reads at most four digits)."""
    return f"({v}[5] = '-' OR {v}[5] = '/')"


def _date(v: str) -> str:
    day = f"regexp_extract({v}, '^[0-9/-]+')"
    return f"CASE WHEN {_match(v, DATE_RE)} THEN CAST({_strptime(day)} AS DATE) END"


def _enum(v: str, col: Column) -> str:
    mapping = {value.lower(): value for value in col.values}
    mapping |= {alias.lower(): value for alias, value in col.value_aliases.items()}
    whens = " ".join(f"WHEN {lit(k)} THEN {lit(value)}" for k, value in mapping.items())
    return f"CASE lower({v}) {whens} END"


# Full-width ASCII (U+FF01-U+FF5E) maps to ASCII: NFKC for the characters identifiers are made of.
FULL_WIDTH = "".join(chr(c) for c in range(0xFF01, 0xFF5F))
HALF_WIDTH = "".join(chr(c) for c in range(0x21, 0x7F))
ZERO_WIDTH_CLASS = "[\u200b\u200c\u200d\u2060\ufeff]"


def is_identifier(col: Column) -> bool:
    """A string column naming a record, person or customer (`..._id`, or a key): compared as normalised text."""
    return col.type == "string" and not col.values and col.name.endswith("_id")


def identifier(v: str) -> str:
    """An identifier as its system means it: full-width letters and digits as ASCII, zero-width characters removed,
    trimmed (a value left empty is NULL). Case is kept: `kf1004` and `KF1004` stay two identifiers."""
    plain = f"translate(regexp_replace({v}, {lit(ZERO_WIDTH_CLASS)}, '', 'g'), {lit(FULL_WIDTH)}, {lit(HALF_WIDTH)})"
    # Plain ASCII text (as many bytes as characters), already trimmed, is left as it is: the common case, cheaply.
    return f"CASE WHEN strlen({v}) = length({v}) THEN {v} ELSE nullif(trim({plain}, {lit(WHITESPACE)}), '') END"


def parse_expr(col: Column, v: str) -> str:
    """SQL for the typed value of `col` from the cleaned text `v`; NULL when unparsable."""
    match col.type:
        case "string":
            if col.values:
                return _enum(v, col)
            return identifier(v) if is_identifier(col) else v
        case "int":  # "12" or "12.0" ("12.5" is not an int); the cast accepts both
            return f"CASE WHEN {_match(v, INT_RE)} THEN try_cast({v} AS BIGINT) END"
        case "float":
            number = f"try_cast({v} AS DOUBLE)"
            return f"CASE WHEN {_match(v, FLOAT_RE)} AND isfinite({number}) THEN {number} END"
        case "bool":
            whens = " ".join(f"WHEN {lit(k)} THEN {str(b).lower()}" for k, b in BOOLS.items())
            return f"CASE lower({v}) {whens} END"
        case "timestamp":
            return f"CASE WHEN {_year(v)} THEN {_strptime(v, TIME_FORMATS)} END"
        case "date":
            return _date(v)
        case "month":  # YYYY-MM, YYYY/MM, or the first day of the month as a date
            month = f"CAST({_strptime(v, day='%Y-%m')} AS DATE)"
            return f"CASE WHEN {_match(v, MONTH_RE)} THEN {month} WHEN day({_date(v)}) = 1 THEN {_date(v)} END"
    raise ValueError(f"column {col.name}: unknown type {col.type!r}")


@dataclass(frozen=True)
class Check:
    column: str
    reason: str
    condition: str  # SQL, true when the row fails


def column_checks(col: Column, v: str, now: datetime | None) -> list[Check]:
    """Checks of one column, in the order they apply; `v` is the cleaned text. Without `now`, a timestamp's check
    is its lower bound only: the upper bound, the time of the run, is applied where that time is known."""
    value = ident(col.name)  # the parsed value
    checks = []
    if not col.nullable:
        # An identifier of invisible characters only is missing too.
        missing = f"{value} IS NULL" if is_identifier(col) else f"{v} IS NULL"
        checks.append(Check(col.name, "missing_value", missing))
    if col.type != "string" or col.values:
        reason = "not_in_values" if col.values else f"unparsable_{col.type}"
        checks.append(Check(col.name, reason, f"{v} IS NOT NULL AND {value} IS NULL"))
    if col.min is not None:
        checks.append(Check(col.name, "below_min", f"{value} < {col.min}"))
    if col.max is not None:
        checks.append(Check(col.name, "above_max", f"{value} > {col.max}"))
    if col.type == "timestamp":
        bounds = f"{value} < {MIN_TIMESTAMP}" + (f" OR {value} > {timestamp_lit(now)}" if now else "")
        checks.append(Check(col.name, "timestamp_out_of_range", bounds))
    return checks
