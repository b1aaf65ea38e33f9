"""`kpi generate`: a deterministic synthetic landing folder for every source."""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path

import duckdb
import numpy as np

from dagster_kpi.contract import load_contract

from . import write
from .assessments import build_exams, build_qa_reviews
from .callbacks import build_callbacks
from .calls import CALLS_PER_MONTH, call_month, reextract
from .complaints import build_complaints
from .contacts import concat
from .customers import build_customers
from .management import build_collaboration, build_plans, build_report_issues
from .people import build_roster
from .streams import stream
from .surveys import build_surveys
from .tickets import TICKETS_PER_MONTH, build_tickets
from .timeline import Period, resolve_period


def _check(months: int, agents: int, scale: float, seed: int) -> None:
    if months < 1:
        raise ValueError(f"months must be at least 1, got {months}")
    if agents < 1:
        raise ValueError(f"agents must be at least 1, got {agents}")
    if not scale > 0:
        raise ValueError(f"scale must be above 0, got {scale}")
    if seed < 0:
        raise ValueError(f"seed must be 0 or more, got {seed}")


def _fresh(folder: Path) -> Path:
    """An empty source folder (files of an earlier run would mix in)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def _month_label(period: Period, month: int) -> str:
    return str(period.month_starts[month].astype("datetime64[M]"))


def generate_landing(out: Path, *, months: int = 12, agents: int = 60, scale: float = 1.0, seed: int = 7,
                     start: str | None = None) -> dict[str, int]:
    """Write `out/<source>/` for every source of the contract; returns the rows written per source.

    The same arguments give byte-identical files (within one calendar day when
    `start` is omitted: the default period ends with the last complete month).
    """
    _check(months, agents, scale, seed)
    period = resolve_period(start, months, date.today())
    contract = load_contract()
    folders = {name: _fresh(Path(out) / name) for name in contract}
    stamp = datetime.fromisoformat(str(period.cutoff))  # the extract time, also inside .xlsx files
    rows = dict.fromkeys(contract, 0)
    roster = build_roster(stream(seed, "agents"), agents, period)
    customers = build_customers(stream(seed, "customers"), period, scale)
    con = duckdb.connect()

    # Calls: one file a month, written while the next month is drawn.
    strain = stream(seed, "strain").uniform(0.85, 1.45, months)
    redo = max(period.active_months - 2, 0)
    volume = np.zeros(months, dtype=np.int64)
    surveyed, complained, pending = [], [], []
    with ThreadPoolExecutor(max_workers=1) as pool:
        for m in range(period.active_months):
            month = call_month(stream(seed, "calls", m), period, m, roster, customers, scale, strain[m])
            label = _month_label(period, m)
            pending.append(pool.submit(write.write_csv, con, month.table, folders["calls"] / f"calls_{label}.csv",
                                       contract["calls"]))
            if m == redo:
                again = reextract(stream(seed, "reextract"), month.table)
                pending.append(pool.submit(write.write_csv, con, again,
                                           folders["calls"] / f"calls_{label}_reextract.csv", contract["calls"],
                                           chinese=True, encoding="utf-8-sig"))
            surveyed.append(month.surveyed)
            complained.append(month.complained)
            volume[m] = month.table.num_rows
        rows["calls"] = sum(f.result() for f in pending)
    _later_than(folders["calls"] / f"calls_{_month_label(period, redo)}_reextract.csv",
                folders["calls"] / f"calls_{_month_label(period, redo)}.csv")

    tickets = build_tickets(stream(seed, "tickets"), period, roster, customers, scale)
    complaints = build_complaints(stream(seed, "complaints"), period, roster, customers, concat(complained),
                                  tickets.complained, scale)
    callbacks = build_callbacks(stream(seed, "callbacks"), period, roster, customers, complaints.resolved,
                                tickets.resolved, scale)
    surveys = build_surveys(stream(seed, "surveys"), period, roster, customers,
                            [concat(surveyed), tickets.resolved, complaints.resolved, callbacks.completed])
    responded = surveys.column("responded_at").to_numpy().astype("datetime64[D]")
    survey_months = np.bincount(period.month_of(responded), minlength=months)
    volume += tickets.per_month

    def slashed(source: str, n: int, share: float) -> np.ndarray:
        """Rows of a Chinese export whose dates are written YYYY/MM/DD."""
        return stream(seed, f"slash-{source}").random(n) < share

    rows["tickets"] = write.write_csv(con, tickets.table, folders["tickets"] / "tickets.csv", contract["tickets"])
    rows["complaints"] = write.write_csv(
        con, complaints.table, folders["complaints"] / "投诉明细.csv", contract["complaints"], chinese=True,
        encoding="gbk", slash=slashed("complaints", complaints.table.num_rows, 0.05))
    rows["callbacks"] = write.write_csv(
        con, callbacks.table, folders["callbacks"] / "回访记录.csv", contract["callbacks"], chinese=True,
        encoding="gbk", slash=slashed("callbacks", callbacks.table.num_rows, 0.1))
    rows["surveys"] = write.write_parquet(surveys, folders["surveys"] / "surveys.parquet")
    mid = period.start + (period.cutoff - period.start) // 2
    for as_of in (mid, period.cutoff - 1):
        name = f"crm_customers_{str(as_of).replace('-', '')}.csv"
        rows["customers"] += write.write_csv(con, customers.snapshot(as_of), folders["customers"] / name,
                                             contract["customers"])
    rows["agents"] = write.write_xlsx(con, roster.table(), folders["agents"] / "人员档案.xlsx", contract["agents"],
                                      chinese=True, stamp=stamp)
    rows["qa_reviews"] = write.write_csv(con, build_qa_reviews(stream(seed, "qa"), period, roster),
                                         folders["qa_reviews"] / "qa_reviews.csv", contract["qa_reviews"])
    rows["exams"] = write.write_xlsx(con, build_exams(stream(seed, "exams"), period, roster),
                                     folders["exams"] / "业务考试成绩.xlsx", contract["exams"], chinese=True, stamp=stamp)
    rows["collaboration_surveys"] = write.write_csv(
        con, build_collaboration(stream(seed, "collaboration"), period),
        folders["collaboration_surveys"] / "部门协作满意度.csv", contract["collaboration_surveys"], chinese=True)
    rows["report_issues"] = write.write_csv(con, build_report_issues(stream(seed, "report_issues"), period),
                                            folders["report_issues"] / "report_issues.csv", contract["report_issues"])
    plans = build_plans(stream(seed, "plans"), period, scale, volume, survey_months,
                        CALLS_PER_MONTH + TICKETS_PER_MONTH)
    rows["plans"] = write.write_csv(con, plans, folders["plans"] / "plans.csv", contract["plans"])
    con.close()
    return rows


def _later_than(newer: Path, older: Path) -> None:
    """Make sure a re-extract's modification time is after the file it corrects."""
    before = older.stat().st_mtime_ns
    if newer.stat().st_mtime_ns <= before:
        os.utime(newer, ns=(before + 1_000_000, before + 1_000_000))

