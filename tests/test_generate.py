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
from dagster_kpi.generate.attendance import build_attendance
from dagster_kpi.generate.customers import build_customers
from dagster_kpi.generate.patterns import OFFICE_HOURS, sorted_times
from dagster_kpi.generate.people import PROPERTY_DESK, add_months, build_roster, desk_size
from dagster_kpi.generate.streams import stream
from dagster_kpi.generate.timeline import resolve_period
from dagster_kpi.generate.write import write_csv

SMALL = {"months": 2, "agents": 20, "scale": 0.02, "seed": 11}
CONTRACT = load_contract()
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
    assert list(rows) == list(CONTRACT)
    for name, source in CONTRACT.items():
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
    for name, source in CONTRACT.items():
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
    for path in sorted((out / "attendance").glob("考勤记录_*.csv")):  # the time clock's monthly exports
        frame = pd.read_csv(path, encoding="gbk", dtype=str)
        assert set(frame["考勤状态"]) <= {"出勤", "请假", "旷工"} and set(frame["未打卡"]) <= {"是", "否"}
        assert set(frame["请假类型"].dropna()) <= {"年假", "病假", "事假", "调休", "其他"}
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
    assert set(agents["role"]) == {"客服专员", "组长", "主管", "管家"}
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
    out, rows = landing
    tripled = generate_landing(tmp_path, **{**SMALL, "scale": 0.06})
    for name in ("agents", "attendance", "shift_swaps", "ratings", "violations", "fee_collection", "facility_checks"):
        assert tripled[name] == rows[name], name  # per person and building, not per contact

    def calls(folder: Path) -> int:
        return sum(len(pd.read_csv(p, usecols=[0])) for p in (folder / "calls").glob("calls_????-??.csv"))

    small, triple = calls(out), calls(tmp_path)
    assert triple == pytest.approx(3 * small, rel=0.005)  # running totals are rounded once per day
    assert small == pytest.approx(100_000 * 0.02 * SMALL["months"], rel=0.25)  # ~100k a month at scale 1


def _times(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.str.replace("/", "-"), format="%Y-%m-%d %H:%M:%S")


def test_records_respect_timing_and_roster(landing):
    out, _ = landing
    frames = {name: read_source(out / name, source) for name, source in CONTRACT.items()}
    roster = frames["agents"].set_index("agent_id")
    for name, frame in frames.items():
        for column in ("agent_id", "counterpart_agent_id", "rater_id"):
            if column in frame:
                assert set(frame[column].dropna()) <= set(roster.index), f"{name}.{column}"

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
    for name, source in CONTRACT.items():
        frame = read_source(tmp_path / name, source)
        for column in source.columns:
            # A probation's end is a plan, not an event: a recent joiner's lies ahead.
            if column.type in ("timestamp", "date") and column.name != "probation_until":
                values = frame[column.name].dropna().map(lambda v: pd.Timestamp(str(v).replace("/", "-")))
                latest.extend(values.tolist())
    assert max(latest) < pd.Timestamp(today)


# --- the assessment sources ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def frames(landing) -> dict[str, pd.DataFrame]:
    """Every source with canonical column names and values; numbers, dates and times parsed."""
    out, _ = landing
    result = {}
    for name, source in CONTRACT.items():
        frame = read_source(out / name, source)
        for column in source.columns:
            values = frame[column.name]
            if column.values:
                frame[column.name] = values.map(lambda v, c=column: None if v is None else _canonical(c.value_aliases, v))
            elif column.type in ("date", "timestamp"):
                frame[column.name] = pd.to_datetime(
                    values.map(lambda v: None if v is None else str(v).replace("/", "-")), format="mixed"
                )
            elif column.type in ("int", "float"):
                frame[column.name] = pd.to_numeric(values)
            elif column.type == "bool":
                frame[column.name] = values.map(lambda v: None if v is None else str(v).lower() in ("true", "是"))
        result[name] = frame
    return result


def _months(values: pd.Series) -> pd.Series:
    return values.dt.to_period("M").astype(str)


def test_roster_has_a_property_desk_beside_the_call_centre(frames):
    agents = frames["agents"]
    stewards = agents[agents["role"] == "property_agent"]
    assert len(stewards) >= 4
    assert set(stewards["department"]) == {"物业服务中心"} and stewards["team"].str.startswith("物业管家").all()
    desk = agents[agents["team"].isin(stewards["team"])]
    assert {"team_lead", "manager"} <= set(desk["role"])  # the stewards' supervisor and department head
    call_centre = agents[~agents["team"].isin(stewards["team"])]
    assert set(call_centre["role"]) == {"agent", "team_lead", "manager"}
    assert set(call_centre["department"]) <= {"400呼叫中心", "客户服务部"}


