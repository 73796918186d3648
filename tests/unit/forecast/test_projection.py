"""A projection step, its variance and the band, checked by hand on two states."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from forecast_fixtures import LA, four_children

from csc_metrics.forecast.model import fit_model, forecast
from csc_metrics.forecast.projection import (
    RateDraws,
    drawn_paths,
    expected_path,
    process_variance,
    quarter_ends_after,
)
from csc_metrics.forecast.rates import QuarterlyRates
from csc_metrics.forecast.scenarios import normalise_rows

# Two in-care states and one exit. A child in state 0 at a quarter's start is still there at its
# end with probability 0.8, in state 1 with 0.1, gone with 0.1; state 1 stays with 0.9. Ten
# children enter state 0 per quarter; one entering during the quarter is in state 0 at its end
# with probability 0.9, in state 1 with 0.05, gone with 0.05.
RATES = QuarterlyRates(
    transition=np.array([[0.8, 0.1, 0.1], [0.0, 0.9, 0.1]]),
    entry_position=np.array([[0.9, 0.05, 0.05], [0.0, 0.95, 0.05]]),
    entries=np.array([10.0, 0.0]),
)
STOCK = np.array([100.0, 50.0])


def test_one_quarter_of_the_expected_stock():
    path, exits = expected_path(STOCK, RATES, 1)
    # State 0: 100 x 0.8 + 50 x 0 + 10 x 0.9 = 89.
    # State 1: 100 x 0.1 + 50 x 0.9 + 10 x 0.05 = 55.5.
    assert path[1] == pytest.approx([89.0, 55.5])
    # Exits: 100 x 0.1 + 50 x 0.1 + 10 x 0.05 = 15.5.
    assert exits[0] == pytest.approx([15.5])


def test_two_quarters_apply_the_step_twice():
    path, _ = expected_path(STOCK, RATES, 2)
    # State 0: 89 x 0.8 + 9 = 80.2; state 1: 89 x 0.1 + 55.5 x 0.9 + 0.5 = 59.35.
    assert path[2] == pytest.approx([80.2, 59.35])


def test_process_variance_after_one_quarter():
    groups = np.array([[1.0, 1.0], [0.0, 1.0]])  # columns: state 0, both states
    variance = process_variance(STOCK, RATES, 1, groups)
    # State 0: the 100 children there stay with p = 0.8 (binomial 100 x 0.8 x 0.2 = 16), the 50
    # in state 1 cannot be there (p = 0); entrants are Poisson with mean 10 x 0.9 = 9: 16 + 9.
    # Both states: everyone stays in care with p = 0.9: (100 + 50) x 0.9 x 0.1 = 13.5, plus the
    # entrants still in care, 10 x 0.95 = 9.5: 23.
    assert variance[0] == pytest.approx([0.0, 0.0])
    assert variance[1] == pytest.approx([25.0, 23.0])


def test_a_stack_of_rates_projects_each_set():
    stack = QuarterlyRates(
        transition=np.stack([RATES.transition, RATES.transition]),
        entry_position=np.stack([RATES.entry_position, RATES.entry_position]),
        entries=np.stack([RATES.entries, 2 * RATES.entries]),
    )
    path, _ = expected_path(STOCK, stack, 1)
    # Doubling the entries adds another 9 to state 0 and 0.5 to state 1.
    assert path[:, 1] == pytest.approx(np.array([[89.0, 55.5], [98.0, 56.0]]))


# Two draws. Only the move 0 -> 1 and the exit from state 1 were seen in the data: draw 0
# multiplies them by 2 and 0.5, draw 1 by 1.5 and 3; every other rate keeps a multiplier of 1.
# The entries are multiplied by 1 and 2.
DRAWS = RateDraws(
    seen=np.array([[False, True, False], [False, False, True]]),
    seen_multipliers=np.array([[2.0, 0.5], [1.5, 3.0]]),
    entries=np.array([[1.0, 1.0], [2.0, 2.0]]),
)


def test_the_draws_multiply_only_the_rates_seen():
    assert np.array_equal(
        DRAWS.transition,
        [[[1.0, 2.0, 1.0], [1.0, 1.0, 0.5]], [[1.0, 1.5, 1.0], [1.0, 1.0, 3.0]]],
    )
    # Draw 1: the move 0.1 x 1.5 = 0.15, the exit from state 1 0.1 x 3 = 0.3, the rest as is.
    assert np.array_equal(
        DRAWS.multiply(RATES.transition)[1], [[0.8, 0.1 * 1.5, 0.1], [0.0, 0.9, 0.1 * 3.0]]
    )


def test_the_drawn_paths_are_the_paths_of_the_drawn_rates_bit_for_bit():
    # What the band used to do: every draw's rates as whole arrays, kept valid, then projected.
    drawn = QuarterlyRates(
        transition=normalise_rows(RATES.transition * DRAWS.transition),
        entry_position=normalise_rows(RATES.entry_position * DRAWS.transition),
        entries=RATES.entries * DRAWS.entries,
    )
    expected, _ = expected_path(STOCK, drawn, 3)
    assert np.array_equal(drawn_paths(STOCK, RATES, DRAWS, 3), expected)


def test_a_draw_that_overfills_a_state_is_kept_valid():
    # A multiplier of 12 takes state 1's exit to 1.2, more than 1: it is scaled down to 1 and
    # nobody stays. After one quarter state 1 holds only the 100 x 0.1 who moved from state 0
    # and the 10 x 0.05 entrants (10.5), where draw 0 keeps 50 x 0.9 of its own (55.5).
    draws = RateDraws(
        seen=DRAWS.seen,
        seen_multipliers=np.array([[1.0, 1.0], [1.0, 12.0]]),
        entries=np.ones((2, 2)),
    )
    path = drawn_paths(STOCK, RATES, draws, 1)
    assert path[1, 1] == pytest.approx([89.0, 10.5])
    assert path[0, 1] == pytest.approx([89.0, 55.5])


def test_quarter_ends_follow_the_origin():
    dates = quarter_ends_after(pd.Timestamp("2025-03-31"), 3)
    assert [f"{d:%Y-%m-%d}" for d in dates] == [
        "2025-03-31",
        "2025-06-30",
        "2025-09-30",
        "2025-12-31",
    ]


@pytest.mark.slow  # a model fitted and projected, over a second
def test_the_band_contains_the_expected_value_and_widens():
    model = fit_model(four_children(), LA, reference_years=1)
    table = forecast(model, quarters=8).base.projection.frame()
    total = table[table["level"] == "total"]
    assert (total["lower"] <= total["expected"]).all()
    assert (total["expected"] <= total["upper"]).all()
    width = (total["upper"] - total["lower"]).to_numpy()
    assert width[0] == 0 and width[1] > 0 and width[-1] > width[1]
    assert (table["lower"] >= 0).all()
