"""Data artefacts: data-quality findings that explain a movement better than a real change.

A figure can move because of how the data were recorded rather than what happened: a workforce
file sent again unchanged makes turnover 0%; cases whose team is blank appearing or vanishing
move the unallocated count; a quarter without a caseload snapshot carries the last one forward.
When such a finding touches an indicator at the latest period, its message names the data
problem instead of calling the change real (docs/definitions.md, "Data artefacts").

Which indicators each problem can explain is data: ``reference/data_artefacts.csv``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import pandas as pd

from csc_metrics.dates import format_date

#: A caseload snapshot's workforce file, as the ingest manifest lists it.
WORKFORCE_PATH = re.compile(r"caseload/(\d{4}-\d{2}-\d{2})/workforce\.csv$", re.IGNORECASE)


@dataclass(frozen=True)
class DataProblem:
    """One data problem at a date.

    Attributes:
        problem: ``identical_workforce_file``, ``blank_team_change`` or ``missing_snapshot``.
        date: The snapshot or quarter end it concerns.
        before: A count before (blank-team cases at the previous snapshot), if any.
        after: The count at ``date``, if any.
        since: The earlier snapshot compared with, if any.
    """

    problem: str
    date: pd.Timestamp
    before: float | None = None
    after: float | None = None
    since: pd.Timestamp | None = None


@cache
def _affected() -> dict[str, frozenset[str]]:
    with (files("csc_metrics") / "reference" / "data_artefacts.csv").open(encoding="utf-8") as f:
        table = pd.read_csv(f, dtype=str)
    return {p: frozenset(rows["indicator_id"]) for p, rows in table.groupby("problem")}


def affects(problem: str, indicator_id: str) -> bool:
    """Whether a kind of data problem can explain a movement of an indicator."""
    return indicator_id in _affected().get(problem, frozenset())


def identical_workforce_files(inputs: Iterable[Mapping[str, Any]]) -> list[DataProblem]:
    """Snapshots whose workforce file is byte-identical to the previous snapshot's.

    Args:
        inputs: The ingest manifest's ``inputs`` (``path`` and ``sha256`` of each raw file).

    Returns:
        One problem per such snapshot date.
    """
    rows = [
        (pd.Timestamp(match.group(1)), str(item.get("sha256", "")))
        for item in inputs
        if (match := WORKFORCE_PATH.search(str(item.get("path", "")).replace("\\", "/")))
    ]
    files_by_date = pd.DataFrame(rows, columns=["date", "sha256"]).sort_values("date")
    same = files_by_date["sha256"].eq(files_by_date["sha256"].shift()) & files_by_date["sha256"].ne(
        ""
    )
    previous = files_by_date["date"].shift()
    return [
        DataProblem("identical_workforce_file", date, since=since)
        for date, since in zip(files_by_date["date"][same], previous[same], strict=True)
    ]


def blank_team_changes(cases: pd.DataFrame) -> list[DataProblem]:
    """Snapshots where the number of cases with no team recorded changed from the one before.

    Args:
        cases: ``clean_caseload__cases`` (``snapshot_date``, ``team``).

    Returns:
        One problem per snapshot whose count of blank-team cases differs from the previous
        snapshot's (the first snapshot has nothing to compare with).
    """
    if cases.empty:
        return []
    blank = cases["team"].isna() | cases["team"].astype("string").str.strip().eq("")
    counts = blank.groupby(cases["snapshot_date"]).sum().sort_index()
    before = counts.shift()
    changed = before.notna() & counts.ne(before)
    dates = counts.index.to_series()
    return [
        DataProblem("blank_team_change", pd.Timestamp(d), float(b), float(a), pd.Timestamp(s))
        for d, b, a, s in zip(
            counts.index[changed],
            before[changed],
            counts[changed],
            dates.shift()[changed],
            strict=True,
        )
    ]


def missing_snapshots(
    snapshot_dates: Sequence[pd.Timestamp], quarter_ends: Sequence[pd.Timestamp]
) -> list[DataProblem]:
    """Quarter ends after the first snapshot with no snapshot of their own."""
    if not snapshot_dates:
        return []
    have = {pd.Timestamp(d) for d in snapshot_dates}
    first = min(have)
    return [
        DataProblem("missing_snapshot", pd.Timestamp(q))
        for q in quarter_ends
        if pd.Timestamp(q) > first and pd.Timestamp(q) not in have
    ]


def describe_problem(problem: DataProblem, count_text: Any = None) -> str:
    """The data problem in words, for the message that would otherwise call a change real.

    Args:
        problem: The problem.
        count_text: Writes a count (e.g. ``ReportContext.count_text``, which suppresses 1 to 5);
            default: the plain whole number.

    Returns:
        A sentence.
    """
    write = count_text or (lambda n: f"{n:,.0f}")
    when = format_date(problem.date)
    if problem.problem == "identical_workforce_file":
        since = f" of {format_date(problem.since)}" if problem.since is not None else ""
        return (
            f"The workforce file of {when} is byte-for-byte the same as the one{since}, so "
            "leavers, joiners and agency changes since then are not in the data; check the "
            "workforce extract before reading this as a real change."
        )
    if problem.problem == "blank_team_change":
        since = format_date(problem.since) if problem.since is not None else "the snapshot before"
        return (
            f"Cases with no team recorded went from {write(problem.before)} at {since} to "
            f"{write(problem.after)} at {when}: the movement may come from how cases were "
            "recorded, not a real change; check the case list's team field."
        )
    return (
        f"There is no caseload snapshot for {when}, so the figure repeats the previous "
        "snapshot's; it is not a real change."
    )


def problems_for(
    problems: Iterable[DataProblem], indicator_id: str, period_end: pd.Timestamp
) -> list[DataProblem]:
    """The problems at a period end that can explain a movement of an indicator."""
    when = pd.Timestamp(period_end)
    return [p for p in problems if p.date == when and affects(p.problem, indicator_id)]
