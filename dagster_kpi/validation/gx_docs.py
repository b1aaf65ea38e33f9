"""Great Expectations Data Docs for one run, built from results already computed.

A run's folder holds its site (`index.html`, `validations/`, `expectations/`,
`static/`) and, under `store/`, the suites and results the site is rendered
from. Each validation adds its result there and re-renders the index from all
of them, so the index lists every suite the run validated with pass/fail; the
expectations are never run again for the docs.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import great_expectations as gx
import great_expectations.render.view as gx_view
from great_expectations.core.expectation_validation_result import ExpectationSuiteValidationResult
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context import EphemeralDataContext
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)
from great_expectations.render.renderer.site_builder import SiteBuilder

from dagster_kpi.validation.docs import RunDocs, docs_lock, prune_runs

STORE_DIR = "store"  # inside a run's folder: the suites and results its site is rendered from
STATIC_FILES = ("images/favicon.ico", "images/logo-long.png")  # linked from every page's header


def _filesystem(directory: Path) -> dict[str, str]:
    return {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(directory)}


def _docs_context(run_dir: Path) -> EphemeralDataContext:
    """An ephemeral context whose suite and result stores are files in the run's folder."""
    defaults = InMemoryStoreBackendDefaults()
    stores = defaults.stores
    stores[defaults.expectations_store_name]["store_backend"] = _filesystem(run_dir / STORE_DIR / "expectations")
    stores[defaults.validation_results_store_name]["store_backend"] = _filesystem(run_dir / STORE_DIR / "validations")
    config = DataContextConfig(
        store_backend_defaults=defaults,
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


@lru_cache(maxsize=1)
def _run_site(run_dir: Path, run_id: str) -> tuple[EphemeralDataContext, SiteBuilder]:
    """The run's context and site builder, kept for the run's next suites: its page templates compile once."""
    context = _docs_context(run_dir)
    site = SiteBuilder(
        data_context=context,
        store_backend=_filesystem(run_dir),
        site_name=f"run {run_id}",
        show_how_to_buttons=False,
        runtime_environment={"root_directory": None},
    )
    return context, site


def _copy_static_files(run_dir: Path) -> None:
    """The static files the pages link to; GX's other static files (fonts, tutorial GIFs, 4 MB) are not."""
    source = Path(gx_view.__file__).parent / "static"
    for name in STATIC_FILES:
        target = run_dir / "static" / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / name, target)


def write_run_docs(docs: RunDocs, suite: gx.ExpectationSuite, result: ExpectationSuiteValidationResult) -> Path:
    """Add `result` of `suite` to the run's Data Docs, re-render its index, prune old runs; the index path."""
    run = RunIdentifier(run_name=docs.run_id, run_time=datetime.now(UTC))
    result.meta["run_id"] = run
    result.meta["validation_time"] = run.run_time  # a datetime, as GX's own runs set it
    suite_key = ExpectationSuiteIdentifier(name=suite.name)
    result_key = ValidationResultIdentifier(expectation_suite_identifier=suite_key, run_id=run, batch_identifier=result.batch_id)
    with docs_lock(docs.root):
        context, site = _run_site(docs.run_dir, docs.run_id)
        context.expectations_store.add_or_update(suite_key, suite)
        context.validation_results_store.set(result_key, result)
        for section in site.site_section_builders.values():
            section.build(resource_identifiers=[suite_key, result_key])
        _copy_static_files(docs.run_dir)
        _, links = site.site_index_builder.build()
        rendered = site.target_store.store_backends[ValidationResultIdentifier].has_key(result_key.to_tuple())
        listed = [link["expectation_suite_name"] for link in (links or {}).get("validations_links", [])]
        if not rendered or suite.name not in listed:
            raise RuntimeError(f"Data Docs of run {docs.run_id}: suite {suite.name} could not be rendered")
        prune_runs(docs)
    return docs.index
