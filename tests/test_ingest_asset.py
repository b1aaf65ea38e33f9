"""The ingest asset: its materialization metadata carries the report, the resource's settings reach the readers."""

from __future__ import annotations

from pathlib import Path

import duckdb
from dagster import materialize

from dagster_kpi.contract import load_contract
from dagster_kpi.defs.ingest import build_ingest_asset
from dagster_kpi.defs.resources import KpiWarehouse
from tests.test_ingest_load import CALL, csv_bytes, put

CALLS = load_contract()["calls"]


def materialized_metadata(tmp_path: Path, **settings: object) -> dict[str, object]:
    warehouse = KpiWarehouse(landing_dir=str(tmp_path / "landing"), warehouse=str(tmp_path / "w.duckdb"), **settings)
    result = materialize([build_ingest_asset(CALLS)], resources={"warehouse": warehouse})
    [event] = result.asset_materializations_for_node(result.all_node_events[0].node_name)
    return {name: value.value for name, value in event.metadata.items()}


def test_the_metadata_names_headers_close_to_a_column_and_absent_optional_columns(tmp_path):
    record = {("是否有效呼叫" if k == "is_valid" else k): v for k, v in CALL.items() if k != "queue"}
    put(tmp_path / "landing", "calls", "2026-10.csv", csv_bytes([record]))
    metadata = materialized_metadata(tmp_path)
    assert (metadata["rows_read"], metadata["rows_loaded"]) == (1, 1)
    assert metadata["near_miss_headers"] == {
        "2026-10.csv": [{"header": "是否有效呼叫", "resembles": "是否有效", "column": "is_valid"}]}  # fmt: skip
    assert metadata["absent_columns"] == {"2026-10.csv": ["queue", "is_valid"]}


def test_the_encoding_setting_reaches_the_reader(tmp_path):
    put(tmp_path / "landing", "calls", "2026-10.csv", csv_bytes([CALL | {"queue": "华东"}], "gbk"))  # also 貌陲 in Big5
    warehouse = KpiWarehouse(landing_dir=str(tmp_path / "landing"), warehouse=str(tmp_path / "w.duckdb"))
    failed = materialize([build_ingest_asset(CALLS)], resources={"warehouse": warehouse}, raise_on_error=False)
    assert not failed.success
    [failure] = [event for event in failed.all_events if event.is_step_failure]
    assert failure.step_failure_data.user_failure_data.description.startswith(
        "calls/2026-10.csv: cannot tell whether it is GBK/GB18030 or Big5 text"
    )
    assert materialized_metadata(tmp_path, encodings={"calls": "gbk"})["rows_loaded"] == 1
    with duckdb.connect(str(warehouse.paths.work_db), read_only=True) as con:
        assert con.execute("SELECT call_id, queue FROM raw.calls").fetchall() == [("C1", "华东")]
