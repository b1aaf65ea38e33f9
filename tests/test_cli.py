from dagster_kpi.cli import quality_summary


def test_quality_summary_lists_each_source_with_its_quarantine_reasons():
    summary = quality_summary(
        {
            "calls": {
                "rows_read": 1693,
                "rows_loaded": 1609,
                "rows_quarantined": 84,
                "quarantined_by_reason": {"unparsable_int": 4, "below_min": 80},
            },
            "agents": {"rows_read": 8, "rows_loaded": 8, "rows_quarantined": 0, "quarantined_by_reason": {}},
        }
    )
    assert summary.splitlines() == [
        "source                          read      loaded quarantined  reasons",
        "calls                          1,693       1,609          84  below_min 80, unparsable_int 4",
        "agents                             8           8           0",
    ]
