"""Time to permanence (Kaplan-Meier), worked by hand on six children.

R = 2024-03-31. Every child's latest period of care began in the 5 years to R, after the
earliest return held (2022, from 2021-04-01):

  K1 entered 2023-01-01, special guardianship 2023-04-11: permanence after 100 days
  K2 entered 2023-11-02, still looked after at R: censored at 150 days
  K3 entered 2022-06-01, child arrangements order 2022-12-18: permanence after 200 days
  K4 entered 2023-03-01, returned home 2023-04-20: not permanent, censored at R (396 days)
  K5 entered 2022-01-01, adopted 2022-10-28: permanence after 300 days
  K6 first period 2021-06-01 to 2021-09-01 (returned home); back in care 2024-01-05 and still
     there: only the latest period counts, censored at 86 days (26 + 29 + 31)

Kaplan-Meier, ordered times 86 (censored), 100 (event), 150 (censored), 200 (event),
300 (event), 396 (censored):
  at 100: 5 at risk (K6 censored before), 1 event: S = 4/5 = 0.8
  at 200: 3 at risk (K3, K5, K4), 1 event: S = 0.8 x 2/3 = 0.5333
  at 300: 2 at risk (K5, K4), 1 event: S = 0.5333 x 1/2 = 0.2667
Share reaching permanence within 365 days: 1 - 0.2667 = 73.3%. Median: S first at or below
0.5 at 300 days. Within 730 days: the longest follow-up is 396 days and the curve has not
reached 0, so no estimate.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from indicators_fixtures import child, episode, make_data

from csc_metrics.indicators import compute_indicators
from csc_metrics.indicators.survival import (
    _fit,
    _median,
    _median_of,
    _survival_at,
    kaplan_meier,
    permanence_cohort,
    permanence_curves,
    permanence_summary,
)
from csc_metrics.settings import DEFAULT_SETTINGS

LA = "E10000017"
R = pd.Timestamp("2024-03-31")


@pytest.fixture(scope="module")
def data():
    return make_data(
        [
            episode("K1", "2023-01-01", "2023-04-11", rec="E45"),
            episode("K2", "2023-11-02"),
            episode("K3", "2022-06-01", "2022-12-18", rec="E41"),
            episode("K4", "2023-03-01", "2023-04-20", rec="E4A"),
            episode("K5", "2022-01-01", "2022-10-28", rec="E11", collection_year=2022),
            episode("K6", "2021-06-01", "2021-09-01", rec="E4A", collection_year=2022),
            episode("K6", "2024-01-05"),
        ],
        header=[
            child("K1", "2022-06-01"),  # aged 0 at entry
            child("K2", "2015-01-01"),
            child("K3", "2020-01-01"),  # aged 2 at entry
            child("K4", "2012-01-01"),
            child("K5", "2021-06-01"),  # aged 0 at entry
            child("K6", "2012-01-01"),
        ],
    )


def test_the_cohort_has_each_childs_latest_period_with_its_days(data):
    cohort = permanence_cohort(data, R).set_index("child_id")
    assert cohort["days"].to_dict() == {
        "K1": 100.0,
        "K2": 150.0,
        "K3": 200.0,
        "K4": 396.0,
        "K5": 300.0,
        "K6": 86.0,
    }
    assert cohort["reached"].to_dict() == {
        "K1": True,
        "K2": False,
        "K3": True,
        "K4": False,
        "K5": True,
        "K6": False,
    }
    assert cohort.loc["K6", "entered"] == pd.Timestamp("2024-01-05")


def test_a_censored_child_still_in_care_counts_until_r(data):
    cohort = permanence_cohort(data, R).set_index("child_id")
    assert cohort.loc["K2", "still_looked_after"]
    assert pd.isna(cohort.loc["K2", "exit"])


def test_the_estimate_matches_the_hand_worked_kaplan_meier(data):
    summary = permanence_summary(data, R).set_index("group")
    everyone = summary.loc["All children"]
    assert (everyone["children"], everyone["reached"]) == (6, 3)
    assert everyone["within_1yr_pct"] == 73.3
    assert everyone["median_days"] == 300
    assert math.isnan(everyone["within_2yr_pct"])


def test_the_median_has_an_interval_around_it(data):
    everyone = permanence_summary(data, R).set_index("group").loc["All children"]
    lower, upper = everyone["median_lower"], everyone["median_upper"]
    assert lower <= 300
    # With three events in six children the upper end is never reached: blank, not infinity.
    assert math.isnan(upper) or upper >= 300


def test_indicator_rows_give_the_estimate_with_counts(data):
    metrics = compute_indicators(data, R, LA)
    rows = metrics[metrics["breakdown"] == "total"].set_index("indicator_id")
    within = rows.loc["permanence_within_1yr_pct"]
    # Numerator: seen to reach permanence within 365 days (K1, K3, K5); denominator: the
    # cohort; unknown: followed less than 365 days without permanence (K2, K6).
    assert (within["numerator"], within["denominator"], within["value"], within["unknown"]) == (
        3,
        6,
        73.3,
        2,
    )
    assert rows.loc["permanence_median_days", "value"] == 300
    assert math.isnan(rows.loc["permanence_within_2yr_pct", "value"])


def test_the_estimate_is_broken_down_by_age_band_at_entry(data):
    summary = permanence_summary(data, R).set_index("group")
    # Under 1 at entry: K1 (100 days) and K5 (300 days) both reached permanence: 100%.
    under_1 = summary.loc["Under 1"]
    assert (under_1["children"], under_1["reached"], under_1["within_1yr_pct"]) == (2, 2, 100.0)
    assert summary.loc["16+", "children"] == 0


def test_the_quarterly_series_holds_the_whole_cohort_only(data):
    # Each estimate is a separate fit, so the breakdown by age at entry is left to the summary.
    metrics = compute_indicators(data, R, LA)
    rows = metrics[metrics["indicator_id"].str.startswith("permanence_")]
    assert set(rows["breakdown"]) == {"total"}


def test_censoring_other_exits_when_they_left_is_a_setting(data):
    # K4 is then censored at 50 days: times 50c, 86c, 100, 150c, 200, 300.
    # at 100: 4 at risk: S = 3/4 = 0.75; at 200: 2 at risk: 0.375; at 300: 1 at risk: 0.
    # The curve reaches 0 at 300 days, so the share within 365 days is 100% although no one
    # was followed that long; the median is 200 days (0.375 <= 0.5).
    settings = DEFAULT_SETTINGS.with_overrides(permanence_other_exits="censored_at_exit")
    everyone = permanence_summary(data, R, settings).set_index("group").loc["All children"]
    assert everyone["within_1yr_pct"] == 100.0
    assert everyone["median_days"] == 200


def test_entrants_before_the_earliest_return_are_left_out(data):
    # A child who entered in 2020, before the earliest return held (2022, from 2021-04-01),
    # would only be seen because they were still in care: leaving them in would bias the curve.
    early = make_data(
        [
            episode("E", "2020-06-01", collection_year=2022),
            episode("K2", "2023-11-02"),
        ]
    )
    cohort = permanence_cohort(early, R)
    assert cohort["child_id"].tolist() == ["K2"]


def test_the_curve_starts_at_zero_and_rises_at_each_permanence(data):
    curve = permanence_curves(data, R)
    everyone = curve[curve["group"] == "All children"].set_index("days")
    assert everyone.loc[0.0, "reached_pct"] == 0
    assert round(everyone.loc[200.0, "reached_pct"], 1) == 46.7  # 1 - 0.5333
    assert everyone.loc[100.0, "at_risk"] == 5


# --- the estimate without lifelines's cost per fit ----------------------------------------------


def _lifelines_estimate(days: list[float], reached: list[bool]) -> tuple[list, list, float]:
    from lifelines import KaplanMeierFitter

    fitter = KaplanMeierFitter(alpha=0.05).fit(pd.Series(days), event_observed=pd.Series(reached))
    surviving = fitter.survival_function_.iloc[:, 0]
    return list(surviving.index), list(surviving), float(fitter.median_survival_time_)


@pytest.mark.parametrize(
    ("days", "reached"),
    [
        # Hand-sized: ties at 10 (one event, one censored), the last child censored.
        ([10, 10, 20, 30, 45], [True, False, True, True, False]),
        # Everyone reaches permanence: the estimate falls to 0 at the last day.
        ([5, 5, 8, 300], [True, True, True, True]),
        # No one does: it stays at 1 and has no median.
        ([100, 200, 365], [False, False, False]),
        # One child, reaching permanence on the day of entry.
        ([0], [True]),
    ],
)
def test_kaplan_meier_is_lifelines_estimate_to_the_bit(days, reached):
    times, surviving = kaplan_meier(np.array(days, dtype=float), np.array(reached))
    expected_times, expected_surviving, expected_median = _lifelines_estimate(days, reached)
    assert list(times) == expected_times
    assert list(surviving) == expected_surviving  # exact: the same arithmetic, not close to it
    median = _median_of(times, surviving)
    assert median == expected_median or (math.isnan(median) and math.isinf(expected_median))


def test_kaplan_meier_matches_lifelines_on_county_sized_cohorts():
    # 600 children with days from 0 to 2,500, many ties, a third reaching permanence: the
    # shape of a county's cohort at one reference date.
    generator = np.random.default_rng(20)
    for _ in range(5):
        days = generator.integers(0, 2500, size=600).astype(float)
        reached = generator.random(600) < 0.35
        times, surviving = kaplan_meier(days, reached)
        expected_times, expected_surviving, expected_median = _lifelines_estimate(
            list(days), list(reached)
        )
        assert list(times) == expected_times
        assert list(surviving) == expected_surviving
        assert _median_of(times, surviving) == expected_median
        assert (
            _survival_at(times, surviving, 365)
            == expected_surviving[int(np.searchsorted(expected_times, 365, side="right")) - 1]
        )


def test_kaplan_meier_refuses_a_blank_day():
    with pytest.raises(ValueError, match="finite"):
        kaplan_meier(np.array([10.0, np.nan]), np.array([True, False]))


def _lifelines_fit(days: np.ndarray, reached: np.ndarray, confidence: float):
    from lifelines import KaplanMeierFitter

    return KaplanMeierFitter(alpha=1 - confidence).fit(
        pd.Series(days), event_observed=pd.Series(reached), label="x"
    )


def _lifelines_median(band: pd.DataFrame) -> pd.DataFrame:
    from lifelines.utils import median_survival_times

    return median_survival_times(band)


@pytest.mark.parametrize("confidence", [0.95, 0.9])
def test_the_band_median_and_at_risk_are_lifelines_to_the_bit(confidence):
    # Cohorts of 1 to 600 children (many ties, some reaching permanence on day 0, some where
    # everyone does): the estimate, both ends of its band, the children at risk and the median
    # with its interval are exactly lifelines' (the same operations in the same order).
    generator = np.random.default_rng(11)
    for size in (1, 2, 5, 40, 600):
        for share in (0.0, 0.35, 1.0):
            days = generator.integers(0, 900, size=size).astype(float)
            reached = generator.random(size) < share
            cohort = pd.DataFrame({"days": days, "reached": reached})
            estimate = _fit(cohort, confidence)
            fitter = _lifelines_fit(days, reached, confidence)
            band = fitter.confidence_interval_survival_function_
            np.testing.assert_array_equal(estimate.times, fitter.survival_function_.index)
            np.testing.assert_array_equal(estimate.surviving, fitter.survival_function_.iloc[:, 0])
            np.testing.assert_array_equal(estimate.lower, band.iloc[:, 0])
            np.testing.assert_array_equal(estimate.upper, band.iloc[:, 1])
            np.testing.assert_array_equal(
                estimate.at_risk,
                fitter.event_table["at_risk"].reindex(fitter.survival_function_.index),
            )
            interval = _lifelines_median(band)
            expected = [fitter.median_survival_time_, interval.iloc[0, 0], interval.iloc[0, 1]]
            assert _median(estimate) == pytest.approx(
                [value if np.isfinite(value) else np.nan for value in expected], nan_ok=True, abs=0
            )
            for day in (0, 365, 730):
                assert _survival_at(estimate.times, estimate.surviving, day) == pytest.approx(
                    float(fitter.survival_function_at_times(day).iloc[0]), nan_ok=True, abs=0
                )
