"""The one-pass layout that makes room for a chart's labels, and its ticks drawn once.

What keeps a chart's layout cheap:

- The layout is one pass (``fit_axes``): each axes' decorations (tick labels, axis labels,
  titles, annotations, legends) are measured once and the axes moved so that all of them sit
  inside the band left between the title and the footnote. Matplotlib's constrained layout
  solved the same problem with two passes and a constraint solver, a third of a chart's cost.
- Tick positions and labels are worked out once (``freeze_ticks``), so drawing does not run the
  date locator again.
- A legend's best place is searched for all its candidate places at once
  (``legend_layout.best_position``).
- The boxes the layout measures (an axes' tight box, its tick labels', its annotations') are
  worked out as matplotlib works them out, in fewer steps (``charts.measure``), and the boxes
  measured to place the axis labels are not measured again to fit the axes.

The chart is measured and written as SVG, text kept as text, by ``charts.svg_writer``
(``figure_svg``, ``measuring_renderer``, ``text_extent``, ``warm_up``: imported here too, as
the layout and its callers use them).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import Any

import matplotlib
import matplotlib.artist
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backend_bases import RendererBase
from matplotlib.cbook import CallbackRegistry
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.ticker import FixedFormatter, FixedLocator, NullFormatter, NullLocator
from matplotlib.transforms import Bbox, ScaledTranslation

from csc_metrics.charts import legend_layout, measure
from csc_metrics.charts.svg_writer import (
    POINTS,
    ChartRenderer,
    figure_svg,
    measuring_renderer,
    text_extent,
    warm_up,
)

__all__ = [
    "PAD",
    "POINTS",
    "AxisTicks",
    "ChartRenderer",
    "draw_ticks_once",
    "figure_svg",
    "fit_axes",
    "freeze_ticks",
    "measuring_renderer",
    "text_extent",
    "tick_labels",
    "unclip_texts",
    "warm_up",
]

#: Space left between the decorations of an axes and the band they must fit in (points).
PAD = 4.0


def _fixed_ticks(axis: Axis, limits: tuple[float, float]) -> tuple[list[float], list[str]]:
    """The axis' tick positions inside ``limits`` and their labels, as drawing would give them."""
    low, high = sorted(limits)
    slack = 1e-9 * abs(high - low)
    ticks = [t for t in axis.get_majorticklocs() if low - slack <= t <= high + slack]
    formatter = axis.get_major_formatter()
    if isinstance(formatter, NullFormatter):
        return ticks, [""] * len(ticks)
    formatter.set_locs(ticks)
    return ticks, [formatter(t, i) for i, t in enumerate(ticks)]


def _axes_to_fix(axes: Iterable[Axes]) -> list[Axes]:
    return [ax for ax in axes if ax.get_visible() and ax.axison]


def freeze_ticks(axes: Iterable[Axes]) -> None:
    """Work out each axis' ticks and labels now, once, and keep them as they are.

    Drawing (and measuring) an axis runs its locator and formatter every time; a date locator
    costs a few milliseconds a call. The ticks the locator picks for the axes' current size
    and limits are kept as fixed positions with fixed labels. The limits are fixed too, so
    that nothing drawn afterwards moves them away from the ticks.
    """
    for ax in _axes_to_fix(axes):
        for axis, limits, set_limits in (
            (ax.xaxis, ax.get_xlim(), ax.set_xlim),
            (ax.yaxis, ax.get_ylim(), ax.set_ylim),
        ):
            ticks, labels = _fixed_ticks(axis, limits)
            axis.set_major_locator(FixedLocator(ticks))
            axis.set_major_formatter(FixedFormatter(labels))
            set_limits(limits)


