"""How an ingest allocates memory: Arrow on ``malloc``, memory handed back between stages.

An ingest allocates and frees gigabytes of short-lived arrays (pandas keeps text columns in
Arrow arrays). Arrow's default pool (mimalloc) hands freed memory back to the system after a few
milliseconds, and the next array faults its pages in afresh. On the 2-core virtual machine the
figures below were measured on, a page fault costs about 10 microseconds, and the national ingest
(``--scale 40``) spent 45 of its 125 CPU seconds in the kernel.

Inside ``ingest_allocation`` Arrow allocates from the C library's ``malloc`` instead: system time
45 -> 16-19 s, CPU 125 -> 94 s with the other changes of issue 20 (load 3 to 6).
``release_free_memory`` hands back what ``malloc`` holds free between stages, so that one
stage's leftovers do not add to the next one's peak (3.7 GB without it, 3.2 GB with it).
Also tried, and left out: ``malloc`` keeping all freed memory (glibc's ``mallopt`` with no
unmapping or trimming) saved another 5 s of CPU but raised the peak to 3.8 GB.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow


@contextmanager
def ingest_allocation() -> Iterator[None]:
    """Inside: Arrow allocates from ``malloc``; its own pool again after."""
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

    Called between the ingest's stages: the national ingest peaked at 3.7 GB without it after
    the SSDA903 stage and at 3.2 GB with it (it takes about 0.3 s).
    """
    glibc = _glibc()
    if glibc is not None:
        glibc.malloc_trim(0)
