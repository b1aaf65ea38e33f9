"""The synthetic landing generator: formats, determinism, volumes and invariants."""

from __future__ import annotations

import codecs
import io
import re
from datetime import date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from dagster_kpi.contract import Source, load_contract
from dagster_kpi.generate import columns as col
from dagster_kpi.generate import generate_landing
from dagster_kpi.generate.customers import build_customers
from dagster_kpi.generate.patterns import OFFICE_HOURS, sorted_times
from dagster_kpi.generate.people import build_roster
from dagster_kpi.generate.streams import stream
from dagster_kpi.generate.timeline import resolve_period
from dagster_kpi.generate.write import write_csv

SMALL = {"months": 2, "agents": 20, "scale": 0.02, "seed": 11}
CONTRACT = load_contract()
# Sources of the assessment without a generator yet: their folders are empty extracts.
NOT_GENERATED = ("attendance", "shift_swaps", "ratings", "violations", "fee_collection", "facility_checks")
GENERATED = {name: source for name, source in CONTRACT.items() if name not in NOT_GENERATED}
STAMP = re.compile(r"\d{4}[-/]\d{2}[-/]\d{2}( \d{2}:\d{2}:\d{2})?")


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("landing")
    return out, generate_landing(out, **SMALL)


def _encoding(raw: bytes) -> str:
    if raw.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "gbk"


def read_source(folder: Path, source: Source) -> pd.DataFrame:
    """All files of a source with canonical column names; missing cells are None."""
    names = {h.lower(): c.name for c in source.columns for h in c.header_names}
    frames = []
    for path in sorted(folder.iterdir()):
        if path.suffix == ".csv":
            raw = path.read_bytes()
            frame = pd.read_csv(io.BytesIO(raw), encoding=_encoding(raw), dtype=str, keep_default_na=False)
        elif path.suffix == ".xlsx":
            frame = pd.read_excel(path, dtype=object)
        else:
            frame = pd.read_parquet(path)
        frame = frame.rename(columns=lambda h: names.get(str(h).strip().lower(), h)).astype(object)
        frames.append(frame.where(frame.notna() & (frame != ""), None).assign(_file=path.name))
    return pd.concat(frames, ignore_index=True)


def _canonical(aliases: dict[str, str], value: object) -> str:
    text = str(value).strip()
    return aliases.get(text, text).lower()


# --- the landing folder as a whole --------------------------------------------------------------


def test_every_source_gets_a_folder_with_rows(landing):
    out, rows = landing
    assert list(rows) == list(GENERATED)
    for name in NOT_GENERATED:
        assert (out / name).is_dir() and not any((out / name).iterdir()), name
    for name, source in GENERATED.items():
        assert any((out / name).iterdir()), name
        assert rows[name] == len(read_source(out / name, source)), name


def test_same_arguments_give_identical_bytes(landing, tmp_path):
    out, _ = landing
    generate_landing(tmp_path, **SMALL)
    first = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    second = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    assert [k for k in first if first[k] != second[k]] == []


def test_every_row_is_valid_per_the_contract(landing):
    out, _ = landing
    for name, source in GENERATED.items():
        frame = read_source(out / name, source)
        for column in source.columns:
            assert column.name in frame, f"{name}.{column.name} missing"
            values = frame[column.name].dropna()
            where = f"{name}.{column.name}"
            if not column.nullable:
                assert len(values) == len(frame), f"{where} has empty cells"
            if column.values:
                canonical = {_canonical(column.value_aliases, v) for v in values}
                assert canonical <= set(column.values), where
            if column.type in ("int", "float"):
                numbers = pd.to_numeric(values)
                assert column.min is None or numbers.min() >= column.min, where
                assert column.max is None or numbers.max() <= column.max, where
            if column.type == "bool":
                assert set(values.map(str).str.lower()) <= {"true", "false", "是", "否"}, where
            if column.type in ("timestamp", "date"):
                text = values[values.map(lambda v: isinstance(v, str))]
                assert text.map(lambda v: STAMP.fullmatch(v) is not None).all(), where
            if column.type == "month":
                assert values.map(lambda v: re.fullmatch(r"\d{4}-\d{2}", v) is not None).all(), where


def test_gbk_exports_carry_chinese_headers_and_values(landing):
    out, _ = landing
    expected = {
        "complaints": ("投诉等级", {"一类", "二类", "三类"}),
        "callbacks": ("回访状态", {"已回访", "未接通", "取消", "计划"}),
    }
    for name, (header, values) in expected.items():
        [path] = (out / name).glob("*.csv")
        raw = path.read_bytes()
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        frame = pd.read_csv(io.BytesIO(raw), encoding="gbk", dtype=str)
        assert header in frame.columns
        assert set(frame[header]) <= values and len(set(frame[header])) >= 3
    complaints = pd.read_csv(next((out / "complaints").glob("*.csv")), encoding="gbk", dtype=str)
    assert set(complaints["是否满意"].dropna()) == {"是", "否"}
    assert complaints["投诉时间"].str.contains("/").any()  # a few YYYY/MM/DD stamps
    assert complaints["投诉时间"].str.contains("-").any()


