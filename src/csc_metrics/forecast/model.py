"""Fit the placement demand model and forecast: the functions notebooks and the CLI call.

    model = fit_model(data, "E10000017")                       # origin: the latest quarter end
    result = forecast(model, quarters=12, scenario=read_scenario("fewer_teen_entries.yaml"))
    result.table()                                              # the long output table

Choices (all in ``docs/forecast.md``): the forecast origin is a quarter end in the data
(default: the latest); rates are measured over the ``reference_years`` before it (default 3,
shortened to the data if they start later, never under one year); the projection runs whole
quarters, up to 12 (3 years).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from csc_metrics import dates
from csc_metrics.errors import ParameterError
from csc_metrics.forecast.costs import Costs, projected_spend, read_costs
from csc_metrics.forecast.projection import (
    DEFAULT_INTERVAL,
    GROUPS,
    RATE_DRAWS,
    RateDraws,
    draw_rate_multipliers,
    project,
)
from csc_metrics.forecast.projection import Projection as Projection
from csc_metrics.forecast.rates import (
    Hazards,
    QuarterlyRates,
    RateCounts,
    count_events,
    hazards,
    quarterly,
)
from csc_metrics.forecast.scenarios import Scenario, apply_scenario
from csc_metrics.forecast.states import CATEGORY_IDS, STATES, state_name
from csc_metrics.forecast.timeline import Timeline, build_timeline
from csc_metrics.indicators.prepare import data_coverage, prepare_episodes
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.storage import ProcessedData

DEFAULT_REFERENCE_YEARS = 3
#: Half-life of the weights that make recent years count more (docs/forecast.md, "Recent years
#: count more"); 0 or None weighs every day of the window alike.
DEFAULT_HALF_LIFE_YEARS = 1.0
MAX_QUARTERS = 12
MIN_REFERENCE_DAYS = 365
BASE = "base"


@dataclass
class DemandModel:
    """A fitted model: the history, what was counted, and the rates.

    Attributes:
        la_code: The council.
        timeline: The children's stays in model states.
        coverage: ``(start, end)`` of the data.
        origin: The forecast origin (the end of the reference window).
        counts: Events and exposure over the reference window, and the stock at the origin.
        hazards: Daily rates.
        rates: Quarterly rates.
        draws: Rate multipliers for the uncertainty band.
        half_life_years: Half-life of the recency weights (None: all days alike).
        notes: Plain-English notes on choices the data forced (shortened window...).
    """

    la_code: str
    timeline: Timeline
    coverage: tuple[pd.Timestamp, pd.Timestamp]
    origin: pd.Timestamp
    counts: RateCounts
    hazards: Hazards
    rates: QuarterlyRates
    draws: RateDraws
    half_life_years: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def reference_start(self) -> pd.Timestamp:
        """First day of the reference window."""
        return self.counts.start

    def history(self, dates: list[pd.Timestamp] | None = None) -> pd.DataFrame:
        """Children looked after in each group of ``GROUPS`` at past quarter ends.

        Args:
            dates: Dates to count at (default: every quarter end from the data's start to
                the origin).

        Returns:
            Columns ``quarter_end, level, category, age_band, location, actual``.
        """
        if dates is None:
            dates = list(
                pd.date_range(self.coverage[0] - pd.Timedelta(days=1), self.origin, freq="QE")
            )
        stock = self.timeline.stock_series(dates).to_numpy() @ GROUPS.matrix
        n = len(GROUPS.table)
        table = GROUPS.table.iloc[np.tile(np.arange(n), len(dates))].reset_index(drop=True)
        table.insert(0, "quarter_end", np.repeat(pd.DatetimeIndex(dates), n))
        table["actual"] = stock.ravel()
        return table


def build_model_timeline(
    data: ProcessedData,
    la_code: str,
    settings: Settings = DEFAULT_SETTINGS,
    episodes: pd.DataFrame | None = None,
) -> Timeline:
    """The children's stays in model states, from the processed data."""
    prepared = prepare_episodes(data, settings) if episodes is None else episodes
    return build_timeline(prepared, la_code)


def resolve_origin(
    start: str | pd.Timestamp | None,
    coverage: tuple[pd.Timestamp, pd.Timestamp],
    option: str = "--start",
) -> pd.Timestamp:
    """The forecast origin: ``start`` if given (a quarter end in the data), else the latest.

    Raises:
        ParameterError: For a date that is not a quarter end or is outside the data.
    """
    first, last = coverage
    quarter_ends = pd.date_range(first - pd.Timedelta(days=1), last, freq="QE")
    chosen = dates.parse_period_end(
        dates.LATEST if start is None or not str(start).strip() else start, option, latest=True
    )
    if chosen == dates.LATEST:
        if not len(quarter_ends):
            raise ParameterError(
                f"The data ({first:%Y-%m-%d} to {last:%Y-%m-%d}) cover no quarter end to "
                "forecast from."
            )
        return quarter_ends[-1]
    origin = pd.Timestamp(chosen)
    if not dates.is_quarter_end(origin):
        raise ParameterError(
            f"{option} {origin:%Y-%m-%d} is not a quarter end: the forecast runs in quarters "
            "from 30 June, 30 September, 31 December or 31 March."
        )
    if not first - pd.Timedelta(days=1) <= origin <= last:
        raise ParameterError(
            f"{option} {origin:%Y-%m-%d} is outside the data, which cover {first:%Y-%m-%d} to "
            f"{last:%Y-%m-%d}. Choose a quarter end from {quarter_ends[0]:%Y-%m-%d} to "
            f"{quarter_ends[-1]:%Y-%m-%d}."
            if len(quarter_ends)
            else f"{option} {origin:%Y-%m-%d} is outside the data ({first:%Y-%m-%d} to "
            f"{last:%Y-%m-%d})."
        )
    return origin


