"""Safe publishing: one run at a time; build beside the published folder; swap when complete."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from pathlib import Path

from csc_metrics import folders
from csc_metrics.locks import LOCK_NAME as LOCK_NAME
from csc_metrics.locks import folder_lock
from csc_metrics.locks import lock_file_for as lock_file_for
from csc_metrics.report.config import FAILED_FOLDER
from csc_metrics.storage import unused_path

logger = logging.getLogger(__name__)

#: One run at a time per folder: ``locks.folder_lock`` (kept under this name for callers).
run_lock = folder_lock


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


def remove_stale_builds(out: Path, processed: Path | None = None) -> list[str]:
    """Recover what a killed run left half done (call only while holding the lock).

    ``storage.staged_replace`` builds in ``.<name>.new-*`` and retires the old folder to
    ``.<name>.old-*``. ``folders.recover_folder`` puts a retired copy back when the live folder
    is missing, and deletes only marked leftovers: an unmarked ``.<x>.old-<y>`` in ``--out``
    belongs to someone else and is left alone.

    Args:
        out: The reports folder.
        processed: The processed folder the run uses, when it is not inside ``out``.

    Returns:
        One line per action, for the log.
    """
    actions = folders.recover_all(out)
    if processed is not None and Path(out) not in Path(processed).parents:
        actions += folders.recover_folder(processed)
    return actions


#: What a published period folder holds besides pages (``*.html``) and data files.
_REPORT_FOLDERS = frozenset({"notebooks", "teams", "downloads", "csv", "data", "assets"})
_REPORT_SUFFIXES = frozenset({".html", ".json", ".log", ".csv", ".pdf", ".png", ".svg", ".css"})


def is_legacy_report(folder: Path) -> bool:
    """Whether an unmarked folder is a report period published before folders had markers.

    It must hold a run's ``manifest.json`` and ``index.html`` and nothing a run does not write:
    a user's ``holiday.jpg`` makes it someone else's folder.
    """
    folder = Path(folder)
    try:
        entries = list(folder.iterdir())
        manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(manifest, dict) or "csc_metrics_version" not in manifest:
        return False
    return (folder / "index.html").is_file() and all(
        (entry.is_dir() and entry.name in _REPORT_FOLDERS)
        or (entry.is_file() and entry.suffix in _REPORT_SUFFIXES)
        or entry.name == folders.MARKER_NAME
        for entry in entries
    )


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
