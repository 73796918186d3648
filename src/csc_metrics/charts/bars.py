"""Horizontal bars as ``Axes.barh`` draws them, with their data limits taken in at once.

``Axes.barh`` adds each bar with ``add_patch``, which takes the bar's corners into the axes'
data limits by walking its outline as Bezier curves and looking for their extrema (about a
millisecond a bar, so 5 to 16 ms for a chart's bars). A bar's outline is its four corners,
so ``barh`` here adds the same bars without that walk and takes every bar's corners into the
limits at the end, transformed exactly as matplotlib transforms them: the same bars, the same
limits to the last bit (a test checks both against ``Axes.barh``), the same SVG.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.container import BarContainer

#: The corners of the unit square a ``Rectangle``'s outline is drawn from.
_UNIT_CORNERS = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])


def _limits_later(_patch: Any) -> None:
    """Stands in for ``Axes._update_patch_limits`` while ``barh`` adds its bars."""


def barh(ax: Axes, y: Any, width: Any, **kwargs: Any) -> BarContainer:
    """``ax.barh(y, width, **kwargs)``, with the bars' data limits taken in at once.

    Args:
        ax: A rectilinear axes.
        y: The bars' positions.
        width: Their lengths.
        **kwargs: As ``Axes.barh`` takes them (``color``, ``height``...).

    Returns:
        The bars, as ``Axes.barh`` returns them.
    """
    # An attribute of this axes alone, removed again below: the class' method is untouched.
    ax._update_patch_limits = _limits_later  # type: ignore[attr-defined]
    try:
        bars = ax.barh(y, width, **kwargs)
    finally:
        del ax._update_patch_limits  # type: ignore[attr-defined]
    _take_in_limits(ax, bars.patches)
    return bars


def _take_in_limits(ax: Axes, patches: list[Any]) -> None:
    """What ``Axes._update_patch_limits`` does for each rectangle, for all of them at once.

    A rectangle with neither width nor height is left out, as matplotlib leaves it out.
    """
    shown = [p for p in patches if p.get_width() or p.get_height()]
    if not shown:
        return
    # Every bar is drawn in data coordinates, so they all update the same directions.
    update_x, update_y = shown[0].get_transform().contains_branch_seperately(ax.transData)
    if not (update_x or update_y):
        return
    # A patch's transform is its own (the unit square to data) followed by the axes' data
    # transform, so ``get_transform() - transData``, what matplotlib takes the corners
    # through, is the patch's own.
    corners = np.vstack([p.get_patch_transform().transform(_UNIT_CORNERS) for p in shown])
    ax.update_datalim(corners, updatex=update_x, updatey=update_y)
