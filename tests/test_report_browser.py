"""A real browser opens every page of a report built from the fixture notebooks.

Headless Debian Chromium loads each page through file:// with the network off. A page passes
only with no console error, no request for anything but file: and data: URLs, every image
loaded, and no serious or critical axe-core accessibility violation. Screenshots are kept in
test-artifacts/browser/fixture-suite/. Skipped without Chromium unless
CSC_METRICS_REQUIRE_BROWSER=1 (set by .ci/run), when it fails instead.
"""

from __future__ import annotations

import pandas as pd
import pytest

from csc_metrics.report.config import RunConfig
from csc_metrics.report.runner import run_suite

pytestmark = pytest.mark.browser

PAGES = [
    "index.html",
    "00_overview.html",
    "01_caseloads.html",
    "02_data_quality.html",
    "teams/assessment-north.html",
    "teams/children-in-care.html",
]


@pytest.fixture(scope="module")
def audits(tmp_path_factory, report_tools):
    report_tools.require_browser()
    base = tmp_path_factory.mktemp("browser")
    raw = report_tools.write_raw(base / "raw")
    config = RunConfig(
        raw=raw,
        period_end="2025-03-31",
        la_code="E10000017",
        la_name="Sample county",
        out=base / "reports",
        notebooks_dir=report_tools.notebooks / "suite",
        per_team=True,
        jobs=2,
        quiet=True,
    )
    outcome = run_suite(
        config,
        ingest_fn=report_tools.fake_ingest,
        latest_fn=lambda processed: pd.Timestamp("2025-03-31"),
        teams_fn=lambda processed, period_end: ["Assessment North", "Children in care"],
    )
    assert outcome.exit_code == 0
    return report_tools.audit_pages(outcome.published, "fixture-suite")


def test_every_page_was_opened(audits):
    assert sorted(audits) == sorted(PAGES)


@pytest.mark.parametrize("page", PAGES)
def test_no_console_errors(audits, page):
    assert audits[page].console_errors == []


@pytest.mark.parametrize("page", PAGES)
def test_no_network_requests(audits, page):
    assert audits[page].requests == []


@pytest.mark.parametrize("page", PAGES)
def test_every_image_loads(audits, page):
    assert audits[page].broken_images == []


@pytest.mark.parametrize("page", PAGES)
def test_no_serious_or_critical_accessibility_violations(audits, page):
    assert audits[page].serious_violations == []
