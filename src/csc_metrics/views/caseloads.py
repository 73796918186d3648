"""The caseloads report: caseloads by team and across workers, unallocated cases, trends.

Every function takes the report context. With ``ctx.team`` set, each gives that team's own view
for its manager: its workers (worker ids, not names), its unallocated cases, and its trend
against the whole service; other teams' names never appear.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc_metrics.catalogue import get_indicator
from csc_metrics.charts import Chart, breakdown_bars, heatmap, team_small_multiples
from csc_metrics.dates import format_date
from csc_metrics.formatting import in_words
from csc_metrics.gaps import group_gaps
from csc_metrics.indicators import caseload_distribution, unallocated_cases, worker_caseloads
from csc_metrics.indicators.caseloads import (
    CASELOAD_BANDS,
    DISTRIBUTION_COLUMNS,
    TEAM_NOT_RECORDED,
)
from csc_metrics.spc import VARIATION_LABELS, SpcResult, spc
from csc_metrics.suppression import suppression_mask
from csc_metrics.views.builders import (
    QUARTER_ENDS,
    ReportTable,
    drawing,
    empty_chart,
    spc_chart_for,
)
from csc_metrics.views.report_context import ReportContext, per_context

#: The indicator whose per-team series is checked for special cause in every team.
TEAM_TREND_INDICATOR = "caseload_per_fte"

#: How Annex A case types are written in the reports, in report order.
CASE_TYPE_LABELS: dict[str, str] = {
    "CLA": "Children in care",
    "CP": "Child protection",
    "CIN": "Children in need",
    "CARE_LEAVER": "Care leavers",
}
#: The count columns of the case-mix table (``unallocated_table``), after its ``Team``.
CASE_MIX_COLUMNS = [*CASE_TYPE_LABELS.values(), "All open cases", "Unallocated"]
#: Short column headers for the caseload bands of ``indicators.caseloads.CASELOAD_BANDS``.
BAND_HEADERS: dict[str, str] = {
    "under 10": "Under 10",
    "10 to under 15": "10 to 15",
    "15 to under 20": "15 to 20",
    "20 to under 25": "20 to 25",
    "25 to under 30": "25 to 30",
    "30 or more": "30 or more",
}
ALL_TEAMS = "All teams"
OTHER_TEAMS = "Other teams"


def no_snapshot(ctx: ReportContext) -> str:
    """The sentence for a period with no caseload snapshot on or before its end."""
    return f"No caseload snapshot was taken on or before {format_date(ctx.period_end)}."


def snapshot_words(ctx: ReportContext) -> str:
    """Which snapshot the figures come from, for the end of a sentence."""
    return f"snapshot of {format_date(ctx.snapshot_date)}" if ctx.snapshot_date else "no snapshot"


#: The caseload indicators whose team and total rows every team page shows (``team_table``).
TABLE_INDICATORS = ("caseload_per_fte", "workers_over_threshold_pct", "unallocated_cases_count")


def team_rows(ctx: ReportContext, indicator_id: str) -> pd.DataFrame:
    """One indicator's per-team rows at the period end, indexed by team.

    The same for every team's page: picked once for the run (``ReportContext.shared``).
    """

    def pick() -> pd.DataFrame:
        metrics = ctx.indicator_metrics(indicator_id)
        rows = metrics[metrics["breakdown"] == "team"]
        return rows.set_index("group")[["numerator", "denominator", "value"]]

    rows: pd.DataFrame = ctx.shared(f"team_rows {indicator_id}", pick)
    return rows


def total_row(ctx: ReportContext, indicator_id: str) -> pd.Series:
    """One indicator's whole-service row at the period end (blank when there is none).

    The same for every team's page: picked once for the run (``ReportContext.shared``).
    """

    def pick() -> pd.Series:
        metrics = ctx.indicator_metrics(indicator_id)
        rows = metrics[metrics["breakdown"] == "total"]
        if rows.empty:
            return pd.Series({"numerator": np.nan, "denominator": np.nan, "value": np.nan})
        return rows.iloc[0][["numerator", "denominator", "value"]]

    row: pd.Series = ctx.shared(f"total_row {indicator_id}", pick)
    return row


def _total_row_label(ctx: ReportContext) -> str | None:
    """The totals row for secondary suppression: only when every team is shown.

    In a team's report the whole service's row is not the sum of the rows shown, and it gives
    nothing away about the team (the other teams are not shown), so it is not a totals row.
    """
    return None if ctx.team else ALL_TEAMS


def teams_shown(ctx: ReportContext) -> list[str]:
    """The teams a report shows: the report's team alone, or every team."""
    return [ctx.team] if ctx.team else list(ctx.teams)


