"""Gaps: rates by group with 95% Wilson intervals, gaps between groups, gaps to benchmarks.

A gap between two groups is *called* only when their 95% intervals do not overlap, so a
difference that could easily be chance in small groups is not reported as real (docs/
definitions.md, "Gaps between groups"). The
Wilson score interval is used because it behaves well for small groups and for rates near 0% or
100%, where the textbook "p +/- 1.96 x standard error" interval can fall below 0% or above 100%.

Each group is compared either with **all the other groups combined** (the default: "is this group
different from everyone else?") or with a **named reference group** (e.g. "White" or "own LA").
Gaps are in percentage points: the group's rate minus the comparison's rate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

import numpy as np
import pandas as pd

from csc_metrics.catalogue import Direction
from csc_metrics.errors import InputError
from csc_metrics.settings import DEFAULT_SETTINGS, Settings

#: The normal quantile for a two-sided 95% interval.
Z_95 = 1.959964

#: Columns that identify one comparison (one indicator at one date in one breakdown), where present.
DEFAULT_KEYS: tuple[str, ...] = ("indicator_id", "period_end", "breakdown")


def wilson_interval(
    successes: float | np.ndarray | pd.Series,
    trials: float | np.ndarray | pd.Series,
    z: float = Z_95,
) -> tuple[float | np.ndarray, float | np.ndarray]:
    """Wilson score interval for a proportion, vectorised.

    Args:
        successes: Number of successes (the numerator), scalar or array.
        trials: Number of trials (the denominator), scalar or array of the same length.
        z: Normal quantile (1.959964 for 95%).

    Returns:
        ``(low, high)`` as proportions between 0 and 1; NaN where ``trials`` is 0 or blank.
        Scalars in give floats out.

    Raises:
        ValueError: If a count is negative or the successes exceed the trials.
    """
    scalar = np.ndim(successes) == 0 and np.ndim(trials) == 0
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    if np.any(k < 0) or np.any(n < 0):
        raise ValueError("Counts for a Wilson interval cannot be negative.")
    if np.any(k > n):
        raise ValueError("The numerator of a rate cannot exceed its denominator.")
    with np.errstate(divide="ignore", invalid="ignore"):
        n_valid = np.where(n > 0, n, np.nan)
        p = k / n_valid
        z2_n = z * z / n_valid
        centre = (p + z2_n / 2) / (1 + z2_n)
        half = z / (1 + z2_n) * np.sqrt(p * (1 - p) / n_valid + z2_n / (4 * n_valid))
    low, high = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    # The bounds are exactly 0 with no successes and 1 with all: rounding would otherwise
    # leave 3e-17 above 0 (for 0 of 5), an interval that no longer contains the rate.
    low = np.where((k == 0) & (n > 0), 0.0, low)
    high = np.where((k == n) & (n > 0), 1.0, high)
    if scalar:
        return float(low), float(high)
    return low, high


def _require_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"The table for {what} has no column(s) {', '.join(missing)}; "
            f"it has {', '.join(map(str, frame.columns))}."
        )


def group_rates(
    frame: pd.DataFrame,
    group_column: str = "group",
    numerator_column: str = "numerator",
    denominator_column: str = "denominator",
    settings: Settings = DEFAULT_SETTINGS,
    z: float = Z_95,
) -> pd.DataFrame:
    """Add each group's rate and 95% Wilson interval, and flag small groups.

    Args:
        frame: One row per group with a numerator and a denominator, e.g. ``MetricTable`` rows
            of one indicator, date and breakdown.
        group_column: Column naming the group.
        numerator_column: Column of numerators.
        denominator_column: Column of denominators.
        settings: Settings (``small_group`` is used).
        z: Normal quantile for the interval.

    Returns:
        A copy of ``frame`` with ``rate``, ``ci_low`` and ``ci_high`` (percentages; blank when the
        denominator is 0) and ``is_small`` (denominator below ``settings.small_group``).

    Raises:
        InputError: If a column is missing, or a numerator exceeds its denominator (the message
            names the group).
    """
    _require_columns(frame, [group_column, numerator_column, denominator_column], "group rates")
    result = frame.copy()
    numerator = pd.to_numeric(result[numerator_column], errors="coerce")
    denominator = pd.to_numeric(result[denominator_column], errors="coerce")
    bad = (numerator > denominator) | (numerator < 0) | (denominator < 0)
    if bad.any():
        row = result.loc[bad].iloc[0]
        raise InputError(
            f"Group {row[group_column]!r}: numerator {row[numerator_column]} is not between 0 and "
            f"its denominator {row[denominator_column]} (columns {numerator_column}, "
            f"{denominator_column})."
        )
    low, high = wilson_interval(numerator.to_numpy(), denominator.to_numpy(), z)
    with np.errstate(divide="ignore", invalid="ignore"):
        result["rate"] = np.where(denominator > 0, 100 * numerator / denominator, np.nan)
    result["ci_low"] = 100 * low
    result["ci_high"] = 100 * high
    result["is_small"] = (denominator < settings.small_group).to_numpy()
    return result


def _comparison_with_rest(
    rates: pd.DataFrame, keys: list[str], numerator_column: str, denominator_column: str
) -> pd.DataFrame:
    # A constant key gives one comparison over the whole frame when no key columns are present.
    by = [rates[k] for k in keys] if keys else np.zeros(len(rates), dtype=int)
    grouped = rates.groupby(by, dropna=False)
    total_num = grouped[numerator_column].transform("sum")
    total_den = grouped[denominator_column].transform("sum")
    return pd.DataFrame(
        {
            "comparison": "all other groups",
            "comparison_numerator": total_num - rates[numerator_column],
            "comparison_denominator": total_den - rates[denominator_column],
        },
        index=rates.index,
    )


def _comparison_with_reference(
    rates: pd.DataFrame,
    keys: list[str],
    group_column: str,
    reference_group: str,
    numerator_column: str,
    denominator_column: str,
) -> pd.DataFrame:
    reference = rates[rates[group_column] == reference_group]
    if reference.empty:
        groups = ", ".join(map(str, rates[group_column].unique()))
        raise InputError(
            f"Reference group {reference_group!r} is not in column {group_column}; "
            f"the groups are {groups}."
        )
    reference = reference[[*keys, numerator_column, denominator_column]].rename(
        columns={
            numerator_column: "comparison_numerator",
            denominator_column: "comparison_denominator",
        }
    )
    if keys:
        merged = rates[keys].merge(reference, on=keys, how="left")
    else:
        merged = pd.DataFrame(
            {c: np.repeat(reference[c].iloc[0], len(rates)) for c in reference.columns}
        )
    merged.index = rates.index
    merged.insert(0, "comparison", str(reference_group))
    return merged[["comparison", "comparison_numerator", "comparison_denominator"]]


def group_gaps(
    frame: pd.DataFrame,
    reference_group: str | None = None,
    group_column: str = "group",
    numerator_column: str = "numerator",
    denominator_column: str = "denominator",
    keys: Sequence[str] | None = None,
    total_group: str | None = "all",
    settings: Settings = DEFAULT_SETTINGS,
    z: float = Z_95,
) -> pd.DataFrame:
    """Compare each group's rate with the rest, or with a reference group, calling real gaps.

    Args:
        frame: One row per group (per key) with numerator and denominator, e.g. ``MetricTable``
            rows of a breakdown.
        reference_group: Compare with this group; None (default) compares each group with all
            the other groups combined.
        group_column: Column naming the group.
        numerator_column: Column of numerators.
        denominator_column: Column of denominators.
        keys: Columns identifying separate comparisons; default: those of ``indicator_id``,
            ``period_end`` and ``breakdown`` present in ``frame``.
        total_group: A group holding the overall figure (``"all"`` in a metric table); its rows
            are left out so they are not counted twice.
        settings: Settings (``small_group`` is used).
        z: Normal quantile for the intervals.

    Returns:
        ``group_rates`` columns plus ``comparison`` (what the group is compared with),
        ``comparison_numerator``, ``comparison_denominator``, ``comparison_rate``,
        ``comparison_ci_low``, ``comparison_ci_high``, ``gap_pp`` (group rate minus comparison
        rate, percentage points), ``gap_called`` (True only when the two intervals do not
        overlap) and ``gap_side`` (``"higher"``/``"lower"`` when called, else None).

    Raises:
        InputError: If a column is missing or the reference group is absent.
    """
    keys = [k for k in (DEFAULT_KEYS if keys is None else keys) if k in frame.columns]
    rows = frame if total_group is None else frame[frame[group_column] != total_group]
    rates = group_rates(rows, group_column, numerator_column, denominator_column, settings, z)
    if reference_group is None:
        comparison = _comparison_with_rest(rates, keys, numerator_column, denominator_column)
    else:
        comparison = _comparison_with_reference(
            rates, keys, group_column, reference_group, numerator_column, denominator_column
        )
    result = pd.concat([rates, comparison], axis=1)
    cmp_num = result["comparison_numerator"].to_numpy(dtype=float)
    cmp_den = result["comparison_denominator"].to_numpy(dtype=float)
    low, high = wilson_interval(cmp_num, cmp_den, z)
    with np.errstate(divide="ignore", invalid="ignore"):
        result["comparison_rate"] = np.where(cmp_den > 0, 100 * cmp_num / cmp_den, np.nan)
    result["comparison_ci_low"] = 100 * low
    result["comparison_ci_high"] = 100 * high
    result["gap_pp"] = result["rate"] - result["comparison_rate"]
    above = result["ci_low"] > result["comparison_ci_high"]
    below = result["ci_high"] < result["comparison_ci_low"]
    result["gap_called"] = above | below
    result["gap_side"] = pd.Series(
        np.select([above, below], ["higher", "lower"], np.array(None, dtype=object)),
        index=result.index,
        dtype=object,
    )
    return result


@overload
def benchmark_gap(value: float, benchmark_value: float) -> float: ...


@overload
def benchmark_gap(
    value: float | np.ndarray | pd.Series, benchmark_value: float | np.ndarray | pd.Series
) -> float | np.ndarray | pd.Series: ...


def benchmark_gap(
    value: float | np.ndarray | pd.Series, benchmark_value: float | np.ndarray | pd.Series
) -> float | np.ndarray | pd.Series:
    """Gap to a benchmark: the council's value minus the benchmark's.

    For percentages this is in percentage points. A positive gap means the council is above the
    benchmark, a negative one below it; whether that is better depends on the indicator's
    direction (see ``gap_is_better``).

    Args:
        value: The council's value(s).
        benchmark_value: The benchmark's value(s) (England, region, statistical neighbours or a
            target).

    Returns:
        ``value - benchmark_value`` (NaN where either is blank).
    """
    return value - benchmark_value


def gap_is_better(gap: float, direction: Direction) -> bool | None:
    """Whether a gap (value minus benchmark) is in the better direction.

    Args:
        gap: ``benchmark_gap`` result.
        direction: The indicator's improvement direction.

    Returns:
        True when better, False when worse, None when the direction is neutral, the gap is zero
        or blank.
    """
    if direction == "neutral" or gap is None or pd.isna(gap) or gap == 0:
        return None
    return bool(gap > 0) == (direction == "higher")
