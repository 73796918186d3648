"""One allocation snapshot: find its files, read them, and make one case per child.

A snapshot folder ``RAW/caseload/<YYYY-MM-DD>/`` holds one case list (an Annex A workbook or
``cases.csv``), a ``workforce.csv`` and optionally an ``establishment.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from csc_metrics.caseload.annex_a import read_annex_a
from csc_metrics.caseload.cases_csv import read_cases_csv
from csc_metrics.caseload.values import same_spelling
from csc_metrics.caseload.workforce import read_establishment, read_workforce
from csc_metrics.errors import InputError
from csc_metrics.privacy import Pseudonymiser
from csc_metrics.quality import DataQualityLog
from csc_metrics.settings import DEFAULT_SETTINGS, Settings

DATASET = "caseload"
CASES_FILE = "cases.csv"
WORKFORCE_FILE = "workforce.csv"
ESTABLISHMENT_FILE = "establishment.csv"
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
#: Old binary Excel files cannot be read by openpyxl; the user is asked to re-save them.
OLD_WORKBOOK_SUFFIXES = (".xls",)

CASES_COLUMNS = [
    "snapshot_date",
    "child_id",
    "case_type",
    "case_types_held",
    "team",
    "worker_id",
    "allocated_date",
    "source_file",
]
WORKFORCE_COLUMNS = [
    "snapshot_date",
    "worker_id",
    "team",
    "role",
    "fte",
    "agency",
    "start_date",
    "qualified_date",
    "source_file",
]
ESTABLISHMENT_COLUMNS = ["snapshot_date", "team", "funded_fte"]


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


def read_snapshot(
    folder: Path,
    snapshot_date: pd.Timestamp,
    raw_root: Path,
    log: DataQualityLog,
    pseudonymiser: Pseudonymiser,
    settings: Settings = DEFAULT_SETTINGS,
) -> dict[str, pd.DataFrame]:
    """Read one snapshot folder into its cases, workforce and establishment tables.

    Args:
        folder: The snapshot folder.
        snapshot_date: Its date (from the folder name).
        raw_root: The raw folder, for the relative file names in messages.
        log: Data-quality log.
        pseudonymiser: Turns child identifiers into pseudonyms.
        settings: Local rules (``case_type_priority``).

    Returns:
        ``{"cases", "workforce", "establishment"}`` with the processed tables' columns.

    Raises:
        InputError: If the folder has no case list, or more than one, or a file is unusable.
    """
    folder_name = _relative(folder, raw_root)
    files = find_snapshot_files(folder)
    case_list = _one_case_list(files, folder_name)
    _log_ignored_files(files, raw_root, log)
    source = _relative(case_list, raw_root)
    if case_list.suffix.lower() in WORKBOOK_SUFFIXES:
        rows = read_annex_a(case_list, source, snapshot_date, log, pseudonymiser)
    else:
        rows = read_cases_csv(case_list, source, log, pseudonymiser)
    workforce = _read_workforce(files, folder_name, raw_root, log)
    cases = resolve_cases(rows, workforce, log, settings)
    establishment = (
        read_establishment(files.establishment, _relative(files.establishment, raw_root), log)
        if files.establishment is not None
        else pd.DataFrame({"team": pd.Series(dtype=str), "funded_fte": pd.Series(dtype=float)})
    )
    return {
        "cases": cases.assign(snapshot_date=snapshot_date)[CASES_COLUMNS],
        "workforce": (workforce if workforce is not None else _no_workforce()).assign(
            snapshot_date=snapshot_date
        )[WORKFORCE_COLUMNS],
        "establishment": establishment.assign(snapshot_date=snapshot_date)[ESTABLISHMENT_COLUMNS],
    }


def _no_workforce() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in WORKFORCE_COLUMNS})


def _read_workforce(
    files: SnapshotFiles, folder_name: str, raw_root: Path, log: DataQualityLog
) -> pd.DataFrame | None:
    if files.workforce is None:
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
        return None
    return read_workforce(files.workforce, _relative(files.workforce, raw_root), log)


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


def _held_types(rows: pd.DataFrame, priority: tuple[str, ...]) -> pd.Series:
    """Every case type each child is open under, ';'-joined in priority order."""
    # Each type is one bit; a child's distinct types sum to a mask with at most 2**4 values,
    # which a small lookup table turns into text. Sums and lookups stay vectorised.
    bit = {case_type: 1 << n for n, case_type in enumerate(priority)}
    pairs = rows[["child_id", "case_type"]].drop_duplicates()
    masks = pairs["case_type"].map(bit).groupby(pairs["child_id"], sort=True).sum()
    labels = {
        mask: ";".join(t for t in priority if mask & bit[t]) for mask in range(1 << len(priority))
    }
    return masks.map(labels).astype(str).rename_axis("child_id")


def resolve_cases(
    rows: pd.DataFrame,
    workforce: pd.DataFrame | None,
    log: DataQualityLog,
    settings: Settings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """Make one case per child, typed by priority, with the team of its allocated worker.

    A child on several lists (or rows) is one case. Its type is the highest in
    ``settings.case_type_priority``. Its worker is taken from the highest-priority row that has a
    worker, so a child allocated on one list is not counted as unallocated because another list
    left the worker blank; worker ids that differ only in capitals or spacing are one worker,
    written as in the workforce list. The team is the worker's team in the workforce list; where
    the worker is not there, the team on the case row (with one warning per such worker).

    Args:
        rows: Open case rows (``rows.CASE_ROW_COLUMNS``).
        workforce: The snapshot's clean workforce list, or None when there is none.
        log: Data-quality log.
        settings: Local rules (``case_type_priority``).

    Returns:
        One row per child: ``child_id, case_type, case_types_held, team, worker_id,
        allocated_date, source_file``.
    """
    priority = tuple(settings.case_type_priority)
    # Annex A often names workers as typed by hand: match them to the workforce list's spelling.
    rows = rows.assign(
        worker_id=same_spelling(
            rows["worker_id"], workforce["worker_id"] if workforce is not None else None
        )
    )
    rank = rows["case_type"].map({t: i for i, t in enumerate(priority)}).fillna(len(priority))
    ranked = rows.assign(
        _rank=rank, _unallocated=rows["worker_id"].isna(), _order=np.arange(len(rows))
    )
    case_type = (
        ranked.sort_values(["_rank", "_order"])
        .drop_duplicates("child_id")
        .set_index("child_id")["case_type"]
    )
    chosen = (
        ranked.sort_values(["_unallocated", "_rank", "_order"])
        .drop_duplicates("child_id")
        .set_index("child_id")
    )
    chosen["case_type"] = case_type
    chosen["case_types_held"] = _held_types(rows, priority)
    _log_children_on_several_rows(rows, chosen, log)
    chosen = chosen.reset_index()
    chosen["team"] = _team_of_cases(chosen, workforce, log)
    return chosen[[c for c in CASES_COLUMNS if c != "snapshot_date"]].reset_index(drop=True)


def _log_children_on_several_rows(
    rows: pd.DataFrame, chosen: pd.DataFrame, log: DataQualityLog
) -> None:
    by_child = rows.groupby("child_id")
    counts = pd.DataFrame(
        {"rows": by_child.size(), "workers": by_child["worker_id"].nunique()}
    ).reindex(chosen.index)
    several = chosen.loc[counts["rows"].gt(1)].reset_index()
    log.add_rows(
        several,
        dataset=DATASET,
        table="cases",
        rule="child_on_several_lists",
        severity="info",
        value=several["case_types_held"],
        message=pd.Series(
            "The child is on "
            + counts.loc[several["child_id"], "rows"].astype(str).to_numpy()
            + " open rows ("
            + several["case_types_held"].to_numpy()
            + "); counted as one "
            + several["case_type"].to_numpy()
            + " case.",
            index=several.index,
        ),
    )
    conflicting = chosen.loc[counts["workers"].gt(1)].reset_index()
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
    cases: pd.DataFrame, workforce: pd.DataFrame | None, log: DataQualityLog
) -> pd.Series:
    """Team of each case: its worker's team in the workforce list, else the case row's team."""
    if workforce is None:
        return cases["team"]
    worker_team = workforce.set_index("worker_id")["team"]
    listed = cases["worker_id"].isin(workforce["worker_id"])
    team = cases["worker_id"].map(worker_team).where(listed).fillna(cases["team"])
    absent = cases.loc[cases["worker_id"].notna() & ~listed].sort_values(
        ["source_file", "source_row"]
    )
    first = absent.drop_duplicates("worker_id")
    case_counts = absent["worker_id"].value_counts().reindex(first["worker_id"]).to_numpy()
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
