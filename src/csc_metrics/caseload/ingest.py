"""Reading every allocation snapshot under ``RAW/caseload/`` into the caseload history.

Snapshots accumulate: a date whose raw folder is present is (re)read and replaces that date's
rows; a date held only in the previously published processed data is kept, so the history
survives an old raw folder being archived.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from csc_metrics import schemas, storage
from csc_metrics.caseload.background import BackgroundCaseload, start_background
from csc_metrics.caseload.prefetch import WorkbookPrefetch
from csc_metrics.caseload.snapshot import (
    WORKBOOK_SUFFIXES,
    clean_snapshots,
    find_snapshot_files,
    read_snapshot_cells,
)
from csc_metrics.dates import format_date
from csc_metrics.errors import InputError
from csc_metrics.ingest_cache import CachedUnit, IngestCache, split_issues
from csc_metrics.memory import release_free_memory
from csc_metrics.privacy import Pseudonymiser
from csc_metrics.quality import DataQualityLog, joined_frames
from csc_metrics.settings import DEFAULT_SETTINGS, Settings

DATASET = "caseload"

#: Output key -> (processed table name, pandera model, sort order).
CASELOAD_TABLES: dict[str, tuple[str, type[pa.DataFrameModel], list[str]]] = {
    "cases": (
        "clean_caseload__cases",
        schemas.CleanCases,
        ["snapshot_date", "team", "worker_id", "case_type", "child_id"],
    ),
    "workforce": (
        "clean_caseload__workforce",
        schemas.CleanWorkforce,
        ["snapshot_date", "team", "worker_id"],
    ),
    "establishment": (
        "clean_caseload__establishment",
        schemas.CleanEstablishment,
        ["snapshot_date", "team"],
    ),
}


def snapshot_folders(folder: Path, log: DataQualityLog) -> dict[pd.Timestamp, Path]:
    """Find the snapshot folders under ``RAW/caseload`` and their dates.

    A folder whose name is not a date (``YYYY-MM-DD``) cannot be placed in time: it is skipped
    with an ``error`` issue. An empty folder is skipped with a ``warning``.

    Args:
        folder: ``RAW/caseload``.
        log: Data-quality log.

    Returns:
        Snapshot date -> folder, oldest first.

    Raises:
        InputError: If two folders name the same date (e.g. ``2024-03-31`` and ``2024-3-31``).
    """
    found: dict[pd.Timestamp, Path] = {}
    for path in _subfolders(folder):
        source = f"{folder.name}/{path.name}"
        date = _folder_date(path)
        if pd.isna(date):
            log.add(
                dataset=DATASET,
                file=source,
                rule="snapshot_folder_name",
                severity="error",
                value=path.name,
                message=f"The folder name '{path.name}' is not a snapshot date (YYYY-MM-DD, "
                "e.g. 2024-03-31); its files were not read. Rename the folder to its date.",
            )
            continue
        if not _holds_files(path):
            log.add(
                dataset=DATASET,
                file=source,
                rule="snapshot_folder_empty",
                severity="warning",
                message="The snapshot folder is empty; skipped.",
            )
            continue
        if date in found:
            raise InputError(
                f"{folder.name}/{found[date].name} and {source} are both snapshots of "
                f"{format_date(date, 'iso')}. Keep one folder per date."
            )
        found[date] = path
    return dict(sorted(found.items()))


def _holds_files(path: Path) -> bool:
    """Whether a snapshot folder holds a file to read (hidden and Excel lock files left out)."""
    return any(p.is_file() and not p.name.startswith((".", "~$")) for p in path.iterdir())


def dates_to_read(folder: Path) -> set[pd.Timestamp]:
    """The snapshot dates ``ingest_caseload`` reads from ``RAW/caseload``, nothing logged.

    The dates of the folders ``snapshot_folders`` finds: named by a date, holding a file.

    Args:
        folder: ``RAW/caseload`` (it need not exist).
    """
    return {
        date
        for path in _subfolders(folder)
        if not pd.isna(date := _folder_date(path)) and _holds_files(path)
    }


def _subfolders(folder: Path) -> list[Path]:
    """The folders directly in ``folder`` (none when it is no folder), hidden ones left out."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def _folder_date(path: Path) -> pd.Timestamp:
    """The snapshot date a folder's name gives, or NaT."""
    return pd.to_datetime(path.name, format="%Y-%m-%d", errors="coerce")


