"""The overview report: the quarterly scorecard of every headline indicator, and where to look.

The key messages summarise across the areas: special-cause concerns first, then benchmark gaps
in the worse direction, then improvements (``ranking.key_messages``), then the single most
telling finding of each area's own analysis (a team, a group of young people, a placement type).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from csc_metrics.catalogue import get_indicator, indicator_table
from csc_metrics.charts import OKABE_ITO, TEXT_COLOUR, Chart
from csc_metrics.charts.bars import barh
from csc_metrics.charts.style import category_ticks, finish, new_axes
from csc_metrics.dates import format_date
from csc_metrics.formatting import ColumnFormat
from csc_metrics.narrative import IndicatorSummary, Latest
from csc_metrics.views import care_leavers, caseload_messages, forecast, placements
from csc_metrics.views.builders import ReportTable, display_label, empty_chart, spc_chart_for
from csc_metrics.views.messages import enrich, ranked
from csc_metrics.views.report_context import ReportContext

#: Each area's report, in the order of the suite.
AREA_REPORTS: dict[str, tuple[str, str]] = {
    "placements": ("Placements", "03_placements.html"),
    "care_leavers": ("Care leavers", "02_care_leavers.html"),
    "caseloads": ("Caseloads", "01_caseloads.html"),
    "permanence": ("Permanence", "05_permanence.html"),
}
#: How the gap chart labels, and colours, a gap where neither direction is better.
NEITHER = "neither better nor worse"
NEUTRAL_GREY = "#757575"
#: Indicator messages in the overview, at most (area findings come after them).
MAX_INDICATOR_MESSAGES = 6


def headline_ids() -> list[str]:
    """The scorecard's indicators: every headline indicator of the catalogue, in its order."""
    table = indicator_table()
    return table.loc[table["headline"], "id"].tolist()


@dataclass(frozen=True)
class Scorecard:
    """The scorecard: one summary per headline indicator with a value, and its caption.

    ``extra_rows`` are rows that are not indicators (the forecast spend), as cell texts.
    """

    summaries: list[IndicatorSummary]
    caption: str
    extra_rows: tuple[tuple[str, ...], ...] = ()


def scorecard(ctx: ReportContext, costs_file: str | Path | None = None) -> Scorecard:
    """Every headline indicator at the period end with its change, SPC, target and benchmark.

    With ``ctx.team``, the caseload indicators are the team's. An indicator with no value at
    the period end keeps its row, blank, so that nothing silently drops off the scorecard. The
    last row is the placement spend forecast for the next 12 months against the last 12
    (``views.forecast.spend_row``), at the run's unit costs.

    Args:
        ctx: The report context.
        costs_file: The unit-costs file of the run (``--costs``), or None for the defaults.

    Returns:
        One summary per headline indicator, in catalogue order, a caption and the forecast row.
    """
    blank = Latest(np.nan, np.nan, np.nan, ctx.period_end)
    summaries = [ctx.summary(i) or IndicatorSummary(i, blank) for i in headline_ids()]
    team = f" (caseload figures for {ctx.team})" if ctx.team else ""
    return Scorecard(
        summaries=summaries,
        caption=(
            f"Headline indicators at {format_date(ctx.period_end)}{team}: the change since last "
            f"quarter and a year ago, what the SPC chart shows, any target, and the gap to "
            f"{ctx.comparator_name} (a blank figure: no data for this period); last, the "
            "placement spend forecast for the next 12 months"
        ),
        extra_rows=(forecast.spend_row(ctx, costs_file),),
    )


#: The leading finding of each area the overview adds to its messages, with the dataset each
#: is worked out from: an area whose data do not cover the period end adds none.
AREA_FINDINGS: tuple[tuple[str, Callable[[ReportContext], list[str]]], ...] = (
    ("caseload", lambda ctx: caseload_messages.team_change_messages(ctx, max_messages=1)),
    ("ssda903", lambda ctx: care_leavers.equity_messages(ctx, max_messages=1)),
    ("ssda903", placements.location_messages),
)


def headline_messages(ctx: ReportContext) -> list[tuple[IndicatorSummary, str]]:
    """The headline indicators' messages in rank order, each with the summary it was written from.

    On a team's page, a message about the team's own figure names the team
    (``Team A, cases per FTE ...``).

    Args:
        ctx: The report context.

    Returns:
        At most ``MAX_INDICATOR_MESSAGES`` ``(summary, text)`` pairs, most severe first.
    """
    subjects = {
        i: f"{ctx.team}, {get_indicator(i).label[:1].lower()}{get_indicator(i).label[1:]}"
        for i in headline_ids()
        if ctx.is_team_view(i)
    }
    return [
        (summary, enrich(text, summary, ctx.suppress, subjects.get(summary.indicator_id)))
        for summary, text in ranked(ctx, headline_ids(), MAX_INDICATOR_MESSAGES)
    ]


