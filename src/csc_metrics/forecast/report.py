"""What the demand and cost report shows, as plain tables and sentences.

``build_report`` fits the model, forecasts the base and any scenario, runs the backtest and the
two checks (RO3, workforce) once; the functions below shape the results for the notebook's
charts and tables (``views.forecast`` draws them) and write the key messages by fixed rules.
Nothing here identifies a child: every figure is a count of children or money.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from csc_metrics.dates import format_date
from csc_metrics.forecast.backtest import Backtest, run_backtest
from csc_metrics.forecast.costs import (
    Calibration,
    Costs,
    actual_spend,
    calibrate,
    read_costs,
    state_costs,
)
from csc_metrics.forecast.model import (
    BASE,
    DEFAULT_HALF_LIFE_YEARS,
    DEFAULT_REFERENCE_YEARS,
    MAX_QUARTERS,
    DemandModel,
    ForecastResult,
    build_model_timeline,
    fit_model,
    forecast,
)
from csc_metrics.forecast.projection import ALL
from csc_metrics.forecast.scenarios import read_scenario
from csc_metrics.forecast.states import CATEGORY_IDS, CATEGORY_LABELS, STATES
from csc_metrics.forecast.workforce import TodaysWorkforce, fte_needed, todays_workforce
from csc_metrics.formatting import format_money
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.storage import ProcessedData

#: The two categories that are the cost pressure (the seed report's financial section).
PRESSURE = ("external_residential", "ifa")
#: The age band the planted drift and the seed report's concern are about.
TEEN_BAND = "10-16"
TOTAL_LABEL = "All children looked after"
#: A change in a count over three years is worth a sentence when it is at least this share.
NOTABLE_CHANGE = 0.10


@dataclass
class ForecastReport:
    """Everything the demand and cost report shows, computed once.

    Attributes:
        model: The fitted model.
        result: Base forecast and any scenario, with costs.
        backtest: How good the forecast has been.
        calibration: Modelled residential spend against RO3.
        workforce: Today's case-holding capacity.
        fte: FTE needed at each forecast year end (``workforce.fte_needed``).
        settings: The settings used (caseload threshold).
    """

    model: DemandModel
    result: ForecastResult
    backtest: Backtest
    calibration: Calibration
    workforce: TodaysWorkforce
    fte: pd.DataFrame
    settings: Settings

    @property
    def costs(self) -> Costs:
        """The unit costs used."""
        return self.result.costs

    @property
    def year_ends(self) -> list[pd.Timestamp]:
        """Each forecast year end (every fourth quarter end), or the last quarter end."""
        dates = self.result.base.projection.dates[1:]
        ends = dates[3::4]
        return list(ends) if ends else dates[-1:]


def build_report(
    data: ProcessedData,
    la_code: str,
    *,
    start: str | pd.Timestamp | None = None,
    quarters: int = MAX_QUARTERS,
    reference_years: float = DEFAULT_REFERENCE_YEARS,
    half_life_years: float | None = DEFAULT_HALF_LIFE_YEARS,
    scenario_file: str | Path | None = None,
    costs_file: str | Path | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    episodes: pd.DataFrame | None = None,
) -> ForecastReport:
    """Fit, forecast, backtest and check, for the report.

    Args:
        data: Processed data.
        la_code: The council.
        start: Forecast origin (a quarter end); default the latest.
        quarters: Quarters ahead (default 12).
        reference_years: Reference window in years.
        half_life_years: Recency weights' half-life (0 or None: all alike).
        scenario_file: A scenario file, or None.
        costs_file: A costs file, or None for the defaults.
        settings: Local rules (caseload threshold).
        episodes: The data's episodes as ``indicators.prepare.prepare_episodes`` gives them
            with these settings, when the caller has them already (the report preparation's
            ``prepare_inputs``); None prepares them here.

    Returns:
        The report's results.
    """
    scenario = read_scenario(Path(scenario_file)) if scenario_file else None
    costs = read_costs(Path(costs_file) if costs_file else None)
    model = fit_model(
        data,
        la_code,
        start=start,
        reference_years=reference_years,
        half_life_years=half_life_years,
        settings=settings,
        timeline=build_model_timeline(data, la_code, settings, episodes),
    )
    result = forecast(model, quarters=quarters, scenario=scenario, costs=costs)
    today = todays_workforce(data, model.origin, settings)
    report = ForecastReport(
        model=model,
        result=result,
        backtest=run_backtest(model),
        calibration=calibrate(model.timeline, model.coverage, la_code, costs, model.origin),
        workforce=today,
        fte=pd.DataFrame(),
        settings=settings,
    )
    totals = _rows(report, level="total", run=BASE)
    report.fte = fte_needed(totals[totals["quarter_end"].isin(report.year_ends)], today, settings)
    return report


def _rows(report: ForecastReport, *, level: str, run: str | None = None) -> pd.DataFrame:
    """Forecast rows of one level (``category``, ``location``, ``total``), origin included."""
    frames = []
    for each in report.result.runs:
        if run is not None and each.name != run:
            continue
        frame = each.projection.frame(report.result.interval)
        frames.append(frame[frame["level"] == level].assign(scenario=each.name))
    return pd.concat(frames, ignore_index=True)


def label(category: str) -> str:
    """A category's label for people (``all`` is every child looked after)."""
    return TOTAL_LABEL if category == ALL else CATEGORY_LABELS[category]


