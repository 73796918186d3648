"""Caseload snapshots cleaned in a second process while the SSDA903 returns are read.

A national caseload history (28 snapshots of about 200,000 case rows each) takes as long to
clean as the SSDA903 stage, and both are pandas work that holds the GIL, so a thread cannot
share it out. On a machine with two or more cores ``start_background`` starts one worker
process before the SSDA903 stage. For a long history it is started with ``spawn`` (the caller
may be running threads, so must not fork), which imports pandas afresh (about 1.5 s of CPU),
so only a long history pays for it. For a quarter's few new snapshots, where this process runs
one thread (``csc-metrics ingest``), the worker is forked: it starts in a few milliseconds with
everything imported, so even one new quarterly workbook is worth handing to it. The worker
cleans the snapshots' batches from the oldest on, and writes each snapshot's cleaned rows and
issues as the ingest cache's files, into a scratch folder: nothing it cleans is held in memory
by either process (holding it in the main process during the SSDA903 stage would break the
national memory target). When the main process comes to the caseload stage, it cleans the
batches the worker has not started yet, newest first, and takes the worker's snapshots into the
new ingest cache (``IngestCache.adopt``), reading them back as a cached snapshot is read.

Every snapshot's rows and issues are the same whichever process cleans it, and in whatever
batch (cleaning works snapshot by snapshot, as the ingest cache already relies on). Anything
that fails in the worker (an unusable file, a worker that died) is simply cleaned again by the
main process, so every message, issue and exit code is as before.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import queue
import shutil
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from csc_metrics.forked import fork_is_safe
from csc_metrics.ingest_cache import (
    CachedUnit,
    IngestCache,
    read_unit_files,
    unit_folder_name,
    write_unit_files,
)
from csc_metrics.privacy import Pseudonymiser
from csc_metrics.settings import Settings

if TYPE_CHECKING:
    from csc_metrics.caseload.ingest import Job

#: Snapshot bytes to read below which no spawned worker is started: two batches at least, so
#: that each process has one (a county's 28 quarterly workbooks are about 20 MB; the national
#: 430 MB).
BACKGROUND_MIN_BYTES = 128 * 1024**2
#: Snapshot bytes to read below which no forked worker is started. Forking, writing the
#: snapshots' files and reading them back costs a few tens of milliseconds; cleaning one
#: county's quarterly Annex A workbook (0.75 MB) about 0.3 s, done meanwhile by the worker.
FORK_MIN_BYTES = 512 * 1024
#: Snapshot bytes above which a forked worker is not started for a history shorter than
#: ``BACKGROUND_MIN_BYTES``: there the main process's workbook parsing thread (``prefetch``)
#: already keeps the second core busy during the SSDA903 stage, and a worker's extra batches
#: and files cost more than it saves (a county's 28 workbooks, 21 MB, cold: 15.9 s of CPU in
#: both processes against 14.4 s in one).
FORK_MAX_BYTES = 4 * 1024**2
#: Seconds between checks that the worker is still alive while its next batch is awaited.
POLL_SECONDS = 1.0


@dataclass
class _Claims:
    """Which batches are taken: the worker takes from the front, the main process from the back.

    Attributes:
        bounds: Shared ``[next from the front, end of the unclaimed]``, with its lock.
    """

    bounds: Any

    def from_front(self) -> int | None:
        with self.bounds.get_lock():
            if self.bounds[0] >= self.bounds[1]:
                return None
            self.bounds[0] += 1
            return int(self.bounds[0] - 1)

    def from_back(self) -> int | None:
        with self.bounds.get_lock():
            if self.bounds[0] >= self.bounds[1]:
                return None
            self.bounds[1] -= 1
            return int(self.bounds[1])


def _worker(
    batches: list[list[Job]],
    pseudonymiser: Pseudonymiser,
    settings: Settings,
    scratch: Path,
    claims: _Claims,
    results: Any,
) -> None:
    """The worker process: clean batches from the front, writing each snapshot's files.

    Puts ``(batch number, [(snapshot, files written)...])`` on ``results`` for each batch, or
    ``(batch number, None)`` when cleaning it failed (the main process then cleans it).
    """
    from csc_metrics.caseload.ingest import _ingest_units, _unit_name
    from csc_metrics.memory import malloc_allocation, release_free_memory

    with malloc_allocation():
        while (number := claims.from_front()) is not None:
            batch = batches[number]
            try:
                units = _ingest_units((batch, pseudonymiser, settings))
                written = []
                for job, unit in zip(batch, units, strict=True):
                    name = _unit_name(job[0], job[2])
                    folder = scratch / unit_folder_name(name)
                    folder.mkdir()
                    written.append((name, write_unit_files(folder, unit)))
                del units
            except Exception:  # anything: the main process cleans it again
                results.put((number, None))
            else:
                results.put((number, written))
            release_free_memory()


class BackgroundCaseload:
    """Snapshot batches being cleaned in a worker process (see the module docstring).

    Args:
        batches: The snapshots to read, in batches, in date order (``caseload.ingest._batches``).
        pseudonymiser: Turns child identifiers into pseudonyms.
        settings: Local rules.
        scratch: An empty folder for the worker's files, removed by ``close``.
        method: How the worker process starts: ``spawn``, or ``fork`` (only from a process
            running one thread: ``forked.fork_is_safe``).
    """

    def __init__(
        self,
        batches: list[list[Job]],
        pseudonymiser: Pseudonymiser,
        settings: Settings,
        scratch: Path,
        method: str = "spawn",
    ) -> None:
        self.batches = batches
        self.method = method
        self._scratch = scratch
        scratch.mkdir()
        context = (
            multiprocessing.get_context("fork")
            if method == "fork"
            else multiprocessing.get_context("spawn")
        )
        self._claims = _Claims(context.Array("i", [0, len(batches)]))
        self._results: Any = context.Queue()
        self._finished: dict[int, list[tuple[str, dict[str, str]]] | None] = {}
        # Set once the worker is known to have stopped and everything it put was read.
        self._stopped = False
        self._process: BaseProcess | None = context.Process(
            target=_worker,
            args=(batches, pseudonymiser, settings, scratch, self._claims, self._results),
            name="caseload-worker",
            daemon=True,
        )
        self._process.start()

    def claim_from_back(self) -> int | None:
        """The newest batch no process has started, now the caller's to clean, or None."""
        return self._claims.from_back()

    def take(self, number: int, cache: IngestCache) -> list[CachedUnit] | None:
        """A batch the worker cleaned: its snapshots taken into ``cache`` and read back.

        Waits for the worker to finish the batch. Returns None when the worker failed it or
        died (the caller cleans it itself): once it is known to have died, at once, without
        waiting again for each batch it left.
        """
        while number not in self._finished:
            if self._stopped:
                self._finished[number] = None
                break
            try:
                done, written = self._results.get(timeout=POLL_SECONDS)
            except queue.Empty:
                if self._process is None or not self._process.is_alive():
                    # It stopped: read what it put before, and clean the rest here.
                    with contextlib.suppress(queue.Empty):
                        while True:
                            done, written = self._results.get(timeout=0.1)
                            self._finished[done] = written
                    self._stopped = True
                continue
            self._finished[done] = written
        written = self._finished.pop(number)
        if written is None:
            return None
        folders = [self._scratch / unit_folder_name(name) for name, _ in written]
        units = [
            read_unit_files(folder, files)
            for folder, (_, files) in zip(folders, written, strict=True)
        ]
        if any(unit is None for unit in units):
            return None
        for folder, (name, files) in zip(folders, written, strict=True):
            cache.adopt(name, folder, files)
        return [unit for unit in units if unit is not None]

    def close(self) -> None:
        """Stop the worker if it still runs, and remove its scratch folder."""
        process, self._process = self._process, None
        if process is not None:
            if process.is_alive():
                process.terminate()
            process.join()
        self._results.close()
        self._results.join_thread()
        shutil.rmtree(self._scratch, ignore_errors=True)


