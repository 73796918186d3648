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
from collections.abc import Sequence
from functools import cache

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

    Each distinct value of a column is turned into XML once; a cell is then its reference and
    that text.

    Args:
        frame: The table; ``columns`` are written in that order, missing values (None, NaN,
            NaT) as absent cells.
        columns: The columns to write.
        first_row: The worksheet row number of the table's first row (2: under a header).

    Returns:
        The XML text, or None if a value needs openpyxl's own writer.
    """
    if not len(frame):
        return ""
    values = frame[list(columns)].astype(object).where(frame[list(columns)].notna(), None)
    rows = [str(row) for row in range(first_row, first_row + len(frame))]
    cells: list[list[str]] = []
    for position, column in enumerate(columns):
        letter = get_column_letter(position + 1)
        column_values = values[column].tolist()
        # Keyed by type too: 1, 1.0 and True are equal keys but different cells.
        keys = [(type(value), value) for value in column_values]
        tails: dict[tuple[type, object], str] = {}
        try:
            distinct = set(keys)
        except TypeError:
            return None  # an unhashable value (a list...): not one the sample writes
        for key in distinct:
            tail = _tail(key[1])
            if tail is None:
                return None
            tails[key] = tail
        cells.append(
            [
                f'<c r="{letter}{row}"{tails[key]}' if tails[key] else ""
                for row, key in zip(rows, keys, strict=True)
            ]
        )
    by_row = ["".join(parts) for parts in zip(*cells, strict=True)]
    if any(not row for row in by_row):
        return None  # a row of empty cells: leave the edge case to openpyxl
    return "".join(
        f'<row r="{row}">{content}</row>' for row, content in zip(rows, by_row, strict=True)
    )
