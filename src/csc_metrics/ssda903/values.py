"""Vectorised cleaning of single columns read as text: identifiers, codes, dates, postcodes.

Each cleaner works on the distinct values of a column (a few thousand dates or codes, however
many rows there are) and maps the result back to the rows, so a national file stays fast. Each
returns the cleaned column and, per data-quality rule, a mask of the rows the rule applies to;
the caller logs them, because only the caller knows the file, table and child.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from csc_metrics.distinct import on_distinct
from csc_metrics.raw_text import Cleaned, blank_to_na
from csc_metrics.ssda903.specs import code_list

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
    result = on_distinct(raw, _tidy_identifiers, dtype="str")
    return Cleaned(
        result["value"].astype("str"),
        {rule: result[rule].astype(bool) for rule in ("value_tidied", "excel_number_artefact")},
    )


def _tidy_identifiers(distinct: pd.Series) -> pd.DataFrame:
    """Strip, upper-case and undo Excel's ``123.0`` in distinct texts, with the rules that fired."""
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
        two_digit = pd.Series(False, index=text.index)
        other_rows = present & ~standard
        if other_rows.any():
            # Most files have no other form: their dates skip the patterns' many steps.
            other = text[other_rows]
            parts = other.str.extract(DAY_FIRST).fillna(other.str.extract(ISO))
            iso_text = (
                parts["year"] + "-" + parts["month"].str.zfill(2) + "-" + parts["day"].str.zfill(2)
            )
            found = pd.to_datetime(iso_text, format="%Y-%m-%d", errors="coerce")
            serial = pd.to_numeric(other.str.extract(EXCEL_SERIAL)["serial"], errors="coerce")
            found = found.fillna(EXCEL_EPOCH + pd.to_timedelta(serial, unit="D"))
            dates = dates.fillna(found.reindex(text.index))
            two_digit = other.str.fullmatch(TWO_DIGIT_YEAR).fillna(False).astype(bool)
            two_digit = two_digit.reindex(text.index, fill_value=False)
        # Compared as numpy dates (pandas' ``where`` on dates costs more than all the parsing).
        # A date outside 1900-2100 (or NaT, which compares as False) becomes NaT before the
        # conversion to nanoseconds, which could not hold it.
        moments = dates.to_numpy()
        in_range = (moments >= EARLIEST_DATE.to_datetime64()) & (
            moments <= LATEST_DATE.to_datetime64()
        )
        dates = pd.Series(np.where(in_range, moments, np.datetime64("NaT")), index=text.index)
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


#: What a value is in a collection year's code list (``_code_grid``); -1 is none of these.
VALID, NOT_VALID_IN_YEAR, LABEL = 0, 1, 2


@dataclass(frozen=True)
class _ColumnCodes:
    """One column's code list as arrays, built once per process (see ``_column_codes``).

    Attributes:
        spellings: Each distinct code as written in the list, in list order.
        spelling_of_row: For each row of the list, its position in ``spellings``.
        first_year: First collection year of each row (0 when open-ended).
        last_year: Last collection year of each row (9999 when open-ended).
        current_code: Today's code of each row.
        labels: Each label (upper case, stripped) that names one code only and is not itself
            a code's spelling.
        label_code: Today's code of each label.
    """

    spellings: pd.Index
    spelling_of_row: np.ndarray
    first_year: np.ndarray
    last_year: np.ndarray
    current_code: np.ndarray
    labels: pd.Index
    label_code: np.ndarray


#: One row of a column's code list: code, first year, last year, label, current code.
_CodeRow = tuple[str, int, int, str, str]


@cache
def _code_rows() -> dict[tuple[str, str], list[_CodeRow]]:
    """Every column's code list rows, in list order, keyed by ``(table, column)``.

    Built once with plain Python: the list is a few hundred rows, and a dozen pandas calls per
    column (about 4 ms) cost a fresh process more than the columns' cleaning.
    """
    codes = code_list()
    rows: dict[tuple[str, str], list[_CodeRow]] = {}
    for table, column, code, first, last, label, current in zip(
        codes["table"].tolist(),
        codes["column"].tolist(),
        codes["code"].tolist(),
        codes["first_year"].tolist(),
        codes["last_year"].tolist(),
        codes["label"].tolist(),
        codes["current_code"].tolist(),
        strict=True,
    ):
        rows.setdefault((table, column), []).append((code, first, last, label, current))
    return rows


