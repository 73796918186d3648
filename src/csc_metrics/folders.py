"""Folders csc-metrics owns: a marker file in each, and replacing one without losing a copy.

Every folder csc-metrics creates and may later replace or delete carries a small marker file,
``.csc-metrics-folder.json``, naming the tool and the kind of folder (``FOLDER_KINDS``):
processed data, a published report period, a staging folder being built... csc-metrics
replaces or deletes only folders that carry it, so a folder that happens to have the same name
(``--out`` holding ``2025-03-31/holiday.jpg``, a report folder given as ``--processed``, a mail
client's ``.thunderbird.old-profile``) is refused with a message (exit 2) and never touched.

``replace_folder`` builds a folder's new contents beside it and swaps them in with two renames:
``target -> .<name>.old-<id>`` then ``.<name>.new-<id> -> target``. A process killed between
the two leaves only the retired copy. ``recover_folder`` (run first by every ``ingest`` and
``run``) puts that copy back whenever the live folder is missing, and deletes a leftover only
when it is marked and the live folder is there: the last copy of anything is never deleted.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from csc_metrics.errors import InputError

logger = logging.getLogger(__name__)

MARKER_NAME = ".csc-metrics-folder.json"
TOOL = "csc-metrics"

#: Kind -> what the folder is, in words for messages.
FOLDER_KINDS: dict[str, str] = {
    "processed": "processed data written by csc-metrics ingest",
    "report-period": "a published report period written by csc-metrics run",
    "staging": "a folder csc-metrics was building (unfinished)",
    "sample": "synthetic raw files written by csc-metrics sample",
}

#: ``.<name>.new-<id>`` (being built) and ``.<name>.old-<id>`` (retired by a swap).
_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?P<state>new|old)-(?P<id>[A-Za-z0-9_]+)$")

#: A check that an unmarked folder was written by an older csc-metrics (before markers).
LegacyCheck = Callable[[Path], bool]


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The marker of a folder, or None if it has none (or an unreadable one)."""
    try:
        value = json.loads((Path(folder) / MARKER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(value, dict) or value.get("tool") != TOOL:
        return None
    return value


def marker_kind(folder: Path) -> str | None:
    """The kind of folder its marker names, or None when it carries no csc-metrics marker."""
    marker = read_marker(folder)
    return str(marker.get("kind")) if marker is not None else None


def write_marker(folder: Path, kind: str) -> None:
    """Mark a folder as csc-metrics's own, of one kind (``FOLDER_KINDS``)."""
    if kind not in FOLDER_KINDS:
        raise ValueError(f"unknown folder kind {kind!r}")
    record = {
        "tool": TOOL,
        "kind": kind,
        "what": FOLDER_KINDS[kind],
        "marked_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    path = Path(folder) / MARKER_NAME
    path.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _is_empty_folder(folder: Path) -> bool:
    return folder.is_dir() and not any(folder.iterdir())


def check_replaceable(
    target: Path, kind: str, option: str, legacy: LegacyCheck | None = None
) -> None:
    """Refuse, with a message, a folder csc-metrics must not replace.

    A folder that does not exist, an empty folder, a folder marked with ``kind`` and (for data
    written before markers existed) a folder ``legacy`` recognises may be replaced.

    Args:
        target: The folder about to be replaced.
        kind: The kind of folder it must be.
        option: How the user named it, for the message (``--processed``, ``the report folder``).
        legacy: Recognises an unmarked folder written by an older csc-metrics.

    Raises:
        InputError: If ``target`` is a file, another kind of folder, or not csc-metrics's.
    """
    target = Path(target)
    if not target.exists() and not target.is_symlink():
        return
    if target.is_symlink() or not target.is_dir():
        raise InputError(
            f"{option} {target} is a file or a link, not a folder csc-metrics made; it was left "
            "as it is. Give a new or empty folder, or move it away."
        )
    if _is_empty_folder(target):
        return
    found = marker_kind(target)
    if found == kind:
        return
    if found is None and legacy is not None and legacy(target):
        return
    what = FOLDER_KINDS.get(found or "", "not a folder csc-metrics made")
    if found is not None:
        what = f"it holds {what}"
    raise InputError(
        f"{option} {target} would be replaced, but {what} (no csc-metrics marker "
        f"{MARKER_NAME} of kind {kind!r}), so nothing in it was touched. Choose a new or empty "
        "folder, or move its files away first."
    )


def leftovers(parent: Path, name: str | None = None) -> list[tuple[Path, str, str]]:
    """Marked staging and retired folders in ``parent``: ``(path, live name, "new"|"old")``.

    Unmarked folders with similar names belong to someone else and are not listed.

    Args:
        parent: The folder to look in.
        name: Only leftovers of this live folder (default: of any).
    """
    parent = Path(parent)
    if not parent.is_dir():
        return []
    found = []
    for path in sorted(parent.iterdir()):
        match = _LEFTOVER.match(path.name)
        if match is None or path.is_symlink() or not path.is_dir():
            continue
        if name is not None and match["name"] != name:
            continue
        if marker_kind(path) is None:
            continue
        found.append((path, match["name"], match["state"]))
    return found


def recover_folder(target: Path) -> list[str]:
    """Finish or undo a swap of ``target`` that a killed process left half done.

    * The live folder is missing and a retired copy exists: the newest retired copy is renamed
      back (it is the last published copy).
    * Unfinished builds (``.new-``) are deleted: the live folder, or the copy restored, is the
      one to keep.
    * Retired copies are deleted only when the live folder is there and marked.

    Args:
        target: The live folder.

    Returns:
        One line per action, for the log.
    """
    target = Path(target)
    actions: list[str] = []
    found = leftovers(target.parent, target.name)
    retired = [path for path, _, state in found if state == "old"]
    if not target.exists() and retired:
        newest = max(retired, key=lambda p: p.stat().st_mtime)
        newest.replace(target)
        retired.remove(newest)
        actions.append(f"Restored {target} from {newest.name}, left by an interrupted swap")
    for path, _, state in found:
        if state == "new":
            shutil.rmtree(path, ignore_errors=True)
            actions.append(f"Removed an unfinished build left by an earlier run: {path}")
    if target.is_dir() and marker_kind(target) is not None:
        for path in retired:
            shutil.rmtree(path, ignore_errors=True)
            actions.append(
                f"Removed a replaced copy, the live {target.name} being in place: {path}"
            )
    for line in actions:
        logger.info("%s", line)
    return actions


def recover_all(parent: Path) -> list[str]:
    """``recover_folder`` for every live folder that has marked leftovers in ``parent``."""
    names = sorted({name for _, name, _ in leftovers(parent)})
    return [line for name in names for line in recover_folder(Path(parent) / name)]


#: Points where a test can stop a swap, as a kill would: ``swap_step(name)`` runs at each.
SWAP_STEPS = ("staged", "marked", "retired", "swapped", "cleaned")


def swap_step(step: str) -> None:
    """A no-op hook called at each step of ``replace_folder`` (fault-injection tests patch it)."""


@contextmanager
def replace_folder(
    target: Path,
    kind: str,
    option: str = "the folder",
    *,
    legacy: LegacyCheck | None = None,
    check: bool = True,
    keep_retired: Callable[[Path, Path], None] | None = None,
    mark: bool = True,
) -> Iterator[Path]:
    """Build a folder's new contents beside it, then swap them in only on success.

    Recovers an interrupted earlier swap first, refuses a folder csc-metrics does not own, builds
    in a marked staging folder in the same parent (so the renames are atomic), and swaps. If the
    block raises, the staging folder is removed and ``target`` is left exactly as it was.

    Args:
        target: The folder to replace (it need not exist yet).
        kind: Its kind (``FOLDER_KINDS``), written into its marker.
        option: How the user named it, for messages.
        legacy: Recognises an unmarked folder written before markers existed.
        check: False to skip the ownership check (the caller has its own, e.g. ``--force``).
        keep_retired: Called with ``(retired copy, new folder)`` after the swap, before the
            retired copy is deleted (e.g. to keep the previous generation of some files).
        mark: False to publish the folder without a marker (the synthetic raw sample, which is
            compared file by file with the shipped one); it is then never recovered or
            replaced without the caller's own check.

    Yields:
        An empty staging folder to write into.

    Raises:
        InputError: If ``target`` is not a folder csc-metrics may replace, or the disk refuses.
    """
    target = Path(target).absolute()
    with os_errors(target.parent):
        target.parent.mkdir(parents=True, exist_ok=True)
        recover_folder(target)
        if check:
            check_replaceable(target, kind, option, legacy)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        with os_errors(staging):
            # mkdtemp makes an owner-only folder; published reports must be readable like any
            # folder the user creates, so give it the permissions the umask allows.
            umask = os.umask(0)
            os.umask(umask)
            staging.chmod(0o777 & ~umask)
            write_marker(staging, "staging")
        swap_step("staged")
        yield staging
        with os_errors(staging):
            if mark:
                write_marker(staging, kind)
            else:
                (staging / MARKER_NAME).unlink()
            swap_step("marked")
            retired = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
            if target.exists():
                if marker_kind(target) is None and mark:
                    # An unmarked folder that passed the checks (legacy, empty or --force):
                    # mark it so that recovery may restore or delete it.
                    write_marker(target, kind)
                target.replace(retired)
            swap_step("retired")
            staging.replace(target)
    except BaseException:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
        raise
    swap_step("swapped")
    if retired.exists():
        if keep_retired is not None:
            keep_retired(retired, target)
        shutil.rmtree(retired, ignore_errors=True)
    swap_step("cleaned")


#: errno -> what it means for the user, in words.
_OS_PROBLEMS = {
    "ENOSPC": "the disk is full",
    "EDQUOT": "the disk quota is used up",
    "EROFS": "the file system is read-only",
    "EACCES": "permission denied",
    "EPERM": "the operation is not permitted",
    "ENOTDIR": "a part of the path is a file, not a folder",
    "EEXIST": "it already exists",
    "EISDIR": "it is a folder, not a file",
    "ENOENT": "it does not exist",
    "EIO": "a disk input/output error",
}


def describe_os_error(error: OSError, fallback: Path | None = None) -> str:
    """One line saying which path failed and why, without the traceback.

    Args:
        error: The error.
        fallback: The path to name when the error does not carry one.

    Returns:
        ``"<path>: <why>"``.
    """
    import errno as errno_module

    code = errno_module.errorcode.get(error.errno or 0, "")
    why = _OS_PROBLEMS.get(code) or (error.strerror or type(error).__name__)
    path = error.filename if error.filename is not None else fallback
    advice = {
        "ENOSPC": "Free some space and run again.",
        "EDQUOT": "Free some space and run again.",
        "EROFS": "Choose a writable folder.",
        "EACCES": "Choose a folder you can write to, or fix its permissions.",
        "EPERM": "Choose a folder you can write to, or fix its permissions.",
        "ENOTDIR": "Give a folder, not a file.",
    }.get(code, "Check the path and run again.")
    return f"{path}: {why}. {advice}"[:400]


@contextmanager
def os_errors(path: Path) -> Iterator[None]:
    """Turn an operating-system failure inside the block into an ``InputError`` (exit 2)."""
    try:
        yield
    except OSError as error:
        raise InputError(
            "Could not write " + describe_os_error(error, path) + " Nothing already published "
            "or processed was changed."
        ) from None
