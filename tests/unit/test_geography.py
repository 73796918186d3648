"""Postcode matching with sector/district fall-back, distances and placement council."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csc_metrics import geography
from csc_metrics.settings import DEFAULT_SETTINGS

LOOKUP = pd.DataFrame(
    {
        "postcode": ["PR1 1AA", "PR1 1AB", "PR2 6", "BB9", "JE2 3AB", "FY1 1AA", "nope"],
        "easting": [350000.0, 353000.0, 350000.0, 350000.0, None, 330000.0, 1.0],
        "northing": [430000.0, 434000.0, 470000.0, 462186.0, None, 430000.0, 1.0],
        "la_code": ["E10000017", "E10000017", "E10000017", "E06000008", "NUK", "CON", "X"],
    }
)


@pytest.fixture(scope="module")
def index() -> geography.PostcodeIndex:
    return geography.build_postcode_index(LOOKUP)


def _locate(postcodes: list[str | None], index: geography.PostcodeIndex) -> pd.DataFrame:
    return geography.locate_postcodes(pd.Series(postcodes, dtype="str"), index)


def test_full_postcode_matches_ignoring_case_and_spaces(index):
    found = _locate(["pr11ab", " PR1  1AB "], index)
    assert found["match"].tolist() == ["postcode", "postcode"]
    assert found["easting"].tolist() == [353000.0, 353000.0]


def test_unknown_full_postcode_falls_back_to_its_sector(index):
    # PR2 6XY is not in the lookup; its sector PR2 6 is.
    found = _locate(["PR2 6XY"], index)
    assert found.loc[0, "match"] == "sector"
    assert found.loc[0, "northing"] == 470000.0


def test_unknown_sector_falls_back_to_the_district(index):
    # BB9 9QQ: neither the postcode nor the sector BB9 9 is listed; the district BB9 is.
    found = _locate(["BB9 9QQ"], index)
    assert found.loc[0, "match"] == "district"
    assert found.loc[0, "la_code"] == "E06000008"


def test_a_sector_given_as_the_query_matches_the_sector(index):
    found = _locate(["PR2 6"], index)
    assert found.loc[0, "match"] == "sector"


def test_blank_junk_and_absent_postcodes_say_why_they_did_not_match(index):
    found = _locate([None, "", "not a postcode", "ZZ9 9ZZ"], index)
    assert found["match"].tolist() == ["blank", "blank", "invalid", "not found"]
    assert found["easting"].isna().all()


def test_distance_is_straight_line_miles_to_one_decimal_place(index):
    # PR1 1AA -> PR1 1AB: 3000 m east, 4000 m north = 5000 m / 1609.3 = 3.107 -> 3.1.
    miles = geography.placement_distance_miles(
        pd.Series(["PR1 1AA"]), pd.Series(["PR1 1AB"]), index
    )
    assert miles.tolist() == [3.1]


def test_distance_of_exactly_twenty_miles_is_not_rounded_up(index):
    # PR1 1AA -> BB9 (district): 32186 m / 1609.3 = 20.000 miles exactly.
    miles = geography.placement_distance_miles(
        pd.Series(["PR1 1AA"]), pd.Series(["BB9 1ZZ"]), index
    )
    assert miles.tolist() == [20.0]


def test_distance_is_unknown_when_either_postcode_is_blank_or_not_found(index):
    miles = geography.placement_distance_miles(
        pd.Series(["PR1 1AA", None, "ZZ9 9ZZ"], dtype="str"),
        pd.Series([None, "PR1 1AB", "PR1 1AB"], dtype="str"),
        index,
    )
    assert miles.isna().all()


def test_distance_is_unknown_for_a_placement_outside_the_uk(index):
    miles = geography.placement_distance_miles(
        pd.Series(["PR1 1AA"]), pd.Series(["JE2 3AB"]), index
    )
    assert miles.isna().all()


def test_a_supplied_distance_of_999_9_means_unknown(index):
    supplied = pd.Series([999.9, 12.5])
    miles = geography.placement_distance_miles(
        pd.Series(["PR1 1AA", "PR1 1AA"]),
        pd.Series(["PR1 1AB", "PR1 1AB"]),
        index,
        supplied_miles=supplied,
    )
    assert np.isnan(miles[0])
    assert miles[1] == 12.5  # a supplied distance is used as given


def test_placement_council_is_unknown_for_confidential_and_outside_uk_codes(index):
    councils = geography.placement_council(
        pd.Series(["PR1 1AB", "FY1 1AA", "JE2 3AB", "ZZ9 9ZZ"]), index
    )
    assert councils[0] == "E10000017"
    assert councils[1:].isna().all()


def test_junk_rows_in_the_lookup_are_ignored():
    index = geography.build_postcode_index(LOOKUP)
    keys = [*index.full.index, *index.sector.index, *index.district.index]
    assert "NOPE" not in keys


def test_round_half_up_rounds_halves_away_from_even():
    assert geography.round_half_up(np.array([12.25, 12.35, 0.05]), 1).tolist() == [
        12.3,
        12.4,
        0.1,
    ]


def test_metres_per_mile_comes_from_the_settings(index):
    settings = DEFAULT_SETTINGS.with_overrides(metres_per_mile=1000.0)
    miles = geography.placement_distance_miles(
        pd.Series(["PR1 1AA"]), pd.Series(["PR1 1AB"]), index, settings
    )
    assert miles.tolist() == [5.0]
