"""A processed folder whose caseload history holds a snapshot no longer in the raw folder.

Shared by the fault-injection and processed-history tests: two ingests (the 2024-03-31
snapshot, then that snapshot archived out of the raw folder and 2024-06-30 added), made once per
module, and copied for each test, which damages, kills or rolls back its own copy.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from caseload_fixtures import standard_snapshot

from csc_metrics import privacy
from csc_metrics.cli import main


def ingest(raw: Path, processed: Path) -> int:
    """``csc-metrics ingest`` in this process; its exit code."""
    return main(["ingest", "--raw", str(raw), "--processed", str(processed)])


def ingest_twice_archiving_a_snapshot(base: Path, raw: Path, key: str) -> Path:
    """Ingest ``raw`` (with its 2024-03-31 snapshot), archive that snapshot, add 2024-06-30.

    Args:
        base: The folder holding ``raw``; the processed folder and the archive go beside it.
        raw: A raw folder with the standard 2024-03-31 caseload snapshot.
        key: The pseudonymisation key to ingest with.

    Returns:
        ``base``, now holding ``raw``, ``processed`` and ``archived``.
    """
    processed = base / "processed"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(privacy.KEY_ENV, key)
        assert ingest(raw, processed) == 0
        shutil.move(raw / "caseload" / "2024-03-31", base / "archived")
        standard_snapshot(raw, "2024-06-30")
        assert ingest(raw, processed) == 0
    return base


def copy_of(made: Path, into: Path) -> tuple[Path, Path]:
    """A copy of ``made`` (files, times, links and the lock file beside the processed folder).

    Returns:
        The copy's raw and processed folders.
    """
    for item in made.iterdir():
        if item.is_dir():
            shutil.copytree(item, into / item.name, symlinks=True)
        else:
            shutil.copy2(item, into / item.name)
    return into / "raw", into / "processed"
