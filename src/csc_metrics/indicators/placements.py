"""Children looked after, placement stability and placement location.

Definitions: docs/definitions.md, "Children looked after" and "Placement stability and location".

``cla_at`` gives one row per child looked after at a reference date with everything the
indicators need (and that notebooks can tabulate); ``placement_indicators`` counts them into
the long metric table.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from csc_metrics.catalogue import unit_format
from csc_metrics.dates import parse_period_end
from csc_metrics.geography import round_half_up
from csc_metrics.indicators import groups
from csc_metrics.indicators.metrics import IndicatorSpec, overall_rows, summarise
from csc_metrics.indicators.prepare import (
    IndicatorInputs,
    age_at,
    population_for,
    prepare_inputs,
    window_start,
)
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.storage import ProcessedData

#: Breakdowns of every child-level placement indicator (definitions.md, "Children looked after",
#: lists them for cla_count; the location and stability indicators get the same so reports can
#: show where gaps concentrate).
CHILD_BREAKDOWNS = (
    "age_band",
    "sex",
    "ethnic_group",
    "uasc",
    "placement_group",
    "provider_group",
)
#: The two placement-mix indicators are themselves a slice of the placement groups, so breaking
#: them down by placement or provider group would say nothing.
MIX_BREAKDOWNS = ("age_band", "sex", "ethnic_group", "uasc")

PLACEMENT_SPECS = (
    IndicatorSpec("cla_count", "looked_after", breakdowns=CHILD_BREAKDOWNS),
    IndicatorSpec(
        "placements_3plus_pct",
        "three_plus_placements",
        "looked_after",
        breakdowns=CHILD_BREAKDOWNS,
    ),
    IndicatorSpec(
        "long_term_stability_pct",
        "long_term_stable",
        "long_term_denominator",
        "long_term_unknown",
        breakdowns=CHILD_BREAKDOWNS,
    ),
    IndicatorSpec(
        "placed_over_20_miles_pct",
        "over_20_miles",
        "distance_known",
        "distance_unknown",
        breakdowns=CHILD_BREAKDOWNS,
    ),
    IndicatorSpec(
        "placed_outside_la_pct",
        "placed_outside_la",
        "placement_la_known",
        "placement_la_unknown",
        breakdowns=CHILD_BREAKDOWNS,
    ),
    IndicatorSpec(
        "external_residential_pct",
        "external_residential",
        "looked_after",
        breakdowns=MIX_BREAKDOWNS,
    ),
    IndicatorSpec("ifa_fostering_pct", "ifa_fostering", "looked_after", breakdowns=MIX_BREAKDOWNS),
)

CLA_COLUMNS = [
    "child_id",
    "age",
    "age_band",
    "sex",
    "ethnic_group",
    "uasc",
    "place",
    "place_provider",
    "placement_group",
    "provider_group",
    "period_start",
    "carer_start",
    "placements_in_window",
    "distance_miles",
    "placement_la",
    "looked_after",
    "three_plus_placements",
    "long_term_denominator",
    "long_term_unknown",
    "long_term_stable",
    "distance_known",
    "distance_unknown",
    "over_20_miles",
    "placement_la_known",
    "placement_la_unknown",
    "placed_outside_la",
    "external_residential",
    "ifa_fostering",
]


def as_inputs(
    source: ProcessedData | IndicatorInputs, settings: Settings = DEFAULT_SETTINGS
) -> IndicatorInputs:
    """Prepare processed data for the indicators, or pass prepared inputs through unchanged.

    Args:
        source: Processed data, or inputs already prepared by ``prepare_inputs`` (whose own
            settings are then used).
        settings: Local rules, used when ``source`` is processed data.

    Returns:
        The prepared inputs.
    """
    if isinstance(source, IndicatorInputs):
        return source
    return prepare_inputs(source, settings)


def uasc_at(listed: pd.Series, ceased: pd.Series, period_end: pd.Timestamp) -> pd.Series:
    """Whether each child is UASC at ``period_end``: in the UASC table, status not yet ceased.

    Args:
        listed: Whether each child is in the UASC table.
        ceased: The date their UASC status ceased (DUC), blank while it lasts.
        period_end: The reference date.

    Returns:
        Booleans aligned with ``listed``.
    """
    return listed & (ceased.isna() | (ceased > period_end))


def _placements_in_window(episodes: pd.DataFrame, period_end: pd.Timestamp) -> np.ndarray:
    """Placements each child had in the 12 months to ``period_end``, indexed by child code."""
    in_window = (episodes["decom"] <= period_end) & (
        episodes["dec"].isna() | (episodes["dec"] >= window_start(period_end))
    )
    window = episodes.loc[in_window, ["child", "is_new_placement"]]
    later = window["is_new_placement"] & window["child"].duplicated()
    n_children = int(episodes["child"].max()) + 1 if len(episodes) else 0
    return 1 + np.bincount(window.loc[later, "child"], minlength=n_children)


def current_episode_rows(
    episodes: pd.DataFrame, period_ends: Sequence[pd.Timestamp]
) -> tuple[np.ndarray, np.ndarray]:
    """Each child's current episode at each reference date.

    A child is looked after at R when an episode is open at R (``DECOM <= R`` and ``DEC`` blank
    or after R); the current one is the open episode that started last. Episodes are sorted by
    child and start, so it is the last open row of the child's block.

    Args:
        episodes: Prepared episodes (``prepare.prepare_episodes``).
        period_ends: The reference dates.

    Returns:
        Episode row positions, date by date, and the position in ``period_ends`` of each row's
        date.
    """
    decom = episodes["decom"].to_numpy()
    dec = episodes["dec"].to_numpy()
    child = episodes["child"].to_numpy()
    rows, positions = [np.empty(0, dtype=np.intp)], [np.empty(0, dtype=np.intp)]
    for position, period_end in enumerate(period_ends):
        end = np.datetime64(period_end)
        open_rows = np.flatnonzero((decom <= end) & (np.isnat(dec) | (dec > end)))
        open_child = child[open_rows]
        last_of_child = np.ones(len(open_rows), dtype=bool)
        last_of_child[:-1] = open_child[1:] != open_child[:-1]
        current = open_rows[last_of_child]
        rows.append(current)
        positions.append(np.full(len(current), position, dtype=np.intp))
    return np.concatenate(rows), np.concatenate(positions)


def _current_episodes(
    episodes: pd.DataFrame, period_ends: list[pd.Timestamp]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``current_episode_rows``, and each row's child's placements in the 12 months to R."""
    rows, positions = current_episode_rows(episodes, period_ends)
    child = episodes["child"].to_numpy()
    placements = np.empty(len(rows), dtype=np.int64)
    for position, period_end in enumerate(period_ends):
        at_date = positions == position
        placements[at_date] = _placements_in_window(episodes, period_end)[child[rows[at_date]]]
    return rows, positions, placements