def test_xlsx_exports_read_back_with_typed_dates(landing):
    out, rows = landing
    agents = pd.read_excel(out / "agents" / "人员档案.xlsx")
    assert list(agents.columns) == [
        "工号",
        "姓名",
        "班组",
        "部门",
        "role",
        "入职日期",
        "离职日期",
        "职级",
        "试用期截止",
        "绩效工资基数",
    ]
    assert len(agents) == rows["agents"]
    assert set(agents["role"]) == {"客服专员", "组长", "主管"}
    assert pd.api.types.is_datetime64_any_dtype(agents["入职日期"])
    assert agents["离职日期"].notna().any()  # leavers
    exams = pd.read_excel(out / "exams" / "业务考试成绩.xlsx")
    assert list(exams.columns) == ["考试编号", "工号", "考试日期", "考试得分"]
    assert exams["考试得分"].between(0, 100).all()


def test_calls_come_one_file_a_month_plus_a_later_reextract(landing):
    out, _ = landing
    files = sorted(p.name for p in (out / "calls").iterdir())
    assert len(files) == SMALL["months"] + 1
    reextract = next(f for f in files if "reextract" in f)
    original = out / "calls" / reextract.replace("_reextract", "")
    assert files.index(reextract) == files.index(original.name) + 1
    assert (out / "calls" / reextract).stat().st_mtime_ns > original.stat().st_mtime_ns
    calls = read_source(out / "calls", CONTRACT["calls"]).set_index("call_id")
    base = calls[calls["_file"] == original.name]
    again = calls[calls["_file"] == reextract]
    assert set(again.index) <= set(base.index)
    later = pd.to_numeric(again["wrap_seconds"]) - pd.to_numeric(base.loc[again.index, "wrap_seconds"])
    assert later.notna().any() and later.dropna().between(5, 59).all()  # late after-call work
    assert set(again["direction"]) <= {"呼入", "呼出"}


def test_call_volume_is_linear_in_scale(landing, tmp_path):
    out, _ = landing
    generate_landing(tmp_path, **{**SMALL, "scale": 0.06})

    def calls(folder: Path) -> int:
        return sum(len(pd.read_csv(p, usecols=[0])) for p in (folder / "calls").glob("calls_????-??.csv"))

    small, triple = calls(out), calls(tmp_path)
    assert triple == pytest.approx(3 * small, rel=0.005)  # running totals are rounded once per day
    assert small == pytest.approx(100_000 * 0.02 * SMALL["months"], rel=0.25)  # ~100k a month at scale 1


def _times(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.str.replace("/", "-"), format="%Y-%m-%d %H:%M:%S")


def test_records_respect_timing_and_roster(landing):
    out, _ = landing
    frames = {name: read_source(out / name, source) for name, source in GENERATED.items()}
    roster = frames["agents"].set_index("agent_id")
    for name, frame in frames.items():
        if "agent_id" in frame:
            assert set(frame["agent_id"].dropna()) <= set(roster.index), name

    calls = frames["calls"][~frames["calls"]["_file"].str.contains("reextract")]
    answered = calls[calls["outcome"] == "answered"]
    assert len(answered) > 0.8 * (calls["outcome"] != "blocked").sum()
    offered, picked, ended = (_times(answered[c]) for c in ("offered_at", "answered_at", "ended_at"))
    assert answered["agent_id"].notna().all() and picked.notna().all()
    assert (picked >= offered).all() and (ended >= picked).all()
    day = offered.dt.normalize().to_numpy()
    hired = pd.to_datetime(roster.loc[answered["agent_id"], "hired_on"]).to_numpy()
    left = pd.to_datetime(roster.loc[answered["agent_id"], "left_on"]).to_numpy()
    assert ((np.isnat(hired) | (hired <= day)) & (np.isnat(left) | (day <= left))).all()

    tickets = frames["tickets"].dropna(subset=["resolved_at"])
    assert (_times(tickets["resolved_at"]) >= _times(tickets["created_at"])).all()
    complaints = frames["complaints"].dropna(subset=["resolved_at"])
    assert (_times(complaints["resolved_at"]) >= _times(complaints["received_at"])).all()


def test_answered_calls_lacking_talk_seconds_can_be_derived(landing):
    out, _ = landing
    calls = read_source(out / "calls", CONTRACT["calls"])
    calls = calls[calls["_file"].str.fullmatch(r"calls_\d{4}-\d{2}\.csv")]
    answered = calls[calls["outcome"] == "answered"]
    missing = answered[answered["talk_seconds"].isna()]
    assert 0 < len(missing) < 0.1 * len(answered)
    known = answered.dropna(subset=["talk_seconds"])
    derived = (pd.to_datetime(known["ended_at"]) - pd.to_datetime(known["answered_at"])).dt.total_seconds()
    assert (derived == known["talk_seconds"].astype(int)).all()


