"""The ingest cache's pieces: handing a batch's issues to their folders, joining cached tables."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pyarrow
import pytest

from csc_metrics import ingest_cache
from csc_metrics.ingest_cache import cache_fingerprint, split_issues
from csc_metrics.quality import DataQualityLog, joined_frames
from csc_metrics.settings import DEFAULT_SETTINGS

KEY = b"unit-test-key-long-enough-for-the-32-character-rule"


def _issues(files: list[str | None]) -> pd.DataFrame:
    log = DataQualityLog()
    for number, file in enumerate(files):
        log.add(dataset="ssda903", rule=f"rule{number}", severity="info", message="m", file=file)
    return log.to_frame()


def test_a_batch_s_issues_go_to_the_folder_their_file_is_in_in_the_order_raised():
    issues = _issues(
        [
            "ssda903/2024/header.csv",
            "ssda903/2023/header.csv",
            "ssda903/2024/episodes.csv",
            # A folder whose name starts like another's is its own folder.
            "ssda903/2024-25/episodes.csv",
        ]
    )
    split = split_issues(issues, ["ssda903/2023", "ssda903/2024", "ssda903/2024-25"])
    assert split is not None
    assert split["ssda903/2023"]["rule"].tolist() == ["rule1"]
    assert split["ssda903/2024"]["rule"].tolist() == ["rule0", "rule2"]
    assert split["ssda903/2024-25"]["rule"].tolist() == ["rule3"]


def test_an_issue_naming_no_folder_of_the_batch_cannot_be_handed_on():
    issues = _issues(["ssda903/2024/header.csv", None])
    assert split_issues(issues, ["ssda903/2024"]) is None


def test_runs_of_cached_tables_become_one_frame_and_the_order_is_kept():
    fresh = pd.DataFrame({"n": [3]})
    cached = [pyarrow.table({"n": [1]}), pyarrow.table({"n": [2]}), pyarrow.table({"n": [4]})]
    frames = joined_frames([cached[0], cached[1], fresh, cached[2]])
    # Two cached tables joined, the fresh frame as it is, the last cached table alone: 3 frames.
    assert [frame["n"].tolist() for frame in frames] == [[1, 2], [3], [4]]
    assert frames[1] is fresh


def test_the_fingerprint_changes_with_the_settings_and_the_key():
    fingerprint = cache_fingerprint(DEFAULT_SETTINGS, KEY)
    other_settings = dataclasses.replace(DEFAULT_SETTINGS, caseload_threshold=99)
    assert cache_fingerprint(DEFAULT_SETTINGS, KEY) == fingerprint
    assert cache_fingerprint(other_settings, KEY) != fingerprint
    assert cache_fingerprint(DEFAULT_SETTINGS, KEY + b"!") != fingerprint
    assert KEY.decode() not in fingerprint


@pytest.mark.parametrize("small_file_bytes", [8 * 1024**2, 0])
def test_a_cached_table_is_read_only_when_its_file_has_the_recorded_hash(
    tmp_path, monkeypatch, small_file_bytes
):
    # Both ways of reading (a small file read once into memory, a large one from the file)
    # give the table back, and neither gives a changed file's content.
    monkeypatch.setattr(ingest_cache, "SMALL_FILE_BYTES", small_file_bytes)
    path = tmp_path / "cases.feather"
    digest = ingest_cache._write_frame(pd.DataFrame({"child_id": ["p1", "p2"]}), path)
    table = ingest_cache._read_checked(path, digest)
    assert table is not None
    assert table.column("child_id").to_pylist() == ["p1", "p2"]
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))
    assert ingest_cache._read_checked(path, digest) is None


def test_a_unit_of_the_batch_without_issues_gets_an_empty_table_of_issues():
    issues = _issues(["ssda903/2024/header.csv"])
    split = split_issues(issues, ["ssda903/2023", "ssda903/2024"])
    assert split is not None
    assert split["ssda903/2023"].empty
    assert list(split["ssda903/2023"].columns) == list(issues.columns)
