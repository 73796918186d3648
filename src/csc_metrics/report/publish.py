"""Safe publishing: one run at a time; build beside the published folder; swap when complete."""

from __future__ import annotations

import logging
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from csc_metrics.errors import AlreadyRunningError
from csc_metrics.report.config import FAILED_FOLDER
from csc_metrics.storage import unused_path

logger = logging.getLogger(__name__)

LOCK_NAME = ".csc-metrics-run.lock"


@contextmanager
def run_lock(lock_file: Path, what: str) -> Iterator[Path]:
    """Hold a lock for the whole run, or fail at once if another run holds it.

    The lock is held with ``filelock``, so it is released even if the run is killed.

    Args:
        lock_file: The lock file (its folder is created if missing).
        what: What the lock protects, for the error message (``the reports folder reports``).

    Yields:
        The lock file's path.

    Raises:
        AlreadyRunningError: If another run holds the lock.
    """
    lock_file = Path(lock_file)
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(lock_file), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise AlreadyRunningError(
            f"Another csc-metrics run is already writing to {what} (lock file {lock_file}). "
            "Wait for it to finish; if no run is active, the lock is released as soon as "
            "that run's process ends."
        ) from None
    try:
        yield lock_file
    finally:
        lock.release()


def lock_file_for(folder: Path, inside: bool) -> Path:
    """Where the lock for a folder lives.

    The reports folder is never replaced, so its lock sits inside it. A processed folder is
    replaced as a whole by ingest, so its lock sits beside it.
    """
    folder = Path(folder)
    if inside:
        return folder / LOCK_NAME
    return folder.parent / f".{folder.name}{LOCK_NAME}"


def git_commit(folder: Path) -> str | None:
    """The git commit of the checkout holding ``folder``, or None outside git.

    A ``-dirty`` suffix marks uncommitted changes to tracked files.
    """
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True, text=True, timeout=10
        )
        if head.returncode != 0:
            return None
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    dirty = "-dirty" if status.returncode == 0 and status.stdout.strip() else ""
    return head.stdout.strip() + dirty


def remove_stale_builds(out: Path) -> list[Path]:
    """Remove staging folders left by a run that was killed (call only while holding the lock).

    ``storage.staged_replace`` builds in ``.<name>.new-*`` and retires the old folder to
    ``.<name>.old-*``; a killed run can leave either behind.

    Returns:
        The folders removed.
    """
    stale = [
        p for p in Path(out).glob(".*") if p.is_dir() and (".new-" in p.name or ".old-" in p.name)
    ]
    for path in stale:
        shutil.rmtree(path, ignore_errors=True)
    return stale


def set_aside(build: Path, out: Path, name: str, stamp: str) -> Path:
    """Move a failed build to ``out/_failed/<name>-<stamp>/`` for inspection.

    Args:
        build: The staging folder.
        out: The reports folder.
        name: The period's folder name.
        stamp: The run's time stamp.

    Returns:
        Where the build now is.
    """
    failed_root = Path(out) / FAILED_FOLDER
    failed_root.mkdir(parents=True, exist_ok=True)
    destination = unused_path(failed_root, f"{name}-{stamp}")
    shutil.move(str(build), str(destination))
    return destination
