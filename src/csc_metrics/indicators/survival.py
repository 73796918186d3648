"""Time to permanence: a Kaplan-Meier estimate from entering care to leaving for a permanent home.

Definitions: ``docs/definitions.md``, "Time to permanence". The cohort at a reference date R is
every child whose latest period of care began in the ``Settings.permanence_cohort_years`` years
to R (never before the earliest return held, whose earlier entrants would only be seen if they
were still in care). A child reaches permanence when that period ended by one of
``Settings.permanence_routes`` (adoption, special guardianship, residence or child arrangements
order) on or before R. Children still looked after at R are censored at R; children who left
another way are handled as ``Settings.permanence_other_exits`` says. An average of the children
who have left would leave out those still waiting, which is why the estimate is used.

The estimator is lifelines' ``KaplanMeierFitter``, worked out here in numpy operation for operation
(``kaplan_meier``, ``_Estimate``), so that the estimate, its confidence band and its median are
lifelines' to the last bit (the tests compare them) without importing lifelines and scipy's
statistics, about a second of CPU in every process that draws the permanence report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from csc_metrics.dates import parse_period_end
from csc_metrics.geography import round_half_up
from csc_metrics.indicators import groups
from csc_metrics.indicators.metrics import TOTAL_BREAKDOWN, TOTAL_GROUP
from csc_metrics.indicators.permanence_inputs import PermanenceInputs, as_permanence
from csc_metrics.indicators.prepare import age_at
from csc_metrics.schemas import METRIC_COLUMNS
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.storage import ProcessedData

#: Days from entry within which permanence counts as "within 1 year" and "within 2 years".
WITHIN_DAYS: dict[str, int] = {
    "permanence_within_1yr_pct": 365,
    "permanence_within_2yr_pct": 730,
}
MEDIAN_ID = "permanence_median_days"
BREAKDOWN = "entry_age_band"
ALL_CHILDREN = "All children"

COHORT_COLUMNS = [
    "child_id",
    "entered",
    "age_at_entry",
    "entry_age_band",
    "exit",
    "route",
    "reached",
    "still_looked_after",
    "left_otherwise",
    "days",
]


def permanence_cohort(
    source: ProcessedData | PermanenceInputs,
    period_end: str | pd.Timestamp,
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """One row per child in the time-to-permanence cohort at ``period_end``.

    Args:
        source: Processed data or prepared permanence inputs.
        period_end: The reference date R.
        settings: Local rules (when ``source`` is processed data).

    Returns:
        ``COHORT_COLUMNS``: the period's start, age and age band at entry, the exit date and
        route (blank while looked after at R), whether permanence was ``reached``, and
        ``days``: to permanence when reached, else to the date the child is censored.
    """
    return _cohort_at(source, period_end, settings)[1]


def _cohort_at(
    source: ProcessedData | PermanenceInputs, period_end: str | pd.Timestamp, settings: Settings
) -> tuple[PermanenceInputs, pd.DataFrame]:
    """The prepared inputs and the cohort at one reference date."""
    inputs = as_permanence(source, settings)
    return inputs, _cohort(inputs, parse_period_end(period_end))


def _cohort(inputs: PermanenceInputs, period_end: pd.Timestamp) -> pd.DataFrame:
    latest, followed = _followed(inputs, period_end)
    age = age_at(latest["dob"], latest["period_start"])
    return pd.DataFrame(
        {
            "child_id": latest["child_id"],
            "entered": latest["period_start"],
            "age_at_entry": age,
            "entry_age_band": groups.age_band(age),
            **followed,
        }
    )[COHORT_COLUMNS]


def _followed(
    inputs: PermanenceInputs, period_end: pd.Timestamp
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The cohort's periods of care at R and how each was followed up: exit, route, days.

    Returns:
        The periods of care (each cohort child's latest), and the cohort's columns from
        ``exit`` to ``days`` (``COHORT_COLUMNS``), by name. The whole-cohort series needs only
        these, not the ages at entry.
    """
    settings = inputs.settings
    periods = inputs.periods
    earliest = max(
        inputs.coverage[0],
        period_end - pd.DateOffset(years=settings.permanence_cohort_years) + pd.Timedelta(days=1),
    )
    start = periods["period_start"].to_numpy()
    eligible = periods[(start >= np.datetime64(earliest)) & (start <= np.datetime64(period_end))]
    # Only a child's latest period of care counts: an earlier one that ended in a return home
    # is followed by the period that matters now. Periods are in child and start order.
    latest = eligible[~eligible["child"].duplicated(keep="last")].reset_index(drop=True)
    ended = latest["ended"].where(latest["ended"] <= period_end)
    route = latest["route"].where(ended.notna())
    reached = ended.notna() & route.isin(settings.permanence_routes)
    left_otherwise = ended.notna() & ~reached
    # An X1 ending with no episode after it is a gap in the records: followed until then.
    gap = latest["ended"].isna() & latest["followed_until"].notna()
    followed = latest["followed_until"].where(gap & (latest["followed_until"] < period_end))
    censored_at = followed.fillna(period_end)
    if settings.permanence_other_exits == "censored_at_exit":
        censored_at = censored_at.mask(left_otherwise, ended)
    end = ended.where(reached, censored_at)
    return latest, {
        "exit": ended,
        "route": route,
        "reached": reached.to_numpy(),
        "still_looked_after": ended.isna().to_numpy(),
        "left_otherwise": left_otherwise.to_numpy(),
        "days": (end - latest["period_start"]).dt.days.astype(float),
    }


