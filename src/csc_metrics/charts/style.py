"""What every chart shares: the palette, sizes, the ``Chart`` result, and how text is laid out.

Figures are created without pyplot, so a notebook shows only what ``display.show_figure`` emits.
Values in labels and alt text are written by ``formatting.format_value``, dates by
``dates.format_date``.
"""

from __future__ import annotations

import functools
import pickle
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FixedLocator, FuncFormatter

from csc_metrics.charts import render
from csc_metrics.dates import format_date
from csc_metrics.formatting import format_cell, format_value
from csc_metrics.settings import Settings

#: Every label is plain text: a ``$`` in a team name or a title is a dollar sign, never TeX
#: (matplotlib would parse ``$...$`` as mathtext and fail the whole chart on bad TeX). Set once,
#: here, where every chart module gets its figure tools from.
matplotlib.rcParams["text.parse_math"] = False
matplotlib.rcParams["text.usetex"] = False

#: The Okabe-Ito palette (Okabe and Ito 2008), safe for the common forms of colour blindness.
OKABE_ITO: dict[str, str] = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "bluish_green": "#009E73",
    "reddish_purple": "#CC79A7",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "black": "#000000",
    "yellow": "#F0E442",
}
#: Series colours in order of use (yellow last: it is faint on white).
SERIES_COLOURS: list[str] = list(OKABE_ITO.values())
SERIES_MARKERS: list[str] = ["o", "s", "^", "D", "v", "P", "X", "*"]
SERIES_LINESTYLES: list[str] = ["-", "--", "-.", ":"]

#: Making Data Count point classes: the NHS colour meanings (grey, blue, orange, purple) in
#: colour-blind-safe shades, each with its own marker shape.
SPC_POINT_STYLES: dict[str, dict[str, str]] = {
    "common_cause": {"color": "#757575", "marker": "o", "label": "Common cause"},
    "special_cause_improvement": {
        "color": OKABE_ITO["blue"],
        "marker": "s",
        "label": "Special cause: improvement",
    },
    "special_cause_concern": {
        "color": OKABE_ITO["vermillion"],
        "marker": "X",
        "label": "Special cause: concern",
    },
    "special_cause_neutral": {
        "color": "#490092",
        "marker": "D",
        "label": "Special cause (neither better nor worse)",
    },
}
LIMIT_COLOUR = "#404040"
TEXT_COLOUR = "#1a1a1a"

FIGSIZE = (8.0, 4.5)
TITLE_SIZE = 13
LABEL_SIZE = 11
TICK_SIZE = 10
FOOTNOTE_SIZE = 9

#: How a chart writes a missing figure in alt text and labels.
NO_VALUE = "no value"


@dataclass
class Chart:
    """A finished chart.

    Attributes:
        figure: The matplotlib figure.
        title: Its title (also drawn on the figure).
        alt_text: A description of what the chart shows, written from the data.
        footnote: The source and notes line drawn under the chart.
        is_empty: The chart has nothing to show (no data, no variation): the reports give its
            ``footnote`` as a sentence instead of a picture of one.
        series: The trends the chart is about, as ``indicator_id`` (the whole service) or
            ``indicator_id[group]`` with ``@quarter ends`` or ``@31 March``: written into the
            page (``data-series``, separated by ``|``), so a test can check that no trend is
            drawn twice on one page. A comparator
            drawn for reference (England, the service's dashed line) is not one of them.
    """

    figure: Figure
    title: str
    alt_text: str
    footnote: str
    is_empty: bool = False
    series: tuple[str, ...] = ()


def new_figure(figsize: tuple[float, float] = FIGSIZE) -> Figure:
    """A white figure, made without pyplot; ``finish`` lays it out once it is drawn on."""
    figure = Figure(figsize=figsize, dpi=100)
    figure.set_facecolor("white")
    return figure


@functools.cache
def _one_axes_figure() -> bytes:
    """A white figure with one axes, as ``new_figure`` and ``add_subplot`` make it, pickled."""
    figure = new_figure()
    figure.add_subplot()
    return pickle.dumps(figure)


#: How many one-axes figures ``make_figures_ahead`` makes: as many as a report draws (the
#: caseloads report draws ten charts, nine of them on one axes).
FIGURES_AHEAD = 10

#: One-axes figures made ahead (``make_figures_ahead``), taken by ``new_axes`` first.
_made_ahead: list[Figure] = []


def make_figures_ahead(count: int = FIGURES_AHEAD) -> None:
    """Make ``count`` one-axes figures now, for ``new_axes`` to hand out later.

    The run's kernel server calls this before it forks the report kernels
    (``views.preload.warm_up``): each kernel inherits the figures, so a report's chart starts
    from a figure made once for the whole run instead of making its own (3 to 6 ms a chart).
    Each figure is a copy of the same template as ``new_axes`` makes, so a chart is drawn the
    same either way.
    """
    template = _one_axes_figure()
    _made_ahead.extend(pickle.loads(template) for _ in range(count - len(_made_ahead)))


