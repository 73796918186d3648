"""Quarter ends covered by the data, series, and reference dates outside the data."""

from __future__ import annotations

import os
import threading

import pandas as pd
import pytest
from forked_helpers import dies_in_a_child, pretend_one_thread, record_forked_calls
from indicators_fixtures import (
    LA,
    county,
    county_indicators_at_r,
    county_series,
    episode,
    leaver,
    make_data,
)

from csc_metrics.errors import ParameterError
from csc_metrics.indicators import (
    compute_indicator_series,
    compute_indicators,
    core,
    data_coverage,
    prepare_inputs,
    quarter_ends_covered,
)


@pytest.fixture(scope="module")
def county_data():
    return county()


def test_coverage_runs_from_the_earliest_collection_year_start(county_data):
    # Collection years 2023-2025: start 1 April 2022. The 2025 return is an in-year extract
    # taken on 2024-06-30 (its extract date), so the data end there.
    assert data_coverage(county_data) == (pd.Timestamp("2022-04-01"), pd.Timestamp("2024-06-30"))


def test_every_quarter_end_covered_oldest_first(county_data):
    assert [d.strftime("%Y-%m-%d") for d in quarter_ends_covered(county_data)] == [
        "2022-06-30",
        "2022-09-30",
        "2022-12-31",
        "2023-03-31",
        "2023-06-30",
        "2023-09-30",
        "2023-12-31",
        "2024-03-31",
        "2024-06-30",
    ]


def test_an_in_year_extract_ends_on_its_extract_date():
    # 2025 return extracted in the autumn, the user said so with an extract date of
    # 2024-11-04: the data end on 2024-11-04, so the latest quarter end is 2024-09-30.
    data = make_data(
        [
            episode("X", "2023-01-01", collection_year=2025),
            episode("Y", "2024-11-04", collection_year=2025),
        ],
        extract_dates={2025: "2024-11-04"},
    )
    assert data_coverage(data)[1] == pd.Timestamp("2024-11-04")
    assert quarter_ends_covered(data)[-1] == pd.Timestamp("2024-09-30")


def test_a_quiet_return_without_an_extract_date_covers_its_whole_year():
    # Collection year 2025 whose last event is on 2024-11-04: without an extract date it is a
    # full-year return (a quiet winter), so the data run to 31 March 2025.
    data = make_data(
        [
            episode("X", "2023-01-01", collection_year=2025),
            episode("Y", "2024-11-04", collection_year=2025),
        ]
    )
    assert data_coverage(data)[1] == pd.Timestamp("2025-03-31")


def test_a_latest_date_before_the_latest_collection_year_does_not_shorten_the_data():
    # Collection year 2024, but nothing happened after 2023-01-01: the data run to 31 March 2024.
    data = make_data([episode("X", "2023-01-01", collection_year=2024)])
    assert data_coverage(data) == (pd.Timestamp("2023-04-01"), pd.Timestamp("2024-03-31"))


def test_series_defaults_to_every_quarter_end(county_data):
    series = county_series()  # compute_indicator_series(county(), LA), shared
    assert sorted(series["period_end"].unique()) == quarter_ends_covered(county_data)


def test_series_value_at_a_date_equals_the_single_date_computation(county_data):
    series = compute_indicator_series(county_data, LA, ["2023-09-30", "2024-03-31"])
    single = compute_indicators(county_data, "2023-09-30", LA)
    at_date = series[series["period_end"] == pd.Timestamp("2023-09-30")].reset_index(drop=True)
    pd.testing.assert_frame_equal(at_date, single)


def test_series_is_sorted_by_date_then_catalogue_order(county_data):
    series = compute_indicator_series(county_data, LA, ["2024-03-31", "2023-12-31"])
    assert series["period_end"].is_monotonic_increasing
    first = series[series["period_end"] == series["period_end"].min()]
    assert first["indicator_id"].iloc[0] == "cla_count"


