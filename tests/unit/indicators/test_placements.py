"""Children looked after, placement stability and location (docs/definitions.md), worked by hand.

R = 2024-03-31 throughout unless a test says otherwise; W = 2023-04-01 .. 2024-03-31.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from indicators_fixtures import (
    EXPECTED_AT_2024_03_31,
    LA,
    R,
    child,
    county_indicators_at_r,
    episode,
    make_data,
    uasc,
)

from csc_metrics.indicators import cla_at, compute_indicators, placement_indicators
from csc_metrics.schemas import MetricTable
from csc_metrics.settings import DEFAULT_SETTINGS

PLACEMENT_IDS = [
    "cla_count",
    "cla_started_count",
    "cla_ceased_count",
    "cla_rate_per_10k",
    "placements_3plus_pct",
    "long_term_stability_pct",
    "placed_over_20_miles_pct",
    "placed_outside_la_pct",
    "external_residential_pct",
    "ifa_fostering_pct",
]


@pytest.fixture(scope="module")
def county_metrics() -> pd.DataFrame:
    return county_indicators_at_r()


def _total(metrics: pd.DataFrame, indicator_id: str) -> pd.Series:
    rows = metrics[(metrics["indicator_id"] == indicator_id) & (metrics["breakdown"] == "total")]
    assert len(rows) == 1, indicator_id
    return rows.iloc[0]


def _same(actual: float, expected: float | None) -> bool:
    return math.isnan(actual) if expected is None else actual == expected


@pytest.mark.parametrize("indicator_id", PLACEMENT_IDS)
def test_county_placement_indicator_matches_the_hand_worked_value(county_metrics, indicator_id):
    # Working for each figure: tests/indicators_fixtures.py, EXPECTED_AT_2024_03_31.
    row = _total(county_metrics, indicator_id)
    numerator, denominator, value, unknown = EXPECTED_AT_2024_03_31[indicator_id]
    assert row["numerator"] == numerator
    assert _same(row["denominator"], denominator)
    assert row["value"] == value
    assert _same(row["unknown"], unknown)


def test_metric_table_passes_its_model(county_metrics):
    MetricTable.validate(county_metrics)


# --- Who is looked after at R ----------------------------------------------------------------


def _cla_ids(data, period_end=R) -> list[str]:
    return sorted(cla_at(data, period_end, LA)["child_id"])


def test_an_episode_ending_on_r_is_not_open_at_r():
    data = make_data([episode("X", "2023-01-01", "2024-03-31", rec="E4A")])
    assert _cla_ids(data) == []


def test_an_episode_starting_on_r_is_open_at_r():
    data = make_data([episode("X", "2024-03-31")])
    assert _cla_ids(data) == ["X"]


def test_short_breaks_are_excluded_even_when_open():
    # V4 agreement open at R; V3 episode open at R: neither makes a child looked after.
    data = make_data([episode("X", "2023-09-01", ls="V4"), episode("Y", "2024-01-01", ls="V3")])
    assert _cla_ids(data) == []


def test_a_child_with_two_open_episodes_is_counted_once_with_the_later_placement():
    # Overlapping episodes (a data error ingest flags): one child, placement of the later one.
    data = make_data(
        [episode("X", "2023-01-01", place="U4"), episode("X", "2023-06-01", rne="P", place="K2")]
    )
    frame = cla_at(data, R, LA)
    assert frame["child_id"].tolist() == ["X"]
    assert frame["place"].tolist() == ["K2"]


# --- Started and ceased ------------------------------------------------------------------------


def test_a_child_starting_twice_in_the_window_is_one_start():
    # S 2023-05-01 (ceased 2023-06-01), S again 2023-09-01: distinct children = 1.
    data = make_data(
        [
            episode("X", "2023-05-01", "2023-06-01", rec="E4A"),
            episode("X", "2023-09-01"),
        ]
    )
    metrics = placement_indicators(data, R, LA)
    assert _total(metrics, "cla_started_count")["value"] == 1
    assert _total(metrics, "cla_ceased_count")["value"] == 1


def test_an_x1_ending_is_not_ceasing_care():
    data = make_data(
        [episode("X", "2023-01-01", "2023-06-01"), episode("X", "2023-06-01", rne="L")]
    )
    assert _total(placement_indicators(data, R, LA), "cla_ceased_count")["value"] == 0


# --- Placements in the window (3+) -------------------------------------------------------------


def _placements(episodes, settings=DEFAULT_SETTINGS) -> int:
    frame = cla_at(make_data(episodes), R, LA, settings)
    return int(frame["placements_in_window"].iloc[0])


def test_the_placement_held_at_the_start_of_the_window_counts_once():
    # One episode since 2020: 1 placement.
    assert _placements([episode("X", "2020-01-01")]) == 1


def test_an_episode_that_ended_before_the_window_does_not_count():
    # 2019 placement ended 2023-03-31 (day before W); P move on 2023-03-31 is held at the start
    # of W: 1 placement.
    episodes = [episode("X", "2019-01-01", "2023-03-31"), episode("X", "2023-03-31", rne="P")]
    assert _placements(episodes) == 1


def test_a_legal_status_only_change_is_not_a_placement():
    # S (1) + L (0) + P (+1) = 2.
    episodes = [
        episode("X", "2023-01-01", "2023-06-01"),
        episode("X", "2023-06-01", "2023-08-01", rne="L"),
        episode("X", "2023-08-01", rne="P", place="U6"),
    ]
    assert _placements(episodes) == 2


def test_a_temporary_placement_and_the_return_from_it_do_not_count():
    # S (1) + T2 holiday (0) + return to the same U4 at PR1 1AB (0) = 1.
    episodes = [
        episode("X", "2022-01-01", "2023-07-01"),
        episode("X", "2023-07-01", "2023-07-14", rne="P", place="T2", provider=None),
        episode("X", "2023-07-14", rne="P"),
    ]
    assert _placements(episodes) == 1


def test_moving_on_after_a_temporary_placement_counts():
    # S (1) + T4 (0) + P to a different placement postcode (+1) = 2.
    episodes = [
        episode("X", "2022-01-01", "2023-07-01"),
        episode("X", "2023-07-01", "2023-07-04", rne="P", place="T4", provider=None),
        episode("X", "2023-07-04", rne="P", pl_post="LA1 1AA"),
    ]
    assert _placements(episodes) == 2


def test_same_carer_moves_count_as_placements_under_the_default_rule():
    # S (1) + T (+1) + U (+1) = 3: the local rule set {S, P, B, T, U}.
    episodes = [
        episode("X", "2023-02-01", "2023-05-01"),
        episode("X", "2023-05-01", "2023-09-01", rne="T"),
        episode("X", "2023-09-01", rne="U", place="U5"),
    ]
    assert _placements(episodes) == 3


def test_the_placement_change_codes_are_a_setting():
    # Same child without T and U in the set: S (1) only.
    episodes = [
        episode("X", "2023-02-01", "2023-05-01"),
        episode("X", "2023-05-01", "2023-09-01", rne="T"),
        episode("X", "2023-09-01", rne="U", place="U5"),
    ]
    settings = DEFAULT_SETTINGS.with_overrides(placement_change_rne=frozenset({"S", "P", "B"}))
    assert _placements(episodes, settings) == 1


def test_re_entry_within_the_window_counts_the_new_period_s_placement():
    # First period (held at start of W) 1, ceased 2023-06-30; S 2023-10-01 +1; P +1 = 3.
    episodes = [
        episode("X", "2022-06-01", "2023-06-30", rec="E4A"),
        episode("X", "2023-10-01", "2024-01-01", place="K2", provider="PR4"),
        episode("X", "2024-01-01", rne="P"),
    ]
    assert _placements(episodes) == 3


# --- Long-term stability ---------------------------------------------------------------------


def _long_term(episodes, dob="2012-06-01", period_end=R) -> tuple[bool, bool]:
    data = make_data(episodes, [child("X", dob)])
    row = cla_at(data, period_end, LA).iloc[0]
    return bool(row["long_term_denominator"]), bool(row["long_term_stable"])


def test_same_carer_for_exactly_two_years_is_stable():
    # In care since 2019; new carer (P) on 2022-03-31 = R - 2 years: on the cut-off, stable.
    episodes = [episode("X", "2019-01-01", "2022-03-31"), episode("X", "2022-03-31", rne="P")]
    assert _long_term(episodes) == (True, True)


def test_a_new_carer_one_day_inside_two_years_is_not_stable():
    episodes = [episode("X", "2019-01-01", "2022-04-01"), episode("X", "2022-04-01", rne="B")]
    assert _long_term(episodes) == (True, False)


def test_a_same_carer_move_keeps_the_carer_start():
    # U (legal status and placement, same carer) in 2023 does not restart the carer clock.
    episodes = [episode("X", "2019-01-01", "2023-05-01"), episode("X", "2023-05-01", rne="U")]
    assert _long_term(episodes) == (True, True)


def test_a_temporary_placement_open_at_r_keeps_the_carer_start():
    # Child in hospital (T1) at R; usual carer since 2019.
    episodes = [
        episode("X", "2019-01-01", "2024-03-20"),
        episode("X", "2024-03-20", rne="P", place="T1", provider=None, pl_post=None),
    ]
    assert _long_term(episodes) == (True, True)


def test_an_l_episode_whose_carer_began_before_the_data_is_not_known():
    # The S episode that began this care lies in an earlier return that was not supplied; the
    # first episode held is an L (legal status only) on 2023-01-01, so the carer began on or
    # before 2023-01-01, which is after R - 2 years (2022-03-31): stability cannot be told.
    data = make_data([episode("X", "2023-01-01", rne="L")], [child("X", "2012-06-01")])
    row = cla_at(data, R, LA).iloc[0]
    assert (row["long_term_denominator"], row["long_term_unknown"]) == (False, True)


def test_an_unknown_carer_start_counts_in_unknown_not_the_denominator():
    # X: first held episode L on 2023-01-01 (carer start unknown, see above).
    # Y: S on 2019-01-01, same carer since: in the denominator and stable.
    # Long-term stability = 1/1 = 100.0%, with 1 unknown.
    data = make_data(
        [episode("X", "2023-01-01", rne="L"), episode("Y", "2019-01-01")],
        [child("X", "2012-06-01"), child("Y", "2012-06-01")],
    )
    metrics = compute_indicators(data, R, LA)
    total = metrics[
        metrics["indicator_id"].eq("long_term_stability_pct") & metrics["breakdown"].eq("total")
    ].iloc[0]
    assert (total["numerator"], total["denominator"], total["value"], total["unknown"]) == (
        1,
        1,
        100.0,
        1,
    )


def test_an_l_episode_held_from_long_enough_ago_is_known_stable():
    # First held episode L on 2021-01-01: the carer began on or before it, so more than two
    # years before R (cut-off 2022-03-31), and care began before R - 30 months: stable.
    assert _long_term([episode("X", "2021-01-01", rne="L")]) == (True, True)


def test_a_child_aged_16_is_outside_the_long_term_denominator():
    # Born 2008-03-31: 16 on R.
    assert _long_term([episode("X", "2019-01-01")], dob="2008-03-31") == (False, False)


def test_a_child_turning_16_the_day_after_r_is_inside_the_long_term_denominator():
    assert _long_term([episode("X", "2019-01-01")], dob="2008-04-01") == (True, True)


def test_a_period_of_care_shorter_than_30_months_is_outside_the_denominator():
    # Began 2021-10-01, one day after R - 30 months (2021-09-30).
    assert _long_term([episode("X", "2021-10-01")]) == (False, False)


def test_re_entry_starts_a_new_period_of_care():
    # Looked after 2018-2022, home, back on 2022-02-01 (RNE S): period only 26 months.
    episodes = [
        episode("X", "2018-01-01", "2021-12-01", rec="E4A"),
        episode("X", "2022-02-01"),
    ]
    assert _long_term(episodes) == (False, False)


def test_a_gap_between_episodes_breaks_the_period_of_care():
    # Continuation (RNE P) that starts a month after the previous DEC: not continuous, so the
    # period runs from 2022-01-01 only (27 months).
    episodes = [episode("X", "2018-01-01", "2021-12-01"), episode("X", "2022-01-01", rne="P")]
    assert _long_term(episodes) == (False, False)


def test_adoptive_placement_with_the_previous_placement_over_two_years_is_stable():
    # Foster 2021-01-01, placed for adoption (A4) 2023-06-01: together 3 years 3 months.
    episodes = [
        episode("X", "2021-01-01", "2023-06-01"),
        episode("X", "2023-06-01", rne="P", place="A4"),
    ]
    assert _long_term(episodes, dob="2019-01-01") == (True, True)


def test_adoptive_placement_with_the_previous_placement_under_two_years_is_not_stable():
    # Carers: 2021-01-01 foster A, 2022-06-01 foster B, 2023-06-01 adopters: B + adoption
    # together began 2022-06-01, under 2 years before R.
    episodes = [
        episode("X", "2021-01-01", "2022-06-01"),
        episode("X", "2022-06-01", "2023-06-01", rne="P", place="U6"),
        episode("X", "2023-06-01", rne="P", place="A6"),
    ]
    assert _long_term(episodes, dob="2019-01-01") == (True, False)


def test_the_adoption_clause_applies_only_to_children_placed_for_adoption():
    # Same history, but the last placement is foster care (U4): carer since 2023-06-01.
    episodes = [
        episode("X", "2021-01-01", "2023-06-01"),
        episode("X", "2023-06-01", rne="P", place="U4"),
    ]
    assert _long_term(episodes, dob="2019-01-01") == (True, False)


def test_long_term_percentage_is_blank_when_no_child_is_in_the_denominator():
    # One child, in care since 2023: denominator 0 -> value blank, not an error.
    metrics = placement_indicators(make_data([episode("X", "2023-01-01")]), R, LA)
    row = _total(metrics, "long_term_stability_pct")
    assert (row["numerator"], row["denominator"]) == (0, 0)
    assert math.isnan(row["value"])


# --- Groups and UASC -------------------------------------------------------------------------


def test_uasc_status_that_ceased_before_r_is_not_uasc_at_r():
    data = make_data(
        [episode("X", "2023-01-01"), episode("Y", "2023-01-01")],
        uasc_rows=[uasc("X", "2024-03-31"), uasc("Y", "2024-04-01")],
    )
    frame = cla_at(data, R, LA).set_index("child_id")
    # X's status ceased on R (not after it); Y's ceases the day after R.
    assert frame.loc["X", "uasc"] == "Not UASC"
    assert frame.loc["Y", "uasc"] == "UASC"


@pytest.mark.parametrize(
    ("place", "provider", "group"),
    [
        ("U2", "PR4", "Foster: relatives or friends"),
        ("U6", "PR1", "Foster: own council"),
        ("U6", "PR2", "Foster: external (IFA)"),
        ("U5", None, "Foster: external (IFA)"),
        ("K3", "PR4", "Supported or independent living"),
        ("S1", "PR5", "Children's homes and residential"),
        ("Z1", None, "Other"),
        (None, None, "Other"),
    ],
)
def test_placement_group_of_place_and_provider(place, provider, group):
    data = make_data([episode("X", "2023-01-01", place=place, provider=provider)])
    assert cla_at(data, R, LA)["placement_group"].iloc[0] == group


def test_external_residential_needs_a_private_or_voluntary_provider():
    # K2 run by the council itself (PR1) is residential but not external: 0 of 1.
    metrics = placement_indicators(make_data([episode("X", "2023-01-01", place="K2")]), R, LA)
    assert _total(metrics, "external_residential_pct")["numerator"] == 0


# --- Population ------------------------------------------------------------------------------


def _rate(period_end: str) -> pd.Series:
    population = pd.DataFrame(
        {"la_code": [LA, LA], "year": [2023, 2024], "population_0_17": [1000.0, 2000.0]}
    )
    data = make_data([episode("X", "2020-01-01")], population=population)
    return _total(placement_indicators(data, period_end, LA), "cla_rate_per_10k")


def test_population_is_the_latest_estimate_on_or_before_r():
    # R = 2024-06-29: the 2024 estimate (30 June 2024) is after R, so 2023: 1/1000 x 10,000.
    assert _rate("2024-06-29")["denominator"] == 1000
    assert _rate("2024-06-29")["value"] == 10.0


def test_population_estimate_dated_on_r_is_used():
    # R = 2024-06-30: the 2024 estimate applies: 1/2000 x 10,000 = 5.0.
    assert _rate("2024-06-30")["value"] == 5.0


def test_no_rate_without_a_population_for_the_council():
    metrics = placement_indicators(make_data([episode("X", "2020-01-01")]), R, LA)
    assert "cla_rate_per_10k" not in set(metrics["indicator_id"])


# --- Breakdowns ------------------------------------------------------------------------------


def test_every_breakdown_sums_to_the_total(county_metrics):
    totals = county_metrics[county_metrics["breakdown"] == "total"].set_index("indicator_id")
    parts = county_metrics[county_metrics["breakdown"] != "total"]
    sums = parts.groupby(["indicator_id", "breakdown"])[
        ["numerator", "denominator", "unknown"]
    ].sum(min_count=1)
    assert len(sums) > 40  # the cross-check is not vacuous
    for (indicator_id, breakdown), row in sums.iterrows():
        total = totals.loc[indicator_id]
        for column in ("numerator", "denominator", "unknown"):
            expected, actual = total[column], row[column]
            assert _same(actual, None if math.isnan(expected) else expected), (
                indicator_id,
                breakdown,
                column,
            )


def test_cla_count_by_age_band(county_metrics):
    # Under 1: F; 1-4: I (4 on R); 5-9: D, J, N (9 on R), Q; 10-15: A E G H K M O; 16+: L.
    rows = county_metrics[
        (county_metrics["indicator_id"] == "cla_count")
        & (county_metrics["breakdown"] == "age_band")
    ]
    assert dict(zip(rows["group"], rows["value"], strict=True)) == {
        "Under 1": 1,
        "1-4": 1,
        "5-9": 4,
        "10-15": 7,
        "16+": 1,
        "Not known": 0,
    }


def test_out_of_council_placements_by_placement_group(county_metrics):
    # Known council: IFA D, F, H -> D, H outside = 2/3; residential I (outside), M unknown = 1/1.
    rows = county_metrics[
        (county_metrics["indicator_id"] == "placed_outside_la_pct")
        & (county_metrics["breakdown"] == "placement_group")
    ].set_index("group")
    assert rows.loc["Foster: external (IFA)", ["numerator", "denominator"]].tolist() == [2, 3]
    assert rows.loc[
        "Children's homes and residential", ["numerator", "denominator", "unknown"]
    ].tolist() == [1, 1, 1]