def prefetch_workbooks(folder: Path, cache: IngestCache | None) -> WorkbookPrefetch | None:
    """Start parsing the Annex A workbooks of the snapshots that the caseload stage will read.

    Called before the SSDA903 stage, so that the workbooks are parsed while it runs (see
    ``caseload.prefetch``); hand the result to ``ingest_caseload`` and close it when done.
    Snapshots the cache holds are left out; nothing is logged or raised here.

    Args:
        folder: ``RAW/caseload``.
        cache: The ingest cache, or None.

    Returns:
        The workbooks being parsed, or None when there are none to parse.
    """
    jobs = [
        (path, date, folder.parent)
        for path in _subfolders(folder)
        if not pd.isna(date := _folder_date(path))
        and not (cache is not None and cache.holds(_unit_name(path, folder.parent)))
    ]
    return _start_prefetch(jobs)


def _start_prefetch(jobs: list[Job]) -> WorkbookPrefetch | None:
    """Parse ahead the Annex A workbooks of the snapshots to read in this process, if any."""
    if _jobs_bytes(jobs) >= PARALLEL_MIN_BYTES:
        # Read by worker processes, each parsing its own.
        return None
    workbooks = []
    for path, _, raw_root in jobs:
        case_lists = find_snapshot_files(path).case_lists
        if len(case_lists) == 1 and case_lists[0].suffix.lower() in WORKBOOK_SUFFIXES:
            workbooks.append((case_lists[0], _unit_name(case_lists[0], raw_root)))
    return WorkbookPrefetch(workbooks) if workbooks else None


def ingest_caseload(
    folder: Path,
    previous: storage.ProcessedData | None,
    log: DataQualityLog,
    pseudonymiser: Pseudonymiser,
    settings: Settings = DEFAULT_SETTINGS,
    cache: IngestCache | None = None,
    workbooks: WorkbookPrefetch | None = None,
    background: BackgroundCaseload | None = None,
) -> dict[str, pd.DataFrame]:
    """Read every snapshot under ``RAW/caseload`` and merge it into the caseload history.

    Args:
        folder: ``RAW/caseload``, holding one ``<YYYY-MM-DD>/`` folder per snapshot. It need not
            exist (then the history is just ``previous``'s).
        previous: The currently published processed data, or None. Its snapshots whose dates
            have no raw folder are kept; a date with a raw folder is replaced entirely.
        log: Data-quality log.
        pseudonymiser: Turns child identifiers into pseudonyms.
        settings: Local rules (``case_type_priority``).
        cache: The ingest cache: a snapshot whose files are unchanged is taken from it instead
            of being read again. None reads every snapshot.
        workbooks: The Annex A workbooks already being parsed (``prefetch_workbooks``), or
            None to start parsing them here. The caller closes what it hands in.
        background: The snapshots' batches being cleaned in a worker process
            (``start_caseload_worker``), or None. Used only when its batches are the ones to
            read; the caller closes it.

    Returns:
        ``{"cases", "workforce", "establishment"}``, passing ``schemas.CleanCases``,
        ``CleanWorkforce`` and ``CleanEstablishment``.

    Raises:
        InputError: If a snapshot folder or file is unusable (the message names it).
    """
    folder = Path(folder)
    folders = snapshot_folders(folder, log)
    units: dict[str, CachedUnit] = {}
    jobs: list[Job] = []
    for date, path in folders.items():
        name = _unit_name(path, folder.parent)
        cached = cache.load(name) if cache is not None else None
        if cached is not None:
            units[name] = cached
        else:
            jobs.append((path, date, folder.parent))
    in_worker = (
        background is not None
        and cache is not None
        and [job for batch in background.batches for job in batch] == jobs
    )
    own = _start_prefetch(jobs) if workbooks is None and not in_worker else None
    try:
        produced = (
            _ingest_with_background(background, cache, pseudonymiser, settings)
            if in_worker and background is not None and cache is not None
            else (
                (job, unit, False)
                for job, unit in _ingest_batches(jobs, pseudonymiser, settings, workbooks or own)
            )
        )
        for job, unit, stored in produced:
            units[_unit_name(job[0], folder.parent)] = unit
            if cache is not None and not stored:
                cache.store(_unit_name(job[0], folder.parent), unit)
    finally:
        if own is not None:
            own.close()
    in_order = [units[_unit_name(path, folder.parent)] for path in folders.values()]
    for unit in in_order:
        log.extend(unit.issues)
    kept = _keep_previous(previous, set(folders), log) if previous is not None else {}
    # Each table is stacked from its snapshots' rows and finished before the next, and each
    # snapshot's rows are let go once stacked: a national history is not held twice over.
    # Each snapshot's rows come sorted (``_ingest_units``, or the cache, which holds them as
    # sorted then), and the snapshots in date order: only rows kept from the published history
    # can be out of order.
    return {
        key: _finish(
            key,
            [*joined_frames([unit.tables.pop(key) for unit in in_order]), *kept.pop(key, [])],
            sorted_parts=not any(len(frame) for frame in kept.get(key, [])),
        )
        for key in CASELOAD_TABLES
    }


