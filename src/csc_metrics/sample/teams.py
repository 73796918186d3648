"""The social work service: teams, funded posts and the workers who fill them over time.

Teams follow the county's three areas and twelve districts. A small run (the shipped sample)
uses area-level teams so that every team still has several workers; a large run splits each
team into numbered units. Each funded post is filled by a sequence of workers: permanent staff
stay for years, agency staff for months, and a post may stand empty for a while after someone
leaves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from csc_metrics.sample import parameters as p
from csc_metrics.sample.config import SampleConfig
from csc_metrics.sample.draws import choose, uniform_int

_YEAR = 365.25

#: The county's three areas, each with its districts.
NORTH = ("Lancaster", "Fylde", "Wyre")
CENTRAL = ("Preston", "South Ribble", "Chorley", "West Lancashire")
EAST = ("Burnley", "Pendle", "Hyndburn", "Rossendale", "Ribble Valley")
#: Teams the same at every scale: one for disabled children county-wide, leaving care by area.
WHOLE_AREA_TEAMS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Children with Disabilities Team", "cwd", ()),
    ("Leaving Care North", "leaving_care", NORTH),
    ("Leaving Care Central", "leaving_care", CENTRAL),
    ("Leaving Care East", "leaving_care", EAST),
)
#: Team, kind of work, and the districts whose children it serves, for a county-sized run.
DISTRICT_TEAMS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Lancaster Safeguarding Team", "safeguarding", ("Lancaster",)),
    ("Fylde and Wyre Safeguarding Team", "safeguarding", ("Fylde", "Wyre")),
    ("Preston Safeguarding Team 1", "safeguarding", ("Preston",)),
    ("Preston Safeguarding Team 2", "safeguarding", ("Preston",)),
    ("Chorley and South Ribble Safeguarding Team", "safeguarding", ("Chorley", "South Ribble")),
    ("West Lancashire Safeguarding Team", "safeguarding", ("West Lancashire",)),
    ("Burnley Safeguarding Team", "safeguarding", ("Burnley",)),
    ("Pendle Safeguarding Team", "safeguarding", ("Pendle",)),
    ("Hyndburn and Ribble Valley Safeguarding Team", "safeguarding", ("Hyndburn", "Ribble Valley")),
    ("Rossendale Safeguarding Team", "safeguarding", ("Rossendale",)),
    ("Lancaster CLA Team", "cla", ("Lancaster",)),
    ("Fylde and Wyre CLA Team", "cla", ("Fylde", "Wyre")),
    ("Preston CLA Team 1", "cla", ("Preston", "South Ribble")),
    ("Preston CLA Team 2", "cla", ("Preston", "South Ribble")),
    ("Chorley and West Lancashire CLA Team", "cla", ("Chorley", "West Lancashire")),
    ("Burnley CLA Team", "cla", ("Burnley",)),
    ("Pendle and Rossendale CLA Team", "cla", ("Pendle", "Rossendale")),
    ("Hyndburn and Ribble Valley CLA Team", "cla", ("Hyndburn", "Ribble Valley")),
    *WHOLE_AREA_TEAMS,
)
#: The same service with area-level teams, for small runs.
AREA_TEAMS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("North Safeguarding Team", "safeguarding", NORTH),
    ("Central Safeguarding Team", "safeguarding", CENTRAL),
    ("East Safeguarding Team", "safeguarding", EAST),
    ("North CLA Team", "cla", NORTH),
    ("Preston CLA Team 1", "cla", CENTRAL),
    ("Preston CLA Team 2", "cla", CENTRAL),
    ("East CLA Team", "cla", EAST),
    *WHOLE_AREA_TEAMS,
)
#: The team whose caseload is planted to rise, and the team it takes cases from.
RISING_TEAM = "Preston CLA Team 2"
RISING_SOURCE_TEAM = "Preston CLA Team 1"
#: Below this scale teams are area-level; at or above ``UNIT_SCALE`` each team is split.
AREA_LAYOUT_BELOW = 0.5
UNIT_SCALE = 2.0


def team_layout(scale: float) -> pd.DataFrame:
    """Return the teams of a run: ``team, kind, districts, base_team, unit``.

    Args:
        scale: Generation scale.

    Returns:
        One row per team. Large runs split each base team into ``ceil(scale)`` units named
        ``"<team> Unit <n>"``.
    """
    base = AREA_TEAMS if scale < AREA_LAYOUT_BELOW else DISTRICT_TEAMS
    units = int(np.ceil(scale)) if scale >= UNIT_SCALE else 1
    rows = []
    for name, kind, districts in base:
        for unit in range(1, units + 1):
            team = name if units == 1 else f"{name} Unit {unit}"
            rows.append(
                {
                    "team": team,
                    "kind": kind,
                    "districts": districts,
                    "base_team": name,
                    "unit": unit,
                }
            )
    return pd.DataFrame(rows)


def rising_team_name(teams: pd.DataFrame) -> tuple[str, str]:
    """Return the names of the planted rising team and its source team in this layout."""
    rising = teams.loc[teams["base_team"] == RISING_TEAM, "team"].iloc[0]
    source = teams.loc[teams["base_team"] == RISING_SOURCE_TEAM, "team"].iloc[0]
    return rising, source


def assign_teams(
    rng: np.random.Generator, teams: pd.DataFrame, kind: np.ndarray, district_name: np.ndarray
) -> np.ndarray:
    """Choose the team of each case from its kind of work and the child's home district.

    Args:
        rng: Random generator.
        teams: The layout.
        kind: ``safeguarding``, ``cla``, ``cwd`` or ``leaving_care`` per case.
        district_name: Home district name per case; a district no team of the kind serves
            (outside the county, or any district for the disabilities team) may go to any team
            of the kind.

    Returns:
        Team index (row of ``teams``) per case.
    """
    result = np.full(len(kind), -1, dtype=np.int64)
    team_kind = teams["kind"].to_numpy()
    served_by = teams["districts"].to_numpy()
    for kind_name in np.unique(kind.astype(str)):
        candidates = np.flatnonzero(team_kind == kind_name)
        mask = kind == kind_name
        names = sorted({d for t in candidates for d in served_by[t]})
        # Row r of the padded table lists the teams serving district names[r]; the last row
        # (used for unserved districts) lists every team of the kind.
        lists = [[t for t in candidates if d in served_by[t]] for d in names] + [list(candidates)]
        width = max(len(x) for x in lists)
        table = np.array([np.resize(np.array(x), width) for x in lists])
        sizes = np.array([len(x) for x in lists])
        row = (
            pd.Series(district_name[mask], dtype=object)
            .map({d: i for i, d in enumerate(names)})
            .fillna(len(names))
            .to_numpy(dtype=np.int64)
        )
        pick = np.floor(rng.random(int(mask.sum())) * sizes[row]).astype(np.int64)
        result[mask] = table[row, pick]
    return result


@dataclass
class Staffing:
    """Posts and the workers who held them.

    Attributes:
        posts: One row per funded post: ``post, team, fte, role, long_term_vacant``.
        workers: One row per spell of a worker in a post: ``post, worker_id, start, end,
            fte, agency, role, qualified_date, team``; ``end`` is the day after their last day.
        managers: One team manager per team: ``team, worker_id, start, qualified_date``.
    """

    posts: pd.DataFrame
    workers: pd.DataFrame
    managers: pd.DataFrame


def plan_posts(
    rng: np.random.Generator, teams: pd.DataFrame, open_cases: pd.Series
) -> pd.DataFrame:
    """Fund each team for its usual number of open cases at the target caseload.

    Args:
        rng: Random generator.
        teams: The layout.
        open_cases: Mean open cases per team index over the snapshots before the planted rise.

    Returns:
        One row per post: ``post, team, fte, role``.
    """
    rows = []
    fte_values = np.array(list(p.FTE_MIX))
    fte_weights = np.array(list(p.FTE_MIX.values()))
    mean_fte = float((fte_values * fte_weights).sum() / fte_weights.sum())
    for index, team in teams.iterrows():
        cases = float(open_cases.get(index, 0.0))
        needed = max(2, int(np.ceil(cases / (p.TARGET_CASES_PER_FTE[team["kind"]] * mean_fte))))
        fte = rng.choice(fte_values, size=needed, p=fte_weights / fte_weights.sum())
        if team["kind"] == "leaving_care":
            role = np.full(needed, "Personal Adviser", dtype=object)
        else:
            role = choose(
                rng,
                {"Social Worker": 0.66, "Senior Practitioner": 0.28, "Advanced Practitioner": 0.06},
                needed,
            )
        rows.append(pd.DataFrame({"team": team["team"], "fte": fte, "role": role}))
    posts = pd.concat(rows, ignore_index=True)
    posts.insert(0, "post", np.arange(len(posts)))
    posts["long_term_vacant"] = rng.random(len(posts)) < p.LONG_TERM_VACANT_SHARE
    return posts


def staff_posts(
    rng: np.random.Generator,
    config: SampleConfig,
    posts: pd.DataFrame,
    timeline_start: int,
    steady_team: str,
    steady_from: int,
) -> Staffing:
    """Fill the posts with a sequence of workers each, from before the time line to its end.

    Args:
        rng: Random generator.
        config: The run's configuration.
        posts: Funded posts.
        timeline_start: First day on which workers are needed.
        steady_team: A team whose posts stay filled by the same people from ``steady_from``
            (the planted rising team: its FTE must not change while its caseload rises).
        steady_from: First day of the steady period.

    Returns:
        The staffing.
    """
    end_of_time = config.horizon_end + 1
    n = len(posts)
    spells = []
    post = np.arange(n)
    agency = rng.random(n) < p.AGENCY_SHARE
    # The first holder has been in post for a while before the time line starts.
    start = timeline_start - np.floor(rng.exponential(4.0 * _YEAR, size=n)).astype(np.int64)
    end = timeline_start + _tenure(rng, agency)
    for _round in range(200):
        spells.append(
            pd.DataFrame(
                {
                    "post": post,
                    "start": start,
                    "end": np.minimum(end, end_of_time),
                    "agency": agency,
                }
            )
        )
        more = end < end_of_time
        if not more.any():
            break
        post, end = post[more], end[more]
        vacant = rng.random(len(post)) < p.VACANCY_AFTER_LEAVING
        start = end + np.where(vacant, uniform_int(rng, p.VACANCY_DAYS, len(post)), 0)
        agency = rng.random(len(post)) < p.AGENCY_SHARE_OF_STARTERS
        end = start + _tenure(rng, agency)
        keep = start < end_of_time
        post, start, end, agency = post[keep], start[keep], end[keep], agency[keep]
        if len(post) == 0:
            break
    workers = pd.concat(spells, ignore_index=True)
    workers = workers[~posts["long_term_vacant"].to_numpy()[workers["post"].to_numpy()]]
    workers = _hold_steady(workers, posts, steady_team, steady_from, end_of_time)
    workers = workers.sort_values(["post", "start"], kind="stable").reset_index(drop=True)
    n_workers = len(workers)
    team = posts["team"].to_numpy()[workers["post"].to_numpy()]
    role = posts["role"].to_numpy()[workers["post"].to_numpy()]
    personal_adviser = role == "Personal Adviser"
    ids = rng.choice(np.arange(10_000, 999_999), size=n_workers + 2 * len(posts), replace=False)
    worker_id = np.where(
        personal_adviser,
        "PA" + pd.Series(ids[:n_workers] % 100_000).astype(str).str.zfill(5).to_numpy(dtype=object),
        "SW" + pd.Series(ids[:n_workers]).astype(str).to_numpy(dtype=object),
    )
    newly_qualified = rng.random(n_workers) < p.NEWLY_QUALIFIED_SHARE_OF_STARTERS
    qualified_before = np.where(
        newly_qualified, rng.integers(10, 120, n_workers), rng.integers(400, 20 * 365, n_workers)
    )
    qualified = workers["start"].to_numpy() - qualified_before
    qualified = np.where(personal_adviser, -1, qualified)
    workers = workers.assign(
        worker_id=worker_id.astype(object),
        team=team,
        role=role,
        fte=posts["fte"].to_numpy()[workers["post"].to_numpy()],
        qualified_date=qualified,
    )
    teams = sorted(set(posts["team"]))
    manager_ids = ids[n_workers : n_workers + len(teams)]
    managers = pd.DataFrame(
        {
            "team": teams,
            "worker_id": ["SW" + str(i) for i in manager_ids],
            "start": timeline_start - rng.integers(200, 4000, len(teams)),
        }
    )
    managers["qualified_date"] = managers["start"] - rng.integers(5 * 365, 20 * 365, len(teams))
    return Staffing(posts=posts, workers=workers, managers=managers)


def _tenure(rng: np.random.Generator, agency: np.ndarray) -> np.ndarray:
    mean = np.where(agency, p.AGENCY_TENURE_YEARS, p.PERMANENT_TENURE_YEARS) * _YEAR
    return np.maximum(np.floor(rng.exponential(1.0, size=len(agency)) * mean), 30).astype(np.int64)


def _hold_steady(
    workers: pd.DataFrame, posts: pd.DataFrame, team: str, steady_from: int, end_of_time: int
) -> pd.DataFrame:
    """Keep whoever holds each of the team's posts at ``steady_from`` in post to the end."""
    in_team = posts["team"].to_numpy()[workers["post"].to_numpy()] == team
    holding = (
        in_team
        & (workers["start"] <= steady_from).to_numpy()
        & (workers["end"] > steady_from).to_numpy()
    )
    later = in_team & (workers["start"] > steady_from).to_numpy()
    workers = workers.copy()
    workers.loc[holding, "end"] = end_of_time
    # A post empty at the start of the steady period is filled a month before it.
    team_posts = posts.loc[(posts["team"] == team) & ~posts["long_term_vacant"], "post"]
    held = set(workers.loc[holding, "post"])
    empty = [post for post in team_posts if post not in held]
    first_later = workers[later & workers["post"].isin(empty).to_numpy()].groupby("post").head(1)
    workers.loc[first_later.index, "start"] = steady_from - 30
    workers.loc[first_later.index, "end"] = end_of_time
    drop = later & ~workers.index.isin(first_later.index)
    return workers[~drop]
