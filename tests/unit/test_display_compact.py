"""The compact scorecard: one line per indicator, a sparkline with its SPC state, words."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csc_metrics import display, html_tables, scorecards
from csc_metrics.narrative import IndicatorSummary
from csc_metrics.spc import spc


def quarterly(values):
    return pd.Series(values, index=pd.date_range("2021-03-31", periods=len(values), freq="QE"))


@pytest.mark.parametrize(
    ("latest", "previous", "unit", "direction", "expected"),
    [
        # 48.2% from 47.0%: rounded as the scorecard writes them, 48% against 47%: up 1 point.
        (48.2, 47.0, "pct", "lower", ("↑", "1 pt, worse")),
        # 44.6% and 48.4% read 45% and 48%: down 3 points.
        (44.6, 48.4, "pct", "higher", ("↓", "3 pts, worse")),
        # 17.2 from 17.6 cases per FTE (one decimal), fewer is better.
        (17.2, 17.6, "ratio", "lower", ("↓", "0.4, better")),
        # Neutral: no better or worse.
        (400, 385, "count", "neutral", ("↑", "15")),
        # 48.4% and 47.6% both read 48%: unchanged, whatever the unrounded values.
        (48.4, 47.6, "pct", "higher", ("", "unchanged")),
        (48.4, None, "pct", "higher", ("", "no earlier quarter")),
    ],
)
def test_change_in_words(latest, previous, unit, direction, expected):
    assert scorecards.change_in_words(latest, previous, unit, direction) == expected


def test_the_sparkline_is_an_accessible_image_naming_the_spc_state():
    # Eleven points of 10 and 11, then 30: beyond the upper limit, a special-cause improvement.
    result = spc(quarterly([10.0, 11.0] * 5 + [10.0, 30.0]), "higher")
    svg = scorecards.sparkline_svg(result, "EET 19-21")
    assert svg.startswith('<svg class="sparkline" role="img" aria-label="Trend of EET 19-21 over ')
    assert "12 quarters: latest point special cause: improvement" in svg.lower()
    assert "<title>" in svg
    # The latest point is filled (special cause), in the improvement colour.
    assert 'fill="#0072B2"' in svg or 'fill="#0072b2"' in svg
    # No value is given in words (a value resting on small counts could be disclosed).
    assert "30" not in svg.split("<title>")[1].split("</title>")[0]


def test_a_common_cause_sparkline_marks_the_latest_point_with_a_ring():
    result = spc(quarterly([10.0, 12.0] * 6), "higher")
    svg = scorecards.sparkline_svg(result, "X")
    assert 'fill="#ffffff"' in svg


def test_without_a_trend_the_sparkline_says_so():
    assert "no trend yet" in scorecards.sparkline_svg(None, "X")


def summary_eet():
    result = spc(quarterly([10.0, 12.0] * 6), "higher", target=20.0)
    return IndicatorSummary(
        "care_leavers_19_21_eet_pct",
        (48.2, 102, 212, "2024-06-30"),
        result,
        {"comparator": "England", "value": 55.0, "year": 2024},
        target=60.0,
        previous_quarter=50.0,
    )


def test_a_compact_row_gives_value_change_target_and_gap_in_one_line_each():
    [row] = scorecards.compact_scorecard_rows([summary_eet()])
    # 48% now, 50% last quarter: down 2 points, worse (higher is better); 48 - 55 = -7 points.
    assert (row["value"], row["arrow"], row["change"]) == ("48%", "↓", "2 pts, worse")
    assert (row["target"], row["gap"]) == ("60%", "−7 pts, worse")
    content = scorecards.compact_scorecard_html([summary_eet()], "Scorecard")
    compact = content.split("<details", 1)[0]
    assert "<br>" not in compact
    assert '<span aria-hidden="true">↓</span><span class="visually-hidden">down</span> ' in compact
    # The full scorecard is kept, folded, below.
    assert '<details class="scorecard-details">' in content and "csc-scorecard" in content


def test_a_compact_row_withholds_a_value_on_small_counts():
    summary = IndicatorSummary(
        "unallocated_cases_count", (3, 3, np.nan, "2024-06-30"), previous_quarter=12.0
    )
    [row] = scorecards.compact_scorecard_rows([summary], suppress=True)
    assert (row["value"], row["change"]) == ("c", "c")


def test_the_bundle_hands_the_rows_to_the_runner():
    bundle = scorecards.compact_scorecard_bundle([summary_eet()], "Scorecard", "England")
    data = bundle[scorecards.SCORECARD_MIMETYPE]
    assert data["comparator"] == "England"
    assert data["rows"][0]["indicator_id"] == "care_leavers_19_21_eet_pct"


# --- CSV downloads ------------------------------------------------------------------------------


def download_csv(link_html: str) -> str:
    import base64
    import re

    data = re.search(r'href="data:text/csv;base64,([^"]+)"', link_html).group(1)
    return base64.b64decode(data).decode("utf-8")


def test_a_shown_table_carries_a_csv_of_its_figures():
    table = pd.DataFrame({"Team": ["North", "South"], "Cases": [120, 3], "Share (%)": [97.6, 2.4]})
    content = html_tables.table_html(table, "Cases by team")
    link = html_tables.csv_download_html(content, "Cases by team")
    assert ">Download this table (CSV)</a>" in link and 'download="cases-by-team.csv"' in link
    # A byte-order mark first, so Excel reads UTF-8; the figures as the table shows them.
    assert download_csv(link) == "\ufeffTeam,Cases,Share (%)\r\nNorth,120,97.6\r\nSouth,3,2.4\r\n"


def test_the_csv_respects_suppression_because_it_is_built_from_the_table_shown():
    table = pd.DataFrame({"Team": ["North", "South"], "Cases": [120, 3]})
    content = html_tables.table_html(table, "Cases by team", suppress=True)
    csv_text = download_csv(html_tables.csv_download_html(content, "Cases by team"))
    assert ",3" not in csv_text and "South,c" in csv_text


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_written_as_text():
    content = "<table><tr><td>=HYPERLINK(1)</td><td>-7</td><td>@SUM</td></tr></table>"
    assert html_tables.table_csv(content) == "'=HYPERLINK(1),-7,'@SUM\r\n"


def test_show_table_publishes_the_download_link(monkeypatch):
    shown = []
    monkeypatch.setattr(display, "_publish", shown.append)
    display.show_table(pd.DataFrame({"Team": ["North"], "Cases": [12]}), "Cases")
    assert "Download this table (CSV)" in shown[0]["text/html"]


def test_a_chart_with_nothing_to_show_is_written_as_a_sentence():
    from csc_metrics.views.builders import empty_chart

    chart = empty_chart("Unallocated cases", "The figure was 0 at each of the 8 quarter ends.")
    content = display.figure_html(chart)
    assert content == (
        '<p class="chart-empty"><strong>Unallocated cases.</strong> '
        "The figure was 0 at each of the 8 quarter ends.</p>"
    )
