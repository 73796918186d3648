"""The permanence report: how children leave care, how long adoption takes, who is waiting.

Figures come from the permanence indicators (``indicators.permanence``, ``indicators.adoption``,
``indicators.survival``); child-level rows are only ever counted here. Adoption cohorts are
small (a few children a year in a small council), so every table and chart says how many
children a figure rests on, and the report says so plainly instead of showing an empty chart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc_metrics.benchmarks import adoption_stage_benchmarks
from csc_metrics.charts import Chart
from csc_metrics.charts.permanence import count_bars, stage_timeline, survival_curves
from csc_metrics.dates import format_date
from csc_metrics.formatting import ColumnFormat, format_value, in_words
from csc_metrics.indicators import PermanenceInputs, prepare_permanence
from csc_metrics.indicators.adoption import (
    PLAN_ENDED_LABELS,
    adoption_record_gaps,
    waiting_band_labels,
)
from csc_metrics.indicators.groups import UNRECOGNISED
from csc_metrics.indicators.permanence import (
    PREVIOUS_PERMANENCE_LABELS,
    ROUTE_IDS,
    ROUTE_LABELS,
)
from csc_metrics.indicators.survival import (
    ALL_CHILDREN,
    permanence_curves,
    permanence_summary,
)
from csc_metrics.spc import VARIATION_LABELS
from csc_metrics.views.builders import (
    ReportTable,
    benchmark_line_chart,
    benchmark_table_for,
    display_label,
    empty_chart,
    overall_series,
    series_lines_chart,
    spc_chart_for,
)
from csc_metrics.views.messages import indicator_messages
from csc_metrics.views.report_context import ReportContext, per_context

AREA = "permanence"
#: Short names of the routes out of care for the lines of the route chart.
ROUTE_SERIES: dict[str, str] = {
    "left_care_adopted_pct": "Adopted",
    "left_care_sgo_pct": "Special guardianship",
    "left_care_cao_pct": "Child arrangements order",
    "left_care_home_pct": "Returned home",
    "left_care_relatives_no_pr_pct": "Family without PR",
    "left_care_other_pct": "Other reasons",
}
#: The DfE's stages drawn end to end on the timeline: indicator id -> label.
TIMELINE_STAGES: dict[str, str] = {
    "adoption_entry_to_decision_days": "Entry to decision",
    "adoption_decision_to_match_days": "Decision to match",
    "adoption_match_to_placed_days": "Match to moving in",
    "adoption_placed_to_adopted_days": "Moving in to adoption order",
}
#: Every adoption timeliness indicator in the stage table, in report order.
TIMELINESS_IDS = [
    *TIMELINE_STAGES,
    "adoption_a1_days",
    "adoption_entry_to_adopted_days",
    "adoption_a2_days",
    "adoption_a10_days",
]
#: The scorecard-style 3-year averages, beside their 12-month figures.
THREE_YEAR_IDS = {
    "adoption_a1_days": "adoption_a1_3yr_days",
    "adoption_a2_days": "adoption_a2_3yr_days",
    "adoption_a10_days": "adoption_a10_3yr_days",
}
#: Indicators whose trend, benchmark or target can make a key message, most telling first.
MESSAGE_IDS = [
    "adoption_decision_to_match_days",
    "adoption_a10_3yr_days",
    "adoption_a1_days",
    "adoption_entry_to_decision_days",
    "adoption_placed_to_adopted_days",
    "left_care_adopted_pct",
    "left_care_sgo_pct",
    "adoption_waiting_days",
    "adoption_waiting_count",
    "started_after_permanence_pct",
]
MAX_INDICATOR_MESSAGES = 5
#: Benchmarked percentages, in report order (the adoption stages, in days, are compared with
#: England in the stage table).
BENCHMARKED = list(ROUTE_IDS.values())
#: Wait (in months since the decision) from which a waiting child is named in a key message.
LONG_WAIT_BAND = 2


def _children(ctx: ReportContext, count: float) -> str:
    """``1 child``, ``12 children`` or ``fewer than 6 children``."""
    noun = "child" if count == 1 and not ctx.is_small(count) else "children"
    return f"{ctx.count_text(count)} {noun}"


def _year_to(ctx: ReportContext) -> str:
    return f"the 12 months to {format_date(ctx.period_end)}"


@per_context
def permanence_inputs(ctx: ReportContext) -> PermanenceInputs:
    """The prepared permanence structures for the report's data (worked out once)."""
    return prepare_permanence(ctx.data, ctx.inputs)


