"""Events in the window to each reference date: the counting rule every event indicator shares.

Starts, ceasings, adoptions and ended plans are events with a date. An event indicator at a
reference date R counts the events in the 12 months to R (or several years for rolling
averages), and, where it counts children, a child with several events once.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from csc_metrics.indicators.prepare import window_start
from csc_metrics.settings import Settings


def keep_one_per_child(rows: pd.DataFrame, date_column: str, settings: Settings) -> pd.DataFrame:
    """A child with several events counts once: their last (or first) by date.

    Args:
        rows: Events with ``child_id`` and a date column.
        date_column: The event's date.
        settings: ``repeated_event_kept`` (``last`` or ``first``).

    Returns:
        One row per child.
    """
    keep = "first" if settings.repeated_event_kept == "first" else "last"
    ordered = rows.sort_values(["child_id", date_column], kind="stable")
    return ordered.drop_duplicates("child_id", keep=keep)


def events_in_windows(
    rows: pd.DataFrame,
    date_column: str,
    period_ends: Sequence[pd.Timestamp],
    one_per_child: Settings | None = None,
    years: int = 1,
) -> tuple[pd.DataFrame, np.ndarray]:
    """The events in the window to each reference date, stacked date by date.

    Args:
        rows: Events.
        date_column: The event's date.
        period_ends: Reference dates.
        one_per_child: With settings, keep one event per child and date
            (``keep_one_per_child``); None keeps every event.
        years: Length of the window: the 12 months W to R for 1, else from R minus ``years``
            years plus a day.

    Returns:
        The events (index reset) and the position in ``period_ends`` of each row's date.
    """
    if one_per_child is not None:
        # Sorted once: each date's rows keep this order, so the child's last (or first) event
        # is found without sorting again.
        rows = rows.sort_values(["child_id", date_column], kind="stable")
        keep = "first" if one_per_child.repeated_event_kept == "first" else "last"
    dates = rows[date_column].to_numpy()
    parts, positions = [rows.iloc[:0]], [np.empty(0, dtype=np.intp)]
    for position, period_end in enumerate(period_ends):
        start = window_start(period_end) - pd.DateOffset(years=years - 1)
        inside = rows[(dates >= np.datetime64(start)) & (dates <= np.datetime64(period_end))]
        if one_per_child is not None:
            inside = inside[~inside["child_id"].duplicated(keep=keep)]
        parts.append(inside)
        positions.append(np.full(len(inside), position, dtype=np.intp))
    return pd.concat(parts, ignore_index=True), np.concatenate(positions)
