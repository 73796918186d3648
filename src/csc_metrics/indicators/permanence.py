"""Permanence: how children leave care, and who comes back into care after a permanent home.

Definitions: ``docs/definitions.md``, "Permanence". Everything that does not depend on the
reference date is prepared once by ``prepare_permanence`` (periods of care, every ceasing with its
route out of care, every start with what PrevPerm says came before it, and the adoption records
of ``indicators.adoption``); each reference date is then a few vectorised masks. The time to
permanence estimate is in ``indicators.survival``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from csc_metrics.indicators import adoption, groups
from csc_metrics.indicators.events import events_in_windows
from csc_metrics.indicators.metrics import IndicatorSpec, summarise
from csc_metrics.indicators.placements import as_inputs, uasc_at
from csc_metrics.indicators.prepare import IndicatorInputs, age_at, parse_period_end
from csc_metrics.io import ProcessedData
from csc_metrics.settings import DEFAULT_SETTINGS, Settings

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
#: Route -> indicator id of its share of the children who left care.
ROUTE_IDS: dict[str, str] = {
    "adopted": "left_care_adopted_pct",
    "sgo": "left_care_sgo_pct",
    "cao": "left_care_cao_pct",
    "home": "left_care_home_pct",
    "relatives_no_pr": "left_care_relatives_no_pr_pct",
    OTHER_ROUTE: "left_care_other_pct",
}
#: Breakdowns of the routes out of care and of returns to care (age at the event).
EVENT_BREAKDOWNS = ("age_band", "sex", "ethnic_group", "uasc")

#: PREV_PERM code -> what came before this care, in report order. A blank code or a child with
#: no PrevPerm row is "Not known", like P4.
PREVIOUS_PERMANENCE_GROUPS: dict[str, str] = {
    "P1": "Adoption",
    "P2": "Special guardianship order",
    "P3": "Residence or child arrangements order",
    "Z1": "No previous permanence",
    "P4": "Not known",
}
PREVIOUS_NOT_KNOWN = "Not known"
PREVIOUS_PERMANENCE_LABELS = groups.ordered_groups(PREVIOUS_PERMANENCE_GROUPS)

RETURN_SPECS = (
    IndicatorSpec(
        "started_after_permanence_pct",
        "after_permanence",
        "started",
        "permanence_unknown",
        breakdowns=("previous_permanence", *EVENT_BREAKDOWNS),
    ),
)

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
        Columns ``child``, ``child_id``, ``period_start``, ``ended`` (date or NaT),
        ``followed_until`` (NaT while the period is open), ``rec``, ``route`` (or NaN while
        open), ``dob``, ``sex``, ``ethnic_group``, ``uasc_listed``, ``uasc_ceased``.
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


def left_care_frame(
    source: ProcessedData | PermanenceInputs,
    period_end: str | pd.Timestamp,
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """One row per child who left care in the 12 months to ``period_end``, with their route.

    Args:
        source: Processed data or prepared permanence inputs.
        period_end: The reference date R.
        settings: Local rules (when ``source`` is processed data).

    Returns:
        ``CEASING_COLUMNS`` plus a boolean column per route (``route_adopted``...).
    """
    inputs = as_permanence(source, settings)
    frame, _ = _left_care_rows(inputs, [parse_period_end(period_end)])
    return frame


def _left_care_rows(
    inputs: PermanenceInputs, dates: Sequence[pd.Timestamp]
) -> tuple[pd.DataFrame, np.ndarray]:
    frame, positions = events_in_windows(inputs.ceasings, "ceased", dates, inputs.settings)
    frame = frame.reset_index(drop=True).assign(left_care=True)
    for route in ROUTE_LABELS:
        frame[f"route_{route}"] = frame["route"].eq(route).to_numpy()
    return frame, positions


def _returning_rows(
    inputs: PermanenceInputs, dates: Sequence[pd.Timestamp]
) -> tuple[pd.DataFrame, np.ndarray]:
    settings = inputs.settings
    frame, positions = events_in_windows(inputs.starts, "started", dates, settings)
    frame = frame.reset_index(drop=True)
    code = frame["prev_perm"]
    frame["after_permanence"] = code.isin(settings.previous_permanence_codes).to_numpy()
    unknown = code.isna() | code.isin(settings.previous_permanence_unknown)
    frame["permanence_unknown"] = unknown.to_numpy()
    frame["started"] = True
    previous = code.map(PREVIOUS_PERMANENCE_GROUPS).fillna(PREVIOUS_NOT_KNOWN)
    frame["previous_permanence"] = pd.Categorical(
        previous.where(~unknown, PREVIOUS_NOT_KNOWN), PREVIOUS_PERMANENCE_LABELS
    )
    return frame, positions


def returning_frame(
    source: ProcessedData | PermanenceInputs,
    period_end: str | pd.Timestamp,
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """One row per child who started to be looked after in the 12 months to ``period_end``.

    Args:
        source: Processed data or prepared permanence inputs.
        period_end: The reference date R.
        settings: Local rules (when ``source`` is processed data).

    Returns:
        The start, the PrevPerm code and group, and the flags ``after_permanence`` (an earlier
        adoption, SGO or residence / child arrangements order) and ``permanence_unknown``.
    """
    inputs = as_permanence(source, settings)
    frame, _ = _returning_rows(inputs, [parse_period_end(period_end)])
    return frame


def route_specs() -> tuple[IndicatorSpec, ...]:
    """The share of children who left care by each route."""
    return tuple(
        IndicatorSpec(ROUTE_IDS[route], f"route_{route}", "left_care", breakdowns=EVENT_BREAKDOWNS)
        for route in ROUTE_LABELS
    )


def permanence_indicator_series(
    source: ProcessedData | PermanenceInputs,
    period_ends: Sequence[str | pd.Timestamp],
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """Every permanence indicator at several reference dates, counted all at once.

    Args:
        source: Processed data or prepared permanence inputs.
        period_ends: The reference dates, in the order wanted.
        settings: Local rules (when ``source`` is processed data).

    Returns:
        Metric-table rows, not yet validated or in catalogue order.
    """
    # Imported here: the survival estimate needs lifelines, which only this needs.
    from csc_metrics.indicators.survival import permanence_survival_series

    inputs = as_permanence(source, settings)
    dates = [parse_period_end(d) for d in period_ends]
    left, left_positions = _left_care_rows(inputs, dates)
    returning, return_positions = _returning_rows(inputs, dates)
    return pd.concat(
        [
            summarise(left, route_specs(), dates, left_positions),
            adoption.adoption_indicator_series(inputs, dates),
            summarise(returning, RETURN_SPECS, dates, return_positions),
            permanence_survival_series(inputs, dates),
        ],
        ignore_index=True,
    )
