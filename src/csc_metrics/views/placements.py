"""The placements report: children looked after, placement mix and cost, location, stability.

Child-level rows (``indicators.cla_at``) are only ever counted here: no report shows a child.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc_metrics.catalogue import get_indicator, indicator_ids
from csc_metrics.charts import Chart, breakdown_bars
from csc_metrics.dates import format_date
from csc_metrics.formatting import format_value
from csc_metrics.gaps import group_gaps, wilson_interval
from csc_metrics.indicators import cla_at
from csc_metrics.indicators.groups import AGE_BAND_LABELS, PLACEMENT_GROUPS, PROVIDER_GROUPS
from csc_metrics.spc import VARIATION_LABELS
from csc_metrics.views.builders import (
    ReportTable,
    benchmark_focus,
    benchmark_line_chart,
    benchmark_table_for,
    display_label,
    empty_chart,
    overall_series,
    series_lines_chart,
    spc_chart_for,
)
from csc_metrics.views.messages import indicator_messages, percent, sustained_shift
from csc_metrics.views.report_context import ReportContext, per_context

AREA = "placements"

#: The counts of children looked after, starting and ceasing, in report order.
ACTIVITY_INDICATORS = ["cla_count", "cla_rate_per_10k", "cla_started_count", "cla_ceased_count"]
#: The two shares that are the main cost pressure.
COST_INDICATORS = ["external_residential_pct", "ifa_fostering_pct"]
STABILITY_INDICATORS = ["placements_3plus_pct", "long_term_stability_pct"]
#: Short series names for line charts, whose names are written at the end of each line.
ACTIVITY_SERIES: dict[str, str] = {
    "cla_count": "Looked after",
    "cla_started_count": "Started (12 months)",
    "cla_ceased_count": "Ceased (12 months)",
}
COST_SERIES: dict[str, str] = {
    "external_residential_pct": "External residential",
    "ifa_fostering_pct": "IFA fostering",
}
BENCHMARKED = [
    "cla_rate_per_10k",
    "placements_3plus_pct",
    "long_term_stability_pct",
    "placed_over_20_miles_pct",
    "placed_outside_la_pct",
]

#: Placement types for the location analysis: the placement groups of the indicators, with
#: children's homes split by provider, since external ones are the cost pressure.
PLACEMENT_TYPES: dict[str, str] = {
    "Foster: relatives or friends": "Fostered with relatives or friends",
    "Foster: own council": "Fostered by the council's own carers",
    "Foster: external (IFA)": "Fostered through an agency (IFA)",
    "Children's homes and residential": "Council or other residential care",
    "Supported or independent living": "Supported or independent living",
    "Placed with parents": "Placed with parents",
    "Placed for adoption": "Placed for adoption",
    "Other": "Other placements",
}
EXTERNAL_RESIDENTIAL_TYPE = "External residential care (private or voluntary homes)"
PLACEMENT_TYPE_ORDER = [
    *list(PLACEMENT_TYPES.values())[:3],
    EXTERNAL_RESIDENTIAL_TYPE,
    *list(PLACEMENT_TYPES.values())[3:],
]
#: How the council's own area is named, by the first three characters of its code: a county
#: council's area is "the county"; anything else "the council's area".
AREA_WORDS: dict[str, str] = {"E10": "the county"}
DEFAULT_AREA_WORDS = "the council's area"

#: Distance bands in miles: (upper bound, label); each band includes its upper bound, so the
#: bands above 20 miles are exactly the ``placed_over_20_miles_pct`` numerator.
DISTANCE_BANDS: tuple[tuple[float, str], ...] = (
    (5.0, "Up to 5 miles"),
    (10.0, "Over 5 to 10 miles"),
    (20.0, "Over 10 to 20 miles"),
    (50.0, "Over 20 to 50 miles"),
    (np.inf, "Over 50 miles"),
)
DISTANCE_NOT_KNOWN = "Not known"


def _area(ctx: ReportContext) -> str:
    return AREA_WORDS.get(ctx.la_code[:3], DEFAULT_AREA_WORDS)


def _at(ctx: ReportContext) -> str:
    return f"at {format_date(ctx.period_end)}"


@per_context
def looked_after(ctx: ReportContext) -> pd.DataFrame:
    """Children looked after at the period end with their placement type (for counting only).

    Args:
        ctx: The report context.

    Returns:
        ``indicators.cla_at`` rows with a ``placement_type`` column.
    """
    children = cla_at(ctx.inputs, ctx.period_end, ctx.la_code)
    kind = children["placement_group"].astype("string").map(PLACEMENT_TYPES)
    kind = kind.where(~children["external_residential"], EXTERNAL_RESIDENTIAL_TYPE)
    children["placement_type"] = pd.Categorical(kind, categories=PLACEMENT_TYPE_ORDER)
    return children


# --- children looked after -------------------------------------------------------------------


def _value_at(ctx: ReportContext, indicator_id: str, when: pd.Timestamp) -> float:
    rows = ctx.overall_rows(indicator_id)
    rows = rows[rows["period_end"] == when]
    return float(rows["value"].iloc[0]) if len(rows) else np.nan


def _spc_words(ctx: ReportContext, indicator_id: str) -> str:
    summary = ctx.summary(indicator_id)
    if summary is None or summary.spc is None:
        return "No trend yet"
    words = VARIATION_LABELS[summary.spc.variation]
    shift = sustained_shift(summary.spc)
    if shift is not None:
        words += f"; a shift since {format_date(shift.start)}"
    return words


def indicator_trend_table(ctx: ReportContext, ids: list[str], caption: str) -> ReportTable:
    """Indicators now, a year earlier, and what each SPC chart shows.

    Args:
        ctx: The report context.
        ids: The indicators.
        caption: The table's caption.

    Returns:
        One row per indicator with a value at the period end.
    """
    year_ago = ctx.period_end - pd.DateOffset(years=1)
    rows = []
    for indicator_id in ids:
        latest = ctx.latest(indicator_id)
        if latest is None:
            continue
        unit = get_indicator(indicator_id).unit
        hidden = ctx.withholds(indicator_id, latest)
        before = _value_at(ctx, indicator_id, year_ago)
        rows.append(
            {
                "Indicator": display_label(indicator_id),
                "Now": "c" if hidden else format_value(latest["value"], unit),
                "A year earlier": "c"
                if unit == "count" and ctx.is_small(before)
                else format_value(before, unit),
                "Trend (SPC)": _spc_words(ctx, indicator_id),
            }
        )
    return ReportTable(
        data=pd.DataFrame(rows, columns=["Indicator", "Now", "A year earlier", "Trend (SPC)"]),
        caption=caption,
        row_header="Indicator",
    )


def activity_table(ctx: ReportContext) -> ReportTable:
    """Children looked after, the rate per 10,000, starts and ceases: now and a year earlier."""
    return indicator_trend_table(
        ctx,
        ACTIVITY_INDICATORS,
        f"Children looked after {_at(ctx)} and a year earlier; starts and ceases count children "
        "in the 12 months to each date",
    )


def activity_chart(ctx: ReportContext) -> Chart:
    """Children looked after at each quarter end, with those starting and ceasing in 12 months."""
    return _lines_chart(
        ctx,
        ACTIVITY_SERIES,
        "Children looked after, starting and ceasing to be looked after",
        "Children",
        ACTIVITY_SERIES["cla_count"],
        "count",
    )


def _lines_chart(
    ctx: ReportContext,
    series: dict[str, str],
    title: str,
    y_label: str,
    highlighted: str,
    unit: str,
) -> Chart:
    """Some whole-service series at each quarter end as lines; a sentence when there are none."""
    wide = overall_series(ctx, series)
    if wide.empty:
        return empty_chart(title, f"No children looked after up to {format_date(ctx.period_end)}.")
    return series_lines_chart(ctx, series, wide, title, y_label, highlighted, unit)


# --- placement and provider mix -------------------------------------------------------------


def _mix(ctx: ReportContext, breakdown: str, order: list[str]) -> pd.DataFrame:
    """Children looked after by a breakdown, now and a year earlier.

    Worked out once per context: the table and the chart of a breakdown both start from it.
    """
    return _mix_once(ctx, breakdown, tuple(order))


@per_context
def _mix_once(ctx: ReportContext, breakdown: str, order: tuple[str, ...]) -> pd.DataFrame:
    series = ctx.series
    rows = series[(series["indicator_id"] == "cla_count") & (series["breakdown"] == breakdown)]
    year_ago = ctx.period_end - pd.DateOffset(years=1)
    now = rows[rows["period_end"] == ctx.period_end].set_index("group")["numerator"]
    before = rows[rows["period_end"] == year_ago].set_index("group")["numerator"]
    table = pd.DataFrame({"now": now.reindex(list(order)), "before": before.reindex(list(order))})
    table["now_pct"] = 100 * table["now"] / table["now"].sum()
    table["before_pct"] = 100 * table["before"] / table["before"].sum()
    return table.rename_axis("group").reset_index()


def _mix_table(ctx: ReportContext, breakdown: str, order: list[str], name: str) -> ReportTable:
    mix = _mix(ctx, breakdown, order)
    # A total of 0 (or none at all, when there is no figure a year earlier) is no 100%.
    now_total = mix["now"].sum(min_count=1)
    before_total = mix["before"].sum(min_count=1)
    total = pd.DataFrame(
        [
            {
                "group": "All children looked after",
                "now": now_total,
                "before": before_total,
                "now_pct": 100.0 if now_total > 0 else np.nan,
                "before_pct": 100.0 if before_total > 0 else np.nan,
            }
        ]
    )
    mix = pd.concat([mix, total], ignore_index=True)
    table = pd.DataFrame(
        {
            name: mix["group"],
            "Children now": mix["now"],
            "% now": mix["now_pct"],
            "Children a year earlier": mix["before"],
            "% a year earlier": mix["before_pct"],
        }
    )
    return ReportTable(
        data=table,
        caption=f"Children looked after by {name.lower()} {_at(ctx)} and a year earlier",
        count_columns=("Children now", "Children a year earlier"),
        percent_columns={
            "% now": ("Children now", "Children now"),
            "% a year earlier": ("Children a year earlier", "Children a year earlier"),
        },
        row_header=name,
        total_row="All children looked after",
    )


def placement_mix_table(ctx: ReportContext) -> ReportTable:
    """Children looked after by placement type, now and a year earlier."""
    return _mix_table(ctx, "placement_group", PLACEMENT_GROUPS, "Placement type")


def provider_mix_table(ctx: ReportContext) -> ReportTable:
    """Children looked after by provider, now and a year earlier."""
    return _mix_table(ctx, "provider_group", PROVIDER_GROUPS, "Provider")


def age_band_mix_table(ctx: ReportContext) -> ReportTable:
    """Children looked after by age band, now and a year earlier."""
    return _mix_table(ctx, "age_band", AGE_BAND_LABELS, "Age band")


def placement_mix_chart(ctx: ReportContext) -> Chart:
    """Share of children looked after in each placement type, with 95% intervals."""
    title = f"Children looked after by placement type, {_at(ctx)}"
    mix = _mix(ctx, "placement_group", PLACEMENT_GROUPS)
    mix = mix[mix["now"].notna()]
    if mix.empty or not mix["now"].sum():
        return empty_chart(title, f"No children looked after {_at(ctx)}.")
    return _share_bars(ctx, mix["group"], mix["now"], title, "% of children looked after")


def _share_bars(
    ctx: ReportContext, groups: pd.Series, children: pd.Series, title: str, x_label: str
) -> Chart:
    """Each group's share of all the children counted, as bars with 95% intervals."""
    rates = pd.DataFrame({"group": groups, "numerator": children, "denominator": children.sum()})
    return breakdown_bars(
        rates, title, x_label, ctx.source(), suppress=ctx.suppress, settings=ctx.settings
    )


