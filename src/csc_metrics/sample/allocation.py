"""Who holds each child's case, day by day: teams, workers, and social-worker episodes.

Every child known to the service has *allocation spells*: a child entering care is held by the
safeguarding team of their home district for a few weeks before transfer to a CLA team; a care
leaver is held by a leaving care team until 21; children in need and on plans are held by the
safeguarding (or disabilities) team. Within a spell the case goes to a worker of the team,
chosen among the posts filled that day in proportion to their FTE, and moves to another worker
when theirs leaves or at a reallocation. The resulting segments give the Annex A "Allocated
Worker" at every snapshot and the SSDA903 SWEpisodes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from csc_metrics.sample import parameters as p
from csc_metrics.sample.config import SampleConfig
from csc_metrics.sample.draws import choose, uniform_int
from csc_metrics.sample.teams import Staffing

_YEAR = 365.25
_DAY_OFFSET = np.int64(1 << 20)
_KEY_SHIFT = np.int64(1 << 21)


@dataclass
class Allocation:
    """Allocation spells and their worker segments.

    Attributes:
        spells: ``spell, child, team, start, end, kind, first_reason, period`` (``period`` is
            the period of care for CLA spells, else -1).
        segments: ``spell, child, team, worker (row of staffing.workers, -1 = unallocated),
            start, end, reason``; consecutive per spell, never overlapping per child.
    """

    spells: pd.DataFrame
    segments: pd.DataFrame


def child_key(child: np.ndarray, when: np.ndarray) -> np.ndarray:
    """Combine a child (or post) index and a day into one sortable integer key."""
    return (
        np.asarray(child, dtype=np.int64) * _KEY_SHIFT
        + np.asarray(when, dtype=np.int64)
        + _DAY_OFFSET
    )


def plant_rising_team(
    rng: np.random.Generator, config: SampleConfig, spells: pd.DataFrame, rising: int, source: int
) -> pd.DataFrame:
    """Move CLA cases into the rising team so its open cases rise at each of eight quarters.

    At each quarter end of the window, if the team holds fewer open cases than its target,
    cases open in the source team (same office) are transferred to it a few weeks before the
    quarter end; a transferred case stays with the rising team until it closes.

    Args:
        rng: Random generator.
        config: The run's configuration.
        spells: Allocation spells (``team`` is a team index).
        rising: Team index of the rising team.
        source: Team index of the team it takes cases from.

    Returns:
        The spells with transferred ones split at the transfer date.
    """
    quarters = config.rising_team_quarters
    spells = spells.copy()
    if len(quarters) < 2:
        return spells

    def open_in(team: int, when: int) -> np.ndarray:
        return (
            (spells["team"] == team) & (spells["start"] <= when) & (spells["end"] > when)
        ).to_numpy()

    base = int(open_in(rising, quarters[0]).sum())
    previous = base
    for k, when in enumerate(quarters[1:], start=1):
        target = max(round(base * (1 + p.RISING_TEAM_GROWTH_PER_QUARTER * k)), previous + 2)
        shortfall = target - int(open_in(rising, when).sum())
        if shortfall > 0:
            # Cases come from the source team first, then from the other CLA teams.
            # A case that stays open beyond the data (end clipped to it) is still movable.
            stays_open = spells["end"] > min(when + 30, config.horizon_end)
            movable = (
                stays_open
                & (spells["start"] < when - 70)
                & (spells["team"] != rising)
                & (spells["kind"] == "cla")
            ).to_numpy()
            from_source = np.flatnonzero(movable & open_in(source, when))
            from_others = np.flatnonzero(
                movable
                & ~open_in(source, when)
                & (spells["start"] <= when).to_numpy()
                & (spells["end"] > when).to_numpy()
            )
            chosen = rng.choice(from_source, size=min(shortfall, len(from_source)), replace=False)
            still_short = shortfall - len(chosen)
            if still_short > 0 and len(from_others):
                chosen = np.r_[
                    chosen,
                    rng.choice(from_others, size=min(still_short, len(from_others)), replace=False),
                ]
            moved = spells.iloc[np.sort(chosen)].copy()
            transfer_day = when - uniform_int(rng, (5, 60), len(moved))
            spells.loc[moved.index, "end"] = transfer_day
            moved["start"] = transfer_day
            moved["team"] = rising
            moved["first_reason"] = "ORGRST"
            spells = pd.concat([spells, moved], ignore_index=True)
        previous = int(open_in(rising, when).sum())
    spells = spells.sort_values(["child", "start"], kind="stable").reset_index(drop=True)
    spells["spell"] = np.arange(len(spells))
    return spells


def assign_workers(
    rng: np.random.Generator,
    spells: pd.DataFrame,
    staffing: Staffing,
    team_names: np.ndarray,
    always_allocated_team: int,
    always_allocated_from: int,
) -> pd.DataFrame:
    """Give each spell a sequence of workers (vectorised over spells, one pass per change).

    Args:
        rng: Random generator.
        spells: Allocation spells.
        staffing: Posts and workers.
        team_names: Team name per team index.
        always_allocated_team: Team index whose new cases never wait for a worker from
            ``always_allocated_from`` (the planted rising team: every case counts).
        always_allocated_from: First day of that rule.

    Returns:
        The segments (see :class:`Allocation`).
    """
    workers = staffing.workers
    posts = staffing.posts
    team_of_post = (
        pd.Series(np.arange(len(team_names)), index=team_names)
        .loc[posts["team"].to_numpy()]
        .to_numpy()
    )
    post_table, cumulative, totals = _post_tables(posts, team_of_post, len(team_names))
    worker_keys = child_key(workers["post"].to_numpy(), workers["start"].to_numpy())
    worker_post = workers["post"].to_numpy()
    worker_end = workers["end"].to_numpy()

    n = len(spells)
    team = spells["team"].to_numpy()
    end = spells["end"].to_numpy()
    start = spells["start"].to_numpy()
    exempt = (team == always_allocated_team) & (start >= always_allocated_from - 90)
    waits = (
        (rng.random(n) < p.UNALLOCATED_SHARE)
        & ~exempt
        & (spells["first_reason"] == "FCONTA").to_numpy()
    )
    wait_days = np.where(waits, uniform_int(rng, p.UNALLOCATED_DAYS, n), 0)
    parts = [
        pd.DataFrame(
            {
                "spell": np.flatnonzero(waits),
                "worker": -1,
                "start": start[waits],
                "end": np.minimum(start[waits] + wait_days[waits], end[waits]),
                "reason": "",
            }
        )
    ]
    current = np.minimum(start + wait_days, end)
    reason = spells["first_reason"].to_numpy(dtype=object).copy()
    active = np.flatnonzero(current < end)
    for _pass in range(500):
        if len(active) == 0:
            break
        at = current[active]
        worker = np.full(len(active), -1, dtype=np.int64)
        for _try in range(25):
            missing = worker < 0
            if not missing.any():
                break
            rows = active[missing]
            u = rng.random(len(rows)) * totals[team[rows]]
            column = (cumulative[team[rows]] < u[:, None]).sum(axis=1)
            post = post_table[team[rows], np.minimum(column, post_table.shape[1] - 1)]
            index = np.searchsorted(worker_keys, child_key(post, at[missing]), side="right") - 1
            ok = (
                (index >= 0)
                & (worker_post[np.maximum(index, 0)] == post)
                & (worker_end[np.maximum(index, 0)] > at[missing])
            )
            found = np.where(ok, index, -1)
            worker[missing] = found
        reallocation = at + np.ceil(
            rng.exponential(_YEAR / p.REALLOCATION_RATE, len(active))
        ).astype(np.int64)
        leaves = np.where(worker >= 0, worker_end[np.maximum(worker, 0)], at + 30)
        segment_end = np.minimum(np.minimum(reallocation, leaves), end[active])
        parts.append(
            pd.DataFrame(
                {
                    "spell": active,
                    "worker": worker,
                    "start": at,
                    "end": segment_end,
                    "reason": np.where(worker >= 0, reason[active], ""),
                }
            )
        )
        next_reason = np.where(
            segment_end == leaves, "LEFTRL", choose(rng, p.REALLOCATION_REASON, len(active))
        ).astype(object)
        reason[active] = next_reason
        current[active] = segment_end
        active = active[segment_end < end[active]]
    segments = pd.concat(parts, ignore_index=True)
    segments = segments[segments["end"] > segments["start"]]
    segments["child"] = spells["child"].to_numpy()[segments["spell"].to_numpy()]
    segments["team"] = team[segments["spell"].to_numpy()]
    segments = segments.sort_values(["child", "start"], kind="stable").reset_index(drop=True)
    return _merge_same_worker(segments)


def _post_tables(
    posts: pd.DataFrame, team_of_post: np.ndarray, n_teams: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per team, its usable posts (padded) and their cumulative FTE, for weighted choice."""
    usable = pd.DataFrame(
        {"team": team_of_post, "post": posts["post"].to_numpy(), "fte": posts["fte"].to_numpy()}
    )[~posts["long_term_vacant"].to_numpy()]
    usable = usable.sort_values(["team", "post"], kind="stable")
    position = usable.groupby("team").cumcount().to_numpy()
    width = max(1, int(position.max()) + 1 if len(position) else 1)
    table = np.zeros((n_teams, width), dtype=np.int64)
    weights = np.zeros((n_teams, width))
    table[usable["team"].to_numpy(), position] = usable["post"].to_numpy()
    weights[usable["team"].to_numpy(), position] = usable["fte"].to_numpy()
    cumulative = np.cumsum(weights, axis=1)
    return table, cumulative, cumulative[:, -1]


