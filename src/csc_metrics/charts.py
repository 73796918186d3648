"""Charts for the reports: SPC, benchmark comparison, breakdown bars, team small multiples, heatmap.

Every chart is built from a table, uses the colour-blind-safe Okabe-Ito palette (and, where a
colour carries meaning, a marker shape or hatching as well, so colour is never the only cue), and
carries a title, axis labels with units and a source line. Each returns a ``Chart`` whose
``alt_text`` is written from the data, for the ``alt`` attribute of the HTML image.

Figures are created without pyplot, so a notebook shows only what ``display.show_figure`` emits.
With ``suppress=True`` no count from 1 to ``settings.suppression_max`` is plotted or labelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from csc_metrics.catalogue import unit_format
from csc_metrics.dates import format_date
from csc_metrics.formatting import format_cell, format_value
from csc_metrics.gaps import group_rates
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.spc import ASSURANCE_LABELS, VARIATION_LABELS, SpcResult
from csc_metrics.suppression import is_small_count

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
    """

    figure: Figure
    title: str
    alt_text: str
    footnote: str


# --- shared helpers ------------------------------------------------------------------------------


def _new_figure(figsize: tuple[float, float] = FIGSIZE) -> Figure:
    figure = Figure(figsize=figsize, dpi=100, layout="constrained")
    figure.set_facecolor("white")
    return figure


def _finish(figure: Figure, title: str, notes: Sequence[str]) -> str:
    """Draw the title and the footnote, and leave room for the footnote under the axes."""
    figure.suptitle(
        title, x=0.01, ha="left", fontsize=TITLE_SIZE, fontweight="bold", color=TEXT_COLOUR
    )
    footnote = " ".join(n.strip() for n in notes if n and n.strip())
    figure.text(
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
    # Constrained layout ignores figure texts; reserve a band for the wrapped footnote.
    # Characters per line: the width in points over an average character width (about 0.6
    # of the font size in DejaVu Sans); undercounting lines lets the text run into the axes.
    width_chars = figure.get_figwidth() * 72 / (FOOTNOTE_SIZE * 0.6)
    lines = max(1, int(np.ceil(len(footnote) / width_chars)))
    band = (lines * FOOTNOTE_SIZE * 1.45 + 8) / (figure.get_figheight() * 72)
    figure.get_layout_engine().set(rect=(0, band, 1, 1 - band))
    return footnote


def _style_axes(ax, x_label: str, y_label: str) -> None:
    ax.set_xlabel(x_label, fontsize=LABEL_SIZE, color=TEXT_COLOUR)
    ax.set_ylabel(y_label, fontsize=LABEL_SIZE, color=TEXT_COLOUR)
    ax.tick_params(labelsize=TICK_SIZE, colors=TEXT_COLOUR)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="y", color="#e0e0e0", linewidth=0.8)
    ax.set_axisbelow(True)


def _unit_formatter(unit: str) -> FuncFormatter:
    # A tick at a whole number is written whole, whatever the unit's decimals.
    return FuncFormatter(
        lambda v, _pos: format_value(v, unit, decimals=0 if float(v).is_integer() else 1)
    )


def _date_axis(ax) -> None:
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=8))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: _month(mdates.num2date(v))))


def _figure(value: float, unit: str) -> str:
    """A figure in alt text and labels: ``48.2%``, ``65.3``, ``1,412``, or ``no value``."""
    return format_value(value, unit, blank=NO_VALUE)


def _month(date: pd.Timestamp) -> str:
    return format_date(date, "month")


def _period_label(value: object) -> str:
    """A period or category label: dates as ``Jun 2024``, years without a thousands comma."""
    if isinstance(value, pd.Timestamp | np.datetime64):
        return _month(value)
    if isinstance(value, int | np.integer):
        return str(value)
    return format_cell(value)


def _suppressed_note(settings: Settings, what: str) -> str:
    return f"{what} counting 1 to {settings.suppression_max} are not shown, to protect privacy."


# --- SPC chart -----------------------------------------------------------------------------------


