"""The layout's boxes, measured with fewer steps, are the ones matplotlib's own calls give."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from csc_metrics.charts import (
    breakdown_bars,
    heatmap,
    measure,
    render,
    spc_chart,
    style,
    team_small_multiples,
)
from csc_metrics.charts.render import POINTS, AxisTicks, figure_svg, measuring_renderer
from csc_metrics.charts.style import finish, new_axes
from csc_metrics.spc import spc


@pytest.fixture
def compared(monkeypatch):
    """Each box the layout measures, beside matplotlib's answer at that moment.

    Ours is worked out first, as the layout works it out, then matplotlib's; a list of
    ``(what, ours, matplotlib's)``.
    """
    seen: list[tuple[str, Bbox | None, Bbox | None]] = []
    tight_box, window_extent = measure.tight_box, measure.window_extent
    ticks_box = AxisTicks.get_tightbbox

    def both_tight(ax, renderer, measured=None):
        # (With the boxes draw_ticks_once measured, when the layout hands them over.)
        ours = tight_box(ax, renderer, measured)
        seen.append(("axes", ours, ax.get_tightbbox(renderer)))
        return ours

    def both_extent(artist, renderer):
        ours = window_extent(artist, renderer)
        seen.append((type(artist).__name__, ours, artist.get_window_extent(renderer)))
        return ours

    def both_ticks(ticks, renderer=None):
        ours = ticks_box(ticks, renderer)
        boxes = [mark.get_window_extent(renderer) for mark in ticks._marks] + [
            label.get_window_extent(renderer)
            for label in ticks.labels
            if label.get_visible() and label.get_text()
        ]
        seen.append(("ticks", ours, Bbox.union(boxes) if boxes else None))
        return ours

    monkeypatch.setattr(measure, "tight_box", both_tight)
    monkeypatch.setattr(measure, "window_extent", both_extent)
    monkeypatch.setattr(AxisTicks, "get_tightbbox", both_ticks)
    return seen


def assert_all_equal(seen, *kinds):
    assert {what for what, _, _ in seen} >= {"axes", "ticks", *kinds}
    for what, ours, theirs in seen:
        if theirs is None:
            assert ours is None, what
        else:
            # Exactly: the same numbers, not nearly.
            assert ours.get_points().tolist() == theirs.get_points().tolist(), what


def test_a_date_axis_with_a_legend_and_labels_measures_as_matplotlib_does(compared):
    # An SPC chart: a date x axis, a percentage y axis, limit and target labels, a legend.
    values = pd.Series(
        [10.0, 12.0] * 5 + [10.0, 24.0],
        index=pd.date_range("2021-03-31", periods=12, freq="QE"),
    )
    spc_chart(spc(values, "lower", target=15.0), "Placements", "%", "Returns")
    assert_all_equal(compared, "Legend")


def test_bars_with_value_labels_measure_as_matplotlib_does(compared):
    # Horizontal bars with a long group name and labels written past the bars' ends.
    rates = pd.DataFrame(
        {
            "group": ["Accommodation: Ordinary lodgings, no formal support (K)", "B", "C"],
            "numerator": [5, 3, 0],
            "denominator": [5, 5, 4],
        }
    )
    breakdown_bars(rates, "Share", "% of the group", "Test")
    assert_all_equal(compared, "Annotation")


def test_a_heatmap_and_its_colour_bar_measure_as_matplotlib_does(compared):
    pivot = pd.DataFrame(
        [[3, 20, 14], [40, 2, 9], [0, 55, 12]],
        index=["Under 1", "1-4", "5-9"],
        columns=["Foster", "Residential", "Other"],
    )
    heatmap(pivot, "Placements", "Placement group", "Age", "Source", unit="count")
    assert_all_equal(compared)


def test_small_multiples_on_shared_axes_measure_as_matplotlib_does(compared):
    dates = pd.date_range("2023-06-30", periods=4, freq="QE")
    table = pd.DataFrame(
        {
            "team": ["North"] * 4 + ["South"] * 4 + ["East"] * 4,
            "period_end": list(dates) * 3,
            "value": [18.0, 19.0, 20.0, 21.0, 15.0, 14.0, 16.0, 12.5, 17.0, 17.0, 18.0, 17.5],
        }
    )
    team_small_multiples(table, "Cases per FTE", "Cases per FTE", "Snapshots", unit="ratio")
    assert_all_equal(compared)


def test_annotations_with_arrows_clips_and_points_outside_measure_as_matplotlib_does(compared):
    # An arrow's box, an annotation whose point lies outside the axes (not drawn, so no box),
    # one clipped to the axes and one in axes coordinates; a legend at its best place.
    figure, ax = new_axes()
    ax.plot([0, 1, 2, 3], [1, 3, 2, 5], label="Line")
    ax.annotate(
        "Peak",
        xy=(3, 5),
        xytext=(-40, -20),
        textcoords="offset points",
        arrowprops={"arrowstyle": "->"},
    )
    ax.annotate("Off the axes", xy=(9, 9), xytext=(5, 5), textcoords="offset points")
    clipped = ax.annotate("Clipped", xy=(1, 3), xytext=(4, 0), textcoords="offset points")
    ax.annotate("In the corner", xy=(1.0, 1.0), xycoords="axes fraction", ha="left")
    ax.text(3.2, 5, "Line end")
    ax.legend(loc="best")
    ax.set_xlim(0, 3)
    finish(figure, "Title", ["Source: test."])
    clipped.set_clip_on(True)
    renderer = measuring_renderer(figure)
    figure.dpi = POINTS
    compared.clear()
    measure.tight_box(ax, renderer)
    for text in ax.texts:
        measure.window_extent(text, renderer)
    assert_all_equal(compared, "Annotation", "Text")


def test_the_union_of_boxes_is_bbox_union():
    rng = np.random.default_rng(1)
    boxes = [Bbox.from_bounds(*rng.normal(size=4)) for _ in range(7)]  # some of negative size
    assert measure.union(boxes).get_points().tolist() == Bbox.union(boxes).get_points().tolist()
    with pytest.raises(ValueError):
        measure.union([])


def test_texts_sharing_a_transform_measure_as_each_alone():
    figure, ax = new_axes()
    texts = [ax.text(x, y, f"Label {x}", rotation=r) for x, y, r in ((0.1, 0.2, 0), (0.5, 0.9, 90))]
    texts.append(ax.text(0.3, 0.3, "In axes", transform=ax.transAxes))
    renderer = measuring_renderer(figure)
    figure.dpi = POINTS
    corners = measure.text_corners(texts, renderer)
    assert corners.tolist() == [t.get_window_extent(renderer).get_points().tolist() for t in texts]


def test_a_point_is_in_the_axes_as_matplotlib_finds_it():
    # Points across the axes' box and just either side of every edge and corner: inside or
    # outside as Axes.contains_point says (near an edge, it is asked).
    figure, ax = new_axes()
    figure.dpi = POINTS
    x0, y0, x1, y1 = ax.bbox.extents
    offsets = [-50.0, -4.5, -3.9, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.9, 4.5, 50.0]
    xs = [x0 + d for d in offsets] + [(x0 + x1) / 2] + [x1 + d for d in offsets]
    ys = [y0 + d for d in offsets] + [(y0 + y1) / 2] + [y1 + d for d in offsets]
    found = [[measure.point_in_axes(ax, x, y) for x in xs] for y in ys]
    assert found == [[bool(ax.contains_point((x, y))) for x in xs] for y in ys]
    assert found[len(ys) // 2][len(xs) // 2] and not found[0][0]


def test_tick_labels_copied_from_the_first_are_as_labels_made_afresh():
    # AxisTicks makes its first label with Text() and update_from, then copies it: each copy's
    # state is what Text() and update_from would give (its own font properties and listeners).
    figure, ax = new_axes()
    ax.plot([0, 1, 2], [3, 4, 5])
    template = ax.xaxis.majorTicks[0].label1
    ticks = AxisTicks(ax.xaxis, [0.0, 1.0, 2.0], ["Zero", "One", "Zero"])
    level = float(template.get_position()[1])
    assert len(ticks.labels) == 3  # the bottom labels only
    for tick, text, drawn in zip(
        [0.0, 1.0, 2.0], ["Zero", "One", "Zero"], ticks.labels, strict=True
    ):
        afresh = Text(text=text)
        afresh.update_from(template)
        afresh.set_rotation_mode(template.get_rotation_mode())
        afresh.set_position((tick, level))
        afresh.set_figure(figure)
        ours, theirs = vars(drawn), vars(afresh)
        assert ours.keys() == theirs.keys()
        assert ours["_fontproperties"] == theirs["_fontproperties"]
        assert ours["_callbacks"].callbacks == theirs["_callbacks"].callbacks == {}
        for name in ("_fontproperties", "_callbacks"):
            assert ours[name] is not vars(ticks.labels[0])[name] or drawn is ticks.labels[0]
        same = {k: v for k, v in ours.items() if k not in ("_fontproperties", "_callbacks")}
        assert same == {k: theirs[k] for k in same}


def test_tick_marks_and_grid_lines_are_as_lines_made_afresh():
    # AxisTicks' lines start from a copy of a blank line made once: each has the state that
    # Line2D([], []) and update_from give (own listeners, data and marker style).
    figure, ax = new_axes()
    ax.plot([0, 1, 2], [3, 4, 5])
    style.style_axes(ax, "x", "y")
    ax.tick_params(axis="x", length=6, width=2, color="red")
    for axis in (ax.xaxis, ax.yaxis):
        template = axis.majorTicks[0]
        ticks = AxisTicks(axis, [0.0, 1.0], ["a", "b"])
        for ours, model in zip(
            ticks._grid + ticks._marks,
            [template.gridline] * len(ticks._grid) + [template.tick1line, template.tick2line],
            strict=False,
        ):
            afresh = Line2D([], [])
            afresh.update_from(model)
            afresh.set_data(ours.get_data())
            afresh.set_figure(figure)
            mine, theirs = vars(ours), vars(afresh)
            assert mine.keys() == theirs.keys()
            assert mine["_callbacks"] is not theirs["_callbacks"]
            assert mine["_marker"] is not model._marker
            assert mine["_marker"].get_marker() == theirs["_marker"].get_marker()
            assert mine["_xorig"] is not theirs["_xorig"]
            for name, value in mine.items():
                if name in ("_callbacks", "_marker"):
                    continue
                assert (
                    np.array_equal(value, theirs[name], equal_nan=True)
                    if isinstance(value, np.ndarray)
                    else value == theirs[name]
                ), name


def _small_multiples():
    dates = pd.date_range("2023-06-30", periods=6, freq="QE")
    table = pd.DataFrame(
        {
            "team": [name for name in ("North", "South", "East", "West") for _ in dates],
            "period_end": list(dates) * 4,
            "value": np.arange(24, dtype=float) % 7 + 10.0,
        }
    )
    return team_small_multiples(table, "Cases", "Cases per FTE", "Snapshots", unit="ratio")


def test_shared_axes_have_their_ticks_located_and_limits_set_once(monkeypatch):
    # Four panels sharing x and y: each shared axis' ticks are worked out once (not per
    # panel), and the drawing is the one setting every panel's limits again gives.
    calls = []
    fixed_ticks = render._fixed_ticks

    def counted(axis, limits):
        calls.append(axis.axis_name)
        return fixed_ticks(axis, limits)

    monkeypatch.setattr(render, "_fixed_ticks", counted)
    once = figure_svg(_small_multiples().figure)
    assert sorted(calls) == ["x", "y"]
    monkeypatch.setattr(render, "_limited_already", lambda *args: False)
    assert figure_svg(_small_multiples().figure) == once
