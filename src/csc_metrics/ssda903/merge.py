"""Merging several years of SSDA903 returns into one longitudinal record.

Each year's return repeats the episodes that were open during that year, and a council may
amend earlier years. The rules, in order (each is described for managers in
``docs/definitions.md``, "Merging several years of returns"):

1. One row per record: a record repeated across years is taken from the latest return; within
   one year the row with an end date wins, then the later file and row (``keep_latest``).
2. An episode left open in an older return is replaced when a later return re-records that
   child's care without it (``episode_superseded``), or closed when a later return shows what
   happened next; ``episode_source`` names the rule that closed it. An episode open in the
   latest return stays open.
3. Overlaps and gaps between a child's episodes are flagged, never fixed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc_metrics.quality import DataQualityLog
from csc_metrics.ssda903.issues import log_file, log_rows

#: ``episode_source`` values: the row as returned, or the rule that closed it.
AS_RETURNED = "as returned"
CLOSED_BY_NEXT = "closed by next episode"
CLOSED_BEFORE_NEW_PERIOD = "closed before new period of care"
CLOSED_AFTER_LAST_RETURN = "closed after last return"

#: RNE codes of an episode that continues the period of care of the one before.
CONTINUATION_RNE = frozenset({"L", "P", "T", "U", "B"})
#: Columns compared to decide that a later return re-dated the same episode.
SAME_EPISODE_COLUMNS = ["rne", "ls", "place", "place_provider", "pl_post", "urn"]


def _row_key(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """One integer per row that orders and matches rows as their values in ``columns`` do.

    Each column is numbered by its sorted distinct values (``pandas.factorize``, blanks after
    every value, as ``sort_values`` puts them), and the numbers joined column by column: two
    rows get the same integer exactly when they hold the same values, and integers sort as the
    rows sort by those columns, blank last. A national episode table has millions of rows;
    sorting it on its text keys directly costs seconds.
    """
    key = np.zeros(len(frame), dtype="int64")
    for number, column in enumerate(columns):
        if number > 1:
            # Numbered afresh (below the row count, order kept), so the product cannot overflow.
            key = pd.factorize(key, sort=True)[0]
        codes, distinct = pd.factorize(frame[column], sort=True)
        codes = np.where(codes < 0, len(distinct), codes)
        key = key * (len(distinct) + 1) + codes
    return key


def sorted_rows(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``frame.sort_values(columns, kind="stable")``: rows sorted by ``columns``, blanks last.

    Sorted on ``_row_key``'s integers (a stable sort keeps ties in their order), which gives
    the same order as sorting on the columns themselves.
    """
    return frame.take(np.argsort(_row_key(frame, columns), kind="stable"))


def keep_latest(
    frame: pd.DataFrame,
    key: list[str],
    table: str,
    log: DataQualityLog,
    prefer: str | None = None,
    across_years: bool = True,
) -> pd.DataFrame:
    """Keep one row per key, from the latest collection year.

    Within one collection year a repeated key is a duplicate: the row with ``prefer`` true wins,
    then the later file and row; the others are dropped with a ``duplicate_row`` error. Across
    years the later return's row is kept and each older file gets one ``repeated_in_later_file``
    note with the count. Rows with a blank key part are all kept.

    Args:
        frame: Cleaned rows with ``collection_year``, ``file_order``, ``source_file``,
            ``source_row`` and ``child_id``.
        key: Columns that identify a record.
        table: Table name, for the log.
        log: Data-quality log.
        prefer: Boolean column preferred within a year (``has_dec`` for episodes).
        across_years: Whether records are unique across years too (False for OC3, which has
            one row per young person per year).

    Returns:
        The kept rows, in their original order.
    """
    order = ["collection_year", *([prefer] if prefer else []), "file_order", "source_row"]
    # Rows are chosen on the few columns the rules and messages need; the whole table is then
    # filtered once, which matters for millions of wide episode rows.
    needed = list(dict.fromkeys([*key, *order, "source_file", "child_id"]))
    rows = sorted_rows(frame[needed], order)
    complete = rows[key].notna().all(axis=1)
    group = [*key, "collection_year"]
    # Only the rows of repeated records are looked at closely: they are few, often none.
    repeated = rows[complete & rows.duplicated(group, keep=False)]
    if len(repeated):
        rows = _drop_duplicates(frame, rows, repeated, key, table, log)
    if across_years:
        complete = rows[key].notna().all(axis=1)
        older = complete & rows.duplicated(key, keep="last")
        for file, count in rows.loc[older, "source_file"].value_counts(sort=False).items():
            log_file(
                log,
                "repeated_in_later_file",
                f"{count} {table} record(s) in this file are repeated in a later return; "
                "the later return's version was kept",
                file=str(file),
                table=table,
            )
        rows = rows[~older]
    return frame[frame.index.isin(rows.index)].sort_index()


