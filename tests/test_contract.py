from pathlib import Path

import pytest

from dagster_kpi.contract import DUCKDB_TYPES, contract_text, load_contract, parse_contract

SHARED_SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec" / "source_extracts.yml"


@pytest.mark.skipif(not SHARED_SPEC.exists(), reason="the shared spec folder is not beside this checkout")
def test_packaged_contract_is_the_shared_spec():
    assert contract_text() == SHARED_SPEC.read_text(encoding="utf-8")


def test_contract_lists_twelve_sources_with_their_keys():
    sources = load_contract()
    assert list(sources) == [
        "calls",
        "tickets",
        "complaints",
        "callbacks",
        "surveys",
        "customers",
        "agents",
        "qa_reviews",
        "exams",
        "collaboration_surveys",
        "report_issues",
        "plans",
    ]
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


def test_unknown_type_is_rejected():
    text = "sources:\n  x:\n    key: [a]\n    columns:\n      a: {type: uuid}\n"
    with pytest.raises(ValueError, match="unknown type 'uuid'"):
        parse_contract(text)
    assert set(DUCKDB_TYPES) == {"string", "int", "float", "bool", "timestamp", "date", "month"}
