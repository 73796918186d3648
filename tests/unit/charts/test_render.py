"""Charts out as SVG: text measured as FreeType measures it, kept as text, laid out inside."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.text import Text
from matplotlib.textpath import TextToPath

from csc_metrics.charts import breakdown_bars, legend_layout, spc_chart, style, svg_writer
from csc_metrics.charts.render import (
    POINTS,
    AxisTicks,
    figure_svg,
    measuring_renderer,
    text_extent,
    tick_labels,
)
from csc_metrics.charts.style import finish, new_axes, new_figure
from csc_metrics.spc import spc


def freetype(text: str, size: float = 10.0, weight: str = "normal") -> tuple[float, ...]:
    """What matplotlib's own measure (FreeType laying the string out) gives, in points."""
    return TextToPath().get_text_width_height_descent(
        text, FontProperties(size=size, weight=weight), False
    )


def ours(text: str, size: float = 10.0, weight: str = "normal") -> tuple[float, ...]:
    return text_extent(text, findfont(FontProperties(size=size, weight=weight)), size)


@pytest.mark.parametrize("text", ["20%", "1,412", "gjpqy", "100.0% (n=5)", "Quarter ending"])
def test_a_string_measures_as_freetype_measures_it(text):
    # No kerning pair in these strings: width, height and descent agree to a hundredth of a
    # point.
    assert ours(text) == pytest.approx(freetype(text), abs=0.02)


@pytest.mark.parametrize("text", ["AVAVA To", "Jun 2024", "Way of Life", "Tyne and Wear"])
def test_a_string_with_kerning_never_measures_narrower_than_it_draws(text):
    # Kerning pulls "AV" and "To" together; leaving it out can only overstate the width.
    width, height, descent = ours(text, 13.0, "bold")
    expected = freetype(text, 13.0, "bold")
    assert width >= expected[0] - 0.01
    assert (height, descent) == pytest.approx(expected[1:], abs=0.02)


def test_a_string_extending_the_last_one_measures_as_it_does_from_its_start():
    # Wrapping measures "Source:", "Source: DfE", ... each one word longer: each goes on from
    # the last; measured longest first, each is measured from its start. Both agree exactly.
    words = [
        "Source:",
        "DfE",
        "(2024),",
        "‘Children",
        "looked",
        "after’",
        "—",
        "AVAVA",
        "To",
        "gjpqy.",
    ]
    runs = [" ".join(words[:n]) for n in range(1, len(words) + 1)]
    path = findfont(FontProperties(size=9.0))
    text_extent.cache_clear()
    growing = [text_extent(run, path, 9.0) for run in runs]
    text_extent.cache_clear()
    shrinking = [text_extent(run, path, 9.0) for run in reversed(runs)][::-1]
    assert growing == shrinking
    assert text_extent("x", path, 10.0) == ours("x")  # another size is measured afresh


def test_an_empty_string_has_no_size():
    assert ours("") == (0.0, 0.0, 0.0)


@pytest.fixture
def chart():
    values = pd.Series(
        [10.0, 12.0] * 5 + [10.0, 24.0],
        index=pd.date_range("2021-03-31", periods=12, freq="QE"),
    )
    return spc_chart(spc(values, "lower", target=15.0), "Placements & moves", "%", "Returns")


def test_the_svg_keeps_every_label_as_text(chart):
    svg = figure_svg(chart.figure)
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "Placements &amp; moves" in texts  # the title, escaped
    assert "Quarter ending" in texts and "Special cause: concern" in texts
    assert "Target (15.0%)" in texts
    assert any(t.startswith("Source: Returns.") for t in texts)


def test_the_same_figure_gives_the_same_bytes_without_a_date_or_creator(chart):
    svg = figure_svg(chart.figure)
    assert svg == figure_svg(chart.figure)
    assert svg.startswith("<svg")
    assert "<metadata>" not in svg and "Matplotlib v" not in svg


def test_numbers_in_the_drawing_are_written_to_a_tenth_of_a_point(chart):
    tags = "".join(re.findall(r"<[^>]*>", figure_svg(chart.figure)))
    assert re.search(r"\d\.\d{2,}", tags) is None


@pytest.mark.parametrize("label", ["Rate 0.125 per child", "Rate 0.1 per child"])
def test_numbers_in_a_label_are_written_as_they_are(label):
    # Only numbers in tags are rounded, whether a label holds a long number or not.
    figure, ax = new_axes()
    ax.plot([0.123456, 1.0], [2.0, 3.0])
    ax.text(0.5, 2.5, label)
    finish(figure, "Title", ["Source: test."])
    svg = figure_svg(figure)
    assert label in re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert re.search(r"\d\.\d{2,}", "".join(re.findall(r"<[^>]*>", svg))) is None


