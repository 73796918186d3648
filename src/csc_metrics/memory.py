"""How ingest and the indicators allocate memory: Arrow on ``malloc``, memory handed back.

An ingest allocates and frees gigabytes of short-lived arrays (pandas keeps text columns in
Arrow arrays). Arrow's default pool (mimalloc) hands freed memory back to the system after a few
milliseconds, and the next array faults its pages in afresh. On the 2-core virtual machine the
figures below were measured on, a page fault costs about 10 microseconds, and the national ingest
(``--scale 40``) spent 45 of its 125 CPU seconds in the kernel.

Inside ``malloc_allocation`` Arrow allocates from the C library's ``malloc`` instead, which
reuses freed memory: the national ingest's system time went from 45 to 16-19 s (27-29 s with
the releases below). ``malloc`` keeps what is freed, though, scattered between blocks still in
use, and the next stage's peak comes on top of it, so ``release_free_memory`` hands it back
after the SSDA903 stage and after each batch of caseload snapshots. Measured on the national
ingest at load 2 to 6, against Arrow's pool: CPU 125 -> 105 s (with the other changes of issue
20), peak 3.0-3.2 -> 3.2 GB; a full re-read into a folder holding the national history
3.66 -> 3.6 GB. Without the release per batch the CPU was 94 s but that re-read peaked at
4.05 GB; with ``malloc`` never trimming nor unmapping (glibc's ``mallopt``) 88 s but 3.8 GB cold.

The indicator series takes, filters and groups text columns of millions of rows (a national
caseload history is 5.4 million case rows) and pays the same faults, so it is worked out, and
the indicators command and the report preparation load the tables, inside ``malloc_allocation``
too. Measured on the ``--scale 40`` processed data, loading and every quarter end's indicators
in one process, values identical: wall 65.1 -> 43.3 s, CPU user 37.7 -> 35.4 s, system 28.3 ->
8.5 s, peak memory 4.16 -> 4.12 GB.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow


@contextmanager
def malloc_allocation() -> Iterator[None]:
    """Inside: Arrow allocates from ``malloc``; after: the pool it had, and free memory returned.

    Arrays made inside stay valid after (each buffer frees to the pool it came from). Nesting is
    harmless: the inner block puts back the pool the outer one set.
    """
    previous_pool = pyarrow.default_memory_pool()
    pyarrow.set_memory_pool(pyarrow.system_memory_pool())
    try:
        yield
    finally:
        pyarrow.set_memory_pool(previous_pool)
        release_free_memory()


def _glibc() -> ctypes.CDLL | None:
    """The process's C library when it is glibc (it has ``malloc_trim``), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        library = ctypes.CDLL(None)
    except OSError:
        return None
    return library if hasattr(library, "malloc_trim") else None


def release_free_memory() -> None:
    """Hand the memory ``malloc`` holds free back to the system (glibc; elsewhere nothing).

    Called between the ingest's stages and batches: the national ingest peaked at 3.7 GB
    without it after the SSDA903 stage and at 3.2 GB with it (it takes about 0.3 s).
    """
    glibc = _glibc()
    if glibc is not None:
        glibc.malloc_trim(0)