def key_messages(ctx: ReportContext) -> list[str]:
    """The overview's key messages, across every area, generated from the data.

    Args:
        ctx: The report context.

    Returns:
        Indicator messages (concerns, worse gaps, improvements, better gaps), then the leading
        finding of each area whose data cover the period end (``AREA_FINDINGS``): a team whose
        caseload shows special cause, a group of care leavers doing worse beyond chance, the
        placement type that dominates placements outside the council's area.
    """
    messages = [text for _, text in headline_messages(ctx)]
    findings = [
        finding(ctx) for dataset, finding in AREA_FINDINGS if ctx.not_covered(dataset) is None
    ]
    return messages + [found[0] for found in findings if found]


def lead_indicator(ctx: ReportContext) -> str:
    """The headline indicator the key messages put first (the first headline when none)."""
    picked = ranked(ctx, headline_ids(), 1)
    if picked:
        return picked[0][0].indicator_id
    available = ctx.summaries(headline_ids())
    return available[0].indicator_id if available else headline_ids()[0]


#: Trend charts in the overview's "most pressing trends" (and the committee summary).
PRESSING_TRENDS = 3


def pressing_indicators(ctx: ReportContext, count: int = PRESSING_TRENDS) -> list[str]:
    """The headline indicators the key messages put first, at most ``count`` (no repeats)."""
    picked = [summary.indicator_id for summary, _ in ranked(ctx, headline_ids(), count * 2)]
    unique = list(dict.fromkeys(picked))[:count]
    return unique or [lead_indicator(ctx)]


def pressing_spc_charts(ctx: ReportContext, count: int = PRESSING_TRENDS) -> list[Chart]:
    """The SPC charts of the most pressing headline indicators (``pressing_indicators``)."""
    return [
        spc_chart_for(
            ctx,
            indicator_id,
            "caseload" if get_indicator(indicator_id).area == "caseloads" else "ssda903",
        )
        for indicator_id in pressing_indicators(ctx, count)
    ]


def lead_spc_chart(ctx: ReportContext) -> Chart:
    """The SPC chart of the indicator the key messages put first."""
    indicator_id = lead_indicator(ctx)
    source = "caseload" if get_indicator(indicator_id).area == "caseloads" else "ssda903"
    return spc_chart_for(ctx, indicator_id, source)


def benchmark_gaps(ctx: ReportContext) -> pd.DataFrame:
    """Headline percentages at the period end with their gap to the comparator.

    Args:
        ctx: The report context.

    Returns:
        ``indicator_id``, ``label``, ``value``, ``benchmark``, ``gap_pp``, ``comparison``
        (better or worse) and ``benchmark_year``, in catalogue order, for the indicators with a
        gap (caseload indicators are left out when they are a team's).
    """
    aligned = ctx.aligned_at_end
    rows = aligned[
        aligned["indicator_id"].isin(headline_ids())
        & aligned["gap_pp"].notna()
        & aligned["indicator_id"].map(lambda i: get_indicator(i).unit == "pct")
        & ~aligned["indicator_id"].map(ctx.is_team_view)
    ]
    if ctx.suppress:
        # Our figure, and so its gap to a published one, is withheld wherever the scorecard
        # withholds it: ours would be the benchmark plus the gap.
        withheld = rows["indicator_id"].map(
            lambda i: ctx.latest(i) is None or ctx.withholds_latest(i)
        )
        rows = rows[~withheld.astype(bool)]
    return rows.assign(label=rows["indicator_id"].map(display_label))[
        ["indicator_id", "label", "value", "benchmark", "gap_pp", "comparison", "benchmark_year"]
    ].reset_index(drop=True)


def benchmark_gap_table(ctx: ReportContext) -> ReportTable:
    """The table behind ``benchmark_gap_chart``."""
    gaps = benchmark_gaps(ctx)
    table = pd.DataFrame(
        {
            "Indicator": gaps["label"],
            "Ours (%)": gaps["value"],
            f"{ctx.comparator_name} (%)": gaps["benchmark"],
            "Gap (points)": gaps["gap_pp"],
            "Better or worse": gaps["comparison"].str.capitalize(),
            "DfE year": gaps["benchmark_year"].astype("string"),
        }
    )
    return ReportTable(
        table,
        f"Headline percentages at {format_date(ctx.period_end)} against {ctx.comparator_name}, "
        "with the DfE year each is compared with",
        row_header="Indicator",
        column_formats={
            "Ours (%)": ColumnFormat("pct"),
            f"{ctx.comparator_name} (%)": ColumnFormat("pct", "published"),
            "Gap (points)": ColumnFormat("pct", signed=True),
        },
    )


