"""Reading the case lists of an Ofsted Annex A workbook (Lists 6, 7, 8 and 9).

Annex A is the child-level workbook a council gives Ofsted at an inspection (docs/definitions.md,
"Caseloads and the workforce"). For
caseloads only four lists matter: 6 children in need, 7 child protection, 8 children in care and
9 care leavers, each with the child's allocated team and worker. Sheets and headers are matched
loosely (the tables in ``vocabulary``), values lose their ``a) `` prefixes, and dates may be
datetime cells, Excel serial numbers or text.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import chain, zip_longest
from operator import itemgetter
from pathlib import Path

import numpy as np
import pandas as pd
from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook

from csc_metrics.caseload.rows import CASE_ROW_COLUMNS, RAW_CASE_COLUMNS, case_rows
from csc_metrics.caseload.values import excel_row_numbers, find_columns, require_columns
from csc_metrics.caseload.vocabulary import (
    ANNEX_A_CLOSURE_HEADINGS,
    ANNEX_A_HEADINGS,
    ANNEX_A_LIST_CASE_TYPES,
    ANNEX_A_LIST_TITLES,
    ANNEX_A_SHEET_NUMBER_PATTERNS,
    ANNEX_A_SHEET_TITLES,
    CASE_TYPE_LABELS,
    HEADER_SEARCH_ROWS,
    normalise_label,
)
from csc_metrics.dates import format_date
from csc_metrics.errors import InputError
from csc_metrics.privacy import Pseudonymiser
from csc_metrics.quality import DataQualityLog
from csc_metrics.raw_text import check_workbook_size

DATASET = "caseload"
TABLE = "cases"
#: The columns of a case list read as cells (besides each row's number).
CELL_COLUMNS = ("child_id", "team", "worker_id", "closure_date")

#: Shown each case list sheet read (``observing_sheets``): workbook path, sheet name, and the
#: sheet's cells as calamine gives them (``to_python(skip_empty_area=False)``), to read only.
SheetObserver = Callable[[Path, str, Sequence[Sequence[object]]], None]


def list_number_of_sheet(sheet_name: str) -> int | None:
    """Work out which Annex A list a sheet holds from its name.

    Args:
        sheet_name: The sheet's name, e.g. "List 6", "list6", "List 6 - CIN", "6. Children in Need"
            or "Children in Need".

    Returns:
        The list number, or None if the name is not recognised.
    """
    for pattern in ANNEX_A_SHEET_NUMBER_PATTERNS:
        match = pattern.search(sheet_name)
        if match:
            return int(match.group(1))
    return ANNEX_A_SHEET_TITLES.get(normalise_label(sheet_name))


def _case_list_sheets(sheet_names: list[str], source: str) -> dict[int, str]:
    """Map Annex A list numbers 6-9 to the sheet that holds each; refuse ambiguous workbooks."""
    found: dict[int, list[str]] = {}
    for name in sheet_names:
        number = list_number_of_sheet(name)
        if number in ANNEX_A_LIST_CASE_TYPES:
            found.setdefault(number, []).append(name)
    doubled = {n: names for n, names in found.items() if len(names) > 1}
    if doubled:
        detail = "; ".join(f"List {n}: {', '.join(names)}" for n, names in doubled.items())
        raise InputError(
            f"{source}: more than one sheet holds the same Annex A list ({detail}). "
            "Keep one sheet per list."
        )
    return {n: names[0] for n, names in sorted(found.items())}


def _header_row(rows: Sequence[Sequence[object]]) -> int | None:
    """Return the 0-based index of the first row that holds a child identifier header."""
    accepted = {normalise_label(v) for v in ANNEX_A_HEADINGS["child_id"]}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if any(cell is not None and normalise_label(cell) in accepted for cell in row):
            return index
    return None


def sheet_grid(rows: Sequence[Sequence[object]]) -> np.ndarray:
    """Return a sheet's rows as one (row, column) grid of cells, short rows padded with None.

    calamine gives every row of a sheet the same width, so the cells are taken in one pass
    without looking at each; rows of other widths (trailing blank cells not stored) are padded.

    Args:
        rows: The sheet's rows, each a list of cells.

    Returns:
        An ``object`` array of shape (rows, widest row).
    """
    width = max(map(len, rows), default=0)
    if min(map(len, rows), default=0) == width:
        cells = np.fromiter(chain.from_iterable(rows), dtype=object, count=len(rows) * width)
        return cells.reshape(len(rows), width)
    return np.array(list(zip_longest(*rows, fillvalue=None)), dtype=object).T


#: Whether a cell is text, and whether a text cell is spaces only (at C speed on a whole array).
_IS_TEXT = np.frompyfunc(isinstance, 2, 1)
_STR_TYPE = np.array(str, dtype=object)
_IS_SPACES = np.frompyfunc(str.isspace, 1, 1)


def blank_text(cells: np.ndarray) -> np.ndarray:
    """Tell which cells are empty text or text of nothing but spaces (calamine's blank cells).

    Args:
        cells: Cells of a sheet, an ``object`` array of any shape.

    Returns:
        A boolean array of the same shape: True where the cell is text with nothing but
        whitespace (or nothing) in it. Missing values (None, NaN) are not text: False.
    """
    text = _IS_TEXT(cells, _STR_TYPE).astype(bool)
    texts = cells[text]
    blank = np.zeros(cells.shape, dtype=bool)
    blank[text] = np.equal(texts, "").astype(bool) | _IS_SPACES(texts).astype(bool)
    return blank


def _blank_text_as_none(cells: np.ndarray) -> np.ndarray:
    """The cells with empty and spaces-only text made None, so a plain null test finds them."""
    cells = cells.copy()
    cells[blank_text(cells)] = None
    return cells


def read_columns(
    rows: Sequence[Sequence[object]], columns: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Take columns of a sheet's rows, blank text made None, and tell which rows hold anything.

    A row holds something when any of its cells, in any column, is neither missing nor blank
    text. Only the columns taken are looked at in every row; a row blank there (rare: the end
    of a sheet) is looked at whole.

    Args:
        rows: The sheet's rows (below the header), each a list of cells.
        columns: The columns to take, at least one.

    Returns:
        ``(cells, filled)``: the columns' cells, (row, column taken), with empty and
        spaces-only text made None; and one boolean per row, True where the row is filled.
    """
    if rows and min(map(len, rows)) > max(columns):
        # Only the cells taken are copied (a list's other columns are most of its cells).
        take = itemgetter(*columns) if len(columns) > 1 else lambda row: (row[columns[0]],)
        taken = np.fromiter(
            chain.from_iterable(map(take, rows)), dtype=object, count=len(rows) * len(columns)
        ).reshape(len(rows), len(columns))
    else:
        taken = _padded(sheet_grid(rows), max(columns) + 1)[:, columns]
    cells = _blank_text_as_none(taken)
    filled = ~pd.isna(cells).all(axis=1)
    undecided = np.flatnonzero(~filled)
    if len(undecided):
        rest = sheet_grid([rows[index] for index in undecided.tolist()])
        filled[undecided] = ~(pd.isna(rest) | blank_text(rest)).all(axis=1)
    return cells, filled


def _padded(grid: np.ndarray, width: int) -> np.ndarray:
    """A grid widened with None cells to at least ``width`` columns."""
    if grid.shape[1] >= width:
        return grid
    padding = np.full((grid.shape[0], width - grid.shape[1]), None, dtype=object)
    return np.hstack([grid, padding])


def _read_list(
    rows: Sequence[Sequence[object]], number: int, source: str, log: DataQualityLog
) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Read one list sheet's case rows as raw cells, with the header of each column used.

    Empty and spaces-only text cells (calamine gives an empty cell as "") are blanks: None in
    the cells returned, and a row of nothing but blanks is not a case row.

    Returns:
        ``(cells, headers)``: the child, team, worker and closure date cells and the sheet row
        number of each non-blank row, and the header as written of each column used.
    """
    where = f"{source} (Annex A List {number}, {ANNEX_A_LIST_TITLES[number]})"
    header_index = _header_row(rows)
    if header_index is None:
        first_row = list(_blank_text_as_none(np.array(rows[0], dtype=object))) if rows else []
        require_columns({}, ("child_id",), ANNEX_A_HEADINGS, first_row, where)  # always raises
        raise AssertionError("unreachable")
    headers = list(_blank_text_as_none(np.array(rows[header_index], dtype=object)))
    variants = {**ANNEX_A_HEADINGS, "closure_date": ANNEX_A_CLOSURE_HEADINGS.get(number, ())}
    positions = find_columns(headers, variants)
    require_columns(positions, ("child_id", "team", "worker_id"), variants, headers, where)
    if "closure_date" not in positions and number in ANNEX_A_CLOSURE_HEADINGS:
        log.add(
            dataset=DATASET,
            table=TABLE,
            file=source,
            rule="missing_closure_column",
            severity="warning",
            message=f"{where} has no closure date column (expected one of: "
            f"{', '.join(ANNEX_A_CLOSURE_HEADINGS[number])}); every row is taken as open.",
        )
    taken = sorted({positions[column] for column in CELL_COLUMNS if column in positions})
    read, filled = read_columns(rows[header_index + 1 :], taken)
    read = read[filled]
    blank = np.full(len(read), None, dtype=object)
    cells = {
        column: read[:, taken.index(positions[column])] if column in positions else blank
        for column in CELL_COLUMNS
    }
    cells["source_row"] = excel_row_numbers(len(filled), header_index + 1)[filled]
    return cells, {name: str(headers[position]) for name, position in positions.items()}


def _open_workbook(path: Path, source: str) -> CalamineWorkbook:
    # calamine (Rust) reads a workbook 10-20 times faster than openpyxl, which matters when a
    # quarterly run re-reads every historical snapshot.
    check_workbook_size(path, source)
    try:
        return CalamineWorkbook.from_path(str(path))
    except (CalamineError, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise InputError(
            f"{source} could not be opened as an Excel .xlsx workbook ({error}). "
            "Save the Annex A workbook as .xlsx and try again."
        ) from error


#: Called with each case list sheet read (the workbook's path, the sheet's name, its cells)
#: while ``observing_sheets`` is in force.
_sheet_observers: list[SheetObserver] = []


@contextmanager
def observing_sheets(observer: SheetObserver) -> Iterator[None]:
    """Show ``observer`` each case list sheet read while in force, as calamine gave its cells.

    The report run's privacy check reads the child identifiers of every raw workbook by its own
    rule; shown the sheets ingest parses anyway, it need not parse them a second time (about 4 s
    of CPU for a county's 28 workbooks), nor turn their cells into Python values again. The
    observer is called in the reading thread, so it should only keep what it needs.

    Args:
        observer: Called with the workbook's path, the sheet's name and the sheet's cells
            (``to_python(skip_empty_area=False)``), which it must not change.
    """
    _sheet_observers.append(observer)
    try:
        yield
    finally:
        _sheet_observers.remove(observer)


@dataclass
class OpenedWorkbook:
    """An Annex A workbook opened, and its case list sheets parsed, ahead of being read.

    Attributes:
        workbook: The open workbook (``read_annex_a_cells`` closes it).
        sheets: Sheet name -> the parsed sheet, for each sheet holding one of Lists 6-9.
    """

    workbook: CalamineWorkbook
    sheets: dict[str, CalamineSheet]


def open_case_lists(path: Path, source: str) -> OpenedWorkbook | None:
    """Open a workbook and parse the sheets of its case lists, for reading it later.

    Made to run in a worker thread: calamine parses a sheet without holding the GIL, so the
    workbooks of later snapshots are parsed while earlier ones are cleaned (``caseload.prefetch``).
    Nothing is logged or raised here: when anything fails, None is returned and
    ``read_annex_a_cells`` opens the workbook itself, so that the problem is reported as always
    and in its place among the snapshots.

    Args:
        path: The workbook.
        source: Its path relative to the raw folder.

    Returns:
        The open workbook and its parsed case list sheets, or None.
    """
    try:
        check_workbook_size(path, source)
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception:  # reported by read_annex_a_cells, which tries again
        return None
    try:
        sheets = _case_list_sheets(list(workbook.sheet_names), source)
        return OpenedWorkbook(
            workbook, {name: workbook.get_sheet_by_name(name) for name in sheets.values()}
        )
    except Exception:  # reported by read_annex_a_cells, which tries again
        workbook.close()
        return None


def _sheet_rows(
    workbook: CalamineWorkbook, sheet_name: str, path: Path, parsed: CalamineSheet | None = None
) -> Sequence[Sequence[object]]:
    sheet = parsed if parsed is not None else workbook.get_sheet_by_name(sheet_name)
    # An empty cell comes as "": ``_read_list`` tells blanks column by column.
    rows: Sequence[Sequence[object]] = sheet.to_python(skip_empty_area=False)
    for observer in list(_sheet_observers):
        observer(path, sheet_name, rows)
    return rows


@dataclass
class AnnexACells:
    """The case rows of one workbook's Lists 6-9, as read.

    Attributes:
        rows: Raw cells (``rows.RAW_CASE_COLUMNS``, as text), closed rows still included,
            ``source_file`` naming workbook and sheet.
        headers: Header as written of each column used, indexed by ``source_file`` (the sheet).
        sheets: The workbook and list number of each sheet, indexed by ``source_file``.
    """

    rows: pd.DataFrame
    headers: pd.DataFrame
    sheets: pd.DataFrame


def read_annex_a_cells(
    path: Path,
    source: str,
    snapshot_date: pd.Timestamp,
    log: DataQualityLog,
    opened: OpenedWorkbook | None = None,
) -> AnnexACells:
    """Read the case rows of Annex A Lists 6-9 of a workbook, every cell as text.

    A missing list, or a list without a closure date column, is a warning. A workbook with none
    of Lists 6-9 cannot be used.

    Args:
        path: The workbook.
        source: Its path relative to the raw folder, used in messages and ``source_file``.
        snapshot_date: The snapshot date ``S``, stored on every row.
        log: Data-quality log.
        opened: The workbook already opened and parsed (``open_case_lists``), or None to
            open it here.

    Returns:
        The rows, the headers of each sheet, and which list each sheet holds.

    Raises:
        InputError: If the file is not a readable workbook, holds none of Lists 6-9, holds one list
            twice, or a list lacks the child, team or worker column.
    """
    workbook = opened.workbook if opened is not None else _open_workbook(path, source)
    parsed = opened.sheets if opened is not None else {}
    try:
        sheets = _case_list_sheets(list(workbook.sheet_names), source)
        if not sheets:
            raise InputError(
                f"{source}: no Annex A case lists found (expected sheets named like "
                f"'List 6', 'List 7', 'List 8', 'List 9'). Sheets found: "
                f"{', '.join(workbook.sheet_names) or 'none'}."
            )
        _log_lists_found(sheets, source, log)
        lists = {
            f"{source} [{sheet_name}]": _read_list(
                _sheet_rows(workbook, sheet_name, path, parsed.get(sheet_name)),
                number,
                f"{source} [{sheet_name}]",
                log,
            )
            for number, sheet_name in sheets.items()
        }
    finally:
        workbook.close()
    columns = {
        column: np.concatenate([cells[column] for cells, _ in lists.values()])
        for column in (*CELL_COLUMNS, "source_row")
    }
    lengths = [len(cells["source_row"]) for cells, _ in lists.values()]
    # Cells arrive as text, numbers or datetimes; as text they are cleaned like any CSV cell.
    rows = pd.DataFrame(
        {
            "snapshot_date": snapshot_date,
            "child_id": pd.Series(columns["child_id"], dtype=object).astype("str"),
            "case_type": np.repeat([ANNEX_A_LIST_CASE_TYPES[n] for n in sheets], lengths),
            "team": pd.Series(columns["team"], dtype=object).astype("str"),
            "worker_id": pd.Series(columns["worker_id"], dtype=object).astype("str"),
            "allocated_date": pd.Series(np.nan, index=range(sum(lengths)), dtype="str"),
            "closure_date": pd.Series(columns["closure_date"], dtype=object).astype("str"),
            "source_file": np.repeat(list(lists), lengths),
            "source_row": columns["source_row"],
        }
    )
    return AnnexACells(
        rows=rows[RAW_CASE_COLUMNS],
        headers=pd.DataFrame.from_dict(
            {sheet: headers for sheet, (_, headers) in lists.items()}, orient="index"
        ),
        sheets=pd.DataFrame({"workbook": source, "list_number": list(sheets)}, index=list(lists)),
    )


def read_annex_a(
    path: Path,
    source: str,
    snapshot_date: pd.Timestamp,
    log: DataQualityLog,
    pseudonymiser: Pseudonymiser,
) -> pd.DataFrame:
    """Read the open cases on Annex A Lists 6-9 of a workbook.

    Rows whose closure date is on or before the snapshot date are closed and left out (see
    ``drop_closed_rows``). A missing list is a warning; a workbook with none of Lists 6-9 cannot
    be used.

    Args:
        path: The workbook.
        source: Its path relative to the raw folder, used in messages and ``source_file``.
        snapshot_date: The snapshot date ``S``.
        log: Data-quality log.
        pseudonymiser: Turns child identifiers into pseudonyms.

    Returns:
        Case rows (``rows.CASE_ROW_COLUMNS``), one per open row, child ids pseudonymised.

    Raises:
        InputError: If the file is not a readable workbook, holds none of Lists 6-9, holds one list
            twice, or a list lacks the child, team or worker column.
    """
    cells = read_annex_a_cells(path, source, snapshot_date, log)
    cases = case_rows(cells.rows, cells.headers, log, pseudonymiser)
    return drop_closed_rows(cases, cells.sheets, log)[CASE_ROW_COLUMNS].reset_index(drop=True)


def drop_closed_rows(
    cases: pd.DataFrame, sheets: pd.DataFrame, log: DataQualityLog
) -> pd.DataFrame:
    """Leave out Annex A rows closed on or before their snapshot date.

    Closed rows are normal (Ofsted asks for recently closed cases too); each workbook's are
    counted, by list, in one ``info`` issue.

    Args:
        cases: Clean case rows (``snapshot_date``, ``closure_date``, ``source_file``) of any
            number of workbooks and CSV files (which have no closure dates).
        sheets: The workbook and list number of each Annex A sheet, indexed by ``source_file``.
        log: Data-quality log.

    Returns:
        The open rows.
    """
    closed = cases["closure_date"].le(cases["snapshot_date"])
    counts = (
        cases.loc[closed]
        .groupby(["snapshot_date", "source_file"])
        .size()
        .rename("closed")
        .reset_index()
        .join(sheets, on="source_file")
        .sort_values(["snapshot_date", "list_number"])
    )
    # One issue per workbook, and there is one workbook per snapshot.
    for (snapshot_date, workbook), lists in counts.groupby(["snapshot_date", "workbook"]):
        total = int(lists["closed"].sum())
        detail = ", ".join(
            f"List {n}: {c}" for n, c in zip(lists["list_number"], lists["closed"], strict=True)
        )
        log.add(
            dataset=DATASET,
            table=TABLE,
            file=str(workbook),
            rule="closed_rows",
            severity="info",
            value=str(total),
            message=f"{total} row(s) closed on or before the snapshot date "
            f"{format_date(snapshot_date)} are not open cases and were not counted ({detail}).",
        )
    return cases.loc[~closed]


def _log_lists_found(sheets: dict[int, str], source: str, log: DataQualityLog) -> None:
    found = ", ".join(f"List {n} ('{name}')" for n, name in sheets.items())
    log.add(
        dataset=DATASET,
        table=TABLE,
        file=source,
        rule="annex_a_lists_found",
        severity="info",
        message=f"Annex A case lists read: {found}.",
    )
    for number in sorted(set(ANNEX_A_LIST_CASE_TYPES) - set(sheets)):
        log.add(
            dataset=DATASET,
            table=TABLE,
            file=source,
            rule="annex_a_list_missing",
            severity="warning",
            value=f"List {number}",
            message=f"The workbook has no List {number} ({ANNEX_A_LIST_TITLES[number]}), so "
            f"{CASE_TYPE_LABELS[ANNEX_A_LIST_CASE_TYPES[number]]} cases are missing from this "
            "snapshot's caseloads.",
        )
