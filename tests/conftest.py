"""Shared test set-up.

``tests/fixtures`` holds fixture notebooks and files that tests open themselves; nbval must not
collect the notebooks as tests (some fail on purpose). The ``report_*`` fixtures below build
the small raw and processed folders the runner tests use.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from csc_metrics import io
from csc_metrics.quality import DataQualityLog

collect_ignore_glob = ["fixtures/*"]

REPORT_NOTEBOOKS = Path(__file__).parent / "fixtures" / "report_notebooks"

#: Raw child identifiers in the fixture raw folder. CH900001 is also printed by the "leaky"
#: fixture notebook, to prove the privacy check catches it.
REPORT_RAW_CHILD_IDS = ("CH900001", "CH900002", "CH900003")


def write_report_raw(folder: Path) -> Path:
    """Write a small raw folder: an SSDA903 header file and a caseload snapshot."""
    ssda903 = folder / "ssda903" / "2025"
    ssda903.mkdir(parents=True)
    pd.DataFrame(
        {
            "CHILD": list(REPORT_RAW_CHILD_IDS),
            "SEX": ["1", "2", "1"],
            "DOB": ["01/02/2010", "03/04/2012", "05/06/2008"],
            "ETHNIC": ["WBRI", "WBRI", "BAFR"],
        }
    ).to_csv(ssda903 / "header.csv", index=False)
    caseload = folder / "caseload" / "2025-03-31"
    caseload.mkdir(parents=True)
    pd.DataFrame(
        {
            "child_id": list(REPORT_RAW_CHILD_IDS),
            "team": ["Assessment North", "Assessment North", "Children in care"],
            "worker_id": ["W1", "W1", "W2"],
        }
    ).to_csv(caseload / "cases.csv", index=False)
    return folder


def write_report_processed(folder: Path) -> Path:
    """Write a processed folder as ingest would: a data-quality log and a manifest.

    The log has 7 errors of one rule and 1 warning of another, so suppression (1-5) hides the
    warning total and nothing else.
    """
    log = DataQualityLog()
    for row in range(2, 9):
        log.add(
            dataset="ssda903",
            table="header",
            file="ssda903/2025/header.csv",
            row=row,
            rule="missing_dob",
            severity="error",
            message="DOB is blank; expected a date dd/mm/yyyy",
        )
    log.add(
        dataset="ssda903",
        table="episodes",
        rule="invalid_code",
        severity="warning",
        message="PLACE code not in the code list",
    )
    folder.mkdir(parents=True, exist_ok=True)
    io.write_table(log.to_frame(), "dq_issues", folder)
    io.write_json({"tables": ["dq_issues"]}, folder / io.MANIFEST_NAME)
    return folder


def fake_report_ingest(raw: Path, processed: Path) -> None:
    """Stand-in for ``pipeline.ingest``: replaces the processed folder as the real one does."""
    with io.staged_replace(processed) as staging:
        write_report_processed(staging)


@pytest.fixture
def report_raw(tmp_path: Path) -> Path:
    """A fresh raw folder for one test."""
    return write_report_raw(tmp_path / "raw")


@pytest.fixture
def report_processed(tmp_path: Path) -> Path:
    """A fresh processed folder (data-quality log and manifest) for one test."""
    return write_report_processed(tmp_path / "processed")


@pytest.fixture(scope="session")
def report_tools() -> SimpleNamespace:
    """The runner tests' helpers: fixture notebooks, raw and processed writers, a fake ingest."""
    return SimpleNamespace(
        notebooks=REPORT_NOTEBOOKS,
        raw_child_ids=REPORT_RAW_CHILD_IDS,
        write_raw=write_report_raw,
        write_processed=write_report_processed,
        fake_ingest=fake_report_ingest,
    )
