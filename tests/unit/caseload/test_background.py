"""The caseload worker: how it starts (``background.start_method``), and a worker that died."""

from __future__ import annotations

import queue

import pytest

from csc_metrics.caseload import background

MB = 1024**2


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(background.os, "cpu_count", lambda: 2)


def _fork_safe(monkeypatch: pytest.MonkeyPatch, safe: bool) -> None:
    monkeypatch.setattr(background, "fork_is_safe", lambda: safe)


def test_one_new_quarterly_workbook_is_cleaned_by_a_forked_worker(two_cores, monkeypatch):
    # One batch of 0.75 MB (a county's quarterly Annex A workbook) >= 0.5 MB: forked.
    _fork_safe(monkeypatch, True)
    assert background.start_method(1, 786_432) == "fork"


def test_a_few_kilobytes_are_not_worth_a_fork(two_cores, monkeypatch):
    # 100 KB < 512 KB: cleaned in this process.
    _fork_safe(monkeypatch, True)
    assert background.start_method(1, 100 * 1024) is None


def test_a_county_history_read_cold_is_left_to_the_parsing_thread(two_cores, monkeypatch):
    # 20 MB (a county's 28 workbooks) > 4 MB and < 128 MB: no worker, forked or spawned.
    _fork_safe(monkeypatch, True)
    assert background.start_method(5, 20 * MB) is None


def test_a_long_history_is_spawned_even_where_it_could_be_forked(two_cores, monkeypatch):
    # 200 MB in two batches, one thread running: spawned, as the national ingest was measured.
    _fork_safe(monkeypatch, True)
    assert background.start_method(2, 200 * MB) == "spawn"


def test_with_threads_running_a_long_history_is_spawned(two_cores, monkeypatch):
    # Not fork-safe; two batches of 200 MB in all >= 128 MB: spawned.
    _fork_safe(monkeypatch, False)
    assert background.start_method(2, 200 * MB) == "spawn"


def test_with_threads_running_a_county_history_is_not_worth_a_spawn(two_cores, monkeypatch):
    # Not fork-safe; 20 MB (a county's 28 workbooks) < 128 MB: no worker.
    _fork_safe(monkeypatch, False)
    assert background.start_method(7, 20 * MB) is None


def test_a_spawned_worker_needs_two_batches(two_cores, monkeypatch):
    # One batch: the main process would have nothing left to share with it.
    _fork_safe(monkeypatch, False)
    assert background.start_method(1, 200 * MB) is None


def test_one_core_starts_no_worker(monkeypatch):
    monkeypatch.setattr(background.os, "cpu_count", lambda: 1)
    _fork_safe(monkeypatch, True)
    assert background.start_method(4, 200 * MB) is None


class _EmptyQueue:
    """A results queue the worker never put anything on: each ``get`` times out."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def get(self, timeout: float) -> object:
        self.waits.append(timeout)
        raise queue.Empty


def test_once_the_worker_is_known_dead_its_batches_are_given_back_without_waiting():
    # A worker that died before finishing any of its three batches: the first batch asked for
    # waits once (a poll, then the queue drained); the other two come back at once, for the
    # main process to clean, instead of a poll each.
    worker = object.__new__(background.BackgroundCaseload)
    results = _EmptyQueue()
    worker._results, worker._process = results, None
    worker._finished, worker._stopped = {}, False
    assert [worker.take(number, cache=None) for number in (0, 1, 2)] == [None, None, None]
    assert results.waits == [background.POLL_SECONDS, 0.1]
