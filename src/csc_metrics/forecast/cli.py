"""``csc-metrics forecast``: placement demand and cost forecast, scenarios and the backtest.

    csc-metrics forecast --raw DIR | --processed DIR --la-code CODE [--start YYYY-MM-DD]
        [--horizon-months N] [--reference-years N] [--half-life-years N] [--scenario FILE]
        [--costs FILE] [--backtest] [--format table|csv|json]

``--format json`` prints a list of ``{"quarter_end", "scenario", "level", "state", "category",
"age_band", "location", "expected", "lower", "upper", "weekly_cost", "spend"}`` objects (one
per quarter end, run and state, then the category, location and total rows); ``csv`` the same
rows; ``table`` a summary for a person. With ``--backtest`` the output is the backtest instead:
JSON ``{"target", "by_horizon": [...], "detail": [...]}``, CSV the by-horizon rows.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd

from csc_metrics.cli import printing_to_stdout
from csc_metrics.forecast.backtest import MIN_ACTUAL, Backtest, run_backtest
from csc_metrics.forecast.costs import Calibration, Costs, calibrate, read_costs
from csc_metrics.forecast.model import (
    DEFAULT_HALF_LIFE_YEARS,
    DEFAULT_REFERENCE_YEARS,
    MAX_QUARTERS,
    DemandModel,
    ForecastResult,
    fit_model,
    forecast,
    horizon_quarters,
)
from csc_metrics.forecast.scenarios import Scenario, read_scenario
from csc_metrics.forecast.states import CATEGORY_IDS, CATEGORY_LABELS
from csc_metrics.forecast.workforce import fte_needed, todays_workforce
from csc_metrics.formatting import format_money, neutralise_formulas
from csc_metrics.indicators.cli import add_source_arguments, check_la_code, load_source
from csc_metrics.settings import DEFAULT_SETTINGS

FORMATS = ("table", "csv", "json")
#: Improvement over persistence at 12 months the backtest is judged against (issue 18).
GOAL_IMPROVEMENT_PCT = 20.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's options.

    Args:
        parser: The subcommand's parser.
    """
    add_source_arguments(parser)
    parser.add_argument(
        "--la-code", required=True, metavar="CODE", help="responsible council, e.g. E10000017"
    )
    parser.add_argument(
        "--start",
        metavar="YYYY-MM-DD",
        default="latest",
        help="forecast origin, a quarter end in the data (default: the latest)",
    )
    parser.add_argument(
        "--horizon-months",
        type=int,
        default=3 * MAX_QUARTERS,
        metavar="N",
        help=f"months ahead, whole quarters up to {3 * MAX_QUARTERS} (default {3 * MAX_QUARTERS})",
    )
    parser.add_argument(
        "--reference-years",
        type=float,
        default=DEFAULT_REFERENCE_YEARS,
        metavar="N",
        help="years before the origin the rates are measured over "
        f"(default {DEFAULT_REFERENCE_YEARS})",
    )
    parser.add_argument(
        "--half-life-years",
        type=float,
        default=DEFAULT_HALF_LIFE_YEARS,
        metavar="N",
        help="recent years count more: weight halves every N years back; 0 = all alike "
        f"(default {DEFAULT_HALF_LIFE_YEARS:g})",
    )
    parser.add_argument(
        "--scenario", type=Path, metavar="FILE", help="scenario: changes to the rates (YAML/CSV)"
    )
    parser.add_argument(
        "--costs", type=Path, metavar="FILE", help="weekly unit costs by category (CSV/YAML)"
    )
    parser.add_argument(
        "--backtest", action="store_true", help="print how good the forecast has been instead"
    )
    parser.add_argument(
        "--format", choices=FORMATS, default="table", help="output format (default: table)"
    )


# --- Plain numbers ---------------------------------------------------------------------------


def _plain(value: Any, digits: int) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    number = round(float(value), digits)
    return int(number) if digits == 0 or number.is_integer() else number


