"""Turning per-child flags into rows of the long metric table (``schemas.MetricTable``).

An area (placements, care leavers) builds one frame per reference date with one row per child
(or care leaver), boolean columns saying who is in each indicator's numerator, denominator and
unknowns, and categorical breakdown columns. ``summarise`` then counts every indicator for the
total and for each group of each breakdown with one ``groupby`` per breakdown, for all
indicators at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from csc_metrics.geography import round_half_up
from csc_metrics.schemas import METRIC_COLUMNS, MetricTable

TOTAL_BREAKDOWN = "total"
TOTAL_GROUP = "all"


@dataclass(frozen=True)
class IndicatorSpec:
    """How to count one indicator from a frame of per-child flags.

    Attributes:
        id: Indicator id (catalogue).
        numerator: Boolean column of the numerator (for a count: of the counted units).
        denominator: Boolean column of the denominator; None for a count.
        unknown: Boolean column of units excluded as unknown; None when not applicable.
        breakdowns: Categorical columns to break the indicator down by.
    """

    id: str
    numerator: str
    denominator: str | None = None
    unknown: str | None = None
    breakdowns: tuple[str, ...] = ()


def percentage(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Percentage to one decimal place (half up); missing where the denominator is 0."""
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(denominator > 0, 100.0 * numerator / denominator, np.nan)
    return round_half_up(share, 1)


def _rows(
    spec: IndicatorSpec,
    breakdown: str,
    group: Sequence[str],
    sums: pd.DataFrame,
) -> dict[str, np.ndarray]:
    numerator = sums[spec.numerator].to_numpy(float)
    size = len(numerator)
    if spec.denominator is None:
        denominator = np.full(size, np.nan)
        value = numerator
    else:
        denominator = sums[spec.denominator].to_numpy(float)
        value = percentage(numerator, denominator)
    unknown = sums[spec.unknown].to_numpy(float) if spec.unknown else np.full(size, np.nan)
    return {
        "indicator_id": np.full(size, spec.id, dtype=object),
        "breakdown": np.full(size, breakdown, dtype=object),
        "group": np.asarray(group, dtype=object),
        "numerator": numerator,
        "denominator": denominator,
        "value": value,
        "unknown": unknown,
    }


def summarise(
    frame: pd.DataFrame, specs: Sequence[IndicatorSpec], period_end: pd.Timestamp
) -> pd.DataFrame:
    """Count every indicator in ``specs`` for the total and each breakdown group.

    Groups are the categories of each breakdown column, all of them, in category order, so a
    group with no children still appears (with a blank percentage) and series line up.

    Args:
        frame: One row per child, with the boolean and categorical columns the specs name.
        specs: The indicators.
        period_end: The reference date, written on every row.

    Returns:
        Rows in ``MetricTable`` column order (not yet validated).
    """
    flags = sorted(
        {c for s in specs for c in (s.numerator, s.denominator, s.unknown) if c is not None}
    )
    counts = frame[flags].astype(int)
    totals = counts.sum().to_frame().T
    by_breakdown = {
        name: counts.groupby(frame[name], observed=False).sum()
        for name in dict.fromkeys(b for s in specs for b in s.breakdowns)
    }
    groups = {name: sums.index.astype("str").tolist() for name, sums in by_breakdown.items()}
    # Arrays are gathered per indicator and breakdown and stacked once at the end: building a
    # small frame for each would cost more than all the counting.
    parts = []
    for spec in specs:
        parts.append(_rows(spec, TOTAL_BREAKDOWN, [TOTAL_GROUP], totals))
        parts.extend(
            _rows(spec, name, groups[name], by_breakdown[name]) for name in spec.breakdowns
        )
    columns = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
    stacked = pd.DataFrame(columns)
    stacked["period_end"] = period_end
    return stacked[METRIC_COLUMNS]


def single_row(
    indicator_id: str,
    period_end: pd.Timestamp,
    numerator: float,
    denominator: float | None = None,
    value: float | None = None,
    unknown: float | None = None,
) -> pd.DataFrame:
    """One overall row (``total``/``all``) for an indicator computed outside ``summarise``."""
    return pd.DataFrame(
        {
            "indicator_id": [indicator_id],
            "period_end": [period_end],
            "breakdown": [TOTAL_BREAKDOWN],
            "group": [TOTAL_GROUP],
            "numerator": [float(numerator)],
            "denominator": [np.nan if denominator is None else float(denominator)],
            "value": [np.nan if value is None else float(value)],
            "unknown": [np.nan if unknown is None else float(unknown)],
        }
    )


def validate_metrics(frame: pd.DataFrame) -> pd.DataFrame:
    """Validate a metric table against ``schemas.MetricTable`` and return it in column order."""
    return MetricTable.validate(frame[METRIC_COLUMNS].reset_index(drop=True))
