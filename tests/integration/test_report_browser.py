"""A real browser opens every page of the quarterly run on the shipped sample.

Headless Debian Chromium loads each page of the session's shared default run
(tests/sample_runs.py: the real notebooks, every team's page) through file:// with the network
off. A page passes only with no console error, no request for anything but file: and data:
URLs, every image loaded, and no serious or critical axe-core accessibility violation.
Screenshots of pages with a finding are kept in test-artifacts/browser/sample/ (of every page
with CSC_METRICS_SCREENSHOTS=all). Skipped without Chromium unless
CSC_METRICS_REQUIRE_BROWSER=1 (set by .ci/run), when it fails instead.
"""

from __future__ import annotations

import re

import pytest
from sample_runs import REPORTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def published(default_sample_run):
    return default_sample_run.published


@pytest.fixture(scope="module")
def audits(published, report_tools):
    report_tools.require_browser()
    return report_tools.audit_pages(published, "sample")


def test_every_page_was_opened(audits, published):
    # The landing page, the six reports and each team page the landing page links to.
    index = (published / "index.html").read_text(encoding="utf-8")
    teams = re.findall(r'href="(teams/[^"]+\.html)"', index)
    assert teams, "the sample has caseload teams, so the run renders team pages"
    assert sorted(audits) == sorted(["index.html", *(f"{r}.html" for r in REPORTS), *teams])


def test_no_page_logs_a_console_error(audits):
    assert {p: a.console_errors for p, a in audits.items() if a.console_errors} == {}


def test_no_page_requests_anything_outside(audits):
    assert {p: a.requests for p, a in audits.items() if a.requests} == {}


def test_every_image_loads(audits):
    assert {p: a.broken_images for p, a in audits.items() if a.broken_images} == {}


def test_no_serious_or_critical_accessibility_violations(audits):
    found = {p: a.serious_violations for p, a in audits.items() if a.serious_violations}
    assert found == {}
