"""Execute a report notebook in a process forked from the kernel server, without a kernel.

A kernel costs every notebook more than its own cells: the kernel application starting in the
forked child, then every cell's request, outputs and reply sent over sockets, serialised by the
kernel and parsed again by the run (``nbclient``), while the run's one process serves every
notebook in flight. On two cores, for a county's 22 team pages, that was several seconds.

So where the run has a fork server, each notebook runs in a child forked from it (with the
report data already in memory, like a kernel) that executes the cells itself: papermill
parameterises the notebook and records its metadata as always, through the engine below, and
each cell runs in an IPython shell of the child's own. The outputs are made exactly as a kernel
and ``nbclient`` make them: the same display formatter, the same message content put through the
same JSON packing, turned into notebook outputs by the same ``nbformat.v4.output_from_msg``.
What the notebook shows is therefore the same, byte for byte.

The child writes the executed notebook where the run asked, and a small result file saying how
it ended (``report.execute.execute_job_forked`` reads it). A cell over the time limit is stopped
by an alarm in the child; a child that dies (out of memory) leaves no result, and the run says
so. Where forking is not available the run uses kernels as before (``report.kernels``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import signal
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import nbformat
from ipykernel.compiler import XCachingCompiler
from ipykernel.ipkernel import IPythonKernel
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from jupyter_client.session import json_packer, json_unpacker
from nbclient.exceptions import CellExecutionError, CellTimeoutError
from nbformat.v4 import new_notebook, output_from_msg
from papermill.engines import Engine, papermill_engines
from traitlets.config import Config

from csc_metrics.report.execute import NotebookJob, execute_with_papermill

#: The name papermill knows this engine by.
ENGINE_NAME = "csc-metrics-shell"


class CellTimedOut(BaseException):
    """Raised in a cell by the alarm when it runs over the time limit.

    A ``BaseException``, so that a notebook's ``except Exception`` cannot swallow it.
    """


def _message_output(msg_type: str, content: dict[str, Any]) -> Any:
    """A notebook output from a message's content, as a kernel and nbclient would make it."""
    # The kernel sends the content as JSON and the run parses it: the same round trip here
    # gives the same values (bytes become base64 text, tuples lists, keys strings).
    cleaned = json_unpacker(json_packer(content))
    return output_from_msg({"header": {"msg_type": msg_type}, "content": cleaned})


class _Outputs:
    """The outputs of the cell being executed, in the order they were made."""

    def __init__(self) -> None:
        self.cell_outputs: list[Any] = []
        self.clear_before_next = False
        # display_id -> the outputs showing it (update_display_data replaces them in place).
        self.by_display_id: dict[str, list[Any]] = {}

    def start_cell(self, outputs: list[Any]) -> None:
        self.cell_outputs = outputs
        self.clear_before_next = False

    def add(self, output: Any, display_id: str | None = None) -> None:
        if self.clear_before_next:
            self.cell_outputs[:] = []
            self.clear_before_next = False
        self.cell_outputs.append(output)
        if display_id:
            self.by_display_id.setdefault(display_id, []).append(output)

    def write_stream(self, name: str, text: str) -> None:
        if not text:
            return
        last = self.cell_outputs[-1] if self.cell_outputs else None
        if (
            not self.clear_before_next
            and last is not None
            and last.get("output_type") == "stream"
            and last.get("name") == name
        ):
            last["text"] += text
            return
        self.add(_message_output("stream", {"name": name, "text": text}))


#: The outputs of the cell being executed in this process (one notebook per process).
OUTPUTS = _Outputs()


class _StreamWriter(io.TextIOBase):
    """``sys.stdout``/``sys.stderr`` while a cell runs: what is written becomes its output."""

    def __init__(self, name: str) -> None:
        self.name_of_stream = name

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        OUTPUTS.write_stream(self.name_of_stream, str(text))
        return len(text)

    def isatty(self) -> bool:
        return False


