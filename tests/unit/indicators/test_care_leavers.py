"""Care-leaver indicators (docs/definitions.md, "Care leavers"), worked by hand.

R = 2024-03-31, W = 2023-04-01 .. 2024-03-31: for R = 31 March the cohort is exactly the
2024 return (reference birthdays 2023-04-01 .. 2024-03-31).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from indicators_fixtures import (
    EXPECTED_AT_2024_03_31,
    R,
    child,
    county,
    county_indicators_at_r,
    leaver,
    make_data,
    uasc,
)

from csc_metrics.indicators import (
    care_leaver_cohort,
    care_leaver_data_issues,
    care_leaver_indicators,
)
from csc_metrics.schemas import DataQualityIssues

CARE_LEAVER_IDS = [i for i in EXPECTED_AT_2024_03_31 if i.startswith("care_leavers_")]


@pytest.fixture(scope="module")
def county_metrics() -> pd.DataFrame:
    return county_indicators_at_r()


def _total(metrics: pd.DataFrame, indicator_id: str) -> pd.Series:
    rows = metrics[(metrics["indicator_id"] == indicator_id) & (metrics["breakdown"] == "total")]
    assert len(rows) == 1, indicator_id
    return rows.iloc[0]


@pytest.mark.parametrize("indicator_id", CARE_LEAVER_IDS)
def test_county_care_leaver_indicator_matches_the_hand_worked_value(county_metrics, indicator_id):
    # Working for each figure: tests/indicators_fixtures.py, EXPECTED_AT_2024_03_31.
    row = _total(county_metrics, indicator_id)
    numerator, denominator, value, _ = EXPECTED_AT_2024_03_31[indicator_id]
    assert row["numerator"] == numerator
    if denominator is None:
        assert math.isnan(row["denominator"])
    else:
        assert row["denominator"] == denominator
    assert row["value"] == value


def _cohort_ids(data, period_end=R) -> list[str]:
    return sorted(care_leaver_cohort(data, period_end)["child_id"])


def test_reference_birthdays_on_both_edges_of_the_window_are_in_the_cohort():
    # CL1's 17th on 2023-04-01 (first day of W), CL2's 19th on 2024-03-31 (R): both in.
    # CL9's 18th on 2023-03-31 and CL10's 17th on 2024-04-01 are just outside: both out.
    ids = _cohort_ids(county())
    assert {"CL1", "CL2"} <= set(ids)
    assert not {"CL9", "CL10"} & set(ids)


def test_died_and_returned_home_are_left_out_of_every_denominator():
    # 19-21: YES F1 U1, DIED 0 0, RHOM 0 0 -> denominator 1, EET 1/1 = 100.0.
    data = make_data(
        oc3=[
            leaver("X", "2004-06-01", "YES", "F1", "U1"),
            leaver("Y", "2004-07-01", "DIED", "0", "0"),
            leaver("Z", "2004-08-01", "RHOM", "0", "0"),
        ],
        header=[child("X", "2004-06-01"), child("Y", "2004-07-01"), child("Z", "2004-08-01")],
    )
    metrics = care_leaver_indicators(data, R)
    assert _total(metrics, "care_leavers_19_21_count")["value"] == 1
    assert _total(metrics, "care_leavers_19_21_eet_pct")[["denominator", "value"]].tolist() == [
        1,
        100.0,
    ]


def test_excluded_rows_stay_in_the_cohort_table_with_a_reason():
    cohort = care_leaver_cohort(county(), R).set_index("child_id")
    assert cohort.loc["CL4", "excluded_reason"] == "IN_TOUCH DIED"
    assert cohort.loc["CL5", "excluded_reason"] == "IN_TOUCH RHOM"
    assert not cohort.loc["CL4", "counted"]


def test_age_outside_17_to_21_is_a_data_quality_error():
    # CL7 turned 22 on 2023-06-01; CL15 has no date of birth anywhere.
    issues = care_leaver_data_issues(county(), R)
    DataQualityIssues.validate(issues)
    assert sorted(zip(issues["child_id"], issues["rule"], strict=True)) == [
        ("CL15", "care_leaver_dob_missing"),
        ("CL7", "care_leaver_age_outside_17_21"),
    ]
    assert issues.set_index("child_id").loc["CL7", "value"] == "22"


def test_data_quality_messages_do_not_show_the_date_of_birth():
    issues = care_leaver_data_issues(county(), R)
    assert not issues["message"].str.contains("2001").any()


def test_f3_counts_as_eet_in_a_return_before_2021_22():
    # 2020-21 return (collection year 2021), R = 2021-03-31: F3 -> EET, 1/1.
    data = make_data(
        oc3=[leaver("X", "2001-06-01", "YES", "F3", "U1", collection_year=2021)],
        header=[child("X", "2001-06-01")],
    )
    metrics = care_leaver_indicators(data, "2021-03-31")
    assert _total(metrics, "care_leavers_19_21_eet_pct")["value"] == 100.0


def test_f3_does_not_count_as_eet_in_a_2021_22_return():
    # F3 was withdrawn in 2021-22: in the 2022 return it is not an EET code: 0/1.
    data = make_data(
        oc3=[leaver("X", "2002-06-01", "YES", "F3", "U1", collection_year=2022)],
        header=[child("X", "2002-06-01")],
    )
    metrics = care_leaver_indicators(data, "2022-03-31")
    assert _total(metrics, "care_leavers_19_21_eet_pct")["value"] == 0.0


def test_f3_mapped_to_f5_at_ingest_still_counts_as_eet():
    data = make_data(
        oc3=[leaver("X", "2001-06-01", "YES", "F5", "U1", collection_year=2021)],
        header=[child("X", "2001-06-01")],
    )
    metrics = care_leaver_indicators(data, "2021-03-31")
    assert _total(metrics, "care_leavers_19_21_eet_pct")["value"] == 100.0


def test_a_repeated_row_for_the_same_reference_birthday_keeps_the_latest_file():
    # Two 2024 files hold X: the resubmitted one (later file name) says EET: 1 row, EET 100.0.
    data = make_data(
        oc3=[
            leaver("X", "2004-06-01", "NO", "G5", "U2", source_file="ssda903/2024/oc3.csv"),
            leaver(
                "X",
                "2004-06-01",
                "YES",
                "F1",
                "U1",
                source_file="ssda903/2024/oc3_resubmitted.csv",
            ),
        ],
        header=[child("X", "2004-06-01")],
    )
    metrics = care_leaver_indicators(data, R)
    assert _total(metrics, "care_leavers_19_21_count")["value"] == 1
    assert _total(metrics, "care_leavers_19_21_eet_pct")["value"] == 100.0


def test_a_29_february_birthday_falls_on_1_march_in_other_years():
    # Born 2004-02-29; in the 2023 return (2022-04-01..2023-03-31) the 19th birthday is
    # 2023-03-01, so at R = 2023-02-28 it is not yet in W, at R = 2023-03-01 it is.
    data = make_data(
        oc3=[leaver("X", "2004-02-29", "YES", "F1", "U1", collection_year=2023)],
        header=[child("X", "2004-02-29")],
    )
    assert _cohort_ids(data, "2023-02-28") == []
    assert _cohort_ids(data, "2023-03-01") == ["X"]


def test_a_quarter_end_cohort_takes_rows_from_two_returns():
    # R = 2023-09-30, W = 2022-10-01..2023-09-30: X's 18th (2022-12-01, 2023 return) and
    # Y's 17th (2023-07-01, 2024 return) are in; Z's 17th (2023-11-01) is not.
    data = make_data(
        oc3=[
            leaver("X", "2004-12-01", "YES", "F1", "U1", collection_year=2023),
            leaver("Y", "2006-07-01", "YES", "F1", "U1", collection_year=2024),
            leaver("Z", "2006-11-01", "YES", "F1", "U1", collection_year=2024),
        ],
        header=[child("X", "2004-12-01"), child("Y", "2006-07-01"), child("Z", "2006-11-01")],
    )
    assert _cohort_ids(data, "2023-09-30") == ["X", "Y"]


def test_activity_blank_or_zero_is_activity_not_known():
    # 17-18: blank ACTIV and "0": 2/3 unknown = 66.7; the third is NEET (G6).
    data = make_data(
        oc3=[
            leaver("X", "2006-06-01", "NO", None, "R2"),
            leaver("Y", "2006-07-01", "NO", "0", "0"),
            leaver("Z", "2006-08-01", "YES", "G6", "E1"),
        ],
        header=[child(c, "2006-06-01") for c in "XYZ"],
    )
    metrics = care_leaver_indicators(data, R)
    assert _total(metrics, "care_leavers_17_18_activity_unknown_pct")["value"] == 66.7
    assert _total(metrics, "care_leavers_17_18_neet_pct")["value"] == 33.3


def test_contact_codes_are_reported_separately(county_metrics):
    # 17-18 cohort: CL1 YES, CL8 NREQ.
    rows = county_metrics[
        (county_metrics["indicator_id"] == "care_leavers_17_18_count")
        & (county_metrics["breakdown"] == "in_touch")
    ].set_index("group")["value"]
    assert rows["In touch (YES)"] == 1
    assert rows["No longer requires services (NREQ)"] == 1
    assert rows["Not in touch (NO)"] == 0


def test_eet_gap_by_ethnic_group(county_metrics):
    # 19-21: White CL3 (NEET), CL14 (EET) -> 1/2 = 50.0; Black CL2 (EET) -> 1/1; Asian CL6 -> 0/1.
    rows = county_metrics[
        (county_metrics["indicator_id"] == "care_leavers_19_21_eet_pct")
        & (county_metrics["breakdown"] == "ethnic_group")
    ].set_index("group")
    assert rows.loc["White", ["numerator", "denominator", "value"]].tolist() == [1, 2, 50.0]
    assert rows.loc["Black", "value"] == 100.0
    assert rows.loc["Asian", "value"] == 0.0


def test_uasc_for_care_leavers_means_in_the_uasc_table():
    # CL2's UASC status ceased before the cohort year; still counted as (former) UASC.
    cohort = care_leaver_cohort(county(), R).set_index("child_id")
    assert cohort.loc["CL2", "uasc"] == "UASC"
    assert cohort.loc["CL3", "uasc"] == "Not UASC"


def test_accommodation_is_grouped_by_its_letter(county_metrics):
    # 19-21 counted: CL2 U1, CL3 S2, CL6 0, CL14 Z1.
    rows = county_metrics[
        (county_metrics["indicator_id"] == "care_leavers_19_21_count")
        & (county_metrics["breakdown"] == "accommodation")
    ].set_index("group")["value"]
    assert rows["Independent living (U)"] == 1
    assert rows["No fixed abode or homeless (S)"] == 1
    assert rows["Not known (0)"] == 1
    assert rows["With former foster carers (Z)"] == 1


def test_empty_cohort_gives_blank_percentages():
    data = make_data(
        oc3=[leaver("X", "2004-06-01", "DIED", "0", "0")],
        header=[child("X", "2004-06-01")],
        uasc_rows=[uasc("X", None)],
    )
    metrics = care_leaver_indicators(data, R)
    row = _total(metrics, "care_leavers_19_21_eet_pct")
    assert row["denominator"] == 0
    assert math.isnan(row["value"])