def _unit_name(path: Path, raw_root: Path) -> str:
    """A snapshot folder's name in the ingest cache and in issues: ``caseload/2024-06-30``."""
    return path.relative_to(raw_root).as_posix()


#: A snapshot to read: its folder, its date and the raw folder (for relative file names).
Job = tuple[Path, pd.Timestamp, Path]

#: Snapshots are read and cleaned in batches of up to this many bytes of files: big enough that
#: pandas' per-call overhead is paid once for many snapshots (the whole shipped sample is one
#: batch), small enough that a long national history is never held as raw text all at once.
BATCH_BYTES = 64 * 1024**2

#: Batches of a history cleaned with a second process (``start_caseload_worker``) are smaller:
#: the worker's batch in memory comes on top of the SSDA903 stage's peak in the main process.
WORKER_BATCH_BYTES = 32 * 1024**2
#: A shorter history is cut into about this many batches for a worker, so that the main process,
#: once through the SSDA903 stage, has batches left to clean beside it (a county's 28 workbooks,
#: 20 MB, in one batch would leave it waiting for the worker)...
WORKER_BATCHES = 4
#: ...of at least this many bytes: each batch costs pandas' per-call overhead once (a county's 28
#: snapshots took the same CPU in batches of 7 as in one, 20% more in batches of 4, 55% more
#: one at a time).
WORKER_BATCH_MIN_BYTES = 4 * 1024**2

#: Above this many bytes of files in all, the batches are shared between worker processes.
#: Measured at national scale (430 MB, 28 snapshots) on a shared 2-core machine, two workers
#: saved at most a few seconds of ~35 s and sometimes none, while each worker grew to ~3 GB on
#: top of the main process: one process is the better trade up to far larger histories.
PARALLEL_MIN_BYTES = 1024**3


def _folder_bytes(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.iterdir() if f.is_file())


def _jobs_bytes(jobs: list[Job]) -> int:
    return sum(_folder_bytes(job[0]) for job in jobs)


def _batches(jobs: list[Job], limit: int | None = None) -> list[list[Job]]:
    """Split the snapshots, in date order, into consecutive batches of up to ``limit`` bytes.

    ``limit`` is ``BATCH_BYTES`` unless given.
    """
    limit = BATCH_BYTES if limit is None else limit
    batches: list[list[Job]] = []
    batch_bytes = 0
    for job in jobs:
        size = _folder_bytes(job[0])
        if not batches or batch_bytes + size > limit:
            batches.append([])
            batch_bytes = 0
        batches[-1].append(job)
        batch_bytes += size
    return batches


def _ingest_batch(
    jobs: list[Job],
    log: DataQualityLog,
    pseudonymiser: Pseudonymiser,
    settings: Settings,
    workbooks: WorkbookPrefetch | None = None,
) -> dict[str, pd.DataFrame]:
    """Read a batch of snapshots, then clean their rows together."""
    snapshots = [read_snapshot_cells(*job, log, workbooks=workbooks) for job in jobs]
    return clean_snapshots(snapshots, log, pseudonymiser, settings)


