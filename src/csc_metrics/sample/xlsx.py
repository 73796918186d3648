"""The rows of an .xlsx worksheet written straight as XML, byte for byte as openpyxl writes them.

openpyxl's write-only mode builds a ``Cell`` and an XML element for every value, which was most
of the time ``csc-metrics sample`` spent writing a county's Annex A workbooks. The sample's
lists hold only text, whole numbers, floats and dates, so their ``<sheetData>`` rows are written
here column by column with plain string operations. openpyxl still writes everything else in the
workbook (styles, the workbook part, properties), from the header rows alone, and
``sheet_rows_xml`` returns None for any value it does not write exactly as openpyxl would (a
formula-like or error-code text, a character Excel rejects, a bool, any other type), so the
caller falls back to openpyxl for that workbook. ``tests/unit/sample/test_xlsx.py`` compares
the bytes of both paths.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import cast

import numpy as np
import pandas as pd
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.compat import safe_string
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

#: openpyxl's style id of a date cell in a workbook whose only non-default style is the date
#: format ``yyyy-mm-dd`` (the sample's workbooks).
DATE_STYLE_ID = 1
#: Text that only a date cell's XML holds (a text cell escapes ``>``).
DATE_CELL = f' s="{DATE_STYLE_ID}" t="n"><v>'
#: The longest text openpyxl keeps in a cell (it cuts longer ones).
MAX_TEXT = 32767


def _escape(text: str) -> str:
    """XML character data, escaped as ElementTree escapes it."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


@cache
def _date_serial(value: dt.date) -> str:
    return safe_string(to_excel(value))


def _text_tail(value: str) -> str | None:
    if not value:
        return ' t="inlineStr" />'
    if (
        (len(value) > 1 and value.startswith("="))
        or value in ERROR_CODES
        or len(value) > MAX_TEXT
        or ILLEGAL_CHARACTERS_RE.search(value)
    ):
        return None
    stripped = value.strip()
    space = ' xml:space="preserve"' if stripped and stripped != value else ""
    return f' t="inlineStr"><is><t{space}>{_escape(value)}</t></is></c>'


def _tail(value: object) -> str | None:
    """A cell's XML after ``<c r="A2"``; ``""`` for an empty cell; None for openpyxl's writer."""
    kind = type(value)
    if value is None:
        return ""
    if kind is str:
        return _text_tail(value)  # type: ignore[arg-type]
    if kind is dt.date:
        return f' s="{DATE_STYLE_ID}" t="n"><v>{_date_serial(value)}</v></c>'
    if kind in (int, float, np.int64, np.int32, np.float64):
        if kind in (float, np.float64) and np.isnan(value):  # type: ignore[call-overload]
            return None
        return f' t="n"><v>{safe_string(value)}</v></c>'
    return None


def sheet_rows_xml(frame: pd.DataFrame, columns: Sequence[str], first_row: int = 2) -> str | None:
    """The ``<row>`` elements of a table's values, as openpyxl's write-only mode writes them.

    Each distinct value of a column is turned into XML once; a column's cells are then put
    together from its references and those texts by numpy, a column at a time, and the sheet
    is one join of a grid of row tags and cells (an absent cell is an empty text in it).

    Args:
        frame: The table; ``columns`` are written in that order, missing values (None, NaN,
            NaT) as absent cells.
        columns: The columns to write.
        first_row: The worksheet row number of the table's first row (2: under a header).

    Returns:
        The XML text, or None if a value needs openpyxl's own writer.
    """
    count = len(frame)
    if not count:
        return ""
    rows = _texts(range(first_row, first_row + count))
    # A row is its opening tag, then three texts a cell ('<c r="A', '2"' and the value's
    # text; three empty texts for an absent cell), then its closing tag: every text is one
    # already made, and the one join copies them once.
    grid = np.empty((count, 3 * len(columns) + 2), dtype=object)
    grid[:, 0] = '<row r="' + rows + '">'
    grid[:, -1] = "</row>"
    row_ends = rows + '"'
    filled = np.zeros(count, dtype=bool)
    for position, column in enumerate(columns):
        found = _column_tails(frame[column].to_numpy(dtype=object))
        if found is None:
            return None
        codes, tails = found
        present = codes >= 0
        first = 3 * position + 1
        opening = f'<c r="{get_column_letter(position + 1)}'
        if present.all():
            grid[:, first] = opening
            grid[:, first + 1] = row_ends
        else:
            grid[:, first] = np.where(present, _object(opening), _EMPTY)
            grid[:, first + 1] = np.where(present, row_ends, _EMPTY)
        grid[:, first + 2] = tails[codes]
        filled |= present
    if not filled.all():
        return None  # a row of empty cells: leave the edge case to openpyxl
    return "".join(grid.ravel().tolist())


