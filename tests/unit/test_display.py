"""Display tests: the emitted bundles are accessible, self-contained and suppressed when asked."""

from __future__ import annotations

import base64
import html
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib import pyplot as plt

from csc_metrics import display, html_tables, scorecards
from csc_metrics.charts import spc_chart
from csc_metrics.formatting import ColumnFormat
from csc_metrics.narrative import IndicatorSummary
from csc_metrics.spc import spc


@pytest.fixture
def published(monkeypatch):
    """Capture what the show_* functions publish through IPython.display.display."""
    calls = []

    def fake_display(obj, raw=False):
        calls.append((obj, raw))

    monkeypatch.setattr("IPython.display.display", fake_display)
    return calls


def quarterly(values):
    return pd.Series(values, index=pd.date_range("2021-03-31", periods=len(values), freq="QE"))


def cells(content: str, css: str) -> list[str]:
    return [html.unescape(c) for c in re.findall(rf'<td class="{css}">(.*?)</td>', content)]


def assert_self_contained(content: str) -> None:
    for external in ("http://", "https://", "<script", "<link", "@import", "url("):
        assert external not in content


# --- figures -------------------------------------------------------------------------------------


@pytest.fixture
def chart():
    result = spc(quarterly([10.0, 12.0] * 6), "higher")
    return spc_chart(result, 'EET "19-21" & more', "%", "OC3")


def test_figure_html_embeds_an_svg_with_alt_text_and_caption(chart):
    content = display.figure_html(chart)
    match = re.fullmatch(
        r'<figure class="csc-figure"><img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)" '
        r'alt="([^"]*)" style="[^"]*"><figcaption>(.*)</figcaption></figure>',
        content,
    )
    assert match
    assert b"<svg" in base64.b64decode(match.group(1))
    assert html.unescape(match.group(2)) == chart.alt_text
    assert match.group(3) == "EET &quot;19-21&quot; &amp; more"
    assert_self_contained(content)


def test_show_figure_publishes_html_and_closes_the_figure(published):
    figure = plt.figure()
    figure.add_subplot().plot([1, 2])
    display.show_figure(figure, alt_text="Line rising from 1 to 2", caption="Test")
    ((bundle, raw),) = published
    assert raw
    assert 'alt="Line rising from 1 to 2"' in bundle["text/html"]
    assert bundle["text/plain"] == "Line rising from 1 to 2"
    assert not plt.fignum_exists(figure.number)


def test_a_bare_figure_needs_alt_text():
    with pytest.raises(ValueError, match="alt text"):
        display.figure_html(plt.figure())
    plt.close("all")


# --- tables --------------------------------------------------------------------------------------


@pytest.fixture
def team_table():
    return pd.DataFrame(
        {
            "team": ["North", "South <b>", "East", "Total"],
            "cases": [3, 12, 20, 35],
            "fte": [2.5, 4.0, 6.0, 12.5],
            "over_threshold_pct": [0.0, 25.0, 50.0, 33.3],
        }
    )


def test_table_has_caption_column_and_row_headers(team_table):
    content = html_tables.table_html(team_table, "Cases by team")
    assert content.startswith('<table class="csc-table"><caption>Cases by team</caption>')
    assert re.findall(r'<th scope="col">(.*?)</th>', content) == [
        "team",
        "cases",
        "fte",
        "over_threshold_pct",
    ]
    assert re.findall(r'<th scope="row">(.*?)</th>', content) == [
        "North",
        "South &lt;b&gt;",
        "East",
        "Total",
    ]
    assert_self_contained(content)


def test_table_marks_count_and_percentage_cells(team_table):
    content = html_tables.table_html(team_table, "Cases by team")
    assert cells(content, "count") == ["3", "12", "20", "35"]
    assert cells(content, "pct") == ["0.0", "25.0", "50.0", "33.3"]
    assert cells(content, "num") == ["2.5", "4.0", "6.0", "12.5"]  # FTE is not a count


