"""Declared change points rebase the limits; a detected shift is only pointed out."""

from __future__ import annotations

import dataclasses

import pandas as pd
from views_fixtures import context, series_rows

from csc_metrics.views.builders import spc_chart_for
from csc_metrics.views.messages import indicator_messages

THREE_PLUS = "placed_over_20_miles_pct"  # lower is better; not a rolling measure
#: 16 quarter ends, 30 June 2020 to 31 March 2024: 11, 12 x 4 then 7, 6 x 4 (from 30 June 2022).
VALUES = [11.0, 12.0] * 4 + [7.0, 6.0] * 4
DECLARED = pd.DataFrame(
    {
        "indicator": [THREE_PLUS],
        "date": [pd.Timestamp("2022-06-01")],
        "reason": ["New placement stability panel"],
    }
)


def declared_context():
    return dataclasses.replace(
        context(series_rows(THREE_PLUS, VALUES, denominator=400)), change_points=DECLARED
    )


def test_a_declared_change_point_recalculates_the_limits_from_its_date():
    result = declared_context().summary(THREE_PLUS).spc
    # The declared 1 June 2022 starts a segment at the first quarter end on or after it,
    # 30 June 2022. That segment (7, 6 x 4) has mean 6.5 and every moving range 1, so limits
    # 6.5 +/- 2.66 = 3.84 to 9.16: the latest (6) is common cause.
    latest = result.latest_group
    assert latest["date"].iloc[0] == pd.Timestamp("2022-06-30") and len(latest) == 8
    assert result.latest["mean"] == 6.5
    assert (round(result.latest["lpl"], 2), round(result.latest["upl"], 2)) == (3.84, 9.16)
    assert result.variation == "common_cause"


def test_without_the_declaration_the_shift_is_pointed_out_and_not_rebased():
    ctx = context(series_rows(THREE_PLUS, VALUES, denominator=400))
    result = ctx.summary(THREE_PLUS).spc
    # (6.5% and 11.5% are written as DfE rounds: 6% and 12%.)
    # One segment: mean 9.0; moving ranges 1 x 14 and the jump of 5, screened out (>= 4.14),
    # so limits 9 +/- 2.66: the latest (6) is below 6.34, and the last 8 points are all below
    # the mean, a sustained shift since 30 June 2022.
    assert result.points["group"].nunique() == 1
    assert result.latest["mean"] == 9.0 and round(result.latest["lpl"], 2) == 6.34
    message = indicator_messages(ctx, [THREE_PLUS])[0]
    assert message.endswith(
        "The change dates from the quarter ending 30 June 2022: all 8 quarters since then are "
        "below the long-run average, at 6% on average since, against 12% before. If this "
        "follows a known change, declare it to recalculate the limits (add the line "
        "placed_over_20_miles_pct,2022-06-30,<what changed> to the change-points file)."
    )


def test_the_chart_marks_the_declared_date_and_gives_its_reason():
    chart = spc_chart_for(declared_context(), THREE_PLUS)
    assert "Limits recalculated from Jun 2022: New placement stability panel." in chart.footnote
    assert "Limits recalculated from Jun 2022: New placement stability panel." in chart.alt_text
    texts = [t.get_text() for t in chart.figure.axes[0].texts]
    assert "Jun 2022: New placement stability panel" in texts