# --- Numbers over time -----------------------------------------------------------------------


def category_paths(report: ForecastReport) -> pd.DataFrame:
    """The number in each category and in all, actual up to the origin, then each run's forecast.

    Returns:
        Columns ``quarter_end, category, label, series`` (``actual``, ``base`` or the scenario's
        name), ``expected, lower, upper`` (for actual rows all three are the count).
    """
    history = report.model.history()
    history = history[history["level"].isin(["category", "total"])]
    actual = pd.DataFrame(
        {
            "quarter_end": history["quarter_end"],
            "category": history["category"],
            "series": "actual",
            "expected": history["actual"],
            "lower": history["actual"],
            "upper": history["actual"],
        }
    )
    forecasts = []
    for level in ("category", "total"):
        rows = _rows(report, level=level)
        forecasts.append(
            pd.DataFrame(
                {
                    "quarter_end": rows["quarter_end"],
                    "category": rows["category"],
                    "series": rows["scenario"],
                    "expected": rows["expected"],
                    "lower": rows["lower"],
                    "upper": rows["upper"],
                }
            )
        )
    paths = pd.concat([actual, *forecasts], ignore_index=True)
    paths.insert(2, "label", paths["category"].map(label))
    return paths


def band_history(report: ForecastReport, categories: tuple[str, ...], age_band: str) -> pd.Series:
    """Children of one age band in some categories at each past quarter end."""
    history = report.model.history()
    rows = history[
        (history["level"] == "state")
        & (history["age_band"] == age_band)
        & history["category"].isin(categories)
    ]
    return rows.groupby("quarter_end")["actual"].sum()


# --- Money -----------------------------------------------------------------------------------


def spend_last_year(report: ForecastReport) -> pd.Series:
    """Modelled spend by category in the 12 months to the origin (actual days x unit costs)."""
    model = report.model
    start = model.origin - pd.DateOffset(years=1) + pd.Timedelta(days=1)
    if start < model.coverage[0]:
        return pd.Series(np.nan, index=list(CATEGORY_IDS))
    spend = actual_spend(model.timeline, start, model.origin, report.costs, model.origin)
    category = STATES.parts()["category"].to_numpy()
    return pd.Series(spend).groupby(category).sum().reindex(list(CATEGORY_IDS))


def spend_next_year(report: ForecastReport, run: str = BASE) -> pd.Series:
    """Forecast spend by category in the first forecast year (four quarters)."""
    spend = report.result.spend_by_year()
    rows = spend[(spend["scenario"] == run) & (spend["year"] == 1)]
    return rows.set_index("category")["spend"].reindex(list(CATEGORY_IDS))


def spend_change(report: ForecastReport) -> dict[str, float]:
    """Forecast spend next year against modelled spend in the year to the origin (base).

    Returns:
        ``this_year``, ``next_year``, ``change`` (GBP) and ``change_pct``; NaN where the data
        do not cover the last 12 months or the horizon is under a year.
    """
    this_year = float(spend_last_year(report).sum(min_count=1))
    next_year = float(spend_next_year(report).sum(min_count=1))
    change = next_year - this_year
    return {
        "this_year": this_year,
        "next_year": next_year,
        "change": change,
        "change_pct": 100 * change / this_year if this_year else float("nan"),
    }


def pressure_table(report: ForecastReport) -> pd.DataFrame:
    """External residential and IFA: children now and at each forecast year end, and spend.

    Returns:
        One row per run, category and date: ``scenario, category, label, quarter_end,
        children, lower, upper, spend_year`` (spend in the 12 months to the date; for the
        origin, the modelled spend of the past 12 months).
    """
    rows = []
    last_year = spend_last_year(report)
    spend = report.result.spend_by_year()
    for run in report.result.runs:
        frame = _rows(report, level="category", run=run.name)
        for category in PRESSURE:
            mine = frame[frame["category"] == category].set_index("quarter_end")
            origin_row = mine.loc[report.model.origin]
            rows.append(
                {
                    "scenario": run.name,
                    "category": category,
                    "label": label(category),
                    "quarter_end": report.model.origin,
                    "children": origin_row["expected"],
                    "lower": np.nan,
                    "upper": np.nan,
                    "spend_year": last_year[category],
                }
            )
            for year, when in enumerate(report.year_ends, start=1):
                money = spend[
                    (spend["scenario"] == run.name)
                    & (spend["year"] == year)
                    & (spend["category"] == category)
                ]["spend"]
                rows.append(
                    {
                        "scenario": run.name,
                        "category": category,
                        "label": label(category),
                        "quarter_end": when,
                        "children": mine.loc[when, "expected"],
                        "lower": mine.loc[when, "lower"],
                        "upper": mine.loc[when, "upper"],
                        "spend_year": float(money.iloc[0]) if len(money) else np.nan,
                    }
                )
    return pd.DataFrame(rows)


