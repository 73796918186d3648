"""Execute one report notebook with papermill on a warm kernel, and say where it failed."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from csc_metrics.report.kernels import KERNEL_NAME, WarmKernel

#: Longest error message kept for the log and the landing page.
MAX_MESSAGE_CHARS = 300

#: What a failure says when the process running the notebook died.
KERNEL_DIED_MESSAGE = "the Python kernel stopped while running the cell (out of memory?)"

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_DESCRIPTION = re.compile(r"^#\s*papermill_description=(\S+)")


@dataclass(frozen=True)
class NotebookJob:
    """One notebook to execute and render.

    Attributes:
        source: The notebook file.
        output_name: Path of the rendered report inside the published folder, without the
            ``.html`` suffix (``01_caseloads`` or ``teams/assessment-north``).
        parameters: Values for the notebook's ``parameters`` cell.
        team: The team a per-team report is for.
    """

    source: Path
    output_name: str
    parameters: dict[str, Any]
    team: str | None = None

    @property
    def label(self) -> str:
        """How the job is named in progress lines and messages."""
        return f"{self.source.name} (team {self.team})" if self.team else self.source.name


@dataclass(frozen=True)
class CellFailure:
    """Where and why a notebook stopped.

    Attributes:
        cell_number: 1-based position of the failing cell in the source notebook (as counted in
            JupyterLab), or None when the notebook failed before any cell ran.
        error_type: The exception's name (``KeyError``), or ``Timeout``/``KernelDied``.
        message: The exception's message, shortened and without terminal colours.
        cell_summary: The cell's ``papermill_description`` or first line of code, so an analyst
            can find it.
    """

    cell_number: int | None
    error_type: str
    message: str
    cell_summary: str = ""

    def describe(self) -> str:
        """One line: ``cell 7 (KeyError: 'decom')``."""
        where = f"cell {self.cell_number}" if self.cell_number else "before any cell ran"
        what = f"{self.error_type}: {self.message}" if self.message else self.error_type
        return f"{where} ({what})"


@dataclass
class ExecutionResult:
    """What executing one notebook produced."""

    notebook: NotebookNode | None
    failure: CellFailure | None
    seconds: float
    executed_path: Path | None = None

    @property
    def succeeded(self) -> bool:
        """Whether every cell ran without error."""
        return self.failure is None


def clean_message(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """Strip terminal colours, fold whitespace and shorten an error message."""
    folded = " ".join(_ANSI_ESCAPE.sub("", str(text)).split())
    return folded if len(folded) <= limit else folded[: limit - 1] + "…"


def cell_summary(source: str) -> str:
    """The cell's papermill description, else its first line of code, for finding it."""
    lines = [line.strip() for line in str(source).splitlines() if line.strip()]
    for line in lines:
        match = _DESCRIPTION.match(line)
        if match:
            return match.group(1)
    code = [line for line in lines if not line.startswith("#")]
    first = code[0] if code else (lines[0] if lines else "")
    return first if len(first) <= 80 else first[:79] + "…"


def injected_cell_index(source: NotebookNode) -> int:
    """Where papermill puts its injected-parameters cell: after the ``parameters`` cell."""
    for index, cell in enumerate(source.cells):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return index + 1
    return 0


def source_cell_number(executed_index: int, injected_index: int) -> int:
    """Turn a cell index in the executed notebook into the 1-based cell number of the source.

    The executed notebook has papermill's injected cell at ``injected_index``; cells after it
    are one further on than in the source. An error in the injected cell itself is reported as
    the ``parameters`` cell.
    """
    if executed_index < injected_index:
        return executed_index + 1
    if executed_index == injected_index:
        return max(injected_index, 1)
    return executed_index


class _Tracker:
    """nbclient hooks: remember the notebook object and the cell being executed."""

    def __init__(self, also: Any = None) -> None:
        self.notebook: NotebookNode | None = None
        self.cell_index: int | None = None
        self.cell_source = ""
        self._also = also

    def notebook_started(self, notebook: NotebookNode, **_: Any) -> None:
        self.notebook = notebook

    def cell_started(self, cell: NotebookNode, cell_index: int, **_: Any) -> None:
        self.cell_index = cell_index
        self.cell_source = cell.get("source", "")
        if self._also is not None:
            self._also(cell=cell, cell_index=cell_index)