def _column_tails(values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Each cell's code into its column's distinct cell texts, and those texts.

    Args:
        values: The column's values (``object`` array).

    Returns:
        The codes (-1 for a missing value, an absent cell) and each code's text after
        ``<c r="A2"`` (``object`` array); None if a value needs openpyxl's own writer.
    """
    try:
        # Missing values (None, NaN, NaT) take code -1, as ``pd.isna`` finds them.
        codes, uniques = pd.factorize(values)
    except TypeError:
        return None  # an unhashable value (a list...): not one the sample writes
    distinct: list[object] = list(uniques)
    kinds = set(map(type, distinct))
    if kinds <= {str, np.str_} or kinds == {dt.date}:
        # Text (numpy's text is written alike) or dates: no value of another kind equals one.
        pass
    else:
        # 1, 1.0 and True are equal, so factorize takes them for one value, but they are
        # different cells: look at every value's kind.
        present = codes >= 0
        kinds = set(map(type, values[present].tolist()))
        if len(kinds) > 1:
            # Keyed by type too. Only a column of mixed kinds comes here (the sample writes
            # none).
            index: dict[tuple[type, object], int] = {}
            codes = np.array(
                [
                    index.setdefault((type(value), value), len(index)) if flag else -1
                    for value, flag in zip(values.tolist(), present.tolist(), strict=True)
                ],
                dtype=np.int64,
            )
            distinct = [value for _, value in index]
    tails = _bulk_tails(distinct, kinds)
    if tails is None:
        tails = np.empty(len(distinct), dtype=object)
        for number, value in enumerate(distinct):
            tail = _tail(str(value) if type(value) is np.str_ else value)
            if tail is None:
                return None
            tails[number] = tail
    # Code -1 (a missing value) takes the last text: an absent cell.
    return codes, np.append(tails, np.array([""], dtype=object))


#: Characters that make a text's cell differ from the plain form: XML's escapes, a formula's
#: ``=``, an error code's ``#``, and every character openpyxl rejects.
_PLAIN_TEXT_EXCLUDES = re.compile(r"[&<>=#]|" + ILLEGAL_CHARACTERS_RE.pattern)
#: Excel's day 0 (openpyxl's Windows epoch) as a proleptic Gregorian ordinal.
_EXCEL_EPOCH_ORDINAL = dt.date(1899, 12, 30).toordinal()
#: Excel counts a day 29 February 1900 that did not exist: serials up to it are one less.
_EXCEL_LEAP_BUG_DAYS = 60
#: Whole numbers "%.16g" writes in full.
_PLAIN_INTEGER_LIMIT = 10**15


def _bulk_tails(distinct: list[object], kinds: set[type]) -> np.ndarray | None:
    """The cell texts of a column's distinct values worked out together, for the common kinds.

    Plain text (nothing to escape, no formula or error code), dates and whole numbers of
    modest size are written by numpy over every value at once, exactly as ``_tail`` writes
    each; anything else returns None, and ``_tail`` writes the values one at a time.
    """
    if not distinct:
        return np.empty(0, dtype=object)
    values = np.empty(len(distinct), dtype=object)
    values[:] = distinct
    if kinds <= {str, np.str_}:
        texts = list(map(str, distinct))
        joined = "\n".join(texts)
        if _PLAIN_TEXT_EXCLUDES.search(joined) or max(map(len, texts)) > MAX_TEXT:
            return None
        values[:] = texts
        stripped = np.empty(len(texts), dtype=object)
        stripped[:] = list(map(str.strip, texts))
        preserve = (stripped != values) & (stripped != "")
        opening = np.where(
            preserve, ' t="inlineStr"><is><t xml:space="preserve">', ' t="inlineStr"><is><t>'
        ).astype(object)
        tails = opening + values + "</t></is></c>"
        return np.where(values == "", ' t="inlineStr" />', tails).astype(object)
    if kinds == {dt.date}:
        dates = cast("list[dt.date]", distinct)
        days = np.fromiter(map(dt.date.toordinal, dates), np.int64, len(dates))
        days -= _EXCEL_EPOCH_ORDINAL
        days = np.where((days > 0) & (days <= _EXCEL_LEAP_BUG_DAYS), days - 1, days)
        return f' s="{DATE_STYLE_ID}" t="n"><v>' + _texts(days.tolist()) + "</v></c>"
    if kinds and kinds <= {int, np.int64, np.int32}:
        numbers = values.astype(np.int64)
        if (np.abs(numbers) >= _PLAIN_INTEGER_LIMIT).any():
            return None
        return ' t="n"><v>' + _texts(numbers.tolist()) + "</v></c>"
    return None


#: The empty text as a numpy scalar of ``object`` dtype (``where`` keeps it a ``str``).
_EMPTY = np.array("", dtype=object)


def _object(text: str) -> np.ndarray:
    """A text as a numpy scalar of ``object`` dtype: ``where`` then shares it, not copies it."""
    return np.array(text, dtype=object)


def _texts(numbers: Iterable[int]) -> np.ndarray:
    """Whole numbers as decimal text, an ``object`` array (numpy's ``astype(str)`` is slower)."""
    texts = list(map(str, numbers))
    array = np.empty(len(texts), dtype=object)
    array[:] = texts
    return array
