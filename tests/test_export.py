"""Text from the marts handed to people: `kpi export` (Excel, CSV), `kpi show`, and the formula-like-text warning.

A small warehouse is built from hand-made raw tables by `dbt build` and published. Four agents, two
months (February and March 2024), default scoring seeds; the names and teams are hostile:

    a1  =HYPERLINK("http://evil.example/x","点我")   team =1+1
    a2  张三                                          team '; drop table marts.scorecards; --
    a3  ESC[2J ESC[31m 李四 ESC[0m                    team =1+1
    a4  -3                                            team <tab>二组

March CSAT answers (x 20): a1 5, a2 4, a3 5 and 4, a4 3; four valid inbound calls, three answered.
February: one answer of a1 (4). Frontline agents are scored on csat_score (tiered, weight 20: >= 90
-> 20 points, >= 80 -> 16, below 70 -> 0) and major_complaint_count (0 complaints: 10 of 10); their
other KPIs have no value, so a total is 100 x points / 30.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from openpyxl import load_workbook

from dagster_kpi.cells import spreadsheet_cell, spreadsheet_text, terminal_text
from dagster_kpi.cli import main
from dagster_kpi.paths import WarehousePaths
from dagster_kpi.publish import publish_marts
from dagster_kpi.report import month_report
from dagster_kpi.validation.dbt_failures import AUDIT_SCHEMA, first_failure_row
from tests.dbt_fixture import build_work_db

HYPERLINK = '=HYPERLINK("http://evil.example/x","点我")'
DROP = "'; drop table marts.scorecards; --"
ANSI_NAME = "\x1b[2J\x1b[31m李四\x1b[0m"
TAB_TEAM = "\t二组"
AGENTS = {"a1": (HYPERLINK, "=1+1"), "a2": ("张三", DROP), "a3": (ANSI_NAME, "=1+1"), "a4": ("-3", TAB_TEAM)}
CSAT = {"2024-03": {"a1": [5], "a2": [4], "a3": [5, 4], "a4": [3]}, "2024-02": {"a1": [4]}}
NEW_MARTS = ["sla_events", "ticket_backlog", "call_intervals", "rating_summary"]
MARTS = ["kpi_catalog", "kpi_scores", "kpi_values", "scorecards", "pay_sheet", "deductions", *NEW_MARTS]
SHEETS = ["scorecards", "pay_sheet", "deductions", "kpi_scores", "kpi_values", "kpi_catalog", *NEW_MARTS]
SHEETS_ZH = ["计分卡", "绩效工资表", "扣分明细", "指标得分", "指标值", "指标目录", "SLA事件", "工单积压", "话务时段", "评分汇总"]
MARCH = datetime(2024, 3, 1)


def fixture_rows() -> dict[str, list[dict[str, Any]]]:
    agents = [
        {"agent_id": agent, "agent_name": name, "team": team, "role": "agent", "hired_on": "2023-01-01"}
        for agent, (name, team) in AGENTS.items()
    ]
    surveys = [
        {"survey_id": f"s{month}{agent}{i}", "agent_id": agent, "responded_at": f"{month}-10 10:00:00", "csat_score": score}
        for month, by_agent in CSAT.items()
        for agent, scores in by_agent.items()
        for i, score in enumerate(scores)
    ]
    calls = [
        {"call_id": f"c{i}", "direction": "inbound", "offered_at": "2024-03-03 09:00:00",
         "outcome": "answered" if i < 3 else "abandoned", "is_valid": True}
        for i in range(4)
    ]  # fmt: skip
    # One violation of a1 (team =1+1): the deductions ledger carries the team.
    violations = [{"violation_id": "v1", "occurred_at": "2024-03-05 09:00:00", "agent_id": "a1", "category": "appearance"}]
    return {"agents": agents, "surveys": surveys, "calls": calls, "violations": violations}


@pytest.fixture(scope="module")
def work_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_work_db(tmp_path_factory, "export", fixture_rows(), ["--threads", "2"], test_warnings=True)


@pytest.fixture(scope="module")
def warehouse(work_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture's marts published as a run publishes them (the formula-like-text warnings did not stop it)."""
    paths = WarehousePaths(tmp_path_factory.mktemp("published") / "warehouse.duckdb")
    paths.ensure()
    shutil.copyfile(work_db, paths.work_db)
    assert publish_marts(paths, MARTS).changed
    return paths.warehouse


