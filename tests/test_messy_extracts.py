"""Seeded random corruption of a generated landing folder, ingested source by source (no dbt).

For every seed: a readable source never raises, every record is accounted for (read = loaded +
quarantined + superseded), only corrupted records are quarantined, each with a reason (the exact one
where the corruption was designed to break a rule), and every record the corruption did not touch
arrives in raw exactly as from the clean folder. One file per seed is made unreadable and must raise
an ExtractError naming it.
"""

from __future__ import annotations

import csv
import io
import os
import random
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dagster_kpi.contract import Source, load_contract
from dagster_kpi.generate import generate_landing
from dagster_kpi.ingest import ExtractError, IngestReport, ingest_source
from dagster_kpi.ingest.headers import map_headers
from dagster_kpi.sql import ident

CONTRACT = load_contract()
LOADED = datetime(2026, 6, 1)  # `now` for the timestamp range: after the generated months
FUTURE = datetime(2030, 1, 1, 8, 0)
SEEDS = (11, 12, 13)
RATE = 0.03
FLIP_CHARACTERS = 'X9#,"中-.'  # commas and quotes exercise CSV quoting
SWAPS = {
    "calls": ("offered_at", "answered_at"),
    "tickets": ("created_at", "resolved_at"),
    "complaints": ("received_at", "resolved_at"),
}  # (earlier, later) pairs a row rule orders
RULE_REASONS = {"calls": {("answered_before_offered", "answered_at")},
                "tickets": {("first_response_before_created", "first_response_at"),
                            ("transferred_before_created", "transferred_at"),
                            ("resolved_before_created", "resolved_at")},
                "complaints": {("resolved_before_received", "resolved_at")}}  # fmt: skip
KINDS = ("flip", "blank", "out_of_range", "swap", "duplicate", "future")


# --- one landing file as a header and rows of cell values -----------------------------------------------------


@dataclass
class Extract:
    path: Path
    header: list[str]
    rows: list[list[object]]  # text for CSV; typed cells for .xlsx and .parquet
    encoding: str = ""  # CSV only
    schema: pa.Schema | None = None  # .parquet only

    @property
    def kind(self) -> str:
        return self.path.suffix.lower().lstrip(".")


def csv_encoding(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def read_extract(path: Path) -> Extract:
    if path.suffix == ".csv":
        data = path.read_bytes()
        encoding = csv_encoding(data)
        header, *rows = csv.reader(io.StringIO(data.decode(encoding), newline=""))
        return Extract(path, header, rows, encoding=encoding)
    if path.suffix == ".xlsx":
        header, *rows = [list(r) for r in openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True)]
        return Extract(path, [str(h) for h in header], rows)
    table = pq.read_table(path)
    return Extract(path, table.column_names, [list(r.values()) for r in table.to_pylist()], schema=table.schema)


def write_extract(extract: Extract, mtime_ns: int) -> None:
    """Rewrite the file; the original modification time keeps the load order (re-extracts stay later)."""
    path = extract.path
    if extract.kind == "csv":
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([extract.header, *extract.rows])
        path.write_bytes(out.getvalue().encode(extract.encoding))
    elif extract.kind == "xlsx":
        book = openpyxl.Workbook()
        for row in [extract.header, *extract.rows]:
            book.active.append(row)
        book.save(path)
    else:
        columns = list(zip(*extract.rows, strict=True)) if extract.rows else [[] for _ in extract.header]
        arrays = [pa.array(list(c), f.type) for c, f in zip(columns, extract.schema, strict=True)]
        pq.write_table(pa.Table.from_arrays(arrays, schema=extract.schema), path)
    os.utime(path, ns=(mtime_ns, mtime_ns))


# --- corruption -----------------------------------------------------------------------------------------------


@dataclass
class Corruption:
    """What `corrupt_landing` did, per source."""

    touched_keys: dict[str, set[tuple[str, ...]]] = field(default_factory=lambda: defaultdict(set))
    touched_rows: dict[str, set[tuple[str, int]]] = field(default_factory=lambda: defaultdict(set))
    # (file, row) of records built to break a rule -> the acceptable (reason, column)
    expected: dict[str, dict[tuple[str, int], set[tuple[str, str]]]] = field(default_factory=lambda: defaultdict(dict))
    appended: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    unreadable: dict[str, str] = field(default_factory=dict)  # source -> file name


def _text(value: object) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def _timestamp(value: object) -> datetime | None:
    if isinstance(value, datetime) or value in (None, ""):
        return value or None
    return datetime.fromisoformat(str(value).replace("/", "-"))


