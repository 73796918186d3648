"""Each child's days in care as a sequence of model states, built once from the episodes.

An episode's state is its age band, placement category and location. The rules, all vectorised
over every child at once:

- Short breaks are left out (spec §0), as in every looked-after indicator.
- A temporary placement (PLACE T0-T4) keeps the state of the placement before it in the same
  period of care, and the return after it is that placement again, so neither is a move (the
  spec's 3+ placements rule). A temporary placement at the very start of a period of care is
  "other" until the first settled placement.
- Consecutive episodes in the same category and location are one stay: a move to another
  placement in the same category, a same-carer change (RNE T, U) or a legal-status change
  (RNE L) is not a transition.
- A child moves to the next age band on the birthday that starts it (29 February birthdays fall
  on 1 March in other years, spec §0): ageing is a transition like any other.
- A period of care starts at RNE S, at a child's first episode, or after a gap (spec §2); its
  first day is an entry, and the day its last episode ceased is an exit for the reason given
  by that episode's REC. Episodes that overlap are cut at the start of the next one.
- A stay that begins and ends on the same day is dropped: the child was in it on no day end.

Children without a date of birth cannot be given an age band and are left out; their number is
reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from csc_metrics.forecast.states import (
    AGE_BANDS,
    CATEGORY_IDS,
    EXIT_REASON_IDS,
    EXTERNAL_PROVIDER_GROUPS,
    GROUP_TO_CATEGORY,
    LOCATIONS,
    REC_TO_EXIT,
    STATES,
)

#: Day number used for "still open": far beyond any date the model looks at.
OPEN_END = np.int64(10**7)
_EPOCH = np.datetime64("1970-01-01", "D")
_OTHER = CATEGORY_IDS.index("other")
_UNKNOWN_LOCATION = LOCATIONS.index("unknown")
_NO_EXIT = -1

TIMELINE_COLUMNS = ["child", "period", "start", "end", "state", "first", "exit"]


def day_of(date: pd.Timestamp) -> int:
    """Days since 1970-01-01 of one date."""
    return int((date.normalize().to_datetime64().astype("datetime64[D]") - _EPOCH).astype(np.int64))


def to_day(dates: pd.Series) -> np.ndarray:
    """Days since 1970-01-01 of dates (``OPEN_END`` for a missing date)."""
    values = pd.to_datetime(dates).to_numpy(dtype="datetime64[D]")
    days = (values - _EPOCH).astype(np.int64)
    return np.where(np.isnat(values), OPEN_END, days)


def from_day(days: int) -> pd.Timestamp:
    """The date of a day number."""
    return pd.Timestamp(_EPOCH + np.timedelta64(int(days), "D"))


@dataclass
class Timeline:
    """Stays in model states.

    Attributes:
        stays: One row per stay (``TIMELINE_COLUMNS``): ``child`` (integer code), ``period``
            (period of care, numbered over all children), ``start`` and ``end`` (day numbers,
            the child is in the state from ``start`` to the day before ``end``; ``end`` is
            ``OPEN_END`` while open), ``state``, ``first`` (the stay that starts a period of
            care: an entry) and ``exit`` (index of the exit reason when the stay ends the period,
            else -1).
        children_without_dob: Children left out because their date of birth is not recorded.
    """

    stays: pd.DataFrame
    children_without_dob: int = 0

    def stock_at(self, when: pd.Timestamp) -> np.ndarray:
        """Children in each state on a day (in state when ``start <= day < end``)."""
        day = day_of(pd.Timestamp(when))
        stays = self.stays
        open_on = (stays["start"].to_numpy() <= day) & (stays["end"].to_numpy() > day)
        return np.bincount(stays["state"].to_numpy()[open_on], minlength=STATES.n_states).astype(
            float
        )

    def stock_series(self, dates: list[pd.Timestamp]) -> pd.DataFrame:
        """Children in each state at each date: one row per date, one column per state."""
        return pd.DataFrame(
            [self.stock_at(when) for when in dates], index=pd.DatetimeIndex(dates, name="date")
        )


def episode_states(episodes: pd.DataFrame, la_code: str) -> pd.DataFrame:
    """Category and location index of each prepared episode (temporary ones inherit).

    Args:
        episodes: Output of ``indicators.prepare.prepare_episodes`` (sorted by child, start).
        la_code: The responsible council.

    Returns:
        A frame aligned with ``episodes`` with integer columns ``category`` and ``location``.
    """
    group = episodes["placement_group"].astype("str").map(GROUP_TO_CATEGORY).fillna("other")
    external = group.eq("inhouse_residential") & episodes["provider_group"].astype("str").isin(
        EXTERNAL_PROVIDER_GROUPS
    )
    group = group.mask(external, "external_residential")
    category = pd.Series(
        pd.Categorical(group, categories=list(CATEGORY_IDS)).codes, index=episodes.index
    ).astype(float)
    placement_la = episodes["placement_la"]
    location = pd.Series(
        np.select(
            [placement_la.eq(la_code).fillna(False).to_numpy(), placement_la.notna().to_numpy()],
            [LOCATIONS.index("inside"), LOCATIONS.index("outside")],
            default=_UNKNOWN_LOCATION,
        ),
        index=episodes.index,
    ).astype(float)
    # A temporary placement keeps the state of the settled placement before it, in its period.
    temporary = episodes["is_temporary"].to_numpy(dtype=bool)
    period = episodes["child"].astype(str) + "|" + episodes["period_start"].astype(str)
    category = category.mask(temporary).groupby(period).ffill().fillna(_OTHER)
    location = location.mask(temporary).groupby(period).ffill().fillna(_UNKNOWN_LOCATION)
    return pd.DataFrame(
        {"category": category.astype(np.int64), "location": location.astype(np.int64)}
    )


def build_timeline(episodes: pd.DataFrame, la_code: str) -> Timeline:
    """Turn prepared episodes into stays in model states (rules in the module docstring).

    Args:
        episodes: Output of ``indicators.prepare.prepare_episodes``.
        la_code: The responsible council (decides inside or outside its area).

    Returns:
        The timeline.
    """
    known = episodes["dob"].notna().to_numpy()
    without_dob = int(episodes.loc[~known, "child"].nunique())
    episodes = episodes.loc[known].reset_index(drop=True)
    if episodes.empty:
        return Timeline(pd.DataFrame({c: pd.Series(dtype=np.int64) for c in TIMELINE_COLUMNS}))
    states = episode_states(episodes, la_code)
    child = episodes["child"].to_numpy(dtype=np.int64)
    start = to_day(episodes["decom"])
    end = to_day(episodes["dec"])
    same_child_next = np.r_[child[1:] == child[:-1], False]
    next_start = np.r_[start[1:], OPEN_END]
    # Overlapping episodes: the earlier one ends when the next begins.
    end = np.where(same_child_next & (next_start < end), next_start, end)
    period_key = episodes["period_start"].to_numpy(dtype="datetime64[D]")
    new_period = np.r_[True, (child[1:] != child[:-1]) | (period_key[1:] != period_key[:-1])]
    period = np.cumsum(new_period) - 1
    last_of_period = np.r_[new_period[1:], True]
    rec = episodes["rec"].map(REC_TO_EXIT).fillna("other")
    exit_reason = pd.Categorical(rec, categories=list(EXIT_REASON_IDS)).codes.astype(np.int64)
    exit_reason = np.where(last_of_period & (end < OPEN_END), exit_reason, _NO_EXIT)

    # Stays: runs of episodes in one period with the same category and location.
    category = states["category"].to_numpy()
    location = states["location"].to_numpy()
    changes = (
        new_period | np.r_[True, (category[1:] != category[:-1]) | (location[1:] != location[:-1])]
    )
    last_of_stay = np.r_[changes[1:], True]
    first_rows = np.flatnonzero(changes)
    last_rows = np.flatnonzero(last_of_stay)
    stays = pd.DataFrame(
        {
            "child": child[first_rows],
            "period": period[first_rows],
            "start": start[first_rows],
            "end": end[last_rows],
            "category": category[first_rows],
            "location": location[first_rows],
            "exit": exit_reason[last_rows],
        }
    )
    dob = episodes["dob"].to_numpy()[first_rows]
    pieces = _split_by_age(stays, pd.Series(dob))
    return Timeline(_finish(pieces), children_without_dob=without_dob)


def birthday_days(dob: pd.Series, age: int) -> np.ndarray:
    """Day number of each child's birthday at ``age`` (29 February -> 1 March when not leap)."""
    year = dob.dt.year + age
    birthday = pd.to_datetime(
        pd.DataFrame({"year": year, "month": dob.dt.month, "day": dob.dt.day}), errors="coerce"
    )
    leap_day = birthday.isna() & dob.notna()
    birthday = birthday.mask(
        leap_day, pd.to_datetime(pd.DataFrame({"year": year, "month": 3, "day": 1}))
    )
    return to_day(birthday)


