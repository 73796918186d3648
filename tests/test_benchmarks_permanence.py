"""Permanence benchmarks: routes out of care and England's adoption stage averages.

Hard-coded values were read by hand from the published files in /work/shared/reference/dfe
(la_cla_ceased_during_year.csv and
national_cla_adopted_average_time_between_adoption_process_stages.csv); the tests that re-read
the published files read the extracts committed in tests/fixtures/published (the same rows, as
published), so they run on any machine.
"""

from __future__ import annotations

import pandas as pd
import pytest
from test_benchmarks_data import _packaged, _published

from csc_metrics.benchmarks import (
    align_to_benchmarks,
    benchmark_table,
    council_table,
    load_benchmark_data,
)
from csc_metrics.benchmarks.stages import (
    adoption_stage_benchmarks,
    months_to_days,
    years_months_to_months,
)

ROUTE_IDS = [
    "left_care_adopted_pct",
    "left_care_sgo_pct",
    "left_care_cao_pct",
    "left_care_home_pct",
    "left_care_relatives_no_pr_pct",
    "left_care_other_pct",
]


@pytest.fixture(scope="module")
def lancashire_2025() -> pd.DataFrame:
    return benchmark_table("888", 2025).set_index("id")


# --- Routes out of care ---------------------------------------------------------------------


def test_lancashire_adopted_share_2025(lancashire_2025):
    # la_cla_ceased_during_year.csv, 2025, Lancashire, "Reason episode ceased":
    # Adopted 60 (11%) of Total 569; England 3,040 (9%); North West 500 (9%).
    row = lancashire_2025.loc["left_care_adopted_pct"]
    assert (row["la"], row["la_numerator"], row["la_denominator"]) == (11, 60, 569)
    assert (row["england"], row["region"]) == (9, 9)


def test_lancashire_special_guardianship_share_2025(lancashire_2025):
    # "Special guardianship order" 78 (14%) of 569; England 4,110 (12%); North West 820 (15%).
    row = lancashire_2025.loc["left_care_sgo_pct"]
    assert (row["la"], row["la_numerator"], row["england"], row["region"]) == (14, 78, 12, 15)


def test_return_home_is_the_sum_of_the_two_published_reasons():
    # England 2025: part of care planning 5,540 + not part of it 1,070 = 6,610 of 34,450
    # = 19.19% -> 19 (whole numbers, as DfE publishes).
    row = benchmark_table("888", 2025).set_index("id").loc["left_care_home_pct"]
    assert row["england"] == 19
    # Lancashire's "not part of care planning" is c, so its sum is withheld, never a guess.
    assert pd.isna(row["la"]) and row["symbol"] == "c"


def test_other_reasons_are_the_rest_of_the_published_reasons():
    # England 2025: 34,450 - (3,040 + 4,110 + 1,080 + 6,610 + 1,800) = 17,810 -> 51.7% -> 52.
    row = benchmark_table("888", 2025).set_index("id").loc["left_care_other_pct"]
    assert row["england"] == 52


def test_every_route_has_england_region_and_neighbours_for_a_london_borough():
    table = benchmark_table("E09000007", 2024).set_index("id")  # Camden
    for indicator_id in ("left_care_adopted_pct", "left_care_sgo_pct"):
        row = table.loc[indicator_id]
        assert row["region_name"] == "London"
        assert pd.notna(row["england"]) and pd.notna(row["sn_median"]), indicator_id


def test_a_quarter_is_compared_with_the_year_ending_the_march_before():
    own = pd.DataFrame(
        {
            "indicator_id": ["left_care_adopted_pct"],
            "period_end": [pd.Timestamp("2025-06-30")],
            "breakdown": ["total"],
            "group": ["all"],
            "value": [12.8],
        }
    )
    row = align_to_benchmarks(own, "888").iloc[0]
    # 12.8% against England's 9% (year ending 31 March 2025): 3.8 points above.
    assert (row["benchmark_year"], row["benchmark"], round(row["gap_pp"], 1)) == (2025, 9, 3.8)


# --- Adoption stages --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "months"),
    [("01:07", 19), ("00:10", 10), ("02:00", 24), ("03:11", 47), ("00:01", 1)],
)
def test_years_months_are_read_as_years_and_months_not_decimals(text, months):
    assert years_months_to_months(text) == months


def test_a_withheld_duration_is_missing_never_zero():
    assert pd.isna(years_months_to_months("k"))
    assert pd.isna(years_months_to_months(""))


def test_twelve_months_is_not_a_months_part():
    with pytest.raises(ValueError, match="0 to 11"):
        years_months_to_months("01:12")


def test_months_become_days_at_a_quarter_year_average():
    # 19 months x 365.25 / 12 = 578.3 -> 578; 10 months = 304.4 -> 304; 1 month = 30.4 -> 30.
    assert (months_to_days(19), months_to_days(10), months_to_days(1)) == (578, 304, 30)


