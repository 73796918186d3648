"""Declared change points: dates from which an indicator's SPC limits are recalculated.

Making Data Count says a shift must first be questioned, and the limits recalculated only for a
known change in how the service works (a new model of practice, a restructure, a change of
recording). A council declares those changes in a CSV (``csc-metrics run --change-points``):

```
indicator,date,reason
placements_3plus_pct,2023-04-01,New placement stability panel
*,2022-10-01,Case management system replaced
```

``indicator`` is an indicator id or ``*`` for every indicator; ``date`` is YYYY-MM-DD or
DD/MM/YYYY; ``reason`` is free text shown on the chart. Each date starts a new segment of the
SPC chart, with its own average and limits, from the first quarter end on or after it
(``spc.spc(rebase_dates=...)``). docs/definitions.md ("Declared change points") says more.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from csc_metrics.catalogue import indicator_ids
from csc_metrics.council_files import numbered_rows, raise_problems, read_council_csv, written_dates
from csc_metrics.errors import InputError, describe_location

#: The columns of a change-points file, in order.
CHANGE_POINT_COLUMNS = ("indicator", "date", "reason")
#: Written in the indicator column for a change point that applies to every indicator.
EVERY_INDICATOR = "*"
#: What a change-points file is called in messages.
KIND = "Change-points file"


def read_change_points(path: str | Path) -> pd.DataFrame:
    """Read a change-points file.

    Args:
        path: The CSV file.

    Returns:
        Columns ``indicator`` (an id or ``*``), ``date`` (datetime) and ``reason`` (text), one
        row per declared change, sorted by date.

    Raises:
        InputError: If the file is missing or unreadable, a column is missing, or a row has an
            unknown indicator, a bad date, no reason, or repeats an indicator and date. The
            message names the file, column and row (the header is row 1) of every problem.
    """
    path = Path(path)
    raw = read_council_csv(path, KIND)
    missing = [c for c in CHANGE_POINT_COLUMNS if c not in raw.columns]
    if missing:
        raise InputError(
            f"{path.name}: missing column(s) {', '.join(missing)}. A change-points file needs "
            "the columns indicator (an indicator id, or * for every indicator), date "
            "(YYYY-MM-DD or DD/MM/YYYY) and reason."
        )
    raw = numbered_rows(raw, CHANGE_POINT_COLUMNS)
    known = {*indicator_ids(), EVERY_INDICATOR}
    dates = written_dates(raw["date"])
    checks = (
        (
            ~raw["indicator"].isin(known),
            "indicator",
            "not an indicator id of reference/indicators.csv, nor * for every indicator",
        ),
        (dates.isna(), "date", "not a date (expected YYYY-MM-DD or DD/MM/YYYY)"),
        (raw["reason"].eq(""), "reason", "blank: say what changed, for the chart"),
        (
            pd.DataFrame({"i": raw["indicator"], "d": dates}).duplicated() & dates.notna(),
            "date",
            "repeats an earlier row's indicator and date",
        ),
    )
    problems = [
        (int(row), f"{describe_location(column=column, row=int(row))}: {text}")
        for bad, column, text in checks
        for row in raw.loc[bad, "row"]
    ]
    raise_problems(KIND, path, [text for _, text in sorted(problems)])
    return (
        pd.DataFrame(
            {
                "indicator": raw["indicator"],
                "date": dates.astype("datetime64[ns]"),
                "reason": raw["reason"],
            }
        )
        .sort_values(["date", "indicator"])
        .reset_index(drop=True)
    )


def change_points_for(change_points: pd.DataFrame | None, indicator_id: str) -> pd.DataFrame:
    """The change points declared for one indicator (its own and those for every indicator).

    Args:
        change_points: From ``read_change_points``, or None.
        indicator_id: The indicator.

    Returns:
        ``date`` and ``reason``, oldest first; one row per date (an indicator's own reason
        wins over a ``*`` row on the same date).
    """
    if change_points is None or change_points.empty:
        return pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"), "reason": []})
    mine = change_points[change_points["indicator"].isin([indicator_id, EVERY_INDICATOR])]
    mine = mine.assign(general=mine["indicator"].eq(EVERY_INDICATOR))
    mine = mine.sort_values(["date", "general"]).drop_duplicates("date", keep="first")
    return mine[["date", "reason"]].reset_index(drop=True)


def suggested_line(indicator_id: str, date: pd.Timestamp) -> str:
    """The change-points line a manager could add to declare a detected shift."""
    return f"{indicator_id},{pd.Timestamp(date).date().isoformat()},<what changed>"
