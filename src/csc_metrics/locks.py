"""One writer at a time: a lock on each folder csc-metrics writes (processed data, reports).

``csc-metrics ingest`` locks its processed folder; ``csc-metrics run`` locks its reports folder
and the processed folder it uses. The lock is an operating-system lock on a file (``filelock``),
so it is released the moment its process ends, even by ``kill -9``. Beside it, an owner file
records who holds it (process id, host, start time): a second process is told who holds the
lock, and a process that finds the owner file of a holder that is gone (killed before it could
remove it) says in the log that it takes the stale lock over.
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from csc_metrics.errors import AlreadyRunningError

logger = logging.getLogger(__name__)

LOCK_NAME = ".csc-metrics-run.lock"
OWNER_SUFFIX = ".owner.json"


def lock_file_for(folder: Path, inside: bool) -> Path:
    """Where the lock for a folder lives.

    The reports folder is never replaced, so its lock sits inside it. A processed folder is
    replaced as a whole by ingest, so its lock sits beside it.
    """
    folder = Path(folder)
    if inside:
        return folder / LOCK_NAME
    return folder.parent / f".{folder.name}{LOCK_NAME}"


def owner_file(lock_file: Path) -> Path:
    """The file beside a lock that says who holds it."""
    return Path(lock_file).with_name(Path(lock_file).name + OWNER_SUFFIX)


def read_owner(lock_file: Path) -> dict[str, Any] | None:
    """Who holds (or last held without releasing) a lock, or None."""
    try:
        value = json.loads(owner_file(lock_file).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def describe_owner(owner: dict[str, Any] | None) -> str:
    """``process 123 on host h, started 2026-01-01T10:00:00+00:00``, or a neutral phrase."""
    if not owner:
        return "another process"
    return (
        f"process {owner.get('pid', '?')} on host {owner.get('host', '?')}, "
        f"started {owner.get('started_at', '?')}"
    )


@contextmanager
def folder_lock(lock_file: Path, what: str) -> Iterator[Path]:
    """Hold a lock for the whole block, or fail at once if another process holds it.

    Args:
        lock_file: The lock file (its folder is created if missing).
        what: What the lock protects, for messages (``the processed folder data/processed``).

    Yields:
        The lock file's path.

    Raises:
        AlreadyRunningError: If another process holds the lock (exit 3).
    """
    lock_file = Path(lock_file)
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_file), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise AlreadyRunningError(
            f"Another csc-metrics run is already writing to {what} (an ingest or a run: "
            f"{describe_owner(read_owner(lock_file))}; lock file {lock_file}). Wait for it to "
            "finish; the lock is released as soon as that process ends."
        ) from None
    try:
        stale = read_owner(lock_file)
        if stale is not None:
            logger.warning(
                "Took over a stale lock on %s left by %s, which ended without releasing it",
                what,
                describe_owner(stale),
            )
        record = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        owner_file(lock_file).write_text(json.dumps(record) + "\n", encoding="utf-8")
        yield lock_file
    finally:
        owner_file(lock_file).unlink(missing_ok=True)
        lock.release()
