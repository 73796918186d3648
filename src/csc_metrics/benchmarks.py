"""Published DfE benchmarks for any council in England, gaps against them, and local targets.

The DfE figures ship as package data under ``reference/`` (rebuilt from the published files by
``scripts/build_benchmarks.py``): ``benchmarks.csv`` (one row per indicator, year and area),
``benchmark_sources.csv``, ``councils.csv`` and ``statistical_neighbours.csv``. This module
answers, for any council (old three-digit DfE code or new E-code):

- :func:`benchmark_table`: for each indicator, the council's own published value, England, its
  region, the median of its ten statistical neighbours, and its rank and quartile among all
  councils, saying which way is better;
- :func:`benchmark_series`: the same for every published year (benchmark lines on charts);
- :func:`align_to_benchmarks`: the council's own quarterly series lined up with the benchmark
  year each quarter should be compared with, and the gap;
- :func:`read_targets`, :func:`target_for`, :func:`align_to_targets`: local targets.

It is also the ``csc-metrics benchmarks`` command. Ranks: 1 is best in the catalogue's
direction (the highest value when higher is better, the lowest when lower is better; for
neutral indicators, such as the rate of children looked after, rank 1 is simply the highest
value). Ties share the best rank they span (1, 2, 2, 4). Quartile 1 is the best quarter of
councils (for neutral indicators, the highest quarter).
"""

from __future__ import annotations

import argparse
import difflib
import json
import math
import os
import re
import sys
from dataclasses import dataclass
from functools import cache, cached_property
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from csc_metrics import catalogue
from csc_metrics.errors import InputError, ParameterError, describe_location

ENGLAND_CODE = "E92000001"
ENGLAND_NAME = "England"
#: The coverage of a source published for every council; only those are ranked.
COVERAGE_ALL = "England, regions and every council"
COMPARATORS = ("england", "region", "sn", "la")
COMPARATOR_COLUMNS = {"england": "england", "region": "region", "sn": "sn_median", "la": "la"}

#: What each DfE symbol means, as shown when a value is withheld. Never read as zero.
SYMBOL_REASONS = {
    "c": "c (suppressed to protect confidentiality)",
    "k": "k (below 0.5%)",
    "low": "low (rounds to 0 but is not 0)",
    "x": "x (not available)",
    "z": "z (not applicable)",
    "u": "u (low reliability)",
}
NOT_PUBLISHED = "not published for this council in this year"
NOT_A_COUNCIL_YET = "the council did not exist in this year"
NO_LONGER_A_COUNCIL = "the council no longer existed in this year"
SELECTED_COVERAGE = "not held here for this council (see the note)"

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
GAP_UNITS = {
    "pct": "percentage points",
    "rate": "per 10,000 children",
    "ratio": "cases per FTE",
    "count": "difference",
    "days": "days",
}
TABLE_COLUMNS = [
    "id",
    "label",
    "unit",
    "year",
    "period_end",
    "la_code_old",
    "la_code_new",
    "la_name",
    "la",
    "la_numerator",
    "la_denominator",
    "england",
    "region",
    "region_name",
    "sn_median",
    "sn_count",
    "rank",
    "of",
    "quartile",
    "better",
    "symbol",
    "reason",
    "note",
    "source",
    "source_id",
]
JSON_KEYS = ["id", "year", "la", "england", "region", "sn_median", "rank", "of"]
VALUE_COLUMNS = ["value", "symbol", "numerator", "denominator", "source_id"]
COUNCIL_CODE = re.compile(r"^\d{3}$")
NEW_CODE = re.compile(r"^E\d{8}$")


# --- Package data ----------------------------------------------------------------------------


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
    def by_area(self) -> dict[str, pd.DataFrame]:
        """Each area's rows indexed by (indicator_id, year), for quick joins."""
        indexed = self.values.set_index(["indicator_id", "year"])
        return {code: rows[VALUE_COLUMNS] for code, rows in indexed.groupby("area_code")}

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
    def by_council(self) -> dict[str, pd.DataFrame]:
        """:attr:`council_values` per council, indexed by (indicator_id, year)."""
        indexed = self.council_values.set_index(["indicator_id", "year"])
        return {
            code: rows.drop(columns="la_code_old") for code, rows in indexed.groupby("la_code_old")
        }

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


def _read_reference(name: str) -> pd.DataFrame:
    path = files("csc_metrics") / "reference" / name
    with path.open(encoding="utf-8") as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


