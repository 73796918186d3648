"""The caseloads report's key messages: the service's notable indicators, teams, workers over.

Written from the data by the same rules as every report (``views.messages``): SPC and benchmark
rules for the caseload and workforce indicators, special cause in a team's cases per FTE, and
teams with more workers over the caseload threshold than the rest beyond chance. With
``ctx.team`` set, the team's own changes and where it stands against the service.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc_metrics.catalogue import get_indicator
from csc_metrics.dates import format_date
from csc_metrics.gaps import group_gaps
from csc_metrics.narrative import IndicatorSummary, describe_indicator
from csc_metrics.spc import SpcResult, trailing_run
from csc_metrics.views.caseloads import (
    TEAM_TREND_INDICATOR,
    no_snapshot,
    snapshot_words,
    team_rows,
    team_spc,
    teams_shown,
    total_row,
)
from csc_metrics.views.messages import enrich, indicator_messages, percent, ranked
from csc_metrics.views.report_context import ReportContext, per_context

#: The caseload and workforce indicators whose notable changes become key messages.
MESSAGE_INDICATORS = [
    "caseload_per_fte",
    "workers_over_threshold_pct",
    "unallocated_cases_count",
    "agency_workers_pct",
    "vacancy_rate_pct",
    "social_worker_turnover_pct",
    "worker_changes_12m",
]
#: Key messages about single teams, at most.
MAX_TEAM_MESSAGES = 3


def _team_subject(team: str, indicator_id: str) -> str:
    label = get_indicator(indicator_id).label
    return f"{team}, {label[:1].lower()}{label[1:]}"


@per_context
def team_changes(ctx: ReportContext) -> list[tuple[bool, str]]:
    """Teams whose cases per FTE show special cause at the latest point, with a message each.

    Args:
        ctx: The report context.

    Returns:
        ``(is_concern, message)`` pairs: rising caseloads (a concern) first, then falling ones
        (an improvement), each in the order of the size of the change over the series.
    """
    ranked = []
    for team, result in team_spc(ctx).items():
        if not result.is_special_cause:
            continue
        rows = ctx.overall_rows(TEAM_TREND_INDICATOR, team=team).dropna(subset=["value"])
        latest = rows.iloc[-1]
        text = describe_indicator(
            TEAM_TREND_INDICATOR, latest, result, suppress=ctx.suppress, settings=ctx.settings
        )
        message = enrich(
            text,
            IndicatorSummary(TEAM_TREND_INDICATOR, latest, result),
            ctx.suppress,
            _team_subject(team, TEAM_TREND_INDICATOR),
        ) + _run_start_sentence(result)
        concern = result.variation.startswith("concern")
        change = abs(result.points["value"].iloc[-1] - result.points["value"].iloc[0])
        ranked.append((not concern, -change, team, message))
    ranked.sort()
    return [(not improvement, message) for improvement, _, _, message in ranked]


def team_change_messages(ctx: ReportContext, max_messages: int = MAX_TEAM_MESSAGES) -> list[str]:
    """Messages for teams whose cases per FTE show special cause (see ``team_changes``).

    Args:
        ctx: The report context.
        max_messages: Keep at most this many.

    Returns:
        One message per team, naming the team and what its SPC chart shows.
    """
    return [message for _, message in team_changes(ctx)[:max_messages]]


def _run_start_sentence(result: SpcResult) -> str:
    """For a trend, the value where the run of rises or falls started, as a sentence."""
    if result.latest["rule"] != "trend":
        return ""
    group = result.latest_group
    run = trailing_run(np.sign(np.diff(group["value"].to_numpy(dtype=float))))
    start = group.iloc[-run - 1]
    return f" It was {start['value']:,.1f} at {format_date(start['date'])}."


def over_threshold_messages(ctx: ReportContext) -> list[str]:
    """Teams with a larger share of workers over the threshold than the rest, beyond chance.

    Args:
        ctx: The report context.

    Returns:
        One message per such team (none when suppression would hide its counts).
    """
    rows = team_rows(ctx, "workers_over_threshold_pct").reset_index()
    rows = rows[rows["denominator"] > 0]
    if rows.empty:
        return []
    gaps = group_gaps(rows, total_group=None, settings=ctx.settings)
    called = gaps[gaps["gap_side"].eq("higher") & gaps["group"].isin(teams_shown(ctx))]
    threshold = f"{ctx.settings.caseload_threshold:g}"
    messages = []
    for row in called.sort_values("gap_pp", ascending=False).itertuples(index=False):
        if ctx.is_small(row.numerator, row.denominator):
            continue
        messages.append(
            f"{row.group}: {percent(row.rate)} of its case-holding workers have more than "
            f"{threshold} cases per FTE ({ctx.count_text(row.numerator)} of "
            f"{ctx.count_text(row.denominator)}), against {percent(row.comparison_rate)} in "
            "the other teams; the 95% intervals do not overlap, so this is unlikely to be "
            "chance."
        )
    return messages


def team_overview_messages(ctx: ReportContext) -> list[str]:
    """For a team's report: its caseload against the service, workers over, unallocated cases.

    Args:
        ctx: The report context (``ctx.team`` set).

    Returns:
        Messages that always apply to the team (nothing when no team is set).
    """
    if not ctx.team or ctx.snapshot_date is None:
        return []
    mine = team_rows(ctx, "caseload_per_fte").reindex([ctx.team]).iloc[0]
    service = total_row(ctx, "caseload_per_fte")
    over = team_rows(ctx, "workers_over_threshold_pct").reindex([ctx.team]).iloc[0]
    unallocated = team_rows(ctx, "unallocated_cases_count").reindex([ctx.team]).iloc[0]
    threshold = f"{ctx.settings.caseload_threshold:g}"
    messages = []
    if not pd.isna(mine["value"]):
        messages.append(
            f"{ctx.team} holds {ctx.count_text(mine['numerator'])} cases with "
            f"{mine['denominator']:,.1f} case-holding FTE: {mine['value']:,.1f} cases per FTE, "
            f"against {service['value']:,.1f} across the whole service "
            f"({snapshot_words(ctx)})."
        )
    if not pd.isna(over["denominator"]):
        over_text = "None" if over["numerator"] == 0 else ctx.count_text(over["numerator"])
        messages.append(
            f"{over_text[:1].upper()}{over_text[1:]} of the team's "
            f"{ctx.count_text(over['denominator'])} case-holding workers "
            f"{'has' if over['numerator'] == 1 else 'have'} more than {threshold} cases per FTE."
        )
    count = 0 if pd.isna(unallocated["numerator"]) else unallocated["numerator"]
    messages.append(
        "The team has no unallocated cases."
        if count == 0
        else f"The team has {ctx.count_text(count)} unallocated cases."
    )
    return messages


def key_messages(ctx: ReportContext) -> list[str]:
    """The caseload report's key messages, generated from the data.

    Whole service: notable caseload and workforce indicators (SPC and benchmark rules), then
    teams whose caseload shows special cause, then teams with more workers over the threshold
    than the rest beyond chance. For a team: the team's own notable changes, then where it
    stands.

    Args:
        ctx: The report context.

    Returns:
        The messages, most important first.
    """
    if ctx.snapshot_date is None:
        return [f"{no_snapshot(ctx)} There are no caseload figures for this period."]
    if ctx.team:
        subjects = {i: _team_subject(ctx.team, i) for i in MESSAGE_INDICATORS}
        team_ids = [i for i in MESSAGE_INDICATORS if ctx.is_team_view(i)]
        return [
            *indicator_messages(ctx, team_ids, max_messages=3, subjects=subjects),
            *team_overview_messages(ctx),
        ]
    # Concerns first, whether the whole service's or a team's; then everything else.
    summaries = ranked(ctx, MESSAGE_INDICATORS, max_messages=4)
    service = [
        (s.spc is not None and s.spc.variation.startswith("concern"), enrich(text, s, ctx.suppress))
        for s, text in summaries
    ]
    teams = team_changes(ctx)[:MAX_TEAM_MESSAGES]
    concerns = [m for concern, m in service + teams if concern]
    others = [m for concern, m in service if not concern]
    return [
        *concerns,
        *over_threshold_messages(ctx)[:2],
        *others,
        *[m for concern, m in teams if not concern],
    ]
