import pandas as pd
import pytest

from csc_metrics.raw_text import normalise_postcodes
from csc_metrics.ssda903.values import (
    clean_codes,
    clean_identifiers,
    parse_dates,
)


def _dates(*texts):
    return parse_dates(pd.Series(list(texts), dtype="str"))


@pytest.mark.parametrize(
    "text",
    [
        "31/03/2024",  # DfE form dd/mm/yyyy
        "31/3/2024",  # Excel re-save drops leading zeros
        "2024-03-31",  # ISO
        "2024-03-31 00:00:00",  # ISO with a time, as pandas/Excel write it
        "45382",  # Excel serial: 1899-12-30 + 45382 days = 2024-03-31
        "45382.0",  # Excel serial written as a float
    ],
)
def test_every_date_form_reads_as_the_same_day(text):
    parsed = _dates(text)
    assert parsed.values.tolist() == [pd.Timestamp("2024-03-31")]
    assert not parsed.issues["invalid_date"].any()


def test_an_impossible_date_is_blank_with_an_invalid_date_issue():
    parsed = _dates("31/02/2024", "30/02/2024", "nonsense", "")
    assert parsed.values.isna().all()
    # The blank value is simply unknown, not an issue.
    assert parsed.issues["invalid_date"].tolist() == [True, True, True, False]


def test_a_two_digit_year_is_never_guessed():
    parsed = _dates("01/01/19")
    assert parsed.values.isna().all()
    assert parsed.issues["two_digit_year"].tolist() == [True]
    assert parsed.issues["invalid_date"].tolist() == [False]


def test_dates_are_nanosecond_datetimes():
    assert _dates("01/04/2023").values.dtype == "datetime64[ns]"


def test_excel_dot_zero_is_removed_from_identifiers():
    cleaned = clean_identifiers(pd.Series(["1001.0", "1001", " ab12 "], dtype="str"))
    assert cleaned.values.tolist() == ["1001", "1001", "AB12"]
    assert cleaned.issues["excel_number_artefact"].tolist() == [True, False, False]
    assert cleaned.issues["value_tidied"].tolist() == [False, False, True]


def test_a_decimal_that_is_not_an_excel_artefact_is_kept():
    assert clean_identifiers(pd.Series(["10.5"], dtype="str")).values.tolist() == ["10.5"]


def _codes(values, years, table, column):
    return clean_codes(pd.Series(values, dtype="str"), pd.Series(years), table=table, column=column)


def test_lower_case_and_spaced_codes_are_fixed_with_a_tidied_issue():
    cleaned = _codes([" c2", "C2 ", "c2"], [2024] * 3, "episodes", "LS")
    assert cleaned.values.tolist() == ["C2"] * 3
    assert cleaned.issues["value_tidied"].all()
    assert not cleaned.issues["invalid_code"].any()


@pytest.mark.parametrize(
    ("table", "column", "value", "year", "expected"),
    [
        ("header", "SEX", "1", 2024, "M"),  # 1/2 until 2023-24
        ("header", "SEX", "2", 2020, "F"),
        ("header", "SEX", "F", 2025, "F"),  # M/F/U from 2024-25
        ("uasc", "SEX", "1.0", 2022, "M"),  # Excel artefact, then the historical code
        ("oc3", "ACTIV", "F3", 2021, "F5"),  # F3/P3 replaced by F5/P5 in 2021-22
        ("oc3", "ACTIV", "P3", 2020, "P5"),
        ("episodes", "REC", "E43", 2018, "E46"),  # E43/E44 replaced in 2018-19
        ("episodes", "REC", "E44", 2017, "E48"),
        ("episodes", "PLACE", "H5", 2024, "H5"),  # still valid that year: unchanged
    ],
)
def test_historical_codes_map_to_todays_codes(table, column, value, year, expected):
    cleaned = _codes([value], [year], table, column)
    assert cleaned.values.tolist() == [expected]
    assert not cleaned.issues["code_not_valid_in_year"].any()
    assert not cleaned.issues["invalid_code"].any()


def test_a_code_from_another_years_list_is_mapped_with_a_warning():
    # SEX M only exists from 2024-25; in a 2022 file it is out of its year but unambiguous.
    cleaned = _codes(["M"], [2022], "header", "SEX")
    assert cleaned.values.tolist() == ["M"]
    assert cleaned.issues["code_not_valid_in_year"].tolist() == [True]


def test_the_same_text_is_checked_against_each_rows_own_year():
    # F3 is valid in 2021 (mapped quietly) and out of its years in 2023 (mapped with a warning).
    cleaned = _codes(["F3", "F3"], [2021, 2023], "oc3", "ACTIV")
    assert cleaned.values.tolist() == ["F5", "F5"]
    assert cleaned.issues["code_not_valid_in_year"].tolist() == [False, True]


def test_an_invalid_code_is_blanked_with_an_issue():
    cleaned = _codes(["ZZ", ""], [2024, 2024], "episodes", "PLACE")
    assert cleaned.values.isna().all()
    assert cleaned.issues["invalid_code"].tolist() == [True, False]


def test_an_invalid_lower_case_code_is_reported_once_as_invalid():
    cleaned = _codes(["q9"], [2024], "episodes", "PLACE")
    assert cleaned.issues["invalid_code"].tolist() == [True]
    assert cleaned.issues["value_tidied"].tolist() == [False]


def test_a_label_is_read_as_its_code_with_an_issue():
    cleaned = _codes(["Female", "male"], [2025, 2020], "header", "SEX")
    assert cleaned.values.tolist() == ["F", "M"]
    assert cleaned.issues["label_instead_of_code"].all()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("pr12ab", "PR1 2AB"),
        ("PR1  2AB", "PR1 2AB"),
        (" sw1a1aa ", "SW1A 1AA"),
        ("PR1 2", "PR1 2"),  # a sector stays a sector
        ("pr1", "PR1"),  # a district stays a district
    ],
)
def test_postcodes_are_upper_case_with_one_space(text, expected):
    assert normalise_postcodes(pd.Series([text], dtype="str")).values.tolist() == [expected]


def test_a_junk_postcode_is_blanked_with_an_issue():
    cleaned = normalise_postcodes(pd.Series(["nope", ""], dtype="str"))
    assert cleaned.values.isna().all()
    assert cleaned.issues["invalid_postcode"].tolist() == [True, False]