def start_background(
    batches: list[list[Job]],
    pseudonymiser: Pseudonymiser,
    settings: Settings,
    scratch: Path,
    total_bytes: int,
) -> BackgroundCaseload | None:
    """Start cleaning the batches in a worker, when the machine and the history are big enough.

    Args:
        batches: The snapshots to read, in batches, in date order.
        pseudonymiser: Turns child identifiers into pseudonyms.
        settings: Local rules.
        scratch: A folder (not yet existing) in the processed staging folder for its files.
        total_bytes: The snapshots' files' bytes.

    Returns:
        The batches being cleaned, or None when it would not pay (one core, a small history).
    """
    method = start_method(len(batches), total_bytes)
    if method is None:
        return None
    try:
        return BackgroundCaseload(batches, pseudonymiser, settings, scratch, method)
    except OSError:
        # No process or shared memory to be had here (a locked-down machine): one process does
        # it all, as on one core.
        shutil.rmtree(scratch, ignore_errors=True)
        return None


def start_method(batches: int, total_bytes: int) -> str | None:
    """How a worker for this many batches and bytes starts (``fork``, ``spawn``), or None.

    A forked worker costs little, so it pays for a few new snapshots (a quarter's re-run): this
    process has the SSDA903 stage to do meanwhile. A spawned one imports for about 1.5 s of CPU
    first, so it needs a long history, and two batches at least so that each process has one.
    A long history is spawned even where it could be forked: that is how the national ingest's
    time and memory (both processes' peaks summed) were measured; a forked worker there, which
    would save the imports, has not been.
    """
    if (os.cpu_count() or 1) < 2 or batches < 1:
        return None
    if batches >= 2 and total_bytes >= BACKGROUND_MIN_BYTES:
        return "spawn"
    if fork_is_safe() and FORK_MIN_BYTES <= total_bytes <= FORK_MAX_BYTES:
        return "fork"
    return None
