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


# --- What a manager sees first (issue 19): measured in the browser at 1280 x 800 ---------------


def _open(path, evaluate):
    """Open a page at 1280 x 800 in headless Chromium and return ``evaluate``'s result."""
    from conftest import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(path.resolve().as_uri(), wait_until="load")
            return page.evaluate(evaluate)
        finally:
            browser.close()


REPORT_LINK_BOTTOMS = """
Array.from(document.querySelectorAll('.landing-reports a, .landing-teams a'))
  .map(a => [a.getAttribute('href'), a.getBoundingClientRect().bottom + window.scrollY])
"""

SCORECARD_ROWS = """
Array.from(document.querySelectorAll('table.csc-scorecard-compact tbody tr')).map(r => {
  const cell = r.querySelector('th');
  return [cell.textContent, r.getBoundingClientRect().height,
          parseFloat(getComputedStyle(cell).lineHeight)];
})
"""


def test_every_report_link_on_the_landing_page_is_on_the_first_screen(published, report_tools):
    report_tools.require_browser()
    links = _open(published / "index.html", REPORT_LINK_BOTTOMS)
    hrefs = {href for href, _ in links}
    assert {f"{r}.html" for r in REPORTS} <= hrefs and any(h.startswith("teams/") for h in hrefs)
    assert {href: bottom for href, bottom in links if bottom > 800} == {}


def test_the_scorecard_rows_are_one_line_high_at_1280_px(published, report_tools):
    report_tools.require_browser()
    rows = _open(published / "00_overview.html", SCORECARD_ROWS)
    assert len(rows) >= 10
    # A row two lines high would be at least two line heights (plus padding).
    assert {label: height for label, height, line in rows if height >= 2 * line} == {}


def test_the_history_page_has_no_serious_accessibility_violation(
    default_sample_run, report_tools, tmp_path
):
    report_tools.require_browser()
    import shutil

    shutil.copy(default_sample_run.out / "index.html", tmp_path / "index.html")
    audits = report_tools.audit_pages(tmp_path, "history")
    assert audits["index.html"].serious_violations == []
    assert audits["index.html"].console_errors == []
