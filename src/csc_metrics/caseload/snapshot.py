"""Allocation snapshots: find each one's files, read them, and make one case per child.

A snapshot folder ``RAW/caseload/<YYYY-MM-DD>/`` holds one case list (an Annex A workbook or
``cases.csv``), a ``workforce.csv`` and optionally an ``establishment.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from csc_metrics.caseload.annex_a import drop_closed_rows, read_annex_a_cells
from csc_metrics.caseload.cases_csv import read_cases_csv_cells
from csc_metrics.caseload.prefetch import WorkbookPrefetch
from csc_metrics.caseload.rows import case_rows
from csc_metrics.caseload.values import group_codes, same_spelling
from csc_metrics.caseload.workforce import (
    clean_establishment,
    clean_workforce,
    read_establishment_cells,
    read_workforce_cells,
)
from csc_metrics.errors import InputError
from csc_metrics.privacy import Pseudonymiser
from csc_metrics.quality import DataQualityLog
from csc_metrics.schemas import CleanCases, CleanEstablishment, CleanWorkforce, column_names
from csc_metrics.settings import DEFAULT_SETTINGS, Settings

DATASET = "caseload"
CASES_FILE = "cases.csv"
WORKFORCE_FILE = "workforce.csv"
ESTABLISHMENT_FILE = "establishment.csv"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
#: Old binary Excel files cannot be read by openpyxl; the user is asked to re-save them.
OLD_WORKBOOK_SUFFIXES = (".xls",)

#: The columns of the clean tables, as their models declare them (``schemas.py``).
CASES_COLUMNS = column_names(CleanCases)
WORKFORCE_COLUMNS = column_names(CleanWorkforce)
ESTABLISHMENT_COLUMNS = column_names(CleanEstablishment)


@dataclass
class SnapshotFiles:
    """The files of one snapshot folder, sorted by what they are."""

    case_lists: list[Path] = field(default_factory=list)
    workforce: Path | None = None
    establishment: Path | None = None
    old_workbooks: list[Path] = field(default_factory=list)
    other: list[Path] = field(default_factory=list)


def find_snapshot_files(folder: Path) -> SnapshotFiles:
    """Sort the files of a snapshot folder (names compared without regard to case).

    Args:
        folder: A snapshot folder.

    Returns:
        The files found. Excel's ``~$`` lock files and hidden files are ignored.
    """
    files = SnapshotFiles()
    for path in sorted(p for p in folder.iterdir() if p.is_file()):
        name = path.name.lower()
        if name.startswith(("~$", ".")):
            continue
        if name == CASES_FILE or path.suffix.lower() in WORKBOOK_SUFFIXES:
            files.case_lists.append(path)
        elif path.suffix.lower() in OLD_WORKBOOK_SUFFIXES:
            files.old_workbooks.append(path)
        elif name == WORKFORCE_FILE:
            files.workforce = path
        elif name == ESTABLISHMENT_FILE:
            files.establishment = path
        else:
            files.other.append(path)
    return files


def _relative(path: Path, raw_root: Path) -> str:
    return path.relative_to(raw_root).as_posix()


def _one_case_list(files: SnapshotFiles, folder_name: str) -> Path:
    if len(files.case_lists) > 1:
        names = ", ".join(p.name for p in files.case_lists)
        raise InputError(
            f"{folder_name} holds more than one case list ({names}). A snapshot needs exactly "
            "one: an Annex A workbook (.xlsx) or cases.csv. Move the others out."
        )
    if not files.case_lists:
        old = ", ".join(p.name for p in files.old_workbooks)
        hint = f" ({old} is an old .xls workbook: save it as .xlsx)" if old else ""
        raise InputError(
            f"{folder_name} has no case list{hint}. Each snapshot folder needs an Annex A "
            "workbook (.xlsx, Lists 6-9) or cases.csv, plus workforce.csv."
        )
    return files.case_lists[0]


@dataclass
class SnapshotCells:
    """One snapshot's files as read, every cell still text (see ``read_snapshot_cells``).

    Attributes:
        snapshot_date: The snapshot date.
        cases: Raw case rows (``rows.RAW_CASE_COLUMNS``), closed Annex A rows included.
        workforce: Raw workforce rows, or None when the folder has no workforce list.
        establishment: Raw establishment rows, or None when the folder has none.
        headers: ``source_file`` -> canonical column -> header as written in that file.
        annex_a_sheets: The workbook and list number of each Annex A sheet, indexed by
            ``source_file`` (empty for a ``cases.csv``).
    """

    snapshot_date: pd.Timestamp
    cases: pd.DataFrame
    workforce: pd.DataFrame | None
    establishment: pd.DataFrame | None
    headers: dict[str, dict[str, str]]
    annex_a_sheets: pd.DataFrame


def read_snapshot_cells(
    folder: Path,
    snapshot_date: pd.Timestamp,
    raw_root: Path,
    log: DataQualityLog,
    workbooks: WorkbookPrefetch | None = None,
) -> SnapshotCells:
    """Read one snapshot folder's case list, workforce and establishment lists as text.

    Nothing is cleaned here: ``clean_snapshots`` cleans every snapshot's cells together.

    Args:
        folder: The snapshot folder.
        snapshot_date: Its date (from the folder name).
        raw_root: The raw folder, for the relative file names in messages.
        log: Data-quality log (file-level issues: columns, lists, files ignored).
        workbooks: Annex A workbooks being parsed ahead, or None.

    Returns:
        The snapshot's cells, each row tagged with ``snapshot_date``, ``source_file`` and
        ``source_row``.

    Raises:
        InputError: If the folder has no case list, or more than one, or a file is unusable.
    """
    folder_name = _relative(folder, raw_root)
    files = find_snapshot_files(folder)
    case_list = _one_case_list(files, folder_name)
    _log_ignored_files(files, raw_root, log)
    source = _relative(case_list, raw_root)
    headers: dict[str, dict[str, str]] = {}
    if case_list.suffix.lower() in WORKBOOK_SUFFIXES:
        opened = workbooks.take(case_list) if workbooks is not None else None
        annex_a = read_annex_a_cells(case_list, source, snapshot_date, log, opened)
        cases, sheets = annex_a.rows, annex_a.sheets
        headers |= annex_a.headers.to_dict(orient="index")
    else:
        cases, headers[source] = read_cases_csv_cells(case_list, source, snapshot_date, log)
        sheets = NO_ANNEX_A_SHEETS
    workforce = establishment = None
    if files.workforce is None:
        _log_workforce_missing(folder_name, log)
    else:
        path = _relative(files.workforce, raw_root)
        workforce, headers[path] = read_workforce_cells(files.workforce, path, snapshot_date, log)
    if files.establishment is not None:
        path = _relative(files.establishment, raw_root)
        establishment, headers[path] = read_establishment_cells(
            files.establishment, path, snapshot_date, log
        )
    return SnapshotCells(snapshot_date, cases, workforce, establishment, headers, sheets)


#: The Annex A sheets of a snapshot whose case list is a ``cases.csv``: none.
NO_ANNEX_A_SHEETS = pd.DataFrame(
    {"workbook": pd.Series(dtype="str"), "list_number": pd.Series(dtype="int64")},
    index=pd.Index([], dtype="str"),
)


def _log_workforce_missing(folder_name: str, log: DataQualityLog) -> None:
    log.add(
        dataset=DATASET,
        table="workforce",
        file=folder_name,
        rule="workforce_list_missing",
        severity="warning",
        message=f"{folder_name} has no workforce.csv: case teams come from the case list, "
        "and caseload per FTE and the workforce measures cannot be worked out for this "
        "snapshot.",
    )


def clean_snapshots(
    snapshots: list[SnapshotCells],
    log: DataQualityLog,
    pseudonymiser: Pseudonymiser,
    settings: Settings = DEFAULT_SETTINGS,
) -> dict[str, pd.DataFrame]:
    """Clean the cells of every snapshot together and make one case per child per snapshot.

    Args:
        snapshots: The snapshots read (at least one).
        log: Data-quality log.
        pseudonymiser: Turns child identifiers into pseudonyms.
        settings: Local rules (``case_type_priority``).

    Returns:
        ``{"cases", "workforce", "establishment"}`` with the processed tables' columns (not yet
        sorted or validated).
    """
    headers = pd.DataFrame.from_dict(
        {source: columns for cells in snapshots for source, columns in cells.headers.items()},
        orient="index",
    )
    workforce_cells = [cells.workforce for cells in snapshots if cells.workforce is not None]
    workforce = (
        clean_workforce(pd.concat(workforce_cells, ignore_index=True), headers, log)
        if workforce_cells
        else None
    )
    rows = case_rows(
        pd.concat([cells.cases for cells in snapshots], ignore_index=True),
        headers,
        log,
        pseudonymiser,
    )
    sheets = pd.concat([cells.annex_a_sheets for cells in snapshots])
    rows = drop_closed_rows(rows, sheets, log)
    with_workforce = [cells.snapshot_date for cells in snapshots if cells.workforce is not None]
    cases = resolve_cases(rows, workforce, with_workforce, log, settings)
    establishment_cells = [c.establishment for c in snapshots if c.establishment is not None]
    establishment = (
        clean_establishment(pd.concat(establishment_cells, ignore_index=True), headers, log)
        if establishment_cells
        else pd.DataFrame(columns=ESTABLISHMENT_COLUMNS)
    )
    return {
        "cases": cases[CASES_COLUMNS],
        "workforce": (workforce if workforce is not None else _no_workforce())[WORKFORCE_COLUMNS],
        "establishment": establishment[ESTABLISHMENT_COLUMNS],
    }


def _no_workforce() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in WORKFORCE_COLUMNS})


def _log_ignored_files(files: SnapshotFiles, raw_root: Path, log: DataQualityLog) -> None:
    for path in files.other + files.old_workbooks:
        log.add(
            dataset=DATASET,
            file=_relative(path, raw_root),
            rule="file_ignored",
            severity="info",
            message="Not a caseload file csc-metrics reads (annex_a.xlsx or cases.csv, "
            "workforce.csv, establishment.csv); ignored.",
        )


def resolve_cases(
    rows: pd.DataFrame,
    workforce: pd.DataFrame | None,
    with_workforce: list[pd.Timestamp],
    log: DataQualityLog,
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """Make one case per child per snapshot, typed by priority, with its allocated worker's team.

    A child on several lists (or rows) of a snapshot is one case. Its type is the highest in
    ``settings.case_type_priority``. Its worker is taken from the highest-priority row that has a
    worker, so a child allocated on one list is not counted as unallocated because another list
    left the worker blank; worker ids that differ only in capitals or spacing are one worker,
    written as in the workforce list. The team is the worker's team in the workforce list; where
    the worker is not there, the team on the case row (with one warning per such worker and
    snapshot).

    Args:
        rows: Open case rows (``snapshot_date`` and ``rows.CASE_ROW_COLUMNS``) of any number of
            snapshots, in file order.
        workforce: The clean workforce lists of those snapshots, or None when there are none.
        with_workforce: The snapshots that have a workforce list (which may have no rows).
        log: Data-quality log.
        settings: Local rules (``case_type_priority``).

    Returns:
        One row per child per snapshot: ``snapshot_date, child_id, case_type, case_types_held,
        team, worker_id, allocated_date, source_file``.
    """
    priority = tuple(settings.case_type_priority)
    # Annex A often names workers as typed by hand: match them to the workforce list's spelling.
    rows = rows.reset_index(drop=True)
    rows["worker_id"] = same_spelling(rows["worker_id"], rows["snapshot_date"], workforce)
    type_codes, types = pd.factorize(rows["case_type"])
    rank = (
        pd.Series(types).map({t: n for n, t in enumerate(priority)}).fillna(len(priority))
    ).to_numpy(dtype="int64")[type_codes]
    # Allocated rows first, then by priority; ties go to the first row (idxmin keeps the first).
    choice = rank + rows["worker_id"].isna().to_numpy() * (len(priority) + 1)
    # Cases numbered in order of first appearance; grouping integers is far cheaper than text.
    case = group_codes(rows["snapshot_date"], rows["child_id"])
    by_case = pd.DataFrame({"rank": rank, "choice": choice}).groupby(case, sort=True)
    chosen = rows.take(by_case["choice"].idxmin().to_numpy()).reset_index(drop=True)
    chosen["case_type"] = rows["case_type"].take(by_case["rank"].idxmin().to_numpy()).to_numpy()
    cases = len(chosen)
    chosen["case_types_held"] = _held_types(case, cases, rank, priority)
    _log_children_on_several_rows(
        chosen,
        np.bincount(case, minlength=cases),
        _workers_per_case(case, cases, rows["worker_id"]),
        log,
    )
    chosen["team"] = _team_of_cases(chosen, workforce, with_workforce, log)
    return chosen[CASES_COLUMNS]


def _workers_per_case(case: np.ndarray, cases: int, worker_ids: pd.Series) -> np.ndarray:
    """Count the different (non-blank) workers named on each case's rows, in case order."""
    pair = group_codes(pd.Series(case), worker_ids)
    named = pair >= 0
    case_of_pair = np.zeros(pair.max() + 1 if len(pair) else 0, dtype="int64")
    # Every row of a (case, worker) pair has the same case, so repeated writes agree.
    case_of_pair[pair[named]] = case[named]
    return np.bincount(case_of_pair, minlength=cases)