def export(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    code = main(["export", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


# --- the neutraliser -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        (HYPERLINK, "'" + HYPERLINK),
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-3", "'-3"),  # text, not a number: quoted like any text
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tT2", "'\tT2"),
        ("\rT2", "'\rT2"),
        ("\x07=cmd", "'=cmd"),  # a control character a workbook cannot hold is dropped, then the rest is judged
        (DROP, DROP),  # not a formula: as it is
        ("张三", "张三"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_spreadsheet_text_quotes_what_a_spreadsheet_would_run(text, cell):
    assert spreadsheet_text(text) == cell


def test_numbers_dates_and_missing_values_are_not_text():
    values = (-3, -3.5, 0, True, None, date(2024, 3, 1))
    assert [spreadsheet_cell(v) for v in values] == list(values)
    assert spreadsheet_cell("-3") == "'-3"


def test_terminal_text_drops_control_characters():
    assert terminal_text(ANSI_NAME) == "[2J[31m李四[0m"
    assert terminal_text("a\nb\tc\r") == "a b c "
    assert terminal_text("x\u202eevil\u2066y\x9bz\x7f") == "xevilyz"  # bidi override and isolate, C1 CSI, DEL
    assert terminal_text("客服中心 =1+1") == "客服中心 =1+1"


# --- the warning on the marts ---------------------------------------------------------------------


def stored(work_db: Path, test: str) -> set[tuple[str, str]]:
    with duckdb.connect(str(work_db), read_only=True) as con:
        return set(con.execute(f"SELECT column_name, value FROM {AUDIT_SCHEMA}.{test}").fetchall())


def test_formula_like_text_warns_on_each_mart_holding_it(work_db):
    results = json.loads((work_db.parent / "target" / "run_results.json").read_text(encoding="utf-8"))
    status = {r["unique_id"].split(".")[2]: r["status"] for r in results["results"] if "formula_like_text" in r["unique_id"]}
    assert status == {
        "kpi_values_formula_like_text": "warn",
        "kpi_scores_formula_like_text": "warn",
        "scorecards_formula_like_text": "warn",
        "pay_sheet_formula_like_text": "warn",
        "kpi_catalog_formula_like_text": "pass",  # clean text: silent
        "deductions_formula_like_text": "warn",
        "rating_summary_formula_like_text": "pass",  # no ratings
        "call_intervals_formula_like_text": "pass",
        "sla_events_formula_like_text": "pass",  # no tickets, no complaints
        "ticket_backlog_formula_like_text": "pass",  # the contract's categories only
    }
    teams = {("entity_id", "=1+1"), ("entity_id", TAB_TEAM)}
    assert stored(work_db, "kpi_values_formula_like_text") == teams
    assert stored(work_db, "kpi_scores_formula_like_text") == teams
    names = {("entity_name", HYPERLINK), ("entity_name", "-3"), ("entity_name", "=1+1"), ("entity_name", TAB_TEAM)}
    assert stored(work_db, "scorecards_formula_like_text") == teams | names
    assert stored(work_db, "kpi_catalog_formula_like_text") == set()
    assert stored(work_db, "deductions_formula_like_text") == {("team", "=1+1")}
    # the pay sheet names the agents and their teams
    assert stored(work_db, "pay_sheet_formula_like_text") == {
        ("agent_name", HYPERLINK), ("agent_name", "-3"), ("team", "=1+1"), ("team", TAB_TEAM),
    }  # fmt: skip
    with duckdb.connect(str(work_db), read_only=True) as con:
        # What `kpi run` prints: mart, column, the first value (tab shown as \t) and its rows.
        line = first_failure_row(con, "kpi_values_formula_like_text") or ""
        assert re.fullmatch(r"kpi_values\.entity_id begins like a spreadsheet formula: =1\+1 \(\d+ rows\) \(and 1 more\)", line)
        assert first_failure_row(con, "scorecards_formula_like_text") == (
            "scorecards.entity_id begins like a spreadsheet formula: =1+1 (3 rows) (and 5 more)"  # February, March, Q1
        )


def test_the_marts_and_the_published_file_keep_the_names_as_they_came(warehouse):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = dict(con.execute("SELECT entity_id, entity_name FROM marts.scorecards WHERE level = 'agent'").fetchall())
    assert names == {agent: name for agent, (name, _) in AGENTS.items()}


# --- kpi export -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workbook_path(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export_xlsx")
    assert main(["export", "--warehouse", str(warehouse), "--out", str(out), "--lang", "en"]) == 0
    return out / "kpi_2024-03.xlsx"


@pytest.fixture(scope="module")
def workbook_zh(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("export_zh")
    assert main(["export", "--warehouse", str(warehouse), "--out", str(out)]) == 0
    return out / "kpi_2024-03.xlsx"


def rows_of(sheet: Any) -> list[dict[str, Any]]:
    header = [cell.value for cell in sheet[1]]
    return [dict(zip(header, (cell.value for cell in row), strict=True)) for row in sheet.iter_rows(min_row=2)]


def test_the_workbook_has_a_sheet_per_mart_with_a_bold_frozen_header(workbook_path):
    book = load_workbook(workbook_path)
    assert book.sheetnames == SHEETS
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.b for cell in sheet[1])
        assert sheet.auto_filter.ref.startswith("A1:")
    cards = book["scorecards"]
    header = [cell.value for cell in cards[1]]
    assert header[:6] == ["period_start", "level", "entity_id", "entity_name", "rule_set", "total_score"]
    widths = {cell.column_letter: cards.column_dimensions[cell.column_letter].width for cell in cards[1]}
    assert widths["D"] == 45  # entity_name: the quoted HYPERLINK (43 columns, 点我 counting 2 each) + 2
    assert all(8 <= width <= 60 for width in widths.values())


def test_hostile_text_is_quoted_text_and_numbers_stay_numbers(workbook_path):
    book = load_workbook(workbook_path)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), (sheet.title, cell.coordinate)
    cards = {(r["level"], r["entity_id"]): r for r in rows_of(book["scorecards"])}
    a1 = book["scorecards"].cell(row=[*cards].index(("agent", "a1")) + 2, column=4)
    assert (a1.value, a1.data_type) == ("'" + HYPERLINK, "s")
    assert cards[("agent", "a3")]["entity_name"] == "[2J[31m李四[0m"  # a workbook cannot hold ESC
    assert cards[("agent", "a4")]["entity_name"] == "'-3"
    assert cards[("team", "'=1+1")]["entity_name"] == "'=1+1"
    assert cards[("team", "'" + TAB_TEAM)]["entity_name"] == "'" + TAB_TEAM
    assert cards[("team", DROP)]["entity_name"] == DROP  # not formula-like: as it came
    catalog = {r["kpi_code"]: r for r in rows_of(book["kpi_catalog"])}
    nps = book["kpi_catalog"].cell(row=[*catalog].index("nps") + 2, column=7)
    assert (nps.value, nps.data_type) == (-100, "n")  # a negative number is a number, not quoted text


def test_the_workbook_holds_the_hand_checked_march_figures(workbook_path):
    book = load_workbook(workbook_path)
    cards = rows_of(book["scorecards"])
    assert {r["period_start"] for r in cards} == {MARCH}
    # the centre, then the teams and the agents by rank
    assert [(r["level"], r["entity_id"]) for r in cards] == [
        ("center", "center"),
        ("team", "'=1+1"),
        ("team", DROP),
        ("team", "'\t二组"),
        ("agent", "a1"),
        ("agent", "a3"),
        ("agent", "a2"),
        ("agent", "a4"),
    ]
    totals = {r["entity_id"]: (r["total_score"], r["grade"], r["rank"], r["pay_ratio"]) for r in cards}
    # centre: answer_rate 75 % (0 of 15), agent_score_avg 80 (5 of 10), no complaint or report issue (10 + 10)
    assert totals["center"] == (pytest.approx(2500 / 45), "D", 1, 0.7)
    agents = {agent: totals[agent] for agent in AGENTS}
    assert agents == {
        "a1": (pytest.approx(100.0), "A", 1, 1.0),  # csat 100: 20 + 10 of 30
        "a3": (pytest.approx(100.0), "A", 1, 1.0),  # csat 90: 20 + 10
        "a2": (pytest.approx(260 / 3), "B", 3, 0.9),  # csat 80: 16 + 10
        "a4": (pytest.approx(100 / 3), "D", 4, 0.7),  # csat 60: 0 + 10
    }
    values = {(r["entity_id"], r["kpi_code"]): r["value"] for r in rows_of(book["kpi_values"])}
    assert values[("center", "answer_rate")] == pytest.approx(0.75)
    assert values[("center", "csat_score")] == pytest.approx(84.0)
    assert values[("'=1+1", "csat_score")] == pytest.approx(280 / 3)
    assert values[(DROP, "csat_score")] == pytest.approx(80.0)
    assert values[("a4", "csat_score")] == pytest.approx(60.0)
    assert {r["period_grain"] for r in rows_of(book["kpi_values"])} == {"month"}
    scores = {(r["entity_id"], r["kpi_code"]): (r["value"], r["points"]) for r in rows_of(book["kpi_scores"])}
    assert scores[("a2", "csat_score")] == (pytest.approx(80.0), pytest.approx(16.0))
    assert scores[("a2", "callback_rate")] == (None, None)
    # The month's ledger: a1's appearance violation, 1 point (the category default) and 10 yuan.
    [ledger] = rows_of(book["deductions"])
    assert (ledger["violation_id"], ledger["team"], ledger["points"], ledger["fine_amount"]) == ("v1", "'=1+1", 1, 10)


def test_the_default_workbook_has_chinese_sheets_headers_with_units_and_number_formats(workbook_zh):
    book = load_workbook(workbook_zh)
    assert book.sheetnames == SHEETS_ZH
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
        untranslated = [cell.value for cell in sheet[1] if str(cell.value).isascii()]
        assert untranslated == [], sheet.title  # every column of every mart has a Chinese header
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row), sheet.title
    cards = book["计分卡"]
    assert [cell.value for cell in cards[1]][:6] == ["期间", "层级", "对象编号", "对象名称", "考核方案", "总分"]

    def cells(title: str, row: int) -> dict[str, tuple[Any, str]]:
        sheet = book[title]
        return {h.value: (c.value, c.number_format) for h, c in zip(sheet[1], sheet[row], strict=True)}

    centre = cells("计分卡", 2)  # the centre first
    assert centre["对象编号"] == ("center", "General")
    assert centre["总分"] == (pytest.approx(2500 / 45), "0.00")
    assert centre["绩效系数"] == (0.7, "0.0%")
    assert centre["排名"] == (1, "#,##0")
    assert centre["奖励金额(元)"][1] == "#,##0.00"
    [ledger] = book["扣分明细"].iter_rows(min_row=2)
    fine = cells("扣分明细", 2)
    assert fine["罚款(元)"] == (10, "#,##0.00") and fine["扣分"] == (1, "General")
    assert fine["发生时间"] == (datetime(2024, 3, 5, 9), "yyyy-mm-dd hh:mm:ss")
    # a KPI's value takes its unit's format: answer_rate a ratio, csat_score a score
    values = {(r[2].value, r[4].value): (r[7].value, r[7].number_format) for r in book["指标值"].iter_rows(min_row=2)}
    assert values[("center", "answer_rate")] == (pytest.approx(0.75), "0.0%")
    assert values[("center", "csat_score")] == (pytest.approx(84.0), "0.00")
    # the four calls of 2024-03-03 09:00: one interval, three answered, service level 75 %
    interval = cells("话务时段", 2)
    assert interval["时段开始"] == (datetime(2024, 3, 3, 9), "yyyy-mm-dd hh:mm:ss")
    assert interval["呼入量"] == (4, "#,##0") and interval["接听量"] == (3, "#,##0")
    assert interval["服务水平"][1] == "0.0%"
    assert interval["平均应答速度(秒)"][1] in ("#,##0.0", "General")  # General when NULL (no answered_at here)
    # the text still neutralised
    names = {r[2].value: r[3].value for r in cards.iter_rows(min_row=2)}
    assert names["a1"] == "'" + HYPERLINK and names["'=1+1"] == "'=1+1"


def test_parquet_keeps_the_marts_columns_types_and_values(warehouse, tmp_path, capsys):
    code, out, _ = export(capsys, "--warehouse", warehouse, "--format", "parquet", "--out", tmp_path)
    assert code == 0
    assert out.splitlines() == [f"wrote {tmp_path / f'kpi_2024-03_{mart}.parquet'}" for mart in SHEETS]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for mart in SHEETS:
            file = tmp_path / f"kpi_2024-03_{mart}.parquet"
            published = con.execute(f"DESCRIBE marts.{mart}").fetchall()
            assert con.execute(f"DESCRIBE SELECT * FROM '{file}'").fetchall() == published, mart
        names = dict(con.execute(f"SELECT entity_id, entity_name FROM '{tmp_path}/kpi_2024-03_scorecards.parquet'"
                                 " WHERE level = 'agent'").fetchall())  # fmt: skip
        assert names == {agent: name for agent, (name, _) in AGENTS.items()}  # as published: for analysts, not Excel
        periods = con.execute(f"SELECT DISTINCT period_start FROM '{tmp_path}/kpi_2024-03_kpi_values.parquet'").fetchall()
        assert periods == [(date(2024, 3, 1),)]
    assert not list(tmp_path.glob(".*partial"))
    assert export(capsys, "--warehouse", warehouse, "--format", "parquet", "--out", tmp_path / "x.xlsx") == (
        2, "", f"kpi export: --out {tmp_path / 'x.xlsx'}: Parquet export writes one file per mart; give a folder\n",
    )  # fmt: skip


def test_csv_headers_are_chinese_by_default(warehouse, tmp_path, capsys):
    assert export(capsys, "--warehouse", warehouse, "--format", "csv", "--out", tmp_path)[0] == 0
    with (tmp_path / "kpi_2024-03_pay_sheet.csv").open(encoding="utf-8-sig", newline="") as file:
        header = next(csv.reader(file))
    assert header[:7] == ["期间", "工号", "姓名", "班组", "部门", "岗位", "职级"]


def test_csv_files_are_utf8_with_bom_quoted_text_and_bare_numbers(warehouse, tmp_path, capsys):
    code, out, _ = export(capsys, "--warehouse", warehouse, "--format", "csv", "--out", tmp_path / "csv", "--lang", "en")
    assert code == 0
    files = [tmp_path / "csv" / f"kpi_2024-03_{mart}.csv" for mart in SHEETS]
    assert out.splitlines() == [f"wrote {path}" for path in files]
    raw = files[0].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert '"\'=HYPERLINK(""http://evil.example/x"",""点我"")"' in text
    with files[0].open(encoding="utf-8-sig", newline="") as file:
        cards = {(r["level"], r["entity_id"]): r for r in csv.DictReader(file)}
    assert cards[("agent", "a1")]["entity_name"] == "'" + HYPERLINK
    assert cards[("agent", "a4")]["entity_name"] == "'-3"
    assert cards[("team", "'=1+1")]["rank"] == "1"
    assert cards[("agent", "a2")]["period_start"] == "2024-03-01"
    catalog = files[SHEETS.index("kpi_catalog")].read_text(encoding="utf-8-sig")
    assert ",-100.0,100.0," in catalog  # nps range: numbers, unquoted and unprefixed


def test_export_of_another_month_both_formats_and_a_named_workbook(warehouse, tmp_path, capsys):
    code, out, _ = export(capsys, "--warehouse", warehouse, "--month", "2024-02", "--format", "csv", "--format", "xlsx",
                          "--out", tmp_path, "--lang", "en")  # fmt: skip
    assert code == 0
    assert out.splitlines()[0] == f"wrote {tmp_path / 'kpi_2024-02.xlsx'}"
    assert len(out.splitlines()) == 1 + len(SHEETS)
    book = load_workbook(tmp_path / "kpi_2024-02.xlsx")
    assert {r["period_start"] for r in rows_of(book["kpi_values"])} == {datetime(2024, 2, 1)}
    named = tmp_path / "reports" / "march.xlsx"
    assert export(capsys, "--warehouse", warehouse, "--out", named)[0] == 0
    assert load_workbook(named).sheetnames == SHEETS_ZH
    assert not list(named.parent.glob(".*partial"))


def test_export_problems_are_one_line(warehouse, tmp_path, capsys):
    assert export(capsys, "--warehouse", warehouse, "--month", "2023-12", "--out", tmp_path) == (
        2, "", "kpi export: no published values for 2023-12; published months: 2024-02 … 2024-03\n",
    )  # fmt: skip
    assert export(capsys, "--warehouse", warehouse, "--month", "2024-13", "--out", tmp_path) == (
        2, "", "kpi export: month must be YYYY-MM, got '2024-13'\n",
    )  # fmt: skip
    missing = tmp_path / "none.duckdb"
    assert export(capsys, "--warehouse", missing) == (
        2, "", f"kpi export: warehouse {missing} does not exist yet: run `kpi run` first\n",
    )  # fmt: skip
    for out in (tmp_path / "x.csv", tmp_path / "x.xlsx"):
        assert export(capsys, "--warehouse", warehouse, "--format", "csv", "--out", out) == (
            2, "", f"kpi export: --out {out}: CSV export writes one file per mart; give a folder\n",
        )  # fmt: skip
    not_marts = tmp_path / "other.duckdb"
    duckdb.connect(str(not_marts)).close()
    code, _, err = export(capsys, "--warehouse", not_marts, "--out", tmp_path)
    assert code == 1 and err.startswith(f"kpi export: warehouse {not_marts} cannot be read as published marts (")
    assert len(err.splitlines()) == 1
    assert not list(tmp_path.glob("*.xlsx"))


# --- kpi show -------------------------------------------------------------------------------------


def test_show_prints_names_without_control_characters(warehouse):
    report = month_report(warehouse)
    assert "== 2024-03 ==" in report
    assert "\x1b" not in report and "\t" not in report
    assert "[2J[31m李四[0m" in report  # the ANSI name, made harmless
    assert HYPERLINK in report  # a terminal runs no formulas: the name as it came
    assert " 二组" in report