# --- the cost pressure ------------------------------------------------------------------------


def cost_table(ctx: ReportContext) -> ReportTable:
    """External residential and IFA shares: now, a year earlier, and their SPC."""
    return indicator_trend_table(
        ctx,
        COST_INDICATORS,
        f"The cost pressure: % of children looked after in external children's homes and in "
        f"independent fostering {_at(ctx)} and a year earlier",
    )


def cost_chart(ctx: ReportContext) -> Chart:
    """The two cost-pressure shares at each quarter end."""
    return _lines_chart(
        ctx,
        COST_SERIES,
        "The cost pressure: external residential care and IFA fostering",
        "% of children looked after",
        COST_SERIES[COST_INDICATORS[0]],
        "pct",
    )


# --- inside and outside the council's area ---------------------------------------------------


@per_context
def location_mix(ctx: ReportContext) -> pd.DataFrame:
    """Each placement type inside and outside the council's area, with 95% intervals.

    Children whose placement council is not known are left out.

    Args:
        ctx: The report context.

    Returns:
        One row per placement type: ``inside``, ``outside`` (children), ``outside_pct`` (% of
        the type placed outside), ``share_of_outside`` and ``share_of_inside`` (% of all
        placements outside or inside that are of this type) with their Wilson intervals
        (``*_low``, ``*_high``), and ``over_represented`` (the type's share of placements
        outside is above its share inside, beyond chance).
    """
    children = looked_after(ctx)
    known = children[children["placement_la_known"]]
    counts = pd.crosstab(known["placement_type"], known["placed_outside_la"], dropna=False)
    counts = counts.reindex(index=PLACEMENT_TYPE_ORDER, columns=[False, True], fill_value=0)
    mix = pd.DataFrame(
        {"inside": counts[False].to_numpy(), "outside": counts[True].to_numpy()},
        index=pd.Index(PLACEMENT_TYPE_ORDER, name="placement_type"),
    )
    mix = mix[(mix["inside"] + mix["outside"]) > 0]
    total_out, total_in = mix["outside"].sum(), mix["inside"].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        mix["outside_pct"] = 100 * mix["outside"] / (mix["inside"] + mix["outside"])
        mix["share_of_outside"] = 100 * mix["outside"] / total_out
        mix["share_of_inside"] = 100 * mix["inside"] / total_in
    for column, count, total in (
        ("share_of_outside", "outside", total_out),
        ("share_of_inside", "inside", total_in),
    ):
        low, high = wilson_interval(mix[count].to_numpy(), np.full(len(mix), total))
        mix[f"{column}_low"], mix[f"{column}_high"] = 100 * low, 100 * high
    mix["over_represented"] = mix["share_of_outside_low"] > mix["share_of_inside_high"]
    return mix.reset_index()


