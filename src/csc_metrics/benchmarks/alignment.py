"""A council's own quarterly series lined up with the DfE year each quarter is compared with."""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc_metrics.benchmarks.councils import resolve_council
from csc_metrics.benchmarks.data import (
    ENGLAND_NAME,
    BenchmarkData,
    load_benchmark_data,
    measure_table,
)
from csc_metrics.benchmarks.tables import NOT_PUBLISHED, comparison_table
from csc_metrics.catalogue import unit_table
from csc_metrics.errors import ParameterError

COMPARATORS = ("england", "region", "sn", "la")
COMPARATOR_COLUMNS = {"england": "england", "region": "region", "sn": "sn_median", "la": "la"}


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
    bench = comparison_table(data, code)
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
    gap_labels = unit_table().set_index("unit")["gap_label"]
    aligned["gap_unit"] = aligned["unit"].map(gap_labels).fillna("")
    aligned["reason"] = np.select(
        [
            aligned["indicator_id"].map(measures["unit"]).isna()
            # Each distinct id once: pandas' isin on a text column turns every value it is
            # given into a pyarrow scalar (the benchmark table's 18,000 rows: 0.15 s a call).
            | ~aligned["indicator_id"].isin(data.values["indicator_id"].unique()),
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
