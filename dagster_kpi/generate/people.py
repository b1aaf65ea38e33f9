"""The staff roster: teams, roles, joiners and leavers, and each person's working style.

Two desks: the call centre (热线/在线/回访 teams) and the property desk (物业管家 teams of
stewards, 管家), each drawn from its own stream, so adding stewards never shifts the call
centre's numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import columns as col
from .timeline import Period
from .traits import Traits, draw_traits

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余杜叶程魏苏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万武钱戴严莫孔汤"
)
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "霞",
    "平",
    "刚",
    "桂英",
    "丹",
    "玲",
    "萍",
    "鹏",
    "华",
    "红",
    "宇",
    "浩",
    "婷",
    "雪",
    "琳",
    "晨",
    "欣怡",
    "子涵",
    "思远",
    "佳琪",
    "梓萱",
    "一鸣",
    "雨桐",
    "俊杰",
    "晓东",
    "海燕",
    "文博",
    "嘉怡",
    "志强",
    "春梅",
    "建华",
    "丽娟",
    "晓燕",
    "振宇",
    "慧敏",
    "天宇",
    "诗涵",
    "国庆",
    "美玲",
    "少华",
    "永辉",
    "秋菊",
]
NUMERALS = "一二三四五六七八九十"

# Team profiles repeat in this order: the hotline teams take most calls.
TEAM_PATTERN = ("hotline", "hotline", "online", "hotline", "care", "hotline")
TEAM_NAME = {"hotline": "热线{}组", "online": "在线{}组", "care": "回访{}组", "property": "物业管家{}组"}
DEPARTMENT = {"hotline": "400呼叫中心", "online": "客户服务部", "care": "客户服务部", "property": "物业服务中心"}
# Share of each kind of work a team takes (stewards take no call-centre work).
AFFINITY = {
    "hotline": {"calls": 1.0, "tickets": 0.3, "callbacks": 0.3},
    "online": {"calls": 0.25, "tickets": 1.0, "callbacks": 0.3},
    "care": {"calls": 0.3, "tickets": 0.4, "callbacks": 1.0},
    "property": {"calls": 0.0, "tickets": 0.0, "callbacks": 0.0},
}
ROLE_WORK = {"agent": 1.0, "team_lead": 0.3, "manager": 0.0, "property_agent": 0.0}
ROLES = ("agent", "team_lead", "manager", "property_agent")
FRONTLINE = (0, 3)  # the rank and file of either desk (agent, property_agent)
LEVELS = ("junior", "intermediate", "senior", "expert")
LEVEL_FROM_YEARS = (0.0, 1.0, 3.0, 6.0)  # years of service from which each level starts
# How an HR export shows a level: its English code (the newer HR system) or its long Chinese name.
LEVEL_CODE = ("Junior", "Intermediate", "Senior", "Expert")  # kept as written: the export's CASE is exact
LEVEL_LONG = ("初级客服", "中级客服", "高级客服", "资深客服")
# 绩效工资基数 (yuan a month) the roster states for a few people; everyone else takes the seed's base.
MANAGER_PAY_BASE = 800.0
EXPERT_PAY_BASE = 400.0
PROBATION_MONTHS = (3, 6)  # 6 for one hire in four
PROBATION_KEPT_YEARS = 5  # older records came over from the previous HR system without a probation date


@dataclass(frozen=True)
class Desk:
    """How one desk's roster is drawn: its team profiles, staff-number prefix and rank-and-file role."""

    pattern: tuple[str, ...]
    prefix: str
    staff_role: int  # index into ROLES


CALL_CENTRE = Desk(TEAM_PATTERN, "KF", 0)
PROPERTY_DESK = Desk(("property",), "WY", 3)
STEWARDS = (6, 6)  # the property desk: at least 6 people, else one for every 6 call-centre staff


def desk_size(agents: int) -> int:
    """People of the property desk beside `agents` of the call centre."""
    return max(STEWARDS[0], round(agents / STEWARDS[1]))


PICK_SLOTS = 4096  # resolution of the per-day work shares
FAR = 10**9  # day number standing in for "no hire date" / "not left"
COLLEAGUE_DRAWS = 24


