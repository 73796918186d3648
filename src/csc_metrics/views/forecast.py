"""The placement demand and cost report (notebook ``06_demand_and_cost``) and its scorecard row.

``open_forecast`` fits the model at the report's period end (the latest quarter end on or
before it), forecasts three years, runs the backtest and the two checks, once per report
context and pair of files (``forecast.report.build_report``); the functions below turn the
results into the report's charts and tables. Every table holding numbers of children marks them
as counts, so ``ctx.show`` suppresses 1 to 5 when the report asks; forecast figures are
expected values, rounded to whole children like the counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from csc_metrics.charts import Chart
from csc_metrics.charts.forecast import forecast_chart
from csc_metrics.dates import format_date
from csc_metrics.errors import ParameterError
from csc_metrics.forecast import report as fr
from csc_metrics.forecast.model import BASE
from csc_metrics.forecast.projection import ALL
from csc_metrics.forecast.states import CATEGORY_IDS, EXIT_REASON_LABELS
from csc_metrics.forked import ForkedCall
from csc_metrics.formatting import format_money
from csc_metrics.indicators.coverage import dataset_not_covered, dataset_windows
from csc_metrics.settings import Settings
from csc_metrics.storage import ProcessedData
from csc_metrics.views.builders import ReportTable, empty_chart
from csc_metrics.views.report_context import ReportContext

#: The notebook that shows the forecast (linked from the overview's scorecard row).
PAGE = "06_demand_and_cost.html"
TITLE = "Demand and cost"
NO_BACKTEST = (
    "The data are too short to refit the forecast a year or more before its start and compare "
    "it with what happened (the refit needs a year of data before it)."
)


@dataclass(eq=False)
class ForecastView:
    """A report context and the forecast built for it.

    ``report`` is None when the data cannot support a forecast at the report's period end
    (less than a year of data before it); ``reason`` then says why, and every chart, table and
    message of the report says so instead of failing the run.
    """

    ctx: ReportContext
    report: fr.ForecastReport | None
    reason: str = ""

    @property
    def built(self) -> fr.ForecastReport:
        """The forecast; only called on paths that have checked ``report`` is not None."""
        if self.report is None:
            raise RuntimeError(f"No forecast was built: {self.reason}")
        return self.report

    @property
    def origin(self) -> pd.Timestamp:
        """The forecast start."""
        return self.built.model.origin

    @property
    def scenario_name(self) -> str | None:
        """The scenario's name, when there is one."""
        scenario = self.built.result.scenario
        return None if scenario is None else scenario.name


def forecast_origin(period_end: pd.Timestamp) -> pd.Timestamp:
    """The forecast start: the latest quarter end on or before a report's period end."""
    return (pd.Timestamp(period_end) + pd.Timedelta(days=1)) - pd.offsets.QuarterEnd(1)


def _build_report(
    ctx: ReportContext, scenario_file: str | Path | None, costs_file: str | Path | None
) -> fr.ForecastReport:
    return fr.build_report(
        ctx.data,
        ctx.la_code,
        start=forecast_origin(ctx.period_end),
        scenario_file=scenario_file,
        costs_file=costs_file,
        settings=ctx.settings,
    )


def open_forecast(
    ctx: ReportContext,
    scenario_file: str | Path | None = None,
    costs_file: str | Path | None = None,
    *,
    build: Callable[[], fr.ForecastReport] | None = None,
) -> ForecastView:
    """Build the forecast for a report, once per context and files.

    Args:
        ctx: The report context.
        scenario_file: A scenario file (``csc-metrics run --scenario``), or None.
        costs_file: A unit-costs file (``--costs``), or None for the shipped defaults.
        build: What gives the forecast report, when it is not to be built here the usual way
            (``forecast_in_background``); it raises as ``forecast.report.build_report`` does.

    Returns:
        The forecast view.

    Raises:
        InputError: A scenario or costs file that cannot be used (file, row and what was
            expected are named).
    """
    key = ("forecast", str(scenario_file or ""), str(costs_file or ""))
    remembered = ctx.__dict__.setdefault("_remembered", {})
    uncovered = ctx.not_covered("ssda903")
    if key not in remembered and uncovered is not None:
        # The forecast is built from the SSDA903 episodes: say why there is none.
        remembered[key] = ForecastView(ctx, None, f"No forecast: {uncovered}")
    if key not in remembered:
        try:
            report = build() if build else _build_report(ctx, scenario_file, costs_file)
            remembered[key] = ForecastView(ctx, report)
        except ParameterError as error:
            remembered[key] = ForecastView(ctx, None, f"No forecast: {error}")
    return remembered[key]


