"""Chart and table builders every report shares: SPC charts, benchmark tables and charts.

Each builder takes the report context and returns a ``Chart`` (for ``display.show_figure``) or a
``ReportTable`` (for ``ReportContext.show``); the area views (``overview``, ``caseloads``...)
compose them with their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from csc_metrics import benchmarks
from csc_metrics.catalogue import get_indicator, rolling_months, stock_counted, unit_format
from csc_metrics.charts import TEXT_COLOUR, Chart, benchmark_chart, spc_chart
from csc_metrics.charts.style import new_axes
from csc_metrics.dates import format_date
from csc_metrics.formatting import ColumnFormat, format_value
from csc_metrics.suppression import SUPPRESSED
from csc_metrics.views.report_context import ReportContext

#: Phrases in indicator labels and the abbreviation managers use for them, longest first (the
#: NEET phrase contains the EET one).
ABBREVIATIONS: dict[str, str] = {
    "not in education, employment or training": "NEET",
    "in education, employment or training": "EET",
}


def display_label(indicator_id: str) -> str:
    """An indicator's label with the abbreviation managers use added, e.g. ``... (EET)``.

    Args:
        indicator_id: The indicator.

    Returns:
        The catalogue label, followed by the abbreviation of the first phrase it contains.
    """
    label = get_indicator(indicator_id).label
    for phrase, abbreviation in ABBREVIATIONS.items():
        if phrase in label:
            return f"{label} ({abbreviation})"
    return label


# --- tables ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportTable:
    """A table for ``display.show_table`` with its caption and which columns hold what.

    Attributes:
        data: The table (human-readable column names).
        caption: What the table shows.
        count_columns: Columns holding counts of people or cases (suppressed when asked).
        percent_columns: Percentage column -> (numerator column, denominator column).
        row_header: The column naming each row.
        total_row: The row label of a totals row, if any.
        total_column: The column of row totals, if any.
        row_groups: (part rows, total row): rows that add up to another row in every count
            column (the activity bands of one cohort), for secondary suppression.
        hidden: Count cells hidden by the same figures elsewhere in the run (a team's row of
            the table of every team), aligned with ``data``.
        column_formats: Columns of indicator values written in their unit's decimals (ours,
            a benchmark as DfE published it, a gap), see ``formatting.ColumnFormat``.
    """

    data: pd.DataFrame
    caption: str
    count_columns: tuple[str, ...] = ()
    percent_columns: dict[str, tuple[str, str]] = field(default_factory=dict)
    row_header: str | None = None
    total_row: str | None = None
    total_column: str | None = None
    row_groups: tuple[tuple[tuple[str, ...], str], ...] = ()
    hidden: pd.DataFrame | None = None
    column_formats: dict[str, ColumnFormat] = field(default_factory=dict)

    @property
    def options(self) -> dict[str, Any]:
        """Keyword arguments for ``display.show_table`` (besides caption and suppress)."""
        return {
            "count_columns": list(self.count_columns),
            "percent_columns": dict(self.percent_columns),
            "row_header": self.row_header,
            "total_row": self.total_row,
            "total_column": self.total_column,
            "row_groups": self.row_groups,
            "hidden": self.hidden,
            "column_formats": dict(self.column_formats),
        }


# --- charts ------------------------------------------------------------------------------------


def empty_chart(title: str, message: str) -> Chart:
    """A chart that says why there is nothing to plot (no data for the period, or no team).

    Marked ``is_empty``: ``display.show_figure`` writes it as a sentence, not a picture.

    Args:
        title: The chart's title.
        message: Why it is empty, in plain words.

    Returns:
        The chart, with the message as its alt text.
    """
    figure, ax = new_axes((8.0, 1.6))
    ax.axis("off")
    ax.text(0.0, 0.5, message, fontsize=11, color=TEXT_COLOUR, va="center", wrap=True)
    figure.suptitle(title, x=0.01, ha="left", fontsize=13, fontweight="bold", color=TEXT_COLOUR)
    return Chart(figure, title, f"{title}: {message}", message, is_empty=True)


def chart_title(ctx: ReportContext, indicator_id: str) -> str:
    """An indicator's chart title: its label, and the team's name when it is the team's view."""
    label = get_indicator(indicator_id).label
    return f"{label}: {ctx.team}" if ctx.is_team_view(indicator_id) else label


