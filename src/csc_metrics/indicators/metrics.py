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

from csc_metrics.catalogue import unit_format
from csc_metrics.geography import round_half_up
from csc_metrics.schemas import METRIC_COLUMNS, NOT_COVERED, MetricTable

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
    """Percentage to the pct unit's decimals, half up; missing where the denominator is 0."""
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(denominator > 0, 100.0 * numerator / denominator, np.nan)
    return round_half_up(share, unit_format("pct").decimals)


def _breakdown_sums(
    column: pd.Series, positions: np.ndarray, counts: np.ndarray, dates: int
) -> tuple[list[str], np.ndarray]:
    """Sum the flag counts per reference date and group of one breakdown column.

    Groups are the column's categories, all of them in category order (a plain column is made
    categorical first, which orders its values). Rows with a missing group count in no group.

    Returns:
        The group names, and sums shaped (dates, groups, flags).
    """
    categorical = (
        column if isinstance(column.dtype, pd.CategoricalDtype) else column.astype("category")
    )
    groups = categorical.cat.categories.astype("str").tolist()
    codes = categorical.cat.codes.to_numpy()
    known = codes >= 0
    cells = positions[known] * len(groups) + codes[known]
    sums = np.stack(
        [
            np.bincount(cells, weights=counts[known, flag], minlength=dates * len(groups))
            for flag in range(counts.shape[1])
        ],
        axis=-1,
    )
    return groups, sums.reshape(dates, len(groups), counts.shape[1])


def summarise(
    frame: pd.DataFrame,
    specs: Sequence[IndicatorSpec],
    period_ends: pd.Timestamp | Sequence[pd.Timestamp],
    positions: np.ndarray | None = None,
) -> pd.DataFrame:
    """Count every indicator in ``specs`` for the total and each breakdown group, at each date.

    Groups are the categories of each breakdown column, all of them, in category order, so a
    group with no children still appears (with a blank percentage) and series line up. Every
    date and every group is counted at once (one ``bincount`` per flag), so a series over many
    quarter ends costs about what one date does.

    Args:
        frame: One row per child (and reference date), with the boolean and categorical columns
            the specs name.
        specs: The indicators.
        period_ends: The reference date, or the reference dates of a series.
        positions: For each row of ``frame``, the position in ``period_ends`` of its reference
            date; None when there is one date.

    Returns:
        Rows in ``MetricTable`` column order (not yet validated): date by date, and within a
        date each indicator's total followed by its breakdowns' groups.
    """
    dates = [period_ends] if isinstance(period_ends, pd.Timestamp) else list(period_ends)
    positions = (
        np.zeros(len(frame), dtype=np.intp)
        if positions is None
        else np.asarray(positions, dtype=np.intp)
    )
    flags = sorted(
        {c for s in specs for c in (s.numerator, s.denominator, s.unknown) if c is not None}
    )
    flag_index = {name: n for n, name in enumerate(flags)}
    counts = frame[flags].to_numpy(dtype=float)
    totals = np.stack(
        [
            np.bincount(positions, weights=counts[:, f], minlength=len(dates))
            for f in flag_index.values()
        ],
        axis=-1,
    )[:, np.newaxis, :]
    by_breakdown = {
        name: _breakdown_sums(frame[name], positions, counts, len(dates))
        for name in dict.fromkeys(b for s in specs for b in s.breakdowns)
    }
    # One block per indicator and breakdown: (groups, sums shaped dates x groups x flags).
    ids: list[str] = []
    breakdowns: list[str] = []
    groups: list[str] = []
    numerators: list[np.ndarray] = []
    denominators: list[np.ndarray] = []
    unknowns: list[np.ndarray] = []
    counted: list[bool] = []
    for spec in specs:
        blocks = [(TOTAL_BREAKDOWN, [TOTAL_GROUP], totals)]
        blocks += [(name, *by_breakdown[name]) for name in spec.breakdowns]
        for breakdown, names, sums in blocks:
            ids += [spec.id] * len(names)
            counted += [spec.denominator is None] * len(names)
            breakdowns += [breakdown] * len(names)
            groups += names
            missing = np.full(sums.shape[:2], np.nan)
            numerators.append(sums[:, :, flag_index[spec.numerator]])
            for found, flag in ((denominators, spec.denominator), (unknowns, spec.unknown)):
                found.append(missing if flag is None else sums[:, :, flag_index[flag]])
    numerator = np.concatenate(numerators, axis=1)
    denominator = np.concatenate(denominators, axis=1)
    # A count's value is its numerator; a percentage's is worked out from both.
    value = np.where(counted, numerator, percentage(numerator, denominator))
    rows_per_date = numerator.shape[1]
    return pd.DataFrame(
        {
            "indicator_id": np.tile(np.asarray(ids, dtype=object), len(dates)),
            "period_end": np.repeat(pd.DatetimeIndex(dates), rows_per_date),
            "breakdown": np.tile(np.asarray(breakdowns, dtype=object), len(dates)),
            "group": np.tile(np.asarray(groups, dtype=object), len(dates)),
            "numerator": numerator.ravel(),
            "denominator": denominator.ravel(),
            "value": value.ravel(),
            "unknown": np.concatenate(unknowns, axis=1).ravel(),
        }
    )[METRIC_COLUMNS]


def overall_rows(
    rows: Sequence[tuple[str, pd.Timestamp, float, float, float]],
) -> pd.DataFrame:
    """Overall rows (``total``/``all``) for indicators computed outside ``summarise``.

    Args:
        rows: ``(indicator_id, period_end, numerator, denominator, value)`` each; a missing
            denominator or value is NaN. The unknown count is always blank.

    Returns:
        Rows in ``MetricTable`` column order (not yet validated).
    """
    columns = ["indicator_id", "period_end", "numerator", "denominator", "value"]
    frame = pd.DataFrame(list(rows), columns=columns).astype(
        {"numerator": float, "denominator": float, "value": float}
    )
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    return frame.assign(breakdown=TOTAL_BREAKDOWN, group=TOTAL_GROUP, unknown=np.nan)[
        METRIC_COLUMNS
    ]


def validate_metrics(frame: pd.DataFrame) -> pd.DataFrame:
    """Validate a metric table against ``schemas.MetricTable`` and return it in column order."""
    columns = [*METRIC_COLUMNS, *([NOT_COVERED] if NOT_COVERED in frame.columns else [])]
    return MetricTable.validate(frame[columns].reset_index(drop=True))
