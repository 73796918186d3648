"""``csc-metrics run`` on a raw folder of one dataset only: it publishes, saying what is missing.

Each raw folder is the shipped sample's caseload or SSDA903 subfolder alone (both end on 31
March 2025, so ``latest`` is that quarter). The reports whose data are absent get a short "no
data" page instead of a failing notebook (``reference/report_datasets.csv``); the others, the
overview and data-quality report among them, run as usual. One run per dataset, shared by the
tests of this module.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
from kernel_server import lent_to_the_command_line
from sample_runs import LA_CODE, SAMPLE

from csc_metrics.cli import main

pytestmark = pytest.mark.slow

SSDA903_REPORTS = ("02_care_leavers", "03_placements", "05_permanence", "06_demand_and_cost")
NO_DATA = "No data for this report."


def text_of(page: Path) -> str:
    """A page's visible text, tags and styles removed, whitespace collapsed."""
    source = re.sub(r"<style>.*?</style>", " ", page.read_text(encoding="utf-8"), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", source)).split())


def run_on(base: Path, dataset: str) -> tuple[int, Path]:
    """Run the real suite on the sample's ``dataset`` subfolder alone; (exit code, published).

    Its kernels are forked from this process's warm server (tests/kernel_server.py).
    """
    if not (SAMPLE / dataset).is_dir():
        pytest.skip(f"the shipped sample {SAMPLE} is absent")
    raw = base / "raw"
    shutil.copytree(SAMPLE / dataset, raw / dataset)
    with lent_to_the_command_line():
        code = main(
            [
                "run",
                "--raw", str(raw),
                "--period-end", "latest",
                "--la-code", LA_CODE,
                "--out", str(base / "reports"),
                "--jobs", "2",
                "--quiet",
            ]
        )  # fmt: skip
    return code, base / "reports" / "2025-03-31"


@pytest.fixture(scope="module")
def caseload_only(tmp_path_factory):
    return run_on(tmp_path_factory.mktemp("caseload-only"), "caseload")


@pytest.fixture(scope="module")
def ssda903_only(tmp_path_factory):
    return run_on(tmp_path_factory.mktemp("ssda903-only"), "ssda903")


def test_a_caseload_only_folder_publishes_every_report(caseload_only):
    code, published = caseload_only
    assert code == 0
    for report in ("00_overview", "01_caseloads", "04_data_quality", *SSDA903_REPORTS):
        assert (published / f"{report}.html").is_file(), report


def test_a_caseload_only_folder_runs_the_caseload_overview_and_quality_reports(caseload_only):
    _, published = caseload_only
    for report in ("00_overview", "01_caseloads", "04_data_quality"):
        assert NO_DATA not in text_of(published / f"{report}.html"), report
    assert (published / "notebooks" / "01_caseloads.ipynb").is_file()


def test_a_caseload_only_folder_builds_the_report_context_ahead(caseload_only):
    # summary.json is written from the context built ahead of the notebooks; without SSDA903
    # returns it is built without their inputs (views.preload.BUILT_FROM), not given up.
    _, published = caseload_only
    assert (published / "summary.json").is_file()


def test_a_caseload_only_folder_says_the_ssda903_reports_have_no_data(caseload_only):
    _, published = caseload_only
    for report in SSDA903_REPORTS:
        text = text_of(published / f"{report}.html")
        assert (
            f"{NO_DATA} This report needs SSDA903 returns covering the quarter ending 31 March "
            "2025, and there are none: no SSDA903 returns were supplied." in text
        ), report
        assert "RAW/ssda903/<YYYY>/" in text, report
        # Not executed: no notebook was run for it.
        assert not (published / "notebooks" / f"{report}.ipynb").exists(), report


def test_a_caseload_only_landing_page_says_what_is_missing(caseload_only):
    _, published = caseload_only
    index = text_of(published / "index.html")
    assert "data: no SSDA903 data (placement, care-leaver and permanence figures not covered)" in (
        index
    )
    assert index.count("(no data: it needs SSDA903 returns; no SSDA903 returns were supplied)") == (
        len(SSDA903_REPORTS)
    )


def test_an_ssda903_only_folder_publishes_and_says_the_caseload_report_has_no_data(ssda903_only):
    code, published = ssda903_only
    assert code == 0
    text = text_of(published / "01_caseloads.html")
    assert (
        f"{NO_DATA} This report needs caseload snapshots covering the quarter ending 31 March "
        "2025, and there are none: no caseload snapshots were supplied." in text
    )
    index = text_of(published / "index.html")
    assert "(no data: it needs caseload snapshots; no caseload snapshots were supplied)" in index
    assert "no caseload snapshots (caseload figures not covered)" in index


def test_an_ssda903_only_folder_runs_every_other_report(ssda903_only):
    _, published = ssda903_only
    for report in ("00_overview", "04_data_quality", *SSDA903_REPORTS):
        assert NO_DATA not in text_of(published / f"{report}.html"), report
        assert (published / "notebooks" / f"{report}.ipynb").is_file(), report


def test_a_period_end_no_data_cover_is_refused_and_nothing_is_published(tmp_path, capsys):
    # The caseload snapshots run from 30 June 2022 to 31 March 2025: every report would be a
    # "no data" page for 31 March 2031 (a mistyped year), so the run stops with exit 2.
    if not (SAMPLE / "caseload").is_dir():
        pytest.skip(f"the shipped sample {SAMPLE} is absent")
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE / "caseload", raw / "caseload")
    code = main(
        [
            "run",
            "--raw", str(raw),
            "--period-end", "2031-03-31",
            "--la-code", LA_CODE,
            "--out", str(tmp_path / "reports"),
            "--quiet",
        ]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "--period-end 2031-03-31: none of the data cover it" in err
    assert "caseload snapshots cover 30 June 2022 to 31 March 2025" in err
    assert not (tmp_path / "reports" / "2031-03-31").exists()