def _latest(ctx: ReportContext, indicator_id: str) -> pd.Series | None:
    return ctx.latest(indicator_id)


def _children_adopted(ctx: ReportContext, years: int = 1) -> int:
    """Children adopted in the 12 months (or the years) to the period end."""
    indicator_id = "adoption_a1_days" if years == 1 else "adoption_a1_3yr_days"
    latest = _latest(ctx, indicator_id)
    if latest is None:
        return 0
    return int(np.nansum([latest["denominator"], latest["unknown"]]))


# --- key messages ------------------------------------------------------------------------------


def key_messages(ctx: ReportContext) -> list[str]:
    """The permanence report's key messages.

    The indicator messages (a change the trend chart calls real, a gap to the comparator) come
    first, then what a manager needs to read them: how many children the adoption figures rest
    on, how many are waiting for a family and for how long, how soon children who enter care
    reach a permanent home, and any gap in the adoption records.

    Args:
        ctx: The report context.

    Returns:
        The messages.
    """
    messages = indicator_messages(ctx, MESSAGE_IDS, MAX_INDICATOR_MESSAGES)
    messages.append(cohort_message(ctx))
    for extra in (waiting_message(ctx), permanence_message(ctx), records_message(ctx)):
        if extra:
            messages.append(extra)
    return messages


def cohort_message(ctx: ReportContext) -> str:
    """How many children the adoption figures rest on, and what that means for reading them."""
    adopted = _children_adopted(ctx)
    over_years = _children_adopted(ctx, years=3)
    if adopted == 0:
        return (
            f"No child was adopted in {_year_to(ctx)}, so there are no adoption timeliness "
            f"figures for the year; the 3-year averages rest on {ctx.count_text(over_years)} "
            "children."
        )
    verb = "was" if adopted == 1 and not ctx.is_small(adopted) else "were"
    text = (
        f"{_children(ctx, adopted)} {verb} adopted in {_year_to(ctx)} "
        f"({_children(ctx, over_years)} in the last 3 years)."
    )
    if adopted < ctx.settings.small_group:
        text += (
            " With so few, one child more or less moves each average by weeks: read the "
            "12-month figures with the 3-year averages, which are steadier."
        )
    return text


def waiting_message(ctx: ReportContext) -> str | None:
    """How many children wait to be placed for adoption, and how many have waited long."""
    waiting = _latest(ctx, "adoption_waiting_count")
    if waiting is None or not waiting["value"]:
        return None
    bands = waiting_band_labels(ctx.settings)
    rows = _breakdown(ctx, "adoption_waiting_count", "waiting_band")
    long_wait = float(rows.reindex(bands[LONG_WAIT_BAND:])["numerator"].sum())
    months = ctx.settings.waiting_band_months[LONG_WAIT_BAND - 1]
    verb = "was" if waiting["value"] == 1 and not ctx.is_small(waiting["value"]) else "were"
    text = (
        f"{_children(ctx, waiting['value'])} {verb} waiting at "
        f"{format_date(ctx.period_end)} to be placed for adoption"
    )
    days = _latest(ctx, "adoption_waiting_days")
    if days is not None and not ctx.is_small(days["denominator"]):
        text += f", on average {in_words(days['value'], 'days')} since the decision"
    if long_wait:
        text += f"; {ctx.count_text(long_wait)} of them for {months} months or more"
    return text + "."


