"""Rates measured from a tiny fixture, worked out by hand (tests/forecast_fixtures.py)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from forecast_fixtures import LA, ORIGIN, WINDOW_START, four_children

from csc_metrics.forecast.model import fit_model
from csc_metrics.forecast.rates import (
    QUARTER_DAYS,
    count_events,
    expm_halves,
    generator,
    hazards,
    quarterly,
)
from csc_metrics.forecast.states import (
    AGE_BAND_LABELS,
    CATEGORY_IDS,
    EXIT_REASON_IDS,
    LOCATIONS,
    STATES,
)
from csc_metrics.forecast.timeline import build_timeline
from csc_metrics.indicators.prepare import prepare_episodes


def state(age: str, category: str, location: str) -> int:
    return int(
        STATES.index(
            AGE_BAND_LABELS.index(age), CATEGORY_IDS.index(category), LOCATIONS.index(location)
        )
    )


TEEN_INHOUSE = state("10-16", "inhouse_fostering", "inside")
TEEN_IFA = state("10-16", "ifa", "inside")
OLDER_IFA = state("16-18", "ifa", "inside")
TEEN_EXTERNAL = state("10-16", "external_residential", "outside")
YOUNG_INHOUSE = state("5-10", "inhouse_fostering", "inside")
HOME = EXIT_REASON_IDS.index("returned_home")


@pytest.fixture(scope="module")
def counts():
    timeline = build_timeline(prepare_episodes(four_children()), LA)
    return count_events(timeline, WINDOW_START, ORIGIN)


def test_exposure_is_the_child_days_in_each_state(counts):
    expected = {
        TEEN_INHOUSE: 458,  # A 366 + C 92
        TEEN_IFA: 184,  # B until her 16th birthday
        OLDER_IFA: 182,  # B from her 16th birthday
        TEEN_EXTERNAL: 122,  # C in the external home
        YOUNG_INHOUSE: 366,  # D: holiday, return and same-category move are one stay
    }
    assert {s: counts.exposure[s] for s in expected} == expected
    assert counts.exposure.sum() == 458 + 184 + 182 + 122 + 366


def test_moves_are_changes_of_state_including_ageing(counts):
    assert counts.moves[TEEN_INHOUSE, TEEN_EXTERNAL] == 1  # C's move
    assert counts.moves[TEEN_IFA, OLDER_IFA] == 1  # B's 16th birthday
    assert counts.moves.sum() == 2  # D's holiday and same-category move are not moves


def test_entries_and_exits_are_counted_by_state_and_reason(counts):
    assert counts.entries[TEEN_INHOUSE] == 1 and counts.entries.sum() == 1
    assert counts.exits[TEEN_EXTERNAL, HOME] == 1 and counts.exits.sum() == 1
    # A, B and D are looked after at the origin; C went home.
    assert counts.stock.sum() == 3 and counts.stock[OLDER_IFA] == 1


def test_daily_hazards_are_events_over_exposure(counts):
    rates = hazards(counts)
    assert rates.moves[TEEN_INHOUSE, TEEN_EXTERNAL] == pytest.approx(1 / 458)
    assert rates.moves[TEEN_IFA, OLDER_IFA] == pytest.approx(1 / 184)
    assert rates.exits[TEEN_EXTERNAL, HOME] == pytest.approx(1 / 122)
    # One entry in the 366-day window.
    assert rates.entries[TEEN_INHOUSE] == pytest.approx(1 / 366)


def test_recent_days_and_events_weigh_more_with_a_half_life():
    timeline = build_timeline(prepare_episodes(four_children()), LA)
    half_life = 100.0
    weighted = count_events(timeline, WINDOW_START, ORIGIN, half_life_days=half_life)
    k = math.log(2) / half_life
    # C's exit on 2024-01-01 is 90 days before the origin: weight 2 ** (-90 / 100).
    assert weighted.exits[TEEN_EXTERNAL, HOME] == pytest.approx(2 ** (-90 / 100))
    # B's 184 days from 366 to 182 days before the origin: integral of exp(-k a) da.
    expected = (math.exp(-k * 182) - math.exp(-k * 366)) / k
    assert weighted.exposure[TEEN_IFA] == pytest.approx(expected)


def test_fit_model_measures_over_the_reference_years_before_the_origin():
    model = fit_model(four_children(), LA, reference_years=1, half_life_years=0)
    assert model.origin == ORIGIN and model.reference_start == WINDOW_START
    assert model.hazards.exits[TEEN_EXTERNAL, HOME] == pytest.approx(1 / 122)
    assert model.notes == []


def test_quarterly_probability_of_staying_is_the_exponential_of_the_hazard():
    # One state, leaving at 0.002 a day: staying a quarter = exp(-0.002 x 91.3125).
    moves = np.zeros((1, 1))
    exits = np.array([[0.002, 0.0]])
    rates = quarterly(moves, exits, np.array([0.5]))
    assert rates.transition[0, 0] == pytest.approx(math.exp(-0.002 * QUARTER_DAYS), abs=1e-12)
    assert rates.transition[0].sum() == pytest.approx(1.0)
    # Entries per quarter: 0.5 a day x 91.3125 days.
    assert rates.entries[0] == pytest.approx(0.5 * QUARTER_DAYS)
    # Entrants are in care for part of the quarter: (1 + 4 e^(-l/2) + e^(-l)) / 6.
    lam = 0.002 * QUARTER_DAYS
    simpson = (1 + 4 * math.exp(-lam / 2) + math.exp(-lam)) / 6
    assert rates.entry_position[0, 0] == pytest.approx(simpson, abs=1e-12)


def test_matrix_exponential_of_a_two_step_chain():
    # 0 -> 1 at rate a, 1 -> exit at rate b: P[0, 1] = a (e^-at - e^-bt) / (b - a).
    a, b, t = 0.01, 0.03, 50.0
    q = generator(np.array([[0.0, a], [0.0, 0.0]]), np.array([[0.0], [b]]))
    half, full = expm_halves(q, t)
    assert full[0, 1] == pytest.approx(a * (math.exp(-a * t) - math.exp(-b * t)) / (b - a))
    assert half[0, 0] == pytest.approx(math.exp(-a * t / 2))
    assert full.sum(axis=1) == pytest.approx([1, 1, 1])


def test_a_child_without_a_date_of_birth_is_left_out_and_counted():
    data = four_children()
    data.header.loc[data.header["child_id"] == "A", "dob"] = pd.NaT
    model = fit_model(data, LA, reference_years=1)
    assert model.counts.stock.sum() == 2
    assert any("without a date of birth" in note for note in model.notes)
