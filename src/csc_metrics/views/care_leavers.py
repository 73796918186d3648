"""The care leavers report: activity, contact and accommodation by age band, gaps and trends.

The cohort at the period end is every care leaver whose 17th-21st birthday fell in the 12 months
to it (docs/definitions.md, "Care leavers"). Gaps between groups are called only when the
groups' 95% Wilson intervals do not overlap, so a difference that could be chance in a small
group is never called real.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc_metrics.catalogue import get_indicator, indicator_ids
from csc_metrics.charts import Chart, breakdown_bars
from csc_metrics.dates import format_date
from csc_metrics.formatting import format_value
from csc_metrics.gaps import group_gaps, wilson_interval
from csc_metrics.indicators import care_leaver_data_issues
from csc_metrics.indicators.care_leavers import care_leaver_cohort
from csc_metrics.indicators.leaving_care_teams import (
    SERVICE,
    care_leaver_allocations,
    team_care_leaver_outcomes,
)
from csc_metrics.narrative import Latest
from csc_metrics.spc import VARIATION_LABELS
from csc_metrics.views.builders import (
    ReportTable,
    benchmark_focus,
    benchmark_line_chart,
    benchmark_table_for,
    empty_chart,
    spc_chart_for,
)
from csc_metrics.views.messages import display_label, indicator_messages, percent
from csc_metrics.views.report_context import ReportContext, per_context

AREA = "care_leavers"
BANDS: dict[str, str] = {"17_18": "17-18", "19_21": "19-21"}

#: The measures of each band, in report order: indicator suffix -> how a table names it.
MEASURES: dict[str, str] = {
    "eet_pct": "In education, employment or training (EET)",
    "neet_pct": "Not in education, employment or training (NEET)",
    "activity_unknown_pct": "Activity not known",
    "in_touch_pct": "In touch with the council",
    "suitable_accommodation_pct": "In suitable accommodation",
}
#: The activity measures: every care leaver of the cohort is in exactly one of them.
ACTIVITY_MEASURES = ("eet_pct", "neet_pct", "activity_unknown_pct")
#: The band table's row of the cohort, the base of every measure.
COHORT_ROW = "Care leavers in the cohort"
#: Breakdowns of the care-leaver indicators, with how a chart or table names each.
BREAKDOWNS: dict[str, str] = {
    "sex": "Sex",
    "ethnic_group": "Ethnic group",
    "uasc": "UASC",
    "accommodation": "Accommodation",
}
#: Breakdowns by who a young person is (equity), as against where they live: the ones whose
#: gaps become key messages, with how a sentence names the group.
EQUITY_PHRASES: dict[str, str] = {
    "sex": "who are {group_lower}",
    "ethnic_group": "from the {group} ethnic group",
    "uasc": "who were {uasc}",
}
UASC_WORDS: dict[str, str] = {
    "UASC": "unaccompanied asylum-seeking children",
    "Not UASC": "not unaccompanied asylum-seeking children",
}
#: Groups that record a gap in the data rather than a group of people: never a key message.
UNRECORDED_GROUPS = frozenset({"Unknown", "Not recorded", "Refused or not obtained"})
#: Indicators whose group gaps are checked for key messages.
EQUITY_INDICATORS = [
    "care_leavers_19_21_eet_pct",
    "care_leavers_17_18_eet_pct",
    "care_leavers_19_21_suitable_accommodation_pct",
    "care_leavers_17_18_suitable_accommodation_pct",
]
MAX_EQUITY_MESSAGES = 3
#: The measure whose gap between the two age bands is a key message.
BAND_GAP_MEASURE = "eet_pct"
#: Benchmarked care-leaver indicators, in report order.
BENCHMARKED = EQUITY_INDICATORS
#: What each data-quality rule of ``care_leaver_data_issues`` means.
ISSUE_WORDS: dict[str, str] = {
    "care_leaver_age_outside_17_21": "Age at the birthday in the return's year is outside 17-21",
    "care_leaver_dob_missing": "No date of birth, so no age band can be worked out",
}


def _indicator(band: str, measure: str) -> str:
    return f"care_leavers_{band}_{measure}"


def _year_to(ctx: ReportContext) -> str:
    return f"the 12 months to {format_date(ctx.period_end)}"


def _total(ctx: ReportContext, indicator_id: str) -> pd.Series | None:
    return ctx.latest(indicator_id)


# --- the cohort by age band ----------------------------------------------------------------------


def band_table(ctx: ReportContext) -> ReportTable:
    """Each measure for both age bands: the number of care leavers and the percentage.

    Args:
        ctx: The report context.

    Returns:
        One row for the cohort and one per measure; a number and a % column per band.
    """
    rows: dict[str, list[object]] = {"Measure": [COHORT_ROW, *MEASURES.values()]}
    count_columns, percent_columns = [], {}
    for band, label in BANDS.items():
        cohort = _total(ctx, _indicator(band, "count"))
        figures = [_total(ctx, _indicator(band, m)) for m in MEASURES]
        number = f"Aged {label}: number"
        share = f"Aged {label}: %"
        rows[number] = [
            np.nan if cohort is None else cohort["numerator"],
            *(np.nan if f is None else f["numerator"] for f in figures),
        ]
        rows[share] = [np.nan, *(np.nan if f is None else f["value"] for f in figures)]
        count_columns.append(number)
        # The cohort is the denominator of every %: hiding a number hides its %.
        percent_columns[share] = (number, number)
    return ReportTable(
        data=pd.DataFrame(rows),
        caption=(
            f"Care leavers whose 17th to 21st birthday fell in {_year_to(ctx)}: activity, "
            "contact and accommodation by age band"
        ),
        count_columns=tuple(count_columns),
        percent_columns=percent_columns,
        row_header="Measure",
        # The activity bands share the cohort: the cohort minus two bands gives the third. In
        # touch and suitable accommodation are each a part of the cohort, with the unshown rest
        # (not in touch) as their complement.
        row_groups=(
            (tuple(MEASURES[m] for m in ACTIVITY_MEASURES), COHORT_ROW),
            *(((MEASURES[m],), COHORT_ROW) for m in MEASURES if m not in ACTIVITY_MEASURES),
        ),
    )


def _band_rates(ctx: ReportContext) -> pd.DataFrame:
    """Every measure of both bands as rows of group, numerator, denominator."""
    rows = []
    for measure, name in MEASURES.items():
        for band, label in BANDS.items():
            latest = _total(ctx, _indicator(band, measure))
            if latest is not None and latest["denominator"] > 0:
                rows.append(
                    {
                        "group": f"{name.split(' (')[0]}, aged {label}",
                        "measure": measure,
                        "band": band,
                        "numerator": latest["numerator"],
                        "denominator": latest["denominator"],
                    }
                )
    return pd.DataFrame(rows, columns=["group", "measure", "band", "numerator", "denominator"])


def band_chart(ctx: ReportContext) -> Chart:
    """Every measure for both age bands as bars with 95% intervals."""
    title = f"Care leavers by age band, {_year_to(ctx)}"
    rates = _band_rates(ctx)
    if rates.empty:
        return empty_chart(title, f"No care leavers in {_year_to(ctx)}.")
    return breakdown_bars(
        rates,
        title,
        "% of care leavers in the age band",
        ctx.source(),
        suppress=ctx.suppress,
        settings=ctx.settings,
    )


def band_gap(ctx: ReportContext, measure: str, when: pd.Timestamp | None = None) -> dict | None:
    """The gap between care leavers aged 19-21 and 17-18 on one measure, with 95% intervals.

    Args:
        ctx: The report context.
        measure: A key of ``MEASURES``.
        when: The reference date (default: the period end).

    Returns:
        ``older``/``younger`` (numerator, denominator, rate, low, high), ``gap_pp`` (19-21
        minus 17-18) and ``called`` (the intervals do not overlap); None without both bands.
    """
    when = ctx.period_end if when is None else when
    figures = {}
    for band in BANDS:
        rows = ctx.overall_rows(_indicator(band, measure))
        row = rows[rows["period_end"] == when]
        if row.empty or not row["denominator"].iloc[0] > 0:
            return None
        numerator, denominator = float(row["numerator"].iloc[0]), float(row["denominator"].iloc[0])
        low, high = wilson_interval(numerator, denominator)
        figures[band] = {
            "numerator": numerator,
            "denominator": denominator,
            "rate": 100 * numerator / denominator,
            "low": 100 * low,
            "high": 100 * high,
        }
    younger, older = figures["17_18"], figures["19_21"]
    called = older["high"] < younger["low"] or older["low"] > younger["high"]
    return {
        "younger": younger,
        "older": older,
        "gap_pp": older["rate"] - younger["rate"],
        "called": called,
    }


def _any_disclosive(ctx: ReportContext, gap: dict) -> bool:
    """Whether either band's share rests on a small count or a small complement."""
    return any(
        ctx.discloses(gap[band]["numerator"], gap[band]["denominator"])
        for band in ("younger", "older")
    )


