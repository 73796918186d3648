"""The indicator-series cache: every indicator at every quarter end, worked out once per folder.

The series is computed once per processed folder, council and settings and kept in
``<processed>/_cache/``, keyed by a hash of the ingest manifest, the council, the settings and
the package code, so it is never stale. Notebooks run side by side wait on a file lock for the
first to write it and then read it. Ingest replaces the whole processed folder, and the cache
with it. The benchmark alignment of the series is kept the same way (``cached_frame``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pandera.errors
from filelock import FileLock

from csc_metrics.fingerprints import code_fingerprint, settings_fingerprint
from csc_metrics.indicators import IndicatorInputs, compute_indicator_series
from csc_metrics.schemas import MetricTable
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.storage import CACHE_FOLDER, MANIFEST_NAME, ProcessedData

SERIES_CACHE_PREFIX = "indicator_series-"


def series_cache_key(processed: Path, la_code: str, settings: Settings) -> str:
    """The key of a processed folder's indicator series for one council and settings.

    Args:
        processed: The processed folder (its ``manifest.json`` changes with every ingest).
        la_code: The council.
        settings: The settings.

    Returns:
        A SHA-256 hex digest.
    """
    digest = hashlib.sha256()
    parts = (
        (Path(processed) / MANIFEST_NAME).read_bytes(),
        la_code.encode("utf-8"),
        settings_fingerprint(settings).encode("utf-8"),
        code_fingerprint().encode("utf-8"),
    )
    for part in parts:
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _write_atomically(frame: pd.DataFrame, path: Path) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        frame.to_parquet(temporary, index=False)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def cached_frame(
    processed: Path | None,
    name: str,
    key: str,
    compute: Callable[[], pd.DataFrame],
    check: Callable[[pd.DataFrame], pd.DataFrame] = lambda frame: frame,
) -> pd.DataFrame:
    """A table kept in ``<processed>/_cache/``, computed by the first caller that needs it.

    Callers at the same time wait on a file lock and then read what the first wrote (written
    atomically, so never half a file). A processed folder that cannot be written to is simply
    not cached, and an unreadable cache file is computed again.

    Args:
        processed: The processed folder, or None (nothing is cached).
        name: What the table is (the start of its file name).
        key: Its cache key: the file is ``<name>-<key>.parquet``.
        compute: Works the table out.
        check: Applied to a table read back from the cache (e.g. schema validation).

    Returns:
        The table.
    """
    if processed is None:
        return compute()
    folder = Path(processed) / CACHE_FOLDER
    path = folder / f"{name}-{key[:24]}.parquet"
    try:
        folder.mkdir(exist_ok=True)
        lock = FileLock(str(folder / f"{name}-lock"))
        lock.acquire()
    except OSError:
        return compute()
    try:
        if path.is_file():
            with contextlib.suppress(OSError, ValueError, pandera.errors.SchemaError):
                return check(pd.read_parquet(path))
        frame = compute()
        with contextlib.suppress(OSError):
            _write_atomically(frame, path)
        return frame
    finally:
        lock.release()


def cached_indicator_series(
    data: ProcessedData,
    la_code: str,
    settings: Settings = DEFAULT_SETTINGS,
    *,
    inputs: IndicatorInputs | None = None,
    permanence_in_child: bool = False,
) -> pd.DataFrame:
    """Every indicator at every quarter end the data cover, from the cache when it holds them.

    The first caller computes the series (``compute_indicator_series``); see ``cached_frame``.

    Args:
        data: Processed data loaded from a folder (``data.folder`` set; else nothing is cached).
        la_code: The council.
        settings: Local rules.
        inputs: ``prepare_inputs(data, settings)`` when the caller has it, so that computing
            the series does not prepare it again.
        permanence_in_child: Compute the permanence indicators in a forked child meanwhile
            (``compute_indicator_series``); the series is the same.

    Returns:
        A ``MetricTable`` frame.
    """
    key = series_cache_key(data.folder, la_code, settings) if data.folder else ""
    return cached_frame(
        data.folder,
        SERIES_CACHE_PREFIX.rstrip("-"),
        key,
        lambda: compute_indicator_series(
            data,
            la_code,
            settings=settings,
            inputs=inputs,
            permanence_in_child=permanence_in_child,
        ),
        MetricTable.validate,
    )