#: The columns of a child's current episode that ``_cla_frame`` reads.
CURRENT_EPISODE_COLUMNS = [
    "child_id",
    "dob",
    "sex",
    "ethnic_group",
    "uasc_listed",
    "uasc_ceased",
    "place",
    "place_provider",
    "placement_group",
    "provider_group",
    "period_start",
    "period_start_known",
    "carer_start",
    "carer_start_known",
    "previous_carer_start",
    "distance_miles",
    "placement_la",
]


def _cla_frame(
    inputs: IndicatorInputs, period_ends: list[pd.Timestamp], la_code: str
) -> tuple[pd.DataFrame, np.ndarray]:
    """``cla_at`` rows for several reference dates at once, date by date.

    Returns:
        The rows (``CLA_COLUMNS``) and, for each, the position of its date in ``period_ends``.
    """
    settings = inputs.settings
    rows, positions, placements = _current_episodes(inputs.episodes, period_ends)
    # Only the columns used below are taken: a national series takes about 2 million rows.
    current = inputs.episodes[CURRENT_EPISODE_COLUMNS].iloc[rows].reset_index(drop=True)
    dates = pd.DatetimeIndex(period_ends)
    period_end = pd.Series(dates[positions])
    frame = pd.DataFrame({"child_id": current["child_id"]})
    frame["age"] = age_at(current["dob"], period_end)
    frame["age_band"] = groups.age_band(frame["age"])
    frame["sex"] = current["sex"]
    frame["ethnic_group"] = current["ethnic_group"]
    frame["uasc"] = pd.Categorical(
        np.where(
            uasc_at(current["uasc_listed"], current["uasc_ceased"], period_end), "UASC", "Not UASC"
        ),
        groups.UASC_GROUPS,
    )
    for column in (
        "place",
        "place_provider",
        "placement_group",
        "provider_group",
        "period_start",
        "carer_start",
        "distance_miles",
        "placement_la",
    ):
        frame[column] = current[column]
    frame["placements_in_window"] = placements

    frame["looked_after"] = True
    frame["three_plus_placements"] = frame["placements_in_window"] >= 3
    care_cutoff = pd.DatetimeIndex(
        [d - pd.DateOffset(months=settings.long_term_care_months) for d in dates]
    )[positions]
    carer_cutoff = pd.DatetimeIndex(
        [d - pd.DateOffset(years=settings.same_carer_years) for d in dates]
    )[positions]
    # A carer placement or period of care that began before the data supplied is known to have
    # lasted long enough when its recorded start is already before the cut-off; otherwise whether
    # the child counts is not known (definitions.md, "Long-term placement stability").
    start_unknown = (~current["period_start_known"] & (frame["period_start"] > care_cutoff)) | (
        ~current["carer_start_known"] & (frame["carer_start"] > carer_cutoff)
    )
    under_16 = frame["age"] < 16
    frame["long_term_unknown"] = under_16 & start_unknown.to_numpy()
    frame["long_term_denominator"] = (
        under_16 & (frame["period_start"] <= care_cutoff) & ~frame["long_term_unknown"]
    )
    # Adoption clause: the adoptive placement together with the one before it.
    with_previous = current["previous_carer_start"].fillna(current["carer_start"])
    adoption_long_enough = current["place"].isin(groups.ADOPTION_PLACES) & (
        with_previous <= carer_cutoff
    )
    frame["long_term_stable"] = frame["long_term_denominator"] & (
        (frame["carer_start"] <= carer_cutoff) | adoption_long_enough
    )
    frame["distance_known"] = frame["distance_miles"].notna()
    frame["distance_unknown"] = ~frame["distance_known"]
    frame["over_20_miles"] = frame["distance_miles"] > settings.distance_threshold_miles
    frame["placement_la_known"] = frame["placement_la"].notna()
    frame["placement_la_unknown"] = ~frame["placement_la_known"]
    frame["placed_outside_la"] = frame["placement_la_known"] & frame["placement_la"].ne(la_code)
    frame["external_residential"] = frame["placement_group"].eq(
        groups.EXTERNAL_RESIDENTIAL_GROUP
    ) & frame["provider_group"].isin(groups.EXTERNAL_RESIDENTIAL_PROVIDERS)
    frame["ifa_fostering"] = frame["placement_group"].eq(groups.FOSTER_EXTERNAL)
    return frame[CLA_COLUMNS], positions