class AxisTicks(Artist):
    """One axis' ticks, drawn as they are but as a few artists instead of five per tick.

    Matplotlib keeps a ``Tick`` for every tick of an axis (two tick lines, a grid line and two
    labels), made by copying the first one's properties, and places them again each time the
    axis is measured or drawn: most of a simple chart's cost. An ``AxisTicks`` is made once,
    from the axis' first tick (the one every other tick copies): the tick marks are one line of
    markers, the grid lines one line broken between ticks, and each label one text, each with
    the first tick's properties and transform, so everything lands where the axis would have
    drawn it. The axis itself keeps its label and spine and draws no ticks.

    Attributes:
        axis_name: ``x`` or ``y``.
        labels: The tick labels as drawn, in tick order (the first side's, then the second's).
    """

    def __init__(self, axis: Axis, ticks: list[float], labels: list[str]) -> None:
        super().__init__()
        self.axis_name: str = axis.axis_name  # type: ignore[attr-defined]
        template = axis.majorTicks[0]
        figure = axis.get_figure(root=False)
        self.set_figure(figure)  # type: ignore[arg-type]
        self.set_zorder(axis.get_zorder())
        self.set_clip_on(False)
        # Which coordinate the tick position sets: x for the x axis, y for the y axis.
        along = 0 if self.axis_name == "x" else 1
        self._grid: list[Line2D] = []
        self._marks: list[Line2D] = []
        if template.gridline.get_visible() and ticks:
            across = np.asarray(template.gridline.get_data()[1 - along], dtype=float)
            self._grid.append(
                self._line(
                    template.gridline,
                    np.repeat(ticks, len(across) + 1).reshape(-1, len(across) + 1),
                    np.tile(np.append(across, np.nan), (len(ticks), 1)),
                    along,
                )
            )
        for mark in (template.tick1line, template.tick2line):
            if mark.get_visible() and ticks:
                across = np.asarray(mark.get_data()[1 - along], dtype=float)[:1]
                self._marks.append(
                    self._line(mark, np.asarray(ticks), np.repeat(across, len(ticks)), along)
                )
        # How far (points) the tick marks reach out from the spine, as matplotlib counts it.
        out = {"out": 1.0, "in": 0.0}.get(template._tickdir, 0.5)  # type: ignore[attr-defined]
        self.mark_reach = {
            side: template._size * out if mark.get_visible() else 0.0  # type: ignore[attr-defined]
            for side, mark in zip(
                ("bottom", "top") if along == 0 else ("left", "right"),
                (template.tick1line, template.tick2line),
                strict=True,
            )
        }
        self.labels: list[Text] = []
        for label in (template.label1, template.label2):
            if not label.get_visible():
                continue
            level = float(label.get_position()[1 - along])
            first: Text | None = None
            for tick, text in zip(ticks, labels, strict=True):
                if first is None:
                    drawn = first = Text(text=text)
                    drawn.update_from(label)
                    drawn.set_rotation_mode(label.get_rotation_mode())
                else:
                    drawn = _copy_text(first)
                    drawn.set_text(text)
                drawn.set_position((tick, level) if along == 0 else (level, tick))
                drawn.set_figure(figure)  # type: ignore[arg-type]
                self.labels.append(drawn)

    def _line(self, template: Line2D, ticks: np.ndarray, across: np.ndarray, along: int) -> Line2D:
        line = _new_line()
        line.update_from(template)
        ticks, across = ticks.ravel(), across.ravel()
        line.set_data((ticks, across) if along == 0 else (across, ticks))
        line.set_figure(self.get_figure(root=False))  # type: ignore[arg-type]
        return line

    def get_children(self) -> list[Artist]:
        """The grid and tick lines, then the labels."""
        return [*self._grid, *self._marks, *self.labels]

    def get_window_extent(self, renderer: RendererBase | None = None) -> Bbox:
        """The box around the tick marks and the labels (the grid lies inside the axes).

        An empty box (``Bbox.null()``) when the axis has no tick.
        """
        box = self.get_tightbbox(renderer)
        return Bbox.null() if box is None else box

    def get_tightbbox(self, renderer: RendererBase | None = None) -> Bbox | None:
        """The box around the tick marks and the labels, or None when there are none.

        The labels' boxes are those ``Text.get_window_extent`` gives, worked out together
        (``measure.text_corners``).
        """
        boxes = [mark.get_window_extent(renderer) for mark in self._marks]
        shown = [label for label in self.labels if label.get_visible() and label.get_text()]
        if shown and renderer is not None:
            boxes += [Bbox(corners) for corners in measure.text_corners(shown, renderer)]
        else:
            boxes += [label.get_window_extent(renderer) for label in shown]
        return measure.union(boxes) if boxes else None

    @matplotlib.artist.allow_rasterization
    def draw(self, renderer: RendererBase) -> None:
        """Draw the grid, the tick marks and the labels, in that order, as the axis would."""
        if not self.get_visible():
            return
        for artist in self.get_children():
            artist.draw(renderer)
        self.stale = False


#: The settings a new ``Line2D`` takes its defaults from (``_new_line``).
_LINE_SETTINGS = sorted(
    key for key in matplotlib.rcParams if key.startswith(("lines.", "markers.", "path."))
)
#: A ``Line2D([], [])`` made once, and the settings it was made under.
_blank_line: list[Any] = [None, None]


