"""The packaged DfE benchmark tables, normalised once per process for every lookup.

The DfE figures ship as package data under ``reference/`` (rebuilt from the published files by
``scripts/build_benchmarks.py``): ``benchmarks.csv`` (one row per indicator, year and area),
``benchmark_sources.csv``, ``councils.csv`` and ``statistical_neighbours.csv``. Ranks: 1 is
best in the catalogue's direction (the highest value when higher is better, the lowest when
lower is better; for neutral indicators, such as the rate of children looked after, rank 1 is
simply the highest value). Ties share the best rank they span (1, 2, 2, 4). Quartile 1 is the
best quarter of councils (for neutral indicators, the highest quarter).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

import numpy as np
import pandas as pd

from csc_metrics import catalogue
from csc_metrics.reference_files import read_reference

ENGLAND_CODE = "E92000001"
ENGLAND_NAME = "England"
#: The coverage of a source published for every council; only those are ranked.
COVERAGE_ALL = "England, regions and every council"

#: Measures the DfE publishes for every council that differ from any indicator of ours, so they
#: carry their own ids rather than borrowing one. ``related`` is the indicator they stand in for.
BENCHMARK_ONLY_MEASURES = pd.DataFrame(
    [
        (
            "new_placements_over_20_miles_pct",
            "New placements in the year more than 20 miles from home",
            "placements",
            "pct",
            "lower",
            "placed_over_20_miles_pct",
            "Placements that started during the year more than 20 miles from home, as a % of all "
            "new placements in the year (including those with distance not known). A different "
            "measure from children looked after at 31 March placed over 20 miles away.",
        ),
        (
            "new_placements_outside_la_pct",
            "New placements in the year outside the council's area",
            "placements",
            "pct",
            "lower",
            "placed_outside_la_pct",
            "Placements that started during the year outside the council's boundary, as a % of all "
            "new placements in the year. A different measure from children looked after at 31 "
            "March placed outside the council's area.",
        ),
    ],
    columns=["id", "label", "area", "unit", "direction", "related", "description"],
)

#: Where the published measure is worked out differently from ours, said wherever it is shown.
DEFINITION_NOTES = {
    "cla_rate_per_10k": "DfE divides by the ONS mid-year estimate of children aged 0-17 "
    "(the June before the 31 March).",
    "placed_over_20_miles_pct": "DfE's percentage is of all children looked after at 31 March, "
    "including those whose distance is not known; ours leaves those out.",
    "placed_outside_la_pct": "DfE's percentage is of all children looked after at 31 March.",
    "care_leavers_17_18_suitable_accommodation_pct": "DfE's denominator is its 'suitability "
    "total' for the age band.",
    "care_leavers_19_21_suitable_accommodation_pct": "DfE's denominator is its 'suitability "
    "total' for the age band.",
    "caseload_per_fte": "DfE: cases held by case-holding social workers / their FTE, at 30 "
    "September.",
    "agency_workers_pct": "DfE: agency FTE / (agency FTE + employed FTE), at 30 September.",
    "social_worker_turnover_pct": "DfE: leavers (FTE) in the year to 30 September / social "
    "workers in post (FTE) at 30 September.",
    "vacancy_rate_pct": "DfE: vacancies (FTE) / (vacancies + employed FTE), at 30 September.",
    "new_placements_over_20_miles_pct": "Derived from DfE's counts: placements inside and outside "
    "the boundary more than 20 miles from home / all new placements.",
    "new_placements_outside_la_pct": "Derived from DfE's counts: placements outside the boundary "
    "(within and beyond 20 miles) / all new placements.",
    "left_care_home_pct": "Derived from DfE's counts: returned home as part of care planning "
    "and not as part of it / all children who ceased; withheld if either part is.",
    "left_care_other_pct": "Derived from DfE's counts: every reason not in the other five "
    "routes / all children who ceased; withheld if any part is, as it is for most councils.",
    **dict.fromkeys(
        [
            "adoption_entry_to_decision_days",
            "adoption_decision_to_match_days",
            "adoption_match_to_placed_days",
            "adoption_placed_to_adopted_days",
            "adoption_entry_to_adopted_days",
        ],
        "England's average for children adopted in the year ending 31 March, published in "
        "years and months and converted to days (365.25 / 12 days a month), so within about "
        "15 days.",
    ),
    "adoption_a1_days": "DfE's stage 4, entry into care to placed for adoption: England's "
    "average for children adopted in the year ending 31 March, published in years and months "
    "and converted to days (365.25 / 12 days a month), so within about 15 days.",
}
VALUE_COLUMNS = ["value", "symbol", "numerator", "denominator", "source_id"]


class RowsByCode:
    """An area's (or council's) rows of a table, picked out when first asked for.

    As ``{code: shape(rows) for code, rows in table.groupby(column)}``, but each code's rows
    are taken and shaped only when ``get`` first asks for them: a run's reports ask for one
    council, its neighbours, its region and England, not for the 150-odd councils whose
    frames building the whole dictionary made (about 0.6 s of CPU in every run's kernel
    server, before it could prepare the report data).

    Args:
        table: The rows.
        column: The column holding each row's code.
        shape: Makes a code's rows into what ``get`` answers.
    """

    def __init__(
        self, table: pd.DataFrame, column: str, shape: Callable[[pd.DataFrame], pd.DataFrame]
    ) -> None:
        self._table = table
        self._shape = shape
        self._positions = table.groupby(column).indices
        self._made: dict[Any, pd.DataFrame] = {}

    def get(self, code: Any, default: Any = None) -> Any:
        """The code's rows, or ``default`` when it has none."""
        made = self._made.get(code)
        if made is None:
            positions = self._positions.get(code)
            if positions is None:
                return default
            made = self._made[code] = self._shape(self._table.take(positions))
        return made

    def __contains__(self, code: object) -> bool:
        return code in self._positions

    def __len__(self) -> int:
        return len(self._positions)