QUARTER_ENDS = "@quarter ends"
YEAR_ENDS = "@31 March"


def trend_key(ctx: ReportContext, indicator_id: str, points: str = QUARTER_ENDS) -> str:
    """The key of an indicator's trend as a chart draws it (see ``Chart.series``).

    ``indicator_id`` for the whole service, ``indicator_id[team]`` for a team's own series,
    followed by which points are drawn: every quarter end, or each 31 March.
    """
    group = f"[{ctx.team}]" if ctx.is_team_view(indicator_id) else ""
    return f"{indicator_id}{group}{points}"


def drawing(chart: Chart, *series: str) -> Chart:
    """The chart, marked with the trends it draws (none when it is a sentence instead)."""
    return chart if chart.is_empty else replace(chart, series=tuple(series))


def overall_series(ctx: ReportContext, series: dict[str, str]) -> pd.DataFrame:
    """Several indicators' whole-service values at each date, side by side.

    Args:
        ctx: The report context.
        series: Indicator id -> the name of its column (and of its line on a chart).

    Returns:
        One row per ``period_end`` (the index), oldest first; a column per indicator.
    """
    wide = pd.DataFrame(
        {
            name: ctx.overall_rows(indicator_id).set_index("period_end")["value"]
            for indicator_id, name in series.items()
        }
    ).sort_index()
    wide.index.name = "period_end"
    return wide


def series_lines_chart(
    ctx: ReportContext,
    series: dict[str, str],
    wide: pd.DataFrame,
    title: str,
    y_label: str,
    highlighted: str,
    unit: str,
) -> Chart:
    """Several indicators at each quarter end as lines against each other (``overall_series``).

    Args:
        ctx: The report context.
        series: Indicator id -> its column of ``wide``.
        wide: From ``overall_series(ctx, series)``.
        title: Chart title.
        y_label: Value-axis label.
        highlighted: The column drawn thickest, in blue.
        unit: The indicators' unit.

    Returns:
        The chart, marked with each indicator's trend.
    """
    chart = benchmark_chart(
        wide,
        title,
        y_label,
        ctx.source(),
        highlighted,
        unit=unit,
        x_label="Quarter ending",
        suppress=ctx.suppress,
        settings=ctx.settings,
    )
    return drawing(chart, *(trend_key(ctx, i) for i in series))


def spc_chart_for(ctx: ReportContext, indicator_id: str, source: str = "ssda903") -> Chart:
    """The SPC chart of an indicator's series up to the period end.

    Args:
        ctx: The report context.
        indicator_id: The indicator (the team's series for caseload indicators with ``team``).
        source: ``ssda903`` or ``caseload`` (see ``ReportContext.source``).

    Returns:
        The chart, or an empty chart saying there is no series.
    """
    title = chart_title(ctx, indicator_id)
    summary = ctx.summary(indicator_id)
    if summary is None or summary.spc is None:
        return empty_chart(
            title, f"No figures for this indicator up to {format_date(ctx.period_end)}."
        )
    unit = get_indicator(indicator_id).unit
    points = summary.spc.points
    if len(points) > 1 and points["value"].nunique() == 1:
        # Limits on a flat line would be drawn on top of it: say it in words instead.
        value = points["value"].iloc[0]
        shown = ctx.count_text(value) if unit == "count" else format_value(value, unit)
        return empty_chart(
            title,
            f"The figure was {shown} at each of the {len(points)} quarter ends from "
            f"{format_date(points['date'].iloc[0])} to {format_date(ctx.period_end)}: no variation "
            "to chart.",
        )
    chart = spc_chart(
        summary.spc,
        title,
        unit_format(unit).axis_label,
        ctx.source(source),
        unit=unit,
        suppress=ctx.suppress,
        settings=ctx.settings,
        change_points=ctx.change_points_for(indicator_id),
        notes=rolling_note(indicator_id),
    )
    return drawing(chart, trend_key(ctx, indicator_id))