def _new_line() -> Line2D:
    """A new empty ``Line2D``, as ``Line2D([], [])`` makes it, copied from one made once.

    Making a line works out every default from the settings (about 0.1 ms, two to five lines a
    chart); a copy of a blank line made under the same settings has the same state, with its
    own listeners and data lists. It shares the blank's marker style until ``update_from`` gives
    it its own, as ``_line`` does at once (a test holds such lines equal to lines made afresh).
    """
    # (Read as a dict: RcParams' own lookup checks each key for deprecation first.)
    settings = [dict.__getitem__(matplotlib.rcParams, key) for key in _LINE_SETTINGS]
    blank, made_under = _blank_line
    if blank is None or made_under != settings:
        blank = Line2D([], [])
        _blank_line[:] = [blank, settings]
    line = Line2D.__new__(Line2D)
    line.__dict__.update(blank.__dict__)
    line._callbacks = CallbackRegistry(signals=["pchanged"])  # type: ignore[attr-defined]
    line._xorig, line._yorig = [], []  # type: ignore[attr-defined]
    return line


def _copy_text(text: Text) -> Text:
    """A new ``Text`` with the properties of ``text``, as ``Text()`` and ``update_from`` make it.

    Each tick label is a ``Text`` with the first one's properties; making one afresh works out
    every default again (``Text.__init__``), about a tenth of a chart's layout. The copy has its
    own font properties (``update_from`` copies them too) and listeners (none), and shares
    nothing else that changes in place; a test holds its state equal to a label made afresh.
    """
    copied = Text.__new__(Text)
    copied.__dict__.update(text.__dict__)
    copied._callbacks = CallbackRegistry(signals=["pchanged"])  # type: ignore[attr-defined]
    copied._fontproperties = text.get_fontproperties().copy()  # type: ignore[attr-defined]
    return copied


def _side_reach(
    axis: Axis, ticks: AxisTicks, renderer: RendererBase, measured: dict[Axes, measure.Measured]
) -> float:
    """How far (points) the axis' ticks, labels and spine reach out on its label's side.

    The boxes measured are kept in ``measured`` (the ticks' and the spine's tight boxes).
    """
    ax = axis.axes
    box = ax.get_window_extent(renderer)
    where = measure.standing(ax)
    if ax not in measured or measured[ax].where != where:
        measured[ax] = measure.Measured(where)
    kept = measured[ax].boxes
    side = axis.get_label_position()
    spine = ax.spines.get(side)
    if spine is not None:
        boxes = [spine.get_window_extent(renderer)]
        if not spine.get_clip_on() or (
            spine.get_clip_box() is None and spine.get_clip_path() is None
        ):
            kept[spine] = boxes[0]  # unclipped, so its tight box too
    else:
        boxes = [box]
    outer = kept[ticks] = ticks.get_tightbbox(renderer)
    if outer is not None:
        boxes.append(outer)
    union = measure.union(boxes)
    reach = {
        "bottom": box.y0 - union.y0,
        "top": union.y1 - box.y1,
        "left": box.x0 - union.x0,
        "right": union.x1 - box.x1,
    }[side]
    return max(reach, ticks.mark_reach[side])


def draw_ticks_once(figure: Figure, renderer: RendererBase) -> dict[Axes, measure.Measured]:
    """Fix every axis' ticks now and draw them as an ``AxisTicks`` instead of matplotlib's ticks.

    The ticks and limits are fixed as ``freeze_ticks`` fixes them. An axis with a minor
    locator keeps matplotlib's ticks. Each axis label is placed as matplotlib places it,
    ``labelpad`` beyond its ticks' labels; that distance does not change when the axes move,
    so it is fixed now, in points from the axes' edge. Shared axes share a locator, so every
    axis' ticks are worked out before any locator is replaced. The figure's dpi must be ``POINTS``.

    Returns:
        The tight boxes measured to place the axis labels (of ``AxisTicks`` and spines), for
        ``fit_axes`` to use while nothing has moved.
    """
    found = []
    # Shared axes share one locator and formatter, which read the first axis' limits: their
    # ticks are worked out once (a grid of small multiples ran the date locator per panel).
    located: dict[tuple, tuple[list[float], list[str]]] = {}
    for ax in _axes_to_fix(figure.axes):
        for axis, limits, set_limits in (
            (ax.xaxis, ax.get_xlim(), ax.set_xlim),
            (ax.yaxis, ax.get_ylim(), ax.set_ylim),
        ):
            key = (id(axis.get_major_locator()), id(axis.get_major_formatter()), limits)
            if key not in located:
                located[key] = _fixed_ticks(axis, limits)
            ticks, labels = located[key]
            # (Asking for the minor ticks' places would run the major locator again.)
            simple = axis.get_visible() and isinstance(axis.get_minor_locator(), NullLocator)
            drawn = AxisTicks(axis, ticks, labels) if simple else None
            found.append((axis, limits, set_limits, ticks, labels, drawn))
    limited: list[tuple[Axis, tuple[float, float]]] = []
    for axis, limits, set_limits, ticks, labels, drawn in found:
        if drawn is None:
            axis.set_major_locator(FixedLocator(ticks))
            axis.set_major_formatter(FixedFormatter(labels))
        else:
            axis.axes.add_artist(drawn)
            drawn.set_clip_path(None)
            drawn.set_clip_on(False)
            axis.set_major_locator(NullLocator())
            axis.set_major_formatter(NullFormatter())
        if not _limited_already(axis, limits, limited):
            set_limits(limits)
            limited.append((axis, limits))
    measured: dict[Axes, measure.Measured] = {}
    for axis, _, _, _, _, drawn in found:
        # matplotlib has no public getter for whether the label is placed automatically.
        if drawn is not None and getattr(axis, "_autolabelpos", False):
            _fix_label_place(axis, drawn, renderer, measured)
    return measured