def permanence_message(ctx: ReportContext) -> str | None:
    """How soon children who entered care reached a permanent home (the estimate)."""
    summary = time_to_permanence(ctx)
    everyone = summary[summary["group"] == ALL_CHILDREN]
    if everyone.empty or not everyone["children"].iloc[0]:
        return None
    row = everyone.iloc[0]
    if ctx.is_small(row["children"], row["reached"]):
        return (
            "Time to permanence: too few children entered care in the last "
            f"{ctx.settings.permanence_cohort_years} years to estimate it without identifying "
            "them."
        )
    years = ctx.settings.permanence_cohort_years
    text = (
        f"Of the {ctx.count_text(row['children'])} children who entered care in the last "
        f"{years} years (their latest period of care), an estimated "
    )
    if np.isnan(row["within_2yr_pct"]):
        text += f"{format_value(row['within_1yr_pct'], 'pct')} left for adoption, special "
        text += "guardianship or a child arrangements order within a year"
    else:
        text += (
            f"{format_value(row['within_2yr_pct'], 'pct')} left for adoption, special "
            "guardianship or a child arrangements order within two years"
        )
    if np.isnan(row["median_days"]):
        text += "; fewer than half are estimated to, so there is no median time."
    else:
        text += f"; the median time was {in_words(row['median_days'], 'days')}."
    return text


def records_message(ctx: ReportContext) -> str | None:
    """Adoptions in the year whose records lack a date the stage averages need."""
    gaps = record_gaps(ctx)
    gaps = gaps[gaps["children"] > 0]
    if gaps.empty:
        return None
    adopted = int(gaps["adopted"].iloc[0])
    listed = "; ".join(
        f"{ctx.count_text(row.children)} with {row.gap}" for row in gaps.itertuples(index=False)
    )
    return (
        f"Of the {ctx.count_text(adopted)} adoptions in {_year_to(ctx)}, {listed}: their "
        "stage times are left out of the averages (see the data notes below)."
    )


# --- routes out of care ------------------------------------------------------------------------


def _breakdown(ctx: ReportContext, indicator_id: str, breakdown: str) -> pd.DataFrame:
    """One indicator's groups of a breakdown at the period end, indexed by group."""
    metrics = ctx.indicator_metrics(indicator_id)
    rows = metrics[metrics["breakdown"] == breakdown]
    return rows.set_index("group")


def route_chart(ctx: ReportContext) -> Chart:
    """The share of children leaving care by each route, at every quarter end."""
    title = "How children left care: share by route, 12 months to each quarter end"
    wide = overall_series(ctx, ROUTE_SERIES)
    if wide.dropna(how="all").empty:
        return empty_chart(
            title,
            f"No child left care in the 12 months to any quarter end up to "
            f"{format_date(ctx.period_end)}.",
        )
    return series_lines_chart(
        ctx,
        ROUTE_SERIES,
        wide,
        title,
        "% of children who left care",
        ROUTE_SERIES["left_care_adopted_pct"],
        "pct",
    )


def _with_total_row(
    table: pd.DataFrame, header: str, label: str, children: float, percent_column: str
) -> pd.DataFrame:
    """The table with a last row for all the children: how many, and 100% (blank for none)."""
    total = {header: label, "Children": children, percent_column: 100.0 if children > 0 else np.nan}
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


