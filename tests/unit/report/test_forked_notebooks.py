"""Notebooks executed in children forked from the kernel server, without a kernel
(``report.forked_notebooks`` on the run's side, ``report.shell_engine`` in the child)."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import nbformat
import pytest
from kernel_server import shared_server
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from csc_metrics.report.execute import NotebookJob, execute_job
from csc_metrics.report.forked_notebooks import (
    ENGINE_VARIABLE,
    ChildRegistry,
    execute_job_forked,
    notebook_engine,
)
from csc_metrics.report.forkserver import fork_server_supported
from csc_metrics.report.kernels import KernelPool

ADDRESS = re.compile(r"0x[0-9a-f]+")

forking = pytest.mark.skipif(not fork_server_supported(), reason="Linux only")

#: Every kind of output a kernel sends: streams, displays, a custom mimetype, a last value,
#: a display updated by its id, a figure the inline backend shows at the end of its cell.
OUTPUT_CELLS = (
    "print('to stdout'); print('again')",
    "import sys\nsys.stderr.write('to stderr\\n')",
    "from IPython.display import HTML, display\ndisplay(HTML('<b>bold</b>'))",
    "display({'application/vnd.test+json': {'pair': (1, 2)}, 'text/plain': 'x'}, raw=True)",
    "41 + 1",
    "handle = display('first', display_id='d1')\nhandle.update('second')",
    "import matplotlib.pyplot as plt\nplt.plot([1, 2, 3])",
)


def notebook_file(folder: Path, name: str, *sources: str) -> Path:
    """A notebook with a ``parameters`` cell first, then one code cell per source."""
    parameters = new_code_cell("x = 0", metadata={"tags": ["parameters"]})
    cells = [new_markdown_cell("# Title"), parameters, *(new_code_cell(s) for s in sources)]
    path = folder / name
    nbformat.write(new_notebook(cells=cells), path)
    return path


def job(path: Path) -> NotebookJob:
    return NotebookJob(source=path, output_name=path.stem, parameters={"x": 1})


def forked(path: Path, out: Path, **options):
    return execute_job_forked(
        job(path),
        shared_server(),
        out / path.name,
        cell_timeout=options.pop("timeout", 60),
        **options,
    )


def on_kernel(path: Path, out: Path):
    with KernelPool(cwd=path.parent, ahead=1, server=shared_server()) as kernels:
        kernels.add_demand(1)
        kernel = kernels.acquire()
        try:
            return execute_job(job(path), kernel, out / path.name, cell_timeout=60)
        finally:
            kernels.discard(kernel)


def outputs(notebook) -> list:
    # Figures are compared by kind only (a PNG's bytes are the renderer's), and reprs without
    # their objects' memory addresses.
    def shown(output):
        data = {
            mimetype: ADDRESS.sub("0x?", value) if isinstance(value, str) else value
            for mimetype, value in output.get("data", {}).items()
        }
        if "image/png" in data:
            data["image/png"] = "<png>"
        return {**output, "data": data} if "data" in output else dict(output)

    return [
        (c.get("execution_count"), [shown(o) for o in c.get("outputs", [])]) for c in notebook.cells
    ]


@pytest.mark.slow
@forking
def test_a_forked_notebook_has_the_outputs_a_kernel_gives(tmp_path):
    path = notebook_file(tmp_path, "outputs.ipynb", *OUTPUT_CELLS)
    by_kernel = on_kernel(path, tmp_path / "kernel")
    by_child = forked(path, tmp_path / "forked")
    assert (by_kernel.failure, by_child.failure) == (None, None)
    assert outputs(by_child.notebook) == outputs(by_kernel.notebook)
    # The cells of the executed notebook: markdown, parameters, papermill's, then the 7 above.
    assert [c.get("execution_count") for c in by_child.notebook.cells] == [None, *range(1, 10)]


@pytest.mark.slow
@forking
def test_the_executed_notebook_carries_papermills_metadata(tmp_path):
    path = notebook_file(tmp_path, "meta.ipynb", "y = x + 1")
    result = forked(path, tmp_path / "out")
    saved = nbformat.read(tmp_path / "out" / "meta.ipynb", as_version=4)
    assert saved.metadata.papermill.parameters == {"x": 1}
    assert saved.metadata.language_info.name == "python"
    assert [c.metadata.papermill.status for c in saved.cells] == ["completed"] * 4
    assert "injected-parameters" in saved.cells[2].metadata.tags
    assert result.notebook.cells[3].execution_count == 3


@pytest.mark.slow
@forking
def test_a_failing_cell_is_reported_as_a_kernel_reports_it(tmp_path):
    path = notebook_file(tmp_path, "fails.ipynb", "y = 1", "{}['decom']", "never = 1")
    by_kernel = on_kernel(path, tmp_path / "kernel")
    by_child = forked(path, tmp_path / "forked")
    # Cell 4 of the source (markdown, parameters, y = 1, then the failing one).
    assert by_child.failure == by_kernel.failure
    assert (by_child.failure.cell_number, by_child.failure.error_type) == (4, "KeyError")
    assert by_child.failure.message == "'decom'"
    # papermill puts a cell saying where it failed first, as with a kernel.
    assert outputs(by_child.notebook) == outputs(by_kernel.notebook)
    errors = [o for c in by_child.notebook.cells for o in c.get("outputs", [])]
    assert [o.ename for o in errors if o.output_type == "error"] == ["KeyError"]
    assert by_child.notebook.cells[-1].get("execution_count") is None  # nothing ran after it


@pytest.mark.slow
@forking
def test_notebooks_forked_one_after_another_share_nothing(tmp_path):
    first = notebook_file(tmp_path, "a.ipynb", "left_behind = 1")
    second = notebook_file(tmp_path, "b.ipynb", "print('left_behind' in globals())")
    forked(first, tmp_path / "out")
    result = forked(second, tmp_path / "out")
    assert result.notebook.cells[3].outputs[0].text == "False\n"


@pytest.mark.slow
@forking
def test_a_cell_over_the_time_limit_is_stopped_and_earlier_outputs_kept(tmp_path):
    path = notebook_file(tmp_path, "slow.ipynb", "print('before')", "import time; time.sleep(60)")
    began = time.monotonic()
    result = forked(path, tmp_path / "out", timeout=1)
    assert time.monotonic() - began < 20
    assert (result.failure.cell_number, result.failure.error_type) == (4, "Timeout")
    assert result.failure.message == "the cell ran for more than 1 s"
    assert result.notebook.cells[3].outputs[0].text == "before\n"


@pytest.mark.slow
@forking
def test_a_cell_deaf_to_the_alarm_is_killed_once_past_the_limit(tmp_path):
    deaf = (
        "import signal, time\n"
        "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})\n"
        "time.sleep(60)"
    )
    path = notebook_file(tmp_path, "deaf.ipynb", deaf)
    began = time.monotonic()
    result = forked(path, tmp_path / "out", timeout=1, kill_grace=1)
    assert time.monotonic() - began < 20
    assert (result.failure.cell_number, result.failure.error_type) == (3, "Timeout")
    assert result.failure.cell_summary == "import signal, time"


@pytest.mark.slow
@forking
def test_a_child_that_dies_is_reported_at_the_cell_it_was_running(tmp_path):
    path = notebook_file(tmp_path, "dies.ipynb", "y = 1", "import os\nos.kill(os.getpid(), 9)")
    result = forked(path, tmp_path / "out")
    assert (result.failure.cell_number, result.failure.error_type) == (4, "KernelDied")
    assert result.failure.cell_summary == "import os"
    assert result.notebook is None


@pytest.mark.slow
@forking
def test_killing_the_registered_children_stops_a_running_notebook(tmp_path):
    path = notebook_file(tmp_path, "long.ipynb", "import time; time.sleep(60)")
    children = ChildRegistry()
    results = []
    worker = threading.Thread(
        target=lambda: results.append(forked(path, tmp_path, children=children))
    )
    began = time.monotonic()
    worker.start()
    while not children._pids and time.monotonic() - began < 20:
        time.sleep(0.02)
    children.kill_all()
    worker.join(timeout=20)
    assert time.monotonic() - began < 20
    assert results[0].failure.error_type == "KernelDied"


def test_a_child_registered_after_kill_all_is_killed_at_once(monkeypatch):
    killed = []
    monkeypatch.setattr("csc_metrics.report.forked_notebooks._kill_group", killed.append)
    children = ChildRegistry()
    children.add(101)
    children.kill_all()
    children.add(202)
    assert killed == [101, 202]


@pytest.mark.parametrize(
    ("value", "engine"),
    [(None, "forked"), ("kernel", "kernel"), (" Kernel ", "kernel"), ("x", "forked")],
)
def test_notebooks_run_forked_unless_the_variable_asks_for_kernels(monkeypatch, value, engine):
    if value is None:
        monkeypatch.delenv(ENGINE_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(ENGINE_VARIABLE, value)
    assert notebook_engine() == engine