def _held_types(
    case: np.ndarray, cases: int, rank: np.ndarray, priority: tuple[str, ...]
) -> np.ndarray:
    """Every case type each case is open under, ';'-joined in priority order, in case order."""
    # Each type is one bit; a case's types make a mask with at most 2**4 values, which a small
    # lookup table turns into text.
    masks = np.zeros(cases, dtype="int64")
    for position in range(len(priority)):
        held = np.bincount(case[rank == position], minlength=cases) > 0
        masks |= held.astype("int64") << position
    labels = np.array(
        [
            ";".join(t for n, t in enumerate(priority) if mask >> n & 1)
            for mask in range(1 << len(priority))
        ],
        dtype=object,
    )
    return labels[masks]


def _log_children_on_several_rows(
    chosen: pd.DataFrame, rows: np.ndarray, workers: np.ndarray, log: DataQualityLog
) -> None:
    """Note each case made of several rows, and warn where its rows name different workers."""
    several = chosen.loc[rows > 1]
    log.add_rows(
        several,
        dataset=DATASET,
        table="cases",
        rule="child_on_several_lists",
        severity="info",
        value=several["case_types_held"],
        message=pd.Series(
            "The child is on "
            + rows[rows > 1].astype(str).astype(object)
            + " open rows ("
            + several["case_types_held"].to_numpy()
            + "); counted as one "
            + several["case_type"].to_numpy()
            + " case.",
            index=several.index,
        ),
    )
    conflicting = chosen.loc[workers > 1]
    log.add_rows(
        conflicting,
        dataset=DATASET,
        table="cases",
        rule="child_allocated_to_several_workers",
        severity="warning",
        column="worker_id",
        value=conflicting["worker_id"],
        message=pd.Series(
            "The child's rows name different allocated workers; the worker on this row ("
            + conflicting["worker_id"].to_numpy()
            + ", the highest-priority list) is used.",
            index=conflicting.index,
        ),
    )