def route_table(ctx: ReportContext) -> ReportTable:
    """Children who left care by route: now, a year earlier, the trend and the comparator."""
    year_ago = ctx.period_end - pd.DateOffset(years=1)
    aligned = ctx.aligned_at_end.set_index("indicator_id")
    rows = []
    for route, indicator_id in ROUTE_IDS.items():
        series = ctx.overall_rows(indicator_id).set_index("period_end")
        now = series.loc[ctx.period_end] if ctx.period_end in series.index else None
        before = series.loc[year_ago] if year_ago in series.index else None
        summary = ctx.summary(indicator_id)
        rows.append(
            {
                "Route out of care": ROUTE_LABELS[route],
                "Children": np.nan if now is None else now["numerator"],
                "% of children who left care": np.nan if now is None else now["value"],
                "Left care (all routes)": np.nan if now is None else now["denominator"],
                "% a year earlier": np.nan if before is None else before["value"],
                "Children a year earlier": np.nan if before is None else before["numerator"],
                "All a year earlier": np.nan if before is None else before["denominator"],
                f"{ctx.comparator_name} %": aligned["benchmark"].get(indicator_id, np.nan),
                "Trend (SPC)": "No trend yet"
                if summary is None or summary.spc is None
                else VARIATION_LABELS[summary.spc.variation],
            }
        )
    table = pd.DataFrame(rows).drop(columns=["Left care (all routes)", "All a year earlier"])
    now = ctx.latest("left_care_adopted_pct")
    total = np.nan if now is None else now["denominator"]
    table = _with_total_row(
        table,
        "Route out of care",
        "All children who left care",
        total,
        "% of children who left care",
    )
    return ReportTable(
        data=table,
        caption=(
            f"Children who ceased to be looked after in {_year_to(ctx)}, by how they left, "
            "with the share a year earlier, the trend and the comparator's latest DfE figure"
        ),
        count_columns=("Children", "Children a year earlier"),
        percent_columns={
            "% of children who left care": ("Children", "Children"),
            "% a year earlier": ("Children a year earlier", "Children a year earlier"),
        },
        row_header="Route out of care",
        total_row="All children who left care",
        column_formats={f"{ctx.comparator_name} %": ColumnFormat("pct", "published")},
    )


# --- adoption timeliness -----------------------------------------------------------------------


def _england_stages(ctx: ReportContext) -> tuple[int | None, pd.DataFrame]:
    """England's all-ages stage averages for the latest DfE year ended by the period end."""
    year, table = _england_stages_once(ctx)
    return year, table.copy()


@per_context
def _england_stages_once(ctx: ReportContext) -> tuple[int | None, pd.DataFrame]:
    """``_england_stages``, worked out once per context (the table, the chart, a sentence)."""
    table = adoption_stage_benchmarks()
    table = table[table["age_at_entry"] == "All ages"]
    years = table["year"][pd.to_datetime(table["year"].astype(str) + "-03-31") <= ctx.period_end]
    if years.empty:
        return None, table.iloc[:0]
    year = int(years.max())
    return year, table[table["year"] == year].set_index("indicator_id")


def _average(ctx: ReportContext, indicator_id: str) -> tuple[float, float]:
    """An average of days and the children it rests on; hidden (NaN) when suppressed."""
    latest = _latest(ctx, indicator_id)
    if latest is None:
        return np.nan, 0.0
    children = float(latest["denominator"])
    if ctx.is_small(children):
        return np.nan, children
    return float(latest["value"]), children


def stage_timeline_chart(ctx: ReportContext) -> Chart:
    """The adoption stages end to end: this council's 12 months against England's year."""
    title = "The adoption timeline: average days at each stage"
    adopted = _children_adopted(ctx)
    if adopted == 0:
        return empty_chart(
            title,
            f"No child was adopted in {_year_to(ctx)}, so there is no timeline for the year.",
        )
    if ctx.is_small(adopted):
        return empty_chart(
            title,
            f"Fewer than {ctx.settings.suppression_max + 1} children were adopted in "
            f"{_year_to(ctx)}: their averages are not shown, to protect their privacy.",
        )
    year, england = _england_stages(ctx)
    ours = f"This council, adopted in the 12 months (n={ctx.count_text(adopted)})"
    rows = [
        {"row": ours, "stage": name, "days": _average(ctx, indicator_id)[0]}
        for indicator_id, name in TIMELINE_STAGES.items()
    ]
    if year is not None:
        rows += [
            {
                "row": f"England, year ending March {year}",
                "stage": name,
                "days": float(england["days"].get(indicator_id, np.nan)),
            }
            for indicator_id, name in TIMELINE_STAGES.items()
        ]
    notes = [
        "England: the DfE's averages, published in years and months and converted to days.",
    ]
    if adopted < ctx.settings.small_group:
        notes.append(f"Only {ctx.count_text(adopted)} children: treat the averages with caution.")
    return stage_timeline(pd.DataFrame(rows), title, ctx.source("benchmarks"), notes)


