"""Where a run's Data Docs go, and how many runs keep theirs.

Each run has its own site, `<root>/<run_id>/index.html`, listing every suite
validated in that run. Only the latest `keep_runs` runs are kept; a run's
recency is the time its index was last written.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows has no advisory file locks: writers are not serialised there
    fcntl = None  # type: ignore[assignment]

DEFAULT_KEEP_RUNS = 20
INDEX_PAGE = "index.html"
LOCK_FILE = ".lock"


@dataclass(frozen=True)
class RunDocs:
    """The Data Docs site of one run under `root`, and how many runs `root` keeps."""

    root: Path
    run_id: str
    keep_runs: int = DEFAULT_KEEP_RUNS

    def __post_init__(self) -> None:
        if not self.run_id or self.run_id != Path(self.run_id).name or self.run_id.startswith("."):
            raise ValueError(f"run id must be a plain folder name, got {self.run_id!r}")
        if self.keep_runs < 1:
            raise ValueError(f"keep_runs must be at least 1, got {self.keep_runs}")

    @property
    def run_dir(self) -> Path:
        return self.root / self.run_id

    @property
    def index(self) -> Path:
        return self.run_dir / INDEX_PAGE


@contextmanager
def docs_lock(root: Path) -> Iterator[None]:
    """One writer at a time under `root`: checks of one run may run in parallel processes."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / LOCK_FILE).open("a") as handle:
        if fcntl is not None:
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _last_written(run_dir: Path) -> float:
    index = run_dir / INDEX_PAGE
    return (index if index.exists() else run_dir).stat().st_mtime


def prune_runs(docs: RunDocs) -> list[str]:
    """Delete the sites of all but the latest `keep_runs` runs (this run always stays); the deleted run ids."""
    others = [p for p in docs.root.iterdir() if p.is_dir() and p.name != docs.run_id and not p.name.startswith(".")]
    others.sort(key=_last_written, reverse=True)
    stale = others[docs.keep_runs - 1 :]
    for run_dir in stale:
        shutil.rmtree(run_dir)
    return sorted(p.name for p in stale)
