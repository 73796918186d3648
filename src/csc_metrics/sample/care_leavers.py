"""Care leavers' follow-up (SSDA903 OC3): who is in the cohort, and how they are doing.

A young person is in the cohort when they were looked after for at least 13 weeks after their
14th birthday and for at least a day after their 16th, were not adopted, did not die in care and
whose care was not transferred to another council or ended by an age assessment (DfE OC3
guidance; docs/definitions.md, "Care leavers"). They get one OC3 row in each collection year in
which their 17th, 18th, 19th, 20th or 21st birthday falls, except at 17 or 18 while still looked
after (validator rules 1007, 1016).

Activity persists: each young person has their own tendency to be in education, employment or
training, shifted for the two planted patterns (a 19-21 decline over the last 18 months of
reference birthdays, and a lower rate for one ethnic group).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc_metrics.sample import parameters as p
from csc_metrics.sample.care import CareHistory
from csc_metrics.sample.config import SampleConfig, add_years, component_rng
from csc_metrics.sample.draws import choose

EET_CODES = ("F1", "P1", "F2", "P2", "F4", "P4", "F5", "P5")
NEET_CODES = ("G4", "G5", "G6")
_NOT_CARE_LEAVERS_REC = ("E11", "E12", "E2", "E3", "E15")


def ethnic_group(ethnic: np.ndarray) -> np.ndarray:
    """Map ETHNIC codes to the ethnic groups of ``schemas.ETHNIC_GROUPS``."""
    groups = np.full(len(ethnic), "Not recorded", dtype=object)
    first = pd.Series(ethnic, dtype=object).fillna("").str[:1].to_numpy(dtype=object)
    for letter, name in (
        ("W", "White"),
        ("M", "Mixed"),
        ("A", "Asian"),
        ("B", "Black"),
        ("C", "Other"),
        ("O", "Other"),
    ):
        groups[first == letter] = name
    groups[np.isin(ethnic, ["REFU", "NOBT"])] = "Refused or not obtained"
    return groups


def care_leaver_rows(
    config: SampleConfig, history: CareHistory, cohort: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Return one OC3 row per young person per collection year of the data.

    Args:
        config: The run's configuration.
        history: The simulated care histories.
        cohort: The cohort from :func:`care_leaver_cohort`, if already computed.

    Returns:
        Columns ``child, year, birthday, age, band (17_18 or 19_21), in_touch, activ, accom``
        with current (2024-25) codes; ``year`` is the collection year of the file.
    """
    rng = component_rng(config.seed, "care_leavers")
    if cohort is None:
        cohort = care_leaver_cohort(history)
    rows = _birthday_rows(config, cohort)
    return _follow_up(rng, config, rows, cohort)


def care_leaver_cohort(history: CareHistory) -> pd.DataFrame:
    """Children who meet the care-leaver cohort rule, with their last period's facts.

    Args:
        history: The simulated care histories.

    Returns:
        One row per young person: ``child, after14, after16, last_end, rec, route, dob,
        ethnic, uasc, sex``.
    """
    periods = history.periods
    children = history.children
    dob = children["dob"].to_numpy()[periods["child"].to_numpy()]
    start = periods["start"].to_numpy()
    end = periods["end"].to_numpy()
    birthday14 = add_years(dob, 14)
    birthday16 = add_years(dob, 16)
    after14 = np.maximum(end - np.maximum(start, birthday14), 0)
    facts = pd.DataFrame(
        {
            "child": periods["child"].to_numpy(),
            "after14": after14,
            "after16": end > birthday16,
            "end": end,
        }
    )
    per_child = facts.groupby("child").agg(
        after14=("after14", "sum"), after16=("after16", "any"), last_end=("end", "max")
    )
    last = periods.loc[periods.groupby("child")["end"].idxmax()].set_index("child")
    last_rec = history.episodes.loc[history.episodes["rec"] != "X1"].groupby("child")["rec"].last()
    per_child["rec"] = last_rec.reindex(per_child.index).fillna("")
    per_child["route"] = last["route"].reindex(per_child.index)
    eligible = (
        (per_child["after14"] >= 91)
        & per_child["after16"]
        & ~per_child["rec"].isin(_NOT_CARE_LEAVERS_REC)
    )
    cohort = per_child[eligible].reset_index()
    info = children.set_index("child").loc[cohort["child"], ["dob", "ethnic", "uasc", "sex"]]
    return cohort.assign(**{k: info[k].to_numpy() for k in info.columns})


def _birthday_rows(config: SampleConfig, cohort: pd.DataFrame) -> pd.DataFrame:
    parts = []
    for age in range(17, 22):
        birthday = add_years(cohort["dob"].to_numpy(), age)
        dates = birthday.astype("datetime64[D]")
        year = dates.astype("datetime64[Y]").astype(np.int64) + 1970
        month = dates.astype("datetime64[M]").astype(np.int64) % 12 + 1
        collection_year = year + (month >= 4)
        # At 17 or 18 a young person still looked after on the birthday has no row.
        left = cohort["last_end"].to_numpy() <= birthday
        keep = (collection_year >= config.first_year) & (collection_year <= config.last_year)
        keep &= left
        parts.append(
            pd.DataFrame(
                {
                    "child": cohort["child"].to_numpy()[keep],
                    "year": collection_year[keep],
                    "birthday": birthday[keep],
                    "age": age,
                    "band": "17_18" if age <= 18 else "19_21",
                    "cohort_row": np.flatnonzero(keep),
                }
            )
        )
    rows = pd.concat(parts, ignore_index=True)
    return rows.sort_values(["child", "birthday"], kind="stable").reset_index(drop=True)


