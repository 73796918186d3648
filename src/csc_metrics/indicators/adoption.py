"""Adoption: how long each stage takes, children waiting for a family, plans that end.

Definitions: ``docs/definitions.md``, "Permanence". ``adoption_records`` gives one row per
adoption with the date of every stage, read from Episodes (entry to the final period of care,
placement order, placement with the adopters, the adoption), AD1 (the decision that the child
should be placed for adoption, the match, whether the adopters were the child's foster carers)
and PlacedAdoption (decisions, and plans that ended). The stage intervals are worked out once,
in days; a reference date only chooses which adoptions fall in its window.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from csc_metrics.geography import round_half_up
from csc_metrics.indicators import groups
from csc_metrics.indicators.events import events_in_windows
from csc_metrics.indicators.metrics import IndicatorSpec, summarise
from csc_metrics.indicators.placements import current_episode_rows
from csc_metrics.indicators.prepare import age_at
from csc_metrics.settings import DEFAULT_SETTINGS, Settings

if TYPE_CHECKING:
    from csc_metrics.indicators.permanence_inputs import PermanenceInputs

#: Each interval of an adoption: (date it starts from, date it ends at), columns of
#: ``adoption_records``. The DfE's six stage averages, and the adoption scorecard's A1, A2, A10.
INTERVALS: dict[str, tuple[str, str]] = {
    "entry_to_decision": ("entered", "decision"),
    "decision_to_match": ("decision", "matched"),
    "match_to_placed": ("matched", "placed"),
    "a1": ("entered", "placed"),
    "placed_to_adopted": ("placed", "adopted"),
    "entry_to_adopted": ("entered", "adopted"),
    "a2": ("placement_order", "matched"),
    "a10": ("entered", "moved_in"),
}
#: Indicator id of each interval's average over the adoptions in the 12 months to R. A1 is
#: also the DfE's fourth stage (entry into care to placed for adoption).
TWELVE_MONTH_IDS: dict[str, str] = {
    "entry_to_decision": "adoption_entry_to_decision_days",
    "decision_to_match": "adoption_decision_to_match_days",
    "match_to_placed": "adoption_match_to_placed_days",
    "a1": "adoption_a1_days",
    "placed_to_adopted": "adoption_placed_to_adopted_days",
    "entry_to_adopted": "adoption_entry_to_adopted_days",
    "a2": "adoption_a2_days",
    "a10": "adoption_a10_days",
}
#: Scorecard-style averages over ``Settings.adoption_rolling_years`` years of adoptions.
ROLLING_IDS: dict[str, str] = {
    "a1": "adoption_a1_3yr_days",
    "a2": "adoption_a2_3yr_days",
    "a10": "adoption_a10_3yr_days",
}
#: The DfE's stages in the order of the adoption process (the timeline chart's order).
STAGES = (
    "entry_to_decision",
    "decision_to_match",
    "match_to_placed",
    "a1",
    "placed_to_adopted",
    "entry_to_adopted",
)
#: Age on starting the final period of care, as the DfE groups it: (label, lowest age).
AGE_AT_ENTRY_GROUPS: tuple[tuple[str, int], ...] = (
    ("Under 1", 0),
    ("1", 1),
    ("2", 2),
    ("3", 3),
    ("4", 4),
    ("5", 5),
    ("6", 6),
    ("7 and over", 7),
)
AGE_AT_ENTRY_LABELS = [label for label, _ in AGE_AT_ENTRY_GROUPS] + [groups.AGE_NOT_KNOWN]
ADOPTION_BREAKDOWNS = ("age_at_entry",)

#: REASON_PLACED_CEASED -> why the adoption plan ended, in report order; blank is "Not recorded".
PLAN_ENDED_GROUPS: dict[str, str] = {
    "RD1": "The child's needs changed (RD1)",
    "RD2": "The court did not make a placement order (RD2)",
    "RD3": "Prospective adopters could not be found (RD3)",
    "RD4": "Any other reason (RD4)",
}
PLAN_ENDED_LABELS = groups.ordered_groups(
    PLAN_ENDED_GROUPS, (groups.NOT_RECORDED, groups.UNRECOGNISED)
)
WAITING_BREAKDOWNS = ("waiting_band", "age_band", "sex", "ethnic_group")

ADOPTION_COLUMNS = [
    "child_id",
    "entered",
    "decision",
    "placement_order",
    "matched",
    "placed",
    "moved_in",
    "adopted",
    "foster_carer",
    "age",
    "age_at_entry",
    "sex",
    "ethnic_group",
    "out_of_order",
    *(f"{name}_days" for name in INTERVALS),
]


def age_at_entry_group(ages: pd.Series) -> pd.Categorical:
    """DfE's group of age on starting the final period of care.

    A missing or negative age (entry before the recorded birth) is "Not known".
    """
    edges = [lowest for _, lowest in AGE_AT_ENTRY_GROUPS] + [200]
    labels = [label for label, _ in AGE_AT_ENTRY_GROUPS]
    bands = pd.cut(ages, bins=edges, right=False, labels=labels)
    bands = bands.astype("str").where(ages.notna() & (ages >= 0), groups.AGE_NOT_KNOWN)
    return pd.Categorical(bands, categories=AGE_AT_ENTRY_LABELS)


def collection_year_of(dates: pd.Series) -> pd.Series:
    """The collection year (ending 31 March) a date falls in."""
    return dates.dt.year + (dates.dt.month >= 4).astype(int)


def prepare_decisions(placed_adoption: pd.DataFrame) -> pd.DataFrame:
    """Decisions that a child should be placed for adoption, with a known decision date.

    Args:
        placed_adoption: The ``clean_ssda903__placed_adoption`` table (one row per decision).

    Returns:
        ``child_id``, ``date_placed``, ``date_placed_ceased``, ``reason_placed_ceased``.
    """
    columns = ["child_id", "date_placed", "date_placed_ceased", "reason_placed_ceased"]
    decisions = placed_adoption.loc[placed_adoption["date_placed"].notna(), columns]
    return decisions.sort_values(["child_id", "date_placed"], kind="stable").reset_index(drop=True)


def _placed_for_adoption(adopted: pd.DataFrame, episodes: pd.DataFrame) -> pd.DataFrame:
    """The episode that placed each child with the family that adopted them.

    Temporary episodes are ignored; the placement is the first of the final unbroken run of
    adoption placements (PLACE A3-A6) of the period of care, so a placement that broke down
    before the child moved to the family that adopted them does not count.

    Returns:
        One row per period of care ending in adoption: ``child``, ``period_start``, and the
        placement's ``decom``, ``is_new_carer``, ``carer_start`` and ``previous_carer_start``.
    """
    key = ["child", "period_start"]
    periods = adopted[key].drop_duplicates()
    settled = episodes[~episodes["is_temporary"]].merge(periods, on=key)
    is_adoptive = settled["place"].isin(groups.ADOPTION_PLACES)
    last_other = settled[~is_adoptive].groupby(key)["decom"].max().rename("last_other")
    candidates = settled[is_adoptive].merge(last_other.reset_index(), on=key, how="left")
    after_last_other = candidates["last_other"].isna() | (
        candidates["decom"] > candidates["last_other"]
    )
    first = (
        candidates[after_last_other]
        .sort_values([*key, "decom"], kind="stable")
        .drop_duplicates(key, keep="first")
    )
    return first[[*key, "decom", "is_new_carer", "carer_start", "previous_carer_start"]]


def _placement_orders(
    adopted: pd.DataFrame, episodes: pd.DataFrame, settings: Settings
) -> pd.Series:
    """Start of each adoption's first episode under a placement order in its period of care."""
    key = ["child", "period_start"]
    in_order = episodes[episodes["ls"].isin(settings.placement_order_ls)]
    first = in_order.groupby(key)["decom"].min().rename("placement_order").reset_index()
    found = adopted[["event", *key, "adopted"]].merge(first, on=key, how="left")
    order = found["placement_order"].where(found["placement_order"] <= found["adopted"])
    return pd.Series(order.to_numpy(), index=found["event"].to_numpy())