@dataclass(frozen=True)
class BenchmarkData:
    """The packaged benchmark tables, normalised for lookups.

    Attributes:
        values: One row per indicator, year and area: ``indicator_id``, ``year``,
            ``period_end``, ``area_code``, ``level`` (national, regional, la), ``value``,
            ``symbol``, ``numerator``, ``denominator``, ``source_id``.
        sources: One row per source (publication, release, file, period basis, coverage...).
        councils: One row per council (codes, names, region, status, joint return, notes).
        neighbours: Each council's statistical neighbours (``la_code_old``, ``sn_rank``,
            ``neighbour_la_code_old``, ``closeness``).
    """

    values: pd.DataFrame
    sources: pd.DataFrame
    councils: pd.DataFrame
    neighbours: pd.DataFrame

    @classmethod
    def from_tables(
        cls,
        values: pd.DataFrame,
        sources: pd.DataFrame,
        councils: pd.DataFrame,
        neighbours: pd.DataFrame,
    ) -> BenchmarkData:
        """Build from the four tables as stored (text columns), adding derived columns.

        ``cla_count`` rows are made from the numerator of ``cla_rate_per_10k``; each row gets
        its level and the date its period ends (from the source's period basis).

        Args:
            values: ``benchmarks.csv``.
            sources: ``benchmark_sources.csv``.
            councils: ``councils.csv``.
            neighbours: ``statistical_neighbours.csv``.

        Returns:
            The normalised data.
        """
        values = values.copy()
        for column in ["value", "numerator", "denominator"]:
            values[column] = pd.to_numeric(values[column], errors="coerce").astype(float)
        values["year"] = pd.to_numeric(values["year"]).astype(int)
        values["symbol"] = values["symbol"].fillna("").astype(str)
        counts = values[values["indicator_id"] == "cla_rate_per_10k"].assign(
            indicator_id="cla_count", denominator=np.nan
        )
        counts["value"] = counts["numerator"]
        counts["numerator"] = np.nan
        counts["symbol"] = counts["symbol"].where(counts["value"].isna(), "")
        values = pd.concat([values, counts], ignore_index=True)
        values["level"] = np.select(
            [values["area_code"].eq(ENGLAND_CODE), values["area_code"].str.startswith("E12")],
            ["national", "regional"],
            "la",
        )
        month_day = values["source_id"].map(sources.set_index("source_id")["period_end"])
        values["period_end"] = pd.to_datetime(values["year"].astype(str) + "-" + month_day)
        councils = councils.fillna("").copy()
        for column in ["first_year", "last_year"]:
            councils[column] = pd.to_numeric(councils[column]).astype(int)
        neighbours = neighbours.copy()
        neighbours["sn_rank"] = pd.to_numeric(neighbours["sn_rank"]).astype(int)
        return cls(
            values=values, sources=sources.fillna(""), councils=councils, neighbours=neighbours
        )

    @cached_property
    def full_coverage_sources(self) -> set[str]:
        """Sources published for every council: the only ones ranked or used for medians."""
        return set(self.sources.loc[self.sources["coverage"] == COVERAGE_ALL, "source_id"])

    @cached_property
    def indicator_ids(self) -> set[str]:
        """Every indicator id with at least one published row."""
        return set(self.values["indicator_id"])

    @cached_property
    def no_rows(self) -> pd.DataFrame:
        """An empty area frame, for areas with nothing published."""
        return self.values.iloc[:0].set_index(["indicator_id", "year"])[VALUE_COLUMNS]

    @cached_property
    def by_area(self) -> RowsByCode:
        """Each area's rows indexed by (indicator_id, year), for quick joins."""
        indexed = self.values.set_index(["indicator_id", "year"])
        return RowsByCode(indexed, "area_code", lambda rows: rows[VALUE_COLUMNS])

    @cached_property
    def grid(self) -> pd.DataFrame:
        """Every published indicator and year, described once, in report order.

        Columns: period end, label, unit, direction, coverage, source, and the note on how the
        published measure differs from ours or covers only some areas.
        """
        grid = self.values.drop_duplicates(["indicator_id", "year"])[
            ["indicator_id", "year", "period_end", "source_id"]
        ]
        measures = measure_table().set_index("id")
        sources = self.sources.set_index("source_id")
        grid["label"] = grid["indicator_id"].map(measures["label"])
        grid["unit"] = grid["indicator_id"].map(measures["unit"])
        grid["better"] = grid["indicator_id"].map(measures["direction"])
        grid["coverage"] = grid["source_id"].map(sources["coverage"]).fillna("")
        notes = grid["indicator_id"].map(DEFINITION_NOTES).fillna("")
        # A measure held only for a few areas has no neighbours' median or rank; say so.
        partial = grid["coverage"].ne(COVERAGE_ALL)
        # The coverage says why a source is partial (a file too large to copy, a measure the
        # DfE publishes for England only).
        coverage_note = (
            "Held here for " + grid["coverage"] + ", so there is no neighbours' median or rank."
        )
        grid["definition_note"] = notes.where(~partial, (notes + " " + coverage_note).str.strip())
        grid["source"] = (
            grid["source_id"].map(sources["publication"])
            + " ("
            + grid["source_id"].map(sources["file"])
            + "; "
            + grid["source_id"].map(sources["licence"])
            + ")"
        )
        grid["_order"] = grid["indicator_id"].map(measures["order"])
        grid = grid.sort_values(["_order", "year"]).drop(columns="_order")
        return grid.set_index(["indicator_id", "year"])

    @cached_property
    def council_values(self) -> pd.DataFrame:
        """Every council's rows, reading its joint return where it has no figure of its own.

        Columns: ``la_code_old``, ``indicator_id``, ``year``, the value columns, ``unit_code``
        (the area code the figure is published under), ``joint`` (True for a joint return) and
        the unit's ``rank``, ``of`` and ``quartile``.
        """
        councils = self.councils[["la_code_old", "joint_return_code"]]
        own = self.values.merge(
            councils[["la_code_old"]], left_on="area_code", right_on="la_code_old"
        )
        shared = self.values.merge(
            councils[councils["joint_return_code"].ne("")],
            left_on="area_code",
            right_on="joint_return_code",
        )
        keys = ["la_code_old", "indicator_id", "year"]
        shared = shared[~shared.set_index(keys).index.isin(own.set_index(keys).index)]
        rows = pd.concat([own.assign(joint=False), shared.assign(joint=True)], ignore_index=True)
        rows = rows.merge(self.ranks, how="left", on=["indicator_id", "year", "area_code"])
        return rows.rename(columns={"area_code": "unit_code"})[
            [*keys, *VALUE_COLUMNS, "unit_code", "joint", "rank", "of", "quartile"]
        ]

    @cached_property
    def by_council(self) -> RowsByCode:
        """:attr:`council_values` per council, indexed by (indicator_id, year)."""
        indexed = self.council_values.set_index(["indicator_id", "year"])
        return RowsByCode(indexed, "la_code_old", lambda rows: rows.drop(columns="la_code_old"))

    @cached_property
    def neighbour_medians(self) -> pd.DataFrame:
        """Median and count of each council's neighbours' values, per indicator and year.

        Only measures published for every council are used: a median of the one or two
        neighbours a partial source happens to hold would mislead.
        """
        published = self.council_values[
            self.council_values["source_id"].isin(self.full_coverage_sources)
        ]
        pairs = self.neighbours[["la_code_old", "neighbour_la_code_old"]].merge(
            published.rename(columns={"la_code_old": "neighbour_la_code_old"}),
            on="neighbour_la_code_old",
        )
        grouped = pairs.groupby(["la_code_old", "indicator_id", "year"])["value"]
        return pd.DataFrame({"sn_median": grouped.median(), "sn_count": grouped.count()})

    @cached_property
    def council_rows(self) -> pd.DataFrame:
        """The councils table indexed by old code."""
        return self.councils.set_index("la_code_old")

    @cached_property
    def ranks(self) -> pd.DataFrame:
        """Rank, count and quartile of every council value, per indicator and year."""
        councils = self.values[
            self.values["level"].eq("la")
            & self.values["source_id"].isin(self.full_coverage_sources)
        ]
        directions = measure_table().set_index("id")["direction"]
        ranked = rank_councils(councils, directions)
        return ranked[["indicator_id", "year", "area_code", "rank", "of", "quartile"]]


