"""England's average time between the stages of adoption, by age, as the DfE publishes it.

The DfE publishes these averages for England only, for children adopted in each year ending 31
March, by age on starting the final period of care, in *years and months*: ``01:07`` is one
year and seven months (19 months), not 1.07 of anything. ``scripts/build_benchmarks.py``
converts them to days (``months_to_days``) and writes ``reference/adoption_stage_benchmarks.csv``;
the averages for all ages are also ordinary benchmark rows (``benchmarks.csv``), so they line up
with the council's own stage averages like any other benchmark.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pandas as pd

from csc_metrics.reference_files import read_reference

#: Days in a month on average (a year of 365.25 days over 12 months). The DfE rounds each
#: average to whole months, so a converted figure is within about 15 days of the true average.
DAYS_PER_MONTH = 365.25 / 12
YEARS_MONTHS = re.compile(r"^(\d+):(\d{1,2})$")
#: Group of all ages together in the table.
ALL_AGES = "All ages"
STAGE_COLUMNS = [
    "year",
    "indicator_id",
    "stage",
    "age_at_entry",
    "published",
    "months",
    "days",
    "symbol",
]


def years_months_to_months(text: str) -> float:
    """Months in a DfE ``years:months`` duration (``01:07`` -> 19); NaN for a symbol or blank.

    Args:
        text: The published cell.

    Returns:
        The number of months.

    Raises:
        ValueError: If the months part is 12 or more (not a years:months value).
    """
    match = YEARS_MONTHS.match(str(text).strip())
    if match is None:
        return float("nan")
    years, months = int(match.group(1)), int(match.group(2))
    if months >= 12:
        raise ValueError(f"{text!r} is not years:months: the months part must be 0 to 11.")
    return float(12 * years + months)


def months_to_days(months: float | pd.Series) -> float | pd.Series:
    """Whole days in a number of months (``DAYS_PER_MONTH`` each), rounded half up.

    Args:
        months: Months, one number or a Series (NaN stays NaN).

    Returns:
        Days, of the same shape.
    """
    days = np.floor(np.asarray(months, dtype=float) * DAYS_PER_MONTH + 0.5)
    if isinstance(months, pd.Series):
        return pd.Series(days, index=months.index)
    return float(days)


@cache
def adoption_stage_benchmarks() -> pd.DataFrame:
    """England's stage averages, every published year, stage and age group.

    Returns:
        ``STAGE_COLUMNS``: the DfE year (ending 31 March), the indicator id of the stage, the
        stage (``adoption.INTERVALS`` name), the age group (the groups of ``age_at_entry``, or
        ``All ages``), the cell as published, months, days and the DfE symbol where withheld.
    """
    table = read_reference("adoption_stage_benchmarks.csv")
    table["year"] = table["year"].astype(int)
    for column in ("months", "days"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    return table[STAGE_COLUMNS]
