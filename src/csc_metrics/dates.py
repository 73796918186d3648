"""Dates as the reports write them, and the one reading of a period end given as text.

Every date a person reads goes through ``format_date``, so a report, the landing page, a chart
axis and the command line write the same day the same way (``30 June 2024``, never
``30/06/2024`` or ``30 Jun 2024`` in a sentence). A period end given by a person (``--period-end``
on the command line, ``period_end`` in a notebook) is read by ``parse_period_end`` alone.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import numpy as np
import pandas as pd

from csc_metrics.errors import ParameterError

DateStyle = Literal["long", "short", "month", "iso", "time"]

#: How each style writes 5 June 2024, 14:03. ``{day}`` is the day without a leading zero.
DATE_STYLES: dict[str, str] = {
    "long": "{day} %B %Y",  # 5 June 2024: sentences, captions, titles
    "short": "{day} %b %Y",  # 5 Jun 2024: table cells
    "month": "%b %Y",  # Jun 2024: chart axes and alt text
    "iso": "%Y-%m-%d",  # 2024-06-05: files, JSON, CSV and parameters
    "time": "{day} %B %Y at %H:%M",  # 5 June 2024 at 14:03: when a run happened
}

#: The word for "the most recent quarter end the data cover".
LATEST = "latest"


def format_date(value: object, style: DateStyle = "long") -> str:
    """Write a date the way the reports do.

    Args:
        value: A date (``Timestamp``, ``datetime``, ``date``, ``datetime64`` or ISO text).
        style: One of ``DATE_STYLES``: ``long`` (``30 June 2024``), ``short``
            (``30 Jun 2024``), ``month`` (``Jun 2024``), ``iso`` (``2024-06-30``) or ``time``
            (``30 June 2024 at 14:03``).

    Returns:
        The text.
    """
    when = value if isinstance(value, dt.datetime) else pd.Timestamp(value)
    pattern = DATE_STYLES[style].replace("{day}", str(when.day))
    return when.strftime(pattern)


def is_quarter_end(date: pd.Timestamp) -> bool:
    """Whether a date is 30 June, 30 September, 31 December or 31 March."""
    return bool(date.is_quarter_end and date.month % 3 == 0)


def period_label(period_end: pd.Timestamp) -> str:
    """The period in words: ``quarter ending 31 March 2025`` (``period ending`` off quarter)."""
    kind = "quarter" if is_quarter_end(pd.Timestamp(period_end)) else "period"
    return f"{kind} ending {format_date(period_end)}"


def collection_year(date: pd.Timestamp) -> int:
    """The SSDA903 collection year holding a date: ``Y`` for 1 April ``Y-1`` to 31 March ``Y``."""
    return date.year + 1 if date.month >= 4 else date.year


def collection_year_label(year: int) -> str:
    """An SSDA903 collection year (ending 31 March ``year``) as DfE writes it: ``2023-24``."""
    return f"{year - 1}-{str(year)[-2:]}"


def parse_period_end(
    value: object, option: str = "period_end", *, latest: bool = False
) -> pd.Timestamp | str:
    """Read a period end (reference date) given by a person.

    Args:
        value: ``YYYY-MM-DD`` text, a date or timestamp, or (with ``latest``) ``"latest"`` in
            any case.
        option: How the person gave it, for the message: ``--period-end`` (a command-line
            option, shown as ``--period-end '...'``) or ``period_end`` (a notebook parameter,
            shown as ``period_end='...'``).
        latest: Whether ``"latest"`` is allowed.

    Returns:
        The date at midnight, or ``LATEST``.

    Raises:
        ParameterError: If the value is not a date in the form YYYY-MM-DD (or ``latest`` when
            allowed); the message names the option and the value.
    """
    if isinstance(value, pd.Timestamp | dt.date | np.datetime64):
        return pd.Timestamp(value).normalize()
    text = str(value).strip() if value is not None else ""
    if latest and text.lower() == LATEST:
        return LATEST
    try:
        return pd.Timestamp(pd.to_datetime(text, format="%Y-%m-%d")).normalize()
    except (ValueError, TypeError):
        shown = f"{option} {value!r}" if option.startswith("-") else f"{option}={value!r}"
        alternative = (
            " or 'latest' for the most recent quarter end the data cover" if latest else ""
        )
        raise ParameterError(
            f"{shown} is not a date in the form YYYY-MM-DD (for example 2025-03-31){alternative}."
        ) from None
