"""Charts that read at a glance: percentage axes stop at 100%, end labels never overlap."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from csc_metrics.charts import benchmark_chart, spc_chart
from csc_metrics.charts.render import tick_labels
from csc_metrics.charts.style import spread_labels
from csc_metrics.spc import spc


def test_labels_closer_than_the_gap_are_moved_apart_around_where_they_were():
    # England 69 and North West 68 with a gap of 4: each moves 1.5 away, keeping their order.
    assert spread_labels([69.0, 68.0, 50.0], 4.0) == [70.5, 66.5, 50.0]


def test_labels_far_enough_apart_stay_put():
    assert spread_labels([10.0, 20.0], 4.0) == [10.0, 20.0]


def test_a_cluster_of_three_ends_up_at_least_the_gap_apart():
    placed = sorted(spread_labels([50.0, 50.5, 51.0], 3.0))
    assert all(b - a >= 3.0 - 1e-6 for a, b in itertools.pairwise(placed))


def test_an_spc_chart_of_a_percentage_near_100_stops_at_100():
    # 96-99%: the upper process limit is above 100%, the axis is not.
    values = pd.Series(
        [96.0, 99.0, 97.0, 99.0, 96.0, 98.0, 99.0, 97.0],
        index=pd.date_range("2023-03-31", periods=8, freq="QE"),
    )
    chart = spc_chart(spc(values, "higher"), "Suitable accommodation", "% of care leavers", "s")
    ax = chart.figure.axes[0]
    assert ax.get_ylim()[1] == pytest.approx(100.0)


def test_the_comparison_chart_writes_close_names_apart():
    data = pd.DataFrame(
        {"Our council": [60.0, 62.0], "England": [68.0, 69.0], "North West": [67.5, 68.6]},
        index=[2024, 2025],
    )
    chart = benchmark_chart(data, "Stability", "%", "DfE", "Our council")
    ax = chart.figure.axes[0]
    heights = {t.get_text(): t.xy[1] for t in ax.texts}
    span = ax.get_ylim()[1] - ax.get_ylim()[0]
    assert abs(heights["England"] - heights["North West"]) >= 0.06 * span - 1e-9
    assert ax.get_ylim()[1] <= 100.0


def test_a_one_row_heatmap_is_drawn_as_bars():
    from csc_metrics.charts import heatmap

    pivot = pd.DataFrame({"Foster": [60.0], "Residential": [25.0], "Other": [15.0]}, index=["All"])
    chart = heatmap(pivot, "Placements by type", "Placement type", "", "s")
    ax = chart.figure.axes[0]
    # Three bars, no colour bar (a heatmap would add a second axes for it).
    assert len(chart.figure.axes) == 1 and len(ax.patches) == 3
    assert [t.get_text() for t in tick_labels(ax, "y")] == ["Foster", "Residential", "Other"]
    assert ax.get_xlim()[1] <= 100.0


def test_a_one_row_heatmap_drawn_as_bars_is_described_as_bars():
    # The alt text says what is drawn: bars, with each column's label as written on it; a
    # heading broken over two lines ("Care\nleavers") reads as one phrase.
    from csc_metrics.charts import heatmap

    pivot = pd.DataFrame({"Child in\nneed": [12.0], "Care\nleavers": [89.0]}, index=["East"])
    chart = heatmap(pivot, "Open cases: East", "Case type", "", "s", unit="count")
    assert chart.alt_text == "Bar chart of Open cases: East: Child in need 12; Care leavers 89."
