"""The sample's fast worksheet rows against openpyxl's own writer: the same workbook bytes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from csc_metrics.sample.annex_a import LIST_COLUMNS
from csc_metrics.sample.config import day
from csc_metrics.sample.workbook import _openpyxl_workbook_bytes, workbook_bytes
from csc_metrics.sample.xlsx import sheet_rows_xml

WHEN = day(dt.date(2025, 3, 31))


def lists_with(values: list[object]) -> dict[str, pd.DataFrame]:
    """Every list with every column holding ``values`` (one row each)."""
    return {
        name: pd.DataFrame({column: pd.Series(values, dtype=object) for column in columns})
        for name, columns in LIST_COLUMNS.items()
    }


@pytest.mark.parametrize(
    "values",
    [
        # Text, text with edge spaces (xml:space="preserve"), only spaces (no preserve), an
        # empty text (an empty inline-string cell), XML's special characters, a date, whole
        # numbers of two kinds, floats, and missing values of three kinds (absent cells).
        [
            "a) Male",
            " stray ",
            "   ",
            "",
            "A & B <c> 'd' \"e\"",
            dt.date(2014, 7, 14),
            dt.date(1900, 1, 1),
            7,
            np.int64(12),
            2.5,
            1e20,
            None,
            np.nan,
            pd.NaT,
        ],
        # Columns of one kind, whose cells are written for all their values at once: plain
        # text with edge spaces, only spaces and an empty text; dates around Excel's day 60
        # (its 29 February 1900) and after; whole numbers, one too long for the plain form.
        ["a) Male", " stray ", "   ", "", "x", None],
        [np.str_("numpy text"), "text", "numpy text"],
        [dt.date(1900, 1, 1), dt.date(1900, 2, 28), dt.date(1900, 3, 1), dt.date(2014, 7, 14)],
        [7, -3, np.int64(12), 7, None],
        [7, 10**15, -(10**16)],
    ],
)
def test_fast_rows_give_the_bytes_openpyxl_writes(values):
    lists = lists_with(values)
    # Every row keeps its first cell filled, so no row is wholly empty.
    for frame in lists.values():
        frame.iloc[:, 0] = "1000999"
    expected = _openpyxl_workbook_bytes(lists, WHEN, None, None)
    assert workbook_bytes(lists, WHEN) == expected


def test_header_variants_are_kept_on_the_fast_path():
    lists = lists_with(["x"])
    headers = {"Age": "Age of Child (Years)"}
    expected = _openpyxl_workbook_bytes(lists, WHEN, headers, None)
    assert workbook_bytes(lists, WHEN, headers) == expected


@pytest.mark.parametrize("value", ["=SUM(A1)", "#N/A", "bad\x01char", True, 3 + 0j, [1]])
def test_values_openpyxl_treats_specially_are_left_to_openpyxl(value):
    frame = pd.DataFrame({"A": pd.Series([value], dtype=object)})
    assert sheet_rows_xml(frame, ["A"]) is None


def test_a_row_of_empty_cells_is_left_to_openpyxl():
    frame = pd.DataFrame({"A": pd.Series([None], dtype=object)})
    assert sheet_rows_xml(frame, ["A"]) is None


def test_rows_are_numbered_from_under_the_header():
    frame = pd.DataFrame({"A": ["x", "y"], "B": [1, 2]})
    # Row 2 and row 3; columns A and B; whole numbers as numbers, text as inline strings.
    assert sheet_rows_xml(frame, ["A", "B"]) == (
        '<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c><c r="B2" t="n"><v>1</v></c>'
        '</row><row r="3"><c r="A3" t="inlineStr"><is><t>y</t></is></c><c r="B3" t="n"><v>2</v>'
        "</c></row>"
    )


def test_a_workbook_frame_written_once_serves_other_dates():
    # The second and third workbooks take openpyxl's parts from the first, with their own date.
    lists = lists_with(["x", dt.date(2014, 7, 14)])
    for when in (WHEN, day(dt.date(2024, 12, 31)), day(dt.date(2019, 6, 30))):
        assert workbook_bytes(lists, when) == _openpyxl_workbook_bytes(lists, when, None, None)