def rolling_note(indicator_id: str) -> tuple[str, ...]:
    """The footnote under a rolling or stock measure's SPC chart: how its signals are judged."""
    months = rolling_months(indicator_id)
    if not months:
        return stock_note(indicator_id)
    window = "12 months" if months == 12 else f"{months // 12} years"
    return (
        f"Each point counts the {window} to its date, so neighbouring quarters share most of "
        f"their data: only a point beyond the limits (set from changes {window} apart), or 7 "
        f"points in a row on one side of the average counted {window} apart, is special cause "
        "(docs/definitions.md, Rolling measures).",
    )


def stock_note(indicator_id: str) -> tuple[str, ...]:
    """The footnote under a stock measure's SPC chart (children looked after at each date)."""
    counted = stock_counted(indicator_id)
    if not counted:
        return ()
    return (
        f"Each point counts {counted} on its date, and most of them are still there a quarter "
        "later, so neighbouring quarters share most of their data: only "
        "a point beyond the limits (set from changes a year apart), or 7 points in a row on one "
        "side of the average counted a year apart, is special cause (docs/definitions.md, "
        "Stock measures).",
    )


# --- benchmarks ----------------------------------------------------------------------------------


def _aligned_at_end(ctx: ReportContext, indicator_ids: list[str]) -> pd.DataFrame:
    aligned = ctx.aligned_at_end
    return aligned[aligned["indicator_id"].isin(indicator_ids)]


def benchmark_table_for(ctx: ReportContext, indicator_ids: list[str], subject: str) -> ReportTable:
    """Our figures at the period end against the comparator, with the DfE year compared with.

    Args:
        ctx: The report context.
        indicator_ids: The benchmarked indicators, in report order.
        subject: What the table is about, for its caption (``Care leavers``).

    Returns:
        One row per indicator: ours, the comparator's, the gap, better or worse, the year, and
        why there is no gap where there is none.
    """
    aligned = _aligned_at_end(ctx, indicator_ids)
    # Ours, and so the gap (ours = theirs + gap), is withheld wherever the scorecard withholds it.
    withheld = aligned["indicator_id"].map(ctx.withholds_latest).astype(bool)
    table = pd.DataFrame(
        {
            "Indicator": aligned["indicator_id"].map(display_label),
            "Ours": aligned["value"].astype(object).where(~withheld, SUPPRESSED),
            ctx.comparator_name: aligned["benchmark"],
            "Gap": aligned["gap_pp"].astype(object).where(~withheld, SUPPRESSED),
            "Better or worse": aligned["comparison"].str.capitalize(),
            "DfE year": aligned["benchmark_year"].astype("string").fillna(""),
            "Why no gap": aligned["reason"],
        }
    )
    if not table["Why no gap"].ne("").any():
        table = table.drop(columns="Why no gap")
    # The rows mix units (percentages, rates), so each cell says its own; DfE's figure is
    # written as DfE published it.
    units = tuple(aligned["indicator_id"].map(lambda i: get_indicator(i).unit))
    return ReportTable(
        data=table.reset_index(drop=True),
        column_formats={
            "Ours": ColumnFormat(units, symbol=True),
            ctx.comparator_name: ColumnFormat(units, "published", symbol=True),
            "Gap": ColumnFormat(units, signed=True),
        },
        caption=(
            f"{subject} at {format_date(ctx.period_end)} compared with {ctx.comparator_name}: "
            f"gaps {_gap_units(units)} (our figure minus theirs); each quarter is compared "
            "with the latest DfE year ended on or before it"
        ),
        row_header="Indicator",
    )


