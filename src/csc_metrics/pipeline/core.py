"""Ingest: raw returns into validated, pseudonymised tables in ``processed/``.

Reads ``RAW/ssda903`` (required), ``RAW/reference`` (optional) and ``RAW/caseload`` (optional,
through ``csc_metrics.caseload``), writes every table, the data-quality issues and a manifest
into a staging folder, and swaps it in only when everything succeeded. ``RAW`` is never written.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pandera.errors

from csc_metrics import __version__
from csc_metrics.errors import InputError, ParameterError
from csc_metrics.fingerprints import hash_inputs
from csc_metrics.folders import check_replaceable, recover_folder
from csc_metrics.ingest_cache import CachedUnit, IngestCache
from csc_metrics.memory import malloc_allocation, release_free_memory
from csc_metrics.privacy import KEY_CHECK_FIELD, Pseudonymiser, check_same_key, key_check_value
from csc_metrics.quality import DataQualityLog
from csc_metrics.reference_data import ReferenceResult, read_reference
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.ssda903 import read_ssda903
from csc_metrics.ssda903.ingest import Ssda903Result, no_ssda903
from csc_metrics.storage import (
    CASELOAD_TABLES,
    EXTRACT_DATES_KEY,
    FILE_HASHES,
    HISTORY_FOLDER,
    MANIFEST_NAME,
    PROCESSED_TABLES,
    ProcessedData,
    damaged_files,
    empty_table,
    file_hashes,
    is_legacy_processed,
    read_table,
    snapshot_dates,
    staged_replace,
    write_csv,
    write_json,
    write_table,
)

if TYPE_CHECKING:
    from csc_metrics.caseload.background import BackgroundCaseload
    from csc_metrics.caseload.prefetch import WorkbookPrefetch

logger = logging.getLogger(__name__)

SSDA903_FOLDER = "ssda903"
REFERENCE_FOLDER = "reference"
CASELOAD_FOLDER = "caseload"
DQ_TABLE = "dq_issues"
DQ_CSV = "dq_issues.csv"
#: Scratch folder in the staging folder for the caseload worker's files (removed before the swap).
CASELOAD_WORKER_FOLDER = "_caseload_worker"


@dataclass
class IngestResult:
    """What one ingest wrote.

    Attributes:
        processed: The processed folder.
        tables: Processed table name (``clean_ssda903__episodes``) -> the table written.
        dq_issues: The data-quality issues table written.
        manifest: The manifest written to ``manifest.json``.
        stage_seconds: Wall-clock seconds of each stage (``ssda903``, ``reference``,
            ``caseload``, ``writing``), so a slow ingest shows where its time went.
    """

    processed: Path
    tables: dict[str, pd.DataFrame]
    dq_issues: pd.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)
    stage_seconds: dict[str, float] = field(default_factory=dict)


def _check_folders(raw: Path, processed: Path) -> None:
    """Refuse folder choices that would read nothing or destroy data."""
    if not raw.is_dir():
        raise InputError(f"The raw folder {raw} does not exist or is not a folder.")
    if processed == raw or processed.is_relative_to(raw) or raw.is_relative_to(processed):
        raise ParameterError(
            f"--processed {processed} must be outside --raw {raw} (and not contain it): "
            "the raw folder is only ever read, and the processed folder is replaced on each run."
        )
    if processed.is_file():
        raise ParameterError(f"--processed {processed} is a file; give a folder.")
    check_replaceable(processed, "processed", "--processed", legacy=is_legacy_processed)


def _history_tables(folder: Path) -> dict[str, pd.DataFrame] | None:
    """A folder's caseload tables, if they match their recorded hashes and read back, else None."""
    if not (folder / MANIFEST_NAME).is_file() or damaged_files(folder, CASELOAD_TABLES):
        return None
    try:
        return {name: read_table(name, folder) for name in CASELOAD_TABLES}
    except (InputError, pandera.errors.SchemaError, pandera.errors.SchemaErrors):
        return None


