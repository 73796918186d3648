"""Which reference dates each dataset covers, and which indicators are not covered at a date.

Each indicator is computed from one dataset (``reference/indicator_coverage.csv``):

- **caseload** indicators wherever a caseload snapshot is dated on or before the reference date,
  up to the end of the quarter holding the latest snapshot;
- **SSDA903** indicators wherever the SSDA903 returns cover the date (``data_coverage``).

An indicator whose definition looks back over a window (``look_back_months``: the 12 months to
R for starters, leavers and 3+ placements, 3 years for the rolling adoption averages) is also
not covered while that window reaches before the first day of the data: a count over part of a
window would look like a real fall. Such an indicator gets a blank value and a ``not_covered``
reason instead, in every output. Definitions: docs/definitions.md, "Coverage".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import numpy as np
import pandas as pd

from csc_metrics.dates import format_date
from csc_metrics.errors import InputError, ParameterError
from csc_metrics.indicators.metrics import TOTAL_BREAKDOWN
from csc_metrics.indicators.prepare import data_coverage
from csc_metrics.indicators.snapshots import snapshot_dates
from csc_metrics.schemas import METRIC_COLUMNS, NOT_COVERED
from csc_metrics.storage import ProcessedData

#: Dataset -> how messages name it.
DATASET_NAMES = {"ssda903": "SSDA903 returns", "caseload": "caseload snapshots"}

#: Dataset -> where its raw files go (under the raw data folder), for messages saying how to
#: supply it.
DATASET_FOLDERS = {"ssda903": "RAW/ssda903/<YYYY>/", "caseload": "RAW/caseload/<YYYY-MM-DD>/"}


@dataclass(frozen=True)
class Window:
    """The reference dates one dataset covers.

    Attributes:
        dataset: ``ssda903`` or ``caseload``.
        start: First date covered (1 April of the earliest return; the first snapshot's date).
        end: Last date covered.
    """

    dataset: str
    start: pd.Timestamp
    end: pd.Timestamp

    def quarter_ends(self) -> list[pd.Timestamp]:
        """The quarter ends inside the window, oldest first."""
        return list(pd.date_range(self.start, self.end, freq="QE"))

    def describe(self) -> str:
        """The window in words: ``SSDA903 returns cover 1 April 2021 to 31 March 2024``."""
        return (
            f"the {DATASET_NAMES[self.dataset]} cover {format_date(self.start, 'long')} to "
            f"{format_date(self.end, 'long')}"
        )


@cache
def indicator_datasets() -> pd.DataFrame:
    """The dataset and look-back of every indicator, indexed by indicator id.

    Returns:
        A frame with ``dataset`` and ``look_back_months`` (int).
    """
    path = files("csc_metrics") / "reference" / "indicator_coverage.csv"
    with path.open(encoding="utf-8") as handle:
        table = pd.read_csv(handle, dtype={"indicator_id": str, "dataset": str})
    return table.set_index("indicator_id")


def has_ssda903(data: ProcessedData) -> bool:
    """Whether any SSDA903 episode or OC3 row was supplied."""
    return bool(len(data.episodes) or len(data.oc3))


def dataset_windows(data: ProcessedData) -> dict[str, Window]:
    """The window of each dataset supplied; a dataset not supplied has none.

    Args:
        data: The processed data.

    Returns:
        Dataset -> its window.
    """
    windows = {}
    if has_ssda903(data):
        start, end = data_coverage(data)
        windows["ssda903"] = Window("ssda903", start, end)
    snapshots = snapshot_dates(data)
    if snapshots:
        last = pd.Timestamp(snapshots[-1])
        windows["caseload"] = Window(
            "caseload",
            pd.Timestamp(snapshots[0]),
            (last + pd.offsets.QuarterEnd(0)).normalize(),
        )
    return windows


def dates_record(windows: dict[str, Window], snapshots: list[pd.Timestamp]) -> dict[str, Any]:
    """The dates processed data cover, as JSON values (``report.data_needs.DataDates``).

    Args:
        windows: Each dataset's window (``dataset_windows``).
        snapshots: Every caseload snapshot date (``snapshots.snapshot_dates``).

    Returns:
        ``{"windows": {dataset: [start, end]}, "snapshots": [date, ...]}``, dates in ISO form.
    """
    return {
        "windows": {
            name: [window.start.isoformat(), window.end.isoformat()]
            for name, window in windows.items()
        },
        "snapshots": [pd.Timestamp(date).isoformat() for date in snapshots],
    }


def covered_quarter_ends(windows: dict[str, Window]) -> list[pd.Timestamp]:
    """Every quarter end some dataset covers, oldest first (``latest`` is the last of them)."""
    return sorted({d for window in windows.values() for d in window.quarter_ends()})


def require_data(windows: dict[str, Window]) -> None:
    """Refuse processed data with neither SSDA903 returns nor caseload snapshots.

    Raises:
        InputError: If no dataset was supplied at all.
    """
    if not windows:
        raise InputError(
            "The processed data hold no SSDA903 returns and no caseload snapshot, so no "
            "indicator can be computed. Put the returns in RAW/ssda903/<YYYY>/ or the snapshots "
            "in RAW/caseload/<YYYY-MM-DD>/ and re-run `csc-metrics ingest`."
        )


def check_covered(period_end: pd.Timestamp, windows: dict[str, Window]) -> None:
    """Refuse a reference date no dataset covers, naming what each dataset covers.

    Args:
        period_end: The reference date asked for.
        windows: ``dataset_windows``.

    Raises:
        InputError: If no dataset was supplied at all.
        ParameterError: If no dataset's window holds ``period_end``.
    """
    require_data(windows)
    if any(w.start <= period_end <= w.end for w in windows.values()):
        return
    quarter_ends = covered_quarter_ends(windows)
    quarters = (
        f" Quarter ends covered: {format_date(quarter_ends[0], 'iso')} to "
        f"{format_date(quarter_ends[-1], 'iso')}."
        if quarter_ends
        else ""
    )
    ranges = "; ".join(
        f"{DATASET_NAMES[w.dataset]} {format_date(w.start, 'iso')} to {format_date(w.end, 'iso')}"
        for w in windows.values()
    )
    if all(period_end > w.end for w in windows.values()):
        side = "after the data"
    elif all(period_end < w.start for w in windows.values()):
        side = "before the data"
    else:
        side = "between the datasets' dates"
    raise ParameterError(
        f"The reference date {format_date(period_end, 'iso')} is {side}: {ranges}. "
        f"Choose a date in one of those ranges.{quarters}"
    )


def covered_dates(
    windows: dict[str, Window], dataset: str, period_ends: list[pd.Timestamp]
) -> list[pd.Timestamp]:
    """The reference dates inside one dataset's window, in the order given."""
    window = windows.get(dataset)
    if window is None:
        return []
    return [d for d in period_ends if window.start <= d <= window.end]


def _reason(
    window: Window | None, dataset: str, period_end: pd.Timestamp, look_back: int
) -> str | None:
    """Why an indicator of ``dataset`` is not covered at ``period_end``, or None if it is."""
    if window is None:
        return f"no {DATASET_NAMES[dataset]} were supplied"
    if not window.start <= period_end <= window.end:
        return f"{window.describe()}, not {format_date(period_end, 'long')}"
    if look_back:
        first_needed = period_end - pd.DateOffset(months=look_back) + pd.Timedelta(days=1)
        if first_needed < window.start:
            return (
                f"it needs the {look_back} months to {format_date(period_end, 'long')}, from "
                f"{format_date(first_needed, 'long')}, but the {DATASET_NAMES[dataset]} start on "
                f"{format_date(window.start, 'long')}"
            )
    return None


def dataset_not_covered(
    windows: dict[str, Window], dataset: str, period_end: pd.Timestamp
) -> str | None:
    """Why a dataset does not cover a reference date, or None if it does.

    Args:
        windows: ``dataset_windows``.
        dataset: ``ssda903`` or ``caseload``.
        period_end: The reference date.

    Returns:
        E.g. ``no SSDA903 returns were supplied`` or ``the SSDA903 returns cover 1 April 2021 to
        31 March 2024, not 30 June 2024``; None when the dataset covers the date.
    """
    return _reason(windows.get(dataset), dataset, pd.Timestamp(period_end), 0)


def not_covered_reasons(
    windows: dict[str, Window], period_ends: list[pd.Timestamp]
) -> pd.DataFrame:
    """Every (indicator, reference date) not covered, with the reason.

    Args:
        windows: ``dataset_windows``.
        period_ends: The reference dates.

    Returns:
        A frame with ``indicator_id``, ``period_end`` and ``not_covered`` (one row per pair not
        covered).
    """
    table = indicator_datasets()
    # Few distinct (dataset, look-back) pairs: one reason each per date, then spread by merge.
    kinds = table[["dataset", "look_back_months"]].drop_duplicates()
    reasons = pd.DataFrame(
        [
            {
                "dataset": kind.dataset,
                "look_back_months": kind.look_back_months,
                "period_end": pd.Timestamp(date),
                NOT_COVERED: _reason(
                    windows.get(kind.dataset),
                    kind.dataset,
                    pd.Timestamp(date),
                    int(kind.look_back_months),
                ),
            }
            for kind in kinds.itertuples(index=False)
            for date in period_ends
        ],
        columns=["dataset", "look_back_months", "period_end", NOT_COVERED],
    ).dropna(subset=[NOT_COVERED])
    pairs = table.reset_index().merge(reasons, on=["dataset", "look_back_months"])
    return pairs[["indicator_id", "period_end", NOT_COVERED]].reset_index(drop=True)


def mark_not_covered(metrics: pd.DataFrame, reasons: pd.DataFrame) -> pd.DataFrame:
    """Replace the rows of every indicator not covered at a date by one blank overall row.

    Args:
        metrics: Metric-table rows (any computed at dates they are not covered are dropped).
        reasons: ``not_covered_reasons``.

    Returns:
        The covered rows (``not_covered`` blank) and, for each pair not covered, an overall row
        with blank numerator, denominator, value and unknown and the reason in ``not_covered``.
    """
    metrics = metrics.assign(**{NOT_COVERED: None})
    if reasons.empty:
        return metrics
    key = pd.MultiIndex.from_frame(metrics[["indicator_id", "period_end"]])
    uncovered = pd.MultiIndex.from_frame(reasons[["indicator_id", "period_end"]])
    kept = metrics[~key.isin(uncovered)]
    blanks = reasons.assign(
        breakdown=TOTAL_BREAKDOWN,
        group="all",
        numerator=np.nan,
        denominator=np.nan,
        value=np.nan,
        unknown=np.nan,
    )[[*METRIC_COLUMNS, NOT_COVERED]]
    return pd.concat([kept, blanks], ignore_index=True)


def coverage_summary(windows: dict[str, Window]) -> list[str]:
    """One plain sentence per dataset: what it covers, or that it was not supplied.

    Args:
        windows: ``dataset_windows``.

    Returns:
        Sentences such as ``The SSDA903 returns cover 1 April 2021 to 31 March 2024.``
    """
    sentences = []
    for dataset, name in DATASET_NAMES.items():
        window = windows.get(dataset)
        if window is None:
            sentences.append(f"No {name} were supplied: their indicators are not covered.")
        else:
            text = window.describe()
            sentences.append(text[0].upper() + text[1:] + ".")
    return sentences
