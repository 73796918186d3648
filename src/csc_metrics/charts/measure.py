"""The boxes a chart's layout measures, worked out as matplotlib does but with fewer steps.

The one-pass layout (``render.fit_axes``) asks for the tight box of each axes (the axes and
everything drawn around it) and for the boxes of its texts after the axes move. Matplotlib's own
answers are general: every box is a ``Bbox`` merged with four numpy reductions per box, every
tick label transforms its own position, and an annotation checks three times whether its point
lies in the axes. The charts ask the same questions many times a chart, so the answers here take
the same steps in fewer calls:

- ``union``: the box around boxes from one numpy array (``Bbox.union`` takes the least and
  greatest corner with two numpy reductions for every box);
- ``text_corners``: the boxes of many texts that share a transform, their positions transformed
  together (``Text.get_window_extent`` transforms them one by one);
- ``annotation_extent`` and ``tight_box``: an annotation's box with its point checked once
  (``point_in_axes``: at once when it is clear of the axes' edge), and an axes' tight box
  (``Axes.get_tightbbox``) built from those.

Each gives the same numbers as matplotlib's own answer (the same float operations on the same
values, only grouped differently); tests hold them equal on the charts' kinds of axes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.patches import Rectangle
from matplotlib.text import Annotation, Text
from matplotlib.transforms import Bbox


def union(boxes: Sequence[Bbox]) -> Bbox:
    """``Bbox.union(boxes)``: the box from the least to the greatest of their corners.

    The same numbers (minima and maxima are exact, and a NaN spreads as in numpy's), from one
    array of every box's corners instead of four lists and reductions.
    """
    if not boxes:
        raise ValueError("union needs at least one box")
    corners = np.array([box.get_points() for box in boxes])
    return Bbox([corners.min(axis=(0, 1)), corners.max(axis=(0, 1))])


def text_corners(texts: Sequence[Text], renderer: RendererBase) -> np.ndarray:
    """Each text's window extent corners ``[[x0, y0], [x1, y1]]``, one ``(n, 2, 2)`` array.

    As ``Text.get_window_extent(renderer)`` works each out (the text's laid-out box moved to
    its transformed position, at the figure's dpi), but the positions of texts that share a
    transform are transformed in one call: a transform maps each row of an array as it maps
    that row alone. Every text must be visible and hold a string.
    """
    corners = np.empty((len(texts), 2, 2))
    shared: dict[int, tuple[Any, list[int]]] = {}
    positions = []
    for row, text in enumerate(texts):
        text._renderer = renderer  # type: ignore[attr-defined]  # as get_window_extent keeps it
        corners[row] = text._get_layout(renderer)[0].get_points()  # type: ignore[attr-defined]
        positions.append(text.get_unitless_position())
        transform = text.get_transform()
        shared.setdefault(id(transform), (transform, []))[1].append(row)
    for transform, rows in shared.values():
        placed = transform.transform(np.array([positions[row] for row in rows], dtype=float))
        corners[rows] += placed[:, None, :]
    return corners


#: How far (display units) from its axes' edge a point is known to be inside or outside the
#: axes without matplotlib's test: ``Axes.contains_point`` tests the point against the axes'
#: rectangle widened or narrowed by a contour of width 1 (half a unit, two at a mitred corner).
CLEAR_OF_EDGE = 4.0


def point_in_axes(ax: Axes, x: float, y: float) -> bool:
    """``ax.contains_point((x, y))`` (display units), at once for a point clear of the edge.

    A point more than ``CLEAR_OF_EDGE`` inside or outside the axes' box is inside or outside
    whatever the contour; a point nearer the edge, or an axes that is not a plain rectangle,
    is left to matplotlib.
    """
    patch = ax.patch
    rectangle = (
        type(patch) is Rectangle
        and Artist.get_transform(patch) is ax.transAxes
        and patch.get_xy() == (0, 0)
        and (patch.get_width(), patch.get_height(), patch.get_angle()) == (1, 1, 0)
    )
    if rectangle:  # the axes' box
        x0, y0, x1, y1 = ax.bbox.extents
        clear = CLEAR_OF_EDGE
        if x0 + clear < x < x1 - clear and y0 + clear < y < y1 - clear:
            return True
        if x < x0 - clear or x > x1 + clear or y < y0 - clear or y > y1 + clear:
            return False
    point: Any = (x, y)  # (the stubs say integers)
    return bool(ax.contains_point(point))


def _point_drawn(annotation: Annotation, renderer: RendererBase) -> bool:
    # Annotation._check_xy, its point tested by point_in_axes.
    clip, ax = annotation.get_annotation_clip(), annotation.axes
    if not isinstance(ax, Axes):
        return bool(annotation._check_xy(renderer))  # type: ignore[attr-defined]
    if clip or (clip is None and annotation.xycoords == "data"):
        x, y = annotation._get_position_xy(renderer)  # type: ignore[attr-defined]
        return point_in_axes(ax, x, y)
    return True


def annotation_extent(annotation: Annotation, renderer: RendererBase) -> Bbox:
    """``annotation.get_window_extent(renderer)``: its text's box, with its arrow's if it has one.

    ``Bbox.unit()`` when it is hidden or its point is not drawn (outside its axes).
    """
    if not annotation.get_visible() or not _point_drawn(annotation, renderer):
        return Bbox.unit()
    return _drawn_annotation_extent(annotation, renderer)


def _drawn_annotation_extent(annotation: Annotation, renderer: RendererBase) -> Bbox:
    # Annotation.get_window_extent once its point is known to be drawn.
    annotation._renderer = renderer  # type: ignore[attr-defined]
    annotation.update_positions(renderer)
    boxes = [Text.get_window_extent(annotation)]
    if annotation.arrow_patch is not None:
        boxes.append(annotation.arrow_patch.get_window_extent())
    return union(boxes)


def window_extent(artist: Artist, renderer: RendererBase) -> Bbox:
    """``artist.get_window_extent(renderer)``, an annotation's by ``annotation_extent``."""
    if type(artist) is Annotation:
        return annotation_extent(artist, renderer)
    return artist.get_window_extent(renderer)


def _annotation_tight_box(annotation: Annotation, renderer: RendererBase) -> Bbox | None:
    # Annotation.get_tightbbox: its point checked once, not three times.
    if annotation.get_clip_on():
        return annotation.get_tightbbox(renderer)
    if not _point_drawn(annotation, renderer):
        return Bbox.null()
    # Text.get_tightbbox
    if not annotation.get_visible() or annotation.get_text() == "":
        return Bbox.null()
    ax = annotation.axes
    if (
        ax
        and annotation.get_transform() == ax.transData
        and not ax._point_in_data_domain(*annotation.get_unitless_position())  # type: ignore[attr-defined]
    ):
        return Bbox.null()
    # Artist.get_tightbbox without a clip: the window extent.
    return _drawn_annotation_extent(annotation, renderer)


def standing(ax: Axes) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Where an axes stands: its box in the figure and its data limits (what moves its artists)."""
    return tuple(ax.bbox.bounds), tuple(ax.viewLim.bounds)


@dataclass
class Measured:
    """Tight boxes measured of some of an axes' artists, and where the axes stood then.

    Attributes:
        where: ``standing(ax)`` when they were measured.
        boxes: Each artist's tight box (``get_tightbbox``).
    """

    where: tuple[tuple[float, ...], tuple[float, ...]]
    boxes: dict[Artist, Bbox | None] = field(default_factory=dict)


def tight_box(
    ax: Axes, renderer: RendererBase, measured: Mapping[Axes, Measured] | None = None
) -> Bbox | None:
    """``ax.get_tightbbox(renderer)``: the axes with its axis labels, titles and other artists.

    The same steps as matplotlib's, in its order, but an annotation's point is checked once
    (``_annotation_tight_box``), an artist whose tight box is in ``measured`` is not measured
    again if its axes stands where it stood then, and the boxes are merged by ``union``. None
    when the axes is hidden.
    """
    if not ax.get_visible():
        return None
    locator: Any = ax.get_axes_locator()
    ax.apply_aspect(locator(ax, renderer) if locator else None)
    known = (measured or {}).get(ax)
    if known is not None and known.where != standing(ax):
        known = None  # (moved by its aspect)
    kept = known.boxes if known is not None else {}
    boxes: list[Bbox] = []
    for axis in ax._axis_map.values():
        if ax.axison and axis.get_visible():
            found = axis.get_tightbbox(renderer)
            if found:
                boxes.append(found)
    ax._update_title_position(renderer)  # type: ignore[attr-defined]
    boxes.append(ax.get_window_extent(renderer))
    for title in (ax.title, ax._left_title, ax._right_title):  # type: ignore[attr-defined]
        if title.get_visible():
            boxes.append(title.get_window_extent(renderer))
    for artist in ax.get_default_bbox_extra_artists():
        box: Any
        if artist in kept:
            box = kept[artist]
        elif type(artist) is Annotation:
            box = _annotation_tight_box(artist, renderer)
        else:
            box = artist.get_tightbbox(renderer)
        if box is not None and box._is_finite():
            boxes.append(box)
    return union([box for box in boxes if box.width != 0 or box.height != 0])
