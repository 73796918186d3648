"""Cleaning raw caseload cells: dates, numbers, identifiers, prefixes, headers."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from csc_metrics.caseload.values import (
    clean_identifier,
    find_columns,
    parse_dates,
    parse_numbers,
    strip_ordinal_prefix,
)
from csc_metrics.caseload.vocabulary import ANNEX_A_HEADINGS


def test_dates_come_from_cells_serials_and_day_first_or_iso_text():
    cells = pd.Series(
        [
            dt.datetime(2024, 3, 31, 9, 30),
            45382,
            "31/03/2024",
            "2024-03-31",
            "31 Mar 2024",
            "05/04/2024",
        ],
        dtype=object,
    )
    dates, unreadable = parse_dates(cells)
    # 45382 days after 1899-12-30 is 2024-03-31; 05/04/2024 is day-first: 5 April.
    assert dates.tolist()[:5] == [pd.Timestamp("2024-03-31")] * 5
    assert dates.iloc[5] == pd.Timestamp("2024-04-05")
    assert not unreadable.any()


def test_two_digit_years_impossible_dates_and_stray_numbers_are_unreadable():
    cells = pd.Series(["01/01/19", "31/02/2024", 2024, "soon", None, "  "], dtype=object)
    dates, unreadable = parse_dates(cells)
    assert dates.isna().all()
    # The blank cells are simply missing, not unreadable.
    assert unreadable.tolist() == [True, True, True, True, False, False]


def test_numbers_accept_percentages_and_flag_text():
    numbers, unreadable = parse_numbers(pd.Series(["0.5", "50%", " 1 ", "half", None]))
    assert numbers.tolist()[:3] == [0.5, 0.5, 1.0]
    assert unreadable.tolist() == [False, False, False, True, False]


def test_identifiers_lose_excel_decimal_artefacts_but_keep_leading_zeros():
    cleaned = clean_identifier(pd.Series([1001.0, "1001.0", " 0042 ", "A1.0", None], dtype=object))
    assert cleaned.tolist()[:4] == ["1001", "1001", "0042", "A1.0"]
    assert pd.isna(cleaned.iloc[4])


def test_ordinal_prefixes_are_stripped_from_values():
    stripped = strip_ordinal_prefix(pd.Series(["a) North", "aa) South team", "North (East)"]))
    assert stripped.tolist() == ["North", "South team", "North (East)"]


def test_headers_match_ignoring_case_spacing_punctuation_and_curly_quotes():
    headers = ["Child’s  Unique-ID", "ALLOCATED TEAM ", "Allocated Social Worker", None]
    found = find_columns(headers, {**ANNEX_A_HEADINGS, "child_id": ("Child's Unique ID",)})
    assert found == {"child_id": 0, "team": 1, "worker_id": 2}
