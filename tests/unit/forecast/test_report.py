"""The demand and cost report's tables and key messages (tests/forecast_fixtures.py)."""

from __future__ import annotations

import pytest
from forecast_fixtures import LA, four_children

from csc_metrics.forecast.report import (
    build_report,
    key_messages,
    money,
    pressure_table,
    scenario_table,
    spend_change,
    spend_last_year,
)
from csc_metrics.indicators.prepare import prepare_episodes


@pytest.fixture(scope="module")
def report():
    return build_report(four_children(), LA, reference_years=1)


def test_last_years_spend_is_child_days_at_the_unit_costs(report):
    spend = spend_last_year(report)
    # 2023-04-01 to 2024-03-31 is 366 days. In-house fostering: A 366 + C 92 + D 366 (her
    # holiday keeps the placement before it) = 824 days x 550 / 7; IFA: B 366 days x 820 / 7;
    # external residential: C 122 days x 6,000 / 7.
    assert spend["inhouse_fostering"] == pytest.approx(824 * 550 / 7)
    assert spend["ifa"] == pytest.approx(366 * 820 / 7)
    assert spend["external_residential"] == pytest.approx(122 * 6000 / 7)
    assert spend.sum() == pytest.approx((824 * 550 + 366 * 820 + 122 * 6000) / 7)


def test_spend_change_compares_next_year_with_the_last(report):
    change = spend_change(report)
    assert change["this_year"] == pytest.approx((824 * 550 + 366 * 820 + 122 * 6000) / 7)
    assert change["change"] == pytest.approx(change["next_year"] - change["this_year"])
    assert change["change_pct"] == pytest.approx(100 * change["change"] / change["this_year"])


def test_the_pressure_table_starts_from_todays_children(report):
    table = pressure_table(report)
    now = table[table["quarter_end"] == report.model.origin].set_index("category")
    # At 31 March 2024: B in IFA foster care, nobody in an external home.
    assert now.loc["ifa", "children"] == 1
    assert now.loc["external_residential", "children"] == 0
    assert len(table) == 2 * (1 + 3)  # two categories, now and three year ends


def test_key_messages_say_the_costs_are_defaults_and_name_the_pressure(report):
    messages = key_messages(report)
    assert messages[0].startswith("Children looked after are forecast to")
    assert "External residential and IFA placements" in messages[1]
    assert any("default unit costs, which are assumptions" in m for m in messages)
    assert any("FTE" in m for m in messages)


def test_no_scenario_no_scenario_table(report):
    assert scenario_table(report) is None


def test_money_is_written_for_people():
    assert (money(1_234_567), money(85_000), money(900)) == ("£1.2m", "£85k", "£900")


def test_the_report_starts_from_the_episodes_it_is_given():
    # The preparation hands the forecast the episodes it prepared for the indicators. Given
    # them without B's IFA placement, nobody is in IFA care at the origin (B is, in the data).
    data = four_children()
    episodes = prepare_episodes(data)
    without_b = build_report(
        data, LA, reference_years=1, episodes=episodes[episodes["place"] != "U6"]
    )
    now = pressure_table(without_b)
    now = now[now["quarter_end"] == without_b.model.origin].set_index("category")
    assert now.loc["ifa", "children"] == 0
