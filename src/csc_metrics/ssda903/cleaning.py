"""Cleaning SSDA903 tables read as text into typed, pseudonymised columns.

Cleaning is driven by the kind of each column in ``reference/ssda903_tables.csv`` (identifier,
code, date, postcode, text), so every table is cleaned the same way. Only the columns that
``processed/`` keeps are cleaned. Every changed or blanked value is logged with its rule.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd

from csc_metrics.distinct import on_distinct
from csc_metrics.errors import describe_location
from csc_metrics.privacy import Pseudonymiser
from csc_metrics.quality import DataQualityLog
from csc_metrics.raw_text import Cleaned, normalise_postcodes
from csc_metrics.ssda903 import specs
from csc_metrics.ssda903.issues import log_rows
from csc_metrics.ssda903.values import (
    clean_codes,
    clean_identifiers,
    clean_text,
    parse_dates,
)
from csc_metrics.storage import PROCESSED_TABLES

SOURCE_COLUMNS = ["source_file", "source_row", "collection_year", "file_order"]
#: (table, DfE column) the DfE makes mandatory; DECOM's absence is the error missing_start_date.
MANDATORY_ITEMS = {("episodes", column) for column in ("RNE", "LS", "CIN", "PLACE")}
#: A file's date column is unusable when more than this share of its dates have two-digit years.
TWO_DIGIT_YEAR_SHARE = 0.5

#: Message for each value-level rule; ``{column}`` is the DfE column.
MESSAGES = {
    "value_tidied": "read as {cleaned} (spaces removed or upper-cased)",
    "excel_number_artefact": "read as {cleaned} (Excel's '.0' removed)",
    "label_instead_of_code": "a label, read as the code {cleaned}",
    "code_not_valid_in_year": "not in this collection year's list for {column}; read as {cleaned}",
    "invalid_code": "expected a DfE code for {column}; left blank",
    "invalid_date": "expected a date (dd/mm/yyyy, yyyy-mm-dd or an Excel date number); left blank",
    "two_digit_year": "a two-digit year cannot be trusted; left blank (write dd/mm/yyyy)",
    "invalid_postcode": "expected a postcode, postcode sector or district; left blank",
    "postcode_normalised": (
        "postcode rewritten in the standard form (upper case, one space before the last three "
        "characters)"
    ),
}


def output_columns(table: str) -> list[str]:
    """Return the DfE columns of a table that ``processed/`` keeps."""
    return list(_output_columns(table))


@cache
def _output_columns(table: str) -> tuple[str, ...]:
    kept = set(PROCESSED_TABLES[f"clean_ssda903__{table}"].to_schema().columns)
    # CHILD becomes child_id; Header's UPN becomes upn_code (the unknown-UPN code only).
    kept |= {"child", "upn"} if table == "header" else {"child"}
    return tuple(c for c in specs.table_specs()[table].columns if c.lower() in kept)


#: Messages about the child identifier, which never show the identifier itself.
CHILD_MESSAGES = {
    "value_tidied": "spaces removed or letters upper-cased in the child identifier",
    "excel_number_artefact": "Excel's '.0' removed from the child identifier",
}


def _log_value_issues(
    log: DataQualityLog,
    frame: pd.DataFrame,
    raw: pd.Series | None,
    cleaned: Cleaned,
    table: str,
    column: str,
) -> None:
    """Log each rule's rows; with ``raw`` None (identifiers) no value is shown anywhere."""
    for rule, mask in cleaned.issues.items():
        if not mask.any():
            continue
        template = MESSAGES[rule]
        if raw is None:
            message = CHILD_MESSAGES[rule]
        elif "{cleaned}" in template:
            before, after = template.split("{cleaned}")
            message = (
                before.format(column=column)
                + cleaned.values[mask].astype("str").fillna("")
                + after.format(column=column)
            )
        else:
            message = template.format(column=column)
        log_rows(
            log,
            frame[mask],
            rule,
            message,
            table=table,
            column=column,
            value=None if raw is None else raw[mask].astype("str"),
        )


class ChildPseudonyms:
    """Pseudonyms of child identifiers, each distinct identifier hashed once per ingest.

    The same children appear in every table and every year, so hashing once and looking the
    pseudonym up afterwards keeps a national ingest fast.
    """

    def __init__(self, pseudonymiser: Pseudonymiser) -> None:
        self._pseudonymiser = pseudonymiser
        self._known = pd.Series(dtype="str", index=pd.Index([], dtype="str"))

    def __call__(self, identifiers: pd.Series) -> pd.Series:
        """Return the pseudonym of each identifier (blank stays blank).

        Args:
            identifiers: Cleaned identifiers.

        Returns:
            Pseudonyms aligned with ``identifiers``.
        """
        codes, distinct = pd.factorize(identifiers)
        new = distinct.difference(self._known.index)
        if len(new):
            hashed = self._pseudonymiser.series(pd.Series(new, dtype="str"))
            self._known = pd.concat([self._known, pd.Series(hashed.to_numpy(), index=new)])
        pseudonyms = self._known.reindex(distinct).to_numpy(dtype=object)
        # Spread as text picked by position (blank, code -1, picks the trailing None): turning
        # millions of Python strings into a text column one by one is what would cost.
        choices = pd.Series(np.append(pseudonyms, np.array(None, dtype=object)), dtype="str")
        spread = choices.take(np.where(codes < 0, len(pseudonyms), codes))
        spread.index = identifiers.index
        return spread