def scenario_table(report: ForecastReport) -> pd.DataFrame | None:
    """Base against scenario by category at each forecast year end (None without a scenario).

    Returns:
        ``category, label, quarter_end, base, scenario, difference, base_spend,
        scenario_spend, spend_difference`` (spend in the forecast year ending then).
    """
    scenario = report.result.scenario
    if scenario is None:
        return None
    spend = report.result.spend_by_year()
    rows = []
    for level in ("category", "total"):
        frame = _rows(report, level=level)
        for year, when in enumerate(report.year_ends, start=1):
            at = frame[frame["quarter_end"] == when]
            for category in [*CATEGORY_IDS] if level == "category" else [ALL]:
                pick = at["category"] == category
                base = at[pick & (at["scenario"] == BASE)]["expected"].sum()
                other = at[pick & (at["scenario"] == scenario.name)]["expected"].sum()
                in_year = spend[spend["year"] == year]
                if category != ALL:
                    in_year = in_year[in_year["category"] == category]
                base_spend = in_year[in_year["scenario"] == BASE]["spend"].sum()
                other_spend = in_year[in_year["scenario"] == scenario.name]["spend"].sum()
                rows.append(
                    {
                        "category": category,
                        "label": label(category),
                        "quarter_end": when,
                        "base": base,
                        "scenario": other,
                        "difference": other - base,
                        "base_spend": base_spend,
                        "scenario_spend": other_spend,
                        "spend_difference": other_spend - base_spend,
                    }
                )
    return pd.DataFrame(rows)


# --- Key messages ----------------------------------------------------------------------------


def money(value: float) -> str:
    """GBP for a sentence: £1.2m, £850k, £900 (``formatting.format_money``)."""
    text = format_money(value)
    return text or "not known"


def _count(value: float) -> str:
    return f"{value:,.0f}"


def _long(when: pd.Timestamp) -> str:
    return format_date(when)


def _direction(change: float, size: float) -> str:
    if abs(change) < max(0.5, NOTABLE_CHANGE * size / 2):
        return "stay about the same"
    return "rise" if change > 0 else "fall"


def key_messages(report: ForecastReport) -> list[str]:
    """The report's key messages, by fixed rules (most important first).

    1. The forecast number of children looked after in a year and at the end of the horizon.
    2. The cost pressure: external residential and IFA, and among 10-16-year-olds how their
       number has moved over the three years to the origin (named when it moved by 10% or more).
    3. Forecast spend next year against the modelled spend of the last 12 months, saying
       whether the unit costs are the defaults.
    4. The scenario's effect on the number and on spend, when there is one.
    5. How far to trust it: the backtest at 12 months against persistence.
    6. The case-holding FTE the forecast needs at the caseload threshold.

    Returns:
        Sentences.
    """
    model = report.model
    messages = []
    totals = _rows(report, level="total", run=BASE).set_index("quarter_end")
    now = totals.loc[model.origin, "expected"]
    first, last = report.year_ends[0], report.year_ends[-1]
    one, end = totals.loc[first], totals.loc[last]
    messages.append(
        f"Children looked after are forecast to {_direction(end['expected'] - now, now)}: "
        f"{_count(now)} at {_long(model.origin)}, about {_count(one['expected'])} at "
        f"{_long(first)} (likely range {_count(one['lower'])} to {_count(one['upper'])})"
        + (
            f" and {_count(end['expected'])} at {_long(last)} ({_count(end['lower'])} to "
            f"{_count(end['upper'])})."
            if last != first
            else "."
        )
    )
    messages.append(_pressure_message(report))
    spend = spend_change(report)
    if not np.isnan(spend["next_year"]):
        basis = (
            "at the default unit costs, which are assumptions"
            if report.costs.is_default
            else "at the council's unit costs"
        )
        if np.isnan(spend["this_year"]):
            messages.append(
                f"Placement spend is forecast at {money(spend['next_year'])} in the year to "
                f"{_long(first)} ({basis})."
            )
        else:
            verb = "more" if spend["change"] >= 0 else "less"
            messages.append(
                f"Placement spend is forecast at {money(spend['next_year'])} in the year to "
                f"{_long(first)}, {money(abs(spend['change']))} ({abs(spend['change_pct']):.0f}%) "
                f"{verb} than the {money(spend['this_year'])} of the last 12 months ({basis})."
            )
    scenario_message = _scenario_message(report)
    if scenario_message:
        messages.append(scenario_message)
    trust = _trust_message(report)
    if trust:
        messages.append(trust)
    if len(report.fte):
        row = report.fte.iloc[0]
        threshold = report.settings.caseload_threshold
        sentence = (
            f"At {threshold:g} children per case-holding social worker, the forecast "
            f"{_count(row['children'])} children looked after at {_long(first)} need "
            f"{row['fte_needed']:,.1f} FTE"
        )
        if not np.isnan(row["cla_fte_today"]):
            sentence += (
                f", against {row['cla_fte_today']:,.1f} FTE working with children looked after "
                "today"
            )
        messages.append(sentence + ".")
    return messages