def _spc_alt_text(result: SpcResult, title: str, unit: str, hidden: np.ndarray) -> str:
    points = result.points
    latest = result.latest
    parts = [
        f"SPC chart of {title} from {_month(points['date'].iloc[0])} to "
        f"{_month(latest['date'])}, {len(points)} points."
    ]
    value = "withheld (small number)" if hidden[-1] else _figure(latest["value"], unit)
    parts.append(f"Latest {value}: {VARIATION_LABELS[result.variation].lower()}.")
    parts.append(
        f"Average {_figure(latest['mean'], unit)}, process limits "
        f"{_figure(latest['lpl'], unit)} to {_figure(latest['upl'], unit)}."
    )
    for point_type, words in (
        ("special_cause_concern", "special-cause concern"),
        ("special_cause_improvement", "special-cause improvement"),
        ("special_cause_neutral", "special cause"),
    ):
        flagged = points[points["point_type"] == point_type]
        if len(flagged):
            plural = "s" if len(flagged) != 1 else ""
            parts.append(
                f"{len(flagged)} point{plural} of {words}, the latest in "
                f"{_month(flagged['date'].iloc[-1])}."
            )
    if result.assurance:
        parts.append(
            f"Target {_figure(result.target, unit)}: {ASSURANCE_LABELS[result.assurance].lower()}."
        )
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

    Returns:
        The chart.
    """
    points = result.points
    hidden = (
        is_small_count(points["value"].to_numpy(), settings)
        if suppress and unit == "count"
        else np.zeros(len(points), dtype=bool)
    )
    figure = _new_figure()
    ax = figure.add_subplot()
    shown = points[~hidden]
    ax.plot(shown["date"], shown["value"], color="#9e9e9e", linewidth=1.2, zorder=1)
    for group_id, segment in points.groupby("group"):
        first = group_id == points["group"].iloc[0]
        ax.plot(
            segment["date"],
            segment["mean"],
            color=LIMIT_COLOUR,
            linewidth=1.5,
            label="Average" if first else None,
            zorder=2,
        )
        for limit in ("upl", "lpl"):
            ax.plot(
                segment["date"],
                segment[limit],
                color=LIMIT_COLOUR,
                linewidth=1.2,
                linestyle="--",
                label="Process limits" if first and limit == "upl" else None,
                zorder=2,
            )
        if not first:
            ax.axvline(segment["date"].iloc[0], color=LIMIT_COLOUR, linestyle=":", linewidth=1)
    for point_type, style in SPC_POINT_STYLES.items():
        chosen = shown[shown["point_type"] == point_type]
        if len(chosen):
            ax.scatter(
                chosen["date"],
                chosen["value"],
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
            label=f"Target ({_figure(result.target, unit)})",
        )
    _style_axes(ax, x_label, y_label)
    _date_axis(ax)
    ax.yaxis.set_major_formatter(_unit_formatter(unit))
    ax.legend(fontsize=9, framealpha=0.9, loc="best")
    notes = [
        f"Source: {source}.",
        "Process limits: average ± 2.66 × average moving range (NHS Making Data Count).",
    ]
    if points["group"].nunique() > 1:
        notes.append("Dotted vertical lines mark where the limits were recalculated.")
    if result.short_series_warning:
        notes.append(result.short_series_warning)
    if hidden.any():
        notes.append(_suppressed_note(settings, "Points"))
    footnote = _finish(figure, title, notes)
    return Chart(figure, title, _spc_alt_text(result, title, unit, hidden), footnote)


# --- benchmark comparison ------------------------------------------------------------------------


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
    figure = _new_figure()
    ax = figure.add_subplot()
    latest_period = wide.index[-1]
    if kind == "line":
        for name in names:
            series = wide[name].dropna()
            style = styles[name]
            ax.plot(series.index, series.to_numpy(), label=name, markersize=6, **style)
            if len(series):
                ax.annotate(
                    name,
                    (series.index[-1], series.iloc[-1]),
                    xytext=(6, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=9,
                    color=style["color"] if name != council else TEXT_COLOUR,
                )
        _style_axes(ax, x_label, y_label)
        ax.yaxis.set_major_formatter(_unit_formatter(unit))
        if isinstance(latest_period, pd.Timestamp):
            _date_axis(ax)
        else:
            ax.set_xticks(list(wide.index))
            ax.set_xticklabels([_period_label(p) for p in wide.index])
        ax.legend(fontsize=9, framealpha=0.9, loc="best")
    else:
        latest = wide.loc[latest_period, names]
        positions = np.arange(len(names))[::-1]
        colours = [styles[n]["color"] for n in names]
        bars = ax.barh(positions, latest.to_numpy(dtype=float), color=colours)
        for bar, name in zip(bars, names, strict=True):
            if name != council:
                bar.set_hatch("//")
                bar.set_edgecolor("white")
        ax.set_yticks(positions, names)
        ax.bar_label(
            bars,
            labels=[_figure(v, unit) for v in latest],
            padding=4,
            fontsize=10,
        )
        _style_axes(ax, y_label, "")
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", color="#e0e0e0", linewidth=0.8)
        ax.xaxis.set_major_formatter(_unit_formatter(unit))
    notes = [f"Source: {source}."]
    if suppress and unit == "count" and wide[council].isna().any():
        notes.append(_suppressed_note(settings, "Values"))
    footnote = _finish(figure, title, notes)
    others = [n for n in names if n != council]
    period_text = _period_label(latest_period)
    latest_values = "; ".join(f"{n} {_figure(wide.loc[latest_period, n], unit)}" for n in names)
    kind_text = "Line chart" if kind == "line" else "Bar chart"
    span = (
        f" from {_period_label(wide.index[0])} to {period_text}"
        if kind == "line"
        else f" for {period_text}"
    )
    alt = (
        f"{kind_text} of {title} for {council} compared with {', '.join(others)}{span}. "
        f"In {period_text}: {latest_values}."
    )
    return Chart(figure, title, alt, footnote)


# --- breakdown bars ------------------------------------------------------------------------------


def _in_unit(values: pd.Series, unit: str) -> pd.Series:
    # As text even when every group was left out (an empty column would stay numeric).
    return values.map(lambda v: _figure(v, unit)).astype(str)


def _bar_labels(table: pd.DataFrame, unit: str) -> pd.Series:
    """``48.0% (n=212) *`` for each group: rate, base, and a star for a called gap."""
    labels = _in_unit(table["rate"], unit)
    if "denominator" in table.columns:
        base = " (n=" + table["denominator"].map(format_cell).astype(str) + ")"
        labels += base.where(table["denominator"].notna(), "")
    if "gap_called" in table.columns:
        labels += np.where(table["gap_called"].astype(bool), " *", "")
    return labels


def breakdown_bars(
    rates: pd.DataFrame,
    title: str,
    x_label: str,
    source: str,
    group_column: str = "group",
    unit: str = "pct",
    overall: float | None = None,
    suppress: bool = False,
    settings: Settings = DEFAULT_SETTINGS,
) -> Chart:
    """Horizontal bars of a rate by group, with 95% intervals; small groups hatched.

    Args:
        rates: ``gaps.group_rates`` or ``gaps.group_gaps`` output (``rate``, ``ci_low``,
            ``ci_high``, ``numerator``, ``denominator``, ``is_small``; ``gap_called`` marks a
            called gap with ``*``). A table with only numerator and denominator is accepted too.
        title: Chart title.
        x_label: Value-axis label with the unit, e.g. ``"% with 3+ placements"``.
        source: Source line.
        group_column: Column naming the groups.
        unit: ``pct`` for percentages.
        overall: The overall rate, drawn as a dashed reference line.
        suppress: Leave out groups whose numerator or denominator is from 1 to
            ``settings.suppression_max``, and say so in the footnote.
        settings: Settings.

    Returns:
        The chart.
    """
    if "rate" not in rates.columns:
        rates = group_rates(rates, group_column, settings=settings)
    table = rates.reset_index(drop=True)
    left_out: list[str] = []
    if suppress:
        counts = table[[c for c in ("numerator", "denominator") if c in table.columns]]
        small = is_small_count(counts.to_numpy().ravel(), settings).reshape(counts.shape).any(1)
        left_out = [str(g) for g in table.loc[small, group_column]]
        table = table[~small].reset_index(drop=True)
    positions = np.arange(len(table))[::-1]
    figure = _new_figure((8.0, max(3.2, 1.3 + 0.45 * len(table))))
    ax = figure.add_subplot()
    is_small = table.get("is_small", pd.Series(False, index=table.index)).astype(bool)
    bars = ax.barh(
        positions, table["rate"].to_numpy(dtype=float), color=OKABE_ITO["blue"], height=0.6
    )
    for bar, small_group in zip(bars, is_small, strict=True):
        if small_group:
            bar.set_facecolor(OKABE_ITO["sky_blue"])
            bar.set_hatch("//")
            bar.set_edgecolor("white")
    errors = np.vstack([table["rate"] - table["ci_low"], table["ci_high"] - table["rate"]])
    ax.errorbar(
        table["rate"],
        positions,
        xerr=np.nan_to_num(errors),
        fmt="none",
        ecolor=TEXT_COLOUR,
        capsize=3,
        linewidth=1,
    )
    # Labels sit beyond the interval's end so the error bars never cross them.
    label_at = np.fmax(table["ci_high"].to_numpy(dtype=float), table["rate"].to_numpy(dtype=float))
    for position, x, label in zip(positions, label_at, _bar_labels(table, unit), strict=True):
        ax.annotate(
            label,
            (0 if np.isnan(x) else x, position),
            xytext=(5, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
            color=TEXT_COLOUR,
        )
    if overall is not None:
        ax.axvline(overall, color=OKABE_ITO["vermillion"], linestyle="--", linewidth=1.5)
        ax.text(
            overall,
            1.01,
            f"All: {_figure(overall, unit)}",
            ha="center",
            va="bottom",
            fontsize=9,
            color=TEXT_COLOUR,
            transform=ax.get_xaxis_transform(),
        )
    ax.set_yticks(positions, [str(g) for g in table[group_column]])
    _style_axes(ax, x_label, "")
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#e0e0e0", linewidth=0.8)
    ax.xaxis.set_major_formatter(_unit_formatter(unit))
    ax.set_xlim(
        0,
        max(
            100.0 if unit == "pct" else 0.0,
            float(np.nanmax(np.append(table["ci_high"].to_numpy(dtype=float), 0))) * 1.25,
        ),
    )
    notes = [f"Source: {source}.", "Lines show 95% confidence intervals (Wilson)."]
    if is_small.any():
        notes.append(
            f"Hatched bars: fewer than {settings.small_group} in the group, so treat with caution."
        )
    if "gap_called" in table.columns and table["gap_called"].any():
        notes.append("* Differs from the comparison group: the 95% intervals do not overlap.")
    if left_out:
        notes.append(f"{_suppressed_note(settings, 'Groups')[:-1]}: {', '.join(left_out)}.")
    footnote = _finish(figure, title, notes)
    return Chart(
        figure, title, _breakdown_alt_text(table, title, group_column, unit, left_out), footnote
    )


def _breakdown_alt_text(
    table: pd.DataFrame, title: str, group_column: str, unit: str, left_out: list[str]
) -> str:
    base = ""
    if "denominator" in table.columns:
        base = (", n=" + table["denominator"].map(format_cell).astype(str)).where(
            table["denominator"].notna(), ""
        )
    described = (
        table[group_column].astype(str)
        + " "
        + _in_unit(table["rate"], unit)
        + " (95% interval "
        + _in_unit(table["ci_low"], unit)
        + " to "
        + _in_unit(table["ci_high"], unit)
        + base
        + ")"
    )
    text = f"Bar chart of {title}: {'; '.join(described)}."
    if "gap_called" in table.columns:
        called = table[table["gap_called"].astype(bool)]
        if len(called):
            differences = (
                called[group_column].astype(str)
                + " "
                + called["gap_side"]
                + " than "
                + called["comparison"].astype(str)
            )
            text += f" Differences called: {'; '.join(differences)}."
        else:
            text += " No group differs from its comparison beyond chance."
    if left_out:
        text += f" Not shown (small numbers): {', '.join(left_out)}."
    return text


# --- team small multiples ------------------------------------------------------------------------


def team_small_multiples(
    data: pd.DataFrame,
    title: str,
    y_label: str,
    source: str,
    team_column: str = "team",
    x_column: str = "period_end",
    value_column: str = "value",
    unit: str = "pct",
    overall: pd.Series | None = None,
    ncols: int = 3,
    suppress: bool = False,
    settings: Settings = DEFAULT_SETTINGS,
) -> Chart:
    """One small panel per team on shared axes, with the council overall as a reference line.

    Args:
        data: Long table: one row per team and date with the value (and, for percentages,
            optionally ``numerator``/``denominator`` for suppression).
        title: Chart title.
        y_label: Value-axis label with the unit.
        source: Source line.
        team_column: Column naming the team.
        x_column: Date column.
        value_column: Value column.
        unit: The indicator's unit.
        overall: Council-wide value by date, drawn dashed grey in every panel.
        ncols: Panels per row.
        suppress: Leave out values resting on counts from 1 to ``settings.suppression_max``.
        settings: Settings.

    Returns:
        The chart.
    """
    table = data.sort_values([team_column, x_column]).reset_index(drop=True)
    hidden = np.zeros(len(table), dtype=bool)
    if suppress:
        columns = [c for c in ("numerator", "denominator") if c in table.columns]
        if unit == "count":
            columns.append(value_column)
        counts = table[columns].to_numpy(dtype=float)
        hidden = is_small_count(counts.ravel(), settings).reshape(counts.shape).any(axis=1)
    table["_shown"] = table[value_column].where(~hidden)
    teams = list(dict.fromkeys(table[team_column]))
    nrows = int(np.ceil(len(teams) / ncols))
    figure = _new_figure((8.0, 1.2 + 2.1 * nrows))
    axes = figure.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False).ravel()
    for ax, team in zip(axes, teams, strict=False):
        rows = table[table[team_column] == team]
        if overall is not None:
            ax.plot(
                overall.index, overall.to_numpy(), color="#9e9e9e", linestyle="--", linewidth=1.2
            )
        ax.plot(
            rows[x_column],
            rows["_shown"],
            color=OKABE_ITO["blue"],
            marker="o",
            markersize=3.5,
            linewidth=1.8,
        )
        ax.set_title(str(team), fontsize=10, color=TEXT_COLOUR, loc="left")
        ax.tick_params(labelsize=8.5, colors=TEXT_COLOUR)
        ax.yaxis.set_major_formatter(_unit_formatter(unit))
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        ax.grid(axis="y", color="#e0e0e0", linewidth=0.8)
        ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=2, maxticks=4))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%b\n%Y"))
    for ax in axes[len(teams) :]:
        ax.set_visible(False)
    # The lowest panel of each column carries the date axis and its label.
    for column in range(min(ncols, len(teams))):
        lowest = axes[max(i for i in range(column, len(teams), ncols))]
        lowest.set_xlabel("Quarter ending", fontsize=LABEL_SIZE - 1, color=TEXT_COLOUR)
        lowest.xaxis.set_tick_params(labelbottom=True)
    figure.supylabel(y_label, fontsize=LABEL_SIZE, color=TEXT_COLOUR)
    notes = [f"Source: {source}."]
    if overall is not None:
        notes.append("Dashed grey line: the whole council.")
    if hidden.any():
        notes.append(_suppressed_note(settings, "Values"))
    footnote = _finish(figure, title, notes)
    return Chart(
        figure, title, _teams_alt_text(table, title, team_column, x_column, unit, teams), footnote
    )


def _teams_alt_text(
    table: pd.DataFrame, title: str, team_column: str, x_column: str, unit: str, teams: list
) -> str:
    dates = table[x_column]
    text = (
        f"Small multiples of {title} for {len(teams)} teams, {_month(dates.min())} to "
        f"{_month(dates.max())}."
    )
    latest = table[table[x_column] == dates.max()].dropna(subset=["_shown"])
    if len(latest):
        ordered = latest.sort_values("_shown")
        high, low = ordered.iloc[-1], ordered.iloc[0]
        text += (
            f" Latest: highest {high[team_column]} {_figure(high['_shown'], unit)}, "
            f"lowest {low[team_column]} {_figure(low['_shown'], unit)}."
        )
    return text


# --- heatmap -------------------------------------------------------------------------------------


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
    height = max(3.5, 1.6 + 0.42 * len(values))
    figure = _new_figure((8.0, height))
    ax = figure.add_subplot()
    column_names = [_period_label(c) for c in values.columns]
    row_names = [_period_label(r) for r in values.index]
    sns.heatmap(
        values.where(~hidden),
        ax=ax,
        cmap="cividis",
        annot=labels if annotate else False,
        fmt="",
        annot_kws={"fontsize": 9},
        linewidths=0.5,
        linecolor="white",
        xticklabels=column_names,
        yticklabels=row_names,
        cbar_kws={"label": colour_label or unit_format(unit).axis_label},
    )
    ax.set_facecolor("#d9d9d9")
    if annotate:
        # seaborn does not annotate blanked cells, so their "c" is written here.
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
    _style_axes(ax, x_label, y_label)
    ax.grid(False)
    notes = [f"Source: {source}."]
    if hidden.any():
        notes.append(
            f"c (grey cells): resting on 1 to {settings.suppression_max}, not shown to "
            "protect privacy."
        )
    footnote = _finish(figure, title, notes)
    return Chart(figure, title, _heatmap_alt_text(values, hidden, title, unit), footnote)


def _heatmap_alt_text(values: pd.DataFrame, hidden: np.ndarray, title: str, unit: str) -> str:
    text = f"Heatmap of {title}: {len(values.index)} rows by {len(values.columns)} columns."
    visible = values.where(~hidden).stack().dropna()
    if len(visible):
        (high_row, high_col), high = visible.idxmax(), visible.max()
        (low_row, low_col), low = visible.idxmin(), visible.min()
        text += (
            f" Highest: {_period_label(high_row)}, {_period_label(high_col)} "
            f"{_figure(high, unit)}. Lowest: {_period_label(low_row)}, "
            f"{_period_label(low_col)} {_figure(low, unit)}."
        )
    if hidden.any():
        text += f" {int(hidden.sum())} cells withheld (small numbers)."
    return text