def benchmark_gap_chart(ctx: ReportContext) -> Chart:
    """Each headline percentage's gap to the comparator, marked better or worse.

    Bars to the right are above the comparator, to the left below; whether that is better
    depends on the indicator, so each bar is labelled "better" or "worse" in words and worse
    gaps are also hatched (colour is never the only cue).

    Args:
        ctx: The report context.

    Returns:
        The chart.
    """
    title = f"Gap to {ctx.comparator_name}, percentage points"
    gaps = benchmark_gaps(ctx)
    if gaps.empty:
        return empty_chart(
            title, f"No published figure to compare with at {format_date(ctx.period_end)}."
        )
    worse = gaps["comparison"].eq("worse").to_numpy()
    positions = np.arange(len(gaps))[::-1]
    figure, ax = new_axes((8.0, 1.6 + 0.5 * len(gaps)))
    # A share where neither direction is better (how children leave care) is grey.
    neutral = gaps["comparison"].eq("").to_numpy()
    colours = np.where(
        worse, OKABE_ITO["vermillion"], np.where(neutral, NEUTRAL_GREY, OKABE_ITO["blue"])
    )
    bars = barh(ax, positions, gaps["gap_pp"].to_numpy(dtype=float), color=colours, height=0.6)
    for bar, is_worse in zip(bars, worse, strict=True):
        if is_worse:
            bar.set_hatch("//")
            bar.set_edgecolor("white")
    words = gaps["comparison"].replace("", NEITHER)
    labels = [f"{gap:+.1f} ({word})" for gap, word in zip(gaps["gap_pp"], words, strict=True)]
    ax.bar_label(bars, labels=labels, padding=4, fontsize=9, color=TEXT_COLOUR)
    ax.axvline(0, color=TEXT_COLOUR, linewidth=1)
    category_ticks(ax.yaxis, positions, list(gaps["label"].str.wrap(45)))
    limit = float(np.nanmax(np.abs(gaps["gap_pp"].to_numpy(dtype=float)))) * 1.8 + 1
    ax.set_xlim(-limit, limit)
    ax.set_xlabel(
        f"Our figure minus {ctx.comparator_name}'s (percentage points)",
        fontsize=11,
        color=TEXT_COLOUR,
    )
    ax.tick_params(labelsize=9, colors=TEXT_COLOUR)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", color="#e0e0e0", linewidth=0.8)
    ax.set_axisbelow(True)
    footnote = finish(
        figure,
        title,
        [
            f"Source: {ctx.source('benchmarks')}. Hatched red bars: worse than "
            f"{ctx.comparator_name}; solid blue: better"
            + ("; grey: neither direction is better." if neutral.any() else ".")
        ],
    )
    described = "; ".join(
        f"{label} {gap:+.1f} points ({word})"
        for label, gap, word in zip(gaps["label"], gaps["gap_pp"], words, strict=True)
    )
    alt = (
        f"Bar chart of the gap between our headline percentages and {ctx.comparator_name} at "
        f"{format_date(ctx.period_end)}: {described}."
    )
    return Chart(figure, title, alt, footnote)


def next_steps_table(ctx: ReportContext) -> ReportTable:
    """Where to look next: each area's report with what its headline SPC charts show.

    Args:
        ctx: The report context.

    Returns:
        One row per area: the report, the concerns and the improvements SPC found.
    """
    rows = []
    for area, (name, page) in AREA_REPORTS.items():
        summaries = [
            s for s in ctx.summaries(headline_ids()) if get_indicator(s.indicator_id).area == area
        ]
        concerns = [
            display_label(s.indicator_id)
            for s in summaries
            if s.spc is not None and s.spc.variation.startswith("concern")
        ]
        improvements = [
            display_label(s.indicator_id)
            for s in summaries
            if s.spc is not None and s.spc.variation.startswith("improvement")
        ]
        rows.append(
            {
                "Area": name,
                "Report": page,
                "Special-cause concerns": "; ".join(concerns) or "None",
                "Special-cause improvements": "; ".join(improvements) or "None",
            }
        )
    return ReportTable(
        pd.DataFrame(rows),
        "Where to look next: each area's report and what its headline trend charts show",
        row_header="Area",
    )
