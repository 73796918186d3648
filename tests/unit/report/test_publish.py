"""Locks, input hashes, stale builds and failed builds; the landing page's data-quality summary."""

from __future__ import annotations

import hashlib
import subprocess

import pandas as pd
import pytest

from csc_metrics import folders
from csc_metrics.dates import period_label
from csc_metrics.errors import AlreadyRunningError
from csc_metrics.fingerprints import hash_inputs, inputs_fingerprint
from csc_metrics.report.landing import summarise_data_quality
from csc_metrics.report.publish import (
    git_commit,
    is_legacy_report,
    lock_file_for,
    remove_stale_builds,
    run_lock,
    set_aside,
)
from csc_metrics.suppression import count_text as format_count


def test_a_second_run_on_the_same_folder_is_refused_at_once(tmp_path):
    lock = lock_file_for(tmp_path / "reports", inside=True)
    with (
        run_lock(lock, "the reports folder"),
        pytest.raises(AlreadyRunningError) as refused,
        run_lock(lock, "the reports folder"),
    ):
        pass
    assert refused.value.exit_code == 3
    assert "already writing to the reports folder" in str(refused.value)


def test_the_lock_is_released_when_the_run_ends(tmp_path):
    lock = lock_file_for(tmp_path, inside=True)
    with run_lock(lock, "x"):
        pass
    with run_lock(lock, "x"):  # would raise if the first lock were still held
        pass


def test_a_processed_folder_is_locked_from_beside_it(tmp_path):
    # ingest replaces the processed folder as a whole, which would take a lock inside with it.
    assert lock_file_for(tmp_path / "processed", inside=False).parent == tmp_path


def test_inputs_are_hashed_with_relative_paths_and_hidden_files_left_out(tmp_path):
    (tmp_path / "ssda903").mkdir()
    (tmp_path / "ssda903" / "header.csv").write_bytes(b"CHILD\n1\n")
    (tmp_path / ".DS_Store").write_bytes(b"junk")
    (tmp_path / "~$annex_a.xlsx").write_bytes(b"excel lock file")
    expected = hashlib.sha256(b"CHILD\n1\n").hexdigest()
    assert hash_inputs(tmp_path) == [{"path": "ssda903/header.csv", "bytes": 8, "sha256": expected}]


def test_the_fingerprint_changes_when_any_input_changes():
    one = [{"path": "a.csv", "sha256": "1" * 64}]
    assert inputs_fingerprint(one) != inputs_fingerprint([{"path": "a.csv", "sha256": "2" * 64}])
    assert inputs_fingerprint(one) != inputs_fingerprint([{"path": "b.csv", "sha256": "1" * 64}])


def test_marked_builds_left_by_a_killed_run_are_removed(tmp_path):
    for name in (".2025-03-31.new-abc", ".2025-03-31.old-def", "2025-03-31", "_failed"):
        (tmp_path / name).mkdir()
    for name in (".2025-03-31.new-abc", ".2025-03-31.old-def", "2025-03-31"):
        folders.write_marker(tmp_path / name, "report-period")
    actions = remove_stale_builds(tmp_path)
    assert len(actions) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2025-03-31", "_failed"]


def test_an_unmarked_lookalike_in_out_is_left_alone(tmp_path):
    profile = tmp_path / ".thunderbird.old-profile"
    profile.mkdir()
    (profile / "mail.db").write_text("mail")
    assert remove_stale_builds(tmp_path) == []
    assert (profile / "mail.db").read_text() == "mail"


def test_a_report_holding_a_users_photo_is_not_a_legacy_report(tmp_path):
    (tmp_path / "manifest.json").write_text('{"csc_metrics_version": "0.1.0"}')
    (tmp_path / "index.html").write_text("<p>report</p>")
    assert is_legacy_report(tmp_path)
    (tmp_path / "holiday.jpg").write_bytes(b"jpg")
    assert not is_legacy_report(tmp_path)


def test_a_failed_build_is_set_aside_under_a_name_that_never_clashes(tmp_path):
    first, second = tmp_path / "build1", tmp_path / "build2"
    first.mkdir()
    second.mkdir()
    assert set_aside(first, tmp_path, "2025-03-31", "20250401-0600").name == (
        "2025-03-31-20250401-0600"
    )
    assert set_aside(second, tmp_path, "2025-03-31", "20250401-0600").name == (
        "2025-03-31-20250401-0600-2"
    )


def test_git_commit_is_none_outside_a_checkout(tmp_path):
    assert git_commit(tmp_path) is None


def test_git_commit_marks_uncommitted_changes(tmp_path):
    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "a.txt").write_text("a")
    git("add", "a.txt")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "a")
    assert git_commit(tmp_path) is not None and not git_commit(tmp_path).endswith("-dirty")
    (tmp_path / "a.txt").write_text("b")
    assert git_commit(tmp_path).endswith("-dirty")


@pytest.mark.parametrize(
    ("count", "shown"), [(0, "0"), (1, "c"), (5, "c"), (6, "6"), (1234, "1,234")]
)
def test_counts_of_one_to_five_are_shown_as_c_when_suppressing(count, shown):
    assert format_count(count, suppress=True) == shown


def test_without_suppression_every_count_is_shown():
    assert format_count(3, suppress=False) == "3"


def test_the_data_quality_summary_counts_by_severity_and_rule(report_processed):
    # conftest: 7 missing_dob errors, 1 invalid_code warning, no notes.
    summary = summarise_data_quality(report_processed, suppress=False)
    assert [count for count, _ in summary.by_severity] == ["7", "1", "0"]
    assert [(r["rule"], r["issues"]) for r in summary.top_rules] == [
        ("missing_dob", "7"),
        ("invalid_code", "1"),
    ]


def test_suppression_hides_small_totals_and_every_rule_count(report_processed):
    # A rule count could give away a suppressed total (7 errors = 7 in one rule), so none is shown.
    summary = summarise_data_quality(report_processed, suppress=True)
    assert [count for count, _ in summary.by_severity] == ["7", "c", "0"]
    assert [r["issues"] for r in summary.top_rules] == ["", ""]


def test_a_processed_folder_without_a_data_quality_log_says_so(tmp_path):
    assert summarise_data_quality(tmp_path, suppress=False).available is False


@pytest.mark.parametrize(
    ("period_end", "label"),
    [
        ("2025-03-31", "quarter ending 31 March 2025"),
        ("2024-12-31", "quarter ending 31 December 2024"),
        ("2025-02-15", "period ending 15 February 2025"),
    ],
)
def test_the_period_is_named_in_words(period_end, label):
    assert period_label(pd.Timestamp(period_end)) == label
