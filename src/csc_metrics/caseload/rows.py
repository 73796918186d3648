"""Cleaning case rows, whichever file they came from (Annex A lists or cases.csv).

Both readers hand over the same raw columns, so identifiers, teams, workers, case types and dates
are cleaned, pseudonymised and checked in one place, and the data-quality messages read the same.
"""

from __future__ import annotations

import pandas as pd

from csc_metrics.caseload.values import (
    as_text,
    clean_identifier,
    map_labels,
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

DATASET = "caseload"
TABLE = "cases"

#: Columns of cleaned case rows, before one case per child is chosen.
CASE_ROW_COLUMNS = [
    "child_id",
    "case_type",
    "team",
    "worker_id",
    "allocated_date",
    "closure_date",
    "source_file",
    "source_row",
]

#: Date column -> what happens when a value cannot be read (for the data-quality message).
DATE_CONSEQUENCES = {
    "allocated_date": "the allocation date is left blank",
    "closure_date": "the case is treated as open",
}


def case_rows(
    raw: pd.DataFrame,
    log: DataQualityLog,
    pseudonymiser: Pseudonymiser,
    headers: dict[str, str],
) -> pd.DataFrame:
    """Clean raw case rows: identifiers, pseudonyms, teams, workers, case types and dates.

    Rows without a child identifier or with an unrecognised case type cannot be used: they are
    dropped with an ``error`` issue. Unreadable dates are blanked with a ``warning``.

    Args:
        raw: Raw cells with ``child_id``, ``case_type``, ``team``, ``worker_id``,
            ``source_file`` and ``source_row``, and optionally ``allocated_date`` and
            ``closure_date``.
        log: Data-quality log.
        pseudonymiser: Turns child identifiers into pseudonyms.
        headers: Canonical column -> header as written in the file, for messages.

    Returns:
        Clean case rows with ``CASE_ROW_COLUMNS``, keeping ``raw``'s index.
    """
    child = clean_identifier(raw["child_id"])
    log.add_rows(
        raw.loc[child.isna()].drop(columns="child_id"),
        dataset=DATASET,
        table=TABLE,
        rule="missing_child_id",
        severity="error",
        column=headers.get("child_id"),
        message="The row has no child identifier, so it cannot be counted as a case.",
    )
    raw = raw.loc[child.notna()]
    cases = pd.DataFrame(index=raw.index)
    cases["child_id"] = pseudonymiser.series(child.loc[raw.index])
    cases["case_type"] = map_labels(as_text(raw["case_type"]), CASE_TYPE_VALUES)
    cases["team"] = strip_ordinal_prefix(as_text(raw["team"]))
    cases["worker_id"] = _worker_ids(raw["worker_id"])
    cases["source_file"] = raw["source_file"].astype(str)
    cases["source_row"] = raw["source_row"].astype("int64")
    _drop_unknown_case_types(cases, raw, log, headers)
    cases = cases.loc[cases["case_type"].notna()]
    for column, consequence in DATE_CONSEQUENCES.items():
        cases[column] = _dates(raw.loc[cases.index], cases, column, consequence, log, headers)
    return cases[CASE_ROW_COLUMNS]


def _worker_ids(cells: pd.Series) -> pd.Series:
    """Clean worker ids; words such as "Unallocated" mean no worker, not a worker called that."""
    return on_distinct(cells, _distinct_worker_ids)


def _distinct_worker_ids(cells: pd.Series) -> pd.Series:
    workers = strip_ordinal_prefix(clean_identifier(cells))
    marker = workers.map(normalise_label, na_action="ignore").isin(UNALLOCATED_WORKER_VALUES)
    return workers.mask(marker)


def _drop_unknown_case_types(
    cases: pd.DataFrame, raw: pd.DataFrame, log: DataQualityLog, headers: dict[str, str]
) -> None:
    unknown = cases["case_type"].isna()
    log.add_rows(
        cases.loc[unknown],
        dataset=DATASET,
        table=TABLE,
        rule="invalid_case_type",
        severity="error",
        column=headers.get("case_type"),
        value=as_text(raw.loc[unknown, "case_type"]),
        message="The case type is not one of CIN, CP, CLA or CARE_LEAVER (or a usual spelling "
        "such as 'child protection', 'LAC', 'care leaver'), so the row is not counted.",
    )


def _dates(
    raw: pd.DataFrame,
    cases: pd.DataFrame,
    column: str,
    consequence: str,
    log: DataQualityLog,
    headers: dict[str, str],
) -> pd.Series:
    if column not in raw.columns:
        return pd.Series(pd.NaT, index=cases.index, dtype="datetime64[ns]")
    dates, unreadable = parse_dates(raw[column])
    log.add_rows(
        cases.loc[unreadable],
        dataset=DATASET,
        table=TABLE,
        rule="unreadable_date",
        severity="warning",
        column=headers.get(column, column),
        value=as_text(raw.loc[unreadable, column]),
        message=f"Not a date (expected dd/mm/yyyy, yyyy-mm-dd or an Excel date); {consequence}.",
    )
    return dates