def _like(extract: Extract, position: int, value: object) -> object:
    """`value` as the file's cell type: text in CSV, the column's type in .parquet."""
    if extract.kind == "csv":
        return _text(value)
    if extract.kind == "parquet" and pa.types.is_string(extract.schema.field(position).type):
        return _text(value)
    return value


class Corruptor:
    def __init__(self, source: Source, extract: Extract, rng: random.Random, record: Corruption) -> None:
        self.source, self.extract, self.rng, self.record = source, extract, rng, record
        self.columns = map_headers(source, extract.header).columns  # canonical column -> position
        self.name = extract.path.name

    def key(self, row: list[object]) -> tuple[str, ...]:
        return tuple(_text(row[self.columns[k]]) for k in self.source.key)

    def touch(self, row_number: int, *rows: list[object]) -> None:
        self.record.touched_rows[self.source.name].add((self.name, row_number))
        self.record.touched_keys[self.source.name].update(self.key(r) for r in rows)

    def expect(self, row_number: int, reasons: set[tuple[str, str]]) -> None:
        self.record.expected[self.source.name][(self.name, row_number)] = reasons

    def apply(self, kind: str, number: int, row: list[object]) -> bool:
        """Corrupt record `number` (1-based) in place or append a record; False when `kind` does not apply."""
        return getattr(self, kind)(number, row)

    def flip(self, number: int, row: list[object]) -> bool:
        """Replace one character of a text cell (.parquet: of a string column)."""
        cells = [i for i, v in enumerate(row) if isinstance(v, str) and v.strip()]
        if not cells:
            return False
        i = self.rng.choice(cells)
        before = list(row)
        at = self.rng.randrange(len(row[i]))
        row[i] = row[i][:at] + self.rng.choice(FLIP_CHARACTERS) + row[i][at + 1 :]
        self.touch(number, before, row)
        return True

    def blank(self, number: int, row: list[object]) -> bool:
        required = [c.name for c in self.source.columns if not c.nullable and c.name in self.columns]
        column = self.rng.choice(required)
        self.touch(number, row)
        row[self.columns[column]] = _like(self.extract, self.columns[column], None)
        self.expect(number, {("missing_value", column)})
        return True

    def out_of_range(self, number: int, row: list[object]) -> bool:
        bounded = [c for c in self.source.columns if c.name in self.columns and (c.min is not None or c.max is not None)]
        if not bounded:
            return False
        column = self.rng.choice(bounded)
        above = column.max is not None and (column.min is None or self.rng.random() < 0.5)
        value = column.max + self.rng.randint(1, 50) if above else column.min - self.rng.randint(1, 50)
        self.touch(number, row)
        row[self.columns[column.name]] = _like(
            self.extract, self.columns[column.name], float(value) if column.type == "float" else int(value)
        )
        self.expect(number, {("above_max" if above else "below_min", column.name)})
        return True

    def swap(self, number: int, row: list[object]) -> bool:
        if self.source.name not in SWAPS:
            return False
        first, second = (self.columns[c] for c in SWAPS[self.source.name])
        early, late = _timestamp(row[first]), _timestamp(row[second])
        if early is None or late is None or not early < late:
            return False
        self.touch(number, row)
        row[first], row[second] = row[second], row[first]
        self.expect(number, RULE_REASONS[self.source.name])
        return True

    def duplicate(self, number: int, row: list[object]) -> bool:
        """An identical record at the end of the file: it supersedes the original."""
        self.extract.rows.append(list(row))
        self.touch(len(self.extract.rows), row)
        self.record.appended[self.source.name] += 1
        return True

    def future(self, number: int, row: list[object]) -> bool:
        """A new record (fresh key) at the end of the file, one of its timestamps in the future."""
        stamps = [c.name for c in self.source.columns if c.type == "timestamp" and c.name in self.columns
                  and _timestamp(row[self.columns[c.name]]) is not None]  # fmt: skip
        if not stamps or len(self.source.key) != 1:
            return False
        column, key = self.rng.choice(stamps), self.columns[self.source.key[0]]
        new = list(row)
        new[key] = f"{_text(row[key])}-F{len(self.extract.rows)}"
        new[self.columns[column]] = _like(self.extract, self.columns[column], FUTURE)
        self.extract.rows.append(new)
        self.touch(len(self.extract.rows), new)
        self.expect(len(self.extract.rows), {("timestamp_out_of_range", column)})
        self.record.appended[self.source.name] += 1
        return True