@cache
def load_benchmark_data() -> BenchmarkData:
    """Load the packaged benchmark tables (once per process).

    Returns:
        The data.
    """
    return BenchmarkData.from_tables(
        read_reference("benchmarks.csv"),
        read_reference("benchmark_sources.csv"),
        read_reference("councils.csv"),
        read_reference("statistical_neighbours.csv"),
    )


@cache
def measure_table() -> pd.DataFrame:
    """Every id a benchmark can have: the catalogue's, then the benchmark-only measures.

    Returns:
        One row per id: ``id``, ``label``, ``area``, ``unit``, ``direction``,
        ``description``, ``related`` (for a benchmark-only measure, the indicator it stands in
        for) and ``order``.
    """
    columns = ["id", "label", "area", "unit", "direction", "description"]
    known = catalogue.indicator_table()[columns].assign(related="")
    table = pd.concat([known, BENCHMARK_ONLY_MEASURES], ignore_index=True)
    # Benchmark-only measures sit straight after the indicator they stand in for.
    position = pd.Series(range(len(known)), index=known["id"], dtype=float)
    table["order"] = table["id"].map(position)
    extra = table["order"].isna()
    table.loc[extra, "order"] = table.loc[extra, "related"].map(position) + 0.5
    return table.sort_values("order", kind="stable").reset_index(drop=True)


