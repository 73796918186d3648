"""Reading a plain ``cases.csv`` allocation list, the alternative to an Annex A workbook.

One row per open case: ``child_id, case_type, team, worker_id, allocated_date`` (README,
"Caseload snapshots"). A blank ``worker_id`` means the case is unallocated.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from csc_metrics.caseload.csv_files import read_csv_table
from csc_metrics.caseload.rows import CASE_ROW_COLUMNS, TABLE, case_rows
from csc_metrics.caseload.vocabulary import CASES_CSV_COLUMNS, CASES_CSV_REQUIRED
from csc_metrics.privacy import Pseudonymiser
from csc_metrics.quality import DataQualityLog


def read_cases_csv(
    path: Path, source: str, log: DataQualityLog, pseudonymiser: Pseudonymiser
) -> pd.DataFrame:
    """Read the open cases of a ``cases.csv`` file.

    Args:
        path: The file.
        source: Its path relative to the raw folder.
        log: Data-quality log.
        pseudonymiser: Turns child identifiers into pseudonyms.

    Returns:
        Case rows (``rows.CASE_ROW_COLUMNS``), child ids pseudonymised.

    Raises:
        InputError: If the file cannot be read or lacks child_id, case_type, team or worker_id.
    """
    cells, headers = read_csv_table(path, source, CASES_CSV_COLUMNS, CASES_CSV_REQUIRED, TABLE, log)
    return case_rows(cells, log, pseudonymiser, headers)[CASE_ROW_COLUMNS]