#: What a care-leaver table says when the data hold no care leavers (no OC3 return).
NO_CARE_LEAVER_DATA = "No care-leaver figures: the data hold no OC3 return for this period"
NO_VALUE_TEXT = "no data"

#: What the band-gap table says when there is nothing to compare.
NO_BAND_GAP = (
    "No comparison for this period: the data hold no care leavers aged 17-18 and 19-21 to "
    "compare (no OC3 return, or nobody in one of the bands)."
)


def band_gap_table(ctx: ReportContext) -> ReportTable:
    """The 19-21 against 17-18 gap on each measure, now and a year earlier.

    Args:
        ctx: The report context.

    Returns:
        One row per measure: both rates with their 95% intervals, the gap in points, whether
        it is beyond chance, and the gap a year earlier.
    """
    year_ago = ctx.period_end - pd.DateOffset(years=1)
    rows = []
    for measure, name in MEASURES.items():
        now, before = band_gap(ctx, measure), band_gap(ctx, measure, year_ago)
        if now is None:
            continue
        rows.append(
            {
                "Measure": name,
                "Aged 17-18 (%)": now["younger"]["rate"],
                "17-18: 95% interval": _interval(now["younger"]),
                "Aged 19-21 (%)": now["older"]["rate"],
                "19-21: 95% interval": _interval(now["older"]),
                "Gap, 19-21 minus 17-18 (points)": now["gap_pp"],
                "Beyond chance?": "Yes" if now["called"] else "No",
                "Gap a year earlier (points)": (
                    np.nan if before is None or _any_disclosive(ctx, before) else before["gap_pp"]
                ),
                "_small": _any_disclosive(ctx, now),
            }
        )
    if not rows:
        # No OC3 return, or nobody in one of the bands: say so rather than show no table.
        rows = [{"Measure": NO_BAND_GAP, "_small": False}]
    table = pd.DataFrame(rows)
    if not table.empty and table["_small"].any():
        # A rate resting on 1 to 5 young people would give the count back: withhold the row.
        numbers = [c for c in table.columns if c not in ("Measure", "_small")]
        table[numbers] = table[numbers].astype(object).where(~table["_small"], "c")
    table = table.drop(columns="_small", errors="ignore")
    return ReportTable(
        data=table,
        caption=(
            f"The gap between care leavers aged 19-21 and aged 17-18, {_year_to(ctx)}, with "
            "95% intervals (a gap is beyond chance when the intervals do not overlap)"
        ),
        row_header="Measure",
    )