def new_axes(figsize: tuple[float, float] = FIGSIZE) -> tuple[Figure, Axes]:
    """A white figure with one axes, as ``new_figure(figsize).add_subplot()`` makes it.

    Making an axes builds its two axes, four spines, three titles and first ticks from the
    settings, about 7 ms; a copy of one made once for the process (unpickled) takes under 3,
    and one made ahead (``make_figures_ahead``) nothing. The axes' place is a fraction of the
    figure, so a copy is resized, not made again.
    """
    figure = _made_ahead.pop() if _made_ahead else pickle.loads(_one_axes_figure())
    if tuple(figsize) != FIGSIZE:
        figure.set_size_inches(figsize)
    return figure, figure.axes[0]


#: The largest grid copied from a template. Pickling a figure walks its shared axes
#: recursively: a national run's hundreds of team panels exceed Python's recursion limit, and a
#: grid that large costs its drawing far more than its making anyway.
TEMPLATE_GRID_MAX_AXES = 36


@functools.cache
def _subplots_figure(
    figsize: tuple[float, float], rows: int, columns: int, sharex: bool, sharey: bool
) -> bytes:
    """A white figure with a grid of axes, as ``new_figure`` and ``subplots`` make it, pickled."""
    figure = new_figure(figsize)
    figure.subplots(rows, columns, sharex=sharex, sharey=sharey, squeeze=False)
    return pickle.dumps(figure)


def new_subplots(
    figsize: tuple[float, float],
    rows: int,
    columns: int,
    *,
    sharex: bool = False,
    sharey: bool = False,
) -> tuple[Figure, np.ndarray]:
    """A white figure with a ``rows`` by ``columns`` grid of axes (a 2-D array of them).

    As ``new_figure(figsize).subplots(rows, columns, squeeze=False, ...)`` makes it, but a
    copy of one made once for the process: a grid of small multiples made afresh costs about
    20 ms an axes (22 teams' panels, half a second), a copy a fraction of that. A grid of more
    than ``TEMPLATE_GRID_MAX_AXES``, or one that cannot be copied, is made afresh.
    """
    if rows * columns <= TEMPLATE_GRID_MAX_AXES:
        try:
            template = _subplots_figure(
                (float(figsize[0]), float(figsize[1])), rows, columns, sharex, sharey
            )
        except RecursionError:
            template = None
        if template is not None:
            figure = pickle.loads(template)
            return figure, np.array(figure.axes, dtype=object).reshape(rows, columns)
    figure = new_figure(figsize)
    grid = figure.subplots(rows, columns, sharex=sharex, sharey=sharey, squeeze=False)
    return figure, grid


def finish(figure: Figure, title: str, notes: Sequence[str]) -> str:
    """Draw the title and the footnote, and lay the figure out around them (``render``).

    The title is written at the top left and the footnote at the bottom left, wrapped to the
    figure's width. The axes are then fitted, in one pass, into the band between them:
    every tick label, axis label, annotation and legend inside the figure, none on the title
    or the footnote (``render.fit_axes``). Ticks are fixed as they are now
    (``render.freeze_ticks``), so call this after everything is drawn.

    Returns:
        The footnote as one line of text (the notes joined by spaces).
    """
    suptitle = figure.suptitle(
        title,
        x=0.01,
        y=0.99,
        ha="left",
        va="top",
        fontsize=TITLE_SIZE,
        fontweight="bold",
        color=TEXT_COLOUR,
    )
    footnote = " ".join(n.strip() for n in notes if n and n.strip())
    text = figure.text(
        0.01,
        0.01,
        footnote,
        ha="left",
        va="bottom",
        fontsize=FOOTNOTE_SIZE,
        color=TEXT_COLOUR,
        wrap=True,
        gid="footnote",
    )
    lay_out(figure, [suptitle], [text])
    return footnote


def lay_out(figure: Figure, above: Sequence[Text], below: Sequence[Text]) -> None:
    """Fit the axes between figure texts at the top (``above``) and bottom (``below``).

    A figure-level y label (``supylabel``) is kept clear of on the left.
    """
    render.unclip_texts(figure.axes)
    width, height = figure.get_size_inches() * render.POINTS
    renderer = render.measuring_renderer(figure)
    with render.at_points(figure):
        measured = render.draw_ticks_once(figure, renderer)
        top = min((t.get_window_extent(renderer).y0 for t in above if t.get_text()), default=height)
        bottom = max((t.get_window_extent(renderer).y1 for t in below if t.get_text()), default=0)
        # matplotlib keeps the figure's y label here; there is no getter.
        supylabel = figure._supylabel  # type: ignore[attr-defined]
        left = supylabel.get_window_extent(renderer).x1 if supylabel is not None else 0.0
        gap = render.PAD
        render.fit_axes(
            figure,
            ((left + gap) / width, (bottom + gap) / height, 1.0, (top - gap) / height),
            measured,
            renderer,
        )


