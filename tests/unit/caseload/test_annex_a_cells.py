"""Telling blank cells and taking columns out of a sheet's rows as calamine gives them."""

from __future__ import annotations

import datetime as dt

import numpy as np

from csc_metrics.caseload.annex_a import blank_text, read_columns, sheet_grid


def _cells(*values: object) -> np.ndarray:
    cells = np.empty(len(values), dtype=object)
    cells[:] = list(values)
    return cells


def test_empty_and_whitespace_only_text_is_blank_text():
    # "", spaces, a tab and newline, a no-break space (whitespace to str.strip): all blank.
    cells = _cells("", "   ", "\t\n", "\u00a0")
    assert blank_text(cells).tolist() == [True, True, True, True]


def test_text_with_a_character_numbers_dates_and_missing_values_are_not_blank_text():
    # Missing values are not text: blank_text leaves them to a null test.
    cells = _cells(" a ", "0", 0.0, dt.date(2024, 3, 31), None, float("nan"))
    assert blank_text(cells).tolist() == [False, False, False, False, False, False]


def test_blank_text_keeps_the_shape_of_a_grid():
    grid = sheet_grid([["", "x"], [" ", 1.0]])
    assert blank_text(grid).tolist() == [[True, False], [True, False]]


def test_a_sheet_grid_pads_short_rows_with_none():
    grid = sheet_grid([["a", "b", "c"], ["d"], []])
    assert grid.shape == (3, 3)
    assert grid.tolist() == [["a", "b", "c"], ["d", None, None], [None, None, None]]


def test_read_columns_takes_the_columns_asked_for_with_blank_text_as_none():
    rows = [["A1", "dob", "North", " "], ["A2", "dob", "", "W2"]]
    cells, _ = read_columns(rows, [0, 2, 3])
    assert cells.tolist() == [["A1", "North", None], ["A2", None, "W2"]]


def test_a_row_blank_in_the_columns_taken_is_filled_when_another_column_holds_something():
    # Row 2 holds only a date of birth (column 1, not taken): still a row, so that the reader
    # can say it has no child id. Row 3 holds nothing but blank text and is not a row.
    rows = [["A1", "", "North"], ["", dt.date(2010, 1, 2), " "], ["", "  ", ""]]
    _, filled = read_columns(rows, [0, 2])
    assert filled.tolist() == [True, True, False]


def test_read_columns_pads_rows_shorter_than_the_columns_taken():
    # The second row stops before the worker column (trailing blank cells are not stored).
    rows = [["A1", "North", "W1"], ["A2", "South"]]
    cells, filled = read_columns(rows, [0, 2])
    assert cells.tolist() == [["A1", "W1"], ["A2", None]]
    assert filled.tolist() == [True, True]


def test_read_columns_takes_a_single_column_as_a_grid_of_one_column():
    cells, _ = read_columns([["A1", "North"], ["A2", ""]], [1])
    assert cells.tolist() == [["North"], [None]]