def location_table(ctx: ReportContext) -> ReportTable:
    """The table behind ``location_chart``: placement types inside and outside the area.

    Args:
        ctx: The report context.

    Returns:
        One row per placement type, with all children placed (known placement council).
    """
    area = _area(ctx)
    mix = location_mix(ctx)
    table = pd.DataFrame(
        {
            "Placement type": mix["placement_type"],
            f"Inside {area}": mix["inside"],
            f"Outside {area}": mix["outside"],
            "% of the type placed outside": mix["outside_pct"],
            "% of placements outside": mix["share_of_outside"],
            "% of placements inside": mix["share_of_inside"],
            "More common outside, beyond chance": mix["over_represented"].map(
                {True: "Yes", False: "No"}
            ),
        }
    )
    unknown = int((~looked_after(ctx)["placement_la_known"]).sum())
    inside, outside = f"Inside {area}", f"Outside {area}"
    return ReportTable(
        data=table,
        caption=(
            f"Children looked after {_at(ctx)} by placement type, inside and outside {area} "
            f"(children whose placement council is not known are left out: "
            f"{ctx.count_text(unknown)})"
        ),
        count_columns=(inside, outside),
        percent_columns={
            "% of the type placed outside": (outside, inside),
            "% of placements outside": (outside, outside),
            "% of placements inside": (inside, inside),
        },
        row_header="Placement type",
    )


