"""Large snapshot histories are read by worker processes; the result must not depend on it."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from caseload_fixtures import PSEUDONYMISER, new_log, standard_snapshot, write_text

from csc_metrics.caseload import ingest as caseload_ingest
from csc_metrics.errors import InputError


def _two_snapshots(tmp_path):
    caseload = standard_snapshot(tmp_path)
    shutil.copytree(caseload / "2024-03-31", caseload / "2024-06-30")
    return caseload


@pytest.mark.slow
def test_parallel_reading_gives_the_same_tables_and_issues_as_serial(tmp_path, monkeypatch):
    caseload = _two_snapshots(tmp_path)
    serial_log = new_log()
    serial = caseload_ingest.ingest_caseload(caseload, None, serial_log, PSEUDONYMISER)
    monkeypatch.setattr(caseload_ingest, "PARALLEL_MIN_BYTES", 0)
    parallel_log = new_log()
    parallel = caseload_ingest.ingest_caseload(caseload, None, parallel_log, PSEUDONYMISER)
    for key in serial:
        pd.testing.assert_frame_equal(parallel[key], serial[key])
    pd.testing.assert_frame_equal(parallel_log.to_frame(), serial_log.to_frame())
    assert len(serial["cases"]["snapshot_date"].unique()) == 2


@pytest.mark.slow
def test_an_unusable_snapshot_read_in_a_worker_still_names_the_file(tmp_path, monkeypatch):
    caseload = _two_snapshots(tmp_path)
    (caseload / "2024-06-30" / "annex_a.xlsx").unlink()
    write_text(caseload / "2024-06-30" / "cases.csv", "child_id,team\nC1,North\n")
    monkeypatch.setattr(caseload_ingest, "PARALLEL_MIN_BYTES", 0)
    with pytest.raises(InputError, match="2024-06-30"):
        caseload_ingest.ingest_caseload(caseload, None, new_log(), PSEUDONYMISER)
