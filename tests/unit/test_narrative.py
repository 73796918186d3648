"""Narrative tests: wording for each SPC state, the noise rule, units, rounding, suppression.

The SPC fixtures reuse the hand-worked shapes of tests/unit/test_spc.py (a base alternating 12,
10 with mean 11); the sentences depend only on the SPC state of the latest point, not on the scale.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from csc_metrics.narrative import (
    IndicatorSummary,
    Latest,
    describe_indicator,
    judge,
    summarise_indicator,
)
from csc_metrics.ranking import key_messages
from csc_metrics.spc import spc

EET = "care_leavers_19_21_eet_pct"
BASE = [12.0, 10.0] * 10
ENGLAND_55 = {"comparator": "England", "value": 55.0, "year": 2024}
LATEST_EET = (48.2, 102, 212, "2024-06-30")


def quarterly(values):
    return pd.Series(values, index=pd.date_range("2019-03-31", periods=len(values), freq="QE"))


def shift_below(direction="higher"):
    # [12, 10] x 5, 11.5 x 7, 10.5 x 7: mean 264/24 = 11, mean MR 20.5/23 = 0.891, near band
    # 11 +/- 1.58 holds every point; the last 7 points are below the mean (shift).
    return spc(quarterly([12.0, 10.0] * 5 + [11.5] * 7 + [10.5] * 7), direction)


def common_cause(direction="higher", target=None, n=8):
    # Alternating 10, 12 x n: mean 11, limits (5.68, 16.32), no signal.
    return spc(quarterly([10.0, 12.0] * n), direction, target=target)


def test_the_example_sentence():
    text = describe_indicator(EET, LATEST_EET, shift_below(), ENGLAND_55)
    assert text == (
        "Care leavers aged 19-21 in education, employment or training: 48% (n=212) at "
        "30 June 2024, 7 points below England (55%, 2024). The last seven quarters are all below "
        "the average: a sustained deterioration, not noise."
    )


def test_common_cause_is_called_normal_variation():
    text = describe_indicator(EET, LATEST_EET, common_cause())
    assert text.endswith("This is within normal variation, with no sign of real change.")


def test_a_change_spc_calls_noise_is_not_reported_as_real():
    # A 10-point drop from last quarter, but the latest point is common cause.
    text = describe_indicator(EET, LATEST_EET, common_cause(), previous_quarter=58.0)
    assert "Down from 58% last quarter (worse): within normal variation" in text
    for claim in ("not noise", "sustained", "deterioration", "real change,"):
        assert claim not in text


def test_short_series_says_the_trend_cannot_yet_be_judged():
    # 5 x (10, 12) = 10 points < 12.
    text = describe_indicator(EET, LATEST_EET, common_cause(n=5))
    assert "With only 10 quarters of data the trend cannot yet be judged reliably." in text


def test_point_beyond_the_upper_limit_when_higher_is_better():
    # [10, 12] x 9 + [10, 24]: 24 is beyond the UPL of 16.92 (test_spc).
    result = spc(quarterly([10.0, 12.0] * 9 + [10.0, 24.0]), "higher")
    text = describe_indicator(EET, LATEST_EET, result)
    assert text.endswith(
        "This is above the upper process limit, a real change, not noise: an improvement."
    )


def test_rising_trend_when_lower_is_better_is_a_deterioration():
    # [10, 12] x 10 then 10.4 .. 11.6: the last 7 points rise (test_spc's trend fixture; the 12
    # before 10.4 is higher, so the run is exactly 7).
    rising = [10.4, 10.6, 10.8, 11.0, 11.2, 11.4, 11.6]
    result = spc(quarterly([10.0, 12.0] * 10 + rising), "lower")
    text = describe_indicator("placements_3plus_pct", (11.6, 29, 250, "2024-06-30"), result)
    assert text.endswith(
        "The last seven quarters form a steady rise: a sustained deterioration, not noise."
    )


def test_two_of_three_is_an_early_sign():
    # [12, 10] x 10, 6.5, 10, 6.5, 15.5, 12, 15.5: mean 286/26 = 11; MRs 64.5/25 = 2.58, the 9
    # is screened (>= 8.43): 55.5/24 = 2.3125; near band (6.899, 15.101): the last 15.5 is near
    # with the other 15.5 two points back, all three above the mean.
    result = spc(quarterly([*BASE, 6.5, 10.0, 6.5, 15.5, 12.0, 15.5]), "higher")
    assert result.latest["rule"] == "two_of_three"
    text = describe_indicator(EET, LATEST_EET, result)
    assert text.endswith(
        "Two of the last three quarters are close to the upper limit: an early sign of real "
        "improvement."
    )


def test_neutral_indicator_special_cause_says_change_without_judging_it():
    result = spc(quarterly([10.0, 12.0] * 9 + [10.0, 24.0]), "neutral")
    text = describe_indicator("cla_count", (412, 412, np.nan, "2024-06-30"), result)
    assert text.endswith("This is above the upper process limit, a real change, not noise.")


def test_special_cause_on_a_short_series_is_flagged_as_provisional():
    # 8 points: 10, 12, 10, 12, 10, 12, 10, 40 -> 40 is beyond the limit.
    result = spc(quarterly([10.0, 12.0] * 3 + [10.0, 40.0]), "higher")
    text = describe_indicator(EET, LATEST_EET, result)
    assert "(but based on only 8 quarters, so treat with caution)" in text


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        # Limits (5.68, 16.32), higher is better.
        pytest.param(3.0, "at this level the target of 3% will be met consistently", id="pass"),
        pytest.param(20.0, "the target of 20% will not be met without a change", id="fail"),
        pytest.param(
            11.0, "the target of 11% will be met in some periods and missed", id="inconsistent"
        ),
    ],
)
def test_assurance_wording(target, expected):
    text = describe_indicator(EET, LATEST_EET, common_cause(target=target), target=target)
    assert expected in text
    assert text.count(f"{target:.0f}%") == 1  # the target is named once, in the assurance


def test_target_without_spc_is_stated_in_the_first_sentence():
    text = describe_indicator(EET, LATEST_EET, target=60.0)
    assert text == (
        "Care leavers aged 19-21 in education, employment or training: 48% (n=212) at "
        "30 June 2024; the target is 60%."
    )


def test_without_spc_a_change_is_not_judged():
    text = describe_indicator(EET, LATEST_EET, previous_quarter=44.0)
    assert text.endswith(
        "Up from 44% last quarter (better); without a trend chart this change cannot be judged "
        "as real or as normal variation."
    )


@pytest.mark.parametrize(
    ("indicator_id", "latest", "expected"),
    [
        pytest.param(
            "cla_rate_per_10k",
            (65.34, 412, 63056, "2024-03-31"),
            "Children looked after per 10,000 children: 65.3 per 10,000 children at 31 March 2024.",
            id="rate",
        ),
        pytest.param(
            "caseload_per_fte",
            (17.23, 400, 23.2, "2024-03-31"),
            "Cases per case-holding FTE: 17.2 cases per FTE at 31 March 2024.",
            id="ratio",
        ),
        pytest.param(
            "cla_count",
            (1412, 1412, np.nan, "2024-03-31"),
            "Children looked after: 1,412 at 31 March 2024.",
            id="count",
        ),
    ],
)
def test_units(indicator_id, latest, expected):
    assert describe_indicator(indicator_id, latest) == expected


def test_percentages_and_gaps_are_rounded_to_whole_numbers():
    # 48.46% -> 48%; gap 48.46 - 55 = -6.54 -> 7 points below.
    text = describe_indicator(EET, (48.46, 103, 212, "2024-06-30"), benchmark=ENGLAND_55)
    assert "48% (n=212)" in text and "7 points below England (55%, 2024)" in text


def test_gap_under_half_a_point_is_in_line():
    text = describe_indicator(EET, (54.6, 116, 212, "2024-06-30"), benchmark=ENGLAND_55)
    assert "in line with England (55%, 2024)" in text


def test_rate_gap_is_in_the_rate_unit():
    bench = {"comparator": "North West", "value": 97.0, "year": 2024}
    text = describe_indicator(
        "cla_rate_per_10k", (65.34, 412, 63056, "2024-03-31"), benchmark=bench
    )
    assert "31.7 per 10,000 children below North West (97.0 per 10,000 children, 2024)" in text


def test_spc_with_the_wrong_direction_is_refused():
    with pytest.raises(ValueError, match="direction"):
        describe_indicator("placements_3plus_pct", LATEST_EET, common_cause("higher"))


def test_latest_can_be_a_metric_row():
    row = pd.Series(
        {
            "indicator_id": EET,
            "period_end": pd.Timestamp("2024-06-30"),
            "numerator": 102.0,
            "denominator": 212.0,
            "value": 48.1,
        }
    )
    assert Latest.of(row) == Latest(48.1, 102.0, 212.0, pd.Timestamp("2024-06-30"))


def test_blank_value_is_explained():
    text = describe_indicator(EET, (np.nan, 0, 0, "2024-06-30"))
    assert text == (
        "Care leavers aged 19-21 in education, employment or training: no figure at "
        "30 June 2024 (nobody in the group)."
    )


# --- suppression --------------------------------------------------------------------------------


def test_small_count_is_never_printed_when_suppressing():
    text = describe_indicator(
        "unallocated_cases_count", (3, 3, np.nan, "2024-06-30"), previous_quarter=4, suppress=True
    )
    assert text == "Unallocated cases: fewer than 6 at 30 June 2024."
    assert not re.search(r"\b[1-5]\b", text.replace("30 June", ""))


def test_small_count_is_printed_without_suppression():
    text = describe_indicator("unallocated_cases_count", (3, 3, np.nan, "2024-06-30"))
    assert text == "Unallocated cases: 3 at 30 June 2024."


def test_percentage_on_a_small_numerator_is_withheld():
    text = describe_indicator(EET, (1.9, 4, 212, "2024-06-30"), benchmark=ENGLAND_55, suppress=True)
    assert text == (
        "Care leavers aged 19-21 in education, employment or training: figure withheld at "
        "30 June 2024 because it would show a group of fewer than 6 people (out of 212)."
    )


def test_percentage_with_a_small_complement_is_withheld():
    # 208 of 212 in EET leaves 4 who are not: the share would give the 4 away.
    text = describe_indicator(EET, (98.1, 208, 212, "2024-06-30"), suppress=True)
    assert text == (
        "Care leavers aged 19-21 in education, employment or training: figure withheld at "
        "30 June 2024 because it would show a group of fewer than 6 people (out of 212)."
    )


def test_percentage_on_a_small_base_hides_the_base_too():
    text = describe_indicator(EET, (60.0, 3, 5, "2024-06-30"), suppress=True)
    assert "(n=" not in text and "fewer than 6 people" in text


def test_an_average_of_days_gives_its_children_as_n():
    # A1: 1,261 days over 3 children = 420 days.
    text = describe_indicator("adoption_a1_days", (420.0, 1261, 3, "2024-03-31"))
    assert text.startswith(
        "Days from care to moving in with the adoptive family (A1): 420 days (n=3) at 31 March 2024"
    )


def test_an_average_of_days_on_few_children_is_withheld():
    text = describe_indicator("adoption_a1_days", (420.0, 1261, 3, "2024-03-31"), suppress=True)
    assert "figure withheld" in text and "420" not in text and "(n=" not in text


# --- key messages -------------------------------------------------------------------------------


def _summary(indicator_id, value, result=None, bench=None):
    return IndicatorSummary(indicator_id, (value, 50, 100, "2024-06-30"), result, bench)


def test_key_messages_rank_concerns_then_worse_gaps_then_improvements_then_better_gaps():
    spike = quarterly([10.0, 12.0] * 9 + [10.0, 24.0])  # latest point beyond the UPL
    england_60 = {"comparator": "England", "value": 60.0, "year": 2024}
    messages = key_messages(
        [
            _summary("care_leavers_17_18_eet_pct", 50.0, common_cause(), england_60),  # 10 worse
            _summary("long_term_stability_pct", 70.0, common_cause(), england_60),  # 10 better
            _summary("placements_3plus_pct", 10.0, spc(spike, "lower")),  # high is a concern
            _summary(EET, 50.0, spc(spike, "higher")),  # high is an improvement
            _summary("care_leavers_19_21_in_touch_pct", 90.0, common_cause()),  # nothing to say
        ]
    )
    starts = [m.split(":")[0] for m in messages]
    assert starts == [
        "Children looked after with 3+ placements in 12 months",
        "Care leavers aged 17-18 in education, employment or training",
        "Care leavers aged 19-21 in education, employment or training",
        "Long-term placement stability",
    ]


def test_key_messages_ignore_gaps_under_the_threshold():
    messages = key_messages(
        [
            _summary(EET, 51.0, None, {"comparator": "England", "value": 55.0, "year": 2024}),
        ]
    )
    assert messages == []


def test_key_messages_order_worse_gaps_by_size_and_cap_the_list():
    bench = {"comparator": "England", "value": 60.0, "year": 2024}
    messages = key_messages(
        [
            _summary(EET, 52.0, None, bench),
            _summary("care_leavers_17_18_eet_pct", 40.0, None, bench),
            _summary("care_leavers_19_21_in_touch_pct", 45.0, None, bench),
        ],
        max_messages=2,
    )
    assert [m.split(":")[0] for m in messages] == [
        "Care leavers aged 17-18 in education, employment or training",
        "Care leavers aged 19-21 in touch",
    ]


def test_key_messages_accept_mappings():
    messages = key_messages([{"indicator_id": EET, "latest": LATEST_EET, "benchmark": ENGLAND_55}])
    assert messages == [describe_indicator(EET, LATEST_EET, benchmark=ENGLAND_55)]


def _eet_quarters() -> pd.DataFrame:
    """The EET total at 13 quarter ends from 2021-03-31: 10, 12, 10... then 11 at 2024-03-31."""
    return pd.DataFrame(
        {
            "indicator_id": EET,
            "period_end": pd.date_range("2021-03-31", periods=13, freq="QE"),
            "breakdown": "total",
            "group": "all",
            "numerator": 10.0,
            "denominator": 100.0,
            "value": [10.0, 12.0] * 6 + [11.0],
        }
    )


def test_summarise_indicator_reads_the_series():
    rows = _eet_quarters().assign(unknown=np.nan)
    summary = summarise_indicator(rows, EET)
    assert summary.latest == Latest(11.0, 10.0, 100.0, pd.Timestamp("2024-03-31"))
    assert summary.previous_quarter == 12.0  # 2023-12-31
    assert summary.previous_year == 10.0  # 2023-03-31, the 9th value
    assert summary.spc.direction == "higher"


def test_a_summary_of_rows_already_picked_is_the_summary_of_the_table():
    # A report context's overall rows (one indicator, breakdown total, oldest first) are used
    # as they are; picking them again from a table holding other rows gives the same summary.
    overall = _eet_quarters()
    table = pd.concat([overall.assign(breakdown="sex", group="F", value=99.0), overall[::-1]])
    picked = summarise_indicator(table, EET)
    given = summarise_indicator(overall, EET, overall=True)
    pd.testing.assert_frame_equal(given.spc.points, picked.spc.points, check_exact=True)
    assert (given.latest, given.previous_quarter, given.previous_year) == (
        picked.latest,
        picked.previous_quarter,
        picked.previous_year,
    )


def test_a_gap_of_one_point_is_singular():
    # 55.6% against England 55% rounds to a gap of 1 point (whole percentages).
    text = describe_indicator(
        "care_leavers_19_21_eet_pct",
        (55.6, 118, 212, "2024-06-30"),
        benchmark={"comparator": "England", "value": 55.0, "year": 2024},
    )
    assert "1 point above England (55%, 2024)" in text


# --- movement and the reconciling sentence -------------------------------------------------------

THREE_PLUS = "placements_3plus_pct"  # lower is better


def shift_down_then_up():
    # 11, 12, 11, 12, 10, 11, 10, 12 (mean 89/8 = 11.125) from March 2021, then 7, 6, 7, 6, 7, 6,
    # 7, 8 from March 2023. Whole-series mean 143/16 = 8.94; the screened mean moving range is
    # 16/14 = 1.143 (the jump of 5 is screened out), so the lower limit is 8.94 - 3.04 = 5.90
    # and no point is beyond it. The last eight points are below the mean: the latest (8) is
    # special cause by the shift rule, low, an improvement for 3+ placements.
    values = [
        11.0,
        12.0,
        11.0,
        12.0,
        10.0,
        11.0,
        10.0,
        12.0,
        7.0,
        6.0,
        7.0,
        6.0,
        7.0,
        6.0,
        7.0,
        8.0,
    ]
    return spc(pd.Series(values, pd.date_range("2021-03-31", periods=16, freq="QE")), "lower")


def test_movement_is_judged_in_the_indicators_direction():
    from csc_metrics.narrative import movement, movement_text

    moved = movement(THREE_PLUS, 8.0, 7.0, "last quarter")
    assert (moved.way, moved.judgement) == ("up", "worse")
    assert movement_text(THREE_PLUS, moved) == "Up from 7% last quarter (worse)"
    # 60.2 against 60.4 is written 60% both times: unchanged, neither better nor worse.
    assert movement("long_term_stability_pct", 60.2, 60.4, "a year ago").way == "unchanged"
    # A neutral indicator moves up or down but is never better or worse.
    assert movement("cla_count", 400.0, 385.0, "last quarter").judgement is None


def test_reconciling_sentence_when_a_worse_quarter_sits_in_an_improving_shift():
    result = shift_down_then_up()
    assert result.variation == "improvement_low" and result.latest["rule"] == "shift"
    text = describe_indicator(
        THREE_PLUS, (8.0, 32, 400, "2024-12-31"), result, previous_quarter=7.0
    )
    assert text.endswith(
        "Up from 7% to 8% this quarter (worse), but still below the 11% average before the "
        "shift in March 2023."
    )


def test_no_reconciling_sentence_when_movement_and_verdict_agree():
    result = shift_down_then_up()
    text = describe_indicator(
        THREE_PLUS, (8.0, 32, 400, "2024-12-31"), result, previous_quarter=9.0
    )
    assert "but still" not in text


def test_reconciling_sentence_names_the_limit_a_point_is_beyond():
    from csc_metrics.narrative import movement, reconciling_sentence

    # [12, 10] x 5 then 1 and 2: mean 113/12 = 9.42; moving ranges 2 x 9, 9, 1 = 28/11 = 2.55,
    # screening (>= 8.32) drops the 9: 19/10 = 1.9, lower limit 9.42 - 2.66 x 1.9 = 4.36. The
    # latest, 2, is below it although it rose from 1.
    result = spc(quarterly([12.0, 10.0] * 5 + [1.0, 2.0]), "neutral")
    assert result.latest["rule"] == "outside_limits"
    moved = movement("cla_count", 2.0, 1.0, "last quarter")
    assert reconciling_sentence("cla_count", 2.0, result, moved) == (
        "Up from 1 to 2 this quarter, but still below the lower process limit of 4 set on the "
        "12 quarters from March 2019 to December 2021."
    )


# --- severity of key messages --------------------------------------------------------------------


def test_severity_adds_signal_gap_and_target():
    from csc_metrics.ranking import severity

    spike_low = spc(quarterly([50.0, 52.0] * 9 + [50.0, 24.0]), "higher")  # beyond the LPL
    england_54 = {"comparator": "England", "value": 54.0, "year": 2025}
    # Beyond a limit 3, plus the gap: 3 x (54 - 24) / 54 = 1.667; total 4.667.
    assert severity(_summary(EET, 24.0, spike_low, england_54)) == pytest.approx(4.667)
    # The same figure with a target of 40% it misses: + 1 (the limits do not say it always will).
    missed = IndicatorSummary(EET, (24.0, 50, 205, "2024-06-30"), spike_low, england_54, 40.0)
    assert severity(missed) == pytest.approx(5.667)
    # A gap in the better direction and no signal: nothing to worry about.
    assert severity(_summary(EET, 60.0, common_cause(), england_54)) == 0.0


def test_key_messages_rank_concerns_by_severity():
    from csc_metrics.ranking import ranked_messages

    # Hand-built: four concerns whose scores are worked out below, given in catalogue order.
    spike_high = quarterly([10.0, 12.0] * 9 + [10.0, 24.0])  # beyond the UPL
    spike_low = quarterly([50.0, 52.0] * 9 + [50.0, 24.0])  # beyond the LPL
    messages = ranked_messages(
        [
            # [20, 21] x 9, 23.4, 23.5: mean 416.9/20 = 20.795, mean moving range 19.5/19 =
            # 1.026, upper limit 23.525, near above 22.615: the last two are near, none beyond,
            # an early warning (1); lower is better, so a concern. Plus the gap to England's
            # 20%: 3 x 3.5 / 20 = 0.525. Total 1.525.
            _summary(
                "placed_over_20_miles_pct",
                23.5,
                spc(quarterly([20.0, 21.0] * 9 + [23.4, 23.5]), "lower"),
                {"comparator": "England", "value": 20.0, "year": 2025},
            ),
            # Beyond the limit, no comparator: 3.
            _summary("external_residential_pct", 24.0, spc(spike_high, "lower")),
            # Only a worse gap, 10 points below England's 60%: 3 x 10 / 60 = 0.5.
            _summary(
                "care_leavers_17_18_eet_pct",
                50.0,
                common_cause(),
                {"comparator": "England", "value": 60.0, "year": 2025},
            ),
            # Beyond the limit and 30 points below England's 54%: 4.667.
            _summary(EET, 24.0, spc(spike_low, "higher"), {"comparator": "England", "value": 54.0}),
        ]
    )
    assert [m.indicator_id for m in messages] == [
        EET,
        "external_residential_pct",
        "placed_over_20_miles_pct",
        "care_leavers_17_18_eet_pct",
    ]
    assert [m.severity for m in messages][:2] == pytest.approx([4.667, 3.0])
    assert [m.severity for m in messages][2:] == pytest.approx([1.525, 0.5])
    assert all(m.kind == "concern" for m in messages)


def test_key_messages_never_repeat_an_indicator():
    from csc_metrics.ranking import ranked_messages

    bench = {"comparator": "England", "value": 60.0, "year": 2024}
    twice = [_summary(EET, 40.0, None, bench), _summary(EET, 40.0, None, bench)]
    assert len(ranked_messages(twice)) == 1


def test_a_data_problem_is_named_instead_of_a_real_change():
    # Unallocated cases fall from 7 to 0 beyond the lower limit, but the team-less cases vanished.
    result = spc(quarterly([7.0, 9.0] * 5 + [7.0, 0.0]), "lower")
    assert result.is_special_cause
    problem = "Cases with no team recorded went from 4 to 0."
    text = describe_indicator(
        "unallocated_cases_count",
        (0.0, 0, np.nan, "2021-12-31"),
        result,
        previous_quarter=7.0,
        data_problem=problem,
    )
    assert "not noise" not in text and "real change," not in text
    assert text.endswith(
        "Down from 7 last quarter (better). The trend chart marks this quarter, but it is not "
        "called a real change: cases with no team recorded went from 4 to 0."
    )


def test_a_base_of_fte_is_written_as_fte_not_as_people():
    # Agency social workers: 1 of 73.4 FTE. The base is FTE, so never "n=73".
    text = describe_indicator("agency_workers_pct", (1.4, 1.0, 73.4, "2025-03-31"))
    assert text.startswith("Agency social workers: 1% (of 73.4 FTE) at 31 March 2025")
    assert "n=" not in text
    # A percentage of people keeps n=.
    assert "(n=212)" in describe_indicator(EET, LATEST_EET)


@pytest.mark.parametrize(
    ("way", "direction", "expected"),
    [
        ("up", "higher", "better"),
        ("up", "lower", "worse"),
        ("down", "lower", "better"),
        ("down", "higher", "worse"),
        ("unchanged", "higher", None),
        ("up", "neutral", None),
    ],
)
def test_a_movement_is_judged_in_the_catalogues_direction(way, direction, expected):
    assert judge(way, direction) == expected
