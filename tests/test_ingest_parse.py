"""Type parsing of cell text: every accepted format, and what is rejected."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import pytest

from dagster_kpi.contract import Column
from dagster_kpi.ingest.parse import clean, parse_expr
from dagster_kpi.ingest.readers import cell_text


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def parse(con: duckdb.DuckDBPyConnection, column: Column, text: str | None):
    sql = f"SELECT {parse_expr(column, 'v')} FROM (SELECT {clean('t')} AS v FROM (SELECT ?::VARCHAR AS t))"
    return con.execute(sql, [text]).fetchall()[0][0]


TS = datetime(2024, 3, 5, 8, 9, 10)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05 08:09:10", TS),
        ("2024/03/05 08:09:10", TS),
        ("2024-03-05T08:09:10", TS),
        ("2024/03/05T08:09:10", TS),
        ("2024-03-05 08:09", datetime(2024, 3, 5, 8, 9)),
        ("2024/03/05 08:09", datetime(2024, 3, 5, 8, 9)),
        ("2024-03-05T08:09", datetime(2024, 3, 5, 8, 9)),
        ("2024/3/5 8:09:10", TS),
        ("  2024-03-05 08:09:10\t", TS),
        ("2024-03-05 08:09:10.25", datetime(2024, 3, 5, 8, 9, 10, 250000)),
        ("2024-03-05", None),
        ("05/03/2024 08:09:10", None),
        ("24-03-05 08:09:10", None),
        ("2024-03/05 08:09:10", None),
        ("2024-02-30 08:00:00", None),
        ("2024-03-05 25:00:00", None),
        ("2024-03-05 08:09:10Z", None),
        ("2024-03-05 08:09:10+08:00", None),
        ("yesterday", None),
        ("", None),
    ],
)
def test_timestamp_formats(con, text, expected):
    assert parse(con, Column("x", "timestamp"), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05", date(2024, 3, 5)),
        ("2024/03/05", date(2024, 3, 5)),
        ("2024/3/5", date(2024, 3, 5)),
        ("2024-03-05 00:00:00", date(2024, 3, 5)),  # an Excel date cell
        ("2024-03-05 08:00:00", None),
        ("05.03.2024", None),
        ("24-03-05", None),
        ("2024-13-01", None),
        ("20240305", None),
    ],
)
def test_date_formats(con, text, expected):
    assert parse(con, Column("x", "date"), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03", date(2024, 3, 1)),
        ("2024/3", date(2024, 3, 1)),
        ("2024-03-01", date(2024, 3, 1)),
        ("2024/03/01 00:00:00", date(2024, 3, 1)),
        ("2024-03-15", None),
        ("2024-13", None),
        ("202403", None),
        ("March 2024", None),
    ],
)
def test_month_formats(con, text, expected):
    assert parse(con, Column("x", "month"), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True), ("TRUE", True), ("false", False), ("1", True), ("0", False),
        ("Y", True), ("n", False), ("yes", True), ("No", False), ("是", True), ("否", False),
        ("maybe", None), ("2", None), ("t", None),
    ],
)  # fmt: skip
def test_bool_formats(con, text, expected):
    assert parse(con, Column("x", "bool"), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12", 12), ("12.0", 12), ("12.00", 12), ("+7", 7), ("-3", -3), (" 42 ", 42),
        ("12.5", None), ("1e3", None), ("0x10", None), ("1_000", None), ("abc", None),
        ("99999999999999999999", None),
    ],
)  # fmt: skip
def test_int_formats(con, text, expected):
    assert parse(con, Column("x", "int"), text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.5", 3.5), ("-0.25", -0.25), ("1e3", 1000.0), (".5", 0.5), ("7", 7.0),
        ("nan", None), ("inf", None), ("1e999", None), ("1,5", None), ("abc", None),
    ],
)  # fmt: skip
def test_float_formats(con, text, expected):
    assert parse(con, Column("x", "float"), text) == expected


def test_enumerations_match_case_insensitively_and_map_aliases(con):
    direction = Column("direction", "string", values=("inbound", "outbound"), value_aliases={"呼入": "inbound"})
    assert [parse(con, direction, t) for t in ("INBOUND", " Outbound ", "呼入", "in", None)] == [
        "inbound", "outbound", "inbound", None, None,
    ]  # fmt: skip


def test_strings_are_trimmed_and_empty_is_null(con):
    text = Column("x", "string")
    assert [parse(con, text, t) for t in (" a b ", "", "   ", "\u3000名\u3000", "\ufeffx")] == [
        "a b", None, None, "名", "x",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2024, 3, 5, 8, 9, 10), "2024-03-05 08:09:10"),
        (datetime(2024, 3, 5, 8, 9, 9, 999_600), "2024-03-05 08:09:10"),  # float artefact rounds
        (date(2024, 3, 5), "2024-03-05"),
        (3.0, "3"),
        (3.5, "3.5"),
        (7, "7"),
        (True, "true"),
        ("已接通", "已接通"),
        (None, None),
    ],
)
def test_excel_cell_text(value, expected):
    assert cell_text(value) == expected
