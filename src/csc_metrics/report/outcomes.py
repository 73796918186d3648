"""What a run produced: each notebook's outcome, the run's outcome, and the facts of the run.

The landing page (``landing.py``) and ``manifest.json`` (``manifest.py``) are both written from
these, so they always agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from csc_metrics.report.config import RunConfig
from csc_metrics.report.execute import CellFailure, NotebookJob
from csc_metrics.report.render import KeyMessages

#: A notebook that failed because the disk is full, over quota or read-only (errno 28, 122 or
#: 30, as an ``OSError`` in the kernel) failed for the machine, not for the code: the run exits
#: 2 like any other folder that cannot be written, with the same advice.
_DISK_ERROR = re.compile(r"\[Errno (28|30|122)\]")


@dataclass
class NotebookOutcome:
    """What one notebook produced in this run."""

    job: NotebookJob
    title: str
    report: str
    failure: CellFailure | None
    execute_seconds: float
    render_seconds: float
    report_bytes: int = 0
    key_messages: list[KeyMessages] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    scorecard: dict[str, Any] | None = None
    # Set when the report had no data for the period, so its notebook was not run: what it
    # needs and why there are none (``data_needs.MissingData.summary``).
    no_data: str | None = None
    # The execution key (``executions.execution_key``) and the executed notebook's SHA-256,
    # recorded so that the next run can re-use this execution; ``reused`` when this run took
    # it from the last published run instead of executing the notebook.
    execution_key: str | None = None
    executed_sha256: str | None = None
    reused: bool = False

    @property
    def status(self) -> str:
        """``succeeded``, ``failed`` or ``no data`` (not run: no data for the period)."""
        if self.failure is not None:
            return "failed"
        return "no data" if self.no_data else "succeeded"

    @property
    def succeeded(self) -> bool:
        """Whether the notebook ran to the end."""
        return self.failure is None

    @property
    def failed_on_disk(self) -> bool:
        """Whether it failed writing to a full, over-quota or read-only disk."""
        failure = self.failure
        return failure is not None and bool(
            failure.error_type.endswith("Error") and _DISK_ERROR.search(failure.message)
        )

    def failure_line(self) -> str:
        """``03_placements.ipynb: cell 7 (KeyError: 'decom')``."""
        return f"{self.job.label}: {self.failure.describe()}" if self.failure else ""

    def record(self) -> dict[str, Any]:
        """The outcome for the run manifest."""
        failure = self.failure
        return {
            "notebook": self.job.source.name,
            "team": self.job.team,
            "report": self.report,
            "title": self.title,
            "status": self.status,
            "no_data": self.no_data,
            "execute_seconds": round(self.execute_seconds, 2),
            "render_seconds": round(self.render_seconds, 2),
            "report_bytes": self.report_bytes,
            "execution_key": self.execution_key,
            "executed_sha256": self.executed_sha256,
            "reused_execution": self.reused,
            "failure": None
            if failure is None
            else {
                "cell": failure.cell_number,
                "error": failure.error_type,
                "message": failure.message,
                "cell_starts": failure.cell_summary,
            },
        }


@dataclass
class RunOutcome:
    """The result of a run.

    Attributes:
        published: The published folder, when every notebook succeeded.
        failed_build: Where an unpublished build was set aside.
        log_path: The run's log file.
        notebooks: What each notebook produced.
        period_end: The period reported on.
        privacy_findings: Problems the privacy check found (file and line only).
    """

    published: Path | None
    failed_build: Path | None
    log_path: Path
    notebooks: list[NotebookOutcome]
    period_end: pd.Timestamp
    privacy_findings: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when published; 2 when only a full or read-only disk stopped it; 1 otherwise."""
        if self.published is not None:
            return 0
        return 2 if self.failed_on_disk else 1

    @property
    def failed_on_disk(self) -> bool:
        """Whether every failed notebook failed on a full or read-only disk, and nothing else."""
        failed = [o for o in self.notebooks if not o.succeeded]
        return bool(failed) and not self.privacy_findings and all(o.failed_on_disk for o in failed)

    def failure_message(self) -> str:
        """The message for stderr when the run did not publish."""
        failed = [o.failure_line() for o in self.notebooks if not o.succeeded]
        lines = []
        if self.failed_on_disk:
            lines.append(
                "The disk the reports are written to is full or read-only: free some space "
                "(or choose a writable --out) and run again."
            )
        if failed:
            lines.append(f"{len(failed)} notebook(s) failed: " + "; ".join(failed) + ".")
        if self.privacy_findings:
            lines.append(
                "The privacy check found problems in the output: "
                + "; ".join(self.privacy_findings[:5])
                + ("; ..." if len(self.privacy_findings) > 5 else "")
                + "."
            )
        lines.append(
            f"Nothing was published: the previous report for {self.period_end.date()} is "
            f"unchanged. The failed build is in {self.failed_build} (open index.html there); "
            f"the log is {self.log_path}."
        )
        return " ".join(lines)


@dataclass
class RunFacts:
    """What a run was: its parameters, period, ingest, code and inputs.

    Attributes:
        config: The run's parameters.
        started_at: When the run started.
        period_end: The period reported on.
        team: ``--team`` as the data spell it, or None.
        ingest_status: ``fresh``, ``reused`` (up to date with the raw files) or ``skipped``
            (``--skip-ingest``).
        ingest_reason: Why ingest ran or was skipped.
        commit: The git commit of the code, or None outside git.
        inputs: The raw files read (``fingerprints.hash_inputs``).
        findings: Problems the privacy check found (file and line only).
        data_coverage: What each dataset covers at the period end, saying which stops before
            it (``data_needs.DataDates.coverage_words``); empty when not known.
    """

    config: RunConfig
    started_at: datetime
    period_end: pd.Timestamp
    team: str | None
    ingest_status: str
    ingest_reason: str
    commit: str | None
    inputs: list[dict[str, Any]]
    findings: list[str] = field(default_factory=list)
    data_coverage: str = ""

    def published(self, outcomes: list[NotebookOutcome]) -> bool:
        """Whether the build is published: every notebook succeeded and nothing was found."""
        return not self.findings and all(o.succeeded for o in outcomes)
