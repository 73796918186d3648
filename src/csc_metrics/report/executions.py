"""Re-using a notebook the last published run executed, when nothing it depends on has changed.

An analyst often runs the same quarter again: to add ``--pdf``, after a failed run of another
report, or from a scheduled job whose inputs did not change. Executing a notebook again on the
same inputs gives the same outputs, so the run takes the executed notebook from the folder it is
about to replace, and renders its page again (so the page carries this run's date and links).

Each executed notebook is recorded in the run's ``manifest.json`` with its *execution key*, a
SHA-256 over everything its outputs depend on:

* the notebook file's bytes;
* its injected parameters, with the SHA-256 of the content of every file a parameter names
  (targets, forecast scenario, unit costs, change points): the same path with new content is a
  change;
* the processed data: the SHA-256 of every processed table, as ingest recorded them in the
  processed folder's manifest, and the check value of the key that pseudonymised them;
* every file of the csc-metrics package (``fingerprints.package_fingerprint``): the indicator
  code, the views that write the sentences, the reference data, the templates;
* the settings (``fingerprints.settings_fingerprint``);
* the versions of Python and of the libraries that compute and draw (``LIBRARIES``).

The preparation every notebook shares (the period end ``latest`` settles on, and the run's
``summary.json`` facts) is remembered the same way, in the processed folder's cache, keyed by
the run's parameters and the same fingerprint of processed data, package, settings and
libraries: when every report is re-used, the run does not prepare the report data at all.

A recorded execution is re-used only when its key is this run's key for the same report, it
succeeded, its executed notebook is still byte-identical to the one recorded (its SHA-256), and
every processed file still matches the hash ingest recorded for it. Anything unknown (an older
manifest without keys, a missing file) means the notebook is executed again; ``--fresh-ingest``
executes every notebook again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import sys
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from csc_metrics import storage
from csc_metrics.fingerprints import package_fingerprint, settings_fingerprint, sha256_file
from csc_metrics.privacy import KEY_CHECK_FIELD
from csc_metrics.report.config import RunConfig
from csc_metrics.report.execute import NotebookJob
from csc_metrics.report.manifest import MANIFEST_FILE
from csc_metrics.report.outcomes import NotebookOutcome
from csc_metrics.report.pages import write_report_page
from csc_metrics.report.run_log import progress_logger
from csc_metrics.settings import DEFAULT_SETTINGS, Settings

logger = logging.getLogger(__name__)

#: Libraries whose version can change what a notebook computes or draws.
LIBRARIES = (
    "numpy",
    "pandas",
    "pyarrow",
    "pandera",
    "scipy",
    "matplotlib",
    "seaborn",
    "papermill",
    "nbformat",
    "ipykernel",
)

#: File names of remembered preparations in the processed folder's cache.
PREPARATION_PREFIX = "run_preparation-"


@dataclass(frozen=True)
class ReusableExecution:
    """An executed notebook of the last published run that this run can take as it is.

    Attributes:
        path: The executed ``.ipynb`` in the published folder.
        sha256: Its SHA-256, as recorded (and checked) when it was found.
    """

    path: Path
    sha256: str


@cache
def _library_versions() -> dict[str, str]:
    versions = {"python": sys.version.split()[0]}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def processed_fingerprint(processed: Path) -> str | None:
    """A hash of the processed tables as ingest recorded them, and of the key that made them.

    Args:
        processed: The processed folder.

    Returns:
        A SHA-256 hex digest, or None when the folder's manifest records no file hashes (then
        nothing executed on it can be re-used).
    """
    try:
        manifest = json.loads((Path(processed) / storage.MANIFEST_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    files = manifest.get(storage.FILE_HASHES) if isinstance(manifest, dict) else None
    if not isinstance(files, dict) or not files:
        return None
    return _digest({"files": files, "key_check": manifest.get(KEY_CHECK_FIELD)})


def run_inputs_fingerprint(processed: Path, settings: Settings = DEFAULT_SETTINGS) -> str | None:
    """What every notebook of a run shares: processed data, package, settings and libraries.

    Returns:
        A SHA-256 hex digest, or None when the processed data cannot be fingerprinted.
    """
    data = processed_fingerprint(processed)
    if data is None:
        return None
    payload = {
        "processed": data,
        "package": package_fingerprint(),
        "settings": settings_fingerprint(settings),
        "libraries": _library_versions(),
    }
    return _digest(payload)


def _parameter_value(value: Any) -> Any:
    """A parameter as it enters the key: a file's path together with its content's hash."""
    if isinstance(value, str) and value:
        path = Path(value)
        if path.is_absolute() and path.is_file():
            return {"path": value, "sha256": sha256_file(path)}
    return value


def parameters_fingerprint(parameters: dict[str, Any]) -> dict[str, Any]:
    """Parameters as they enter a key: each file a parameter names with its content's hash."""
    return {name: _parameter_value(value) for name, value in sorted(parameters.items())}


