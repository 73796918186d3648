"""SPC (XmR) tests on hand-worked series.

Most fixtures are built around a base that alternates 12, 10 (mean 11, moving range 2), with a
block added above the mean and its mirror image below it (values 22 - v), so the mean stays at
exactly 11 and the arithmetic can be done by hand. Constants: limits = mean +/- 2.66 x mean MR;
near-limit band = mean +/- (2/3 x 2.66 =) 1.773333 x mean MR; screening drops MRs >= 3.267 x
the mean MR.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from csc_metrics.errors import InputError
from csc_metrics.settings import DEFAULT_SETTINGS
from csc_metrics.spc import overall_spc, spc, spc_table

BASE_HIGH_FIRST = [12.0, 10.0] * 10  # 20 points, sum 220, 19 MRs of 2
BASE_LOW_FIRST = [10.0, 12.0] * 10


def quarterly(values: list[float], start: str = "2015-03-31") -> pd.Series:
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="QE"))


def flagged(result, rule: str) -> list[int]:
    return [i for i, r in enumerate(result.points["rule"]) if r == rule]


def all_flagged(result) -> dict[int, str]:
    return {i: r for i, r in enumerate(result.points["rule"]) if r is not None}


# --- limits ------------------------------------------------------------------------------------


def test_limits_of_an_alternating_series():
    # 10, 12 x 8: mean 11, every MR 2 -> limits 11 +/- 5.32, near band 11 +/- 3.546667
    result = spc(quarterly([10.0, 12.0] * 8), "higher")
    first = result.points.iloc[0]
    assert first["mean"] == pytest.approx(11.0)
    assert first["upl"] == pytest.approx(16.32)
    assert first["lpl"] == pytest.approx(5.68)
    assert first["near_upl"] == pytest.approx(14.546667, abs=1e-6)
    assert first["near_lpl"] == pytest.approx(7.453333, abs=1e-6)


def test_screening_outlying_moving_ranges_narrows_the_limits():
    # [10, 12] x 9 + [10, 24]: sum 10x10 + 9x12 + 24 = 232, mean 11.6.
    # MRs: 18 of 2 and one of 14 -> mean 50/19 = 2.6316; 3.267 x 2.6316 = 8.597, so 14 is dropped
    # and the mean MR is 36/18 = 2. UPL = 11.6 + 5.32 = 16.92 (unscreened it would be 18.6).
    result = spc(quarterly([10.0, 12.0] * 9 + [10.0, 24.0]), "higher")
    assert result.points["upl"].iloc[0] == pytest.approx(16.92)
    assert result.points["lpl"].iloc[0] == pytest.approx(6.28)


def test_flat_series_has_limits_on_the_mean_and_no_signal():
    result = spc(quarterly([5.0] * 12), "higher")
    assert result.points["upl"].iloc[0] == 5.0
    assert result.points["lpl"].iloc[0] == 5.0
    assert not result.points["special_cause"].any()


# --- each rule alone ----------------------------------------------------------------------------


def test_point_beyond_a_limit_alone():
    # Same series as the screening test: 24 > UPL 16.92; the 10s and 12s sit inside the near
    # band (8.053, 15.147) and alternate sides of 11.6, so nothing else fires.
    result = spc(quarterly([10.0, 12.0] * 9 + [10.0, 24.0]), "higher")
    assert all_flagged(result) == {19: "outside_limits"}
    assert result.points["point_type"].iloc[19] == "special_cause_improvement"
    assert result.variation == "improvement_high"


def test_low_point_beyond_a_limit_is_a_concern_when_higher_is_better():
    # Mirror image of the previous series around 11: [12, 10] x 9 + [12, -2] -> LPL 5.08.
    result = spc(quarterly([12.0, 10.0] * 9 + [12.0, -2.0]), "higher")
    assert all_flagged(result) == {19: "outside_limits"}
    assert result.variation == "concern_low"


def test_trend_of_seven_rising_points_alone():
    # [10, 12] x 10, then 10.4 .. 11.6 in steps of 0.2, then [10, 12] x 10.
    # Sum 220 + 77 + 220 = 517 over 47 points: mean 11.
    # MRs: 38 x 2 + 1.6 + 6 x 0.2 + 1.6 = 80.4 over 46 = 1.74783 (none screened);
    # near band 11 +/- 3.0995, limits 11 +/- 4.649: no point near or beyond a limit.
    # 10.4, 10.6, 10.8 are below 11, 11.0 is on it, 11.2.. above: no run of 7 on one side.
    rising = [10.4, 10.6, 10.8, 11.0, 11.2, 11.4, 11.6]
    result = spc(quarterly(BASE_LOW_FIRST + rising + BASE_LOW_FIRST), "lower")
    assert result.points["mean"].iloc[0] == pytest.approx(11.0)
    assert all_flagged(result) == dict.fromkeys(range(20, 27), "trend")
    # A rising trend when lower is better is a concern, on the high side.
    assert set(result.points["point_type"].iloc[20:27]) == {"special_cause_concern"}
    assert set(result.points["side"].iloc[20:27]) == {"high"}


def test_a_tie_breaks_a_trend():
    # As above but 10.8 repeated instead of rising to 11.0: only 5 steps up then a flat step.
    broken = [10.4, 10.6, 10.8, 10.8, 11.2, 11.4, 11.6]
    result = spc(quarterly(BASE_LOW_FIRST + broken + BASE_LOW_FIRST), "lower")
    assert flagged(result, "trend") == []


def test_two_of_three_near_a_limit_alone():
    # [12, 10] x 10, then 15.5, 12, 15.5, then the mirror 6.5, 10, 6.5, then [12, 10] x 10.
    # Sum 220 + 43 + 23 + 220 = 506 over 46: mean 11.
    # MRs: 19 x 2 + 5.5 + 3.5 + 3.5 + 9 + 3.5 + 3.5 + 5.5 + 19 x 2 = 110 over 45 = 2.4444;
    # 3.267 x 2.4444 = 7.986 drops the 9: mean MR 101/44 = 2.29545.
    # Near band 11 +/- 4.0706 = (6.929, 15.071); limits 11 +/- 6.106 = (4.894, 17.106).
    # Window 15.5, 12, 15.5: all above 11, two near -> the two 15.5s (not the 12) are flagged;
    # likewise the two 6.5s below.
    block = [15.5, 12.0, 15.5, 6.5, 10.0, 6.5]
    result = spc(quarterly(BASE_HIGH_FIRST + block + BASE_HIGH_FIRST), "higher")
    assert result.points["near_upl"].iloc[0] == pytest.approx(15.0706, abs=1e-4)
    assert all_flagged(result) == {
        20: "two_of_three",
        22: "two_of_three",
        23: "two_of_three",
        25: "two_of_three",
    }
    assert list(result.points["point_type"].iloc[[20, 23]]) == [
        "special_cause_improvement",
        "special_cause_concern",
    ]


def test_two_of_three_needs_all_three_points_on_the_same_side():
    # 15.5, 10, 15.5 (middle below the mean) and its mirror 6.5, 12, 6.5.
    # Sum 220 + 41 + 25 + 220 = 506: mean 11. MRs: 38 + 6 x 5.5 + 9 + 38 = 118 over 45 = 2.6222;
    # 3.267 x 2.6222 = 8.567 drops the 9: 109/44 = 2.47727; near band (6.607, 15.393), so the
    # 15.5s and 6.5s are near, but no window of 3 lies on one side: nothing is flagged.
    block = [15.5, 10.0, 15.5, 6.5, 12.0, 6.5]
    result = spc(quarterly(BASE_HIGH_FIRST + block + BASE_HIGH_FIRST), "higher")
    assert all_flagged(result) == {}


def test_shift_of_seven_points_on_one_side_alone():
    # [12, 10] x 5, 11.5 x 7, 10.5 x 7, [12, 10] x 5: sum 110 + 80.5 + 73.5 + 110 = 374 over 34
    # = 11. MRs: 9 x 2 + 1.5 + 0 x 6 + 1 + 0 x 6 + 1.5 + 9 x 2 = 40 over 33 = 1.2121 (none
    # screened); near band 11 +/- 2.1495 holds every point. 11.5 x 7 above (the 10 before and the
    # 10.5 after are below), 10.5 x 7 below (the 12 after is above).
    values = [12.0, 10.0] * 5 + [11.5] * 7 + [10.5] * 7 + [12.0, 10.0] * 5
    result = spc(quarterly(values), "higher")
    assert all_flagged(result) == dict.fromkeys(range(10, 24), "shift")
    assert set(result.points["point_type"].iloc[10:17]) == {"special_cause_improvement"}
    assert set(result.points["point_type"].iloc[17:24]) == {"special_cause_concern"}


def test_a_point_on_the_mean_breaks_a_shift():
    # 11.5 x 3, 11 (on the mean), 11.5 x 3 and the mirror: sum unchanged at 374, mean 11.
    values = (
        [12.0, 10.0] * 5
        + [11.5] * 3
        + [11.0]
        + [11.5] * 3
        + [10.5] * 3
        + [11.0]
        + [10.5] * 3
        + [12.0, 10.0] * 5
    )
    result = spc(quarterly(values), "higher")
    assert flagged(result, "shift") == []


def test_six_points_on_one_side_are_not_a_shift():
    # 11.5 x 6 and 10.5 x 6: sum 110 + 69 + 63 + 110 = 352 over 32 = 11.
    values = [12.0, 10.0] * 5 + [11.5] * 6 + [10.5] * 6 + [12.0, 10.0] * 5
    result = spc(quarterly(values), "higher")
    assert all_flagged(result) == {}


# --- precedence ---------------------------------------------------------------------------------


def test_outside_limits_takes_precedence_over_shift():
    # [12, 10] x 5, 12.5 x 6, 18, 9.5 x 6, 4, [12, 10] x 5: sum 110 + 93 + 61 + 110 = 374 over
    # 34 = 11. MRs: 18 + 2.5 + 0 x 5 + 5.5 + 8.5 + 0 x 5 + 5.5 + 8 + 18 = 66 over 33 = 2;
    # 3.267 x 2 = 6.534 drops 8.5 and 8: 49.5/31 = 1.59677. Limits 11 +/- 4.2474 = (6.753,
    # 15.247): 18 and 4 are beyond; near band (8.168, 13.832) holds 12.5 and 9.5.
    # Points 10-16 are 7 above the mean (shift), and 16 is also beyond the upper limit.
    values = [12.0, 10.0] * 5 + [12.5] * 6 + [18.0] + [9.5] * 6 + [4.0] + [12.0, 10.0] * 5
    result = spc(quarterly(values), "higher")
    assert result.points["upl"].iloc[0] == pytest.approx(15.2474, abs=1e-4)
    expected = dict.fromkeys(range(10, 16), "shift") | {16: "outside_limits"}
    expected |= dict.fromkeys(range(17, 23), "shift") | {23: "outside_limits"}
    assert all_flagged(result) == expected


def test_trend_takes_precedence_over_shift_and_takes_its_side_from_its_direction():
    # [12, 10] x 10 (ending on 10), then 11.2 .. 12.4 rising by 0.2,
    # then the mirror 10.8 .. 9.6 falling, then [12, 10] x 10. Sum 220 + 82.6 + 71.4 + 220 = 594
    # over 54 = 11. MRs: 38 + 1.2 + 1.2 + 1.6 + 1.2 + 2.4 + 38 = 83.6 over 53 = 1.57736; near band
    # 11 +/- 2.797 holds every point.
    # Rising run: 10 (index 19) then 11.2 .. 12.4 = points 19-26 (8 rising). Falling run: 12.4
    # then 10.8 .. 9.6 = points 26-33. Points 20-26 are also 7 above the mean and 27-33 seven
    # below (shifts), but trend outranks shift.
    # The peak (26) belongs to both runs; like NHSRplotthedots it takes the direction of the step
    # after it (falling). Point 19 is below the mean but in a rising trend: an improvement.
    rising = [11.2, 11.4, 11.6, 11.8, 12.0, 12.2, 12.4]
    falling = [22.0 - v for v in rising]
    result = spc(quarterly(BASE_HIGH_FIRST + rising + falling + BASE_HIGH_FIRST), "higher")
    assert all_flagged(result) == dict.fromkeys(range(19, 34), "trend")
    types = result.points["point_type"]
    assert set(types.iloc[19:26]) == {"special_cause_improvement"}
    assert set(types.iloc[26:34]) == {"special_cause_concern"}
    assert result.points["side"].iloc[26] == "low"


def test_two_of_three_takes_precedence_over_shift():
    # [12, 10] x 10, then 12, 15.5, 12, 15.5, 12, 12, 12 and the mirror 10, 6.5, 10, 6.5, 10, 10,
    # 10, then [12, 10] x 10. Sum 220 + 91 + 63 + 220 = 594 over 54 = 11.
    # MRs: 38 + 2 + 3.5 x 4 + 0 + 0 + 2 + 3.5 x 4 + 0 + 0 + 2 + 38 = 110 over 53 = 2.07547
    # (none screened). Near band 11 +/- 3.6805 = (7.3195, 14.6805); limits 11 +/- 5.5208.
    # Points 20-26 are 7 above the mean (shift); in 21, 22, 23 = 15.5, 12, 15.5 two are near.
    high = [12.0, 15.5, 12.0, 15.5, 12.0, 12.0, 12.0]
    low = [22.0 - v for v in high]
    result = spc(quarterly(BASE_HIGH_FIRST + high + low + BASE_HIGH_FIRST), "higher")
    rules = result.points["rule"]
    assert list(rules.iloc[20:27]) == [
        "shift",
        "two_of_three",
        "shift",
        "two_of_three",
        "shift",
        "shift",
        "shift",
    ]
    assert list(rules.iloc[27:34]) == [
        "shift",
        "two_of_three",
        "shift",
        "two_of_three",
        "shift",
        "shift",
        "shift",
    ]


# --- rebase, short series, blanks, direction, assurance ---------------------------------------


def test_rebase_gives_each_segment_its_own_limits():
    # [10, 12] x 4 then [20, 22] x 4, rebased at the 9th point: two segments each with MR 2,
    # means 11 and 21, limits +/- 5.32. The jump 12 -> 20 belongs to no segment.
    series = quarterly([10.0, 12.0] * 4 + [20.0, 22.0] * 4)
    result = spc(series, "higher", rebase_dates=[series.index[8]])
    points = result.points
    assert list(points["group"]) == [0] * 8 + [1] * 8
    assert list(points["mean"].iloc[[0, 8]]) == pytest.approx([11.0, 21.0])
    assert list(points["upl"].iloc[[0, 8]]) == pytest.approx([16.32, 26.32])
    assert not points["special_cause"].any()


def test_without_rebase_the_same_step_is_special_cause():
    # One segment: mean 16, the last 8 points all above it -> shift.
    series = quarterly([10.0, 12.0] * 4 + [20.0, 22.0] * 4)
    result = spc(series, "higher")
    assert result.points["special_cause"].iloc[8:].all()


def test_rebase_date_between_points_starts_at_the_next_point():
    series = quarterly([10.0, 12.0] * 4 + [20.0, 22.0] * 4)
    result = spc(series, "higher", rebase_dates=["2016-11-15"])  # between Sep and Dec 2016
    assert list(result.points["group"]) == [0] * 7 + [1] * 9


def test_rebase_outside_the_series_changes_nothing():
    series = quarterly([10.0, 12.0] * 4)
    result = spc(series, "higher", rebase_dates=["2000-01-01", "2030-01-01"])
    assert set(result.points["group"]) == {0}


def test_short_latest_segment_gets_a_warning():
    # 11 points < 12 (settings.spc_short_series).
    result = spc(quarterly([10.0, 12.0] * 5 + [10.0]), "higher")
    assert result.short_series_warning is not None
    assert "Only 11 points" in result.short_series_warning
    assert "cannot yet be judged reliably" in result.short_series_warning


def test_twelve_points_get_no_warning():
    result = spc(quarterly([10.0, 12.0] * 6), "higher")
    assert result.short_series_warning is None


def test_short_warning_follows_the_setting():
    settings = DEFAULT_SETTINGS.with_overrides(spc_short_series=20)
    result = spc(quarterly([10.0, 12.0] * 6), "higher", settings=settings)
    assert "fewer than 20" in result.short_series_warning


def test_short_warning_counts_the_latest_segment_only():
    # 16 points in all but only 8 since the rebase.
    series = quarterly([10.0, 12.0] * 4 + [20.0, 22.0] * 4)
    result = spc(series, "higher", rebase_dates=[series.index[8]])
    assert result.short_series_warning.startswith("Only 8 points since 31 March 2017")


def test_blank_values_are_skipped():
    # 10, blank, 12, 10, blank, 12: the blanks are dropped, leaving 10, 12, 10, 12 (mean 11,
    # every MR 2). Were the blanks kept as breaks, there would be only 1 moving range.
    series = quarterly([10.0, np.nan, 12.0, 10.0, np.nan, 12.0])
    result = spc(series, "higher")
    assert len(result.points) == 4
    assert result.points["upl"].iloc[0] == pytest.approx(16.32)


def test_neutral_direction_classes_special_cause_as_high_or_low():
    result = spc(quarterly([10.0, 12.0] * 9 + [10.0, 24.0]), "neutral", target=30.0)
    assert result.points["point_type"].iloc[19] == "special_cause_neutral"
    assert result.variation == "neutral_high"
    assert result.assurance is None


def test_common_cause_latest_point():
    result = spc(quarterly([10.0, 12.0] * 8), "higher")
    assert result.variation == "common_cause"
    assert not result.is_special_cause


@pytest.mark.parametrize(
    ("direction", "target", "expected"),
    [
        # Alternating 10, 12: limits (5.68, 16.32).
        pytest.param("higher", 20.0, "fail", id="higher_target_above_upl"),
        pytest.param("lower", 20.0, "pass", id="lower_target_above_upl"),
        pytest.param("higher", 3.0, "pass", id="higher_target_below_lpl"),
        pytest.param("lower", 3.0, "fail", id="lower_target_below_lpl"),
        pytest.param("higher", 11.0, "inconsistent", id="target_within_limits"),
        pytest.param("higher", None, None, id="no_target"),
    ],
)
def test_assurance(direction, target, expected):
    result = spc(quarterly([10.0, 12.0] * 8), direction, target=target)
    assert result.assurance == expected


def test_assurance_uses_the_latest_segment():
    # Before the rebase the limits are (5.68, 16.32), after it (15.68, 26.32): a target of 14
    # is inside the first but below the second -> pass when higher is better.
    series = quarterly([10.0, 12.0] * 4 + [20.0, 22.0] * 4)
    result = spc(series, "higher", target=14.0, rebase_dates=[series.index[8]])
    assert result.assurance == "pass"


def test_single_point_has_no_limits_and_no_signal():
    result = spc(quarterly([42.0]), "higher")
    assert math.isnan(result.points["upl"].iloc[0])
    assert result.variation == "common_cause"
    assert result.short_series_warning.startswith("Only 1 point:")


def test_baseline_points_fix_the_limits():
    # Limits from the first 8 points only (alternating 10, 12: 5.68 .. 16.32); the later 20s
    # are judged against them and are beyond the upper limit.
    series = quarterly([10.0, 12.0] * 4 + [20.0] * 4)
    result = spc(series, "higher", baseline_points=8)
    assert result.points["upl"].iloc[-1] == pytest.approx(16.32)
    assert list(result.points["rule"].iloc[8:]) == ["outside_limits"] * 4


# --- bad input ----------------------------------------------------------------------------------


def test_all_blank_series_is_an_input_error():
    with pytest.raises(InputError, match="at least one value"):
        spc(quarterly([np.nan, np.nan]), "higher")


def test_repeated_date_is_an_input_error():
    series = pd.Series([1.0, 2.0], index=pd.to_datetime(["2024-03-31", "2024-03-31"]))
    with pytest.raises(InputError, match="31 March 2024"):
        spc(series, "higher")


def test_unknown_direction_is_rejected():
    with pytest.raises(ValueError, match="direction"):
        spc(quarterly([1.0, 2.0]), "up")


# --- spc_table ----------------------------------------------------------------------------------


def _metric_rows(indicator_id: str, values: list[float]) -> pd.DataFrame:
    dates = pd.date_range("2021-03-31", periods=len(values), freq="QE")
    total = pd.DataFrame(
        {
            "indicator_id": indicator_id,
            "period_end": dates,
            "breakdown": "total",
            "group": "all",
            "numerator": np.nan,
            "denominator": np.nan,
            "value": values,
            "unknown": np.nan,
        }
    )
    by_sex = total.assign(breakdown="sex", group="F", value=999.0)
    return pd.concat([total, by_sex], ignore_index=True)


def test_spc_table_uses_the_overall_rows_and_the_catalogue_direction():
    # placements_3plus_pct: lower is better, so a low point beyond the limit is an improvement.
    rows = _metric_rows("placements_3plus_pct", [12.0, 10.0] * 9 + [12.0, -2.0])
    result = spc_table(rows, "placements_3plus_pct", targets={"placements_3plus_pct": 30.0})
    assert result.direction == "lower"
    assert len(result.points) == 20
    assert result.variation == "improvement_low"
    # Mean 22 - 11.6 = 10.4, limits (5.08, 15.72): a target of 30 above the UPL is always met
    # when lower is better.
    assert result.assurance == "pass"


def test_overall_spc_of_the_picked_rows_is_spc_table_of_the_whole_table():
    rows = _metric_rows("placements_3plus_pct", [12.0, 10.0] * 9 + [12.0, -2.0])
    picked = rows[rows["breakdown"] == "total"]
    whole = spc_table(rows, "placements_3plus_pct", targets=30.0)
    alone = overall_spc(picked, "placements_3plus_pct", target=30.0)
    pd.testing.assert_frame_equal(alone.points, whole.points, check_exact=True)
    assert (alone.variation, alone.assurance) == (whole.variation, whole.assurance)


def test_overall_spc_of_no_rows_says_so():
    with pytest.raises(InputError, match="no overall rows for placements_3plus_pct"):
        overall_spc(_metric_rows("placements_3plus_pct", []), "placements_3plus_pct")


def test_a_rebased_series_keeps_each_segments_limits_in_date_order():
    # Segment 0: 10, 12, 10, 12 (mean 11); segment 1 from 2022-03-31: 30, 32, 30 (mean 30.67).
    dates = pd.date_range("2021-03-31", periods=7, freq="QE")
    series = pd.Series([10.0, 12.0, 10.0, 12.0, 30.0, 32.0, 30.0], index=dates)
    result = spc(series, "lower", rebase_dates=["2022-03-31"])
    assert list(result.points["group"]) == [0, 0, 0, 0, 1, 1, 1]
    assert list(result.points["mean"].round(2)) == [11.0] * 4 + [30.67] * 3
    assert result.points["rule"].tolist() == [None] * 7


def test_spc_table_fixes_the_baseline_when_the_setting_asks():
    from dataclasses import replace

    from csc_metrics.settings import DEFAULT_SETTINGS
    from csc_metrics.spc import spc_table

    dates = pd.date_range("2022-03-31", periods=6, freq="QE")
    rows = pd.DataFrame({"period_end": dates, "value": [10.0, 12.0, 10.0, 12.0, 30.0, 30.0]})
    fixed = spc_table(
        rows, "placements_3plus_pct", settings=replace(DEFAULT_SETTINGS, spc_baseline_points=4)
    )
    # Baseline 10, 12, 10, 12: mean 11, moving ranges all 2, upper limit 11 + 5.32 = 16.32.
    assert fixed.latest["mean"] == 11.0
    assert round(fixed.latest["upl"], 2) == 16.32
    # By default every point sets the limits: mean 104 / 6.
    assert round(spc_table(rows, "placements_3plus_pct").latest["mean"], 2) == 17.33


# --- rolling measures -----------------------------------------------------------------------------

ROLLING = [12.0, 10.0, 12.0, 10.0, 12.0, 10.0] + [11.5] * 7


def test_overlap_alone_raises_no_run_signal_on_a_rolling_series():
    series = pd.Series(ROLLING, index=pd.date_range("2021-03-31", periods=13, freq="QE"))
    # As independent points: mean 146.5 / 13 = 11.27, and the last 7 (11.5) are above it, so
    # the latest is special cause by the shift rule (moving ranges 2 x 5, 1.5 and 0 x 6:
    # mean 0.958, limits 11.27 +/- 2.55, no point beyond them).
    assert spc(series, "higher").latest["rule"] == "shift"
    # As a 12-month measure at quarter ends (window 4): runs count only points a full window
    # apart, and no interleaved series of every fourth point has 7 points, so no run signal.
    # The moving ranges 4 apart (0, 0, 0.5, 1.5, 0.5, 1.5, 0, 0, 0; screened: 1.0 / 7 = 0.143)
    # are smaller than the consecutive ones here (0.958), so the consecutive ones set the
    # limits: 11.27 +/- 2.55, every point inside.
    rolling = spc(series, "higher", window=4)
    assert rolling.variation == "common_cause"
    assert round(rolling.latest["upl"], 2) == 13.82
    assert not (rolling.points["rule"] == "shift").any()
    assert not (rolling.points["rule"] == "trend").any()


def test_a_rolling_measure_is_judged_with_its_window_from_the_catalogue():
    from csc_metrics.catalogue import rolling_months
    from csc_metrics.spc import spc_table, window_points

    quarters = pd.date_range("2021-03-31", periods=13, freq="QE")
    assert rolling_months("placements_3plus_pct") == 12
    assert rolling_months("adoption_a10_3yr_days") == 36
    assert rolling_months("cla_count") == 0
    assert window_points(quarters, 12) == 4 and window_points(quarters, 36) == 12
    assert window_points(quarters, 0) == 1
    rows = pd.DataFrame({"period_end": quarters, "value": ROLLING})
    assert spc_table(rows, "placements_3plus_pct").window == 4
    assert spc_table(rows, "caseload_per_fte").window == 1


def test_a_stock_measure_is_judged_with_a_years_window_from_the_catalogue():
    from csc_metrics.catalogue import overlap_months, rolling_months, stock_months
    from csc_metrics.spc import spc_table

    # Children looked after at each date: counted at the date (no rolling window), but most of
    # them are still counted a quarter later, so points a year (4 quarters) apart are compared.
    assert rolling_months("cla_count") == 0
    assert stock_months("cla_count") == 12 and overlap_months("cla_count") == 12
    assert stock_months("placements_3plus_pct") == 0  # rolling, not a stock
    assert overlap_months("placements_3plus_pct") == 12
    assert overlap_months("caseload_per_fte") == 0  # caseload snapshots: independent points
    assert stock_months("agency_workers_pct") == 12  # the social workers in post: a stock
    quarters = pd.date_range("2021-03-31", periods=13, freq="QE")
    rows = pd.DataFrame({"period_end": quarters, "value": ROLLING})
    assert spc_table(rows, "long_term_stability_pct").window == 4
    assert spc_table(rows, "ifa_fostering_pct").window == 4


def test_no_indicator_is_both_a_stock_and_a_rolling_measure():
    from csc_metrics.catalogue import indicator_ids, rolling_months, stock_months

    both = [i for i in indicator_ids() if rolling_months(i) and stock_months(i)]
    assert both == []
    # The check can fail: each list is non-empty.
    assert any(stock_months(i) for i in indicator_ids())
    assert any(rolling_months(i) for i in indicator_ids())


def test_a_rolling_series_takes_its_limits_from_points_a_window_apart():
    # 1, 2, 3, 4 repeated as a step up: 10 10.5 11 11.5 then 12 12.5 13 13.5 (8 points).
    # Consecutive moving ranges: 0.5 x 3, 0.5, 0.5 x 3 = all 0.5 (mean 0.5). Four apart: all 2.
    # A rolling measure takes the larger, 2: limits 11.75 +/- 5.32.
    series = pd.Series(
        [10.0, 10.5, 11.0, 11.5, 12.0, 12.5, 13.0, 13.5],
        index=pd.date_range("2022-03-31", periods=8, freq="QE"),
    )
    assert spc(series, "higher", window=4).latest["upl"] == pytest.approx(11.75 + 2.66 * 2)
    assert spc(series, "higher").latest["upl"] == pytest.approx(11.75 + 2.66 * 0.5)
