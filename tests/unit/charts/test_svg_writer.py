"""The SVG writer's cheaper pieces write the same bytes as matplotlib's writer and rounding.

``ChartRenderer`` (with ``_fast`` on, as under the checked matplotlib versions) rounds numbers
as it writes them, remembers style strings and writes markers and texts in one piece; with
``_fast`` off it is matplotlib's ``RendererSVG`` followed by the rounding of every number in a
tag. Both must give the same document.
"""

from __future__ import annotations

import io
import re

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib import _path
from matplotlib.backends.backend_svg import _short_float_fmt, _XMLWriter
from matplotlib.path import Path
from matplotlib.text import Text
from matplotlib.transforms import Affine2D

from csc_metrics.charts import breakdown_bars, heatmap, spc_chart, svg_writer
from csc_metrics.charts.style import finish, new_axes
from csc_metrics.charts.svg_writer import (
    ChartRenderer,
    _round_numbers,
    _round_path_data,
    _round_tags,
    _rounded,
    _Writer,
    figure_svg,
)
from csc_metrics.gaps import group_gaps
from csc_metrics.spc import spc


def test_the_installed_matplotlib_is_one_the_cheaper_writer_was_checked_on():
    # Under another version the charts are written by matplotlib's own writer (correct, but
    # slower): fail here so that an upgrade is checked with the tests below and added.
    assert tuple(matplotlib.__version_info__[:2]) in svg_writer.WRITER_CHECKED_FOR
    assert ChartRenderer._fast
    assert Text.draw is svg_writer._text_draw
    assert Path.get_extents is svg_writer._remembered_extents


def test_rounding_writes_a_number_to_a_tenth_only_when_it_has_two_decimals_or_more():
    assert _round_numbers("M 12.3456 7 L 12.04 -0.04 L 12.5 12") == "M 12.3 7 L 12.0 -0.0 L 12.5 12"
    assert _round_numbers("font-size: 8.5px; opacity: 0.15") == "font-size: 8.5px; opacity: 0.1"


@pytest.mark.parametrize(
    "value",
    [0.0, -0.0, 12.0, 12.5, 12.04, 12.05, 12.25, 12.35, -0.04, -0.05, 1e-7, -1e-7, 0.15,
     459.04999999, 511.19999999999993, 1234567.891, -3.3, 2.0 / 3.0, float("nan")],
)  # fmt: skip
def test_a_number_is_written_as_matplotlib_writes_it_then_rounded(value):
    # _short_float_fmt("%f", trailing zeros cut), then the document's rounding: 12.04 ->
    # "12.04" -> "12.0"; 12.5 stays "12.5"; -0.04 -> "-0.0"; 1e-7 -> "0.0000001" -> "0.0".
    assert _rounded(value) == _round_numbers(_short_float_fmt(value))
    assert _rounded(value) == _round_numbers(_short_float_fmt(value))  # and when remembered


def test_a_negative_zero_is_written_apart_from_zero_after_either_was_remembered():
    assert (_rounded(0.0), _rounded(-0.0), _rounded(0.0)) == ("0", "-0", "0")


def test_a_path_is_written_as_matplotlibs_converter_writes_it_rounded():
    # A closed square and a cubic curve under a scale and shift: matplotlib writes
    # "M 13.58025 ..." to six places; each number with two decimals or more goes to one.
    path = Path(
        [(0.1234, 0.5), (1.98765, 0.5), (1.98765, 2.25), (0, 0), (0.3, 0.3), (0.6, 0.9), (1, 1)],
        [Path.MOVETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY, Path.CURVE4, Path.CURVE4,
         Path.CURVE4],
    )  # fmt: skip
    transform = Affine2D().scale(11.0, -7.3).translate(12.222, 400.05)
    codes = [b"M", b"L", b"Q", b"C", b"z"]
    data = _path.convert_to_string(path, transform, None, False, None, 6, codes, False).decode()
    assert re.search(r"\d\.\d\d", data)  # numbers to round
    assert _round_path_data(data) == _round_numbers(data)
    assert _round_path_data(data) == _round_path_data(data)  # remembered words
    assert _round_path_data(data).startswith("M 13.6 396.4 \nL 34.1 396.4 \n")


def calls(writer):
    """The same calls on either writer, as the renderer makes them."""
    top = writer.start("svg", width="10pt", attrib={"xmlns:xlink": "x"})
    writer.start("defs")
    writer.element("style", type="text/css", text="*{a: b}")
    writer.end("defs")
    writer.start("g", id="figure_1")
    writer.element("path", d="M 0 0 L 1 1", style="")  # an empty value is left out
    writer.start("g")
    writer.end("g")  # an empty group closes itself
    writer.element("text", "A & <b>", style="font-family: 'DejaVu Sans'")
    writer.element("text", "", style="fill: red")  # no text: an empty element
    writer.element("text", 'say "hi"', title='it\'s "quoted"')
    writer.comment("a -- comment")
    writer.start("text")
    writer.data("one ")
    writer.data("two")
    writer.end("text", indent=False)
    writer.close(top)


def test_the_lean_xml_writer_writes_what_matplotlibs_writes():
    ours, theirs = io.StringIO(), io.StringIO()
    calls(_Writer(ours.write, []))
    calls(_XMLWriter(theirs))
    assert ours.getvalue() == theirs.getvalue()


