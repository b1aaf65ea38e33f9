"""Monthly refreshes: late data in old months, refreshed month by month, ends exactly where a full rebuild does."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dagster_kpi import changes
from tests.dbt_fixture import load_raw
from tests.test_dbt_assessment_kpis import FIXTURE as ASSESSMENT_FIXTURE
from tests.test_dbt_catalog_kpis import FIXTURE as CATALOG_FIXTURE
from tests.test_dbt_project import run_dbt

VARS = "short_abandon_seconds: 10"
MARTS = ("kpi_values", "kpi_scores", "scorecards", "deductions", "pay_sheet")

# The catalogue fixture's records, with departments on its roster (a1, a2 in D1; a3, a4, a5 in D2), and the
# assessment fixture's attendance, swaps, callbacks, violations and property-desk records (its agents not on this
# roster count at centre level only, a violation's own team excepted).
DEPARTMENTS = {"a1": "D1", "a2": "D1", "a3": "D2", "a4": "D2", "a5": "D2"}
FIXTURE = {
    **CATALOG_FIXTURE,
    "agents": [{**agent, "department": DEPARTMENTS[agent["agent_id"]]} for agent in CATALOG_FIXTURE["agents"]],
    **{source: ASSESSMENT_FIXTURE[source] for source in
       ("attendance", "shift_swaps", "callbacks", "violations", "fee_collection", "facility_checks")},
}  # fmt: skip

# A re-extract changes January and February: a January ticket moves to February, February's
# surveys all score 1, and February's complaints become responsible major ones; a January
# violation moves to February, February's attendance becomes absence and a February
# collection row is corrected.
LATE_DATA = [
    "update raw.tickets set created_at = created_at + interval 1 month "
    "where ticket_id = (select min(ticket_id) from raw.tickets where created_at < '2024-02-01')",
    "update raw.surveys set csat_score = 1 where responded_at >= '2024-02-01' and responded_at < '2024-03-01'",
    "update raw.complaints set severity = 'major', is_responsible = true "
    "where received_at >= '2024-02-01' and received_at < '2024-03-01'",
    "update raw.violations set occurred_at = occurred_at + interval 1 month where violation_id = 'V01'",
    "update raw.attendance set status = 'absent' where work_date >= '2024-02-01' and work_date < '2024-03-01'",
    "update raw.fee_collection set households_paid = 1 where period_month = '2024-02-01'",
]


def build(db: Path, tmp: Path, refresh: str | None = None) -> None:
    window = f", refresh_months: ['{refresh}']" if refresh else ""
    # Models and seeds only: the data tests and unit tests have modules of their own.
    run_dbt(["build", "--exclude", "resource_type:test", "resource_type:unit_test", "--vars", "{" + VARS + window + "}"], db, tmp)


def marts(db: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {t: con.execute(f"select * from marts.{t} order by all").fetchall() for t in MARTS}


def add_late_data(con: duckdb.DuckDBPyConnection) -> None:
    for statement in LATE_DATA:
        con.execute(statement)


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, list[tuple]]]:
    tmp = tmp_path_factory.mktemp("dbt_incremental")
    before, after, refreshed = tmp / "before.duckdb", tmp / "after.duckdb", tmp / "refreshed.duckdb"
    load_raw(before, FIXTURE)
    build(before, tmp)
    load_raw(after, FIXTURE, then=add_late_data)
    build(after, tmp)
    # The late data lands in a warehouse built before it, then months are refreshed one at a time.
    shutil.copy(before, refreshed)
    with duckdb.connect(str(refreshed)) as con:
        add_late_data(con)
    together = tmp / "together.duckdb"
    shutil.copy(refreshed, together)
    build(refreshed, tmp, refresh="2024-02-01")
    only_february = marts(refreshed)
    build(refreshed, tmp, refresh="2024-01-01")
    # Told through the work database as a run tells it (not a var): February, then both months in one build.
    with duckdb.connect(str(together)) as con:
        changes.set_window(con, [date(2024, 2, 1)])
    build(together, tmp)
    february_by_table = marts(together)
    with duckdb.connect(str(together)) as con:
        changes.set_window(con, [date(2024, 2, 1), date(2024, 1, 1)])
    build(together, tmp)
    return {"before": marts(before), "after": marts(after), "february": only_february, "both": marts(refreshed),
            "february_by_table": february_by_table, "together": marts(together)}  # fmt: skip


def test_the_late_data_changes_the_marts(builds):
    assert builds["before"]["kpi_values"] != builds["after"]["kpi_values"]
    assert builds["before"]["deductions"] != builds["after"]["deductions"]

    def values(rows: list[tuple], kpi: str, level: str) -> dict[tuple, float]:
        return {(r[0], str(r[1]), r[3]): r[7] for r in rows if r[4] == kpi and r[2] == level}

    # The new KPIs and the department level see the late data too, and a refresh gets them right.
    for kpi, level in (("deduction_points", "center"), ("attendance_rate", "center"), ("fee_collection_rate", "center"),
                       ("absent_days", "center"), ("csat_score", "department")):  # fmt: skip
        before, after = (values(builds[k]["kpi_values"], kpi, level) for k in ("before", "after"))
        assert before != after, kpi
        assert values(builds["both"]["kpi_values"], kpi, level) == after, kpi


def test_refreshing_every_changed_month_equals_a_full_rebuild(builds):
    for table in MARTS:
        assert builds["both"][table] == builds["after"][table], table
        assert builds["together"][table] == builds["after"][table], table
        assert builds["february_by_table"][table] == builds["february"][table], table


def test_a_refresh_recomputes_only_its_month_quarter_and_year(builds):
    def csat_center(rows: list[tuple]) -> dict[tuple, float]:
        return {(r[0], str(r[1])): r[7] for r in rows if r[4] == "csat_score" and r[2] == "center"}

    february, after, before = (csat_center(builds[k]["kpi_values"]) for k in ("february", "after", "before"))
    # February, Q1 and 2024 were recomputed with the late surveys; March and April were not touched.
    for period in (("month", "2024-02-01"), ("quarter", "2024-01-01"), ("year", "2024-01-01")):
        assert february[period] == after[period] != before[period]
    for period in (("month", "2024-03-01"), ("month", "2024-04-01")):
        assert february[period] == before[period]
    # The ticket that moved out of January is still counted there until January is refreshed.
    assert builds["february"]["kpi_values"] != builds["after"]["kpi_values"]


def test_key_tests_on_large_staging_views_read_the_refreshed_months_only(tmp_path):
    """`refreshed_months(<column>)` in a test's where config: a refresh tests the rows of its months; a full build,
    every row."""
    from tests.dbt_fixture import create_raw_tables, insert_rows

    db = tmp_path / "work.duckdb"
    call = {"direction": "inbound", "queue": "Q1", "outcome": "answered", "talk_seconds": 60}
    with duckdb.connect(str(db)) as con:
        create_raw_tables(con)
        insert_rows(con, "calls", [{**call, "call_id": "C1", "offered_at": "2024-01-05 09:00:00"},
                                   {**call, "call_id": "C1", "offered_at": "2024-01-06 09:00:00"},
                                   {**call, "call_id": "C2", "offered_at": "2024-02-05 09:00:00"}])  # fmt: skip
    build_calls = ["build", "--select", "stg_calls", "--exclude", "resource_type:unit_test", "test_type:singular"]
    run_dbt([*build_calls, "--vars", "{refresh_months: ['2024-02-01']}"], db, tmp_path)  # January not read
    with pytest.raises(AssertionError, match="unique_stg_calls_call_id"):
        run_dbt([*build_calls, "--vars", "{refresh_months: ['2024-01-01']}"], db, tmp_path)
    with pytest.raises(AssertionError, match="unique_stg_calls_call_id"):
        run_dbt(build_calls, db, tmp_path)  # a full build reads every month
