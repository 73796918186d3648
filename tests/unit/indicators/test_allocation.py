import pyarrow
import pytest

from csc_metrics.indicators.allocation import malloc_allocation


def test_arrow_allocates_from_malloc_inside_and_from_its_own_pool_after():
    before = pyarrow.default_memory_pool().backend_name
    with malloc_allocation():
        assert pyarrow.default_memory_pool().backend_name == "system"
        made_inside = pyarrow.array(["a", "b"])
    assert pyarrow.default_memory_pool().backend_name == before
    # Arrays made inside stay usable after.
    assert made_inside.to_pylist() == ["a", "b"]


def test_the_pool_is_put_back_when_the_work_fails():
    before = pyarrow.default_memory_pool().backend_name
    with pytest.raises(ValueError), malloc_allocation():
        raise ValueError("failed")
    assert pyarrow.default_memory_pool().backend_name == before