def forecast_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """The forecast table as JSON-ready records (dates as YYYY-MM-DD, numbers rounded)."""
    records = []
    for row in table.itertuples(index=False):
        records.append(
            {
                "quarter_end": f"{row.quarter_end:%Y-%m-%d}",
                "scenario": row.scenario,
                "level": row.level,
                "state": row.state or None,
                "category": row.category,
                "age_band": row.age_band,
                "location": row.location,
                "expected": _plain(row.expected, 2),
                "lower": _plain(row.lower, 2),
                "upper": _plain(row.upper, 2),
                "weekly_cost": _plain(row.weekly_cost, 2),
                "spend": _plain(row.spend, 0),
            }
        )
    return records


def backtest_records(backtest: Backtest) -> dict[str, Any]:
    """The backtest as a JSON-ready object."""
    summary = [
        {
            key: (_plain(value, 2) if key != "horizon_months" else int(value))
            for key, value in row.items()
        }
        for row in backtest.by_horizon.to_dict("records")
    ]
    detail = [
        {
            "origin": f"{row['origin']:%Y-%m-%d}",
            "quarter_end": f"{row['quarter_end']:%Y-%m-%d}",
            "horizon_months": int(row["horizon_months"]),
            "category": row["category"],
            **{
                k: _plain(row[k], 2)
                for k in ("actual", "model", "lower", "upper", "persistence", "trend")
            },
        }
        for row in backtest.detail.to_dict("records")
    ]
    return {"target": f"{backtest.target:%Y-%m-%d}", "by_horizon": summary, "detail": detail}


# --- Text for people -------------------------------------------------------------------------


def _money(value: float | None) -> str:
    return format_money(value) or "-"


def _aligned(rows: list[list[str]], out: TextIO) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        line = row[0].ljust(widths[0]) + "".join(
            "  " + cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)
        )
        out.write(line.rstrip() + "\n")
        if index == 0:
            out.write("  ".join("-" * w for w in widths) + "\n")


def describe_model(model: DemandModel) -> str:
    """One paragraph: origin, reference window, weights, stock."""
    years = (model.origin - model.reference_start).days / 365.25
    weights = (
        f"recent years count more (weights halve every {model.half_life_years:g} year(s) back)"
        if model.half_life_years
        else "every day of the window counts alike"
    )
    return (
        f"Forecast from {model.origin:%d %B %Y}. Rates measured over {years:.1f} years "
        f"({model.reference_start:%d %B %Y} to {model.origin:%d %B %Y}); {weights}. "
        f"Children looked after at the start: {model.counts.stock.sum():,.0f}."
    )


def describe_costs(costs: Costs) -> str:
    """Which unit costs were used, saying plainly when they are the defaults."""
    if costs.is_default:
        return (
            "Unit costs: the DEFAULT costs shipped with csc-metrics (published figures and "
            "judgements from the project's benchmarks, sections 10 and 13.7). Every one is an "
            "assumption, not this council's cost: give your own with --costs."
        )
    return f"Unit costs: from {costs.source}."


def write_forecast_table(
    result: ForecastResult, calibration: Calibration, workforce: pd.DataFrame, out: TextIO
) -> None:
    """Print the forecast summary for a person.

    Stock and spend by category per forecast year, the scenario, calibration, workforce, notes.
    """
    model = result.model
    out.write(f"Placement demand and cost forecast for {model.la_code}\n")
    out.write(describe_model(model) + "\n")
    out.write(describe_costs(result.costs) + "\n")
    band = f"{result.interval:.0%}"
    table = result.table()
    years = [d for i, d in enumerate(result.base.projection.dates[1:], start=1) if i % 4 == 0]
    if not years:
        years = [result.base.projection.dates[-1]]
    history = model.history([model.origin])
    for run in result.runs:
        rows = table[(table["scenario"] == run.name) & table["level"].isin(["category", "total"])]
        out.write(
            f"\nChildren looked after by placement category, expected and {band} band"
            + ("" if run.name == "base" else f" (scenario: {run.name})")
            + "\n\n"
        )
        header = ["Category", f"{model.origin:%d %b %Y}"] + [f"{d:%d %b %Y}" for d in years]
        lines = [header]
        for category in [*CATEGORY_IDS, "all"]:
            now = history[
                (history["category"] == category)
                & history["level"].isin(["category", "total"])
                & (history["age_band"] == "all")
                & (history["location"] == "all")
            ]["actual"].sum()
            cells = [CATEGORY_LABELS.get(category, "All children looked after"), f"{now:,.0f}"]
            for when in years:
                row = rows[
                    (rows["quarter_end"] == when)
                    & (rows["category"] == category)
                    & (rows["location"] == "all")
                ].iloc[0]
                cells.append(f"{row.expected:,.0f} ({row.lower:,.0f}-{row.upper:,.0f})")
            lines.append(cells)
        _aligned(lines, out)
        for note in run.notes:
            out.write(f"\nNote: {note}\n")
    write_spend_table(result, out)
    write_calibration(calibration, out)
    write_workforce(workforce, out)
    if model.notes:
        out.write("\nNotes:\n" + "".join(f"- {note}\n" for note in model.notes))