def test_cla_count_over_two_quarters(county_data):
    # The 14 looked after at R were all looked after on 2023-12-31 too (I back since
    # 2023-10-01, M since 2023-12-01), and so was B, whose episode ended on R: 15.
    series = compute_indicator_series(county_data, LA, ["2023-12-31"])
    total = series[(series["indicator_id"] == "cla_count") & (series["breakdown"] == "total")]
    assert total["value"].tolist() == [15]


def test_a_reference_date_after_the_data_names_the_covered_range(county_data):
    with pytest.raises(ParameterError, match=r"after the data.*2022-04-01 to 2024-06-30"):
        compute_indicators(county_data, "2024-07-01", LA)


def test_a_reference_date_before_the_data_is_refused(county_data):
    with pytest.raises(ParameterError, match="before the data"):
        compute_indicator_series(county_data, LA, ["2022-03-31"])


def test_a_badly_written_reference_date_is_refused(county_data):
    with pytest.raises(ParameterError, match="YYYY-MM-DD"):
        compute_indicators(county_data, "31/03/2024", LA)


def test_oc3_only_data_still_has_a_coverage():
    data = make_data(oc3=[leaver("X", "2004-06-01", "YES", "F1", "U1")])
    assert data_coverage(data) == (pd.Timestamp("2023-04-01"), pd.Timestamp("2024-03-31"))


def test_prepared_inputs_give_the_same_figures(county_data):
    inputs = prepare_inputs(county_data)
    pd.testing.assert_frame_equal(
        compute_indicators(county_data, "2024-03-31", LA, inputs=inputs),
        county_indicators_at_r(),  # compute_indicators(county(), R, LA), shared
    )


def test_a_series_from_prepared_inputs_is_the_series_prepared_here(county_data):
    pd.testing.assert_frame_equal(
        compute_indicator_series(county_data, LA, inputs=prepare_inputs(county_data)),
        county_series(),  # compute_indicator_series(county(), LA), shared
    )


# --- the permanence indicators worked out in a forked child -----------------------------------
# Each is compared with the series worked out here in one process (``county_series()``, shared).
# The two that fork a child to work out the permanence indicators are marked slow: each starts
# a process and takes over a second of CPU with it.

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


@pytest.fixture
def one_thread(monkeypatch):
    pretend_one_thread(monkeypatch)


@pytest.fixture
def permanence_calls(monkeypatch):
    """Every ``ForkedCall`` the series starts, kept to see where it was worked out."""
    return record_forked_calls(monkeypatch, core)


def _permanence_rows(series):
    return series[series["indicator_id"].str.startswith(("left_care_", "permanence_"))]


@pytest.mark.slow
@needs_fork
def test_the_series_with_permanence_worked_out_in_a_child_is_the_series_worked_out_here(
    county_data, one_thread, permanence_calls
):
    split = compute_indicator_series(county_data, LA, permanence_in_child=True)

    assert [call.forked for call in permanence_calls] == [True]
    # B left care (E4A, returned home) on 2024-03-31: the child's rows are really there.
    assert not _permanence_rows(split).empty
    pd.testing.assert_frame_equal(split, county_series())


@pytest.mark.slow
@needs_fork
def test_a_permanence_child_that_fails_is_worked_out_here(county_data, one_thread, monkeypatch):
    dies_in_a_child(monkeypatch, core, "_permanence_series")

    split = compute_indicator_series(county_data, LA, permanence_in_child=True)

    pd.testing.assert_frame_equal(split, county_series())


def test_where_forking_is_unsafe_the_permanence_indicators_are_worked_out_here(
    county_data, monkeypatch, permanence_calls
):
    monkeypatch.setattr(threading, "active_count", lambda: 2)

    split = compute_indicator_series(county_data, LA, permanence_in_child=True)

    assert [call.forked for call in permanence_calls] == [False]
    pd.testing.assert_frame_equal(split, county_series())