def _team_of_cases(
    cases: pd.DataFrame,
    workforce: pd.DataFrame | None,
    with_workforce: list[pd.Timestamp],
    log: DataQualityLog,
) -> pd.Series:
    """Team of each case: its worker's team in the workforce list, else the case row's team."""
    if workforce is None:
        return cases["team"]
    worker = ["snapshot_date", "worker_id"]
    key = group_codes(
        pd.concat([cases["snapshot_date"], workforce["snapshot_date"]], ignore_index=True),
        pd.concat([cases["worker_id"], workforce["worker_id"]], ignore_index=True),
    )
    # Workforce lists have one row per worker per snapshot, so each key is found at most once.
    position = pd.Index(key[len(cases) :]).get_indexer(key[: len(cases)])
    listed = position >= 0
    team = pd.Series(np.nan, index=cases.index, dtype="str")
    team[listed] = workforce["team"].to_numpy()[position[listed]]
    team = team.fillna(cases["team"])
    absent = cases.loc[
        cases["worker_id"].notna() & ~listed & cases["snapshot_date"].isin(with_workforce)
    ].sort_values(["source_file", "source_row"])
    first = absent.drop_duplicates(worker)
    case_counts = (
        absent.groupby(worker).size().reindex(pd.MultiIndex.from_frame(first[worker])).to_numpy()
    )
    log.add_rows(
        first.drop(columns="child_id"),
        dataset=DATASET,
        table="cases",
        rule="worker_not_in_workforce",
        severity="warning",
        column="worker_id",
        value=first["worker_id"],
        message=pd.Series(
            "Worker "
            + first["worker_id"].to_numpy()
            + " holds "
            + case_counts.astype(str)
            + " case(s) but is not in the workforce list: each case keeps the team on its case "
            "row, and the worker is listed (no FTE) rather than counted in caseload per FTE.",
            index=first.index,
        ),
    )
    return team
