"""A run's Data Docs: one static page of every suite the run validated, readable with no network.

Great Expectations' own Data Docs load their scripts and styles from public CDNs and render blank offline. This
page is ours: plain HTML with its styles inline and no script, written from the results already computed. Each
validation stores its suite's results as JSON in the run's folder (`results/<suite>.json`) and writes the page
again from all of them:

- a summary: each suite, its table, the rows validated, passed or failed, expectations met;
- per suite, each expectation: its type, columns, passed or failed, the unexpected count, the rows checked, and
  for a failure what was observed.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from dagster_kpi.validation.docs import RunDocs, docs_lock, prune_runs
from dagster_kpi.validation.result import expectation_columns, expectation_detail

RESULTS_DIR = "results"  # inside a run's folder: each suite's results, the page is written from them

STYLE = """
body { font: 14px/1.45 system-ui, "Noto Sans CJK SC", sans-serif; margin: 2em auto; max-width: 72em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; }
table { border-collapse: collapse; width: 100%; margin: .5em 0 1em; }
th, td { border: 1px solid #ccc; padding: .3em .5em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.failed td { background: #fde8e8; } .failed-text { color: #a40000; font-weight: bold; } .passed-text { color: #1b6e20; }
.meta { color: #555; }
@media print { body { margin: 0; max-width: none; } }
"""


def _number(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else ""


def expectation_row(expectation_result: Any) -> dict[str, Any]:
    """One expectation's result as plain values."""
    config = expectation_result.expectation_config
    result = expectation_result.result or {}
    unexpected = result.get("unexpected_count")
    if config.type == "unexpected_rows_expectation":
        unexpected = result.get("observed_value")
    return {
        "type": config.type,
        "description": config.description or "",
        "columns": expectation_columns(config),
        "success": bool(expectation_result.success),
        "unexpected": unexpected if isinstance(unexpected, int) else None,
        "checked": result.get("element_count"),
        "detail": "" if expectation_result.success else expectation_detail(expectation_result),
    }


def suite_record(suite: str, table: str, validated: str, outcomes: Sequence[Any]) -> dict[str, Any]:
    """A suite's results (one GX result per part validated, see `scope`) as JSON-ready values."""
    expectations = [expectation_row(r) for outcome in outcomes for r in outcome.results]
    return {
        "suite": suite,
        "table": table,
        "validated": validated,
        "success": all(e["success"] for e in expectations),
        "expectations": expectations,
    }


def _status(success: bool) -> str:
    return '<span class="passed-text">passed</span>' if success else '<span class="failed-text">FAILED</span>'


def _description(expectation: dict[str, Any]) -> str:
    text = expectation.get("description")
    return f'<br><span class="meta">{html.escape(text)}</span>' if text else ""


def render_index(run_id: str, records: Sequence[dict[str, Any]], written: datetime) -> str:
    """The page of a run's suites (`records`, as `suite_record` makes them)."""
    e = html.escape
    failed = [r for r in records if not r["success"]]
    summary = "".join(
        f'<tr class="{"passed" if r["success"] else "failed"}"><td><a href="#{e(r["suite"])}">{e(r["suite"])}</a></td>'
        f"<td>{e(r['table'])}</td><td>{e(r['validated'])}</td><td>{_status(r['success'])}</td>"
        f'<td class="n">{sum(x["success"] for x in r["expectations"])} of {len(r["expectations"])}</td></tr>'
        for r in records
    )
    sections = []
    for r in records:
        rows = "".join(
            f'<tr class="{"passed" if x["success"] else "failed"}"><td>{e(x["type"])}{_description(x)}</td>'
            f"<td>{e(x['columns'])}</td>"
            f'<td>{_status(x["success"])}</td><td class="n">{_number(x["unexpected"])}</td>'
            f'<td class="n">{_number(x["checked"])}</td><td>{e(x["detail"])}</td></tr>'
            for x in r["expectations"]
        )
        sections.append(
            f'<h2 id="{e(r["suite"])}">{e(r["suite"])} — {_status(r["success"])}</h2>'
            f'<p class="meta">{e(r["table"])}; validated {e(r["validated"])}</p>'
            "<table><thead><tr><th>expectation</th><th>columns</th><th>result</th><th>unexpected</th>"
            f"<th>rows checked</th><th>observed</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    verdict = f"{len(failed)} of {len(records)} suites failed" if failed else f"all {len(records)} suites passed"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Validation results, run {e(run_id)}</title><style>{STYLE}</style></head><body>"
        f'<h1>Validation results</h1><p class="meta">run {e(run_id)}, written {written:%Y-%m-%d %H:%M:%S}: '
        f"{verdict}</p>"
        "<table><thead><tr><th>suite</th><th>table</th><th>validated</th><th>result</th><th>expectations met</th>"
        f"</tr></thead><tbody>{summary}</tbody></table>{''.join(sections)}</body></html>\n"
    )


def write_run_docs(docs: RunDocs, suite: str, table: str, validated: str, outcomes: Sequence[Any]) -> Path:
    """Add the results (`outcomes`, GX suite results) of `suite` on `table` to the run's page, write it again, prune
    old runs; the page's path."""
    with docs_lock(docs.root):
        results = docs.run_dir / RESULTS_DIR
        results.mkdir(parents=True, exist_ok=True)
        record = suite_record(suite, table, validated, outcomes)
        (results / f"{suite}.json").write_text(json.dumps(record, default=str, ensure_ascii=False), encoding="utf-8")
        records = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(results.glob("*.json"))]
        partial = docs.index.with_name(f".{docs.index.name}.partial")
        partial.write_text(render_index(docs.run_id, records, datetime.now()), encoding="utf-8")
        partial.replace(docs.index)
        prune_runs(docs)
    return docs.index