def forecast_in_background(
    data: ProcessedData,
    la_code: str,
    period_end: pd.Timestamp,
    settings: Settings,
    episodes: pd.DataFrame | None = None,
) -> Callable[[ReportContext], ForecastView]:
    """Start building the forecast at the shipped unit costs while the caller does other work.

    It needs only the data and the settled period end, so it can start before the report
    context is built. In a process that can fork safely (the run's kernel server) the forecast
    is built in a forked child (``forked.ForkedCall``), on the other core; elsewhere, or if the
    child fails, it is built when asked for, so the view is the same either way.

    Args:
        data: The processed data.
        la_code: The council's settled code.
        period_end: The settled period end.
        settings: Local rules.
        episodes: The data's prepared episodes (``IndicatorInputs.episodes``) if the caller
            has them: the forecast starts from them instead of preparing them again.

    Returns:
        What gives the forecast view of the report context later built from the same data and
        parameters (``open_forecast(ctx)``), waiting for the child if needed.
    """
    if dataset_not_covered(dataset_windows(data), "ssda903", period_end) is not None:
        # No forecast to build: the view says why (and no child is left waiting).
        return open_forecast
    call = ForkedCall(
        partial(
            fr.build_report,
            data,
            la_code,
            start=forecast_origin(period_end),
            scenario_file=None,
            costs_file=None,
            settings=settings,
            episodes=episodes,
        )
    )
    return partial(open_forecast, build=call.result)


def _unavailable_table(view: ForecastView, caption: str) -> ReportTable:
    return ReportTable(data=pd.DataFrame({"Forecast": [view.reason]}), caption=caption)


def key_messages(view: ForecastView) -> list[str]:
    """The report's key messages (``forecast.report.key_messages``), with small numbers hidden.

    With suppression on, a sentence quoting a number of children from 1 to 5 now is left out.
    """
    if view.report is None:
        return [view.reason]
    messages = fr.key_messages(view.report)
    if view.ctx.suppress and _has_small_now(view):
        messages = [m for m in messages if "children now" not in m]
    return messages


def _has_small_now(view: ForecastView) -> bool:
    paths = fr.category_paths(view.built)
    now = paths[(paths["series"] == "actual") & (paths["quarter_end"] == view.origin)]
    pressure = now[now["category"].isin(fr.PRESSURE)]["expected"]
    return view.ctx.is_small(*pressure.tolist(), pressure.sum())


# --- Charts ----------------------------------------------------------------------------------


def _paths(view: ForecastView, categories: list[str]) -> pd.DataFrame:
    paths = fr.category_paths(view.built)
    paths = paths[paths["category"].isin(categories)]
    return paths.rename(columns={"category": "panel"})


def stock_chart(view: ForecastView) -> Chart:
    """Children looked after in all and by placement category: history and forecast."""
    if view.report is None:
        return empty_chart("Children looked after: history and forecast", view.reason)
    categories = [ALL, *CATEGORY_IDS]
    panels = [(c, fr.label(c)) for c in categories]
    return forecast_chart(
        _paths(view, categories),
        panels,
        f"Children looked after: history and forecast from {format_date(view.origin)}",
        view.ctx.source(),
        interval=view.report.result.interval,
        suppress=view.ctx.suppress,
        settings=view.ctx.settings,
        columns=3,
    )


def pressure_chart(view: ForecastView) -> Chart:
    """External residential and IFA: history and forecast."""
    if view.report is None:
        return empty_chart("The cost pressure: external residential and IFA", view.reason)
    categories = list(fr.PRESSURE)
    return forecast_chart(
        _paths(view, categories),
        [(c, fr.label(c)) for c in categories],
        "The cost pressure: external residential and IFA placements",
        view.ctx.source(),
        interval=view.report.result.interval,
        suppress=view.ctx.suppress,
        settings=view.ctx.settings,
    )


# --- Tables ----------------------------------------------------------------------------------


def _whole(values: pd.Series) -> pd.Series:
    return values.round().astype("Int64")


