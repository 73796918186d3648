"""A chart legend's layout, worked out once: its boxes per dpi, its best place in one search.

Matplotlib lays a legend's boxes out again whenever the legend is measured or drawn, and finds
its best place (``loc="best"``) by trying each of nine places in turn against every line, point
and patch of the axes. A chart's legend does not change once it is drawn, so its boxes keep
their sizes per dpi (``remember_legend_layout``), and the nine places are tried together
(``best_position``, which a test holds equal to matplotlib's own search).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from matplotlib._path import count_bboxes_overlapping_bbox
from matplotlib.backend_bases import RendererBase
from matplotlib.legend import Legend
from matplotlib.offsetbox import DrawingArea, OffsetBox, PackerBase, PaddedBox, TextArea
from matplotlib.transforms import Bbox


def remember_legend_layout(legend: Legend) -> None:
    """Lay the legend's boxes out once per dpi instead of each time it is measured or drawn.

    A legend is a tree of boxes (rows of a marker and a text, packed in columns) that
    matplotlib lays out again, from every text's size, whenever the legend is measured or
    drawn: five or six times a chart. Its entries do not change once the chart is drawn, so
    each box keeps its size and its children's offsets for the renderer's dpi; where the legend
    stands (its offset in the axes) is still worked out every time.
    """
    boxes: list[Any] = [legend._legend_box]  # type: ignore[attr-defined]
    while boxes:
        box: Any = boxes.pop()
        boxes += [child for child in box.get_children() if isinstance(child, OffsetBox)]
        packs = isinstance(box, PackerBase | PaddedBox)
        sized = isinstance(box, TextArea | DrawingArea)
        # (Set through a name typed Any: mypy does not let a method be replaced.)
        same: Any = box
        if packs:
            same._get_bbox_and_child_offsets = _per_dpi(same._get_bbox_and_child_offsets)
        elif sized:
            same.get_bbox = _per_dpi(same.get_bbox)


def _per_dpi(compute: Any) -> Any:
    """``compute(renderer)`` remembered for each dpi (pixels to a point) it is asked at."""
    results: dict[Any, Any] = {}

    def remembered(renderer: RendererBase) -> Any:
        key = renderer.points_to_pixels(1.0)
        if key not in results:
            results[key] = compute(renderer)
        result = results[key]
        if isinstance(result, Bbox):
            return result.frozen()
        bbox, offsets = result
        return bbox.frozen(), list(offsets)

    return remembered


def fix_best_place(legend, renderer: RendererBase) -> None:
    """Find the legend's best place in its axes now, once, and keep it there.

    Finding it tests every line and point of the axes against each candidate place; left at
    "best", it would run again every time the figure is measured or drawn.
    """
    legend.set_loc("best")
    # (An instance attribute: the legend's own search, done as ``best_position`` does it.)
    legend._find_best_position = functools.partial(best_position, legend)
    try:
        box = legend._legend_box.get_window_extent(renderer)
    finally:
        del legend._find_best_position
    anchor = legend.get_bbox_to_anchor()
    legend.set_loc(((box.x0 - anchor.x0) / anchor.width, (box.y0 - anchor.y0) / anchor.height))


def best_position(
    legend: Legend, width: float, height: float, renderer: RendererBase
) -> tuple[float, float]:
    """Where matplotlib's ``Legend._find_best_position`` puts the legend, found at once.

    Matplotlib tries the nine places in its axes in turn, and for each counts the lines'
    vertices and the collections' points inside it, the patches and texts it overlaps and the
    lines that cross it, with a few numpy calls a line: a millisecond or two a chart. The same
    counts are made here for all nine places together (the vertices of every line in one
    array), and the least bad place kept, the first of equals, as matplotlib keeps it; the lines
    crossing a place are counted only while it can still be the least bad.
    """
    bboxes, lines, offsets = legend._auto_legend_data(renderer)  # type: ignore[attr-defined]
    anchor = legend.get_bbox_to_anchor()
    size = Bbox.from_bounds(0, 0, width, height)
    corners = [
        legend._get_anchored_bbox(code, size, anchor, renderer)  # type: ignore[attr-defined]
        for code in range(1, len(legend.codes))
    ]
    places = [Bbox.from_bounds(left, bottom, width, height) for left, bottom in corners]
    lows = np.array([place.min for place in places])[:, None, :]
    highs = np.array([place.max for place in places])[:, None, :]
    points = [line.vertices for line in lines if len(line.vertices)]
    if len(offsets):
        points.append(np.asarray(offsets))
    inside = np.zeros(len(places), dtype=int)
    if points:
        every = np.concatenate(points)[None, :, :]
        with np.errstate(invalid="ignore"):
            inside = ((lows < every) & (every < highs)).all(axis=2).sum(axis=1)
    # (As Bbox.count_overlaps passes them; the stubs say a sequence of boxes.)
    boxes: Any = np.atleast_3d([np.array(box) for box in bboxes]) if bboxes else None
    # A place's badness is at least its points and overlaps: the lines crossing it are counted
    # only for places that could still be the least bad, in the order of that bound, each
    # given up once it is worse than the best so far (the same place matplotlib keeps).
    bounds = [
        int(inside[n]) + (count_bboxes_overlapping_bbox(place, boxes) if boxes is not None else 0)
        for n, place in enumerate(places)
    ]
    best: tuple[int, int] | None = None
    for n in sorted(range(len(places)), key=lambda n: (bounds[n], n)):
        if best is not None and (bounds[n], n) > best:
            break
        badness = bounds[n]
        for line in lines:
            badness += int(line.intersects_bbox(places[n], filled=False))
            if best is not None and (badness, n) > best:
                break
        if best is None or (badness, n) < best:
            best = (badness, n)
    least = best[1] if best is not None else 0
    left, bottom = corners[least]
    return left, bottom
