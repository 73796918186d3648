"""charts.bars.barh draws what Axes.barh draws: the same bars, data limits and SVG."""

from __future__ import annotations

import numpy as np
import pytest

from csc_metrics.charts.bars import barh
from csc_metrics.charts.render import figure_svg
from csc_metrics.charts.style import new_axes

#: Lengths that exercise the limits: 0 (a bar with no width still has a height), a blank, a
#: tiny positive one (the smallest positive value matplotlib keeps for log scales), a large one.
LENGTHS = np.array([5.0, 60.0, 0.0, np.nan, 33.3, 12.1, 1e-9, 99.9, 45.0])


def _drawn(draw):
    figure, ax = new_axes()
    draw(ax)
    return figure, ax


@pytest.mark.parametrize(
    "kwargs",
    [
        {"color": "#0072B2", "height": 0.6},
        # Stacked on a left edge, hatched, with white edges, as the permanence stages are.
        {"left": np.linspace(0.3, 7.1, 9), "hatch": "//", "edgecolor": "white", "height": 0.55},
    ],
)
def test_bars_and_their_limits_are_those_of_axes_barh(kwargs):
    positions = np.arange(len(LENGTHS))[::-1] * 1.1 + 0.07  # not whole: rounding would show
    ours_figure, ours = _drawn(lambda ax: barh(ax, positions, LENGTHS, **kwargs))
    theirs_figure, theirs = _drawn(lambda ax: ax.barh(positions, LENGTHS, **kwargs))

    # To the last bit: the corners go through the same transforms as matplotlib's.
    assert ours.dataLim.get_points().tobytes() == theirs.dataLim.get_points().tobytes()
    assert ours.dataLim.minpos.tobytes() == theirs.dataLim.minpos.tobytes()
    assert ours.get_xlim() == theirs.get_xlim()
    assert ours.get_ylim() == theirs.get_ylim()
    assert figure_svg(ours_figure) == figure_svg(theirs_figure)


def test_limits_are_taken_in_only_afterwards_and_the_axes_method_is_put_back():
    _figure, ax = new_axes()
    barh(ax, [0, 1], [2.0, 3.0])
    # No attribute of the axes shadows its class' method once the bars are drawn.
    assert "_update_patch_limits" not in vars(ax)
    assert tuple(ax.dataLim.intervalx) == (0.0, 3.0)


def test_bars_with_no_length_and_no_height_leave_the_limits_alone():
    _figure, ax = new_axes()
    before = ax.dataLim.get_points().copy()
    barh(ax, [0.0], [0.0], height=0.0)  # matplotlib ignores such a rectangle too
    assert (ax.dataLim.get_points() == before).all()