def rank_councils(values: pd.DataFrame, directions: pd.Series) -> pd.DataFrame:
    """Rank councils per indicator and year, 1 = best in the indicator's direction.

    Higher-is-better and neutral indicators rank the highest value first; lower-is-better the
    lowest first. Ties take the lowest rank they span ("min"). ``of`` counts councils with a
    value; ``quartile`` = ceil(4 x rank / of), so 1 is the best quarter. Councils without a
    value get no rank.

    Args:
        values: Rows with ``indicator_id``, ``year``, ``area_code``, ``value``.
        directions: Direction (higher, lower, neutral) by indicator id.

    Returns:
        ``values`` with ``rank``, ``of`` and ``quartile`` (nullable integers).
    """
    ranked = values.copy()
    sign = np.where(ranked["indicator_id"].map(directions).eq("lower"), 1.0, -1.0)
    ranked["_key"] = ranked["value"] * sign
    groups = ranked.groupby(["indicator_id", "year"])
    ranked["rank"] = groups["_key"].rank(method="min").astype("Int64")
    ranked["of"] = groups["value"].transform("count").astype("Int64")
    quartile = np.ceil(4 * ranked["rank"].astype(float) / ranked["of"].astype(float))
    ranked["quartile"] = pd.array(quartile, dtype="Int64")
    return ranked.drop(columns="_key")
