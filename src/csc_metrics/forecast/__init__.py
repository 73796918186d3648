"""Placement demand and cost: a stock-flow model of children looked after.

It is fitted to the council's own SSDA903 episodes, with scenarios, unit costs and a backtest.

States are age band x placement category x location (``states``); the children's days in care
become stays in those states (``timeline``); entry, move and exit rates are measured over a
reference window (``rates``) and projected a quarter at a time with an uncertainty band
(``projection``); scenarios change the rates (``scenarios``); unit costs turn stock into spend
(``costs``); the backtest shows how good the forecast has been (``backtest``). Every choice is
in ``docs/forecast.md``.
"""

from csc_metrics.forecast.backtest import Backtest, run_backtest
from csc_metrics.forecast.costs import Calibration, Costs, calibrate, read_costs
from csc_metrics.forecast.model import (
    DemandModel,
    ForecastResult,
    fit_model,
    forecast,
    horizon_quarters,
)
from csc_metrics.forecast.scenarios import Scenario, apply_scenario, read_scenario
from csc_metrics.forecast.workforce import fte_needed, todays_workforce

__all__ = [
    "Backtest",
    "Calibration",
    "Costs",
    "DemandModel",
    "ForecastResult",
    "Scenario",
    "apply_scenario",
    "calibrate",
    "fit_model",
    "forecast",
    "fte_needed",
    "horizon_quarters",
    "read_costs",
    "read_scenario",
    "run_backtest",
    "todays_workforce",
]
