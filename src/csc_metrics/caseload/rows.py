"""Cleaning case rows, whichever file they came from (Annex A lists or cases.csv).

Both readers hand over the same raw text columns, so identifiers, teams, workers, case types and
dates are cleaned, pseudonymised and checked in one place, and the data-quality messages read the
same. A batch of snapshots is cleaned together: each distinct value is cleaned once, however
many of the batch's snapshots repeat it.
"""

from __future__ import annotations

import pandas as pd

from csc_metrics.caseload.issues import file_headers, log_rows
from csc_metrics.caseload.values import (
    as_text,
    clean_identifier,
    parse_dates,
    strip_ordinal_prefix,
)
from csc_metrics.caseload.vocabulary import (
    CASE_TYPE_VALUES,
    UNALLOCATED_WORKER_VALUES,
    normalise_label,
)
from csc_metrics.distinct import on_distinct
from csc_metrics.privacy import Pseudonymiser
from csc_metrics.quality import DataQualityLog

TABLE = "cases"

#: Columns of raw case rows as the readers hand them over: text cells, and where each came from.
RAW_CASE_COLUMNS = [
    "snapshot_date",
    "child_id",
    "case_type",
    "team",
    "worker_id",
    "allocated_date",
    "closure_date",
    "source_file",
    "source_row",
]

#: Columns of cleaned case rows besides their snapshot date, before one case per child is chosen.
CASE_ROW_COLUMNS = [c for c in RAW_CASE_COLUMNS if c != "snapshot_date"]

#: Date column -> what happens when a value cannot be read (for the data-quality message).
DATE_CONSEQUENCES = {
    "allocated_date": "the allocation date is left blank",
    "closure_date": "the case is treated as open",
}


def case_rows(
    raw: pd.DataFrame,
    headers: pd.DataFrame,
    log: DataQualityLog,
    pseudonymiser: Pseudonymiser,
) -> pd.DataFrame:
    """Clean raw case rows: identifiers, pseudonyms, teams, workers, case types and dates.

    Rows without a child identifier or with an unrecognised case type cannot be used: they are
    dropped with an ``error`` issue. Unreadable dates are blanked with a ``warning``.

    Args:
        raw: Raw text cells with ``RAW_CASE_COLUMNS``, from any number of files and snapshots.
        headers: Header as written in each file, indexed by ``source_file``, one column per
            canonical column, for messages.
        log: Data-quality log.
        pseudonymiser: Turns child identifiers into pseudonyms.

    Returns:
        Clean case rows: ``snapshot_date`` and ``CASE_ROW_COLUMNS``, keeping ``raw``'s index and
        order.
    """
    # Cleaning and pseudonymising together keeps the raw identifier out of every later step.
    child = on_distinct(
        raw["child_id"],
        lambda ids: pseudonymiser.series(clean_identifier(ids)),
        dtype="str",
    )
    missing = raw.loc[child.isna()]
    log_rows(
        log,
        missing.drop(columns="child_id"),
        table=TABLE,
        rule="missing_child_id",
        severity="error",
        column=file_headers(missing, headers, "child_id"),
        message="The row has no child identifier, so it cannot be counted as a case.",
    )
    raw = raw.loc[child.notna()]
    cases = pd.DataFrame(
        {
            "snapshot_date": raw["snapshot_date"],
            "child_id": child.loc[raw.index],
            "case_type": on_distinct(raw["case_type"], _distinct_case_types, dtype="str"),
            "team": on_distinct(raw["team"], _distinct_teams, dtype="str"),
            "worker_id": on_distinct(raw["worker_id"], _distinct_worker_ids, dtype="str"),
            "source_file": raw["source_file"].astype(str),
            "source_row": raw["source_row"].astype("int64"),
        }
    )
    _drop_unknown_case_types(cases, raw, headers, log)
    cases = cases.loc[cases["case_type"].notna()]
    for column, consequence in DATE_CONSEQUENCES.items():
        cases[column] = _dates(raw.loc[cases.index], cases, column, consequence, headers, log)
    return cases[["snapshot_date", *CASE_ROW_COLUMNS]]


def _distinct_case_types(cells: pd.Series) -> pd.Series:
    return as_text(cells).map(normalise_label, na_action="ignore").map(CASE_TYPE_VALUES)


def _distinct_teams(cells: pd.Series) -> pd.Series:
    return strip_ordinal_prefix(as_text(cells))


def _distinct_worker_ids(cells: pd.Series) -> pd.Series:
    """Clean worker ids; words such as "Unallocated" mean no worker, not a worker called that."""
    workers = strip_ordinal_prefix(clean_identifier(cells))
    marker = workers.map(normalise_label, na_action="ignore").isin(UNALLOCATED_WORKER_VALUES)
    return workers.mask(marker)


def _drop_unknown_case_types(
    cases: pd.DataFrame, raw: pd.DataFrame, headers: pd.DataFrame, log: DataQualityLog
) -> None:
    unknown = cases.loc[cases["case_type"].isna()]
    log_rows(
        log,
        unknown,
        table=TABLE,
        rule="invalid_case_type",
        severity="error",
        column=file_headers(unknown, headers, "case_type"),
        value=as_text(raw.loc[unknown.index, "case_type"]),
        message="The case type is not one of CIN, CP, CLA or CARE_LEAVER (or a usual spelling "
        "such as 'child protection', 'LAC', 'care leaver'), so the row is not counted.",
    )


def _dates(
    raw: pd.DataFrame,
    cases: pd.DataFrame,
    column: str,
    consequence: str,
    headers: pd.DataFrame,
    log: DataQualityLog,
) -> pd.Series:
    dates, unreadable = parse_dates(raw[column])
    offending = cases.loc[unreadable]
    log_rows(
        log,
        offending,
        table=TABLE,
        rule="unreadable_date",
        severity="warning",
        column=file_headers(offending, headers, column),
        value=as_text(raw.loc[unreadable, column]),
        message=f"Not a date (expected dd/mm/yyyy, yyyy-mm-dd or an Excel date); {consequence}.",
    )
    return dates