@dataclass(frozen=True)
class _Estimate:
    """A Kaplan-Meier fit of time to permanence, as lifelines' ``KaplanMeierFitter`` fits it.

    Attributes:
        times: The event table's times (every distinct day, and 0).
        surviving: The estimated share not yet permanent at each (``survival_function_``).
        lower: The confidence band's lower end at each (exponential Greenwood, as lifelines).
        upper: Its upper end.
        at_risk: Children still followed, not yet permanent, at each (``event_table``).
    """

    times: np.ndarray
    surviving: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    at_risk: np.ndarray


def _fit(cohort: pd.DataFrame, confidence: float) -> _Estimate:
    """A Kaplan-Meier fit of time to permanence (``reached`` is the event), with its band.

    The band is lifelines' exponential Greenwood interval: the variance's steps
    ``deaths / (population * (population - deaths))`` (infinite ones counted 0), summed, then
    ``exp(-exp(log(-log S) -/+ z * sqrt(variance) / log S))``, blanks read as 1.
    """
    days = cohort["days"].to_numpy(dtype=float)
    times, at_risk, population, observed, log_estimate = _event_table(
        days, cohort["reached"].to_numpy()
    )
    surviving = np.exp(log_estimate)
    deaths = observed.astype(float)
    people = population.astype("uint64").astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        steps = deaths / (people * (people - deaths))
    steps[steps == np.inf] = 0.0
    variance = _carried_sum(steps)
    z = _normal_quantile(1 - (1 - confidence) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_surviving = np.log(surviving)
        lower = np.exp(-np.exp(np.log(-log_surviving) - z * np.sqrt(variance) / log_surviving))
        upper = np.exp(-np.exp(np.log(-log_surviving) + z * np.sqrt(variance) / log_surviving))
    lower[np.isnan(lower)] = 1.0
    upper[np.isnan(upper)] = 1.0
    return _Estimate(times, surviving, lower, upper, at_risk.astype(float))


def _normal_quantile(share: float) -> float:
    """The standard normal quantile, as scipy's ``norm.ppf`` (which lifelines uses) gives it."""
    from scipy.special import ndtri  # type: ignore[import-untyped]

    return float(ndtri(share))


def _share_reached(estimate: _Estimate, cohort: pd.DataFrame, days: int) -> float:
    """Estimated % reaching permanence within ``days``.

    Blank beyond the longest follow-up, where the estimate says nothing, unless every child
    still followed had reached permanence by then (the curve reached 100%).
    """
    return _share_within(cohort, _survival_at(estimate.times, estimate.surviving, days), days)


def kaplan_meier(days: np.ndarray, reached: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Kaplan-Meier estimate of staying without permanence, as lifelines works it out.

    ``lifelines.KaplanMeierFitter`` costs tens of milliseconds a fit however small the cohort
    (its event table is built with pandas); the series makes one fit per reference date. This
    is the same arithmetic in numpy, operation for operation, so the estimate is the same to
    the last bit (a test compares it with lifelines): the event table's counts, then
    ``exp(cumsum(log(at risk - events) - log(at risk)))`` over the distinct times.

    Args:
        days: Each child's days to permanence or to being censored.
        reached: Whether each child reached permanence (the event).

    Returns:
        The times (every distinct day, and 0) and the estimated share not yet permanent at each.

    Raises:
        ValueError: A day is blank or infinite (as lifelines refuses it).
    """
    times, _, _, _, log_estimate = _event_table(days, reached)
    return times, np.exp(log_estimate)


def _event_table(
    days: np.ndarray, reached: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The event table and log estimate, as lifelines has them.

    Returns:
        The times, the children at risk, the population each step divides by, the events and
        the log of the estimate at each time.

    Raises:
        ValueError: A day is blank or infinite (as lifelines refuses it).
    """
    days = np.asarray(days, dtype=float)
    if not np.isfinite(days).all():
        raise ValueError("Days to permanence must all be finite numbers.")
    events = np.asarray(reached).astype(int).astype(bool)
    # Everyone enters at 0 (or at the earliest day, were one negative).
    entered_at = min(0.0, float(days.min()))
    times, at = np.unique(np.append(days, entered_at), return_inverse=True)
    removed = np.bincount(at[:-1], minlength=len(times))
    observed = np.bincount(at[:-1], weights=events, minlength=len(times)).astype(int)
    entrance = np.zeros(len(times), dtype=int)
    entrance[at[-1]] = len(days)
    at_risk = np.cumsum(entrance) - np.concatenate([[0], np.cumsum(removed)[:-1]])
    # lifelines counts the first time's entrants before its events, and no other entrants.
    population = at_risk - np.concatenate([[0], entrance[1:]])
    with np.errstate(invalid="ignore", divide="ignore"):
        steps = np.log(population - observed) - np.log(population)
    return times, at_risk, population, observed, _carried_sum(steps)


def _carried_sum(steps: np.ndarray) -> np.ndarray:
    """The running sum of ``steps`` as pandas sums a Series with blanks, blanks carried forward.

    A blank step (no one at risk) is skipped by the sum and takes the value before it.
    """
    blank = np.isnan(steps)
    total = np.cumsum(np.where(blank, 0.0, steps))
    total[blank] = np.nan
    return pd.Series(total).ffill().to_numpy()


def _survival_at(times: np.ndarray, surviving: np.ndarray, day: int) -> float:
    """The estimate at ``day``: its value at the last time on or before it (blank before any)."""
    known = np.flatnonzero(~np.isnan(surviving) & (times <= day))
    return float(surviving[known[-1]]) if len(known) else float("nan")


def _median_of(times: np.ndarray, surviving: np.ndarray) -> float:
    """The first time the estimate is at or below 50%; blank when it never gets there."""
    if surviving[-1] > 0.5:
        return float("nan")
    return _finite(times[np.searchsorted(-surviving, -0.5)])


def _share_within(cohort: pd.DataFrame, surviving: float, days: int) -> float:
    """``_share_reached`` from the estimate at ``days`` (see there)."""
    if cohort.empty or (cohort["days"].max() < days and surviving > 0):
        return float("nan")
    return float(round_half_up(100 * (1 - surviving), 1))


def _finite(value: Any) -> float:
    number = float(value)
    return number if np.isfinite(number) else float("nan")


def _median(estimate: _Estimate) -> tuple[float, float, float]:
    """Median days to permanence with its interval; blank where the estimate never reaches 50%."""
    # The lower survival band crosses 50% first, so it gives the interval's shorter end.
    return (
        _median_of(estimate.times, estimate.surviving),
        _median_of(estimate.times, estimate.lower),
        _median_of(estimate.times, estimate.upper),
    )


def _groups(cohort: pd.DataFrame) -> list[tuple[str, str, pd.DataFrame]]:
    """The whole cohort, then each age band at entry: (breakdown, group, rows)."""
    bands = cohort.groupby("entry_age_band", observed=False, sort=True)
    return [(TOTAL_BREAKDOWN, TOTAL_GROUP, cohort)] + [
        (BREAKDOWN, str(band), rows) for band, rows in bands
    ]


def permanence_summary(
    source: ProcessedData | PermanenceInputs,
    period_end: str | pd.Timestamp,
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """The estimate for all children and each age band at entry, in one table.

    Args:
        source: Processed data or prepared permanence inputs.
        period_end: The reference date R.
        settings: Local rules (when ``source`` is processed data).

    Returns:
        One row per group (``All children``, then the age bands): ``group``, ``children``,
        ``reached`` (children who reached permanence), ``still_looked_after``,
        ``left_otherwise``, ``median_days`` with ``median_lower`` and ``median_upper`` (blank
        where not reached), ``within_1yr_pct`` and ``within_2yr_pct``.
    """
    inputs, cohort = _cohort_at(source, period_end, settings)
    confidence = inputs.settings.permanence_confidence
    rows = []
    for breakdown, group, members in _groups(cohort):
        name = ALL_CHILDREN if breakdown == TOTAL_BREAKDOWN else group
        row: dict[str, Any] = {
            "group": name,
            "children": len(members),
            "reached": int(members["reached"].sum()),
            "still_looked_after": int(members["still_looked_after"].sum()),
            "left_otherwise": int(members["left_otherwise"].sum()),
            "median_days": float("nan"),
            "median_lower": float("nan"),
            "median_upper": float("nan"),
            "within_1yr_pct": float("nan"),
            "within_2yr_pct": float("nan"),
        }
        if len(members):
            estimate = _fit(members, confidence)
            row["median_days"], row["median_lower"], row["median_upper"] = _median(estimate)
            row["within_1yr_pct"] = _share_reached(estimate, members, 365)
            row["within_2yr_pct"] = _share_reached(estimate, members, 730)
        rows.append(row)
    return pd.DataFrame(rows)


def permanence_curves(
    source: ProcessedData | PermanenceInputs,
    period_end: str | pd.Timestamp,
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """The estimated share reaching permanence by days since entry, for charting.

    Args:
        source: Processed data or prepared permanence inputs.
        period_end: The reference date R.
        settings: Local rules (when ``source`` is processed data).

    Returns:
        Long table: ``group`` (``All children`` and each age band at entry with children),
        ``days``, ``reached_pct`` with ``lower_pct`` and ``upper_pct`` (the confidence band),
        and ``at_risk`` (children still followed, not yet permanent, at that day).
    """
    inputs, cohort = _cohort_at(source, period_end, settings)
    confidence = inputs.settings.permanence_confidence
    parts = []
    for breakdown, group, members in _groups(cohort):
        if members.empty:
            continue
        name = ALL_CHILDREN if breakdown == TOTAL_BREAKDOWN else group
        estimate = _fit(members, confidence)
        parts.append(
            pd.DataFrame(
                {
                    "group": name,
                    "days": estimate.times,
                    "reached_pct": 100 * (1 - estimate.surviving),
                    "lower_pct": 100 * (1 - estimate.upper),
                    "upper_pct": 100 * (1 - estimate.lower),
                    "at_risk": estimate.at_risk,
                }
            )
        )
    columns = ["group", "days", "reached_pct", "lower_pct", "upper_pct", "at_risk"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def permanence_survival_series(
    inputs: PermanenceInputs, period_ends: Sequence[pd.Timestamp]
) -> pd.DataFrame:
    """The time-to-permanence indicators at each reference date, for the whole cohort.

    ``permanence_within_1yr_pct`` and ``..._2yr_pct``: the estimated % of the cohort reaching
    permanence within 365 and 730 days of entry (numerator: children seen to reach it that
    soon; denominator: the cohort; unknown: children followed for less than that time without
    reaching it). ``permanence_median_days``: the estimated median days to permanence
    (numerator: children who reached it; denominator: the cohort), blank while fewer than half
    are estimated to reach it.

    Each estimate is worked out as lifelines would (``kaplan_meier``), without its cost per fit;
    the series holds the whole cohort only, and the breakdown by age band at entry is
    ``permanence_summary`` at the report's date.

    Args:
        inputs: Prepared permanence inputs.
        period_ends: Reference dates.

    Returns:
        Metric-table rows, not yet validated or in catalogue order.
    """
    rows: list[tuple[Any, ...]] = []
    for period_end in period_ends:
        # How each child was followed up, without the ages at entry the series does not use.
        followed = _followed(inputs, period_end)[1]
        cohort = pd.DataFrame({name: followed[name] for name in ("reached", "days")})
        # The whole cohort only (the first of ``_groups``, without grouping it by age band).
        for breakdown, group, members in [(TOTAL_BREAKDOWN, TOTAL_GROUP, cohort)]:
            children = float(len(members))
            estimate = (
                kaplan_meier(members["days"].to_numpy(), members["reached"].to_numpy())
                if len(members)
                else None
            )
            for indicator_id, days in WITHIN_DAYS.items():
                seen = members["reached"] & (members["days"] <= days)
                short = ~members["reached"] & (members["days"] < days)
                value = (
                    float("nan")
                    if estimate is None
                    else _share_within(members, _survival_at(*estimate, days), days)
                )
                rows.append(
                    (
                        indicator_id,
                        period_end,
                        breakdown,
                        group,
                        float(seen.sum()),
                        children,
                        value,
                        float(short.sum()),
                    )
                )
            # The median alone: its interval (``_median``) is for the report's table.
            median = float("nan") if estimate is None else _median_of(*estimate)
            rows.append(
                (
                    MEDIAN_ID,
                    period_end,
                    breakdown,
                    group,
                    float(members["reached"].sum()),
                    children,
                    median,
                    float("nan"),
                )
            )
    return pd.DataFrame(rows, columns=METRIC_COLUMNS)