def _history_to_keep(
    folder: Path, read_again: set[pd.Timestamp]
) -> tuple[dict[str, pd.DataFrame], frozenset[pd.Timestamp]] | None:
    """``_history_tables``, without reading a table whose every snapshot is read again.

    A quarter's re-run reads every snapshot of the history again from the raw folder (the
    ingest cache has them): the published rows would all be replaced, so reading and checking
    them (about 0.1 s for a county) is skipped; a table holding some snapshot that is not read
    again (archived out of the raw folder) is read whole, as before.

    Args:
        folder: The processed folder.
        read_again: The snapshot dates the caseload stage reads (``dates_to_read``).

    Returns:
        The tables (those not read left empty) and the history's snapshot dates, or None when
        the tables do not match their recorded hashes or do not read back.
    """
    if not (folder / MANIFEST_NAME).is_file() or damaged_files(folder, CASELOAD_TABLES):
        return None
    try:
        dates = {name: snapshot_dates(name, folder) for name in CASELOAD_TABLES}
        tables = {
            name: empty_table(name) if dates[name] <= read_again else read_table(name, folder)
            for name in CASELOAD_TABLES
        }
    except (InputError, pandera.errors.SchemaError, pandera.errors.SchemaErrors):
        return None
    history = dates["clean_caseload__cases"] | dates["clean_caseload__workforce"]
    return tables, frozenset(history)


def _readable_history(folder: Path) -> bool:
    """Whether a folder's caseload tables match their recorded hashes and read back."""
    return _history_tables(folder) is not None


