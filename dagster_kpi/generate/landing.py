"""`kpi generate`: a deterministic synthetic landing folder for every source."""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from dagster_kpi.contract import Source, load_contract

from . import write
from .assessments import build_exams, build_qa_reviews, build_ratings
from .attendance import build_attendance, build_shift_swaps
from .callbacks import build_callbacks
from .calls import CALLS_PER_MONTH, call_month, reextract
from .complaints import build_complaints
from .contacts import Contacts, concat
from .customers import Customers, build_customers
from .management import build_collaboration, build_plans, build_report_issues
from .people import PROPERTY_DESK, Roster, build_roster, desk_size
from .property import build_estate, build_facility_checks, build_fee_collection
from .streams import stream
from .surveys import build_surveys
from .tickets import TICKETS_PER_MONTH, build_tickets
from .timeline import Period, resolve_period
from .violations import build_violations


@dataclass(frozen=True)
class Export:
    """Where and how one run writes its files."""

    con: duckdb.DuckDBPyConnection
    contract: dict[str, Source]
    folders: dict[str, Path]
    seed: int
    stamp: datetime  # the extract time, also recorded inside .xlsx files

    def csv(
        self, source: str, table: pa.Table, name: str, *, chinese: bool = False, encoding: str = "utf-8", slashed: float = 0.0
    ) -> int:
        """`slashed`: share of rows whose dates are written YYYY/MM/DD."""
        slash = stream(self.seed, f"slash-{source}").random(table.num_rows) < slashed if slashed else None
        return write.write_csv(
            self.con, table, self.folders[source] / name, self.contract[source], chinese=chinese, encoding=encoding, slash=slash
        )

    def xlsx(self, source: str, table: pa.Table, name: str) -> int:
        return write.write_xlsx(
            self.con, table, self.folders[source] / name, self.contract[source], chinese=True, stamp=self.stamp
        )

    def parquet(self, source: str, table: pa.Table, name: str) -> int:
        return write.write_parquet(table, self.folders[source] / name)


@dataclass(frozen=True)
class CallsWritten:
    rows: int
    per_month: np.ndarray
    surveyed: Contacts
    complained: Contacts


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


def _write_calls(export: Export, period: Period, roster: Roster, customers: Customers, scale: float) -> CallsWritten:
    """One file a month, written while the next month is drawn, plus a re-extract of one month."""
    folder, seed = export.folders["calls"], export.seed
    strain = stream(seed, "strain").uniform(0.85, 1.45, period.months)
    redo = max(period.active_months - 2, 0)
    per_month = np.zeros(period.months, dtype=np.int64)
    surveyed, complained, pending = [], [], []
    with ThreadPoolExecutor(max_workers=1) as pool:
        for m in range(period.active_months):
            month = call_month(stream(seed, "calls", m), period, m, roster, customers, scale, strain[m])
            label = str(period.month_starts[m].astype("datetime64[M]"))
            pending.append(pool.submit(export.csv, "calls", month.table, f"calls_{label}.csv"))
            if m == redo:
                again = reextract(stream(seed, "reextract"), month.table)
                pending.append(
                    pool.submit(export.csv, "calls", again, f"calls_{label}_reextract.csv", chinese=True, encoding="utf-8-sig")
                )
                redo_name = f"calls_{label}"
            surveyed.append(month.surveyed)
            complained.append(month.complained)
            per_month[m] = month.table.num_rows
        rows = sum(f.result() for f in pending)
    _later_than(folder / f"{redo_name}_reextract.csv", folder / f"{redo_name}.csv")
    return CallsWritten(rows, per_month, concat(surveyed), concat(complained))


def _later_than(newer: Path, older: Path) -> None:
    """Make sure a re-extract's modification time is after the file it corrects."""
    before = older.stat().st_mtime_ns
    if newer.stat().st_mtime_ns <= before:
        os.utime(newer, ns=(before + 1_000_000, before + 1_000_000))