def location_chart(ctx: ReportContext) -> Chart:
    """Share of each placement type placed outside the area, with 95% intervals.

    Each type is compared with all other placements together; a star marks a difference
    beyond chance.

    Args:
        ctx: The report context.

    Returns:
        The chart.
    """
    area = _area(ctx)
    title = f"Children placed outside {area}, by placement type"
    mix = location_mix(ctx)
    if mix.empty:
        return empty_chart(title, f"No placement council is known {_at(ctx)}.")
    rates = pd.DataFrame(
        {
            "group": mix["placement_type"],
            "numerator": mix["outside"],
            "denominator": mix["inside"] + mix["outside"],
        }
    )
    latest = ctx.latest("placed_outside_la_pct")
    return breakdown_bars(
        group_gaps(rates, total_group=None, settings=ctx.settings),
        title,
        f"% placed outside {area}",
        ctx.source(),
        overall=None if latest is None else latest["value"],
        suppress=ctx.suppress,
        settings=ctx.settings,
    )


def location_messages(ctx: ReportContext) -> list[str]:
    """Which placement type dominates placements outside the area, when one does beyond chance.

    The rule: of the placement types whose share of placements outside the area is above their
    share inside it, with 95% intervals that do not overlap, name the one with the largest
    share of placements outside.

    Args:
        ctx: The report context.

    Returns:
        One message, or none.
    """
    mix = location_mix(ctx)
    over = mix[mix["over_represented"]]
    if over.empty:
        return []
    top = over.loc[over["share_of_outside"].idxmax()]
    total_out = mix["outside"].sum()
    if ctx.is_small(top["outside"], top["inside"], total_out):
        return []
    area = _area(ctx)
    kind = top["placement_type"][:1].lower() + top["placement_type"][1:]
    lead = "mostly" if top["share_of_outside"] >= 50 else "much more often"
    overall = 100 * total_out / (mix["inside"].sum() + total_out)
    return [
        f"Children placed outside {area} are {lead} in {kind}: {percent(top['share_of_outside'])}"
        f" of placements outside {area} ({ctx.count_text(top['outside'])} of "
        f"{ctx.count_text(total_out)}) against {percent(top['share_of_inside'])} of placements "
        f"inside it, beyond chance (95% intervals {top['share_of_outside_low']:.0f}-"
        f"{top['share_of_outside_high']:.0f}% and {top['share_of_inside_low']:.0f}-"
        f"{top['share_of_inside_high']:.0f}%). {percent(top['outside_pct'])} of children in "
        f"{kind} are placed outside {area}, against {percent(overall)} of all children looked "
        "after whose placement council is known."
    ]


