"""How the indicators allocate memory: Arrow on ``malloc`` while a national series is worked out.

The indicator series takes, filters and groups text columns of millions of rows (a national
caseload history is 5.4 million case rows), and pandas keeps text in Arrow arrays. Arrow's
default pool (mimalloc) hands freed memory back to the system within milliseconds, and the next
array faults its pages in again; on the 2-core virtual machine of issue 20 that cost more CPU
in the kernel than the work itself. The C library's ``malloc`` reuses what was freed (the
ingest does the same: ``memory.ingest_allocation``). Measured on the ``--scale 40`` processed
data, loading and every quarter end's indicators in one process, values identical: wall 65.1 ->
43.3 s, CPU user 37.7 -> 35.4 s, system 28.3 -> 8.5 s, peak memory 4.16 -> 4.12 GB.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow

from csc_metrics.memory import release_free_memory


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
