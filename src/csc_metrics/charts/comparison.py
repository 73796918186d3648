"""The council against England, its region and its statistical neighbours, year by year."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from csc_metrics.charts.bars import barh
from csc_metrics.charts.style import (
    OKABE_ITO,
    SERIES_COLOURS,
    SERIES_LINESTYLES,
    SERIES_MARKERS,
    TEXT_COLOUR,
    Chart,
    cap_percent_axis,
    category_label,
    category_ticks,
    date_axis,
    finish,
    new_axes,
    spread_labels,
    style_axes,
    suppressed_note,
    unit_formatter,
    value_label,
)
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.suppression import is_small_count


def _benchmark_wide(data: pd.DataFrame) -> pd.DataFrame:
    """Accept wide (index = period, one column per series) or long (period, comparator, value)."""
    if {"comparator", "value"} <= set(data.columns):
        period = next(c for c in ("year", "period_end", "period") if c in data.columns)
        return data.pivot_table(
            index=period, columns="comparator", values="value", aggfunc="first"
        ).sort_index()
    return data.sort_index()


def _series_styles(names: Sequence[str], council: str) -> dict[str, dict]:
    styles, i = {}, 1
    for name in names:
        if name == council:
            styles[name] = {
                "color": OKABE_ITO["blue"],
                "marker": "o",
                "linestyle": "-",
                "linewidth": 2.8,
            }
            continue
        styles[name] = {
            "color": SERIES_COLOURS[i % len(SERIES_COLOURS)],
            "marker": SERIES_MARKERS[i % len(SERIES_MARKERS)],
            "linestyle": SERIES_LINESTYLES[i % len(SERIES_LINESTYLES)],
            "linewidth": 1.6,
        }
        i += 1
    return styles


def benchmark_chart(
    data: pd.DataFrame,
    title: str,
    y_label: str,
    source: str,
    council: str,
    unit: str = "pct",
    x_label: str = "Year ending 31 March",
    kind: str = "line",
    suppress: bool = False,
    settings: Settings = DEFAULT_SETTINGS,
) -> Chart:
    """Compare the council with England, its region and statistical neighbours.

    Args:
        data: Wide (index = year or date, one column per series, including ``council``) or long
            (``year``/``period_end``, ``comparator``, ``value``).
        title: Chart title.
        y_label: Value-axis label with the unit.
        source: Source line (e.g. the DfE release).
        council: Name of the council's series; drawn thicker, in blue, with round markers.
        unit: The indicator's unit.
        x_label: Label of the period axis (line charts).
        kind: ``"line"`` (every period) or ``"bar"`` (the latest period, one bar per series).
        suppress: Leave out the council's counts from 1 to ``settings.suppression_max``.
        settings: Settings.

    Returns:
        The chart.

    Raises:
        ValueError: If ``council`` is not a series of ``data`` or ``kind`` is unknown.
    """
    wide = _benchmark_wide(data)
    if council not in wide.columns:
        raise ValueError(
            f"{council!r} is not a series of the benchmark table: {list(wide.columns)}"
        )
    if kind not in ("line", "bar"):
        raise ValueError(f"kind must be 'line' or 'bar', not {kind!r}")
    if suppress and unit == "count":
        wide[council] = wide[council].where(~is_small_count(wide[council].to_numpy(), settings))
    names = [council, *[c for c in wide.columns if c != council]]
    styles = _series_styles(names, council)
    figure, ax = new_axes()
    latest_period = wide.index[-1]
    if kind == "line":
        ends = []
        for name in names:
            # Each series without its blank periods, selected as arrays (a few periods).
            values = wide[name].to_numpy()
            kept = ~pd.isna(values)
            periods, values = wide.index[kept], values[kept]
            style = styles[name]
            ax.plot(periods, values, label=name, markersize=6, **style)
            if len(values):
                ends.append((name, periods[-1], float(values[-1])))
        cap_percent_axis(ax, unit)
        low, high = ax.get_ylim()
        # Names at the line ends, moved apart so that none prints over another.
        label_heights = spread_labels([y for _, _, y in ends], (high - low) * 0.06)
        for (name, x, _), y in zip(ends, label_heights, strict=True):
            ax.annotate(
                name,
                (x, y),
                xytext=(6, 0),
                textcoords="offset points",
                va="center",
                fontsize=9,
                color=styles[name]["color"] if name != council else TEXT_COLOUR,
                annotation_clip=False,
            )
        style_axes(ax, x_label, y_label)
        ax.yaxis.set_major_formatter(unit_formatter(unit))
        if isinstance(latest_period, pd.Timestamp):
            date_axis(ax)
        else:
            category_ticks(ax.xaxis, list(wide.index), [category_label(p) for p in wide.index])
        ax.legend(fontsize=9, framealpha=0.9, loc="best")
    else:
        latest = wide.loc[latest_period, names]
        positions = np.arange(len(names))[::-1]
        colours = [styles[n]["color"] for n in names]
        bars = barh(ax, positions, latest.to_numpy(dtype=float), color=colours)
        for bar, name in zip(bars, names, strict=True):
            if name != council:
                bar.set_hatch("//")
                bar.set_edgecolor("white")
        category_ticks(ax.yaxis, positions, names)
        ax.bar_label(
            bars,
            labels=[value_label(v, unit) for v in latest],
            padding=4,
            fontsize=10,
        )
        style_axes(ax, y_label, "")
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", color="#e0e0e0", linewidth=0.8)
        ax.xaxis.set_major_formatter(unit_formatter(unit))
        cap_percent_axis(ax, unit, axis="x")
    notes = [f"Source: {source}."]
    if suppress and unit == "count" and wide[council].isna().any():
        notes.append(suppressed_note(settings, "Values"))
    footnote = finish(figure, title, notes)
    others = [n for n in names if n != council]
    period_text = category_label(latest_period)
    latest_values = "; ".join(f"{n} {value_label(wide.loc[latest_period, n], unit)}" for n in names)
    kind_text = "Line chart" if kind == "line" else "Bar chart"
    span = (
        f" from {category_label(wide.index[0])} to {period_text}"
        if kind == "line"
        else f" for {period_text}"
    )
    alt = (
        f"{kind_text} of {title} for {council} compared with {', '.join(others)}{span}. "
        f"In {period_text}: {latest_values}."
    )
    return Chart(figure, title, alt, footnote)
