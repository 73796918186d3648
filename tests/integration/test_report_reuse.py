"""A re-run re-uses what the last published run executed when nothing a notebook reads changed.

Runs on the fixture notebooks with real kernels and a fake ingest that records the processed
files' hashes, as the real ingest does (``report.executions`` keys the processed data by them).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from csc_metrics import storage
from csc_metrics.dates import format_date
from csc_metrics.fingerprints import sha256_file
from csc_metrics.report.config import RunConfig
from csc_metrics.report.manifest import load_manifest
from csc_metrics.report.outcomes import RunOutcome
from csc_metrics.report.runner import run_suite

pytestmark = pytest.mark.slow

PERIOD = "2025-03-31"


def hashed_ingest(write_processed, *, extra_issue: bool = False):
    """A fake ingest writing the processed folder and its files' hashes, as ingest records them."""

    def ingest(raw: Path, processed: Path) -> None:
        with storage.staged_replace(processed) as staging:
            write_processed(staging)
            if extra_issue:
                issues = storage.read_table("dq_issues", staging)
                storage.write_table(pd.concat([issues, issues.tail(1)]), "dq_issues", staging)
            manifest = json.loads((staging / storage.MANIFEST_NAME).read_text("utf-8"))
            manifest[storage.FILE_HASHES] = {
                p.name: sha256_file(p) for p in sorted(staging.glob("*.parquet"))
            }
            storage.write_json(manifest, staging / storage.MANIFEST_NAME)

    return ingest


def run(config: RunConfig, tools, **seams) -> RunOutcome:
    seams.setdefault("fork_server", tools.fork_server())  # tests/kernel_server.py
    seams.setdefault("ingest_fn", hashed_ingest(tools.write_processed))
    seams.setdefault("latest_fn", lambda processed: pd.Timestamp(PERIOD))
    seams.setdefault("teams_fn", lambda processed, period_end: [])
    outcome = run_suite(config, **seams)
    assert outcome.exit_code == 0, outcome.failure_message()
    return outcome


def without_run_time(page: str, manifest: dict) -> str:
    """A page with the run's date and time (the only thing a re-used page changes) taken out."""
    started = datetime.fromisoformat(manifest["started_at"])
    return page.replace(format_date(started, "time"), "RUN TIME")


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory, report_tools):
    """The fixture suite run twice on the same raw files, code and parameters."""
    base = tmp_path_factory.mktemp("rerun")
    report_tools.write_raw(base / "raw")
    config = report_tools.config(base, report_tools.notebooks / "suite")
    published = base / "reports" / PERIOD
    first = run(config, report_tools)
    pages = {p.name: p.read_text("utf-8") for p in sorted(published.glob("*.html"))}
    executed = {p.name: p.read_bytes() for p in sorted((published / "notebooks").glob("*.ipynb"))}
    first_manifest = load_manifest(published)
    second = run(config, report_tools)
    return SimpleRuns(first, second, pages, executed, first_manifest, published)


class SimpleRuns:
    def __init__(self, first, second, pages, executed, first_manifest, published):
        self.first, self.second = first, second
        self.pages, self.executed = pages, executed
        self.first_manifest, self.published = first_manifest, published


def test_the_first_run_executes_and_records_a_key_for_every_notebook(two_runs):
    assert not any(o.reused for o in two_runs.first.notebooks)
    records = two_runs.first_manifest["notebooks"]
    assert len(records) == 3
    assert all(re.fullmatch(r"[0-9a-f]{64}", r["execution_key"]) for r in records)
    assert all(r["reused_execution"] is False for r in records)


def test_a_rerun_on_unchanged_inputs_reuses_every_executed_notebook(two_runs):
    assert [o.reused for o in two_runs.second.notebooks] == [True, True, True]
    second = load_manifest(two_runs.published)
    assert [r["execution_key"] for r in second["notebooks"]] == [
        r["execution_key"] for r in two_runs.first_manifest["notebooks"]
    ]
    assert [r["reused_execution"] for r in second["notebooks"]] == [True, True, True]


def test_a_reused_report_is_the_report_the_execution_wrote_with_this_runs_date(two_runs):
    second = load_manifest(two_runs.published)
    executed = {
        p.name: p.read_bytes() for p in sorted((two_runs.published / "notebooks").glob("*.ipynb"))
    }
    assert executed == two_runs.executed
    for name, page in two_runs.pages.items():
        if name == "index.html":
            continue
        again = (two_runs.published / name).read_text("utf-8")
        assert without_run_time(again, second) == without_run_time(page, two_runs.first_manifest)
        assert format_date(datetime.fromisoformat(second["started_at"]), "time") in again


def test_the_landing_page_says_which_reports_were_reused(two_runs):
    landing = (two_runs.published / "index.html").read_text("utf-8")
    assert "0 executed; 3 re-used from the last run" in landing


@pytest.fixture(scope="module")
def changes(tmp_path_factory, report_tools) -> dict[str, RunOutcome]:
    """Runs one after another, each after one change, each compared with the one before it."""
    base = tmp_path_factory.mktemp("changes")
    report_tools.write_raw(base / "raw")
    targets = base / "targets.csv"
    targets.write_text("indicator_id,target\nplacements_3plus_pct,9\n", encoding="utf-8")
    config = report_tools.config(base, report_tools.notebooks / "suite", targets=targets)
    run(config, report_tools)
    outcomes = {}
    executed = config.out / PERIOD / "notebooks" / "00_overview.ipynb"
    edited = executed.read_text("utf-8").replace("Overview", "Edited")
    assert edited != executed.read_text("utf-8")
    executed.write_text(edited, encoding="utf-8")
    outcomes["executed notebook edited"] = run(config, report_tools)
    targets.write_text("indicator_id,target\nplacements_3plus_pct,8\n", encoding="utf-8")
    outcomes["targets file content"] = run(config, report_tools)
    config = replace(config, la_name="Another name")
    outcomes["parameter"] = run(config, report_tools)
    outcomes["fresh ingest"] = run(replace(config, fresh_ingest=True), report_tools)
    ingest = hashed_ingest(report_tools.write_processed, extra_issue=True)
    outcomes["processed data"] = run(config, report_tools, ingest_fn=ingest)
    return outcomes


def reused(outcome: RunOutcome) -> dict[str, bool]:
    return {o.job.output_name: o.reused for o in outcome.notebooks}


def test_an_executed_notebook_edited_since_is_executed_again_and_the_others_reused(changes):
    assert reused(changes["executed notebook edited"]) == {
        "00_overview": False,
        "01_caseloads": True,
        "02_data_quality": True,
    }


@pytest.mark.parametrize(
    "change", ["targets file content", "parameter", "fresh ingest", "processed data"]
)
def test_a_change_to_what_every_notebook_reads_executes_every_notebook_again(changes, change):
    assert not any(reused(changes[change]).values())
