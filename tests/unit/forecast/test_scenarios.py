"""Scenario files, the changes they make, and the rule that keeps rates valid."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from csc_metrics.errors import InputError
from csc_metrics.forecast.rates import QuarterlyRates
from csc_metrics.forecast.scenarios import apply_scenario, normalise_rows, read_scenario
from csc_metrics.forecast.states import (
    AGE_BAND_LABELS,
    CATEGORY_IDS,
    EXIT_REASON_IDS,
    LOCATIONS,
    STATES,
)

N, R = STATES.n_states, STATES.n_exits


def state(age: str, category: str, location: str = "inside") -> int:
    return int(
        STATES.index(
            AGE_BAND_LABELS.index(age), CATEGORY_IDS.index(category), LOCATIONS.index(location)
        )
    )


def exit_column(reason: str) -> int:
    return N + EXIT_REASON_IDS.index(reason)


def base_rates() -> QuarterlyRates:
    transition = np.zeros((N, N + R))
    transition[np.arange(N), np.arange(N)] = 1.0
    return QuarterlyRates(transition, transition.copy(), np.zeros(N))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- The validity rule -----------------------------------------------------------------------


def test_rates_adding_to_more_than_one_are_scaled_down_in_proportion():
    # Row 0: moves 0.7 and 0.6 and an exit of 0.2 add to 1.5: each is divided by 1.5 and
    # nobody stays. Row 1: a negative rate becomes 0; staying = 1 - 0.3 = 0.7.
    matrix = np.array([[0.5, 0.7, 0.6, 0.2], [-0.1, 0.9, 0.0, 0.3], [0.0, 0.0, 1.0, 0.0]])
    valid = normalise_rows(matrix)
    assert valid[0] == pytest.approx([0.0, 0.7 / 1.5, 0.6 / 1.5, 0.2 / 1.5])
    assert valid[1] == pytest.approx([0.0, 0.7, 0.0, 0.3])
    assert valid[2] == pytest.approx([0.0, 0.0, 1.0, 0.0])


def test_normalising_in_place_writes_into_the_matrix_and_gives_the_same_rates():
    # The same rows as above: the in-place rule must give the very same numbers.
    matrix = np.array([[0.5, 0.7, 0.6, 0.2], [-0.1, 0.9, 0.0, 0.3], [0.0, 0.0, 1.0, 0.0]])
    expected = normalise_rows(matrix)
    valid = normalise_rows(matrix, in_place=True)
    assert valid is matrix
    assert np.array_equal(valid, expected)


def test_rows_adding_to_one_or_less_keep_their_rates_exactly():
    # Moves of 0.1 and 0.3 add to 0.4: nothing is scaled, so each keeps its exact bits (a
    # multiplication by 1 would too; none is made); staying = 1 - 0.4.
    matrix = np.array([[0.9, 0.1, 0.3], [0.2, 0.5, 0.0]])
    valid = normalise_rows(matrix)
    assert valid[0, 1] == 0.1 and valid[0, 2] == 0.3
    assert valid[0, 0] == 1.0 - 0.4


def test_a_scenario_that_overfills_a_state_is_normalised_and_noted(tmp_path):
    rates = base_rates()
    teen = state("10-16", "kinship")
    rates.transition[teen, teen] = 0.5
    rates.transition[teen, state("10-16", "ifa")] = 0.2
    rates.transition[teen, exit_column("special_guardianship")] = 0.3
    path = write(tmp_path, "faster_sgo.csv", "flow,to,change,value\nexit,SGO,multiply,3\n")
    changed, notes = apply_scenario(rates, read_scenario(path))
    # SGO 0.3 x 3 = 0.9; with the move of 0.2 that is 1.1: both divided by 1.1, staying 0.
    row = changed.transition[teen]
    assert row[exit_column("special_guardianship")] == pytest.approx(0.9 / 1.1)
    assert row[state("10-16", "ifa")] == pytest.approx(0.2 / 1.1)
    assert row[teen] == pytest.approx(0.0)
    assert len(notes) == 1 and "Kinship (connected) fostering 10-16 inside" in notes[0]


# --- The changes -----------------------------------------------------------------------------


def test_fewer_entries_for_one_age_band(tmp_path):
    rates = base_rates()
    rates.entries[state("10-16", "ifa")] = 20.0
    rates.entries[state("5-10", "ifa")] = 10.0
    path = write(
        tmp_path,
        "fewer.yaml",
        "name: Fewer teenagers\nchanges:\n  - flow: entry\n    age_band: 10-16\n"
        "    change: multiply\n    value: 0.9\n",
    )
    scenario = read_scenario(path)
    changed, _ = apply_scenario(rates, scenario)
    assert scenario.name == "Fewer teenagers"
    assert changed.entries[state("10-16", "ifa")] == pytest.approx(18.0)  # 20 x 0.9
    assert changed.entries[state("5-10", "ifa")] == pytest.approx(10.0)  # untouched


def test_a_fifth_of_new_external_residential_placements_go_to_in_house_fostering(tmp_path):
    rates = base_rates()
    home = state("10-16", "external_residential", "outside")
    inhouse_out = state("10-16", "inhouse_fostering", "outside")
    ifa = state("10-16", "ifa")
    rates.entries[home] = 10.0
    rates.transition[ifa, home] = 0.1
    rates.transition[ifa, ifa] = 0.9
    rates.entry_position[ifa, home] = 0.04
    rates.entry_position[ifa, ifa] = 0.96
    path = write(
        tmp_path,
        "homes.csv",
        "flow,to,change,value,redirect_to\n"
        "placement,external residential,redirect,0.2,in-house fostering\n",
    )
    changed, notes = apply_scenario(rates, read_scenario(path))
    # Entries: 10 x 0.2 = 2 go to in-house fostering, same age band and location.
    assert changed.entries[home] == pytest.approx(8.0)
    assert changed.entries[inhouse_out] == pytest.approx(2.0)
    # Moves from IFA: 0.1 x 0.2 = 0.02 redirected; staying is unchanged (0.9).
    assert changed.transition[ifa, home] == pytest.approx(0.08)
    assert changed.transition[ifa, inhouse_out] == pytest.approx(0.02)
    assert changed.transition[ifa, ifa] == pytest.approx(0.9)
    # Children entering during the quarter get the same relative change: 0.04 x 0.8.
    assert changed.entry_position[ifa, home] == pytest.approx(0.032)
    assert notes == []


def test_ageing_within_a_category_is_not_a_new_placement(tmp_path):
    rates = base_rates()
    young, old = state("10-16", "external_residential"), state("16-18", "external_residential")
    rates.transition[young, old] = 0.05
    rates.transition[young, young] = 0.95
    path = write(tmp_path, "s.csv", "flow,to,change,value\nmove,external_residential,multiply,0\n")
    changed, _ = apply_scenario(rates, read_scenario(path))
    assert changed.transition[young, old] == pytest.approx(0.05)


def test_adding_to_a_rate_that_was_zero_goes_to_the_same_age_and_location(tmp_path):
    rates = base_rates()
    ifa = state("5-10", "ifa")
    path = write(
        tmp_path, "s.csv", "flow,from,to,age_band,change,value\nmove,ifa,kinship,5-10,add,0.04\n"
    )
    changed, _ = apply_scenario(rates, read_scenario(path))
    assert changed.transition[ifa, state("5-10", "kinship")] == pytest.approx(0.04)
    assert changed.transition[ifa, ifa] == pytest.approx(0.96)
    # A child entering during the quarter is exposed for half of it on average: 0.02.
    assert changed.entry_position[ifa, state("5-10", "kinship")] == pytest.approx(0.02)


# --- Bad files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("flow,to,change,value\nentry,castle,multiply,0.9\n", ["row 2", "column to", "castle"]),
        (
            "flow,to,change,value\nexit,adopted,multiply,-1\n",
            ["row 2", "column value", "0 or more"],
        ),
        (
            "flow,to,change,value,redirect_to\nentry,ifa,redirect,1.5,kinship\n",
            ["row 2", "share from 0 to 1"],
        ),
        ("flow,to,change,value\nmove,ifa,add,2\n", ["row 2", "-1 to 1"]),
        ("flow,to,change,value\nstay,ifa,multiply,1\n", ["row 2", "column flow", "entry, move"]),
        ("flow,to,change,value\nentry,ifa,multiply,lots\n", ["row 2", "'lots' is not a number"]),
        (
            "flow,to,age_band,change,value\nentry,ifa,11-15,multiply,1\n",
            ["row 2", "column age_band", "10-16"],
        ),
        ("flow,from,change,value\nentry,ifa,multiply,1\n", ["row 2", "column from"]),
        ("flow,to,change,value,colour\nentry,ifa,multiply,1,red\n", ["row 2", "colour"]),
        ("flow,to,change,value\n", ["no rows"]),
        ("flow,to,change,value\nexit,ifa,multiply,1\n", ["row 2", "column to", "returned_home"]),
    ],
)
def test_a_bad_scenario_names_file_row_and_what_was_expected(tmp_path, text, words):
    path = write(tmp_path, "bad_scenario.csv", text)
    with pytest.raises(InputError) as raised:
        read_scenario(path)
    message = str(raised.value)
    assert "bad_scenario.csv" in message and "Expected" in message
    for word in words:
        assert word in message
    assert raised.value.exit_code == 2


def test_a_yaml_entry_is_located_by_its_number(tmp_path):
    path = write(
        tmp_path,
        "s.yml",
        "changes:\n  - {flow: entry, change: multiply, value: 1}\n"
        "  - {flow: entry, location: moon, change: multiply, value: 1}\n",
    )
    with pytest.raises(InputError, match=r"s\.yml, change 2, column location"):
        read_scenario(path)


def test_csv_and_yaml_say_the_same_thing(tmp_path):
    csv = write(tmp_path, "a.csv", "flow,to,age_band,change,value\nentry,IFA,10-16,add,3\n")
    yaml = write(
        tmp_path,
        "a.yaml",
        "changes:\n  - flow: entry\n    to: Independent fostering agency (IFA)\n"
        "    age_band: 10-16\n    change: add\n    value: 3\n",
    )
    first, second = read_scenario(csv).changes, read_scenario(yaml).changes
    assert [(c.flow, c.to, c.age_bands, c.value) for c in first] == [
        (c.flow, c.to, c.age_bands, c.value) for c in second
    ]