@cache
def load_benchmark_data() -> BenchmarkData:
    """Load the packaged benchmark tables (once per process).

    Returns:
        The data.
    """
    return BenchmarkData.from_tables(
        _read_reference("benchmarks.csv"),
        _read_reference("benchmark_sources.csv"),
        _read_reference("councils.csv"),
        _read_reference("statistical_neighbours.csv"),
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


# --- Councils ----------------------------------------------------------------------------------


def council_table(data: BenchmarkData | None = None) -> pd.DataFrame:
    """Every council in the benchmark data, with its codes, region and status.

    Args:
        data: Benchmark data (default: the packaged data).

    Returns:
        One row per council (current and former), by old code.
    """
    return (data or load_benchmark_data()).councils.copy()


def resolve_council(la_code: str | int, data: BenchmarkData | None = None) -> str:
    """Turn a council code into the council's old three-digit DfE code.

    Args:
        la_code: Old code (``888``) or new E-code (``E10000017``), any case; a code the council
            was published under before (e.g. North Yorkshire's ``E10000023``) also works.
        data: Benchmark data (default: the packaged data).

    Returns:
        The old code, e.g. ``"888"``.

    Raises:
        ParameterError: If the code is not a council's, with close names where it looks like
            a name, and where to find every code.
    """
    data = data or load_benchmark_data()
    councils = data.councils
    code = str(la_code).strip().upper()
    if COUNCIL_CODE.match(code) and code in set(councils["la_code_old"]):
        return code
    if NEW_CODE.match(code):
        current = councils.loc[councils["la_code_new"] == code, "la_code_old"]
        if len(current):
            return str(current.iloc[0])
        former = councils["other_la_codes_new"].str.split(";").explode()
        matched = former[former == code]
        if len(matched):
            return str(councils.loc[matched.index[0], "la_code_old"])
    raise ParameterError(_unknown_council_message(str(la_code).strip(), councils))


def _unknown_council_message(given: str, councils: pd.DataFrame) -> str:
    names = councils["la_name"].str.lower()
    wanted = given.lower()
    close = difflib.get_close_matches(wanted, names.tolist(), n=5, cutoff=0.6)
    hits = councils[
        names.isin(close) | (names.str.contains(re.escape(wanted), regex=True) & (len(wanted) >= 3))
    ]
    suggestion = ""
    if len(hits):
        listed = "; ".join(
            f"{row.la_name}: {row.la_code_old} or {row.la_code_new}"
            for row in hits.head(5).itertuples(index=False)
        )
        suggestion = f" Did you mean {listed}?"
    return (
        f"Unknown council code {given!r}.{suggestion} Give the DfE old three-digit code "
        "(e.g. 888 for Lancashire) or the new E-code (e.g. E10000017). Every council's codes "
        "are in csc_metrics/reference/councils.csv (in Python: "
        "csc_metrics.benchmarks.council_table())."
    )


def council_info(la_code: str | int, data: BenchmarkData | None = None) -> dict[str, Any]:
    """Describe a council: names, codes, region, status and statistical neighbours.

    Args:
        la_code: Old code or new E-code.
        data: Benchmark data (default: the packaged data).

    Returns:
        A dict with ``la_code_old``, ``la_code_new``, ``other_la_codes_new`` (list),
        ``la_name``, ``region_code``, ``region_name``, ``status`` (current or former),
        ``first_year``, ``last_year``, ``joint_return_code``, ``note``, ``sn_model`` and
        ``statistical_neighbours`` (list of dicts: ``rank``, ``la_code_old``, ``la_code_new``,
        ``la_name``, ``closeness``).

    Raises:
        ParameterError: If the code is not a council's.
    """
    data = data or load_benchmark_data()
    code = resolve_council(la_code, data)
    row = data.councils.set_index("la_code_old").loc[code]
    names = data.councils.set_index("la_code_old")
    neighbours = data.neighbours[data.neighbours["la_code_old"] == code].sort_values("sn_rank")
    return {
        "la_code_old": code,
        "la_code_new": row["la_code_new"],
        "other_la_codes_new": [c for c in row["other_la_codes_new"].split(";") if c],
        "la_name": row["la_name"],
        "region_code": row["region_code"],
        "region_name": row["region_name"],
        "status": row["status"],
        "first_year": int(row["first_year"]),
        "last_year": int(row["last_year"]),
        "joint_return_code": row["joint_return_code"],
        "note": row["note"],
        "sn_model": row["sn_model"],
        "statistical_neighbours": [
            {
                "rank": int(sn.sn_rank),
                "la_code_old": sn.neighbour_la_code_old,
                "la_code_new": names["la_code_new"].get(sn.neighbour_la_code_old, ""),
                "la_name": names["la_name"].get(sn.neighbour_la_code_old, ""),
                "closeness": sn.closeness,
            }
            for sn in neighbours.itertuples(index=False)
        ],
    }


# --- Benchmarks for one council ------------------------------------------------------------


def _council_rows(data: BenchmarkData, code: str) -> pd.DataFrame:
    """A council's rows (joint return filled in), indexed by (indicator_id, year)."""
    empty = data.no_rows.assign(unit_code="", joint=False, rank=pd.NA, of=pd.NA, quartile=pd.NA)
    return data.by_council.get(code, empty)


def _neighbour_medians(data: BenchmarkData, code: str) -> pd.DataFrame:
    """The neighbours' median and count for one council, indexed by (indicator_id, year)."""
    medians = data.neighbour_medians
    if code not in medians.index.get_level_values("la_code_old"):
        return medians.iloc[:0].droplevel("la_code_old")
    return medians.xs(code, level="la_code_old")


def _comparison(data: BenchmarkData, code: str) -> pd.DataFrame:
    """Every indicator and year for one council: own value, England, region, SN median, rank."""
    council = data.council_rows.loc[code]
    own = (
        _council_rows(data, code)
        .drop(columns="source_id")
        .rename(
            columns={"value": "la", "numerator": "la_numerator", "denominator": "la_denominator"}
        )
    )
    england = data.by_area.get(ENGLAND_CODE, data.no_rows)["value"].rename("england")
    region = data.by_area.get(council["region_code"], data.no_rows)["value"].rename("region")
    table = (
        data.grid.join(own)
        .join(england)
        .join(region)
        .join(_neighbour_medians(data, code))
        .reset_index()
    )
    table["sn_count"] = table["sn_count"].fillna(0).astype(int)
    table["region_name"] = council["region_name"]
    table["la_name"] = council["la_name"]
    table["la_code_old"] = code
    table["la_code_new"] = council["la_code_new"]
    table["symbol"] = table["symbol"].fillna("")
    table["joint"] = table["joint"].eq(True)
    return _describe(table, data, council)


def _describe(table: pd.DataFrame, data: BenchmarkData, council: pd.Series) -> pd.DataFrame:
    """Add the reason a council's value is missing and the note on joint returns."""
    table = table.rename(columns={"indicator_id": "id"})
    missing = table["la"].isna()
    reason = np.select(
        [
            table["symbol"].ne(""),
            table["year"] < council["first_year"],
            (table["year"] > council["last_year"]) & (council["status"] == "former"),
            table["coverage"].ne(COVERAGE_ALL),
        ],
        [
            table["symbol"].map(SYMBOL_REASONS).fillna(table["symbol"]),
            NOT_A_COUNCIL_YET,
            NO_LONGER_A_COUNCIL,
            SELECTED_COVERAGE,
        ],
        NOT_PUBLISHED,
    )
    table["reason"] = np.where(missing, reason, "")
    joint_names = data.council_rows["la_name"].reindex(council["joint_return_code"].split("/"))
    joint_note = f"Joint figure published for {' / '.join(joint_names.dropna())}."
    table["note"] = np.where(
        table["joint"],
        (joint_note + " " + table["definition_note"]).str.strip(),
        table["definition_note"],
    )
    return table[TABLE_COLUMNS].reset_index(drop=True)


def _check_ids(indicator_ids: list[str] | None, data: BenchmarkData) -> list[str]:
    available = [i for i in measure_table()["id"] if i in data.indicator_ids]
    if indicator_ids is None:
        return available
    unknown = [i for i in indicator_ids if i not in available]
    if unknown:
        raise ParameterError(
            f"No published benchmark for indicator id(s) {', '.join(unknown)}. "
            f"Benchmarked ids: {', '.join(available)}."
        )
    return list(indicator_ids)


def benchmark_series(
    la_code: str | int,
    indicator_ids: list[str] | None = None,
    data: BenchmarkData | None = None,
) -> pd.DataFrame:
    """Every published year of every benchmark for one council (for benchmark lines).

    Args:
        la_code: Old code or new E-code.
        indicator_ids: Ids to keep (default: every benchmarked indicator).
        data: Benchmark data (default: the packaged data).

    Returns:
        The columns of :func:`benchmark_table`, one row per indicator and year.

    Raises:
        ParameterError: If the code is not a council's or an id has no benchmark.
    """
    data = data or load_benchmark_data()
    code = resolve_council(la_code, data)
    ids = _check_ids(indicator_ids, data)
    table = _comparison(data, code)
    return table[table["id"].isin(ids)].reset_index(drop=True)


def benchmark_table(
    la_code: str | int,
    year: int | None = None,
    indicator_ids: list[str] | None = None,
    data: BenchmarkData | None = None,
) -> pd.DataFrame:
    """Benchmarks for one council: own value, England, region, neighbours' median, rank.

    Args:
        la_code: Old code (``888``) or new E-code (``E10000017``).
        year: Year of the figures (the DfE ``time_period``: year ending 31 March for children
            looked after and care leavers, 30 September for the workforce). Default: for each
            indicator, the latest year with a published row for this council, else the latest
            year published at all.
        indicator_ids: Ids to show (default: every benchmarked indicator).
        data: Benchmark data (default: the packaged data).

    Returns:
        One row per indicator: ``id``, ``label``, ``unit``, ``year``, ``period_end``,
        ``la_code_old``, ``la_code_new``, ``la_name``, ``la`` (the council's published value),
        ``la_numerator``, ``la_denominator``, ``england``, ``region``, ``region_name``,
        ``sn_median``, ``sn_count`` (neighbours with a value), ``rank``, ``of``, ``quartile``,
        ``better`` (higher, lower or neutral), ``symbol`` (the DfE symbol when the council's
        value is withheld), ``reason`` (why ``la`` is missing), ``note`` (how DfE's measure
        differs, joint returns), ``source`` and ``source_id``.

    Raises:
        ParameterError: If the code is not a council's, an id has no benchmark, or nothing is
            published for the year.
    """
    series = benchmark_series(la_code, indicator_ids, data)
    if year is None:
        has_row = series["la"].notna() | series["symbol"].ne("")
        latest_own = series[has_row].groupby("id")["year"].max()
        latest_any = series.groupby("id")["year"].max()
        chosen = latest_any.to_frame("year").join(latest_own.rename("own"))
        wanted = chosen["own"].fillna(chosen["year"]).astype(int)
        table = series[series["year"].eq(series["id"].map(wanted))]
    else:
        table = series[series["year"] == int(year)]
        if table.empty:
            years = sorted(series["year"].unique())
            raise ParameterError(
                f"No benchmarks published for {year}. Years available: "
                f"{', '.join(str(y) for y in years)}."
            )
    return table.reset_index(drop=True)


# --- Own series against benchmarks -----------------------------------------------------------


def align_to_benchmarks(
    metric_series: pd.DataFrame,
    la_code: str | int,
    comparator: str = "england",
    data: BenchmarkData | None = None,
) -> pd.DataFrame:
    """Line a council's own series up with the benchmark year each period is compared with.

    Rule: a period ending on date R is compared with the latest published benchmark year whose
    period ended on or before R: 31 March of that year for children looked after and care
    leavers, 30 September for the workforce. So 30 June 2025 compares with the year ending 31
    March 2025, and 31 March 2025 with the year ending that day. If that year's comparator is
    withheld, the gap is blank with the reason; an earlier year is not substituted. Counts are
    only compared with the council's own published count (``comparator="la"``).

    Args:
        metric_series: Rows of a ``MetricTable`` (``indicator_id``, ``period_end``, ``value``;
            with ``breakdown``/``group``, only the total is used).
        la_code: Old code or new E-code of the council.
        comparator: ``england``, ``region``, ``sn`` (statistical neighbours' median) or ``la``
            (the council's own published figure, to check local figures against the return).
        data: Benchmark data (default: the packaged data).

    Returns:
        One row per input row: ``indicator_id``, ``period_end``, ``value``, ``comparator``,
        ``comparator_name``, ``benchmark_year``, ``benchmark_period_end``, ``benchmark``,
        ``gap_pp`` (value - benchmark: percentage points for percentages, a plain difference
        otherwise, one decimal place), ``gap_unit``, ``better``, ``comparison`` (better, worse,
        same, or blank when there is no gap or no better direction), ``source``, ``reason``
        (why the gap is blank), ``note``.

    Raises:
        ParameterError: If the comparator or council is unknown, or columns are missing.
    """
    if comparator not in COMPARATORS:
        raise ParameterError(
            f"Unknown comparator {comparator!r}: use one of {', '.join(COMPARATORS)}."
        )
    missing = [c for c in ("indicator_id", "period_end", "value") if c not in metric_series]
    if missing:
        raise ParameterError(
            f"The metric series has no column(s) {', '.join(missing)}; expected a MetricTable "
            "(indicator_id, period_end, breakdown, group, numerator, denominator, value, unknown)."
        )
    own = metric_series
    if {"breakdown", "group"} <= set(own.columns):
        own = own[own["breakdown"].eq("total") & own["group"].eq("all")]
    own = own[["indicator_id", "period_end", "value"]].copy()
    # merge_asof needs one datetime resolution on both sides: a MetricTable holds
    # nanoseconds, the packaged benchmark dates microseconds.
    own["period_end"] = pd.to_datetime(own["period_end"]).astype("datetime64[ns]")
    own["value"] = pd.to_numeric(own["value"], errors="coerce").astype(float)
    own["_row"] = np.arange(len(own))

    data = data or load_benchmark_data()
    code = resolve_council(la_code, data)
    bench = _comparison(data, code)
    column = COMPARATOR_COLUMNS[comparator]
    bench = bench.rename(
        columns={
            "id": "indicator_id",
            "year": "benchmark_year",
            "period_end": "benchmark_period_end",
        }
    )
    bench["_when"] = bench["benchmark_period_end"].astype("datetime64[ns]")
    bench = bench[
        [
            "indicator_id",
            "benchmark_year",
            "benchmark_period_end",
            "_when",
            column,
            "reason",
            "note",
            "source",
            "unit",
            "better",
        ]
    ].rename(columns={column: "benchmark", "reason": "la_reason"})
    aligned = pd.merge_asof(
        own.sort_values("period_end"),
        bench.sort_values("_when"),
        left_on="period_end",
        right_on="_when",
        by="indicator_id",
        direction="backward",
    ).sort_values("_row")

    measures = measure_table().set_index("id")
    aligned["unit"] = aligned["indicator_id"].map(measures["unit"])
    aligned["better"] = aligned["indicator_id"].map(measures["direction"])
    aligned["comparator"] = comparator
    aligned["comparator_name"] = _comparator_name(comparator, data, code)
    count_mismatch = aligned["unit"].eq("count") & (comparator != "la")
    gap = (aligned["value"] - aligned["benchmark"]).round(1)
    aligned["gap_pp"] = gap.where(~count_mismatch)
    aligned["gap_unit"] = aligned["unit"].map(GAP_UNITS).fillna("")
    aligned["reason"] = np.select(
        [
            aligned["indicator_id"].map(measures["unit"]).isna()
            | ~aligned["indicator_id"].isin(data.values["indicator_id"]),
            aligned["benchmark_year"].isna(),
            count_mismatch,
            aligned["value"].isna(),
            aligned["benchmark"].isna() & (comparator == "la"),
            aligned["benchmark"].isna(),
        ],
        [
            "no published benchmark for this indicator",
            "no benchmark published for a period ending on or before this date",
            "counts are not comparable between areas of different sizes; compare rates",
            "no value for this period",
            aligned["la_reason"].fillna(NOT_PUBLISHED),
            f"no {comparator} figure published for this year",
        ],
        "",
    )
    aligned["comparison"] = _comparison_word(aligned["gap_pp"], aligned["better"])
    columns = [
        "indicator_id",
        "period_end",
        "value",
        "comparator",
        "comparator_name",
        "benchmark_year",
        "benchmark_period_end",
        "benchmark",
        "gap_pp",
        "gap_unit",
        "better",
        "comparison",
        "source",
        "reason",
        "note",
    ]
    aligned["benchmark_year"] = aligned["benchmark_year"].astype("Int64")
    return aligned[columns].fillna({"source": "", "note": "", "better": ""}).reset_index(drop=True)


def _comparator_name(comparator: str, data: BenchmarkData, code: str) -> str:
    council = data.councils.set_index("la_code_old").loc[code]
    return {
        "england": ENGLAND_NAME,
        "region": council["region_name"],
        "sn": f"Statistical neighbours of {council['la_name']} (median)",
        "la": f"{council['la_name']} (published by DfE)",
    }[comparator]


def _comparison_word(gap: pd.Series, better: pd.Series) -> np.ndarray:
    signed = np.where(better.eq("lower"), -gap, gap)
    directional = better.isin(["higher", "lower"]) & gap.notna()
    return np.select(
        [directional & (signed > 0), directional & (signed < 0), directional & (gap == 0)],
        ["better", "worse", "same"],
        "",
    )


# --- Local targets -----------------------------------------------------------------------------


def read_targets(path: str | Path) -> pd.DataFrame:
    """Read a council's local targets file.

    The file is a CSV with columns ``id`` (an indicator id), ``target`` (a number; a trailing
    ``%`` is allowed) and, optionally, ``from_date`` (YYYY-MM-DD or DD/MM/YYYY: the date the
    target applies from; blank = always). Other columns (e.g. notes) are ignored; blank lines
    are skipped.

    Args:
        path: The targets file.

    Returns:
        Columns ``id``, ``target`` (float), ``from_date`` (datetime, NaT = always), sorted.

    Raises:
        InputError: If the file is missing or unreadable, a column is missing, or a row has an
            unknown id, a non-numeric target, a bad date or repeats an id and date. The message
            names the file, column and row (the header is row 1) of every problem.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"Targets file {path} not found.")
    try:
        raw = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skip_blank_lines=False
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise InputError(f"Targets file {path} could not be read as CSV: {error}") from None
    raw.columns = raw.columns.str.strip().str.lower()
    missing = [c for c in ("id", "target") if c not in raw.columns]
    if missing:
        raise InputError(
            f"{path.name}: missing column(s) {', '.join(missing)}. A targets file needs the "
            f"columns id, target and optionally from_date; found: {', '.join(raw.columns)}."
        )
    if "from_date" not in raw.columns:
        raw["from_date"] = ""
    raw = raw[["id", "target", "from_date"]].apply(lambda col: col.str.strip())
    raw["row"] = np.arange(len(raw)) + 2
    raw = raw[raw[["id", "target", "from_date"]].ne("").any(axis=1)]

    known = set(measure_table()["id"])
    target = pd.to_numeric(raw["target"].str.removesuffix("%").str.strip(), errors="coerce")
    iso = pd.to_datetime(raw["from_date"], format="%Y-%m-%d", errors="coerce")
    uk = pd.to_datetime(raw["from_date"], format="%d/%m/%Y", errors="coerce")
    from_date = iso.fillna(uk)
    problems = pd.concat(
        [
            _problems(
                raw,
                ~raw["id"].isin(known),
                "id",
                "unknown indicator id {value!r} (ids are listed in reference/indicators.csv)",
            ),
            _problems(raw, target.isna(), "target", "{value!r} is not a number"),
            _problems(
                raw,
                raw["from_date"].ne("") & from_date.isna(),
                "from_date",
                "{value!r} is not a date (expected YYYY-MM-DD or DD/MM/YYYY)",
            ),
        ]
    )
    targets = pd.DataFrame(
        {
            "id": raw["id"],
            "target": target.astype(float),
            "from_date": from_date.astype("datetime64[ns]"),
            "row": raw["row"],
        }
    )
    repeated = targets.duplicated(["id", "from_date"], keep="first") & problems.empty
    if repeated.any():
        problems = pd.concat(
            [
                problems,
                _problems(
                    raw.assign(from_date=raw["from_date"].replace("", "(blank)")),
                    repeated,
                    "from_date",
                    "repeats the target for {id} with the same from_date ({value})",
                ),
            ]
        )
    if not problems.empty:
        listed = problems.sort_values("row")["text"].tolist()
        shown = "\n  ".join(listed[:20])
        more = f"\n  ... and {len(listed) - 20} more" if len(listed) > 20 else ""
        raise InputError(f"Targets file {path} has problems:\n  {shown}{more}")
    return (
        targets.drop(columns="row")
        .sort_values(["id", "from_date"], na_position="first")
        .reset_index(drop=True)
    )


def _problems(raw: pd.DataFrame, bad: pd.Series, column: str, template: str) -> pd.DataFrame:
    rows = raw[bad]
    text = [
        f"{describe_location(column=column, row=int(r.row))}: "
        + template.format(value=getattr(r, column), id=r.id)
        for r in rows.itertuples(index=False)
    ]
    return pd.DataFrame({"row": rows["row"], "text": text}, index=rows.index)


def target_for(
    targets: pd.DataFrame, indicator_id: str, period_end: str | pd.Timestamp
) -> float | None:
    """Return the target in force for an indicator at a period end.

    Args:
        targets: From :func:`read_targets`.
        indicator_id: The indicator.
        period_end: The reference date.

    Returns:
        The target with the latest ``from_date`` on or before ``period_end`` (a target with
        no ``from_date`` applies always, and is overridden by dated ones once they start), or
        None when no target applies.
    """
    when = pd.Timestamp(period_end)
    mine = targets[targets["id"] == indicator_id]
    applies = mine[mine["from_date"].isna() | (mine["from_date"] <= when)]
    if applies.empty:
        return None
    latest = applies.sort_values("from_date", na_position="first").iloc[-1]
    return float(latest["target"])


def align_to_targets(metric_series: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Give every row of a series the target in force at its period end (as :func:`target_for`).

    Args:
        metric_series: Rows with ``indicator_id``, ``period_end``, ``value``.
        targets: From :func:`read_targets`.

    Returns:
        ``metric_series`` with ``target``, ``target_from`` (NaT for an undated target) and
        ``gap_to_target`` (value - target).
    """
    series = metric_series.copy()
    series["_row"] = np.arange(len(series))
    series["_when"] = pd.to_datetime(series["period_end"]).astype("datetime64[ns]")
    dated = targets.assign(
        _when=targets["from_date"].fillna(pd.Timestamp.min).astype("datetime64[ns]")
    ).rename(columns={"id": "indicator_id", "from_date": "target_from"})
    aligned = pd.merge_asof(
        series.sort_values("_when"),
        dated.sort_values("_when"),
        on="_when",
        by="indicator_id",
        direction="backward",
    ).sort_values("_row")
    aligned["gap_to_target"] = (pd.to_numeric(aligned["value"]) - aligned["target"]).round(1)
    return aligned.drop(columns=["_row", "_when"]).reset_index(drop=True)


# --- Command line ------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the options of ``csc-metrics benchmarks``.

    Args:
        parser: The subcommand's parser.
    """
    parser.add_argument(
        "--la-code", required=True, help="the council: old DfE code (888) or new E-code (E10000017)"
    )
    parser.add_argument(
        "--year",
        type=int,
        default=None,
        help="year of the figures: year ending 31 March for children looked "
        "after and care leavers, 30 September for the workforce (default: the "
        "latest published for each indicator)",
    )
    parser.add_argument(
        "--format",
        choices=["table", "csv", "json"],
        default="table",
        help="table (for reading), csv (every column) or json (id, year, la, "
        "england, region, sn_median, rank, of)",
    )


def run(args: argparse.Namespace) -> int:
    """Print the benchmarks of one council.

    Args:
        args: Parsed options (``la_code``, ``year``, ``format``).

    Returns:
        0 on success.

    Raises:
        ParameterError: For an unknown council code or a year with nothing published.
    """
    table = benchmark_table(args.la_code, year=args.year)
    if args.format == "json":
        text = to_json(table) + "\n"
    elif args.format == "csv":
        text = to_csv(table)
    else:
        text = render_table(table, council_info(args.la_code)) + "\n"
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader stopped early (e.g. `| head`): not an error; silence the final flush.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def to_json(table: pd.DataFrame) -> str:
    """Write a benchmark table as the JSON list of the command-line contract.

    Args:
        table: From :func:`benchmark_table`.

    Returns:
        A JSON list of objects with exactly the keys id, year, la, england, region, sn_median,
        rank and of; integers for year, rank and of; null for anything missing.
    """

    def number(value: Any, integer: bool = False) -> float | int | None:
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            return None
        return int(value) if integer else float(value)

    records = [
        {
            "id": row.id,
            "year": number(row.year, integer=True),
            "la": number(row.la),
            "england": number(row.england),
            "region": number(row.region),
            "sn_median": number(row.sn_median),
            "rank": number(row.rank, integer=True),
            "of": number(row.of, integer=True),
        }
        for row in table[JSON_KEYS].itertuples(index=False)
    ]
    return json.dumps(records, indent=2, allow_nan=False)


def to_csv(table: pd.DataFrame) -> str:
    """Write a benchmark table as CSV with every column (dates as YYYY-MM-DD)."""
    out = table.copy()
    out["period_end"] = out["period_end"].dt.strftime("%Y-%m-%d")
    return out.to_csv(index=False, lineterminator="\n")


def _format_values(values: pd.Series, units: pd.Series) -> pd.Series:
    def one(value: float, unit: str) -> str:
        if pd.isna(value):
            return "-"
        if unit == "pct":
            return f"{value:.10g}%"
        if unit == "count":
            return f"{value:,.0f}"
        return f"{value:.10g}"

    return pd.Series([one(v, u) for v, u in zip(values, units, strict=True)], index=values.index)


def _text_table(shown: pd.DataFrame) -> list[str]:
    """Lay out a frame of strings: first column left-aligned, the others right-aligned."""
    widths = {c: max(len(str(c)), *(len(v) for v in shown[c])) for c in shown.columns}
    first = shown.columns[0]

    def line(cells: dict[str, str]) -> str:
        return "  ".join(
            str(cells[c]).ljust(widths[c]) if c == first else str(cells[c]).rjust(widths[c])
            for c in shown.columns
        ).rstrip()

    header = line({c: c for c in shown.columns})
    body = [line(row) for row in shown.to_dict(orient="records")]
    return [header, "-" * len(header), *body]


def render_table(table: pd.DataFrame, info: dict[str, Any]) -> str:
    """Format a benchmark table for a person to read in a terminal.

    Args:
        table: From :func:`benchmark_table`.
        info: From :func:`council_info`.

    Returns:
        The text: a heading naming the council, its region and neighbours, one line per
        indicator (value, England, region, neighbours' median, rank "12 of 152", quartile and
        which way is better), then the meaning of any symbols, notes and sources.
    """
    neighbours = "; ".join(
        sn["la_name"] or sn["la_code_old"] for sn in info["statistical_neighbours"]
    )
    lines = [
        f"Benchmarks for {info['la_name']} ({info['la_code_old']}, {info['la_code_new']}), "
        f"{info['region_name']} region"
        + ("" if info["status"] == "current" else f" (former council: {info['note']})"),
        f"Statistical neighbours ({info['sn_model'] or 'none published'}): {neighbours or 'none'}",
        "",
    ]
    own = _format_values(table["la"], table["unit"])
    own = own.where(table["symbol"].eq("") | table["la"].notna(), table["symbol"])
    ranked = table["rank"].notna()
    rank = pd.Series("-", index=table.index)
    rank[ranked] = [
        f"{int(r)} of {int(o)}"
        for r, o in zip(table.loc[ranked, "rank"], table.loc[ranked, "of"], strict=True)
    ]
    quartile = pd.Series("-", index=table.index)
    quartile[ranked] = [str(int(q)) for q in table.loc[ranked, "quartile"]]
    better = table["better"].map({"higher": "higher", "lower": "lower", "neutral": "neither"})
    shown = pd.DataFrame(
        {
            "Indicator": table["label"],
            "Year": table["year"].astype(str),
            info["la_name"]: own,
            "England": _format_values(table["england"], table["unit"]),
            info["region_name"]: _format_values(table["region"], table["unit"]),
            "SN median": _format_values(table["sn_median"], table["unit"]),
            "Rank": rank,
            "Quartile": quartile,
            "Better if": better.fillna(""),
        }
    )
    lines += _text_table(shown)
    lines += [
        "",
        "Rank 1 is best (for 'neither' indicators, the highest value); quartile 1 is the best "
        "quarter. 'Year' is the DfE year: ending 31 March, or at 30 September for the workforce.",
    ]
    symbols = sorted(set(table["symbol"]) - {""})
    if symbols:
        lines.append("Symbols: " + "; ".join(SYMBOL_REASONS.get(s, s) for s in symbols) + ".")
    missing = table[table["la"].isna() & table["symbol"].eq("")]
    if len(missing) == len(table):
        lines.append(f"No figures for {info['la_name']} here: {missing['reason'].iloc[0]}.")
    else:
        for reason, rows in missing.groupby("reason", sort=False):
            lines.append(f"{reason[:1].upper()}{reason[1:]}: {'; '.join(rows['label'])}.")
    notes = table.loc[table["note"].ne(""), ["label", "note"]].drop_duplicates()
    if len(notes):
        lines += ["", "Notes:"]
        lines += [f"  {row.label}: {row.note}" for row in notes.itertuples(index=False)]
    sources = table["source"].drop_duplicates()
    lines += ["", "Sources:"]
    lines += [f"  {source}" for source in sources]
    return "\n".join(lines)
