"""Snapshots are cleaned in batches; where the batches split must not change any result."""

from __future__ import annotations

import shutil

import pandas as pd
from caseload_fixtures import PSEUDONYMISER, new_log, standard_snapshot

from csc_metrics.caseload import ingest as caseload_ingest
from csc_metrics.storage import PROCESSED_TABLES, ProcessedData, empty_table


def _three_snapshots(tmp_path):
    caseload = standard_snapshot(tmp_path)
    shutil.copytree(caseload / "2024-03-31", caseload / "2024-06-30")
    shutil.copytree(caseload / "2024-03-31", caseload / "2024-09-30")
    return caseload


def test_one_snapshot_per_batch_gives_the_same_tables_and_issues_as_one_batch(
    tmp_path, monkeypatch
):
    caseload = _three_snapshots(tmp_path)
    one_log = new_log()
    one_batch = caseload_ingest.ingest_caseload(caseload, None, one_log, PSEUDONYMISER)
    # Any snapshot folder is bigger than 1 byte, so each becomes a batch of its own.
    monkeypatch.setattr(caseload_ingest, "BATCH_BYTES", 1)
    split_log = new_log()
    split = caseload_ingest.ingest_caseload(caseload, None, split_log, PSEUDONYMISER)
    for key in one_batch:
        pd.testing.assert_frame_equal(split[key], one_batch[key])
    # Issues come snapshot by snapshot whatever the batches: the same issues in the same order.
    pd.testing.assert_frame_equal(split_log.to_frame(), one_log.to_frame())
    assert len(one_batch["cases"]["snapshot_date"].unique()) == 3


def test_batches_follow_date_order_and_fill_up_to_the_byte_limit(tmp_path, monkeypatch):
    caseload = _three_snapshots(tmp_path)
    jobs = [(path, pd.Timestamp(path.name), tmp_path) for path in sorted(caseload.iterdir())]
    one_folder = caseload_ingest._folder_bytes(jobs[0][0])
    # Room for two identical snapshot folders but not three: batches of 2 then 1.
    monkeypatch.setattr(caseload_ingest, "BATCH_BYTES", 2 * one_folder)
    batches = caseload_ingest._batches(jobs)
    assert [[job[1] for job in batch] for batch in batches] == [
        [pd.Timestamp("2024-03-31"), pd.Timestamp("2024-06-30")],
        [pd.Timestamp("2024-09-30")],
    ]


def _dated(*dates: str) -> pd.DataFrame:
    return pd.DataFrame({"snapshot_date": pd.to_datetime(list(dates))})


def test_parts_whose_dates_follow_one_another_need_no_second_sort():
    # 31 March then 30 June, then 30 September: each part after the one before.
    parts = [_dated("2024-03-31", "2024-03-31"), _dated("2024-06-30"), _dated("2024-09-30")]
    assert caseload_ingest._dates_follow(parts)


def test_parts_whose_dates_overlap_or_go_back_are_sorted_again():
    # A kept history snapshot of 31 March after the June one read: out of order.
    assert not caseload_ingest._dates_follow([_dated("2024-06-30"), _dated("2024-03-31")])
    # Two parts sharing a date cannot be told apart by date: sorted again.
    assert not caseload_ingest._dates_follow([_dated("2024-03-31"), _dated("2024-03-31")])


def test_a_history_kept_from_before_is_sorted_into_the_snapshots_read(tmp_path):
    caseload = _three_snapshots(tmp_path)
    whole = caseload_ingest.ingest_caseload(caseload, None, new_log(), PSEUDONYMISER)
    previous = ProcessedData(
        **{name.split("__", 1)[-1]: empty_table(name) for name in PROCESSED_TABLES},
        manifest={},
    )
    # The published history held 31 March only; June and September are read again after it
    # is archived: 31 March (kept, stacked last) must come first in the result.
    previous.cases = whole["cases"].loc[whole["cases"]["snapshot_date"].eq("2024-03-31")]
    shutil.rmtree(caseload / "2024-03-31")
    log = new_log()
    merged = caseload_ingest.ingest_caseload(caseload, previous, log, PSEUDONYMISER)
    pd.testing.assert_frame_equal(merged["cases"], whole["cases"])


def test_a_county_history_is_shared_with_a_worker_in_four_batches():
    # 20 MB (a county's 28 workbooks) / 4 = 5 MB a batch: between the 4 MB floor and 32 MB.
    assert caseload_ingest.worker_batch_bytes(20 * 1024**2) == 5 * 1024**2


def test_a_quarter_s_one_workbook_is_one_worker_batch():
    # 0.75 MB / 4 is under the 4 MB floor: one batch of up to 4 MB holds the whole workbook.
    assert caseload_ingest.worker_batch_bytes(786_432) == 4 * 1024**2


def test_a_national_history_is_shared_in_batches_of_32_mb():
    # 430 MB / 4 = 107.5 MB, over the 32 MB a worker's batch may hold in memory.
    assert caseload_ingest.worker_batch_bytes(430 * 1024**2) == 32 * 1024**2