def _interval(figures: dict) -> str:
    return f"{figures['low']:.1f} to {figures['high']:.1f}"


# --- trends --------------------------------------------------------------------------------------


def eet_19_21_spc_chart(ctx: ReportContext) -> Chart:
    """SPC chart of care leavers aged 19-21 in EET."""
    return spc_chart_for(ctx, "care_leavers_19_21_eet_pct")


def eet_17_18_spc_chart(ctx: ReportContext) -> Chart:
    """SPC chart of care leavers aged 17-18 in EET."""
    return spc_chart_for(ctx, "care_leavers_17_18_eet_pct")


def trend_table(ctx: ReportContext) -> ReportTable:
    """Every care-leaver measure: now, a year ago, and what its SPC chart says.

    Args:
        ctx: The report context.

    Returns:
        One row per indicator (the cohort counts left out: they are the base).
    """
    rows = []
    for indicator_id in indicator_ids(area=AREA):
        summary = ctx.summary(indicator_id)
        if summary is None or get_indicator(indicator_id).unit != "pct":
            continue
        latest = Latest.of(summary.latest)
        result = summary.spc
        small = ctx.withholds(indicator_id, latest)
        rows.append(
            {
                "Indicator": display_label(indicator_id),
                "Now": "c" if small else format_value(latest.value, "pct"),
                "Base (n)": latest.denominator,
                "A year earlier": format_value(summary.previous_year, "pct"),
                "Trend (SPC)": (
                    VARIATION_LABELS[result.variation]
                    + (" (short series)" if result.short_series_warning else "")
                    if result is not None
                    else "Too few points"
                ),
            }
        )
    if not rows:
        # No OC3 return: say so in the table rather than show a table without columns.
        rows = [
            {
                "Indicator": NO_CARE_LEAVER_DATA,
                "Now": NO_VALUE_TEXT,
                "Base (n)": 0,
                "A year earlier": NO_VALUE_TEXT,
                "Trend (SPC)": NO_VALUE_TEXT,
            }
        ]
    return ReportTable(
        data=pd.DataFrame(rows),
        caption=(
            f"Care-leaver indicators at {format_date(ctx.period_end)} and a year earlier, with "
            "what each SPC chart shows"
        ),
        count_columns=("Base (n)",),
        row_header="Indicator",
    )