def _ingest_units(
    batch: tuple[list[Job], Pseudonymiser, Settings],
    workbooks: WorkbookPrefetch | None = None,
) -> list[CachedUnit]:
    """Read and clean a batch of snapshots together, then hand each snapshot its rows and issues.

    Cleaning is done snapshot by snapshot in effect (every rule works within one snapshot), so
    each snapshot's share is what reading it alone gives; a batch saves pandas' per-call cost.
    An issue that names no snapshot folder cannot be handed to one: then each snapshot of the
    batch is read and cleaned alone. ``workbooks``: Annex A workbooks parsed ahead, or None
    (in a worker process).
    """
    jobs, pseudonymiser, settings = batch
    log = DataQualityLog()
    # Each table is put in its final order here, so that the snapshots stacked in date order
    # need no second sort (``_finish`` then sorts without copying a national history).
    tables = {
        key: table.sort_values(CASELOAD_TABLES[key][2], na_position="last", kind="stable")
        for key, table in _ingest_batch(jobs, log, pseudonymiser, settings, workbooks).items()
    }
    names = [_unit_name(job[0], job[2]) for job in jobs]
    issues = split_issues(log.to_frame(), names)
    if issues is None:
        if len(jobs) > 1:
            alone = [([job], pseudonymiser, settings) for job in jobs]
            return [unit for batch in alone for unit in _ingest_units(batch)]
        issues = {names[0]: log.to_frame()}
    units = []
    for (_, date, _), name in zip(jobs, names, strict=True):
        units.append(
            CachedUnit(
                {key: _rows_of_date(table, date) for key, table in tables.items()}, issues[name]
            )
        )
    return units


def _rows_of_date(table: pd.DataFrame, date: pd.Timestamp) -> pd.DataFrame:
    """A table's rows of one snapshot date, the table being sorted by date first.

    The rows are one slice, taken without copying them (or scanning the table for each date).
    """
    dates = table["snapshot_date"].to_numpy(dtype="datetime64[ns]")
    day = np.datetime64(date, "ns")
    start, stop = np.searchsorted(dates, day, "left"), np.searchsorted(dates, day, "right")
    return table.iloc[start:stop].reset_index(drop=True)


def _ingest_batches(
    jobs: list[Job],
    pseudonymiser: Pseudonymiser,
    settings: Settings,
    workbooks: WorkbookPrefetch | None = None,
) -> Iterator[tuple[Job, CachedUnit]]:
    """Read and clean every batch of snapshots, in date order; in parallel when they are large.

    ``workbooks``: the Annex A workbooks being parsed ahead (in this process), or None.

    Yields:
        Each snapshot and its cleaned rows and issues, in date order.
    """
    batches = _batches(jobs)
    work = [(batch, pseudonymiser, settings) for batch in batches]
    if _jobs_bytes(jobs) < PARALLEL_MIN_BYTES:
        for batch in work:
            yield from zip(batch[0], _ingest_units(batch, workbooks), strict=True)
            # A batch's temporary arrays are freed: hand their memory back before the next.
            release_free_memory()
        return
    workers = min(os.cpu_count() or 1, len(batches))
    # "spawn" starts clean workers: forking a process that may be running threads (the report
    # runner's) can deadlock.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        for batch, units in zip(work, pool.map(_ingest_units, work), strict=True):
            yield from zip(batch[0], units, strict=True)


def start_caseload_worker(
    folder: Path,
    cache: IngestCache | None,
    pseudonymiser: Pseudonymiser,
    settings: Settings,
    scratch: Path,
) -> BackgroundCaseload | None:
    """Start cleaning the snapshots the caseload stage will read in a worker process.

    Called before the SSDA903 stage, so that a long history is cleaned on the second core
    while the returns are read (``caseload.background``). Snapshots the cache holds are left
    out; nothing is logged or raised here (``ingest_caseload`` does that, as without a worker).
    Hand the result to ``ingest_caseload`` and close it when done.

    Args:
        folder: ``RAW/caseload``.
        cache: The ingest cache, or None.
        pseudonymiser: Turns child identifiers into pseudonyms.
        settings: Local rules.
        scratch: A folder (not yet existing) in the processed staging folder for its files.

    Returns:
        The batches being cleaned, or None when a worker would not pay or cannot be used.
    """
    if cache is None:
        return None
    try:
        folders = snapshot_folders(folder, DataQualityLog())
    except InputError:
        return None
    jobs = [
        (path, date, folder.parent)
        for date, path in folders.items()
        if not cache.holds(_unit_name(path, folder.parent))
    ]
    total = _jobs_bytes(jobs)
    if total >= PARALLEL_MIN_BYTES:
        # Shared out between worker processes by ``_ingest_batches``.
        return None
    return start_background(
        _batches(jobs, worker_batch_bytes(total)), pseudonymiser, settings, scratch, total
    )