def write_spend_table(result: ForecastResult, out: TextIO) -> None:
    """Spend by category in each forecast year, base and scenario side by side."""
    spend = result.spend_by_year()
    if spend.empty:
        return
    out.write("\nSpend by placement category in each forecast year (GBP)\n\n")
    columns = spend[["scenario", "year", "year_end"]].drop_duplicates()
    header = ["Category"] + [
        f"{'' if r.scenario == 'base' else 'scenario '}to {r.year_end:%b %Y}"
        for r in columns.itertuples()
    ]
    lines = [header]
    for category in [*CATEGORY_IDS, "all"]:
        cells = [CATEGORY_LABELS.get(category, "Total")]
        for r in columns.itertuples():
            chosen = spend[(spend["scenario"] == r.scenario) & (spend["year"] == r.year)]
            if category != "all":
                chosen = chosen[chosen["category"] == category]
            cells.append(_money(chosen["spend"].sum()))
        lines.append(cells)
    _aligned(lines, out)


def write_calibration(calibration: Calibration, out: TextIO) -> None:
    """The RO3 calibration check in words."""
    out.write("\nCalibration against RO3 (residential care)\n")
    if calibration.modelled_gbp is None or calibration.ro3_gbp is None:
        out.write(f"Not available. {calibration.note}\n")
        return
    out.write(
        f"Modelled residential spend {calibration.financial_year}: "
        f"{_money(calibration.modelled_gbp)}; the council's RO3 residential care line: "
        f"{_money(calibration.ro3_gbp)}; ratio {calibration.ratio:.2f}. RO3 implies "
        f"£{calibration.implied_weekly_cost:,.0f} per child-week in residential care "
        f"({calibration.residential_child_weeks:,.0f} child-weeks in the data).\n"
    )
    if calibration.note:
        out.write(f"{calibration.note}\n")


def write_workforce(workforce: pd.DataFrame, out: TextIO) -> None:
    """Case-holding FTE needed at the caseload threshold, against today's."""
    threshold = DEFAULT_SETTINGS.caseload_threshold
    out.write(f"\nCase-holding FTE needed for children looked after at {threshold:g} per FTE\n")
    today = workforce["cla_fte_today"].iloc[0] if len(workforce) else np.nan
    for row in workforce.itertuples():
        out.write(
            f"{row.quarter_end:%d %b %Y}: {row.children:,.0f} children, "
            f"{row.fte_needed:,.1f} FTE ({row.fte_needed_lower:,.1f}-{row.fte_needed_upper:,.1f})"
            + (
                ""
                if np.isnan(today)
                else f"; today {today:,.1f} FTE work with them ({row.difference:+,.1f})"
            )
            + "\n"
        )
    if np.isnan(today):
        out.write("No caseload snapshot on or before the forecast start: today's FTE unknown.\n")