# --- tables ------------------------------------------------------------------------------------


def team_table(ctx: ReportContext) -> ReportTable:
    """Caseloads by team at the snapshot: workers, FTE, cases, cases per FTE, over threshold.

    Args:
        ctx: The report context.

    Returns:
        One row per team (only ``ctx.team`` when set) and a row for the whole service.
    """
    per_fte = team_rows(ctx, "caseload_per_fte")
    over = team_rows(ctx, "workers_over_threshold_pct")
    unallocated = team_rows(ctx, "unallocated_cases_count")
    teams = [t for t in teams_shown(ctx) if t in per_fte.index or t in unallocated.index]
    table = pd.DataFrame(
        {
            "Team": teams,
            "Case-holding workers": over["denominator"].reindex(teams).to_numpy(),
            "FTE": per_fte["denominator"].reindex(teams).to_numpy(),
            "Cases held": per_fte["numerator"].reindex(teams).to_numpy(),
            "Cases per FTE": per_fte["value"].reindex(teams).to_numpy(),
            "Workers over threshold": over["numerator"].reindex(teams).to_numpy(),
            "% over threshold": over["value"].reindex(teams).to_numpy(),
            "Unallocated cases": unallocated["numerator"].reindex(teams).to_numpy(),
        }
    )
    totals = {
        "Team": ALL_TEAMS,
        "Case-holding workers": total_row(ctx, "workers_over_threshold_pct")["denominator"],
        "FTE": total_row(ctx, "caseload_per_fte")["denominator"],
        "Cases held": total_row(ctx, "caseload_per_fte")["numerator"],
        "Cases per FTE": total_row(ctx, "caseload_per_fte")["value"],
        "Workers over threshold": total_row(ctx, "workers_over_threshold_pct")["numerator"],
        "% over threshold": total_row(ctx, "workers_over_threshold_pct")["value"],
        "Unallocated cases": total_row(ctx, "unallocated_cases_count")["numerator"],
    }
    table = pd.concat([table, pd.DataFrame([totals])], ignore_index=True)
    threshold = f"{ctx.settings.caseload_threshold:g}"
    return ReportTable(
        data=table,
        caption=(
            f"Caseloads by team, {snapshot_words(ctx)}: case-holding workers, their FTE and "
            f"cases, and workers over the threshold of {threshold} cases per FTE"
        ),
        count_columns=(
            "Case-holding workers",
            "Cases held",
            "Workers over threshold",
            "Unallocated cases",
        ),
        # A ratio whose cases are hidden would give them back with the FTE beside it.
        percent_columns={
            "% over threshold": ("Workers over threshold", "Case-holding workers"),
            "Cases per FTE": ("Cases held", "Cases held"),
        },
        row_header="Team",
        total_row=_total_row_label(ctx),
    )


@per_context
def team_spc(ctx: ReportContext, indicator_id: str = TEAM_TREND_INDICATOR) -> dict[str, SpcResult]:
    """The SPC result of each team's series of an indicator (teams with at least two points).

    Args:
        ctx: The report context.
        indicator_id: A caseload indicator with a per-team breakdown.

    Returns:
        Team -> SPC result, for the teams shown (``ctx.team`` only when set).
    """
    direction = get_indicator(indicator_id).direction
    results = {}
    for team in teams_shown(ctx):
        rows = ctx.overall_rows(indicator_id, team=team).dropna(subset=["value"])
        if len(rows) >= 2 and rows["period_end"].iloc[-1] == ctx.period_end:
            series = pd.Series(rows["value"].to_numpy(), index=pd.DatetimeIndex(rows["period_end"]))
            results[team] = spc(series, direction, settings=ctx.settings)
    return results