@cache
def _column_codes(table: str, column: str) -> _ColumnCodes:
    """Return a column's code list as arrays, for ``_code_grid``."""
    rows = _code_rows().get((table, column), [])
    # Each distinct spelling in order of first appearance, and each row's position among them.
    position: dict[str, int] = {}
    for code, *_ in rows:
        position.setdefault(code, len(position))
    # A label that could mean two different codes is no evidence of either; a label spelled
    # like a code is read as that code. Each (label, code) pair counts once.
    pairs = list(dict.fromkeys((label.upper().strip(), current) for *_, label, current in rows))
    meanings = Counter(label for label, _ in pairs)
    labels = [(label, code) for label, code in pairs if meanings[label] == 1]
    labels = [(label, code) for label, code in labels if label not in position]
    return _ColumnCodes(
        spellings=pd.Index(list(position), dtype=object),
        spelling_of_row=np.array([position[row[0]] for row in rows], dtype=np.intp),
        first_year=np.array([row[1] for row in rows], dtype="int64"),
        last_year=np.array([row[2] for row in rows], dtype="int64"),
        current_code=np.array([row[4] for row in rows], dtype=object),
        labels=pd.Index([label for label, _ in labels], dtype=object),
        label_code=np.array([code for _, code in labels], dtype=object),
    )


def _code_grid(
    table: str, column: str, values: pd.Index, years: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Look every value up in every year's code list at once.

    A code valid in the year reads as the ``current_code`` of its first row valid that year
    (``VALID``); a code of the list that is not valid in the year reads as the ``current_code``
    of its first row (``NOT_VALID_IN_YEAR``); a label of one code reads as that code
    (``LABEL``); anything else reads as None with status -1.

    Args:
        table: Table short name.
        column: DfE column name.
        values: Distinct tidied values.
        years: Distinct collection years.

    Returns:
        ``(current, status)``: (value, year) grids of today's code (object) and status (int).
    """
    codes = _column_codes(table, column)
    rows = len(codes.current_code)
    in_year = (codes.first_year[:, None] <= years[None, :]) & (
        codes.last_year[:, None] >= years[None, :]
    )
    # First row of each spelling valid in each year (``rows`` when none), and its first row.
    first_valid = np.full((len(codes.spellings), len(years)), rows, dtype="int64")
    row_numbers = np.arange(rows)
    np.minimum.at(first_valid, codes.spelling_of_row, np.where(in_year, row_numbers[:, None], rows))
    first_row = np.full(len(codes.spellings), rows, dtype="int64")
    np.minimum.at(first_row, codes.spelling_of_row, row_numbers)
    valid = first_valid < rows
    row = np.where(valid, first_valid, first_row[:, None])
    spelling_current = codes.current_code[row]
    spelling_status = np.where(valid, VALID, NOT_VALID_IN_YEAR)
    # Each value's position among the spellings and among the labels (-1: not there).
    spelling = codes.spellings.get_indexer(values)
    label = codes.labels.get_indexer(values)
    current = np.full((len(values), len(years)), None, dtype=object)
    status = np.full((len(values), len(years)), -1, dtype="int64")
    is_label = (spelling < 0) & (label >= 0)
    current[is_label] = codes.label_code[label[is_label]][:, None]
    status[is_label] = LABEL
    is_code = spelling >= 0
    current[is_code] = spelling_current[spelling[is_code]]
    status[is_code] = spelling_status[spelling[is_code]]
    return current, status


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
    if _column_codes(table, column).spellings.empty:
        return clean_identifiers(raw)
    # Each distinct text is tidied and looked up once per collection year (the texts and years
    # are few, however many rows there are); each row then picks its result by position.
    raw_ids, raw_distinct = pd.factorize(raw)
    # The blank's entry comes last: blank rows (id -1) read it.
    tidy = _tidy_identifiers(pd.Series([*raw_distinct.tolist(), None], dtype="str"))
    year_ids, distinct_years = pd.factorize(years)
    current, status = _code_grid(
        table,
        column,
        pd.Index(tidy["value"], dtype=object),
        np.asarray(distinct_years, dtype="int64"),
    )
    row_status = status[raw_ids, year_ids]
    present = tidy["value"].notna().to_numpy(dtype=bool)[raw_ids]
    label = row_status == LABEL
    invalid = present & (row_status < 0)
    # A label or an invalid code is reported as such; that it was also upper-cased adds nothing.
    reported = label | invalid
    tidied = tidy["value_tidied"].to_numpy(dtype=bool)[raw_ids] & ~reported
    excel = tidy["excel_number_artefact"].to_numpy(dtype=bool)[raw_ids] & ~reported
    issues = {
        "value_tidied": pd.Series(tidied, index=raw.index),
        "excel_number_artefact": pd.Series(excel, index=raw.index),
        "code_not_valid_in_year": pd.Series(row_status == NOT_VALID_IN_YEAR, index=raw.index),
        "label_instead_of_code": pd.Series(label, index=raw.index),
        "invalid_code": pd.Series(invalid, index=raw.index),
    }
    return Cleaned(_spread_grid(current, raw_ids, year_ids, raw.index), issues)


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
