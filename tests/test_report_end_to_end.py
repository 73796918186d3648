"""The quarterly run on the shipped sample with the real notebooks, start to finish.

Real ingest, real 'latest' period, real teams, real notebooks. Skipped only when the sample
(data/raw/sample) or one of the report notebooks (notebooks/00_overview.ipynb ...
04_data_quality.ipynb) is absent; in a complete checkout these tests always run.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest

from csc_metrics.fingerprints import hash_inputs
from csc_metrics.report.config import RunConfig
from csc_metrics.report.pages import MAX_REPORT_BYTES
from csc_metrics.report.privacy_check import (
    MIN_IDENTIFIER_LENGTH,
    find_identifiers,
    find_small_counts,
    raw_child_ids,
    visible_text,
)
from csc_metrics.report.runner import run_suite

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw" / "sample"
NOTEBOOKS = ROOT / "notebooks"
REPORT_NOTEBOOKS = (
    "00_overview.ipynb",
    "01_caseloads.ipynb",
    "02_care_leavers.ipynb",
    "03_placements.ipynb",
    "04_data_quality.ipynb",
)
MISSING = [str(SAMPLE)] if not SAMPLE.is_dir() else []
MISSING += [str(NOTEBOOKS / n) for n in REPORT_NOTEBOOKS if not (NOTEBOOKS / n).exists()]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(MISSING), reason=f"needs the sample and notebooks: {MISSING}"),
]


def run_sample(base: Path, **changes) -> tuple:
    config = RunConfig(
        raw=SAMPLE,
        period_end="latest",
        la_code="E10000017",
        la_name="Synthetic county (sample data)",
        out=base / "reports",
        notebooks_dir=NOTEBOOKS,
        per_team=True,
        quiet=True,
        **changes,
    )
    return run_suite(config), base / "reports"


@pytest.fixture(scope="module", autouse=True)
def pseudonymisation_key():
    # A fixed key for the test, so no key file is written to the tester's home folder.
    old = os.environ.get("CSC_METRICS_KEY")
    os.environ["CSC_METRICS_KEY"] = "end-to-end-test-key"
    yield
    if old is None:
        del os.environ["CSC_METRICS_KEY"]
    else:
        os.environ["CSC_METRICS_KEY"] = old


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    return run_sample(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def suppressed_run(tmp_path_factory):
    return run_sample(tmp_path_factory.mktemp("suppressed"), suppress=True)


@pytest.fixture(scope="module")
def sample_ids():
    ids = raw_child_ids(SAMPLE)
    # Guards against a check that passes because it looked for nothing.
    assert len(ids) >= 10, f"only {len(ids)} child ids found in {SAMPLE}"
    short = sorted(i for i in ids if len(i) < MIN_IDENTIFIER_LENGTH)
    assert not short, f"{len(short)} sample ids are too short to search for reliably"
    return ids


def test_the_sample_run_publishes(sample_run):
    outcome, _ = sample_run
    assert outcome.exit_code == 0, outcome.failure_message()


def test_every_report_notebook_and_team_report_is_linked(sample_run):
    outcome, _ = sample_run
    index = (outcome.published / "index.html").read_text()
    for notebook in REPORT_NOTEBOOKS:
        assert f'href="{Path(notebook).stem}.html"' in index
    team_pages = sorted((outcome.published / "teams").glob("*.html"))
    assert team_pages, "the sample has caseload teams, so --per-team renders team reports"
    for page in team_pages:
        assert f'href="teams/{page.name}"' in index


def test_the_landing_page_shows_key_messages(sample_run):
    outcome, _ = sample_run
    index = (outcome.published / "index.html").read_text()
    section = index[index.index('id="key-messages"') : index.index('id="reports"')]
    assert "<li>" in section


def test_no_raw_child_id_appears_anywhere_in_the_output(sample_run, sample_ids):
    _, out = sample_run
    assert find_identifiers(out, sample_ids) == []


def test_no_raw_child_id_appears_in_the_processed_tables(sample_run, sample_ids):
    _, out = sample_run
    wanted = pd.Series(sorted(sample_ids))
    leaks = {}
    for path in sorted((out / "_processed").glob("*.parquet")):
        text = pd.read_parquet(path).select_dtypes(include=["object", "string"])
        words = text.stack().astype(str).str.findall(r"[A-Za-z0-9]+").explode()
        found = wanted[wanted.isin(words)]
        if not found.empty:
            leaks[path.name] = len(found)
    assert leaks == {}


def test_every_report_is_under_5_mb(sample_run):
    outcome, _ = sample_run
    sizes = {p.name: p.stat().st_size for p in outcome.published.rglob("*.html")}
    assert {name: size for name, size in sizes.items() if size >= MAX_REPORT_BYTES} == {}


def test_reports_load_nothing_from_outside(sample_run):
    outcome, _ = sample_run
    for page in outcome.published.rglob("*.html"):
        html = page.read_text().lower()
        assert "<script" not in html, page.name
        assert not re.search(r"<(img|link|iframe|source)\b[^>]*\b(src|href)=\"(https?:)?//", html)
        assert "@font-face" not in html and "@import" not in html, page.name


def test_the_manifest_hashes_every_sample_file(sample_run):
    outcome, _ = sample_run
    manifest = json.loads((outcome.published / "manifest.json").read_text())
    assert manifest["inputs"] == hash_inputs(SAMPLE)
    assert manifest["period_end"] == outcome.period_end.date().isoformat()


def test_with_suppression_the_run_publishes(suppressed_run):
    outcome, _ = suppressed_run
    assert outcome.exit_code == 0, outcome.failure_message()


def test_with_suppression_no_count_of_1_to_5_is_visible(suppressed_run):
    # Count cells (class="count"), "n=" figures and numbers of children, young people, cases,
    # workers, placements or episodes in the text of every page.
    outcome, _ = suppressed_run
    assert [str(f) for f in find_small_counts(outcome.published, narrative=True)] == []


def test_with_suppression_key_messages_show_no_small_count(suppressed_run):
    outcome, _ = suppressed_run
    text = visible_text((outcome.published / "index.html").read_text())
    assert not re.search(r"(?<![\w.,])[1-5] (child|children|young people|care leavers?)\b", text)


@pytest.fixture(scope="module")
def sample_audits(sample_run, report_tools):
    report_tools.require_browser()
    outcome, _ = sample_run
    return report_tools.audit_pages(outcome.published, "sample")


@pytest.mark.browser
def test_in_a_real_browser_no_page_logs_a_console_error(sample_audits):
    assert {p: a.console_errors for p, a in sample_audits.items() if a.console_errors} == {}


@pytest.mark.browser
def test_in_a_real_browser_no_page_requests_anything_outside(sample_audits):
    assert {p: a.requests for p, a in sample_audits.items() if a.requests} == {}


@pytest.mark.browser
def test_in_a_real_browser_every_image_loads(sample_audits):
    assert {p: a.broken_images for p, a in sample_audits.items() if a.broken_images} == {}


@pytest.mark.browser
def test_in_a_real_browser_no_serious_accessibility_violation(sample_audits):
    found = {p: a.serious_violations for p, a in sample_audits.items() if a.serious_violations}
    assert found == {}
