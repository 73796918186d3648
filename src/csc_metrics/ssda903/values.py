"""Vectorised cleaning of single columns read as text: identifiers, codes, dates, postcodes.

Each cleaner works on the distinct values of a column (a few thousand dates or codes, however
many rows there are) and maps the result back to the rows, so a national file stays fast. Each
returns the cleaned column and, per data-quality rule, a mask of the rows the rule applies to;
the caller logs them, because only the caller knows the file, table and child.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from csc_metrics.distinct import on_distinct
from csc_metrics.raw_text import Cleaned, blank_to_na
from csc_metrics.ssda903.specs import codes_for

EXCEL_NUMBER = r"^(\d+)\.0+$"
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
DAY_FIRST = rf"^(?P<day>\d{{1,2}})[/.\-](?P<month>\d{{1,2}})[/.\-](?P<year>\d{{4}}){_TIME}$"
ISO = rf"^(?P<year>\d{{4}})[\-/](?P<month>\d{{1,2}})[\-/](?P<day>\d{{1,2}}){_TIME}$"
#: The DfE's own date form, dd/mm/yyyy, read directly.
STANDARD_DATE = r"\d{2}/\d{2}/\d{4}"
EXCEL_SERIAL = r"^(?P<serial>\d{5})(?:\.\d+)?$"
TWO_DIGIT_YEAR = r"^\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2}" + _TIME + "$"
EXCEL_EPOCH = pd.Timestamp("1899-12-30")
EARLIEST_DATE = pd.Timestamp("1900-01-01")
LATEST_DATE = pd.Timestamp("2100-12-31")


def clean_identifiers(raw: pd.Series) -> Cleaned:
    """Clean identifiers: strip, upper-case and undo Excel's ``123.0``.

    Args:
        raw: Identifiers as read (text, blank as empty text or NA).

    Returns:
        Cleaned identifiers; issues ``value_tidied`` and ``excel_number_artefact``.
    """

    def clean(distinct: pd.Series) -> pd.DataFrame:
        tidy = distinct.str.strip().str.upper()
        unexcel = tidy.str.replace(EXCEL_NUMBER, r"\1", regex=True)
        present = tidy.notna() & tidy.ne("")
        return pd.DataFrame(
            {
                "value": unexcel.mask(~present),
                "value_tidied": present & tidy.ne(distinct),
                "excel_number_artefact": present & unexcel.ne(tidy),
            }
        )

    result = on_distinct(raw, clean, dtype="str")
    return Cleaned(
        result["value"].astype("str"),
        {rule: result[rule].astype(bool) for rule in ("value_tidied", "excel_number_artefact")},
    )


def clean_text(raw: pd.Series, upper: bool = False) -> pd.Series:
    """Strip free text (and optionally upper-case it); undo Excel's ``123.0``; blank is NA."""
    text = blank_to_na(raw)
    if upper:
        text = text.str.upper()
    return text.str.replace(EXCEL_NUMBER, r"\1", regex=True)


def parse_dates(raw: pd.Series) -> Cleaned:
    """Parse dates given as dd/mm/yyyy, ISO yyyy-mm-dd, or Excel serial numbers.

    A time of day after the date is ignored. Impossible dates (31/02/2024), dates outside
    1900-2100 and unreadable text become NaT with an ``invalid_date`` issue; dates with a
    two-digit year are never guessed: NaT with a ``two_digit_year`` issue.

    Args:
        raw: Dates as read.

    Returns:
        ``datetime64[ns]`` values; issues ``invalid_date`` and ``two_digit_year``.
    """

    def clean(distinct: pd.Series) -> pd.DataFrame:
        text = distinct.str.strip()
        present = text.notna() & text.ne("")
        # Nearly every date is written dd/mm/yyyy: those are read in one step, and only the
        # others go through the patterns below (they give the same dates for dd/mm/yyyy).
        standard = text.str.fullmatch(STANDARD_DATE).fillna(False).astype(bool)
        dates = pd.to_datetime(text.where(standard), format="%d/%m/%Y", errors="coerce")
        other = text.where(~standard)
        parts = other.str.extract(DAY_FIRST).fillna(other.str.extract(ISO))
        iso_text = (
            parts["year"] + "-" + parts["month"].str.zfill(2) + "-" + parts["day"].str.zfill(2)
        )
        dates = dates.fillna(pd.to_datetime(iso_text, format="%Y-%m-%d", errors="coerce"))
        serial = pd.to_numeric(other.str.extract(EXCEL_SERIAL)["serial"], errors="coerce")
        dates = dates.fillna(EXCEL_EPOCH + pd.to_timedelta(serial, unit="D"))
        dates = dates.where(dates.between(EARLIEST_DATE, LATEST_DATE))
        two_digit = present & other.str.fullmatch(TWO_DIGIT_YEAR).fillna(False).astype(bool)
        return pd.DataFrame(
            {
                "value": dates.astype("datetime64[ns]"),
                "invalid_date": present & dates.isna() & ~two_digit,
                "two_digit_year": two_digit,
            }
        )

    result = on_distinct(raw, clean, dtype="str")
    return Cleaned(
        result["value"],
        {rule: result[rule].astype(bool) for rule in ("invalid_date", "two_digit_year")},
    )


