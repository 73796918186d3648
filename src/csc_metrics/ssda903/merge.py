"""Merging several years of SSDA903 returns into one longitudinal record.

Each year's return repeats the episodes that were open during that year, and a council may
amend earlier years. The rules, in order (each is described for managers in
``docs/definitions.md``, "Merging several years of returns"):

1. One row per record: a record repeated across years is taken from the latest return; within
   one year the row with an end date wins, then the later file and row (``keep_latest``).
2. An episode left open in an older return is replaced when a later return re-records that
   child's care without it (``episode_superseded``), or closed when a later return shows what
   happened next (``REPAIR_RULES``). An episode open in the latest return stays open.
3. Overlaps and gaps between a child's episodes are flagged, never fixed.
"""

from __future__ import annotations

import pandas as pd

from csc_metrics.quality import DataQualityLog
from csc_metrics.ssda903.issues import log_file, log_rows

AS_RETURNED = "as returned"
CLOSED_BY_NEXT = "closed by next episode"
CLOSED_BEFORE_NEW_PERIOD = "closed before new period of care"
CLOSED_AFTER_LAST_RETURN = "closed after last return"

#: ``episode_source`` value -> what the repair did.
REPAIR_RULES = {
    AS_RETURNED: "the episode is as the latest return holding it gave it",
    CLOSED_BY_NEXT: "DEC set to the start of the next episode, which a later return holds and "
    "which continues the period of care; REC X1",
    CLOSED_BEFORE_NEW_PERIOD: "DEC set to the day before the next episode, which a later return "
    "holds and which starts a new period of care (RNE S), or to the day after the older "
    "return's year end if that is earlier; REC left blank",
    CLOSED_AFTER_LAST_RETURN: "DEC set to the day after the older return's year end (1 April), "
    "because later returns do not hold the child's episode; REC left blank",
}
#: RNE codes of an episode that continues the period of care of the one before.
CONTINUATION_RNE = frozenset({"L", "P", "T", "U", "B"})
#: Columns compared to decide that a later return re-dated the same episode.
SAME_EPISODE_COLUMNS = ["rne", "ls", "place", "place_provider", "pl_post", "urn"]


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
    frame = frame.sort_values(order, kind="stable")
    complete = frame[key].notna().all(axis=1)
    in_year = complete & frame.duplicated([*key, "collection_year"], keep="last")
    kept_at = frame.groupby([*key, "collection_year"], dropna=False)[
        ["source_file", "source_row"]
    ].transform("last")
    dropped = frame[in_year]
    log_rows(
        log,
        dropped,
        "duplicate_row",
        "the same "
        + "+".join(c.upper() for c in key if c != "child_id")
        + " for this child is also in "
        + kept_at.loc[in_year, "source_file"]
        + " row "
        + kept_at.loc[in_year, "source_row"].astype("str")
        + ", which was kept",
        table=table,
    )
    frame = frame[~in_year]
    if across_years:
        complete = frame[key].notna().all(axis=1)
        older = complete & frame.duplicated(key, keep="last")
        for file, count in frame.loc[older, "source_file"].value_counts(sort=False).items():
            log_file(
                log,
                "repeated_in_later_file",
                f"{count} {table} record(s) in this file are repeated in a later return; "
                "the later return's version was kept",
                file=str(file),
                table=table,
            )
        frame = frame[~older]
    return frame.sort_index()