# --- breakdowns ----------------------------------------------------------------------------------


@per_context
def group_table(ctx: ReportContext, indicator_id: str) -> pd.DataFrame:
    """One indicator at the period end by sex, ethnic group, UASC and accommodation.

    Each group is compared with all the other groups of its breakdown together. Worked out
    once per context: the table, the chart and the key messages each start from it.

    Args:
        ctx: The report context.
        indicator_id: A care-leaver percentage indicator.

    Returns:
        ``gaps.group_gaps`` columns for every group with at least one care leaver, plus
        ``breakdown`` and ``label`` (``Ethnic group: Mixed``).
    """
    metrics = ctx.metrics
    rows = metrics[
        (metrics["indicator_id"] == indicator_id)
        & metrics["breakdown"].isin(list(BREAKDOWNS))
        & (metrics["denominator"] > 0)
    ]
    if rows.empty:
        return pd.DataFrame(columns=["breakdown", "group", "label", "numerator", "denominator"])
    gaps = group_gaps(rows, settings=ctx.settings)
    gaps["label"] = gaps["breakdown"].map(BREAKDOWNS) + ": " + gaps["group"]
    order = {name: n for n, name in enumerate(BREAKDOWNS)}
    return gaps.sort_values("breakdown", key=lambda b: b.map(order), kind="stable").reset_index(
        drop=True
    )


def breakdown_table(ctx: ReportContext, indicator_id: str) -> ReportTable:
    """The table behind ``breakdown_chart``: each group's figure, interval and comparison.

    Args:
        ctx: The report context.
        indicator_id: A care-leaver percentage indicator.

    Returns:
        One row per group.
    """
    gaps = group_table(ctx, indicator_id)
    table = pd.DataFrame(
        {
            "Breakdown": gaps["breakdown"].map(BREAKDOWNS),
            "Group": gaps["group"],
            "Young people in the measure": gaps["numerator"],
            "Young people in the group": gaps["denominator"],
            "%": gaps.get("rate"),
            "95% interval": _intervals(gaps),
            "Rest of the breakdown (%)": gaps.get("comparison_rate"),
            "Differs beyond chance": gaps.get("gap_called", pd.Series(dtype=bool)).map(
                {True: "Yes", False: "No"}
            ),
            f"Small group (under {ctx.settings.small_group})": gaps.get(
                "is_small", pd.Series(dtype=bool)
            ).map({True: "Yes", False: ""}),
        }
    )
    return ReportTable(
        data=table,
        caption=(
            f"{display_label(indicator_id)}, {_year_to(ctx)}, by group, each compared with the "
            "other groups of its breakdown (95% Wilson intervals)"
        ),
        count_columns=("Young people in the measure", "Young people in the group"),
        percent_columns={
            "%": ("Young people in the measure", "Young people in the group"),
            "Rest of the breakdown (%)": (
                "Young people in the measure",
                "Young people in the group",
            ),
            # An interval gives its count back as surely as the percentage does.
            "95% interval": ("Young people in the measure", "Young people in the group"),
        },
        row_header="Group",
    )


