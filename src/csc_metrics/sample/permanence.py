"""Permanence records of the synthetic county: AD1, PlacedAdoption and PrevPerm tables.

The care simulation (``care.py``) already decides who is adopted, when the placement order is
made, when the child moves in with the adopters and when the adoption order is granted. This
module adds what only the permanence tables record, consistent with those episodes:

- the decision that the child should be placed for adoption and the match with the adopters,
  placed so that the stage averages follow England's pattern (the DfE's averages for 2021-2025:
  entry to decision about 9 months, decision to match about 10, match to placement 1) within
  the simulated time from entry to placement, which is shorter than England's: the county's
  "earlier permanence planning";
- whether the adopters were the child's foster carers (placements A3 and A5 are with the
  current foster carers, as the DfE's validation rule 335 requires) and who the adopters are;
- adoption plans that end without adoption (RD1-RD4), for some young children who leave care by
  special guardianship, a child arrangements order or a return home;
- PrevPerm for every child starting a period of care, mostly "no previous permanence";
- the planted pattern: for children matched in the last two collection years, the decision is
  made much earlier while the match is not, so the time from decision to match lengthens.

Every draw comes from the ``permanence`` stream (``config.component_rng``), so the rest of the
county is unchanged by this module.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from csc_metrics.sample.care import CareHistory
from csc_metrics.sample.config import SampleConfig, component_rng, day, to_date
from csc_metrics.sample.draws import choose, uniform_int
from csc_metrics.sample.writer import format_days

ADOPTION_PLACES = ("A3", "A4", "A5", "A6")
#: Placements for adoption with the child's current foster carers (validation rule 335).
WITH_FOSTER_CARERS = ("A3", "A5")
#: Where the decision falls between entry and the placement order (or, without one, the
#: match), as a share of that time. England's stage averages put it about 45% of the way from
#: entry to placement, which is about 65% of the way to the order in the simulated timelines.
DECISION_SHARE = (0.45, 0.85)
#: The planted pattern: for children matched on or after its date, the decision comes this
#: early instead, so decision to match lengthens by about five months.
DECISION_SHARE_AFTER_SHIFT = (0.05, 0.25)
#: Days from the match to moving in with the adopters (England: about one month), and the least
#: time between the decision and the match.
MATCH_DAYS_BEFORE_PLACED = (10, 50)
MIN_DECISION_TO_MATCH_DAYS = 30
#: Adopters: one or two; a single adopter's sex; a couple's sexes (ASSUMPTION: DfE adoption
#: statistics show about four in five children adopted by couples, about one in ten of them
#: same-sex couples).
TWO_ADOPTERS_SHARE = 0.8
SINGLE_ADOPTER = {"F1": 0.85, "M1": 0.15}
COUPLE = {"MF": 0.88, "FF": 0.06, "MM": 0.06}
#: Legal status of the adopters (ASSUMPTION, consistent with validation rules 517 and 520: L11
#: and L3 are couples of a man and a woman).
LEGAL_STATUS = {
    "single": {"L0": 1.0},
    "MF": {"L11": 0.8, "L3": 0.2},
    "same_sex": {"L12": 0.6, "L2": 0.4},
}
#: Young children (under 5 at entry) leaving by these routes who first had an adoption plan that
#: ended, the days from entry to that decision and from the decision to its end, and why it
#: ended (ASSUMPTION: no published distribution; RD2 and RD1 are the common reasons).
PLAN_ENDED_ROUTES = ("sgo", "cao", "home")
PLAN_ENDED_SHARE = 0.15
PLAN_ENDED_DECISION_DAYS = (90, 330)
PLAN_ENDED_AFTER_DAYS = (60, 330)
PLAN_ENDED_REASONS = {"RD1": 0.25, "RD2": 0.35, "RD3": 0.15, "RD4": 0.25}
#: PREV_PERM of a child starting a period of care, by age at entry (ASSUMPTION: a few per cent
#: of entrants had an earlier adoption, SGO or child arrangements order, as the DfE's
#: statistics show; babies have none).
PREVIOUS_PERMANENCE_UNDER_1 = {"Z1": 0.93, "P4": 0.07}
PREVIOUS_PERMANENCE = {"Z1": 0.84, "P4": 0.09, "P1": 0.025, "P2": 0.03, "P3": 0.015}
#: Years between the earlier order and entry to care, and the share of those dates whose day
#: is unknown (written ``ZZ``, as the DfE allows).
PREVIOUS_ORDER_YEARS = (1, 8)
UNKNOWN_DAY_SHARE = 0.1

AD1_COLUMNS = [
    "child",
    "adopted",
    "decision",
    "matched",
    "foster_care",
    "nb_adoptr",
    "sex_adoptr",
    "ls_adoptr",
]


@dataclass
class PermanenceRecords:
    """The permanence facts of the simulated county (days since 1970).

    Attributes:
        adoptions: One row per adoption: ``child, period, entered, placement_order, placed,
            adopted, decision, matched, foster_care`` and the adopters' codes.
        decisions: One row per decision that a child should be placed for adoption:
            ``child, decided, ceased`` (-1 while it stands) and ``reason``.
        previous: One row per start of a period of care: ``child, started, prev_perm,
            date_perm`` (text, blank when there was no earlier order).
        shift_date: First match day of the planted pattern.
    """

    adoptions: pd.DataFrame
    decisions: pd.DataFrame
    previous: pd.DataFrame
    shift_date: int


def pattern_date(config: SampleConfig) -> int:
    """First match day of the planted pattern: 1 April two collection years before the end."""
    return day(dt.date(config.last_year - 2, 4, 1))


def simulate_permanence(config: SampleConfig, history: CareHistory) -> PermanenceRecords:
    """Draw the permanence records, consistent with the simulated episodes.

    Args:
        config: The run's configuration.
        history: The simulated care histories.

    Returns:
        The records.
    """
    rng = component_rng(config.seed, "permanence")
    adoptions = _adoptions(rng, config, history)
    ended = _plans_that_ended(rng, history)
    decisions = pd.concat(
        [
            pd.DataFrame(
                {
                    "child": adoptions["child"],
                    "decided": adoptions["decision"],
                    "ceased": np.int64(-1),
                    "reason": "",
                }
            ),
            ended,
        ],
        ignore_index=True,
    ).sort_values(["child", "decided"], kind="stable")
    return PermanenceRecords(
        adoptions=adoptions,
        decisions=decisions.reset_index(drop=True),
        previous=_previous_permanence(rng, history),
        shift_date=pattern_date(config),
    )


def _adoptions(
    rng: np.random.Generator, config: SampleConfig, history: CareHistory
) -> pd.DataFrame:
    """One row per period of care on the adoption route, adopted or still to be."""
    periods = history.periods[history.periods["route"] == "adoption"].reset_index(drop=True)
    episodes = history.episodes
    placements = (
        episodes[episodes["place"].isin(ADOPTION_PLACES)]
        .sort_values(["period", "decom"], kind="stable")
        .drop_duplicates("period")
        .set_index("period")
    )
    n = len(periods)
    placed = periods["period"].map(placements["decom"]).fillna(periods["placed_day"])
    placed = placed.to_numpy(dtype=np.int64)
    place = periods["period"].map(placements["place"]).fillna("A6").to_numpy(dtype=object)
    start = periods["start"].to_numpy(dtype=np.int64)
    order = periods["e1_day"].to_numpy(dtype=np.int64)
    matched = placed - uniform_int(rng, MATCH_DAYS_BEFORE_PLACED, n)
    # Without a placement order (consent), the decision falls before the match instead.
    horizon = np.where(order >= 0, order, matched)
    normal = rng.uniform(*DECISION_SHARE, n)
    shifted = rng.uniform(*DECISION_SHARE_AFTER_SHIFT, n)
    share = np.where(config.patterns & (matched >= pattern_date(config)), shifted, normal)
    decision = start + np.floor(share * (horizon - start)).astype(np.int64)
    decision = np.minimum(decision, matched - MIN_DECISION_TO_MATCH_DAYS)
    decision = np.maximum(decision, start)
    two = rng.random(n) < TWO_ADOPTERS_SHARE
    sexes = np.where(two, choose(rng, COUPLE, n), choose(rng, SINGLE_ADOPTER, n)).astype(object)
    status = choose(rng, LEGAL_STATUS["single"], n)
    mixed = two & (sexes == "MF")
    status = np.where(mixed, choose(rng, LEGAL_STATUS["MF"], n), status)
    status = np.where(two & ~mixed, choose(rng, LEGAL_STATUS["same_sex"], n), status)
    return pd.DataFrame(
        {
            "child": periods["child"].to_numpy(),
            "period": periods["period"].to_numpy(),
            "entered": start,
            "placement_order": order,
            "placed": placed,
            "adopted": periods["end"].to_numpy(dtype=np.int64),
            "decision": decision,
            "matched": matched,
            "foster_care": np.where(np.isin(place, WITH_FOSTER_CARERS), "1", "0").astype(object),
            "nb_adoptr": np.where(two, "2", "1").astype(object),
            "sex_adoptr": sexes,
            "ls_adoptr": status.astype(object),
        }
    )


def _plans_that_ended(rng: np.random.Generator, history: CareHistory) -> pd.DataFrame:
    """Adoption plans that ended for some young children who left care another way."""
    periods = history.periods
    candidates = periods[periods["route"].isin(PLAN_ENDED_ROUTES) & (periods["band"] <= 1)]
    n = len(candidates)
    chosen = rng.random(n) < PLAN_ENDED_SHARE
    decided = candidates["start"].to_numpy(dtype=np.int64) + uniform_int(
        rng, PLAN_ENDED_DECISION_DAYS, n
    )
    ceased = decided + uniform_int(rng, PLAN_ENDED_AFTER_DAYS, n)
    reason = choose(rng, PLAN_ENDED_REASONS, n)
    # The plan ends while the child is still in care, a fortnight or more before they leave.
    keep = chosen & (ceased < candidates["end"].to_numpy(dtype=np.int64) - 14)
    return pd.DataFrame(
        {
            "child": candidates["child"].to_numpy()[keep],
            "decided": decided[keep],
            "ceased": ceased[keep],
            "reason": reason[keep],
        }
    )


def _previous_permanence(rng: np.random.Generator, history: CareHistory) -> pd.DataFrame:
    """PREV_PERM for every start of a period of care (short breaks have none)."""
    periods = history.periods
    n = len(periods)
    start = periods["start"].to_numpy(dtype=np.int64)
    dob = periods["dob"].to_numpy(dtype=np.int64)
    baby = periods["band"].to_numpy() == 0
    code = np.where(
        baby,
        choose(rng, PREVIOUS_PERMANENCE_UNDER_1, n),
        choose(rng, PREVIOUS_PERMANENCE, n),
    ).astype(object)
    years_before = rng.uniform(*PREVIOUS_ORDER_YEARS, n)
    when = np.maximum(start - np.floor(years_before * 365.25).astype(np.int64), dob + 1)
    text = format_days(when)
    unknown_day = rng.random(n) < UNKNOWN_DAY_SHARE
    text = np.where(unknown_day, "ZZ" + pd.Series(text, dtype=object).str[2:], text)
    earlier = np.isin(code, ["P1", "P2", "P3"])
    return pd.DataFrame(
        {
            "child": periods["child"].to_numpy(),
            "started": start,
            "prev_perm": code,
            "date_perm": np.where(earlier, text, "").astype(object),
        }
    )


def year_tables(
    config: SampleConfig,
    records: PermanenceRecords,
    ids: np.ndarray,
    dob: np.ndarray,
    looked_after: np.ndarray,
    year: int,
) -> dict[str, pd.DataFrame]:
    """The AD1, PlacedAdoption and PrevPerm tables of one year's return, as text.

    AD1 holds the children adopted in the year; PlacedAdoption every decision, made by the end
    of the year, of the children looked after in it (an ending after the year is not yet
    known); PrevPerm the children who started a period of care in the year (their latest
    start, if two).

    Args:
        config: The run's configuration.
        records: The permanence records.
        ids: Council id per child index.
        dob: Date of birth per child index (days).
        looked_after: Child indexes looked after in the year.
        year: Collection year.

    Returns:
        Table name -> frame of text columns in DfE order.
    """
    start, end = config.year_starts[year], config.year_ends[year]
    adoptions = records.adoptions
    adopted = adoptions[(adoptions["adopted"] >= start) & (adoptions["adopted"] <= end)]
    adopted = adopted.assign(CHILD=ids[adopted["child"].to_numpy()]).sort_values(
        "CHILD", kind="stable"
    )
    ad1 = pd.DataFrame(
        {
            "CHILD": adopted["CHILD"].to_numpy(),
            "DOB": format_days(dob[adopted["child"].to_numpy()]),
            "DATE_INT": format_days(adopted["decision"].to_numpy()),
            "DATE_MATCH": format_days(adopted["matched"].to_numpy()),
            "FOSTER_CARE": adopted["foster_care"].to_numpy(dtype=object),
            "NB_ADOPTR": adopted["nb_adoptr"].to_numpy(dtype=object),
            "SEX_ADOPTR": adopted["sex_adoptr"].to_numpy(dtype=object),
            "LS_ADOPTR": adopted["ls_adoptr"].to_numpy(dtype=object),
        }
    )
    decisions = records.decisions
    decisions = decisions[decisions["child"].isin(looked_after) & (decisions["decided"] <= end)]
    decisions = decisions.assign(CHILD=ids[decisions["child"].to_numpy()]).sort_values(
        ["CHILD", "decided"], kind="stable"
    )
    ceased = decisions["ceased"].to_numpy(dtype=np.int64)
    known = (ceased >= 0) & (ceased <= end)
    placed = pd.DataFrame(
        {
            "CHILD": decisions["CHILD"].to_numpy(),
            "DOB": format_days(dob[decisions["child"].to_numpy()]),
            "DATE_PLACED": format_days(decisions["decided"].to_numpy()),
            "DATE_PLACED_CEASED": format_days(ceased, blank=~known),
            "REASON_PLACED_CEASED": np.where(known, decisions["reason"], "").astype(object),
        }
    )
    previous = records.previous
    previous = previous[(previous["started"] >= start) & (previous["started"] <= end)]
    previous = previous.sort_values(["child", "started"], kind="stable").drop_duplicates(
        "child", keep="last"
    )
    previous = previous.assign(CHILD=ids[previous["child"].to_numpy()]).sort_values(
        "CHILD", kind="stable"
    )
    prev_perm = pd.DataFrame(
        {
            "CHILD": previous["CHILD"].to_numpy(),
            "DOB": format_days(dob[previous["child"].to_numpy()]),
            "PREV_PERM": previous["prev_perm"].to_numpy(dtype=object),
            "LA_PERM": "",
            "DATE_PERM": previous["date_perm"].to_numpy(dtype=object),
        }
    )
    return {"ad1": ad1, "placed_adoption": placed, "prev_perm": prev_perm}


def stage_days(records: PermanenceRecords, first: int, last: int) -> dict[str, float]:
    """Average days of each adoption stage for the children adopted between two days.

    Returns:
        Stage name (``entry_to_decision``...) -> average days (NaN with no adoptions).
    """
    adopted = records.adoptions
    adopted = adopted[(adopted["adopted"] >= first) & (adopted["adopted"] <= last)]
    stages = {
        "entry_to_decision": adopted["decision"] - adopted["entered"],
        "decision_to_match": adopted["matched"] - adopted["decision"],
        "match_to_placed": adopted["placed"] - adopted["matched"],
        "entry_to_placed": adopted["placed"] - adopted["entered"],
        "placed_to_adopted": adopted["adopted"] - adopted["placed"],
        "entry_to_adopted": adopted["adopted"] - adopted["entered"],
    }
    return {
        name: float(days.mean()) if len(days) else float("nan") for name, days in stages.items()
    }


def _iso(days: int) -> str:
    return to_date(days).isoformat()


def _round(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value))


def manifest_pattern(
    config: SampleConfig, records: PermanenceRecords, quarters: list[int]
) -> dict[str, Any]:
    """The planted pattern, as an entry of the manifest's ``patterns`` list.

    Args:
        config: The run's configuration.
        records: The permanence records.
        quarters: Every quarter end the data cover (days).

    Returns:
        The pattern with its dates, indicator, keywords and the 12-month averages achieved.
    """
    shift = records.shift_date
    end = config.horizon_end
    by_quarter = {q: stage_days(records, q - 364, q) for q in quarters}
    match = {q: v["decision_to_match"] for q, v in by_quarter.items()}
    decision = {q: v["entry_to_decision"] for q, v in by_quarter.items()}
    # Quarters whose 12 months hold no child matched after the shift.
    before = [v for q, v in match.items() if q < shift + 91 and not np.isnan(v)]
    before_decision = [v for q, v in decision.items() if q < shift + 91 and not np.isnan(v)]
    before_mean = float(np.mean(before)) if before else float("nan")
    affected = next((q for q in quarters if q >= shift), end)
    return {
        "id": "adoption_decision_to_match_lengthening",
        "area": "permanence",
        "indicator_id": "adoption_decision_to_match_days",
        "breakdown": "total",
        "group": "all",
        "from": _iso(shift),
        "to": _iso(end),
        "first_quarter_end_affected": _iso(affected),
        "direction": "worse",
        "description": (
            "Children wait longer between the decision that they should be adopted and the "
            "match with their adopters: for children matched from "
            f"{_iso(shift)} the decision comes soon after they enter care but the match does "
            "not, so the 12-month average time from decision to match, about "
            f"{_round(before_mean)} days at earlier quarter ends, reaches "
            f"{_round(match[end])} days by {_iso(end)}, while entry to decision falls from "
            f"about {_round(float(np.mean(before_decision)) if before_decision else np.nan)} "
            f"to {_round(decision[end])} days and entry to placement barely moves."
        ),
        "keywords": ["decision", "match"],
        "visible_in_data": bool(before) and not np.isnan(match[end]),
        "achieved": {
            "earlier_quarters_mean": _round(before_mean),
            "quarters": {_iso(q): _round(v) for q, v in match.items()},
            "at_end": _round(match[end]),
        },
    }


def _routes_in_year(history: CareHistory, end: int) -> pd.Series:
    """The last reason each child left care in the 12 months to ``end`` (short breaks apart)."""
    episodes = history.episodes
    ceased = episodes[
        ~episodes["is_short_break"]
        & (episodes["dec"] > end - 365)
        & (episodes["dec"] <= end)
        & (episodes["rec"] != "X1")
    ]
    return ceased.sort_values(["child", "dec"], kind="stable").drop_duplicates(
        "child", keep="last"
    )["rec"]


def calibration_rows(
    config: SampleConfig, records: PermanenceRecords, history: CareHistory
) -> list[dict[str, str]]:
    """Permanence targets (DfE figures for England and Lancashire) against the achieved values.

    Args:
        config: The run's configuration.
        records: The permanence records.
        history: The simulated care histories.

    Returns:
        Rows of the manifest's calibration table (``measure``, ``target``, ``achieved``).
    """
    end = config.horizon_end
    last = config.last_year
    before = max(
        (y for y in config.years if config.year_ends[y] < records.shift_date),
        default=config.first_year,
    )
    stages = stage_days(records, config.year_starts[before], config.year_ends[before])
    adoptions = records.adoptions
    adopted = adoptions[(adoptions["adopted"] >= config.data_start) & (adoptions["adopted"] <= end)]
    in_year = adoptions[(adoptions["adopted"] > end - 365) & (adoptions["adopted"] <= end)]
    foster = int(adopted["foster_care"].eq("1").sum())
    routes = _routes_in_year(history, end)
    sgo = 100 * float(routes.isin(["E45", "E46", "E47", "E48"]).mean()) if len(routes) else 0.0
    ended = records.decisions
    ended = ended[(ended["ceased"] > end - 365) & (ended["ceased"] <= end)]

    def days(name: str) -> str:
        return "-" if np.isnan(stages[name]) else f"{stages[name]:.0f}"

    return [
        {
            "measure": f"Children adopted in the year to 31 March {last}",
            "target": f"about {60 * config.scale:,.0f} (Lancashire 2025: 60)",
            "achieved": f"{len(in_year):,}",
        },
        {
            "measure": "Days from entry to decision / decision to match / match to placement / "
            f"placement to adoption, children adopted in the year to 31 March {before} "
            "(before the planted pattern)",
            "target": "England 2021-2025: 213-274 / 274-304 / 30 / 274-304",
            "achieved": " / ".join(
                days(n)
                for n in (
                    "entry_to_decision",
                    "decision_to_match",
                    "match_to_placed",
                    "placed_to_adopted",
                )
            ),
        },
        {
            "measure": "Days from entry to placement for adoption (A1), same children",
            "target": "England 2021-2025: 487-578 (shorter here: earlier permanence planning)",
            "achieved": days("entry_to_placed"),
        },
        {
            "measure": f"Adopted by their foster carers (A3, A5), adopted {_iso(config.data_start)}"
            f" to {_iso(end)}",
            "target": "about 1 in 5 (fostering for adoption; ASSUMPTION)",
            "achieved": f"{foster} of {len(adopted)}",
        },
        {
            "measure": f"Left care on a special guardianship order, year to 31 March {last}",
            "target": "12-17% (England 2025: 12%; Lancashire 2025: 14%)",
            "achieved": f"{sgo:.1f}%",
        },
        {
            "measure": f"Adoption plans that ended (RD1-RD4), year to 31 March {last}",
            "target": "a few (ASSUMPTION)",
            "achieved": f"{len(ended)}",
        },
    ]