class _Publisher(DisplayPublisher):
    """Turns ``display(...)`` into ``display_data`` outputs, as a kernel would send them."""

    def publish(
        self,
        data: dict[str, Any],
        metadata: dict[str, Any] | None = None,
        source: Any = None,
        *,
        transient: dict[str, Any] | None = None,
        update: bool = False,
        **_: Any,
    ) -> None:
        content = {"data": data, "metadata": metadata or {}, "transient": transient or {}}
        output = _message_output("display_data", content)
        display_id = (transient or {}).get("display_id")
        if update and display_id:
            # nbclient replaces every output showing this display id.
            for shown in OUTPUTS.by_display_id.get(display_id, []):
                shown["data"], shown["metadata"] = output["data"], output["metadata"]
            return
        OUTPUTS.add(output, display_id)

    def clear_output(self, wait: bool = False) -> None:
        if wait:
            OUTPUTS.clear_before_next = True
        else:
            OUTPUTS.cell_outputs[:] = []


class _Hook(DisplayHook):
    """Turns a cell's last value into an ``execute_result`` output."""

    def start_displayhook(self) -> None:
        self._result: dict[str, Any] = {"data": {}, "metadata": {}}

    def write_output_prompt(self) -> None:
        return None

    def write_format_data(
        self, format_dict: dict[str, Any], md_dict: dict[str, Any] | None = None
    ) -> None:
        self._result = {"data": format_dict, "metadata": md_dict or {}}

    def finish_displayhook(self) -> None:
        if self._result["data"]:
            content = {**self._result, "execution_count": self.prompt_count}
            OUTPUTS.add(_message_output("execute_result", content))
        self._result = {"data": {}, "metadata": {}}


class _Shell(InteractiveShell):
    """An IPython shell whose outputs become notebook outputs."""

    display_pub_class = _Publisher
    displayhook_class = _Hook
    #: The error of the cell just executed, as a kernel would send it.
    last_error: dict[str, Any] | None = None

    def _showtraceback(self, etype: type, evalue: BaseException, stb: list[str]) -> None:
        if isinstance(evalue, CellTimedOut):
            return  # not the notebook's error: the run reports the time limit itself
        error = {"traceback": stb, "ename": str(etype.__name__), "evalue": str(evalue)}
        self.last_error = error
        OUTPUTS.add(_message_output("error", error))


def _new_shell() -> _Shell:
    config = Config()
    # Like the run's kernels: no history file written anywhere.
    config.HistoryManager.enabled = False
    # A kernel's compiler (cells named as files), so that tracebacks read as a kernel's do.
    return _Shell.instance(config=config, compiler_class=XCachingCompiler)


def _timestamp() -> str:
    """Now, as nbclient records a message's time in a cell's ``execution`` metadata."""
    return dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")


class ShellEngine(Engine):
    """The papermill engine that runs each cell in this process's shell."""

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man: Any,
        kernel_name: str,
        execution_timeout: int | None = None,
        on_notebook_start: Any = None,
        on_cell_start: Any = None,
        **_: Any,
    ) -> None:
        """Execute the cells in order, recording what papermill records, up to an error.

        Raises:
            CellTimeoutError: A cell ran longer than ``execution_timeout`` seconds.
        """
        shell = _new_shell()
        notebook = nb_man.nb
        # The hooks nbclient would call (report.execute tracks the cell being run).
        if on_notebook_start is not None:
            on_notebook_start(notebook=notebook)
        for index, cell in enumerate(notebook.cells):
            try:
                nb_man.cell_start(cell, index)
                if on_cell_start is not None:
                    on_cell_start(cell=cell, cell_index=index)
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                error = _run_cell(shell, cell, execution_timeout)
                if error is not None:
                    raise CellExecutionError(
                        "\n".join(error["traceback"]), error["ename"], error["evalue"]
                    )
            except CellTimedOut:
                raise CellTimeoutError.error_from_timeout_and_cell(
                    "Cell execution timed out", execution_timeout or 0, cell
                ) from None
            except CellExecutionError as error:
                nb_man.cell_exception(notebook.cells[index], cell_index=index, exception=error)
                break
            finally:
                nb_man.cell_complete(notebook.cells[index], cell_index=index)
        notebook.metadata["language_info"] = dict(IPythonKernel.language_info)