def worker_batch_bytes(total: int) -> int:
    """The bytes of a batch of snapshots shared with a worker, for a history of ``total`` bytes.

    ``WORKER_BATCHES`` batches, each of ``WORKER_BATCH_MIN_BYTES`` at least and
    ``WORKER_BATCH_BYTES`` at most.
    """
    return min(WORKER_BATCH_BYTES, max(WORKER_BATCH_MIN_BYTES, total // WORKER_BATCHES))


def _ingest_with_background(
    background: BackgroundCaseload,
    cache: IngestCache,
    pseudonymiser: Pseudonymiser,
    settings: Settings,
) -> Iterator[tuple[Job, CachedUnit, bool]]:
    """Clean the batches the worker has not started, newest first, and take the worker's.

    Yields:
        Each snapshot, its cleaned rows and issues, and whether it is in the new cache already
        (the worker's), in date order.
    """
    batches = background.batches
    own: dict[int, list[CachedUnit] | InputError] = {}
    while (number := background.claim_from_back()) is not None:
        try:
            own[number] = _ingest_units((batches[number], pseudonymiser, settings))
        except InputError as error:
            # Raised in its turn: an earlier unusable snapshot is the one reported, as without
            # a worker.
            own[number] = error
        release_free_memory()
    for number, batch in enumerate(batches):
        units = own.pop(number, None)
        if isinstance(units, InputError):
            raise units
        adopted = False
        if units is None:
            units = background.take(number, cache)
            adopted = units is not None
        if units is None:
            # The worker failed it: cleaned here, raising what reading it raises.
            units = _ingest_units((batch, pseudonymiser, settings))
        for job, unit in zip(batch, units, strict=True):
            yield job, unit, adopted


def _keep_previous(
    previous: storage.ProcessedData,
    read_dates: set[pd.Timestamp],
    log: DataQualityLog,
) -> dict[str, list[pd.DataFrame]]:
    """The previous history's snapshots that were not re-read; say which were replaced.

    Returns:
        Table key -> its rows to keep (one frame, maybe empty), to stack after the read ones.
    """
    previous_dates = (
        set(previous.caseload_dates)
        if previous.caseload_dates is not None
        else set(pd.to_datetime(previous.cases["snapshot_date"]).unique())
        | set(pd.to_datetime(previous.workforce["snapshot_date"]).unique())
    )
    kept_rows = {}
    for key in CASELOAD_TABLES:
        table = getattr(previous, key)
        kept_rows[key] = [table.loc[~table["snapshot_date"].isin(list(read_dates))]]
    kept = sorted(previous_dates - read_dates)
    replaced = sorted(previous_dates & read_dates)
    if kept:
        log.add(
            dataset=DATASET,
            rule="snapshots_kept_from_history",
            severity="info",
            value=", ".join(f"{format_date(d, 'iso')}" for d in kept),
            message="Snapshots kept from the previously processed history (no raw folder now): "
            + ", ".join(f"{format_date(d, 'iso')}" for d in kept)
            + ".",
        )
    if replaced:
        log.add(
            dataset=DATASET,
            rule="snapshots_replaced",
            severity="info",
            value=", ".join(f"{format_date(d, 'iso')}" for d in replaced),
            message="Snapshots re-read from their raw folders, replacing the earlier processed "
            "rows: " + ", ".join(f"{format_date(d, 'iso')}" for d in replaced) + ".",
        )
    return kept_rows


def _finish(key: str, frames: list[pd.DataFrame], sorted_parts: bool = False) -> pd.DataFrame:
    """Stack a table's snapshots, sort it and check it against its model.

    Args:
        key: The table (``cases``, ``workforce``, ``establishment``).
        frames: Its parts; the list is emptied, so that each part is freed once stacked.
        sorted_parts: Whether each part is sorted already (by the table's sort order, which
            starts with ``snapshot_date``). Parts whose dates follow one another without
            overlapping then stack into a sorted table, and sorting it again (which compares
            every text key of a national history) is skipped: a stable sort of sorted rows
            would leave them as they are.
    """
    name, model, order = CASELOAD_TABLES[key]
    stacked = [frame for frame in frames if len(frame)]
    frames.clear()
    in_order = sorted_parts and _dates_follow(stacked)
    table = pd.concat(stacked, ignore_index=True) if stacked else storage.empty_table(name)
    del stacked
    if not in_order:
        table = table.sort_values(order, na_position="last", kind="stable")
    return model.validate(table.reset_index(drop=True))


def _dates_follow(parts: list[pd.DataFrame]) -> bool:
    """Whether each part's snapshot dates all come after the previous part's, none missing."""
    last = None
    for part in parts:
        dates = part["snapshot_date"].to_numpy(dtype="datetime64[ns]")
        if np.isnat(dates).any() or (last is not None and dates.min() <= last):
            return False
        last = dates.max()
    return True
