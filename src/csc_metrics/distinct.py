"""Work on each distinct value once and spread the result back over every row.

Returns and snapshots repeat the same few thousand codes, dates and identifiers across millions
of rows; cleaning the distinct values only keeps text work proportional to the variety of the
data, not its size.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np
import pandas as pd

Result = TypeVar("Result", pd.Series, pd.DataFrame)


def on_distinct(
    values: pd.Series, transform: Callable[[pd.Series], Result], dtype: str = "object"
) -> Result:
    """Apply ``transform`` to the distinct values of ``values`` and align the result with its rows.

    Args:
        values: Any column (blanks allowed).
        transform: Receives the distinct values followed by one blank (None), as a Series of
            ``dtype``, and returns a Series or frame with one row per value it received, in order.
        dtype: Type of the Series the transform receives (``"str"`` for pandas text).

    Returns:
        The transform's result, one row per row of ``values``, with ``values``' index. Blank
        rows get the result the transform gave for the blank.
    """
    codes: np.ndarray
    uniques: pd.Index
    codes, uniques = pd.factorize(values)
    distinct = pd.Series([*uniques.tolist(), None], dtype=dtype)
    result = transform(distinct).reset_index(drop=True)
    spread = result.iloc[np.where(codes < 0, len(uniques), codes)]
    spread.index = values.index
    return spread