def team_trend_table(ctx: ReportContext) -> ReportTable:
    """The table behind the team trend chart: each team's caseload now, a year ago, and its SPC.

    Args:
        ctx: The report context.

    Returns:
        One row per team shown.
    """
    results = team_spc(ctx)
    year_ago = ctx.period_end - pd.DateOffset(years=1)
    rows = []
    for team in teams_shown(ctx):
        series = ctx.overall_rows(TEAM_TREND_INDICATOR, team=team).set_index("period_end")["value"]
        result = results.get(team)
        rows.append(
            {
                "Team": team,
                "Cases per FTE a year ago": series.get(year_ago, np.nan),
                "Cases per FTE now": series.get(ctx.period_end, np.nan),
                "Trend (SPC)": VARIATION_LABELS[result.variation] if result else "Too few points",
            }
        )
    return ReportTable(
        data=pd.DataFrame(
            rows, columns=["Team", "Cases per FTE a year ago", "Cases per FTE now", "Trend (SPC)"]
        ),
        caption=(
            f"Cases per case-holding FTE by team at {format_date(ctx.period_end)} and a year "
            "earlier, with what each team's SPC chart shows"
        ),
        row_header="Team",
    )


def _service_workers(ctx: ReportContext) -> pd.DataFrame:
    """``worker_caseloads`` at the snapshot, every team's, worked out once for the run."""
    return ctx.shared(
        f"worker_caseloads {ctx.snapshot_date}",
        lambda: worker_caseloads(ctx.data, ctx.snapshot_date, ctx.settings),
    )


def _service_distribution(ctx: ReportContext) -> pd.DataFrame:
    """``caseload_distribution`` at the snapshot, every team's, worked out once for the run."""
    return ctx.shared(
        f"caseload_distribution {ctx.snapshot_date}",
        lambda: caseload_distribution(ctx.data, ctx.snapshot_date, ctx.settings),
    )


def prepare_team_pages(ctx: ReportContext) -> None:
    """Work out ahead what every team's caseload page starts from and is the same for all.

    The run calls this in its kernel server (``opening.preload_report``) before it forks the
    report kernels: each team page then only picks its team's rows. Nothing is done without a
    caseload snapshot.

    Args:
        ctx: The whole service's report context.
    """
    if ctx.snapshot_date is None:
        return
    _service_workers(ctx)
    _service_distribution(ctx)
    for indicator_id in TABLE_INDICATORS:
        team_rows(ctx, indicator_id)
        total_row(ctx, indicator_id)
    every_team = _every_team(ctx)
    _every_team_hidden(ctx, every_team)