@dataclass(frozen=True)
class Roster:
    agent_id: pa.Array
    name: np.ndarray
    team: np.ndarray  # index into team_names
    team_names: tuple[str, ...]
    team_profiles: tuple[str, ...]
    role: np.ndarray  # index into ROLES
    hired: np.ndarray  # datetime64[D], NaT = unknown
    left: np.ndarray  # datetime64[D], NaT = still employed
    level: np.ndarray  # index into LEVELS by years of service at the extract (-1: hire date unknown)
    probation: np.ndarray  # datetime64[D]: last day of probation (试用期截止), NaT = not recorded
    traits: Traits

    def __len__(self) -> int:
        return len(self.name)

    def span(self) -> tuple[np.ndarray, np.ndarray]:
        hired = np.where(np.isnat(self.hired), -FAR, self.hired.astype(np.int64))
        left = np.where(np.isnat(self.left), FAR, self.left.astype(np.int64))
        return hired, left

    def employed(self, days: np.ndarray) -> np.ndarray:
        """(day, person) matrix: employed from hired_on through left_on inclusive."""
        d = days.astype("datetime64[D]").astype(np.int64)[:, None]
        hired, left = self.span()
        return (hired[None, :] <= d) & (d <= left[None, :])

    def work_weights(self, work: str) -> np.ndarray:
        role = np.array([ROLE_WORK[r] for r in ROLES])[self.role]
        team = np.array([AFFINITY[p][work] for p in self.team_profiles])[self.team]
        return role * team * self.traits.productivity

    def pick(self, rng: np.random.Generator, days: np.ndarray, work: str) -> np.ndarray:
        """A person employed on each day, weighted by their share of `work`; -1 when nobody is.

        Each day's weights become a lookup table of PICK_SLOTS slots, so a draw is
        one array index; a person with no weight that day owns no slot.
        """
        days = np.asarray(days, dtype="datetime64[D]")
        if len(days) == 0:
            return np.zeros(0, dtype=np.int64)
        first = days.min()
        grid = np.arange(first, days.max() + 1, dtype="datetime64[D]")
        weights = self.employed(grid) * self.work_weights(work)[None, :]
        cum = np.cumsum(weights, axis=1)
        total = cum[:, -1]
        cum = cum / np.where(total > 0, total, 1.0)[:, None]
        rows = np.arange(len(grid))[:, None]
        # Slot midpoints looked up on one sorted axis over all days (row r spans [r, r + 1]).
        mids = (rows + (np.arange(PICK_SLOTS) + 0.5) / PICK_SLOTS).ravel()
        slots = np.searchsorted((cum + rows).ravel(), mids, side="right").reshape(len(grid), PICK_SLOTS)
        slots = np.where(total[:, None] > 0, slots - rows * len(self), -1)
        d = (days - first).astype(np.int64)
        return slots[d, (rng.random(len(days)) * PICK_SLOTS).astype(np.int64)]

    @property
    def frontline(self) -> np.ndarray:
        """The rank and file: call agents and stewards (not leads or managers)."""
        return np.isin(self.role, FRONTLINE)

    @property
    def stewarding(self) -> np.ndarray:
        """People of the property desk (its stewards, lead and manager)."""
        return np.array([p == "property" for p in self.team_profiles])[self.team]

    @property
    def department(self) -> np.ndarray:
        """Index of each person's department in `departments`."""
        names = [DEPARTMENT[p] for p in self.team_profiles]
        return np.array([self.departments.index(n) for n in names])[self.team]

    @property
    def departments(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(DEPARTMENT[p] for p in self.team_profiles))

    def worked(self, period: Period) -> tuple[np.ndarray, np.ndarray]:
        """First and last day number each person worked in each month, as (month, person) arrays
        (first > last: not employed that month)."""
        bounds = period.month_starts[: period.active_months + 1].astype(np.int64)
        last_day = np.minimum(bounds[1:], period.cutoff.astype(np.int64)) - 1
        hired, left = self.span()
        return np.maximum(bounds[:-1, None], hired[None, :]), np.minimum(last_day[:, None], left[None, :])

    def colleagues(
        self, rng: np.random.Generator, person: np.ndarray, day: np.ndarray, same_team: np.ndarray, eligible: np.ndarray
    ) -> np.ndarray:
        """A random `eligible` colleague of each person, employed on its `day`, from its team
        (`same_team`) or else from its desk; -1 when a few draws find none."""
        desk = self.stewarding.astype(np.int64)
        n_teams = len(self.team_names)
        chosen = np.flatnonzero(eligible)
        group = np.concatenate([self.team[chosen], n_teams + desk[chosen]])
        member = np.concatenate([chosen, chosen])
        order = np.argsort(group, kind="stable")
        group, member = group[order], member[order]
        wanted = np.where(same_team, self.team[person], n_teams + desk[person])
        first = np.searchsorted(group, wanted, side="left")
        size = np.searchsorted(group, wanted, side="right") - first
        hired, left = self.span()
        d = np.asarray(day, dtype="datetime64[D]").astype(np.int64)
        out = np.full(len(person), -1, dtype=np.int64)
        todo = np.flatnonzero(size > 0)
        for _ in range(COLLEAGUE_DRAWS):
            if not len(todo):
                break
            pick = member[first[todo] + (rng.random(len(todo)) * size[todo]).astype(np.int64)]
            ok = (pick != person[todo]) & (hired[pick] <= d[todo]) & (d[todo] <= left[pick])
            out[todo[ok]] = pick[ok]
            todo = todo[~ok]
        return out

    def join(self, other: Roster) -> Roster:
        """Both rosters as one (the other's teams numbered after this one's)."""
        return Roster(
            agent_id=pa.concat_arrays([self.agent_id, other.agent_id]),
            name=np.concatenate([self.name, other.name]),
            team=np.concatenate([self.team, other.team + len(self.team_names)]),
            team_names=self.team_names + other.team_names,
            team_profiles=self.team_profiles + other.team_profiles,
            role=np.concatenate([self.role, other.role]),
            hired=np.concatenate([self.hired, other.hired]),
            left=np.concatenate([self.left, other.left]),
            level=np.concatenate([self.level, other.level]),
            probation=np.concatenate([self.probation, other.probation]),
            traits=Traits(*(np.concatenate([getattr(t, f.name) for t in (self.traits, other.traits)]) for f in fields(Traits))),
        )

    def table(self) -> pa.Table:
        """The roster export (人员档案): levels shown as the HR systems write them, a few with a pay base."""
        pick = (np.arange(len(self)) * 7919 + 13) % 100  # a fixed spread over staff, drawing no random numbers
        style = np.select([pick < 6, pick < 30, (pick < 55) & ~self.stewarding], [-1, 0, 1], 2)
        shown = np.where((style < 0) | (self.level < 0), -1, np.maximum(style, 0) * len(LEVELS) + self.level)
        pay = np.select([self.role == 2, (self.level == 3) & (pick % 4 == 0)], [MANAGER_PAY_BASE, EXPERT_PAY_BASE], np.nan)
        return pa.table(
            {
                "agent_id": self.agent_id,
                "agent_name": pa.array(self.name, type=pa.string()),
                "team": col.labels(self.team_names, self.team),
                "department": col.labels(self.departments, self.department),
                "role": col.labels(ROLES, self.role),
                "hired_on": col.dates(self.hired),
                "left_on": col.dates(self.left),
                "level": col.labels(LEVEL_CODE + LEVEL_LONG + LEVELS, shown),
                "probation_until": col.dates(self.probation),
                "pay_base": col.floats(np.nan_to_num(pay), ~np.isnan(pay)),
            }
        )