def _merge_same_worker(segments: pd.DataFrame) -> pd.DataFrame:
    """Join consecutive segments of a child with the same worker and team into one."""
    child = segments["child"].to_numpy()
    worker = segments["worker"].to_numpy()
    team = segments["team"].to_numpy()
    start = segments["start"].to_numpy()
    end = segments["end"].to_numpy()
    same = np.r_[
        False,
        (child[1:] == child[:-1])
        & (worker[1:] == worker[:-1])
        & (team[1:] == team[:-1])
        & (start[1:] == end[:-1]),
    ]
    run = np.cumsum(~same)
    merged = segments.groupby(run, sort=False).agg(
        spell=("spell", "first"),
        child=("child", "first"),
        team=("team", "first"),
        worker=("worker", "first"),
        start=("start", "first"),
        end=("end", "last"),
        reason=("reason", "first"),
    )
    return merged.reset_index(drop=True)


def allocation_at(segments: pd.DataFrame, child: np.ndarray, when: np.ndarray) -> np.ndarray:
    """Return the segment row open for each child on each day, or -1 where none is.

    Args:
        segments: Segments sorted by child and start.
        child: Child index per query.
        when: Day per query.

    Returns:
        Row index into ``segments`` per query.
    """
    keys = child_key(segments["child"].to_numpy(), segments["start"].to_numpy())
    index = np.searchsorted(keys, child_key(child, when), side="right") - 1
    safe = np.maximum(index, 0)
    ok = (
        (index >= 0)
        & (segments["child"].to_numpy()[safe] == child)
        & (segments["end"].to_numpy()[safe] > when)
    )
    return np.where(ok, index, -1)
