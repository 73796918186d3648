"""Data artefacts: data-quality findings that explain a movement better than a real change.

A figure can move because of how the data were recorded rather than what happened: a workforce
file sent again unchanged makes turnover 0%; cases whose team is blank appearing or vanishing
move the unallocated count; a quarter without a caseload snapshot carries the last one forward.
When such a finding touches an indicator at the latest period, its message names the data
problem instead of calling the change real (docs/definitions.md, "Data artefacts"). A field
left blank for many more (or fewer) records than the quarter before moves every indicator that
depends on it, so a blank-rate jump is such a finding too.

Which indicators each problem can explain is data: ``reference/data_artefacts.csv``, and for a
blank-rate jump ``reference/field_dependencies.csv`` (the fields each indicator depends on).
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
        problem: ``identical_workforce_file``, ``blank_team_change``, ``missing_snapshot`` or
            ``blank_rate_jump``.
        date: The snapshot or quarter end it concerns.
        before: A count before (blank-team cases at the previous snapshot), if any.
        after: The count at ``date``, if any.
        since: The earlier snapshot compared with, if any.
        field: For ``blank_rate_jump``, the field (``reference/field_dependencies.csv``);
            ``before`` and ``after`` are then its blank rates in percent.
    """

    problem: str
    date: pd.Timestamp
    before: float | None = None
    after: float | None = None
    since: pd.Timestamp | None = None
    field: str | None = None


@cache
def _affected() -> dict[str, frozenset[str]]:
    with (files("csc_metrics") / "reference" / "data_artefacts.csv").open(encoding="utf-8") as f:
        table = pd.read_csv(f, dtype=str)
    return {p: frozenset(rows["indicator_id"]) for p, rows in table.groupby("problem")}


def affects(problem: str, indicator_id: str) -> bool:
    """Whether a kind of data problem can explain a movement of an indicator."""
    return indicator_id in _affected().get(problem, frozenset())


@cache
def _field_table() -> pd.DataFrame:
    path = files("csc_metrics") / "reference" / "field_dependencies.csv"
    with path.open(encoding="utf-8") as f:
        return pd.read_csv(f, dtype=str)


def depends_on(field: str, indicator_id: str) -> bool:
    """Whether an indicator depends on a field (``reference/field_dependencies.csv``)."""
    table = _field_table()
    return bool(((table["field"] == field) & (table["indicator_id"] == indicator_id)).any())


def field_label(field: str) -> str:
    """A field's name in words, e.g. "care leavers' activity (OC3 ACTIV)"."""
    labels = _field_table().drop_duplicates("field").set_index("field")["label"]
    return str(labels.get(field, field))


def is_blank(values: pd.Series) -> pd.Series:
    """Whether each value is blank: missing, or text of spaces only."""
    return values.isna() | values.astype("string").str.strip().eq("")


def blank_rate_jumps(rates: pd.DataFrame, threshold_pp: float) -> list[DataProblem]:
    """Fields whose blank rate moved by ``threshold_pp`` points or more from one date to the next.

    Args:
        rates: One row per field and date: ``field``, ``date``, ``records`` (the records the
            indicators count at that date) and ``blank`` (how many of them leave the field
            blank). Dates with no records are skipped.
        threshold_pp: The smallest move, in percentage points, that is a problem
            (``Settings.blank_rate_jump_pp``).

    Returns:
        One problem per field and date whose blank rate differs from the field's previous
        date's by at least the threshold, with both rates in percent.
    """
    if rates.empty:
        return []
    table = rates[rates["records"] > 0].sort_values(["field", "date"])
    rate = 100 * table["blank"] / table["records"]
    before = rate.groupby(table["field"]).shift()
    since = table["date"].groupby(table["field"]).shift()
    jumped = before.notna() & ((rate - before).abs() >= threshold_pp)
    return [
        DataProblem("blank_rate_jump", pd.Timestamp(d), float(b), float(a), pd.Timestamp(s), f)
        for f, d, b, a, s in zip(
            table["field"][jumped],
            table["date"][jumped],
            before[jumped],
            rate[jumped],
            since[jumped],
            strict=True,
        )
    ]


#: The episode column each episode field is, and the OC3 column of each care-leaver field.
EPISODE_FIELDS: dict[str, str] = {
    "placement_postcode": "pl_post",
    "home_postcode": "home_post",
    "placement_provider": "place_provider",
}
OC3_FIELDS: dict[str, str] = {
    "oc3_activity": "activ",
    "oc3_accommodation": "accom",
    "oc3_in_touch": "in_touch",
}


