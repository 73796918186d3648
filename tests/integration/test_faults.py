"""Faults around ``csc-metrics ingest``: kills mid-swap, a full or read-only disk, two processes.

The last good processed folder (which holds the caseload history) must survive every one of
them, and each must end in a message (exit 2 or 3), never a traceback.
"""

from __future__ import annotations

import errno
import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from caseload_fixtures import standard_snapshot
from snapshot_history import copy_of, ingest, ingest_twice_archiving_a_snapshot
from ssda903_helpers import episode_row, raw_folder

from csc_metrics import folders, locks, privacy, storage
from csc_metrics.errors import AlreadyRunningError

KEY = "faults-test-key-long-enough-for-the-32-character-rule"


class Killed(BaseException):
    """Stands for kill -9 at one step of the swap."""


@pytest.fixture(autouse=True)
def key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(privacy.KEY_ENV, KEY)


def _raw(root: Path) -> Path:
    raw = raw_folder(root, {2024: [episode_row("RAWID0001", "01/06/2022")]})
    standard_snapshot(raw)
    return raw


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _snapshots(processed: Path) -> list[str]:
    cases = storage.read_table("clean_caseload__cases", processed)
    return sorted(str(d.date()) for d in cases["snapshot_date"].unique())


@pytest.fixture(scope="module")
def two_snapshots_made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folders ``two_snapshots`` copies, made once for the module (two ingests)."""
    base = tmp_path_factory.mktemp("two-snapshots")
    ingest_twice_archiving_a_snapshot(base, _raw(base / "raw"), KEY)
    assert _snapshots(base / "processed") == ["2024-03-31", "2024-06-30"]
    return base


@pytest.fixture
def two_snapshots(two_snapshots_made: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A processed folder whose caseload history holds a snapshot no longer in the raw folder.

    A copy of the module's ``two_snapshots_made``: each test kills or breaks its own copy.
    """
    return copy_of(two_snapshots_made, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("step", folders.SWAP_STEPS)
@pytest.mark.parametrize("next_input", ["good", "bad"])
def test_an_ingest_killed_at_any_step_of_the_swap_loses_no_caseload_history(
    two_snapshots: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    step: str,
    next_input: str,
) -> None:
    raw, processed = two_snapshots

    def kill(name: str) -> None:
        if name == step:
            raise Killed

    monkeypatch.setattr(folders, "swap_step", kill)
    with pytest.raises(Killed):
        ingest(raw, processed)
    monkeypatch.setattr(folders, "swap_step", lambda name: None)
    if next_input == "bad":
        (raw / "ssda903" / "2024" / "episodes.csv").write_bytes(b"")
        assert ingest(raw, processed) == 2
    else:
        assert ingest(raw, processed) == 0
    # Both snapshots are still there, although the first is no longer in the raw folder.
    assert _snapshots(processed) == ["2024-03-31", "2024-06-30"]
    assert [p.name for p in processed.parent.iterdir() if p.name.startswith(".processed.")] in (
        [],
        [".processed.csc-metrics-run.lock"],
    )


def test_ingest_refuses_a_processed_folder_holding_someone_elses_file(tmp_path: Path) -> None:
    raw = _raw(tmp_path / "raw")
    processed = tmp_path / "processed"
    processed.mkdir()
    (processed / "manifest.json").write_text('{"inputs": []}')
    (processed / "thesis.docx").write_bytes(b"years of work")
    assert ingest(raw, processed) == 2
    assert (processed / "thesis.docx").read_bytes() == b"years of work"


def test_a_full_disk_is_a_message_and_the_processed_data_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # A monkeypatched writer: works on every machine (the tmpfs test below needs root).
    raw = _raw(tmp_path / "raw")
    processed = tmp_path / "processed"
    assert ingest(raw, processed) == 0
    before = _digest(processed)

    def full(frame: object, name: str, folder: Path, validated: bool = False) -> Path:
        raise OSError(errno.ENOSPC, "No space left on device", str(Path(folder) / name))

    monkeypatch.setattr("csc_metrics.pipeline.core.write_table", full)
    capsys.readouterr()
    assert ingest(raw, processed) == 2
    message = capsys.readouterr().err
    assert "disk is full" in message and "Traceback" not in message
    assert str(processed.parent) in message
    assert _digest(processed) == before
    assert not [p for p in tmp_path.iterdir() if ".new-" in p.name or ".old-" in p.name]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB tmpfs folder, where the machine allows mounting one (root on Linux)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here; the monkeypatched writer test covers this")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, check=False)


@pytest.mark.slow
def test_a_really_full_disk_is_a_message_and_the_processed_data_stay(
    tmp_path: Path, small_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = _raw(tmp_path / "raw")
    processed = small_disk / "processed"
    assert ingest(raw, processed) == 0
    before = _digest(processed)
    # Fill the disk, leaving a few kilobytes: not enough for a second copy of the tables.
    free = os.statvfs(small_disk)
    (small_disk / "filler").write_bytes(b"\0" * (free.f_bavail * free.f_frsize - 16384))
    capsys.readouterr()
    assert ingest(raw, processed) == 2
    message = capsys.readouterr().err
    assert "disk is full" in message and "Traceback" not in message
    assert _digest(processed) == before
    assert not [p for p in small_disk.iterdir() if ".new-" in p.name or ".old-" in p.name]


@pytest.mark.slow
def test_a_read_only_processed_folder_is_a_message_and_stays(
    tmp_path: Path, small_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = _raw(tmp_path / "raw")
    processed = small_disk / "processed"
    assert ingest(raw, processed) == 0
    before = _digest(processed)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    capsys.readouterr()
    assert ingest(raw, processed) == 2
    message = capsys.readouterr().err
    assert "read-only" in message and "Traceback" not in message
    assert str(small_disk) in message
    assert _digest(processed) == before


def test_a_read_only_folder_without_a_mount_is_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = _raw(tmp_path / "raw")
    processed = tmp_path / "processed"

    def read_only(*args: object, **kwargs: object) -> str:
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path))

    monkeypatch.setattr(folders.tempfile, "mkdtemp", read_only)
    assert ingest(raw, processed) == 2
    message = capsys.readouterr().err
    assert "read-only" in message and str(tmp_path) in message


HOLDER = textwrap.dedent(
    """
    import sys, time
    from csc_metrics.locks import folder_lock
    with folder_lock(sys.argv[1], "the processed folder"):
        print("locked", flush=True)
        time.sleep(60)
    """
)


def _holder(lock_file: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(lock_file)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "locked"
    return process


@pytest.mark.slow
def test_a_second_process_is_refused_while_the_first_holds_the_lock(tmp_path: Path) -> None:
    processed = tmp_path / "processed"
    lock_file = locks.lock_file_for(processed, inside=False)
    holder = _holder(lock_file)
    try:
        with (
            pytest.raises(AlreadyRunningError, match=f"process {holder.pid}"),
            locks.folder_lock(lock_file, "the processed folder"),
        ):
            pass
        raw = _raw(tmp_path / "raw")
        assert ingest(raw, processed) == 3  # csc-metrics ingest takes the same lock
        assert not processed.exists()
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.slow
def test_a_lock_left_by_a_killed_process_is_taken_over_with_a_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    lock_file = locks.lock_file_for(tmp_path / "processed", inside=False)
    holder = _holder(lock_file)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    time.sleep(0.1)
    assert locks.read_owner(lock_file) is not None  # the killed process could not clean up
    with caplog.at_level("WARNING"), locks.folder_lock(lock_file, "the processed folder"):
        pass
    assert f"stale lock on the processed folder left by process {holder.pid}" in caplog.text
    assert locks.read_owner(lock_file) is None