def _pressure_message(report: ForecastReport) -> str:
    model = report.model
    rows = _rows(report, level="category", run=BASE)
    first = report.year_ends[0]
    now = rows[(rows["quarter_end"] == model.origin) & rows["category"].isin(PRESSURE)]
    then = rows[(rows["quarter_end"] == first) & rows["category"].isin(PRESSURE)]
    spend = spend_next_year(report)[list(PRESSURE)].sum()
    sentence = (
        f"External residential and IFA placements, the main cost pressure: "
        f"{_count(now['expected'].sum())} children now, about {_count(then['expected'].sum())} "
        f"forecast at {_long(first)}, costing {money(spend)} in that year."
    )
    teens = band_history(report, PRESSURE, TEEN_BAND)
    earlier = model.origin - pd.DateOffset(years=3)
    if earlier in teens.index and teens.loc[earlier] > 0:
        before, after = teens.loc[earlier], teens.loc[model.origin]
        change = (after - before) / before
        if abs(change) >= NOTABLE_CHANGE:
            sentence += (
                f" Among children aged 10-16 they have {'risen' if change > 0 else 'fallen'} "
                f"from {_count(before)} to {_count(after)} in three years "
                f"({change:+.0%})."
            )
    return sentence


def _scenario_message(report: ForecastReport) -> str | None:
    table = scenario_table(report)
    if table is None or table.empty:
        return None
    first = report.year_ends[0]
    total = table[(table["category"] == ALL) & (table["quarter_end"] == first)].iloc[0]
    scenario = report.result.scenario
    if scenario is None:
        return None
    name = scenario.name
    children = total["difference"]
    spend = total["spend_difference"]
    return (
        f"Scenario '{name}': {_count(abs(children))} {'more' if children >= 0 else 'fewer'} "
        f"children looked after than the base forecast at {_long(first)}, and "
        f"{money(abs(spend))} {'more' if spend >= 0 else 'less'} spent in the year to then."
    )


def _trust_message(report: ForecastReport) -> str | None:
    year = report.backtest.at_months(12)
    if year is None or np.isnan(year["mape_model"]):
        return None
    better = year["mape_model"] < year["mape_persistence"]
    return (
        f"How far to trust it: refitted a year and two years ago, the forecast was "
        f"{year['mape_model']:.0f}% out on average after 12 months, against "
        f"{year['mape_persistence']:.0f}% for assuming no change"
        + (" (the forecast did better)." if better else " (the forecast did no better).")
    )


def calibration_table(report: ForecastReport) -> pd.DataFrame:
    """The RO3 calibration as a one-row table (blank figures where not available)."""
    check = report.calibration
    return pd.DataFrame(
        [
            {
                "financial_year": check.financial_year,
                "modelled_residential_spend": check.modelled_gbp,
                "ro3_residential_spend": check.ro3_gbp,
                "ratio": check.ratio,
                "residential_child_weeks": check.residential_child_weeks,
                "ro3_implied_weekly_cost": check.implied_weekly_cost,
                "note": check.note,
            }
        ]
    )


def unit_cost_table(report: ForecastReport) -> pd.DataFrame:
    """The unit costs used, with their basis and source where the file gives them."""
    table = report.costs.table.copy()
    table["weekly_cost"] = report.costs.weekly
    table["inflation_pct"] = report.costs.inflation_pct
    keep = [c for c in ("label", "weekly_cost", "inflation_pct", "basis", "source") if c in table]
    return table[keep]


def state_costs_now(report: ForecastReport) -> np.ndarray:
    """Weekly cost of every state at the origin (for checks)."""
    return state_costs(report.costs.at(report.model.origin, report.model.origin))