def worker_table(ctx: ReportContext) -> ReportTable:
    """Workers behind the figures: a team's every worker, or the service's workers of concern.

    With ``ctx.team``: every worker in the team. Without: workers over the threshold, and
    workers holding cases who are left out of the figures (with the reason).

    Args:
        ctx: The report context.

    Returns:
        Workers by id (never names a case), highest caseload first.
    """
    if ctx.snapshot_date is None:
        workers = worker_caseloads(ctx.data, ctx.period_end, ctx.settings).iloc[:0]
    else:
        workers = _service_workers(ctx)
    if ctx.team:
        workers = workers[workers["team"] == ctx.team]
        what = f"Every worker in {ctx.team}"
    else:
        of_concern = workers["over_threshold"].fillna(False).astype(bool) | (
            workers["cases"].gt(0) & ~workers["is_case_holding"]
        )
        workers = workers[of_concern]
        what = "Workers over the caseload threshold, and workers holding cases who are not counted"
    if ctx.suppress:
        return _worker_band_table(ctx, workers, what)
    workers = workers.sort_values(["cases_per_fte", "cases"], ascending=False, na_position="last")
    over = workers["over_threshold"].map({True: "Yes", False: "No"}).fillna("")
    reason = workers["excluded_reason"].fillna("")
    note = reason.str[:1].str.upper() + reason.str[1:]
    table = pd.DataFrame(
        {
            "Worker": workers["worker_id"].to_numpy(),
            # Role before team: a team name ending in a number ("Team 2") followed by a role
            # ("Social Worker") reads as a count of workers to the privacy check.
            "Role": workers["role"].fillna("").to_numpy(),
            "Team": workers["team"].to_numpy(),
            "FTE": workers["fte"].to_numpy(),
            "Agency": workers["agency"].map({True: "Yes", False: "No"}).fillna("").to_numpy(),
            "Cases": workers["cases"].to_numpy(),
            "Cases per FTE": workers["cases_per_fte"].to_numpy(),
            "Over threshold": over.to_numpy(),
            "Not counted because": note.to_numpy(),
        }
    )
    if ctx.team:
        table = table.drop(columns="Team")
    if not table["Not counted because"].ne("").any():
        table = table.drop(columns="Not counted because")
    return ReportTable(
        data=table,
        caption=f"{what}, {snapshot_words(ctx)} (threshold: "
        f"{ctx.settings.caseload_threshold:g} cases per FTE)",
        count_columns=("Cases",),
        # A ratio whose cases are hidden would give them back with the FTE beside it.
        percent_columns={"Cases per FTE": ("Cases", "Cases")},
        row_header="Worker",
    )


def _worker_band_table(ctx: ReportContext, workers: pd.DataFrame, what: str) -> ReportTable:
    """Under suppression, no worker's own caseload: how many workers fall in each band.

    A list of individual workers' caseloads, beside a team's totals, gives back the counts the
    other tables hide; bands of cases per FTE (``CASELOAD_BANDS``) with their number of workers,
    suppressed like any count, say the same about workload without naming anyone's.
    """
    edges = [lower for lower, _ in CASELOAD_BANDS] + [np.inf]
    labels = [BAND_HEADERS[label] for _, label in CASELOAD_BANDS]
    band = pd.cut(workers["cases_per_fte"], edges, right=False, labels=labels)
    counts = band.value_counts().reindex(labels, fill_value=0)
    not_counted = int(band.isna().sum())
    rows = [*labels, "Not counted (no FTE or outside the limits)", "All workers listed"]
    table = pd.DataFrame(
        {
            "Cases per FTE": rows,
            "Workers": [*counts.astype(int).tolist(), not_counted, len(workers)],
        }
    )
    return ReportTable(
        data=table,
        caption=f"{what}, by cases per FTE, {snapshot_words(ctx)} (threshold: "
        f"{ctx.settings.caseload_threshold:g} cases per FTE; bands, not individual workers, "
        "because small numbers are suppressed)",
        count_columns=("Workers",),
        row_header="Cases per FTE",
        total_row="All workers listed",
    )


def unallocated_table(ctx: ReportContext) -> ReportTable:
    """Open and unallocated cases by team and case type at the snapshot (the case mix).

    Args:
        ctx: The report context.

    Returns:
        One row per team shown with open cases per case type, all open cases and unallocated
        cases, and a row for all teams.
    """
    columns = CASE_MIX_COLUMNS
    if ctx.snapshot_date is None:
        return ReportTable(
            data=pd.DataFrame(columns=["Team", *columns]),
            caption=f"Open and unallocated cases by team: {no_snapshot(ctx)}",
            row_header="Team",
        )
    every_team = _every_team(ctx)
    caption = f"Open cases by case type, and unallocated cases, by team ({snapshot_words(ctx)})"
    if not ctx.team:
        return ReportTable(
            data=every_team,
            caption=caption,
            count_columns=tuple(columns),
            row_header="Team",
            total_row=ALL_TEAMS,
            total_column="All open cases",
        )
    # A team's page shows its row and all teams' as the service's page shows them: the same
    # cells hidden, or the two pages together would give them back.
    hidden = _every_team_hidden(ctx, every_team)
    # Cases with no team recorded belong to no team's page, so every team page shows that line
    # too: a manager sees how many of the service's unallocated cases nobody's team holds.
    shown = [ctx.team, TEAM_NOT_RECORDED, ALL_TEAMS]
    keep = every_team["Team"].isin(shown)
    if not (every_team["Team"] == ctx.team).any():
        empty = pd.DataFrame([{"Team": ctx.team, **dict.fromkeys(columns, 0)}])
        every_team = pd.concat([empty, every_team], ignore_index=True)
        hidden = pd.concat([pd.DataFrame(False, index=[0], columns=hidden.columns), hidden])
        hidden.index = every_team.index
        keep = every_team["Team"].isin(shown)
    table = every_team[keep].reset_index(drop=True)
    return ReportTable(
        data=table,
        caption=caption,
        count_columns=tuple(columns),
        row_header="Team",
        total_column="All open cases",
        hidden=hidden[keep.to_numpy()].reset_index(drop=True),
    )


