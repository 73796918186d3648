"""Fingerprints: hashes that say what something was built from, so it can be trusted or reused.

- The raw input files: ``hash_inputs`` lists every file with its size and SHA-256, and
  ``inputs_fingerprint`` folds the list into one hash. Ingest records them in the processed
  folder's manifest, a run in its landing page and ``manifest.json``, and the run compares them
  to decide whether ingest can be skipped.
- The package code: ``code_fingerprint`` changes whenever the code or reference data that
  ingest and the indicators use change, so that caches built by older code are not reused.
- The whole package: ``package_fingerprint`` changes whenever any file of it changes, the
  presentation code and templates included, so that an executed report is re-used only by the
  code that would execute it the same way.
- The settings: ``settings_fingerprint`` is the same text in every Python process.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import fields
from functools import cache
from pathlib import Path
from typing import Any

import csc_metrics
from csc_metrics.settings import Settings

#: Read files in blocks of this many bytes when hashing.
HASH_BLOCK = 1 << 20

#: Parts of the package that neither ingest nor the indicators depend on: changing them does not
#: make a cached sample ingest or indicator series stale.
PRESENTATION_CODE = ("views", "report", "templates")


def sha256_file(path: Path) -> str:
    """The SHA-256 hash of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(HASH_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def is_hidden(relative: Path) -> bool:
    """Whether a file under a raw folder is left out: hidden, or an Excel lock file (``~$``)."""
    return any(part.startswith((".", "~$")) for part in relative.parts)


def input_files(raw: Path, folders: tuple[str, ...] | None = None) -> list[Path]:
    """Every input file under a raw folder, following links, in a stable order.

    Links are followed like any folder or file: a year folder linked from an archive is read by
    ingest, so it is listed (and hashed) like any other input. A link that loops back to a
    folder already being walked is not followed twice. Hidden files and Excel lock files are
    left out.

    Args:
        raw: The raw data folder.
        folders: Only the files under these sub-folders, in this order (default: every file).

    Returns:
        Paths under ``raw`` (as reached through any links), sorted within each folder.
    """
    raw = Path(raw)
    roots = [raw / folder for folder in folders] if folders is not None else [raw]
    found: list[Path] = []
    for root in roots:
        if not root.is_dir():
            continue
        files: list[Path] = []
        for current, subfolders, names in os.walk(root, followlinks=True):
            here = Path(current)
            # Stop a link cycle: a folder whose real path is one of its own parents.
            real = here.resolve()
            subfolders[:] = sorted(
                name
                for name in subfolders
                if (here / name).resolve() not in real.parents and (here / name).resolve() != real
            )
            files += [here / name for name in names if (here / name).is_file()]
        found += sorted(f for f in files if not is_hidden(f.relative_to(raw)))
    return found


def hash_inputs(raw: Path, folders: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """Hash every input file of the raw folder, following links (``input_files``).

    Args:
        raw: The raw data folder.
        folders: Only the files under these sub-folders, in this order (default: every file).

    Returns:
        One record per file, sorted by path within each folder: ``path`` (relative, with
        ``/``, as reached through any link), ``bytes``, ``sha256`` (of the content read, the
        link's target for a link).
    """
    raw = Path(raw)
    return [
        {
            "path": path.relative_to(raw).as_posix(),
            "bytes": path.stat().st_size,
            "sha256": sha256_file(path),
        }
        for path in input_files(raw, folders)
    ]


def inputs_fingerprint(inputs: list[dict[str, Any]]) -> str:
    """One hash for the whole set of inputs: changes if any file is added, removed or changed."""
    digest = hashlib.sha256()
    for item in inputs:
        digest.update(f"{item['path']}\t{item['sha256']}\n".encode())
    return digest.hexdigest()


@cache
def code_fingerprint() -> str:
    """A hash of the package code and reference data that ingest and the indicators use.

    Returns:
        A SHA-256 hex digest over every ``.py``, ``.csv`` and ``.json`` file of the package,
        except the presentation code (``PRESENTATION_CODE``).
    """
    return _package_digest(
        lambda path, relative: (
            path.suffix in (".py", ".csv", ".json") and relative.parts[0] not in PRESENTATION_CODE
        )
    )


@cache
def package_fingerprint() -> str:
    """A hash of every file of the package: code, reference data, templates and styles.

    Returns:
        A SHA-256 hex digest over each file's path and bytes (compiled ``__pycache__`` aside).
    """
    return _package_digest(lambda path, relative: path.suffix != ".pyc")


def _package_digest(keep: Callable[[Path, Path], bool]) -> str:
    """A SHA-256 over the path and bytes of each package file ``keep(path, relative)`` keeps.

    Files are taken in path order; folders and compiled ``__pycache__`` files never count.
    """
    package = Path(csc_metrics.__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        relative = path.relative_to(package)
        if not path.is_file() or "__pycache__" in relative.parts or not keep(path, relative):
            continue
        digest.update(relative.as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _canonical(value: Any) -> Any:
    """A JSON-ready form of a setting whose text is the same in every Python process."""
    if isinstance(value, set | frozenset):
        return sorted(_canonical(v) for v in value)
    if isinstance(value, tuple | list):
        return [_canonical(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in sorted(value.items())}
    return value


def settings_fingerprint(settings: Settings) -> str:
    """The settings as canonical JSON text.

    Sets are sorted: the text of a ``frozenset`` depends on the process's hash seed, so its
    ``repr`` would give another cache key in every kernel.

    Args:
        settings: The settings.

    Returns:
        JSON text with sorted keys.
    """
    payload = {f.name: _canonical(getattr(settings, f.name)) for f in fields(settings)}
    return json.dumps(payload, sort_keys=True, default=str)