def fit_model(
    data: ProcessedData | None,
    la_code: str,
    *,
    start: str | pd.Timestamp | None = None,
    reference_years: float = DEFAULT_REFERENCE_YEARS,
    settings: Settings = DEFAULT_SETTINGS,
    timeline: Timeline | None = None,
    coverage: tuple[pd.Timestamp, pd.Timestamp] | None = None,
    draws: int = RATE_DRAWS,
    half_life_years: float | None = DEFAULT_HALF_LIFE_YEARS,
) -> DemandModel:
    """Measure the rates over the reference window before the origin.

    Args:
        data: Processed data (may be None when ``timeline`` and ``coverage`` are given).
        la_code: The responsible council.
        start: Forecast origin (a quarter end, YYYY-MM-DD); default the latest in the data.
        reference_years: Length of the reference window in years.
        settings: Local rules (short breaks, temporary placements...).
        timeline: Stays already built (the backtest refits on one timeline).
        coverage: The data's ``(start, end)``, with ``timeline``.
        draws: Rate draws for the uncertainty band.
        half_life_years: Recent years count more: a day or event this many years before the
            origin counts half as much as one at the origin. 0 or None counts all alike.

    Returns:
        The fitted model.

    Raises:
        ParameterError: For a bad origin or reference window.
    """
    if not reference_years or reference_years <= 0:
        raise ParameterError(
            f"--reference-years {reference_years} must be a positive number of years (e.g. 3)."
        )
    if half_life_years is not None and half_life_years < 0:
        raise ParameterError(
            f"--half-life-years {half_life_years} must be 0 (all years alike) or more."
        )
    if data is None and (coverage is None or timeline is None):
        raise ParameterError(
            "fit_model needs the processed data unless coverage and timeline are given."
        )
    if coverage is None:
        assert data is not None  # checked above
        coverage = data_coverage(data)
    if timeline is None:
        assert data is not None  # checked above
        timeline = build_model_timeline(data, la_code, settings)
    origin = resolve_origin(start, coverage)
    wanted = origin - pd.DateOffset(months=round(12 * reference_years))
    window_start = max(wanted, coverage[0] - pd.Timedelta(days=1))
    notes = []
    if (origin - window_start).days < MIN_REFERENCE_DAYS:
        raise ParameterError(
            f"Only {(origin - window_start).days} days of data before {origin:%Y-%m-%d} (the "
            f"data start on {coverage[0]:%Y-%m-%d}): the rates need at least a year. Choose a "
            "later --start."
        )
    if window_start > wanted:
        notes.append(
            f"The data start on {coverage[0]:%d %B %Y}, so the rates are measured over "
            f"{(origin - window_start).days / 365.25:.1f} years, not {reference_years:g}."
        )
    if timeline.children_without_dob:
        notes.append(
            f"{timeline.children_without_dob} child(ren) without a date of birth are left out "
            "of the model (no age band)."
        )
    counts = count_events(
        timeline, window_start, origin, None if not half_life_years else half_life_years * 365.25
    )
    rates_per_day = hazards(counts)
    if rates_per_day.borrowed.any():
        notes.append(
            f"{int(rates_per_day.borrowed.sum())} state(s) had children at the start but none "
            "in the reference window; they leave care at the average rate of all children."
        )
    return DemandModel(
        la_code=la_code,
        timeline=timeline,
        coverage=coverage,
        origin=origin,
        counts=counts,
        hazards=rates_per_day,
        rates=quarterly(rates_per_day.moves, rates_per_day.exits, rates_per_day.entries),
        draws=draw_rate_multipliers(counts, draws),
        half_life_years=half_life_years or None,
        notes=notes,
    )


@dataclass
class ForecastRun:
    """One projection (base or scenario) with its spend."""

    name: str
    rates: QuarterlyRates
    projection: Projection
    spend: np.ndarray
    weekly_cost: np.ndarray
    notes: list[str] = field(default_factory=list)


