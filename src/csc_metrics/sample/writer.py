"""Writing the generated tables: dates as text, CSV files byte for byte the same every run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

#: Days covered by the date look-up: 1 January 1900 to 31 December 2100.
_FIRST_DAY = int(np.datetime64("1900-01-01", "D").astype(np.int64))
_LAST_DAY = int(np.datetime64("2100-12-31", "D").astype(np.int64))
_DATE_TEXT: np.ndarray | None = None


def format_days(days: np.ndarray, blank: np.ndarray | None = None) -> np.ndarray:
    """Format days since 1970 as ``dd/mm/yyyy`` text, vectorised through a look-up table.

    Args:
        days: Days since 1970.
        blank: Where True, the result is an empty string (an open or unknown date).

    Returns:
        An ``object`` array of strings.
    """
    global _DATE_TEXT
    if _DATE_TEXT is None:
        every_day = pd.to_datetime(np.arange(_FIRST_DAY, _LAST_DAY + 1), unit="D")
        _DATE_TEXT = np.asarray(every_day.strftime("%d/%m/%Y"), dtype=object)
    days = np.asarray(days, dtype=np.int64)
    text = _DATE_TEXT[np.clip(days - _FIRST_DAY, 0, len(_DATE_TEXT) - 1)]
    if blank is not None:
        text = np.where(blank, "", text).astype(object)
    return text


def to_dates(days: np.ndarray) -> np.ndarray:
    """Convert days since 1970 to ``datetime.date`` objects (for Excel date cells)."""
    return np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype(object)


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write a table of text columns as UTF-8 CSV with LF line endings.

    Args:
        frame: The table; every value is written as given (no quoting is needed for codes,
            dates, postcodes and ids).
        path: Where to write.

    Returns:
        The path written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
    return path
