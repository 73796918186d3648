"""The whole run on fixture notebooks with real kernels and a fake ingest.

Each module-scoped fixture is one run; the tests read what it left behind.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path

import pandas as pd
import pytest

from csc_metrics import folders
from csc_metrics.errors import AlreadyRunningError, InputError, ParameterError
from csc_metrics.report.config import RunConfig
from csc_metrics.report.jobs import longest_first
from csc_metrics.report.manifest import previous_durations
from csc_metrics.report.outcomes import RunOutcome
from csc_metrics.report.pages import MAX_REPORT_BYTES
from csc_metrics.report.privacy_check import find_identifiers, find_small_counts
from csc_metrics.report.publish import lock_file_for, run_lock
from csc_metrics.report.runner import run_suite

TEAMS = ["Assessment North", "Children in care"]


def run(config: RunConfig, tools, **seams) -> RunOutcome:
    # Kernels come from this process's warm server (tests/kernel_server.py) unless a test says
    # otherwise; fork_server=None makes the run start its own, as run_suite does by default.
    seams.setdefault("fork_server", tools.fork_server())
    seams.setdefault("ingest_fn", tools.fake_ingest)
    seams.setdefault("latest_fn", lambda processed: pd.Timestamp("2025-03-31"))
    seams.setdefault("teams_fn", lambda processed, period_end: TEAMS)
    return run_suite(config, **seams)


@pytest.fixture(scope="module")
def published(tmp_path_factory, report_tools):
    """The good suite, with 'latest' and a caseload report per team."""
    base = tmp_path_factory.mktemp("published")
    report_tools.write_raw(base / "raw")
    config = report_tools.config(
        base, report_tools.notebooks / "suite", period_end="latest", per_team=True
    )
    outcome = run(config, report_tools)
    return outcome, base / "reports"


@pytest.mark.slow
def test_a_successful_run_exits_0_and_publishes_under_the_latest_period(published):
    outcome, out = published
    assert outcome.exit_code == 0
    assert outcome.published == out / "2025-03-31"


@pytest.mark.slow
def test_every_report_and_the_run_records_are_published(published):
    _, out = published
    folder = out / "2025-03-31"
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert names == [
        ".csc-metrics-folder.json",  # the marker: csc-metrics may replace this folder
        "00_overview.html",
        "01_caseloads.html",
        "02_data_quality.html",
        "index.html",
        "manifest.json",
        "notebooks/00_overview.ipynb",
        "notebooks/01_caseloads.ipynb",
        "notebooks/02_data_quality.ipynb",
        "notebooks/teams/assessment-north.ipynb",
        "notebooks/teams/children-in-care.ipynb",
        "run.log",
        "scorecard.json",
        "teams/assessment-north.html",
        "teams/children-in-care.html",
    ]


@pytest.mark.slow
def test_nothing_is_left_of_the_build_folder(published):
    _, out = published
    assert sorted(p.name for p in out.iterdir()) == [
        "._processed.csc-metrics-run.lock",  # the run locks its processed folder too
        ".csc-metrics-run.lock",
        "2025-03-31",
        "_processed",
        "index.html",  # the history page
        "logs",
    ]


@pytest.mark.slow
def test_the_published_folder_is_as_readable_as_the_reports_folder(published):
    _, out = published
    assert (out / "2025-03-31").stat().st_mode & 0o777 == out.stat().st_mode & 0o777


@pytest.mark.slow
def test_the_landing_page_links_every_report_and_team_report(published):
    _, out = published
    html = (out / "2025-03-31" / "index.html").read_text()
    for href in (
        "00_overview.html",
        "01_caseloads.html",
        "02_data_quality.html",
        "teams/assessment-north.html",
        "teams/children-in-care.html",
    ):
        assert f'href="{href}"' in html
    assert ">Assessment North</a>" in html


@pytest.mark.slow
def test_the_landing_page_gathers_the_key_messages(published):
    _, out = published
    html = (out / "2025-03-31" / "index.html").read_text()
    top = html[html.index('id="key-messages"') :]
    # The message was written by the notebook from its injected parameters; it links to the
    # report's key messages.
    assert "<li>Data for Sample county (E10000017) to 2025-03-31, compared with england." in top
    assert 'href="00_overview.html#key-messages"' in top


@pytest.mark.slow
def test_the_landing_page_summarises_data_quality(published):
    _, out = published
    html = (out / "2025-03-31" / "index.html").read_text()
    # conftest's processed folder: 7 errors, 1 warning, 0 notes.
    assert "<li>Errors (rows that could not be used): 7</li>" in html
    assert "<li>Warnings (values blanked or corrected, rows kept): 1</li>" in html
    assert '<a href="02_data_quality.html">data quality report</a>' in html


@pytest.mark.slow
def test_a_team_report_is_rendered_for_its_team_and_links_back(published):
    _, out = published
    html = (out / "2025-03-31" / "teams" / "assessment-north.html").read_text()
    assert "<p>Team: Assessment North</p>" in html
    assert 'href="../index.html"' in html
    assert "<title>Caseloads: Assessment North - " in html


@pytest.mark.slow
def test_the_manifest_records_parameters_version_inputs_timings_and_notebooks(published):
    _, out = published
    manifest = json.loads((out / "2025-03-31" / "manifest.json").read_text())
    assert manifest["period_end"] == "2025-03-31"
    assert manifest["parameters"]["period_end_requested"] == "latest"
    assert manifest["parameters"]["per_team"] is True
    assert manifest["csc_metrics_version"]
    assert "git_commit" in manifest
    header = out.parent / "raw" / "ssda903" / "2025" / "header.csv"
    header_hash = hashlib.sha256(header.read_bytes()).hexdigest()
    assert {
        "path": "ssda903/2025/header.csv",
        "bytes": header.stat().st_size,
        "sha256": header_hash,
    } in manifest["inputs"]
    assert {"ingest", "execute_and_render", "total"} <= set(manifest["timings_seconds"])
    assert [(n["report"], n["status"]) for n in manifest["notebooks"]] == [
        ("00_overview.html", "succeeded"),
        ("01_caseloads.html", "succeeded"),
        ("02_data_quality.html", "succeeded"),
        ("teams/assessment-north.html", "succeeded"),
        ("teams/children-in-care.html", "succeeded"),
    ]


@pytest.mark.slow
def test_no_raw_child_id_appears_in_the_output_or_the_logs(published, report_tools):
    _, out = published
    assert find_identifiers(out / "2025-03-31", report_tools.raw_child_ids) == []
    assert find_identifiers(out / "logs", report_tools.raw_child_ids) == []


@pytest.mark.slow
def test_every_report_is_under_5_mb(published):
    _, out = published
    sizes = {p.name: p.stat().st_size for p in (out / "2025-03-31").rglob("*.html")}
    assert sizes and max(sizes.values()) < MAX_REPORT_BYTES


@pytest.mark.slow
def test_the_log_file_has_a_line_per_notebook(published):
    outcome, out = published
    log = outcome.log_path.read_text()
    assert outcome.log_path.parent == out / "logs"
    for label in ("00_overview.ipynb", "01_caseloads.ipynb (team Children in care)"):
        assert f"done      {label}" in log


@pytest.fixture(scope="module")
def failed_after_published(tmp_path_factory, report_tools):
    """A good run publishes; a later run of the same period has a failing notebook."""
    base = tmp_path_factory.mktemp("failed")
    report_tools.write_raw(base / "raw")
    good = run(report_tools.config(base, report_tools.notebooks / "suite"), report_tools)
    published = good.published
    before = {p: p.read_bytes() for p in published.rglob("*") if p.is_file()}
    failed = run(report_tools.config(base, report_tools.notebooks / "failing"), report_tools)
    return failed, published, before


@pytest.mark.slow
def test_a_failing_notebook_makes_the_run_exit_1(failed_after_published):
    failed, _, _ = failed_after_published
    assert failed.exit_code == 1
    assert failed.published is None


@pytest.mark.slow
def test_the_previously_published_report_stays_exactly_as_it_was(failed_after_published):
    _, published, before = failed_after_published
    after = {p: p.read_bytes() for p in published.rglob("*") if p.is_file()}
    assert after == before


@pytest.mark.slow
def test_the_failure_names_the_notebook_and_cell_in_the_message(failed_after_published):
    failed, _, _ = failed_after_published
    message = failed.failure_message()
    assert "01_placements.ipynb: cell 4 (ValueError: the placement table is empty" in message
    assert str(failed.failed_build) in message


@pytest.mark.slow
def test_the_failed_build_is_kept_aside_with_the_failure_on_its_landing_page(
    failed_after_published,
):
    failed, _, _ = failed_after_published
    assert failed.failed_build.parent.name == "_failed"
    html = (failed.failed_build / "index.html").read_text()
    assert "This run did not finish cleanly" in html
    assert "<li>01_placements.ipynb: cell 4 (ValueError: the placement table is empty" in html


@pytest.mark.slow
def test_the_other_notebooks_still_ran(failed_after_published):
    failed, _, _ = failed_after_published
    assert [(o.job.source.name, o.succeeded) for o in failed.notebooks] == [
        ("00_overview.ipynb", True),
        ("01_placements.ipynb", False),
    ]
    assert (failed.failed_build / "00_overview.html").exists()


@pytest.mark.slow
def test_the_failed_report_says_it_is_incomplete_and_stops_at_the_failure(failed_after_published):
    failed, _, _ = failed_after_published
    html = (failed.failed_build / "01_placements.html").read_text()
    assert "This report did not finish: 01_placements.ipynb stopped at cell 4" in html
    assert "Never reached" not in html
    assert "Traceback" not in html


@pytest.mark.slow
def test_the_log_names_the_failing_notebook_and_cell(failed_after_published):
    failed, _, _ = failed_after_published
    log = failed.log_path.read_text()
    assert "FAILED    01_placements.ipynb: cell 4 (ValueError" in log
    assert "Nothing was published" in log


@pytest.mark.slow
def test_unusable_input_publishes_nothing(tmp_path, report_tools):
    report_tools.write_raw(tmp_path / "raw")

    def broken_ingest(raw, processed):
        raise InputError("header.csv, column DOB, row 3: expected a date dd/mm/yyyy")

    config = report_tools.config(tmp_path, report_tools.notebooks / "suite")
    with pytest.raises(InputError, match="column DOB, row 3"):
        run(config, report_tools, ingest_fn=broken_ingest)
    out = tmp_path / "reports"
    assert sorted(p.name for p in out.iterdir()) == [
        "._processed.csc-metrics-run.lock",
        ".csc-metrics-run.lock",
        "logs",
    ]
    log = next((out / "logs").glob("run-*.log")).read_text()
    assert "column DOB, row 3" in log


@pytest.mark.slow
def test_a_report_left_retired_by_a_killed_run_is_put_back_before_a_run_that_fails(
    tmp_path, report_tools
):
    # Killed between the two renames of the swap: only the retired copy is left. The next run
    # fails on bad input, yet the last published report is back in place, not deleted.
    report_tools.write_raw(tmp_path / "raw")
    retired = tmp_path / "reports" / ".2025-03-31.old-1a2b3c4d"
    retired.mkdir(parents=True)
    (retired / "index.html").write_text("<p>last published</p>")
    folders.write_marker(retired, "report-period")
    lookalike = tmp_path / "reports" / ".thunderbird.old-profile"
    lookalike.mkdir()
    (lookalike / "mail.db").write_text("mail")

    def broken_ingest(raw, processed):
        raise InputError("header.csv, column DOB, row 3: expected a date dd/mm/yyyy")

    config = report_tools.config(tmp_path, report_tools.notebooks / "suite")
    with pytest.raises(InputError):
        run(config, report_tools, ingest_fn=broken_ingest)
    published = tmp_path / "reports" / "2025-03-31" / "index.html"
    assert published.read_text() == "<p>last published</p>"
    assert not retired.exists()
    assert (lookalike / "mail.db").read_text() == "mail"


@pytest.mark.slow
def test_a_period_folder_holding_a_users_file_is_not_replaced(tmp_path, report_tools):
    report_tools.write_raw(tmp_path / "raw")
    period = tmp_path / "reports" / "2025-03-31"
    period.mkdir(parents=True)
    (period / "holiday.jpg").write_bytes(b"jpg")
    config = report_tools.config(tmp_path, report_tools.notebooks / "suite")
    with pytest.raises(InputError, match="nothing in it was touched"):
        run(config, report_tools)
    assert sorted(p.name for p in period.iterdir()) == ["holiday.jpg"]


@pytest.mark.slow
def test_a_second_run_while_one_holds_the_lock_stops_at_once(tmp_path, report_tools):
    report_tools.write_raw(tmp_path / "raw")
    config = report_tools.config(tmp_path, report_tools.notebooks / "suite")
    began = time.monotonic()
    with (
        run_lock(lock_file_for(tmp_path / "reports", inside=True), "a run"),
        pytest.raises(AlreadyRunningError),
    ):
        run(config, report_tools)
    assert time.monotonic() - began < 5


@pytest.mark.slow
def test_an_unknown_team_is_a_parameter_error(tmp_path, report_tools):
    report_tools.write_raw(tmp_path / "raw")
    config = report_tools.config(tmp_path, report_tools.notebooks / "suite", team="Nowhere")
    with pytest.raises(ParameterError, match="Teams: Assessment North, Children in care"):
        run(config, report_tools)


@pytest.mark.slow
def test_a_raw_child_id_in_a_report_stops_publication(tmp_path, report_tools):
    report_tools.write_raw(tmp_path / "raw")
    outcome = run(report_tools.config(tmp_path, report_tools.notebooks / "leaky"), report_tools)
    assert outcome.exit_code == 1 and outcome.published is None
    # The executed notebook has papermill's injected cell, so the source's cell 3 is its cell 4.
    html_finding, notebook_finding = outcome.privacy_findings
    assert re.fullmatch(r"00_leaky.html, line \d+: a raw child identifier", html_finding)
    assert notebook_finding == "notebooks/00_leaky.ipynb, cell 4: a raw child identifier"
    assert "CH900001" not in outcome.failure_message()


@pytest.mark.slow
def test_with_suppression_an_unsuppressed_small_count_stops_publication(tmp_path, report_tools):
    report_tools.write_raw(tmp_path / "raw")
    config = report_tools.config(tmp_path, report_tools.notebooks / "small_counts", suppress=True)
    outcome = run(config, report_tools)
    assert outcome.exit_code == 1
    [finding] = outcome.privacy_findings
    assert re.fullmatch(
        r"small count not suppressed in 00_small.html, line \d+: count cell shows 3", finding
    )


@pytest.mark.slow
def test_with_suppression_no_count_of_1_to_5_is_visible(tmp_path, report_tools):
    report_tools.write_raw(tmp_path / "raw")
    config = report_tools.config(tmp_path, report_tools.notebooks / "suite", suppress=True)
    outcome = run(config, report_tools)
    assert outcome.exit_code == 0
    assert find_small_counts(outcome.published, narrative=True) == []
    html = (outcome.published / "index.html").read_text()
    assert "<li>Warnings (values blanked or corrected, rows kept): c</li>" in html


@pytest.mark.slow
def test_a_cell_over_the_time_limit_fails_its_notebook(tmp_path, report_tools):
    report_tools.write_raw(tmp_path / "raw")
    config = report_tools.config(tmp_path, report_tools.notebooks / "slow", cell_timeout=2)
    began = time.monotonic()
    outcome = run(config, report_tools)
    assert time.monotonic() - began < 60
    [failure] = [o.failure for o in outcome.notebooks]
    assert (failure.cell_number, failure.error_type) == (3, "Timeout")
    assert failure.message == "the cell ran for more than 2 s"


@pytest.mark.slow
def test_charts_appear_even_when_the_environment_asks_for_the_agg_backend(
    tmp_path, report_tools, monkeypatch
):
    # A cron environment with MPLBACKEND=Agg silently drops every chart unless the kernel
    # is given the inline backend.
    monkeypatch.setenv("MPLBACKEND", "Agg")
    report_tools.write_raw(tmp_path / "raw")
    # A server of the run's own, started in that environment (the shared one is not).
    outcome = run(
        report_tools.config(tmp_path, report_tools.notebooks / "plain_chart"),
        report_tools,
        fork_server=None,
    )
    assert outcome.exit_code == 0
    html = (outcome.published / "00_plain_chart.html").read_text()
    assert 'alt="Chart (the report gave no text description of this chart)"' in html
    assert "data:image/png;base64," in html
    assert "visible text" in html and "only analysts should see" not in html
    assert "Line2D" not in html  # the repr plt.plot returns is noise to a reader
    landing = (outcome.published / "index.html").read_text()
    assert "a chart near cell 2 has no alt text" in landing


def job(name: str):
    from csc_metrics.report.execute import NotebookJob

    return NotebookJob(source=Path(f"{name}.ipynb"), output_name=name, parameters={})


def test_the_longest_notebooks_start_first_and_unknown_ones_count_as_long():
    jobs = [job("00_overview"), job("01_caseloads"), job("02_new"), job("03_placements")]
    durations = {"00_overview": 2.0, "01_caseloads": 1.0, "03_placements": 9.0}
    assert [j.output_name for j in longest_first(jobs, durations)] == [
        "02_new",
        "03_placements",
        "00_overview",
        "01_caseloads",
    ]


def test_without_a_previous_run_the_order_is_kept():
    jobs = [job("00_overview"), job("01_caseloads")]
    assert longest_first(jobs, {}) == jobs


@pytest.mark.slow
def test_previous_durations_come_from_the_latest_published_manifest(published):
    _, out = published
    durations = previous_durations(out)
    assert set(durations) == {
        "00_overview",
        "01_caseloads",
        "02_data_quality",
        "teams/assessment-north",
        "teams/children-in-care",
    }
    assert all(seconds > 0 for seconds in durations.values())


def test_teams_are_the_allocated_workers_teams_else_the_case_rows(tmp_path):
    # Latest snapshot on or before 2025-03-31 is 2025-03-31 (2025-06-30 is after it).
    # c1: worker w1 is in Alpha in the workforce list, so Alpha although the case row says Old.
    # c2: worker w9 is not in the workforce list, so the case row's Beta.
    # c3: unallocated, team on the row blank, so no team. Gamma has a worker but no case.
    from csc_metrics import storage
    from csc_metrics.report.runner import folder_teams as teams_at

    dates = pd.to_datetime(["2025-03-31", "2025-03-31", "2025-03-31", "2025-06-30"])
    cases = pd.DataFrame(
        {
            "snapshot_date": dates,
            "child_id": ["c1", "c2", "c3", "c4"],
            "case_type": ["CLA", "CP", "CIN", "CIN"],
            "case_types_held": ["CLA", "CP", "CIN", "CIN"],
            "team": ["Old", "Beta", None, "Later"],
            "worker_id": ["w1", "w9", None, "w1"],
            "allocated_date": pd.to_datetime(["2025-01-01", "2025-01-01", None, "2025-05-01"]),
            "source_file": ["cases.csv"] * 4,
        }
    )
    workforce = pd.DataFrame(
        {
            "snapshot_date": pd.to_datetime(["2025-03-31", "2025-03-31"]),
            "worker_id": ["w1", "w2"],
            "team": ["Alpha", "Gamma"],
            "role": ["SW", "SW"],
            "fte": [1.0, 1.0],
            "agency": [False, False],
            "start_date": pd.to_datetime(["2020-01-01", "2020-01-01"]),
            "qualified_date": pd.to_datetime(["2019-01-01", "2019-01-01"]),
            "source_file": ["workforce.csv"] * 2,
        }
    )
    storage.write_table(cases, "clean_caseload__cases", tmp_path)
    storage.write_table(workforce, "clean_caseload__workforce", tmp_path)
    assert teams_at(tmp_path, pd.Timestamp("2025-03-31")) == ["Alpha", "Beta"]


def test_without_caseload_data_there_are_no_teams(tmp_path):
    from csc_metrics.report.runner import folder_teams as teams_at

    assert teams_at(tmp_path, pd.Timestamp("2025-03-31")) == []


@pytest.mark.slow
def test_a_single_team_run_renders_every_report_for_that_team_beside_the_council_report(
    tmp_path, report_tools
):
    report_tools.write_raw(tmp_path / "raw")
    # Team names match whatever their case; the run uses the name as the data spell it.
    config = report_tools.config(
        tmp_path, report_tools.notebooks / "suite", team="assessment north"
    )
    outcome = run(config, report_tools)
    assert outcome.published == tmp_path / "reports" / "2025-03-31_team-assessment-north"
    html = (outcome.published / "01_caseloads.html").read_text()
    assert "<p>Team: Assessment North</p>" in html
    index = (outcome.published / "index.html").read_text()
    assert "Reports for the quarter ending 31 March 2025, team Assessment North" in index


@pytest.mark.slow
def test_the_history_page_lists_two_periods_after_two_runs_and_keep_prunes(tmp_path, report_tools):
    report_tools.write_raw(tmp_path / "raw")
    notebooks = report_tools.notebooks / "suite"
    for period_end in ("2024-12-31", "2025-03-31"):
        outcome = run(report_tools.config(tmp_path, notebooks, period_end=period_end), report_tools)
        assert outcome.exit_code == 0
    history = (tmp_path / "reports" / "index.html").read_text()
    assert history.index('href="2025-03-31/index.html"') < history.index(
        'href="2024-12-31/index.html"'
    )
    # --keep 1 on a third run keeps only the newest quarter end.
    config = report_tools.config(tmp_path, notebooks, period_end="2025-03-31", keep=1)
    assert run(config, report_tools).exit_code == 0
    assert not (tmp_path / "reports" / "2024-12-31").exists()
    assert "2024-12-31" not in (tmp_path / "reports" / "index.html").read_text()


@pytest.mark.slow
@pytest.mark.browser
def test_pdf_writes_each_report_and_an_a4_committee_summary(tmp_path, report_tools):
    report_tools.require_browser()
    from pypdf import PdfReader

    report_tools.write_raw(tmp_path / "raw")
    config = report_tools.config(tmp_path, report_tools.notebooks / "suite", pdf=True)
    outcome = run(config, report_tools)
    assert outcome.exit_code == 0
    folder = outcome.published / "pdf"
    assert sorted(p.name for p in folder.iterdir()) == [
        "00_overview.pdf",
        "01_caseloads.pdf",
        "02_data_quality.pdf",
        "committee-summary.pdf",
    ]
    summary = PdfReader(folder / "committee-summary.pdf")
    assert len(summary.pages) >= 1
    # A4 is 595 x 842 points.
    assert [round(float(v)) for v in summary.pages[0].mediabox[2:]] == [595, 842]
    text = " ".join(page.extract_text() for page in summary.pages)
    # The overview's key message, the running head (title and period) and the page number.
    assert "Data for Sample county (E10000017) to 2025-03-31" in " ".join(text.split())
    assert "Committee summary" in text and "Page 1 of" in text
    landing = (outcome.published / "index.html").read_text()
    assert 'href="pdf/committee-summary.pdf"' in landing
