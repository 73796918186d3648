"""A heatmap of a table of counts or rates (teams by case type, rules by year).

The cells are drawn with matplotlib directly, as ``seaborn.heatmap`` draws them (the same
artists, in the same order, so the same picture), without importing seaborn: seaborn imports
scipy's statistics on import, about a second of CPU in every process that draws a chart, and
the heatmap was the reports' only use of it.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba_array

from csc_metrics.catalogue import unit_format
from csc_metrics.charts.bars import barh
from csc_metrics.charts.style import (
    OKABE_ITO,
    TEXT_COLOUR,
    Chart,
    cap_percent_axis,
    category_label,
    category_ticks,
    finish,
    new_axes,
    style_axes,
    unit_formatter,
    value_label,
)
from csc_metrics.formatting import format_value
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.suppression import is_small_count


def heatmap(
    pivot: pd.DataFrame,
    title: str,
    x_label: str,
    y_label: str,
    source: str,
    unit: str = "pct",
    colour_label: str | None = None,
    counts: pd.DataFrame | None = None,
    annotate: bool = True,
    suppress: bool = False,
    settings: Settings = DEFAULT_SETTINGS,
) -> Chart:
    """A heatmap of a pivot table (e.g. placement type by age band), with values written in.

    Uses the cividis colour map, readable with colour-vision deficiency and in greyscale; every
    cell is also labelled with its value, so colour is not the only cue.

    Args:
        pivot: Values with row and column labels.
        title: Chart title.
        x_label: Label of the columns axis.
        y_label: Label of the rows axis.
        source: Source line.
        unit: Unit of the values.
        colour_label: Label of the colour bar (default: the unit).
        counts: Counts behind each cell (same shape) when the values are percentages; with
            ``suppress`` a cell whose count is small is blanked and labelled ``c``.
        annotate: Write each value in its cell.
        suppress: Blank cells holding (or resting on) counts from 1 to
            ``settings.suppression_max``.
        settings: Settings.

    Returns:
        The chart.
    """
    values = pivot.apply(pd.to_numeric, errors="coerce")
    hidden = np.zeros(values.shape, dtype=bool)
    if suppress:
        basis = (
            counts.reindex_like(values)
            if counts is not None
            else (values if unit == "count" else None)
        )
        if basis is not None:
            hidden = is_small_count(basis.to_numpy(dtype=float).ravel(), settings).reshape(
                values.shape
            )
    labels = np.vectorize(lambda v: format_value(v, unit))(values.to_numpy(dtype=float)).astype(
        object
    )
    labels[hidden] = "c"
    if len(values) == 1:
        # One row has no second dimension to map: a bar per column reads at a glance.
        return _one_row_bars(values, labels[0], hidden[0], (title, x_label, unit, source), settings)
    height = max(3.5, 1.6 + 0.42 * len(values))
    figure, ax = new_axes((8.0, height))
    column_names = [category_label(c) for c in values.columns]
    row_names = [category_label(r) for r in values.index]
    _draw_cells(
        ax,
        values.where(~hidden),
        labels if annotate else None,
        column_names,
        row_names,
        colour_label or unit_format(unit).axis_label,
    )
    ax.set_facecolor("#d9d9d9")
    if annotate:
        # Blank cells carry no value label, so their "c" is written here.
        for row, column in zip(*np.nonzero(hidden), strict=True):
            ax.text(
                column + 0.5,
                row + 0.5,
                "c",
                ha="center",
                va="center",
                fontsize=10,
                color=TEXT_COLOUR,
                fontweight="bold",
            )
    style_axes(ax, x_label, y_label)
    ax.grid(False)
    notes = [f"Source: {source}."]
    if hidden.any():
        notes.append(
            f"c (grey cells): resting on 1 to {settings.suppression_max}, not shown to "
            "protect privacy."
        )
    footnote = finish(figure, title, notes)
    return Chart(figure, title, _heatmap_alt_text(values, hidden, title, unit), footnote)


#: Relative luminance above which a cell's label is written dark, else white (as seaborn).
_DARK_LABEL_ABOVE = 0.408


def _draw_cells(
    ax: Axes,
    shown: pd.DataFrame,
    labels: np.ndarray | None,
    column_names: list[str],
    row_names: list[str],
    colour_label: str,
) -> None:
    """Draw a table's cells as ``seaborn.heatmap`` does, with a colour bar and cell labels.

    Missing values are left blank. The colours run over the cividis map from the smallest
    value shown to the largest. The cells are split by thin white lines, the first row at the
    top. Each column and row is named at its middle, and the names turn when they would
    overlap. Each shown cell has its label, dark on light cells and white on dark ones.

    Args:
        ax: The axes to draw on (the colour bar takes its space from them).
        shown: The values, NaN where a cell is blank.
        labels: The label of each cell (same shape), or None for no labels.
        column_names: Names of the columns, left to right.
        row_names: Names of the rows, top to bottom.
        colour_label: Label of the colour bar.
    """
    cells = np.ma.masked_where(shown.isna().to_numpy(), shown.to_numpy())
    finite = np.ma.filled(cells.astype(float), np.nan)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    mesh = ax.pcolormesh(
        cells,
        cmap=matplotlib.colormaps["cividis"],
        linewidths=0.5,
        edgecolor="white",
        vmin=np.nanmin(finite),
        vmax=np.nanmax(finite),
    )
    ax.set(xlim=(0, shown.shape[1]), ylim=(0, shown.shape[0]))
    ax.invert_yaxis()
    colour_bar = ax.figure.colorbar(mesh, None, ax, label=colour_label)
    colour_bar.outline.set_linewidth(0)
    ax.set(xticks=np.arange(len(column_names)) + 0.5, yticks=np.arange(len(row_names)) + 0.5)
    column_ticks = ax.set_xticklabels(column_names)
    row_ticks = ax.set_yticklabels(row_names, rotation="vertical")
    for label in row_ticks:
        label.set(va="center")
    if _overlap(column_ticks):
        for label in column_ticks:
            label.set(rotation="vertical")
    if _overlap(row_ticks):
        for label in row_ticks:
            label.set(rotation="horizontal")
    ax.set(xlabel=shown.columns.name or "", ylabel=shown.index.name or "")
    if labels is None:
        return
    mesh.update_scalarmappable()
    rgb = to_rgba_array(mesh.get_facecolor())[:, :3]
    linear = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    dark = linear.dot([0.2126, 0.7152, 0.0722]) > _DARK_LABEL_ABOVE
    blank = np.ma.getmaskarray(np.ma.asarray(mesh.get_array())).ravel()
    rows, columns = np.divmod(np.arange(blank.size), shown.shape[1])
    for index in np.flatnonzero(~blank):
        ax.text(
            columns[index] + 0.5,
            rows[index] + 0.5,
            str(labels.flat[index]),
            color=".15" if dark[index] else "w",
            ha="center",
            va="center",
            fontsize=9,
        )


def _overlap(tick_labels: list) -> bool:
    """Whether any two tick labels overlap, measured where they are drawn now.

    Measured as seaborn measures them, by the renderer the figure would be saved with (Agg),
    but with one renderer for all the labels: asked without one, each label makes its own
    (a canvas and a pixel buffer the size of the figure).
    """
    if not tick_labels:
        return False
    renderer = tick_labels[0].get_figure(root=True)._get_renderer()
    boxes = [label.get_window_extent(renderer) for label in tick_labels]
    return max(box.count_overlaps(boxes) for box in boxes) > 1


def _one_row_bars(
    values: pd.DataFrame,
    labels: np.ndarray,
    hidden: np.ndarray,
    text: tuple[str, str, str, str],
    settings: Settings,
) -> Chart:
    """A one-row heatmap drawn as horizontal bars, one per column, each labelled with its value.

    ``text`` is the heatmap's title, columns-axis label, unit and source.
    """
    title, x_label, unit, source = text
    row = values.iloc[0].to_numpy(dtype=float)
    shown = np.where(hidden, np.nan, row)
    names = [category_label(c) for c in values.columns]
    figure, ax = new_axes((8.0, max(2.5, 1.4 + 0.4 * len(names))))
    positions = np.arange(len(names))[::-1]
    bars = barh(ax, positions, np.nan_to_num(shown), color=OKABE_ITO["blue"], height=0.6)
    ax.bar_label(bars, labels=list(labels), padding=4, fontsize=9, color=TEXT_COLOUR)
    category_ticks(ax.yaxis, positions, names)
    style_axes(ax, unit_format(unit).axis_label, x_label)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#e0e0e0", linewidth=0.8)
    ax.xaxis.set_major_formatter(unit_formatter(unit))
    cap_percent_axis(ax, unit, axis="x")
    notes = [f"Source: {source}."]
    if hidden.any():
        notes.append(
            f"c: resting on 1 to {settings.suppression_max}, not shown to protect privacy."
        )
    footnote = finish(figure, title, notes)
    return Chart(figure, title, _one_row_alt_text(names, labels, title), footnote)


def _one_row_alt_text(names: list[str], labels: np.ndarray, title: str) -> str:
    """The bars' alt text: each column's name and its label as drawn (``c`` when withheld)."""
    # A heading broken over two lines on the chart reads as one phrase.
    parts = [f"{' '.join(name.split())} {label}" for name, label in zip(names, labels, strict=True)]
    return f"Bar chart of {title}: " + "; ".join(parts) + "."


def _heatmap_alt_text(values: pd.DataFrame, hidden: np.ndarray, title: str, unit: str) -> str:
    text = f"Heatmap of {title}: {len(values.index)} rows by {len(values.columns)} columns."
    visible = values.where(~hidden).stack().dropna()
    if len(visible):
        (high_row, high_col), high = visible.idxmax(), visible.max()
        (low_row, low_col), low = visible.idxmin(), visible.min()
        high_name, low_name = (" ".join(category_label(c).split()) for c in (high_col, low_col))
        text += (
            f" Highest: {category_label(high_row)}, {high_name} "
            f"{value_label(high, unit)}. Lowest: {category_label(low_row)}, "
            f"{low_name} {value_label(low, unit)}."
        )
    if hidden.any():
        text += f" {int(hidden.sum())} cells withheld (small numbers)."
    return text
