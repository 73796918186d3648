"""Key-message rules shared by the reports: labels, shifts, ranking."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from views_fixtures import context, metric_row, series_rows

from csc_metrics.formatting import format_value as value_text
from csc_metrics.spc import spc, trailing_run
from csc_metrics.views.builders import display_label
from csc_metrics.views.messages import (
    indicator_messages,
    relabel,
    shift_sentence,
    sustained_shift,
)


@pytest.mark.parametrize(
    ("indicator_id", "label"),
    [
        (
            "care_leavers_19_21_eet_pct",
            "Care leavers aged 19-21 in education, employment or training (EET)",
        ),
        (
            "care_leavers_17_18_neet_pct",
            "Care leavers aged 17-18 not in education, employment or training (NEET)",
        ),
        ("placements_3plus_pct", "Children looked after with 3+ placements in 12 months"),
    ],
)
def test_display_labels_add_the_abbreviation_managers_use(indicator_id, label):
    assert display_label(indicator_id) == label


def test_relabel_replaces_only_the_leading_label():
    text = "Unallocated cases: 4 at 31 March 2024."
    assert relabel(text, "unallocated_cases_count", "North, unallocated cases") == (
        "North, unallocated cases: 4 at 31 March 2024."
    )
    assert relabel("Something else.", "unallocated_cases_count") == "Something else."


@pytest.mark.parametrize(
    ("values", "run"),
    [([1, 1, -1, -1, -1], 3), ([1, -1, 0], 0), ([], 0), ([-1, -1], 2)],
)
def test_trailing_run(values, run):
    assert trailing_run(np.array(values)) == run


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (1234.0, "count", "1,234"),
        (6.55, "pct", "6.5%"),
        (77.6, "rate", "77.6"),
        (np.nan, "pct", ""),
    ],
)
def test_value_text(value, unit, text):
    assert value_text(value, unit) == text


def quarterly(values):
    return pd.Series(values, index=pd.date_range("2021-06-30", periods=len(values), freq="QE"))


@pytest.fixture
def step_down():
    # Seven quarters at 12% then seven at 8%: mean 10%. The moving ranges are 0 except one
    # jump of 4, which is screened (4 >= 3.267 x 4/13), so the limits close on the mean and the
    # last point (8%) is below the lower limit: special cause. The last seven points are all
    # below the mean: the run starts at the eighth quarter end, 31 March 2023.
    return spc(quarterly([12.0] * 7 + [8.0] * 7), "lower")


def test_a_shift_is_found_with_its_start_and_levels(step_down):
    shift = sustained_shift(step_down)
    assert (shift.start, shift.points, shift.side, shift.before, shift.since) == (
        pd.Timestamp("2023-03-31"),
        7,
        "below",
        12.0,
        8.0,
    )


def test_the_shift_sentence_gives_when_it_began_and_the_levels(step_down):
    assert shift_sentence(sustained_shift(step_down), "pct") == (
        "The change dates from the quarter ending 31 March 2023: all 7 quarters since then are "
        "below the long-run average, at 8% on average since, against 12% before."
    )


def test_no_shift_without_special_cause_or_a_long_enough_run():
    # Alternating values: common cause; a run of six below the mean is one short of a shift.
    assert sustained_shift(spc(quarterly([10.0, 11.0] * 6), "lower")) is None
    assert sustained_shift(spc(quarterly([12.0] * 7 + [8.0] * 6), "lower")) is None


def test_small_averages_of_a_count_are_left_out_when_suppressing():
    # Unallocated cases: 12 a quarter before the run, then 3: "3" would be a small number.
    result = spc(quarterly([12.0] * 7 + [3.0] * 7), "lower")
    sentence = shift_sentence(sustained_shift(result), "count", suppress=True)
    assert sentence.endswith("below the long-run average.") and "on average" not in sentence


def test_indicator_messages_put_concerns_first_and_say_when_a_run_began():
    rows = [
        # Placed over 20 miles: the step down above, 14 points below England. A stock measure
        # (the children looked after at each date), judged on changes a year apart: the lag-4
        # moving ranges are 0, 0, 0, 4, 4, 4, 4, 0, 0, 0 (mean 1.6), so the limits are
        # 10 +/- 4.26 and 8% is inside them; the 7 quarters below the average are a run to
        # question, not a signal.
        *series_rows("placed_over_20_miles_pct", [12.0] * 7 + [8.0] * 7, denominator=100),
        # 19-21 EET: 11 steady quarters then a fall beyond the limits, a concern.
        *series_rows(
            "care_leavers_19_21_eet_pct", [50.0, 51.0] * 5 + [50.0, 30.0], denominator=100
        ),
        # Cases per FTE: alternating, common cause, no benchmark: not a message.
        *series_rows("caseload_per_fte", [15.0, 16.0] * 6),
    ]
    messages = indicator_messages(
        context(rows),
        ["placed_over_20_miles_pct", "care_leavers_19_21_eet_pct", "caseload_per_fte"],
    )
    assert len(messages) == 2
    assert messages[0].startswith(
        "Care leavers aged 19-21 in education, employment or training (EET): 30%"
    )
    assert messages[1].startswith("Placed more than 20 miles from home: 8%")
    # Fourteen quarter ends to 31 March 2024: the eighth, where the run begins, is 30 September
    # 2022.
    assert messages[1].endswith(
        "The last 7 quarters are all below the average (8% since September 2022, against 12% "
        "before). Each point counts the children looked after on its date, most of them still "
        "there a quarter later, so neighbouring quarters share most of their data and this alone "
        "is not a signal. If this follows a known change, declare it to recalculate the limits "
        "(add the line placed_over_20_miles_pct,2022-09-30,<what changed> to the change-points "
        "file)."
    )


def test_a_run_on_a_rolling_measure_is_said_plainly_but_not_called_real():
    # 3+ placements counts 12 months: 11, 12 x 4 then 8, 9 x 3 and 8 (15 points). The last 7
    # are below the mean (155/15 = 10.33), but runs count only points a year apart.
    values = [11.0, 12.0] * 4 + [8.0, 9.0] * 3 + [8.0]
    rows = series_rows("placements_3plus_pct", values, denominator=400)
    ctx = context(rows)
    assert ctx.summary("placements_3plus_pct").spc.variation == "common_cause"
    message = indicator_messages(ctx, ["placements_3plus_pct"])[0]
    assert "not noise" not in message and "sustained" not in message
    assert "The last 7 quarters are all below the average" in message
    assert "this alone is not a signal" in message
    # Fifteen quarter ends to 31 March 2024: the ninth, where the run begins, is 30 September 2022.
    assert "placements_3plus_pct,2022-09-30,<what changed>" in message


def test_an_indicator_without_a_value_at_the_period_end_gives_no_message():
    rows = [metric_row("placements_3plus_pct", "2023-12-31", 8, 100)]
    assert indicator_messages(context(rows), ["placements_3plus_pct"]) == []


def test_a_teams_share_of_fte_is_not_a_key_message():
    # One team's vacancy rate rests on a few funded FTE (5.4, which narrative would show as
    # "n=5"); the whole service's is a message, the team's is not.
    falling = [20.0, 21.0] * 5 + [20.0, 0.0]
    rows = [
        *series_rows("vacancy_rate_pct", falling, denominator=80),
        *series_rows("vacancy_rate_pct", falling, breakdown="team", group="North", denominator=5.4),
    ]
    assert len(indicator_messages(context(rows), ["vacancy_rate_pct"])) == 1
    assert indicator_messages(context(rows, team="North"), ["vacancy_rate_pct"]) == []


def test_a_stock_measures_chart_note_says_it_is_judged_a_year_apart():
    from csc_metrics.views.builders import rolling_note

    (note,) = rolling_note("ifa_fostering_pct")
    assert note.startswith("Each point counts the children looked after on its date")
    assert "set from changes a year apart" in note and "Stock measures" in note
    # A rolling measure keeps its own note; caseload snapshots get none.
    assert "Rolling measures" in rolling_note("placements_3plus_pct")[0]
    assert rolling_note("caseload_per_fte") == ()
    # The agency share is a stock of staff: the note says who it counts.
    assert rolling_note("agency_workers_pct")[0].startswith(
        "Each point counts the social workers in post on its date"
    )