def stage_table(ctx: ReportContext) -> ReportTable:
    """Every adoption timeliness figure: the 12 months, 3 years, England, and the children."""
    year, england = _england_stages(ctx)
    england_name = f"England {year} (days)" if year else "England (days)"
    rows = []
    for indicator_id in TIMELINESS_IDS:
        value, children = _average(ctx, indicator_id)
        rolling = THREE_YEAR_IDS.get(indicator_id)
        three_year, three_children = _average(ctx, rolling) if rolling else (np.nan, np.nan)
        latest = _latest(ctx, indicator_id)
        benchmark = float(england["days"].get(indicator_id, np.nan)) if year else np.nan
        rows.append(
            {
                "Stage": display_label(indicator_id),
                "Days (12 months)": value,
                "Children (12 months)": children,
                "Records without the dates": np.nan if latest is None else latest["unknown"],
                "Days (3 years)": three_year,
                "Children (3 years)": three_children,
                england_name: benchmark,
                "Days more than England": value - benchmark,
            }
        )
    return ReportTable(
        data=pd.DataFrame(rows),
        caption=(
            f"Adoption timeliness: average days for the children adopted in {_year_to(ctx)} "
            "and, for A1, A2 and A10, in the 3 years to it, with England's latest averages "
            "(published in years and months, converted to days; a negative difference is "
            "quicker than England). A2 and A10 have no published England figure"
        ),
        count_columns=("Children (12 months)", "Records without the dates", "Children (3 years)"),
        row_header="Stage",
        # Averages in whole days, as the catalogue writes days (DfE's years and months too).
        column_formats={
            "Days (12 months)": ColumnFormat("days"),
            "Days (3 years)": ColumnFormat("days"),
            england_name: ColumnFormat("days"),
            "Days more than England": ColumnFormat("days", signed=True),
        },
    )


def stage_age_table(ctx: ReportContext) -> ReportTable:
    """A1 (entry to moving in) by age on entering care, against England's for the same ages."""
    year, _ = _england_stages(ctx)
    rows = _breakdown(ctx, "adoption_a1_days", "age_at_entry")
    published = adoption_stage_benchmarks()
    england = published[(published["year"] == year) & (published["stage"] == "a1")].set_index(
        "age_at_entry"
    )
    hidden = rows["denominator"].map(lambda n: ctx.is_small(n))
    table = pd.DataFrame(
        {
            "Age on entering care": rows.index,
            "Children": rows["denominator"].to_numpy(),
            "Days (12 months)": rows["value"].where(~hidden).to_numpy(),
            f"England {year} (days)": england["days"].reindex(rows.index).to_numpy(),
        }
    )
    return ReportTable(
        data=table,
        caption=(
            "Days from entering care to moving in with the adoptive family (A1) by age on "
            f"entering the final period of care: children adopted in {_year_to(ctx)}"
        ),
        count_columns=("Children",),
        row_header="Age on entering care",
        column_formats={
            "Days (12 months)": ColumnFormat("days"),
            f"England {year} (days)": ColumnFormat("days"),
        },
    )


def decision_to_match_spc_chart(ctx: ReportContext) -> Chart:
    """The trend of the days from the decision to place for adoption to the match."""
    return spc_chart_for(ctx, "adoption_decision_to_match_days")


def a10_spc_chart(ctx: ReportContext) -> Chart:
    """The trend of A10 over 3 years (the scorecard measure)."""
    return spc_chart_for(ctx, "adoption_a10_3yr_days")


# --- time to permanence ------------------------------------------------------------------------


@per_context
def time_to_permanence(ctx: ReportContext) -> pd.DataFrame:
    """The Kaplan-Meier summary at the period end (``survival.permanence_summary``)."""
    return permanence_summary(permanence_inputs(ctx), ctx.period_end)