def _limited_already(
    axis: Axis, limits: tuple[float, float], limited: list[tuple[Axis, tuple[float, float]]]
) -> bool:
    """Whether an axis shared with ``axis`` has had its limits set to ``limits`` already.

    Setting a shared axis' limits sets every axis it is shared with (its listeners told, its
    autoscaling turned off), so setting the same limits on another of them changes nothing.
    """
    ax = axis.axes
    shared = ax.get_shared_x_axes() if axis is ax.xaxis else ax.get_shared_y_axes()
    return any(
        done == limits and other.axis_name == axis.axis_name and shared.joined(ax, other.axes)  # type: ignore[attr-defined]
        for other, done in limited
    )


def _fix_label_place(
    axis: Axis, ticks: AxisTicks, renderer: RendererBase, measured: dict[Axes, measure.Measured]
) -> None:
    reach = (_side_reach(axis, ticks, renderer, measured) + axis.labelpad) / POINTS
    ax, figure = axis.axes, axis.get_figure(root=False)
    if figure is None:
        return
    side = axis.get_label_position()
    x, y = axis.label.get_position()
    shift = {
        "bottom": (0.0, -reach),
        "top": (0.0, reach),
        "left": (-reach, 0.0),
        "right": (reach, 0.0),
    }[side]
    at = {"bottom": (x, 0.0), "top": (x, 1.0), "left": (0.0, y), "right": (1.0, y)}[side]
    axis.set_label_coords(
        *at, transform=ax.transAxes + ScaledTranslation(*shift, figure.dpi_scale_trans)
    )


def tick_labels(ax: Axes, axis_name: str) -> list[Text]:
    """The tick labels drawn on one axis of ``ax`` (``x`` or ``y``), in tick order."""
    drawn = [a for a in ax.artists if isinstance(a, AxisTicks) and a.axis_name == axis_name]
    if drawn:
        return drawn[0].labels
    axis = ax.xaxis if axis_name == "x" else ax.yaxis
    return list(axis.get_ticklabels())


def unclip_texts(axes: Iterable[Axes]) -> None:
    """Let every text of the axes (annotations, bar and line-end labels) run past the axes' edge.

    Matplotlib clips an axes' texts to the axes patch, but the Agg canvas the charts were drawn
    on before ignored that clip for text, and the charts rely on it: a bar's label may sit beyond
    the last tick and a line's name beyond the last point. SVG honours the clip, so it is
    turned off; ``fit_axes`` then makes room for these texts inside the figure.
    """
    for ax in axes:
        for text in ax.texts:
            text.set_clip_on(False)


@contextlib.contextmanager
def at_points(figure: Figure) -> Iterator[None]:
    """The figure at ``POINTS`` dpi inside the block, its own dpi again after it.

    Left alone when it is already at ``POINTS``: setting the dpi, even to the same value, makes
    every transform of the figure again.
    """
    dpi = figure.dpi
    if dpi != POINTS:
        figure.dpi = POINTS
    try:
        yield
    finally:
        if figure.dpi != dpi:
            figure.dpi = dpi


