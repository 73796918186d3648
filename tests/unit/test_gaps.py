"""Gap tests: Wilson intervals worked by hand, gap calling, small groups, benchmark gaps.

Wilson interval for k successes in n: p = k/n, a = z^2/n (z = 1.959964, z^2 = 3.841459),
centre = (p + a/2) / (1 + a), half = z / (1 + a) x sqrt(p(1-p)/n + a/(4n)).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csc_metrics.errors import InputError
from csc_metrics.gaps import benchmark_gap, gap_is_better, group_gaps, group_rates, wilson_interval


def test_wilson_five_of_ten():
    # p 0.5, a 0.3841459: centre (0.5 + 0.192073)/1.384146 = 0.5;
    # half = 1.959964/1.384146 x sqrt(0.025 + 0.009604) = 1.416009 x 0.186020 = 0.263407.
    low, high = wilson_interval(5, 10)
    assert (low, high) == pytest.approx((0.236593, 0.763407), abs=1e-6)


def test_wilson_zero_of_ten_stays_above_zero():
    # p 0: centre = (a/2)/(1 + a) and half = z/(1 + a) x z/(2n) = (a/2)/(1 + a) too, so
    # low = 0 and high = a/(1 + a) = 0.3841459/1.3841459 = 0.277533.
    low, high = wilson_interval(0, 10)
    assert low == pytest.approx(0.0, abs=1e-12)
    assert high == pytest.approx(0.277533, abs=1e-6)


def test_wilson_is_vectorised_and_blank_for_zero_trials():
    low, high = wilson_interval(np.array([5, 10, 0]), np.array([10, 10, 0]))
    # 10 of 10 is the mirror image of 0 of 10: (1 - 0.277533, 1).
    assert low[:2] == pytest.approx([0.236593, 0.722467], abs=1e-6)
    assert high[:2] == pytest.approx([0.763407, 1.0], abs=1e-6)
    assert np.isnan(low[2]) and np.isnan(high[2])


def test_wilson_rejects_numerator_above_denominator():
    with pytest.raises(ValueError, match="exceed"):
        wilson_interval(11, 10)


def test_group_rates_adds_percentages_and_intervals():
    frame = pd.DataFrame({"group": ["F", "M"], "numerator": [5, 0], "denominator": [10, 10]})
    rates = group_rates(frame)
    assert list(rates["rate"]) == [50.0, 0.0]
    assert list(rates["ci_low"]) == pytest.approx([23.6593, 0.0], abs=1e-4)
    assert list(rates["ci_high"]) == pytest.approx([76.3407, 27.7533], abs=1e-4)


def test_small_groups_are_flagged_below_the_setting():
    # settings.small_group = 10: a denominator of 9 is small, 10 is not.
    frame = pd.DataFrame({"group": ["a", "b"], "numerator": [1, 1], "denominator": [9, 10]})
    assert list(group_rates(frame)["is_small"]) == [True, False]


def test_group_rates_names_the_group_with_an_impossible_numerator():
    frame = pd.DataFrame({"group": ["Black"], "numerator": [12], "denominator": [10]})
    with pytest.raises(InputError, match="'Black'"):
        group_rates(frame)


def test_group_rates_names_a_missing_column():
    with pytest.raises(InputError, match="denominator"):
        group_rates(pd.DataFrame({"group": ["a"], "numerator": [1]}))


def test_gap_called_when_intervals_separate():
    # A 40/50: p 0.8, a 0.076829: centre (0.8 + 0.038415)/1.076829 = 0.778598,
    #   half 1.820126 x sqrt(0.0032 + 0.000384) = 0.108967 -> (66.96%, 88.76%).
    # B 10/50 (the rest of A): centre 0.221402, same half -> (11.24%, 33.04%). No overlap.
    frame = pd.DataFrame({"group": ["A", "B"], "numerator": [40, 10], "denominator": [50, 50]})
    gaps = group_gaps(frame).set_index("group")
    assert gaps.loc["A", "ci_low"] == pytest.approx(66.9631, abs=1e-3)
    assert gaps.loc["A", "comparison_ci_high"] == pytest.approx(33.0369, abs=1e-3)
    assert gaps.loc["A", "gap_pp"] == pytest.approx(60.0)
    assert gaps.loc["A", "gap_called"]
    assert gaps.loc["A", "gap_side"] == "higher"
    assert gaps.loc["B", "gap_side"] == "lower"
    assert gaps.loc["A", "comparison"] == "all other groups"


def test_no_gap_called_when_intervals_overlap():
    # 6/10 -> (31.27%, 83.18%); 4/10 -> (16.82%, 68.73%): a 20-point difference but overlapping.
    frame = pd.DataFrame({"group": ["A", "B"], "numerator": [6, 4], "denominator": [10, 10]})
    gaps = group_gaps(frame)
    assert list(gaps["gap_pp"]) == pytest.approx([20.0, -20.0])
    assert not gaps["gap_called"].any()
    assert gaps["gap_side"].isna().all()


def test_each_group_is_compared_with_all_other_groups_combined():
    # C is compared with A + B = 46/60.
    frame = pd.DataFrame(
        {"group": ["A", "B", "C"], "numerator": [40, 6, 1], "denominator": [50, 10, 20]}
    )
    gaps = group_gaps(frame).set_index("group")
    assert gaps.loc["C", "comparison_numerator"] == 46
    assert gaps.loc["C", "comparison_denominator"] == 60


def test_gaps_against_a_named_reference_group():
    # W 30/100: p 0.3, a 0.038415: centre 0.307402, half 1.887459 x 0.046862 = 0.088450
    #   -> (21.90%, 39.59%).
    # B 14/20: p 0.7, a 0.192073: centre (0.7 + 0.096037)/1.192073 = 0.667778,
    #   half 1.644164 x sqrt(0.0105 + 0.002401) = 0.186748 -> (48.10%, 85.45%): above W, called.
    # M 5/20 = 25% sits inside W's interval: not called.
    frame = pd.DataFrame(
        {"group": ["W", "B", "M"], "numerator": [30, 14, 5], "denominator": [100, 20, 20]}
    )
    gaps = group_gaps(frame, reference_group="W").set_index("group")
    assert gaps.loc["B", "ci_low"] == pytest.approx(48.1030, abs=1e-3)
    assert gaps.loc["B", "comparison_ci_high"] == pytest.approx(39.5852, abs=1e-3)
    assert gaps.loc["B", "gap_pp"] == pytest.approx(40.0)
    assert list(gaps["gap_called"]) == [False, True, False]
    assert gaps.loc["B", "comparison"] == "W"


def test_missing_reference_group_is_named():
    frame = pd.DataFrame({"group": ["A"], "numerator": [1], "denominator": [2]})
    with pytest.raises(InputError, match="'Z'"):
        group_gaps(frame, reference_group="Z")


def test_metric_rows_compare_within_each_breakdown_and_skip_the_total():
    # The total row (group "all") is left out; sex and age_band are separate comparisons.
    frame = pd.DataFrame(
        {
            "indicator_id": "x",
            "period_end": pd.Timestamp("2024-03-31"),
            "breakdown": ["total", "sex", "sex", "age_band", "age_band"],
            "group": ["all", "F", "M", "10-15", "16+"],
            "numerator": [30, 10, 20, 12, 18],
            "denominator": [100, 50, 50, 40, 60],
        }
    )
    gaps = group_gaps(frame).set_index("group")
    assert "all" not in gaps.index
    assert gaps.loc["F", "comparison_denominator"] == 50  # M only
    assert gaps.loc["10-15", "comparison_numerator"] == 18  # 16+ only


def test_benchmark_gap_is_value_minus_benchmark():
    assert benchmark_gap(48.2, 55.0) == pytest.approx(-6.8)


@pytest.mark.parametrize(
    ("gap", "direction", "expected"),
    [
        pytest.param(-6.8, "higher", False, id="below_when_higher_is_better"),
        pytest.param(-6.8, "lower", True, id="below_when_lower_is_better"),
        pytest.param(3.0, "higher", True, id="above_when_higher_is_better"),
        pytest.param(3.0, "neutral", None, id="neutral"),
        pytest.param(0.0, "higher", None, id="no_gap"),
        pytest.param(float("nan"), "higher", None, id="blank"),
    ],
)
def test_gap_is_better(gap, direction, expected):
    assert gap_is_better(gap, direction) is expected


def test_wilson_bounds_are_exactly_0_and_1_at_the_extremes():
    # 0 of 5 and 5 of 5: the formula gives 3e-17 and 1 - 1e-16 by rounding; the bounds must
    # contain the rates 0% and 100% exactly, or error bars drawn from them go negative.
    low, _ = wilson_interval(0, 5)
    _, high = wilson_interval(4, 4)
    assert (low, high) == (0.0, 1.0)
    lows, highs = wilson_interval(np.array([0, 0]), np.array([5, 0]))
    assert lows[0] == 0.0 and np.isnan(lows[1]) and np.isnan(highs[1])
