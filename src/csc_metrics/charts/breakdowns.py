"""Groups side by side: breakdown bars with intervals, and one small chart per team."""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd

from csc_metrics.charts.bars import barh
from csc_metrics.charts.style import (
    LABEL_SIZE,
    OKABE_ITO,
    TEXT_COLOUR,
    Chart,
    category_ticks,
    finish,
    month_label,
    new_axes,
    new_subplots,
    style_axes,
    suppressed_note,
    unit_formatter,
    value_label,
)
from csc_metrics.formatting import format_cell
from csc_metrics.gaps import group_rates
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.suppression import hidden_groups, is_small_count


def _in_unit(values: pd.Series, unit: str) -> list[str]:
    # As a list: a few groups, where a Series' map costs more than the text.
    return [value_label(v, unit) for v in values.tolist()]


def _bases(table: pd.DataFrame) -> list[str | None]:
    """Each group's base as written (``1,212``), or None where it is blank or not given."""
    if "denominator" not in table.columns:
        return [None] * len(table)
    return [
        format_cell(n) if shown else None
        for n, shown in zip(
            table["denominator"].tolist(), table["denominator"].notna().tolist(), strict=True
        )
    ]


def _bar_labels(table: pd.DataFrame, unit: str) -> list[str]:
    """``48.0% (n=212) *`` for each group: rate, base, and a star for a called gap."""
    labels = [
        rate if base is None else f"{rate} (n={base})"
        for rate, base in zip(_in_unit(table["rate"], unit), _bases(table), strict=True)
    ]
    if "gap_called" in table.columns:
        called = table["gap_called"].astype(bool).tolist()
        labels = [f"{text} *" if star else text for text, star in zip(labels, called, strict=True)]
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
    partition: bool = False,
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
        suppress: Leave out the groups ``suppression.hidden_groups`` withholds (a small count
            or complement, and a second group when the groups are parts of one whole), and say
            so in the footnote.
        settings: Settings.
        partition: The groups add up to a whole shown elsewhere (teams and the service), so
            hiding one group hides a second (``suppression.hidden_groups``).

    Returns:
        The chart.
    """
    if "rate" not in rates.columns:
        rates = group_rates(rates, group_column, settings=settings)
    table = rates.reset_index(drop=True)
    left_out: list[str] = []
    if suppress and "denominator" in table.columns:
        small = hidden_groups(table["numerator"], table["denominator"], settings, partition)
        left_out = [str(g) for g in table.loc[small, group_column]]
        table = table[~small].reset_index(drop=True)
    elif suppress:
        counts = table[[c for c in ("numerator", "denominator") if c in table.columns]]
        small = np.asarray(
            is_small_count(counts.to_numpy().ravel(), settings).reshape(counts.shape).any(1)
        )
        left_out = [str(g) for g in table.loc[small, group_column]]
        table = table[~small].reset_index(drop=True)
    positions = np.arange(len(table))[::-1]
    figure, ax = new_axes((8.0, max(3.2, 1.3 + 0.45 * len(table))))
    is_small = table.get("is_small", pd.Series(False, index=table.index)).astype(bool)
    bars = barh(
        ax, positions, table["rate"].to_numpy(dtype=float), color=OKABE_ITO["blue"], height=0.6
    )
    for bar, small_group in zip(bars, is_small, strict=True):
        if small_group:
            bar.set_facecolor(OKABE_ITO["sky_blue"])
            bar.set_hatch("//")
            bar.set_edgecolor("white")
    rate = table["rate"].to_numpy(dtype=float)
    ci_low, ci_high = table["ci_low"].to_numpy(dtype=float), table["ci_high"].to_numpy(dtype=float)
    errors = np.vstack([rate - ci_low, ci_high - rate])
    ax.errorbar(
        rate,
        positions,
        xerr=np.nan_to_num(errors),
        fmt="none",
        ecolor=TEXT_COLOUR,
        capsize=3,
        linewidth=1,
    )
    # Labels sit beyond the interval's end so the error bars never cross them.
    label_at = np.fmax(ci_high, rate)
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
            f"All: {value_label(overall, unit)}",
            ha="center",
            va="bottom",
            fontsize=9,
            color=TEXT_COLOUR,
            transform=ax.get_xaxis_transform(),
        )
    category_ticks(ax.yaxis, positions, [str(g) for g in table[group_column]])
    style_axes(ax, x_label, "")
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#e0e0e0", linewidth=0.8)
    ax.xaxis.set_major_formatter(unit_formatter(unit))
    ax.set_xlim(
        0,
        max(
            100.0 if unit == "pct" else 0.0,
            float(np.nanmax(np.append(ci_high, 0))) * 1.25,
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
        notes.append(f"{suppressed_note(settings, 'Groups')[:-1]}: {', '.join(left_out)}.")
    footnote = finish(figure, title, notes)
    return Chart(
        figure, title, _breakdown_alt_text(table, title, group_column, unit, left_out), footnote
    )


def _breakdown_alt_text(
    table: pd.DataFrame, title: str, group_column: str, unit: str, left_out: list[str]
) -> str:
    # Joined as lists: a few groups, where each Series operation costs more than the text.
    bases = [f", n={n}" if n is not None else "" for n in _bases(table)]
    described = [
        f"{group} {rate} (95% interval {low} to {high}{base})"
        for group, rate, low, high, base in zip(
            table[group_column].astype(str).tolist(),
            _in_unit(table["rate"], unit),
            _in_unit(table["ci_low"], unit),
            _in_unit(table["ci_high"], unit),
            bases,
            strict=True,
        )
    ]
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
        small = is_small_count(counts.ravel(), settings).reshape(counts.shape)
        hidden = np.any(small, axis=1)
    table["_shown"] = table[value_column].where(~hidden)
    teams = list(dict.fromkeys(table[team_column]))
    nrows = int(np.ceil(len(teams) / ncols))
    figure, grid = new_subplots((8.0, 1.2 + 2.1 * nrows), nrows, ncols, sharex=True, sharey=True)
    axes = grid.ravel()
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
        ax.yaxis.set_major_formatter(unit_formatter(unit))
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
        notes.append(suppressed_note(settings, "Values"))
    footnote = finish(figure, title, notes)
    return Chart(
        figure, title, _teams_alt_text(table, title, team_column, x_column, unit, teams), footnote
    )


def _teams_alt_text(
    table: pd.DataFrame, title: str, team_column: str, x_column: str, unit: str, teams: list
) -> str:
    dates = table[x_column]
    text = (
        f"Small multiples of {title} for {len(teams)} teams, {month_label(dates.min())} to "
        f"{month_label(dates.max())}."
    )
    latest = table[table[x_column] == dates.max()].dropna(subset=["_shown"])
    if len(latest):
        ordered = latest.sort_values("_shown")
        high, low = ordered.iloc[-1], ordered.iloc[0]
        text += (
            f" Latest: highest {high[team_column]} {value_label(high['_shown'], unit)}, "
            f"lowest {low[team_column]} {value_label(low['_shown'], unit)}."
        )
    return text
