"""Run a report notebook in a child forked from the kernel server, and wait for it.

The run's side of ``report.shell_engine`` (which the child runs): it asks the fork server for a
child executing one notebook, watches it (a pidfd, so no polling), kills it if a cell runs far
past the time limit where the child's own alarm could not stop it, and reads how it ended. A
child that leaves no result died (out of memory, or killed): the failure names the cell it was
running, from the progress file the child rewrites as each cell starts.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from csc_metrics.report.execute import (
    KERNEL_DIED_MESSAGE,
    CellFailure,
    ExecutionResult,
    NotebookJob,
    cell_summary,
    execute_job,
    injected_cell_index,
    source_cell_number,
)
from csc_metrics.report.forkserver import ForkServer
from csc_metrics.report.kernels import KernelPool

#: Set to ``kernel`` to run every notebook on a Jupyter kernel even where the run could fork
#: it (to compare the two, or if a notebook ever needs something only a kernel offers).
ENGINE_VARIABLE = "CSC_METRICS_NOTEBOOK_ENGINE"

#: How long past the cell time limit the run waits before it kills a child whose cell the alarm
#: could not stop (a long call inside a C library, which checks for signals only when it ends).
KILL_GRACE_SECONDS = 30


def notebook_engine() -> str:
    """``forked`` (the default: notebooks run in children of the fork server) or ``kernel``."""
    chosen = os.environ.get(ENGINE_VARIABLE, "").strip().lower()
    return "kernel" if chosen == "kernel" else "forked"


def forks_notebooks(pool: KernelPool) -> bool:
    """Whether a run with this pool runs notebooks in children of its server, not on kernels."""
    return pool.server is not None and notebook_engine() == "forked"


def execute_on_pool(
    job: NotebookJob,
    pool: KernelPool,
    executed_path: Path,
    cell_timeout: int,
    children: ChildRegistry | None = None,
) -> ExecutionResult:
    """Execute one notebook: in a child forked from the pool's server, else on a kernel.

    Raises:
        KernelStartError: No child or kernel could be started.
    """
    server = pool.server
    if server is not None and notebook_engine() == "forked":
        return execute_job_forked(
            job, server, executed_path, cell_timeout=cell_timeout, children=children
        )
    kernel = pool.acquire()
    try:
        return execute_job(job, kernel, executed_path, cell_timeout=cell_timeout)
    finally:
        pool.discard(kernel)


def failure_from_record(record: dict[str, Any] | None) -> CellFailure | None:
    """The ``CellFailure`` a child's result file describes (None: the notebook succeeded)."""
    return CellFailure(**record) if record else None


def execute_job_forked(
    job: NotebookJob,
    server: ForkServer,
    executed_path: Path,
    *,
    cell_timeout: int,
    children: ChildRegistry | None = None,
    kill_grace: float = KILL_GRACE_SECONDS,
) -> ExecutionResult:
    """Execute a notebook in a child forked from the kernel server (see the module).

    Never raises for a problem inside the notebook, as ``execute.execute_job``: a failing
    cell, a cell over the time limit, or a child that dies all come back as a ``CellFailure``.

    Args:
        job: The notebook and its parameters.
        server: The run's fork server, holding the report data.
        executed_path: Where the executed ``.ipynb`` is saved.
        cell_timeout: Seconds one cell may run.
        children: Told of the child while it runs, so that an interrupted run can stop it.
        kill_grace: Seconds past the cell time limit after which the child is killed.

    Returns:
        The executed notebook, the failure if any, and the wall time.

    Raises:
        KernelStartError: The server could not fork the child.
    """
    began = time.perf_counter()
    executed_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="csc-notebook-") as scratch:
        result_path = Path(scratch) / "result.json"
        progress_path = Path(scratch) / "progress.json"
        progress_path.touch()
        pid = server.run_notebook(
            {
                "source": str(Path(job.source).resolve()),
                "output_name": job.output_name,
                "parameters": job.parameters,
                "team": job.team,
                "executed_path": str(executed_path),
                "cell_timeout": cell_timeout,
                "result_path": str(result_path),
                "progress_path": str(progress_path),
            },
            cwd=str(Path(job.source).resolve().parent),
        )
        if children is not None:
            children.add(pid)
        try:
            overran = _wait_for(pid, progress_path, cell_timeout + kill_grace)
        finally:
            if children is not None:
                children.discard(pid)
        if result_path.is_file() and not overran:
            record = json.loads(result_path.read_text(encoding="utf-8"))
            failure = failure_from_record(record.get("failure"))
            notebook = _read_executed(executed_path)
        else:
            failure = _failure_of_lost_child(job, progress_path, overran, cell_timeout)
            notebook = None
    return ExecutionResult(
        notebook=notebook,
        failure=failure,
        seconds=time.perf_counter() - began,
        executed_path=executed_path,
    )


class ChildRegistry:
    """The notebook children running now, so that an interrupted run can kill them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pids: set[int] = set()
        self._closed = False

    def add(self, pid: int) -> None:
        """Remember a running child (killed at once if the registry is already closed)."""
        with self._lock:
            closed = self._closed
            if not closed:
                self._pids.add(pid)
        if closed:
            _kill_group(pid)

    def discard(self, pid: int) -> None:
        """Forget a child that has ended."""
        with self._lock:
            self._pids.discard(pid)

    def kill_all(self) -> None:
        """Kill every running child, and any started after this."""
        with self._lock:
            self._closed = True
            pids, self._pids = self._pids, set()
        for pid in pids:
            _kill_group(pid)


def _kill_group(pid: int) -> None:
    # The child starts its own session, so its group is its pid (whatever it started too);
    # and the child itself, in case it has not yet started its session.
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)


def _wait_for(pid: int, progress_path: Path, cell_limit: float) -> bool:
    """Wait until the child ends; kill it if one cell runs past ``cell_limit`` seconds.

    The child is the fork server's, not this process's, so it is watched through a pidfd
    (or, where there is none, by polling).

    Returns:
        Whether the child was killed for running over the limit.
    """
    try:
        watch = os.pidfd_open(pid)
    except (AttributeError, OSError):
        watch = None
    try:
        while True:
            if watch is not None:
                ready, _, _ = select.select([watch], [], [], 1.0)
                if ready:
                    return False
            else:
                try:
                    os.kill(pid, 0)
                except (ProcessLookupError, PermissionError):
                    return False
                time.sleep(0.02)
            started = _progress(progress_path).get("started")
            if isinstance(started, int | float) and time.time() - started > cell_limit:
                _kill_group(pid)
                return True
    finally:
        if watch is not None:
            os.close(watch)


def _progress(progress_path: Path) -> dict[str, Any]:
    try:
        record = json.loads(progress_path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _failure_of_lost_child(
    job: NotebookJob, progress_path: Path, overran: bool, cell_timeout: int
) -> CellFailure:
    """Where a child that left no result was (it died, or was killed for the time limit)."""
    index = _progress(progress_path).get("cell_index")
    source = nbformat.read(job.source, as_version=4)
    injected = injected_cell_index(source)
    number = source_cell_number(index, injected) if isinstance(index, int) else None
    summary = ""
    if number is not None and 0 < number <= len(source.cells):
        summary = cell_summary(source.cells[number - 1].get("source", ""))
    if overran:
        return CellFailure(
            number, "Timeout", f"the cell ran for more than {cell_timeout} s", summary
        )
    return CellFailure(number, "KernelDied", KERNEL_DIED_MESSAGE, summary)


def _read_executed(path: Path) -> NotebookNode | None:
    if not path.is_file():
        return None
    return nbformat.read(path, as_version=4)
