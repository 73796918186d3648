"""Which dataset each report needs, and what the run says when a report has none for the period."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from csc_metrics.indicators.coverage import Window, dates_record
from csc_metrics.report.data_needs import (
    DataDates,
    missing_data,
    no_data_notebook,
    report_datasets,
)

NOTEBOOKS = Path(__file__).resolve().parents[3] / "notebooks"
T = pd.Timestamp

# SSDA903 returns for 2021-22 to 2023-24: 1 April 2021 to 31 March 2024. Caseload snapshots
# every quarter from 30 June 2023 to 30 June 2024, after the SSDA903 data end.
SSDA903 = Window("ssda903", T("2021-04-01"), T("2024-03-31"))
SNAPSHOTS = [T("2023-06-30"), T("2023-09-30"), T("2023-12-31"), T("2024-03-31"), T("2024-06-30")]
CASELOAD = Window("caseload", SNAPSHOTS[0], T("2024-06-30"))
BOTH = DataDates({"ssda903": SSDA903, "caseload": CASELOAD}, SNAPSHOTS)
CASELOAD_ONLY = DataDates({"caseload": CASELOAD}, SNAPSHOTS)


def test_each_report_needs_the_dataset_its_figures_come_from():
    needs = report_datasets()
    assert needs["01_caseloads"] == ("caseload",)
    for report in ("02_care_leavers", "03_placements", "05_permanence", "06_demand_and_cost"):
        assert needs[report] == ("ssda903",), report
    # The overview and the data-quality report run on either dataset.
    assert set(needs["00_overview"]) == set(needs["04_data_quality"]) == {"caseload", "ssda903"}


def test_every_shipped_notebook_says_which_data_it_needs():
    shipped = {p.stem for p in NOTEBOOKS.glob("[0-9]*.ipynb")}
    assert shipped and shipped <= set(report_datasets())


def test_without_ssda903_returns_the_placements_report_has_no_data_and_says_how_to_supply_them():
    missing = missing_data(Path("03_placements.ipynb"), CASELOAD_ONLY, T("2024-06-30"))
    assert missing is not None
    assert missing.summary() == "it needs SSDA903 returns; no SSDA903 returns were supplied"
    assert missing.remedies == [
        "To produce it, put the SSDA903 returns in `RAW/ssda903/<YYYY>/` and run "
        "`csc-metrics run` again."
    ]


def test_a_report_with_its_data_or_not_listed_runs():
    at = T("2024-06-30")
    assert missing_data(Path("01_caseloads.ipynb"), CASELOAD_ONLY, at) is None
    assert missing_data(Path("00_overview.ipynb"), CASELOAD_ONLY, at) is None
    assert missing_data(Path("99_councils_own.ipynb"), CASELOAD_ONLY, at) is None


def test_a_snapshot_after_the_ssda903_data_leaves_the_ssda903_reports_without_data():
    # 30 June 2024 is after 31 March 2024, the last day of the 2023-24 return.
    missing = missing_data(Path("02_care_leavers.ipynb"), BOTH, T("2024-06-30"))
    assert missing is not None
    assert missing.reasons == [
        "the SSDA903 returns cover 1 April 2021 to 31 March 2024, not 30 June 2024"
    ]
    assert "`--period-end 2024-03-31` is the latest" in missing.remedies[0]
    assert missing_data(Path("01_caseloads.ipynb"), BOTH, T("2024-06-30")) is None
    # At 31 March 2024 both datasets cover the date: every report has data.
    assert missing_data(Path("02_care_leavers.ipynb"), BOTH, T("2024-03-31")) is None


def test_the_no_data_page_says_which_data_the_report_needs_and_that_there_are_none():
    missing = missing_data(Path("03_placements.ipynb"), CASELOAD_ONLY, T("2024-06-30"))
    assert missing is not None
    (cell,) = no_data_notebook(missing, T("2024-06-30")).cells
    assert cell.source.startswith(
        "**No data for this report.** This report needs SSDA903 returns covering the quarter "
        "ending 30 June 2024, and there are none: no SSDA903 returns were supplied."
    )


def test_the_landing_coverage_sentence_says_the_ssda903_data_stop_before_a_later_snapshot():
    assert BOTH.coverage_words(T("2024-06-30")) == (
        "SSDA903 data 1 April 2021 to 31 March 2024 (ends before this period: placement, "
        "care-leaver and permanence figures not covered); caseload snapshots 30 June 2023 to "
        "30 June 2024"
    )


def test_the_landing_coverage_sentence_counts_only_snapshots_up_to_the_period():
    # At 31 March 2024 both cover the date; the 30 June 2024 snapshot is after it.
    assert BOTH.coverage_words(T("2024-03-31")) == (
        "SSDA903 data 1 April 2021 to 31 March 2024; caseload snapshots 30 June 2023 to "
        "31 March 2024"
    )


def test_the_landing_coverage_sentence_says_the_caseload_snapshots_stop_before_the_period():
    # SSDA903 to 31 March 2025, last snapshot 30 September 2024: caseload covers up to the end
    # of that quarter only, so not 31 March 2025.
    ssda903 = Window("ssda903", T("2022-04-01"), T("2025-03-31"))
    caseload = Window("caseload", T("2024-06-30"), T("2024-09-30"))
    dates = DataDates(
        {"ssda903": ssda903, "caseload": caseload}, [T("2024-06-30"), T("2024-09-30")]
    )
    assert dates.coverage_words(T("2025-03-31")).endswith(
        "caseload snapshots 30 June 2024 to 30 September 2024 (ends before this period: caseload "
        "figures not covered)"
    )


def test_with_no_data_at_all_every_report_runs_and_says_what_is_wrong_itself():
    assert missing_data(Path("03_placements.ipynb"), DataDates({}, []), T("2024-06-30")) is None


def test_the_dates_as_the_report_preparation_answers_them_read_back_the_same():
    record = dates_record(BOTH.windows, BOTH.snapshots)
    assert json.loads(json.dumps(record)) == record  # JSON values, as the fork server sends
    assert DataDates.from_record(record) == BOTH
    assert DataDates.from_record(dates_record({}, [])) == DataDates({}, [])