def _digest(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()


def _preparation_path(processed: Path, parameters: dict[str, Any], shared: str) -> Path:
    key = _digest({"shared": shared, "parameters": parameters_fingerprint(parameters)})
    return Path(processed) / storage.CACHE_FOLDER / f"{PREPARATION_PREFIX}{key}.json"


def remember_preparation(
    processed: Path, parameters: dict[str, Any], shared: str, answer: dict[str, Any]
) -> None:
    """Keep what preparing the report data answered, for a re-run on the same inputs.

    A cache that cannot be written only costs the next run the preparation.

    Args:
        processed: The processed folder (its ``_cache`` holds the answer).
        parameters: The parameters the preparation was called with.
        shared: ``run_inputs_fingerprint`` of the run.
        answer: ``{"period_end": ..., "summary": ...}`` (``views.opening.preload_report``).
    """
    path = _preparation_path(processed, parameters, shared)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        storage.write_json(answer, temporary)
        temporary.replace(path)
    except OSError as error:
        logger.info("The report data preparation was not remembered: %s", error)


def remembered_preparation(
    processed: Path, parameters: dict[str, Any], shared: str
) -> dict[str, Any] | None:
    """What preparing the report data answered for the same parameters and inputs, if kept.

    Returns:
        The answer ``remember_preparation`` kept, or None.
    """
    try:
        answer = json.loads(_preparation_path(processed, parameters, shared).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(answer, dict) or not isinstance(answer.get("period_end"), str):
        return None
    return answer


def execution_key(job: NotebookJob, shared: str) -> str:
    """The execution key of one job (see the module's description).

    Args:
        job: The notebook and its parameters.
        shared: ``run_inputs_fingerprint`` of the run.

    Returns:
        A SHA-256 hex digest.
    """
    return _digest(
        {
            "shared": shared,
            "notebook": sha256_file(job.source),
            "parameters": parameters_fingerprint(job.parameters),
        }
    )


def reusable_executions(
    previous: Path, keys: dict[str, str], processed: Path
) -> dict[str, ReusableExecution]:
    """The executions of the last published run that this run's jobs can re-use.

    Args:
        previous: The published folder this run replaces (``out/<period>``); it may not exist.
        keys: Report name (``01_caseloads``, ``teams/north``) -> this run's execution key.
        processed: The processed folder the notebooks read (every file is checked against
            its recorded hash before anything is re-used).

    Returns:
        Report name -> the execution to re-use; empty when nothing can be.
    """
    try:
        manifest = json.loads((Path(previous) / MANIFEST_FILE).read_text("utf-8"))
        records = manifest["notebooks"] if manifest.get("status") == "published" else []
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}
    found: dict[str, ReusableExecution] = {}
    for record in records if isinstance(records, list) else []:
        if not isinstance(record, dict) or record.get("status") != "succeeded":
            continue
        name = str(record.get("report", "")).removesuffix(".html")
        key, executed = record.get("execution_key"), record.get("executed_sha256")
        if not name or key is None or key != keys.get(name) or not isinstance(executed, str):
            continue
        path = Path(previous) / "notebooks" / f"{name}.ipynb"
        if path.is_file() and sha256_file(path) == executed:
            found[name] = ReusableExecution(path, executed)
    if found and storage.damaged_files(processed):
        # Re-using needs the processed files to be the ones the keys were made from.
        logger.info("Processed files differ from their recorded hashes: executing every notebook")
        return {}
    return found


def find_reusable(
    config: RunConfig, jobs: list[NotebookJob], period_end: pd.Timestamp, shared: str
) -> tuple[dict[str, str], dict[str, ReusableExecution]]:
    """Key every job of a run, and find the executions of the last published run to re-use.

    ``--fresh-ingest`` re-uses nothing: it is the way to rebuild everything from scratch.

    Args:
        config: The run's parameters.
        jobs: The run's notebooks.
        period_end: The period the run publishes.
        shared: ``run_inputs_fingerprint`` of the run.

    Returns:
        Report name -> execution key, and report name -> the execution to re-use.
    """
    keys = {job.output_name: execution_key(job, shared) for job in jobs}
    if config.fresh_ingest:
        return keys, {}
    previous = config.out / config.publish_name(period_end)
    reusable = reusable_executions(previous, keys, config.processed_dir)
    if reusable:
        progress_logger.info(
            "Re-using %d of %d executed notebook(s) from the last run: their notebook, "
            "parameters, processed data and code have not changed",
            len(reusable),
            len(jobs),
        )
    return keys, reusable


def reuse_execution(
    job: NotebookJob,
    reusable: ReusableExecution,
    key: str,
    executed_path: Path,
    build: Path,
    config: RunConfig,
    period_end: pd.Timestamp,
    started_at: datetime,
) -> NotebookOutcome:
    """Take a notebook the last run executed on the same inputs, and render its page again.

    Args:
        job: The notebook job.
        reusable: The last run's execution (``reusable_executions``).
        key: The job's execution key, recorded again in this run's manifest.
        executed_path: Where this build keeps the executed notebook.
        build: The build folder.
        config: The run's parameters.
        period_end: The period reported on.
        started_at: When this run started (the page says so).

    Returns:
        The outcome, marked re-used.
    """
    executed_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(reusable.path, executed_path)
    notebook = nbformat.read(executed_path, as_version=4)
    outcome = write_report_page(job, notebook, None, build, config, period_end, started_at, 0.0)
    outcome.reused = True
    outcome.execution_key = key
    outcome.executed_sha256 = reusable.sha256
    return outcome