def write_backtest_table(backtest: Backtest, out: TextIO) -> None:
    """How far to trust the forecast: MAPE by horizon against the naive forecasts."""
    out.write(f"How far to trust this forecast: backtest to {backtest.target:%d %B %Y}\n")
    origins = sorted(backtest.detail["origin"].unique()) if len(backtest.detail) else []
    if not origins:
        out.write("The data are too short to refit the model a year or more earlier.\n")
        return
    out.write(
        "Refitted at "
        + " and ".join(f"{pd.Timestamp(o):%d %B %Y}" for o in origins)
        + ", then compared with the actual number in each placement category. MAPE: mean "
        f"absolute percentage error over the categories with {MIN_ACTUAL} or more children.\n\n"
    )
    lines = [["Horizon", "Model", "Persistence", "Trend", "Model vs persistence", "Band held"]]
    for row in backtest.by_horizon.itertuples():
        lines.append(
            [
                f"{row.horizon_months} months",
                f"{row.mape_model:.1f}%",
                f"{row.mape_persistence:.1f}%",
                f"{row.mape_trend:.1f}%",
                f"{row.improvement_pct:+.0f}%",
                f"{row.band_coverage_pct:.0f}%",
            ]
        )
    _aligned(lines, out)
    year = backtest.at_months(12)
    if year is not None:
        met = year["improvement_pct"] >= GOAL_IMPROVEMENT_PCT
        out.write(
            f"\nAt 12 months the model's MAPE is {year['mape_model']:.1f}% against "
            f"{year['mape_persistence']:.1f}% for persistence (no change): "
            f"{abs(year['improvement_pct']):.0f}% "
            f"{'lower' if year['improvement_pct'] >= 0 else 'higher'}. "
            f"The goal of {GOAL_IMPROVEMENT_PCT:.0f}% lower is "
            f"{'met' if met else 'not met'}.\n"
        )
    detail = backtest.detail[backtest.detail["horizon_months"] == 12]
    if len(detail):
        out.write("\nAt 12 months, by category (actual; model; persistence; trend)\n\n")
        lines = [["Category", "Origin", "Actual", "Model (band)", "Persistence", "Trend"]]
        for row in detail.itertuples():
            lines.append(
                [
                    CATEGORY_LABELS.get(row.category, "All children looked after"),
                    f"{row.origin:%b %Y}",
                    f"{row.actual:,.0f}",
                    f"{row.model:,.0f} ({row.lower:,.0f}-{row.upper:,.0f})",
                    f"{row.persistence:,.0f}",
                    f"{row.trend:,.0f}",
                ]
            )
        _aligned(lines, out)


# --- Running ---------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    """Fit, forecast (or backtest) and print.

    Args:
        args: Parsed arguments (see ``add_arguments``).

    Returns:
        0 on success (errors are raised as ``CscMetricsError`` and mapped to exit codes).
    """
    la_code = check_la_code(args.la_code)
    quarters = horizon_quarters(args.horizon_months)
    # Check the user's files before a slow ingest.
    scenario: Scenario | None = read_scenario(args.scenario) if args.scenario else None
    costs = read_costs(args.costs)
    data = load_source(args)
    model = fit_model(
        data,
        la_code,
        start=args.start,
        reference_years=args.reference_years,
        half_life_years=args.half_life_years,
    )
    with printing_to_stdout():
        if args.backtest:
            _print_backtest(run_backtest(model), args.format, sys.stdout)
        else:
            result = forecast(model, quarters=quarters, scenario=scenario, costs=costs)
            _print_forecast(result, data, args.format, sys.stdout)
    return 0


def _print_backtest(backtest: Backtest, fmt: str, out: TextIO) -> None:
    if fmt == "json":
        json.dump(backtest_records(backtest), out, indent=2)
        out.write("\n")
    elif fmt == "csv":
        neutralise_formulas(backtest.by_horizon.round(2)).to_csv(
            out, index=False, lineterminator="\n"
        )
    else:
        write_backtest_table(backtest, out)


def _print_forecast(result: ForecastResult, data, fmt: str, out: TextIO) -> None:
    table = result.table()
    if fmt == "json":
        json.dump(forecast_records(table), out, indent=2)
        out.write("\n")
        return
    if fmt == "csv":
        frame = pd.DataFrame(forecast_records(table))
        neutralise_formulas(frame).to_csv(out, index=False, lineterminator="\n")
        return
    model = result.model
    calibration = calibrate(
        model.timeline, model.coverage, model.la_code, result.costs, model.origin
    )
    totals = result.base.projection.frame(result.interval)
    totals = totals[(totals["level"] == "total") & (totals["quarter_end"] > model.origin)]
    yearly = totals.iloc[3::4] if len(totals) >= 4 else totals.iloc[-1:]
    workforce = fte_needed(yearly, todays_workforce(data, model.origin))
    write_forecast_table(result, calibration, workforce, out)