def time_to_permanence_chart(ctx: ReportContext) -> Chart:
    """Estimated share of entrants reaching a permanent home by years since entering care."""
    title = "Time to a permanent home, by age on entering care"
    summary = time_to_permanence(ctx)
    if summary.empty or not summary["children"].iloc[0]:
        return empty_chart(title, "No child entered care in the years the data cover.")
    curves = permanence_curves(permanence_inputs(ctx), ctx.period_end)
    return survival_curves(
        curves,
        summary[["group", "children", "reached"]],
        title,
        ctx.source(),
        ALL_CHILDREN,
        suppress=ctx.suppress,
        settings=ctx.settings,
    )


def time_to_permanence_table(ctx: ReportContext) -> ReportTable:
    """The estimate for all children and each age band at entry, with the median's interval."""
    summary = time_to_permanence(ctx)
    small = summary.apply(lambda r: ctx.is_small(r["children"], r["reached"]), axis=1)

    def shown(column: str) -> pd.Series:
        return summary[column].where(~small)

    interval = [
        ""
        if not children
        else "not reached"
        if np.isnan(low) and np.isnan(high)
        else f"{_days_text(low)} to {_days_text(high)}"
        for children, low, high in zip(
            summary["children"], shown("median_lower"), shown("median_upper"), strict=True
        )
    ]
    table = pd.DataFrame(
        {
            "Age on entering care": summary["group"],
            "Children": summary["children"],
            "Reached permanence": summary["reached"],
            "Still in care": summary["still_looked_after"],
            "Left care another way": summary["left_otherwise"],
            "% within 1 year": shown("within_1yr_pct"),
            "% within 2 years": shown("within_2yr_pct"),
            "Median days": shown("median_days"),
            "95% interval of the median": np.where(small, "", interval),
        }
    )
    return ReportTable(
        data=table,
        caption=(
            "Time to a permanent home (adoption, special guardianship or a child arrangements "
            f"order) for children whose latest period of care began in the "
            f"{ctx.settings.permanence_cohort_years} years to {format_date(ctx.period_end)}: "
            "Kaplan-Meier estimates, with children still in care counted as far as they have "
            "been followed"
        ),
        count_columns=("Children", "Reached permanence", "Still in care", "Left care another way"),
        percent_columns={
            "% within 1 year": ("Reached permanence", "Children"),
            "% within 2 years": ("Reached permanence", "Children"),
        },
        row_header="Age on entering care",
        total_row=ALL_CHILDREN,
    )


def _days_text(days: float) -> str:
    return "open-ended" if np.isnan(days) else format_value(days, "days")


# --- waiting, plans that ended, returning to care ----------------------------------------------


def waiting_chart(ctx: ReportContext) -> Chart:
    """Children waiting to be placed for adoption by how long since the decision."""
    title = f"Children waiting to be placed for adoption at {format_date(ctx.period_end)}"
    latest = _latest(ctx, "adoption_waiting_count")
    if latest is None or not latest["value"]:
        return empty_chart(
            title,
            f"No child was waiting to be placed for adoption at {format_date(ctx.period_end)}.",
        )
    rows = _breakdown(ctx, "adoption_waiting_count", "waiting_band")
    counts = pd.DataFrame({"group": rows.index, "count": rows["numerator"].to_numpy(dtype=float)})
    return count_bars(
        counts,
        title,
        "Children waiting, by time since the decision",
        ctx.source(),
        suppress=ctx.suppress,
        settings=ctx.settings,
    )


def _count_table(
    ctx: ReportContext, indicator_id: str, breakdown: str, order: list[str], name: str, caption: str
) -> ReportTable:
    rows = _breakdown(ctx, indicator_id, breakdown).reindex(order)
    total = _latest(ctx, indicator_id)
    table = pd.DataFrame({name: order, "Children": rows["numerator"].to_numpy(dtype=float)})
    table = pd.concat(
        [
            table,
            pd.DataFrame([{name: "All", "Children": np.nan if total is None else total["value"]}]),
        ],
        ignore_index=True,
    )
    return ReportTable(
        data=table,
        caption=caption,
        count_columns=("Children",),
        row_header=name,
        total_row="All",
    )


