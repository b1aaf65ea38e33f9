"""Staff assessments: QA reviews of recorded work, the monthly knowledge exam and manual ratings (考评)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import columns as col
from .patterns import OFFICE_HOURS, times_on, weekday
from .people import DeskRows, Roster
from .timeline import Period

REVIEWS_PER_MONTH = np.array([4.0, 2.0, 0.0, 0.0])  # by role: agents, team leads, managers, stewards
EXAM_DAY = 19  # days after the month start; a weekend moves it to Monday

RATER_TYPES = ("self", "peer", "supervisor", "manager")
RATING_ITEMS = ("工作态度", "业务能力", "团队协作", "工作纪律")
# Items each rater type scores, as indexes into RATING_ITEMS; the manager gives one overall score (no item).
RATER_ITEMS = ((0, 1, 2, 3), (0, 2), (0, 1, 2, 3), (-1,))
RATER_BIAS = np.array([3.0, 1.0, 0.0, -1.0])  # self-ratings run high, managers a little strict
PEER_DRAWS = 3  # peers drawn per person and month (a repeat is dropped)
MIN_RATED_DAYS = 5  # days worked in a month to be rated for it
ANONYMOUS_PEERS = 0.3  # team-months whose peer forms are anonymous (no rater_id)
UNSIGNED_SELF = 0.1  # self-assessments handed in without the rater's number


def _score(rng: np.random.Generator, mean: np.ndarray, spread: float) -> np.ndarray:
    """Scores on 0-100 in half points."""
    return np.clip(np.round(rng.normal(mean, spread) * 2) / 2, 0, 100)


def build_qa_reviews(rng: np.random.Generator, period: Period, roster: Roster) -> pa.Table:
    """Reviews of each person and month, in proportion to the days they worked."""
    lo, hi = roster.worked(period)
    worked = np.maximum(hi - lo + 1, 0)
    length = np.array([len(period.month_days(m)) for m in range(period.active_months)])[:, None]
    counts = rng.poisson(REVIEWS_PER_MONTH[roster.role][None, :] * worked / length)
    month, person = np.nonzero(counts)
    reps = counts[month, person]
    month, person = np.repeat(month, reps), np.repeat(person, reps)
    offset = (rng.random(len(person)) * worked[month, person]).astype(np.int64)
    reviewed = times_on(rng, (lo[month, person] + offset).astype("datetime64[D]"), OFFICE_HOURS)
    score = _score(rng, roster.traits.qa[person] + rng.normal(0.0, 1.5, period.months)[month], 6.0)
    order = np.argsort(reviewed, kind="stable")
    n = len(order)
    return pa.table(
        {
            "review_id": col.ids("QA", np.arange(1, n + 1), col.width(n, 7)),
            "agent_id": col.labels(roster.agent_id, person[order]),
            "reviewed_at": col.timestamps(reviewed[order]),
            "score": col.floats(score[order]),
        }
    )


def build_exams(rng: np.random.Generator, period: Period, roster: Roster) -> pa.Table:
    """One exam a month for agents and team leads at work that day; a few miss it."""
    starts = period.month_starts[: period.active_months]
    exam_day = starts + EXAM_DAY
    weekend = np.select([weekday(exam_day) == 5, weekday(exam_day) == 6], [2, 1], 0)
    exam_day = exam_day + weekend.astype("timedelta64[D]")
    exam_day = exam_day[exam_day < period.cutoff]
    present = roster.employed(exam_day) & (roster.role < 2)[None, :] & (rng.random((len(exam_day), len(roster))) < 0.92)
    month, person = np.nonzero(present)
    score = _score(rng, roster.traits.exam[person] + rng.normal(0.0, 2.0, period.months)[month], 7.0)
    label = np.char.replace(exam_day.astype("datetime64[M]").astype(str), "-", "")
    return pa.table(
        {
            "exam_id": pa.array(np.char.add("EX", label)[month], type=pa.string()),
            "agent_id": col.labels(roster.agent_id, person),
            "exam_date": col.dates(exam_day[month]),
            "score": col.floats(score),
        }
    )


def _heads(staff: Roster, role: int, group: np.ndarray, groups: int) -> np.ndarray:
    """Per team (or department) the first person with `role` in it; -1 when none."""
    out = np.full(groups, -1, dtype=np.int64)
    holders = np.flatnonzero(staff.role == role)[::-1]  # the first holder written last wins
    out[group[holders]] = holders
    return out


def build_ratings(rng: np.random.Generator, period: Period, staff: Roster) -> DeskRows:
    """Monthly ratings of every frontline person who worked the month: self, two or three
    peers of the team, the team lead (上级) and the department head (部门负责人), each on its
    items. In the last month the first team's round is not finished: only self-ratings."""
    lo, hi = staff.worked(period)
    month, person = np.nonzero((hi - lo + 1 >= MIN_RATED_DAYS) & staff.frontline[None, :])
    last_day = hi[month, person].astype("datetime64[D]")
    team = staff.team[person]
    peer_of = np.repeat(np.arange(len(person)), PEER_DRAWS)
    peer = staff.colleagues(rng, person[peer_of], last_day[peer_of], np.ones(len(peer_of), dtype=bool), staff.frontline)
    found = np.unique(np.stack([peer_of, peer])[:, peer >= 0], axis=1)  # (rated, peer) once each
    lead = _heads(staff, 1, staff.team, len(staff.team_names))[team]
    head = _heads(staff, 2, staff.department, len(staff.departments))[staff.department[person]]

    rated = np.concatenate([np.arange(len(person)), found[0], np.arange(len(person)), np.arange(len(person))])
    kind = np.repeat([0, 1, 2, 3], [len(person), found.shape[1], len(person), len(person)])
    rater = np.concatenate([person, found[1], lead, head])
    unfinished = (month[rated] == period.active_months - 1) & (team[rated] == 0) & (kind > 0)
    order = np.flatnonzero(~unfinished)
    order = order[np.lexsort((kind[order], rated[order]))]
    rated, kind, rater = rated[order], kind[order], rater[order]
    anonymous = rng.random((period.months, len(staff.team_names))) < ANONYMOUS_PEERS
    unsigned = np.select(
        [kind == 0, kind == 1], [rng.random(len(kind)) < UNSIGNED_SELF, anonymous[month[rated], team[rated]]], False
    )
    rater = np.where(unsigned, -1, rater)
    leniency = rng.normal(0.0, 2.0, len(kind))  # each rater's own

    per_rater = np.array([len(items) for items in RATER_ITEMS])[kind]
    row = np.repeat(np.arange(len(kind)), per_rater)
    nth = np.arange(len(row)) - np.repeat(np.cumsum(per_rater) - per_rater, per_rater)
    longest = max(len(items) for items in RATER_ITEMS)
    grid = np.array([list(items) + [-1] * (longest - len(items)) for items in RATER_ITEMS])
    item = grid[kind[row], nth]
    who, when = person[rated[row]], month[rated[row]]
    mood = rng.normal(0.0, 1.0, period.months)  # the month's mood over all forms
    mean = staff.traits.rating[who] + RATER_BIAS[kind[row]] + leniency[row] + mood[when]
    score = np.clip(np.round(rng.normal(mean, 2.5)), 0, 100)
    n = len(row)
    return DeskRows(
        table=pa.table(
            {
                "rating_id": col.ids("PF", np.arange(1, n + 1), col.width(n, 7)),
                "period_month": col.dates(period.month_starts[when]),
                "agent_id": col.labels(staff.agent_id, who),
                "rater_type": col.labels(RATER_TYPES, kind[row]),
                "rater_id": col.labels(staff.agent_id, rater[row]),
                "item": col.labels(RATING_ITEMS, item),
                "score": col.floats(score),
            }
        ),
        steward=staff.stewarding[who],
    )
