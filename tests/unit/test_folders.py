"""Tests for folders: ownership markers, the two-rename swap and its recovery."""

from __future__ import annotations

from pathlib import Path

import pytest

from csc_metrics import folders
from csc_metrics.errors import InputError


class Killed(BaseException):
    """Stands for kill -9 at one step of a swap (BaseException: nothing may catch it)."""


def _publish(target: Path, text: str, kind: str = "report-period") -> None:
    with folders.replace_folder(target, kind) as build:
        (build / "index.html").write_text(text)


def _kill_at(monkeypatch: pytest.MonkeyPatch, step: str) -> None:
    def hook(name: str) -> None:
        if name == step:
            raise Killed

    monkeypatch.setattr(folders, "swap_step", hook)


def test_a_new_folder_is_marked_with_its_kind(tmp_path: Path) -> None:
    _publish(tmp_path / "2025-03-31", "v1")
    assert folders.marker_kind(tmp_path / "2025-03-31") == "report-period"


def test_a_marked_folder_is_replaced(tmp_path: Path) -> None:
    _publish(tmp_path / "p", "v1")
    _publish(tmp_path / "p", "v2")
    assert (tmp_path / "p" / "index.html").read_text() == "v2"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p"]


def test_a_folder_holding_a_users_file_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    target = tmp_path / "2025-03-31"
    target.mkdir()
    (target / "holiday.jpg").write_bytes(b"jpg")
    with pytest.raises(InputError, match="no csc-metrics marker"):
        _publish(target, "v1")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2025-03-31"]
    assert (target / "holiday.jpg").read_bytes() == b"jpg"


def test_a_folder_of_another_kind_is_refused(tmp_path: Path) -> None:
    _publish(tmp_path / "p", "report", kind="report-period")
    with pytest.raises(InputError, match="published report period"):
        _publish(tmp_path / "p", "tables", kind="processed")
    assert (tmp_path / "p" / "index.html").read_text() == "report"


def test_an_empty_folder_may_be_replaced(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    _publish(tmp_path / "p", "v1")
    assert (tmp_path / "p" / "index.html").read_text() == "v1"


def test_a_legacy_check_admits_an_unmarked_folder(tmp_path: Path) -> None:
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "old.html").write_text("old")
    with folders.replace_folder(tmp_path / "p", "report-period", legacy=lambda _: True) as b:
        (b / "index.html").write_text("new")
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == [
        folders.MARKER_NAME,
        "index.html",
    ]


def test_a_failure_inside_the_block_leaves_the_folder_and_no_staging(tmp_path: Path) -> None:
    _publish(tmp_path / "p", "v1")
    with pytest.raises(RuntimeError), folders.replace_folder(tmp_path / "p", "report-period"):
        raise RuntimeError("bad input")
    assert (tmp_path / "p" / "index.html").read_text() == "v1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p"]


def test_unmarked_lookalike_leftovers_are_never_touched(tmp_path: Path) -> None:
    # A mail client's folder that matches .<name>.old-<id>, and a user's .x.new-y folder.
    profile = tmp_path / ".thunderbird.old-profile"
    profile.mkdir()
    (profile / "mail.db").write_bytes(b"mail")
    other = tmp_path / ".x.new-y"
    other.mkdir()
    assert folders.recover_all(tmp_path) == []
    assert (profile / "mail.db").read_bytes() == b"mail"
    assert other.is_dir()
    assert not (tmp_path / "thunderbird").exists()


@pytest.mark.parametrize("step", folders.SWAP_STEPS)
def test_a_swap_killed_at_any_step_leaves_a_copy_that_recovery_makes_live(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    target = tmp_path / "2025-03-31"
    _publish(target, "v1")
    _kill_at(monkeypatch, step)
    with pytest.raises(Killed):
        _publish(target, "v2")
    monkeypatch.setattr(folders, "swap_step", lambda name: None)
    folders.recover_all(tmp_path)
    # Killed before the second rename: the last published copy; after it: the new one.
    expected = "v2" if step in ("swapped", "cleaned") else "v1"
    assert (target / "index.html").read_text() == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2025-03-31"]


@pytest.mark.parametrize("step", folders.SWAP_STEPS)
@pytest.mark.parametrize("next_input", ["good", "bad"])
def test_the_next_replacement_after_a_kill_never_loses_the_last_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str, next_input: str
) -> None:
    target = tmp_path / "p"
    _publish(target, "v1")
    _kill_at(monkeypatch, step)
    with pytest.raises(Killed):
        _publish(target, "v2")
    monkeypatch.setattr(folders, "swap_step", lambda name: None)
    if next_input == "good":
        _publish(target, "v3")
        assert (target / "index.html").read_text() == "v3"
    else:
        with pytest.raises(RuntimeError), folders.replace_folder(target, "report-period"):
            raise RuntimeError("bad input")
        assert (target / "index.html").read_text() in ("v1", "v2")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p"]


def test_recovery_when_killed_between_the_renames_restores_the_retired_copy(
    tmp_path: Path,
) -> None:
    # By hand: only the retired copy and a complete build are left.
    target = tmp_path / "p"
    _publish(target, "v1")
    target.replace(tmp_path / ".p.old-1234abcd")
    lines = folders.recover_folder(target)
    assert (target / "index.html").read_text() == "v1"
    assert any("Restored" in line for line in lines)


def test_a_retired_copy_is_not_deleted_while_the_live_folder_is_unmarked(tmp_path: Path) -> None:
    _publish(tmp_path / "p", "v1")
    (tmp_path / "p").replace(tmp_path / ".p.old-1234abcd")
    (tmp_path / "p").mkdir()  # something else now sits where the live folder was
    folders.recover_folder(tmp_path / "p")
    assert (tmp_path / ".p.old-1234abcd" / "index.html").read_text() == "v1"


def test_a_target_that_is_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "p").write_text("mine")
    with pytest.raises(InputError, match="not a folder"):
        _publish(tmp_path / "p", "v1")
    assert (tmp_path / "p").read_text() == "mine"


def test_a_full_disk_during_the_swap_is_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    _publish(tmp_path / "p", "v1")

    def full(folder: Path, kind: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(folder))

    monkeypatch.setattr(folders, "write_marker", full)
    with pytest.raises(InputError, match="disk is full"):
        _publish(tmp_path / "p", "v2")
    assert (tmp_path / "p" / "index.html").read_text() == "v1"
