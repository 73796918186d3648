"""Reading the user's reference files: the postcode lookup and child population.

Both are optional. ``RAW/reference/postcodes.csv`` maps a postcode, postcode sector or district
to an OS grid reference and a local authority; ``RAW/reference/population.csv`` gives the child
population (0-17) by council and year, for rates per 10,000. Problems are logged to the
data-quality table under the ``reference`` dataset; rows that cannot be used are dropped with an
error issue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from csc_metrics.errors import InputError
from csc_metrics.quality import DataQualityLog
from csc_metrics.raw_text import (
    blank_rows,
    blank_to_na,
    decode,
    normalise_column,
    normalise_postcodes,
    parse_csv,
)
from csc_metrics.storage import empty_table

DATASET = "reference"
POSTCODES_FILE = "postcodes.csv"
POPULATION_FILE = "population.csv"
#: Accepted headings of the postcode column, in order of preference (ONS Postcode Directory
#: extracts call it pcds, pcd or pcd2).
POSTCODE_HEADINGS = ("POSTCODE", "PCDS", "PCD", "PCD2", "SECTOR", "DISTRICT")
POSTCODE_COLUMNS = ("EASTING", "NORTHING", "LA_CODE")
POPULATION_COLUMNS = ("LA_CODE", "YEAR", "POPULATION_0_17")


def _read_csv(path: Path, root: Path) -> tuple[pd.DataFrame, str]:
    """Read a reference CSV as text with normalised headings and a ``source_row`` column."""
    relative = path.relative_to(root).as_posix()
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(f"{relative} cannot be read: {error.strerror or error}.") from None
    text, _ = decode(data, relative)
    frame = parse_csv(text, relative)
    frame.columns = [normalise_column(c) for c in frame.columns]
    frame = frame[~blank_rows(frame)]
    return frame.assign(source_file=relative, source_row=frame.index + 2), relative


def _require(frame: pd.DataFrame, columns: tuple[str, ...], relative: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"{relative} lacks the column(s) {', '.join(missing)} (expected {', '.join(columns)})."
        )


def _log(log: DataQualityLog, rows: pd.DataFrame, table: str, **issue: object) -> None:
    log.add_rows(rows, dataset=DATASET, table=table, **issue)


def _numbers(frame: pd.DataFrame, column: str, table: str, log: DataQualityLog) -> pd.Series:
    """Parse a numeric column; values that are not numbers are blanked with a warning."""
    text = blank_to_na(frame[column]).str.replace(",", "", regex=False)
    numbers = pd.to_numeric(text, errors="coerce")
    bad = text.notna() & numbers.isna()
    _log(
        log,
        frame[bad],
        table,
        column=column,
        value=frame.loc[bad, column],
        rule="not_a_number",
        severity="warning",
        message="expected a number; left blank",
    )
    return numbers


def _drop_duplicates(
    frame: pd.DataFrame, key: list[str], table: str, log: DataQualityLog
) -> pd.DataFrame:
    duplicate = frame.duplicated(key, keep="first")
    _log(
        log,
        frame[duplicate],
        table,
        column=key[0].upper(),
        value=frame.loc[duplicate, key[0]].astype("str"),
        rule="duplicate_row",
        severity="error",
        message="repeats an earlier row with the same " + ", ".join(key) + "; dropped",
    )
    return frame[~duplicate]


def read_postcodes(frame: pd.DataFrame, relative: str, log: DataQualityLog) -> pd.DataFrame:
    """Clean a postcode lookup into a ``CleanPostcodes`` table.

    Args:
        frame: The CSV as text (from ``_read_csv``): a postcode (or sector, or district)
            column, easting, northing, la_code.
        relative: The file's path relative to the raw folder.
        log: Data-quality log.

    Returns:
        One row per postcode, sector or district, normalised to upper case with one space
        before the inward code.

    Raises:
        InputError: If the file lacks a required column.
    """
    heading = next((h for h in POSTCODE_HEADINGS if h in frame.columns), None)
    if heading is None:
        raise InputError(
            f"{relative} has no postcode column (expected one headed "
            f"{' or '.join(POSTCODE_HEADINGS[:3]).lower()}, sector or district)."
        )
    _require(frame, POSTCODE_COLUMNS, relative)
    table = "postcodes"
    postcodes = normalise_postcodes(frame[heading])
    unusable = postcodes.values.isna()
    _log(
        log,
        frame[unusable],
        table,
        column=heading,
        value=frame.loc[unusable, heading],
        rule="invalid_postcode",
        severity="error",
        message="blank, or not a postcode, sector or district; row dropped",
    )
    clean = pd.DataFrame(
        {
            "postcode": postcodes.values,
            "easting": _numbers(frame, "EASTING", table, log),
            "northing": _numbers(frame, "NORTHING", table, log),
            "la_code": blank_to_na(frame["LA_CODE"]).str.upper(),
            "source_file": frame["source_file"],
            "source_row": frame["source_row"],
        }
    )[~unusable]
    clean = _drop_duplicates(clean, ["postcode"], table, log)
    return clean.drop(columns=["source_file", "source_row"]).reset_index(drop=True)


def read_population(frame: pd.DataFrame, relative: str, log: DataQualityLog) -> pd.DataFrame:
    """Clean child population estimates into a ``CleanPopulation`` table.

    Args:
        frame: The CSV as text (from ``_read_csv``): la_code, year, population_0_17.
        relative: The file's path relative to the raw folder.
        log: Data-quality log.

    Returns:
        One row per council and year with a positive population.

    Raises:
        InputError: If the file lacks a required column.
    """
    _require(frame, POPULATION_COLUMNS, relative)
    table = "population"
    clean = pd.DataFrame(
        {
            "la_code": blank_to_na(frame["LA_CODE"]).str.upper(),
            "year": pd.to_numeric(blank_to_na(frame["YEAR"]), errors="coerce"),
            "population_0_17": pd.to_numeric(
                blank_to_na(frame["POPULATION_0_17"]).str.replace(",", "", regex=False),
                errors="coerce",
            ),
            "source_file": frame["source_file"],
            "source_row": frame["source_row"],
        }
    )
    year, population = clean["year"], clean["population_0_17"]
    checks = [
        (clean["la_code"].isna(), "LA_CODE", "la_code is blank"),
        (year.isna() | year.mod(1).ne(0), "YEAR", "year is not a whole number"),
        (~population.gt(0), "POPULATION_0_17", "population_0_17 is not a number above 0"),
    ]
    unusable = pd.Series(False, index=clean.index)
    for failed, column, reason in checks:
        # One issue per row: the first reason it cannot be used.
        first = failed & ~unusable
        _log(
            log,
            clean[first],
            table,
            column=column,
            value=frame.loc[first, column],
            rule="invalid_population_row",
            severity="error",
            message=f"{reason}; row dropped",
        )
        unusable |= failed
    clean = clean[~unusable].astype({"year": int})
    clean = _drop_duplicates(clean, ["la_code", "year"], table, log)
    return clean.drop(columns=["source_file", "source_row"]).reset_index(drop=True)


@dataclass
class ReferenceResult:
    """The clean reference tables and the rows read from each file.

    Attributes:
        tables: ``postcodes`` (``CleanPostcodes``) and ``population`` (``CleanPopulation``).
        rows_in: Table -> data rows read (0 when the file is absent).
    """

    tables: dict[str, pd.DataFrame]
    rows_in: dict[str, int] = field(default_factory=dict)


def read_reference(folder: Path, log: DataQualityLog) -> ReferenceResult:
    """Read the optional reference files of ``RAW/reference``.

    Args:
        folder: The ``RAW/reference`` folder (it need not exist).
        log: Data-quality log; an absent file gets an ``info`` issue.

    Returns:
        The clean tables; an absent file gives an empty table.

    Raises:
        InputError: If a file is present but unreadable or lacks a required column.
    """
    folder = Path(folder)
    root = folder.parent
    readers = {
        "postcodes": (POSTCODES_FILE, read_postcodes, "placement distance and location"),
        "population": (POPULATION_FILE, read_population, "rates per 10,000 children"),
    }
    result = ReferenceResult(tables={})
    for table, (name, reader, purpose) in readers.items():
        path = folder / name
        if path.is_file():
            frame, relative = _read_csv(path, root)
            result.rows_in[table] = len(frame)
            result.tables[table] = reader(frame, relative, log)
        else:
            log.add(
                dataset=DATASET,
                table=table,
                file=path.relative_to(root).as_posix(),
                rule="file_absent",
                severity="info",
                message=f"no {name}: {purpose} cannot be worked out",
            )
            result.rows_in[table] = 0
            result.tables[table] = empty_table(f"clean_reference__{table}")
    return result