def _write_assessment(export: Export, period: Period, staff: Roster) -> dict[str, int]:
    """The assessment sources, per person and building (so they follow --agents and --months, not
    --scale): the call centre's attendance as monthly GBK exports of the time clock, the property
    desk's own sheets beside the call centre's; the small ones as workbooks (written cell by cell)."""
    seed = export.seed
    attendance = build_attendance(stream(seed, "attendance"), period, staff)
    estate = build_estate(stream(seed, "estate"), period, staff)
    ratings = build_ratings(stream(seed, "ratings"), period, staff).parts()
    violations = build_violations(stream(seed, "violations"), period, staff, estate).parts()
    clocked = 0
    for m in range(period.active_months):
        label = str(period.month_starts[m].astype("datetime64[M]"))
        rows = attendance.table.filter(pa.array(~attendance.steward & (attendance.month == m)))
        clocked += export.csv("attendance", rows, f"考勤记录_{label}.csv", chinese=True, encoding="gbk")
    desk = attendance.table.filter(pa.array(attendance.steward))
    return {
        "attendance": clocked + export.csv("attendance", desk, "物业服务中心考勤.csv", chinese=True, encoding="utf-8-sig"),
        "shift_swaps": export.xlsx("shift_swaps", build_shift_swaps(stream(seed, "swaps"), period, staff), "换班申请单.xlsx"),
        "ratings": export.csv("ratings", ratings[0], "ratings.csv")
        + export.csv("ratings", ratings[1], "物业客服员考评表.csv", chinese=True, encoding="gbk"),
        "violations": export.xlsx("violations", violations[0], "员工处罚通知单.xlsx")
        + export.csv("violations", violations[1], "部门日检表.csv", chinese=True, encoding="gbk", slashed=0.05),
        "fee_collection": export.xlsx(
            "fee_collection", build_fee_collection(stream(seed, "fee_collection"), period, staff, estate), "物业费收缴.xlsx"
        ),
        "facility_checks": export.csv(
            "facility_checks",
            build_facility_checks(stream(seed, "facility_checks"), period, staff, estate),
            "facility_checks.csv",
            slashed=0.1,
        ),
    }


def generate_landing(
    out: Path, *, months: int = 12, agents: int = 60, scale: float = 1.0, seed: int = 7, start: str | None = None
) -> dict[str, int]:
    """Write `out/<source>/` for every source of the contract; returns the rows written per source.

    Each source folder is replaced. The same arguments give byte-identical
    files (when `start` is omitted, within one calendar month: the period then
    ends with the last complete month).
    """
    _check(months, agents, scale, seed)
    if Path(out).exists() and not Path(out).is_dir():
        raise ValueError(f"landing folder {out} is a file")
    period = resolve_period(start, months, date.today())
    contract = load_contract()
    folders = {name: _fresh(Path(out) / name) for name in contract}
    roster = build_roster(stream(seed, "agents"), agents, period)  # the call centre, which takes the contacts
    staff = roster.join(build_roster(stream(seed, "stewards"), desk_size(agents), period, PROPERTY_DESK))
    customers = build_customers(stream(seed, "customers"), period, scale)
    with duckdb.connect() as con:
        export = Export(con, contract, folders, seed, datetime.fromisoformat(str(period.cutoff)))
        calls = _write_calls(export, period, roster, customers, scale)
        tickets = build_tickets(stream(seed, "tickets"), period, roster, customers, scale)
        complaints = build_complaints(
            stream(seed, "complaints"), period, roster, customers, calls.complained, tickets.complained, scale
        )
        callbacks = build_callbacks(
            stream(seed, "callbacks"), period, roster, customers, complaints.resolved, tickets.resolved, scale
        )
        surveys = build_surveys(
            stream(seed, "surveys"),
            period,
            roster,
            customers,
            [calls.surveyed, tickets.resolved, complaints.resolved, callbacks.completed],
        )
        responded = surveys.column("responded_at").to_numpy().astype("datetime64[D]")
        plans = build_plans(
            stream(seed, "plans"),
            period,
            scale,
            calls.per_month + tickets.per_month,
            np.bincount(period.month_of(responded), minlength=period.months),
            CALLS_PER_MONTH + TICKETS_PER_MONTH,
        )
        mid = period.start + (period.cutoff - period.start) // 2
        rows = {
            "calls": calls.rows,
            "tickets": export.csv("tickets", tickets.table, "tickets.csv"),
            "complaints": export.csv("complaints", complaints.table, "投诉明细.csv", chinese=True, encoding="gbk", slashed=0.05),
            "callbacks": export.csv("callbacks", callbacks.table, "回访记录.csv", chinese=True, encoding="gbk", slashed=0.1),
            "surveys": export.parquet("surveys", surveys, "surveys.parquet"),
            "customers": sum(  # an older snapshot, then the current one
                export.csv("customers", customers.snapshot(day), f"crm_customers_{str(day).replace('-', '')}.csv")
                for day in (mid, period.cutoff - 1)
            ),
            "agents": export.xlsx("agents", staff.table(), "人员档案.xlsx"),
            "qa_reviews": export.csv("qa_reviews", build_qa_reviews(stream(seed, "qa"), period, roster), "qa_reviews.csv"),
            "exams": export.xlsx("exams", build_exams(stream(seed, "exams"), period, roster), "业务考试成绩.xlsx"),
            "collaboration_surveys": export.csv(
                "collaboration_surveys",
                build_collaboration(stream(seed, "collaboration"), period),
                "部门协作满意度.csv",
                chinese=True,
            ),
            "report_issues": export.csv(
                "report_issues", build_report_issues(stream(seed, "report_issues"), period), "report_issues.csv"
            ),
            "plans": export.csv("plans", plans, "plans.csv"),
            **_write_assessment(export, period, staff),
        }
    return {name: rows[name] for name in contract}
