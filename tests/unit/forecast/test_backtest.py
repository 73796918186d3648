"""The backtest: on a fixture where the answer is known, and its arithmetic by hand."""

from __future__ import annotations

import pandas as pd
import pytest
from forecast_fixtures import LA, steady_entries

from csc_metrics.forecast.backtest import run_backtest, summarise
from csc_metrics.forecast.model import fit_model


@pytest.fixture(scope="module")
def backtest():
    # One child enters every 30 days and nobody leaves (tests/forecast_fixtures.py).
    model = fit_model(steady_entries(), LA, half_life_years=0)
    return run_backtest(model)


def test_origins_are_12_and_24_months_before_the_forecast_start(backtest):
    assert backtest.target == pd.Timestamp("2025-03-31")
    assert sorted(backtest.detail["origin"].unique()) == [
        pd.Timestamp("2023-03-31"),
        pd.Timestamp("2024-03-31"),
    ]
    assert backtest.by_horizon["horizon_months"].tolist() == [3, 6, 9, 12, 15, 18, 21, 24]


def test_persistence_misses_a_steady_rise_by_a_known_amount(backtest):
    row = backtest.detail[
        (backtest.detail["origin"] == pd.Timestamp("2024-03-31"))
        & (backtest.detail["horizon_months"] == 12)
        & (backtest.detail["category"] == "inhouse_fostering")
    ].iloc[0]
    # 49 children on 2024-03-31, 61 on 2025-03-31.
    assert (row["persistence"], row["actual"]) == (49, 61)
    # The model knows one child comes every 30 days and none leave: 49 + 365.25 / 30 = 61.2.
    assert row["model"] == pytest.approx(49 + 365.25 / 30, abs=0.5)
    # A straight line through a steady rise carries it on.
    assert row["trend"] == pytest.approx(61, abs=1)


def test_the_model_beats_persistence_here(backtest):
    year = backtest.at_months(12)
    # Persistence: (61 - 49) / 61 = 19.7% from 2024; from 2023 (37 children -> 49): 24.5%.
    assert year["mape_persistence"] == pytest.approx((12 / 61 + 12 / 49) / 2 * 100, abs=0.01)
    assert year["mape_model"] < 2
    assert year["improvement_pct"] > 90


def test_mape_wape_and_coverage_by_hand():
    rows = []
    for category, actual, model, persistence in [
        ("ifa", 100, 110, 80),  # model 10%, persistence 20%
        ("kinship", 50, 45, 50),  # model 10%, persistence 0%
        ("other", 4, 8, 4),  # under 10 children: out of the MAPE, in the WAPE
        ("all", 154, 163, 134),  # the total is reported apart
    ]:
        rows.append(
            {
                "origin": pd.Timestamp("2024-03-31"),
                "quarter_end": pd.Timestamp("2025-03-31"),
                "horizon_months": 12,
                "category": category,
                "actual": actual,
                "model": model,
                "lower": model - 6,
                "upper": model + 6,
                "persistence": persistence,
                "trend": actual,
            }
        )
    summary = summarise(pd.DataFrame(rows)).iloc[0]
    assert summary["categories"] == 2
    assert summary["mape_model"] == pytest.approx(10.0)  # (10 + 10) / 2
    assert summary["mape_persistence"] == pytest.approx(10.0)  # (20 + 0) / 2
    assert summary["improvement_pct"] == pytest.approx(0.0)
    # WAPE over all three categories: (10 + 5 + 4) / 154 and (20 + 0 + 0) / 154.
    assert summary["wape_model"] == pytest.approx(19 / 154 * 100)
    assert summary["wape_persistence"] == pytest.approx(20 / 154 * 100)
    # Inside the band (model +/- 6): kinship (50 in 39-51) and other (4 in 2-14); ifa (100 in
    # 104-116) is not.
    assert summary["band_coverage_pct"] == pytest.approx(200 / 3)
    assert summary["total_ape_model"] == pytest.approx(9 / 154 * 100)