# --- distance ------------------------------------------------------------------------------------


def distance_table(ctx: ReportContext) -> ReportTable:
    """Children looked after by distance from home, with those whose distance is not known.

    Args:
        ctx: The report context.

    Returns:
        One row per distance band, then ``Not known`` and the total.
    """
    return ReportTable(
        data=_distance_counts(ctx),
        caption=(
            f"Children looked after {_at(ctx)} by straight-line distance between home and "
            "placement postcodes (not known: a postcode missing, not in the lookup, or outside "
            "the UK)"
        ),
        count_columns=("Children",),
        percent_columns={"% of those with a known distance": ("Children", "Children")},
        row_header="Distance from home",
        total_row="All children looked after",
    )


@per_context
def _distance_counts(ctx: ReportContext) -> pd.DataFrame:
    """``distance_table``'s rows, worked out once per context (for the table and the chart)."""
    children = looked_after(ctx)
    edges = [0.0, *(upper for upper, _ in DISTANCE_BANDS)]
    labels = [label for _, label in DISTANCE_BANDS]
    bands = pd.cut(children["distance_miles"], edges, labels=labels, include_lowest=True)
    counts = bands.value_counts().reindex(labels, fill_value=0)
    known = int(counts.sum())
    unknown = int(children["distance_miles"].isna().sum())
    table = pd.DataFrame(
        {
            "Distance from home": [*labels, DISTANCE_NOT_KNOWN, "All children looked after"],
            "Children": [*counts.to_numpy(), unknown, known + unknown],
            "% of those with a known distance": [
                *(100 * counts.to_numpy() / known if known else np.full(len(counts), np.nan)),
                np.nan,
                np.nan,
            ],
        }
    )
    return table


def distance_chart(ctx: ReportContext) -> Chart:
    """Share of children (known distance) in each distance band, with 95% intervals."""
    title = f"How far children live from home, {_at(ctx)}"
    table = distance_table(ctx).data
    bands = table.iloc[: len(DISTANCE_BANDS)]
    if not bands["Children"].sum():
        return empty_chart(title, f"No child's placement distance is known {_at(ctx)}.")
    return _share_bars(
        ctx,
        bands["Distance from home"],
        bands["Children"],
        title,
        "% of children looked after with a known distance",
    )


# --- stability -----------------------------------------------------------------------------------


def stability_table(ctx: ReportContext) -> ReportTable:
    """Short- and long-term stability: now, a year earlier, SPC, and when a shift began."""
    return indicator_trend_table(
        ctx,
        STABILITY_INDICATORS,
        f"Placement stability {_at(ctx)} and a year earlier, with what each SPC chart shows",
    )


def three_plus_spc_chart(ctx: ReportContext) -> Chart:
    """SPC chart of children with 3 or more placements in 12 months."""
    return spc_chart_for(ctx, "placements_3plus_pct")


def long_term_spc_chart(ctx: ReportContext) -> Chart:
    """SPC chart of long-term placement stability."""
    return spc_chart_for(ctx, "long_term_stability_pct")


# --- benchmarks ----------------------------------------------------------------------------------


def benchmark_table(ctx: ReportContext) -> ReportTable:
    """Our placement figures against the comparator."""
    return benchmark_table_for(ctx, BENCHMARKED, "Children looked after")


def benchmark_trend_chart(ctx: ReportContext) -> Chart:
    """Our figure at each 31 March against DfE's, for the placement indicator furthest behind."""
    return benchmark_line_chart(ctx, benchmark_focus(ctx, BENCHMARKED))


# --- key messages ------------------------------------------------------------------------------


def key_messages(ctx: ReportContext) -> list[str]:
    """The placements report's key messages, generated from the data.

    Notable indicators (SPC and benchmark rules, with when a shift began), then the placement
    type that dominates placements outside the area, when one does beyond chance.

    Args:
        ctx: The report context.

    Returns:
        The messages.
    """
    return [
        *indicator_messages(ctx, indicator_ids(area=AREA), max_messages=5),
        *location_messages(ctx),
    ]