def pseudonymise_children(
    frame: pd.DataFrame, table: str, log: DataQualityLog, pseudonyms: ChildPseudonyms
) -> pd.DataFrame:
    """Replace the raw CHILD column by ``child_id`` pseudonyms; drop rows without a child.

    The raw identifier never reaches the log: issues about it carry the pseudonym only.

    Args:
        frame: Rows with a raw ``CHILD`` column and source columns.
        table: Table name, for the log.
        log: Data-quality log.
        pseudonyms: The keyed hash of each child.

    Returns:
        The rows with a ``child_id`` column instead of ``CHILD``.
    """
    cleaned = clean_identifiers(frame["CHILD"])
    frame = frame.drop(columns="CHILD").assign(child_id=pseudonyms(cleaned.values))
    _log_value_issues(log, frame, None, cleaned, table, "CHILD")
    missing = frame["child_id"].isna()
    log_rows(
        log,
        frame[missing],
        "missing_child_id",
        "CHILD is blank; the row cannot be linked to a child and was dropped",
        table=table,
        column="CHILD",
    )
    return frame[~missing]


def _two_digit_year_problems(
    frame: pd.DataFrame, raw: pd.Series, cleaned: Cleaned, column: str
) -> list[str]:
    """Name each file whose column mostly has two-digit years: no date in it can be trusted."""
    two_digit = cleaned.issues["two_digit_year"]
    if not two_digit.any():
        return []
    present = raw.fillna("").str.strip().ne("")
    share = two_digit.groupby(frame["source_file"]).sum() / present.groupby(
        frame["source_file"]
    ).sum().clip(lower=1)
    problems = []
    for file in share[share > TWO_DIGIT_YEAR_SHARE].index:
        first = frame[two_digit & frame["source_file"].eq(file)].index[0]
        # The row, never the date itself: it may be a child's date of birth (DOB, MC_DOB).
        problems.append(
            f"{describe_location(file, column)}: dates have two-digit years (the first on row "
            f"{frame.at[first, 'source_row']}, written like dd/mm/yy), so the century is "
            "unknown. Save the file again with four-digit years (dd/mm/yyyy)."
        )
    return problems


def _upper_text(distinct: pd.Series) -> pd.Series:
    """Free text stripped and upper-cased, with Excel's ``123.0`` undone (``clean_text``)."""
    return clean_text(distinct, upper=True)


def _blank(distinct: pd.Series) -> pd.Series:
    """Whether each value is blank as given: missing, empty or spaces."""
    return distinct.isna() | distinct.astype("object").str.strip().eq("")


def _clean_postcodes(values: pd.Series) -> Cleaned:
    """Postcodes normalised, with the rows whose postcode was rewritten (``postcode_normalised``).

    Worked out on the distinct postcodes (``on_distinct``): a national episode table repeats
    the same postcodes in millions of rows.
    """

    def clean(distinct: pd.Series) -> pd.DataFrame:
        cleaned = normalise_postcodes(distinct)
        as_given = distinct.astype("object").str.strip()
        rewritten = cleaned.values.notna() & as_given.notna() & cleaned.values.ne(as_given)
        return pd.DataFrame(
            {
                "value": cleaned.values,
                "invalid_postcode": cleaned.issues["invalid_postcode"],
                "postcode_normalised": rewritten.astype(bool),
            }
        )

    result = on_distinct(values, clean, dtype="str")
    return Cleaned(
        result["value"].astype("str"),
        {rule: result[rule].astype(bool) for rule in ("invalid_postcode", "postcode_normalised")},
    )


def clean_columns(
    raw: pd.DataFrame,
    table: str,
    log: DataQualityLog,
    pseudonyms: ChildPseudonyms,
    problems: list[str],
) -> pd.DataFrame:
    """Clean every kept column of one table by its kind, logging each change.

    Args:
        raw: The table's rows from every file, as text, with source columns.
        table: Table short name.
        log: Data-quality log.
        pseudonyms: The keyed hash for ``CHILD``.
        problems: Problems that make the input unusable are appended here.

    Returns:
        The cleaned rows: ``child_id``, lower-case DfE columns, and the source columns.
    """
    spec = specs.table_specs()[table]
    columns = output_columns(table)
    frame = pseudonymise_children(raw[columns + SOURCE_COLUMNS], table, log, pseudonyms)
    frame["collection_year"] = frame["collection_year"].astype(int)
    for column in columns:
        if column == "CHILD":
            continue
        kind = spec.kinds[column]
        values = frame[column]
        if kind == "code":
            cleaned = clean_codes(values, frame["collection_year"], table, column)
        elif kind == "date":
            cleaned = parse_dates(values)
            problems.extend(_two_digit_year_problems(frame, values, cleaned, column))
        elif kind == "postcode":
            cleaned = _clean_postcodes(values)
        else:
            cleaned = Cleaned(on_distinct(values, _upper_text, dtype="str"))
        if (table, column) in MANDATORY_ITEMS:
            # Blank as given; a value that is not a valid code has its own invalid_code warning.
            blank = on_distinct(values, _blank, dtype="str").astype(bool)
            log_rows(
                log,
                frame[blank],
                "mandatory_item_blank",
                f"{column} is mandatory but blank; figures that need it leave the episode out "
                "or count it as unknown",
                table=table,
                column=column,
            )
        _log_value_issues(log, frame, values, cleaned, table, column)
        frame[column.lower()] = cleaned.values
        if column.lower() != column:
            frame = frame.drop(columns=column)
    return frame
