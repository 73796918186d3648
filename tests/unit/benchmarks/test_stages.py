"""England's average time between the stages of adoption (``benchmarks/stages.py``).

The DfE publishes the averages in years and months (``01:07`` is 19 months); the package
converts them to days. Hard-coded values were read by hand from
national_cla_adopted_average_time_between_adoption_process_stages.csv in
/work/shared/reference/dfe; tests/unit/benchmarks/test_data.py checks every packaged duration
against the published file.
"""

from __future__ import annotations

import pandas as pd
import pytest

from csc_metrics.benchmarks import benchmark_table
from csc_metrics.benchmarks.stages import (
    adoption_stage_benchmarks,
    months_to_days,
    years_months_to_months,
)


@pytest.fixture(scope="module")
def lancashire_2025() -> pd.DataFrame:
    return benchmark_table("888", 2025).set_index("id")


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