def break_file(path: Path, rng: random.Random) -> None:
    """Make one file unreadable as a damaged export would be."""
    data = path.read_bytes()
    if path.suffix in (".xlsx", ".parquet"):
        path.write_bytes(data[: rng.randrange(len(data) // 4, len(data) * 3 // 4)])
        return
    middle = data.index(b"\n", len(data) // 2) + 1
    # DuckDB ignores empty fields past the header's width: the extra field must hold a value
    damage = rng.choice([b"\x00", b"extra,fields" + b"," * 20 + b"x\n", b'"unterminated,\n'])
    path.write_bytes(data[:middle] + damage + data[middle:])


def corrupt_landing(src: Path, dst: Path, seed: int, rate: float) -> Corruption:
    """Copy `src` to `dst` and corrupt about `rate` of the records of every file; one file becomes unreadable."""
    rng = random.Random(seed)
    record = Corruption()
    shutil.copytree(src, dst)
    for source in CONTRACT.values():
        for path in sorted((dst / source.name).iterdir()):
            extract = read_extract(path)
            corruptor = Corruptor(source, extract, rng, record)
            for number in range(1, len(extract.rows) + 1):  # records appended on the way are not revisited
                if rng.random() < rate:
                    for kind in rng.sample(KINDS, len(KINDS)):  # the first kind that applies to this record
                        if corruptor.apply(kind, number, extract.rows[number - 1]):
                            break
            write_extract(extract, path.stat().st_mtime_ns)
    broken = rng.choice(sorted(p for p in dst.glob("*/*") if p.is_file()))
    break_file(broken, rng)
    record.unreadable[broken.parent.name] = broken.name
    return record


# --- the test -------------------------------------------------------------------------------------------------


def key_texts(source: Source) -> str:
    """SQL for raw's key columns as the text the files hold."""
    return ", ".join(f"strftime({ident(k)}, '%Y-%m')" if source.column(k).type == "month" else f"CAST({ident(k)} AS VARCHAR)"
                     for k in source.key)  # fmt: skip


def raw_rows(con: duckdb.DuckDBPyConnection, source: Source) -> dict[tuple[str, ...], tuple]:
    """Every raw row but its load time, by key text."""
    columns = [c for c, *_ in con.execute(f"DESCRIBE raw.{ident(source.name)}").fetchall() if c != "_loaded_at"]
    rows = con.execute(f"SELECT [{key_texts(source)}], {', '.join(map(ident, columns))} "
                       f"FROM raw.{ident(source.name)}").fetchall()  # fmt: skip
    return {tuple(row[0]): row[1:] for row in rows}


def ingest(con: duckdb.DuckDBPyConnection, source: Source, landing: Path) -> IngestReport:
    report = ingest_source(con, source, landing, loaded_at=LOADED)
    assert report.rows_read == report.rows_loaded + report.rows_quarantined + report.rows_superseded
    return report


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int], dict[str, dict]]:
    """The generated landing, and per source its rows read and raw rows by key."""
    landing = tmp_path_factory.mktemp("messy") / "clean"
    generate_landing(landing, months=2, agents=8, scale=0.01, start="2026-01")
    read, raw = {}, {}
    with duckdb.connect() as con:
        for source in CONTRACT.values():
            report = ingest(con, source, landing)
            assert report.rows_quarantined == 0
            read[source.name], raw[source.name] = report.rows_read, raw_rows(con, source)
    return landing, read, raw


@pytest.mark.parametrize("seed", SEEDS)
def test_messy_extracts_lose_no_valid_row(clean, tmp_path, seed):
    landing, clean_read, clean_raw = clean
    messy = tmp_path / "messy"
    record = corrupt_landing(landing, messy, seed, RATE)
    assert sum(len(rows) for rows in record.touched_rows.values()) > 50  # the corruption did something
    with duckdb.connect() as con:
        for source in CONTRACT.values():
            name = source.name
            if name in record.unreadable:
                with pytest.raises(ExtractError, match=rf"^{name}/{record.unreadable[name]}: \S"):
                    ingest(con, source, messy)
                continue
            report = ingest(con, source, messy)
            assert report.rows_read == clean_read[name] + record.appended[name]
            quarantined = con.execute(
                f"SELECT _source_file, _source_row, _reason, _column FROM quarantine.{ident(name)}"
            ).fetchall()
            assert all(reason and column for _, _, reason, column in quarantined)
            found = {(file, row): (reason, column) for file, row, reason, column in quarantined}
            assert set(found) <= record.touched_rows[name], "only corrupted records are quarantined"
            for position, reasons in record.expected[name].items():
                assert found.get(position) in reasons, (name, position, found.get(position), reasons)
            raw = raw_rows(con, source)
            untouched = {k: v for k, v in clean_raw[name].items() if k not in record.touched_keys[name]}
            assert {k: raw.get(k) for k in untouched} == untouched, f"{name}: an untouched record changed or is lost"