@dataclass(frozen=True)
class DeskRows:
    """A source's rows and, per row, whether the property desk keeps it (in a file of its own)."""

    table: pa.Table
    steward: np.ndarray

    def parts(self) -> tuple[pa.Table, pa.Table]:
        """The call centre's rows, then the property desk's."""
        steward = pa.array(self.steward, type=pa.bool_())
        return self.table.filter(pc.invert(steward)), self.table.filter(steward)


def add_months(days: np.ndarray, months: np.ndarray) -> np.ndarray:
    """The same day `months` later, or that month's last day when it is shorter (NaT stays NaT)."""
    month = days.astype("datetime64[M]")
    moved = month + np.asarray(months).astype("timedelta64[M]")
    day = moved.astype("datetime64[D]") + (days - month.astype("datetime64[D]"))
    return np.minimum(day, (moved + 1).astype("datetime64[D]") - 1)


def _levels(hired: np.ndarray, as_of: np.datetime64) -> np.ndarray:
    known = ~np.isnat(hired)
    years = np.where(known, (as_of - hired).astype("timedelta64[D]").astype(np.int64), 0) / 365.25
    return np.where(known, np.searchsorted(LEVEL_FROM_YEARS, years, side="right") - 1, -1)


def _probation(hired: np.ndarray, period: Period) -> np.ndarray:
    """Hire date + 3 (one in four: 6) months − 1 day; none for records older than the HR system.

    One joiner of the period (preferably one whose probation ends before the cutoff) has it set
    to that month's last day (a 转正 at month end): the edge of "on probation on the month's last day".
    """
    count = len(hired)
    months = np.where((np.arange(count) * 7919) % 4 == 0, PROBATION_MONTHS[1], PROBATION_MONTHS[0])
    until = add_months(hired, months) - np.timedelta64(1, "D")
    kept = hired >= period.cutoff - np.timedelta64(round(PROBATION_KEPT_YEARS * 365.25), "D")
    until = np.where(kept, until, np.datetime64("NaT"))
    joined = np.flatnonzero(hired >= period.start)
    if len(joined):
        ended = joined[until[joined] < period.cutoff]
        first = ended[0] if len(ended) else joined[0]
        until[first] = (until[first].astype("datetime64[M]") + 1).astype("datetime64[D]") - 1
    return until


