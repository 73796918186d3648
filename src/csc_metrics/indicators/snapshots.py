"""Which caseload snapshot a reference date uses, and the teams in it.

Caseload figures at a reference date ``R`` come from the latest snapshot taken on or before
``R``; turnover compares a snapshot with the one taken about a year before it. A report, the
run's ``--team`` and ``--per-team`` options and a notebook's ``team`` parameter all name teams
from ``teams_at``, so each accepts exactly the teams the others list.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from csc_metrics.errors import ParameterError
from csc_metrics.storage import ProcessedData

#: A snapshot this close to 12 months before another is its "year earlier" for turnover.
TURNOVER_TOLERANCE = pd.Timedelta(days=31)


def snapshot_dates(data: ProcessedData) -> list[pd.Timestamp]:
    """List the snapshot dates held in the caseload history, oldest first.

    Args:
        data: Processed data.

    Returns:
        Every date with cases or a workforce list.
    """
    dates = pd.concat([data.cases["snapshot_date"], data.workforce["snapshot_date"]])
    return [pd.Timestamp(d) for d in sorted(pd.to_datetime(dates).dropna().unique())]


def latest_snapshot(data: ProcessedData, period_end: object) -> pd.Timestamp | None:
    """Return the latest snapshot date on or before a reference date.

    Args:
        data: Processed data.
        period_end: The reference date ``R``.

    Returns:
        The snapshot date, or None if no snapshot was taken on or before ``R``.
    """
    reference = pd.Timestamp(period_end)
    earlier = [d for d in snapshot_dates(data) if d <= reference]
    return earlier[-1] if earlier else None


def year_earlier_snapshot(data: ProcessedData, snapshot_date: object) -> pd.Timestamp | None:
    """Return the workforce snapshot taken about 12 months before a snapshot, if there is one.

    Args:
        data: Processed data.
        snapshot_date: The later snapshot.

    Returns:
        The workforce snapshot closest to 12 months earlier, within ``TURNOVER_TOLERANCE`` either
        side, or None.
    """
    target = pd.Timestamp(snapshot_date) - pd.DateOffset(years=1)
    dates = pd.Series(pd.to_datetime(data.workforce["snapshot_date"].unique()))
    distance = (dates - target).abs()
    near = dates.loc[distance.le(TURNOVER_TOLERANCE)]
    if near.empty:
        return None
    return pd.Timestamp(near.loc[distance.loc[near.index].idxmin()])


def teams_at(data: ProcessedData, period_end: object) -> list[str]:
    """The teams holding cases in the snapshot the caseload figures at a date come from.

    The snapshot is ``latest_snapshot``. A case's team is its allocated worker's team in that
    snapshot's workforce list, or, where the worker is not in the list (or the case is
    unallocated), the team on the case row (``docs/definitions.md``, "Team"). A team with
    workers but no cases has no caseload to report, so it is not listed.

    Args:
        data: Processed data (only the cases and workforce are read).
        period_end: The reference date ``R``.

    Returns:
        Team names as the data spell them, sorted; empty without a snapshot on or before ``R``.
    """
    snapshot = latest_snapshot(data, period_end)
    if snapshot is None:
        return []
    cases = data.cases.loc[data.cases["snapshot_date"] == snapshot, ["worker_id", "team"]]
    workforce = data.workforce
    worker_teams = workforce.loc[
        workforce["snapshot_date"] == snapshot, ["worker_id", "team"]
    ].drop_duplicates("worker_id")
    merged = cases.merge(worker_teams, on="worker_id", how="left", suffixes=("_case", "_worker"))
    teams = merged["team_worker"].fillna(merged["team_case"]).dropna().astype(str).str.strip()
    return sorted(teams[teams != ""].unique().tolist())


def resolve_team(value: Any, teams: list[str], option: str = "team") -> str | None:
    """The team a report is for, spelt as in the data (matched ignoring case and spaces).

    Args:
        value: None (every team) or a team name.
        teams: The teams at the period end (``teams_at``).
        option: How the person gave it, for the message: ``team`` (a notebook parameter) or
            ``--team`` (a command-line option).

    Returns:
        The team name, or None.

    Raises:
        ParameterError: If the team is not in the data; the message lists the teams.
    """
    if value is None:
        return None
    wanted = " ".join(str(value).split()).casefold()
    matches = [t for t in teams if " ".join(t.split()).casefold() == wanted]
    if matches:
        return matches[0]
    known = ", ".join(teams) if teams else "none (there is no caseload snapshot on or before it)"
    command_line = option.startswith("-")
    shown = f"{option} {value!r}" if command_line else f"{option}={value!r}"
    every = f"Leave out {option}" if command_line else f"Use {option}=None"
    raise ParameterError(
        f"{shown} is not a team in the caseload data at the period end. Teams: {known}. "
        f"{every} for every team."
    )
