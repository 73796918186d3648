"""The indicator catalogue: every indicator's label, unit and improvement direction, and its units.

The catalogue is data so that reports, SPC, benchmarks and the command line all agree:
``reference/indicators.csv`` lists every indicator id (those of ``docs/definitions.md``) with its
label, area, unit and direction of improvement; ``reference/units.csv`` says how each unit is
written: the decimals of a figure (tables, charts, the command line, JSON) and of a sentence
(rounded as DfE publishes council figures), the symbol written after the number, the words a
sentence adds, the axis label of a chart and what a gap between two values is measured in.
``formatting.format_value`` writes every value from these.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

import pandas as pd

from csc_metrics.reference_files import read_reference

Direction = Literal["higher", "lower", "neutral"]
Unit = Literal["count", "pct", "rate", "ratio", "days"]


@dataclass(frozen=True)
class Indicator:
    """One indicator's metadata.

    Attributes:
        id: Indicator id, as in docs/definitions.md (e.g. ``placements_3plus_pct``).
        label: Plain-English label for a manager.
        area: ``placements``, ``care_leavers``, ``permanence`` or ``caseloads``.
        unit: ``count``, ``pct`` (percentage), ``rate`` (per 10,000), ``ratio`` or ``days``
            (an average or median number of days).
        direction: Which way is improvement: ``higher``, ``lower`` or ``neutral``.
        headline: Whether the indicator belongs on the overview scorecard.
        spec: Section of the project's indicator specification that defines it (§1 to §5;
            docs/definitions.md, "Conventions", says which section of that page each is).
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

    @property
    def decimals(self) -> int:
        """Decimals of the indicator's figures (its unit's)."""
        return unit_format(self.unit).decimals


@dataclass(frozen=True)
class UnitFormat:
    """How values in one unit are written (``reference/units.csv``).

    Attributes:
        unit: ``count``, ``pct``, ``rate`` or ``ratio``.
        decimals: Decimals of a figure: computed values are rounded to these, and tables,
            charts, the command line and JSON show them (``48.2%``, ``65.3``).
        text_decimals: Decimals in a sentence or on the scorecard: as DfE publishes council
            figures (whole percentages: ``48%``).
        symbol: Written straight after the number (``%``).
        words: Written after the number and a space in a sentence (``per 10,000 children``).
        axis_label: A chart's axis or colour-bar label (``cases per FTE``).
        gap_label: What a gap between two values is measured in (``percentage points``).
    """

    unit: str
    decimals: int
    text_decimals: int
    symbol: str
    words: str
    axis_label: str
    gap_label: str


@cache
def indicator_table() -> pd.DataFrame:
    """Return the catalogue as a table, one row per indicator, in report order."""
    table = read_reference("indicators.csv")
    table["headline"] = table["headline"].eq("yes")
    return table


@cache
def unit_table() -> pd.DataFrame:
    """Return how each unit is written, one row per unit (``reference/units.csv``)."""
    table = read_reference("units.csv")
    return table.astype({"decimals": int, "text_decimals": int})


@cache
def _units() -> dict[str, UnitFormat]:
    return {row.unit: UnitFormat(**row._asdict()) for row in unit_table().itertuples(index=False)}


def unit_format(unit: str) -> UnitFormat:
    """How values in a unit are written.

    Args:
        unit: ``count``, ``pct``, ``rate`` or ``ratio``.

    Returns:
        The unit's format.

    Raises:
        KeyError: If the unit is not in ``reference/units.csv`` (the message lists the units).
    """
    try:
        return _units()[unit]
    except KeyError:
        raise KeyError(f"Unknown unit {unit!r}. Known units: {', '.join(_units())}") from None


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


def _indicator_reference(name: str) -> pd.DataFrame:
    """A reference table with a row per indicator (``id``); every id must be in the catalogue.

    Raises:
        KeyError: If the table names an indicator the catalogue does not have.
    """
    table = read_reference(name)
    unknown = sorted(set(table["id"]) - set(indicator_table()["id"]))
    if unknown:
        raise KeyError(f"reference/{name} names unknown indicator(s): {unknown}")
    return table


@cache
def _rolling_months() -> dict[str, int]:
    table = _indicator_reference("indicator_windows.csv")
    return dict(zip(table["id"], table["rolling_months"].astype(int), strict=True))


def rolling_months(indicator_id: str) -> int:
    """The months of events each point of an indicator counts, when they overlap; else 0.

    ``reference/indicator_windows.csv`` lists the rolling measures: those counted over the 12
    months (or 3 years) to each reference date, so that consecutive quarterly points share most
    of their data. SPC judges them differently (docs/definitions.md, "Rolling measures").

    Args:
        indicator_id: An id from the catalogue.

    Returns:
        12 or 36 for a rolling measure, 0 for one counted at the reference date.
    """
    get_indicator(indicator_id)
    return _rolling_months().get(indicator_id, 0)


@cache
def _stock_months() -> dict[str, int]:
    table = _indicator_reference("indicator_stocks.csv")
    overlap = sorted(set(table["id"]) & set(_rolling_months()))
    if overlap:
        raise KeyError(
            "reference/indicator_stocks.csv and indicator_windows.csv both name: "
            f"{overlap}; an indicator is either counted at a date or over a window"
        )
    return dict(zip(table["id"], table["overlap_months"].astype(int), strict=True))


def stock_months(indicator_id: str) -> int:
    """How long the people counted by a stock measure mostly stay counted, in months; else 0.

    ``reference/indicator_stocks.csv`` lists the stock measures: those counted over the
    children looked after (or the social workers in post) at each reference date. Most of
    the people counted at one quarter end are still counted at the next, so consecutive
    quarterly points share most of their data, like a rolling measure's; a year apart they
    are nearly independent (docs/definitions.md, "Stock measures").

    Args:
        indicator_id: An id from the catalogue.

    Returns:
        12 for a stock measure, 0 otherwise.
    """
    get_indicator(indicator_id)
    return _stock_months().get(indicator_id, 0)


def stock_counted(indicator_id: str) -> str:
    """Who a stock measure counts at each date, in words ("the children looked after").

    Returns "" when the indicator is not a stock measure (``reference/indicator_stocks.csv``).
    """
    get_indicator(indicator_id)
    return _stock_counted().get(indicator_id, "")


@cache
def _stock_counted() -> dict[str, str]:
    table = read_reference("indicator_stocks.csv")
    return dict(zip(table["id"], table["counted"], strict=True))


def overlap_months(indicator_id: str) -> int:
    """The months over which an indicator's consecutive points share data: SPC's window.

    A rolling measure's window (``rolling_months``) or a stock measure's (``stock_months``);
    0 for an indicator whose points share no data.
    """
    return rolling_months(indicator_id) or stock_months(indicator_id)


@cache
def _bases() -> dict[str, str]:
    table = read_reference("indicator_bases.csv")
    return dict(zip(table["id"], table["base"], strict=True))


def base_of(indicator_id: str) -> str:
    """What an indicator's denominator counts: ``people`` or ``FTE``.

    ``reference/indicator_bases.csv`` lists the indicators whose denominator is full-time
    equivalent staff (the workforce shares); every other denominator counts people. A base of
    people is written ``n=212``; a base of FTE ``73.4 FTE``.

    Args:
        indicator_id: An id from the catalogue.

    Returns:
        ``people`` or ``FTE``.
    """
    get_indicator(indicator_id)
    return _bases().get(indicator_id, "people")


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