def test_england_stage_averages_2025_are_benchmarks_in_days(lancashire_2025):
    # Total row, 2025: stage 1 00:09 (274 days), stage 2 00:10 (304), stage 3 00:01 (30),
    # stage 4 01:07 (578), stage 5 00:09 (274), stage 6 02:03 (27 months = 821.8 -> 822).
    expected = {
        "adoption_entry_to_decision_days": 274,
        "adoption_decision_to_match_days": 304,
        "adoption_match_to_placed_days": 30,
        "adoption_a1_days": 578,
        "adoption_placed_to_adopted_days": 274,
        "adoption_entry_to_adopted_days": 822,
    }
    for indicator_id, days in expected.items():
        row = lancashire_2025.loc[indicator_id]
        assert row["england"] == days, indicator_id
        # England only: no council value, region or neighbours, and the note says why.
        assert pd.isna(row["la"]) and pd.isna(row["region"]) and pd.isna(row["sn_median"])
        assert "England only" in row["note"]


def test_stage_averages_by_age_keep_the_published_cell_and_its_symbol():
    table = adoption_stage_benchmarks()
    row = table[
        (table["year"] == 2025)
        & (table["stage"] == "match_to_placed")
        & (table["age_at_entry"] == "7 and over")
    ].iloc[0]
    # Published "k": below half a month. Kept as a symbol, with no months or days.
    assert (row["published"], row["symbol"]) == ("k", "k")
    assert pd.isna(row["days"])
    under_1 = table[
        (table["year"] == 2025) & (table["stage"] == "a1") & (table["age_at_entry"] == "Under 1")
    ].iloc[0]
    assert (under_1["published"], under_1["months"], under_1["days"]) == ("01:05", 17, 517)


# --- Against the published files -------------------------------------------------------------


@pytest.mark.parametrize(
    ("indicator_id", "characteristic"),
    [
        ("left_care_adopted_pct", "Adopted"),
        ("left_care_sgo_pct", "Special guardianship order"),
        ("left_care_cao_pct", "Residence order or child arrangement order granted"),
    ],
)
@pytest.mark.parametrize("year", [2021, 2025])
def test_every_councils_route_share_matches_the_published_file(indicator_id, characteristic, year):
    raw = _published("la_cla_ceased_during_year.csv")
    raw = raw[
        (raw["time_period"] == str(year))
        & (raw["geographic_level"] == "Local authority")
        & (raw["cla_group"] == "Reason episode ceased")
        & (raw["characteristic"] == characteristic)
    ].set_index("old_la_code")["percentage"]
    numbers = pd.to_numeric(raw, errors="coerce")
    published = numbers.map(lambda v: f"{v:g}").where(numbers.notna(), raw)
    published = published[published.ne("z")]
    assert _packaged(indicator_id, year).sort_index().to_dict() == published.sort_index().to_dict()


@pytest.mark.parametrize("indicator_id", ["left_care_adopted_pct", "left_care_sgo_pct"])
def test_neighbour_medians_agree_with_the_dfe_dashboards_within_its_rounding(indicator_id):
    # The DfE dashboard publishes each council's neighbours' median rounded to a whole number;
    # ours is the exact median of the same model's neighbours, so they agree within 0.5.
    characteristic = {
        "left_care_adopted_pct": "Adopted",
        "left_care_sgo_pct": "Special guardianship order",
    }[indicator_id]
    raw = _published("la_cla_ceased_during_year.csv")
    raw = raw[
        (raw["time_period"] == "2025")
        & (raw["geographic_level"] == "Statistical neighbours (median)")
        & (raw["cla_group"] == "Reason episode ceased")
        & (raw["characteristic"] == characteristic)
    ]
    councils = council_table()
    code = councils[councils["status"] == "current"].set_index("la_name")["la_code_old"]
    medians = load_benchmark_data().neighbour_medians.xs((indicator_id, 2025), level=(1, 2))
    ours = raw["geo_breakdown_sn"].map(code).map(medians["sn_median"])
    theirs = pd.to_numeric(raw["percentage"], errors="coerce")
    assert len(raw) > 150 and ours.notna().all()
    assert ((ours - theirs).abs() <= 0.5).all()


def test_stage_table_matches_every_published_duration():
    raw = _published("national_cla_adopted_average_time_between_adoption_process_stages.csv")
    raw = raw[raw["stage_of_adoption_process"].str.match(r"^[1-6]\. ")]
    table = adoption_stage_benchmarks()
    assert len(table) == len(raw) == 270  # 5 years x 6 stages x 9 age groups
    assert sorted(table["published"]) == sorted(raw["number"])
    read = table.dropna(subset=["months"])
    assert (read["days"] == months_to_days(read["months"])).all()