def fit_axes(
    figure: Figure,
    rect: tuple[float, float, float, float],
    measured: dict[Axes, measure.Measured] | None = None,
    renderer: ChartRenderer | None = None,
) -> None:
    """Move the figure's axes so that they and everything around them fit in ``rect``.

    The decorations of every visible axes (tick labels, axis labels, titles, annotations,
    legends, a colour bar's labels) are measured once where the axes stand; the axes, taken
    together, are then stretched or shrunk so that the box around all of them and their
    decorations fills ``rect`` with ``PAD`` to spare. Axes keep their places relative to each
    other (a colour bar stays beside its heatmap). Texts placed at data points (a bar's label,
    a line's name) and legends placed relative to the axes move with them, so only those are
    measured again, up to twice, and the axes moved in further if they now stick out.
    Figure-level texts (title, footnote, a figure's y label) are outside ``rect``.

    Args:
        figure: The figure, with everything drawn on it and its ticks frozen.
        rect: ``(left, bottom, right, top)`` in figure fractions.
        measured: Tight boxes of artists measured at 72 dpi (``draw_ticks_once``'s), not
            measured again while their axes stands where it stood then.
        renderer: The figure's ``measuring_renderer``, if the caller has one.
    """
    axes = [ax for ax in figure.axes if ax.get_visible()]
    if not axes:
        return
    if renderer is None:
        renderer = measuring_renderer(figure)
    width, height = figure.get_size_inches() * POINTS
    band = Bbox.from_extents(rect[0] * width, rect[1] * height, rect[2] * width, rect[3] * height)
    movable: list[Artist] = [text for ax in axes for text in ax.texts if text.get_visible()]
    movable += [
        legend
        for legend in (ax.get_legend() for ax in axes)
        if legend is not None and legend.get_visible()
    ]
    # A legend at loc="best" stays inside its axes wherever it goes: while the axes' outside is
    # measured it stands in one corner, and its best place is found once the axes are placed.
    best = [
        legend
        for legend in (ax.get_legend() for ax in axes)
        # matplotlib has no public getter for a legend's loc; 0 is "best".
        if legend is not None and legend._get_loc() == 0  # type: ignore[attr-defined]
    ]
    for legend in best:
        legend.set_loc("upper right")
    for shown in (ax.get_legend() for ax in axes):
        if shown is not None:
            legend_layout.remember_legend_layout(shown)
    with at_points(figure):  # window extents in points, as the SVG is drawn
        boxes = measure.union([ax.get_position() for ax in axes])
        extents = [measure.tight_box(ax, renderer, measured) for ax in axes]
        tight = measure.union([box for box in extents if box is not None])
        # How far the decorations reach beyond the axes' boxes on each side (points).
        reach = [
            max(0.0, boxes.x0 * width - tight.x0),
            max(0.0, boxes.y0 * height - tight.y0),
            max(0.0, tight.x1 - boxes.x1 * width),
            max(0.0, tight.y1 - boxes.y1 * height),
        ]
        for _ in range(3):
            target = Bbox.from_extents(
                band.x0 + reach[0] + PAD,
                band.y0 + reach[1] + PAD,
                band.x1 - reach[2] - PAD,
                band.y1 - reach[3] - PAD,
            )
            if target.width <= 0 or target.height <= 0:
                return
            _place(axes, boxes, target, width, height)
            boxes = measure.union([ax.get_position() for ax in axes])
            for legend in best:
                legend_layout.fix_best_place(legend, renderer)
            best = []
            if not movable:
                break
            moved = measure.union([measure.window_extent(artist, renderer) for artist in movable])
            beyond = [
                band.x0 + PAD - moved.x0,
                band.y0 + PAD - moved.y0,
                moved.x1 - (band.x1 - PAD),
                moved.y1 - (band.y1 - PAD),
            ]
            if max(beyond) <= 0.5:
                break
            reach = [r + max(0.0, b) for r, b in zip(reach, beyond, strict=True)]


def _place(axes: list[Axes], boxes: Bbox, target: Bbox, width: float, height: float) -> None:
    """Map the axes' positions from the box around them onto ``target``.

    ``boxes`` is in figure fractions, ``target`` in points.
    """
    for ax in axes:
        position = ax.get_position()
        ax.set_position(
            Bbox.from_extents(
                (target.x0 + (position.x0 - boxes.x0) / boxes.width * target.width) / width,
                (target.y0 + (position.y0 - boxes.y0) / boxes.height * target.height) / height,
                (target.x0 + (position.x1 - boxes.x0) / boxes.width * target.width) / width,
                (target.y0 + (position.y1 - boxes.y0) / boxes.height * target.height) / height,
            )
        )
