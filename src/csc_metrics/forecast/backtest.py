"""How good the forecast is: refit at earlier origins and compare with what happened.

For each offset (12 and 24 months by default) the model is fitted on the data up to
``T - offset`` (the same reference-window rule as a real forecast) and projected to ``T``, the
forecast origin. At every quarter end in between, the forecast stock of each placement category
is compared with the actual stock, beside two naive forecasts made at the same origin:

- **persistence**: the stock stays as it was at the origin;
- **trend**: a straight line fitted by least squares to the category's stock at the quarter ends
  of the three years up to the origin (fewer where the data start later), carried on (never
  below 0).

The error measure is the mean absolute percentage error (MAPE) over the categories at each
horizon: ``mean(|forecast - actual| / actual) x 100``. A category with fewer than
``MIN_ACTUAL`` (10) children at that quarter end is left out of the MAPE, for every method
alike: a percentage of a handful of children is mostly chance (one child is 20% of five). The
weighted error (WAPE: ``sum |forecast - actual| / sum actual`` over all categories) keeps them
and is shown beside it. Where both origins reach a horizon (3 to
12 months), the horizon's MAPE is the mean of the two origins'. The band's coverage is the share
of category figures that fell inside the forecast's band.

"Data up to the origin" means the episodes as the latest returns record them, cut at the
origin: later corrections to earlier years are kept (a pseudo-out-of-sample test).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from csc_metrics.forecast.model import DemandModel, fit_model, forecast
from csc_metrics.forecast.projection import GROUPS
from csc_metrics.forecast.states import CATEGORY_IDS

DEFAULT_OFFSETS = (12, 24)
TREND_YEARS = 3
#: Categories with fewer children than this at a quarter end are left out of the MAPE.
MIN_ACTUAL = 10
TOTAL = "all"


@dataclass
class Backtest:
    """Backtest results.

    Attributes:
        detail: One row per origin, quarter end and category (and the total, category
            ``all``): ``origin, quarter_end, horizon_months, category, actual, model, lower,
            upper, persistence, trend``.
        by_horizon: One row per horizon: ``horizon_months, origins, categories`` (in the
            MAPE, on average), ``mape_model, mape_persistence, mape_trend, improvement_pct``
            (how much lower the model's MAPE is than persistence's, in percent of
            persistence's), ``wape_model, wape_persistence, wape_trend``,
            ``band_coverage_pct``, ``total_ape_model, total_ape_persistence``.
        target: The origin the backtest leads up to (T).
    """

    detail: pd.DataFrame
    by_horizon: pd.DataFrame
    target: pd.Timestamp

    def at_months(self, months: int) -> pd.Series | None:
        """The by-horizon row for a horizon in months, if the backtest reached it."""
        rows = self.by_horizon[self.by_horizon["horizon_months"] == months]
        return None if rows.empty else rows.iloc[0]


def _category_columns() -> np.ndarray:
    level = GROUPS.table["level"].to_numpy()
    return np.r_[np.flatnonzero(level == "category"), np.flatnonzero(level == "total")]


def _trend(history: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """Least-squares line through each column of ``history`` (equally spaced), extended."""
    x = np.arange(len(history), dtype=float)
    if len(history) < 2:
        return np.repeat(history[-1:], len(steps), axis=0)
    slope, intercept = np.polyfit(x, history, 1)
    future = x[-1] + steps
    return np.clip(intercept + np.outer(future, slope), 0, None)


def origin_detail(model: DemandModel, target: pd.Timestamp) -> pd.DataFrame:
    """Forecast against actual, persistence and trend, from one fitted model up to ``target``."""
    quarters = len(pd.date_range(model.origin + pd.Timedelta(days=1), target, freq="QE"))
    result = forecast(model, quarters=quarters)
    projection = result.base.projection
    columns = _category_columns()
    dates = projection.dates[1:]
    frame = projection.frame(result.interval)
    frame = frame[frame["level"].isin(["category", "total"])]
    frame = frame[frame["quarter_end"] > model.origin]
    history_start = max(
        model.origin - pd.DateOffset(years=TREND_YEARS), model.coverage[0] - pd.Timedelta(days=1)
    )
    history_dates = list(pd.date_range(history_start, model.origin, freq="QE"))
    history = model.timeline.stock_series(history_dates).to_numpy() @ GROUPS.matrix[:, columns]
    actual = model.timeline.stock_series(dates).to_numpy() @ GROUPS.matrix[:, columns]
    steps = np.arange(1, len(dates) + 1, dtype=float)
    trend = _trend(history, steps)
    names = [*CATEGORY_IDS, TOTAL]
    return pd.DataFrame(
        {
            "origin": model.origin,
            "quarter_end": np.repeat(pd.DatetimeIndex(dates), len(columns)),
            "horizon_months": np.repeat(3 * steps.astype(int), len(columns)),
            "category": np.tile(names, len(dates)),
            "actual": actual.ravel(),
            "model": frame["expected"].to_numpy(),
            "lower": frame["lower"].to_numpy(),
            "upper": frame["upper"].to_numpy(),
            "persistence": np.tile(history[-1], len(dates)),
            "trend": trend.ravel(),
        }
    )


def ape(forecast_values: pd.Series, actual: pd.Series) -> pd.Series:
    """Absolute percentage error; blank where the actual is 0."""
    return ((forecast_values - actual).abs() / actual.where(actual > 0)) * 100


def summarise(detail: pd.DataFrame) -> pd.DataFrame:
    """MAPE and WAPE by horizon over the categories (the total is reported apart).

    Each origin's figures are worked out first, then averaged over the origins that reach the
    horizon.
    """
    rows = detail[detail["category"] != TOTAL].copy()
    methods = ("model", "persistence", "trend")
    counted = rows["actual"] >= MIN_ACTUAL
    for method in methods:
        rows[f"ape_{method}"] = ape(rows[method], rows["actual"]).where(counted)
        rows[f"abs_{method}"] = (rows[method] - rows["actual"]).abs()
    rows["inside"] = (rows["actual"] >= rows["lower"]) & (rows["actual"] <= rows["upper"])
    rows["counted"] = counted
    grouped = rows.groupby(["horizon_months", "origin"])
    per_origin = grouped.agg(
        categories=("counted", "sum"),
        actual=("actual", "sum"),
        band_coverage_pct=("inside", "mean"),
        **{f"mape_{m}": (f"ape_{m}", "mean") for m in methods},
        **{f"abs_{m}": (f"abs_{m}", "sum") for m in methods},
    ).reset_index()
    for method in methods:
        per_origin[f"wape_{method}"] = (
            per_origin[f"abs_{method}"] / per_origin["actual"].where(per_origin["actual"] > 0) * 100
        )
    columns = ["categories", *(f"mape_{m}" for m in methods), *(f"wape_{m}" for m in methods)]
    summary = (
        per_origin.groupby("horizon_months")
        .agg(
            origins=("origin", "size"),
            **{c: (c, "mean") for c in columns},
            band_coverage_pct=("band_coverage_pct", "mean"),
        )
        .reset_index()
    )
    summary["band_coverage_pct"] *= 100
    summary["improvement_pct"] = (
        (summary["mape_persistence"] - summary["mape_model"])
        / summary["mape_persistence"].where(summary["mape_persistence"] > 0)
        * 100
    )
    totals = detail[detail["category"] == TOTAL].copy()
    totals["ape_model"] = ape(totals["model"], totals["actual"])
    totals["ape_persistence"] = ape(totals["persistence"], totals["actual"])
    total_by_horizon = totals.groupby("horizon_months")[["ape_model", "ape_persistence"]].mean()
    summary["total_ape_model"] = summary["horizon_months"].map(total_by_horizon["ape_model"])
    summary["total_ape_persistence"] = summary["horizon_months"].map(
        total_by_horizon["ape_persistence"]
    )
    order = [
        "horizon_months",
        "origins",
        "categories",
        "mape_model",
        "mape_persistence",
        "mape_trend",
        "improvement_pct",
        "wape_model",
        "wape_persistence",
        "wape_trend",
        "band_coverage_pct",
        "total_ape_model",
        "total_ape_persistence",
    ]
    return summary[order]


def run_backtest(
    model: DemandModel,
    offsets_months: tuple[int, ...] = DEFAULT_OFFSETS,
    reference_years: float | None = None,
) -> Backtest:
    """Refit the model at each earlier origin and compare its forecasts with what happened.

    Args:
        model: The model fitted at the forecast origin T (its timeline and settings are reused).
        offsets_months: How far before T each backtest origin is.
        reference_years: Reference window of the refits (default: the model's own length,
            in whole years, at least 1). The refits use the model's half-life.

    Returns:
        The backtest; origins the data cannot support (less than a year of data before them)
        are left out.
    """
    target = model.origin
    if reference_years is None:
        reference_years = max(1, round((model.origin - model.reference_start).days / 365.25))
    details = []
    for months in offsets_months:
        origin = (target - pd.DateOffset(months=months)) + pd.offsets.QuarterEnd(0)
        first_possible = model.coverage[0] - pd.Timedelta(days=1) + pd.DateOffset(years=1)
        if origin < first_possible:
            continue
        refit = fit_model(
            None,
            model.la_code,
            start=origin,
            reference_years=reference_years,
            timeline=model.timeline,
            coverage=model.coverage,
            half_life_years=model.half_life_years,
        )
        details.append(origin_detail(refit, target))
    if not details:
        empty = pd.DataFrame(
            columns=[
                "origin",
                "quarter_end",
                "horizon_months",
                "category",
                "actual",
                "model",
                "lower",
                "upper",
                "persistence",
                "trend",
            ]
        )
        return Backtest(detail=empty, by_horizon=summarise(empty), target=target)
    detail = pd.concat(details, ignore_index=True)
    return Backtest(detail=detail, by_horizon=summarise(detail), target=target)
