"""The privacy check's raw identifiers: re-read only from changed files, remembered by digest."""

from __future__ import annotations

from pathlib import Path

import pytest

from csc_metrics import storage
from csc_metrics.report.raw_identifiers import (
    REMEMBERED_FILE,
    collect_as_record,
    collect_raw_identifiers,
    find_raw_identifiers,
    from_record,
    remember_raw_identifiers,
)

KEY = "raw-identifiers-test-key-0123456789abcdef"


@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv("CSC_METRICS_KEY", KEY)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def raw(tmp_path) -> Path:
    folder = tmp_path / "raw"
    write(folder, "ssda903/2025/header.csv", "CHILD,SEX\nCH900001,1\nCH900002,2\n")
    write(folder, "caseload/2025-03-31/cases.csv", "child_id,team\nCH900003,North\n")
    return folder


def remembered_run(raw: Path, processed: Path):
    """What a run collects, after which it remembers the digests (as the runner does)."""
    found = collect_raw_identifiers(raw, processed)
    remember_raw_identifiers(found, processed)
    return found


def test_the_first_run_reads_every_file(raw, tmp_path, key):
    found = remembered_run(raw, tmp_path / "processed")
    assert found.identifiers == {"CH900001", "CH900002", "CH900003"}
    assert found.digests == set()


def test_a_rerun_reads_no_unchanged_file_and_knows_its_identifiers_by_digest(raw, tmp_path, key):
    processed = tmp_path / "processed"
    remembered_run(raw, processed)
    again = collect_raw_identifiers(raw, processed)
    assert again.identifiers == set()
    assert len(again.digests) == 3


def test_only_a_changed_file_is_read_again(raw, tmp_path, key):
    processed = tmp_path / "processed"
    remembered_run(raw, processed)
    write(raw, "caseload/2025-03-31/cases.csv", "child_id,team\nCH900004,North\n")
    again = collect_raw_identifiers(raw, processed)
    assert again.identifiers == {"CH900004"}
    assert len(again.digests) == 2


def test_an_identifier_known_by_digest_is_found_in_the_build(raw, tmp_path, key):
    processed = tmp_path / "processed"
    remembered_run(raw, processed)
    build = tmp_path / "build"
    write(build, "report.html", "<p>fine</p>\n<p>child CH900002 moved</p>")
    findings = find_raw_identifiers(build, collect_raw_identifiers(raw, processed))
    assert [str(f) for f in findings] == ["report.html, line 2: a raw child identifier"]


def test_a_build_without_identifiers_has_no_finding(raw, tmp_path, key):
    processed = tmp_path / "processed"
    remembered_run(raw, processed)
    build = tmp_path / "build"
    write(build, "report.html", "<p>CH90000 and CH9000021 are not identifiers here</p>")
    assert find_raw_identifiers(build, collect_raw_identifiers(raw, processed)) == []


def test_what_is_remembered_holds_no_identifier(raw, tmp_path, key):
    processed = tmp_path / "processed"
    remembered_run(raw, processed)
    text = (processed / storage.CACHE_FOLDER / REMEMBERED_FILE).read_text("utf-8")
    assert "CH9000" not in text


def test_a_file_with_an_identifier_that_is_not_one_word_is_read_every_time(tmp_path, key):
    raw = tmp_path / "raw"
    write(raw, "cases.csv", "child_id\nCH-0001/2\n")
    processed = tmp_path / "processed"
    remembered_run(raw, processed)
    assert collect_raw_identifiers(raw, processed).identifiers == {"CH-0001/2"}


def test_another_key_forgets_what_was_remembered(raw, tmp_path, key, monkeypatch):
    processed = tmp_path / "processed"
    remembered_run(raw, processed)
    monkeypatch.setenv("CSC_METRICS_KEY", "another-raw-identifiers-key-0123456789ab")
    assert collect_raw_identifiers(raw, processed).identifiers == {
        "CH900001",
        "CH900002",
        "CH900003",
    }


def test_without_a_key_nothing_is_remembered(raw, tmp_path, monkeypatch):
    monkeypatch.delenv("CSC_METRICS_KEY", raising=False)
    monkeypatch.setenv("CSC_METRICS_KEY_FILE", str(tmp_path / "no-key-here"))
    processed = tmp_path / "processed"
    remembered_run(raw, processed)
    assert not (processed / storage.CACHE_FOLDER / REMEMBERED_FILE).exists()
    assert collect_raw_identifiers(raw, processed).identifiers == {
        "CH900001",
        "CH900002",
        "CH900003",
    }


def test_what_the_fork_server_answers_is_what_the_run_would_have_read(raw, tmp_path, key):
    processed = tmp_path / "processed"
    record = collect_as_record(str(raw), str(processed))
    assert from_record(record) == collect_raw_identifiers(raw, processed)


def test_an_answer_made_with_another_key_is_not_used(raw, tmp_path, key, monkeypatch):
    record = collect_as_record(str(raw), str(tmp_path / "processed"))
    monkeypatch.setenv("CSC_METRICS_KEY", "another-raw-identifiers-key-0123456789ab")
    assert from_record(record) is None