def _drop_duplicates(
    frame: pd.DataFrame,
    rows: pd.DataFrame,
    repeated: pd.DataFrame,
    key: list[str],
    table: str,
    log: DataQualityLog,
) -> pd.DataFrame:
    """``keep_latest``'s rows without the duplicates within a year, each logged as dropped.

    Args:
        frame: The rows given to ``keep_latest``.
        rows: Their columns ``keep_latest`` works on, sorted.
        repeated: The rows of ``rows`` whose record is repeated within its year.
        key: Columns that identify a record.
        table: Table name, for the log.
        log: Data-quality log.
    """
    group = [*key, "collection_year"]
    kept_at = (
        repeated.assign(_kept=repeated.index)
        .groupby(group)[["source_file", "source_row", "_kept"]]
        .transform("last")
    )
    dropped = repeated[repeated.duplicated(group, keep="last")]
    kept_at = kept_at.loc[dropped.index]
    what = "+".join(c.upper() for c in key if c != "child_id")
    log_rows(
        log,
        dropped,
        "duplicate_row",
        (f"the same {what} for this child" if what else "this child")
        + " is also in "
        + kept_at["source_file"]
        + " row "
        + kept_at["source_row"].astype("str")
        + ", which was kept"
        + _conflicts(frame, dropped.index, kept_at["_kept"]),
        table=table,
    )
    return rows[~rows.index.isin(dropped.index)]


def _conflicts(frame: pd.DataFrame, dropped: pd.Index, kept: pd.Series) -> pd.Series:
    """Words on the child details a dropped duplicate disagrees with the kept row on.

    SEX is a code and is named both ways; a differing date of birth is only said to differ,
    since a date of birth is never written to a message.

    Args:
        frame: The rows.
        dropped: Index of the dropped rows.
        kept: For each dropped row, the index of the row kept.

    Returns:
        Text aligned with ``dropped`` (blank where nothing conflicts).
    """
    words = pd.Series("", index=dropped, dtype="object")
    kept_rows = kept.to_numpy()
    if "sex" in frame.columns:
        here = frame.loc[dropped, "sex"].astype("object")
        there = pd.Series(frame.loc[kept_rows, "sex"].to_numpy(), index=dropped, dtype="object")
        differs = here.notna() & there.notna() & here.ne(there)
        words[differs] += (
            "; SEX differs: "
            + here[differs].astype(str)
            + " here, "
            + there[differs].astype(str)
            + " in the kept row, whose SEX was used"
        )
    if "dob" in frame.columns:
        here = frame.loc[dropped, "dob"]
        there = pd.Series(frame.loc[kept_rows, "dob"].to_numpy(), index=dropped)
        differs = here.notna() & there.notna() & here.ne(there)
        words[differs] += "; DOB differs from the kept row's, whose DOB was used"
    return words


