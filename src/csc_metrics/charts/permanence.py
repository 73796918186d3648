"""Permanence charts: the adoption timeline against England, time to permanence, counts by band."""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc_metrics.charts.bars import barh
from csc_metrics.charts.style import (
    LABEL_SIZE,
    OKABE_ITO,
    SERIES_COLOURS,
    SERIES_LINESTYLES,
    TEXT_COLOUR,
    Chart,
    category_ticks,
    finish,
    new_axes,
    style_axes,
    suppressed_note,
    value_label,
)
from csc_metrics.formatting import format_count
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.suppression import is_small_count

#: Colours and hatching of the stages of a timeline, in order: colour is never the only cue.
STAGE_STYLES: tuple[tuple[str, str], ...] = (
    (OKABE_ITO["blue"], ""),
    (OKABE_ITO["orange"], "//"),
    (OKABE_ITO["bluish_green"], ".."),
    (OKABE_ITO["reddish_purple"], "\\\\"),
    (OKABE_ITO["sky_blue"], "xx"),
)
DAYS_PER_YEAR = 365.25
#: The gap between the axes and a legend under them, in the legend's font sizes (9 pt): room
#: for the tick labels (10 pt) and the axis label (11 pt) with their pads.
LEGEND_BELOW_AXIS_LABEL = 4.4


def stage_timeline(
    stages: pd.DataFrame, title: str, source: str, notes: list[str] | None = None
) -> Chart:
    """Horizontal bars laying each row's stages end to end, like a timeline.

    Args:
        stages: One row per bar and stage, in drawing order: ``row`` (the bar's label, e.g.
            "This council" or "England, 2025"), ``stage`` (the stage's label) and ``days``
            (blank where not known: the stage is left out and its place stays empty).
        title: Chart title.
        source: Source line.
        notes: More footnotes.

    Returns:
        The chart: the first row at the top, each stage's days written on it where it fits,
        and each bar's total at its end.
    """
    rows = list(dict.fromkeys(stages["row"]))
    stage_names = list(dict.fromkeys(stages["stage"]))
    figure, ax = new_axes((8.0, max(2.8, 1.6 + 0.8 * len(rows))))
    positions = {row: len(rows) - 1 - n for n, row in enumerate(rows)}
    widest = 0.0
    labelled: set[str] = set()
    # Each bar's stages picked out as arrays (a frame's selection per bar cost more), their
    # values as Python's, as iterating the frame's columns gave them.
    row_of, stage_of = stages["row"].to_numpy(), stages["stage"].to_numpy()
    days_of = stages["days"].astype(float).to_numpy()
    for row in rows:
        chosen = row_of == row
        left = 0.0
        for name, days in zip(stage_of[chosen].tolist(), days_of[chosen].tolist(), strict=True):
            if np.isnan(days):
                continue
            index = stage_names.index(name)
            colour, hatch = STAGE_STYLES[index % len(STAGE_STYLES)]
            barh(
                ax,
                positions[row],
                days,
                left=left,
                color=colour,
                hatch=hatch,
                edgecolor="white",
                height=0.55,
                label=None if name in labelled else name,
            )
            labelled.add(name)
            if days >= 45:
                ax.text(
                    left + days / 2,
                    positions[row],
                    format_count(days),
                    ha="center",
                    va="center",
                    fontsize=9,
                    color=TEXT_COLOUR,
                    fontweight="bold",
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 1, "alpha": 0.85},
                )
            left += days
        widest = max(widest, left)
    totals = stages.groupby("row", sort=False)["days"].sum(min_count=1)
    for row, total in totals.items():
        if not np.isnan(total):
            ax.text(
                total,
                positions[row],
                f"  {format_count(total)} days",
                va="center",
                fontsize=LABEL_SIZE - 1,
                color=TEXT_COLOUR,
            )
    category_ticks(ax.yaxis, [positions[r] for r in rows], rows)
    style_axes(ax, "Days from entering care", "")
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#e0e0e0", linewidth=0.8)
    ax.set_xlim(0, max(widest * 1.22, 30))
    # Under the axis label, a fixed distance below the axes (in font sizes, not a fraction of
    # the axes' height, which would run into the label on a short chart), right-aligned with
    # the axes so that a legend wider than the axes runs left under the row labels, not off
    # the figure.
    ax.legend(
        loc="upper right",
        bbox_to_anchor=(1.0, 0.0),
        borderaxespad=LEGEND_BELOW_AXIS_LABEL,
        ncol=min(3, len(labelled)),
        frameon=False,
        fontsize=9,
    )
    footnote = finish(
        figure,
        title,
        [
            f"Source: {source}.",
            "Each stage is the average for the children whose two dates are known, so the "
            "stages need not add up exactly to the whole.",
            *(notes or []),
        ],
    )
    described = []
    for row in rows:
        chosen = row_of == row
        text = ", ".join(
            f"{stage} {value_label(days, 'days')} days"
            if not np.isnan(days)
            else f"{stage} not known"
            for stage, days in zip(stage_of[chosen].tolist(), days_of[chosen].tolist(), strict=True)
        )
        described.append(f"{row}: {text}")
    alt = f"Timeline of {title}: " + "; ".join(described) + "."
    return Chart(figure, title, alt, footnote)


