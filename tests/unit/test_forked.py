"""A call run in a forked child, or here when forking is unsafe or the child fails."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from pathlib import Path

import pytest

from csc_metrics import forked
from csc_metrics.forked import ForkedCall

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


@pytest.fixture
def one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    # pytest-xdist workers run an execnet thread; the child here only runs the test's function.
    monkeypatch.setattr(threading, "active_count", lambda: 1)


def test_result_is_computed_in_a_child_process(one_thread: None) -> None:
    call = ForkedCall(os.getpid)

    assert call.forked
    assert call.result() != os.getpid()


def test_result_carries_what_the_function_returned(one_thread: None) -> None:
    call = ForkedCall(lambda: {"children": [1, 2, 3], "label": "forecast"})

    assert call.result() == {"children": [1, 2, 3], "label": "forecast"}


def test_with_several_threads_the_call_runs_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    call = ForkedCall(os.getpid)

    assert not call.forked
    assert call.result() == os.getpid()


def test_an_error_in_the_child_is_computed_again_here(one_thread: None) -> None:
    parent = os.getpid()

    def only_here() -> str:
        if os.getpid() != parent:
            raise RuntimeError("fails in the child")
        return "computed here"

    assert ForkedCall(only_here).result() == "computed here"


def test_a_child_that_dies_is_computed_again_here(one_thread: None) -> None:
    parent = os.getpid()

    def dies_in_child() -> int:
        if os.getpid() != parent:
            os._exit(3)
        return 7

    assert ForkedCall(dies_in_child).result() == 7


def test_an_error_raised_here_reaches_the_caller(one_thread: None) -> None:
    def always_fails() -> None:
        raise ValueError("bad scenario file")

    call = ForkedCall(always_fails)

    with pytest.raises(ValueError, match="bad scenario file"):
        call.result()


def test_the_result_file_is_removed(
    one_thread: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # In a folder of this test's own: the shared temporary folder also holds the result files
    # of other test processes' calls (the other pytest-xdist worker, other suites) while they run.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    assert ForkedCall(lambda: "x" * 1000).result() == "x" * 1000

    assert list(tmp_path.glob("csc-metrics-*.pickle")) == []


def test_a_cancelled_call_ends_its_child_and_removes_its_file(
    one_thread: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    call = ForkedCall(lambda: time.sleep(60))
    child = call._pid

    call.cancel()

    # The child is gone (killed and reaped, not left running for a minute) and so is its file.
    with pytest.raises(ChildProcessError):
        os.waitpid(child, os.WNOHANG)
    assert list(tmp_path.glob("csc-metrics-*.pickle")) == []


def test_fork_is_unsafe_with_another_thread_running() -> None:
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)
    worker.start()
    try:
        assert not forked.fork_is_safe()
    finally:
        stop.set()
        worker.join()
