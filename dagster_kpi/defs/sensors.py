"""A sensor that starts a refresh when files in the landing folder are added, changed or removed.

The cursor is the landing folder's fingerprint: `{"<source>/<file>": [size, mtime_ns]}` over every
source folder of the contract, with the ingestion's own file rules (`landing_files`). The run key is
a hash of that fingerprint, so one state of the folder never starts two runs. The run's tag
`kpi/changed_sources` names the sources whose files differ from the previous evaluation.

A file modified within the last `sensor_settle_seconds` (setting, default 30) may still be being
copied: the sensor waits for the folder to settle before it requests a run. A file the ingestion
would refuse (an unsupported type, a missing required folder) fails the evaluation with its name.
It evaluates at most every `sensor_interval_seconds` (setting, default 60).
"""

# No `from __future__ import annotations`: Dagster reads the resource parameter's annotation at runtime.

import hashlib
import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from dagster import (
    MonthlyPartitionsDefinition,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from dagster_kpi.contract import load_contract
from dagster_kpi.defs.partitions import run_partition_tags
from dagster_kpi.defs.resources import KpiWarehouse
from dagster_kpi.ingest import ExtractError, landing_files, source_file_name, unexpected_folders

CHANGED_TAG = "kpi/changed_sources"

Fingerprint = dict[str, tuple[int, int]]  # "<source>/<file>" -> (size, mtime_ns)


def landing_fingerprint(landing: Path, allow_outside_links: bool = False) -> Fingerprint:
    """Size and modification time of every extract the ingestion would read (one stat per file)."""
    fingerprint: Fingerprint = {}
    for source in load_contract().values():
        folder = landing / source.name
        for path in landing_files(source, folder, allow_outside_links):
            stat = path.stat()
            fingerprint[f"{source.name}/{source_file_name(folder, path)}"] = (stat.st_size, stat.st_mtime_ns)
    return fingerprint


def encode(fingerprint: Fingerprint) -> str:
    return json.dumps({name: list(value) for name, value in fingerprint.items()}, sort_keys=True)


def decode(cursor: str | None) -> Fingerprint:
    """The previous fingerprint; an absent or unreadable cursor counts as an empty folder."""
    try:
        return {name: (int(size), int(mtime)) for name, (size, mtime) in json.loads(cursor or "{}").items()}
    except (ValueError, TypeError, AttributeError):
        return {}


def changed_sources(before: Mapping[str, tuple[int, int]], after: Mapping[str, tuple[int, int]]) -> list[str]:
    """Sources with a file added, removed, resized or touched, in contract order."""
    changed = {name.split("/", 1)[0] for name in before.keys() ^ after.keys()}
    changed |= {name.split("/", 1)[0] for name in before.keys() & after.keys() if before[name] != after[name]}
    return [source for source in load_contract() if source in changed]


def run_key(fingerprint: Fingerprint) -> str:
    return "landing-" + hashlib.sha256(encode(fingerprint).encode()).hexdigest()[:20]


def evaluate_landing(
    landing: Path,
    cursor: str | None,
    settle_seconds: int,
    now_ns: int,
    partition_tags: Mapping[str, str],
    ignored_folders: Sequence[str] = (),
    allow_outside_links: bool = False,
) -> SensorResult:
    """The sensor's decision for one state of the landing folder, given the previous cursor."""
    if unexpected := unexpected_folders(landing, load_contract(), ignored_folders):
        raise ExtractError(unexpected[0])
    before, after = decode(cursor), landing_fingerprint(landing, allow_outside_links)
    changed = changed_sources(before, after)
    if not changed:
        return SensorResult(skip_reason=f"no new or changed files in {landing}")
    settling = sorted(name for name, (_, mtime) in after.items() if now_ns - mtime < settle_seconds * 1_000_000_000)
    if settling:
        return SensorResult(skip_reason=f"waiting {settle_seconds} s for files still being written: {', '.join(settling)}")
    # Which months changed is known only after ingestion: the run covers every partition, and its dbt build
    # refreshes the months the changed rows touch (dagster_kpi.changes).
    request = RunRequest(run_key=run_key(after), tags={CHANGED_TAG: ",".join(changed), **partition_tags})
    return SensorResult(run_requests=[request], cursor=encode(after))


def build_landing_sensor(
    job: UnresolvedAssetJobDefinition, partitions: MonthlyPartitionsDefinition, interval_seconds: int
) -> SensorDefinition:
    @sensor(job=job, name="landing_sensor", minimum_interval_seconds=interval_seconds,
            description="Starts a refresh when files in the landing folder are added, changed or removed.")  # fmt: skip
    def landing_sensor(context: SensorEvaluationContext, warehouse: KpiWarehouse) -> SensorResult:
        return evaluate_landing(warehouse.landing, context.cursor, warehouse.sensor_settle_seconds, time.time_ns(),
                                run_partition_tags(partitions), warehouse.ignored_folders,
                                warehouse.allow_outside_links)  # fmt: skip

    return landing_sensor
