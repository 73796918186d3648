"""Quarterly projection of the stock by state: the expected value and its uncertainty band.

Expected value. With ``x`` the children in each state at a quarter's start, ``P`` and ``M`` the
quarterly rates and ``e`` the expected entries (``rates.QuarterlyRates``), the stock at the
quarter's end is ``x P + e M`` (in-care columns); exits are the exit columns of the same sum.

Uncertainty, from two sources, added as variances:

- The process itself (which children happen to move, leave or arrive), exactly: a child in
  state ``i`` at the origin is in a set of states ``G`` after ``k`` quarters with probability
  ``p = (P^k)[i, G]``, independently of the others, so those children add ``x0 p (1 - p)``; the
  children who enter later form a thinned Poisson process, whose count in ``G`` is Poisson, so
  they add their expected number.
- The rates, which were measured from a finite number of events: seeded simulation. Each draw
  multiplies every quarterly probability of a move or exit by ``Gamma(N, 1) / N`` (``N`` the
  number of such events seen in the window; probabilities of events never seen stay as they
  are) and every entry rate likewise, then keeps the rows valid with
  ``scenarios.normalise_rows``; the variance of the draws' expected paths is the rate part.

The band is ``expected +/- z sd`` for the central interval asked for (80% by default), never
below 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from csc_metrics.forecast.rates import QuarterlyRates, RateCounts
from csc_metrics.forecast.states import CATEGORY_IDS, LOCATIONS, STATES

#: Number of rate draws for the rate part of the band, and their seed.
RATE_DRAWS = 200
RATE_SEED = 20250331
#: Default central interval of the band.
DEFAULT_INTERVAL = 0.8
ALL = "all"


@dataclass(frozen=True)
class Groups:
    """The sets of states the output reports.

    Each state, each category, each location and the total. ``matrix[s, g]`` is 1 when state
    ``s`` belongs to group ``g``.
    """

    table: pd.DataFrame
    matrix: np.ndarray


def output_groups() -> Groups:
    """Each state, then each category (all ages and locations), each location, the total."""
    parts = STATES.parts()
    n = STATES.n_states
    rows = [parts[["category", "age_band", "location"]].assign(level="state")]
    columns = [np.eye(n)]
    for category_index, category in enumerate(CATEGORY_IDS):
        rows.append(
            pd.DataFrame(
                {"category": [category], "age_band": [ALL], "location": [ALL], "level": "category"}
            )
        )
        columns.append((parts["category_index"].to_numpy() == category_index)[:, None])
    for location_index, location in enumerate(LOCATIONS):
        rows.append(
            pd.DataFrame(
                {"category": [ALL], "age_band": [ALL], "location": [location], "level": "location"}
            )
        )
        columns.append((parts["location_index"].to_numpy() == location_index)[:, None])
    rows.append(
        pd.DataFrame({"category": [ALL], "age_band": [ALL], "location": [ALL], "level": "total"})
    )
    columns.append(np.ones((n, 1)))
    table = pd.concat(rows, ignore_index=True)[["level", "category", "age_band", "location"]]
    return Groups(table=table, matrix=np.hstack(columns).astype(float))


GROUPS = output_groups()


@dataclass
class RateDraws:
    """Multipliers for the rate part of the band (see the module docstring).

    Only the rates measured from at least one event are drawn (the others keep a multiplier of
    1), so only theirs are kept: a county's 200 draws of every move and exit probability would
    be a ``(200, 135, 141)`` array, 30 MB, mostly ones, and each such array costs a fresh
    allocation (and, from the forecast's forked child, a copy through pickle).

    Attributes:
        seen: ``(n, n + r)``: the move and exit probabilities measured from at least one event.
        seen_multipliers: ``(draws, seen.sum())`` multipliers of those probabilities, in the
            order of ``np.flatnonzero(seen)``.
        entries: ``(draws, n)`` multipliers of the entry rates.
    """

    seen: np.ndarray
    seen_multipliers: np.ndarray
    entries: np.ndarray

    @property
    def transition(self) -> np.ndarray:
        """``(draws, n, n + r)`` multipliers of every move and exit probability (1 if unseen)."""
        return self.multiply(np.ones(self.seen.shape))

    def multiply(self, rates: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Each draw's multipliers times ``rates``: ``rates * self.transition``, bit for bit.

        A rate whose multiplier is 1 is copied (``x * 1.0`` is ``x``), so only the seen ones
        are multiplied.

        Args:
            rates: ``(n, n + r)`` move and exit probabilities (or entry positions).
            out: A ``(draws, n, n + r)`` array to write into (allocated when None).

        Returns:
            ``(draws, n, n + r)``: ``out``, or a new array.
        """
        shape = (len(self.entries), *self.seen.shape)
        out = np.empty(shape) if out is None else out
        out[...] = rates
        out[:, self.seen] = rates[self.seen] * self.seen_multipliers
        return out


def draw_rate_multipliers(
    counts: RateCounts, draws: int = RATE_DRAWS, seed: int = RATE_SEED
) -> RateDraws:
    """Seeded multipliers ``Gamma(N, 1) / N`` for every rate measured from ``N`` events.

    Args:
        counts: The events counted over the reference window.
        draws: Number of draws.
        seed: Seed of the generator (the same seed always gives the same band).

    Returns:
        The multipliers.
    """
    rng = np.random.default_rng(seed)
    events = np.hstack([counts.moves, counts.exits])
    seen = events > 0
    seen_multipliers = rng.gamma(events[seen], size=(draws, int(seen.sum()))) / events[seen]
    entries = np.ones((draws, counts.entries.shape[0]))
    entered = counts.entries > 0
    entries[:, entered] = (
        rng.gamma(counts.entries[entered], size=(draws, int(entered.sum())))
        / counts.entries[entered]
    )
    return RateDraws(seen=seen, seen_multipliers=seen_multipliers, entries=entries)


@dataclass
class Projection:
    """A projection at the origin and each quarter end after it.

    Attributes:
        dates: The origin, then each quarter end.
        expected: ``(quarters + 1, groups)`` expected children in each group of ``GROUPS``.
        variance: Same shape: process plus rate variance.
        state_expected: ``(quarters + 1, n)`` expected children in each state.
        exits: ``(quarters, r)`` expected exits in each quarter by reason.
        entries: ``(quarters,)`` expected entries in each quarter.
    """

    dates: list[pd.Timestamp]
    expected: np.ndarray
    variance: np.ndarray
    state_expected: np.ndarray
    exits: np.ndarray
    entries: np.ndarray

    def frame(self, interval: float = DEFAULT_INTERVAL) -> pd.DataFrame:
        """Long table: one row per quarter end and group with expected, lower and upper.

        Args:
            interval: Central probability of the band (0.8 for 80%).

        Returns:
            Columns ``quarter_end, level, category, age_band, location, expected, sd, lower,
            upper``.
        """
        z = NormalDist().inv_cdf(0.5 + interval / 2)
        sd = np.sqrt(np.clip(self.variance, 0, None))
        n_dates, n_groups = self.expected.shape
        table = GROUPS.table.iloc[np.tile(np.arange(n_groups), n_dates)].reset_index(drop=True)
        table.insert(0, "quarter_end", np.repeat(pd.DatetimeIndex(self.dates), n_groups))
        table["expected"] = self.expected.ravel()
        table["sd"] = sd.ravel()
        table["lower"] = np.clip(self.expected - z * sd, 0, None).ravel()
        table["upper"] = (self.expected + z * sd).ravel()
        return table


def quarter_ends_after(origin: pd.Timestamp, quarters: int) -> list[pd.Timestamp]:
    """The origin and the ``quarters`` quarter ends after it."""
    return [
        pd.Timestamp(origin),
        *pd.date_range(origin + pd.Timedelta(days=1), periods=quarters, freq="QE"),
    ]


def expected_path(
    stock: np.ndarray, rates: QuarterlyRates, quarters: int
) -> tuple[np.ndarray, np.ndarray]:
    """Expected stock by state at each quarter end, and expected exits in each quarter.

    Works on one set of rates or a stack (leading axis): ``stock`` is ``(n,)``.

    Args:
        stock: Children in each state at the origin.
        rates: Quarterly rates.
        quarters: Number of quarters.

    Returns:
        ``(stock path (..., quarters + 1, n), exits (..., quarters, r))``.
    """
    arrivals = _arrivals(rates.entries, rates.entry_position)
    return _walk(stock, rates.transition, arrivals, quarters)


def _arrivals(entries: np.ndarray, entry_position: np.ndarray) -> np.ndarray:
    """Where a quarter's expected entrants are at its end, ``e M`` (``(..., n + r)``)."""
    return (entries[..., None, :] @ entry_position)[..., 0, :]


def _walk(
    stock: np.ndarray, transition: np.ndarray, arrivals: np.ndarray, quarters: int
) -> tuple[np.ndarray, np.ndarray]:
    """``expected_path`` from the arrivals of each quarter (``_arrivals``)."""
    n = stock.shape[-1]
    x = np.broadcast_to(stock, (*transition.shape[:-2], n)).astype(float)
    path, exits = [x], []
    for _ in range(quarters):
        full = (x[..., None, :] @ transition)[..., 0, :] + arrivals
        x = full[..., :n]
        path.append(x)
        exits.append(full[..., n:])
    return np.stack(path, axis=-2), np.stack(exits, axis=-2)


def drawn_paths(
    stock: np.ndarray, rates: QuarterlyRates, draws: RateDraws, quarters: int
) -> np.ndarray:
    """Each rate draw's expected stock path (the rate part of the band, module docstring).

    The same as ``expected_path`` of the drawn rates (``draws.multiply`` of each, kept valid
    by ``scenarios.normalise_rows``), worked out in one ``(draws, n, n + r)`` array: the
    drawn entry positions give the arrivals, then the same array takes the drawn transition
    probabilities. A county's array is 30 MB, and each fresh one costs its page faults.

    Args:
        stock: Children in each state at the origin, ``(n,)``.
        rates: One set of quarterly rates.
        draws: The rate multipliers.
        quarters: Number of quarters.

    Returns:
        ``(draws, quarters + 1, n)``.
    """
    from csc_metrics.forecast.scenarios import normalise_rows  # the one validity rule

    drawn = normalise_rows(draws.multiply(rates.entry_position), in_place=True)
    arrivals = _arrivals(rates.entries * draws.entries, drawn)
    drawn = normalise_rows(draws.multiply(rates.transition, out=drawn), in_place=True)
    path, _ = _walk(stock, drawn, arrivals, quarters)
    return path


def process_variance(
    stock: np.ndarray, rates: QuarterlyRates, quarters: int, groups: np.ndarray
) -> np.ndarray:
    """Variance of the number in each group from the process alone (module docstring).

    Args:
        stock: Children in each state at the origin, ``(n,)``.
        rates: One set of quarterly rates.
        quarters: Number of quarters.
        groups: ``(n, g)`` membership matrix.

    Returns:
        ``(quarters + 1, g)``; 0 at the origin.
    """
    n = rates.n_states
    stay = rates.transition[:, :n]
    arrive = rates.entries @ rates.entry_position[:, :n]
    reach = np.eye(n)
    arrived = np.zeros(n)
    variance = [np.zeros(groups.shape[1])]
    for _ in range(quarters):
        reach = reach @ stay
        arrived = arrived @ stay + arrive
        p = reach @ groups
        variance.append(stock @ (p * (1.0 - p)) + arrived @ groups)
    return np.stack(variance)


def project(
    stock: np.ndarray,
    rates: QuarterlyRates,
    origin: pd.Timestamp,
    quarters: int,
    draws: RateDraws | None = None,
) -> Projection:
    """Project the stock ``quarters`` quarters ahead, with its variance.

    Args:
        stock: Children in each state at the origin.
        rates: The quarterly rates (base or scenario).
        origin: The forecast origin (a quarter end).
        quarters: Number of quarters ahead.
        draws: Rate multipliers for the rate part of the band; None leaves it out.

    Returns:
        The projection.
    """
    matrix = GROUPS.matrix
    path, exits = expected_path(stock, rates, quarters)
    expected = path @ matrix
    variance = process_variance(stock, rates, quarters, matrix)
    if draws is not None and len(draws.entries):
        drawn_path = drawn_paths(stock, rates, draws, quarters)
        variance = variance + (drawn_path @ matrix).var(axis=0)
    return Projection(
        dates=quarter_ends_after(origin, quarters),
        expected=expected,
        variance=variance,
        state_expected=path,
        exits=exits,
        entries=np.full(quarters, rates.entries.sum()),
    )