def test_suppressed_table_shows_no_count_from_one_to_five(team_table):
    # North 3 hidden; with the total shown, South 12 is hidden too; their shares go with them.
    content = html_tables.table_html(team_table, "Cases by team", suppress=True, total_row="Total")
    assert cells(content, "count") == ["c", "c", "20", "35"]
    assert cells(content, "pct") == ["c", "c", "50.0", "33.3"]


def test_table_without_columns_still_has_a_row_each():
    table = pd.DataFrame(index=pd.RangeIndex(2))
    content = html_tables.table_html(table, "Nothing to show")
    assert "<tbody><tr></tr><tr></tr></tbody>" in content


def test_table_with_an_index_uses_it_as_row_headers():
    table = pd.DataFrame({"CLA": [4, 10]}, index=pd.Index(["A", "B"], name="team"))
    content = html_tables.table_html(table, "t", suppress=True)
    assert '<th scope="col">team</th>' in content
    assert '<th scope="row">A</th><td class="count">c</td>' in content


def test_table_columns_of_values_follow_the_catalogue_decimals():
    # Ours 64.4 and 8.0 (one decimal, as the catalogue writes a percentage figure); England as
    # DfE published it, 64 and 10 (not 64.0 and 10.0); the gap signed: +0.4 and -2.0.
    table = pd.DataFrame(
        {"Indicator": ["EET 17-18", "3+ placements"], "Ours (%)": [64.4, 8.0]}
        | {"England (%)": [64.0, 10.0], "Gap (points)": [0.4, -2.0]}
    )
    formats = {
        "Ours (%)": ColumnFormat("pct"),
        "England (%)": ColumnFormat("pct", "published"),
        "Gap (points)": ColumnFormat("pct", signed=True),
    }
    content = html_tables.table_html(table, "Gaps", column_formats=formats)
    assert cells(content, "num") == ["64.4", "64", "+0.4", "8.0", "10", "-2.0"]


def test_a_withheld_cell_stays_withheld_in_a_formatted_column():
    # 3 children of 4: the share rests on a small count, so with suppression it is "c".
    table = pd.DataFrame({"Team": ["A", "B"], "Children": [3, 40], "Share (%)": [75.0, 50.0]})
    content = html_tables.table_html(
        table,
        "Shares",
        suppress=True,
        count_columns=["Children"],
        percent_columns=["Share (%)"],
        column_formats={"Share (%)": ColumnFormat("pct")},
    )
    assert cells(content, "num") == ["c", "50.0"]


def test_metric_table_cells_are_classed_by_unit_and_suppressed():
    rows = pd.DataFrame(
        {
            "indicator_id": ["placements_3plus_pct"] * 3,
            "period_end": pd.Timestamp("2024-03-31"),
            "breakdown": ["total", "sex", "sex"],
            "group": ["all", "F", "M"],
            "numerator": [10.0, 2.0, 8.0],
            "denominator": [50.0, 20.0, 30.0],
            "value": [20.0, 10.0, 26.7],
            "unknown": [0.0, 0.0, 0.0],
        }
    )
    content = html_tables.table_html(rows, "3+ placements", suppress=True)
    assert cells(content, "pct") == ["20.0", "c", "c"]
    assert cells(content, "count") == [
        "10",
        "50",
        "0",
        "c",
        "20",
        "0",
        "c",
        "30",
        "0",
    ]  # numerator, denominator, unknown
    assert "31 Mar 2024" in content


def test_show_table_plain_text_is_suppressed_too(published, team_table):
    display.show_table(team_table, "Cases by team", suppress=True, total_row="Total")
    ((bundle, raw),) = published
    assert raw
    lines = bundle["text/plain"].splitlines()
    assert lines[:3] == [
        "Cases by team",
        "team | cases | fte | over_threshold_pct",
        "North | c | 2.5 | c",
    ]


# --- key messages --------------------------------------------------------------------------------