def _intervals(gaps: pd.DataFrame) -> pd.Series:
    if gaps.empty or "ci_low" not in gaps:
        return pd.Series(dtype=object)
    return gaps["ci_low"].map("{:.1f}".format) + " to " + gaps["ci_high"].map("{:.1f}".format)


def breakdown_chart(ctx: ReportContext, indicator_id: str) -> Chart:
    """Bars of one indicator by group with 95% intervals; called gaps starred.

    Args:
        ctx: The report context.
        indicator_id: A care-leaver percentage indicator.

    Returns:
        The chart.
    """
    title = f"{display_label(indicator_id)} by group"
    gaps = group_table(ctx, indicator_id)
    if gaps.empty:
        return empty_chart(title, f"No care leavers in {_year_to(ctx)}.")
    latest = ctx.latest(indicator_id)
    return breakdown_bars(
        gaps,
        title,
        "% of the group",
        ctx.source(),
        group_column="label",
        overall=None if latest is None else latest["value"],
        suppress=ctx.suppress,
        settings=ctx.settings,
    )


# --- benchmarks ----------------------------------------------------------------------------------


def benchmark_table(ctx: ReportContext) -> ReportTable:
    """Our care-leaver figures against the comparator (see ``context.benchmark_table_for``)."""
    return benchmark_table_for(ctx, BENCHMARKED, "Care leavers")


def benchmark_trend_chart(ctx: ReportContext) -> Chart:
    """Our figure at each 31 March against DfE's, for the care-leaver indicator furthest behind.

    Args:
        ctx: The report context.

    Returns:
        The chart (see ``context.benchmark_line_chart``).
    """
    return benchmark_line_chart(ctx, benchmark_focus(ctx, BENCHMARKED))


# --- data issues ---------------------------------------------------------------------------------


def data_issues_table(ctx: ReportContext) -> ReportTable:
    """OC3 rows left out of the cohort as data-quality errors, counted by reason.

    Args:
        ctx: The report context.

    Returns:
        One row per reason (a row with 0 when there are none).
    """
    issues = care_leaver_data_issues(ctx.inputs, ctx.period_end)
    counts = issues["rule"].value_counts()
    table = pd.DataFrame(
        {
            "Reason left out": list(ISSUE_WORDS.values()),
            "OC3 rows": [int(counts.get(rule, 0)) for rule in ISSUE_WORDS],
        }
    )
    return ReportTable(
        data=table,
        caption=f"OC3 rows left out of the care-leaver cohort for {_year_to(ctx)}",
        count_columns=("OC3 rows",),
        row_header="Reason left out",
    )


# --- key messages ------------------------------------------------------------------------------


def _measure_words(indicator_id: str) -> tuple[str, str]:
    """``("aged 19-21", "in education, employment or training (EET)")`` from the label."""
    label = display_label(indicator_id)
    band = next(b for b in BANDS.values() if b in label)
    return f"aged {band}", label.split(f"aged {band} ", 1)[1]


def _group_phrase(breakdown: str, group: str) -> str:
    return EQUITY_PHRASES[breakdown].format(
        group=group, group_lower=group.lower(), uasc=UASC_WORDS.get(group, group)
    )


