"""BI tools read the published marts through SQLAlchemy and duckdb-engine the way Superset does when a database and
a dataset are added: the schemas and tables listed, every mart's columns reflected, keys and indexes asked for (none,
but no error), a table autoloaded, then queries."""

from __future__ import annotations

import warnings
from datetime import date
from pathlib import Path

import duckdb
import pytest
import sqlalchemy

from dagster_kpi.paths import WarehousePaths
from dagster_kpi.publish import publish_marts

MARTS = {
    "kpi_values": """period_grain VARCHAR, period_start DATE, level VARCHAR, entity_id VARCHAR, kpi_code VARCHAR,
                     numerator DOUBLE, denominator DOUBLE, value DOUBLE""",
    "kpi_catalog": "kpi_code VARCHAR, name_zh VARCHAR, name_en VARCHAR, unit VARCHAR",
    "scorecards": """period_grain VARCHAR, period_start DATE, level VARCHAR, entity_id VARCHAR, entity_name VARCHAR,
                     total_score DOUBLE, grade VARCHAR, rank INTEGER, award_amount DECIMAL(12, 2), at_risk BOOLEAN""",
}
COLUMNS = {
    "kpi_values": ["period_grain", "period_start", "level", "entity_id", "kpi_code", "numerator", "denominator", "value"],
    "kpi_catalog": ["kpi_code", "name_zh", "name_en", "unit"],
    "scorecards": ["period_grain", "period_start", "level", "entity_id", "entity_name", "total_score", "grade", "rank",
                   "award_amount", "at_risk"],
}  # fmt: skip
ROWS = {
    "kpi_values": [
        ("month", date(2026, 10, 1), "center", "center", "answer_rate", 90.0, 100.0, 0.9),
        ("month", date(2026, 11, 1), "center", "center", "answer_rate", 45.0, 50.0, 0.9),
        ("month", date(2026, 11, 1), "team", "热线一组", "answer_rate", 3.0, 4.0, 0.75),
    ],
    "kpi_catalog": [("answer_rate", "接通率", "Answer rate", "ratio")],
    "scorecards": [("month", date(2026, 11, 1), "agent", "A001", "张三", 91.5, "A", 1, 300, False)],
}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse published by `publish_marts`, as `kpi run` publishes it."""
    paths = WarehousePaths(tmp_path_factory.mktemp("bi") / "warehouse.duckdb")
    paths.ensure()
    with duckdb.connect(str(paths.work_db)) as con:
        con.execute("CREATE SCHEMA marts")
        for table, columns in MARTS.items():
            con.execute(f"CREATE TABLE marts.{table} ({columns})")
            con.executemany(f"INSERT INTO marts.{table} VALUES ({', '.join('?' * len(ROWS[table][0]))})", ROWS[table])
    publish_marts(paths, sorted(MARTS))
    return paths.warehouse


@pytest.fixture
def engine(warehouse: Path):
    # The README's recipe: an absolute path (four slashes) and a read-only connection.
    engine = sqlalchemy.create_engine(f"duckdb:///{warehouse}", connect_args={"read_only": True})
    yield engine
    engine.dispose()


def test_superset_adding_the_warehouse_and_its_datasets(engine, warehouse):
    inspector = sqlalchemy.inspect(engine)
    assert f"{warehouse.stem}.marts" in inspector.get_schema_names()
    assert inspector.get_table_names(schema="marts") == ["kpi_catalog", "kpi_values", "scorecards"]
    assert inspector.get_view_names(schema="marts") == []
    for table in MARTS:
        columns = inspector.get_columns(table, schema="marts")
        assert [c["name"] for c in columns] == COLUMNS[table]
        assert inspector.get_pk_constraint(table, schema="marts")["constrained_columns"] == []
        assert inspector.get_foreign_keys(table, schema="marts") == []
        assert inspector.get_unique_constraints(table, schema="marts") == []
        assert inspector.get_check_constraints(table, schema="marts") == []
        assert inspector.get_table_comment(table, schema="marts") == {"text": None}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # duckdb-engine warns that it reflects no indexes
            assert inspector.get_indexes(table, schema="marts") == []
    types = {c["name"]: c["type"] for c in inspector.get_columns("scorecards", schema="marts")}
    assert isinstance(types["period_start"], sqlalchemy.Date) and isinstance(types["at_risk"], sqlalchemy.Boolean)
    assert isinstance(types["total_score"], sqlalchemy.Float) and isinstance(types["award_amount"], sqlalchemy.Numeric)
    assert types["award_amount"].precision == 12 and types["award_amount"].scale == 2
    assert isinstance(types["entity_name"], sqlalchemy.String) and isinstance(types["rank"], sqlalchemy.Integer)


def test_a_dataset_is_autoloaded_and_queried(engine):
    values = sqlalchemy.Table("kpi_values", sqlalchemy.MetaData(), schema="marts", autoload_with=engine)
    assert list(values.c.keys())[:3] == ["period_grain", "period_start", "level"]
    query = (
        sqlalchemy.select(values.c.period_start, values.c.entity_id, values.c.value)
        .where(values.c.kpi_code == "answer_rate", values.c.period_start == date(2026, 11, 1))
        .order_by(values.c.entity_id)
    )
    with engine.connect() as con:
        assert con.execute(query).all() == [(date(2026, 11, 1), "center", 0.9), (date(2026, 11, 1), "热线一组", 0.75)]
        # Superset's own SQL: a chart's aggregate, grouped by month.
        rows = con.execute(sqlalchemy.text(
            "SELECT date_trunc('month', period_start) AS month, sum(numerator) / sum(denominator) AS rate "
            "FROM marts.kpi_values WHERE level = 'center' GROUP BY 1 ORDER BY 1")).all()  # fmt: skip
    assert [(month.isoformat()[:7], rate) for month, rate in rows] == [("2026-10", 0.9), ("2026-11", 0.9)]


def test_a_read_only_engine_cannot_write(engine):
    with engine.connect() as con, pytest.raises(sqlalchemy.exc.DBAPIError, match="read-only"):
        con.execute(sqlalchemy.text("DELETE FROM marts.kpi_values"))
