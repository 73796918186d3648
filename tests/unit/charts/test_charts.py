"""Chart tests: each chart builds from a small table and carries its text (no image regression)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from csc_metrics.charts import (
    OKABE_ITO,
    SPC_POINT_STYLES,
    Chart,
    benchmark_chart,
    breakdown_bars,
    heatmap,
    spc_chart,
    team_small_multiples,
)
from csc_metrics.charts.render import tick_labels
from csc_metrics.gaps import group_gaps
from csc_metrics.spc import spc


def quarterly(values, start="2021-03-31"):
    return pd.Series(values, index=pd.date_range(start, periods=len(values), freq="QE"))


def footnote_text(chart: Chart) -> str:
    return next(t.get_text() for t in chart.figure.texts if t.get_gid() == "footnote")


def all_text(chart: Chart) -> str:
    """Every text drawn on the figure: titles, labels, tick labels, annotations, legends."""
    texts = [chart.figure.get_suptitle(), *(t.get_text() for t in chart.figure.texts)]
    for ax in chart.figure.axes:
        texts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        texts += [t.get_text() for t in ax.texts]
        texts += [t.get_text() for t in tick_labels(ax, "x") + tick_labels(ax, "y")]
        legend = ax.get_legend()
        if legend:
            texts += [t.get_text() for t in legend.get_texts()]
    return "\n".join(texts)


def assert_titled_and_sourced(chart: Chart, title: str, source: str) -> None:
    assert chart.figure.get_suptitle() == title
    assert chart.title == title
    assert f"Source: {source}." in footnote_text(chart)
    assert chart.footnote == footnote_text(chart)


# --- SPC -----------------------------------------------------------------------------------------


@pytest.fixture
def spike_result():
    # [10, 12] x 5 + [10, 24]: 12 points, mean (6 x 10 + 5 x 12 + 24)/12 = 144/12 = 12; MRs
    # 10 x 2 and 14 (screened) -> limits 12 +/- 5.32 = (6.68, 17.32): 24 is beyond (a concern
    # when lower is better) and a target of 15 lies inside (hit and miss).
    return spc(quarterly([10.0, 12.0] * 5 + [10.0, 24.0]), "lower", target=15.0)


def test_spc_chart_carries_title_labels_and_source(spike_result):
    chart = spc_chart(
        spike_result,
        "Children with 3+ placements",
        "% of children looked after",
        "SSDA903 returns",
        unit="pct",
    )
    assert_titled_and_sourced(chart, "Children with 3+ placements", "SSDA903 returns")
    ax = chart.figure.axes[0]
    assert ax.get_ylabel() == "% of children looked after"
    assert ax.get_xlabel() == "Quarter ending"
    assert "2.66" in chart.footnote


def test_spc_chart_colours_and_shapes_points_by_class(spike_result):
    chart = spc_chart(spike_result, "t", "%", "s")
    legend = [t.get_text() for t in chart.figure.axes[0].get_legend().get_texts()]
    assert "Special cause: concern" in legend and "Common cause" in legend
    assert "Target (15.0%)" in legend
    markers = {s["marker"] for s in SPC_POINT_STYLES.values()}
    assert len(markers) == len(SPC_POINT_STYLES)  # every class has its own shape
    colours = {s["color"] for s in SPC_POINT_STYLES.values()}
    assert len(colours) == len(SPC_POINT_STYLES)


def test_spc_alt_text_states_the_key_facts(spike_result):
    chart = spc_chart(spike_result, "Children with 3+ placements", "%", "s")
    alt = chart.alt_text
    assert alt.startswith(
        "SPC chart of Children with 3+ placements from Mar 2021 to Dec 2023, 12 points."
    )
    assert "Latest 24.0%: special cause: concern (higher)." in alt
    assert "Average 12.0%, process limits 6.7% to 17.3%." in alt
    assert "1 point of special-cause concern, the latest in Dec 2023." in alt
    assert "Target 15.0%: hit and miss" in alt


def test_spc_chart_shows_the_short_series_warning():
    result = spc(quarterly([10.0, 12.0] * 3), "higher")
    chart = spc_chart(result, "t", "%", "s")
    assert "Only 6 points" in chart.footnote and "Only 6 points" in chart.alt_text


def test_spc_chart_marks_rebase():
    series = quarterly([10.0, 12.0] * 4 + [20.0, 22.0] * 4)
    chart = spc_chart(spc(series, "higher", rebase_dates=[series.index[8]]), "t", "%", "s")
    assert "recalculated" in chart.footnote


def test_spc_chart_leaves_out_small_counts_when_suppressing():
    result = spc(quarterly([8.0, 3.0, 9.0, 7.0, 4.0, 8.0]), "lower")
    chart = spc_chart(
        result, "Unallocated cases", "Number of cases", "s", unit="count", suppress=True
    )
    plotted = np.concatenate([c.get_offsets()[:, 1] for c in chart.figure.axes[0].collections])
    assert not np.isin(plotted, [3.0, 4.0]).any()
    assert "not shown, to protect privacy" in chart.footnote


# --- benchmark -----------------------------------------------------------------------------------


@pytest.fixture
def benchmark_table():
    return pd.DataFrame(
        {
            "Lancashire": [50.0, 52.0, 48.0],
            "England": [54.0, 55.0, 56.0],
            "North West": [52.0, 53.0, 54.0],
        },
        index=[2022, 2023, 2024],
    )


def test_benchmark_line_chart(benchmark_table):
    chart = benchmark_chart(
        benchmark_table,
        "Care leavers 19-21 in EET",
        "% of care leavers aged 19-21",
        "DfE, 2024",
        "Lancashire",
    )
    assert_titled_and_sourced(chart, "Care leavers 19-21 in EET", "DfE, 2024")
    ax = chart.figure.axes[0]
    assert ax.get_ylabel() == "% of care leavers aged 19-21"
    assert ax.get_xlabel() == "Year ending 31 March"
    # Each line is labelled directly at its end as well as in the legend.
    assert {"Lancashire", "England", "North West"} <= {t.get_text() for t in ax.texts}
    assert chart.alt_text == (
        "Line chart of Care leavers 19-21 in EET for Lancashire compared with England, "
        "North West from 2022 to 2024. In 2024: Lancashire 48.0%; England 56.0%; "
        "North West 54.0%."
    )


def test_benchmark_chart_draws_the_council_in_blue(benchmark_table):
    chart = benchmark_chart(benchmark_table, "t", "%", "s", "Lancashire")
    council_line = chart.figure.axes[0].get_lines()[0]
    assert council_line.get_label() == "Lancashire"
    assert council_line.get_color() == OKABE_ITO["blue"]


def test_benchmark_bar_chart_from_a_long_table(benchmark_table):
    long = (
        benchmark_table.rename_axis("year")
        .reset_index()
        .melt(id_vars="year", var_name="comparator", value_name="value")
    )
    chart = benchmark_chart(long, "EET", "% of care leavers", "DfE", "Lancashire", kind="bar")
    ax = chart.figure.axes[0]
    assert ax.get_xlabel() == "% of care leavers"
    assert [t.get_text() for t in tick_labels(ax, "y")] == ["Lancashire", "England", "North West"]
    assert "Bar chart of EET for Lancashire compared with England, North West for 2024." in (
        chart.alt_text
    )


def test_benchmark_chart_needs_the_council_series(benchmark_table):
    with pytest.raises(ValueError, match="Blackpool"):
        benchmark_chart(benchmark_table, "t", "%", "s", "Blackpool")


# --- breakdown bars ------------------------------------------------------------------------------


@pytest.fixture
def ethnic_gaps():
    # White 40/300 = 13.3%, Black 30/50 = 60%, Asian 3/20 (small count), Mixed 6/8 (small group).
    frame = pd.DataFrame(
        {
            "group": ["White", "Black", "Asian", "Mixed"],
            "numerator": [40, 30, 3, 6],
            "denominator": [300, 50, 20, 8],
        }
    )
    return group_gaps(frame)


def test_breakdown_bars_label_groups_and_intervals(ethnic_gaps):
    chart = breakdown_bars(
        ethnic_gaps,
        "3+ placements by ethnic group",
        "% with 3+ placements",
        "SSDA903",
        overall=19.0,
    )
    assert_titled_and_sourced(chart, "3+ placements by ethnic group", "SSDA903")
    ax = chart.figure.axes[0]
    assert ax.get_xlabel() == "% with 3+ placements"
    assert [t.get_text() for t in tick_labels(ax, "y")] == ["White", "Black", "Asian", "Mixed"]
    labels = {t.get_text() for t in ax.texts}
    assert "60.0% (n=50) *" in labels and "All: 19.0%" in labels
    assert "95% confidence intervals" in chart.footnote
    assert "Hatched bars: fewer than 10" in chart.footnote  # Mixed, n=8


def test_breakdown_alt_text_reports_rates_and_called_gaps(ethnic_gaps):
    chart = breakdown_bars(ethnic_gaps, "3+ placements", "%", "s")
    assert "Black 60.0% (95% interval" in chart.alt_text
    assert "Black higher than all other groups" in chart.alt_text


def test_breakdown_bars_leave_out_groups_with_small_counts(ethnic_gaps):
    # Asian 3 of 20 is a small count; Mixed 6 of 8 leaves 2 without: a small complement.
    chart = breakdown_bars(ethnic_gaps, "3+ placements", "%", "s", suppress=True)
    ax = chart.figure.axes[0]
    assert [t.get_text() for t in tick_labels(ax, "y")] == ["White", "Black"]
    assert "not shown, to protect privacy: Asian, Mixed." in chart.footnote
    assert not re.search(r"n=[1-5]\b", all_text(chart) + chart.alt_text)


def test_breakdown_bars_accept_plain_counts():
    frame = pd.DataFrame({"group": ["F", "M"], "numerator": [5, 5], "denominator": [10, 10]})
    chart = breakdown_bars(frame, "t", "%", "s")
    assert "F 50.0% (95% interval 23.7% to 76.3%, n=10)" in chart.alt_text


# --- team small multiples ------------------------------------------------------------------------


@pytest.fixture
def team_table():
    dates = pd.date_range("2023-06-30", periods=4, freq="QE")
    return pd.DataFrame(
        {
            "team": ["North"] * 4 + ["South"] * 4 + ["East"] * 4,
            "period_end": list(dates) * 3,
            "value": [18.0, 19.0, 20.0, 21.0, 15.0, 14.0, 16.0, 12.5, 17.0, 17.0, 18.0, 17.5],
        }
    )


def test_team_small_multiples_one_panel_per_team(team_table):
    overall = team_table.groupby("period_end")["value"].mean()
    chart = team_small_multiples(
        team_table,
        "Cases per FTE by team",
        "Cases per FTE",
        "Caseload snapshots",
        unit="ratio",
        overall=overall,
        ncols=2,
    )
    assert_titled_and_sourced(chart, "Cases per FTE by team", "Caseload snapshots")
    visible = [ax for ax in chart.figure.axes if ax.get_visible()]
    assert [ax.get_title(loc="left") for ax in visible] == ["East", "North", "South"]
    assert "Cases per FTE" in all_text(chart)
    assert "Quarter ending" in all_text(chart)
    assert "whole council" in chart.footnote
    assert chart.alt_text == (
        "Small multiples of Cases per FTE by team for 3 teams, Jun 2023 to Mar 2024. "
        "Latest: highest North 21.0, lowest South 12.5."
    )


def test_team_small_multiples_hide_small_counts(team_table):
    counts = team_table.assign(value=[8, 9, 3, 7, 6, 6, 6, 6, 10, 11, 12, 13])
    chart = team_small_multiples(
        counts, "Unallocated cases", "Cases", "s", unit="count", suppress=True
    )
    plotted = np.concatenate(
        [line.get_ydata() for ax in chart.figure.axes for line in ax.get_lines()]
    ).astype(float)
    assert 3.0 not in plotted
    assert "not shown, to protect privacy" in chart.footnote


# --- heatmap -------------------------------------------------------------------------------------


@pytest.fixture
def placement_pivot():
    return pd.DataFrame(
        [[3, 20, 14], [40, 2, 9], [0, 55, 12]],
        index=["Under 1", "1-4", "5-9"],
        columns=["Foster", "Residential", "Other"],
    )


def test_heatmap_carries_labels_and_values(placement_pivot):
    chart = heatmap(
        placement_pivot,
        "Children looked after by age and placement",
        "Placement group",
        "Age band",
        "SSDA903",
        unit="count",
    )
    assert_titled_and_sourced(chart, "Children looked after by age and placement", "SSDA903")
    ax = chart.figure.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Placement group", "Age band")
    cell_labels = [t.get_text() for t in ax.texts]
    assert "55" in cell_labels and "3" in cell_labels
    assert chart.figure.axes[1].get_ylabel() == "number"  # colour bar
    assert chart.alt_text == (
        "Heatmap of Children looked after by age and placement: 3 rows by 3 columns. "
        "Highest: 5-9, Residential 55. Lowest: 5-9, Foster 0."
    )


def test_heatmap_suppresses_small_counts(placement_pivot):
    chart = heatmap(placement_pivot, "t", "x", "y", "s", unit="count", suppress=True)
    cell_labels = [t.get_text() for t in chart.figure.axes[0].texts]
    assert cell_labels.count("c") == 2
    assert not {"2", "3"} & set(cell_labels)
    assert "2 cells withheld" in chart.alt_text


def test_heatmap_of_percentages_suppresses_by_their_counts(placement_pivot):
    shares = placement_pivot / placement_pivot.sum().sum() * 100
    chart = heatmap(shares, "t", "x", "y", "s", unit="pct", counts=placement_pivot, suppress=True)
    assert [t.get_text() for t in chart.figure.axes[0].texts].count("c") == 2


def _cells_drawn_both_ways(pivot, labels, column_names, row_names):
    """The SVG of a table's cells drawn by ``_draw_cells`` and by ``seaborn.heatmap``."""
    import seaborn as sns

    from csc_metrics.charts.heatmap import _draw_cells
    from csc_metrics.charts.render import figure_svg
    from csc_metrics.charts.style import new_axes

    ours, ours_ax = new_axes((8.0, 4.0))
    _draw_cells(ours_ax, pivot, labels, column_names, row_names, "number")
    theirs, theirs_ax = new_axes((8.0, 4.0))
    sns.heatmap(
        pivot,
        ax=theirs_ax,
        cmap="cividis",
        annot=labels if labels is not None else False,
        fmt="",
        annot_kws={"fontsize": 9},
        linewidths=0.5,
        linecolor="white",
        xticklabels=column_names,
        yticklabels=row_names,
        cbar_kws={"label": "number"},
    )
    return figure_svg(ours), figure_svg(theirs), ours_ax


