"""What Dagster's own tooling loads (`dagster dev -m dagster_kpi.definitions`, as `[tool.dagster]` names it).

The definitions are built when Dagster loads them, from the settings of that process (`kpi.toml`,
`KPI_*`): importing this module reads nothing. A test, a notebook or a second code location builds
definitions for any warehouse with `dagster_kpi.defs.build.build_definitions(settings)`.
"""

from __future__ import annotations

from dagster import Definitions, definitions

from dagster_kpi.defs.build import build_definitions
from dagster_kpi.settings import load_settings


@definitions
def defs() -> Definitions:
    return build_definitions(load_settings())
