"""The tables shipped with the package (``src/csc_metrics/reference/*.csv``), read one way.

Code lists, the indicator catalogue, the SSDA903 table layouts and DfE's published figures are
data, not code: each is a CSV read here as text, a blank cell as ``""``, for its module to type.
(The lookups a council supplies in ``RAW/reference`` are ``reference_data``'s.)
"""

from __future__ import annotations

from importlib.resources import files

import pandas as pd


def read_reference(name: str) -> pd.DataFrame:
    """One packaged reference table, every cell as text (a blank cell is ``""``, never NaN).

    Args:
        name: The file's name in ``src/csc_metrics/reference/`` (``"indicators.csv"``).

    Returns:
        The table.
    """
    path = files("csc_metrics") / "reference" / name
    with path.open(encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)