def _run_cell(shell: _Shell, cell: Any, timeout: int | None) -> dict[str, Any] | None:
    """Execute one code cell; fill its outputs and metadata; return its error, if any.

    Raises:
        CellTimedOut: The cell ran longer than ``timeout`` seconds.
    """
    execution = cell["metadata"]["execution"] = {}
    execution["iopub.status.busy"] = _timestamp()
    cell.outputs = []
    OUTPUTS.start_cell(cell.outputs)
    shell.last_error = None
    cell.execution_count = shell.execution_count
    execution["iopub.execute_input"] = _timestamp()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _StreamWriter("stdout"), _StreamWriter("stderr")
    if timeout:
        signal.setitimer(signal.ITIMER_REAL, float(timeout))
    try:
        result = shell.run_cell(cell.source, store_history=True)
    finally:
        if timeout:
            signal.setitimer(signal.ITIMER_REAL, 0)
        sys.stdout, sys.stderr = saved
    execution["shell.execute_reply"] = _timestamp()
    execution["iopub.status.idle"] = _timestamp()
    if isinstance(result.error_in_exec, CellTimedOut):
        raise result.error_in_exec
    return shell.last_error


def _alarm(signum: int, frame: Any) -> None:
    raise CellTimedOut()


def register_engine() -> None:
    """Make the engine known to papermill (the fork server does this before forking)."""
    papermill_engines.register(ENGINE_NAME, ShellEngine)


def warm_up() -> None:
    """In the fork server, before it forks: what every notebook's child would do first.

    Imports papermill and the shell, registers the engine, and has nbformat build its schema
    validator (it validates every notebook it reads or writes): about 0.3 s of CPU that each
    child would otherwise spend again.
    """
    register_engine()
    nbformat.validate(new_notebook())


def run_notebook(request: dict[str, Any]) -> None:
    """In a child forked from the kernel server: execute one notebook, write how it ended.

    Args:
        request: ``source``, ``output_name``, ``parameters``, ``team``, ``executed_path``,
            ``cell_timeout``, and ``result_path``, where a JSON object is written at the end:
            ``{"failure": {...} or null, "seconds": N}``. ``progress_path``, if given, is
            overwritten with ``{"cell_index": i, "started": t}`` as each cell starts, so that the
            run can say which cell a child that died was running.
    """
    signal.signal(signal.SIGALRM, _alarm)
    register_engine()  # done already where the server warmed up; cheap again
    job = NotebookJob(
        source=Path(request["source"]),
        output_name=str(request["output_name"]),
        parameters=dict(request["parameters"]),
        team=request.get("team"),
    )
    progress_path = request.get("progress_path")
    progress_fd = os.open(progress_path, os.O_WRONLY) if progress_path else None

    def cell_started(cell: Any, cell_index: int, **_: Any) -> None:
        if progress_fd is not None and cell.cell_type == "code":
            record = json.dumps({"cell_index": cell_index, "started": time.time()})
            with contextlib.suppress(OSError):
                os.ftruncate(progress_fd, 0)
                os.pwrite(progress_fd, record.encode("utf-8"), 0)

    result = execute_with_papermill(
        job,
        Path(request["executed_path"]),
        cell_timeout=int(request["cell_timeout"]),
        engine_name=ENGINE_NAME,
        on_cell_start=cell_started,
    )
    record = {
        "failure": asdict(result.failure) if result.failure is not None else None,
        "seconds": result.seconds,
    }
    result_path = Path(request["result_path"])
    temporary = result_path.with_name(result_path.name + ".tmp")
    temporary.write_text(json.dumps(record), encoding="utf-8")
    temporary.replace(result_path)
