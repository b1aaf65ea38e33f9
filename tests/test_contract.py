from pathlib import Path

import pytest
import yaml

from dagster_kpi.contract import (
    DUCKDB_TYPES,
    AgentAttribution,
    EventMonths,
    EventTime,
    RowRule,
    contract_text,
    load_contract,
    parse_contract,
)

SHARED_SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec" / "source_extracts.yml"
SPEC_COLUMN_KEYS = ("type", "nullable", "values", "value_aliases", "aliases", "min", "max", "pii")
SPEC_SOURCE_KEYS = ("description", "key", "required", "notes")


@pytest.mark.skipif(not SHARED_SPEC.exists(), reason="the shared spec folder is not beside this checkout")
def test_packaged_contract_carries_the_shared_spec_unchanged():
    """Every source, column and column key of the spec, in the spec's order; the package may add keys."""
    spec = yaml.safe_load(SHARED_SPEC.read_text(encoding="utf-8"))["sources"]
    mine = yaml.safe_load(contract_text())["sources"]
    assert list(mine) == list(spec)
    for name, source in spec.items():
        assert {k: source.get(k) for k in SPEC_SOURCE_KEYS} == {k: mine[name].get(k) for k in SPEC_SOURCE_KEYS}, name
        assert list(mine[name]["columns"]) == list(source["columns"]), name
        for column, spec_column in source["columns"].items():
            for key in SPEC_COLUMN_KEYS:
                assert mine[name]["columns"][column].get(key) == spec_column.get(key), (name, column, key)


def test_contract_lists_eighteen_sources_with_their_keys():
    sources = load_contract()
    assert list(sources) == [
        "calls", "tickets", "complaints", "callbacks", "surveys", "customers",
        "agents", "qa_reviews", "exams", "collaboration_surveys", "report_issues", "plans",
        "attendance", "shift_swaps", "ratings", "violations", "fee_collection", "facility_checks",
    ]  # fmt: skip
    assert sources["attendance"].key == ("agent_id", "work_date")
    assert sources["fee_collection"].key == ("period_month", "building", "agent_id")
    assert sources["exams"].key == ("exam_id", "agent_id")
    assert sources["plans"].key == ("period_month", "plan_code")
    assert sources["agents"].required and not sources["calls"].required


def test_columns_carry_aliases_values_and_bounds():
    calls = load_contract()["calls"]
    outcome = calls.column("outcome")
    assert outcome.values == ("answered", "abandoned", "blocked")
    assert outcome.value_aliases["呼损"] == "blocked"
    assert outcome.header_names == ("outcome", "呼叫结果", "结果")
    assert calls.column("talk_seconds").min == 0
    assert calls.column("caller_number").pii
    assert calls.column("offered_at").duckdb_type == "TIMESTAMP"
    assert not calls.column("call_id").nullable
    assert load_contract()["surveys"].column("csat_score").max == 5


def test_the_contract_holds_every_per_source_rule():
    sources = load_contract()
    assert sources["calls"].event_time == EventTime("offered_at", 48.0)
    assert sources["plans"].event_time == EventTime("period_month", 45 * 24.0)
    assert sources["agents"].event_time is None and sources["customers"].event_time is None
    assert sources["tickets"].event_months == EventMonths(("created_at", "resolved_at"), "not is_cancelled")
    assert sources["calls"].row_rules[0] == RowRule("answered_before_offered", "answered_at", "answered_at < offered_at")
    assert [r.reason for r in sources["fee_collection"].row_rules] == ["paid_above_due"]
    assert [r.reason for r in sources["facility_checks"].row_rules] == ["intact_above_checked"]
    assert sources["calls"].column("is_valid").default is True
    assert sources["calls"].column("transferred").default is False
    assert sources["attendance"].column("late_minutes").default == 0
    assert sources["calls"].column("queue").default is None
    assert sources["calls"].agent_attribution == AgentAttribution("offered_at", "outcome = 'answered' and is_valid")
    assert sources["complaints"].agent_attribution == AgentAttribution("received_at")
    assert sources["agents"].agent_attribution is None and sources["shift_swaps"].agent_attribution is None
    # A violation with only a team reaches that team, not the centre only.
    assert sources["violations"].agent_attribution == AgentAttribution("occurred_at", "team is null")
    assert sources["attendance"].event_months == EventMonths(("work_date",), None, 0)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("    event_time: {column: nowhere, freshness_hours: 1}\n", "source x: no column 'nowhere'"),
        ("    event_time: {column: a, freshness_hours: 1}\n", "source x: event_time column a is not a time"),
        ("    row_rules: [{reason: r, column: b, when: a > b}]\n", "source x: no column 'b'"),
        ("    agent_attribution: {month: a}\n", "source x: no column 'agent_id'"),
    ],
)
def test_rules_must_name_columns_of_the_source(extra, message):
    text = "sources:\n  x:\n    key: [a]\n" + extra + "    columns:\n      a: {type: string}\n"
    with pytest.raises(ValueError, match=message):
        parse_contract(text)


def test_unknown_type_is_rejected():
    text = "sources:\n  x:\n    key: [a]\n    columns:\n      a: {type: uuid}\n"
    with pytest.raises(ValueError, match="unknown type 'uuid'"):
        parse_contract(text)
    assert set(DUCKDB_TYPES) == {"string", "int", "float", "bool", "timestamp", "date", "month"}


def test_a_snapshot_source_names_its_table_of_every_snapshot():
    agents = load_contract()["agents"]
    assert agents.snapshots and agents.snapshots_table == "agents_snapshots"
    assert not load_contract()["customers"].snapshots
    text = "sources:\n  x:\n    key: [a]\n    snapshots: true\n    columns:\n      a: {type: string}\n"
    with pytest.raises(ValueError, match="its snapshots table x_snapshots is the name of a source"):
        parse_contract(text + "  x_snapshots:\n    key: [a]\n    columns:\n      a: {type: string}\n")