@cache
def _code_lookup(table: str, column: str, year: int) -> pd.DataFrame:
    """Return, for one column and collection year, every accepted spelling and its meaning.

    Returns:
        Indexed by accepted text, columns ``current_code`` and ``status`` (``valid``,
        ``code_not_valid_in_year`` or ``label_instead_of_code``).
    """
    codes = codes_for(table, column)
    in_year = codes["first_year"].le(year) & codes["last_year"].ge(year)
    valid = codes[in_year].assign(status="valid")
    other = codes[~in_year & ~codes["code"].isin(valid["code"])].assign(
        status="code_not_valid_in_year"
    )
    lookup = pd.concat([valid, other, _label_lookup(table, column)], ignore_index=True)
    lookup = lookup.drop_duplicates("code", keep="first")
    return lookup.set_index("code")[["current_code", "status"]]


@cache
def _label_lookup(table: str, column: str) -> pd.DataFrame:
    """The labels of a column's codes (the same in every year), each mapped to its code."""
    codes = codes_for(table, column)
    labels = codes.assign(
        code=codes["label"].str.upper().str.strip(), status="label_instead_of_code"
    )
    # A label that could mean two different codes is no evidence of either.
    labels = labels.drop_duplicates(["code", "current_code"])
    return labels[~labels["code"].duplicated(keep=False)]


def clean_codes(raw: pd.Series, years: pd.Series, table: str, column: str) -> Cleaned:
    """Tidy codes and check them against the code list of each row's collection year.

    Codes are stripped, upper-cased and freed of Excel's ``1.0``; then a code valid in the row's
    year is mapped to its ``current_code`` (SEX ``1`` -> ``M``); a code from another year's list
    is mapped too, with an issue; a label (``Male``) is mapped to its code, with an issue; any
    other value is blanked with an ``invalid_code`` issue. Columns without a code list are only
    tidied.

    Args:
        raw: Codes as read.
        years: Collection year of each row.
        table: Table short name (``header``).
        column: DfE column name (``SEX``).

    Returns:
        The current codes; issues ``value_tidied``, ``excel_number_artefact``,
        ``code_not_valid_in_year``, ``label_instead_of_code`` and ``invalid_code``.
    """
    tidy = clean_identifiers(raw)
    issues = dict(tidy.issues)
    if codes_for(table, column).empty:
        return Cleaned(tidy.values, issues)
    # Look each distinct code up once per collection year, then spread over the rows.
    value_ids, distinct = pd.factorize(tidy.values)
    year_ids, distinct_years = pd.factorize(years)
    current_grid = np.full((len(distinct) + 1, len(distinct_years)), None, dtype=object)
    status_grid = current_grid.copy()
    for position, year in enumerate(distinct_years):
        lookup = _code_lookup(table, column, int(year))
        found = lookup.reindex(distinct)
        current_grid[:-1, position] = found["current_code"].to_numpy(dtype=object)
        status_grid[:-1, position] = found["status"].to_numpy(dtype=object)
    # Blank values (id -1) read the grid's last, empty row.
    current = _spread_grid(current_grid, value_ids, year_ids, raw.index)
    # Statuses compared as numbers: -1 is no status (not a code of any year).
    status_ids, statuses = pd.factorize(status_grid.ravel())
    status = status_ids.reshape(status_grid.shape)[value_ids, year_ids]
    status_number = {name: number for number, name in enumerate(statuses)}
    present = tidy.values.notna()
    for rule in ("code_not_valid_in_year", "label_instead_of_code"):
        issues[rule] = pd.Series(status == status_number.get(rule, -2), index=raw.index)
    issues["invalid_code"] = present & pd.Series(status < 0, index=raw.index)
    # A label or an invalid code is reported as such; that it was also upper-cased adds nothing.
    reported = issues["label_instead_of_code"] | issues["invalid_code"]
    issues["value_tidied"] = issues["value_tidied"] & ~reported
    issues["excel_number_artefact"] = issues["excel_number_artefact"] & ~reported
    return Cleaned(current.astype("str"), issues)


def _spread_grid(
    grid: np.ndarray, value_ids: np.ndarray, year_ids: np.ndarray, index: pd.Index
) -> pd.Series:
    """Pick each row's text from a small (value, year) grid, as a text column."""
    # Text is built once per distinct grid entry and then picked by position: turning millions
    # of Python strings into a text column one by one is what would cost.
    codes, texts = pd.factorize(grid.ravel())
    picked = codes.reshape(grid.shape)[value_ids, year_ids]
    choices = pd.Series([*texts, None], dtype="str")
    spread = choices.take(np.where(picked < 0, len(texts), picked))
    spread.index = index
    return spread
