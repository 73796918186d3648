"""Recording SSDA903 data-quality issues, each with the severity its rule is registered with.

The rules themselves (name, severity, meaning) are registered in ``quality_rules.py``, beside
the data-quality log; ``docs/definitions.md`` and the README describe them in plain words.
"""

from __future__ import annotations

import pandas as pd

from csc_metrics.quality import DataQualityLog
from csc_metrics.quality_rules import severity

DATASET = "ssda903"


def log_rows(
    log: DataQualityLog,
    rows: pd.DataFrame,
    rule: str,
    message: str | pd.Series,
    *,
    table: str,
    column: str | None = None,
    value: pd.Series | None = None,
    dataset: str = DATASET,
) -> None:
    """Record one issue per row, with the rule's severity.

    Args:
        log: The data-quality log.
        rows: Offending rows, with ``source_file``, ``source_row`` and ``child_id``.
        rule: A key of ``RULES``.
        message: What was expected, for every row or aligned with ``rows``.
        table: Table name.
        column: DfE column name.
        value: Offending values aligned with ``rows`` (never a raw child identifier).
        dataset: Dataset name.
    """
    log.add_rows(
        rows,
        dataset=dataset,
        rule=rule,
        severity=severity(rule),
        message=message,
        table=table,
        column=column,
        value=value,
    )


def log_file(
    log: DataQualityLog,
    rule: str,
    message: str,
    *,
    file: str,
    table: str | None = None,
    column: str | None = None,
    dataset: str = DATASET,
) -> None:
    """Record one file-level issue, with the rule's severity."""
    log.add(
        dataset=dataset,
        rule=rule,
        severity=severity(rule),
        message=message,
        table=table,
        file=file,
        column=column,
    )
