"""The published marts' structure: enforced contracts, and their dbt tests run on hand-made rows.

Structure (not NULL, accepted values, unique keys, relationships to the catalogue and the roster) is
checked by the dbt tests of models/marts/_marts.yml; rules on the published values by the Great
Expectations suites (tests/test_validation.py, tests/test_validation_scores.py). Each dbt test of a
mart is compiled as the project defines it and run on hand-made marts: consistent marts pass, and each
broken row is returned by the test of its rule.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any

import duckdb
import pytest

from tests.test_dbt_project import run_dbt

# The published columns and their types (the marts' contract), in order.
PUBLISHED_COLUMNS: dict[str, dict[str, str]] = {
    "kpi_values": {
        "period_grain": "varchar",
        "period_start": "date",
        "level": "varchar",
        "entity_id": "varchar",
        "kpi_code": "varchar",
        "numerator": "double",
        "denominator": "double",
        "value": "double",
    },
    "kpi_catalog": {
        "kpi_code": "varchar",
        "name_zh": "varchar",
        "name_en": "varchar",
        "unit": "varchar",
        "direction": "varchar",
        "levels": "varchar",
        "value_min": "double",
        "value_max": "double",
        "definition": "varchar",
        "source_tables": "varchar",
    },
    "kpi_scores": {
        "period_start": "date",
        "level": "varchar",
        "entity_id": "varchar",
        "rule_set": "varchar",
        "kpi_code": "varchar",
        "value": "double",
        "weight": "double",
        "points": "double",
        "rule_type": "varchar",
        "target": "double",
        "component": "varchar",
    },
    "scorecards": {
        "period_start": "date",
        "level": "varchar",
        "entity_id": "varchar",
        "entity_name": "varchar",
        "rule_set": "varchar",
        "total_score": "double",
        "scored_weight": "double",
        "grade": "varchar",
        "rank": "integer",
        "ranked_entities": "integer",
        "pay_ratio": "double",
        "award_amount": "double",
        "improvement_plan_required": "boolean",
        "at_risk": "boolean",
        "assessed": "boolean",
        "not_assessed_reason": "varchar",
        "base_score": "double",
        "adjustment_points": "double",
        "period_grain": "varchar",
        "excellent": "boolean",
    },
    "pay_sheet": {
        "period_start": "date",
        "agent_id": "varchar",
        "agent_name": "varchar",
        "team": "varchar",
        "department": "varchar",
        "role": "varchar",
        "level": "varchar",
        "assessed": "boolean",
        "total_score": "double",
        "grade": "varchar",
        "pay_ratio": "double",
        "effective_pay_ratio": "double",
        "pay_base": "double",
        "proration": "double",
        "performance_pay": "double",
        "award_amount": "double",
        "fine_amount": "double",
        "net_amount": "double",
    },
    "deductions": {
        "violation_id": "varchar",
        "occurred_at": "timestamp",
        "period_start": "date",
        "level_reached": "varchar",
        "agent_id": "varchar",
        "team": "varchar",
        "department": "varchar",
        "category": "varchar",
        "inspector_level": "varchar",
        "points": "double",
        "fine_amount": "double",
    },
    "rating_summary": {
        "period_start": "date",
        "agent_id": "varchar",
        "self_score": "double",
        "peer_score": "double",
        "supervisor_score": "double",
        "manager_score": "double",
        "combined_score": "double",
        "rater_count": "integer",
    },
    "call_intervals": {
        "interval_start": "timestamp",
        "queue": "varchar",
        "offered": "integer",
        "answered": "integer",
        "abandoned": "integer",
        "short_abandoned": "integer",
        "blocked": "integer",
        "answered_in_sl": "integer",
        "service_level": "double",
        "asa_seconds": "double",
        "aht_seconds": "double",
        "erlang_agents": "integer",
        "required_agents": "integer",
    },
    "sla_events": {
        "source": "varchar",
        "record_id": "varchar",
        "priority": "varchar",
        "metric": "varchar",
        "started_at": "timestamp",
        "target_at": "timestamp",
        "achieved_at": "timestamp",
        "elapsed_minutes": "double",
        "target_minutes": "integer",
        "clock": "varchar",
        "status": "varchar",
        "agent_id": "varchar",
        "team": "varchar",
        "department": "varchar",
        "period_start": "date",
    },
    "ticket_backlog": {
        "day": "date",
        "category": "varchar",
        "open_tickets": "integer",
        "past_target_tickets": "integer",
    },
}
MARTS = tuple(PUBLISHED_COLUMNS)

JAN, FEB = date(2024, 1, 1), date(2024, 2, 1)
ROSTER = ["a1", "a2", "a3"]
CATALOG = [
    ("answer_rate", "受话业务接通率", "Answer rate", "ratio", "up", "center", 0.0, 1.0, "Answered / offered.", "calls"),
    ("call_volume", "呼叫数", "Call volume", "count", "none", "center", 0.0, None, "Calls offered.", "calls"),
    ("csat_score", "满意度得分", "CSAT score", "score", "up", "center|team|agent", 0.0, 100.0, "Mean CSAT.", "surveys"),
    ("fcr_rate", "一次解决率", "FCR rate", "ratio", "up", "center|team|agent", 0.0, 1.0, "Resolved at once.", "tickets"),
]
KPI_VALUES = [
    ("month", JAN, "center", "center", "answer_rate", 9.0, 10.0, 0.9),
    ("quarter", JAN, "center", "center", "answer_rate", 27.0, 30.0, 0.9),
    ("month", JAN, "center", "center", "call_volume", None, None, 120.0),
    ("month", JAN, "team", "T1", "csat_score", 170.0, 2.0, 85.0),
    ("month", JAN, "agent", "a1", "csat_score", 85.0, 1.0, 85.0),
    ("year", JAN, "agent", "a2", "fcr_rate", 0.0, 0.0, None),
    ("month", FEB, "agent", "a1", "fcr_rate", 3.0, 4.0, 0.75),
]
KPI_SCORES = [
    (JAN, "agent", "a1", "frontline", "csat_score", 85.0, 20.0, 16.0, "tiered", 90.0, "item"),
    (JAN, "agent", "a1", "frontline", "fcr_rate", None, 15.0, None, "tiered", 0.85, "item"),
    (JAN, "agent", "a1", "frontline", "call_volume", 2.0, None, -4.0, "deduct", None, "adjustment"),
    (JAN, "team", "T1", "frontline", "csat_score", 85.0, 20.0, 16.0, "tiered", 90.0, "item"),
    (JAN, "center", "center", "center", "answer_rate", 0.88, 15.0, 13.0, "deduct_per_unit", 0.9, "item"),
    (FEB, "center", "center", "center", "answer_rate", 0.5, 15.0, 0.0, "deduct_per_unit", 0.9, "item"),
]
SCORED = [
    (JAN, "agent", "a1", "Ann", "frontline", 96.0, 45.0, "A", 1, 2, 0.95, 0.0, False, False),
    (JAN, "agent", "a2", "Bo", "frontline", 90.0, 45.0, "B", 2, 2, 0.9, 0.0, False, False),
    (JAN, "agent", "a3", "Cy", "frontline", None, None, None, None, 2, None, 0.0, False, False),
    (JAN, "center", "center", "客服中心", "center", 55.0, 100.0, "D", 1, 1, 0.7, 0.0, False, False),
    (date(2024, 3, 1), "center", "center", "客服中心", "center", 58.0, 100.0, "D", 1, 1, 0.7, 500.0, False, True),
]
ASSESSMENT = [  # assessed, not_assessed_reason, base_score, adjustment_points
    (True, None, 100.0, -4.0),
    (True, None, 90.0, 0.0),
    (False, "probation", None, None),
    (True, None, 55.0, 0.0),
    (True, None, 58.0, 0.0),
]
SCORECARDS = [scored + assessment + ("month", False) for scored, assessment in zip(SCORED, ASSESSMENT, strict=True)] + [
    # Q1 starts on January's first day: another period, the same key otherwise.
    (JAN, "agent", "a1", "Ann", "frontline", 93.0, None, "A", 1, 2, None, 0.0, False, False, True, None, None, None,
     "quarter", False),
    (JAN, "agent", "a3", "Cy", "frontline", None, None, None, None, 2, None, 0.0, False, False, False,
     "no_assessed_month", None, None, "year", False),
]  # fmt: skip
PAY_SHEET = [
    (JAN, "a1", "Ann", "T1", "D1", "agent", "junior", True, 96.0, "A", 0.95, 0.95, 300.0, 1.0, 285.0, 0.0, 10.0, 275.0),
    (JAN, "a2", "Bo", "T1", None, "team_lead", None, True, 60.0, "D", 0.7, 0.7, 500.0, 1.0, 350.0, 0.0, 0.0, 350.0),
    (JAN, "a3", "Cy", "T1", None, "agent", None, False, None, None, None, 0.0, 300.0, 0.5, 0.0, 0.0, 0.0, 0.0),
]
DEDUCTIONS = [
    ("V1", datetime(2024, 1, 5, 9), JAN, "agent", "a1", "T1", "D1", "appearance", "center", 1.0, 10.0),
    ("V2", datetime(2024, 1, 9, 9), JAN, "team", None, "P1", None, "building", None, 3.0, 30.0),
    ("V3", datetime(2024, 2, 1, 9), FEB, "center", "x9", None, None, "other", "hq", 1.0, 0.0),
]
VIOLATION_CATEGORIES = ["appearance", "discipline", "attitude", "facility", "building", "service", "other"]
RATING_SUMMARY = [
    (JAN, "a1", 90.0, None, 85.0, 70.0, 80.5, 3),
    (JAN, "x9", None, None, 88.0, None, 88.0, 1),  # rated, not on the roster: kept
    (FEB, "a1", 60.0, 75.0, None, None, None, 2),
]
CALL_INTERVALS = [
    (datetime(2024, 1, 5, 9), "sales", 7, 2, 4, 1, 0, 1, 0.5, 25.5, 300.0, 3, 5),
    (datetime(2024, 1, 5, 9, 30), "sales", 1, 1, 0, 0, 0, 1, 1.0, 10.0, 15.0, 1, 2),
    (datetime(2024, 1, 5, 9, 30), "未分组", 1, 0, 0, 0, 1, 0, None, None, None, None, None),  # blocked only
]
SLA_EVENTS = [
    ("tickets", "T1", "normal", "first_response", datetime(2024, 1, 5, 9), datetime(2024, 1, 6, 9),
     datetime(2024, 1, 5, 10), 60.0, 1440, "calendar", "achieved", "a1", "T1", "D1", JAN),
    ("tickets", "T1", "normal", "resolution", datetime(2024, 1, 5, 9), datetime(2024, 1, 12, 9), None, None, 10080,
     "calendar", "breached", "a1", "T1", "D1", JAN),
    ("complaints", "T1", "urgent", "resolution", datetime(2024, 1, 31, 9), datetime(2024, 2, 1, 9), None, None, 1440,
     "calendar", "open", "x9", None, None, FEB),
]  # fmt: skip
TICKET_BACKLOG = [(JAN, "inquiry", 2, 1), (JAN, "fault", 0, 0), (FEB, "inquiry", 0, 0)]
ROWS = {
    "call_intervals": CALL_INTERVALS,
    "kpi_values": KPI_VALUES,
    "kpi_catalog": CATALOG,
    "kpi_scores": KPI_SCORES,
    "scorecards": SCORECARDS,
    "deductions": DEDUCTIONS,
    "rating_summary": RATING_SUMMARY,
    "pay_sheet": PAY_SHEET,
    "sla_events": SLA_EVENTS,
    "ticket_backlog": TICKET_BACKLOG,
}


def _models(manifest: dict) -> dict[str, dict]:
    return {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model"}


def _label(node: dict) -> str:
    """`<mart>.<test>(<column, columns or expression>)`, e.g. `kpi_values.not_null(entity_id)`."""
    kwargs = node["test_metadata"]["kwargs"]
    target = kwargs.get("column_name") or ", ".join(kwargs.get("columns", [])) or kwargs.get("expression", "")
    return f"{node['attached_node'].split('.')[-1]}.{node['test_metadata']['name']}({target})"


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The project with the marts and their data tests compiled."""
    tmp = tmp_path_factory.mktemp("dbt_marts")
    run_dbt(["compile", "--select", *MARTS, "--exclude", "resource_type:unit_test"], tmp / "work.duckdb", tmp)
    return json.loads((tmp / "target" / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def mart_tests(manifest: dict) -> dict[str, str]:
    """Every data test of a published mart: label -> compiled SQL (it returns the offending rows)."""
    marts = {_models(manifest)[m]["unique_id"] for m in MARTS}
    nodes = [n for n in manifest["nodes"].values() if n["resource_type"] == "test" and n.get("attached_node") in marts]
    tests = {_label(n): n["compiled_code"] for n in nodes}
    assert len(tests) == len(nodes)
    return tests


def test_published_marts_have_enforced_contracts(manifest: dict) -> None:
    models = _models(manifest)
    for mart, columns in PUBLISHED_COLUMNS.items():
        node = models[mart]
        assert node["config"]["contract"]["enforced"] is True, mart
        # Text is declared `string` (DuckDB reads it as varchar; Spark 4 refuses a varchar without a length).
        declared = [(name, c["data_type"]) for name, c in node["columns"].items()]
        assert declared == [(name, "string" if kind == "varchar" else kind) for name, kind in columns.items()], mart


def failures(manifest: dict, mart_tests: dict[str, str], rows: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """Run every mart test on marts holding `rows` (and a roster); the tests that return rows, with the rows."""
    database = _models(manifest)["kpi_values"]["database"]
    with duckdb.connect() as con:
        con.execute(f"attach ':memory:' as \"{database}\"")
        con.execute(f'use "{database}"')
        con.execute("create schema marts")
        con.execute("create schema intermediate")
        con.execute("create table intermediate.int_agents (agent_id varchar)")
        con.executemany("insert into intermediate.int_agents values (?)", [(a,) for a in ROSTER])
        con.execute("create schema seeds")
        con.execute("create table seeds.violation_categories (category varchar)")
        con.executemany("insert into seeds.violation_categories values (?)", [(c,) for c in VIOLATION_CATEGORIES])
        for mart, columns in PUBLISHED_COLUMNS.items():
            con.execute(f"create table marts.{mart} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
            con.executemany(f"insert into marts.{mart} values ({', '.join('?' * len(columns))})", rows[mart])
        found = {label: con.execute(sql).fetchall() for label, sql in mart_tests.items()}
    return {label: returned for label, returned in found.items() if returned}


def test_consistent_marts_pass_every_test(manifest: dict, mart_tests: dict[str, str]) -> None:
    assert failures(manifest, mart_tests, ROWS) == {}
    # Every structural rule of the marts is among them.
    assert {
        "kpi_values.not_null(entity_id)",
        "kpi_values.accepted_values(period_grain)",
        "kpi_values.unique_combination(period_grain, period_start, level, entity_id, kpi_code)",
        "kpi_values.relationships(kpi_code)",
        "kpi_scores.unique_combination(period_start, level, entity_id, component, kpi_code)",
        "kpi_scores.relationships(kpi_code)",
        "kpi_scores.accepted_values(component)",
        "scorecards.accepted_values(grade)",
        "scorecards.not_null(at_risk)",
        "scorecards.not_null(assessed)",
        "scorecards.accepted_values(not_assessed_reason)",
        "kpi_catalog.unique(kpi_code)",
        "deductions.unique(violation_id)",
        "deductions.accepted_values(level_reached)",
        "deductions.relationships(category)",
        "rating_summary.unique_combination(period_start, agent_id)",
        "rating_summary.not_null(rater_count)",
        "scorecards.unique_combination(period_grain, period_start, level, entity_id)",
        "scorecards.accepted_values(period_grain)",
        "scorecards.not_null(excellent)",
        "pay_sheet.unique_combination(period_start, agent_id)",
        "pay_sheet.relationships(agent_id)",
        "pay_sheet.not_null(proration)",
        "call_intervals.unique_combination(interval_start, queue)",
        "call_intervals.not_null(queue)",
        "call_intervals.not_null(offered)",
        "sla_events.unique_combination(source, record_id, metric)",
        "sla_events.accepted_values(status)",
        "ticket_backlog.unique_combination(day, category)",
        FLOOR_TEST,
    } <= set(mart_tests)
    assert "effective_pay_ratio >= 0.75" in mart_tests[FLOOR_TEST]


# The floor's test reads the dbt var (compiled: 0.75, the default).
FLOOR_TEST = (
    "pay_sheet.expression_is_true(not assessed or coalesce(role, '') not in ('agent', 'property_agent')"
    " or effective_pay_ratio >= {{ var('frontline_pay_floor', 0.75) }}\n)"
)


def changed(mart: str, row: int | None, changes: dict[str, Any]) -> dict[str, list[tuple]]:
    """ROWS with one row of `mart` changed (columns by name), or with that row appended again when `row` is None."""
    names = list(PUBLISHED_COLUMNS[mart])
    rows = list(ROWS[mart])
    if row is None:
        rows.append(rows[0])
    else:
        rows[row] = tuple(changes.get(name, value) for name, value in zip(names, rows[row], strict=True))
    return {**ROWS, mart: rows}


@pytest.mark.parametrize(
    ("mart", "row", "changes", "expected"),
    [
        (
            "kpi_values",
            None,
            {},
            {
                "kpi_values.unique_combination(period_grain, period_start, level, entity_id, kpi_code)": [
                    ("month", JAN, "center", "center", "answer_rate", 2)
                ]
            },
        ),
        ("kpi_values", 1, {"period_grain": "week"}, {"kpi_values.accepted_values(period_grain)": [("week", 1)]}),
        ("kpi_values", 6, {"level": "region"}, {"kpi_values.accepted_values(level)": [("region", 1)]}),
        ("kpi_values", 6, {"entity_id": None}, {"kpi_values.not_null(entity_id)": [(None,)]}),
        ("kpi_values", 6, {"kpi_code": "avg_hold_seconds"}, {"kpi_values.relationships(kpi_code)": [("avg_hold_seconds",)]}),
        ("kpi_values", 4, {"entity_id": "zz"}, {"kpi_values.relationships(entity_id)": [("zz",)]}),
        (
            "kpi_values",
            0,
            {"denominator": None},
            {"kpi_values.expression_is_true((numerator is null) = (denominator is null))": [KPI_VALUES[0][:6] + (None, 0.9)]},
        ),
        (
            "kpi_scores",
            3,
            {"level": "agent", "entity_id": "a1"},
            {
                "kpi_scores.unique_combination(period_start, level, entity_id, component, kpi_code)": [
                    (JAN, "agent", "a1", "item", "csat_score", 2)
                ]
            },
        ),
        ("kpi_scores", 1, {"kpi_code": "fcr"}, {"kpi_scores.relationships(kpi_code)": [("fcr",)]}),
        ("kpi_scores", 2, {"component": "bonus"}, {"kpi_scores.accepted_values(component)": [("bonus", 1)]}),
        ("kpi_scores", 2, {"rule_type": "fine"}, {"kpi_scores.accepted_values(rule_type)": [("fine", 1)]}),
        ("scorecards", 1, {"grade": "E"}, {"scorecards.accepted_values(grade)": [("E", 1)]}),
        (
            "scorecards",
            2,
            {"entity_id": "a1"},
            {"scorecards.unique_combination(period_grain, period_start, level, entity_id)": [("month", JAN, "agent", "a1", 2)]},
        ),
        ("scorecards", 5, {"period_grain": "week"}, {"scorecards.accepted_values(period_grain)": [("week", 1)]}),
        ("scorecards", 6, {"not_assessed_reason": "absent"}, {}),  # any reason of the list
        ("scorecards", 5, {"excellent": None}, {"scorecards.not_null(excellent)": [(None,)]}),
        ("pay_sheet", 1, {"agent_id": "a1"}, {"pay_sheet.unique_combination(period_start, agent_id)": [(JAN, "a1", 2)]}),
        ("pay_sheet", 1, {"agent_id": "zz"}, {"pay_sheet.relationships(agent_id)": [("zz",)]}),
        ("pay_sheet", 2, {"proration": None}, {"pay_sheet.not_null(proration)": [(None,)]}),
        (
            "pay_sheet",
            0,
            {"effective_pay_ratio": 0.7, "performance_pay": 210.0, "net_amount": 200.0},
            {FLOOR_TEST: [PAY_SHEET[0][:11] + (0.7,) + PAY_SHEET[0][12:14] + (210.0,) + PAY_SHEET[0][15:17] + (200.0,)]},
        ),
        ("pay_sheet", 1, {"effective_pay_ratio": 0.5}, {}),  # a team lead has no floor
        ("pay_sheet", 0, {"grade": "E"}, {"pay_sheet.accepted_values(grade)": [("E", 1)]}),
        ("scorecards", 4, {"at_risk": None}, {"scorecards.not_null(at_risk)": [(None,)]}),
        ("scorecards", 1, {"assessed": None}, {"scorecards.not_null(assessed)": [(None,)]}),
        (
            "scorecards",
            2,
            {"not_assessed_reason": "sick"},
            {"scorecards.accepted_values(not_assessed_reason)": [("sick", 1)]},
        ),
        (
            "scorecards",
            0,
            {"entity_name": "=1+1"},
            {
                "scorecards.no_formula_like_text()": [
                    ("entity_name", "=1+1", 1, "scorecards.entity_name begins like a spreadsheet formula: =1+1 (1 row)")
                ]
            },
        ),
        (
            "kpi_catalog",
            3,
            {"name_en": "\tFCR"},
            {
                "kpi_catalog.no_formula_like_text()": [
                    ("name_en", "\tFCR", 1, "kpi_catalog.name_en begins like a spreadsheet formula: \\tFCR (1 row)")
                ]
            },
        ),
        ("deductions", 1, {"violation_id": "V1"}, {"deductions.unique(violation_id)": [("V1", 2)]}),
        ("deductions", 2, {"level_reached": "department"}, {"deductions.accepted_values(level_reached)": [("department", 1)]}),
        ("deductions", 0, {"category": "dress"}, {"deductions.relationships(category)": [("dress",)]}),
        ("deductions", 1, {"points": None}, {"deductions.not_null(points)": [(None,)]}),
        (
            "rating_summary",
            2,
            {"period_start": JAN},
            {"rating_summary.unique_combination(period_start, agent_id)": [(JAN, "a1", 2)]},
        ),
        ("rating_summary", 1, {"agent_id": None}, {"rating_summary.not_null(agent_id)": [(None,)]}),
        (
            "call_intervals",
            2,
            {"queue": "sales"},
            {"call_intervals.unique_combination(interval_start, queue)": [(datetime(2024, 1, 5, 9, 30), "sales", 2)]},
        ),
        ("call_intervals", 2, {"queue": None}, {"call_intervals.not_null(queue)": [(None,)]}),
    ],
    ids=[
        "duplicate-kpi-value",
        "unknown-grain",
        "unknown-level",
        "null-entity",
        "unknown-kpi",
        "agent-off-the-roster",
        "numerator-without-denominator",
        "duplicate-kpi-score",
        "unknown-scored-kpi",
        "unknown-component",
        "unknown-rule-type",
        "unknown-grade",
        "duplicate-scorecard",
        "unknown-period-grain",
        "period-reason",
        "null-excellent",
        "duplicate-pay-row",
        "pay-for-an-agent-off-the-roster",
        "null-proration",
        "below-the-pay-floor",
        "team-lead-without-floor",
        "unknown-pay-grade",
        "null-flag",
        "null-assessed",
        "unknown-reason",
        "formula-like-name",
        "formula-like-catalogue-text",
        "duplicate-violation",
        "unknown-level-reached",
        "unknown-violation-category",
        "null-points",
        "duplicate-rating-summary",
        "null-rated-agent",
        "duplicate-interval",
        "null-queue",
    ],
)
def test_each_broken_row_fails_the_test_of_its_rule(
    manifest: dict, mart_tests: dict[str, str], mart: str, row: int | None, changes: dict[str, Any], expected: dict
) -> None:
    assert failures(manifest, mart_tests, changed(mart, row, changes)) == expected


def test_formula_like_text_is_looked_for_in_every_text_column_of_every_mart(mart_tests: dict[str, str]) -> None:
    for mart, columns in PUBLISHED_COLUMNS.items():
        sql = mart_tests[f"{mart}.no_formula_like_text()"]
        checked = set(re.findall(r"'(\w+)' as column_name", sql))
        assert checked == {name for name, kind in columns.items() if kind == "varchar"}, mart