def style_axes(ax, x_label: str, y_label: str) -> None:
    """Label the axes and give them the reports' look: no top or right spine, a light grid."""
    ax.set_xlabel(x_label, fontsize=LABEL_SIZE, color=TEXT_COLOUR)
    ax.set_ylabel(y_label, fontsize=LABEL_SIZE, color=TEXT_COLOUR)
    ax.tick_params(labelsize=TICK_SIZE, colors=TEXT_COLOUR)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color="#e0e0e0", linewidth=0.8)
    ax.set_axisbelow(True)


def category_ticks(
    axis: Axis, positions: Sequence[float] | np.ndarray, labels: Sequence[str]
) -> None:
    """Name ``positions`` on ``axis`` with ``labels``, as ``axis.set_ticks(positions, labels)``.

    The same ticks, labels and limits (widened to take in every position), without the
    ``Tick`` matplotlib makes for each label (a tick line, a grid line and two texts, about a
    millisecond each): the charts draw their ticks as ``render.AxisTicks``, which needs none of
    them. For an axis shared with no other axes.
    """
    ticks = axis.convert_units(positions)
    locs = np.asarray(ticks)  # as the locator keeps them
    if len(labels) != len(locs):
        raise ValueError(f"{len(labels)} labels for {len(locs)} ticks")
    if len(locs):
        axis.set_view_interval(min(ticks), max(ticks))
    axis.set_major_locator(FixedLocator(ticks))
    named = dict(zip(locs, labels, strict=True))
    axis.set_major_formatter(FuncFormatter(lambda value, _pos: named.get(value, "")))


def unit_formatter(unit: str) -> FuncFormatter:
    """Tick labels in a unit (``20%``, ``17.5``)."""
    # A tick at a whole number is written whole, whatever the unit's decimals.
    return FuncFormatter(
        lambda v, _pos: format_value(v, unit, decimals=0 if float(v).is_integer() else 1)
    )


def cap_percent_axis(ax, unit: str, axis: str = "y") -> None:
    """Stop a percentage axis at 0% and 100%: a share never goes past them.

    Process limits and labels can reach beyond, and matplotlib's margins add a little more;
    the axis is cut at the bounds, so no tick reads 110% or -10%.

    Args:
        ax: The axes, with everything drawn.
        unit: The values' unit; only ``pct`` is capped.
        axis: ``y`` or ``x``: the value axis.
    """
    if unit != "pct":
        return
    get, set_ = (ax.get_ylim, ax.set_ylim) if axis == "y" else (ax.get_xlim, ax.set_xlim)
    low, high = get()
    set_(max(low, 0.0), min(high, 100.0))


def spread_labels(values: Sequence[float], min_gap: float) -> list[float]:
    """Positions for labels at ``values`` moved apart so that no two are closer than ``min_gap``.

    Used for the names written at the end of each line: "England" and "North West" at 69% and
    68% would print over each other. Labels keep their order; a cluster is spread evenly around
    where it was.

    Args:
        values: Where each label would sit (data units).
        min_gap: The least distance between two labels (data units).

    Returns:
        The new positions, in the order of ``values``.
    """
    order = np.argsort(np.asarray(values, dtype=float), kind="stable")
    wanted = np.asarray(values, dtype=float)[order]
    placed = wanted.copy()
    for _ in range(len(placed) + 1):
        # Stack each label at least min_gap above the one below it ...
        for i in range(1, len(placed)):
            placed[i] = max(placed[i], placed[i - 1] + min_gap)
        # ... then centre each stacked cluster on where its labels wanted to be.
        starts = [
            0,
            *(i for i in range(1, len(placed)) if placed[i] - placed[i - 1] > min_gap + 1e-9),
        ]
        ends = [*starts[1:], len(placed)]
        for start, end in zip(starts, ends, strict=True):
            placed[start:end] -= (placed[start:end] - wanted[start:end]).mean()
        if np.all(np.diff(placed) >= min_gap - 1e-9):
            break
    result = np.empty_like(placed)
    result[order] = placed
    return [float(v) for v in result]


def date_axis(ax, maxticks: int = 8) -> None:
    """A date x axis with 3 to ``maxticks`` ticks, labelled by month (``Jun 2024``)."""
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=maxticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: month_label(mdates.num2date(v))))


def value_label(value: float | None, unit: str) -> str:
    """A figure in alt text and labels: ``48.2%``, ``65.3``, ``1,412``, or ``no value``."""
    return format_value(value, unit, blank=NO_VALUE)


def month_label(date: pd.Timestamp) -> str:
    """A date as a chart writes it: ``Jun 2024``."""
    return format_date(date, "month")


def category_label(value: object) -> str:
    """A period or category label: dates as ``Jun 2024``, years without a thousands comma."""
    if isinstance(value, pd.Timestamp | np.datetime64):
        return month_label(value)
    if isinstance(value, int | np.integer):
        return str(value)
    return format_cell(value)


def suppressed_note(settings: Settings, what: str) -> str:
    """The footnote saying what a chart leaves out to protect privacy."""
    return f"{what} counting 1 to {settings.suppression_max} are not shown, to protect privacy."
