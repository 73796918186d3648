"""What a council's own small CSV files share: local targets and declared change points.

Both are typed by a person, so both are read the same way: every cell as text, headings trimmed
and lower-cased, blank lines skipped, each row numbered as a spreadsheet shows it (the header is
row 1), a date written ``YYYY-MM-DD`` or ``DD/MM/YYYY``, and every problem listed in one message
that names the file, column and row (``benchmarks.targets.read_targets``,
``change_points.read_change_points``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from csc_metrics.errors import InputError

#: At most this many problems are listed in one message; the rest are counted.
PROBLEMS_SHOWN = 20


def read_council_csv(path: Path, kind: str) -> pd.DataFrame:
    """Read a council's CSV file as text, with its headings trimmed and lower-cased.

    Args:
        path: The file.
        kind: What the file is, for messages (``"Targets file"``).

    Returns:
        Every cell as written (blank cells as ``""``; blank lines kept, to be numbered).

    Raises:
        InputError: If the file is missing or cannot be read as CSV.
    """
    if not path.is_file():
        raise InputError(f"{kind} {path} not found.")
    try:
        raw = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skip_blank_lines=False
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise InputError(f"{kind} {path} could not be read as CSV: {error}") from None
    raw.columns = raw.columns.str.strip().str.lower()
    return raw


def numbered_rows(raw: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The columns used, trimmed, with each row's number in the file; blank rows left out.

    Args:
        raw: From ``read_council_csv``, with every one of ``columns``.
        columns: The columns used, in order.

    Returns:
        ``columns`` and ``row`` (the header is row 1, so the first data row is 2).
    """
    rows = raw[list(columns)].apply(lambda column: column.str.strip())
    rows["row"] = np.arange(len(rows)) + 2
    return rows[rows[list(columns)].ne("").any(axis=1)]


def written_dates(text: pd.Series) -> pd.Series:
    """Dates written ``YYYY-MM-DD`` or ``DD/MM/YYYY``; anything else (and blank) is NaT."""
    iso = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    uk = pd.to_datetime(text, format="%d/%m/%Y", errors="coerce")
    return iso.fillna(uk)


def raise_problems(kind: str, path: Path, problems: Sequence[str]) -> None:
    """Raise one error listing a file's problems (the first ``PROBLEMS_SHOWN``), if it has any.

    Args:
        kind: What the file is (``"Targets file"``).
        path: The file.
        problems: One line each, already in row order.

    Raises:
        InputError: If there is any problem.
    """
    if not problems:
        return
    shown = "\n  ".join(problems[:PROBLEMS_SHOWN])
    extra = len(problems) - PROBLEMS_SHOWN
    more = f"\n  ... and {extra} more" if extra > 0 else ""
    raise InputError(f"{kind} {path} has problems:\n  {shown}{more}")
