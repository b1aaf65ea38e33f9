"""The staff roster: teams, roles, joiners and leavers, and each person's working style."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

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
TEAM_NAME = {"hotline": "热线{}组", "online": "在线{}组", "care": "回访{}组"}
DEPARTMENT = {"hotline": "400呼叫中心", "online": "客户服务部", "care": "客户服务部"}
# Share of each kind of work a team takes.
AFFINITY = {
    "hotline": {"calls": 1.0, "tickets": 0.3, "callbacks": 0.3},
    "online": {"calls": 0.25, "tickets": 1.0, "callbacks": 0.3},
    "care": {"calls": 0.3, "tickets": 0.4, "callbacks": 1.0},
}
ROLE_WORK = {"agent": 1.0, "team_lead": 0.3, "manager": 0.0}
ROLES = ("agent", "team_lead", "manager")
LEVELS = ("junior", "intermediate", "senior", "expert")
LEVEL_FROM_YEARS = (0.0, 1.0, 3.0, 6.0)  # years of service from which each level starts
PAY_BASE = (3000.0, 3600.0, 4200.0, 5000.0)  # 绩效工资基数 per level, yuan a month
PROBATION_DAYS = 90

PICK_SLOTS = 4096  # resolution of the per-day work shares
FAR = 10**9  # day number standing in for "no hire date" / "not left"


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

    def table(self) -> pa.Table:
        return pa.table(
            {
                "agent_id": self.agent_id,
                "agent_name": pa.array(self.name, type=pa.string()),
                "team": col.labels(self.team_names, self.team),
                "department": col.labels([DEPARTMENT[p] for p in self.team_profiles], self.team),
                "role": col.labels(ROLES, self.role),
                "hired_on": col.dates(self.hired),
                "left_on": col.dates(self.left),
                "level": col.labels(LEVELS, self.level),
                "probation_until": col.dates(self.hired + np.timedelta64(PROBATION_DAYS, "D")),
                "pay_base": col.floats(np.array(PAY_BASE)[np.maximum(self.level, 0)], self.level >= 0),
            }
        )

    @property
    def level(self) -> np.ndarray:
        """Index into LEVELS by years of service before the latest hire date (-1: hire date unknown)."""
        known = ~np.isnat(self.hired)
        if not known.any():
            return np.full(len(self), -1)
        years = (self.hired[known].max() - self.hired).astype("timedelta64[D]").astype(np.int64) / 365.25
        return np.where(known, np.searchsorted(LEVEL_FROM_YEARS, np.where(known, years, 0), side="right") - 1, -1)


def _team_names(count: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    profiles = tuple(TEAM_PATTERN[i % len(TEAM_PATTERN)] for i in range(count))
    names = []
    for i, profile in enumerate(profiles):
        n = profiles[: i + 1].count(profile)
        names.append(TEAM_NAME[profile].format(NUMERALS[n - 1] if n <= len(NUMERALS) else n))
    return tuple(names), profiles


def _names(rng: np.random.Generator, count: int) -> np.ndarray:
    combos = len(SURNAMES) * len(GIVEN)
    pick = rng.choice(combos, size=count, replace=count > combos)
    return np.char.add(np.array(SURNAMES)[pick // len(GIVEN)], np.array(GIVEN)[pick % len(GIVEN)])


def build_roster(rng: np.random.Generator, agents: int, period: Period) -> Roster:
    """About `agents` people in teams of ~10; some leave during the period and are replaced.

    Every date that places a record (a leaving date) lies inside the period.
    """
    n_teams = max(1, round(agents / 10))
    team_names, profiles = _team_names(n_teams)
    start, span = period.start, int((period.cutoff - period.start).astype(np.int64))

    # Staff on board at the start: one lead per team, one manager per department.
    team = np.arange(agents) % n_teams
    role = np.zeros(agents, dtype=np.int64)
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
    leaves = (role == 0) & (rng.random(agents) < 1 - (1 - 0.018) ** period.months)
    if not leaves.any() and (role == 0).any():  # at least one leaver, even in a short period
        leaves[rng.choice(np.flatnonzero(role == 0))] = True
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
    role = np.concatenate([role, np.zeros(n_rep + n_new, dtype=np.int64)])
    hired = np.concatenate([hired, rep_hired, new_hired])
    left = np.concatenate([left, np.full(n_rep + n_new, nat, dtype="datetime64[D]")])
    joiner = np.concatenate([np.zeros(agents, bool), np.ones(n_rep + n_new, bool)])

    # Staff numbers follow the hire date (unknown dates first).
    order = np.argsort(np.where(np.isnat(hired), -FAR, hired.astype(np.int64)), kind="stable")
    team, role, hired, left, joiner = team[order], role[order], hired[order], left[order], joiner[order]
    count = len(team)
    return Roster(
        agent_id=col.ids("KF", 1001 + np.arange(count), col.width(1000 + count, 4)),
        name=_names(rng, count),
        team=team,
        team_names=team_names,
        team_profiles=profiles,
        role=role,
        hired=hired,
        left=left,
        traits=draw_traits(rng, team, n_teams, joiner),
    )