def _follow_up(
    rng: np.random.Generator, config: SampleConfig, rows: pd.DataFrame, cohort: pd.DataFrame
) -> pd.DataFrame:
    n = len(rows)
    index = rows["cohort_row"].to_numpy()
    young = rows["band"].to_numpy() == "17_18"
    group = ethnic_group(cohort["ethnic"].to_numpy())[index]

    # Contact: the council keeps in touch with most; those who died stay recorded as died.
    in_touch = np.where(young, choose(rng, p.IN_TOUCH_17_18, n), choose(rng, p.IN_TOUCH_19_21, n))
    died = pd.Series(in_touch == "DIED").groupby(rows["child"].to_numpy()).cummax().to_numpy()
    in_touch[died] = "DIED"

    # Activity: the young person's own tendency plus the planted shifts.
    tendency = rng.normal(0, p.EET_PERSISTENCE_SD, size=len(cohort))[index]
    share = np.where(young, _eet_share(p.ACTIVITY_17_18), _eet_share(p.ACTIVITY_19_21))
    attenuation = np.sqrt(1 + 0.346 * p.EET_PERSISTENCE_SD**2)
    log_odds = np.log(share / (1 - share)) * attenuation + tendency
    birthday = rows["birthday"].to_numpy()
    progress = np.clip(
        (birthday - config.eet_decline_start)
        / max(config.horizon_end - config.eet_decline_start, 1),
        0,
        1,
    )
    planted = config.patterns
    log_odds += np.where(planted & ~young, p.EET_DECLINE_LOG_ODDS * progress, 0.0)
    log_odds += np.where(
        planted & ~young & (group == p.EET_EQUITY_GROUP), p.EET_EQUITY_LOG_ODDS, 0.0
    )
    eet = rng.random(n) < 1 / (1 + np.exp(-log_odds))
    activ = np.where(
        eet,
        np.where(
            young,
            choose(rng, _subset(p.ACTIVITY_17_18, EET_CODES), n),
            choose(rng, _subset(p.ACTIVITY_19_21, EET_CODES), n),
        ),
        np.where(
            young,
            choose(rng, _subset(p.ACTIVITY_17_18, NEET_CODES), n),
            choose(rng, _subset(p.ACTIVITY_19_21, NEET_CODES), n),
        ),
    ).astype(object)
    # Pregnancy or parenting only for young women (mostly).
    male = cohort["sex"].to_numpy()[index] == "M"
    activ[male & (activ == "G6")] = "G5"

    # Accommodation: letter by age, "with former foster carers" for those who stayed put.
    age = rows["age"].to_numpy()
    stayed_put = cohort["rec"].to_numpy()[index] == "E17"
    letter = np.select(
        [age == 17, age == 18],
        [choose(rng, p.ACCOMMODATION_17, n), choose(rng, _without(p.ACCOMMODATION_18, "Z"), n)],
        default=choose(rng, _without(p.ACCOMMODATION_19_21, "Z"), n),
    ).astype(object)
    with_carers = stayed_put & (age >= 18) & (rng.random(n) < np.where(age == 18, 0.85, 0.3))
    letter[with_carers] = "Z"
    suitable_share = np.where(young, p.SUITABLE_17_18, p.SUITABLE_19_21)
    suitable = (rng.random(n) < suitable_share) & ~np.isin(letter, ["S", "X"])
    accom = (letter + np.where(suitable, "1", "2")).astype(object)

    # Consistency rules: died or returned home -> 0; not in touch -> mostly not known.
    gone = np.isin(in_touch, ["DIED", "RHOM"])
    activ[gone] = "0"
    accom[gone] = "0"
    not_in_touch = np.isin(in_touch, ["NO", "REFU"])
    unknown = not_in_touch & (rng.random(n) >= p.ACTIVITY_KNOWN_WHEN_NOT_IN_TOUCH)
    activ[unknown] = "0"
    accom[unknown] = "0"
    return pd.DataFrame(
        {
            "child": rows["child"].to_numpy(),
            "year": rows["year"].to_numpy(),
            "birthday": birthday,
            "age": age,
            "band": rows["band"].to_numpy(),
            "in_touch": in_touch.astype(object),
            "activ": activ,
            "accom": accom,
            "ethnic_group": group,
        }
    )


def _eet_share(table: dict[str, float]) -> float:
    total = sum(table.values())
    return sum(v for k, v in table.items() if k in EET_CODES) / total


def _subset(table: dict[str, float], codes: tuple[str, ...]) -> dict[str, float]:
    return {k: v for k, v in table.items() if k in codes}


def _without(table: dict[str, float], code: str) -> dict[str, float]:
    return {k: v for k, v in table.items() if k != code}
