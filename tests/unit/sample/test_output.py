"""Writing a council: the caseload snapshots shared with a forked child give the same files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from csc_metrics import forked as forked_calls
from csc_metrics.sample import output
from csc_metrics.sample.config import SampleConfig
from csc_metrics.sample.generate import SyntheticCouncil, build_council

# One year of quarterly snapshots: four workbooks to share between the two processes.
SMALL = SampleConfig(seed=3, scale=0.05, first_year=2024, last_year=2025, snapshot_years=1)

# Builds and writes a small council three times (about 5 s): left out of `make test-fast`.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def council() -> SyntheticCouncil:
    return build_council(SMALL)


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture(scope="module")
def written_alone(council, tmp_path_factory) -> tuple[list[Path], dict[str, bytes]]:
    """Every file written by this process alone (no child forked)."""
    out = tmp_path_factory.mktemp("alone")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(forked_calls, "fork_is_safe", lambda: False)
        written = output.write_council(council, out)
    return [path.relative_to(out) for path in written], _files(out)


def test_a_queue_hands_out_each_snapshot_once():
    queue = output._SnapshotQueue(3)
    try:
        assert [queue.take(), queue.take(), queue.take(), queue.take()] == [0, 1, 2, None]
    finally:
        queue.close()


def test_a_forked_child_writes_the_same_files(council, written_alone, tmp_path, monkeypatch):
    monkeypatch.setattr(forked_calls, "fork_is_safe", lambda: True)
    forked = []
    forked_call = output.ForkedCall

    def counted_call(work):
        call = forked_call(work)
        forked.append(call.forked)
        return call

    monkeypatch.setattr(output, "ForkedCall", counted_call)
    written = output.write_council(council, tmp_path)
    assert forked == [True]
    # The same files, listed in the same order, with the same bytes.
    assert [path.relative_to(tmp_path) for path in written] == written_alone[0]
    assert _files(tmp_path) == written_alone[1]


def test_snapshots_a_failed_child_left_are_written_here(
    council, written_alone, tmp_path, monkeypatch
):
    monkeypatch.setattr(forked_calls, "fork_is_safe", lambda: True)
    parent = os.getpid()
    write_queued = output._write_queued

    def fail_in_child(*args):
        if os.getpid() != parent:
            # The child takes a snapshot from the queue, then dies before writing it.
            args[-1].take()
            raise RuntimeError("child failed")
        return write_queued(*args)

    monkeypatch.setattr(output, "_write_queued", fail_in_child)
    output.write_council(council, tmp_path)
    assert _files(tmp_path) == written_alone[1]
