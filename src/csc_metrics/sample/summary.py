"""Headline figures of a generated council, for the manifest's "targets against achieved".

These are the generator's own quick calculations from its in-memory histories, following the
binding definitions closely enough to show the calibration; the package's indicator functions
are the authority on the published figures.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from csc_metrics.sample.config import day, to_date
from csc_metrics.sample.generate import SyntheticCouncil

_EET = ("F1", "P1", "F2", "P2", "F4", "P4", "F5", "P5")
_PLACEMENT_GROUPS = {
    "fostering": ("U1", "U2", "U3", "U4", "U5", "U6"),
    "children's homes and residential": ("K1", "K2", "R1", "S1"),
    "placed with parents": ("P1",),
    "supported or independent living": ("H5", "P2", "K3"),
    "placed for adoption": ("A3", "A4", "A5", "A6"),
}


def placement_group(place: np.ndarray) -> np.ndarray:
    """Group PLACE codes as in the indicator specification (other for everything else)."""
    result = np.full(len(place), "other", dtype=object)
    for name, codes in _PLACEMENT_GROUPS.items():
        result[np.isin(place, codes)] = name
    return result


def open_episodes(council: SyntheticCouncil, when: int) -> pd.DataFrame:
    """Episodes open on a day, excluding short breaks (one per child looked after)."""
    episodes = council.history.episodes
    mask = ~episodes["is_short_break"] & (episodes["decom"] <= when) & (episodes["dec"] > when)
    return episodes[mask]


def three_plus_placements(council: SyntheticCouncil, when: int) -> float:
    """Percentage of children looked after on ``when`` with 3+ placements in the 12 months."""
    looked_after = open_episodes(council, when)["child"].unique()
    episodes = council.history.episodes
    window = episodes[
        episodes["child"].isin(looked_after)
        & ~episodes["is_short_break"]
        & (episodes["decom"] <= when)
        & (episodes["dec"] >= when - 364)
    ]
    window = window.sort_values(["child", "decom"], kind="stable")
    child = window["child"].to_numpy()
    first = np.r_[True, child[1:] != child[:-1]]
    temporary = window["is_temporary"].to_numpy()
    previous_temporary = np.r_[False, temporary[:-1]] & ~first
    counts = first | (
        np.isin(window["rne"].to_numpy(dtype=object), ["S", "P", "B", "T", "U"])
        & ~temporary
        & ~previous_temporary
    )
    per_child = pd.Series(counts).groupby(child).sum()
    return float((per_child >= 3).mean() * 100) if len(per_child) else float("nan")


def location(council: SyntheticCouncil, when: int) -> dict[str, float]:
    """Shares of children looked after placed outside the county and over 20 miles away."""
    rows = open_episodes(council, when)
    pool = council.geography.postcodes
    districts = council.geography.districts
    pl_row = rows["pl_row"].to_numpy()
    home_row = council.history.children["home_row"].to_numpy()[rows["child"].to_numpy()]
    in_lookup = np.r_[pool["in_lookup"].to_numpy(), False]
    known_place = (pl_row >= 0) & in_lookup[np.where(pl_row >= 0, pl_row, -1)]
    known_home = (home_row >= 0) & in_lookup[np.where(home_row >= 0, home_row, -1)]
    district = pool["district"].to_numpy()[np.maximum(pl_row, 0)]
    in_county = districts["in_county"].to_numpy()[np.minimum(district, len(districts) - 1)]
    outside = known_place & ~in_county
    east = pool["easting"].to_numpy()
    north = pool["northing"].to_numpy()
    both = known_place & known_home
    metres = np.hypot(
        east[np.maximum(pl_row, 0)] - east[np.maximum(home_row, 0)],
        north[np.maximum(pl_row, 0)] - north[np.maximum(home_row, 0)],
    )
    far = both & (np.round(metres / 1609.3, 1) > 20.0)
    group = placement_group(rows["place"].to_numpy(dtype=object))
    external = np.isin(rows["provider"].to_numpy(dtype=object), ["PR4", "PR5"])
    residential = group == "children's homes and residential"
    fostering = group == "fostering"
    return {
        "outside_pct": 100 * outside.sum() / max(known_place.sum(), 1),
        "over_20_miles_pct": 100 * far.sum() / max(both.sum(), 1),
        "external_residential_share_of_outside_pct": 100
        * (outside & residential & external).sum()
        / max(outside.sum(), 1),
        "fostering_share_of_inside_pct": 100
        * (known_place & ~outside & fostering).sum()
        / max((known_place & ~outside).sum(), 1),
        "outside_pct_external_residential": 100
        * (outside & residential & external).sum()
        / max((known_place & residential & external).sum(), 1),
        "outside_pct_fostering": 100
        * (outside & fostering).sum()
        / max((known_place & fostering).sum(), 1),
    }


def placement_mix(council: SyntheticCouncil, when: int, ages: tuple[float, float]) -> dict:
    """Children of an age range looked after on a day, in IFAs, external homes and in-house.

    IFA: foster care with other carers (U4-U6) not provided by the council (PR1); external
    residential: children's homes and residential care run by private or voluntary providers
    (PR4, PR5); in-house fostering: U4-U6 with the council.
    """
    rows = open_episodes(council, when)
    dob = council.history.children["dob"].to_numpy()[rows["child"].to_numpy()]
    age = (when - dob) / 365.25
    rows = rows[(age >= ages[0]) & (age < ages[1])]
    place = rows["place"].to_numpy(dtype=object)
    own = rows["provider"].to_numpy(dtype=object) == "PR1"
    external = np.isin(rows["provider"].to_numpy(dtype=object), ["PR4", "PR5"])
    other_carers = np.isin(place, ["U4", "U5", "U6"])
    residential = placement_group(place) == "children's homes and residential"
    ifa = int((other_carers & ~own).sum())
    homes = int((residential & external).sum())
    return {
        "children": len(rows),
        "ifa": ifa,
        "external_residential": homes,
        "inhouse_fostering": int((other_carers & own).sum()),
        "ifa_and_external_pct": round(100 * (ifa + homes) / max(len(rows), 1), 1),
    }


def care_leaver_eet(
    council: SyntheticCouncil, when: int, band: str, group: str | None = None
) -> tuple[int, float]:
    """Cohort size and EET percentage of care leavers with a reference birthday in 12 months."""
    oc3 = council.oc3
    rows = oc3[
        (oc3["band"] == band)
        & (oc3["birthday"] > when - 365)
        & (oc3["birthday"] <= when)
        & ~oc3["in_touch"].isin(["DIED", "RHOM"])
    ]
    if group is not None:
        rows = rows[rows["ethnic_group"] == group]
    eet = rows["activ"].isin(_EET)
    return len(rows), float(eet.mean() * 100) if len(rows) else float("nan")


def caseload(council: SyntheticCouncil, when: int) -> dict[str, float]:
    """Cases per FTE and workforce figures at a snapshot (from the allocation segments)."""
    service = council.service
    segments = service.segments
    open_now = segments[(segments["start"] <= when) & (segments["end"] > when)]
    workers = service.staffing.workers
    in_post = workers[(workers["start"] <= when) & (workers["end"] > when)]
    held = open_now[open_now["worker"] >= 0].groupby("worker").size()
    fte = workers["fte"].to_numpy()
    holders = held.index.to_numpy()
    per_fte = held.to_numpy() / fte[holders]
    usable = per_fte <= 50
    social_workers = in_post[in_post["role"] != "Personal Adviser"]
    funded = service.staffing.posts["fte"].sum()
    return {
        "cases": float(len(open_now)),
        "unallocated": float((open_now["worker"] < 0).sum()),
        "case_holding_workers": float(len(holders)),
        "case_holding_social_workers": float(
            (workers["role"].to_numpy()[holders] != "Personal Adviser").sum()
        ),
        "caseload_per_fte": float(held.to_numpy()[usable].sum() / fte[holders][usable].sum()),
        "social_workers_in_post": float(len(social_workers)),
        "agency_pct": float(
            100 * in_post.loc[in_post["agency"], "fte"].sum() / max(in_post["fte"].sum(), 1e-9)
        ),
        "vacancy_pct": float(100 * (funded - in_post["fte"].sum()) / funded),
        "teams": float(len(service.teams)),
    }


def team_caseloads(council: SyntheticCouncil, team: str) -> list[tuple[str, float]]:
    """Cases per FTE of one team at every snapshot (allocated cases / FTE of holders)."""
    service = council.service
    team_index = int(np.flatnonzero(service.teams["team"] == team)[0])
    segments = service.segments
    fte = service.staffing.workers["fte"].to_numpy()
    result = []
    for when in council.config.snapshot_dates:
        rows = segments[
            (segments["start"] <= when)
            & (segments["end"] > when)
            & (segments["team"] == team_index)
            & (segments["worker"] >= 0)
        ]
        held = rows.groupby("worker").size()
        value = held.sum() / fte[held.index.to_numpy()].sum() if len(held) else float("nan")
        result.append((to_date(when).isoformat(), round(float(value), 1)))
    return result


def march_31(year: int) -> int:
    """31 March of a year, as days since 1970."""
    return day(dt.date(year, 3, 31))
