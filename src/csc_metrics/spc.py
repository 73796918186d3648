"""Statistical process control (XmR charts) in the NHS England "Making Data Count" style.

This follows the behaviour of NHSRplotthedots, the NHS-R reference implementation of Making Data
Count (docs/definitions.md, "Trend charts (statistical process control)"), so a council's charts
read the same way as the NHS charts many managers already know:

- the centre line is the mean of the segment; the moving ranges (differences between consecutive
  points) are *screened*: any at or above 3.267 x their mean is left out before the mean moving
  range is worked out again, so one wild jump does not widen the limits;
- the process limits are mean +/- 2.66 x mean moving range, and "near the limit" means more than
  two thirds of the way from the mean to a limit;
- four rules flag special cause, in precedence order: a point beyond a limit; a run of 7 points
  each higher (or each lower) than the one before (a tie breaks the run); 2 of 3 consecutive points
  near a limit, all three on the same side of the mean (only the near points are flagged); 7 points
  in a row on one side of the mean (a point exactly on the mean breaks the run). Every point of a
  qualifying run is flagged;
- each indicator has an improvement direction, so a special-cause point is an improvement, a
  concern or (direction neutral) simply high or low. Points in a trend take their side from the
  direction of the trend, others from their side of the mean;
- assurance compares a target with the latest segment's limits;
- rebase dates start a new segment with its own mean and limits;
- a segment shorter than ``settings.spc_short_series`` points gets a warning.

Points with no value are left out before anything is computed, so they neither break nor extend a
run: the series is treated as the points that have a value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from csc_metrics.catalogue import Direction, get_indicator, overlap_months
from csc_metrics.dates import format_date
from csc_metrics.errors import InputError
from csc_metrics.settings import DEFAULT_SETTINGS, Settings

#: Limits are this many mean moving ranges from the mean (3 sigma for an XmR chart).
LIMIT_FACTOR = 2.66
#: "Near the limit" is two thirds of the way from the mean to a limit (2 sigma).
NEAR_LIMIT_FACTOR = 2 / 3 * LIMIT_FACTOR
#: Moving ranges at or above this multiple of the mean moving range are screened out.
SCREENING_FACTOR = 3.267
#: Length of a trend or a shift run.
RUN_LENGTH = 7

#: The four rules, highest precedence first.
RULES: tuple[str, ...] = ("outside_limits", "trend", "two_of_three", "shift")

#: Plain-English description of each rule, for footnotes, badges and narrative.
RULE_LABELS: dict[str, str] = {
    "outside_limits": "a point beyond a process limit",
    "trend": "a run of 7 points each rising or each falling",
    "two_of_three": "2 of 3 points near a limit on the same side",
    "shift": "7 points in a row on one side of the average",
}

#: Labels of the variation classes of the latest point.
VARIATION_LABELS: dict[str, str] = {
    "common_cause": "Common cause: no significant change",
    "improvement_high": "Special cause: improvement (higher)",
    "improvement_low": "Special cause: improvement (lower)",
    "concern_high": "Special cause: concern (higher)",
    "concern_low": "Special cause: concern (lower)",
    "neutral_high": "Special cause: higher (neither better nor worse)",
    "neutral_low": "Special cause: lower (neither better nor worse)",
}

#: Labels of the assurance classes.
ASSURANCE_LABELS: dict[str, str] = {
    "pass": "Consistently meets the target",
    "fail": "Consistently misses the target",
    "inconsistent": "Hit and miss: the target may or may not be met",
}

DIRECTIONS: tuple[str, ...] = ("higher", "lower", "neutral")

PointType = Literal[
    "common_cause", "special_cause_improvement", "special_cause_concern", "special_cause_neutral"
]


@dataclass(frozen=True)
class SpcResult:
    """The result of an XmR analysis of one series.

    Attributes:
        points: One row per point with a value, oldest first: ``date``, ``value``, ``mean``,
            ``upl``, ``lpl``, ``near_upl``, ``near_lpl``, ``group`` (rebase segment, from 0),
            ``relative_to_mean`` (1 above, -1 below, 0 on the mean), ``rule`` (the highest rule
            that flags the point, or None), ``special_cause``, ``side`` (``"high"``/``"low"``
            for special-cause points, else None) and ``point_type``.
        variation: Class of the latest point: ``common_cause``, ``improvement_high``,
            ``improvement_low``, ``concern_high``, ``concern_low``, ``neutral_high`` or
            ``neutral_low``.
        assurance: ``pass``, ``fail`` or ``inconsistent`` against the target on the latest
            segment's limits; None without a target or when the direction is neutral.
        short_series_warning: Text when the latest segment has too few points, else None.
        direction: The improvement direction used.
        target: The target, if any.
        window: How many consecutive points share data (1: independent points; 4: a 12-month
            measure at quarter ends), which decides the rules applied.
    """

    points: pd.DataFrame
    variation: str
    assurance: str | None
    short_series_warning: str | None
    direction: Direction
    target: float | None
    window: int = 1

    @property
    def latest(self) -> pd.Series:
        """The latest point's row of ``points``."""
        return self.points.iloc[-1]

    @property
    def latest_group(self) -> pd.DataFrame:
        """The points of the latest rebase segment."""
        return self.points[self.points["group"] == self.points["group"].iloc[-1]]

    @property
    def is_special_cause(self) -> bool:
        """Whether the latest point shows special-cause variation."""
        return self.variation != "common_cause"


