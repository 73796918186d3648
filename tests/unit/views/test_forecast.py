"""The demand and cost report and the overview's spend row (tests/forecast_fixtures.py)."""

from __future__ import annotations

import functools

import pandas as pd
import pytest
from forecast_fixtures import LA, ORIGIN, four_children

from csc_metrics.forked import ForkedCall
from csc_metrics.indicators import compute_indicator_series
from csc_metrics.scorecards import scorecard_html
from csc_metrics.views import forecast
from csc_metrics.views.report_context import ReportContext


@functools.cache
def _series(period_end: str) -> pd.DataFrame:
    """The indicator series of ``four_children()`` at ``period_end``, worked out once per test
    process (about 0.4 s of CPU): every ``context()`` of a date gets a copy of the same one."""
    return compute_indicator_series(four_children(), LA, [pd.Timestamp(period_end)])


def context(period_end=ORIGIN, suppress=False) -> ReportContext:
    data = four_children()
    return ReportContext(
        data=data,
        processed_dir=None,
        is_sample=False,
        period_end=pd.Timestamp(period_end),
        la_code=LA,
        la_name="Test county",
        team=None,
        comparator="england",
        suppress=suppress,
        targets=None,
        full_series=_series(str(period_end)).copy(),
    )


@pytest.fixture(scope="module")
def view():
    return forecast.open_forecast(context())


def test_the_forecast_starts_at_the_quarter_end_on_or_before_the_period_end():
    assert forecast.forecast_origin(pd.Timestamp("2024-03-31")) == pd.Timestamp("2024-03-31")
    assert forecast.forecast_origin(pd.Timestamp("2024-02-15")) == pd.Timestamp("2023-12-31")


@pytest.mark.slow  # a whole forecast of its own, about 1.5 s
def test_the_forecast_is_built_once_per_context_and_files():
    ctx = context()
    assert forecast.open_forecast(ctx) is forecast.open_forecast(ctx)


def test_stock_table_has_todays_children_and_each_year_end(view):
    table = forecast.stock_table(view)
    rows = table.data.set_index("Placement")
    # At 31 March 2024: A and D in in-house foster care, B with an IFA; C left in January.
    assert rows.loc["In-house fostering", "Now (31 Mar 2024)"] == 2
    assert rows.loc["Independent fostering agency (IFA)", "Now (31 Mar 2024)"] == 1
    assert rows.loc["All children looked after", "Now (31 Mar 2024)"] == 3
    assert "31 Mar 2027" in table.data.columns and "31 Mar 2027: to" in table.data.columns
    assert "Now (31 Mar 2024)" in table.count_columns


def test_small_numbers_are_counts_for_suppression(view):
    for make in (forecast.stock_table, forecast.pressure_table, forecast.exits_table):
        table = make(view)
        assert table.count_columns
        assert set(table.count_columns) <= set(table.data.columns)


def test_a_backtest_the_data_cannot_support_says_so(view):
    # One year of data: no refit a year before the forecast start is possible.
    for make in (forecast.backtest_table, forecast.backtest_detail_table):
        assert make(view).data.iloc[0, 0] == forecast.NO_BACKTEST


def test_without_a_scenario_the_table_says_how_to_give_one(view):
    table = forecast.scenario_table(view)
    assert "--scenario" in table.data.iloc[0, 0]


def test_the_unit_costs_say_they_are_defaults(view):
    table = forecast.unit_cost_table(view)
    assert "DEFAULTS" in table.caption and "ASSUMPTION" in table.caption
    assert set(table.data["Basis"]) == {"ASSUMPTION"}


def test_the_overview_row_sets_next_years_spend_against_the_last(view):
    cells = forecast.spend_row(view.ctx)
    assert len(cells) == 7
    # Last 12 months: (824 x 550 + 366 x 820 + 122 x 6,000) / 7 = 212,188.57: written £212k.
    assert cells[3].startswith("£212k in the 12 months to 31 March 2024")
    assert "default unit costs" in cells[4]
    html = scorecard_html([], "Scorecard", extra_rows=[cells])
    assert '<th scope="row">Placement spend, forecast for the next 12 months</th>' in html


def test_charts_describe_every_panel(view):
    chart = forecast.stock_chart(view)
    assert "All children looked after" in chart.alt_text
    assert "External residential" in chart.alt_text
    assert "forecast" in chart.alt_text


@pytest.mark.slow  # a whole forecast of its own (suppressed), about 1.5 s
def test_with_suppression_small_actual_numbers_are_not_drawn_or_told():
    view = forecast.open_forecast(context(suppress=True))
    chart = forecast.pressure_chart(view)
    # One child with an IFA at the start: a small number, not written in the alt text.
    assert "a small number" in chart.alt_text
    assert "not shown, to protect privacy" in chart.footnote
    assert not any("children now" in m for m in forecast.key_messages(view))


def test_too_little_data_gives_a_report_that_says_why_instead_of_failing():
    # The data start on 1 April 2023: at 30 June 2023 there is a quarter, not a year.
    view = forecast.open_forecast(context(period_end="2023-06-30"))
    assert view.report is None and "at least a year" in view.reason
    assert forecast.key_messages(view) == [view.reason]
    assert view.reason in forecast.stock_table(view).data.iloc[0, 0]
    assert view.reason in forecast.stock_chart(view).alt_text
    cells = forecast.spend_row(view.ctx)
    assert cells[1] == "" and cells[3] == view.reason


@pytest.mark.slow  # forks a process that builds a forecast
def test_the_forecast_built_in_a_forked_child_is_the_one_built_here(monkeypatch, view):
    # The run's kernel server has one thread; pytest-xdist's worker has more.
    monkeypatch.setattr("threading.active_count", lambda: 1)
    calls = []
    monkeypatch.setattr(forecast, "ForkedCall", lambda f: calls.append(ForkedCall(f)) or calls[-1])
    ctx = context()

    built = forecast.forecast_in_background(ctx.data, ctx.la_code, ctx.period_end, ctx.settings)(
        ctx
    )

    assert calls and calls[0].forked
    assert built is forecast.open_forecast(ctx)
    pd.testing.assert_frame_equal(forecast.stock_table(built).data, forecast.stock_table(view).data)
    assert forecast.key_messages(built) == forecast.key_messages(view)


@pytest.mark.slow  # forks a process
def test_a_forecast_the_data_cannot_support_says_why_when_built_in_a_child(monkeypatch):
    monkeypatch.setattr("threading.active_count", lambda: 1)

    ctx = context(period_end="2023-06-30")

    built = forecast.forecast_in_background(ctx.data, ctx.la_code, ctx.period_end, ctx.settings)(
        ctx
    )

    assert built.report is None and "at least a year" in built.reason