def stock_table(view: ForecastView) -> ReportTable:
    """Children by category now and at each forecast year end, with the likely range."""
    if view.report is None:
        return _unavailable_table(view, "Children looked after by placement category")
    paths = fr.category_paths(view.built)
    base = paths[paths["series"].isin(["actual", BASE])]
    frame = {"Placement": [fr.label(c) for c in [*CATEGORY_IDS, ALL]]}
    counts = []
    now = base[(base["series"] == "actual") & (base["quarter_end"] == view.origin)]
    column = f"Now ({format_date(view.origin, 'short')})"
    frame[column] = _whole(now.set_index("category")["expected"].reindex([*CATEGORY_IDS, ALL]))
    counts.append(column)
    for when in view.report.year_ends:
        rows = base[(base["series"] == BASE) & (base["quarter_end"] == when)].set_index("category")
        rows = rows.reindex([*CATEGORY_IDS, ALL])
        short = format_date(when, "short")
        for name, field in (
            (short, "expected"),
            (f"{short}: from", "lower"),
            (f"{short}: to", "upper"),
        ):
            frame[name] = _whole(rows[field])
            counts.append(name)
    interval = f"{view.report.result.interval:.0%}"
    return ReportTable(
        data=pd.DataFrame(frame),
        caption=(
            f"Children looked after by placement category at {format_date(view.origin)} and the "
            f"forecast at each year end, with the likely range ({interval} band)"
        ),
        count_columns=tuple(counts),
        row_header="Placement",
        total_row=fr.TOTAL_LABEL,
    )


def pressure_table(view: ForecastView) -> ReportTable:
    """External residential and IFA: children and spend now and in each forecast year."""
    if view.report is None:
        return _unavailable_table(view, "External residential and IFA placements")
    table = fr.pressure_table(view.report)
    table = table[table["scenario"] == BASE]
    data = pd.DataFrame(
        {
            "Placement": table["label"],
            "Date": [format_date(d, "short") for d in table["quarter_end"]],
            "Children": _whole(table["children"]),
            "Likely from": _whole(table["lower"]),
            "Likely to": _whole(table["upper"]),
            "Spend in the 12 months to the date": table["spend_year"].map(
                lambda v: format_money(v, short=False)
            ),
        }
    )
    return ReportTable(
        data=data.reset_index(drop=True),
        caption=(
            "External residential and IFA placements: children now and forecast, and spend in "
            "the 12 months to each date (now: the last 12 months' days at the unit costs)"
            + (
                " - unit costs are the defaults, assumptions"
                if view.report.costs.is_default
                else ""
            )
        ),
        count_columns=("Children", "Likely from", "Likely to"),
        row_header="Placement",
    )


def spend_table(view: ForecastView) -> ReportTable:
    """Spend by category in the last 12 months and each forecast year, base and scenario."""
    if view.report is None:
        return _unavailable_table(view, "Placement spend by category")
    report = view.report
    spend = report.result.spend_by_year()
    last = fr.spend_last_year(report)
    frame = {"Placement": [fr.label(c) for c in [*CATEGORY_IDS, ALL]]}
    frame["Last 12 months"] = [*last.tolist(), last.sum(min_count=1)]
    for run in report.result.runs:
        mine = spend[spend["scenario"] == run.name]
        for year, when in enumerate(report.year_ends, start=1):
            values = mine[mine["year"] == year].set_index("category")["spend"]
            values = values.reindex(list(CATEGORY_IDS))
            name = f"Year to {format_date(when, 'short')}"
            if run.name != BASE:
                name = f"Scenario: {name[0].lower()}{name[1:]}"
            frame[name] = [*values.tolist(), values.sum(min_count=1)]
    data = pd.DataFrame(frame)
    for column in data.columns[1:]:
        data[column] = data[column].map(lambda v: format_money(v, short=False))
    basis = (
        "the DEFAULT unit costs, every one an assumption"
        if report.costs.is_default
        else f"unit costs from {Path(str(report.costs.source)).name}"
    )
    return ReportTable(
        data=data,
        caption=f"Placement spend by category (GBP), at {basis}",
        row_header="Placement",
        total_row=fr.TOTAL_LABEL,
    )


def scenario_table(view: ForecastView) -> ReportTable:
    """Base against scenario by category at each forecast year end (or why there is none)."""
    if view.report is None:
        return _unavailable_table(view, "Base against scenario")
    table = fr.scenario_table(view.report)
    if table is None:
        return ReportTable(
            data=pd.DataFrame(
                {
                    "Scenario": [
                        "None given. A scenario file changes the rates: see docs/forecast.md "
                        "(csc-metrics run --scenario FILE)."
                    ]
                }
            ),
            caption="Base against scenario",
        )
    data = pd.DataFrame(
        {
            "Placement": table["label"],
            "Date": [format_date(d, "short") for d in table["quarter_end"]],
            "Base": _whole(table["base"]),
            "Scenario": _whole(table["scenario"]),
            "Difference": _whole(table["difference"]),
            "Spend difference in the year": table["spend_difference"].map(
                lambda v: format_money(v, short=False)
            ),
        }
    )
    return ReportTable(
        data=data,
        caption=(
            f"The base forecast against the scenario '{view.scenario_name}', by placement "
            "category at each forecast year end (difference: scenario minus base)"
        ),
        count_columns=("Base", "Scenario"),
        row_header="Placement",
    )