def waiting_table(ctx: ReportContext) -> ReportTable:
    """Children waiting to be placed for adoption by time since the decision."""
    return _count_table(
        ctx,
        "adoption_waiting_count",
        "waiting_band",
        waiting_band_labels(ctx.settings),
        "Time since the decision",
        f"Children looked after at {format_date(ctx.period_end)} with a decision that they should "
        "be placed for adoption who are not yet placed, by how long since the decision",
    )


def plans_ended_table(ctx: ReportContext) -> ReportTable:
    """Children whose adoption plan ended in the 12 months, by reason."""
    rows = _breakdown(ctx, "adoption_plans_ended_count", "reason")
    # An unrecognised reason is blanked at ingest, so that group is shown only if it has children.
    order = [
        group
        for group in PLAN_ENDED_LABELS
        if group != UNRECOGNISED or rows["numerator"].get(group, 0) > 0
    ]
    return _count_table(
        ctx,
        "adoption_plans_ended_count",
        "reason",
        order,
        "Why the plan ended",
        f"Children whose decision that they should be placed for adoption was reversed in "
        f"{_year_to(ctx)}, by reason",
    )


def returning_table(ctx: ReportContext) -> ReportTable:
    """Children who started care in the 12 months by what PrevPerm says came before."""
    rows = _breakdown(ctx, "started_after_permanence_pct", "previous_permanence").reindex(
        PREVIOUS_PERMANENCE_LABELS
    )
    latest = _latest(ctx, "started_after_permanence_pct")
    started = np.nan if latest is None else latest["denominator"]
    table = pd.DataFrame(
        {
            "Before this care": PREVIOUS_PERMANENCE_LABELS,
            "Children": rows["denominator"].to_numpy(dtype=float),
        }
    )
    table["% of children who started"] = (
        100 * table["Children"] / started if started > 0 else np.nan
    )
    table = _with_total_row(
        table,
        "Before this care",
        "All children who started care",
        started,
        "% of children who started",
    )
    return ReportTable(
        data=table,
        caption=(
            f"Children who started to be looked after in {_year_to(ctx)} by the permanent home "
            "they had before (PrevPerm): an earlier adoption, special guardianship or child "
            "arrangements order that did not last"
        ),
        count_columns=("Children",),
        percent_columns={"% of children who started": ("Children", "Children")},
        row_header="Before this care",
        total_row="All children who started care",
    )


# --- against other councils, data notes --------------------------------------------------------


def benchmark_trend_chart(ctx: ReportContext) -> Chart:
    """The adopted share at each 31 March beside England, the region and the neighbours."""
    return benchmark_line_chart(ctx, "left_care_adopted_pct")


def benchmark_table(ctx: ReportContext) -> ReportTable:
    """Every benchmarked permanence figure against the comparator."""
    return benchmark_table_for(ctx, BENCHMARKED, "Permanence")


@per_context
def record_gaps(ctx: ReportContext) -> pd.DataFrame:
    """Adoptions in the 12 months whose records lack a date (``adoption_record_gaps``)."""
    return adoption_record_gaps(permanence_inputs(ctx), ctx.period_end)


def data_notes_table(ctx: ReportContext) -> ReportTable:
    """How many of the year's adoptions lack a date the stage averages need."""
    gaps = record_gaps(ctx)
    table = pd.DataFrame(
        {
            "What is missing or wrong": [g[:1].upper() + g[1:] for g in gaps["gap"]],
            "Adoptions": gaps["children"].to_numpy(dtype=float),
        }
    )
    adopted = float(gaps["adopted"].iloc[0]) if len(gaps) else 0.0
    return ReportTable(
        data=table,
        caption=(
            f"The {ctx.count_text(adopted)} adoptions in {_year_to(ctx)}: records that leave a "
            "stage out of the averages (AD1 and PlacedAdoption against the episodes)"
        ),
        count_columns=("Adoptions",),
        row_header="What is missing or wrong",
    )
