"""History and forecast, one panel per series of interest (a category, or all children).

Each panel shows the actual number up to the forecast start, then the forecast with its band.
The actual history is a solid line; each forecast (the base, and a scenario when there is one)
a dashed line from the last actual point, the base's likely range a shaded band. Colour is never
the only cue: the scenario's line has its own dash pattern and marker.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc_metrics.charts.style import (
    OKABE_ITO,
    TEXT_COLOUR,
    Chart,
    date_axis,
    finish,
    month_label,
    new_subplots,
    style_axes,
    suppressed_note,
    unit_formatter,
    value_label,
)
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.suppression import is_small_count

ACTUAL = "actual"
ACTUAL_STYLE = {"color": OKABE_ITO["black"], "linestyle": "-", "linewidth": 2.0}
BASE_STYLE = {"color": OKABE_ITO["blue"], "linestyle": "--", "linewidth": 2.2}
SCENARIO_STYLE = {
    "color": OKABE_ITO["vermillion"],
    "linestyle": ":",
    "linewidth": 2.2,
    "marker": "s",
    "markersize": 3,
}
BAND_COLOUR = OKABE_ITO["sky_blue"]


def forecast_chart(
    paths: pd.DataFrame,
    panels: list[tuple[str, str]],
    title: str,
    source: str,
    base: str = "base",
    interval: float = 0.8,
    y_label: str = "Children looked after",
    suppress: bool = False,
    settings: Settings = DEFAULT_SETTINGS,
    columns: int = 2,
) -> Chart:
    """Small multiples of history and forecast, with the base forecast's band.

    Args:
        paths: Long table with ``panel``, ``series`` (``actual``, the base's name, or a
            scenario's name), ``quarter_end``, ``expected``, ``lower``, ``upper``.
        panels: ``(panel key, panel title)`` in the order to draw them.
        title: Chart title.
        source: Source line.
        base: The base forecast's series name (drawn with the band).
        interval: The band's central probability, for the legend.
        y_label: Value-axis label.
        suppress: Leave out actual counts from 1 to ``settings.suppression_max`` (forecasts are
            expected values, not counts of children, and stay).
        settings: Settings.
        columns: Panels per row.

    Returns:
        The chart.
    """
    rows = int(np.ceil(len(panels) / columns)) if len(panels) > 1 else 1
    columns = min(columns, len(panels))
    figure, axes = new_subplots((3.2 * columns + 0.8, 2.5 * rows + 1.4), rows, columns, sharex=True)
    hidden = False
    descriptions = []
    scenarios = [s for s in paths["series"].unique() if s not in (ACTUAL, base)]
    for index, (key, panel_title) in enumerate(panels):
        ax = axes[index // columns][index % columns]
        mine = paths[paths["panel"] == key].sort_values("quarter_end")
        actual = mine[mine["series"] == ACTUAL]
        values = actual["expected"].to_numpy(dtype=float)
        if suppress:
            small = is_small_count(values, settings)
            hidden = hidden or bool(small.any())
            values = np.where(small, np.nan, values)
        ax.plot(actual["quarter_end"], values, label="Actual", **ACTUAL_STYLE)
        forecast = mine[mine["series"] == base]
        ax.fill_between(
            forecast["quarter_end"],
            forecast["lower"].to_numpy(dtype=float),
            forecast["upper"].to_numpy(dtype=float),
            color=BAND_COLOUR,
            alpha=0.35,
            linewidth=0,
            label=f"Likely range ({interval:.0%})",
        )
        ax.plot(forecast["quarter_end"], forecast["expected"], label="Forecast", **BASE_STYLE)
        for scenario in scenarios:
            other = mine[mine["series"] == scenario]
            ax.plot(other["quarter_end"], other["expected"], label="Scenario", **SCENARIO_STYLE)
        ax.set_title(panel_title, fontsize=11, color=TEXT_COLOUR, loc="left")
        style_axes(ax, "", y_label if index % columns == 0 else "")
        ax.yaxis.set_major_formatter(unit_formatter("count"))
        ax.set_ylim(bottom=0)
        # A small panel: at most four dates, or the labels run into each other.
        date_axis(ax, maxticks=4)
        descriptions.append(_describe(panel_title, actual, forecast, hidden and suppress))
    for index in range(len(panels), rows * columns):
        axes[index // columns][index % columns].axis("off")
    axes[0][0].legend(loc="best", fontsize=8, framealpha=0.9)
    notes = [
        f"Source: {source}.",
        "Solid: actual; dashed: the forecast's expected number, with its likely range shaded",
    ]
    notes[-1] += "".join(f"; dotted: the scenario '{name}'" for name in scenarios) + "."
    if hidden:
        notes.append(suppressed_note(settings, "Actual numbers"))
    footnote = finish(figure, title, notes)
    alt = f"Line charts of {title}, one per panel. " + " ".join(descriptions)
    return Chart(figure, title, alt, footnote)


def _describe(
    panel_title: str, actual: pd.DataFrame, forecast: pd.DataFrame, suppressed: bool
) -> str:
    """One panel in words for the alt text: where it starts, the last actual, the forecast."""
    if actual.empty or forecast.empty:
        return f"{panel_title}: no data."
    last_actual = actual.iloc[-1]
    end = forecast.iloc[-1]
    start_value = actual["expected"].iloc[0]
    shown_last = (
        "a small number"
        if suppressed and last_actual["expected"] <= 5
        else value_label(last_actual["expected"], "count")
    )
    shown_start = (
        "a small number" if suppressed and start_value <= 5 else value_label(start_value, "count")
    )
    return (
        f"{panel_title}: {shown_start} at {month_label(actual['quarter_end'].iloc[0])}, "
        f"{shown_last} at {month_label(last_actual['quarter_end'])}, forecast "
        f"{value_label(round(end['expected']), 'count')} at {month_label(end['quarter_end'])} "
        f"(likely {value_label(round(end['lower']), 'count')} to "
        f"{value_label(round(end['upper']), 'count')})."
    )
