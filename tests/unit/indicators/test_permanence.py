"""Permanence indicators worked by hand on the county in tests/permanence_fixtures.py.

R = 2024-03-31; W = 2023-04-01 .. 2024-03-31; the 3 years to R run from 2021-04-01.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from indicators_fixtures import episode, make_data
from permanence_fixtures import LA, R, ad1, county, decision, with_permanence

from csc_metrics.indicators import compute_indicators
from csc_metrics.indicators.adoption import adoption_record_gaps, adoption_records
from csc_metrics.indicators.permanence import (
    left_care_frame,
    permanence_indicator_series,
    prepare_permanence,
    returning_frame,
)
from csc_metrics.indicators.prepare import prepare_inputs
from csc_metrics.schemas import MetricTable
from csc_metrics.settings import DEFAULT_SETTINGS

#: A child looked after at R, so that small fixtures' data reach R (see ``data_coverage``).
ANCHOR = episode("ANCHOR", "2024-02-01")


@pytest.fixture(scope="module")
def data():
    return county()


@pytest.fixture(scope="module")
def metrics(data):
    return compute_indicators(data, R, LA)


def _row(metrics: pd.DataFrame, indicator_id: str, breakdown="total", group="all") -> pd.Series:
    rows = metrics[
        (metrics["indicator_id"] == indicator_id)
        & (metrics["breakdown"] == breakdown)
        & (metrics["group"] == group)
    ]
    assert len(rows) == 1, (indicator_id, breakdown, group)
    return rows.iloc[0]


def _figures(row: pd.Series) -> tuple:
    return tuple(None if pd.isna(row[c]) else row[c] for c in ("numerator", "denominator", "value"))


# --- How children leave care ----------------------------------------------------------------

# Left care in W (REC not X1, DEC in W), one row per child: P1 E11, P2 E12, P3 E11 (on R),
# S1 E45, C1 E41, H1 E4B (first day of W), R1 E13, O1 E17, O2 blank, T1 E45 (last of two).
# H2 left the day before W. 10 children.
ROUTES = {
    "left_care_adopted_pct": (3, 10, 30.0),  # P1, P2, P3: 3 / 10
    "left_care_sgo_pct": (2, 10, 20.0),  # S1, T1 (its second ceasing, E45)
    "left_care_cao_pct": (1, 10, 10.0),  # C1
    "left_care_home_pct": (1, 10, 10.0),  # H1 (T1's E4A is not its last ceasing)
    "left_care_relatives_no_pr_pct": (1, 10, 10.0),  # R1
    "left_care_other_pct": (2, 10, 20.0),  # O1 (E17) and O2 (no reason recorded)
}


@pytest.mark.parametrize("indicator_id", ROUTES)
def test_share_leaving_care_by_each_route(metrics, indicator_id):
    assert _figures(_row(metrics, indicator_id)) == ROUTES[indicator_id]


def test_the_route_denominator_is_the_children_who_ceased(metrics):
    # Same rule as cla_ceased_count: distinct children with a DEC in W and REC not X1.
    assert _row(metrics, "cla_ceased_count")["value"] == 10


def test_a_child_leaving_twice_is_counted_by_their_last_route(data):
    left = left_care_frame(data, R).set_index("child_id")
    assert left.loc["T1", "route"] == "sgo"
    assert left.loc["T1", "ceased"] == pd.Timestamp("2024-01-10")


def test_counting_the_first_ceasing_instead_is_a_setting(data):
    settings = DEFAULT_SETTINGS.with_overrides(repeated_event_kept="first")
    left = left_care_frame(data, R, settings).set_index("child_id")
    assert left.loc["T1", "route"] == "home"


def test_an_episode_ceasing_exactly_on_r_is_in_the_window(data):
    left = left_care_frame(data, R).set_index("child_id")
    assert left.loc["P3", "ceased"] == R and left.loc["P3", "route"] == "adopted"


def test_routes_are_broken_down_by_sex(metrics):
    # Female: P2 only (every other child is male), adopted: 1 of 1.
    assert _figures(_row(metrics, "left_care_adopted_pct", "sex", "Female")) == (1, 1, 100.0)


def test_old_special_guardianship_codes_count_as_special_guardianship():
    # E43 and E44 (before 2018-19) are read as E46 and E48 at ingest; the route table also
    # holds them in case processed data keeps the old code.
    data = make_data([episode("A", "2022-01-01", "2023-06-01", rec="E43"), ANCHOR])
    left = left_care_frame(data, R)
    assert left["route"].tolist() == ["sgo"]


# --- Adoption timeliness --------------------------------------------------------------------

# Stage dates (entered / decision / placement order / match / placed / adopted):
#   P1 2021-06-01 / 2021-11-01 (AD1) / 2022-01-10 / 2022-08-01 / 2022-09-01 / 2023-06-30
#      moved in with the carers who adopted her: 2021-06-01 (A5 continued the U5 carer, RNE T)
#   P2 2022-02-01 / 2022-06-01 (PlacedAdoption) / 2022-10-01 / 2022-09-01 / 2022-12-15 /
#      2023-09-30
#   P3 2021-03-01 (second period) / 2021-09-01 / 2021-12-01 / 2022-06-15 / 2022-07-01 /
#      2024-03-31
# Days:
#   P1 entry->decision 153 (30+31+31+30+31), decision->match 273, match->placed 31,
#      entry->placed 457, placed->adopted 302, entry->adopted 759, A2 203, A10 0
#   P2 120, 92, 105, 317, 289, 606, A2 0 (match before the order), A10 317
#   P3 184, 287, 16, 487, 639, 1126, A2 196, A10 487
TIMELINESS_12M = {
    "adoption_a1_days": (1261, 3, 420),  # 457 + 317 + 487 = 1261; / 3 = 420.3 -> 420
    "adoption_a2_days": (399, 3, 133),  # 203 + 0 + 196 = 399; / 3 = 133
    "adoption_a10_days": (804, 3, 268),  # 0 + 317 + 487 = 804; / 3 = 268
    "adoption_entry_to_decision_days": (457, 3, 152),  # 153 + 120 + 184; 152.3 -> 152
    "adoption_decision_to_match_days": (652, 3, 217),  # 273 + 92 + 287; 217.3 -> 217
    "adoption_match_to_placed_days": (152, 3, 51),  # 31 + 105 + 16; 50.7 -> 51
    "adoption_placed_to_adopted_days": (1230, 3, 410),  # 302 + 289 + 639
    "adoption_entry_to_adopted_days": (2491, 3, 830),  # 759 + 606 + 1126; 830.3 -> 830
}
# The 3 years to R add P7 (adopted 2022-05-01): A1 = 2020-09-01 to 2021-08-01 = 334 days,
# A2 = 2021-03-01 to 2021-07-01 = 122 days, A10 = A1 = 334 (not a foster-carer adoption).
TIMELINESS_3YR = {
    "adoption_a1_3yr_days": (1595, 4, 399),  # 1261 + 334 = 1595; / 4 = 398.75 -> 399
    "adoption_a2_3yr_days": (521, 4, 130),  # 399 + 122 = 521; / 4 = 130.25 -> 130
    "adoption_a10_3yr_days": (1138, 4, 285),  # 804 + 334 = 1138; / 4 = 284.5 -> 285 (half up)
}


@pytest.mark.parametrize("indicator_id", {**TIMELINESS_12M, **TIMELINESS_3YR})
def test_adoption_timeliness_matches_the_hand_worked_average(metrics, indicator_id):
    expected = {**TIMELINESS_12M, **TIMELINESS_3YR}[indicator_id]
    assert _figures(_row(metrics, indicator_id)) == expected


def test_a10_stops_the_clock_when_a_child_moved_in_with_the_foster_carers_who_adopted_them(data):
    records = adoption_records(
        prepare_inputs(data).episodes, data.ad1, data.placed_adoption
    ).set_index("child_id")
    # P1: placed for adoption 2022-09-01, but lived with those carers since entering care.
    assert records.loc["P1", "a1_days"] == 457
    assert records.loc["P1", "a10_days"] == 0
    # P2, not adopted by foster carers: A10 is A1.
    assert records.loc["P2", "a10_days"] == records.loc["P2", "a1_days"] == 317


def test_a_foster_carer_adoption_recorded_as_a_new_carer_stops_at_the_foster_placement():
    # Q moved in with foster carers 2022-03-01; the adoptive placement (A5, 2022-11-01) was
    # recorded as a new carer (RNE P), but AD1 says the adopters were the foster carers: the
    # clock stops at 2022-03-01. Entered 2022-01-01: 31 + 28 = 59 days (A1 = 304 days).
    data = with_permanence(
        make_data(
            [
                episode("Q", "2022-01-01", "2022-03-01", ls="C1"),
                episode("Q", "2022-03-01", "2022-11-01", rne="P", ls="E1", place="U5"),
                episode("Q", "2022-11-01", "2023-06-01", rne="P", ls="E1", place="A5", rec="E11"),
            ]
        ),
        ad1_rows=[ad1("Q", "2022-02-01", "2022-10-01", foster_care="1")],
    )
    records = adoption_records(prepare_inputs(data).episodes, data.ad1, data.placed_adoption)
    assert records[["a1_days", "a10_days"]].values.tolist() == [[304.0, 59.0]]


def test_a_match_before_the_placement_order_counts_as_zero_days_of_a2(data):
    records = adoption_records(
        prepare_inputs(data).episodes, data.ad1, data.placed_adoption
    ).set_index("child_id")
    assert records.loc["P2", "placement_order"] == pd.Timestamp("2022-10-01")
    assert records.loc["P2", "matched"] == pd.Timestamp("2022-09-01")
    assert records.loc["P2", "a2_days"] == 0


def test_only_the_final_period_of_care_counts_for_a_child_with_two(data):
    records = adoption_records(
        prepare_inputs(data).episodes, data.ad1, data.placed_adoption
    ).set_index("child_id")
    # P3's first period began 2019-02-01; the adoption ended the one that began 2021-03-01.
    assert records.loc["P3", "entered"] == pd.Timestamp("2021-03-01")
    assert records.loc["P3", "a1_days"] == 487


def test_the_decision_comes_from_ad1_before_placed_adoption_unless_set_otherwise(data):
    inputs = prepare_inputs(data)
    default = adoption_records(inputs.episodes, data.ad1, data.placed_adoption).set_index(
        "child_id"
    )
    assert default.loc["P1", "decision"] == pd.Timestamp("2021-11-01")  # AD1's DATE_INT
    assert default.loc["P2", "decision"] == pd.Timestamp("2022-06-01")  # AD1 blank: PlacedAdoption
    swapped = DEFAULT_SETTINGS.with_overrides(adoption_decision_from_ad1=False)
    other = adoption_records(inputs.episodes, data.ad1, data.placed_adoption, swapped)
    # P1 then takes PlacedAdoption's 2021-10-15: 2021-06-01 to 2021-10-15 = 136 days.
    assert other.set_index("child_id").loc["P1", "entry_to_decision_days"] == 136


def test_a2_leaves_out_children_adopted_without_a_placement_order():
    # Consent (no LS E1 or D1): outside A2's count, not unknown.
    data = with_permanence(
        make_data(
            [
                episode("V", "2022-01-01", "2022-06-01", ls="V2"),
                episode("V", "2022-06-01", "2023-06-01", rne="P", ls="V2", place="A4", rec="E11"),
                ANCHOR,
            ]
        ),
        ad1_rows=[ad1("V", "2022-02-01", "2022-05-01")],
    )
    row = _row(compute_indicators(data, R, LA), "adoption_a2_days")
    assert (row["numerator"], row["denominator"], row["unknown"]) == (0, 0, 0)
    assert math.isnan(row["value"])


def test_an_adoption_without_ad1_is_unknown_for_the_stages_that_need_its_dates():
    data = make_data(
        [
            episode("W", "2022-01-01", "2022-06-01", ls="C1"),
            episode("W", "2022-06-01", "2023-06-01", rne="P", ls="E1", place="A6", rec="E11"),
            ANCHOR,
        ]
    )
    metrics = compute_indicators(data, R, LA)
    match = _row(metrics, "adoption_decision_to_match_days")
    assert (match["denominator"], match["unknown"]) == (0, 1)
    # A1 needs only Episodes: 2022-01-01 to 2022-06-01 = 151 days.
    assert _figures(_row(metrics, "adoption_a1_days")) == (151, 1, 151)


def test_stage_averages_are_broken_down_by_age_on_entering_the_final_period(metrics):
    # P1 entered aged 0 (born 2021-05-01, entered 2021-06-01): A1 457 days.
    assert _figures(_row(metrics, "adoption_a1_days", "age_at_entry", "Under 1")) == (457, 1, 457)
    # P2 entered aged 1 (born 2020-03-15, entered 2022-02-01).
    assert _figures(_row(metrics, "adoption_a1_days", "age_at_entry", "1")) == (317, 1, 317)
    assert _figures(_row(metrics, "adoption_a1_days", "age_at_entry", "7 and over")) == (
        0,
        0,
        None,
    )


# --- Children waiting and plans that end ------------------------------------------------------


def test_a_child_still_waiting_at_r_is_counted_with_how_long_they_have_waited(metrics):
    # Only P5 waits at R: P4's plan ended, P6 is placed for adoption, P1-P3 were adopted.
    # 2023-01-15 to 2024-03-31 = 441 days.
    assert _figures(_row(metrics, "adoption_waiting_count")) == (1, None, 1)
    assert _figures(_row(metrics, "adoption_waiting_days")) == (441, 1, 441)
    # 2023-01-15 + 12 months <= R < 2023-01-15 + 18 months.
    band = _row(metrics, "adoption_waiting_count", "waiting_band", "12 to 18 months")
    assert band["value"] == 1


def test_waiting_earlier_in_the_year(data):
    # At 2023-06-30: P4 (decision 2022-11-01, reversed only on 2023-08-15) waits 241 days,
    # P5 166 days, P6 (decision 2023-06-01, placed 2024-02-01) 29 days.
    # Average: (241 + 166 + 29) / 3 = 436 / 3 = 145.3 -> 145.
    metrics = compute_indicators(data, "2023-06-30", LA)
    assert _figures(_row(metrics, "adoption_waiting_count")) == (3, None, 3)
    assert _figures(_row(metrics, "adoption_waiting_days")) == (436, 3, 145)
    # P4: 2022-11-01 + 6 months = 2023-05-01 <= R < 2023-11-01: "6 to 12 months".
    assert _row(metrics, "adoption_waiting_count", "waiting_band", "6 to 12 months")["value"] == 1
    assert _row(metrics, "adoption_waiting_count", "waiting_band", "Under 6 months")["value"] == 2


def test_an_adoption_plan_that_ends_is_counted_by_reason(metrics):
    # P4's decision was reversed on 2023-08-15 (in W) because no placement order was made.
    assert _figures(_row(metrics, "adoption_plans_ended_count")) == (1, None, 1)
    by_reason = _row(
        metrics,
        "adoption_plans_ended_count",
        "reason",
        "The court did not make a placement order (RD2)",
    )
    assert by_reason["value"] == 1


def test_a_decision_made_before_the_current_period_of_care_does_not_make_a_child_wait():
    # Z had a decision in a period that ended (returned home); back in care since 2023-01-01.
    data = with_permanence(
        make_data(
            [
                episode("Z", "2021-01-01", "2021-12-01", rec="E4A", collection_year=2022),
                episode("Z", "2023-01-01"),
                ANCHOR,
            ]
        ),
        decisions=[decision("Z", "2021-06-01")],
    )
    assert _row(compute_indicators(data, R, LA), "adoption_waiting_count")["value"] == 0


# --- Returning to care ----------------------------------------------------------------------

# Started in W: T1 (no PrevPerm row: not known), N1 (P1), N2 (Z1), N3 (only a 2022 row: P2),
# N4 (P4: not known). After an adoption, SGO or CAO: N1, N3 = 2 of 5 = 40.0%; unknown 2.


def test_share_starting_care_after_an_earlier_permanent_home(metrics):
    row = _row(metrics, "started_after_permanence_pct")
    assert _figures(row) == (2, 5, 40.0)
    assert row["unknown"] == 2


def test_prev_perm_comes_from_the_start_years_return_else_the_latest(data):
    returning = returning_frame(data, R).set_index("child_id")
    assert returning.loc["N3", "previous_permanence"] == "Special guardianship order"
    assert returning.loc["T1", "previous_permanence"] == "Not known"
    assert returning.loc["N2", "previous_permanence"] == "No previous permanence"


def test_returning_is_broken_down_by_what_came_before(metrics):
    row = _row(metrics, "started_after_permanence_pct", "previous_permanence", "Adoption")
    assert _figures(row) == (1, 1, 100.0)


# --- The metric table -----------------------------------------------------------------------


def test_permanence_rows_pass_the_metric_table_model(data):
    rows = permanence_indicator_series(prepare_permanence(data), [R, pd.Timestamp("2023-12-31")])
    MetricTable.validate(rows)
    assert set(rows["period_end"]) == {R, pd.Timestamp("2023-12-31")}


def test_a_council_with_no_permanence_tables_gets_blank_figures_not_errors():
    data = make_data([episode("A", "2023-01-01"), ANCHOR])
    metrics = compute_indicators(data, R, LA)
    row = _row(metrics, "adoption_a1_days")
    assert (row["numerator"], row["denominator"]) == (0, 0) and math.isnan(row["value"])
    assert _row(metrics, "adoption_waiting_count")["value"] == 0


def test_the_gaps_in_adoption_records_are_counted_for_the_reports_notes():
    # W: adopted with no AD1 (no match, no decision); Y: match recorded before the decision
    # (2022-03-01 before 2022-04-01): out of order, counted as 0 days.
    data = with_permanence(
        make_data(
            [
                episode("W", "2022-01-01", "2022-06-01", ls="C1"),
                episode("W", "2022-06-01", "2023-06-01", rne="P", ls="E1", place="A6", rec="E11"),
                episode("Y", "2022-01-01", "2022-06-01", ls="C1"),
                episode("Y", "2022-06-01", "2023-07-01", rne="P", ls="E1", place="A6", rec="E11"),
                ANCHOR,
            ]
        ),
        ad1_rows=[ad1("Y", "2022-04-01", "2022-03-01")],
    )
    gaps = adoption_record_gaps(prepare_permanence(data), R).set_index("gap")["children"]
    assert gaps.tolist() == [1, 1, 0, 1]  # no match, no decision, no placement, out of order