def test_whole_elements_are_written_as_element_writes_them():
    ours, theirs = io.StringIO(), io.StringIO()
    mine, matplotlibs = _Writer(ours.write, []), _XMLWriter(theirs)
    for writer in (mine, matplotlibs):
        writer.start("svg")
        writer.start("g", id="a")
    mine.leaf("path", ' d="M 0 0"')
    matplotlibs.element("path", d="M 0 0")
    mine.leaf_with_text("text", ' x="1"', "a < b")
    matplotlibs.element("text", "a < b", x="1")
    mine.leaf_with_text("text", ' x="2"', "")
    matplotlibs.element("text", "", x="2")
    mine.leaves(['<use x="1"/>\n', '<use x="2"/>\n'])
    for x in ("1", "2"):
        matplotlibs.element("use", x=x)
    mine.leaves([])
    for writer in (mine, matplotlibs):
        writer.start("g")
    mine.leaves([])  # nothing written: the group still closes itself
    for writer in (mine, matplotlibs):
        writer.end("g")
        writer.close(0)
    assert ours.getvalue() == theirs.getvalue()


def document(tags_and_text: str) -> str:
    return '<svg width="576pt" height="478.08pt">\n' + tags_and_text


def full_pass(text: str) -> str:
    """The rounding of every tag as figure_svg did it over the whole document."""
    pieces, start = [], 0
    for content in svg_writer._TEXT_NUMBER.finditer(text):
        pieces += [_round_numbers(text[start : content.start()]), content.group()]
        start = content.end()
    pieces.append(_round_numbers(text[start:]))
    return "".join(pieces)


@pytest.mark.parametrize(
    "body",
    [
        ' <text x="1.5" y="2">Rate 0.125 per child</text>\n</svg>\n',  # a number in a label only
        ' <text x="1.25" y="2">Rate 0.125</text>\n</svg>\n',  # and one in a tag
        ' <path d="M 0.33 1 "/>\n <text>2.66</text>\n</svg>\n',
        " <text>no numbers</text>\n</svg>\n",
    ],
)
def test_the_documents_tags_are_rounded_as_the_whole_pass_rounds_them(body):
    assert _round_tags(document(body)) == full_pass(document(body))


@pytest.fixture(params=["spc", "bars", "heatmap", "scatter and texts"])
def figure(request):
    if request.param == "spc":
        values = pd.Series(
            [10.0, 12.0] * 5 + [10.0, 24.0],
            index=pd.date_range("2021-03-31", periods=12, freq="QE"),
        )
        return spc_chart(spc(values, "lower", target=15.0), "Placements", "%", "Returns").figure
    if request.param == "bars":
        frame = pd.DataFrame(
            {
                "group": ["White", "Black", "Asian", "Mixed"],
                "numerator": [40, 30, 3, 6],
                "denominator": [300, 50, 20, 8],
            }
        )
        return breakdown_bars(group_gaps(frame), "3+ placements", "%", "s", overall=19.0).figure
    if request.param == "heatmap":
        table = pd.DataFrame(
            [[3, 20, 14], [40, 2, 9], [0, 55, 12]],
            index=["Under 1", "1-4", "5-9"],
            columns=["Foster", "Residential", "Other"],
        )
        return heatmap(table, "Children", "Placement", "Age", "SSDA903", unit="count").figure
    # Many points of one marker (drawn as one shape used again), texts rotated, anchored,
    # on two lines, half transparent and clipped, a dashed line and a filled area.
    figure, ax = new_axes()
    rng = np.random.default_rng(7)
    ax.scatter(rng.random(40), rng.random(40), s=20, label="Points")
    ax.plot([0, 0.5, 1], [0.1, 0.7, 0.4], linestyle="--", marker="s", label="Line")
    ax.fill_between([0, 1], [0.0, 0.2], [0.3, 0.5], alpha=0.3)
    ax.text(0.2, 0.8, "Rotated 0.125", rotation=30, rotation_mode="anchor")
    ax.text(0.4, 0.6, "Vertical", rotation=90, ha="right")
    ax.text(0.1, 0.1, "Two\nlines", alpha=0.5, clip_on=True)
    ax.annotate("Peak", (0.5, 0.7), xytext=(0.6, 0.9), arrowprops={"arrowstyle": "->"})
    ax.legend(loc="lower right")
    finish(figure, "Scatter", ["Source: test."])
    return figure


def test_the_chart_is_written_as_matplotlibs_writer_writes_it(figure, monkeypatch):
    ours = figure_svg(figure)
    monkeypatch.setattr(ChartRenderer, "_fast", False)
    assert ours == figure_svg(figure)


def test_a_curved_paths_box_is_the_one_matplotlib_works_out():
    circle = Path.unit_circle().transformed(Affine2D().scale(3.3))
    for transform in (None, Affine2D().scale(2.5).translate(1, -2), Affine2D().rotate(0.3)):
        expected = svg_writer._matplotlib_extents(circle, transform).get_points()
        for _ in range(2):  # worked out, then remembered
            box = circle.get_extents(transform)
            assert box.get_points().tolist() == expected.tolist()
        box.set_points(np.zeros((2, 2)))  # a box handed out is the caller's own
        assert circle.get_extents(transform).get_points().tolist() == expected.tolist()
