"""Violations and inspection findings with point deductions (部门日检表 / 员工处罚通知单)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import columns as col
from .patterns import OFFICE_HOURS, times_on
from .people import DeskRows, Roster
from .property import Estate
from .timeline import Period

CATEGORIES = ("appearance", "discipline", "attitude", "facility", "building", "service", "other")
DEFAULT_POINTS = np.array([1.0, 2.0, 2.0, 1.0, 3.0, 2.0, 1.0])  # as the seed violation_categories
FACILITY, BUILDING = CATEGORIES.index("facility"), CATEGORIES.index("building")
# Incidents per person and month by category, for a steward and for call-centre staff; times the
# person's `conduct` trait and its role's share (leads are inspected less, managers not at all).
STEWARD_RATE = np.array([0.08, 0.08, 0.06, 0.45, 0.2, 0.1, 0.03])
AGENT_RATE = np.array([0.03, 0.1, 0.05, 0.0, 0.0, 0.06, 0.02])
ROLE_SHARE = np.array([1.0, 0.4, 0.0, 1.0])  # agent, team_lead, manager, property_agent
INSPECTORS = ("hq", "region", "center", "department")
INSPECTOR_P = np.array([[0.02, 0.03, 0.35, 0.6], [0.05, 0.15, 0.3, 0.5]])  # call centre, property desk
NO_INSPECTOR = 0.05
TEAM_ONLY = 0.25  # a steward's facility and building findings laid on the team, nobody named
TEAM_GIVEN = 0.5  # named findings that also state the team
COMMON_AREAS_PER_MONTH = 0.4  # findings nobody answers for (no agent, no team)
POINTS_GIVEN = 0.65  # the rest leave points blank: the category's default applies
FINES = np.array([10.0, 20.0, 50.0])  # yuan per point when a fine is written
WHAT = {
    "appearance": ("未按规定穿工装", "未佩戴工牌", "仪容不整"),
    "discipline": ("上班期间玩手机", "脱岗未报备", "值班期间睡岗", "串岗聊天"),
    "attitude": ("与业主沟通态度生硬", "接听电话语气不耐烦", "推诿业主报修"),
    "facility": ("{}电梯按钮损坏未及时报修", "{}楼道灯不亮", "{}消防栓箱玻璃破损", "{}单元门禁故障"),
    "building": ("{}外墙乱贴小广告未清理", "{}楼道堆放杂物", "{}私搭乱建未制止"),
    "service": ("未按规范使用服务用语", "工单未按时回复", "未按流程登记来访"),
    "other": ("办公区卫生不达标", "其他"),
}
NO_DESCRIPTION = 0.1


def _descriptions(rng: np.random.Generator, category: np.ndarray, estate: Estate) -> pa.Array:
    """Free text per finding, naming a building where it is about one; some left blank."""
    texts = [w for c in CATEGORIES for w in WHAT[c]]
    first = np.cumsum([0] + [len(WHAT[c]) for c in CATEGORIES])
    n = len(category)
    which = first[category] + (rng.random(n) * np.diff(first)[category]).astype(np.int64)
    building = rng.integers(0, len(estate.names), n)
    shown = np.array(texts, dtype=object)[which]
    named = np.char.find(np.array(texts)[which], "{}") >= 0
    shown[named] = [t.format(estate.names[b]) for t, b in zip(shown[named], building[named], strict=True)]
    return pa.array(shown, type=pa.string(), mask=rng.random(n) < NO_DESCRIPTION)


def build_violations(rng: np.random.Generator, period: Period, staff: Roster, estate: Estate) -> DeskRows:
    """Findings against stewards (mostly facilities and buildings) and call-centre staff
    (mostly discipline and attitude); some laid on a steward team only, a few on nobody;
    one steward piles up three facility findings in a month."""
    lo, hi = staff.worked(period)
    worked = np.maximum(hi - lo + 1, 0)
    length = np.array([len(period.month_days(m)) for m in range(period.active_months)])[:, None]
    steward = staff.stewarding
    rate = np.where(steward[:, None], STEWARD_RATE, AGENT_RATE) * (ROLE_SHARE[staff.role] * staff.traits.conduct)[:, None]
    counts = rng.poisson((worked / length)[:, :, None] * rate[None, :, :])
    month, who = np.nonzero((worked == length) & (staff.role == 3)[None, :])
    piled = (-1, -1)
    if len(month):
        k = rng.integers(len(month))
        piled = (month[k], who[k])
        counts[piled[0], piled[1], FACILITY] = max(counts[piled[0], piled[1], FACILITY], 3)

    month, person, category = np.nonzero(counts)
    reps = counts[month, person, category]
    month, person, category = (np.repeat(a, reps) for a in (month, person, category))
    day = lo[month, person] + (rng.random(len(person)) * worked[month, person]).astype(np.int64)
    team = staff.team[person]
    on_desk = steward[person]
    mine = (month == piled[0]) & (person == piled[1]) & (category == FACILITY)
    team_only = steward[person] & np.isin(category, [FACILITY, BUILDING]) & (rng.random(len(person)) < TEAM_ONLY) & ~mine
    person = np.where(team_only, -1, person)
    team = np.where(team_only | (rng.random(len(person)) < TEAM_GIVEN), team, -1)

    # Common areas: nobody's, found by the head office or the region.
    common = np.repeat(np.arange(period.active_months), rng.poisson(COMMON_AREAS_PER_MONTH, period.active_months))
    if not len(common):  # at least one, even in a short period
        common = np.zeros(1, dtype=np.int64)
    common_day = period.month_starts[common].astype(np.int64) + (rng.random(len(common)) * length[common, 0]).astype(np.int64)
    common_category = rng.choice([FACILITY, BUILDING, CATEGORIES.index("other")], len(common), p=[0.4, 0.4, 0.2])

    day = np.concatenate([day, common_day]).astype("datetime64[D]")
    category = np.concatenate([category, common_category])
    person = np.concatenate([person, np.full(len(common), -1)])
    team = np.concatenate([team, np.full(len(common), -1)])
    on_desk = np.concatenate([on_desk, np.ones(len(common), dtype=bool)])
    n = len(day)
    inspector = (rng.random(n)[:, None] >= np.cumsum(INSPECTOR_P, axis=1)[on_desk.astype(np.int64)]).sum(axis=1)
    inspector[len(day) - len(common) :] = rng.integers(0, 2, len(common))
    inspector = np.where(rng.random(n) < NO_INSPECTOR, -1, inspector)
    doubled = (inspector == 0) | (inspector == 1)  # head office and region may count a finding double
    points = DEFAULT_POINTS[category] * np.where(doubled, rng.choice([1.0, 2.0], n, p=[0.7, 0.3]), 1.0)
    given = rng.random(n) < POINTS_GIVEN
    effective = np.where(given, points, DEFAULT_POINTS[category])
    u = rng.random(n)
    fine = np.where(u < 0.7, 0.0, effective * FINES[rng.integers(0, len(FINES), n)])
    occurred = times_on(rng, day, OFFICE_HOURS)
    description = _descriptions(rng, category, estate)

    order = np.argsort(occurred, kind="stable")
    return DeskRows(
        table=pa.table(
            {
                "violation_id": col.ids("WG", np.arange(1, n + 1), col.width(n, 6)),
                "occurred_at": col.timestamps(occurred[order]),
                "agent_id": col.labels(staff.agent_id, person[order]),
                "team": col.labels(staff.team_names, team[order]),
                "category": col.labels(CATEGORIES, category[order]),
                "inspector_level": col.labels(INSPECTORS, inspector[order]),
                "points": col.floats(points[order], given[order]),
                "fine_yuan": col.floats(fine[order], (u >= 0.4)[order]),
                "description": description.take(pa.array(order)),
            }
        ),
        steward=on_desk[order],
    )