def _every_team(ctx: ReportContext) -> pd.DataFrame:
    """Open cases per case type, all open cases and unallocated cases: each team, all teams.

    Worked out once for the service's page and every team's (``prepare_team_pages``).
    """
    return ctx.shared(
        f"unallocated_every_team {ctx.snapshot_date}", lambda: _every_team_open_cases(ctx)
    )


def _every_team_open_cases(ctx: ReportContext) -> pd.DataFrame:
    cases = ctx.shared(
        f"unallocated_cases {ctx.snapshot_date}",
        lambda: unallocated_cases(ctx.data, ctx.snapshot_date),
    )
    open_cases = cases.pivot_table(
        index="team", columns="case_type", values="open_cases", aggfunc="sum", fill_value=0
    ).reindex(columns=list(CASE_TYPE_LABELS), fill_value=0)
    open_cases.columns = list(CASE_TYPE_LABELS.values())
    open_cases["All open cases"] = open_cases.sum(axis=1)
    open_cases["Unallocated"] = cases.groupby("team")["unallocated_cases"].sum()
    totals = open_cases.sum().to_frame(ALL_TEAMS).T
    every_team = pd.concat([open_cases, totals]).rename_axis("Team").reset_index()
    every_team[CASE_MIX_COLUMNS] = every_team[CASE_MIX_COLUMNS].astype("int64")
    return every_team


def _every_team_hidden(ctx: ReportContext, every_team: pd.DataFrame) -> pd.DataFrame:
    """The cells of ``_every_team_open_cases`` the service's page hides (none unsuppressed)."""
    settings = ctx.settings if ctx.suppress else ctx.settings.with_overrides(suppression_max=0)
    # The mask reads only suppression_max of the settings.
    return ctx.shared(
        f"unallocated_every_team_hidden {ctx.snapshot_date} {settings.suppression_max}",
        lambda: suppression_mask(
            every_team,
            CASE_MIX_COLUMNS,
            total_row=ALL_TEAMS,
            total_column="All open cases",
            settings=settings,
            label_column="Team",
        ),
    )


@per_context
def _distribution(ctx: ReportContext) -> pd.DataFrame:
    """``caseload_distribution`` at the snapshot: the service (``All teams``) and teams shown."""
    if ctx.snapshot_date is None:
        return pd.DataFrame(columns=DISTRIBUTION_COLUMNS)
    spread = _service_distribution(ctx)
    spread = spread.assign(group=spread["group"].where(spread["breakdown"] == "team", ALL_TEAMS))
    if ctx.team:
        spread = spread[spread["group"].isin([ctx.team, ALL_TEAMS])]
    return spread.reset_index(drop=True)