def equity_messages(ctx: ReportContext, max_messages: int = MAX_EQUITY_MESSAGES) -> list[str]:
    """Groups of young people doing worse than the rest of their breakdown, beyond chance.

    Checks each indicator of ``EQUITY_INDICATORS`` by sex, ethnic group and UASC; a message is
    written for a group whose 95% interval lies wholly on the worse side of the rest's
    (groups that only record missing data are left out, and with suppression so is any group
    whose counts are 1 to 5). The widest gaps come first.

    Args:
        ctx: The report context.
        max_messages: Keep at most this many.

    Returns:
        The messages.
    """
    found = []
    for indicator_id in EQUITY_INDICATORS:
        gaps = group_table(ctx, indicator_id)
        if gaps.empty:
            continue
        direction = get_indicator(indicator_id).direction
        worse_side = "lower" if direction == "higher" else "higher"
        called = gaps[
            gaps["breakdown"].isin(list(EQUITY_PHRASES))
            & gaps["gap_side"].eq(worse_side)
            & ~gaps["group"].isin(UNRECORDED_GROUPS)
        ]
        found += [(indicator_id, worse_side, row) for row in called.itertuples(index=False)]
    found.sort(key=lambda item: -abs(item[2].gap_pp))
    messages = []
    for indicator_id, side, row in found:
        counts = (
            row.numerator,
            row.denominator,
            row.comparison_numerator,
            row.comparison_denominator,
        )
        if ctx.is_small(*counts):
            continue
        band, measure = _measure_words(indicator_id)
        often = "less often" if side == "lower" else "more often"
        messages.append(
            f"Care leavers {band} {_group_phrase(row.breakdown, row.group)} are {often} "
            f"{measure}: {percent(row.rate)} (n={ctx.count_text(row.denominator)}) against "
            f"{percent(row.comparison_rate)} for the other groups "
            f"(n={ctx.count_text(row.comparison_denominator)}) in {_year_to(ctx)}. The 95% "
            f"intervals ({row.ci_low:.0f}-{row.ci_high:.0f}% and "
            f"{row.comparison_ci_low:.0f}-{row.comparison_ci_high:.0f}%) do not overlap, so "
            "the gap is unlikely to be chance."
        )
    return messages[:max_messages]


def band_gap_message(ctx: ReportContext) -> list[str]:
    """The 19-21 against 17-18 EET gap, when it is beyond chance, with the gap a year earlier.

    Args:
        ctx: The report context.

    Returns:
        One message, or none.
    """
    gap = band_gap(ctx, BAND_GAP_MEASURE)
    if gap is None or not gap["called"]:
        return []
    older, younger = gap["older"], gap["younger"]
    if ctx.is_small(
        older["numerator"], younger["numerator"], older["denominator"], younger["denominator"]
    ):
        return []
    measure = MEASURES[BAND_GAP_MEASURE][:1].lower() + MEASURES[BAND_GAP_MEASURE][1:]
    side = "fewer" if gap["gap_pp"] < 0 else "more"
    text = (
        f"The 19-21 gap: {side} care leavers aged 19-21 are {measure} than aged 17-18, "
        f"{percent(older['rate'])} against {percent(younger['rate'])}, a gap of "
        f"{abs(gap['gap_pp']):.0f} points beyond chance (the 95% intervals do not overlap)"
    )
    before = band_gap(ctx, BAND_GAP_MEASURE, ctx.period_end - pd.DateOffset(years=1))
    if before is not None:
        text += f"; a year earlier it was {abs(before['gap_pp']):.0f} points"
    return [text + "."]


def data_issue_messages(ctx: ReportContext) -> list[str]:
    """A message when OC3 rows had to be left out of the cohort."""
    left_out = int(data_issues_table(ctx).data["OC3 rows"].sum())
    if left_out == 0:
        return []
    return [
        f"{ctx.count_text(left_out)} OC3 rows were left out of the cohort because the young "
        "person's age band could not be worked out or was outside 17-21: see the data issues "
        "at the end."
    ]


