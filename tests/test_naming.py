"""Names with numbers in them sort by the numbers' values, in digits or in Chinese numerals."""

from __future__ import annotations

import random

import pytest

from dagster_kpi.naming import chinese_number, natural_key


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