def distribution_table(ctx: ReportContext) -> ReportTable:
    """Cases per FTE across case-holding workers: lowest, quartiles and highest.

    Args:
        ctx: The report context.

    Returns:
        One row for the whole service and one per team shown.
    """
    spread = _distribution(ctx)
    table = pd.DataFrame(
        {
            "Group": spread["group"],
            "Case-holding workers": spread["workers"],
            "Lowest": spread["min"],
            "Lower quartile": spread["p25"],
            "Median": spread["median"],
            "Upper quartile": spread["p75"],
            "Highest": spread["max"],
        }
    )
    return ReportTable(
        data=table,
        caption=(
            f"Cases per FTE across case-holding workers ({snapshot_words(ctx)}): a quarter of "
            "workers are below the lower quartile and a quarter above the upper quartile"
        ),
        count_columns=("Case-holding workers",),
        row_header="Group",
    )


def band_table(ctx: ReportContext) -> ReportTable:
    """The table behind ``distribution_chart``: case-holding workers in each caseload band.

    Args:
        ctx: The report context.

    Returns:
        One row for the whole service and one per team shown; one column per band of cases
        per FTE (each band includes its lower bound).
    """
    spread = _distribution(ctx)
    bands = {label: BAND_HEADERS[label] for _, label in CASELOAD_BANDS}
    table = spread[["group", "workers", *bands]].rename(
        columns={"group": "Group", "workers": "All", **bands}
    )
    return ReportTable(
        data=table,
        caption=(
            f"Case-holding workers by cases per FTE ({snapshot_words(ctx)}); each band includes "
            "its lower bound"
        ),
        count_columns=("All", *bands.values()),
        row_header="Group",
    )


# --- charts ------------------------------------------------------------------------------------


def caseload_spc_chart(ctx: ReportContext) -> Chart:
    """SPC chart of cases per FTE: the whole service, or the team's own series."""
    return spc_chart_for(ctx, "caseload_per_fte", "caseload")


def unallocated_spc_chart(ctx: ReportContext) -> Chart:
    """SPC chart of unallocated cases: the whole service, or the team's own series."""
    return spc_chart_for(ctx, "unallocated_cases_count", "caseload")


def team_trends_chart(ctx: ReportContext) -> Chart:
    """Each team's cases per FTE over time, one small panel each, with the service dashed.

    On a team's page the team's own trend is already ``caseload_spc_chart``, so this is a
    sentence instead (a page never draws one trend twice): the service's latest figure to
    compare with, and where every team's panel is.

    Args:
        ctx: The report context.

    Returns:
        The chart, or on a team's page a sentence.
    """
    title = "Cases per case-holding FTE by team"
    if ctx.team:
        return empty_chart(f"{title}: {ctx.team}", _service_comparison(ctx))
    series = ctx.series
    rows = series[
        (series["indicator_id"] == TEAM_TREND_INDICATOR)
        & (series["breakdown"] == "team")
        & series["group"].isin(teams_shown(ctx))
    ]
    if rows.empty:
        return empty_chart(title, no_snapshot(ctx))
    overall = _service_series(ctx).set_index("period_end")["value"]
    data = rows.rename(columns={"group": "team"})[["team", "period_end", "value", "numerator"]]
    chart = team_small_multiples(
        data,
        title + (f": {ctx.team}" if ctx.team else ""),
        "Cases per FTE",
        ctx.source("caseload"),
        unit="ratio",
        overall=overall,
        ncols=3,
        suppress=ctx.suppress,
        settings=ctx.settings,
    )
    return drawing(
        chart, *(f"{TEAM_TREND_INDICATOR}[{team}]{QUARTER_ENDS}" for team in data["team"].unique())
    )


def _service_series(ctx: ReportContext) -> pd.DataFrame:
    """The whole service's cases per FTE at each quarter end with a figure, oldest first."""
    series = ctx.series
    service = series[
        (series["indicator_id"] == TEAM_TREND_INDICATOR) & (series["breakdown"] == "total")
    ]
    return service.dropna(subset=["value"]).sort_values("period_end")


def _service_comparison(ctx: ReportContext) -> str:
    """A team page's sentence in place of the small multiples: the service's latest figure."""
    service = _service_series(ctx)
    where = "The whole-service report has one small chart per team."
    if service.empty:
        return f"This team's own trend is the chart above. {where}"
    latest = service.iloc[-1]
    figure = in_words(latest["value"], get_indicator(TEAM_TREND_INDICATOR).unit)
    return (
        f"This team's own trend is the chart above. Across the whole service it was {figure} at "
        f"{format_date(latest['period_end'])}. {where}"
    )