def survival_curves(
    curves: pd.DataFrame,
    sizes: pd.DataFrame,
    title: str,
    source: str,
    band_group: str,
    suppress: bool = False,
    settings: Settings = DEFAULT_SETTINGS,
) -> Chart:
    """Step curves of the estimated share reaching an outcome by time since a start.

    Args:
        curves: ``survival.permanence_curves`` rows: ``group``, ``days``, ``reached_pct``,
            ``lower_pct``, ``upper_pct``.
        sizes: One row per group: ``group``, ``children``, ``reached`` (for suppression and
            the legend's ``n=``).
        title: Chart title.
        source: Source line.
        band_group: The group whose confidence band is drawn (one band keeps the chart
            readable).
        suppress: Leave out groups whose children or events count from 1 to
            ``settings.suppression_max`` (each step of a small group's curve is one child).
        settings: Settings.

    Returns:
        The chart (years since entering care on the x axis).
    """
    sizes = sizes.set_index("group")
    groups = [g for g in dict.fromkeys(curves["group"]) if g in sizes.index]
    left_out = []
    if suppress:
        small = is_small_count(sizes[["children", "reached"]].to_numpy().ravel(), settings)
        small_groups = set(sizes.index[small.reshape(-1, 2).any(axis=1)])
        left_out = [g for g in groups if g in small_groups]
        groups = [g for g in groups if g not in small_groups]
    figure, ax = new_axes()
    described = []
    for index, group in enumerate(groups):
        rows = curves[curves["group"] == group]
        years = rows["days"].to_numpy(dtype=float) / DAYS_PER_YEAR
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        children = format_count(sizes.at[group, "children"])
        ax.step(
            years,
            rows["reached_pct"].to_numpy(dtype=float),
            where="post",
            color=colour,
            linestyle=SERIES_LINESTYLES[index % len(SERIES_LINESTYLES)],
            linewidth=2.2 if group == band_group else 1.6,
            label=f"{group} (n={children})",
        )
        if group == band_group:
            ax.fill_between(
                years,
                rows["lower_pct"].to_numpy(dtype=float),
                rows["upper_pct"].to_numpy(dtype=float),
                step="post",
                color=colour,
                alpha=0.15,
                linewidth=0,
            )
        described.append(f"{group} (n={children}): {_milestones(rows)}")
    style_axes(ax, "Years since entering care", "% who reached a permanent home")
    ax.set_ylim(0, 100)
    ax.set_xlim(left=0)
    ax.legend(frameon=False, fontsize=9, loc="upper left")
    notes = [
        f"Source: {source}.",
        "Kaplan-Meier estimate (lifelines): children still in care are counted for as long as "
        f"they have been followed. Shaded: 95% confidence band for {band_group.lower()}.",
    ]
    if left_out:
        notes.append(f"{suppressed_note(settings, 'Groups')[:-1]}: {', '.join(left_out)}.")
    footnote = finish(figure, title, notes)
    alt = f"Step chart of {title}. " + (
        "; ".join(described) if described else "No group large enough to show."
    )
    if left_out:
        alt += f" Not shown (small numbers): {', '.join(left_out)}."
    return Chart(figure, title, alt, footnote)


def _milestones(rows: pd.DataFrame) -> str:
    """``19.6% within 1 year, 31.0% within 2 years`` for a curve, where it reaches that far."""
    days = rows["days"].to_numpy(dtype=float)
    reached = rows["reached_pct"].to_numpy(dtype=float)
    parts = []
    for years in (1, 2, 3):
        at = np.searchsorted(days, years * 365, side="right") - 1
        if at >= 0 and days[-1] >= years * 365:
            parts.append(
                f"{value_label(reached[at], 'pct')} within {years} year{'s' * (years > 1)}"
            )
    return ", ".join(parts) or f"{value_label(reached[-1], 'pct')} so far"


def count_bars(
    counts: pd.DataFrame,
    title: str,
    x_label: str,
    source: str,
    suppress: bool = False,
    settings: Settings = DEFAULT_SETTINGS,
) -> Chart:
    """Horizontal bars of a count by group, in the order given, each labelled with its count.

    Args:
        counts: ``group`` and ``count`` columns.
        title: Chart title.
        x_label: Value-axis label.
        source: Source line.
        suppress: Leave out counts from 1 to ``settings.suppression_max``, and say so.
        settings: Settings.

    Returns:
        The chart.
    """
    table = counts.reset_index(drop=True)
    hidden = (
        is_small_count(table["count"].to_numpy(), settings)
        if suppress
        else np.zeros(len(table), dtype=bool)
    )
    shown = table["count"].where(~hidden)
    positions = np.arange(len(table))[::-1]
    figure, ax = new_axes((8.0, max(2.8, 1.3 + 0.45 * len(table))))
    barh(ax, positions, shown.fillna(0).to_numpy(dtype=float), color=OKABE_ITO["blue"], height=0.6)
    labels = np.where(hidden, "c", table["count"].map(format_count))
    for position, value, label in zip(positions, shown.fillna(0), labels, strict=True):
        ax.annotate(
            label,
            (value, position),
            xytext=(5, 0),
            textcoords="offset points",
            va="center",
            fontsize=9,
            color=TEXT_COLOUR,
        )
    category_ticks(ax.yaxis, positions, [str(g) for g in table["group"]])
    style_axes(ax, x_label, "")
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#e0e0e0", linewidth=0.8)
    ax.set_xlim(0, max(float(shown.fillna(0).max()) * 1.2, 5))
    notes = [f"Source: {source}."]
    if hidden.any():
        notes.append(suppressed_note(settings, "Bars (c)"))
    footnote = finish(figure, title, notes)
    described = "; ".join(
        f"{group} {label}" for group, label in zip(table["group"], labels, strict=True)
    )
    return Chart(figure, title, f"Bar chart of {title}: {described}.", footnote)
