"""`kpi show` (report.month_report) on a small warehouse built by hand: the marts' tables with the columns the
report reads, two months (February and March 2024), a quarter row sharing January's start to show that only
month rows are read."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from dagster_kpi.errors import UsageError
from dagster_kpi.report import DEDUCTIONS_SHOWN, month_report

FEB, MAR = date(2024, 2, 1), date(2024, 3, 1)

SCORECARDS = [  # period_grain, period_start, level, entity_id, entity_name, total_score, grade, pay_ratio, rank
    ("month", MAR, "center", "center", "客服中心", 91.5, "A", 0.9, 1),
    ("quarter", date(2024, 1, 1), "center", "center", "客服中心", 10.0, "D", None, 1),  # never shown
    ("month", MAR, "agent", "a1", "Ann", 96.0, "A", 0.95, 1),
    ("month", MAR, "agent", "a2", "张三", 80.0, "B", 0.8, 2),
    ("month", MAR, "agent", "a3", "Cy", None, None, None, None),  # not assessed
    ("month", FEB, "agent", "a1", "Ann", 70.0, "C", 0.7, 1),
]
PAY_SHEET = [  # period_start, agent_id, assessed, performance_pay, award_amount, fine_amount, net_amount
    (MAR, "a1", True, 285.0, 500.0, 30.0, 755.0),
    (MAR, "a2", True, 240.0, 0.0, 45.5, 194.5),
    (MAR, "a3", False, 0.0, 0.0, 20.0, -20.0),
    (FEB, "a1", True, 225.0, 0.0, 0.0, 225.0),
]
DEDUCTIONS = [  # violation_id, period_start, agent_id, category, points, fine_amount
    ("v1", MAR, "a2", "discipline", 2.0, 20.0),
    ("v2", MAR, "a2", "attitude", 2.0, 25.5),
    ("v3", MAR, "a1", "appearance", 1.0, 30.0),  # fewer points, though a larger fine: listed after a2
    ("v4", MAR, "a3", "service", 1.0, 20.0),  # a tie on points: the larger fine first
    ("v5", MAR, None, "building", 3.0, 30.0),  # a team's or the centre's finding: no agent to list
    ("v6", FEB, "a1", "other", 5.0, 50.0),  # another month
]


def build(path: Path, *, pay_sheet: bool = True, deductions: list[tuple] | None = None) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute(
            "CREATE TABLE marts.kpi_values (period_grain VARCHAR, period_start DATE, level VARCHAR, entity_id VARCHAR,"
            " kpi_code VARCHAR, value DOUBLE)"
        )
        con.execute("INSERT INTO marts.kpi_values VALUES ('month', ?, 'center', 'center', 'answer_rate', 0.9)", [FEB])
        con.execute("INSERT INTO marts.kpi_values VALUES ('month', ?, 'center', 'center', 'answer_rate', 0.875)", [MAR])
        con.execute(
            "CREATE TABLE marts.kpi_catalog (kpi_code VARCHAR, name_zh VARCHAR, name_en VARCHAR, unit VARCHAR)"
            "; INSERT INTO marts.kpi_catalog VALUES ('answer_rate', '接通率', 'Answer rate', 'ratio')"
        )
        con.execute(
            "CREATE TABLE marts.kpi_scores (period_start DATE, level VARCHAR, kpi_code VARCHAR, value DOUBLE,"
            " target DOUBLE, weight DOUBLE, points DOUBLE, component VARCHAR)"
        )
        con.execute("INSERT INTO marts.kpi_scores VALUES (?, 'center', 'answer_rate', 0.875, 0.9, 15, 13, 'item')", [MAR])
        con.execute(
            "CREATE TABLE marts.scorecards (period_grain VARCHAR, period_start DATE, level VARCHAR, entity_id VARCHAR,"
            " entity_name VARCHAR, total_score DOUBLE, grade VARCHAR, pay_ratio DOUBLE, rank INTEGER)"
        )
        con.executemany("INSERT INTO marts.scorecards VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", SCORECARDS)
        if pay_sheet:
            con.execute(
                "CREATE TABLE marts.pay_sheet (period_start DATE, agent_id VARCHAR, assessed BOOLEAN,"
                " performance_pay DOUBLE, award_amount DOUBLE, fine_amount DOUBLE, net_amount DOUBLE)"
            )
            con.executemany("INSERT INTO marts.pay_sheet VALUES (?, ?, ?, ?, ?, ?, ?)", PAY_SHEET)
        if deductions is not None:
            con.execute(
                "CREATE TABLE marts.deductions (violation_id VARCHAR, period_start DATE, agent_id VARCHAR,"
                " category VARCHAR, points DOUBLE, fine_amount DOUBLE)"
            )
            if deductions:
                con.executemany("INSERT INTO marts.deductions VALUES (?, ?, ?, ?, ?, ?)", deductions)
    return path


MARCH_HEAD = [
    "== 2024-03 ==",
    "",
    "Headline KPIs",
    "KPI                 center",
    "接通率 Answer rate   87.5%",
    "",
    "客服中心 scorecard",
    "KPI                 value  target  weight  points",
    "接通率 Answer rate  87.5%   90.0%      15    13.0",
    "total 91.50  grade A  pay ratio 0.90",
    "",
    "Top agents",
    "rank  agent  name  total  grade",
    "1        a1   Ann  96.00      A",
    "2        a2  张三  80.00      B",
    "",
    "Bottom agents",
    "rank  agent  name  total  grade",
    "2        a2  张三  80.00      B",
    "1        a1   Ann  96.00      A",
]


def test_show_adds_the_pay_sheet_totals_and_the_agents_with_deductions(tmp_path):
    warehouse = build(tmp_path / "warehouse.duckdb", deductions=DEDUCTIONS)
    assert month_report(warehouse).splitlines() == [
        *MARCH_HEAD,
        "",
        # 285 + 240 + 0; awards 500; fines 30 + 45.5 + 20; net 755 + 194.5 - 20
        "Pay sheet: 3 agents, 2 assessed, 1 not assessed",
        "total              yuan",
        "performance pay  525.00",
        "awards           500.00",
        "fines             95.50",
        "net              929.50",
        "",
        "Deductions (most points first)",
        "agent  name  incidents  points  fines",
        "a2     张三          2       4  45.50",
        "a1      Ann          1       1  30.00",
        "a3       Cy          1       1  20.00",
    ]


def test_show_of_an_earlier_month_reads_that_months_rows(tmp_path):
    warehouse = build(tmp_path / "warehouse.duckdb", deductions=DEDUCTIONS)
    lines = month_report(warehouse, month="2024-02").splitlines()
    assert lines[0] == "== 2024-02 =="
    assert lines[lines.index("Pay sheet: 1 agent, 1 assessed, 0 not assessed") :] == [
        "Pay sheet: 1 agent, 1 assessed, 0 not assessed",
        "total              yuan",
        "performance pay  225.00",
        "awards             0.00",
        "fines              0.00",
        "net              225.00",
        "",
        "Deductions (most points first)",
        "agent  name  incidents  points  fines",
        "a1      Ann          1       5  50.00",
    ]


def test_show_lists_the_agents_with_most_points_and_counts_the_rest(tmp_path):
    many = [(f"w{i:02d}", MAR, f"b{i:02d}", "other", float(i), 10.0 * i) for i in range(1, DEDUCTIONS_SHOWN + 3)]
    warehouse = build(tmp_path / "warehouse.duckdb", deductions=many)
    lines = month_report(warehouse).splitlines()
    listed = lines[lines.index("Deductions (most points first)") + 2 :]
    assert [line.split()[0] for line in listed[:-1]] == [f"b{i:02d}" for i in range(DEDUCTIONS_SHOWN + 2, 2, -1)]
    assert listed[0] == "b12                  1      12  120.00"  # not scored this month: no name
    assert listed[-1] == "… and 2 more agents with deductions"


@pytest.mark.parametrize(("pay_sheet", "deductions", "tail"), [
    (True, [], ["Pay sheet: 3 agents, 2 assessed, 1 not assessed"]),
    (False, None, []),  # a warehouse published before the pay sheet and the ledger existed
])  # fmt: skip
def test_show_without_deductions_or_without_the_new_marts(tmp_path, pay_sheet, deductions, tail):
    warehouse = build(tmp_path / "warehouse.duckdb", pay_sheet=pay_sheet, deductions=deductions)
    lines = month_report(warehouse).splitlines()
    assert lines[: len(MARCH_HEAD)] == MARCH_HEAD
    rest = [line for line in lines[len(MARCH_HEAD) :] if line.startswith(("Pay sheet", "Deductions", "no pay"))]
    assert rest == tail + (["Deductions: none this month"] if deductions == [] else [])


def test_show_of_a_month_without_a_pay_sheet_says_so(tmp_path):
    warehouse = build(tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(warehouse)) as con:
        con.execute("DELETE FROM marts.pay_sheet WHERE period_start = ?", [FEB])
    assert "no pay sheet for this month" in month_report(warehouse, month="2024-02").splitlines()


SLA_EVENTS = [  # period_start, priority, status
    *[(MAR, "urgent", "achieved")] * 3,
    (MAR, "urgent", "breached"),
    *[(MAR, "normal", "achieved")] * 9,
    (MAR, "normal", "breached"),
    *[(MAR, "normal", "open")] * 2,
    (MAR, "high", "open"),  # nothing decided yet: no attainment
    (FEB, "high", "breached"),  # another month
]
CALL_INTERVALS = [  # interval_start, queue, offered, service_level, aht_seconds, erlang_agents, required_agents
    ("2024-03-04 10:00:00", "售后服务", 100, 0.8, 180.0, 14, 20),
    ("2024-03-04 10:30:00", "售后服务", 120, 0.75, 175.5, 16, 23),
    ("2024-03-04 10:00:00", "账单查询", 100, 0.9, 200.0, 15, 22),  # a tie on offered: earlier interval, then queue
    ("2024-03-05 02:00:00", "未分组", 3, None, None, None, None),  # no answered call
    ("2024-03-31 23:30:00", "售后服务", 7, 1.0, 90.0, 3, 5),
    ("2024-04-01 00:00:00", "售后服务", 500, 0.5, 100.0, 30, 43),  # next month
    ("2024-02-29 23:30:00", "售后服务", 400, 0.5, 100.0, 25, 36),  # last month
]


def with_service_levels(warehouse: Path, intervals: list[tuple]) -> Path:
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE TABLE marts.sla_events (period_start DATE, priority VARCHAR, status VARCHAR)")
        con.executemany("INSERT INTO marts.sla_events VALUES (?, ?, ?)", SLA_EVENTS)
        con.execute(
            "CREATE TABLE marts.call_intervals (interval_start TIMESTAMP, queue VARCHAR, offered BIGINT,"
            " service_level DOUBLE, aht_seconds DOUBLE, erlang_agents INTEGER, required_agents INTEGER)"
        )
        if intervals:
            con.executemany("INSERT INTO marts.call_intervals VALUES (?, ?, ?, ?, ?, ?, ?)", intervals)
    return warehouse


def test_show_adds_sla_attainment_by_priority_and_the_busiest_intervals(tmp_path):
    warehouse = with_service_levels(build(tmp_path / "warehouse.duckdb", deductions=DEDUCTIONS), CALL_INTERVALS)
    lines = month_report(warehouse).splitlines()
    assert lines[lines.index("SLA attainment by priority") :] == [
        "SLA attainment by priority",
        "priority  achieved  breached  open  attainment",
        "urgent           3         1     0       75.0%",  # 3 / (3 + 1)
        "high             0         0     1           —",
        "normal           9         1     2       90.0%",  # 9 / (9 + 1): open events are not counted
        "all             12         2     3       85.7%",  # 12 / 14
        "",
        "Busiest intervals",
        "interval          queue     offered  service level      AHT  Erlang C agents  required agents",
        "2024-03-04 10:30  售后服务      120          75.0%  175.5 s               16               23",
        "2024-03-04 10:00  售后服务      100          80.0%  180.0 s               14               20",
        "2024-03-04 10:00  账单查询      100          90.0%  200.0 s               15               22",
        "2024-03-31 23:30  售后服务        7         100.0%   90.0 s                3                5",
        "2024-03-05 02:00  未分组          3              —        —                —                —",
    ]


def test_show_of_a_month_without_sla_events_or_calls_says_so(tmp_path):
    warehouse = with_service_levels(build(tmp_path / "warehouse.duckdb"), [])
    with duckdb.connect(str(warehouse)) as con:  # January has values, but no SLA events or calls
        con.execute("INSERT INTO marts.kpi_values VALUES ('month', '2024-01-01', 'center', 'center', 'answer_rate', 0.8)")
    lines = month_report(warehouse, month="2024-01").splitlines()
    assert lines[-3:] == ["SLA attainment: no SLA events this month", "", "Busiest intervals: no calls this month"]


def test_show_of_a_month_without_values_names_the_published_months(tmp_path):
    warehouse = build(tmp_path / "warehouse.duckdb")
    with pytest.raises(UsageError) as error:
        month_report(warehouse, month="2019-01")
    assert str(error.value) == "no published values for 2019-01; published months: 2024-02 … 2024-03"
    assert error.value.exit_code == 2
    with duckdb.connect(str(warehouse)) as con:  # a gap: January and March to May
        con.execute("DELETE FROM marts.kpi_values")
        for month in ("2024-01-01", "2024-03-01", "2024-04-01", "2024-05-01"):
            con.execute("INSERT INTO marts.kpi_values VALUES ('month', ?, 'center', 'center', 'answer_rate', 0.9)", [month])
        con.execute("INSERT INTO marts.kpi_values VALUES ('quarter', '2023-10-01', 'center', 'center', 'answer_rate', 0.9)")
    with pytest.raises(UsageError, match=r"for 2024-02; published months: 2024-01, 2024-03 … 2024-05$"):
        month_report(warehouse, month="2024-02")
    with pytest.raises(UsageError, match=r"for 2023-10; published months: 2024-01, "):  # a quarter's start is no month
        month_report(warehouse, month="2023-10")


def test_show_puts_the_teams_in_their_natural_order(tmp_path):
    warehouse = build(tmp_path / "warehouse.duckdb")
    with duckdb.connect(str(warehouse)) as con:
        for team, value in (("热线三组", 0.3), ("热线一组", 0.1), ("热线四组", 0.4), ("热线二组", 0.2), ("热线十组", 0.25)):
            con.execute("INSERT INTO marts.kpi_values VALUES ('month', ?, 'team', ?, 'answer_rate', ?)", [MAR, team, value])
    lines = month_report(warehouse).splitlines()
    assert lines[3].split() == ["KPI", "center", "热线一组", "热线二组", "热线三组", "热线四组", "热线十组"]
    assert lines[4].split()[3:] == ["87.5%", "10.0%", "20.0%", "30.0%", "40.0%", "25.0%"]