def over_threshold_chart(ctx: ReportContext) -> Chart:
    """Share of case-holding workers over the threshold, by team, with 95% intervals.

    Each team is compared with all the other teams together (a star marks a difference beyond
    chance). With ``ctx.team``: that team against the other teams.

    Args:
        ctx: The report context.

    Returns:
        The chart.
    """
    threshold = f"{ctx.settings.caseload_threshold:g}"
    title = f"Case-holding workers with more than {threshold} cases per FTE"
    rows = team_rows(ctx, "workers_over_threshold_pct").reset_index()
    rows = rows[rows["denominator"] > 0]
    if rows.empty:
        return empty_chart(title, no_snapshot(ctx))
    if ctx.team:
        mine = rows["group"] == ctx.team
        rows = pd.DataFrame(
            {
                "group": [ctx.team, OTHER_TEAMS],
                "numerator": [
                    rows.loc[mine, "numerator"].sum(),
                    rows.loc[~mine, "numerator"].sum(),
                ],
                "denominator": [
                    rows.loc[mine, "denominator"].sum(),
                    rows.loc[~mine, "denominator"].sum(),
                ],
            }
        )
    gaps = group_gaps(rows, total_group=None, settings=ctx.settings)
    return breakdown_bars(
        gaps,
        title,
        "% of case-holding workers",
        ctx.source("caseload"),
        overall=total_row(ctx, "workers_over_threshold_pct")["value"],
        suppress=ctx.suppress,
        settings=ctx.settings,
        # The teams (or a team and the other teams) make up all teams, shown on every page.
        partition=True,
    )


def distribution_chart(ctx: ReportContext) -> Chart:
    """Share of case-holding workers in each caseload band (the service, or the team).

    Args:
        ctx: The report context.

    Returns:
        The chart.
    """
    where = ctx.team or "the whole service"
    title = f"Case-holding workers by cases per FTE, {where}"
    table = band_table(ctx).data
    row = table[table["Group"] == (ctx.team or ALL_TEAMS)]
    if row.empty or not row["All"].iloc[0]:
        return empty_chart(title, no_snapshot(ctx))
    if ctx.is_small(row["All"].iloc[0]):
        return empty_chart(
            title,
            f"Fewer than {ctx.settings.suppression_max + 1} case-holding workers: their shares "
            "are not shown, to protect privacy.",
        )
    rates = pd.DataFrame(
        {
            "group": [f"{header} cases per FTE" for header in BAND_HEADERS.values()],
            "numerator": row[list(BAND_HEADERS.values())].iloc[0].astype(float).to_numpy(),
            "denominator": float(row["All"].iloc[0]),
        }
    )
    return breakdown_bars(
        rates,
        title,
        "% of case-holding workers",
        ctx.source("caseload"),
        suppress=ctx.suppress,
        settings=ctx.settings,
    )


def case_mix_chart(ctx: ReportContext) -> Chart:
    """Heatmap of open cases by team and case type at the snapshot.

    Args:
        ctx: The report context.

    Returns:
        The chart.
    """
    title = "Open cases by team and case type"
    table = unallocated_table(ctx).data
    if table.empty:
        return empty_chart(title, no_snapshot(ctx))
    pivot = table[table["Team"] != ALL_TEAMS].set_index("Team")[list(CASE_TYPE_LABELS.values())]
    # Two short lines per column heading, so the headings never run into each other.
    pivot.columns = [label.replace(" ", "\n", 1) for label in pivot.columns]
    return heatmap(
        pivot,
        title + (f": {ctx.team}" if ctx.team else ""),
        "Case type",
        "",
        ctx.source("caseload"),
        unit="count",
        colour_label="open cases",
        suppress=ctx.suppress,
        settings=ctx.settings,
    )
