"""The privacy check's raw identifiers: re-read only from changed files, remembered by digest."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from caseload_fixtures import new_log, standard_snapshot

from csc_metrics import storage
from csc_metrics.caseload.annex_a import observing_sheets, read_annex_a_cells
from csc_metrics.report.raw_identifiers import (
    REMEMBERED_FILE,
    BuildScan,
    IdentifierDigests,
    SheetsReadByIngest,
    collect_raw_identifiers,
    find_raw_identifiers,
    identifier_digest,
    remember_raw_identifiers,
    remembered_identifiers,
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


def collect(raw: Path, processed: Path, read: SheetsReadByIngest | None = None):
    """What a run collects: the remembered digests first (before ingest), then the files."""
    return collect_raw_identifiers(raw, remembered_identifiers(processed), read)


def remembered_run(raw: Path, processed: Path):
    """What a run collects, after which it remembers the digests (as the runner does)."""
    found = collect(raw, processed)
    remember_raw_identifiers(found, processed)
    return found


def test_the_first_run_reads_every_file(raw, tmp_path, key):
    found = remembered_run(raw, tmp_path / "processed")
    assert found.identifiers == {"CH900001", "CH900002", "CH900003"}
    assert found.digests == set()


def test_a_rerun_reads_no_unchanged_file_and_knows_its_identifiers_by_digest(raw, tmp_path, key):
    processed = tmp_path / "processed"
    remembered_run(raw, processed)
    again = collect(raw, processed)
    assert again.identifiers == set()
    assert len(again.digests) == 3


def test_only_a_changed_file_is_read_again(raw, tmp_path, key):
    processed = tmp_path / "processed"
    remembered_run(raw, processed)
    write(raw, "caseload/2025-03-31/cases.csv", "child_id,team\nCH900004,North\n")
    again = collect(raw, processed)
    assert again.identifiers == {"CH900004"}
    assert len(again.digests) == 2


def test_an_identifier_known_by_digest_is_found_in_the_build(raw, tmp_path, key):
    processed = tmp_path / "processed"
    remembered_run(raw, processed)
    build = tmp_path / "build"
    write(build, "report.html", "<p>fine</p>\n<p>child CH900002 moved</p>")
    findings = find_raw_identifiers(build, collect(raw, processed))
    assert [str(f) for f in findings] == ["report.html, line 2: a raw child identifier"]


def test_a_build_without_identifiers_has_no_finding(raw, tmp_path, key):
    processed = tmp_path / "processed"
    remembered_run(raw, processed)
    build = tmp_path / "build"
    write(build, "report.html", "<p>CH90000 and CH9000021 are not identifiers here</p>")
    assert find_raw_identifiers(build, collect(raw, processed)) == []


def test_a_build_checked_file_by_file_has_the_findings_of_one_whole_scan(raw, tmp_path, key):
    processed = tmp_path / "processed"
    remembered_run(raw, processed)
    found = collect(raw, processed)
    build = tmp_path / "build"
    early = write(build, "b.html", "<p>child CH900001</p>")
    write(build, "notebooks/b.ipynb", '{"cells": [{"source": "CH900003", "outputs": []}]}')
    scan = BuildScan(build)
    scan.check([early, build / "notebooks" / "b.ipynb", build / "missing.html"], found)
    write(build, "a.html", "<p>fine</p>\n<p>CH900002</p>")  # written after the early check
    # In the order of a whole scan: a.html, b.html, then the notebook (paths sorted).
    assert (
        [str(f) for f in scan.finish(found)]
        == [str(f) for f in find_raw_identifiers(build, found)]
        == [
            "a.html, line 2: a raw child identifier",
            "b.html, line 1: a raw child identifier",
            "notebooks/b.ipynb, cell 1: a raw child identifier",
        ]
    )


def test_a_file_changed_after_its_early_check_is_checked_again(raw, tmp_path, key):
    found = remembered_run(raw, tmp_path / "processed")
    build = tmp_path / "build"
    page = write(build, "page.html", "<p>fine</p>")
    scan = BuildScan(build)
    scan.check([page], found)
    write(build, "page.html", "<p>now with CH900001 in it</p>")
    assert [str(f) for f in scan.finish(found)] == ["page.html, line 1: a raw child identifier"]


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
    assert collect(raw, processed).identifiers == {"CH-0001/2"}


def test_another_key_forgets_what_was_remembered(raw, tmp_path, key, monkeypatch):
    processed = tmp_path / "processed"
    remembered_run(raw, processed)
    monkeypatch.setenv("CSC_METRICS_KEY", "another-raw-identifiers-key-0123456789ab")
    assert collect(raw, processed).identifiers == {
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
    assert collect(raw, processed).identifiers == {
        "CH900001",
        "CH900002",
        "CH900003",
    }


def test_the_digests_are_read_before_ingest_replaces_the_processed_folder(raw, tmp_path, key):
    processed = tmp_path / "processed"
    remembered_run(raw, processed)
    remembered = remembered_identifiers(processed)
    shutil.rmtree(processed)  # an ingest builds the folder anew, without the cache
    again = collect_raw_identifiers(raw, remembered)
    assert again.identifiers == set()
    assert len(again.digests) == 3


def read_standard_workbook(raw: Path) -> SheetsReadByIngest:
    """Ingest's reading of the standard Annex A workbook, its sheets shown to the privacy check."""
    read = SheetsReadByIngest()
    workbook = standard_snapshot(raw) / "2024-03-31" / "annex_a.xlsx"
    with observing_sheets(read):
        read_annex_a_cells(workbook, "annex_a.xlsx", pd.Timestamp("2024-03-31"), new_log())
    return read


