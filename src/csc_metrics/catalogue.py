"""The indicator catalogue: every indicator id with its label, unit and improvement direction.

The catalogue is data (``reference/indicators.csv``) so that reports, SPC, benchmarks and the
command line all agree on one list of ids, which are those of ``spec/indicators.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Literal

import pandas as pd

Direction = Literal["higher", "lower", "neutral"]
Unit = Literal["count", "pct", "rate", "ratio", "days"]


@dataclass(frozen=True)
class Indicator:
    """One indicator's metadata.

    Attributes:
        id: Indicator id, as in the spec (e.g. ``placements_3plus_pct``).
        label: Plain-English label for a manager.
        area: ``placements``, ``care_leavers``, ``permanence`` or ``caseloads``.
        unit: ``count``, ``pct`` (percentage), ``rate`` (per 10,000), ``ratio`` or ``days``
            (an average or median number of days).
        direction: Which way is improvement: ``higher``, ``lower`` or ``neutral``.
        headline: Whether the indicator belongs on the overview scorecard.
        spec: Section of the spec (or issue) that defines it.
        description: One-sentence definition.
    """

    id: str
    label: str
    area: str
    unit: Unit
    direction: Direction
    headline: bool
    spec: str
    description: str


@cache
def indicator_table() -> pd.DataFrame:
    """Return the catalogue as a table, one row per indicator, in report order."""
    path = files("csc_metrics") / "reference" / "indicators.csv"
    with path.open(encoding="utf-8") as handle:
        table = pd.read_csv(handle, dtype=str, keep_default_na=False)
    table["headline"] = table["headline"].eq("yes")
    return table


@cache
def _by_id() -> dict[str, Indicator]:
    return {row.id: Indicator(**row._asdict()) for row in indicator_table().itertuples(index=False)}


def get_indicator(indicator_id: str) -> Indicator:
    """Look up one indicator.

    Args:
        indicator_id: An id from the catalogue.

    Returns:
        The indicator's metadata.

    Raises:
        KeyError: If the id is not in the catalogue (the message lists the known ids).
    """
    try:
        return _by_id()[indicator_id]
    except KeyError:
        raise KeyError(
            f"Unknown indicator id {indicator_id!r}. Known ids: {', '.join(_by_id())}"
        ) from None


def indicator_ids(area: str | None = None, headline_only: bool = False) -> list[str]:
    """List indicator ids in catalogue order.

    Args:
        area: Keep only this area (``placements``, ``care_leavers``, ``permanence``,
            ``caseloads``).
        headline_only: Keep only scorecard indicators.

    Returns:
        The ids.
    """
    table = indicator_table()
    if area is not None:
        table = table[table["area"] == area]
    if headline_only:
        table = table[table["headline"]]
    return table["id"].tolist()