def test_roster_levels_probation_and_pay_base(landing, frames):
    out, _ = landing
    shown = pd.read_excel(out / "agents" / "人员档案.xlsx")["职级"]
    english = shown.dropna().str.fullmatch(r"[A-Z][a-z]+")
    assert shown.isna().any() and english.any() and not english.all()  # English codes, Chinese names, blanks
    agents = frames["agents"]
    assert set(agents["level"].dropna()) <= {"junior", "intermediate", "senior", "expert"}
    hired = agents["hired_on"].to_numpy().astype("datetime64[D]")
    until = agents["probation_until"].to_numpy().astype("datetime64[D]")
    known = ~np.isnat(until)
    # Hire date + 3 or 6 months - 1 day (hired 2026-01-15: 2026-04-14 or 2026-07-14); one per desk moved to its month's end.
    three, six = (add_months(hired[known], np.full(known.sum(), m)) - np.timedelta64(1, "D") for m in (3, 6))
    month_end = (until[known].astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
    assert ((until[known] == three) | (until[known] == six) | (until[known] == month_end)).all()
    assert (until[known] == three).any() and (until[known] == six).any()
    assert ((until[known] == month_end) & (until[known] != three) & (until[known] != six)).sum() in (1, 2)
    recent = agents["hired_on"] >= agents["hired_on"].max() - pd.Timedelta(days=4 * 365)
    assert agents.loc[recent, "probation_until"].notna().all() and agents["probation_until"].isna().any()
    pay = agents["pay_base"].dropna()
    assert 0 < len(pay) <= len(agents) // 4 and (pay > 0).all()  # a few; the others take the seed's base


def test_add_months_keeps_the_day_or_takes_the_month_end():
    days = np.array(["2026-01-31", "2026-03-15", "NaT"], dtype="datetime64[D]")
    assert add_months(days, np.array([1, 6, 3])).astype(str).tolist() == ["2026-02-28", "2026-09-15", "NaT"]


def test_attendance_lists_scheduled_days_while_employed(frames):
    att, agents = frames["attendance"], frames["agents"].set_index("agent_id")
    assert not att.duplicated(["agent_id", "work_date"]).any()
    assert set(att["agent_id"]) == set(agents.index)
    hired, left = agents.loc[att["agent_id"], "hired_on"].to_numpy(), agents.loc[att["agent_id"], "left_on"].to_numpy()
    day = att["work_date"].to_numpy()
    assert ((np.isnat(hired) | (hired <= day)) & (np.isnat(left) | (day <= left))).all()
    leavers = agents["left_on"].dropna()
    assert len(leavers) and att.groupby("agent_id")["work_date"].max()[leavers.index].le(leavers).all()
    weekend = att["work_date"].dt.day_of_week >= 5
    team = agents.loc[att["agent_id"], "team"].to_numpy()
    assert weekend.any() and pd.Series(team[weekend]).str.startswith("热线").all()  # only hotline shifts at weekends

    status = att["status"]
    assert set(status) == {"present", "leave", "absent"} or set(status) == {"present", "leave"}
    assert status.eq("present").mean() > 0.85
    assert att.loc[status != "leave", "leave_type"].isna().all()
    assert {"annual", "sick"} <= set(att["leave_type"].dropna()) <= {"annual", "sick", "personal", "comp", "other"}
    late, early = att["late_minutes"].fillna(0), att["early_leave_minutes"].fillna(0)
    assert late.between(1, 4).any() and late.ge(5).any() and early.gt(0).any()  # inside and beyond the 5-minute grace
    assert att["missed_punch"].fillna(False).astype(bool).any()
    assert (late[status != "present"] == 0).all()
    present = att.assign(month=_months(att["work_date"]), present=status.eq("present"))
    assert (~present.groupby(["agent_id", "month"])["present"].any()).any()  # one agent away a whole month


def test_shift_swaps_pair_colleagues_mostly_of_one_team(frames):
    swaps, agents = frames["shift_swaps"], frames["agents"].set_index("agent_id")
    assert len(swaps) and (swaps["agent_id"] != swaps["counterpart_agent_id"]).all()
    same = agents.loc[swaps["agent_id"], "team"].to_numpy() == agents.loc[swaps["counterpart_agent_id"], "team"].to_numpy()
    assert same.mean() > 0.6
    day = swaps["swap_date"].to_numpy()
    for column in ("agent_id", "counterpart_agent_id"):
        hired, left = agents.loc[swaps[column], "hired_on"].to_numpy(), agents.loc[swaps[column], "left_on"].to_numpy()
        assert ((np.isnat(hired) | (hired <= day)) & (np.isnat(left) | (day <= left))).all()
    asked = swaps.groupby(["agent_id", _months(swaps["swap_date"])]).size()
    assert asked.max() >= 4  # a heavy swapper: the escalating deduction's case


def test_ratings_come_from_four_kinds_of_rater(frames):
    ratings, agents = frames["ratings"], frames["agents"].set_index("agent_id")
    assert set(ratings["rater_type"]) == {"self", "peer", "supervisor", "manager"}
    assert ratings["score"].between(0, 100).all() and ratings["score"].between(70, 98).mean() > 0.9
    assert set(agents.loc[ratings["agent_id"], "role"]) == {"agent", "property_agent"}
    kinds = ratings.groupby(["agent_id", "period_month"])["rater_type"].agg(frozenset)
    assert (kinds == frozenset({"self"})).any() and (kinds.map(len) == 4).any()
    assert ratings.loc[ratings["rater_type"] == "peer", "rater_id"].isna().any()  # anonymous peer forms
    signed = ratings.dropna(subset=["rater_id"])
    rated, rater = agents.loc[signed["agent_id"]], agents.loc[signed["rater_id"]]
    kind = signed["rater_type"].to_numpy()
    assert (signed["agent_id"] == signed["rater_id"]).to_numpy()[kind == "self"].all()
    assert (rater["role"].to_numpy()[kind == "supervisor"] == "team_lead").all()
    assert (rater["team"].to_numpy() == rated["team"].to_numpy())[kind == "supervisor"].all()
    assert (rater["role"].to_numpy()[kind == "manager"] == "manager").all()
    assert (rater["department"].to_numpy() == rated["department"].to_numpy())[kind == "manager"].all()
    assert ratings.loc[ratings["rater_type"] == "manager", "item"].isna().all()  # one overall score
    assert ratings.loc[ratings["rater_type"] != "manager", "item"].notna().all()


def test_violations_hit_stewards_and_agents_some_only_a_team_or_nobody(frames):
    found, agents = frames["violations"], frames["agents"].set_index("agent_id")
    named = found.dropna(subset=["agent_id"])
    role = agents.loc[named["agent_id"], "role"].to_numpy()
    assert {"agent", "property_agent"} <= set(role)
    assert not named.loc[role == "agent", "category"].isin(["facility", "building"]).any()
    assert named.loc[role == "property_agent", "category"].eq("facility").any()
    team_only = found[found["agent_id"].isna() & found["team"].notna()]
    assert len(team_only) and team_only["team"].str.startswith("物业管家").all()
    assert (found["agent_id"].isna() & found["team"].isna()).any()  # common areas: the centre's only
    with_team = named.dropna(subset=["team"])
    assert (with_team["team"].to_numpy() == agents.loc[with_team["agent_id"], "team"].to_numpy()).all()
    piled = named.groupby(["agent_id", _months(named["occurred_at"]), "category"]).size()
    assert piled.max() >= 3  # 当月发生3起以上
    assert set(found["inspector_level"].dropna()) <= {"hq", "region", "center", "department"}
    assert found["points"].isna().any() and found["points"].notna().any()
    fines = found["fine_yuan"]
    assert fines.isna().any() and fines.eq(0).any() and fines.gt(0).any()


def test_fee_collection_per_steward_building_and_month(frames):
    fees, agents = frames["fee_collection"], frames["agents"].set_index("agent_id")
    assert not fees.duplicated(["period_month", "building", "agent_id"]).any()
    assert fees.groupby("period_month")["building"].nunique().nunique() == 1  # every building every month
    assert set(agents.loc[fees["agent_id"], "role"]) == {"property_agent"}
    assert (fees["households_paid"] <= fees["households_due"]).all()
    assert fees["households_due"].between(60, 320).all()
    rate = fees["households_paid"] / fees["households_due"]
    assert rate.between(0.85, 1.0).all() and 0.93 <= rate.median() <= 0.99
    pooled = fees.groupby(["agent_id", "period_month"])[["households_due", "households_paid"]].sum()
    exact = pooled["households_paid"] * 50 == pooled["households_due"] * 49  # 98 % on the dot
    assert exact.any()


def test_facility_checks_find_most_items_intact(frames):
    checks, agents = frames["facility_checks"], frames["agents"].set_index("agent_id")
    assert (checks["items_intact"] <= checks["items_checked"]).all() and (checks["items_checked"] > 0).all()
    assert (checks["items_intact"] / checks["items_checked"]).median() >= 0.95
    assert set(agents.loc[checks["agent_id"].dropna(), "role"]) == {"property_agent"} and checks["agent_id"].isna().any()
    assert set(checks["building"]) <= set(frames["fee_collection"]["building"])


def test_attendance_follows_the_staff_and_the_seed():
    """Per person and scheduled day: twice the staff, about twice the rows; --scale plays no part."""
    period = resolve_period("2026-01", 3, date(2026, 11, 22))

    def staff(agents: int, seed: int = 5):
        roster = build_roster(stream(seed, "agents"), agents, period)
        return roster.join(build_roster(stream(seed, "stewards"), desk_size(agents), period, PROPERTY_DESK))

    small, large = staff(20), staff(40)
    rows = [build_attendance(stream(5, "attendance"), period, s).table.num_rows for s in (small, large)]
    assert rows[1] / rows[0] == pytest.approx(len(large) / len(small), rel=0.15)
    assert 45 < rows[0] / len(small) < 66  # up to about 21 scheduled days a month
    again = build_attendance(stream(5, "attendance"), period, small).table
    other = build_attendance(stream(6, "attendance"), period, small).table
    assert again.equals(build_attendance(stream(5, "attendance"), period, small).table) and not again.equals(other)


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