def test_heatmap_cells_are_drawn_as_seaborn_draws_them(placement_pivot):
    # One blank cell (NaN), labels on the others: the same picture, byte for byte.
    shown = placement_pivot.astype(float).where(placement_pivot != 2)
    labels = placement_pivot.astype(str).to_numpy().astype(object)
    ours, theirs, _ = _cells_drawn_both_ways(shown, labels, list(shown.columns), list(shown.index))
    assert ours == theirs


def test_heatmap_column_names_that_would_overlap_turn_as_seaborn_turns_them():
    long_names = [f"A rather long case type name {i}" for i in range(8)]
    pivot = pd.DataFrame(np.arange(16.0).reshape(2, 8), index=["East", "West"], columns=long_names)
    ours, theirs, ax = _cells_drawn_both_ways(pivot, None, long_names, ["East", "West"])
    assert ours == theirs
    assert {label.get_rotation() for label in ax.get_xticklabels()} == {90.0}


def test_heatmap_short_column_names_stay_level_and_rows_run_top_down(placement_pivot):
    from csc_metrics.charts.heatmap import _draw_cells
    from csc_metrics.charts.style import new_axes

    _, ax = new_axes((8.0, 4.0))
    _draw_cells(ax, placement_pivot.astype(float), None, ["F", "R", "O"], ["a", "b", "c"], "n")
    assert {label.get_rotation() for label in ax.get_xticklabels()} == {0.0}
    # The first row at the top: the y axis runs from the number of rows down to 0.
    assert ax.get_ylim() == (3.0, 0.0)
    assert list(ax.get_xticks()) == [0.5, 1.5, 2.5]