def test_the_figure_keeps_its_dpi_and_facecolor(chart):
    chart.figure.set_facecolor("none")
    figure_svg(chart.figure)
    assert chart.figure.dpi == 100
    assert chart.figure.get_facecolor() == (0.0, 0.0, 0.0, 0.0)


def extents_in_points(figure):
    """Each axes' box with its decorations, the title's and the footnote's, in points."""
    renderer = measuring_renderer(figure)
    figure.dpi = POINTS
    footnote = next(t for t in figure.texts if t.get_gid() == "footnote")
    return (
        [ax.get_tightbbox(renderer) for ax in figure.axes],
        figure._suptitle.get_window_extent(renderer),
        footnote.get_window_extent(renderer),
    )


def test_a_bar_label_past_the_last_tick_stays_inside_the_figure():
    # 5 of 5 in a group with a long name: the label "100.0% (n=5)" sits past the 100% tick,
    # and the long name leaves the axes narrow; the label used to run off the figure's edge.
    rates = pd.DataFrame(
        {
            "group": ["Accommodation: Ordinary lodgings, no formal support (K)", "B"],
            "numerator": [5, 3],
            "denominator": [5, 5],
        }
    )
    figure = breakdown_bars(rates, "Share", "% of the group", "Test").figure
    width, _ = figure.get_size_inches() * POINTS
    labels = [t for t in figure.axes[0].texts if t.get_text().startswith("100.0%")]
    renderer = measuring_renderer(figure)
    figure.dpi = POINTS
    assert labels and all(t.get_window_extent(renderer).x1 <= width for t in labels)


def test_the_axes_and_their_labels_sit_between_the_title_and_the_footnote(chart):
    (axes,), title, footnote = extents_in_points(chart.figure)
    width, height = chart.figure.get_size_inches() * POINTS
    assert footnote.y1 <= axes.y0 and axes.y1 <= title.y0
    assert axes.x0 >= 0 and axes.x1 <= width and title.y1 <= height and footnote.y0 >= 0


def test_a_long_footnote_wraps_and_the_axes_make_room_for_it():
    figure = new_figure()
    figure.add_subplot().plot([1, 2], [3, 4])
    footnote = finish(figure, "Title", ["Source: a long source. " * 12])
    (axes,), _, box = extents_in_points(figure)
    assert footnote.startswith("Source: a long source.")
    assert box.height > 3 * 9  # three lines of 9 pt at least
    assert box.y1 <= axes.y0


def test_a_copied_axes_draws_as_a_new_one_does():
    # new_axes unpickles a template; the same drawing on add_subplot's axes gives the same SVG.
    made = new_figure((8.0, 3.0))
    made_ax = made.add_subplot()
    copied, copied_ax = new_axes((8.0, 3.0))
    for figure, ax in ((made, made_ax), (copied, copied_ax)):
        ax.plot([1, 2, 3], [4, 1, 3], label="Line")
        ax.legend(loc="best")
        finish(figure, "Title", ["Source: test."])
    assert figure_svg(copied) == figure_svg(made)


def test_a_figure_made_ahead_draws_as_a_new_one_does(monkeypatch):
    # make_figures_ahead fills the list new_axes takes from; the same drawing on a figure made
    # ahead and on one unpickled when asked for gives the same SVG, at any size.
    monkeypatch.setattr(style, "_made_ahead", [])
    style.make_figures_ahead(1)
    ahead, ahead_ax = new_axes((8.0, 3.0))
    assert style._made_ahead == []  # taken
    asked, asked_ax = new_axes((8.0, 3.0))
    for figure, ax in ((ahead, ahead_ax), (asked, asked_ax)):
        ax.plot([1, 2, 3], [4, 1, 3], label="Line")
        ax.legend(loc="best")
        finish(figure, "Title", ["Source: test."])
    assert ahead is not asked
    assert figure_svg(ahead) == figure_svg(asked)


@pytest.mark.parametrize("positions", [[2, 1, 0], [0.5, 3.5]])
def test_category_ticks_draw_as_set_ticks_does_without_a_tick_per_label(positions):
    labels = [f"Group {n}" for n in range(len(positions))]
    drawn = []
    for name_them in (
        lambda ax: ax.set_yticks(positions, labels),
        lambda ax: style.category_ticks(ax.yaxis, positions, labels),
    ):
        figure, ax = new_axes((8.0, 3.0))
        ax.barh([0, 1], [3, 4])  # the limits do not reach 3.5 until the ticks widen them
        name_them(ax)
        ticks_made = len(ax.yaxis.majorTicks)
        finish(figure, "Title", ["Source: test."])
        drawn.append(figure_svg(figure))
    assert drawn[1] == drawn[0]
    assert ticks_made == 1  # the first tick only, which every axis has


