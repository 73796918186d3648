"""Cleaning raw cells from workbooks and CSVs: headers, prefixes, identifiers, dates, numbers.

Everything here works on whole columns at once. Cells arrive as whatever openpyxl or the CSV
reader produced (text, numbers, datetimes, blanks), so every function accepts an ``object``
column and returns a clean, typed one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from csc_metrics.caseload.vocabulary import normalise_label
from csc_metrics.distinct import on_distinct
from csc_metrics.errors import InputError
from csc_metrics.raw_text import describe_heading_row

#: Ordinal prefixes Annex A puts before option values: "a) ", "f) ", "aa) ".
ORDINAL_PREFIX = re.compile(r"^\s*[A-Za-z]{1,2}\)\s*")

#: Text date formats accepted, tried in this order; day-first because the returns are English.
DATE_FORMATS: tuple[str, ...] = (
    "%d/%m/%Y",
    "%Y-%m-%d",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%Y/%m/%d",
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%Y",
)

#: Excel serial day numbers count from this date (the 1900 system, with Lotus's leap-year bug).
EXCEL_EPOCH = pd.Timestamp("1899-12-30")

#: Serial numbers accepted as dates: 1950-01-01 to 2099-12-31. Outside this window a number in a
#: date column is far more likely to be a year or a mistyped value than a real date.
EXCEL_SERIAL_RANGE = (18264, 73050)

_TIME_SUFFIX = re.compile(r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")


def as_text(cells: pd.Series) -> pd.Series:
    """Turn cells into stripped text; blanks (None, NaN, empty, spaces) become missing.

    Args:
        cells: Raw cells of any type.

    Returns:
        A ``str`` column with NaN for blanks.
    """
    text = cells.astype(str).str.strip()
    return text.where(text.ne("") & text.notna())


def clean_identifier(cells: pd.Series) -> pd.Series:
    """Clean an identifier column: strip, and undo Excel's numeric ``1.0`` artefact.

    Args:
        cells: Raw identifier cells.

    Returns:
        Identifiers as text, NaN where blank.
    """
    return as_text(cells).str.replace(r"^(\d+)\.0+$", r"\1", regex=True)


def worker_key(worker_ids: pd.Series) -> pd.Series:
    """Matching key for worker ids or names: case and runs of spaces are ignored.

    Args:
        worker_ids: Cleaned worker ids (blanks allowed).

    Returns:
        Lower-cased ids with single spaces ("Jane  Smith" and "jane smith" match).
    """
    return on_distinct(
        worker_ids.astype("str"),
        lambda distinct: distinct.str.replace(r"\s+", " ", regex=True).str.casefold(),
        dtype="str",
    )


def group_codes(*keys: pd.Series) -> np.ndarray:
    """Number the distinct combinations of ``keys`` 0, 1, 2... in order of first appearance.

    Args:
        keys: Aligned columns.

    Returns:
        One code per row; -1 where any key is blank.
    """
    combined = np.zeros(len(keys[0]), dtype="int64")
    blank = np.zeros(len(keys[0]), dtype=bool)
    for key in keys:
        codes, distinct = pd.factorize(key)
        blank |= codes < 0
        combined = combined * (len(distinct) + 1) + codes
    result = np.full(len(combined), -1, dtype="int64")
    result[~blank] = pd.factorize(combined[~blank])[0]
    return result


def same_spelling(
    worker_ids: pd.Series, snapshot_dates: pd.Series, preferred: pd.DataFrame | None = None
) -> pd.Series:
    """Within each snapshot, write every worker id the way it is first written (``worker_key``).

    Args:
        worker_ids: Worker ids to rewrite (blanks allowed).
        snapshot_dates: The snapshot of each id: ids are matched within their snapshot only.
        preferred: ``snapshot_date`` and ``worker_id`` of ids whose spelling wins (the workforce
            lists'), if any.

    Returns:
        ``worker_ids`` with each id replaced by the preferred or first spelling of its key in
        its snapshot; blanks stay blank.
    """
    ids, dates = worker_ids, snapshot_dates
    if preferred is not None:
        ids = pd.concat([preferred["worker_id"], worker_ids], ignore_index=True)
        dates = pd.concat([preferred["snapshot_date"], snapshot_dates], ignore_index=True)
    # Blank ids share code -1, whose first non-blank value is blank: they stay blank.
    key = group_codes(dates, worker_key(ids))
    first = ids.groupby(key).transform("first")
    rewritten = first.to_numpy()[len(ids) - len(worker_ids) :]
    return pd.Series(rewritten, index=worker_ids.index, dtype="str")


def strip_ordinal_prefix(values: pd.Series) -> pd.Series:
    """Remove Annex A's ordinal prefixes ("a) North Team" -> "North Team").

    Args:
        values: Text values.

    Returns:
        The values without the prefix; blanks stay blank.
    """

    def strip(distinct: pd.Series) -> pd.Series:
        stripped = distinct.str.replace(ORDINAL_PREFIX, "", regex=True).str.strip()
        return stripped.where(stripped.ne(""))

    return on_distinct(values.astype("str"), strip, dtype="str")


def parse_dates(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Read dates given as datetime cells, Excel serial numbers or text.

    Text may be day-first (31/03/2024, 31-03-2024, 31 Mar 2024) or ISO (2024-03-31), with or
    without a time of day. Two-digit years are not accepted: they are ambiguous.

    Args:
        cells: Raw date cells.

    Returns:
        ``(dates, unreadable)``: the parsed dates (``datetime64[ns]``, NaT where blank or
        unreadable) and a boolean mask of cells that were not blank but could not be read.
    """
    parsed = on_distinct(cells, _parse_distinct_dates)
    return parsed["date"], parsed["unreadable"].astype(bool)


def _parse_distinct_dates(cells: pd.Series) -> pd.DataFrame:
    text = as_text(cells)
    bare = text.str.replace(_TIME_SUFFIX, "", regex=True)
    serial = pd.to_numeric(bare, errors="coerce")
    in_range = serial.between(*EXCEL_SERIAL_RANGE)
    dates = pd.Series(pd.NaT, index=cells.index, dtype="datetime64[ns]")
    dates = dates.mask(
        in_range, EXCEL_EPOCH + pd.to_timedelta(serial.where(in_range).round(), unit="D")
    )
    for date_format in DATE_FORMATS:
        # Each format is tried on the values no earlier one read (most dates are read by the
        # first): parsing every value with every format cost most of a snapshot's date work.
        todo = dates.isna() & bare.notna()
        if not todo.any():
            break
        parsed = pd.to_datetime(bare[todo], format=date_format, errors="coerce")
        dates = dates.fillna(parsed)
    unreadable = text.notna() & dates.isna()
    return pd.DataFrame({"date": dates.astype("datetime64[ns]"), "unreadable": unreadable})


def parse_numbers(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Read numbers from cells, accepting a trailing per cent sign as a fraction ("50%" -> 0.5).

    Args:
        cells: Raw cells.

    Returns:
        ``(numbers, unreadable)``: floats (NaN where blank or unreadable) and a mask of cells that
        were not blank but are not numbers.
    """
    text = as_text(cells)
    is_percent = text.str.endswith("%").fillna(False).astype(bool)
    numbers = pd.to_numeric(text.str.rstrip("%").str.strip(), errors="coerce")
    numbers = numbers.where(~is_percent, numbers / 100).astype(float)
    unreadable = text.notna() & numbers.isna()
    return numbers, unreadable


def map_labels(values: pd.Series, mapping: Mapping[str, object]) -> pd.Series:
    """Map free-text labels through a table keyed by normalised label.

    Args:
        values: Text values (blanks allowed).
        mapping: Normalised label -> mapped value.

    Returns:
        The mapped values, NaN where blank or not in the table.
    """
    return on_distinct(
        values, lambda distinct: distinct.map(normalise_label, na_action="ignore").map(mapping)
    )


def find_columns(
    headers: list[object],
    variants: dict[str, tuple[str, ...]],
) -> dict[str, int]:
    """Match raw headers to canonical columns, ignoring case, spacing and punctuation.

    Args:
        headers: The header cells as found.
        variants: Canonical column -> accepted headers, most preferred first.

    Returns:
        Canonical column -> position of the matching header, for the columns found. Where more
        than one header matches, the most preferred variant wins.
    """
    positions: dict[str, int] = {}
    normalised = [normalise_label(h) if h is not None else "" for h in headers]
    for canonical, accepted in variants.items():
        for variant in accepted:
            key = normalise_label(variant)
            if key in normalised:
                positions[canonical] = normalised.index(key)
                break
    return positions


def require_columns(
    found: dict[str, int],
    required: tuple[str, ...],
    variants: dict[str, tuple[str, ...]],
    headers: list[object],
    where: str,
) -> None:
    """Raise a clear error when required columns are missing.

    Args:
        found: Result of ``find_columns``.
        required: Canonical columns that must be present.
        variants: The accepted headers, quoted in the message.
        headers: Headers actually found, described in the message by their shape (only the
            accepted ones are named: a file without its heading row holds a child's data there).
        where: File (and sheet) being read, for the message.

    Raises:
        InputError: If any required column is missing.
    """
    missing = [c for c in required if c not in found]
    if not missing:
        return
    expected = "; ".join(f"{c} (any of: {', '.join(variants[c])})" for c in missing)
    known = [v for accepted in variants.values() for v in accepted]
    shown = describe_heading_row(list(headers), known)
    raise InputError(
        f"{where}: missing column(s) {expected}. In the file: {shown}. Check that the first "
        "row holds the column headings."
    )


def excel_row_numbers(count: int, header_row: int) -> np.ndarray:
    """Return the 1-based sheet or file row number of each data row below a header row.

    Args:
        count: Number of data rows.
        header_row: 1-based row number of the header.

    Returns:
        Row numbers ``header_row + 1 .. header_row + count``.
    """
    return np.arange(header_row + 1, header_row + 1 + count, dtype="int64")
