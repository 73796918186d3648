"""Which dataset each report needs, and what a report says when none of it covers the period.

``reference/report_datasets.csv`` lists each report notebook (by file name, without
``.ipynb``) with the datasets it can run on, separated by spaces: the report runs when any one
of them covers the period end (the overview and data-quality reports run on either dataset). A
report none of whose datasets covers the period end is not executed: the run publishes a short
page in its place saying which data it needs and why there are none for the period
(``no_data_notebook``), and the landing page says the same. A notebook not listed (a council's
own) always runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from csc_metrics import storage
from csc_metrics.dates import format_date, period_label
from csc_metrics.indicators.coverage import (
    DATASET_FOLDERS,
    DATASET_NAMES,
    Window,
    dataset_not_covered,
    dataset_windows,
)
from csc_metrics.indicators.snapshots import snapshot_dates
from csc_metrics.views.context_line import dataset_coverage_words

#: The catalogue of which dataset each report needs.
REPORT_DATASETS_FILE = "report_datasets.csv"


@cache
def report_datasets() -> dict[str, tuple[str, ...]]:
    """Report notebook (file stem) -> the datasets it can run on (any one is enough).

    Raises:
        ValueError: If the catalogue names a dataset that does not exist (a packaging defect).
    """
    path = files("csc_metrics") / "reference" / REPORT_DATASETS_FILE
    with path.open(encoding="utf-8") as handle:
        table = pd.read_csv(handle, dtype=str)
    needs = {
        str(row.notebook): tuple(str(row.datasets).split()) for row in table.itertuples(index=False)
    }
    unknown = {d for datasets in needs.values() for d in datasets} - set(DATASET_NAMES)
    if unknown:
        raise ValueError(f"{REPORT_DATASETS_FILE} names unknown datasets: {sorted(unknown)}")
    return needs


@dataclass(frozen=True)
class DataDates:
    """The dates the processed data cover.

    Attributes:
        windows: The dates each dataset supplied covers (``coverage.dataset_windows``).
        snapshots: Every caseload snapshot date, oldest first.
    """

    windows: dict[str, Window]
    snapshots: list[pd.Timestamp]

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> DataDates:
        """The dates of a ``coverage.dates_record`` (the report preparation's answer)."""
        windows = {
            str(name): Window(str(name), pd.Timestamp(start), pd.Timestamp(end))
            for name, (start, end) in record["windows"].items()
        }
        return cls(windows, [pd.Timestamp(date) for date in record["snapshots"]])

    def coverage_words(self, period_end: pd.Timestamp) -> str:
        """What each dataset covers at a period end, in the reports' context-line words."""
        before = [d for d in self.snapshots if d <= period_end]
        return dataset_coverage_words(self.windows, before, period_end)


def data_dates(processed: Path) -> DataDates:
    """The dates the data in a processed folder cover.

    Args:
        processed: A folder written by ``csc-metrics ingest``.

    Returns:
        Each dataset's window and the caseload snapshot dates.
    """
    data = storage.load_processed(processed)
    return DataDates(dataset_windows(data), snapshot_dates(data))


@dataclass(frozen=True)
class MissingData:
    """Why a report has no data for the period.

    Attributes:
        needs: The datasets it can run on, in words (``SSDA903 returns``).
        reasons: Why each is missing (``no SSDA903 returns were supplied``).
        remedies: What would give the report its data, one sentence each (Markdown).
    """

    needs: str
    reasons: list[str]
    remedies: list[str]

    def summary(self) -> str:
        """One line for the landing page and the manifest."""
        return f"it needs {self.needs}; {'; '.join(self.reasons)}"


def missing_data(notebook: Path, dates: DataDates, period_end: pd.Timestamp) -> MissingData | None:
    """Why a report has no data for the period end, or None when it has (or is not listed).

    Args:
        notebook: The report notebook.
        dates: What the processed data cover.
        period_end: The period end.

    Returns:
        The datasets it needs and why none covers ``period_end``; None when one does, and
        None when there are no data at all (then every notebook runs and says what is wrong:
        ingest refuses such a raw folder, so this is a processed folder that is not usable).
    """
    needed = report_datasets().get(Path(notebook).stem)
    if not needed or not dates.windows:
        return None
    reasons = [dataset_not_covered(dates.windows, d, period_end) for d in needed]
    if any(reason is None for reason in reasons):
        return None
    remedies = []
    for dataset in needed:
        window = dates.windows.get(dataset)
        covered = window.quarter_ends() if window is not None else []
        if covered:
            remedies.append(
                f"Run it for a period the {DATASET_NAMES[dataset]} cover "
                f"(`--period-end {format_date(covered[-1], 'iso')}` is the latest), or add the "
                f"later data in `{DATASET_FOLDERS[dataset]}`."
            )
        else:
            remedies.append(
                f"To produce it, put the {DATASET_NAMES[dataset]} in `{DATASET_FOLDERS[dataset]}` "
                "and run `csc-metrics run` again."
            )
    return MissingData(
        needs=" or ".join(DATASET_NAMES[d] for d in needed),
        reasons=[str(r) for r in reasons],
        remedies=remedies,
    )


def no_data_notebook(missing: MissingData, period_end: pd.Timestamp) -> nbformat.NotebookNode:
    """The page a report gets in place of its notebook when it has no data for the period.

    Args:
        missing: What it needs and why there are none.
        period_end: The period end.

    Returns:
        A notebook of one markdown cell, rendered like any executed report (under the report's
        own title, which the page inserts as the cell has no heading).
    """
    reasons = "; ".join(missing.reasons)
    text = (
        f"**No data for this report.** This report needs {missing.needs} covering the "
        f"{period_label(period_end)}, and there are none: {reasons}. So the report was not "
        "produced for this period; the other reports were, from the data supplied.\n\n"
        + " ".join(missing.remedies)
    )
    notebook = nbformat.v4.new_notebook()
    notebook.cells.append(nbformat.v4.new_markdown_cell(text))
    return notebook
