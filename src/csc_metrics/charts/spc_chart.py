"""The SPC (XmR) chart: the series, its mean and process limits, points marked by class."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from csc_metrics.charts.style import (
    LIMIT_COLOUR,
    OKABE_ITO,
    SPC_POINT_STYLES,
    Chart,
    cap_percent_axis,
    date_axis,
    finish,
    month_label,
    new_axes,
    style_axes,
    suppressed_note,
    unit_formatter,
    value_label,
)
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.spc import ASSURANCE_LABELS, VARIATION_LABELS, SpcResult
from csc_metrics.suppression import is_small_count


def _spc_alt_text(result: SpcResult, title: str, unit: str, hidden: np.ndarray) -> str:
    points = result.points
    latest = result.latest
    parts = [
        f"SPC chart of {title} from {month_label(points['date'].iloc[0])} to "
        f"{month_label(latest['date'])}, {len(points)} points."
    ]
    value = "withheld (small number)" if hidden[-1] else value_label(latest["value"], unit)
    parts.append(f"Latest {value}: {VARIATION_LABELS[result.variation].lower()}.")
    parts.append(
        f"Average {value_label(latest['mean'], unit)}, process limits "
        f"{value_label(latest['lpl'], unit)} to {value_label(latest['upl'], unit)}."
    )
    point_types, dates = points["point_type"].to_numpy(), points["date"]
    for point_type, words in (
        ("special_cause_concern", "special-cause concern"),
        ("special_cause_improvement", "special-cause improvement"),
        ("special_cause_neutral", "special cause"),
    ):
        flagged = np.flatnonzero(point_types == point_type)
        if len(flagged):
            plural = "s" if len(flagged) != 1 else ""
            parts.append(
                f"{len(flagged)} point{plural} of {words}, the latest in "
                f"{month_label(dates.iloc[flagged[-1]])}."
            )
    if result.assurance:
        assurance = ASSURANCE_LABELS[result.assurance].lower()
        parts.append(f"Target {value_label(result.target, unit)}: {assurance}.")
    if result.short_series_warning:
        parts.append(result.short_series_warning)
    return " ".join(parts)


def spc_chart(
    result: SpcResult,
    title: str,
    y_label: str,
    source: str,
    unit: str = "pct",
    x_label: str = "Quarter ending",
    suppress: bool = False,
    settings: Settings = DEFAULT_SETTINGS,
    change_points: pd.DataFrame | None = None,
    notes: Sequence[str] = (),
) -> Chart:
    """An XmR chart: the series, its mean and process limits, points coloured and shaped by class.

    Args:
        result: An ``spc`` result.
        title: Chart title.
        y_label: Y-axis label with the unit, e.g. ``"% of care leavers aged 19-21"``.
        source: Source line, e.g. ``"SSDA903 returns 2019-20 to 2024-25"``.
        unit: The indicator's unit (``pct``, ``rate``, ``ratio``, ``count``).
        x_label: X-axis label.
        suppress: For a count series, leave out points from 1 to ``settings.suppression_max``.
        settings: Settings.
        change_points: Declared change points (``date``, ``reason``) behind the segments: each
            segment's start is marked with its date and reason, on the chart and in the
            footnote and alt text.
        notes: More footnote lines (e.g. how a rolling measure is judged).

    Returns:
        The chart.
    """
    points = result.points
    declared = _segment_reasons(points, change_points)
    hidden = (
        is_small_count(points["value"].to_numpy(), settings)
        if suppress and unit == "count"
        else np.zeros(len(points), dtype=bool)
    )
    figure, ax = new_axes()
    # Columns as arrays, selections and segments by masks: a few dozen points, where a frame's
    # boolean indexing and a groupby cost more than the drawing.
    dates, values = points["date"].to_numpy(), points["value"].to_numpy()
    groups = points["group"].to_numpy()
    shown = ~hidden
    ax.xaxis.update_units(dates)  # as ax.plot does, so the lines below take dates
    _add_line(ax, dates[shown], values[shown], color="#9e9e9e", linewidth=1.2, zorder=1)
    for group_id in np.unique(groups):  # in the order of the groups' ids, as groupby takes them
        rows = groups == group_id
        first = group_id == groups[0]
        segment_dates = dates[rows]
        _add_line(
            ax,
            segment_dates,
            points["mean"].to_numpy()[rows],
            color=LIMIT_COLOUR,
            linewidth=1.5,
            label="Average" if first else None,
            zorder=2,
        )
        for limit in ("upl", "lpl"):
            _add_line(
                ax,
                segment_dates,
                points[limit].to_numpy()[rows],
                color=LIMIT_COLOUR,
                linewidth=1.2,
                linestyle="--",
                label="Process limits" if first and limit == "upl" else None,
                zorder=2,
            )
        if not first:
            start = pd.Timestamp(segment_dates[0])
            ax.axvline(start, color=LIMIT_COLOUR, linestyle=":", linewidth=1)
            if start in declared:
                ax.annotate(
                    f"{month_label(start)}: {declared[start]}",
                    xy=(start, 1.0),
                    xycoords=("data", "axes fraction"),
                    xytext=(3, -3),
                    textcoords="offset points",
                    ha="left",
                    va="top",
                    fontsize=8,
                    color=LIMIT_COLOUR,
                    wrap=True,
                )
    ax._request_autoscale_view()  # type: ignore[attr-defined]  # as ax.plot does after its lines
    shown_types = points["point_type"].to_numpy()[shown]
    shown_dates, shown_values = dates[shown], values[shown]
    for point_type, style in SPC_POINT_STYLES.items():
        chosen = shown_types == point_type
        if chosen.any():
            ax.scatter(
                shown_dates[chosen],
                shown_values[chosen],
                color=style["color"],
                marker=style["marker"],
                s=46 if point_type == "common_cause" else 70,
                edgecolor="white",
                linewidth=0.6,
                label=style["label"],
                zorder=3,
            )
    if result.target is not None:
        ax.axhline(
            result.target,
            color=OKABE_ITO["black"],
            linestyle=(0, (1, 2)),
            linewidth=1.5,
            label=f"Target ({value_label(result.target, unit)})",
        )
    style_axes(ax, x_label, y_label)
    date_axis(ax)
    ax.yaxis.set_major_formatter(unit_formatter(unit))
    cap_percent_axis(ax, unit)
    ax.legend(fontsize=9, framealpha=0.9, loc="best")
    footnotes = [
        f"Source: {source}.",
        "Process limits: average ± 2.66 × average moving range (NHS Making Data Count).",
    ]
    if len(np.unique(groups)) > 1:
        footnotes.append("Dotted vertical lines mark where the limits were recalculated.")
    footnotes += [
        f"Limits recalculated from {month_label(start)}: {reason}."
        for start, reason in declared.items()
    ]
    footnotes += list(notes)
    if result.short_series_warning:
        footnotes.append(result.short_series_warning)
    if hidden.any():
        footnotes.append(suppressed_note(settings, "Points"))
    footnote = finish(figure, title, footnotes)
    alt = _spc_alt_text(result, title, unit, hidden)
    alt += "".join(
        f" Limits recalculated from {month_label(start)}: {reason}."
        for start, reason in declared.items()
    )
    return Chart(figure, title, alt, footnote)


def _add_line(ax: Axes, x: np.ndarray, y: np.ndarray, **style: Any) -> Line2D:
    """A line on ``ax`` as ``ax.plot(x, y, **style)`` draws it, without its argument parsing.

    ``style`` must name the colour (``plot`` then takes nothing from the property cycle), and
    the x axis' units must be set for ``x`` (``ax.xaxis.update_units``). About half a
    millisecond less a line than ``ax.plot``; the same line, limits and SVG.
    """
    line = Line2D(x, y, **style)
    ax.add_line(line)
    return line


def _segment_reasons(
    points: pd.DataFrame, change_points: pd.DataFrame | None
) -> dict[pd.Timestamp, str]:
    """The first point of each later segment with the reason of the change point behind it.

    A declared date starts its segment at the first point on or after it (``spc``), so each
    segment start takes the reason of the latest declared date on or before it.
    """
    if change_points is None or change_points.empty:
        return {}
    starts = points.loc[points["group"].diff().fillna(0).ne(0), "date"]
    declared = change_points.sort_values("date")
    reasons = {}
    for start in starts:
        before = declared[declared["date"] <= start]
        if len(before):
            reasons[pd.Timestamp(start)] = str(before["reason"].iloc[-1])
    return reasons
