"""The date-independent structures every permanence indicator reads, built once.

``prepare_permanence`` turns the prepared episodes and the AD1, PlacedAdoption and PrevPerm
tables into periods of care, every ceasing with its route out of care, every start with what
PrevPerm says came before it, the adoption records and the decisions
(``indicators.adoption``). The indicators (``indicators.permanence``, ``indicators.adoption``,
``indicators.survival``) then only choose the rows of a reference date.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from csc_metrics.indicators import adoption, groups
from csc_metrics.indicators.placements import as_inputs, uasc_at
from csc_metrics.indicators.prepare import IndicatorInputs, age_at
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.storage import ProcessedData

#: Route out of care -> label, in report order; ``other`` is every reason not in
#: ``Settings.left_care_routes``, or none recorded.
OTHER_ROUTE = "other"
ROUTE_LABELS: dict[str, str] = {
    "adopted": "Adopted",
    "sgo": "Special guardianship order",
    "cao": "Residence or child arrangements order",
    "home": "Returned home to parents or others with parental responsibility",
    "relatives_no_pr": "To parents, relatives or others without parental responsibility",
    OTHER_ROUTE: "Other reasons",
}
CEASING_COLUMNS = [
    "child_id",
    "ceased",
    "rec",
    "route",
    "period_start",
    "age",
    "age_band",
    "sex",
    "ethnic_group",
    "uasc",
]


@dataclass
class PermanenceInputs:
    """Date-independent permanence structures, built once by ``prepare_permanence``.

    Attributes:
        periods: One row per period of care (``periods_of_care``).
        ceasings: One row per episode with which a child left care (``REC`` not X1), with its
            route and the child's groups at that date.
        starts: One row per episode that started a period of care (RNE S), with the PrevPerm
            code that applies to it.
        adoptions: One row per adoption (``adoption.adoption_records``).
        decisions: Decisions that a child should be placed for adoption
            (``adoption.prepare_decisions``).
        episodes: The prepared episodes (``prepare.prepare_episodes``).
        coverage: ``(start, end)`` of the data.
        settings: The settings used.
    """

    periods: pd.DataFrame
    ceasings: pd.DataFrame
    starts: pd.DataFrame
    adoptions: pd.DataFrame
    decisions: pd.DataFrame
    episodes: pd.DataFrame
    coverage: tuple[pd.Timestamp, pd.Timestamp]
    settings: Settings


def route_of(rec: pd.Series, settings: Settings) -> pd.Series:
    """The route out of care of each REC code (``Settings.left_care_routes``; else ``other``).

    Args:
        rec: REC codes (blank allowed).
        settings: Local rules.

    Returns:
        Route names aligned with ``rec``.
    """
    by_code = {code: route for route, codes in settings.left_care_routes for code in codes}
    return rec.map(by_code).fillna(OTHER_ROUTE).astype("str")


def prepare_permanence(
    data: ProcessedData, source: ProcessedData | IndicatorInputs | None = None
) -> PermanenceInputs:
    """Build the date-independent permanence structures.

    Args:
        data: The processed data (for AD1, PlacedAdoption and PrevPerm).
        source: ``prepare_inputs(data, settings)`` when the caller has it (its settings are then
            used); processed data or None prepares them with the default settings.

    Returns:
        The prepared permanence inputs.
    """
    inputs = as_inputs(data if source is None else source)
    settings = inputs.settings
    episodes = inputs.episodes
    return PermanenceInputs(
        periods=periods_of_care(episodes, settings),
        ceasings=_ceasings(episodes, settings),
        starts=_starts(episodes, data.prev_perm),
        adoptions=adoption.adoption_records(episodes, data.ad1, data.placed_adoption, settings),
        decisions=adoption.prepare_decisions(data.placed_adoption),
        episodes=episodes,
        coverage=inputs.coverage,
        settings=settings,
    )


def as_permanence(
    source: ProcessedData | PermanenceInputs, settings: Settings = DEFAULT_SETTINGS
) -> PermanenceInputs:
    """Prepare processed data for the permanence indicators, or pass prepared inputs through."""
    if isinstance(source, PermanenceInputs):
        return source
    return prepare_permanence(source, as_inputs(source, settings))


def periods_of_care(episodes: pd.DataFrame, settings: Settings = DEFAULT_SETTINGS) -> pd.DataFrame:
    """One row per period of care, with how and when it ended.

    A period of care is a run of a child's episodes each starting the day the one before ceased
    (``prepare_episodes`` marks where one begins). It ended when its last episode has an end
    date and a reason other than X1; an X1 ending with nothing after it is a gap in the records,
    so the period is followed until that date (``followed_until``) and not taken as ended.

    Args:
        episodes: Prepared episodes (``prepare.prepare_episodes``), sorted by child and start.
        settings: Local rules (the routes out of care).

    Returns:
        In child and start order: ``child``, ``child_id``, ``period_start``, ``ended`` (date
        or NaT), ``followed_until`` (NaT while the period is open), ``rec``, ``route`` (or NaN
        while open), ``dob``, ``sex``, ``ethnic_group``, ``uasc_listed``, ``uasc_ceased``.
    """
    last = episodes.drop_duplicates(["child", "period_start"], keep="last")
    left = last["dec"].notna() & last["rec"].ne("X1")
    periods = pd.DataFrame(
        {
            "child": last["child"].to_numpy(),
            "child_id": last["child_id"].to_numpy(),
            "period_start": last["period_start"].to_numpy(),
            "ended": last["dec"].where(left).to_numpy(),
            "followed_until": last["dec"].to_numpy(),
            "rec": last["rec"].where(left).to_numpy(),
            "dob": last["dob"].to_numpy(),
            "sex": last["sex"].to_numpy(),
            "ethnic_group": last["ethnic_group"].to_numpy(),
            "uasc_listed": last["uasc_listed"].to_numpy(),
            "uasc_ceased": last["uasc_ceased"].to_numpy(),
        }
    )
    periods["route"] = route_of(periods["rec"], settings).where(periods["ended"].notna())
    return periods.reset_index(drop=True)


def _groups_at(rows: pd.DataFrame, when: pd.Series) -> pd.DataFrame:
    """Age, age band and UASC status of each row's child on a date, with sex and ethnicity."""
    age = age_at(rows["dob"], when)
    return pd.DataFrame(
        {
            "age": age.to_numpy(),
            "age_band": groups.age_band(age.reset_index(drop=True)),
            "sex": pd.Categorical(rows["sex"].astype("str"), groups.SEX_GROUPS),
            "ethnic_group": pd.Categorical(
                rows["ethnic_group"].astype("str"), groups.ETHNIC_GROUP_LABELS
            ),
            "uasc": pd.Categorical(
                np.where(
                    uasc_at(
                        rows["uasc_listed"].reset_index(drop=True),
                        rows["uasc_ceased"].reset_index(drop=True),
                        when.reset_index(drop=True),
                    ),
                    "UASC",
                    "Not UASC",
                ),
                groups.UASC_GROUPS,
            ),
        }
    )