def _gap_units(units: tuple[str, ...]) -> str:
    """What a benchmark table's gaps are in: ``in percentage points``, or one unit at a time.

    ``in percentage points for percentages and per 10,000 children for rates`` when the rows
    mix units.
    """
    # Percentages first: most rows are percentages, and the sentence reads best that way.
    ordered = sorted(dict.fromkeys(units), key=lambda unit: unit != "pct")
    named = {unit: unit_format(unit).gap_label for unit in ordered}
    if len(set(named.values())) <= 1:
        return "in " + (next(iter(named.values())) if named else "percentage points")
    kinds = {"pct": "percentages", "rate": "rates", "ratio": "ratios", "count": "counts"}
    parts = [f"{label} for {kinds.get(unit, unit)}" for unit, label in named.items()]
    return "in " + ", ".join(parts[:-1]) + " and " + parts[-1]


def benchmark_focus(ctx: ReportContext, indicator_ids: list[str]) -> str:
    """The indicator furthest from the comparator in the worse direction.

    Args:
        ctx: The report context.
        indicator_ids: Benchmarked indicators, in report order.

    Returns:
        Its id; the first of ``indicator_ids`` when none is worse.
    """
    # As arrays: a few dozen rows, where each frame selection costs more than the search.
    aligned = ctx.aligned_at_end
    worse = np.flatnonzero(
        aligned["indicator_id"].isin(indicator_ids).to_numpy()
        & (aligned["comparison"].to_numpy() == "worse")
    )
    if not len(worse):
        return indicator_ids[0]
    gaps = np.abs(aligned["gap_pp"].to_numpy(dtype=float)[worse])
    # The first of the largest gaps, in the rows' order, as ``idxmax`` picks it.
    return str(aligned["indicator_id"].to_numpy()[worse[np.nanargmax(gaps)]])


def benchmark_line_chart(ctx: ReportContext, indicator_id: str) -> Chart:
    """One indicator at each 31 March in our data, with DfE's England, region and SN median.

    Args:
        ctx: The report context.
        indicator_id: A benchmarked indicator.

    Returns:
        The chart (years ending 31 March on the x axis).
    """
    title = display_label(indicator_id)
    ours = ctx.overall_rows(indicator_id)
    # As arrays: a few dozen quarter ends, where pandas' date fields cost more than the test.
    days = ours["period_end"].to_numpy().astype("datetime64[D]")
    march_31 = (days.astype("datetime64[Y]").astype("datetime64[M]") + 3).astype(
        "datetime64[D]"
    ) - 1
    values = ours["value"].to_numpy()
    # Rows without a value (no OC3 return: no care leavers to count) are no figure either.
    chosen = (days == march_31) & ~pd.isna(values)
    if not chosen.any():
        return empty_chart(title, "No 31 March figure in the data to compare with DfE's.")
    # Years as ``.dt.year`` gives them (int32).
    years = (days[chosen].astype("datetime64[Y]").astype(int) + 1970).astype(np.int32)
    published = ctx.published_for(indicator_id)
    published = published.loc[published.index.isin(years)]
    council = "This council (our figures)"
    wide = pd.DataFrame(
        {
            council: pd.Series(values[chosen], index=years),
            benchmarks.ENGLAND_NAME: published["england"],
            str(ctx.council["region_name"]): published["region"],
            "Statistical neighbours (median)": published["sn_median"],
        }
    ).sort_index()
    wide = wide.dropna(axis=1, how="all")
    wide.index.name = "year"
    unit = get_indicator(indicator_id).unit
    chart = benchmark_chart(
        wide,
        title,
        unit_format(unit).axis_label,
        ctx.source("benchmarks"),
        council,
        unit=unit,
        suppress=ctx.suppress,
        settings=ctx.settings,
    )
    return drawing(chart, trend_key(ctx, indicator_id, YEAR_ENDS))