def _split_by_age(stays: pd.DataFrame, dob: pd.Series) -> pd.DataFrame:
    """Cut each stay at the birthdays that start an age band; each piece gets its band."""
    n = len(stays)
    bounds = np.empty((n, len(AGE_BANDS) + 1), dtype=np.int64)
    bounds[:, 0] = -OPEN_END
    for column, (_, lowest) in enumerate(AGE_BANDS[1:], start=1):
        bounds[:, column] = birthday_days(dob, lowest)
    bounds[:, -1] = OPEN_END + 1
    start = stays["start"].to_numpy()[:, None]
    end = stays["end"].to_numpy()[:, None]
    low = np.maximum(start, bounds[:, :-1])
    high = np.minimum(end, bounds[:, 1:])
    keep = low < high
    row, band = np.nonzero(keep)
    pieces = stays.iloc[row].reset_index(drop=True)
    pieces["start"] = low[keep]
    pieces["end"] = high[keep]
    pieces["age"] = band
    # Only the last piece of a stay carries its exit.
    last_piece = np.r_[row[1:] != row[:-1], True]
    pieces["exit"] = np.where(last_piece, pieces["exit"].to_numpy(), _NO_EXIT)
    return pieces


def _finish(pieces: pd.DataFrame) -> pd.DataFrame:
    """Drop same-day stays, mark the first stay of each period, add the state index."""
    # A period's exit belongs to its last remaining stay (a dropped same-day stay may have held it).
    period_exit = pieces.groupby("period")["exit"].transform("max")
    kept = (pieces["start"] < pieces["end"]).to_numpy()
    pieces = pieces.loc[kept].reset_index(drop=True)
    period = pieces["period"].to_numpy()
    pieces["first"] = np.r_[True, period[1:] != period[:-1]]
    last = np.r_[period[1:] != period[:-1], True]
    pieces["exit"] = np.where(last, period_exit.to_numpy()[kept], _NO_EXIT)
    pieces["state"] = STATES.index(
        pieces["age"].to_numpy(), pieces["category"].to_numpy(), pieces["location"].to_numpy()
    )
    return pieces[TIMELINE_COLUMNS].astype(np.int64)