def _recorded_key_check(processed: Path) -> object:
    """The key check value in the processed folder's manifest, or None when there is none."""
    try:
        manifest = json.loads((processed / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest.get(KEY_CHECK_FIELD) if isinstance(manifest, dict) else None


def _published(
    processed: Path, tables: dict[str, pd.DataFrame] | None = None
) -> ProcessedData | None:
    """The caseload history currently published, which this ingest adds to.

    The caseload tables are checked against the hashes the last ingest recorded. Damaged ones
    are restored from the previous generation (``_previous/``) with a warning; if that cannot be
    read either, the ingest stops and says what is lost (the SSDA903 and reference tables are
    always rebuilt from the raw files, so they do not matter here).

    Args:
        processed: The processed folder.
        tables: Its caseload tables, when the caller has read them already (``_history_tables``).
    """
    if not (processed / MANIFEST_NAME).exists():
        return None
    source = processed
    if tables is None:
        tables = _history_tables(processed)
    if tables is None:
        history = processed / HISTORY_FOLDER
        tables = _history_tables(history)
        if tables is None:
            raise InputError(
                f"The caseload history in {processed} is damaged "
                f"({', '.join(damaged_files(processed, CASELOAD_TABLES)) or 'unreadable'}) and "
                "no readable previous generation can restore it: every caseload snapshot held "
                "only there (not in RAW/caseload) is lost. Restore the processed folder from a "
                "backup, or ingest into a new folder."
            )
        logger.warning(
            "The caseload history in %s is damaged; restored it from the previous generation "
            "(%s). Snapshots added by the last ingest come back only if they are still in the "
            "raw caseload folder.",
            processed,
            history,
        )
        source = history
    # read_table has validated the tables: the other tables are not needed here.
    data = ProcessedData(
        **{
            name.split("__", 1)[-1]: tables[name] if name in tables else empty_table(name)
            for name in PROCESSED_TABLES
        },
        manifest=json.loads((source / MANIFEST_NAME).read_text("utf-8")),
    )
    data.folder = source
    return data


def _keep_history(processed: Path, staging: Path, readable: bool | None = None) -> None:
    """Copy the published caseload tables into the new folder's ``_previous/`` generation.

    Args:
        processed: The processed folder.
        staging: Its new contents being built.
        readable: Whether its caseload tables read back, when the caller knows already.
    """
    if not (_readable_history(processed) if readable is None else readable):
        # Damaged tables are not kept as a generation; the previous one stays if it reads.
        source = processed / HISTORY_FOLDER
        if not _readable_history(source):
            return
    else:
        source = processed
    history = staging / HISTORY_FOLDER
    history.mkdir()
    for name in CASELOAD_TABLES:
        path = source / f"{name}.parquet"
        if path.is_file():
            shutil.copy2(path, history / path.name)
    old = json.loads((source / MANIFEST_NAME).read_text("utf-8"))
    write_json(
        {
            "created_at": old.get("created_at"),
            "generation_of": "caseload tables replaced by the ingest of the folder above",
            FILE_HASHES: file_hashes(history),
        },
        history / MANIFEST_NAME,
    )


def _read_reference(raw: Path, log: DataQualityLog, cache: IngestCache) -> ReferenceResult:
    """The reference files' tables, taken from the ingest cache while the files are unchanged.

    ``RAW/reference`` is one unit of the cache, as a year folder is: its clean tables, the rows
    read from each file and the issues reading them raised.
    """
    folder = raw / REFERENCE_FOLDER
    if not folder.is_dir():
        return read_reference(folder, log)
    cached = cache.load(REFERENCE_FOLDER)
    if cached is not None:
        log.extend(cached.issues)
        return ReferenceResult(
            tables={
                name: table if isinstance(table, pd.DataFrame) else table.to_pandas()
                for name, table in cached.tables.items()
            },
            rows_in={str(name): int(rows) for name, rows in cached.meta["rows_in"].items()},
        )
    own = DataQualityLog()
    result = read_reference(folder, own)
    issues = own.to_frame()
    log.extend(issues)
    cache.store(
        REFERENCE_FOLDER, CachedUnit(dict(result.tables), issues, {"rows_in": result.rows_in})
    )
    return result


def _prefetch_workbooks(raw: Path, cache: IngestCache) -> WorkbookPrefetch | None:
    """Start parsing the Annex A workbooks the caseload stage will read, if there are any."""
    folder = raw / CASELOAD_FOLDER
    if not folder.is_dir():
        return None
    # Imported only when needed: the caseload stage is its own module.
    from csc_metrics.caseload import prefetch_workbooks

    return prefetch_workbooks(folder, cache)


def _start_caseload_worker(
    raw: Path,
    staging: Path,
    cache: IngestCache,
    pseudonymiser: Pseudonymiser,
    settings: Settings,
) -> BackgroundCaseload | None:
    """Start cleaning a long caseload history in a second process, if there is one to clean."""
    folder = raw / CASELOAD_FOLDER
    if not folder.is_dir():
        return None
    # Imported only when needed: the caseload stage is its own module.
    from csc_metrics.caseload import start_caseload_worker

    return start_caseload_worker(
        folder, cache, pseudonymiser, settings, staging / CASELOAD_WORKER_FOLDER
    )


def _ingest_caseload(
    raw: Path,
    processed: Path,
    log: DataQualityLog,
    pseudonymiser: Pseudonymiser,
    settings: Settings,
    cache: IngestCache,
    workbooks: WorkbookPrefetch | None = None,
    background: BackgroundCaseload | None = None,
) -> tuple[dict[str, pd.DataFrame], bool | None]:
    """Read the caseload snapshots into the published caseload history.

    ``workbooks`` are the Annex A workbooks being parsed ahead (``_prefetch_workbooks``), and
    ``background`` the snapshots being cleaned in a second process (``_start_caseload_worker``).

    Returns:
        The caseload tables, and whether the published history read back (None when there is
        no caseload folder, so it was not read).
    """
    folder = raw / CASELOAD_FOLDER
    if not folder.is_dir():
        return {}, None
    # Imported only when needed: the caseload stage is its own module.
    from csc_metrics.caseload import ingest_caseload
    from csc_metrics.caseload.ingest import dates_to_read

    # The published history is read here, once, and let go when this stage ends: a national
    # history held through the SSDA903 stage as well would raise the ingest's peak memory.
    found = _history_to_keep(processed, dates_to_read(folder))
    published, history_dates = found if found is not None else (None, None)
    previous = _published(processed, published)
    if previous is not None and history_dates is not None and previous.folder == processed:
        previous.caseload_dates = history_dates
    tables = ingest_caseload(
        folder,
        previous,
        log,
        pseudonymiser,
        settings=settings,
        cache=cache,
        workbooks=workbooks,
        background=background,
    )
    caseload = {f"clean_caseload__{name}": frame for name, frame in tables.items()}
    return caseload, published is not None


def _manifest(
    raw: Path,
    created_at: str,
    inputs: list[dict[str, Any]],
    ssda903: Ssda903Result,
    reference: ReferenceResult,
    tables: dict[str, pd.DataFrame],
    dq_issues: pd.DataFrame,
    settings: Settings,
    pseudonymiser: Pseudonymiser,
) -> dict[str, Any]:
    """The ingest manifest: inputs, files read, rows in and out, issues, settings, key check."""
    rows_in = {f"clean_ssda903__{t}": n for t, n in ssda903.rows_in.items()}
    rows_in |= {f"clean_reference__{t}": n for t, n in reference.rows_in.items()}
    return {
        "package_version": __version__,
        "created_at": created_at,
        "raw_folder": str(raw),
        "inputs": inputs,
        "ssda903_files": ssda903.files,
        "collection_years": sorted({f["collection_year"] for f in ssda903.files}),
        EXTRACT_DATES_KEY: {
            str(year): date.date().isoformat() for year, date in ssda903.extract_dates.items()
        },
        "tables": {
            name: {"rows_in": rows_in.get(name), "rows_out": len(frame)}
            for name, frame in sorted(tables.items())
        },
        "issues": {
            severity: int(dq_issues["severity"].eq(severity).sum())
            for severity in ("error", "warning", "info")
        },
        "issues_by_rule": {
            str(rule): int(count) for rule, count in dq_issues["rule"].value_counts().items()
        },
        "settings": {"short_break_ls": sorted(settings.short_break_ls)},
        # Identifies the key (an HMAC of a fixed label, never the key): a later run with
        # another key stops instead of breaking the links between caseload snapshots.
        KEY_CHECK_FIELD: key_check_value(pseudonymiser.key),
    }


#: Files written at once: Arrow encodes and compresses parquet without holding the GIL.
WRITER_THREADS = 2


class _Writer:
    """Writes the processed files in worker threads, two at a time.

    Each file is written whole by one thread, so its bytes are those of writing it alone.
    ``finish`` raises the first failure (a full disk) in the order the files were handed in,
    after every thread has finished.
    """

    def __init__(self, staging: Path) -> None:
        self._staging = staging
        self._pool = ThreadPoolExecutor(WRITER_THREADS, thread_name_prefix="ingest-write")
        self._writes: list[Future[object]] = []

    def table(self, frame: pd.DataFrame, name: str) -> None:
        """Write a processed table (``write_table``)."""
        if name.startswith("clean_reference"):
            # Checked here, not in a worker: the SSDA903 and caseload readers hand on tables
            # checked against their models already.
            frame = PROCESSED_TABLES[name].validate(frame, lazy=True)
        self._writes.append(
            self._pool.submit(write_table, frame, name, self._staging, validated=True)
        )

    def csv(self, frame: pd.DataFrame, name: str) -> None:
        """Write a table as CSV (``write_csv``)."""
        self._writes.append(self._pool.submit(write_csv, frame, self._staging / name))

    def finish(self) -> None:
        """Wait for every write; raise the first failure."""
        self._pool.shutdown(wait=True)
        for write in self._writes:
            write.result()

    def abandon(self) -> None:
        """Wait for the writes already started and drop the rest (the ingest failed)."""
        self._pool.shutdown(wait=True, cancel_futures=True)


def ingest(
    raw: Path,
    processed: Path,
    settings: Settings = DEFAULT_SETTINGS,
    *,
    use_cache: bool = True,
) -> IngestResult:
    """Read and clean every raw input into ``processed``, replacing it only on success.

    Each SSDA903 year folder and caseload snapshot whose files, the code, settings and key are
    unchanged since the last ingest into ``processed`` is taken from its ingest cache
    (``ingest_cache``) instead of being read again; what depends on several of them is always
    worked out again, so the result is the same as reading every file.

    Args:
        raw: The raw folder, holding ``ssda903/<YYYY>/`` and optionally ``reference/`` and
            ``caseload/<YYYY-MM-DD>/``.
        processed: The processed folder to (re)build.
        settings: Local rules.
        use_cache: False reads every raw file again (the new cache is still written).

    Returns:
        What was written.

    Raises:
        InputError: If the input is unusable (the message says which file and why).
        ParameterError: If the folders given cannot be used.
    """
    with malloc_allocation():
        return _ingest(raw, processed, settings, use_cache)


def _ingest(raw: Path, processed: Path, settings: Settings, use_cache: bool) -> IngestResult:
    """``ingest``'s work (see there)."""
    started = time.perf_counter()
    created_at = datetime.now(UTC).isoformat(timespec="seconds")
    raw, processed = Path(raw).resolve(), Path(processed).resolve()
    # Before anything else: put back a processed folder a killed swap left retired.
    recover_folder(processed)
    _check_folders(raw, processed)
    pseudonymiser = Pseudonymiser.from_environment()
    check_same_key(pseudonymiser.key, _recorded_key_check(processed), processed)
    log = DataQualityLog()

    stage_seconds: dict[str, float] = {}
    stage_started = time.perf_counter()

    def stage_done(stage: str) -> None:
        nonlocal stage_started
        now = time.perf_counter()
        stage_seconds[stage] = now - stage_started
        stage_started = now

    inputs = hash_inputs(raw, (SSDA903_FOLDER, REFERENCE_FOLDER, CASELOAD_FOLDER))
    stage_done("hashing")
    cache = IngestCache(
        processed if use_cache and (processed / MANIFEST_NAME).is_file() else None,
        settings,
        pseudonymiser.key,
        raw,
        {item["path"]: item["sha256"] for item in inputs},
    )
    # Everything is built in a staging folder, swapped in only when the whole ingest succeeded:
    # the unit cache is written there as each unit is read, so it is published with the tables.
    with staged_replace(
        processed, "processed", "--processed", legacy=is_legacy_processed
    ) as staging:
        cache.start(staging)
        # The Annex A workbooks are parsed in threads while the SSDA903 returns are read (the
        # parser releases the GIL), and the tables are written in threads; every thread has
        # finished when this block is left.
        # A long caseload history is cleaned in a second process meanwhile (then the workbooks
        # are parsed there).
        background = _start_caseload_worker(raw, staging, cache, pseudonymiser, settings)
        workbooks = _prefetch_workbooks(raw, cache) if background is None else None
        writer = _Writer(staging)
        try:
            # A council with only caseload snapshots has no ssda903/ folder: its caseload
            # report runs.
            caseload_only = not (raw / SSDA903_FOLDER).exists() and (raw / CASELOAD_FOLDER).is_dir()
            ssda903 = (
                no_ssda903()
                if caseload_only
                else read_ssda903(raw / SSDA903_FOLDER, log, pseudonymiser, settings, cache)
            )
            release_free_memory()
            stage_done("ssda903")
            reference = _read_reference(raw, log, cache)
            stage_done("reference")
            tables = {f"clean_ssda903__{name}": frame for name, frame in ssda903.tables.items()}
            tables |= {
                f"clean_reference__{name}": frame for name, frame in reference.tables.items()
            }
            caseload, history_readable = _ingest_caseload(
                raw, processed, log, pseudonymiser, settings, cache, workbooks, background
            )
            if workbooks is not None:
                workbooks.close()
            if background is not None:
                background.close()
            tables |= caseload
            # The published history read back and the stage's temporary arrays are freed: hand
            # their memory back before the writers' buffers and the issues table (a full
            # re-read into a folder holding the national history peaked there at 3.9 GB).
            release_free_memory()
            stage_done("caseload")
            # Not written during the caseload stage: the writers' buffers would add to its peak
            # (a national re-run with the history read back peaked 0.2 GB higher).
            for name, frame in tables.items():
                writer.table(frame, name)
            dq_issues = log.to_frame()
            manifest = _manifest(
                raw,
                created_at,
                inputs,
                ssda903,
                reference,
                tables,
                dq_issues,
                settings,
                pseudonymiser,
            )
            writer.table(dq_issues, DQ_TABLE)
            writer.csv(dq_issues, DQ_CSV)
            writer.finish()
        except BaseException:
            writer.abandon()
            raise
        finally:
            if workbooks is not None:
                workbooks.close()
            if background is not None:
                background.close()
        cache.finish()
        manifest["run_seconds"] = round(time.perf_counter() - started, 1)
        _keep_history(processed, staging, readable=history_readable)
        manifest[FILE_HASHES] = file_hashes(staging)
        write_json(manifest, staging / MANIFEST_NAME)
    # Writing includes the issues table, the input checksums and the manifest.
    stage_done("writing")
    logger.debug("ingest stages (seconds): %s", stage_seconds)
    return IngestResult(processed, tables, dq_issues, manifest, stage_seconds)


def _snapshot_dates(folder: Path) -> list[str]:
    cases = read_table("clean_caseload__cases", folder)
    workforce = read_table("clean_caseload__workforce", folder)
    dates = set(pd.to_datetime(cases["snapshot_date"]).dropna().unique())
    dates |= set(pd.to_datetime(workforce["snapshot_date"]).dropna().unique())
    return sorted(str(pd.Timestamp(d).date()) for d in dates)


def rollback(processed: Path) -> tuple[list[str], list[str]]:
    """Put the previous generation of the caseload tables back (``csc-metrics ingest --rollback``).

    Every ingest keeps the caseload tables it replaces in ``processed/_previous/``. Rolling back
    makes that generation current again and keeps the one it replaces as ``_previous/``, so a
    second rollback undoes the first. The SSDA903 and reference tables are left as they are.
    The next ``csc-metrics run`` ingests again (the run's reuse stamp is dropped), and reads
    ``RAW/caseload`` again: move a bad snapshot folder out of it first.

    Args:
        processed: The processed folder.

    Returns:
        The snapshot dates now current, and those of the generation set aside.

    Raises:
        InputError: If there is no readable previous generation, or the folder is not one
            csc-metrics wrote.
    """
    processed = Path(processed).resolve()
    recover_folder(processed)
    if not (processed / MANIFEST_NAME).is_file():
        raise InputError(f"--processed {processed} holds no processed data to roll back.")
    check_replaceable(processed, "processed", "--processed", legacy=is_legacy_processed)
    history = processed / HISTORY_FOLDER
    if not _readable_history(history):
        raise InputError(
            f"{processed} has no readable previous generation of the caseload tables in "
            f"{HISTORY_FOLDER}/ (one is kept from the second ingest on): nothing to roll back to."
        )
    manifest = json.loads((processed / MANIFEST_NAME).read_text("utf-8"))
    replaced = _snapshot_dates(processed) if _readable_history(processed) else []
    with staged_replace(
        processed, "processed", "--processed", legacy=is_legacy_processed
    ) as staging:
        keep = {f"{name}.parquet" for name in PROCESSED_TABLES if name not in CASELOAD_TABLES}
        for path in sorted(processed.iterdir()):
            if path.is_file() and (path.name in keep or path.name == DQ_CSV):
                shutil.copy2(path, staging / path.name)
        for name in CASELOAD_TABLES:
            if (history / f"{name}.parquet").is_file():
                shutil.copy2(history / f"{name}.parquet", staging / f"{name}.parquet")
        if replaced:
            _keep_history(processed, staging)
        manifest["rolled_back_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        manifest[FILE_HASHES] = file_hashes(staging)
        write_json(manifest, staging / MANIFEST_NAME)
    current = _snapshot_dates(processed)
    logger.info("Rolled back the caseload tables of %s to snapshots %s", processed, current)
    return current, replaced