@dataclass
class ForecastResult:
    """The base forecast, any scenario, and the costs used."""

    model: DemandModel
    costs: Costs
    interval: float
    runs: list[ForecastRun]

    @property
    def base(self) -> ForecastRun:
        """The base forecast."""
        return self.runs[0]

    @property
    def scenario(self) -> ForecastRun | None:
        """The scenario forecast, if one was given."""
        return self.runs[1] if len(self.runs) > 1 else None

    def table(self) -> pd.DataFrame:
        """The long output table, one row per quarter end, run and group (origin excluded).

        Returns:
            Columns ``quarter_end, scenario, level, state, category, age_band, location,
            expected, lower, upper, weekly_cost, spend``. State rows carry their unit cost and
            spend; category, location and total rows add their states' spend and give the
            average weekly cost per child.
        """
        frames = []
        for run in self.runs:
            frame = run.projection.frame(self.interval)
            frame = frame[frame["quarter_end"] > self.model.origin].reset_index(drop=True)
            spend = run.spend @ GROUPS.matrix
            child_weeks = _child_weeks(run.projection) @ GROUPS.matrix
            with np.errstate(divide="ignore", invalid="ignore"):
                weekly = np.where(child_weeks > 0, spend / child_weeks, np.nan)
            state_rows = GROUPS.table["level"].eq("state").to_numpy()
            category_costs = np.vstack([run.weekly_cost[k] for k in range(len(run.weekly_cost))])
            weekly[:, state_rows] = category_costs
            category_rows = np.flatnonzero(GROUPS.table["level"].eq("category").to_numpy())
            first_state = [CATEGORY_IDS.index(c) * STATES.n_locations for c in CATEGORY_IDS]
            weekly[:, category_rows] = category_costs[:, first_state]
            frame["weekly_cost"] = weekly.ravel()
            frame["spend"] = spend.ravel()
            frame.insert(1, "scenario", run.name)
            frames.append(frame)
        table = pd.concat(frames, ignore_index=True)
        table.insert(
            3,
            "state",
            [
                state_name(a, c, loc) if level == "state" else ""
                for level, a, c, loc in zip(
                    table["level"],
                    table["age_band"],
                    table["category"],
                    table["location"],
                    strict=True,
                )
            ],
        )
        return table.drop(columns="sd")

    def spend_by_year(self) -> pd.DataFrame:
        """Spend in each forecast year (four quarters from the origin), by run and category.

        Returns:
            Columns ``scenario, year (1, 2, 3), year_end, category, spend``.
        """
        rows = []
        for run in self.runs:
            by_category = run.spend @ GROUPS.matrix[:, GROUPS.table["level"].eq("category")]
            dates = run.projection.dates[1:]
            for year in range(len(dates) // 4):
                chunk = by_category[4 * year : 4 * year + 4].sum(axis=0)
                for category, value in zip(CATEGORY_IDS, chunk, strict=True):
                    rows.append(
                        {
                            "scenario": run.name,
                            "year": year + 1,
                            "year_end": dates[4 * year + 3],
                            "category": category,
                            "spend": float(value),
                        }
                    )
        return pd.DataFrame(rows)


def _child_weeks(projection: Projection) -> np.ndarray:
    """Expected child-weeks by state in each quarter (mean of the stock at start and end)."""
    stock = projection.state_expected
    days = np.diff([d.toordinal() for d in projection.dates])
    return (stock[:-1] + stock[1:]) / 2 * days[:, None] / 7


def forecast(
    model: DemandModel,
    *,
    quarters: int = MAX_QUARTERS,
    scenario: Scenario | None = None,
    costs: Costs | None = None,
    interval: float = DEFAULT_INTERVAL,
) -> ForecastResult:
    """Project the base and, if given, a scenario, and cost them.

    Args:
        model: The fitted model.
        quarters: Quarters ahead (1 to 12).
        scenario: Changes to the rates, or None.
        costs: Unit costs (default: the shipped defaults).
        interval: Central probability of the band.

    Returns:
        The result.

    Raises:
        ParameterError: For a horizon outside 1-12 quarters.
    """
    if not 1 <= quarters <= MAX_QUARTERS:
        raise ParameterError(
            f"The horizon must be 3 to {3 * MAX_QUARTERS} months in whole quarters, not "
            f"{3 * quarters} months."
        )
    costs = read_costs() if costs is None else costs
    runs = [_run(model, BASE, model.rates, quarters, costs)]
    if scenario is not None:
        changed, notes = apply_scenario(model.rates, scenario)
        runs.append(_run(model, scenario.name, changed, quarters, costs, notes))
    return ForecastResult(model=model, costs=costs, interval=interval, runs=runs)


def _run(
    model: DemandModel,
    name: str,
    rates: QuarterlyRates,
    quarters: int,
    costs: Costs,
    notes: list[str] | None = None,
) -> ForecastRun:
    projection = project(model.counts.stock, rates, model.origin, quarters, model.draws)
    spend, weekly = projected_spend(projection.state_expected, projection.dates, costs)
    return ForecastRun(
        name=name,
        rates=rates,
        projection=projection,
        spend=spend,
        weekly_cost=weekly,
        notes=notes or [],
    )


def horizon_quarters(months: int) -> int:
    """Quarters in a horizon given in months (a multiple of 3 from 3 to 36).

    Raises:
        ParameterError: Otherwise.
    """
    if months % 3 or not 3 <= months <= 3 * MAX_QUARTERS:
        raise ParameterError(
            f"--horizon-months {months}: give whole quarters from 3 to {3 * MAX_QUARTERS} "
            "months (3, 6, 9 ... 36)."
        )
    return months // 3
