"""``worker_changes_12m``: children looked after who had several social workers in 12 months.

From the SSDA903 social-worker episodes (``SWEpisodes``, collected from 2023-24): children looked
after at the reference date ``R`` with at least ``settings.worker_changes_threshold`` different
social workers (distinct ``SW_ID``) whose episodes overlap the window ``W`` (spec §0, §4).
"""

from __future__ import annotations

import pandas as pd

from csc_metrics.dates import collection_year
from csc_metrics.indicators.prepare import window_start
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.storage import ProcessedData


def sw_episodes_cover(data: ProcessedData, period_end: pd.Timestamp) -> bool:
    """Whether the social-worker episodes cover the whole window ``W`` ending on ``R``.

    The episodes cover ``W`` when a SWEpisodes file was read for every collection year that
    ``W`` touches (for ``R`` = 30 June 2024, the years ending March 2024 and March 2025).

    Args:
        data: Processed data.
        period_end: The reference date ``R``.

    Returns:
        True when every collection year overlapping ``W`` is present.
    """
    held = set(data.sw_episodes["collection_year"].astype(int).unique())
    needed = set(range(collection_year(window_start(period_end)), collection_year(period_end) + 1))
    return bool(held) and needed <= held


def children_looked_after_at(
    data: ProcessedData, period_end: pd.Timestamp, settings: Settings = DEFAULT_SETTINGS
) -> pd.Index:
    """Children with a non-short-break episode open at ``R`` (spec §0, §1).

    Args:
        data: Processed data.
        period_end: The reference date ``R``.
        settings: ``short_break_ls``.

    Returns:
        The children's (pseudonymised) ids.
    """
    episodes = data.episodes
    open_at = (
        episodes["decom"].le(period_end)
        & (episodes["dec"].isna() | episodes["dec"].gt(period_end))
        & ~episodes["ls"].isin(list(settings.short_break_ls))
    )
    return pd.Index(episodes.loc[open_at, "child_id"].unique(), name="child_id")


def social_workers_in_window(data: ProcessedData, period_end: pd.Timestamp) -> pd.Series:
    """Number of distinct social workers per child with an episode overlapping ``W``.

    An episode overlaps ``W`` when it started on or before ``R`` and had not ended before the
    start of ``W``. Episodes with no start date or no social worker id cannot be placed or
    counted and are left out.

    Args:
        data: Processed data.
        period_end: The reference date ``R``.

    Returns:
        Child id -> distinct ``SW_ID`` count.
    """
    sw = data.sw_episodes
    overlaps = (
        sw["sw_decom"].le(period_end)
        & (sw["sw_dec"].isna() | sw["sw_dec"].ge(window_start(period_end)))
        & sw["sw_id"].notna()
    )
    workers = sw.loc[overlaps].assign(sw_id=sw.loc[overlaps, "sw_id"].str.strip().str.upper())
    return workers.groupby("child_id")["sw_id"].nunique()


def worker_changes_rows(
    data: ProcessedData, period_end: pd.Timestamp, settings: Settings = DEFAULT_SETTINGS
) -> pd.DataFrame | None:
    """The ``worker_changes_12m`` metric row at ``R``, or None when SWEpisodes do not cover ``W``.

    Numerator (and value): children looked after at ``R`` with at least
    ``settings.worker_changes_threshold`` social workers in ``W``. Denominator: children looked
    after at ``R``. Unknown: those of them with no social-worker episode in ``W``.

    Args:
        data: Processed data.
        period_end: The reference date ``R``.
        settings: ``worker_changes_threshold`` and ``short_break_ls``.

    Returns:
        One metric row (without ``period_end``), or None.
    """
    if not sw_episodes_cover(data, period_end):
        return None
    looked_after = children_looked_after_at(data, period_end, settings)
    workers = social_workers_in_window(data, period_end).reindex(looked_after)
    return pd.DataFrame(
        {
            "indicator_id": ["worker_changes_12m"],
            "breakdown": ["total"],
            "group": ["all"],
            "numerator": [float(workers.ge(settings.worker_changes_threshold).sum())],
            "denominator": [float(len(looked_after))],
            "value": [float(workers.ge(settings.worker_changes_threshold).sum())],
            "unknown": [float(workers.isna().sum())],
        }
    )
