"""Children's journeys through care, simulated as whole histories and cut into SSDA903 episodes.

Each child who enters care gets a *route* (home, adoption, special guardianship, child
arrangements order, staying until 18, or another ending) that fixes when and why the period of
care ends. Within the period the simulation lays down events on a time line: legal-status
changes (police protection, interim and full care orders, placement orders), unplanned
placement moves (a Poisson process whose rate depends on the child, the time since entry, age,
and the date, which is where the planted stability step change lives), planned moves (placement
for adoption, a trial at home, a move to supported accommodation at 16-17), placements that
become long-term with the same carer, and temporary placements followed by a return. The
episodes are the gaps between events, so a continuation always starts the day the previous
episode ceased and no child is ever in two placements at once.

Everything is vectorised over children, periods or events; Python loops run only over small
tables (routes, placement kinds, care settings) and re-entry rounds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from csc_metrics.sample import parameters as p
from csc_metrics.sample.config import SampleConfig, add_years, component_rng, day
from csc_metrics.sample.draws import choose, choose_by_row, lognormal_days, uniform_int
from csc_metrics.sample.geography import Geography
from csc_metrics.sample.people import draw_ethnicity, draw_sex, draw_upns

_YEAR = 365.25
_AGE_BAND_EDGES = np.array([1.0, 5.0, 10.0, 16.0])
#: Kinds of placement that are foster care (long-term conversion, staying put, T3 holidays).
FOSTER_KINDS = ("kinship", "foster_inhouse", "foster_ifa", "ffa")
#: Kinds placed in a fixed care setting (children's homes, units) rather than a carer's home.
SETTING_KINDS = (
    "home_la",
    "home_external",
    "secure",
    "residential_school",
    "supported",
    "mother_baby",
    "custody",
    "health",
)
#: Settings per kind at scale 1: (number, share outside the county); the share matches
#: ``LOCATION_BY_KIND``.
_SETTING_COUNTS = {
    "home_la": 15,
    "home_external": 110,
    "secure": 8,
    "residential_school": 14,
    "supported": 45,
    "mother_baby": 6,
    "custody": 5,
    "health": 10,
}
_LONG_TERM_CODE = {"U6": "U4", "U3": "U1", "U5": "U4", "U2": "U1"}
#: Marker of a pool row that is blank (confidential placement or unknown home).
BLANK_ROW = -1
LA_FOSTERING_URN = "SC048815"
NOT_OFSTED_URN = "XXXXXXX"


@dataclass
class CareHistory:
    """The simulated histories.

    Attributes:
        children: One row per child: ``child, sex, dob, ethnic, uasc, home_row,
            home_district, disability, upn, short_break``.
        periods: One row per period of care: ``period, child, start, end, dob, uasc, band,
            route, ls0`` and the days of its planned changes (``c2_day``, ``placed_day``...).
        episodes: One row per episode: ``child, period (-1 for short breaks), decom, dec, rne,
            ls, cin, place, provider, reason_place_change, pl_row, urn, rec, kind,
            is_temporary, is_short_break``; days are days since 1970 and ``dec`` of a period's
            last episode is its simulated end, which may lie beyond the data.
        missing: Missing and away episodes: ``child, missing, start, end``.
        settings: Care settings: ``kind, pool_row, urn, provider, in_county``.
    """

    children: pd.DataFrame
    periods: pd.DataFrame
    episodes: pd.DataFrame
    missing: pd.DataFrame
    settings: pd.DataFrame


def age_band(age_years: np.ndarray) -> np.ndarray:
    """Return the age-band index (0 under 1, 1 aged 1-4, 2 aged 5-9, 3 aged 10-15, 4 16+)."""
    return np.searchsorted(_AGE_BAND_EDGES, age_years, side="right")


def simulate_care(config: SampleConfig, geography: Geography) -> CareHistory:
    """Simulate every child looked after by the county over the history the files need.

    Args:
        config: The run's configuration.
        geography: Districts and postcodes.

    Returns:
        The histories, including children on short breaks.
    """
    rng = component_rng(config.seed, "care")
    settings = _build_settings(component_rng(config.seed, "settings"), geography, config.scale)
    entrants = _first_entrants(rng, config, geography)
    periods = _plan_all_periods(rng, config, entrants)
    # Only children whose care overlaps the data, or who are care leavers during it, matter.
    last_end = periods.groupby("child")["end"].max()
    keep = last_end.index[last_end >= config.data_start - int(3.2 * _YEAR)]
    entrants = entrants[entrants["child"].isin(keep)].reset_index(drop=True)
    periods = periods[periods["child"].isin(keep)].reset_index(drop=True)
    children, periods = _renumber(entrants, periods)
    episodes = _build_episodes(rng, config, geography, settings, children, periods)
    breaks_children, break_episodes = _short_breaks(
        component_rng(config.seed, "short_breaks"), config, geography, settings, len(children)
    )
    children = pd.concat([children, breaks_children], ignore_index=True)
    episodes = pd.concat([episodes, break_episodes], ignore_index=True)
    children = _identify(component_rng(config.seed, "identity"), children, config)
    missing = _missing_episodes(component_rng(config.seed, "missing"), children, episodes, periods)
    return CareHistory(
        children=children, periods=periods, episodes=episodes, missing=missing, settings=settings
    )


# --- Entrants and periods -----------------------------------------------------------------


def future_entrants(config: SampleConfig, geography: Geography, first_child: int) -> pd.DataFrame:
    """Children who will come into care in the year after the data end, at the same rate.

    They are never looked after within the data, but their social care began before it ended:
    the child protection plans and the involvement that lead to care start up to
    ``FUTURE_ENTRY_DAYS`` before entry. Without them the open cases of the last snapshots
    would lack those cases and thin out (an edge effect, not a change), so they are simulated
    and given to the caseload (``caseload.build_service``), never to the SSDA903 returns.
    Drawn from their own random stream, so the rest of the council is unchanged.

    Args:
        config: The run's configuration.
        geography: Districts and postcodes.
        first_child: The first child index to use (after every other child's).

    Returns:
        One row per child, as ``CareHistory.children`` (``first_start`` is the day of entry,
        after the data end), with a ``disability`` flag and no short breaks.
    """
    rng = component_rng(config.seed, "future_entrants")
    entrants = _first_entrants(
        rng, config, geography, config.horizon_end + 1, config.horizon_end + FUTURE_ENTRY_DAYS
    )
    n = len(entrants)
    return entrants.assign(
        child=first_child + np.arange(n),
        short_break=False,
        disability=rng.random(n) < p.DISABILITY_SHARE,
    )


#: How long before entering care a child's plans and involvement can start (the longest of
#: ``CP_STARTS_BEFORE_ENTRY_DAYS`` and ``PRE_CARE_INVOLVEMENT_DAYS``).
FUTURE_ENTRY_DAYS = max(p.CP_STARTS_BEFORE_ENTRY_DAYS[1], p.PRE_CARE_INVOLVEMENT_DAYS[1])


def _first_entrants(
    rng: np.random.Generator,
    config: SampleConfig,
    geography: Geography,
    first_day: int | None = None,
    last_day: int | None = None,
) -> pd.DataFrame:
    first_day = config.simulation_start if first_day is None else first_day
    last_day = config.horizon_end if last_day is None else last_day
    span_years = (last_day - first_day) / _YEAR
    n = int(rng.poisson(p.FIRST_ENTRIES_PER_YEAR * config.scale * span_years))
    start = np.sort(rng.integers(first_day, last_day + 1, size=n))
    bands = np.array([b[2] for b in p.ENTRY_AGE_BANDS])
    band = rng.choice(len(bands), size=n, p=bands / bands.sum())
    low = np.array([b[0] for b in p.ENTRY_AGE_BANDS])[band]
    high = np.array([b[1] for b in p.ENTRY_AGE_BANDS])[band]
    age_days = np.floor((low + rng.random(n) * (high - low)) * _YEAR).astype(np.int64)
    dob = start - age_days
    age_years = age_days / _YEAR
    uasc = (age_years >= 14) & (rng.random(n) < p.UASC_SHARE_OF_OLDER_ENTRANTS)
    home_district = geography.draw_home_districts(rng, n)
    outside = rng.random(n) < p.HOME_OUTSIDE_COUNTY_SHARE
    home_district[outside] = geography.draw_out_of_county(rng, int(outside.sum()))
    home_row = geography.draw_postcodes(rng, home_district)
    blank = uasc | (rng.random(n) < p.HOME_BLANK_SHARE)
    home_row[blank] = BLANK_ROW
    return pd.DataFrame(
        {
            "child": np.arange(n),
            "first_start": start,
            "dob": dob,
            "entry_band": band,
            "uasc": uasc,
            "sex": draw_sex(rng, uasc),
            "ethnic": draw_ethnicity(rng, age_years, uasc),
            "home_district": home_district,
            "home_row": home_row,
        }
    )


def _plan_all_periods(
    rng: np.random.Generator, config: SampleConfig, entrants: pd.DataFrame
) -> pd.DataFrame:
    child = entrants["child"].to_numpy()
    start = entrants["first_start"].to_numpy()
    dob = entrants["dob"].to_numpy()
    uasc = entrants["uasc"].to_numpy()
    parts = []
    for _round in range(3):
        if len(child) == 0:
            break
        planned = _plan_periods(rng, child, start, dob, uasc)
        parts.append(planned)
        # Some children who went home come back into care later (a new period, RNE S).
        returns = planned[(planned["route"] == "home")]
        gap = uniform_int(rng, p.REENTRY_GAP_DAYS, len(returns))
        new_start = returns["end"].to_numpy() + gap
        birthday18 = add_years(returns["dob"].to_numpy(), 18)
        eligible = (
            (rng.random(len(returns)) < p.REENTRY_PROBABILITY)
            & (new_start < birthday18 - 90)
            & (new_start <= config.horizon_end)
        )
        child = returns["child"].to_numpy()[eligible]
        start = new_start[eligible]
        dob = returns["dob"].to_numpy()[eligible]
        uasc = np.zeros(len(child), dtype=bool)
    periods = pd.concat(parts, ignore_index=True)
    return periods.sort_values(["child", "start"], kind="stable").reset_index(drop=True)


def _plan_periods(
    rng: np.random.Generator,
    child: np.ndarray,
    start: np.ndarray,
    dob: np.ndarray,
    uasc: np.ndarray,
) -> pd.DataFrame:
    """Choose each period's route, legal-status path, planned moves and end."""
    n = len(child)
    age = (start - dob) / _YEAR
    band = age_band(age)
    route = choose_by_row(rng, p.ROUTE_BY_AGE_BAND, band)
    route[uasc] = choose(rng, p.ROUTE_UASC, int(uasc.sum()))
    birthday18 = add_years(dob, 18)
    end = np.zeros(n, dtype=np.int64)

    # Legal status on entry, and the emergency (L1/L2/L3) and remand (J1) cases.
    ls0 = choose(rng, p.LEGAL_STATUS_ON_ENTRY, n)
    ls0[(ls0 == "J1") & (age < 10)] = "C1"
    ls0[uasc] = "V2"
    adoption = route == "adoption"
    ls0[adoption] = choose(rng, p.LEGAL_STATUS_ON_ENTRY_ADOPTION, int(adoption.sum()))
    remand = ls0 == "J1"
    route[remand] = "other"

    emergency = np.isin(ls0, ["L1", "L2", "L3"])
    emergency_end = np.where(emergency, start + uniform_int(rng, p.EMERGENCY_DAYS, n), -1)
    after_emergency = np.where(rng.random(n) < p.C1_AFTER_EMERGENCY_SHARE, "C1", "V2").astype(
        object
    )
    after_emergency[adoption] = "C1"
    status_after_entry = np.where(emergency, after_emergency, ls0)
    base_day = np.where(emergency, emergency_end, start)
    to_c1 = (status_after_entry == "V2") & ~uasc & ~adoption & (rng.random(n) < p.V2_TO_C1_SHARE)
    to_c1_day = np.where(to_c1, base_day + uniform_int(rng, p.V2_TO_C1_DAYS, n), -1)
    c1_day = np.where(status_after_entry == "C1", base_day, to_c1_day)

    # Adoption: placement order (E1), placed for adoption, adoption order.
    e1_day = start + uniform_int(rng, p.PLACEMENT_ORDER_DAYS, n)
    placed_day = e1_day + uniform_int(rng, p.PLACED_FOR_ADOPTION_DAYS, n)
    adoption_end = placed_day + uniform_int(rng, p.ADOPTION_ORDER_DAYS, n)
    too_old = adoption & ((placed_day - dob) / _YEAR > 6.5)
    route[too_old] = "sgo"
    adoption = route == "adoption"
    end[adoption] = adoption_end[adoption]
    consent = adoption & (status_after_entry == "V2")
    e1_day = np.where(adoption & ~consent, e1_day, -1)
    placed_day = np.where(adoption, placed_day, -1)

    for name, (median, sigma, minimum) in p.ROUTE_DURATION.items():
        mask = route == name
        end[mask] = start[mask] + lognormal_days(rng, median, sigma, minimum, int(mask.sum()))
    end[remand] = start[remand] + uniform_int(rng, p.REMAND_DAYS, int(remand.sum()))
    age18 = (route == "age18") | (end >= birthday18)
    route[age18 & ~adoption] = "age18"
    end[route == "age18"] = birthday18[route == "age18"]
    # An emergency order cannot outlast the period; neither can later orders.
    emergency_end = np.where(emergency_end < end, emergency_end, -1)

    c2_day = np.where(
        (c1_day >= 0) & ~adoption, c1_day + uniform_int(rng, p.CARE_ORDER_DAYS, n), -1
    )
    c2_day = np.where(c2_day < end, c2_day, -1)
    to_c1_day = np.where(to_c1_day < end, to_c1_day, -1)

    # Planned moves: a trial at home before going home, a move to relatives before an SGO or
    # child arrangements order, a move to supported accommodation at 16-17.
    home_like = np.isin(route, ["home", "cao"])
    trial = home_like & (rng.random(n) < np.where(route == "home", p.HOME_ON_TRIAL_SHARE, 0.3))
    trial_day = np.where(trial, end - uniform_int(rng, p.HOME_ON_TRIAL_DAYS, n), -1)
    trial_day = np.where(trial_day > start + 14, trial_day, -1)
    kin = np.isin(route, ["sgo", "cao"]) & (rng.random(n) < p.SGO_KINSHIP_SHARE)
    kin_day = np.where(kin, end - uniform_int(rng, p.SGO_KINSHIP_DAYS_BEFORE, n), -1)
    kin_day = np.where((kin_day > start + 14) & (trial_day < 0), kin_day, -1)
    supported = (route == "age18") & (rng.random(n) < p.MOVE_TO_SUPPORTED_SHARE)
    supported_day = add_years(dob, 16) + uniform_int(rng, p.SUPPORTED_MOVE_DAYS_AFTER_16, n)
    supported_day = np.where(
        supported & (supported_day > start + 30) & (supported_day < end - 30), supported_day, -1
    )

    return pd.DataFrame(
        {
            "child": child,
            "start": start,
            "end": end,
            "dob": dob,
            "uasc": uasc,
            "band": band,
            "route": route,
            "ls0": ls0,
            "emergency_end": emergency_end,
            "after_emergency": after_emergency,
            "to_c1_day": to_c1_day,
            "c2_day": c2_day,
            "e1_day": e1_day,
            "placed_day": placed_day,
            "trial_day": trial_day,
            "kin_day": kin_day,
            "supported_day": supported_day,
        }
    )


def _renumber(entrants: pd.DataFrame, periods: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    mapping = pd.Series(np.arange(len(entrants)), index=entrants["child"].to_numpy())
    children = entrants.assign(child=np.arange(len(entrants)), short_break=False)
    periods = periods.assign(child=mapping.loc[periods["child"].to_numpy()].to_numpy())
    periods = periods.sort_values(["child", "start"], kind="stable").reset_index(drop=True)
    periods.insert(0, "period", np.arange(len(periods)))
    return children, periods


def _identify(
    rng: np.random.Generator, children: pd.DataFrame, config: SampleConfig
) -> pd.DataFrame:
    """Give every child a UPN or unknown-UPN code and a disability flag."""
    n = len(children)
    dob = children["dob"].to_numpy()
    # Children under school age show UN1 instead (decided year by year in the Header).
    upn = draw_upns(rng, dob).astype(object)
    upn[children["uasc"].to_numpy()] = "UN2"
    unknown = rng.random(n) < p.UPN_UNKNOWN_SHARE
    upn[unknown] = np.where(rng.random(int(unknown.sum())) < 0.5, "UN4", "UN5")
    disability = children["short_break"].to_numpy() | (rng.random(n) < p.DISABILITY_SHARE)
    # A few young women in care become mothers at 15-18 (Header MOTHER and MC_DOB).
    mother = (
        (children["sex"].to_numpy() == "F")
        & ~children["short_break"].to_numpy()
        & (rng.random(n) < p.MOTHER_SHARE)
    )
    mother_child_dob = add_years(dob, 15) + rng.integers(0, 3 * 365, size=n)
    return children.assign(
        upn=upn, disability=disability, mother=mother, mother_child_dob=mother_child_dob
    )


# --- Settings and placement attributes -----------------------------------------------------


def _build_settings(rng: np.random.Generator, geography: Geography, scale: float) -> pd.DataFrame:
    """Invent the care settings (children's homes, units) with their postcodes and URNs."""
    parts = []
    for kind, count in _SETTING_COUNTS.items():
        size = max(4, round(count * max(scale, 0.25) ** 0.9))
        out_share = p.LOCATION_BY_KIND[kind][3]
        outside = rng.random(size) < out_share
        if out_share >= 1.0:
            outside[:] = True
        elif out_share > 0:
            outside[0], outside[-1] = False, True
        district = np.where(
            outside,
            geography.draw_out_of_county(rng, size),
            geography.draw_home_districts(rng, size),
        )
        provider = choose(rng, p.PLACEMENT_KINDS[kind][1], size)
        parts.append(
            pd.DataFrame(
                {
                    "kind": kind,
                    "pool_row": geography.draw_postcodes(rng, district),
                    "provider": provider,
                    "in_county": ~outside,
                }
            )
        )
    settings = pd.concat(parts, ignore_index=True)
    numbers = 500000 + rng.choice(499999, size=len(settings), replace=False)
    urn = ("SC" + pd.Series(numbers).astype(str)).to_numpy(dtype=object)
    registered = rng.choice(9_000_000, size=len(settings), replace=False) + 1_000_000
    supported = settings["kind"].to_numpy() == "supported"
    urn[supported] = (
        pd.Series(2_000_000 + registered[supported] % 999_999).astype(str).to_numpy(dtype=object)
    )
    urn[settings["kind"].isin(["custody", "health"]).to_numpy()] = ""
    return settings.assign(urn=urn)


def _ifa_urns(rng: np.random.Generator) -> np.ndarray:
    numbers = rng.choice(np.arange(380000, 460000), size=28, replace=False)
    return ("SC" + pd.Series(numbers).astype(str)).to_numpy(dtype=object)


def _supported_code(rng: np.random.Generator, start: np.ndarray) -> np.ndarray:
    code = np.empty(len(start), dtype=object)
    for first_day, table in p.SUPPORTED_ACCOMMODATION:
        mask = start >= day(dt.date.fromisoformat(first_day))
        code[mask] = choose(rng, table, int(mask.sum()))
    return code


def _place_new(
    rng: np.random.Generator,
    geography: Geography,
    settings: pd.DataFrame,
    kind: np.ndarray,
    t: np.ndarray,
    home_district: np.ndarray,
    home_row: np.ndarray,
    ifa_urns: np.ndarray,
) -> pd.DataFrame:
    """Draw PLACE, provider, postcode row and URN of new placements with new carers."""
    n = len(kind)
    code = np.empty(n, dtype=object)
    provider = np.empty(n, dtype=object)
    urn = np.full(n, "", dtype=object)
    row = np.full(n, BLANK_ROW, dtype=np.int64)
    for name, (place, providers) in p.PLACEMENT_KINDS.items():
        mask = kind == name
        code[mask] = place
        provider[mask] = choose(rng, providers, int(mask.sum()))
    # Carers' homes: a postcode drawn around the child's home district.
    carer = np.isin(kind, [*FOSTER_KINDS, "adoption"])
    shares = (
        np.array([p.LOCATION_BY_KIND[k] for k in kind[carer]]) if carer.any() else np.zeros((0, 4))
    )
    districts = geography.draw_location(rng, home_district[carer], shares)
    row[carer] = geography.draw_postcodes(rng, districts)
    urn[np.isin(kind, ["kinship", "foster_inhouse", "ffa"])] = LA_FOSTERING_URN
    ifa = kind == "foster_ifa"
    urn[ifa] = ifa_urns[rng.integers(0, len(ifa_urns), size=int(ifa.sum()))]
    adoption = kind == "adoption"
    code[adoption] = "A6"
    provider[adoption] = choose(rng, p.ADOPTION_PROVIDER, int(adoption.sum()))
    urn[adoption] = NOT_OFSTED_URN
    # Parents: the child's home.
    parents = kind == "parents"
    row[parents] = np.where(
        home_row[parents] >= 0,
        home_row[parents],
        geography.draw_postcodes(rng, home_district[parents]),
    )
    # Care settings: a home or unit, in or out of the county.
    for name in SETTING_KINDS:
        mask = kind == name
        if not mask.any():
            continue
        pool = settings[settings["kind"] == name]
        outside = rng.random(int(mask.sum())) < p.LOCATION_BY_KIND[name][3]
        in_rows = np.flatnonzero(pool["in_county"].to_numpy())
        out_rows = np.flatnonzero(~pool["in_county"].to_numpy())
        all_rows = np.arange(len(pool))
        pick_in = in_rows if len(in_rows) else all_rows
        pick_out = out_rows if len(out_rows) else all_rows
        u = rng.random(int(mask.sum()))
        chosen = np.where(
            outside,
            pick_out[(u * len(pick_out)).astype(int)],
            pick_in[(u * len(pick_in)).astype(int)],
        )
        row[mask] = pool["pool_row"].to_numpy()[chosen]
        urn[mask] = pool["urn"].to_numpy()[chosen]
        if name not in ("custody", "health", "mother_baby"):
            provider[mask] = pool["provider"].to_numpy()[chosen]
    supported = kind == "supported"
    code[supported] = _supported_code(rng, t[supported])
    unregistered = supported & (
        (code == "P2") | ((code == "H5") & (t < day(dt.date(2023, 10, 28))))
    )
    urn[unregistered] = NOT_OFSTED_URN
    # A few carers' addresses are confidential (blank) or outside England and the lookup.
    confidential = carer & (rng.random(n) < p.CONFIDENTIAL_PLACEMENT_SHARE)
    row[confidential] = BLANK_ROW
    unmatched = carer & ~confidential & (rng.random(n) < p.UNMATCHED_PLACEMENT_SHARE)
    unmatched_district = np.full(int(unmatched.sum()), len(geography.districts))
    row[unmatched] = geography.draw_postcodes(rng, unmatched_district)
    return pd.DataFrame({"place": code, "provider": provider, "pl_row": row, "urn": urn})


# --- Episodes --------------------------------------------------------------------------------


def _build_episodes(
    rng: np.random.Generator,
    config: SampleConfig,
    geography: Geography,
    settings: pd.DataFrame,
    children: pd.DataFrame,
    periods: pd.DataFrame,
) -> pd.DataFrame:
    ifa_urns = _ifa_urns(rng)
    primary = _primary_events(rng, config, children, periods)
    primary = _collapse(primary)
    spells = _spells(primary, periods)
    conversions = _long_term_conversions(rng, spells, periods)
    temporaries = _temporary_placements(rng, spells, primary, conversions, children)
    events = _collapse(pd.concat([primary, conversions, temporaries], ignore_index=True))
    return _episodes_from_events(
        rng, config, events, periods, children, geography, settings, ifa_urns
    )


def _event_frame(period: np.ndarray, t: np.ndarray, **columns: object) -> pd.DataFrame:
    n = len(period)
    frame = {
        "period": period.astype(np.int64),
        "t": t.astype(np.int64),
        "is_ls": False,
        "ls_new": None,
        "is_place": False,
        "kind": None,
        "same_carer": False,
        "reason": None,
        "priority": 1,
        "temp_code": None,
    }
    frame.update(columns)
    return pd.DataFrame(
        {k: (np.full(n, v, dtype=object) if v is None else v) for k, v in frame.items()}
    )


def _primary_events(
    rng: np.random.Generator, config: SampleConfig, children: pd.DataFrame, periods: pd.DataFrame
) -> pd.DataFrame:
    """Entry, legal-status changes, unplanned moves and planned moves of every period."""
    pid = periods["period"].to_numpy()
    start = periods["start"].to_numpy()
    end = periods["end"].to_numpy()
    dob = periods["dob"].to_numpy()
    band = periods["band"].to_numpy()
    route = periods["route"].to_numpy()
    uasc = periods["uasc"].to_numpy()
    n = len(pid)
    parts = []

    # Entry: legal status and first placement.
    kind0 = choose_by_row(rng, p.KIND_ON_ENTRY, band)
    kind0[uasc] = choose(rng, p.KIND_UASC, int(uasc.sum()))
    age0 = (start - dob) / _YEAR
    kind0 = _age_appropriate(kind0, age0)
    adoption = route == "adoption"
    ffa = adoption & (rng.random(n) < p.FFA_SHARE_OF_ADOPTION)
    kind0[ffa] = "ffa"
    sgo_kin = (route == "sgo") & (rng.random(n) < p.KINSHIP_FIRST_SHARE_OF_SGO)
    kind0[sgo_kin] = "kinship"
    parts.append(
        _event_frame(
            pid,
            start,
            is_ls=True,
            ls_new=periods["ls0"].to_numpy(),
            is_place=True,
            kind=kind0,
            priority=0,
        )
    )

    # Legal-status changes.
    ls_changes = (
        (periods["emergency_end"].to_numpy(), periods["after_emergency"].to_numpy()),
        (periods["to_c1_day"].to_numpy(), np.full(n, "C1", dtype=object)),
        (periods["c2_day"].to_numpy(), np.full(n, "C2", dtype=object)),
        (periods["e1_day"].to_numpy(), np.full(n, "E1", dtype=object)),
    )
    for when, status in ls_changes:
        mask = (when > start) & (when < end)
        parts.append(
            _event_frame(pid[mask], when[mask], is_ls=True, ls_new=status[mask], priority=0)
        )
    # Half the children leaving police protection move at the same time (RNE B).
    emergency = periods["emergency_end"].to_numpy()
    move_too = (
        (emergency > start) & (emergency < end) & (rng.random(n) < p.MOVE_AT_EMERGENCY_END_SHARE)
    )
    parts.append(
        _event_frame(
            pid[move_too],
            emergency[move_too],
            is_place=True,
            kind=_age_appropriate(
                choose_by_row(rng, p.KIND_ON_MOVE, band[move_too]), age0[move_too]
            ),
            reason=np.full(int(move_too.sum()), "CARPL", dtype=object),
            priority=0,
        )
    )

    # Planned moves; unplanned moves stop once a planned final placement starts.
    planned = (
        ("placed_day", "adoption"),
        ("trial_day", "parents"),
        ("kin_day", "kinship"),
        ("supported_day", "supported"),
    )
    no_moves_after = end.copy()
    for column, kind in planned:
        when = periods[column].to_numpy()
        mask = (when > start) & (when < end)
        parts.append(
            _event_frame(
                pid[mask],
                when[mask],
                is_place=True,
                kind=np.full(int(mask.sum()), kind, dtype=object),
                reason=np.full(int(mask.sum()), "CARPL", dtype=object),
                priority=0,
            )
        )
        if column != "supported_day":
            no_moves_after = np.where(mask, np.minimum(no_moves_after, when), no_moves_after)

    parts.append(_unplanned_moves(rng, config, pid, start, no_moves_after, dob))
    events = pd.concat(parts, ignore_index=True)
    return events


def _age_appropriate(kind: np.ndarray, age: np.ndarray) -> np.ndarray:
    kind = kind.copy()
    kind[(kind == "supported") & (age < 16)] = "foster_ifa"
    kind[(kind == "mother_baby") & (age >= 1)] = "foster_inhouse"
    kind[(kind == "custody") & (age < 12)] = "home_external"
    kind[(kind == "secure") & (age < 10)] = "home_external"
    kind[(kind == "ffa") & (age >= 3)] = "foster_inhouse"
    return kind


def _unplanned_moves(
    rng: np.random.Generator,
    config: SampleConfig,
    pid: np.ndarray,
    start: np.ndarray,
    stop: np.ndarray,
    dob: np.ndarray,
) -> pd.DataFrame:
    """Unplanned placement moves: a thinned Poisson process per period of care.

    The rate is the child's own frailty (some children move far more than others) times a
    multiplier in the first months of care, an age multiplier, and, from the stability step
    date, the planted reduction.
    """
    n = len(pid)
    frailty = rng.gamma(p.MOVE_FRAILTY_SHAPE, 1 / p.MOVE_FRAILTY_SHAPE, size=n)
    age_multiplier = np.asarray(p.MOVE_AGE_MULTIPLIER)
    max_rate = p.MOVE_RATE * frailty * p.EARLY_MOVE_MULTIPLIER * age_multiplier.max()
    span = np.maximum(stop - start - 2, 0)
    counts = rng.poisson(max_rate * span / _YEAR)
    index = np.repeat(np.arange(n), counts)
    t = start[index] + 1 + np.floor(rng.random(len(index)) * span[index]).astype(np.int64)
    early = np.where(t - start[index] <= p.EARLY_MOVE_DAYS, p.EARLY_MOVE_MULTIPLIER, 1.0)
    age = age_multiplier[age_band((t - dob[index]) / _YEAR)]
    step = np.where(
        config.patterns & (t >= config.stability_step_date), p.MOVE_RATE_AFTER_STEP, 1.0
    )
    rate = p.MOVE_RATE * frailty[index] * early * age * step
    accept = rng.random(len(index)) < rate / max_rate[index]
    index, t = index[accept], t[accept]
    band = age_band((t - dob[index]) / _YEAR)
    kind = _age_appropriate(choose_by_row(rng, p.KIND_ON_MOVE, band), (t - dob[index]) / _YEAR)
    reason = choose(rng, p.REASON_PLACE_CHANGE, len(t))
    return _event_frame(pid[index], t, is_place=True, kind=kind, reason=reason)


def _collapse(events: pd.DataFrame) -> pd.DataFrame:
    """Merge events on the same day of the same period (a legal change and a move become one).

    Where a move to new carers falls on the day of a same-carer change, the move wins: the
    merged event is a change of carer.
    """
    events = events.sort_values(["period", "t", "priority"], kind="stable")
    events = events.assign(
        new_carer=events["is_place"].astype(bool) & ~events["same_carer"].astype(bool)
    )
    merged = (
        events.groupby(["period", "t"], sort=False)
        .agg(
            is_ls=("is_ls", "any"),
            ls_new=("ls_new", "first"),
            is_place=("is_place", "any"),
            kind=("kind", "first"),
            same_carer=("same_carer", "any"),
            new_carer=("new_carer", "any"),
            reason=("reason", "first"),
            priority=("priority", "min"),
            temp_code=("temp_code", "first"),
        )
        .reset_index()
    )
    merged["same_carer"] = merged["same_carer"] & ~merged["new_carer"]
    merged = merged.drop(columns="new_carer")
    return merged.sort_values(["period", "t"], kind="stable").reset_index(drop=True)


def _spells(events: pd.DataFrame, periods: pd.DataFrame) -> pd.DataFrame:
    """Placement spells: from each placement event to the next one (or the period end)."""
    place = events[events["is_place"]].copy()
    period_end = periods["end"].to_numpy()[place["period"].to_numpy()]
    next_t = place.groupby("period")["t"].shift(-1)
    place["spell_end"] = np.where(next_t.isna(), period_end, next_t.fillna(0)).astype(np.int64)
    return place.rename(columns={"t": "spell_start"})[
        ["period", "spell_start", "spell_end", "kind"]
    ].reset_index(drop=True)


def _long_term_conversions(
    rng: np.random.Generator, spells: pd.DataFrame, periods: pd.DataFrame
) -> pd.DataFrame:
    """Foster placements that become long-term with the same carer (RNE T, or U with an order).

    Children whose plan is adoption are not given long-term foster placements.
    """
    length = (spells["spell_end"] - spells["spell_start"]).to_numpy()
    foster = spells["kind"].isin(["kinship", "foster_inhouse", "foster_ifa"]).to_numpy()
    adoption = periods["route"].to_numpy()[spells["period"].to_numpy()] == "adoption"
    chosen = (
        foster
        & ~adoption
        & (length >= 400)
        & (rng.random(len(spells)) < p.LONG_TERM_CONVERSION_SHARE)
    )
    s = spells[chosen]
    begin = s["spell_start"].to_numpy()
    stop = s["spell_end"].to_numpy()
    t = (
        begin
        + 180
        + np.floor(rng.random(len(s)) * np.minimum(420, stop - begin - 210)).astype(np.int64)
    )
    c2 = periods["c2_day"].to_numpy()[s["period"].to_numpy()]
    snap = (
        (c2 > begin + 90)
        & (c2 < stop - 30)
        & (rng.random(len(s)) < p.LONG_TERM_AT_CARE_ORDER_SHARE)
    )
    t = np.where(snap, c2, t)
    return _event_frame(
        s["period"].to_numpy(),
        t,
        is_place=True,
        kind=s["kind"].to_numpy(dtype=object),
        same_carer=np.ones(len(s), dtype=bool),
        reason=np.full(len(s), "PLACE", dtype=object),
        priority=2,
    )


def _temporary_placements(
    rng: np.random.Generator,
    spells: pd.DataFrame,
    primary: pd.DataFrame,
    conversions: pd.DataFrame,
    children: pd.DataFrame,
) -> pd.DataFrame:
    """Temporary placements (T0-T4) inside longer spells, each followed by a return (RNE P)."""
    length = (spells["spell_end"] - spells["spell_start"]).to_numpy()
    eligible = (length >= 60) & ~spells["kind"].isin(["parents", "custody", "secure"]).to_numpy()
    s = spells[eligible]
    span = length[eligible] - 45
    counts = np.minimum(rng.poisson(p.TEMPORARY_RATE * span / _YEAR), 3)
    index = np.repeat(np.arange(len(s)), counts)
    begin = (
        s["spell_start"].to_numpy()[index]
        + 15
        + np.floor(rng.random(len(index)) * span[index]).astype(np.int64)
    )
    days = uniform_int(rng, p.TEMPORARY_DAYS, len(index))
    finish = begin + days
    period = s["period"].to_numpy()[index]
    kind = s["kind"].to_numpy()[index]
    order = np.lexsort((begin, period))
    period, begin, finish, kind = period[order], begin[order], finish[order], kind[order]
    # Keep temporary placements clear of every other event and of each other.
    blocked = pd.concat([primary[["period", "t"]], conversions[["period", "t"]]])
    keep = ~_any_event_between(blocked, period, begin - 3, finish + 3)
    previous_finish = np.r_[-(10**9), finish[:-1]]
    same_period = np.r_[False, period[1:] == period[:-1]]
    keep &= ~(same_period & (begin <= previous_finish + 10))
    period, begin, finish, kind = period[keep], begin[keep], finish[keep], kind[keep]
    codes = choose(rng, p.TEMPORARY_CODES, len(period))
    not_foster = ~np.isin(kind, FOSTER_KINDS)
    codes[not_foster & (codes == "T3")] = "T2"
    codes[(finish - begin > 7) & (codes == "T4")] = "T0"
    starts = _event_frame(
        period,
        begin,
        is_place=True,
        kind=np.full(len(period), "temporary", dtype=object),
        temp_code=codes,
        priority=3,
    )
    returns = _event_frame(
        period, finish, is_place=True, kind=np.full(len(period), "return", dtype=object), priority=3
    )
    return pd.concat([starts, returns], ignore_index=True)


def _any_event_between(
    events: pd.DataFrame, period: np.ndarray, low: np.ndarray, high: np.ndarray
) -> np.ndarray:
    big = np.int64(1 << 20)
    keys = np.sort(
        events["period"].to_numpy(dtype=np.int64) * big + events["t"].to_numpy(dtype=np.int64)
    )
    left = np.searchsorted(keys, period * big + low, side="left")
    right = np.searchsorted(keys, period * big + high, side="right")
    return right > left


def _episodes_from_events(
    rng: np.random.Generator,
    config: SampleConfig,
    events: pd.DataFrame,
    periods: pd.DataFrame,
    children: pd.DataFrame,
    geography: Geography,
    settings: pd.DataFrame,
    ifa_urns: np.ndarray,
) -> pd.DataFrame:
    period = events["period"].to_numpy()
    child = periods["child"].to_numpy()[period]
    t = events["t"].to_numpy()
    kind = events["kind"].to_numpy(dtype=object)
    is_place = events["is_place"].to_numpy(dtype=bool)
    same_carer = events["same_carer"].to_numpy(dtype=bool)
    temporary = kind == "temporary"
    returning = kind == "return"
    first = np.r_[True, period[1:] != period[:-1]]

    # Adoption placements with the child's current FFA carer are a same-carer change (A5).
    previous_kind = (
        pd.Series(np.where(is_place & ~temporary & ~returning, kind, None)).groupby(period).shift(1)
    )
    previous_kind = previous_kind.groupby(period).ffill().to_numpy(dtype=object)
    adoption_with_carer = (kind == "adoption") & (previous_kind == "ffa")
    same_carer = same_carer | adoption_with_carer

    new_carer = is_place & ~temporary & ~returning & ~same_carer
    home_district = children["home_district"].to_numpy()[child]
    home_row = children["home_row"].to_numpy()[child]
    drawn = _place_new(
        rng,
        geography,
        settings,
        kind[new_carer],
        t[new_carer],
        home_district[new_carer],
        home_row[new_carer],
        ifa_urns,
    )
    # The planted drift changes some placements after they were drawn, from its own stream,
    # so that every other draw (and so the rest of the sample) stays as it was.
    drawn_kind = kind.copy()
    drift = _drift_placements if config.patterns else _no_drift
    kind = drift(
        component_rng(config.seed, "placement_drift"),
        config,
        geography,
        settings,
        kind,
        new_carer,
        t,
        periods["dob"].to_numpy()[period],
        home_district,
        home_row,
        ifa_urns,
        drawn,
    )

    consent = events["ls_new"].groupby(period).ffill().to_numpy(dtype=object) == "V2"
    adoption_new = (kind[new_carer] == "adoption") & consent[new_carer]
    drawn.loc[adoption_new, "place"] = "A4"

    frame = pd.DataFrame({"period": period})
    for column in ("place", "provider", "pl_row", "urn"):
        values = pd.Series([None] * len(period), dtype=object)
        values[new_carer] = drawn[column].to_numpy()
        frame[column] = values
    frame["base_kind"] = pd.Series(kind, dtype=object).where(new_carer, None)
    # Same-carer changes change only the placement type.
    frame["code_override"] = pd.Series(None, index=frame.index, dtype=object)
    previous_code = frame.groupby("period")["place"].ffill()
    long_term = same_carer & ~adoption_with_carer
    frame.loc[long_term, "code_override"] = (
        previous_code[long_term].map(_LONG_TERM_CODE).fillna(previous_code[long_term])
    )
    frame.loc[adoption_with_carer, "code_override"] = np.where(
        consent[adoption_with_carer], "A3", "A5"
    )
    for column in ("provider", "pl_row", "urn", "base_kind"):
        frame[column] = frame.groupby("period")[column].ffill()
    frame["place"] = frame["place"].where(~long_term & ~adoption_with_carer, frame["code_override"])
    frame.loc[adoption_with_carer, "urn"] = NOT_OFSTED_URN
    frame.loc[adoption_with_carer, "base_kind"] = "adoption"
    frame["place"] = frame.groupby("period")["place"].ffill()
    # Temporary placements show their own code; the return restores the placement before.
    temp_rows = np.flatnonzero(temporary)
    frame.loc[temporary, "place"] = events["temp_code"].to_numpy(dtype=object)[temporary]
    frame.loc[temporary, "provider"] = ""
    frame.loc[temporary, "urn"] = ""
    frame.loc[temporary, "pl_row"] = _temporary_rows(
        rng,
        geography,
        settings,
        frame.loc[temporary, "place"].to_numpy(dtype=object),
        home_district[temp_rows],
    )
    frame.loc[temporary, "base_kind"] = "temporary"

    ls = events["ls_new"].groupby(period).ffill().to_numpy(dtype=object)
    is_ls = events["is_ls"].to_numpy(dtype=bool)
    rne = np.select(
        [first, is_ls & is_place & same_carer, is_ls & is_place, is_ls, is_place & same_carer],
        ["S", "U", "B", "L", "T"],
        default="P",
    ).astype(object)

    period_end = periods["end"].to_numpy()[period]
    next_t = np.r_[t[1:], 0]
    last = np.r_[period[1:] != period[:-1], True]
    dec = np.where(last, period_end, next_t)
    next_is_place = np.r_[is_place[1:], False] & ~last
    next_reason = np.r_[events["reason"].to_numpy(dtype=object)[1:], None]
    reason = np.where(next_is_place, next_reason, np.array(None, dtype=object))
    reason = np.where(pd.isna(reason), "", reason).astype(object)
    next_temporary_or_return = np.r_[(temporary | returning)[1:], False]
    reason[next_temporary_or_return | temporary] = ""

    episodes = pd.DataFrame(
        {
            "child": child,
            "period": period,
            "decom": t,
            "dec": dec,
            "rne": rne,
            "ls": ls,
            "place": frame["place"].to_numpy(dtype=object),
            "provider": frame["provider"].fillna("").to_numpy(dtype=object),
            "reason_place_change": reason,
            "pl_row": frame["pl_row"].fillna(BLANK_ROW).to_numpy(dtype=np.int64),
            "urn": frame["urn"].fillna("").to_numpy(dtype=object),
            "kind": frame["base_kind"].to_numpy(dtype=object),
            "is_temporary": temporary,
            "is_last": last,
        }
    )
    # The kind each episode had before the planted drift, carried as base_kind is.
    drawn_base = pd.Series(np.where(new_carer, drawn_kind, None), dtype=object)
    drawn_base = drawn_base.groupby(frame["period"]).ffill()
    drawn_base[adoption_with_carer] = "adoption"
    drawn_base[temporary] = "temporary"
    rec = _reasons_ceased(rng, periods, episodes, drawn_base.to_numpy(dtype=object))
    episodes["rec"] = np.where(last, rec[period], "X1").astype(object)
    episodes["cin"] = _category_of_need(rng, periods)[period]
    episodes["is_short_break"] = False
    return episodes.drop(columns="is_last")


def _no_drift(rng: np.random.Generator, config: SampleConfig, *args: Any) -> np.ndarray:
    """No planted drift (``--no-patterns``): the kinds as drawn (the fifth argument)."""
    kind: np.ndarray = args[2]
    return kind


def _drift_placements(
    rng: np.random.Generator,
    config: SampleConfig,
    geography: Geography,
    settings: pd.DataFrame,
    kind: np.ndarray,
    new_carer: np.ndarray,
    t: np.ndarray,
    dob: np.ndarray,
    home_district: np.ndarray,
    home_row: np.ndarray,
    ifa_urns: np.ndarray,
    drawn: pd.DataFrame,
) -> np.ndarray:
    """The planted drift: divert some 10-15s' new placements to IFAs and external homes.

    Placements of a kind in ``PLACEMENT_DRIFT_FROM`` that start with a new carer while the
    child is aged 10-15, after ``config.placement_drift_start``, are diverted with a probability
    that rises to ``PLACEMENT_DRIFT_MAX_SHARE``; each diverted placement gets a new
    kind and is placed again (code, provider, postcode, URN) from this stream alone. ``drawn``
    (the new-carer placements) is updated in place.

    Returns:
        The kinds after the drift, per event.
    """
    kind = kind.copy()
    rows = np.flatnonzero(new_carer)
    age = (t[rows] - dob[rows]) / _YEAR
    low, high = p.PLACEMENT_DRIFT_AGES
    ramp = np.clip(
        (t[rows] - config.placement_drift_start) / _YEAR / p.PLACEMENT_DRIFT_RAMP_YEARS, 0, 1
    )
    share = p.PLACEMENT_DRIFT_MAX_SHARE * ramp
    eligible = np.isin(kind[rows], p.PLACEMENT_DRIFT_FROM) & (age >= low) & (age < high)
    diverted = eligible & (rng.random(len(rows)) < share)
    if not diverted.any():
        return kind
    new_kind = choose(rng, p.PLACEMENT_DRIFT_TO, int(diverted.sum()))
    moved = rows[diverted]
    kind[moved] = new_kind
    again = _place_new(
        rng,
        geography,
        settings,
        new_kind,
        t[moved],
        home_district[moved],
        home_row[moved],
        ifa_urns,
    )
    # The external homes that take them are new places in the county (private providers open
    # homes where the demand is), so the drift adds cost more than distance.
    homes = new_kind == "home_external"
    local = settings[(settings["kind"] == "home_external") & settings["in_county"]]
    if homes.any() and len(local):
        pick = rng.integers(0, len(local), size=int(homes.sum()))
        for column in ("pool_row", "urn", "provider"):
            target = "pl_row" if column == "pool_row" else column
            again.loc[homes, target] = local[column].to_numpy()[pick]
    drawn.loc[np.flatnonzero(diverted), ["place", "provider", "pl_row", "urn"]] = again[
        ["place", "provider", "pl_row", "urn"]
    ].to_numpy()
    return kind


def _temporary_rows(
    rng: np.random.Generator,
    geography: Geography,
    settings: pd.DataFrame,
    codes: np.ndarray,
    home_district: np.ndarray,
) -> np.ndarray:
    n = len(codes)
    shares = np.tile(np.asarray(p.LOCATION_BY_KIND["temporary"], dtype=float), (n, 1))
    rows = geography.draw_postcodes(rng, geography.draw_location(rng, home_district, shares))
    hospitals = settings.loc[settings["kind"] == "health", "pool_row"].to_numpy()
    hospital = codes == "T1"
    rows[hospital] = hospitals[rng.integers(0, len(hospitals), size=int(hospital.sum()))]
    return rows


def _reasons_ceased(
    rng: np.random.Generator,
    periods: pd.DataFrame,
    episodes: pd.DataFrame,
    drawn_kind: np.ndarray,
) -> np.ndarray:
    """REC of each period, from its route and where the child was living at the end.

    The draws split children by the kind of placement drawn before the planted drift
    (``drawn_kind``, per episode), so the drift moves no other child's reason.
    """
    n = len(periods)
    route = periods["route"].to_numpy()
    is_last = episodes["is_last"].to_numpy()
    last = episodes[is_last].set_index("period")
    final_kind = last["kind"].reindex(np.arange(n)).to_numpy(dtype=object)
    drawn_final = (
        pd.Series(drawn_kind[is_last], index=last.index)
        .reindex(np.arange(n))
        .to_numpy(dtype=object)
    )
    final_place = last["place"].reindex(np.arange(n)).to_numpy(dtype=object)
    age_at_end = ((periods["end"] - periods["dob"]) / _YEAR).to_numpy()
    rec = np.full(n, "E8", dtype=object)
    for name in ("adoption", "cao", "home", "other"):
        mask = route == name
        rec[mask] = choose(rng, p.REC_BY_ROUTE[name], int(mask.sum()))
    age18 = route == "age18"
    foster = age18 & np.isin(drawn_final, FOSTER_KINDS)
    rec[foster] = choose(rng, p.REC_BY_ROUTE["age18_foster"], int(foster.sum()))
    rec[age18 & ~foster] = choose(rng, p.REC_BY_ROUTE["age18_other"], int((age18 & ~foster).sum()))
    # Special guardianship: to former foster carers who are relatives (E45) or not (E46), or
    # to relatives (E47) or others (E48) who had not fostered the child.
    sgo = route == "sgo"
    kin_carer = np.isin(final_place, ["U1", "U2", "U3"])
    other_foster = np.isin(final_place, ["U4", "U5", "U6"])
    rec[sgo & kin_carer] = "E45"
    rec[sgo & other_foster] = "E46"
    rest = sgo & ~kin_carer & ~other_foster
    rec[rest] = np.where(rng.random(int(rest.sum())) < p.SGO_TO_RELATIVES_SHARE, "E47", "E48")
    # Age limits on some reasons; remand ends with E14; some UASC are assessed as adults.
    for code, minimum in p.REC_MIN_AGE.items():
        rec[(rec == code) & (age_at_end < minimum)] = "E8"
    rec[(periods["ls0"] == "J1").to_numpy()] = "E14"
    uasc_other = periods["uasc"].to_numpy() & (route == "other")
    rec[uasc_other & (rng.random(n) < p.UASC_AGE_ASSESSED_SHARE)] = "E15"
    rec[(rec == "E17") & ~np.isin(final_kind, FOSTER_KINDS)] = "E5"
    return rec


def _category_of_need(rng: np.random.Generator, periods: pd.DataFrame) -> np.ndarray:
    cin = choose(rng, p.CATEGORY_OF_NEED, len(periods))
    cin[periods["uasc"].to_numpy()] = "N8"
    return cin


# --- Short breaks -----------------------------------------------------------------------------


def _short_breaks(
    rng: np.random.Generator,
    config: SampleConfig,
    geography: Geography,
    settings: pd.DataFrame,
    first_child: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Disabled children on an agreed series of short breaks (LS V3 or V4)."""
    mean_years = np.mean(p.SHORT_BREAK_AGREEMENT_DAYS) / _YEAR
    window_start = config.data_start - int(4 * _YEAR)
    span_years = (config.horizon_end - window_start) / _YEAR
    n = max(3, int(rng.poisson(p.SHORT_BREAK_CHILDREN * config.scale / mean_years * span_years)))
    start = rng.integers(window_start, config.horizon_end, size=n)
    age = 5 + rng.random(n) * 11
    dob = start - np.floor(age * _YEAR).astype(np.int64)
    length = uniform_int(rng, p.SHORT_BREAK_AGREEMENT_DAYS, n)
    stop = np.minimum(start + length, add_years(dob, 18) - 1)
    v4 = rng.random(n) < p.SHORT_BREAK_V4_SHARE
    home_district = geography.draw_home_districts(rng, n)
    home_row = geography.draw_postcodes(rng, home_district)
    children = pd.DataFrame(
        {
            "child": first_child + np.arange(n),
            "first_start": start,
            "dob": dob,
            "entry_band": age_band(age),
            "uasc": False,
            "sex": draw_sex(rng, np.zeros(n, dtype=bool)),
            "ethnic": draw_ethnicity(rng, age, np.zeros(n, dtype=bool)),
            "home_district": home_district,
            "home_row": home_row,
            "short_break": True,
        }
    )
    # Each child goes to one short-break unit (LA children's home) or family-link carer.
    units = settings[(settings["kind"] == "home_la") & settings["in_county"]]
    unit = rng.integers(0, len(units), size=n)
    family_link = rng.random(n) < p.SHORT_BREAK_FAMILY_LINK_SHARE
    carer_row = geography.draw_postcodes(rng, home_district)
    place = np.where(family_link, "U6", "K2").astype(object)
    pl_row = np.where(family_link, carer_row, units["pool_row"].to_numpy()[unit])
    urn = np.where(family_link, LA_FOSTERING_URN, units["urn"].to_numpy()[unit]).astype(object)

    # V3: one episode per break; V4: one episode per agreement.
    max_breaks = int(np.ceil(p.SHORT_BREAK_AGREEMENT_DAYS[1] / p.SHORT_BREAK_GAP_DAYS[0])) + 2
    gaps = rng.integers(
        p.SHORT_BREAK_GAP_DAYS[0], p.SHORT_BREAK_GAP_DAYS[1] + 1, size=(n, max_breaks)
    )
    nights = rng.integers(
        p.SHORT_BREAK_NIGHTS[0], p.SHORT_BREAK_NIGHTS[1] + 1, size=(n, max_breaks)
    )
    cycle = np.cumsum(nights + gaps, axis=1)
    begin = start[:, None] + np.concatenate(
        [np.zeros((n, 1), dtype=np.int64), cycle[:, :-1]], axis=1
    )
    finish = begin + nights
    inside = (finish <= stop[:, None]) & ~v4[:, None]
    rows, cols = np.nonzero(inside)
    v3 = pd.DataFrame(
        {"child_local": rows, "decom": begin[rows, cols], "dec": finish[rows, cols], "ls": "V3"}
    )
    v4_rows = np.flatnonzero(v4)
    v4_frame = pd.DataFrame(
        {"child_local": v4_rows, "decom": start[v4_rows], "dec": stop[v4_rows], "ls": "V4"}
    )
    episodes = pd.concat([v3, v4_frame], ignore_index=True)
    local = episodes["child_local"].to_numpy()
    episodes = pd.DataFrame(
        {
            "child": first_child + local,
            "period": -1,
            "decom": episodes["decom"].to_numpy(),
            "dec": episodes["dec"].to_numpy(),
            "rne": "S",
            "ls": episodes["ls"].to_numpy(dtype=object),
            "place": place[local],
            "provider": "PR1",
            "reason_place_change": "",
            "pl_row": pl_row[local],
            "urn": urn[local],
            "kind": np.where(family_link[local], "short_break_carer", "short_break_unit").astype(
                object
            ),
            "is_temporary": False,
            "rec": "E4A",
            "cin": "N2",
            "is_short_break": True,
        }
    )
    episodes = episodes.sort_values(["child", "decom"], kind="stable").reset_index(drop=True)
    return children, episodes


# --- Missing from placement ------------------------------------------------------------------


def _missing_episodes(
    rng: np.random.Generator, children: pd.DataFrame, episodes: pd.DataFrame, periods: pd.DataFrame
) -> pd.DataFrame:
    """Missing (M) and away (A) episodes of children aged 11 and over, never overlapping."""
    eligible = episodes[~episodes["is_short_break"] & ~episodes["is_temporary"]]
    dob = children["dob"].to_numpy()[eligible["child"].to_numpy()]
    decom = eligible["decom"].to_numpy()
    dec = eligible["dec"].to_numpy()
    age = (decom - dob) / _YEAR
    group = np.select(
        [
            eligible["place"].isin(["K1", "K2", "S1", "R1"]).to_numpy(),
            eligible["place"].isin(["H5", "P2", "K3"]).to_numpy(),
            eligible["place"].str.startswith("U").to_numpy(),
        ],
        ["residential", "supported", "foster"],
        default="other",
    )
    rate = pd.Series(group).map(p.MISSING_RATE).to_numpy(dtype=float)
    propensity = rng.gamma(0.5, 2.0, size=len(children))[eligible["child"].to_numpy()]
    expected = np.where(age >= 11, rate * propensity * (dec - decom) / _YEAR, 0.0)
    counts = rng.poisson(expected)
    index = np.repeat(np.arange(len(eligible)), counts)
    start = decom[index] + np.floor(rng.random(len(index)) * (dec - decom)[index]).astype(np.int64)
    length = uniform_int(rng, p.MISSING_DAYS, len(index))
    period_end = periods["end"].to_numpy()[eligible["period"].to_numpy()[index]]
    end = np.minimum(start + length, period_end)
    child = eligible["child"].to_numpy()[index]
    missing = pd.DataFrame({"child": child, "start": start, "end": end})
    missing["missing"] = np.where(rng.random(len(missing)) < p.MISSING_AWAY_SHARE, "A", "M")
    missing = missing.sort_values(["child", "start"], kind="stable").reset_index(drop=True)
    # Drop episodes that start before the previous one ended (validator rule 574).
    for _pass in range(10):
        previous_end = missing.groupby("child")["end"].shift(1)
        overlap = (missing["start"] <= previous_end).to_numpy()
        if not overlap.any():
            break
        first_overlap = overlap & ~np.r_[False, overlap[:-1]]
        missing = missing[~first_overlap].reset_index(drop=True)
    return missing[["child", "missing", "start", "end"]]
