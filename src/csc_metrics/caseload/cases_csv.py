"""Reading a plain ``cases.csv`` allocation list, the alternative to an Annex A workbook.

One row per open case: ``child_id, case_type, team, worker_id, allocated_date`` (README,
"Caseload snapshots"). A blank ``worker_id`` means the case is unallocated.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from csc_metrics.caseload.csv_files import read_csv_table
from csc_metrics.caseload.rows import RAW_CASE_COLUMNS, TABLE
from csc_metrics.caseload.vocabulary import CASES_CSV_HEADINGS, CASES_CSV_REQUIRED
from csc_metrics.errors import InputError
from csc_metrics.quality import DataQualityLog


def read_cases_csv_cells(
    path: Path, source: str, snapshot_date: pd.Timestamp, log: DataQualityLog
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Read the rows of a ``cases.csv`` file as text, for ``rows.case_rows`` to clean.

    Args:
        path: The file.
        source: Its path relative to the raw folder.
        snapshot_date: The snapshot date, stored on every row.
        log: Data-quality log.

    Returns:
        ``(cells, headers)``: raw cells (``rows.RAW_CASE_COLUMNS``; a CSV has no closure dates)
        and the header each column had in the file.

    Raises:
        InputError: If the file cannot be read or lacks child_id, case_type, team or worker_id.
    """
    cells, headers = read_csv_table(
        path, source, CASES_CSV_HEADINGS, CASES_CSV_REQUIRED, TABLE, log
    )
    if cells.empty:
        raise InputError(
            f"{source} has column headings but no rows: a snapshot's case list needs one row "
            "per open case. Add the cases, or move the snapshot folder out of caseload/."
        )
    cells = cells.assign(
        snapshot_date=snapshot_date,
        closure_date=pd.Series(np.nan, index=cells.index, dtype="str"),
    )
    return cells[RAW_CASE_COLUMNS], headers
