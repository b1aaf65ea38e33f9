"""`kpi report` (report_html): a month's HTML report over a small warehouse built by hand, checked as headless
Chromium renders it — no console errors, nothing fetched, the charts drawn, the numbers those of the marts, text
from the marts shown as text — and its parts that need no browser (natural order of team names, arguments)."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from dagster_kpi.cli import main
from dagster_kpi.errors import KpiError
from dagster_kpi.report_html import chinese_number, natural_key, write_report

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium is not installed (`make install` installs Debian's chromium package)"
)

JAN, FEB, MAR = date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)
CENTRE = 'A&B "客服" <中心>'  # text a page would break on, if not escaped
KPI_VALUES = [  # period_start, level, entity_id, kpi_code, value
    (JAN, "center", "center", "answer_rate", 0.80),
    (FEB, "center", "center", "answer_rate", 0.85),
    (MAR, "center", "center", "answer_rate", 0.875),
    (JAN, "center", "center", "csat_score", None),  # no value in January: the trend starts in February
    (FEB, "center", "center", "csat_score", 4.3),
    (MAR, "center", "center", "csat_score", 4.5),
    (MAR, "center", "center", "deduction_points", 3.0),
    (MAR, "team", "热线三组", "answer_rate", 0.9),
    (MAR, "team", "热线一组", "answer_rate", 0.85),
    (MAR, "team", "热线十组", "answer_rate", 0.7),
    (MAR, "team", "热线二组", "answer_rate", 0.95),
]
CATALOG = [
    ("answer_rate", "接通率", "Answer rate", "ratio"),
    ("csat_score", "满意度评分", "CSAT score", "score"),
    ("deduction_points", "扣分", "Deduction points", "count"),
]
KPI_SCORES = [  # period_start, level, entity_id, kpi_code, value, target, weight, points, component
    (MAR, "center", "center", "answer_rate", 0.875, 0.9, 15.0, 13.0, "item"),
    (MAR, "center", "center", "csat_score", 4.5, 4.6, 10.0, 9.5, "item"),
    (MAR, "center", "center", "deduction_points", 3.0, None, None, -1.5, "adjustment"),
    (FEB, "center", "center", "answer_rate", 0.85, 0.9, 15.0, 12.0, "item"),
]
SCORECARDS = [  # grain, start, level, id, name, total, grade, pay_ratio, rank, award, plan, at_risk, assessed, reason
    ("month", MAR, "center", "center", CENTRE, 91.5, "A", 0.9, 1, 0.0, False, False, True, None),
    ("quarter", JAN, "center", "center", CENTRE, 10.0, "D", None, 1, 0.0, False, False, True, None),
    ("month", MAR, "team", "热线三组", "热线三组", 95.0, "A", 1.0, 1, 0.0, False, False, True, None),
    ("month", MAR, "team", "热线一组", "热线一组", 90.0, "A", 0.95, 2, 0.0, False, False, True, None),
    ("month", MAR, "team", "热线十组", "热线十组", 60.0, "D", 0.6, 4, 0.0, False, True, True, None),
    ("month", MAR, "team", "热线二组", "热线二组", 85.0, "B", 0.9, 3, 0.0, False, False, True, None),
    ("month", MAR, "agent", "a1", "Ann <b>&amp;", 96.0, "A", 0.95, 1, 500.0, False, False, True, None),
    ("month", MAR, "agent", "a2", "张三", 80.0, "B", 0.8, 2, 0.0, True, True, True, None),
    ("month", MAR, "agent", "a3", "Cy", None, None, None, None, 0.0, False, False, False, "probation"),
    ("month", FEB, "agent", "a1", "Ann <b>&amp;", 70.0, "C", 0.7, 1, 0.0, False, False, True, None),
]
PAY_SHEET = [  # period_start, agent_id, team, assessed, performance_pay, award_amount, fine_amount, net_amount
    (MAR, "a1", "热线一组", True, 285.0, 500.0, 30.0, 755.0),
    (MAR, "a2", "热线二组", True, 240.0, 0.0, 45.5, 194.5),
    (MAR, "a3", "热线二组", False, 0.0, 0.0, 20.0, -20.0),
    (FEB, "a1", "热线一组", True, 225.0, 0.0, 0.0, 225.0),
]
DEDUCTIONS = [  # violation_id, period_start, agent_id, category, points, fine_amount
    ("v1", MAR, "a2", "discipline", 2.0, 20.0),
    ("v2", MAR, "a2", "attitude", 2.0, 25.5),
    ("v3", MAR, "a1", "appearance", 1.0, 30.0),
    ("v4", MAR, "a3", "discipline", 1.0, 20.0),
    ("v5", FEB, "a1", "other", 5.0, 50.0),
]
SLA_EVENTS = [  # period_start, priority, status
    *[(MAR, "urgent", "achieved")] * 3,
    (MAR, "urgent", "breached"),
    (MAR, "normal", "achieved"),
    *[(MAR, "normal", "open")] * 2,
    (FEB, "high", "breached"),
]
CALL_INTERVALS = [  # interval_start, queue, offered, service_level, aht_seconds, erlang_agents, required_agents
    (datetime(2024, 3, 4, 9, 0), "热线", 120, 0.8, 200.0, 12, 18),
    (datetime(2024, 3, 4, 9, 30), "热线", 100, 0.75, 210.0, 11, 16),
    (datetime(2024, 3, 5, 3, 0), "热线", 2, None, None, None, None),
    (datetime(2024, 2, 1, 9, 0), "热线", 500, 0.5, 200.0, 40, 58),  # February: not this month's
]


def build(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute(
            "CREATE TABLE marts.kpi_values (period_grain VARCHAR, period_start DATE, level VARCHAR, entity_id VARCHAR,"
            " kpi_code VARCHAR, value DOUBLE)"
        )
        con.executemany("INSERT INTO marts.kpi_values VALUES ('month', ?, ?, ?, ?, ?)", KPI_VALUES)
        con.execute("CREATE TABLE marts.kpi_catalog (kpi_code VARCHAR, name_zh VARCHAR, name_en VARCHAR, unit VARCHAR)")
        con.executemany("INSERT INTO marts.kpi_catalog VALUES (?, ?, ?, ?)", CATALOG)
        con.execute(
            "CREATE TABLE marts.kpi_scores (period_start DATE, level VARCHAR, entity_id VARCHAR, kpi_code VARCHAR,"
            " value DOUBLE, target DOUBLE, weight DOUBLE, points DOUBLE, component VARCHAR)"
        )
        con.executemany("INSERT INTO marts.kpi_scores VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", KPI_SCORES)
        con.execute(
            "CREATE TABLE marts.scorecards (period_grain VARCHAR, period_start DATE, level VARCHAR, entity_id VARCHAR,"
            " entity_name VARCHAR, total_score DOUBLE, grade VARCHAR, pay_ratio DOUBLE, rank INTEGER,"
            " award_amount DOUBLE, improvement_plan_required BOOLEAN, at_risk BOOLEAN, assessed BOOLEAN,"
            " not_assessed_reason VARCHAR)"
        )
        con.executemany("INSERT INTO marts.scorecards VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", SCORECARDS)
        # A second rule set with its own ranks: 李四 ranks 1st among the property desk, listed after the frontline.
        con.execute("ALTER TABLE marts.scorecards ADD COLUMN rule_set VARCHAR DEFAULT 'frontline'")
        con.execute(
            "INSERT INTO marts.scorecards VALUES"
            " ('month', ?, 'agent', 'p1', '李四', 99.0, 'A', 1.0, 1, 0.0, false, false, true, NULL, 'property_desk')",
            [MAR],
        )
        con.execute(
            "CREATE TABLE marts.pay_sheet (period_start DATE, agent_id VARCHAR, team VARCHAR, assessed BOOLEAN,"
            " performance_pay DOUBLE, award_amount DOUBLE, fine_amount DOUBLE, net_amount DOUBLE)"
        )
        con.executemany("INSERT INTO marts.pay_sheet VALUES (?, ?, ?, ?, ?, ?, ?, ?)", PAY_SHEET)
        con.execute(
            "CREATE TABLE marts.deductions (violation_id VARCHAR, period_start DATE, agent_id VARCHAR,"
            " category VARCHAR, points DOUBLE, fine_amount DOUBLE)"
        )
        con.executemany("INSERT INTO marts.deductions VALUES (?, ?, ?, ?, ?, ?)", DEDUCTIONS)
        con.execute("CREATE TABLE marts.sla_events (period_start DATE, priority VARCHAR, status VARCHAR)")
        con.executemany("INSERT INTO marts.sla_events VALUES (?, ?, ?)", SLA_EVENTS)
        con.execute(
            "CREATE TABLE marts.call_intervals (interval_start TIMESTAMP, queue VARCHAR, offered INTEGER,"
            " service_level DOUBLE, aht_seconds DOUBLE, erlang_agents INTEGER, required_agents INTEGER)"
        )
        con.executemany("INSERT INTO marts.call_intervals VALUES (?, ?, ?, ?, ?, ?, ?)", CALL_INTERVALS)
    return path


# --- without a browser --------------------------------------------------------------------------------------------


def test_chinese_numerals_are_read_by_value():
    assert [chinese_number(n) for n in ("一", "九", "十", "十二", "二十", "二十一", "一百零五", "二〇二四")] == [
        1, 9, 10, 12, 20, 21, 105, 2024,
    ]  # fmt: skip


def test_team_names_sort_by_their_numbers():
    teams = ["热线三组", "热线十组", "热线二组", "热线一组", "热线四组", "热线十一组"]
    assert sorted(teams) == ["热线一组", "热线三组", "热线二组", "热线十一组", "热线十组", "热线四组"]  # by code point
    assert sorted(teams, key=natural_key) == ["热线一组", "热线二组", "热线三组", "热线四组", "热线十组", "热线十一组"]
    assert sorted(["team 10", "team 9", "team 1"], key=natural_key) == ["team 1", "team 9", "team 10"]


def test_the_report_is_written_beside_and_named_after_the_month(tmp_path, monkeypatch):
    warehouse = build(tmp_path / "warehouse.duckdb")
    monkeypatch.chdir(tmp_path)
    assert main(["report", "--warehouse", str(warehouse)]) == 0
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".html"] == ["kpi_report_2024-03.html"]
    out = write_report(warehouse, tmp_path / "sub" / "feb.html", month="2024-02")
    assert out.is_file() and not any(p.name.endswith(".partial") for p in out.parent.iterdir())
    assert write_report(warehouse, tmp_path / "sub", month="2024-02") == tmp_path / "sub" / "kpi_report_2024-02.html"


def test_a_warehouse_published_before_the_newer_marts_shows_what_it_has(tmp_path):
    from tests.test_report import build as build_older

    page = write_report(build_older(tmp_path / "warehouse.duckdb", pay_sheet=False), tmp_path / "r.html").read_text()
    assert 'id="scorecard"' in page and 'id="agents"' in page
    for section in ("teams", "pay", "deductions", "sla", "intervals"):
        assert f'id="{section}"' not in page


def test_bad_arguments_are_one_line_errors(tmp_path, capsys):
    warehouse = build(tmp_path / "warehouse.duckdb")
    assert main(["report", "--warehouse", str(warehouse), "--month", "2024-13"]) == 2
    with pytest.raises(KpiError, match="no published values for 2019-01; published months: 2024-01 … 2024-03"):
        write_report(warehouse, tmp_path / "r.html", month="2019-01")
    assert main(["report", "--warehouse", str(tmp_path / "missing.duckdb")]) == 2
    errors = capsys.readouterr().err.splitlines()
    assert len(errors) == 2 and all(line.startswith("kpi report: ") for line in errors)
    with pytest.raises(SystemExit) as exited:
        main(["report", "--warehouse", str(warehouse), "--lang", "fr"])
    assert exited.value.code == 2


# --- in Chromium --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        launched.close()


def open_page(browser, path: Path):
    """The page at `path`, with its console errors, page errors and every request it made."""
    page = browser.new_page()
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.resolve().as_uri())
    return page, problems, requests


def cells(page, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(selector, "rows => rows.map(r => Array.from(r.cells).map(c => c.innerText.trim()))")


@needs_chromium
def test_the_report_renders_the_marts_numbers_and_charts(tmp_path, browser):
    report = write_report(build(tmp_path / "warehouse.duckdb"), tmp_path / "report.html")
    page, problems, requests = open_page(browser, report)
    try:
        assert problems == []
        assert requests == [report.resolve().as_uri()]  # nothing fetched but the page itself
        assert page.inner_text("header .centre") == CENTRE  # shown as text
        assert page.inner_text("[data-month]") == "2024-03"
        assert page.inner_text("[data-total]") == "91.50"

        # The centre's scorecard: value, target, weight, points of marts.kpi_scores, March only.
        assert [row[:5] for row in cells(page, "#scorecard table:first-of-type tbody tr")] == [
            ["接通率", "87.5%", "90.0%", "15", "13.00"],
            ["满意度评分", "4.5", "4.6", "10", "9.50"],
            ["扣分 (加减分)", "3", "", "", "-1.50"],
            ["总分", "", "", "", "91.50"],
        ]
        # Trends: one point per month with a value (Jan-Mar; CSAT from February), drawn with a size.
        answer = page.locator("[data-kpi='answer_rate'] svg")
        assert answer.locator("circle").count() == 3
        assert len(answer.locator("polyline").get_attribute("points").split()) == 3
        assert answer.locator("circle title").all_text_contents() == ["2024-01: 80.0%", "2024-02: 85.0%", "2024-03: 87.5%"]
        assert answer.locator("line.target").count() == 1
        box = answer.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 30
        assert page.locator("[data-kpi='csat_score'] svg circle").count() == 2

        # Teams in the order of their numbers, in the ranking and as the headline columns.
        assert [row[:4] for row in cells(page, "#teams tbody tr")] == [
            ["热线一组", "2", "90.00", "A"],
            ["热线二组", "3", "85.00", "B"],
            ["热线三组", "1", "95.00", "A"],
            ["热线十组", "4", "60.00", "D"],
        ]
        assert page.locator("#headline th[data-team]").all_inner_texts() == ["热线一组", "热线二组", "热线三组", "热线十组"]
        assert cells(page, "#headline tbody tr") == [
            ["接通率", "87.5%", "85.0%", "95.0%", "90.0%", "70.0%"],
            ["满意度评分", "4.5", "—", "—", "—", "—"],  # the centre's only
        ]

        # Agents by rank, the not-assessed last; names as text; flags and the at-risk colour.
        agents = cells(page, "#agents tbody tr")
        assert [row[:6] for row in agents] == [
            ["1", "a1", "Ann <b>&amp;", "热线一组", "96.00", "A"],
            ["2", "a2", "张三", "热线二组", "80.00", "B"],
            ["—", "a3", "Cy", "热线二组", "—", "—"],
            ["1", "p1", "李四", "", "99.00", "A"],
        ]
        assert page.locator("#agents h3").all_inner_texts() == ["规则集 frontline", "规则集 property_desk"]
        flags = {a: page.locator(f"[data-agent='{a}'] .flag").all_inner_texts() for a in ("a1", "a2", "a3")}
        assert flags == {"a1": ["奖励（元） 500.00"], "a2": ["需改进计划", "风险"], "a3": ["未考核 · 试用期"]}
        assert page.locator("#agents b").count() == 0
        risk = page.eval_on_selector("[data-agent='a2'] td", "td => getComputedStyle(td).backgroundColor")
        plain = page.eval_on_selector("[data-agent='a1'] td", "td => getComputedStyle(td).backgroundColor")
        assert risk == "rgb(254, 242, 242)" and plain != risk

        # Pay totals: 285 + 240 + 0; awards 500; fines 30 + 45.5 + 20; net 755 + 194.5 - 20.
        pay = {key: page.inner_text(f"[data-pay='{key}']") for key in ("agents", "performance_pay", "awards", "fines", "net")}
        assert pay == {"agents": "3", "performance_pay": "525.00", "awards": "500.00", "fines": "95.50", "net": "929.50"}

        assert cells(page, "#deductions .cols > div:first-child tbody tr") == [
            ["a2", "张三", "2", "4", "45.50"],
            ["a1", "Ann <b>&amp;", "1", "1", "30.00"],
            ["a3", "Cy", "1", "1", "20.00"],
        ]
        assert cells(page, "#deductions .cols > div:last-child tbody tr") == [
            ["工作纪律", "2", "3", "40.00"],
            ["工作态度", "1", "2", "25.50"],
            ["仪容仪表", "1", "1", "30.00"],
        ]
        # SLA: urgent 3 of 4 closed; normal 1 of 1 (2 open); all 4 of 5. February's event is not counted.
        assert [row[:5] for row in cells(page, "#sla tbody tr")] == [
            ["特别紧急", "3", "1", "0", "75.0%"],
            ["一般", "1", "0", "2", "100.0%"],
            ["合计", "4", "1", "2", "80.0%"],
        ]
        bar = page.locator("[data-priority='urgent'] svg rect.fill")
        assert bar.get_attribute("width") == "90.0"  # 75% of 120

        assert cells(page, "#intervals tbody tr") == [
            ["2024-03-04 09:00", "热线", "120", "80.0%", "200.0 s", "12", "18"],
            ["2024-03-04 09:30", "热线", "100", "75.0%", "210.0 s", "11", "16"],
            ["2024-03-05 03:00", "热线", "2", "—", "—", "—", "—"],
        ]

        # Printed: every section after the first starts a page; table rows are not cut.
        page.emulate_media(media="print")
        breaks = page.eval_on_selector_all("section", "s => s.map(e => getComputedStyle(e).breakBefore)")
        assert breaks == ["auto", "page", "page", "page", "page", "page", "page"]
        assert page.eval_on_selector("tbody tr", "r => getComputedStyle(r).breakInside") == "avoid"
    finally:
        page.close()


@needs_chromium
def test_the_english_report_uses_the_catalogues_english_names(tmp_path, browser):
    report = write_report(build(tmp_path / "warehouse.duckdb"), tmp_path / "report.html", month="2024-02", lang="en")
    page, problems, _ = open_page(browser, report)
    try:
        assert problems == []
        assert page.inner_text("h1").split() == ["Monthly", "performance", "report", "2024-02"]
        assert [row[:5] for row in cells(page, "#scorecard table:first-of-type tbody tr")] == [
            ["Answer rate", "85.0%", "90.0%", "15", "12.00"],
        ]
        # February's trend ends in February: two months.
        assert page.locator("[data-kpi='answer_rate'] svg circle").count() == 2
        assert cells(page, "#deductions .cols > div:first-child tbody tr") == [["a1", "Ann <b>&amp;", "1", "5", "50.00"]]
        assert cells(page, "#sla tbody tr")[0][:5] == ["high", "0", "1", "0", "0.0%"]
        assert page.locator("#teams").count() == 0  # no team scorecards in February
    finally:
        page.close()