def _ceasings(episodes: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Every episode with which a child left care (an end date and REC not X1), with its route.

    A blank REC on an ended episode is a ceasing, as in ``cla_ceased_count``; its route is
    ``other``.
    """
    rows = episodes[episodes["dec"].notna() & episodes["rec"].ne("X1")].reset_index(drop=True)
    ceased = rows["dec"].reset_index(drop=True)
    frame = pd.DataFrame(
        {
            "child_id": rows["child_id"],
            "ceased": ceased,
            "rec": rows["rec"],
            "route": pd.Categorical(route_of(rows["rec"], settings), list(ROUTE_LABELS)),
            "period_start": rows["period_start"],
        }
    )
    return pd.concat([frame, _groups_at(rows, ceased)], axis=1)[CEASING_COLUMNS]


def _starts(episodes: pd.DataFrame, prev_perm: pd.DataFrame) -> pd.DataFrame:
    """Every start of a period of care (RNE S) with the PrevPerm code that applies to it.

    PrevPerm is returned for the child in the return of the year they started; where that
    return has no row for them, the child's row in their latest return is used.
    """
    rows = episodes[episodes["rne"].eq("S")].reset_index(drop=True)
    started = rows["decom"]
    frame = pd.DataFrame(
        {
            "child_id": rows["child_id"],
            "started": started,
            "start_year": started.dt.year + (started.dt.month >= 4).astype(int),
        }
    )
    perm = prev_perm[["child_id", "collection_year", "prev_perm"]].dropna(subset=["prev_perm"])
    same_year = frame.merge(
        perm.rename(columns={"collection_year": "start_year"}),
        on=["child_id", "start_year"],
        how="left",
    )["prev_perm"]
    latest = (
        perm.sort_values(["child_id", "collection_year"])
        .drop_duplicates("child_id", keep="last")
        .set_index("child_id")["prev_perm"]
    )
    fallback = frame["child_id"].map(latest).to_numpy(dtype=object)
    code = same_year.to_numpy(dtype=object)
    frame["prev_perm"] = pd.Series(np.where(pd.isna(code), fallback, code), dtype="str")
    return pd.concat([frame, _groups_at(rows, started)], axis=1)
