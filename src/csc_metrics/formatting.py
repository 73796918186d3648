"""How a value is written, everywhere: sentences, tables, charts, the command line.

``format_value`` is the one way an indicator's value (or a benchmark, target or gap in its unit)
becomes text. How each unit is written is declared once, in ``reference/units.csv`` (see
``catalogue.UnitFormat``):

- a **figure** (a table cell, a chart label or alt text, the command line): the unit's
  ``decimals`` and its symbol: ``48.2%``, ``65.3``, ``17.2``, ``1,234``;
- **text** (a sentence or the scorecard): the unit's ``text_decimals``, as DfE publishes council
  figures, with the unit's words when asked: ``48%``, ``65.3 per 10,000 children``,
  ``17.2 cases per FTE``;
- **published** (a DfE benchmark as DfE wrote it): as many decimals as the value has.

Table cells that are not an indicator's value (counts, FTE, shares of a breakdown, dates) are
written by ``format_count``, ``format_number`` and ``format_cell``, on the same rules.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from csc_metrics.catalogue import unit_format
from csc_metrics.dates import format_date

Precision = Literal["figure", "text", "published"]


def _is_blank(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def decimals_for(unit: str, precision: Precision = "figure") -> int:
    """The decimals a value in ``unit`` is written with (``published`` counts as a figure)."""
    style = unit_format(unit)
    return style.text_decimals if precision == "text" else style.decimals


def round_value(value: float, unit: str, precision: Precision = "figure") -> float:
    """A value rounded as it will be written, to compare what a reader sees."""
    return round(value, decimals_for(unit, precision))


def format_value(
    value: object,
    unit: str,
    *,
    precision: Precision = "figure",
    words: bool = False,
    blank: str = "",
    decimals: int | None = None,
    symbol: bool = True,
    signed: bool = False,
) -> str:
    """Write a value in its unit.

    Args:
        value: The value (None or NaN is blank).
        unit: ``count``, ``pct``, ``rate`` or ``ratio`` (an indicator's ``unit``).
        precision: ``figure`` (the unit's decimals), ``text`` (as DfE publishes council
            figures) or ``published`` (as many decimals as the value has; counts whole).
        words: Add the unit's words after a space (``per 10,000 children``), for sentences.
        blank: What a blank value is written as.
        decimals: Decimals to use instead of the precision's (a chart tick).
        symbol: Write the unit's symbol (``%``); a table whose heading names the unit leaves
            it out.
        signed: Start a value above zero (as written) with ``+``, for a gap or a change.

    Returns:
        The text: ``48.2%``, ``48%``, ``65.3 per 10,000 children``, ``1,234``, ``+2.5``.
    """
    if _is_blank(value):
        return blank
    style = unit_format(unit)
    number = float(value)  # type: ignore[arg-type]
    if decimals is None and precision == "published" and unit != "count":
        text = f"{number:.10g}"
    else:
        text = format_number(
            number, decimals if decimals is not None else decimals_for(unit, precision)
        )
    if signed and not text.startswith("-") and text.strip("0.,") != "":
        text = "+" + text
    if text.startswith("-") and text.strip("-0.,") == "":
        text = text[1:]  # a value that rounds to zero is written without a sign
    return (
        text
        + (style.symbol if symbol else "")
        + (f" {style.words}" if words and style.words else "")
    )


@dataclass(frozen=True)
class ColumnFormat:
    """How a table column of indicator values is written, so tables follow the catalogue.

    A table cell is otherwise written with the table's one number of decimals; a column of
    values in a unit (ours, a benchmark, a gap) is written by ``format_value`` instead, so a
    DfE figure published as ``64`` is not shown as ``64.0`` and a rate keeps its decimal.

    Attributes:
        units: The unit of every row (``pct``), or one unit per row for a table mixing
            indicators.
        precision: ``figure``, ``text`` or ``published`` (see ``format_value``).
        symbol: Write the unit's symbol in each cell (when the heading does not name the unit).
        signed: Write ``+`` before a value above zero (a gap).
    """

    units: str | tuple[str, ...]
    precision: Precision = "figure"
    symbol: bool = False
    signed: bool = False

    def write(self, values: Sequence[object]) -> list[str]:
        """The column's values as text (blank for no value; text cells as they are)."""
        units = (self.units,) * len(values) if isinstance(self.units, str) else self.units
        if len(units) != len(values):
            raise ValueError(f"{len(units)} units for a column of {len(values)} values")
        # Text is already written (a withheld "c"): kept as it is.
        return [
            value
            if isinstance(value, str)
            else format_value(
                value, unit, precision=self.precision, symbol=self.symbol, signed=self.signed
            )
            for value, unit in zip(values, units, strict=True)
        ]


def in_words(value: object, unit: str) -> str:
    """A value as a sentence or the scorecard writes it: ``48%``, ``17.2 cases per FTE``.

    That is ``format_value`` at text precision, with the unit's words.
    """
    return format_value(value, unit, precision="text", words=True)


def format_money(value: object, *, short: bool = True) -> str:
    """Pounds for a person: ``£1.2m``, ``£850k``, ``£900`` (short) or ``£1,234,567``.

    Args:
        value: An amount in GBP (None or NaN is blank).
        short: Round to millions (one decimal) or thousands, as sentences and the scorecard
            write spend; otherwise whole pounds with commas, for table cells.

    Returns:
        The text; a negative amount keeps its sign before the pound sign.
    """
    if _is_blank(value):
        return ""
    number = float(value)  # type: ignore[arg-type]
    sign, size = ("-" if number < 0 else ""), abs(number)
    if not short:
        return f"{sign}£{size:,.0f}"
    if size >= 1e6:
        return f"{sign}£{size / 1e6:,.1f}m"
    if size >= 1e4:
        return f"{sign}£{size / 1e3:,.0f}k"
    return f"{sign}£{size:,.0f}"


def format_number(value: object, decimals: int = 1) -> str:
    """A number with a fixed number of decimals and thousands commas; blank for no value."""
    if _is_blank(value):
        return ""
    return f"{float(value):,.{decimals}f}"  # type: ignore[arg-type]


def format_count(value: object) -> str:
    """A count for display: ``1,234``; a fractional value (FTE) keeps one decimal."""
    if _is_blank(value):
        return ""
    number = float(value)  # type: ignore[arg-type]
    return format_number(number, 0 if number.is_integer() else 1)


def format_cell(value: object, decimals: int = 1) -> str:
    """Any other table cell: dates as ``30 Jun 2024``, yes or no, numbers, text as it is."""
    if _is_blank(value):
        return ""
    if isinstance(value, pd.Timestamp):
        return format_date(value, "short")
    if isinstance(value, bool | np.bool_):
        return "Yes" if value else "No"
    if isinstance(value, int | np.integer):
        return f"{value:,}"
    if isinstance(value, float | np.floating):
        return format_count(value) if float(value).is_integer() else format_number(value, decimals)
    return str(value)


# --- spreadsheet safety -------------------------------------------------------------------------

#: A cell starting with one of these is read by Excel and LibreOffice as a formula (OWASP, "CSV
#: Injection"): ``=``, ``+``, ``-``, ``@``, a tab or a carriage return.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Text that is a plain number (``-12``, ``+3.5``, ``-1,234.0``, ``-1e-3``) stays as it is.
_PLAIN_NUMBER = r"[+-]?(\d[\d,]*(\.\d*)?|\.\d+)([eE][+-]?\d+)?"


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Make every text cell safe to open in a spreadsheet, as OWASP recommends.

    A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading apostrophe, so Excel shows it as text instead of running it (a ``PLACE_PROVIDER`` of
    ``=HYPERLINK(...)`` would otherwise run when ``dq_issues.csv`` is opened). Numbers, in
    number columns or as text (``-12``, ``-0.5``), stay numbers. Column headings are checked too.
    The frame given is not changed.

    Args:
        frame: Any table about to be written as CSV or as a workbook.

    Returns:
        A copy with such text cells prefixed by ``'``.
    """
    safe = frame.copy()
    for position in range(frame.shape[1]):
        values = frame.iloc[:, position]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
            continue
        text = values.astype("string")
        risky = text.str.startswith(FORMULA_STARTS).fillna(False)
        risky &= ~text.str.fullmatch(_PLAIN_NUMBER).fillna(False)
        if risky.any():
            safe.isetitem(position, values.astype(object).where(~risky, "'" + text))
    safe.columns = [
        f"'{name}"
        if isinstance(name, str)
        and name.startswith(FORMULA_STARTS)
        and not re.fullmatch(_PLAIN_NUMBER, name)
        else name
        for name in frame.columns
    ]
    return safe
