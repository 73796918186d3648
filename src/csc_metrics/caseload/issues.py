"""Recording caseload data-quality issues for rows read from many files at once.

Each snapshot's files are read first and then cleaned together, so one batch of offending rows
can come from many files, each of which may name a column its own way ("Staff ID",
"worker_id"). The issues name the header as written in the row's own file.
"""

from __future__ import annotations

import pandas as pd

from csc_metrics.quality import DQ_COLUMNS, DataQualityLog

DATASET = "caseload"


def file_headers(rows: pd.DataFrame, headers: pd.DataFrame, column: str) -> pd.Series:
    """Return the header each row's file gave a canonical column.

    Args:
        rows: Rows with ``source_file``.
        headers: Header as written, indexed by ``source_file``, one column per canonical column.
        column: The canonical column (``worker_id``).

    Returns:
        The header of ``column`` in each row's file; the canonical name where a file has none.
    """
    written = headers[column] if column in headers else pd.Series(dtype="str")
    return rows["source_file"].map(written).fillna(column).astype("str")


def log_rows(
    log: DataQualityLog,
    rows: pd.DataFrame,
    *,
    table: str,
    rule: str,
    severity: str,
    message: str | pd.Series,
    column: str | pd.Series | None = None,
    value: pd.Series | None = None,
) -> None:
    """Record one caseload issue per row, vectorised.

    Like ``DataQualityLog.add_rows``, but ``column`` may differ from row to row.

    Args:
        log: Data-quality log.
        rows: Offending rows, with ``source_file``, ``source_row`` and, where the table has one,
            ``child_id`` (already pseudonymised).
        table: Table name (``cases``, ``workforce``, ``establishment``).
        rule: Short rule name.
        severity: ``error``, ``warning`` or ``info``.
        message: What was expected; a string, or a Series aligned with ``rows``.
        column: Column the issue is about: one name, or a Series aligned with ``rows``.
        value: Offending values aligned with ``rows``; never raw child identifiers.
    """
    if rows.empty:
        return
    issues = pd.DataFrame(
        {
            "dataset": DATASET,
            "table": table,
            "file": rows["source_file"].to_numpy(),
            "row": rows["source_row"].to_numpy(),
            "child_id": rows["child_id"].to_numpy() if "child_id" in rows else None,
            "column": column.to_numpy() if isinstance(column, pd.Series) else column,
            "value": value.to_numpy() if value is not None else None,
            "rule": rule,
            "severity": severity,
            "message": message.to_numpy() if isinstance(message, pd.Series) else message,
        },
        index=range(len(rows)),
    )
    log.extend(issues[DQ_COLUMNS])