def _neighbours(episodes: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Return each episode's previous and next values of some columns, within its child.

    Args:
        episodes: Episodes sorted by child and start date.
        columns: Columns to look at.

    Returns:
        Aligned with ``episodes``: ``has_prev``, ``has_next``, ``prev_<column>`` and
        ``next_<column>`` (blank where the child has no such episode).
    """
    child = episodes["child_id"]
    has_prev = child.eq(child.shift(1))
    has_next = child.eq(child.shift(-1))
    found = {"has_prev": has_prev, "has_next": has_next}
    for column in columns:
        found[f"prev_{column}"] = episodes[column].shift(1).where(has_prev)
        found[f"next_{column}"] = episodes[column].shift(-1).where(has_next)
    return pd.DataFrame(found, index=episodes.index)


def _dates(values: pd.Series) -> pd.Series:
    return values.dt.strftime("%d/%m/%Y")


def year_boundary(collection_year: pd.Series, month_day: str) -> pd.Series:
    """One date of each row's collection year (``month_day`` of the year it ends in).

    Worked out once per distinct year and picked by position: a national history has millions
    of episode rows but only a few collection years.

    Args:
        collection_year: The collection year of each row.
        month_day: ``MM-DD`` (``03-31`` is the last day of the collection year).

    Returns:
        ``datetime64[ns]`` dates aligned with ``collection_year``.
    """
    years, position = np.unique(collection_year.to_numpy(dtype="int64"), return_inverse=True)
    texts = [f"{year}-{month_day}" for year in years]
    dates = pd.to_datetime(texts, format="%Y-%m-%d").to_numpy(dtype="datetime64[ns]")
    return pd.Series(dates[position.reshape(-1)], index=collection_year.index)


def _same_as_next(episodes: pd.DataFrame, neighbours: pd.DataFrame) -> pd.Series:
    same = pd.Series(True, index=episodes.index)
    for column in SAME_EPISODE_COLUMNS:
        this, nxt = episodes[column], neighbours[f"next_{column}"]
        same &= this.eq(nxt).fillna(False).astype(bool) | (this.isna() & nxt.isna())
    return same


def _open_in_older_return(episodes: pd.DataFrame) -> pd.Series:
    return episodes["dec"].isna() & episodes["collection_year"].lt(
        episodes["collection_year"].max()
    )


def _drop_superseded(episodes: pd.DataFrame, log: DataQualityLog) -> pd.DataFrame:
    """Drop open episodes of older returns that a later return re-records without them."""
    neighbours = _neighbours(episodes, ["collection_year", "decom", *SAME_EPISODE_COLUMNS])
    year = episodes["collection_year"]
    # A later return holds an earlier episode of this child, but not this one.
    after_later = neighbours["has_prev"] & neighbours["prev_collection_year"].gt(year)
    # A later return holds the same placement re-dated: the council corrected the start date.
    redated = (
        neighbours["has_next"]
        & neighbours["next_collection_year"].gt(year)
        & _same_as_next(episodes, neighbours)
    )
    superseded = _open_in_older_return(episodes) & (after_later | redated)
    message = pd.Series(
        "open in this return, but a later return re-records the child's care from an "
        "earlier date without it; dropped",
        index=episodes.index,
    )[superseded]
    re_dated = superseded & ~after_later
    message[re_dated] = (
        "open in this return, and a later return holds the same placement starting "
        + _dates(neighbours.loc[re_dated, "next_decom"])
        + "; dropped in favour of the later return"
    )
    log_rows(
        log, episodes[superseded], "episode_superseded", message, table="episodes", column="DEC"
    )
    return episodes[~superseded].reset_index(drop=True)


def _close_left_open(episodes: pd.DataFrame, log: DataQualityLog) -> pd.DataFrame:
    """Close episodes left open in an older return, from what later returns show."""
    neighbours = _neighbours(episodes, ["collection_year", "decom", "rne"])
    open_old = _open_in_older_return(episodes)
    next_decom = neighbours["next_decom"]
    day_after_year_end = year_boundary(episodes["collection_year"], "04-01")
    next_in_later_return = neighbours["has_next"] & neighbours["next_collection_year"].gt(
        episodes["collection_year"]
    )
    new_period = next_in_later_return & neighbours["next_rne"].eq("S").fillna(False).astype(bool)
    by_next = open_old & next_in_later_return & ~new_period
    before_new = open_old & new_period
    after_last = open_old & ~neighbours["has_next"]

    new_dec = (
        next_decom.where(by_next)
        .fillna(
            (next_decom - pd.Timedelta(days=1)).clip(upper=day_after_year_end).where(before_new)
        )
        .fillna(day_after_year_end.where(after_last))
    )
    # An episode cannot end before it starts, whatever the dates around it say.
    new_dec = new_dec.where(new_dec.isna() | new_dec.ge(episodes["decom"]), episodes["decom"])
    repaired = by_next | before_new | after_last
    episodes = episodes.copy()
    episodes.loc[repaired, "dec"] = new_dec[repaired]
    # The documented rule: REC is X1 when the next episode continues the care, else blank (the
    # reason is not known), even where the open row carried a REC without a DEC.
    episodes.loc[repaired, "rec"] = pd.NA
    episodes.loc[by_next & neighbours["next_rne"].isin(CONTINUATION_RNE), "rec"] = "X1"
    episodes.loc[by_next, "episode_source"] = CLOSED_BY_NEXT
    episodes.loc[before_new, "episode_source"] = CLOSED_BEFORE_NEW_PERIOD
    episodes.loc[after_last, "episode_source"] = CLOSED_AFTER_LAST_RETURN
    log_rows(
        log,
        episodes[repaired],
        "episode_repaired",
        "left open in this return; "
        + episodes.loc[repaired, "episode_source"]
        + ": DEC set to "
        + _dates(episodes.loc[repaired, "dec"]),
        table="episodes",
        column="DEC",
    )
    return episodes


def _flag_overlaps_and_gaps(episodes: pd.DataFrame, log: DataQualityLog) -> pd.DataFrame:
    """Flag episodes that start before the previous ended, or continue after a gap."""
    neighbours = _neighbours(episodes, ["dec"])
    has_prev, prev_dec = neighbours["has_prev"], neighbours["prev_dec"]
    overlap = has_prev & (prev_dec.isna() | episodes["decom"].lt(prev_dec))
    continuation = episodes["rne"].notna() & episodes["rne"].ne("S")
    gap = has_prev & continuation & prev_dec.notna() & episodes["decom"].gt(prev_dec)
    overlap = overlap.fillna(False).astype(bool)
    gap = gap.fillna(False).astype(bool)
    log_rows(
        log,
        episodes[overlap],
        "episode_overlap",
        "starts before the child's previous episode ended ("
        + _dates(prev_dec[overlap]).fillna("never: still open")
        + ")",
        table="episodes",
        column="DECOM",
    )
    log_rows(
        log,
        episodes[gap],
        "episode_gap",
        "RNE "
        + episodes.loc[gap, "rne"]
        + " continues the period of care, but the previous episode ended on "
        + _dates(prev_dec[gap]),
        table="episodes",
        column="DECOM",
    )
    return episodes.assign(has_overlap=overlap, has_gap=gap)


def merge_episodes(episodes: pd.DataFrame, log: DataQualityLog) -> pd.DataFrame:
    """Merge cleaned episode rows of every year into one longitudinal episode table.

    Args:
        episodes: Cleaned episode rows of every file, with source columns.
        log: Data-quality log.

    Returns:
        One row per child and start date, sorted by child and start, with ``episode_source``,
        ``has_overlap`` and ``has_gap``.
    """
    episodes = episodes.assign(has_dec=episodes["dec"].notna(), episode_source=AS_RETURNED)
    episodes = keep_latest(episodes, ["child_id", "decom"], "episodes", log, prefer="has_dec")
    episodes = sorted_rows(episodes.drop(columns="has_dec"), ["child_id", "decom"])
    episodes = episodes.reset_index(drop=True)
    if episodes.empty:
        return episodes.assign(has_overlap=False, has_gap=False)
    episodes = _drop_superseded(episodes, log)
    episodes = _close_left_open(episodes, log)
    return _flag_overlaps_and_gaps(episodes, log)