def test_key_messages_bundle_carries_the_runner_mimetype():
    bundle = display.key_messages_bundle("Placements", ["Fewer moves <now>", "More & better"])
    assert bundle[display.KEY_MESSAGES_MIMETYPE] == {
        "title": "Placements",
        "messages": ["Fewer moves <now>", "More & better"],
    }
    assert bundle["text/html"] == (
        '<ul class="key-messages" aria-label="Placements"><li>Fewer moves &lt;now&gt;</li>'
        "<li>More &amp; better</li></ul>"
    )
    assert bundle["text/plain"] == "Placements\n- Fewer moves <now>\n- More & better"


def test_key_messages_emit_no_heading_unless_asked():
    assert "<h" not in display.key_messages_bundle("T", ["m"])["text/html"]
    assert display.key_messages_bundle("T", ["m"], heading_level=3)["text/html"].startswith(
        "<h3>T</h3><ul"
    )


def test_no_key_messages_says_nothing_stands_out():
    bundle = display.key_messages_bundle("Care leavers", [])
    assert "Nothing stands out" in bundle["text/html"]
    assert bundle[display.KEY_MESSAGES_MIMETYPE]["messages"] == []


def test_show_key_messages_publishes_the_raw_bundle(published):
    display.show_key_messages("Caseloads", ["One"])
    ((bundle, raw),) = published
    assert raw and bundle[display.KEY_MESSAGES_MIMETYPE]["title"] == "Caseloads"


# --- badges and scorecard ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variation", "label"),
    [
        ("common_cause", "Common cause: no significant change"),
        ("concern_low", "Special cause: concern (lower)"),
        ("improvement_high", "Special cause: improvement (higher)"),
        ("neutral_low", "Special cause: lower (neither better nor worse)"),
    ],
)
def test_variation_badge_pairs_an_icon_with_a_text_label(variation, label):
    badge = scorecards.variation_badge_html(variation)
    assert f"<span>{label}</span>" in badge
    assert '<svg aria-hidden="true"' in badge
    assert f"spc-variation-{variation}" in badge
    assert_self_contained(badge)


def test_assurance_badge_and_its_absence():
    assert "Consistently misses the target" in scorecards.assurance_badge_html("fail")
    assert scorecards.assurance_badge_html(None) == ""


def test_unknown_badge_is_refused():
    with pytest.raises(ValueError, match="variation"):
        scorecards.variation_badge_html("great")


def test_spc_badges_of_a_result_include_assurance_only_with_a_target():
    result = spc(quarterly([10.0, 12.0] * 6), "higher", target=20.0)
    content = scorecards.spc_badges_html(result)
    assert "Common cause" in content and "Consistently misses the target" in content
    no_target = scorecards.spc_badges_html(spc(quarterly([10.0, 12.0] * 6), "higher"))
    assert "spc-assurance" not in no_target


def test_scorecard_rows_show_value_badges_and_benchmark():
    result = spc(quarterly([10.0, 12.0] * 6), "higher", target=20.0)
    summary = IndicatorSummary(
        "care_leavers_19_21_eet_pct",
        (48.2, 102, 212, "2024-06-30"),
        result,
        {"comparator": "England", "value": 55.0, "year": 2024},
    )
    content = scorecards.scorecard_html([summary], "Scorecard")
    assert '<th scope="row">Care leavers aged 19-21 in education, employment or training</th>' in (
        content
    )
    assert cells(content, "pct") == ["48%"]
    assert cells(content, "count") == ["212"]
    assert "England 55% (-7 points)" in content
    assert "Consistently misses the target" in content


def test_scorecard_suppresses_values_on_small_counts():
    summary = IndicatorSummary("unallocated_cases_count", (3, 3, np.nan, "2024-06-30"))
    content = scorecards.scorecard_html([summary], "Scorecard", suppress=True)
    assert cells(content, "count") == ["c", ""]
    assert "No trend yet" in content


def test_scorecard_gives_changes_in_words_better_or_worse():
    # 12 points alternating 10 and 12: the latest (12) is common cause; a quarter earlier 10,
    # a year earlier (four quarters back) 12.
    result = spc(quarterly([10.0, 12.0] * 6), "higher")
    summary = IndicatorSummary(
        "care_leavers_19_21_eet_pct",
        (12.0, 12, 100, "2023-12-31"),
        result,
        previous_quarter=10.0,
        previous_year=12.0,
    )
    content = scorecards.scorecard_html([summary], "Scorecard")
    assert (
        "<td>Up from 10% last quarter (better)<br>Unchanged from 12% a year ago</td>"
    ) in content