def exits_table(view: ForecastView) -> ReportTable:
    """Expected exits in the first forecast year by reason, base and scenario."""
    if view.report is None:
        return _unavailable_table(
            view, "Children expected to leave care in the first forecast year"
        )
    frame = {"Reason": list(EXIT_REASON_LABELS.values())}
    for run in view.report.result.runs:
        first_year = run.projection.exits[:4].sum(axis=0)
        frame["Base" if run.name == BASE else "Scenario"] = _whole(pd.Series(first_year))
    data = pd.DataFrame(frame)
    return ReportTable(
        data=data,
        caption=(
            "Children expected to leave care in the first forecast year, by reason (exits to "
            "special guardianship, adoption and home are what scenarios most often change)"
        ),
        count_columns=tuple(c for c in data.columns if c != "Reason"),
        row_header="Reason",
    )


def backtest_table(view: ForecastView) -> ReportTable:
    """How far to trust the forecast: MAPE by horizon against the naive forecasts."""
    if view.report is None:
        return _unavailable_table(view, "How far to trust the forecast")
    summary = view.report.backtest.by_horizon
    if summary.empty:
        return ReportTable(
            data=pd.DataFrame({"Backtest": [NO_BACKTEST]}), caption="How far to trust the forecast"
        )
    data = pd.DataFrame(
        {
            "Months ahead": summary["horizon_months"].astype(int),
            "Forecast": summary["mape_model"],
            "No change (persistence)": summary["mape_persistence"],
            "Straight line (3 years)": summary["mape_trend"],
            "Forecast better than no change by": summary["improvement_pct"],
            "Share inside the likely range": summary["band_coverage_pct"],
        }
    )
    origins = sorted(view.report.backtest.detail["origin"].unique())
    when = " and ".join(format_date(pd.Timestamp(o)) for o in origins) or "earlier dates"
    return ReportTable(
        data=data,
        caption=(
            f"Mean absolute percentage error (%) of the forecast made at {when}, against what "
            "happened, by how far ahead, over the placement categories with 10 or more "
            "children; beside two naive forecasts"
        ),
        row_header="Months ahead",
    )


def backtest_detail_table(view: ForecastView) -> ReportTable:
    """The 12-month backtest by category: actual against each forecast."""
    if view.report is None:
        return _unavailable_table(view, "Twelve months ahead: actual against each forecast")
    detail = view.report.backtest.detail
    detail = detail[detail["horizon_months"] == 12]
    if detail.empty:
        return ReportTable(
            data=pd.DataFrame({"Backtest": [NO_BACKTEST]}),
            caption="Twelve months ahead: actual against each forecast",
        )
    data = pd.DataFrame(
        {
            "Placement": detail["category"].map(fr.label),
            "Forecast made": [format_date(d, "short") for d in detail["origin"]],
            "Actual": _whole(detail["actual"]),
            "Forecast": _whole(detail["model"]),
            "Likely from": _whole(detail["lower"]),
            "Likely to": _whole(detail["upper"]),
            "No change": _whole(detail["persistence"]),
            "Straight line": _whole(detail["trend"]),
        }
    )
    return ReportTable(
        data=data.reset_index(drop=True),
        caption="Twelve months ahead: the actual number in each category against each forecast",
        count_columns=(
            "Actual",
            "Forecast",
            "Likely from",
            "Likely to",
            "No change",
            "Straight line",
        ),
        row_header="Placement",
    )


