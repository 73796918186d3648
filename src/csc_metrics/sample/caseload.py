"""The rest of the service's caseload, and who holds every case.

Children in need and on child protection plans who never enter care are extra children with
their own CIN episodes and plans; children entering care may have had a plan that ends shortly
after they become looked after (so some children appear on both List 7 and List 8). This module
builds those, turns every kind of involvement into allocation spells with a team, funds and
staffs the teams, plants the rising team, and hands each case to workers over time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from csc_metrics.sample import parameters as p
from csc_metrics.sample.allocation import assign_workers, plant_rising_team
from csc_metrics.sample.care import CareHistory, future_entrants
from csc_metrics.sample.config import SampleConfig, add_years, component_rng
from csc_metrics.sample.draws import choose, uniform_int
from csc_metrics.sample.geography import Geography
from csc_metrics.sample.people import draw_ethnicity, draw_sex
from csc_metrics.sample.teams import (
    Staffing,
    assign_teams,
    plan_posts,
    rising_team_name,
    staff_posts,
    team_layout,
)

_YEAR = 365.25


@dataclass
class Service:
    """Children in need, plans, teams, staff and allocations.

    Attributes:
        extra_children: Children known only as in need or on a plan (same columns as the care
            children, numbered after them).
        cin: CIN episodes: ``child, start, end, need, closure_reason, status``.
        cp: Child protection plans: ``child, start, end, initial_category, latest_category,
            previous_plans, emergency``.
        care_leavers: Leaving-care spells: ``child, start, end``.
        teams: The team layout.
        staffing: Posts and workers.
        spells: Allocation spells (``team`` is an index into ``teams``).
        segments: Worker segments of the spells.
        timeline_start: First day on which allocations are known.
    """

    extra_children: pd.DataFrame
    cin: pd.DataFrame
    cp: pd.DataFrame
    care_leavers: pd.DataFrame
    teams: pd.DataFrame
    staffing: Staffing
    spells: pd.DataFrame
    segments: pd.DataFrame
    timeline_start: int


def timeline_start(config: SampleConfig) -> int:
    """First day allocations are needed: a year before the first snapshot or SWEpisodes year."""
    first_needed = config.snapshot_dates[0]
    sw_years = [y for y in config.years if y >= 2024]
    if sw_years:
        first_needed = min(first_needed, config.year_starts[sw_years[0]])
    return int(first_needed - 366)


def build_service(
    config: SampleConfig, geography: Geography, history: CareHistory, cohort_children: np.ndarray
) -> Service:
    """Simulate children in need and plans, and allocate every case to teams and workers.

    Args:
        config: The run's configuration.
        geography: Districts and postcodes.
        history: The care histories.
        cohort_children: Child indices of care leavers (meeting the cohort rule).

    Returns:
        The service.
    """
    rng = component_rng(config.seed, "service")
    start_of_time = timeline_start(config)
    first_extra = int(history.children["child"].max()) + 1
    extra, cin, cp_extra = _children_in_need(rng, config, geography, start_of_time, first_extra)
    cin = pd.concat([cin, _short_break_cin(history)], ignore_index=True)
    cp_before_care = _plans_before_care(rng, history.periods)
    # Children coming into care after the data end: their plans and involvement before care
    # are open at the last snapshots (``care.future_entrants``), from their own streams.
    future = future_entrants(
        config, geography, max(first_extra, int(extra["child"].max()) + 1 if len(extra) else 0)
    )
    future_periods = pd.DataFrame(
        {
            "child": future["child"].to_numpy(),
            "start": future["first_start"].to_numpy(),
            "end": future["first_start"].to_numpy() + int(_YEAR),
            "dob": future["dob"].to_numpy(),
            "uasc": future["uasc"].to_numpy(),
            "period": -1,
        }
    )
    cp_future = _plans_before_care(component_rng(config.seed, "future_plans"), future_periods)
    cp = pd.concat([cp_extra, cp_before_care, cp_future], ignore_index=True)
    care_leavers = _leaving_care_spells(history, cohort_children)
    teams = team_layout(config.scale)
    district_names = geography.districts["name"].to_numpy()
    spells = _allocation_spells(
        rng,
        history,
        extra,
        cin,
        care_leavers,
        teams,
        district_names,
        start_of_time,
        config.horizon_end + 1,
    )
    spells = _with_future_spells(
        component_rng(config.seed, "future_spells"),
        spells,
        future_periods,
        future,
        teams,
        district_names,
        config.horizon_end + 1,
    )
    extra = pd.concat([extra, future], ignore_index=True)
    rising, source = (
        int(np.flatnonzero(teams["team"] == name)[0]) for name in rising_team_name(teams)
    )
    quarters = config.rising_team_quarters
    mean_open = _mean_open_cases(spells, config.snapshot_dates, before=quarters[0])
    posts = plan_posts(component_rng(config.seed, "posts"), teams, mean_open)
    staffing = staff_posts(
        component_rng(config.seed, "staff"),
        config,
        posts,
        start_of_time - 30,
        teams.at[rising, "team"],
        quarters[0] - 365,
    )
    if config.patterns:
        spells = plant_rising_team(
            component_rng(config.seed, "rising"), config, spells, rising, source
        )
    segments = assign_workers(
        component_rng(config.seed, "allocation"),
        spells,
        staffing,
        teams["team"].to_numpy(),
        rising,
        quarters[0],
    )
    return Service(
        extra_children=extra,
        cin=cin,
        cp=cp,
        care_leavers=care_leavers,
        teams=teams,
        staffing=staffing,
        spells=spells,
        segments=segments,
        timeline_start=start_of_time,
    )


def _children_in_need(
    rng: np.random.Generator,
    config: SampleConfig,
    geography: Geography,
    start_of_time: int,
    first_child: int,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    window_start = start_of_time - int(2 * _YEAR)
    span = config.horizon_end - window_start
    n_cin = int(rng.poisson(p.CIN_OPEN * config.scale / p.CIN_MEAN_DAYS * span))
    n_cp = int(rng.poisson(p.CP_OPEN * config.scale / p.CP_MEAN_DAYS * span))
    n = n_cin + n_cp
    on_plan = np.r_[np.zeros(n_cin, dtype=bool), np.ones(n_cp, dtype=bool)]
    anchor = rng.integers(window_start, config.horizon_end + 1, size=n)
    age = choose(rng, {0: 0.30, 5: 0.28, 10: 0.34, 16: 0.08}, n).astype(float)
    width = np.select([age == 0, age == 5, age == 10], [5.0, 5.0, 6.0], 1.9)
    age_years = age + rng.random(n) * width
    dob = anchor - np.floor(age_years * _YEAR).astype(np.int64)
    # CIN-only episodes; for plans, the CIN episode wraps the plan.
    plan_length = np.maximum(np.round(rng.gamma(2.0, p.CP_MEAN_DAYS / 2.0, n)), 40).astype(np.int64)
    cin_length = np.maximum(np.round(rng.exponential(p.CIN_MEAN_DAYS, n)), 20).astype(np.int64)
    cp_start = anchor
    cp_end = anchor + plan_length
    cin_start = np.where(on_plan, cp_start - uniform_int(rng, p.CIN_BEFORE_PLAN_DAYS, n), anchor)
    cin_end = np.where(
        on_plan, cp_end + uniform_int(rng, p.CIN_AFTER_PLAN_DAYS, n), anchor + cin_length
    )
    birthday18 = add_years(dob, 18)
    cin_end = np.minimum(cin_end, birthday18)
    cp_end = np.minimum(cp_end, cin_end - 1)
    need = choose(rng, p.CIN_PRIMARY_NEED, n)
    need[on_plan] = "N1 - Abuse or neglect"
    disabled = (need == "N2 - Child's disability") | (rng.random(n) < p.CIN_DISABILITY_SHARE)
    home_district = geography.draw_home_districts(rng, n)
    home_row = geography.draw_postcodes(rng, home_district)
    uasc = np.zeros(n, dtype=bool)
    children = pd.DataFrame(
        {
            "child": first_child + np.arange(n),
            "first_start": cin_start,
            "dob": dob,
            "entry_band": 0,
            "uasc": uasc,
            "sex": draw_sex(rng, uasc),
            "ethnic": draw_ethnicity(rng, age_years, uasc),
            "home_district": home_district,
            "home_row": home_row,
            "short_break": False,
            "disability": disabled,
        }
    )
    cin = pd.DataFrame(
        {
            "child": children["child"].to_numpy(),
            "start": cin_start,
            "end": cin_end,
            "need": need,
            "closure_reason": choose(rng, p.CIN_CLOSURE_REASON, n),
        }
    )
    cp_rows = np.flatnonzero(on_plan & (cp_end > cp_start))
    cp = pd.DataFrame(
        {
            "child": children["child"].to_numpy()[cp_rows],
            "start": cp_start[cp_rows],
            "end": cp_end[cp_rows],
        }
    )
    cp = _plan_details(rng, cp)
    # Keep children still known when the time line starts, numbered without gaps.
    keep_children = cin["end"].to_numpy() > start_of_time
    kept = children["child"].to_numpy()[keep_children]
    renumber = pd.Series(first_child + np.arange(len(kept)), index=kept)
    children = children[keep_children].assign(child=renumber.to_numpy()).reset_index(drop=True)
    cin = cin[keep_children].assign(child=renumber.to_numpy()).reset_index(drop=True)
    cp = cp[cp["child"].isin(kept)]
    cp = cp.assign(child=renumber.loc[cp["child"].to_numpy()].to_numpy()).reset_index(drop=True)
    return children, cin, cp


def _short_break_cin(history: CareHistory) -> pd.DataFrame:
    """Children on short breaks are children in need (disability) while the agreement lasts."""
    breaks = (
        history.episodes[history.episodes["is_short_break"]]
        .groupby("child")
        .agg(start=("decom", "min"), end=("dec", "max"))
        .reset_index()
    )
    return breaks.assign(
        start=breaks["start"] - 30,
        end=breaks["end"] + 30,
        need="N2 - Child's disability",
        closure_reason="RC7 - Services ceased for any other reason, including child no longer "
        "in need",
    )


def _plan_details(rng: np.random.Generator, cp: pd.DataFrame) -> pd.DataFrame:
    n = len(cp)
    initial = choose(rng, p.CATEGORY_OF_ABUSE, n)
    latest = np.where(
        rng.random(n) < p.CP_SAME_CATEGORY_SHARE, initial, choose(rng, p.CATEGORY_OF_ABUSE, n)
    )
    previous = choose(rng, {0: 0.78, 1: 0.17, 2: 0.04, 3: 0.01}, n).astype(np.int64)
    emergency = rng.random(n) < p.CP_EMERGENCY_SHARE
    return cp.assign(
        initial_category=initial,
        latest_category=latest.astype(object),
        previous_plans=previous,
        emergency=emergency,
    )


def _plans_before_care(rng: np.random.Generator, periods: pd.DataFrame) -> pd.DataFrame:
    """Child protection plans that led to care and end shortly after the child is looked after.

    Args:
        rng: Random generator.
        periods: Periods of care (``child, start, end, uasc``), as ``CareHistory.periods``.
    """
    chosen = periods[rng.random(len(periods)) < p.CP_BEFORE_CARE_SHARE]
    chosen = chosen[~chosen["uasc"]]
    start = chosen["start"].to_numpy()
    plan_start = start - uniform_int(rng, p.CP_STARTS_BEFORE_ENTRY_DAYS, len(chosen))
    plan_end = np.minimum(
        start + uniform_int(rng, p.CP_ENDS_AFTER_ENTRY_DAYS, len(chosen)), chosen["end"].to_numpy()
    )
    cp = pd.DataFrame(
        {
            "child": chosen["child"].to_numpy(),
            "start": plan_start,
            "end": np.maximum(plan_end, start),
        }
    )
    # A plan must not reach back into an earlier period of care.
    previous_end = periods.groupby("child")["end"].shift(1).reindex(chosen.index)
    cp["start"] = np.maximum(
        cp["start"].to_numpy(), previous_end.fillna(-(10**7)).to_numpy(dtype=np.int64) + 1
    )
    cp = cp[cp["end"] > cp["start"]]
    return _plan_details(rng, cp.reset_index(drop=True))


def _with_future_spells(
    rng: np.random.Generator,
    spells: pd.DataFrame,
    future_periods: pd.DataFrame,
    future: pd.DataFrame,
    teams: pd.DataFrame,
    district_names: np.ndarray,
    end_of_time: int,
) -> pd.DataFrame:
    """Add the involvement before care of children entering care after the data end.

    As for every period of care (``_allocation_spells``): a safeguarding (or disabilities)
    team holds the child from ``PRE_CARE_INVOLVEMENT_DAYS`` before entry; here the spell is
    cut at the data end. The spells are renumbered.
    """
    n = len(future_periods)
    entry = future_periods["start"].to_numpy()
    before = np.maximum(
        entry - uniform_int(rng, p.PRE_CARE_INVOLVEMENT_DAYS, n), future_periods["dob"].to_numpy()
    )
    disabled = future["disability"].to_numpy(dtype=bool) & (
        rng.random(n) < p.DISABLED_CLA_WITH_CWD_TEAM_SHARE
    )
    kind = np.where(disabled, "cwd", "safeguarding").astype(object)
    added = pd.DataFrame(
        {
            "child": future_periods["child"].to_numpy(),
            "start": before,
            "end": np.minimum(entry, end_of_time),
            "kind": kind,
            "first_reason": "FCONTA",
            "period": -1,
        }
    )
    added = added[added["end"] > added["start"]].reset_index(drop=True)
    home = future.set_index("child")["home_district"].reindex(added["child"])
    added["team"] = assign_teams(
        rng,
        teams,
        added["kind"].to_numpy(dtype=object),
        district_names[home.to_numpy(dtype=np.int64)],
    )
    combined = pd.concat([spells.drop(columns="spell"), added], ignore_index=True)
    combined = combined.sort_values(["child", "start"], kind="stable").reset_index(drop=True)
    combined.insert(0, "spell", np.arange(len(combined)))
    return combined


def _leaving_care_spells(history: CareHistory, cohort_children: np.ndarray) -> pd.DataFrame:
    periods = history.periods
    last = periods.groupby("child")["end"].max()
    cohort = last.reindex(cohort_children)
    dob = history.children.set_index("child")["dob"].reindex(cohort_children).to_numpy()
    start = cohort.to_numpy()
    end = add_years(dob, 21)
    keep = end > start
    return pd.DataFrame(
        {"child": np.asarray(cohort_children)[keep], "start": start[keep], "end": end[keep]}
    )


def _allocation_spells(
    rng: np.random.Generator,
    history: CareHistory,
    extra: pd.DataFrame,
    cin: pd.DataFrame,
    care_leavers: pd.DataFrame,
    teams: pd.DataFrame,
    district_names: np.ndarray,
    start_of_time: int,
    end_of_time: int,
) -> pd.DataFrame:
    children = pd.concat([history.children, extra], ignore_index=True).set_index("child")
    periods = history.periods
    n = len(periods)
    child = periods["child"].to_numpy()
    start = periods["start"].to_numpy()
    end = periods["end"].to_numpy()
    previous_end = (
        periods.groupby("child")["end"].shift(1).fillna(-(10**7)).to_numpy(dtype=np.int64)
    )
    # Involvement before care starts at birth at the earliest, and after any earlier period.
    before = np.maximum(
        start - uniform_int(rng, p.PRE_CARE_INVOLVEMENT_DAYS, n),
        np.maximum(previous_end + 1, periods["dob"].to_numpy()),
    )
    transfer = np.minimum(start + uniform_int(rng, p.TRANSFER_TO_CLA_TEAM_DAYS, n), end)
    disabled = children["disability"].reindex(child).to_numpy(dtype=bool) & (
        rng.random(n) < p.DISABLED_CLA_WITH_CWD_TEAM_SHARE
    )
    first_kind = np.where(disabled, "cwd", "safeguarding").astype(object)
    second_kind = np.where(disabled, "cwd", "cla").astype(object)
    parts = [
        pd.DataFrame(
            {
                "child": child,
                "start": before,
                "end": transfer,
                "kind": first_kind,
                "first_reason": "FCONTA",
                "period": periods["period"].to_numpy(),
            }
        ),
        pd.DataFrame(
            {
                "child": child,
                "start": transfer,
                "end": end,
                "kind": second_kind,
                "first_reason": "TSPROC",
                "period": periods["period"].to_numpy(),
            }
        ),
        pd.DataFrame(
            {
                "child": care_leavers["child"].to_numpy(),
                "start": care_leavers["start"].to_numpy(),
                "end": care_leavers["end"].to_numpy(),
                "kind": "leaving_care",
                "first_reason": "TSPROC",
                "period": -1,
            }
        ),
    ]
    # Children on short breaks (not in ``extra``) are held by the disabilities team.
    cin_disabled = (
        extra.set_index("child")["disability"]
        .reindex(cin["child"])
        .fillna(True)
        .to_numpy(dtype=bool)
    )
    parts.append(
        pd.DataFrame(
            {
                "child": cin["child"].to_numpy(),
                "start": cin["start"].to_numpy(),
                "end": cin["end"].to_numpy(),
                "kind": np.where(cin_disabled, "cwd", "safeguarding"),
                "first_reason": "FCONTA",
                "period": -1,
            }
        )
    )
    spells = pd.concat(parts, ignore_index=True)
    spells["start"] = np.maximum(spells["start"].to_numpy(), start_of_time)
    spells["end"] = np.minimum(spells["end"].to_numpy(), end_of_time)
    spells = spells[spells["end"] > spells["start"]].reset_index(drop=True)
    home = children["home_district"].reindex(spells["child"]).to_numpy(dtype=np.int64)
    spells["team"] = assign_teams(
        rng, teams, spells["kind"].to_numpy(dtype=object), district_names[home]
    )
    # A child's CLA spells stay with one team of a district pair (Preston CLA 1 or 2).
    spells = spells.sort_values(["child", "start"], kind="stable").reset_index(drop=True)
    spells.insert(0, "spell", np.arange(len(spells)))
    return spells


def _mean_open_cases(spells: pd.DataFrame, snapshots: list[int], before: int) -> pd.Series:
    dates = [s for s in snapshots if s <= before] or snapshots[:1]
    counts = []
    for when in dates:
        open_now = spells[(spells["start"] <= when) & (spells["end"] > when)]
        counts.append(open_now.groupby("team").size())
    return pd.concat(counts, axis=1).fillna(0).mean(axis=1)
