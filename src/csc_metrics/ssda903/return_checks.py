"""Checks across an SSDA903 return's tables, logged as data-quality issues.

A year without a header, episodes left incomplete, dates after the collection year's end, a
year folder named by the wrong year, a latest return that ends early (an in-year extract), and
children with episodes but no header record. Each is a rule of ``docs/definitions.md``; none
changes a table, they only tell the analyst (``ingest`` runs them as it reads, builds and
merges the years).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc_metrics.quality import DataQualityLog
from csc_metrics.ssda903.issues import log_file, log_rows
from csc_metrics.ssda903.merge import year_boundary
from csc_metrics.ssda903.raw import RawTable


def log_year_without_header(raw_tables: list[RawTable], log: DataQualityLog) -> None:
    """Note each Episodes file of a year folder that has no Header table."""
    if any(raw.table == "header" for raw in raw_tables):
        return
    for raw in raw_tables:
        if raw.table == "episodes":
            log_file(
                log,
                "table_missing_for_year",
                f"no Header table for {raw.collection_year}; children's details come from "
                "other years",
                file=raw.path,
                table="header",
            )


def log_incomplete_episodes(frame: pd.DataFrame, log: DataQualityLog) -> None:
    """Warn about an end without a reason, and a reason without an end."""
    rec_only = frame["rec"].notna() & frame["dec"].isna()
    log_rows(
        log,
        frame[rec_only],
        "rec_without_dec",
        "REC (reason the episode ceased) is given but DEC (date ceased) is blank; the episode is "
        "treated as open",
        table="episodes",
        column="REC",
    )
    dec_only = frame["dec"].notna() & frame["rec"].isna()
    log_rows(
        log,
        frame[dec_only],
        "dec_without_rec",
        "DEC (date ceased) is given but REC (reason ceased) is blank or not a valid code; the "
        "episode is treated as ended for an unknown reason",
        table="episodes",
        column="DEC",
    )


def log_dates_after_year_end(frame: pd.DataFrame, log: DataQualityLog) -> None:
    """Warn about episode dates later than the end of their return's collection year."""
    year_end = year_boundary(frame["collection_year"], "03-31")
    for column in ("decom", "dec"):
        late = frame[column].gt(year_end).fillna(False).astype(bool)
        log_rows(
            log,
            frame[late],
            "date_after_year_end",
            "later than the end of this return's collection year (31/03/"
            + frame.loc[late, "collection_year"].astype("str")
            + "); kept as given",
            table="episodes",
            column=column.upper(),
            value=frame.loc[late, column].dt.strftime("%d/%m/%Y"),
        )


#: Share of a folder's recent episode dates (on or after the named year's 1 April) that fall in
#: the following collection year above which the folder is named by the wrong year.
MISNAMED_SHARE = 0.5


def misnamed_year_folders(episodes: pd.DataFrame) -> list[str]:
    """Year folders named by the year their return starts, not the year it ends, as problems.

    A folder ``2017/`` means the return for 1 April 2016 to 31 March 2017. A return for 1 April
    2017 to 31 March 2018 put there by its start year has most of its episode starts and ends
    after 31 March 2017. Dates before the named year's 1 April are left out of the count: a
    longitudinal return keeps the start dates of long episodes from earlier years.

    Args:
        episodes: Cleaned episode rows with ``decom``, ``dec``, ``collection_year`` and
            ``source_file``.

    Returns:
        One message per misnamed folder, saying which name its data fit.
    """
    # Worked out on (folder, year) codes and date arrays: the episodes of every year are many,
    # their folders and years few.
    file_codes, files = pd.factorize(episodes["source_file"])
    folder_of_file, folder_names = pd.factorize(
        pd.Index([str(f).rsplit("/", 1)[0] for f in files], dtype="object")
    )
    folder = folder_of_file[file_codes]
    years, year_code = np.unique(episodes["collection_year"].astype(int), return_inverse=True)

    def boundary(offset: int, month_day: str) -> np.ndarray:
        texts = [f"{year + offset}-{month_day}" for year in years]
        return pd.to_datetime(texts, format="%Y-%m-%d").to_numpy(dtype="datetime64[ns]")

    year_start = boundary(-1, "04-01")[year_code]
    year_end = boundary(0, "03-31")[year_code]
    next_end = boundary(1, "03-31")[year_code]
    group = folder * len(years) + year_code
    groups = len(folder_names) * len(years)
    recent_count = np.zeros(groups, dtype="int64")
    in_next_count = np.zeros(groups, dtype="int64")
    for column in ("decom", "dec"):
        dates = episodes[column].to_numpy(dtype="datetime64[ns]")
        recent = ~np.isnat(dates) & (dates >= year_start)
        in_next = recent & (dates > year_end) & (dates <= next_end)
        recent_count += np.bincount(group[recent], minlength=groups)
        in_next_count += np.bincount(group[in_next], minlength=groups)
    found = [
        (str(folder_names[g // len(years)]), int(years[g % len(years)]))
        for g in np.flatnonzero(recent_count)
        if in_next_count[g] / recent_count[g] > MISNAMED_SHARE
    ]
    return [
        f"{name} holds events from 1 April {named} to 31 March {named + 1}: rename it {named + 1}."
        for name, named in sorted(found)
    ]


#: Months before its 31 March after which a latest return with no later event looks like an
#: in-year extract (one quarter).
EARLY_END_MONTHS = 3


def log_return_ending_early(
    episodes: pd.DataFrame, extract_dates: dict[int, pd.Timestamp], log: DataQualityLog
) -> None:
    """Warn when the latest return looks like an in-year extract that no extract date names.

    It is taken to cover its whole year; the warning says how to mark it as an extract.
    """
    if episodes.empty:
        return
    latest = int(episodes["collection_year"].max())
    if latest in extract_dates:
        return
    rows = episodes[episodes["collection_year"].eq(latest)]
    last_event = pd.concat([rows["decom"], rows["dec"]]).max()
    year_end = pd.Timestamp(year=latest, month=3, day=31)
    if pd.isna(last_event) or last_event > year_end - pd.DateOffset(months=EARLY_END_MONTHS):
        return
    folder = str(rows["source_file"].iloc[0]).rsplit("/", 1)[0]
    log_file(
        log,
        "return_ends_early",
        f"the latest return's last episode date is more than {EARLY_END_MONTHS} months before "
        f"31/03/{latest}, yet it is taken to cover its whole year. If it is an in-year extract, "
        f"put a file {folder}/extract_date.txt holding the extract's date (dd/mm/yyyy)",
        file=folder,
        table="episodes",
    )


def log_children_without_header(
    episodes: pd.DataFrame, header: pd.DataFrame, log: DataQualityLog
) -> None:
    """Note each child who has episodes but no header record in any return."""
    first_episode = episodes.drop_duplicates("child_id")
    in_header = pd.Index(header["child_id"]).get_indexer(first_episode["child_id"]) >= 0
    orphans = first_episode[~in_header]
    log_rows(
        log,
        orphans,
        "child_not_in_header",
        "the child has episodes but no row in any Header table; age, sex and ethnicity unknown",
        table="episodes",
        column="CHILD",
    )