def calibration_table(view: ForecastView) -> ReportTable:
    """Modelled residential spend against the council's RO3 residential line."""
    if view.report is None:
        return _unavailable_table(view, "Calibration against RO3")
    check = view.report.calibration
    ratio = "" if check.ratio is None else f"{check.ratio:.2f}"
    data = pd.DataFrame(
        {
            "Financial year": [check.financial_year],
            "Modelled residential spend": [format_money(check.modelled_gbp, short=False)],
            "RO3 residential care": [format_money(check.ro3_gbp, short=False)],
            "Ratio": [ratio],
            "RO3 per child-week in residential care": [
                format_money(check.implied_weekly_cost, short=False)
            ],
            "Note": [check.note],
        }
    )
    return ReportTable(
        data=data,
        caption=(
            "Calibration: residential spend from the children's days in residential care at the "
            "unit costs, against the council's own RO3 (revenue outturn) residential care line"
        ),
    )


def workforce_table(view: ForecastView) -> ReportTable:
    """Case-holding FTE needed for the forecast children at the caseload threshold."""
    if view.report is None:
        return _unavailable_table(view, "Case-holding social worker FTE needed")
    fte = view.report.fte
    threshold = view.report.settings.caseload_threshold
    data = pd.DataFrame(
        {
            "Date": [format_date(d, "short") for d in fte["quarter_end"]],
            "Children looked after (forecast)": _whole(fte["children"]),
            "FTE needed": fte["fte_needed"].round(1),
            "FTE needed: from": fte["fte_needed_lower"].round(1),
            "FTE needed: to": fte["fte_needed_upper"].round(1),
            "FTE with children looked after today": fte["cla_fte_today"].round(1),
        }
    )
    snapshot = view.report.workforce.snapshot
    today = (
        f"today's from the caseload snapshot of {format_date(snapshot)}"
        if snapshot is not None
        else "no caseload snapshot, so today's FTE is not known"
    )
    return ReportTable(
        data=data,
        caption=(
            f"Case-holding social worker FTE needed at {threshold:g} children looked after per "
            f"FTE (the caseload threshold), against the FTE working with them ({today})"
        ),
        count_columns=("Children looked after (forecast)",),
        row_header="Date",
    )


def unit_cost_table(view: ForecastView) -> ReportTable:
    """The weekly unit costs used, with their basis and source."""
    if view.report is None:
        return _unavailable_table(view, "Weekly unit costs per child")
    costs = view.report.costs
    table = fr.unit_cost_table(view.report)
    data = pd.DataFrame(
        {
            "Placement": table["label"],
            "Weekly cost": [format_money(v, short=False) for v in table["weekly_cost"]],
            "Yearly inflation (%)": table["inflation_pct"],
        }
    )
    for column in ("basis", "source"):
        if column in table:
            data[column.capitalize()] = table[column].fillna("")
    caption = (
        "Weekly unit costs per child: the DEFAULTS shipped with csc-metrics, published figures "
        "and judgements from the project's benchmarks, every one an ASSUMPTION to replace with "
        "the council's own (csc-metrics run --costs FILE)"
        if costs.is_default
        else f"Weekly unit costs per child, from {Path(str(costs.source)).name}"
    )
    return ReportTable(data=data, caption=caption, row_header="Placement")


# --- The overview's scorecard row ------------------------------------------------------------


def spend_row(ctx: ReportContext, costs_file: str | Path | None = None) -> tuple[str, ...]:
    """The overview scorecard's row: forecast placement spend next year against this year.

    Cells, in the scorecard's columns: the label; next year's forecast spend; no base (spend
    is not a share of anything); this year's modelled spend and the change; what the figure is
    (a forecast at stated unit costs, not an SPC trend); no target; no benchmark. Without a
    year of data before the forecast start there is nothing to compare with, and it says so.

    Args:
        ctx: The report context.
        costs_file: The run's unit-costs file, or None for the defaults.

    Returns:
        Seven cell texts.
    """
    view = open_forecast(ctx, None, costs_file)
    label = "Placement spend, forecast for the next 12 months"
    if view.report is None:
        return (label, "", "", view.reason, "", "", "")
    change = fr.spend_change(view.report)
    first = view.report.year_ends[0]
    basis = (
        "the default unit costs, which are assumptions"
        if view.report.costs.is_default
        else "the council's unit costs"
    )
    if np.isnan(change["this_year"]):
        moved = "No full year of data before the forecast start to compare with"
    else:
        word = "up" if change["change"] >= 0 else "down"
        moved = (
            f"{format_money(change['this_year'])} in the 12 months to {format_date(view.origin)}: "
            f"{word} {format_money(abs(change['change']))} ({abs(change['change_pct']):.0f}%)"
        )
    return (
        label,
        format_money(change["next_year"]),
        "",
        moved,
        f"Forecast to {format_date(first)} at {basis} (Demand and cost report)",
        "",
        "",
    )