def episode_blank_rates(episodes: pd.DataFrame, dates: Sequence[pd.Timestamp]) -> pd.DataFrame:
    """Blank rates of the episode fields over the children looked after at each date.

    Args:
        episodes: ``clean_ssda903__episodes`` (``decom``, ``dec``, ``is_short_break`` and the
            columns of ``EPISODE_FIELDS``).
        dates: The quarter ends.

    Returns:
        ``field, date, records, blank``: the episodes open at the date (short breaks left out,
        as the placement indicators leave them out) and how many leave the field blank.
    """
    when = pd.DataFrame({"date": pd.to_datetime(list(dates))})
    if episodes.empty or not {"decom", "dec"} <= set(episodes.columns):
        return _rates(pd.DataFrame(columns=["date"]), {}, when["date"])
    rows = episodes
    if "is_short_break" in rows.columns:
        rows = rows[~rows["is_short_break"].fillna(False).astype(bool)]
    pairs = when.merge(rows, how="cross")
    open_then = (pairs["decom"] <= pairs["date"]) & (
        pairs["dec"].isna() | (pairs["dec"] > pairs["date"])
    )
    pairs = pairs[open_then]
    return _rates(pairs, EPISODE_FIELDS, when["date"])


def oc3_blank_rates(oc3: pd.DataFrame, dates: Sequence[pd.Timestamp]) -> pd.DataFrame:
    """Blank rates of the OC3 fields over the care leavers counted at each date.

    The care-leaver indicators count the young people whose birthday fell in the 12 months
    to the date, from the OC3 return of the collection year of that birthday.

    Args:
        oc3: ``clean_ssda903__oc3`` (``dob``, ``collection_year`` and the columns of
            ``OC3_FIELDS``).
        dates: The quarter ends.

    Returns:
        ``field, date, records, blank``.
    """
    when = pd.DataFrame({"date": pd.to_datetime(list(dates))})
    if oc3.empty or not {"dob", "collection_year"} <= set(oc3.columns):
        return _rates(pd.DataFrame(columns=["date"]), {}, when["date"])
    dob = pd.to_datetime(oc3["dob"])
    year_end = pd.to_datetime(oc3["collection_year"].astype(str) + "-03-31")
    # The birthday in the collection year (1 April to 31 March); 29 February falls back a day.
    birthday = pd.to_datetime(
        {
            "year": year_end.dt.year - (dob.dt.month >= 4).astype(int),
            "month": dob.dt.month,
            "day": dob.dt.day.where(~((dob.dt.month == 2) & (dob.dt.day == 29)), 28),
        },
        errors="coerce",
    )
    rows = oc3.assign(_birthday=birthday)
    pairs = when.merge(rows, how="cross")
    counted = (pairs["_birthday"] <= pairs["date"]) & (
        pairs["_birthday"] > pairs["date"] - pd.DateOffset(years=1)
    )
    return _rates(pairs[counted], OC3_FIELDS, when["date"])


def _rates(pairs: pd.DataFrame, columns: Mapping[str, str], dates: pd.Series) -> pd.DataFrame:
    parts = []
    for field, column in columns.items():
        if column not in pairs.columns:
            continue
        counts = (
            is_blank(pairs[column])
            .groupby(pairs["date"])
            .agg(["size", "sum"])
            .reindex(dates, fill_value=0)
        )
        parts.append(
            pd.DataFrame(
                {
                    "field": field,
                    "date": counts.index,
                    "records": counts["size"].to_numpy(dtype=int),
                    "blank": counts["sum"].to_numpy(dtype=int),
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=["field", "date", "records", "blank"])
    return pd.concat(parts, ignore_index=True)


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
    if problem.problem == "blank_rate_jump":
        since = format_date(problem.since) if problem.since is not None else "the quarter before"
        return (
            f"The share of records with {field_label(problem.field or '')} left blank went "
            f"from {problem.before:.0f}% at {since} to {problem.after:.0f}% at {when}: the "
            "movement may come from how the data were recorded, not a real change; check that "
            "field in the return."
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
    return [
        p
        for p in problems
        if p.date == when
        and (
            depends_on(p.field, indicator_id)
            if p.field is not None
            else affects(p.problem, indicator_id)
        )
    ]
