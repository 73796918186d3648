"""Benchmarks for one council: its published value, England, its region, its neighbours, its rank.

``benchmark_table`` gives one year per indicator, ``benchmark_series`` every published year
(for benchmark lines on charts). A missing value always says why (a DfE symbol, a council that
did not exist yet, a measure held here only for some areas).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc_metrics.benchmarks.councils import resolve_council
from csc_metrics.benchmarks.data import (
    COVERAGE_ALL,
    ENGLAND_CODE,
    BenchmarkData,
    load_benchmark_data,
    measure_table,
)
from csc_metrics.errors import ParameterError

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


def comparison_table(data: BenchmarkData, code: str) -> pd.DataFrame:
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
    table = comparison_table(data, code)
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
