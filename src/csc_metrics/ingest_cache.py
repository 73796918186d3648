"""The ingest cache: each raw file unit's cleaned rows, so a re-run reads only what changed.

A *unit* is the smallest part of the raw folder that is read and cleaned on its own: one
SSDA903 collection-year folder (``ssda903/2024``), one caseload snapshot folder
(``caseload/2024-06-30``), or the reference files' folder (``reference``). Ingest keeps, in
``processed/_ingest_cache/``, every unit's cleaned and pseudonymised rows (never a raw
identifier) with the data-quality issues reading and cleaning it raised. The next ingest
reuses a unit only when all of these are unchanged:

- the content (SHA-256) of every file in the unit's folder, and the names in it;
- the code fingerprint (``fingerprints.code_fingerprint``), the settings and the cache format;
- the pseudonymisation key, identified by its check value (``privacy.key_check_value``, an HMAC
  of a fixed label); the key itself is never stored.

Everything that depends on several units (episodes merged across years, the latest record of a
child, the caseload history) is worked out again from the units on every ingest, so the result
is the same as reading every file again.

A unit whose files changed is read again; its reader may still take from the unit as last
cached (``IngestCache.earlier``) what came from the files that did not change: an SSDA903 year
folder cleans again only the tables whose files changed (``ssda903.ingest``).

The cache lives inside the processed folder and is written into its staging copy, so it is
swapped in with the tables it was built with, or not at all; a unit whose cached files are
missing or damaged (their hashes are recorded) is simply read again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import pandas as pd
import pyarrow
from pyarrow import feather

from csc_metrics import fingerprints
from csc_metrics.privacy import key_check_value
from csc_metrics.quality import DQ_COLUMNS
from csc_metrics.settings import Settings

logger = logging.getLogger(__name__)

#: Sub-folder of a processed folder holding the cache.
INGEST_CACHE_FOLDER = "_ingest_cache"
INDEX_NAME = "index.json"
#: Bumped whenever what a unit holds changes shape, so older caches are not read.
CACHE_FORMAT = 1
ISSUES = "issues"
#: Folders read again that the log line names; beyond these it gives a count.
SHOWN_UNITS = 5


def cache_fingerprint(settings: Settings, key: bytes) -> str:
    """What every cached unit was built with: cache format, code, settings and key check value.

    Args:
        settings: The ingest's settings.
        key: The pseudonymisation key (only its check value enters the fingerprint).

    Returns:
        A SHA-256 hex digest.
    """
    payload = json.dumps(
        {
            "format": CACHE_FORMAT,
            "code": fingerprints.code_fingerprint(),
            "settings": fingerprints.settings_fingerprint(settings),
            "key": key_check_value(key),
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def unit_signature(raw: Path, unit: str, input_hashes: dict[str, str]) -> dict[str, Any]:
    """What a unit's folder holds: every entry's name and kind, and each file's SHA-256.

    Args:
        raw: The raw folder.
        unit: The unit's folder relative to ``raw`` (``ssda903/2024``).
        input_hashes: Relative path -> SHA-256 of every raw input file (as ``hash_inputs``).

    Returns:
        A JSON-ready record; two records are equal only when the folder is unchanged.
    """
    folder = Path(raw) / unit
    prefix = f"{unit}/"
    entries = sorted(f"{path.name}{'/' if path.is_dir() else ''}" for path in folder.iterdir())
    files = {path: digest for path, digest in input_hashes.items() if path.startswith(prefix)}
    return {"entries": entries, "files": dict(sorted(files.items()))}


#: A unit's table: a frame when just cleaned, an Arrow table when loaded from the cache (turned
#: into a frame together with the other units' tables, see ``quality.joined_frames``).
UnitTable: TypeAlias = pd.DataFrame | pyarrow.Table


@dataclass
class CachedUnit:
    """One unit's cleaned tables, the issues raised while reading it, and what else it noted.

    Its issues are a frame when just raised, an Arrow table when loaded from the cache (turned
    into a frame together with the other units' issues, by ``DataQualityLog.to_frame``).
    """

    tables: dict[str, UnitTable]
    issues: UnitTable
    meta: dict[str, Any] = field(default_factory=dict)


def _folder_name(unit: str) -> str:
    return hashlib.sha256(unit.encode("utf-8")).hexdigest()[:20]


def unit_folder_name(unit: str) -> str:
    """The folder a unit's files are kept in, inside the cache (a hash of the unit's name)."""
    return _folder_name(unit)


def write_unit_files(folder: Path, cached: CachedUnit) -> dict[str, str]:
    """Write a unit's tables and issues as the cache keeps them, into an existing folder.

    For a unit cleaned in another process (``caseload.background``), taken into the cache by
    ``IngestCache.adopt``.

    Returns:
        File name -> SHA-256 of each file written.
    """
    stored: dict[str, str] = {}
    for name, frame in [*cached.tables.items(), (ISSUES, _issue_columns(cached.issues))]:
        path = folder / f"{name}.feather"
        stored[path.name] = _write_frame(frame, path)
    return stored


def read_unit_files(folder: Path, files: dict[str, str]) -> CachedUnit | None:
    """A unit's tables (as Arrow tables) and issues read back from its files, or None.

    Args:
        folder: The unit's folder.
        files: Its file names (``write_unit_files``'s answer).

    Returns:
        The unit, as ``IngestCache.load`` gives a cached one; None when a file cannot be read.
    """
    try:
        unit = _tables_and_issues(
            {name.removesuffix(".feather"): feather.read_table(folder / name) for name in files}
        )
    except (OSError, ValueError, pyarrow.ArrowException):
        return None
    return None if unit is None else CachedUnit(*unit)


def _tables_and_issues(
    tables: dict[str, pyarrow.Table],
) -> tuple[dict[str, pyarrow.Table], pyarrow.Table] | None:
    """A unit's tables without its issues, and the issues; None if they are not issues."""
    issues = tables.pop(ISSUES, None)
    if issues is None or issues.column_names != DQ_COLUMNS:
        return None
    return dict(tables), issues


def _issue_columns(issues: UnitTable) -> UnitTable:
    """Issues with the data-quality table's columns only, in its order."""
    if isinstance(issues, pyarrow.Table):
        return issues.select(DQ_COLUMNS)
    return issues[DQ_COLUMNS]


def _write_frame(frame: UnitTable, path: Path) -> str:
    """Write a unit's table as Feather (lz4) and return the file's SHA-256."""
    table = (
        frame
        if isinstance(frame, pyarrow.Table)
        else pyarrow.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    )
    # Written to memory first, so that the bytes are hashed as written, not read back.
    sink = pyarrow.BufferOutputStream()
    feather.write_feather(table, sink, compression="lz4")
    data = sink.getvalue()
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


#: Cached files up to this size are read into memory once, hashed there and decoded in this
#: thread; larger ones are hashed from the file and decoded by Arrow's threads. A county's
#: files are small, and handing each to Arrow's thread pool cost more than decoding it: the
#: quarter re-run's 173 files took 0.15-0.4 s that way and 0.07 s read once in this thread.
SMALL_FILE_BYTES = 8 * 1024**2


def _read_checked(path: Path, digest: str) -> pyarrow.Table | None:
    """A cached table, or None when its file's SHA-256 is not the one recorded."""
    if path.stat().st_size > SMALL_FILE_BYTES:
        if fingerprints.sha256_file(path) != digest:
            return None
        return feather.read_table(str(path))
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != digest:
        return None
    return feather.read_table(pyarrow.BufferReader(data), use_threads=False)


class IngestCache:
    """The units cached in a published processed folder, and those the new one will hold.

    Args:
        published: The live processed folder (its cache is read; it may not exist).
        settings: The ingest's settings.
        key: The pseudonymisation key.
        raw: The raw folder.
        input_hashes: Relative path -> SHA-256 of every raw input file.
    """

    def __init__(
        self,
        published: Path | None,
        settings: Settings,
        key: bytes,
        raw: Path,
        input_hashes: dict[str, str],
    ) -> None:
        self.fingerprint = cache_fingerprint(settings, key)
        self.raw = Path(raw)
        self.input_hashes = input_hashes
        self._old = Path(published) / INGEST_CACHE_FOLDER if published is not None else None
        self._old_units = self._read_index(self._old)
        self._staging: Path | None = None
        self._new_units: dict[str, dict[str, Any]] = {}
        #: Units reused and units read, for the log and the tests.
        self.reused: list[str] = []
        self.read: list[str] = []

    @staticmethod
    def _read_index(folder: Path | None) -> dict[str, dict[str, Any]]:
        if folder is None:
            return {}
        try:
            index = json.loads((folder / INDEX_NAME).read_text("utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(index, dict) or index.get("format") != CACHE_FORMAT:
            return {}
        units = index.get("units")
        return units if isinstance(units, dict) else {}

    def start(self, staging: Path) -> None:
        """Write the new cache into this processed staging folder (created here)."""
        self._staging = Path(staging) / INGEST_CACHE_FOLDER
        self._staging.mkdir()

    def signature(self, unit: str) -> dict[str, Any]:
        """The unit's current signature (see ``unit_signature``)."""
        return unit_signature(self.raw, unit, self.input_hashes)

    def holds(self, unit: str) -> bool:
        """Whether the unit was cached with its current files, code, settings and key.

        Its cached files are not checked here: ``load`` may still find them damaged.
        """
        record = self._old_units.get(unit)
        return (
            self._old is not None
            and isinstance(record, dict)
            and record.get("fingerprint") == self.fingerprint
            and record.get("signature") == self.signature(unit)
        )

    def load(self, unit: str) -> CachedUnit | None:
        """The unit's cached rows, if its files, the code, settings and key are all unchanged.

        A unit found is carried into the new cache. A damaged or missing cache file, or any
        change, gives None: the caller reads the unit from its raw files.
        """
        record = self._old_units.get(unit)
        if not isinstance(record, dict) or record.get("signature") != self.signature(unit):
            return None
        found = self._read_unit(unit, record)
        if found is None or self._old is None:
            return None
        self._carry(unit, self._old / _folder_name(unit), record)
        self.reused.append(unit)
        return found

    def earlier(self, unit: str) -> CachedUnit | None:
        """The unit as the last ingest cached it, when only its files may have changed since.

        For a unit being read again because some of its files changed: the reader may take
        from it what came from the files that did not change (its ``meta`` says what came from
        which), as those files, the code, settings and key are the same. Nothing is carried
        into the new cache.

        Returns:
            The cached unit, or None when there is none built with this code, settings and key,
            or one of its files is damaged.
        """
        return self._read_unit(unit, self._old_units.get(unit))

    def _read_unit(self, unit: str, record: dict[str, Any] | None) -> CachedUnit | None:
        """A unit's cached files read back, if built with this code, settings and key, else None."""
        if self._old is None or not isinstance(record, dict):
            return None
        if record.get("fingerprint") != self.fingerprint:
            return None
        folder = self._old / _folder_name(unit)
        stored = record.get("files")
        if not isinstance(stored, dict):
            return None
        try:
            tables = {}
            for name, digest in stored.items():
                table = _read_checked(folder / name, digest)
                if table is None:
                    return None
                tables[name.removesuffix(".feather")] = table
            found = _tables_and_issues(tables)
        except (OSError, ValueError, pyarrow.ArrowException):
            return None
        if found is None:
            return None
        return CachedUnit(*found, dict(record.get("meta") or {}))

    def _carry(self, unit: str, folder: Path, record: dict[str, Any]) -> None:
        """Put an unchanged unit's files into the new cache (a hard link where possible)."""
        if self._staging is None:
            return
        target = self._staging / _folder_name(unit)
        target.mkdir()
        for name in record["files"]:
            try:
                os.link(folder / name, target / name)
            except OSError:
                shutil.copy2(folder / name, target / name)
        self._new_units[unit] = record

    def store(self, unit: str, cached: CachedUnit) -> None:
        """Keep a unit just read and cleaned in the new cache.

        Args:
            unit: The unit's folder relative to the raw folder.
            cached: Its tables (as the reader hands them on), issues and notes.
        """
        self.read.append(unit)
        if self._staging is None:
            return
        folder = self._staging / _folder_name(unit)
        folder.mkdir()
        stored: dict[str, str] = {}
        for name, frame in [*cached.tables.items(), (ISSUES, _issue_columns(cached.issues))]:
            path = folder / f"{name}.feather"
            stored[path.name] = _write_frame(frame, path)
        self._new_units[unit] = {
            "signature": self.signature(unit),
            "fingerprint": self.fingerprint,
            "files": stored,
            "meta": cached.meta,
        }

    def adopt(self, unit: str, folder: Path, files: dict[str, str]) -> None:
        """Keep a unit cleaned and written by another process in the new cache, as ``store``.

        Args:
            unit: The unit's folder relative to the raw folder.
            folder: The folder its files were written into (``write_unit_files``); moved into
                the new cache.
            files: File name -> SHA-256 of each of its files.
        """
        self.read.append(unit)
        if self._staging is None:
            shutil.rmtree(folder, ignore_errors=True)
            return
        folder.rename(self._staging / _folder_name(unit))
        self._new_units[unit] = {
            "signature": self.signature(unit),
            "fingerprint": self.fingerprint,
            "files": files,
            "meta": {},
        }

    def finish(self) -> None:
        """Write the new cache's index (after every unit is stored)."""
        if self._staging is None:
            return
        index = {"format": CACHE_FORMAT, "units": dict(sorted(self._new_units.items()))}
        (self._staging / INDEX_NAME).write_text(
            json.dumps(index, indent=1, sort_keys=True, default=str) + "\n", encoding="utf-8"
        )
        if self.reused:
            shown = ", ".join(self.read[:SHOWN_UNITS]) or "none"
            hidden = len(self.read) - SHOWN_UNITS
            more = f" and {hidden} more" if hidden > 0 else ""
            logger.info(
                "Ingest cache: %d of %d folders unchanged and reused; read: %s%s.",
                len(self.reused),
                len(self.reused) + len(self.read),
                shown,
                more,
            )


def split_issues(issues: pd.DataFrame, units: Sequence[str]) -> dict[str, pd.DataFrame] | None:
    """Split a batch's issues by the unit folder their file lies in, keeping their order.

    Args:
        issues: Issues raised while reading and cleaning several units together.
        units: The units of the batch (folders relative to the raw folder).

    Returns:
        Unit -> its issues, in the order they were raised; None when an issue names no file
        inside one of the units (the caller then cleans the units one at a time).
    """
    # Each distinct file is placed once (a batch's issues name few files), not each issue.
    codes, files = pd.factorize(issues["file"].astype("object"))
    owners = [_owner(file, units) for file in files]
    owner = np.array([*owners, -1], dtype="int64")[codes]
    if (owner < 0).any():
        return None
    # Issues grouped by unit, each unit's in the order raised (a stable sort keeps it).
    order = np.argsort(owner, kind="stable")
    ends = np.cumsum(np.bincount(owner, minlength=len(units)))
    starts = np.concatenate([[0], ends[:-1]])
    return {
        unit: issues.take(order[start:end]).reset_index(drop=True)
        for unit, start, end in zip(units, starts, ends, strict=True)
    }


def _owner(file: object, units: Sequence[str]) -> int:
    """The position of the first unit whose folder holds ``file``, or -1."""
    for position, unit in enumerate(units):
        if isinstance(file, str) and file.startswith(f"{unit}/"):
            return position
    return -1