def test_nothing_happens_after_today(tmp_path):
    """A period running into the current month stops at today's midnight."""
    today = date.today()
    start = str(np.datetime64(today, "M") - 1)
    generate_landing(tmp_path, months=2, agents=12, scale=0.01, seed=3, start=start)
    latest = []
    for name, source in GENERATED.items():
        frame = read_source(tmp_path / name, source)
        for column in source.columns:
            # A probation's end is a plan, not an event: a recent joiner's lies ahead.
            if column.type in ("timestamp", "date") and column.name != "probation_until":
                values = frame[column.name].dropna().map(lambda v: pd.Timestamp(str(v).replace("/", "-")))
                latest.extend(values.tolist())
    assert max(latest) < pd.Timestamp(today)


# --- building blocks, checked against hand-made values ----------------------------------------------


def test_ids_are_zero_padded_with_nulls():
    assert col.ids("TK", np.array([7, -1, 12]), 4).to_pylist() == ["TK0007", None, "TK0012"]
    assert col.ids("客户", np.array([1]), 6).to_pylist() == ["客户000001"]
    with pytest.raises(ValueError):
        col.ids("X", np.array([10_000]), 4)


def test_phone_numbers_are_obviously_synthetic():
    period = resolve_period("2026-01", 1, date(2026, 3, 1))
    customers = build_customers(stream(1, "customers"), period, 0.5)  # 22,000 customers
    phones = customers.phones(np.array([0, 12344, -1, -1]), np.array([0, 0, 42, -1])).to_pylist()
    assert phones == ["138-0000-0001", "138-0001-2345", "170-0000-0042", None]
    assert customers.ids(np.array([0, -1])).to_pylist() == ["CU000001", None]


def test_default_period_ends_with_the_last_complete_month():
    period = resolve_period(None, 12, date(2026, 11, 22))
    assert (str(period.start), str(period.cutoff), period.active_months) == ("2025-11-01", "2026-11-01", 12)
    partial = resolve_period("2026-10", 3, date(2026, 11, 22))
    assert (str(partial.cutoff), partial.active_months, len(partial.month_days(1))) == ("2026-11-22", 2, 21)
    for bad in ("2026-13", "26-01", "2027-01"):
        with pytest.raises(ValueError):
            resolve_period(bad, 1, date(2026, 11, 22))


def test_sorted_times_stay_on_their_day_and_in_office_hours():
    days = np.array(["2026-01-05", "2026-01-06", "2026-01-07"], dtype="datetime64[D]")
    secs, day = sorted_times(np.random.default_rng(0), days, np.array([3, 0, 2]), OFFICE_HOURS)
    assert day.tolist() == [0, 0, 0, 2, 2]
    assert (np.diff(secs) >= 0).all()
    stamps = secs.astype("datetime64[s]")
    assert (stamps.astype("datetime64[D]") == days[day]).all()
    hours = (secs % 86_400) // 3_600
    assert ((hours >= 9) & (hours < 18)).all()


def test_work_goes_only_to_people_employed_that_day():
    period = resolve_period("2026-01", 6, date(2026, 11, 22))
    roster = build_roster(stream(5, "agents"), 30, period)
    days = np.repeat(period.days, 50)
    picked = roster.pick(np.random.default_rng(1), days, "calls")
    assert (picked >= 0).all()
    assert roster.employed(period.days)[np.repeat(np.arange(len(period.days)), 50), picked].all()
    managers = np.flatnonzero(roster.role == 2)
    assert not np.isin(picked, managers).any()  # managers take no calls


def test_big_clients_churn_over_a_default_year():
    period = resolve_period(None, 12, date(2026, 11, 22))
    customers = build_customers(stream(7, "customers"), period, 1.0)
    since = customers.big_from()
    churned = customers.churned
    in_period = (churned >= period.start) & (churned < period.cutoff)
    lost = customers.big & in_period & (np.isnat(since) | (since <= churned))
    assert customers.big.sum() > 500 and lost.sum() > 0


def test_chinese_gbk_csv_layout(tmp_path):
    """One hand-made complaint, written as the GBK export with a YYYY/MM/DD row."""
    table = pa.table(
        {
            "complaint_id": ["CP1", "CP2"],
            "ticket_id": [None, "TK9"],
            "customer_id": ["CU1", None],
            "agent_id": ["KF1001", None],
            "received_at": pa.array([datetime(2026, 1, 5, 9, 30), datetime(2026, 1, 6, 14, 0, 5)], pa.timestamp("s")),
            "source": ["电话", None],
            "severity": ["major", "general"],
            "is_responsible": [True, None],
            "resolved_at": pa.array([datetime(2026, 1, 6, 10, 0), None], pa.timestamp("s")),
            "satisfied": [False, None],
        }
    )
    path = tmp_path / "c.csv"
    write_csv(duckdb.connect(), table, path, CONTRACT["complaints"], chinese=True, encoding="gbk", slash=np.array([False, True]))
    assert path.read_bytes().decode("gbk").splitlines() == [
        "投诉编号,工单号,客户编号,责任人工号,投诉时间,投诉来源,投诉等级,是否责任投诉,解决时间,是否满意",
        "CP1,,CU1,KF1001,2026-01-05 09:30:00,电话,一类,是,2026-01-06 10:00:00,否",
        "CP2,TK9,,,2026/01/06 14:00:05,,三类,,,",
    ]