def cla_at(
    source: ProcessedData | IndicatorInputs,
    period_end: str | pd.Timestamp,
    la_code: str,
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """One row per child looked after at ``period_end``, with groups, flags and distances.

    A child is looked after at R when a non-short-break episode is open at R (``DECOM <= R`` and
    ``DEC`` blank or after R); their current placement is the open episode that started last.

    Args:
        source: Processed data or prepared inputs.
        period_end: The reference date R.
        la_code: The responsible council (for "placed outside the council's area").
        settings: Local rules (when ``source`` is processed data).

    Returns:
        A frame with the columns in ``CLA_COLUMNS``: ``child_id`` is the pseudonym; ``age`` in
        completed years at R; group columns are categoricals; the boolean columns are the
        numerator, denominator and unknown flags of each placement indicator.
    """
    inputs = as_inputs(source, settings)
    frame, _positions = _cla_frame(inputs, [parse_period_end(period_end)], la_code)
    return frame


def placement_indicators(
    source: ProcessedData | IndicatorInputs,
    period_end: str | pd.Timestamp,
    la_code: str,
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """Every placement indicator at ``period_end``, with breakdowns, as metric-table rows.

    ``cla_rate_per_10k`` is included only when a population figure applies (see
    ``prepare.population_for``).

    Args:
        source: Processed data or prepared inputs.
        period_end: The reference date R.
        la_code: The responsible council.
        settings: Local rules (when ``source`` is processed data).

    Returns:
        Metric-table rows, not yet validated or in catalogue order (``compute_indicators`` does
        both).
    """
    return placement_indicator_series(source, [period_end], la_code, settings)


def placement_indicator_series(
    source: ProcessedData | IndicatorInputs,
    period_ends: Sequence[str | pd.Timestamp],
    la_code: str,
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """``placement_indicators`` at several reference dates, counted all at once.

    Args:
        source: Processed data or prepared inputs.
        period_ends: The reference dates, in the order wanted.
        la_code: The responsible council.
        settings: Local rules (when ``source`` is processed data).

    Returns:
        Metric-table rows, not yet validated or in catalogue order.
    """
    inputs = as_inputs(source, settings)
    dates = [parse_period_end(d) for d in period_ends]
    frame, positions = _cla_frame(inputs, dates, la_code)
    summary = summarise(frame, PLACEMENT_SPECS, dates, positions)
    looked_after = np.bincount(positions, minlength=len(dates))

    episodes = inputs.episodes
    extra = []
    for position, period_end in enumerate(dates):
        start = window_start(period_end)
        started = episodes["rne"].eq("S") & episodes["decom"].between(start, period_end)
        ceased = episodes["dec"].between(start, period_end) & episodes["rec"].ne("X1")
        # Starts and ceases count children, not episodes.
        started_children = episodes.loc[started, "child"].nunique()
        ceased_children = episodes.loc[ceased, "child"].nunique()
        extra += [
            ("cla_started_count", period_end, started_children, np.nan, started_children),
            ("cla_ceased_count", period_end, ceased_children, np.nan, ceased_children),
        ]
        population = population_for(inputs.population, la_code, period_end)
        if population is not None:
            children, _year = population
            count = looked_after[position]
            rate = float(round_half_up(count / children * 10_000, unit_format("rate").decimals))
            extra.append(("cla_rate_per_10k", period_end, count, children, rate))
    return pd.concat([summary, overall_rows(extra)], ignore_index=True)