def test_heatmap_labels_are_white_on_dark_cells_and_dark_on_light_ones(placement_pivot):
    chart = heatmap(placement_pivot, "t", "x", "y", "s", unit="count")
    colours = {t.get_text(): t.get_color() for t in chart.figure.axes[0].texts}
    # cividis runs from dark blue (0, the smallest) to yellow (55, the largest).
    assert colours["0"] == "w"
    assert colours["55"] == ".15"


@pytest.mark.slow  # starts a Python process, about 1.5 s
def test_drawing_a_heatmap_imports_neither_seaborn_nor_scipy():
    import subprocess
    import sys

    code = (
        "import sys, pandas as pd\n"
        "from csc_metrics.charts import heatmap\n"
        "heatmap(pd.DataFrame([[1, 2], [3, 4]], index=['a', 'b'], columns=['c', 'd']),"
        " 't', 'x', 'y', 's', unit='count')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('seaborn', 'scipy')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_charts_are_small_enough_for_a_report(spike_result, tmp_path):
    chart = spc_chart(spike_result, "t", "%", "s")
    path = tmp_path / "chart.png"
    chart.figure.savefig(path, dpi=chart.figure.dpi)
    # ~20 charts must stay well under 5 MB.
    assert path.stat().st_size < 150_000


def test_breakdown_bars_draw_a_group_with_none_of_five():
    # 0 of 5 used to give an interval starting just above 0%, and a negative error bar.
    rates = pd.DataFrame({"group": ["A", "B"], "numerator": [0, 3], "denominator": [5, 5]})
    chart = breakdown_bars(rates, "Share", "%", "Test")
    assert "A 0.0% (95% interval 0.0%" in chart.alt_text


def test_a_long_footnote_stays_below_the_axis_label():
    # Three lines of footnote under a bar chart: the reserved band must hold all three, or the
    # footnote runs into the x-axis label above it.
    rates = pd.DataFrame(
        {
            "group": list("ABCDEFGH"),
            "numerator": [1, 2, 3, 4, 5, 6, 7, 0],
            "denominator": [8, 9, 10, 11, 12, 13, 14, 5],
        }
    )
    chart = breakdown_bars(rates, "Share", "% of the group", "A long source " * 12)
    figure = chart.figure
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    footnote = next(t for t in figure.texts if t.get_gid() == "footnote")
    label = figure.axes[0].xaxis.label
    assert footnote.get_window_extent(renderer).y1 <= label.get_window_extent(renderer).y0


def test_breakdown_bars_with_every_group_suppressed_still_draw():
    # Both groups rest on 1 to 5: nothing is plotted, and the footnote says why.
    rates = pd.DataFrame({"group": ["A", "B"], "numerator": [1, 2], "denominator": [3, 4]})
    chart = breakdown_bars(rates, "Share", "%", "Test", suppress=True)
    assert "Groups counting 1 to 5 are not shown, to protect privacy: A, B." in chart.footnote


def test_a_grid_of_axes_copied_from_the_template_draws_as_one_made_afresh():
    from csc_metrics.charts.render import figure_svg
    from csc_metrics.charts.style import new_figure, new_subplots

    def draw(figure, grid):
        for number, ax in enumerate(grid.ravel()):
            ax.plot([0, 1, 2], [number, number + 3, number * 2])
        return figure_svg(figure)

    made = new_figure((8.0, 5.0))
    afresh = draw(made, made.subplots(2, 3, sharex=True, sharey=True, squeeze=False))
    figure, grid = new_subplots((8.0, 5.0), 2, 3, sharex=True, sharey=True)
    assert grid.shape == (2, 3)
    # Shared axes stay shared: one panel's limits are every panel's.
    assert grid[0, 0].get_shared_x_axes().joined(grid[0, 0], grid[1, 2])
    assert draw(figure, grid) == afresh
    # Each call is a figure of its own.
    assert new_subplots((8.0, 5.0), 2, 3, sharex=True, sharey=True)[0] is not figure


def test_a_grid_too_large_for_the_template_is_made_afresh(monkeypatch):
    # A national run's hundreds of team panels: pickling that figure exceeds the recursion limit.
    from csc_metrics.charts import style

    def no_template(*_args):
        raise AssertionError("a template was made for a large grid")

    monkeypatch.setattr(style, "_subplots_figure", no_template)
    rows = style.TEMPLATE_GRID_MAX_AXES // 2 + 1
    figure, grid = style.new_subplots((8.0, 30.0), rows, 2, sharex=True, sharey=True)
    assert grid.shape == (rows, 2) and len(figure.axes) == rows * 2
    assert grid[0, 0].get_shared_y_axes().joined(grid[0, 0], grid[-1, -1])


def test_a_grid_whose_template_cannot_be_pickled_is_made_afresh(monkeypatch):
    from csc_metrics.charts import style

    def too_deep(*_args):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(style, "_subplots_figure", too_deep)
    figure, grid = style.new_subplots((8.0, 5.0), 2, 3, sharex=True)
    assert grid.shape == (2, 3) and len(figure.axes) == 6
