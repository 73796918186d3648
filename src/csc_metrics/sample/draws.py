"""Vectorised random draws shared by the simulation modules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np


def choose(rng: np.random.Generator, table: Mapping, size: int) -> np.ndarray:
    """Draw ``size`` keys of ``table`` with probability proportional to its values.

    Args:
        rng: Random generator.
        table: Key -> weight.
        size: Number of draws.

    Returns:
        An array of keys (``object`` dtype for text keys).
    """
    keys = list(table)
    weights = np.asarray([table[k] for k in keys], dtype=float)
    index = rng.choice(len(keys), size=size, p=weights / weights.sum())
    values = np.empty(len(keys), dtype=object)
    values[:] = keys
    return values[index]


def choose_by_row(
    rng: np.random.Generator, tables: Sequence[Mapping], row: np.ndarray
) -> np.ndarray:
    """Draw one key per element, each from the table selected by ``row``.

    Args:
        rng: Random generator.
        tables: Candidate tables (key -> weight); keys may differ between tables.
        row: Index into ``tables`` for each draw.

    Returns:
        An ``object`` array of the drawn keys, one per element of ``row``.
    """
    keys = sorted({k for t in tables for k in t}, key=str)
    matrix = np.array([[t.get(k, 0.0) for k in keys] for t in tables], dtype=float)
    matrix /= matrix.sum(axis=1, keepdims=True)
    cumulative = np.cumsum(matrix, axis=1)
    cumulative[:, -1] = 1.0
    u = rng.random(len(row))
    index = (u[:, None] >= cumulative[np.asarray(row)]).sum(axis=1)
    values = np.empty(len(keys), dtype=object)
    values[:] = keys
    return values[np.minimum(index, len(keys) - 1)]


def uniform_int(rng: np.random.Generator, bounds: tuple[int, int], size: int) -> np.ndarray:
    """Draw integers uniformly between two bounds, both included."""
    low, high = bounds
    return rng.integers(low, high + 1, size=size).astype(np.int64)


def lognormal_days(
    rng: np.random.Generator, median: float, sigma: float, minimum: float, size: int
) -> np.ndarray:
    """Draw whole-day durations from a lognormal distribution with a floor."""
    days = np.exp(np.log(median) + sigma * rng.standard_normal(size))
    return np.maximum(np.round(days), minimum).astype(np.int64)