def trailing_run(values: np.ndarray) -> int:
    """The length of the run of equal, non-zero values at the end of ``values``.

    On ``relative_to_mean`` it is how many of the latest points sit on one side of the average;
    on the signs of successive differences, how many of the latest steps rise (or fall).
    """
    if len(values) == 0 or values[-1] == 0:
        return 0
    differs = np.flatnonzero(values != values[-1])
    return len(values) - (int(differs[-1]) + 1 if len(differs) else 0)


def _windows_all(flags: np.ndarray, width: int) -> np.ndarray:
    """For each start position k, whether ``flags[k:k+width]`` are all true."""
    if len(flags) < width:
        return np.zeros(0, dtype=bool)
    return np.convolve(flags.astype(int), np.ones(width, dtype=int), "valid") == width


def _cover(window_starts: np.ndarray, width: int, n: int) -> np.ndarray:
    """Mark every point covered by a qualifying window (all points of a run are flagged)."""
    if n == 0 or len(window_starts) == 0:
        return np.zeros(n, dtype=bool)
    return np.convolve(window_starts.astype(int), np.ones(width, dtype=int), "full")[:n] > 0


def _trend_points(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points in a run of 7 strictly rising or falling, and the direction of each (+1/-1)."""
    n = len(y)
    steps = np.sign(np.diff(y))
    rising = _cover(_windows_all(steps == 1, RUN_LENGTH - 1), RUN_LENGTH, n)
    falling = _cover(_windows_all(steps == -1, RUN_LENGTH - 1), RUN_LENGTH, n)
    in_trend = rising | falling
    # As NHSRplotthedots: a point whose next point is also in a trend takes the direction of the
    # step after it, otherwise the step before it (so a peak between a rise and a fall is falling).
    step_after = np.append(steps, 0)
    step_before = np.insert(steps, 0, 0)
    next_in_trend = np.append(in_trend[1:], False)
    direction = np.where(in_trend & next_in_trend, step_after, step_before)
    return in_trend, np.where(in_trend, direction, 0)


def _two_of_three_points(near: np.ndarray, relative: np.ndarray) -> np.ndarray:
    """Near-limit points in a window of 3 with 2+ near points, all 3 on the same side."""
    n = len(near)
    if n == 0:
        return np.zeros(0, dtype=bool)
    # Padding with two non-qualifying points each side mirrors NHSRplotthedots at the ends.
    near_padded = np.concatenate([[0, 0], near.astype(int), [0, 0]])
    rel_padded = np.concatenate([[0, 0], relative, [0, 0]])
    ones = np.ones(3, dtype=int)
    enough_near = np.convolve(near_padded, ones, "valid") >= 2
    same_side = np.abs(np.convolve(rel_padded, ones, "valid")) == 3
    qualifying = enough_near & same_side  # window k covers padded k..k+2 = original k-2..k
    covered = np.convolve(qualifying.astype(int), ones, "full")[2 : 2 + n] > 0
    return covered & near


def _shift_points(relative: np.ndarray) -> np.ndarray:
    """Points in a run of 7 or more on the same side of the mean."""
    n = len(relative)
    above = _cover(_windows_all(relative == 1, RUN_LENGTH), RUN_LENGTH, n)
    below = _cover(_windows_all(relative == -1, RUN_LENGTH), RUN_LENGTH, n)
    return above | below


def _segment_limits(
    y: np.ndarray, baseline_points: int | None, window: int = 1
) -> tuple[float, float]:
    """Mean and screened mean moving range of one segment (optionally of its first points).

    For a rolling measure (``window`` > 1 points share data) the moving ranges are taken
    between points a full window apart, which share none: consecutive points of a 12-month
    measure differ only by a quarter's data in and a quarter's out, so their moving ranges
    would understate the variation and give limits about half as wide as they should be.
    """
    base = y if baseline_points is None else y[:baseline_points]
    mean = float(np.mean(base))
    mean_mr = _screened_mean_range(base, 1)
    if window > 1 and len(base) > window:
        # Never narrower than the limits of consecutive points (a series repeating itself
        # every window would otherwise get limits of no width).
        mean_mr = max(mean_mr, _screened_mean_range(base, window))
    return mean, mean_mr


def _screened_mean_range(base: np.ndarray, lag: int) -> float:
    """The mean of the moving ranges ``lag`` points apart, after screening out wild ones."""
    moving_ranges = np.abs(base[lag:] - base[:-lag])
    if len(moving_ranges) == 0:
        return float("nan")
    mean_mr = float(np.mean(moving_ranges))
    if mean_mr > 0:
        # A flat series has a mean moving range of 0; screening it would leave nothing.
        moving_ranges = moving_ranges[moving_ranges < SCREENING_FACTOR * mean_mr]
        mean_mr = float(np.mean(moving_ranges))
    return mean_mr


def _window_apart(
    flags_of: Callable[[np.ndarray], np.ndarray], values: np.ndarray, window: int
) -> np.ndarray:
    """A run rule judged on points a full window apart, mapped back to every point.

    Each of the ``window`` interleaved series of non-overlapping points is judged on its own.
    """
    flags = np.zeros(len(values), dtype=bool)
    for offset in range(min(window, len(values))):
        flags[offset::window] = flags_of(values[offset::window])
    return flags


def _analyse_segment(
    y: np.ndarray, baseline_points: int | None, window: int = 1
) -> dict[str, np.ndarray]:
    """Limits, rule flags and sides for the points of one rebase segment.

    For a rolling or stock measure (``window`` > 1) only two rules apply (docs/definitions.md,
    "Rolling measures" and "Stock measures"): a point beyond the limits (set from moving
    ranges a window apart), and 7 in a row on one side of the average counted on points a full
    window apart. The trend
    and 2-of-3 rules are left out: overlapping points rise and fall together by construction.
    """
    mean, mean_mr = _segment_limits(y, baseline_points, window)
    upl, lpl = mean + LIMIT_FACTOR * mean_mr, mean - LIMIT_FACTOR * mean_mr
    near_upl, near_lpl = mean + NEAR_LIMIT_FACTOR * mean_mr, mean - NEAR_LIMIT_FACTOR * mean_mr
    outside = (y > upl) | (y < lpl)
    relative = np.sign(y - mean).astype(int)
    near = ~outside & ((y > near_upl) | (y < near_lpl))
    in_trend, trend_direction = _trend_points(y)
    flags = {
        "outside_limits": outside,
        "trend": in_trend,
        "two_of_three": _two_of_three_points(near, relative),
        "shift": _shift_points(relative),
    }
    if window > 1:
        none = np.zeros(len(y), dtype=bool)
        flags |= {
            "trend": none,
            "two_of_three": none,
            "shift": _window_apart(_shift_points, relative, window),
        }
    rule = np.select([flags[r] for r in RULES], list(RULES), default="")
    side_sign = np.where(rule == "trend", trend_direction, relative)
    n = len(y)
    return {
        "mean": np.full(n, mean),
        "upl": np.full(n, upl),
        "lpl": np.full(n, lpl),
        "near_upl": np.full(n, near_upl),
        "near_lpl": np.full(n, near_lpl),
        "relative_to_mean": relative,
        "rule": rule,
        "side_sign": np.where(rule == "", 0, side_sign),
    }


def _clean_series(series: pd.Series) -> pd.Series:
    """Drop blank values, check the dates, sort oldest first."""
    name = series.name or "the series"
    try:
        index = pd.DatetimeIndex(series.index)
    except (TypeError, ValueError) as error:
        raise InputError(
            f"SPC needs a series indexed by date; the index of {name} is not dates ({error})."
        ) from None
    values = pd.to_numeric(pd.Series(series.to_numpy(), index=index), errors="coerce")
    values = values[values.notna() & values.index.notna()].sort_index()
    if values.empty:
        raise InputError(f"SPC needs at least one value; {name} has none.")
    duplicated = values.index[values.index.duplicated()]
    if len(duplicated):
        raise InputError(
            f"SPC needs one value per date; {name} has more than one value on "
            f"{format_date(duplicated[0])}."
        )
    return values


def _segment_ids(dates: pd.DatetimeIndex, rebase_dates: Sequence | None) -> np.ndarray:
    """Rebase segment of each point, numbered from 0.

    A rebase date starts a new segment at the first point on or after it; rebase dates at or
    before the first point, or after the last, change nothing.
    """
    if not rebase_dates:
        return np.zeros(len(dates), dtype=int)
    starts = np.unique(dates.searchsorted(pd.DatetimeIndex(pd.to_datetime(list(rebase_dates)))))
    starts = starts[(starts > 0) & (starts < len(dates))]
    return np.searchsorted(starts, np.arange(len(dates)), side="right")


def _point_types(rule: np.ndarray, side_sign: np.ndarray, direction: str) -> np.ndarray:
    """Classify each point from its rule, its side and the improvement direction."""
    if direction == "neutral":
        return np.where(rule == "", "common_cause", "special_cause_neutral")
    better = 1 if direction == "higher" else -1
    return np.select(
        [rule == "", side_sign == better],
        ["common_cause", "special_cause_improvement"],
        default="special_cause_concern",
    )


def _variation(latest: Mapping[str, Any]) -> str:
    kinds = {
        "common_cause": "common_cause",
        "special_cause_improvement": "improvement",
        "special_cause_concern": "concern",
        "special_cause_neutral": "neutral",
    }
    kind = kinds[latest["point_type"]]
    return kind if kind == "common_cause" else f"{kind}_{latest['side']}"


def _assurance(latest: Mapping[str, Any], direction: str, target: float | None) -> str | None:
    """Making Data Count assurance: where the target sits against the latest limits."""
    if target is None or direction == "neutral":
        return None
    if target > latest["upl"]:
        return "fail" if direction == "higher" else "pass"
    if target < latest["lpl"]:
        return "pass" if direction == "higher" else "fail"
    return "inconsistent"


def _short_series_warning(
    groups: np.ndarray, dates: pd.DatetimeIndex, settings: Settings
) -> str | None:
    """The warning for a latest segment of too few points (``groups``: each point's segment)."""
    in_latest = groups == groups[-1]
    n = int(in_latest.sum())
    if n >= settings.spc_short_series:
        return None
    since = f" since {format_date(dates[in_latest][0])}" if groups[-1] else ""
    return (
        f"Only {n} point{'s' if n != 1 else ''}{since}: fewer than "
        f"{settings.spc_short_series}, so the limits are provisional and the trend cannot yet "
        "be judged reliably."
    )


def spc(
    series: pd.Series,
    direction: Direction,
    target: float | None = None,
    rebase_dates: Sequence | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    baseline_points: int | None = None,
    window: int = 1,
) -> SpcResult:
    """Run an XmR (individuals) SPC analysis of one indicator series.

    Args:
        series: Values indexed by date (e.g. quarter ends). Blank values are skipped.
        direction: Improvement direction: ``"higher"``, ``"lower"`` or ``"neutral"``.
        target: Optional target in the series' unit, for the assurance class.
        rebase_dates: Dates where the process changed (e.g. a new service model). Each starts a
            new segment, with its own mean and limits, at the first point on or after it.
        settings: Settings (``spc_short_series`` is used).
        baseline_points: If given, each segment's mean and limits are fixed on its first this
            many points and later points are judged against them.
        window: How many consecutive points share data (4 for a 12-month measure or a stock
            of children looked after at quarter ends; 1, the default, for independent points).
            See ``_analyse_segment``.

    Returns:
        The points with their limits and flags, and the latest point's classes.

    Raises:
        InputError: If the index is not dates, a date repeats, or there is no value at all.
        ValueError: If ``direction`` or ``baseline_points`` is invalid.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, not {direction!r}")
    if baseline_points is not None and baseline_points < 2:
        raise ValueError("baseline_points must be at least 2 (limits need a moving range)")
    values = _clean_series(series)
    groups = _segment_ids(values.index, rebase_dates)
    y = values.to_numpy(dtype=float)
    # Each segment's columns, joined in numpy (the segments are in date order): a frame per
    # segment and a concatenation of them cost more than the analysis itself.
    analysed = [
        _analyse_segment(y[groups == g], baseline_points, window) for g in np.unique(groups)
    ]
    segments: dict[str, Any] = {
        c: np.concatenate([part[c] for part in analysed]) for c in analysed[0]
    }
    rule = segments["rule"]
    side_sign = segments["side_sign"]
    points = pd.DataFrame(
        {
            "date": values.index,
            "value": y,
            **{c: segments[c] for c in ("mean", "upl", "lpl", "near_upl", "near_lpl")},
            "group": groups,
            "relative_to_mean": segments["relative_to_mean"],
            "rule": pd.Series(np.where(rule == "", None, rule), dtype=object),
            "special_cause": rule != "",
            "side": pd.Series(
                np.select(
                    [side_sign > 0, side_sign < 0], ["high", "low"], np.array(None, dtype=object)
                ),
                dtype=object,
            ),
            "point_type": _point_types(rule, side_sign, direction),
        }
    )
    # The latest point's class and limits, read from the columns (a row of the frame is a
    # Series of every column, several times dearer).
    latest = {
        "point_type": points["point_type"].iat[-1],
        "side": points["side"].iat[-1],
        "upl": segments["upl"][-1],
        "lpl": segments["lpl"][-1],
    }
    return SpcResult(
        points=points,
        variation=_variation(latest),
        assurance=_assurance(latest, direction, target),
        short_series_warning=_short_series_warning(groups, values.index, settings),
        direction=direction,
        target=target,
        window=window,
    )


def window_points(dates: pd.DatetimeIndex, rolling_months: int) -> int:
    """How many consecutive points of a series share data: a rolling window over the spacing.

    Args:
        dates: The series' dates.
        rolling_months: The months over which the measure's points share data
            (``catalogue.overlap_months``: a rolling measure's window or a stock measure's
            overlap; 0 if none).

    Returns:
        4 for a 12-month measure at quarter ends, 12 for a 3-year one; 1 when points share no
        data.
    """
    if rolling_months <= 0 or len(dates) < 2:
        return 1
    spacing_months = float(pd.Series(dates.sort_values()).diff().dt.days.median()) / 30.44
    return max(1, round(rolling_months / spacing_months))


def spc_table(
    metric_series: pd.DataFrame,
    indicator_id: str,
    targets: float | Mapping[str, float] | None = None,
    rebase_dates: Sequence | None = None,
    settings: Settings = DEFAULT_SETTINGS,
) -> SpcResult:
    """Run SPC on one indicator's overall series from a metric table.

    Args:
        metric_series: ``MetricTable`` rows (any indicators and breakdowns; the overall rows of
            ``indicator_id`` are used, one per ``period_end``).
        indicator_id: The catalogue id; its improvement direction is used.
        targets: A target for this indicator, or a mapping of indicator id to target.
        rebase_dates: Dates where the process changed (see ``spc``).
        settings: Settings.

    Returns:
        The SPC result.

    Raises:
        InputError: If the table lacks ``period_end`` or ``value`` or has no rows for the
            indicator.
        KeyError: If the indicator id is not in the catalogue.
    """
    get_indicator(indicator_id)  # an unknown id fails here, before the table is read
    missing = [c for c in ("period_end", "value") if c not in metric_series.columns]
    if missing:
        raise InputError(
            f"The metric table for SPC has no column(s) {', '.join(missing)}; expected MetricTable "
            "columns (indicator_id, period_end, breakdown, group, ..., value)."
        )
    rows = metric_series
    if "indicator_id" in rows.columns:
        rows = rows[rows["indicator_id"] == indicator_id]
    if "breakdown" in rows.columns:
        rows = rows[rows["breakdown"] == "total"]
    if "group" in rows.columns:
        rows = rows[rows["group"] == "all"]
    target = targets.get(indicator_id) if isinstance(targets, Mapping) else targets
    return overall_spc(rows, indicator_id, target, rebase_dates, settings)


def overall_spc(
    rows: pd.DataFrame,
    indicator_id: str,
    target: float | None = None,
    rebase_dates: Sequence | None = None,
    settings: Settings = DEFAULT_SETTINGS,
) -> SpcResult:
    """Run SPC on rows that are already one indicator's overall series (``spc_table``'s pick).

    A report context's summaries start from such rows (``ReportContext.overall_rows``): picking
    them out again by indicator, breakdown and group would compare every row's text three times
    over and change nothing.

    Args:
        rows: ``MetricTable`` rows of ``indicator_id``, one per ``period_end`` (``value`` and
            ``period_end`` are used).
        indicator_id: The catalogue id; its improvement direction is used.
        target: A target for this indicator, or None.
        rebase_dates: Dates where the process changed (see ``spc``).
        settings: Settings.

    Returns:
        The SPC result, as ``spc_table`` gives it for a table holding these rows.

    Raises:
        InputError: If there are no rows.
    """
    indicator = get_indicator(indicator_id)
    if rows.empty:
        raise InputError(f"The metric table has no overall rows for {indicator_id}.")
    series = pd.Series(
        rows["value"].to_numpy(dtype=float),
        index=pd.DatetimeIndex(rows["period_end"]),
        name=indicator.label,
    )
    return spc(
        series,
        indicator.direction,
        target,
        rebase_dates,
        settings,
        baseline_points=settings.spc_baseline_points,
        window=window_points(series.index, overlap_months(indicator_id)),
    )
