"""Permanence: how children leave care, and who comes back into care after a permanent home.

Definitions: ``docs/definitions.md``, "Permanence". The date-independent structures are built
once by ``permanence_inputs.prepare_permanence``; each reference date is then a few vectorised
masks. Adoption timeliness, children waiting and plans that end are in ``indicators.adoption``;
the time to permanence estimate in ``indicators.survival``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from csc_metrics.dates import parse_period_end
from csc_metrics.indicators import adoption, groups
from csc_metrics.indicators.events import events_in_windows
from csc_metrics.indicators.metrics import IndicatorSpec, summarise
from csc_metrics.indicators.permanence_inputs import (
    OTHER_ROUTE,
    ROUTE_LABELS,
    PermanenceInputs,
    as_permanence,
    prepare_permanence,
)
from csc_metrics.indicators.survival import permanence_survival_series
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.storage import ProcessedData

__all__ = ["PermanenceInputs", "as_permanence", "prepare_permanence"]

#: Route -> indicator id of its share of the children who left care.
ROUTE_IDS: dict[str, str] = {
    "adopted": "left_care_adopted_pct",
    "sgo": "left_care_sgo_pct",
    "cao": "left_care_cao_pct",
    "home": "left_care_home_pct",
    "relatives_no_pr": "left_care_relatives_no_pr_pct",
    OTHER_ROUTE: "left_care_other_pct",
}
#: Years of events each permanence indicator counts up to its reference date: 1 for the 12
#: months, 3 for the scorecard-style averages. Until the data cover a whole window, the figure
#: rests on part of it.
EVENT_WINDOW_YEARS: dict[str, int] = {
    **dict.fromkeys(ROUTE_IDS.values(), 1),
    **dict.fromkeys(adoption.TWELVE_MONTH_IDS.values(), 1),
    **dict.fromkeys(adoption.ROLLING_IDS.values(), 3),
    "adoption_plans_ended_count": 1,
    "started_after_permanence_pct": 1,
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