def _ad1_for(adopted: pd.DataFrame, ad1: pd.DataFrame) -> pd.DataFrame:
    """Each adoption's AD1 row: from the return of the adoption's year, else the nearest."""
    candidates = adopted[["event", "child_id", "adoption_year"]].merge(
        ad1[["child_id", "collection_year", "date_int", "date_match", "foster_care"]],
        on="child_id",
    )
    candidates["distance"] = (candidates["collection_year"] - candidates["adoption_year"]).abs()
    chosen = candidates.sort_values(
        ["event", "distance", "collection_year"], ascending=[True, True, False], kind="stable"
    ).drop_duplicates("event")
    return chosen.set_index("event")[["date_int", "date_match", "foster_care"]]


def _standing_decision(adopted: pd.DataFrame, decisions: pd.DataFrame) -> pd.Series:
    """The latest decision of the same period of care still standing when the child was adopted."""
    candidates = adopted[["event", "child_id", "entered", "adopted"]].merge(
        decisions, on="child_id"
    )
    standing = candidates["date_placed"].between(candidates["entered"], candidates["adopted"]) & (
        candidates["date_placed_ceased"].isna()
        | (candidates["date_placed_ceased"] > candidates["adopted"])
    )
    return candidates[standing].groupby("event")["date_placed"].max()