def _with_neighbours(episodes: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Sort by child and start, and add each episode's previous and next values of columns.

    The added columns are ``has_prev``, ``has_next``, ``prev_<column>`` and ``next_<column>``;
    callers keep their own columns with ``_without_neighbours``.
    """
    episodes = episodes.sort_values(["child_id", "decom"], kind="stable").reset_index(drop=True)
    child = episodes["child_id"]
    has_prev = child.eq(child.shift(1))
    has_next = child.eq(child.shift(-1))
    extra = {"has_prev": has_prev, "has_next": has_next}
    for column in columns:
        extra[f"prev_{column}"] = episodes[column].shift(1).where(has_prev)
        extra[f"next_{column}"] = episodes[column].shift(-1).where(has_next)
    return episodes.assign(**extra)


def _without_neighbours(episodes: pd.DataFrame) -> pd.DataFrame:
    return episodes.loc[:, : episodes.columns[episodes.columns.get_loc("has_prev") - 1]]


def _same_as_next(episodes: pd.DataFrame) -> pd.Series:
    same = pd.Series(True, index=episodes.index)
    for column in SAME_EPISODE_COLUMNS:
        this, nxt = episodes[column], episodes[f"next_{column}"]
        same &= this.eq(nxt).fillna(False).astype(bool) | (this.isna() & nxt.isna())
    return same


def _drop_superseded(episodes: pd.DataFrame, log: DataQualityLog) -> pd.DataFrame:
    """Drop open episodes of older returns that a later return re-records without them."""
    neighbours = ["collection_year", "decom", *SAME_EPISODE_COLUMNS]
    episodes = _with_neighbours(episodes, neighbours)
    latest = episodes["collection_year"].max()
    open_old = episodes["dec"].isna() & episodes["collection_year"].lt(latest)
    # A later return holds an earlier episode of this child, but not this one.
    after_later = episodes["has_prev"] & episodes["prev_collection_year"].gt(
        episodes["collection_year"]
    )
    # A later return holds the same placement re-dated: the council corrected the start date.
    redated = (
        episodes["has_next"]
        & episodes["next_collection_year"].gt(episodes["collection_year"])
        & _same_as_next(episodes)
    )
    superseded = open_old & (after_later | redated)
    message = pd.Series(
        "open in this return, but a later return re-records the child's care without it "
        "(its earlier episodes); dropped",
        index=episodes.index,
    ).where(
        after_later,
        "open in this return, and a later return holds the same placement starting "
        + episodes["next_decom"].dt.strftime("%d/%m/%Y").fillna("")
        + "; dropped in favour of the later return",
    )
    log_rows(
        log,
        episodes[superseded],
        "episode_superseded",
        message[superseded],
        table="episodes",
        column="DEC",
    )
    return _without_neighbours(episodes[~superseded])


def _close_left_open(episodes: pd.DataFrame, log: DataQualityLog) -> pd.DataFrame:
    """Close episodes left open in an older return, from what later returns show."""
    episodes = _with_neighbours(episodes, ["collection_year", "decom", "rne"])
    latest = episodes["collection_year"].max()
    open_old = episodes["dec"].isna() & episodes["collection_year"].lt(latest)
    day_after_year_end = pd.to_datetime(
        episodes["collection_year"].astype("str") + "-04-01", format="%Y-%m-%d"
    ).astype("datetime64[ns]")
    next_in_later_return = episodes["has_next"] & episodes["next_collection_year"].gt(
        episodes["collection_year"]
    )
    new_period = next_in_later_return & episodes["next_rne"].eq("S").fillna(False).astype(bool)
    by_next = open_old & next_in_later_return & ~new_period
    before_new = open_old & new_period
    after_last = open_old & ~episodes["has_next"]

    day_before_next = episodes["next_decom"] - pd.Timedelta(days=1)
    new_dec = (
        episodes["next_decom"]
        .where(by_next)
        .fillna(day_before_next.clip(upper=day_after_year_end).where(before_new))
        .fillna(day_after_year_end.where(after_last))
    )
    new_dec = new_dec.where(new_dec.isna() | new_dec.ge(episodes["decom"]), episodes["decom"])
    continues = episodes["next_rne"].isin(CONTINUATION_RNE)
    repaired = by_next | before_new | after_last
    episodes.loc[repaired, "dec"] = new_dec[repaired]
    episodes.loc[by_next & continues, "rec"] = "X1"
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
        + episodes.loc[repaired, "dec"].dt.strftime("%d/%m/%Y"),
        table="episodes",
        column="DEC",
    )
    return _without_neighbours(episodes)


def _flag_overlaps_and_gaps(episodes: pd.DataFrame, log: DataQualityLog) -> pd.DataFrame:
    """Flag episodes that start before the previous ended, or continue after a gap."""
    episodes = _with_neighbours(episodes, ["dec"])
    prev_dec = episodes["prev_dec"]
    overlap = episodes["has_prev"] & (prev_dec.isna() | episodes["decom"].lt(prev_dec))
    continuation = episodes["rne"].notna() & episodes["rne"].ne("S")
    gap = episodes["has_prev"] & continuation & prev_dec.notna() & episodes["decom"].gt(prev_dec)
    overlap = overlap.fillna(False).astype(bool)
    gap = gap.fillna(False).astype(bool)
    previous_end = prev_dec.dt.strftime("%d/%m/%Y").fillna("never (still open)")
    log_rows(
        log,
        episodes[overlap],
        "episode_overlap",
        "starts before the child's previous episode ended (" + previous_end[overlap] + ")",
        table="episodes",
        column="DECOM",
    )
    log_rows(
        log,
        episodes[gap],
        "episode_gap",
        "RNE " + episodes.loc[gap, "rne"] + " continues the period of care, but the previous "
        "episode ended on " + previous_end[gap],
        table="episodes",
        column="DECOM",
    )
    return _without_neighbours(episodes).assign(has_overlap=overlap, has_gap=gap)


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
    episodes = episodes.drop(columns="has_dec")
    if episodes.empty:
        return episodes.assign(has_overlap=False, has_gap=False)
    episodes = _drop_superseded(episodes, log)
    episodes = _close_left_open(episodes, log)
    return _flag_overlaps_and_gaps(episodes, log)
