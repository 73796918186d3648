"""Shared chart builders of the views: several indicators' whole-service series as lines."""

from __future__ import annotations

import pandas as pd

from csc_metrics.settings import DEFAULT_SETTINGS
from csc_metrics.views.builders import overall_series, series_lines_chart

Q1, Q2 = pd.Timestamp("2024-03-31"), pd.Timestamp("2024-06-30")


class _Context:
    """The part of a ReportContext the builders read: two indicators' whole-service rows."""

    team = None
    suppress = False
    settings = DEFAULT_SETTINGS

    def overall_rows(self, indicator_id: str) -> pd.DataFrame:
        # Given newest first, to show the result is put in date order.
        rows = {
            "a_pct": pd.DataFrame({"period_end": [Q2, Q1], "value": [20.0, 10.0]}),
            "b_pct": pd.DataFrame({"period_end": [Q2], "value": [5.0]}),
        }
        return rows[indicator_id]

    def source(self) -> str:
        return "Source: test"

    def is_team_view(self, indicator_id: str) -> bool:
        return False


SERIES = {"a_pct": "A", "b_pct": "B"}


def test_overall_series_sets_indicators_side_by_side_in_date_order():
    wide = overall_series(_Context(), SERIES)
    assert wide.index.name == "period_end"
    assert wide.index.tolist() == [Q1, Q2]
    assert wide["A"].tolist() == [10.0, 20.0]
    # B has no row at 31 March: a gap, not a zero.
    assert pd.isna(wide.loc[Q1, "B"]) and wide.loc[Q2, "B"] == 5.0


def test_the_lines_chart_is_marked_with_each_indicators_quarter_end_trend():
    ctx = _Context()
    chart = series_lines_chart(ctx, SERIES, overall_series(ctx, SERIES), "T", "%", "A", "pct")
    assert chart.series == ("a_pct@quarter ends", "b_pct@quarter ends")
    assert not chart.is_empty