def key_messages(ctx: ReportContext) -> list[str]:
    """The care leavers report's key messages, generated from the data.

    Notable indicators first (SPC and benchmark rules), then the 19-21 EET gap, then groups
    doing worse than the rest beyond chance, then rows left out as data errors.

    Args:
        ctx: The report context.

    Returns:
        The messages.
    """
    return [
        *indicator_messages(ctx, indicator_ids(area=AREA), max_messages=4),
        *band_gap_message(ctx),
        *equity_messages(ctx),
        *data_issue_messages(ctx),
    ]


#: Age bands as a table writes them.
BAND_LABELS = {"17_18": "17-18", "19_21": "19-21"}


def service_team_outcomes(ctx: ReportContext) -> pd.DataFrame:
    """Every leaving-care team's outcomes and the service's, worked out once for the run.

    ``indicators.leaving_care_teams`` at the period end; the same for the service's report and
    every team's (``ReportContext.shared``). Needs SSDA903 returns covering the period end.
    """

    def compute() -> pd.DataFrame:
        cohort = care_leaver_cohort(ctx.inputs, ctx.period_end)
        allocations = care_leaver_allocations(ctx.data.cases, ctx.period_end)
        return team_care_leaver_outcomes(cohort, allocations)

    return ctx.shared(f"team_care_leaver_outcomes {ctx.period_end}", compute)


def team_outcomes_table(ctx: ReportContext) -> ReportTable:
    """Care leavers' EET, in touch and suitable accommodation by leaving-care team, and the service.

    The teams are those Annex A List 9 allocates care leavers to at the period end's snapshot,
    joined to the OC3 cohort by the pseudonymised child id
    (``indicators.leaving_care_teams``). With ``ctx.team`` only that team's rows are shown,
    beside the service's.

    Args:
        ctx: The report context.

    Returns:
        One row per team and age band, then the service's: the young people counted and, for
        each measure, how many and the percentage (suppressed as the report asks). Without
        SSDA903 returns covering the period end (the outcomes come from OC3), one row saying so.
    """
    uncovered = ctx.not_covered("ssda903")
    if uncovered is not None:
        return ReportTable(
            pd.DataFrame({"Care leavers by leaving-care team": [f"Not covered: {uncovered}."]}),
            f"Care leavers by leaving-care team at {format_date(ctx.period_end)}: their "
            "outcomes come from the SSDA903 OC3 return",
        )
    outcomes = service_team_outcomes(ctx)
    if ctx.team:
        outcomes = outcomes[outcomes["team"].isin([ctx.team, SERVICE])]
    wide = outcomes.pivot_table(
        index=["team", "band"],
        columns="measure",
        values=["numerator", "denominator", "value"],
        aggfunc="first",
        sort=False,
    )
    names = {
        "eet": "In EET",
        "in_touch": "In touch",
        "suitable_accommodation": "In suitable accommodation",
    }
    table = pd.DataFrame(
        {
            "Team": wide.index.get_level_values("team").astype(str),
            "Age": wide.index.get_level_values("band").map(BAND_LABELS).astype(str),
            "Young people": wide[("denominator", "eet")].to_numpy(dtype=float),
        }
    )
    percents = {}
    for measure, name in names.items():
        table[name] = wide[("numerator", measure)].to_numpy(dtype=float)
        table[f"{name} (%)"] = wide[("value", measure)].to_numpy(dtype=float)
        percents[f"{name} (%)"] = (name, "Young people")
    who = f"{ctx.team}'s care leavers" if ctx.team else "Care leavers by leaving-care team"
    if ctx.team and not (outcomes["team"] == ctx.team).any():
        who = f"{ctx.team} has no care leavers in the OC3 cohort; the service's care leavers"
    return ReportTable(
        table,
        f"{who} at {format_date(ctx.period_end)} (their team and personal adviser from Annex A "
        "List 9, their outcomes from the SSDA903 OC3 return), beside the whole service",
        count_columns=("Young people", *names.values()),
        percent_columns=percents,
        row_header="Team",
    )
