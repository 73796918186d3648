"""A run's outcome: which exit code a failed run ends with, and what it says."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from csc_metrics.report.execute import CellFailure, NotebookJob
from csc_metrics.report.outcomes import NotebookOutcome, RunOutcome


def outcome(name: str, failure: CellFailure | None) -> NotebookOutcome:
    job = NotebookJob(Path(f"{name}.ipynb"), name, {})
    return NotebookOutcome(job, name, f"{name}.html", failure, 1.0, 0.5)


def run(*notebooks: NotebookOutcome, findings: tuple[str, ...] = ()) -> RunOutcome:
    return RunOutcome(
        published=None,
        failed_build=Path("reports/_failed/2025-03-31"),
        log_path=Path("reports/logs/run.log"),
        notebooks=list(notebooks),
        period_end=pd.Timestamp("2025-03-31"),
        privacy_findings=list(findings),
    )


FULL = CellFailure(4, "OSError", "[Errno 28] No space left on device: 'reports/x.csv'")
READ_ONLY = CellFailure(2, "OSError", "[Errno 30] Read-only file system: 'reports/y'")
CODE = CellFailure(7, "KeyError", "'decom'")


def test_a_run_stopped_by_a_full_disk_exits_2_and_says_so():
    # A full disk is the machine's problem, not the code's: exit 2 with the advice, like any
    # other folder that cannot be written.
    result = run(outcome("01_caseloads", FULL), outcome("02_care_leavers", READ_ONLY))
    assert result.exit_code == 2
    assert "full or read-only: free some space" in result.failure_message()


def test_a_run_with_a_failing_cell_exits_1_even_with_a_full_disk_too():
    # 03's KeyError is a defect to report whatever else went wrong.
    result = run(outcome("01_caseloads", FULL), outcome("03_placements", CODE))
    assert result.exit_code == 1
    assert "full or read-only" not in result.failure_message()


def test_a_privacy_finding_keeps_exit_1():
    result = run(outcome("01_caseloads", FULL), findings=("01_caseloads.html line 3",))
    assert result.exit_code == 1


def test_a_run_with_no_failed_notebook_is_not_a_disk_failure():
    # Not published for a privacy finding alone: exit 1, not 2.
    result = run(outcome("01_caseloads", None), findings=("01_caseloads.html line 3",))
    assert result.exit_code == 1 and not result.failed_on_disk
