"""The data-quality rules of SSDA903 ingest: each rule's name, severity and meaning, as data.

Severities follow ``quality.py``: ``error`` the row cannot be used and is dropped, ``warning`` a
value was changed or blanked or the row is used with caution, ``info`` noted but harmless.
``docs/definitions.md`` and the README describe the same rules in plain words.
"""

from __future__ import annotations

import pandas as pd

from csc_metrics.quality import DataQualityLog

DATASET = "ssda903"

#: Rule -> (severity, what it means).
RULES: dict[str, tuple[str, str]] = {
    "missing_child_id": ("error", "the row has no child identifier, so it cannot be used"),
    "missing_start_date": ("error", "the episode has no valid start date (DECOM)"),
    "duplicate_row": ("error", "the same record appears twice in one collection year"),
    "episode_superseded": (
        "error",
        "an episode left open in an older return was replaced by a later return",
    ),
    "value_tidied": ("warning", "spaces removed or letters upper-cased"),
    "excel_number_artefact": ("warning", "a number Excel wrote as '1.0' was read as '1'"),
    "label_instead_of_code": ("warning", "a code's label was given instead of the code"),
    "code_not_valid_in_year": (
        "warning",
        "the code belongs to another collection year's list; mapped to today's code",
    ),
    "invalid_code": ("warning", "the value is not a code of this column; left blank"),
    "invalid_date": ("warning", "the value is not a possible date; left blank"),
    "two_digit_year": ("warning", "a date with a two-digit year cannot be trusted; left blank"),
    "invalid_postcode": ("warning", "the value is not a postcode, sector or district; left blank"),
    "dec_before_decom": ("warning", "the episode ends before it starts"),
    "date_after_year_end": (
        "warning",
        "an episode date is later than the end of its return's collection year",
    ),
    "episode_repaired": ("warning", "an episode left open in an older return was closed"),
    "episode_overlap": ("warning", "the episode starts before the previous one ended"),
    "episode_gap": ("warning", "a continuation episode starts after the previous one ended"),
    "child_not_in_header": ("warning", "the child has episodes but no Header row"),
    "table_missing_for_year": ("warning", "a collection year has Episodes but no Header"),
    "file_ignored": ("warning", "the file is not CSV or XML and was not read"),
    "extra_column": ("info", "a local column that is not in the DfE table was dropped"),
    "blank_rows_skipped": ("info", "completely blank rows were skipped"),
    "not_utf8": ("info", "the file was read as Windows-1252 (cp1252) text"),
    "table_not_used": ("info", "a DfE table was recognised but csc-metrics does not use it"),
    "repeated_in_later_file": (
        "info",
        "records repeated in a later return; the later return's version was kept",
    ),
}


def severity(rule: str) -> str:
    """Return the severity of a rule."""
    return RULES[rule][0]


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
