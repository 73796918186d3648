"""Entry, transition and exit rates measured over a reference window, and their quarterly form.

Rates are estimated the way a demographer estimates them: events divided by the time at risk.
Over the reference window (from ``start`` to the forecast origin ``end``):

- ``exposure[s]``: child-days spent in state ``s`` (a child counts on each day it is in the
  state, from the window's first day to the day before the origin);
- ``moves[s, t]``: changes from state ``s`` to state ``t`` on a day in the window after its first
  (ageing included); ``exits[s, r]`` likewise for leaving care for reason ``r``;
- ``entries[t]``: periods of care starting in state ``t`` on a day in the window after its first.

The daily hazard of a move or exit is its count over the exposure (``moves / exposure``); the
daily entry rate is ``entries / window days``. By default recent years count more: each day of
exposure and each event is weighted ``2 ** -(days before the origin / half-life)`` (half-life
1 year; ``fit_model(half_life_years=0)`` weighs all alike), and the window's days are weighted
the same way for the entry rate. Averaging a drifting placement mix over three years lags the
stock itself, and the forecast then pulls the mix back towards where it was; the weights keep
the rates close to the present (evidence in ``docs/forecast.md``).

A state with no exposure in the window but with children in it at the origin borrows the exit
hazards of all children looked after, so that nobody is stuck in care for ever.

For the projection the hazards become quarterly probabilities through the matrix exponential of
the generator (a continuous-time Markov chain): ``P = expm(Q * quarter)``. ``P[s, t]`` is the
probability that a child in ``s`` at the start of a quarter is in ``t`` at its end, with several
moves in one quarter allowed for; rows add to 1 over the in-care states and the exit reasons.
Children who enter during a quarter are in care for part of it: their position at the quarter
end is ``M = (I + 4 expm(Q * quarter / 2) + P) / 6``, the average of ``expm(Q u)`` over the
quarter by Simpson's rule (the error is below one part in ten thousand at these rates).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from csc_metrics.forecast.states import STATES
from csc_metrics.forecast.timeline import Timeline, day_of

#: Days in the model's quarter: a quarter of the mean calendar year.
QUARTER_DAYS = 365.25 / 4


@dataclass
class RateCounts:
    """What was counted over the reference window, and the window itself.

    Attributes:
        start: First day of the window.
        end: The forecast origin: the last day of the window, when the stock is taken.
        exposure: Child-days in each state, shape ``(n_states,)``.
        moves: Changes of state, shape ``(n_states, n_states)``.
        exits: Exits by reason, shape ``(n_states, n_exits)``.
        entries: Entries into each state, shape ``(n_states,)``.
        stock: Children in each state at the origin, shape ``(n_states,)``.
        window_exposure: Days in the window (weighted like the exposure, with a half-life).
    """

    start: pd.Timestamp
    end: pd.Timestamp
    exposure: np.ndarray
    moves: np.ndarray
    exits: np.ndarray
    entries: np.ndarray
    stock: np.ndarray
    window_exposure: float = 0.0

    @property
    def window_days(self) -> int:
        """Days in the window (origin minus first day)."""
        return int((self.end - self.start).days)


def _weighted_days(low: np.ndarray, high: np.ndarray, last_day: int, half_life: float | None):
    """Days from ``low`` to ``high`` (0 if negative), weighted.

    Each day counts ``2 ** -(age / half_life)`` where ``age`` is its days before the origin
    (every day counts 1 without a half-life).
    """
    length = np.clip(high - low, 0, None).astype(float)
    if not half_life:
        return length
    rate = np.log(2.0) / half_life
    high = np.maximum(high, low)
    return (np.exp(-rate * (last_day - high)) - np.exp(-rate * (last_day - low))) / rate


def _event_weight(days: np.ndarray, last_day: int, half_life: float | None) -> np.ndarray:
    if not half_life:
        return np.ones(len(days))
    # Only events on or before the origin are counted; later ones get weight 1, unused.
    return np.exp(-np.log(2.0) / half_life * np.maximum(last_day - days, 0))


def count_events(
    timeline: Timeline,
    start: pd.Timestamp,
    end: pd.Timestamp,
    half_life_days: float | None = None,
) -> RateCounts:
    """Count exposure, moves, exits and entries over a window (see the module docstring).

    Args:
        timeline: The children's stays.
        start: First day of the reference window.
        end: The forecast origin (last day of the window).
        half_life_days: With a half-life, a day's exposure and an event count for
            ``2 ** -(days before the origin / half-life)``: recent years weigh more. None
            counts every day and event once.

    Returns:
        The counts (weighted, with a half-life), and the stock at ``end``.
    """
    n, n_exits = STATES.n_states, STATES.n_exits
    stays = timeline.stays
    first_day, last_day = day_of(start), day_of(end)
    begin = stays["start"].to_numpy()
    finish = stays["end"].to_numpy()
    state = stays["state"].to_numpy()
    exposure_days = _weighted_days(
        np.maximum(begin, first_day), np.minimum(finish, last_day), last_day, half_life_days
    )
    exposure = np.bincount(state, weights=exposure_days, minlength=n)
    weight = _event_weight(finish, last_day, half_life_days)

    # An event on day e (the child's first day in the new state) counts when first < e <= end.
    ends_inside = (finish > first_day) & (finish <= last_day)
    period = stays["period"].to_numpy()
    continues = np.r_[period[1:] == period[:-1], False]
    move = ends_inside & continues
    following = np.r_[state[1:], 0]
    moves = np.zeros((n, n))
    np.add.at(moves, (state[move], following[move]), weight[move])
    reason = stays["exit"].to_numpy()
    leave = ends_inside & (reason >= 0)
    exits = np.zeros((n, n_exits))
    np.add.at(exits, (state[leave], reason[leave]), weight[leave])
    enter = stays["first"].to_numpy().astype(bool) & (begin > first_day) & (begin <= last_day)
    entry_weight = _event_weight(begin, last_day, half_life_days)
    entries = np.bincount(state[enter], weights=entry_weight[enter], minlength=n)
    window = float(
        _weighted_days(np.array([first_day]), np.array([last_day]), last_day, half_life_days)[0]
    )
    stock = np.bincount(state[(begin <= last_day) & (finish > last_day)], minlength=n).astype(float)
    return RateCounts(
        start=pd.Timestamp(start),
        end=pd.Timestamp(end),
        exposure=exposure,
        moves=moves,
        exits=exits,
        entries=entries,
        stock=stock,
        window_exposure=window,
    )


@dataclass
class Hazards:
    """Daily rates.

    ``moves[s, t]`` and ``exits[s, r]`` per child-day in ``s``; ``entries[t]`` per day.
    ``borrowed`` marks states that took the pooled exit hazards.
    """

    moves: np.ndarray
    exits: np.ndarray
    entries: np.ndarray
    borrowed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))


def hazards(counts: RateCounts) -> Hazards:
    """Daily hazards from the counts (events / exposure; entries / window days).

    Args:
        counts: Output of ``count_events``.

    Returns:
        The hazards.
    """
    exposure = counts.exposure
    at_risk = exposure > 0
    safe = np.where(at_risk, exposure, 1.0)
    moves = np.where(at_risk[:, None], counts.moves / safe[:, None], 0.0)
    exits = np.where(at_risk[:, None], counts.exits / safe[:, None], 0.0)
    borrowed = ~at_risk & (counts.stock > 0)
    if borrowed.any() and exposure.sum() > 0:
        exits[borrowed] = counts.exits.sum(axis=0) / exposure.sum()
    np.fill_diagonal(moves, 0.0)
    entries = counts.entries / max(counts.window_exposure, 1.0)
    return Hazards(moves=moves, exits=exits, entries=entries, borrowed=borrowed)


def generator(moves: np.ndarray, exits: np.ndarray) -> np.ndarray:
    """The generator matrix over in-care states then exit reasons (exits absorb).

    Args:
        moves: Daily move hazards, ``(..., n, n)`` (diagonal ignored).
        exits: Daily exit hazards, ``(..., n, r)``.

    Returns:
        ``Q`` of shape ``(..., n + r, n + r)``: off-diagonal hazards, rows of in-care states
        adding to 0, exit rows all 0.
    """
    n, r = moves.shape[-1], exits.shape[-1]
    q = np.zeros((*moves.shape[:-2], n + r, n + r))
    q[..., :n, :n] = moves
    idx = np.arange(n)
    q[..., idx, idx] = 0.0
    q[..., :n, n:] = exits
    q[..., idx, idx] = -q[..., :n, :].sum(axis=-1)
    return q


def expm_halves(q: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
    """``expm(q t / 2)`` and ``expm(q t)`` by scaling and squaring with a Taylor series.

    The matrix is scaled by ``2**-k`` until its norm is below 1/2, its exponential is summed to
    14 terms (truncation error below 1e-13 there), and the result is squared ``k`` times; the
    square before last is the half step. Works on a stack of matrices at once. numpy has no
    matrix exponential, and this one is exact to rounding for generators, whose exponentials
    are stochastic matrices.

    Args:
        q: Matrices, ``(..., m, m)``.
        t: Time step.

    Returns:
        ``(expm(q t / 2), expm(q t))``.
    """
    a = q * t
    norm = float(np.abs(a).sum(axis=-1).max()) if a.size else 0.0
    squarings = max(1, int(np.ceil(np.log2(max(norm, 1e-300) / 0.5))) + 1)
    a = a / 2.0**squarings
    identity = np.broadcast_to(np.eye(a.shape[-1]), a.shape)
    result = identity.copy()
    term = identity.copy()
    for k in range(1, 15):
        term = term @ a / k
        result = result + term
    half = result
    for _ in range(squarings):
        half, result = result, result @ result
    return half, result


@dataclass
class QuarterlyRates:
    """The model's rates per quarter: what the projection uses and scenarios change.

    Attributes:
        transition: ``(..., n, n + r)``: a child in state ``s`` at the start of a quarter is in
            state ``t`` (or has left for reason ``r``) at its end with probability
            ``transition[s, t]``; rows add to 1.
        entry_position: ``(..., n, n + r)``: where a child who entered state ``s`` during the
            quarter is at its end (``M`` in the module docstring); rows add to 1.
        entries: ``(..., n)``: expected entries into each state per quarter.
    """

    transition: np.ndarray
    entry_position: np.ndarray
    entries: np.ndarray

    @property
    def n_states(self) -> int:
        """Number of in-care states."""
        return self.entries.shape[-1]


def quarterly(
    moves: np.ndarray, exits: np.ndarray, entries: np.ndarray, days: float = QUARTER_DAYS
) -> QuarterlyRates:
    """Turn daily hazards (one set, or a stack) into quarterly rates.

    Args:
        moves: Daily move hazards ``(..., n, n)``.
        exits: Daily exit hazards ``(..., n, r)``.
        entries: Daily entry rates ``(..., n)``.
        days: Length of the step in days.

    Returns:
        The quarterly rates.
    """
    n = moves.shape[-1]
    half, full = expm_halves(generator(moves, exits), days)
    transition = _clean_rows(full[..., :n, :])
    identity = np.zeros_like(transition)
    identity[..., np.arange(n), np.arange(n)] = 1.0
    position = _clean_rows((identity + 4.0 * half[..., :n, :] + full[..., :n, :]) / 6.0)
    return QuarterlyRates(transition=transition, entry_position=position, entries=entries * days)


def _clean_rows(matrix: np.ndarray) -> np.ndarray:
    """Remove rounding noise: no negative probabilities, rows adding to exactly 1."""
    matrix = np.clip(matrix, 0.0, None)
    return matrix / matrix.sum(axis=-1, keepdims=True)
