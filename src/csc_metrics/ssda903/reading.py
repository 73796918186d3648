"""Finding and reading SSDA903 files: year folders, encodings, table detection by columns.

Every value is read as text; cleaning happens later (``cleaning.py``). A problem that makes the
input unusable (an unreadable file, a required column missing, a file that is no SSDA903 table)
is collected, and all of them are raised together as one ``InputError``, so a user can fix
every file in one go.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from csc_metrics.errors import InputError
from csc_metrics.quality import DataQualityLog
from csc_metrics.raw_text import (
    DELIMITER_NAMES,
    blank_rows,
    decode,
    describe_heading_row,
    detect_delimiter,
    normalise_column,
    parse_csv,
    refuse_repeated_headings,
)
from csc_metrics.ssda903.issues import log_file
from csc_metrics.ssda903.raw import RawTable, finish_table
from csc_metrics.ssda903.specs import TableSpec, table_specs
from csc_metrics.ssda903.xml_reader import read_xml_tables

#: Year-folder names: ``2024``, or a span such as ``2023-24``, ``2023_24`` or ``2023-2024``,
#: which names the collection by the year it ends in.
YEAR_FOLDER = re.compile(r"^(?P<start>\d{4})(?:[-_ ]?(?P<end>\d{2}|\d{4}))?$")
READABLE_SUFFIXES = {".csv": "csv", ".xml": "xml"}
#: The small file a user puts in a year folder to say the return is an in-year extract, holding
#: the extract's date (``dd/mm/yyyy`` or ``yyyy-mm-dd``): the data then end on that date.
EXTRACT_DATE_FILE = "extract_date.txt"


@dataclass
class ReadResult:
    """Everything read from an SSDA903 folder."""

    tables: list[RawTable]
    problems: list[str]
    extract_dates: dict[int, pd.Timestamp] = field(default_factory=dict)


def year_of_folder(name: str) -> int | None:
    """Return the collection year a folder name stands for, or None if it names none.

    Args:
        name: Folder name: ``2024`` or ``2023-24`` both mean the year ending 31 March 2024.

    Returns:
        The ending year, or None.
    """
    match = YEAR_FOLDER.match(name.strip())
    if not match:
        return None
    start = int(match["start"])
    if match["end"] is None:
        return start
    end = int(match["end"])
    end = end if end > 99 else start // 100 * 100 + end
    return end if end == start + 1 else None


def detect_table(columns: list[str]) -> tuple[TableSpec | None, list[str]]:
    """Work out which SSDA903 table a file holds from its column headings.

    A file holds a table when it has all of that table's columns (extra columns are allowed);
    if several tables fit, the one with most columns wins. A file that has most of one table's
    distinctive columns but not all is that table with columns missing.

    Args:
        columns: Normalised column headings.

    Returns:
        The table (or None if the columns match no table) and the table's missing columns.
    """
    present = set(columns)
    specs = list(table_specs().values())
    complete = [s for s in specs if set(s.columns) <= present]
    if complete:
        return max(complete, key=lambda s: len(s.columns)), []
    best = max(specs, key=lambda s: len(s.distinctive & present) / len(s.distinctive))
    found = best.distinctive & present
    if found and len(found) * 2 >= len(best.distinctive):
        return best, [c for c in best.columns if c not in present]
    return None, []


def read_csv_table(
    data: bytes, path: str, collection_year: int, file_order: int, log: DataQualityLog
) -> RawTable:
    """Read one CSV file, detect its table and return its DfE columns as text.

    Args:
        data: The file's bytes.
        path: Path relative to the raw folder, for messages and ``source_file``.
        collection_year: Year the collection ends in.
        file_order: Position of the file in reading order (later files win ties).
        log: Data-quality log for extra columns, blank rows and encoding notes.

    Returns:
        The table read.

    Raises:
        InputError: If the file is unreadable, matches no table or lacks required columns.
    """
    text, encoding = decode(data, path)
    delimiter = detect_delimiter(text)
    frame = parse_csv(text, path, delimiter)
    frame.columns = [normalise_column(c) for c in frame.columns]
    spec, missing = detect_table(list(frame.columns))
    if spec is None:
        # Never the headings themselves: a file without its heading row has a child's data there.
        known = [c for s in table_specs().values() for c in s.columns]
        shown = describe_heading_row(list(frame.columns), known)
        raise InputError(
            f"{path} is not an SSDA903 table ({shown}; read as {encoding.upper()} text "
            f"separated by {DELIMITER_NAMES.get(delimiter, repr(delimiter))}s): its columns "
            "match none of "
            f"{', '.join(s.dfe_name for s in table_specs().values())}. "
            "Move it out of the ssda903 folder, or export the table with its DfE column names."
        )
    if missing:
        raise InputError(
            f"{path} looks like the {spec.dfe_name} table but lacks the required "
            f"column(s) {', '.join(missing)}."
        )
    dfe_columns = set(spec.columns)
    refuse_repeated_headings(
        list(frame.columns),
        lambda heading: heading if heading in dfe_columns else None,
        path,
        "remove the extra heading (or column) and export the table again.",
    )
    frame = frame.loc[:, ~frame.columns.duplicated()]
    extra = [c for c in frame.columns if c not in spec.columns]
    blank = blank_rows(frame)
    frame = frame.loc[~blank, list(spec.columns)]
    if encoding == "cp1252":
        log_file(log, "not_utf8", "read as Windows-1252 (cp1252) text", file=path, table=spec.table)
    if encoding == "utf-16" or delimiter != ",":
        log_file(
            log,
            "delimiter_detected",
            f"read as {encoding.upper()} text separated by {DELIMITER_NAMES[delimiter]}s"
            + (
                " (Excel's Unicode Text export)"
                if encoding == "utf-16" and delimiter == "\t"
                else ""
            ),
            file=path,
            table=spec.table,
        )
    # The header is line 1, so the first data row is line 2.
    source_rows = frame.index.to_numpy() + 2
    return finish_table(
        spec,
        path,
        collection_year,
        file_order,
        encoding,
        frame,
        source_rows,
        int(blank.sum()),
        extra,
    )


def _year_folders(folder: Path, root: Path, log: DataQualityLog) -> tuple[list, list[str]]:
    """List (year, folder) pairs, oldest first, and problems with the folder layout."""
    problems: list[str] = []
    years = []
    for entry in sorted(folder.iterdir()):
        relative = entry.relative_to(root).as_posix()
        if entry.name.startswith((".", "~$")):
            continue
        if entry.is_file():
            if entry.suffix.lower() in READABLE_SUFFIXES:
                problems.append(
                    f"{relative} is not inside a year folder. Put each year's files in a folder "
                    f"named by the year the collection ends in, e.g. {folder.name}/2024/."
                )
            else:
                log_file(log, "file_ignored", "not in a year folder; not read", file=relative)
            continue
        year = year_of_folder(entry.name)
        if year is None:
            two_digit = re.fullmatch(r"\d{2}", entry.name.strip())
            advice = (
                f"a two-digit year is ambiguous: rename it to 20{entry.name.strip()}"
                if two_digit
                else "name it by the four-digit year the collection ends in (e.g. 2024)"
            )
            problems.append(f"{relative} is not a collection-year folder: {advice}.")
            continue
        years.append((year, entry))
    return years, problems


def read_extract_date(path: Path, relative: str, year: int) -> pd.Timestamp:
    """The date in a year folder's ``extract_date.txt``, which must fall in its collection year.

    Args:
        path: The file.
        relative: Its path relative to the raw folder, for messages.
        year: The collection year (ending 31 March of ``year``).

    Returns:
        The extract date.

    Raises:
        InputError: If the file does not hold one date inside the collection year.
    """
    text = path.read_text(encoding="utf-8-sig").strip()
    date = pd.NaT
    for date_format in ("%d/%m/%Y", "%Y-%m-%d"):
        date = pd.to_datetime(text, format=date_format, errors="coerce")
        if pd.notna(date):
            break
    first, last = (
        pd.Timestamp(year=year - 1, month=4, day=1),
        pd.Timestamp(year=year, month=3, day=31),
    )
    if pd.isna(date) or not first <= date <= last:
        raise InputError(
            f"{relative} must hold one date, the day the in-year extract was taken, as "
            f"dd/mm/yyyy or yyyy-mm-dd, between 01/04/{year - 1} and 31/03/{year} (the "
            f"folder's collection year)."
        )
    return pd.Timestamp(date)


def _mixed_formats(year_folder: Path, root: Path) -> str | None:
    """A problem when one year folder holds both XML and CSV files, naming both, else None.

    The same return given twice, once as XML and once as CSV, would count every child twice;
    which of the two is right is the user's call, so nothing is merged.
    """
    files = [
        p
        for p in sorted(year_folder.iterdir())
        if p.is_file() and not p.name.startswith((".", "~$"))
    ]
    by_kind = {
        kind: [p.relative_to(root).as_posix() for p in files if p.suffix.lower() == suffix]
        for suffix, kind in READABLE_SUFFIXES.items()
    }
    if by_kind["xml"] and by_kind["csv"]:
        return (
            f"{year_folder.relative_to(root).as_posix()} holds the return both as XML "
            f"({', '.join(by_kind['xml'])}) and as CSV ({', '.join(by_kind['csv'])}). "
            "Keep one form of the return in the year folder and move the other out."
        )
    return None


def year_folders(folder: Path, log: DataQualityLog) -> tuple[list[tuple[int, Path]], list[str]]:
    """The collection-year folders of ``RAW/ssda903``, oldest first, and layout problems.

    Args:
        folder: The ``RAW/ssda903`` folder.
        log: Data-quality log (files outside any year folder).

    Returns:
        ``(year, folder)`` pairs, and the problems that make the input unusable.
    """
    return _year_folders(folder, folder.parent, log)


@dataclass
class YearRead:
    """Everything read from one collection-year folder.

    Attributes:
        tables: The tables read, numbered from ``file_order`` 1 within the year.
        problems: Problems that make the input unusable (not yet raised).
        extract_date: The in-year extract's date, when ``extract_date.txt`` gives one.
        files_read: How many CSV or XML files were read (the year's ``file_order`` count).
    """

    tables: list[RawTable]
    problems: list[str]
    extract_date: pd.Timestamp | None
    files_read: int


def read_year(year: int, year_folder: Path, root: Path, log: DataQualityLog) -> YearRead:
    """Read every file of one collection-year folder, detecting each file's table.

    Args:
        year: The collection year the folder stands for.
        year_folder: The folder.
        root: The raw folder, for the relative file names.
        log: Data-quality log.

    Returns:
        What was read; ``file_order`` counts from 1 within the year.
    """
    mixed = _mixed_formats(year_folder, root)
    if mixed:
        return YearRead([], [mixed], None, 0)
    tables: list[RawTable] = []
    problems: list[str] = []
    extract_date = None
    file_order = 0
    for path in sorted(year_folder.iterdir()):
        relative = path.relative_to(root).as_posix()
        if path.name.startswith((".", "~$")):
            continue
        if path.name.lower() == EXTRACT_DATE_FILE:
            try:
                extract_date = read_extract_date(path, relative, year)
            except InputError as error:
                problems.append(str(error))
            continue
        kind = READABLE_SUFFIXES.get(path.suffix.lower()) if path.is_file() else None
        if kind is None:
            what = "a folder inside a year folder" if path.is_dir() else "not a CSV or XML file"
            log_file(log, "file_ignored", f"{what}; not read", file=relative)
            continue
        file_order += 1
        try:
            data = path.read_bytes()
            if kind == "csv":
                tables.append(read_csv_table(data, relative, year, file_order, log))
            else:
                tables.extend(read_xml_tables(data, relative, year, file_order))
        except InputError as error:
            problems.append(str(error))
        except OSError as error:
            problems.append(f"{relative} cannot be read: {error.strerror or error}.")
    return YearRead(tables, problems, extract_date, file_order)


def read_folder(folder: Path, log: DataQualityLog) -> ReadResult:
    """Read every SSDA903 file under ``folder/<YYYY>/``, detecting each file's table.

    Args:
        folder: The ``RAW/ssda903`` folder.
        log: Data-quality log.

    Returns:
        The tables read (``file_order`` counting across the years) and the problems that make
        the input unusable (not yet raised).
    """
    years, problems = year_folders(folder, log)
    tables: list[RawTable] = []
    extract_dates: dict[int, pd.Timestamp] = {}
    files_before = 0
    for year, year_folder in years:
        read = read_year(year, year_folder, folder.parent, log)
        problems += read.problems
        for raw in read.tables:
            raw.frame["file_order"] += files_before
        tables += read.tables
        files_before += read.files_read
        if read.extract_date is not None:
            extract_dates[year] = read.extract_date
    return ReadResult(tables, problems, extract_dates)
