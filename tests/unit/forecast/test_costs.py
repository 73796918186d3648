"""Unit costs, inflation, spend and the RO3 calibration, worked out by hand."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from forecast_fixtures import LA, ORIGIN, four_children

from csc_metrics.errors import InputError
from csc_metrics.forecast.costs import (
    calibrate,
    projected_spend,
    read_costs,
    ro3_residential,
    state_costs,
)
from csc_metrics.forecast.model import build_model_timeline
from csc_metrics.forecast.states import CATEGORY_IDS, STATES

ALL = ",".join(CATEGORY_IDS)


def costs_file(tmp_path: Path, rows: dict[str, str], header: str = "category,weekly_cost") -> Path:
    lines = [header] + [f"{category},{value}" for category, value in rows.items()]
    path = tmp_path / "costs.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def every_category(cost: str = "100") -> dict[str, str]:
    return dict.fromkeys(CATEGORY_IDS, cost)


def test_the_defaults_cover_every_category_and_are_marked_as_assumptions():
    costs = read_costs()
    assert costs.is_default
    assert list(costs.table["category"].astype(str)) == list(CATEGORY_IDS)
    assert set(costs.table["basis"]) == {"ASSUMPTION"}
    assert (costs.weekly >= 0).all()
    # External residential: about 6,000 GBP a week (benchmarks.md 13.7).
    assert costs.weekly[CATEGORY_IDS.index("external_residential")] == 6000


def test_inflation_compounds_by_the_year():
    costs = read_costs()
    costs.weekly[:] = 1000.0
    costs.inflation_pct[:] = 10.0
    costs.prices_at = [pd.Timestamp("2020-01-01")] * len(CATEGORY_IDS)
    # 2020-01-01 to 2024-01-01 is 1,461 days = 4 years of 365.25 days: 1000 x 1.1 ** 4.
    assert costs.at(pd.Timestamp("2024-01-01"), ORIGIN) == pytest.approx(1464.1)


def test_a_quarters_spend_with_inflation():
    costs = read_costs()
    costs.weekly[:] = 700.0
    costs.inflation_pct[:] = 10.0
    costs.prices_at = [None] * len(CATEGORY_IDS)  # priced at the forecast origin
    stock = np.zeros((2, STATES.n_states))
    stock[:, 0] = 10.0  # ten children all quarter
    dates = [pd.Timestamp("2024-03-31"), pd.Timestamp("2024-06-30")]
    spend, weekly = projected_spend(stock, dates, costs)
    # 91 days; the mid-point is 45.5 days after the origin: 700 x 1.1 ** (45.5 / 365.25)
    # = 708.36 a week; spend = 10 children x 91 days x 708.36 / 7.
    cost = 700 * 1.1 ** (45.5 / 365.25)
    assert weekly[0, 0] == pytest.approx(cost)
    assert spend[0, 0] == pytest.approx(10 * 91 * cost / 7)
    assert math.isclose(cost, 708.36, abs_tol=0.01)


def test_spend_uses_the_mean_of_the_stock_at_the_quarter_start_and_end():
    costs = read_costs()
    costs.weekly[:] = 70.0
    stock = np.zeros((2, STATES.n_states))
    stock[0, 0], stock[1, 0] = 10.0, 20.0
    spend, _ = projected_spend(
        stock, [pd.Timestamp("2024-03-31"), pd.Timestamp("2024-06-30")], costs
    )
    # (10 + 20) / 2 = 15 children x 91 days x 70 / 7 = 13,650.
    assert spend[0, 0] == pytest.approx(13650.0)


def test_a_costs_file_is_read_with_names_or_labels(tmp_path):
    rows = every_category("100")
    rows.pop("ifa")
    rows["Independent fostering agency (IFA)"] = '"£1,250"'
    costs = read_costs(costs_file(tmp_path, rows))
    assert costs.weekly[CATEGORY_IDS.index("ifa")] == 1250
    assert not costs.is_default
    assert state_costs(costs.weekly).shape == (STATES.n_states,)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"ifa": None}, ["no cost for ifa", "one row for each"]),
        ({"ifa": "-5"}, ["row", "column weekly_cost", "negative", "0 or more"]),
        ({"castle": "5"}, ["column category", "'castle' is not a placement category"]),
        ({"ifa": "n/a"}, ["column weekly_cost", "'n/a' is not a number"]),
    ],
)
def test_a_bad_costs_file_names_file_row_and_what_was_expected(tmp_path, change, words):
    rows = every_category()
    for category, value in change.items():
        if value is None:
            rows.pop(category)
        else:
            rows[category] = value
    with pytest.raises(InputError) as raised:
        read_costs(costs_file(tmp_path, rows))
    message = str(raised.value)
    assert "costs.csv" in message and "Expected" in message
    for word in words:
        assert word in message
    assert raised.value.exit_code == 2


def test_a_category_given_twice_is_refused(tmp_path):
    path = costs_file(tmp_path, every_category())
    path.write_text(path.read_text() + "ifa,200\n")
    with pytest.raises(
        InputError, match=r"row 11, column category: ifa was already given in row 3"
    ):
        read_costs(path)


def test_inflation_may_be_written_with_a_percent_sign(tmp_path):
    path = tmp_path / "costs.csv"
    path.write_text(
        "category,weekly_cost,inflation_pct\n" + "".join(f"{c},100,3.5%\n" for c in CATEGORY_IDS),
        encoding="utf-8",
    )
    assert read_costs(path).inflation_pct == pytest.approx([3.5] * len(CATEGORY_IDS))


def test_the_councils_ro3_residential_line_is_found():
    year, value, note = ro3_residential(LA)
    # Lancashire, RO3 2024-25: residential care total expenditure 108,878 GBP thousand.
    assert (year, value, note) == ("2024-25", 108_878_000.0, "")


def test_a_council_outside_ro3_gets_a_reason():
    _, value, note = ro3_residential("W06000001")
    assert value is None and "not in the RO3" in note


def test_calibration_sets_modelled_residential_spend_against_ro3():
    data = four_children()
    timeline = build_model_timeline(data, LA)
    costs = read_costs()
    coverage = (pd.Timestamp("2023-04-01"), pd.Timestamp("2024-03-31"))
    calibration = calibrate(timeline, coverage, LA, costs, ORIGIN)
    # The data cover 2023-24, not RO3's 2024-25: the year to 31 March 2024 is used. C was in
    # an external home 2023-09-01 to 2023-12-31: 122 days x 6,000 / 7 = 104,571.43.
    assert calibration.financial_year == "2024-25"
    assert "do not cover 2024-25" in calibration.note
    assert calibration.modelled_gbp == pytest.approx(122 * 6000 / 7)
    assert calibration.ratio == pytest.approx(122 * 6000 / 7 / 108_878_000)
    assert calibration.implied_weekly_cost == pytest.approx(108_878_000 / (122 / 7))