def _for_events(adopted: pd.DataFrame, values: pd.Series) -> pd.Series:
    """Values indexed by adoption event, aligned with ``adopted`` (blank where none)."""
    return pd.Series(values.reindex(adopted["event"]).to_numpy(), index=adopted.index)


def adoption_records(
    episodes: pd.DataFrame,
    ad1: pd.DataFrame,
    placed_adoption: pd.DataFrame,
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """One row per adoption, with the date of each stage and each interval in days.

    Dates (NaT where the data do not say):

    - ``entered``: start of the final period of care (the period the adoption ended);
    - ``decision``: AD1's DATE_INT, else the latest PlacedAdoption decision made in that period
      and still standing at the adoption (``Settings.adoption_decision_from_ad1`` swaps them);
    - ``placement_order``: start of the period's first episode under a placement order
      (``Settings.placement_order_ls``);
    - ``matched``: AD1's DATE_MATCH;
    - ``placed``: start of the placement with the adopters (``_placed_for_adoption``);
    - ``moved_in``: for a child adopted by their foster carers (AD1 FOSTER_CARE =
      ``Settings.foster_carer_adoption_code``), the day they moved in with those carers: the
      start of the carer placement the adoptive placement continued (RNE T or U), or of the one
      before it when the adoptive placement was recorded as a new carer; otherwise ``placed``;
    - ``adopted``: end of the episode that ended with adoption.

    Each interval (``INTERVALS``) is the later date minus the earlier in days; with
    ``Settings.adoption_negative_days_as_zero`` a negative interval (a match before the placement
    order, for instance) counts as 0.

    Args:
        episodes: Prepared episodes (``prepare.prepare_episodes``).
        ad1: The ``clean_ssda903__ad1`` table.
        placed_adoption: The ``clean_ssda903__placed_adoption`` table.
        settings: Local rules.

    Returns:
        ``ADOPTION_COLUMNS``, one row per adoption, oldest first.
    """
    adopted_codes = dict(settings.left_care_routes).get("adopted", frozenset())
    rows = episodes[episodes["dec"].notna() & episodes["rec"].isin(adopted_codes)]
    adopted = pd.DataFrame(
        {
            "event": np.arange(len(rows)),
            "child": rows["child"].to_numpy(),
            "child_id": rows["child_id"].to_numpy(),
            "period_start": rows["period_start"].to_numpy(),
            "entered": rows["period_start"].to_numpy(),
            "adopted": rows["dec"].to_numpy(),
            "dob": rows["dob"].to_numpy(),
            "sex": rows["sex"].to_numpy(),
            "ethnic_group": rows["ethnic_group"].to_numpy(),
        }
    )
    adopted["adoption_year"] = collection_year_of(adopted["adopted"])
    key = ["child", "period_start"]
    placed = adopted[["event", *key]].merge(_placed_for_adoption(adopted, episodes), on=key)
    placed = placed.set_index("event")
    adopted["placed"] = pd.to_datetime(_for_events(adopted, placed["decom"]))
    new_carer = placed["is_new_carer"].astype(bool)
    foster_clock = placed["carer_start"].where(~new_carer, placed["previous_carer_start"])
    adopted["placement_order"] = pd.to_datetime(
        _for_events(adopted, _placement_orders(adopted, episodes, settings))
    )

    ad1_rows = _ad1_for(adopted, ad1)
    from_ad1 = _for_events(adopted, ad1_rows["date_int"])
    from_decisions = _for_events(
        adopted, _standing_decision(adopted, prepare_decisions(placed_adoption))
    )
    first, second = (
        (from_ad1, from_decisions)
        if settings.adoption_decision_from_ad1
        else (from_decisions, from_ad1)
    )
    adopted["decision"] = pd.to_datetime(first.fillna(second))
    adopted["matched"] = pd.to_datetime(_for_events(adopted, ad1_rows["date_match"]))
    adopted["foster_carer"] = _for_events(adopted, ad1_rows["foster_care"]).eq(
        settings.foster_carer_adoption_code
    )
    moved_in = pd.to_datetime(_for_events(adopted, foster_clock))
    adopted["moved_in"] = moved_in.where(
        adopted["foster_carer"] & moved_in.notna(), adopted["placed"]
    )
    adopted["moved_in"] = (
        adopted[["moved_in", "placed"]].min(axis=1).where(adopted["placed"].notna())
    )

    adopted["out_of_order"] = False
    for name, (start, end) in INTERVALS.items():
        days = (adopted[end] - adopted[start]).dt.days.astype(float)
        # A match before the placement order is allowed (A2 counts it as 0); any other stage
        # recorded before the one it follows is a data error the report mentions.
        if name != "a2":
            adopted["out_of_order"] |= days.lt(0).to_numpy()
        if settings.adoption_negative_days_as_zero:
            days = days.clip(lower=0)
        adopted[f"{name}_days"] = days
    adopted["age"] = age_at(adopted["dob"], adopted["entered"])
    adopted["age_at_entry"] = age_at_entry_group(adopted["age"])
    adopted["sex"] = pd.Categorical(adopted["sex"].astype("str"), groups.SEX_GROUPS)
    adopted["ethnic_group"] = pd.Categorical(
        adopted["ethnic_group"].astype("str"), groups.ETHNIC_GROUP_LABELS
    )
    return adopted.sort_values("adopted", kind="stable").reset_index(drop=True)[ADOPTION_COLUMNS]


def interval_specs(ids: dict[str, str]) -> tuple[IndicatorSpec, ...]:
    """Average-days indicators: total days over the adoptions whose two dates are known."""
    return tuple(
        IndicatorSpec(
            indicator_id,
            f"{name}_total",
            f"{name}_known",
            f"{name}_unknown",
            breakdowns=ADOPTION_BREAKDOWNS,
        )
        for name, indicator_id in ids.items()
    )


def _interval_flags(frame: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Per adoption and interval: whether it is known, its days (0 if not) and unknown."""
    for name in INTERVALS:
        days = frame[f"{name}_days"]
        # A2 is only for children adopted under a placement order (not with parental consent):
        # without one they are outside its count, not unknown.
        applies = frame["placement_order"].notna() if name == "a2" else True
        frame[f"{name}_known"] = days.notna().to_numpy()
        frame[f"{name}_total"] = days.fillna(0).to_numpy()
        frame[f"{name}_unknown"] = (days.isna() & applies).to_numpy()
    return frame


def average_days(metrics: pd.DataFrame, ids: Sequence[str]) -> pd.DataFrame:
    """Turn the counted rows of average-days indicators into averages in whole days.

    ``summarise`` makes a percentage of any indicator with a denominator; an average of days is
    the total days over the adoptions counted, rounded half up to a whole day.
    """
    rows = metrics["indicator_id"].isin(list(ids))
    numerator = metrics.loc[rows, "numerator"].to_numpy(dtype=float)
    denominator = metrics.loc[rows, "denominator"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        average = np.where(denominator > 0, numerator / denominator, np.nan)
    metrics.loc[rows, "value"] = round_half_up(average, 0)
    return metrics


def adoptions_in_window(
    adoptions: pd.DataFrame,
    period_ends: Sequence[pd.Timestamp],
    settings: Settings = DEFAULT_SETTINGS,
    years: int = 1,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Adoptions in the ``years`` years to each reference date, stacked date by date.

    Args:
        adoptions: ``adoption_records`` rows.
        period_ends: Reference dates.
        settings: Local rules.
        years: Length of the window in years (1 = the 12 months W).

    Returns:
        The rows with the interval flags, and the position of each row's date.
    """
    frame, positions = events_in_windows(adoptions, "adopted", period_ends, years=years)
    return _interval_flags(frame, settings), positions


def waiting_band_labels(settings: Settings = DEFAULT_SETTINGS) -> list[str]:
    """Labels of the waiting bands (``Settings.waiting_band_months``), shortest wait first."""
    edges = settings.waiting_band_months
    labels = [f"Under {edges[0]} months"]
    labels += [f"{low} to {high} months" for low, high in pairwise(edges)]
    return [*labels, f"{edges[-1]} months or more"]


def waiting_children(
    inputs: PermanenceInputs, period_ends: Sequence[pd.Timestamp]
) -> tuple[pd.DataFrame, np.ndarray]:
    """Children waiting at each reference date: a standing decision, not placed for adoption.

    A child waits at R when they are looked after at R, their current placement is not a
    placement for adoption (A3-A6), and a decision that they should be placed for adoption was
    made on or after the start of their current period of care, on or before R, and had not
    been reversed by R (DATE_PLACED_CEASED blank or after R). The wait runs from the
    ``Settings.waiting_decision_kept`` (earliest or latest) such decision.

    Args:
        inputs: Prepared permanence inputs.
        period_ends: Reference dates.

    Returns:
        One row per child and date (``child_id``, ``decided``, ``waiting_days``,
        ``waiting_band``, groups and flags), and the position of each row's date.
    """
    settings = inputs.settings
    # Only children with a decision can be waiting: look at their episodes alone.
    episodes = inputs.episodes
    episodes = episodes[episodes["child_id"].isin(inputs.decisions["child_id"])]
    rows, positions = current_episode_rows(episodes, period_ends)
    current = episodes.iloc[rows].reset_index(drop=True)
    current["period_end"] = pd.DatetimeIndex(period_ends)[positions]
    current["position"] = positions
    current = current[~current["place"].isin(groups.ADOPTION_PLACES)]
    paired = current[
        ["child_id", "period_end", "position", "period_start", "dob", "sex", "ethnic_group"]
    ].merge(inputs.decisions, on="child_id")
    standing = paired["date_placed"].between(paired["period_start"], paired["period_end"]) & (
        paired["date_placed_ceased"].isna() | (paired["date_placed_ceased"] > paired["period_end"])
    )
    paired = paired[standing].sort_values(["position", "child_id", "date_placed"], kind="stable")
    keep = "last" if settings.waiting_decision_kept == "latest" else "first"
    waiting = paired.drop_duplicates(["position", "child_id"], keep=keep).reset_index(drop=True)
    waiting["decided"] = waiting["date_placed"]
    waiting["waiting_days"] = (waiting["period_end"] - waiting["decided"]).dt.days.astype(float)
    waiting["waiting_band"] = _waiting_band(waiting, settings)
    waiting["age_band"] = groups.age_band(age_at(waiting["dob"], waiting["period_end"]))
    waiting["sex"] = pd.Categorical(waiting["sex"].astype("str"), groups.SEX_GROUPS)
    waiting["ethnic_group"] = pd.Categorical(
        waiting["ethnic_group"].astype("str"), groups.ETHNIC_GROUP_LABELS
    )
    waiting["waiting"] = True
    return waiting, waiting["position"].to_numpy(dtype=np.intp)


def _waiting_band(waiting: pd.DataFrame, settings: Settings) -> pd.Categorical:
    """Band of each wait: whole months since the decision, compared with the band edges."""
    labels = waiting_band_labels(settings)
    band = np.zeros(len(waiting), dtype=int)
    for edge in settings.waiting_band_months:
        reached = waiting["decided"] + pd.DateOffset(months=edge) <= waiting["period_end"]
        band += reached.to_numpy(dtype=int)
    return pd.Categorical(np.asarray(labels, dtype=object)[band], categories=labels)


def plans_ended(
    inputs: PermanenceInputs, period_ends: Sequence[pd.Timestamp]
) -> tuple[pd.DataFrame, np.ndarray]:
    """Children whose adoption plan ended (DATE_PLACED_CEASED) in the 12 months to each date.

    A child with two plans ending in the window counts once (``Settings.repeated_event_kept``).

    Returns:
        One row per child and date, with the reason group and the age band when the plan
        ended, and the position of each row's date.
    """
    decisions = inputs.decisions[inputs.decisions["date_placed_ceased"].notna()]
    children = inputs.periods.drop_duplicates("child_id").set_index("child_id")
    frame, positions = events_in_windows(
        decisions, "date_placed_ceased", period_ends, inputs.settings
    )
    frame = frame.reset_index(drop=True)
    dob = frame["child_id"].map(children["dob"])
    frame["age_band"] = groups.age_band(age_at(pd.to_datetime(dob), frame["date_placed_ceased"]))
    frame["reason"] = groups.label_codes(
        frame["reason_placed_ceased"], PLAN_ENDED_GROUPS, PLAN_ENDED_LABELS
    )
    frame["plan_ended"] = True
    return frame, positions


WAITING_SPECS = (
    IndicatorSpec("adoption_waiting_count", "waiting", breakdowns=WAITING_BREAKDOWNS),
    IndicatorSpec(
        "adoption_waiting_days", "waiting_days", "waiting", breakdowns=WAITING_BREAKDOWNS
    ),
)
PLAN_ENDED_SPECS = (
    IndicatorSpec("adoption_plans_ended_count", "plan_ended", breakdowns=("reason", "age_band")),
)


def adoption_indicator_series(
    inputs: PermanenceInputs, period_ends: Sequence[pd.Timestamp]
) -> pd.DataFrame:
    """Adoption timeliness, children waiting and plans ended at each reference date.

    Args:
        inputs: Prepared permanence inputs.
        period_ends: Reference dates.

    Returns:
        Metric-table rows, not yet validated or in catalogue order.
    """
    settings = inputs.settings
    twelve, twelve_positions = adoptions_in_window(inputs.adoptions, period_ends, settings)
    rolling, rolling_positions = adoptions_in_window(
        inputs.adoptions, period_ends, settings, years=settings.adoption_rolling_years
    )
    waiting, waiting_positions = waiting_children(inputs, period_ends)
    ended, ended_positions = plans_ended(inputs, period_ends)
    metrics = pd.concat(
        [
            summarise(twelve, interval_specs(TWELVE_MONTH_IDS), period_ends, twelve_positions),
            summarise(rolling, interval_specs(ROLLING_IDS), period_ends, rolling_positions),
            summarise(waiting, WAITING_SPECS, period_ends, waiting_positions),
            summarise(ended, PLAN_ENDED_SPECS, period_ends, ended_positions),
        ],
        ignore_index=True,
    )
    days_ids = [*TWELVE_MONTH_IDS.values(), *ROLLING_IDS.values(), "adoption_waiting_days"]
    return average_days(metrics, days_ids)


#: What may be missing or wrong in an adoption's records, for the report's data notes.
RECORD_GAPS: dict[str, str] = {
    "no_match": "no match date (AD1 missing or DATE_MATCH blank)",
    "no_decision": "no decision date (neither AD1 DATE_INT nor a standing PlacedAdoption decision)",
    "no_placement": "no placement for adoption (A3-A6) recorded before the adoption",
    "out_of_order": "a stage recorded before the one it follows (counted as 0 days)",
}


def adoption_record_gaps(
    inputs: PermanenceInputs, period_end: pd.Timestamp, years: int = 1
) -> pd.DataFrame:
    """How many of the adoptions in the window lack a date the stage averages need.

    Args:
        inputs: Prepared permanence inputs.
        period_end: The reference date R.
        years: Years of adoptions (1: the 12 months to R).

    Returns:
        One row per kind of gap (``RECORD_GAPS``): ``gap`` (its description), ``children``, and
        ``adopted`` (all children adopted in the window).
    """
    frame, _ = events_in_windows(inputs.adoptions, "adopted", [period_end], years=years)
    flags = {
        "no_match": frame["matched"].isna(),
        "no_decision": frame["decision"].isna(),
        "no_placement": frame["placed"].isna(),
        "out_of_order": frame["out_of_order"].astype(bool),
    }
    return pd.DataFrame(
        {
            "gap": [RECORD_GAPS[name] for name in flags],
            "children": [int(flag.sum()) for flag in flags.values()],
            "adopted": len(frame),
        }
    )