def test_scorecard_calls_a_change_real_only_with_special_cause():
    # Eleven points of 10 then 30: 30 is beyond the upper limit, a special-cause improvement.
    result = spc(quarterly([10.0, 11.0] * 5 + [10.0, 30.0]), "higher")
    summary = IndicatorSummary(
        "care_leavers_19_21_eet_pct", (30.0, 30, 100, "2023-12-31"), result, previous_quarter=10.0
    )
    content = scorecards.scorecard_html([summary], "Scorecard")
    # The change column describes the movement only; the SPC verdict is the trend column's.
    assert "<td>Up from 10% last quarter (better)</td>" in content
    assert "Special cause: improvement (higher)" in content
    assert "Judged against the 12 quarters from" in content


def test_scorecard_withholds_a_percentage_whose_complement_is_small():
    # 208 of 212 in EET: the 98% and its base would show the 4 who are not.
    summary = IndicatorSummary("care_leavers_19_21_eet_pct", (98.1, 208, 212, "2024-06-30"))
    content = scorecards.scorecard_html([summary], "Scorecard", suppress=True)
    assert cells(content, "pct") == ["c"]
    compact = scorecards.compact_scorecard_rows([summary], suppress=True)
    assert compact[0]["value"] == "c"


def test_scorecard_hides_a_small_earlier_count_when_suppressing():
    # Unallocated cases 12 now, 4 a quarter earlier: 4 would disclose a small number.
    summary = IndicatorSummary(
        "unallocated_cases_count", (12, 12, np.nan, "2024-06-30"), previous_quarter=4.0
    )
    content = scorecards.scorecard_html([summary], "Scorecard", suppress=True)
    assert "<td>Last quarter: c</td>" in content and "from 4" not in content


def test_scorecard_shows_the_target_and_the_benchmark_year():
    result = spc(quarterly([10.0, 12.0] * 6), "higher", target=20.0)
    summary = IndicatorSummary(
        "care_leavers_19_21_eet_pct",
        (48.2, 102, 212, "2024-06-30"),
        result,
        {"comparator": "England", "value": 55.0, "year": 2024},
        target=20.0,
    )
    content = scorecards.scorecard_html([summary], "Scorecard")
    assert "<td>20%<br><span" in content
    # Ours is written 48% in a sentence, so the gap is too: 48.2 - 55 = -6.8, written -7 points.
    assert "England 55% (-7 points), 2024" in content


def test_scorecard_writes_the_benchmark_as_published_and_the_gap_in_text_decimals():
    # A rate: ours 77.6, England published 67 (written "67", not "67.0"); gap +10.6 at the
    # rate's one decimal.
    summary = IndicatorSummary(
        "cla_rate_per_10k",
        (77.6, 400, np.nan, "2024-06-30"),
        None,
        {"comparator": "England", "value": 67.0, "year": 2025},
    )
    content = scorecards.scorecard_html([summary], "Scorecard")
    assert "England 67 per 10,000 children (+10.6), 2025" in content


def test_scorecard_changes_leave_long_unit_words_to_the_latest_value():
    # 15.7 cases per FTE now, 16.4 a quarter earlier: the change cell says "16.4".
    summary = IndicatorSummary(
        "caseload_per_fte", (15.7, 980, 62.4, "2025-03-31"), previous_quarter=16.4
    )
    content = scorecards.scorecard_html([summary], "Scorecard")
    assert "<td>Down from 16.4 last quarter (better)</td>" in content


def test_the_scorecard_labels_a_base_of_fte():
    summary = IndicatorSummary("agency_workers_pct", (1.4, 1.0, 73.4, "2025-03-31"))
    assert '<td class="count">73.4 FTE</td>' in scorecards.scorecard_html([summary], "Scorecard")