def _team_names(count: int, pattern: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    profiles = tuple(pattern[i % len(pattern)] for i in range(count))
    names = []
    for i, profile in enumerate(profiles):
        n = profiles[: i + 1].count(profile)
        names.append(TEAM_NAME[profile].format(NUMERALS[n - 1] if n <= len(NUMERALS) else n))
    return tuple(names), profiles


def _names(rng: np.random.Generator, count: int) -> np.ndarray:
    combos = len(SURNAMES) * len(GIVEN)
    pick = rng.choice(combos, size=count, replace=count > combos)
    return np.char.add(np.array(SURNAMES)[pick // len(GIVEN)], np.array(GIVEN)[pick % len(GIVEN)])


def build_roster(rng: np.random.Generator, agents: int, period: Period, desk: Desk = CALL_CENTRE) -> Roster:
    """About `agents` people of one desk in teams of ~10; some leave during the period and are replaced.

    Every date that places a record (a leaving date) lies inside the period.
    """
    n_teams = max(1, round(agents / 10))
    team_names, profiles = _team_names(n_teams, desk.pattern)
    start, span = period.start, int((period.cutoff - period.start).astype(np.int64))

    # Staff on board at the start: one lead per team, one manager per department.
    team = np.arange(agents) % n_teams
    role = np.full(agents, desk.staff_role, dtype=np.int64)
    role[:n_teams] = 1
    first_team: dict[str, int] = {}
    for t, p in enumerate(profiles):
        first_team.setdefault(DEPARTMENT[p], t)
    managers = np.arange(n_teams, min(agents, n_teams + len(first_team)))
    role[managers] = 2
    team[managers] = list(first_team.values())[: len(managers)]
    hired = start - rng.integers(60, 8 * 365, agents).astype("timedelta64[D]")
    hired[rng.random(agents) < 0.03] = np.datetime64("NaT")
    left = np.full(agents, np.datetime64("NaT"), dtype="datetime64[D]")
    leaves = (role == desk.staff_role) & (rng.random(agents) < 1 - (1 - 0.018) ** period.months)
    if not leaves.any() and (role == desk.staff_role).any():  # at least one leaver, even in a short period
        leaves[rng.choice(np.flatnonzero(role == desk.staff_role))] = True
    left[leaves] = start + rng.integers(0, span, leaves.sum()).astype("timedelta64[D]")

    # Replacements join 10-45 days after a leaver, in the same team.
    rep_hired = left[leaves] + rng.integers(10, 46, leaves.sum()).astype("timedelta64[D]")
    keep = rep_hired < period.cutoff
    rep_team = team[leaves][keep]
    rep_hired = rep_hired[keep]
    # Growth hires during the period.
    n_new = max(1, round(agents * 0.04 * period.months / 12))
    new_hired = start + rng.integers(0, span, n_new).astype("timedelta64[D]")

    n_rep, nat = len(rep_hired), np.datetime64("NaT")
    team = np.concatenate([team, rep_team, rng.integers(0, n_teams, n_new)])
    role = np.concatenate([role, np.full(n_rep + n_new, desk.staff_role, dtype=np.int64)])
    hired = np.concatenate([hired, rep_hired, new_hired])
    left = np.concatenate([left, np.full(n_rep + n_new, nat, dtype="datetime64[D]")])
    joiner = np.concatenate([np.zeros(agents, bool), np.ones(n_rep + n_new, bool)])

    # Staff numbers follow the hire date (unknown dates first).
    order = np.argsort(np.where(np.isnat(hired), -FAR, hired.astype(np.int64)), kind="stable")
    team, role, hired, left, joiner = team[order], role[order], hired[order], left[order], joiner[order]
    count = len(team)
    return Roster(
        agent_id=col.ids(desk.prefix, 1001 + np.arange(count), col.width(1000 + count, 4)),
        name=_names(rng, count),
        team=team,
        team_names=team_names,
        team_profiles=profiles,
        role=role,
        hired=hired,
        left=left,
        level=_levels(hired, period.cutoff),
        probation=_probation(hired, period),
        traits=draw_traits(rng, team, n_teams, joiner),
    )