def test_sheets_ingest_read_give_the_identifiers_of_reading_the_workbook(tmp_path, key):
    raw = tmp_path / "raw"
    read = read_standard_workbook(raw)
    processed = tmp_path / "processed"
    assert collect(raw, processed, read).identifiers == collect(raw, processed).identifiers
    # List 1 is no case list: ingest never parses it, so the privacy check reads it itself.
    assert "C99" in collect(raw, processed, read).identifiers


def test_a_sheet_ingest_read_is_not_parsed_again(tmp_path, key):
    raw = tmp_path / "raw"
    read = read_standard_workbook(raw)
    workbook = raw / "caseload" / "2024-03-31" / "annex_a.xlsx"

    read(workbook, "List 7", [["Child ID"], ["C99999"]])  # what ingest saw in List 7 stands
    assert "C15" in collect(raw, tmp_path / "processed").identifiers
    found = collect(raw, tmp_path / "processed", read).identifiers
    assert "C99999" in found
    assert "C15" not in found  # List 7's own child, whom only a new parse would give


def test_identifier_digests_are_identifier_digest_under_their_key():
    key = KEY.encode()
    digests = IdentifierDigests(key)
    for identifier in ["CH900001", "CH900002", "CH900001", "", "Ünïcode-7"]:
        assert digests(identifier) == identifier_digest(key, identifier)
    assert IdentifierDigests(b"another-key-0123456789abcdef-xyz")("CH900001") != digests("CH900001")


def test_a_build_scan_builds_its_search_once_and_digests_each_word_once(
    raw, tmp_path, key, monkeypatch
):
    processed = tmp_path / "processed"
    remembered_run(raw, processed)
    found = collect(raw, processed)  # every file unchanged: known by digest only
    assert found.digests and not found.identifiers
    digested: list[str] = []
    real_call = IdentifierDigests.__call__

    def counting(self, identifier):
        digested.append(identifier)
        return real_call(self, identifier)

    monkeypatch.setattr(IdentifierDigests, "__call__", counting)
    build = tmp_path / "build"
    first = write(build, "a.html", "<p>Caseloads in North</p>")
    second = write(build, "b.html", "<p>Caseloads in North: CH900002</p>")
    scan = BuildScan(build)
    scan.check([first], found)
    scan.check([second], found)
    # "Caseloads" and "North" are in both pages but digested once; "in" is too short to be one.
    assert sorted(digested) == ["CH900002", "Caseloads", "North"]
    assert [str(f) for f in scan.finish(found)] == ["b.html, line 1: a raw child identifier"]