def test_category_ticks_need_a_label_for_each_position():
    _, ax = new_axes()
    with pytest.raises(ValueError, match="2 labels for 3 ticks"):
        style.category_ticks(ax.xaxis, [0, 1, 2], ["a", "b"])


def matplotlib_extent(text, renderer):
    """The text's box as matplotlib lays it out afresh, without the remembered layouts."""
    bbox, _, _ = svg_writer._matplotlib_layout(text, renderer)
    return bbox.translated(*text.get_transform().transform(text.get_position()))


def test_a_remembered_layout_is_the_one_matplotlib_works_out(chart):
    renderer = measuring_renderer(chart.figure)
    chart.figure.dpi = POINTS
    texts = [t for t in chart.figure.findobj(Text) if t.get_text()]
    assert len(texts) > 10  # title, wrapped footnote, tick labels, axis labels, legend
    for _ in range(2):  # worked out, then remembered
        for text in texts:
            assert (
                text.get_window_extent(renderer).bounds == matplotlib_extent(text, renderer).bounds
            )


def test_a_text_changed_after_it_was_measured_is_laid_out_again():
    figure, ax = new_axes()
    renderer = measuring_renderer(figure)
    figure.dpi = POINTS
    label = ax.text(0.5, 0.5, "Short", fontsize=10)
    first = label.get_window_extent(renderer)
    for change in (
        lambda: label.set_text("A much longer label"),
        lambda: label.set_fontsize(14),
        lambda: label.set_fontweight("bold"),
        lambda: label.set_rotation(90),
        lambda: label.set_ha("right"),
    ):
        change()
        assert label.get_window_extent(renderer).bounds == matplotlib_extent(label, renderer).bounds
    assert label.get_window_extent(renderer).bounds != first.bounds


@pytest.mark.parametrize("seed", range(24))
def test_the_legend_goes_where_matplotlib_would_put_it_best(seed):
    # Lines, points, bars and a text in random places: the legend's best place is the one
    # matplotlib's own search finds.
    rng = np.random.default_rng(seed)
    figure, ax = new_axes()
    for n in range(rng.integers(1, 4)):
        ax.plot(rng.random(12), rng.random(12), label=f"Line {n}")
    ax.scatter(rng.random(20), rng.random(20), label="Points")
    if seed % 2:
        ax.bar(rng.random(3), rng.random(3) / 2, width=0.1, label="Bars")
        ax.text(rng.random(), rng.random(), "A note")
    legend = ax.legend(loc="best")
    renderer = measuring_renderer(figure)
    figure.dpi = POINTS
    box = legend.get_window_extent(renderer)
    width, height = box.width, box.height
    assert legend_layout.best_position(legend, width, height, renderer) == pytest.approx(
        legend._find_best_position(width, height, renderer), abs=0
    )


def test_each_axis_draws_its_ticks_once_as_one_artist_with_every_label(chart):
    ax = chart.figure.axes[0]
    drawn = [a for a in ax.artists if isinstance(a, AxisTicks)]
    assert sorted(a.axis_name for a in drawn) == ["x", "y"]
    # matplotlib's own ticks are gone: nothing would be drawn twice.
    assert len(ax.xaxis.get_majorticklocs()) == len(ax.yaxis.get_majorticklocs()) == 0
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", figure_svg(chart.figure))
    labels = [t.get_text() for t in tick_labels(ax, "x") + tick_labels(ax, "y")]
    assert labels and all(label in texts for label in labels)
    assert any(label.endswith("%") for label in labels)


def test_the_x_axis_label_sits_its_labelpad_below_the_tick_labels(chart):
    # As matplotlib places it: the label's top labelpad (4 pt) under the lowest tick label.
    figure = chart.figure
    ax = figure.axes[0]
    renderer = measuring_renderer(figure)
    figure.dpi = POINTS
    lowest = min(t.get_window_extent(renderer).y0 for t in tick_labels(ax, "x"))
    label = ax.xaxis.label.get_window_extent(renderer)
    assert label.y1 == pytest.approx(lowest - ax.xaxis.labelpad, abs=0.05)
    leftmost = min(t.get_window_extent(renderer).x0 for t in tick_labels(ax, "y"))
    assert ax.yaxis.label.get_window_extent(renderer).x1 == pytest.approx(
        leftmost - ax.yaxis.labelpad, abs=0.05
    )


def test_the_installed_matplotlib_is_one_whose_text_layouts_are_kept():
    # A matplotlib outside LAYOUT_KEPT_FOR lays texts out as usual (correct, but charts cost
    # more): fail here so that an upgrade is checked with the layout tests above and added.
    import matplotlib

    assert tuple(matplotlib.__version_info__[:2]) in svg_writer.LAYOUT_KEPT_FOR
    assert Text._get_layout is svg_writer._remembered_layout
