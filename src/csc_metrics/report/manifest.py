"""A run's ``manifest.json``: what ran, on what, with which code, and how long each step took.

The manifest is written into every build beside the landing page (published or set aside), so
a report can be traced to its inputs and code; the next run reads the last published one to
start the longest notebooks first (``previous_durations``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from csc_metrics import __version__, storage
from csc_metrics.fingerprints import inputs_fingerprint, sha256_file
from csc_metrics.report.outcomes import NotebookOutcome, RunFacts

MANIFEST_FILE = "manifest.json"


def run_manifest(
    facts: RunFacts, outcomes: list[NotebookOutcome], timings: dict[str, float]
) -> dict[str, Any]:
    """The manifest of a run.

    Args:
        facts: What the run was.
        outcomes: What each notebook produced.
        timings: Seconds per step of the run.

    Returns:
        The manifest, ready for ``storage.write_json``.
    """
    config = facts.config
    processed_manifest = config.processed_dir / storage.MANIFEST_NAME
    return {
        "csc_metrics_version": __version__,
        "git_commit": facts.commit,
        "python": sys.version.split()[0],
        "status": "published" if facts.published(outcomes) else "not published",
        "started_at": facts.started_at.isoformat(timespec="seconds"),
        "period_end": facts.period_end.date().isoformat(),
        "parameters": config.as_record(),
        "inputs": facts.inputs,
        "inputs_fingerprint": inputs_fingerprint(facts.inputs),
        "ingest": {
            "skipped": config.skip_ingest,
            "status": facts.ingest_status,
            "reused_up_to_date": facts.ingest_status == "reused",
            "reason": facts.ingest_reason,
            "processed_manifest": str(processed_manifest),
            "processed_manifest_sha256": sha256_file(processed_manifest)
            if processed_manifest.exists()
            else None,
        },
        "timings_seconds": {k: round(v, 2) for k, v in timings.items()},
        "notebooks": [o.record() for o in outcomes],
        "privacy_check": {"raw_identifiers": "checked", "findings": facts.findings},
        "log": "run.log",
    }


def write_run_manifest(
    facts: RunFacts, outcomes: list[NotebookOutcome], timings: dict[str, float], build: Path
) -> Path:
    """Write ``manifest.json`` into a build folder (see ``run_manifest``)."""
    path = Path(build) / MANIFEST_FILE
    storage.write_json(run_manifest(facts, outcomes, timings), path)
    return path


def load_manifest(folder: Path) -> dict[str, Any]:
    """Read a published (or set-aside) run's ``manifest.json``."""
    return json.loads((Path(folder) / MANIFEST_FILE).read_text(encoding="utf-8"))


def previous_durations(out: Path) -> dict[str, float]:
    """How long each report took to execute in the last published run under ``out``.

    Returns:
        Report name (``01_caseloads`` or ``teams/north``) -> seconds; empty before any run.
    """
    manifests = sorted(
        (
            p
            for p in Path(out).glob(f"*/{MANIFEST_FILE}")
            if not p.parent.name.startswith(("_", "."))
        ),
        key=lambda p: p.stat().st_mtime,
    )
    if not manifests:
        return {}
    try:
        notebooks = load_manifest(manifests[-1].parent).get("notebooks", [])
        return {
            str(n["report"]).removesuffix(".html"): float(n["execute_seconds"]) for n in notebooks
        }
    except (ValueError, KeyError, TypeError, OSError):
        return {}
