"""What the landing sensor does, as one process: evaluate the landing folder against the sensor's previous cursor,
then execute the run it requests (its job, its tags) through the product's runner.

    python -m bench.sensor --landing DIR --warehouse FILE --cursor FILE

The cursor file holds the fingerprint the sensor stored at its previous evaluation (`sensors.encode`). The
evaluation is made as at the first tick after the folder settled (`sensor_settle_seconds` after its newest file
was modified, or now if that is later): the benchmark does not wait for the settle time to pass. Exit 0 when the
run published; 1, with the reason, when the sensor requested no run or the run did not publish.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from dagster_kpi.data_months import first_month
from dagster_kpi.defs.partitions import monthly_partitions, run_partition_tags
from dagster_kpi.defs.schedules import build_refresh_job
from dagster_kpi.defs.sensors import evaluate_landing, landing_fingerprint
from dagster_kpi.runner import check_run_paths, run_requested
from dagster_kpi.settings import configure_dagster_process, load_settings

NS = 1_000_000_000


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sensor", description=__doc__.splitlines()[0])
    parser.add_argument("--landing", required=True, type=Path)
    parser.add_argument("--warehouse", required=True, type=Path)
    parser.add_argument("--cursor", required=True, type=Path, help="file holding the sensor's previous cursor")
    args = parser.parse_args(argv)
    configure_dagster_process()
    settings = load_settings(landing=str(args.landing), warehouse=str(args.warehouse))
    check_run_paths(settings.landing, settings.warehouse)
    newest = max((mtime for _size, mtime in landing_fingerprint(settings.landing, settings.allow_outside_links).values()),
                 default=0)  # fmt: skip
    now_ns = max(time.time_ns(), newest + settings.sensor_settle_seconds * NS)
    result = evaluate_landing(settings.landing, args.cursor.read_text(encoding="utf-8"), settings.sensor_settle_seconds,
                              now_ns, run_partition_tags(monthly_partitions(first_month(settings))),
                              settings.ignored_folders, settings.allow_outside_links)  # fmt: skip
    if not result.run_requests:
        print(f"bench.sensor: no run requested: {result.skip_reason}", file=sys.stderr)
        return 1
    (request,) = result.run_requests
    print(f"run requested: {request.run_key}, tags {dict(request.tags)}")
    # The landing sensor's job: the refresh job of the definitions (`build_definitions`).
    outcome = run_requested(settings, build_refresh_job().name, request.tags)
    if not outcome.success:
        print(f"bench.sensor: not published: {outcome.reason}", file=sys.stderr)
        return 1
    print(f"published marts to {settings.warehouse}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
