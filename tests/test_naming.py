"""Names with numbers in them sort by the numbers' values, in digits or in Chinese numerals."""

from __future__ import annotations

import random
from datetime import date

import duckdb
import pytest

from dagster_kpi.export import month_queries
from dagster_kpi.naming import chinese_number, natural_key, register_natural_key


@pytest.mark.parametrize(
    ("text", "value"),
    [("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("二十三", 23), ("一百零五", 105), ("两百", 200),
     ("三万二千", 32000), ("二〇二六", 2026), ("零", 0), ("万", None), ("千", None)],
)  # fmt: skip
def test_chinese_numbers(text, value):
    assert chinese_number(text) == value


def test_the_hotline_teams_in_their_natural_order():
    teams = ["热线一组", "热线三组", "热线二组", "热线四组"]  # the order plain string sorting gives
    assert sorted(teams) == teams
    assert sorted(teams, key=natural_key) == ["热线一组", "热线二组", "热线三组", "热线四组"]
    shuffled = ["热线十一组", "热线十组", "热线九组", "热线二十组", "热线一组"]
    random.Random(3).shuffle(shuffled)
    assert sorted(shuffled, key=natural_key) == ["热线一组", "热线九组", "热线十组", "热线十一组", "热线二十组"]


def test_digits_by_value_and_text_as_text():
    assert sorted(["组10", "组2", "组1"], key=natural_key) == ["组1", "组2", "组10"]
    assert sorted(["T10", "T2", "A", "T1"], key=natural_key) == ["A", "T1", "T2", "T10"]
    # Digits and Chinese numerals of the same place compare by value; a number before text at the same place.
    assert sorted(["热线3组", "热线二组", "热线组"], key=natural_key) == ["热线二组", "热线3组", "热线组"]
    # A lone 万 or 千 is text: 万科 sorts as text, after the numbered names.
    assert sorted(["万科", "一组"], key=natural_key) == ["一组", "万科"]
    assert natural_key("二组") != natural_key("2组")  # different names never compare equal


def test_sql_sorts_names_as_natural_key_does():
    names = ["热线三组", "热线十组", "热线一组", "热线二组", "热线3组", "热线组", "T10", "T2", "t1", "万科", "KF1001", "KF999"]
    names += ["ab", "abc"]
    con = duckdb.connect()
    register_natural_key(con)
    con.execute("CREATE TABLE t (name VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?)", [[name] for name in [*names, None]])
    got = [name for (name,) in con.execute("SELECT name FROM t ORDER BY natural_key(name) NULLS LAST").fetchall()]
    assert got == [*sorted(names, key=natural_key), None]
    assert got[:6] == ["KF999", "KF1001", "T2", "T10", "ab", "abc"]


def test_the_export_puts_tied_teams_and_agents_in_natural_order():
    con = duckdb.connect()
    register_natural_key(con)
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.scorecards (period_grain VARCHAR, period_start DATE, level VARCHAR, entity_id VARCHAR,"
                " rank INTEGER)")  # fmt: skip
    cards = [("team", "热线三组", 1), ("team", "热线二组", 1), ("team", "热线十组", 1), ("team", "热线一组", 2),
             ("agent", "KF1001", 1), ("agent", "KF999", 1), ("agent", "KF100", None), ("center", "center", 1)]  # fmt: skip
    con.executemany("INSERT INTO marts.scorecards VALUES ('month', DATE '2024-03-01', ?, ?, ?)", cards)
    [query] = [query for name, query in month_queries(con, date(2024, 3, 1)) if name == "scorecards"]
    cursor = con.execute(query)
    at = [column[0] for column in cursor.description or ()]
    got = [(row[at.index("level")], row[at.index("entity_id")]) for row in cursor.fetchall()]
    assert got == [("center", "center"), ("team", "热线二组"), ("team", "热线三组"), ("team", "热线十组"),
                   ("team", "热线一组"), ("agent", "KF999"), ("agent", "KF1001"), ("agent", "KF100")]  # fmt: skip