def execute_job(
    job: NotebookJob,
    kernel: WarmKernel,
    executed_path: Path,
    *,
    cell_timeout: int,
) -> ExecutionResult:
    """Execute a notebook with papermill on a warm kernel.

    Never raises for a problem inside the notebook: a failing cell, a cell over the time
    limit, or a kernel that dies all come back as a ``CellFailure``. The executed notebook
    (with outputs up to the failure) is saved to ``executed_path``.

    Args:
        job: The notebook and its parameters.
        kernel: A warm kernel from the pool; the caller discards it afterwards.
        executed_path: Where to save the executed ``.ipynb``.
        cell_timeout: Seconds one cell may run.

    Returns:
        The executed notebook, the failure if any, and the wall time.
    """
    return execute_with_papermill(
        job, executed_path, cell_timeout=cell_timeout, km=kernel.manager, kernel_name=KERNEL_NAME
    )


def execute_with_papermill(
    job: NotebookJob,
    executed_path: Path,
    *,
    cell_timeout: int,
    on_cell_start: Any = None,
    **engine_options: Any,
) -> ExecutionResult:
    """Execute a notebook with papermill, by whatever engine ``engine_options`` choose.

    ``execute_job`` gives a kernel (papermill's nbclient engine); a child forked from the
    kernel server gives its own engine (``report.shell_engine``). Never raises for a problem
    inside the notebook (see ``execute_job``).

    Args:
        job: The notebook and its parameters.
        executed_path: Where to save the executed ``.ipynb``.
        cell_timeout: Seconds one cell may run.
        on_cell_start: Also called as each cell starts (``cell=..., cell_index=...``).
        **engine_options: ``km`` and ``kernel_name``, or ``engine_name``.

    Returns:
        The executed notebook, the failure if any, and the wall time.
    """
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    source = nbformat.read(job.source, as_version=4)
    injected = injected_cell_index(source)
    tracker = _Tracker(also=on_cell_start)
    executed_path.parent.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    failure: CellFailure | None = None
    notebook: NotebookNode | None = None
    options = {"kernel_name": KERNEL_NAME, **engine_options}
    try:
        notebook = papermill.execute_notebook(
            str(job.source),
            str(executed_path),
            parameters=job.parameters,
            language="python",
            progress_bar=False,
            request_save_on_cell_execute=False,
            execution_timeout=cell_timeout,
            on_notebook_start=tracker.notebook_started,
            on_cell_start=tracker.cell_started,
            **options,
        )
    except PapermillExecutionError as error:
        failure = CellFailure(
            cell_number=source_cell_number(error.cell_index, injected),
            error_type=str(error.ename),
            message=clean_message(error.evalue),
            cell_summary=cell_summary(error.source),
        )
        notebook = nbformat.read(executed_path, as_version=4)
    except (CellTimeoutError, DeadKernelError) as error:
        failure = _failure_at_current_cell(
            tracker,
            injected,
            "Timeout" if isinstance(error, CellTimeoutError) else "KernelDied",
            f"the cell ran for more than {cell_timeout} s"
            if isinstance(error, CellTimeoutError)
            else KERNEL_DIED_MESSAGE,
        )
        notebook = _save_partial(tracker.notebook, executed_path)
        _cancel_pending_tasks()
    except Exception as error:  # any other failure must not stop the other notebooks
        failure = _failure_at_current_cell(
            tracker, injected, type(error).__name__, clean_message(str(error))
        )
        notebook = _save_partial(tracker.notebook, executed_path)
    seconds = time.perf_counter() - began
    return ExecutionResult(
        notebook=notebook, failure=failure, seconds=seconds, executed_path=executed_path
    )


def _failure_at_current_cell(
    tracker: _Tracker, injected: int, error_type: str, message: str
) -> CellFailure:
    number = (
        source_cell_number(tracker.cell_index, injected) if tracker.cell_index is not None else None
    )
    return CellFailure(
        cell_number=number,
        error_type=error_type,
        message=message,
        cell_summary=cell_summary(tracker.cell_source) if number else "",
    )


def _cancel_pending_tasks() -> None:
    # After a timeout or a dead kernel, nbclient leaves its message-polling tasks pending on
    # this thread's event loop; cancel them so nothing complains when the run exits.
    try:
        loop = asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        return
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending and not loop.is_running():
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))


def _save_partial(notebook: NotebookNode | None, path: Path) -> NotebookNode | None:
    if notebook is not None:
        nbformat.write(notebook, path)
    return notebook
