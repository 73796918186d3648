"""Arrow on malloc inside ``malloc_allocation``, its own pool again after, errors or not."""

from __future__ import annotations

import pyarrow
import pytest

from csc_metrics import memory


def test_arrow_allocates_from_malloc_inside_and_from_its_own_pool_after():
    before = pyarrow.default_memory_pool().backend_name
    with memory.malloc_allocation():
        assert pyarrow.default_memory_pool().backend_name == "system"
        made_inside = pyarrow.array(["a", "b"])
    assert pyarrow.default_memory_pool().backend_name == before
    # Arrays made inside stay usable after.
    assert made_inside.to_pylist() == ["a", "b"]


def test_the_pool_is_put_back_when_the_ingest_fails():
    before = pyarrow.default_memory_pool().backend_name
    with pytest.raises(RuntimeError), memory.malloc_allocation():
        raise RuntimeError("ingest failed")
    assert pyarrow.default_memory_pool().backend_name == before


def test_releasing_free_memory_is_harmless_where_there_is_no_glibc(monkeypatch):
    monkeypatch.setattr(memory, "_glibc", lambda: None)
    memory.release_free_memory()
