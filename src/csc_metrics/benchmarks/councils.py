"""Councils in the benchmark data: codes old and new, names, regions and statistical neighbours."""

from __future__ import annotations

import difflib
import re
from typing import Any

import pandas as pd

from csc_metrics.benchmarks.data import BenchmarkData, load_benchmark_data
from csc_metrics.errors import ParameterError

COUNCIL_CODE = re.compile(r"^\d{3}$")
NEW_CODE = re.compile(r"^E\d{8}$")


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
