"""Kernels: this interpreter, never shared between notebooks, stopped when done, on any OS."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import NoSuchKernel
from kernel_server import shared_server
from nbformat.v4 import new_code_cell, new_notebook

from csc_metrics.report.execute import NotebookJob, execute_job
from csc_metrics.report.forkserver import fork_server_supported, kernel_env
from csc_metrics.report.kernels import KERNEL_NAME, KernelPool, ProjectKernelSpecManager

MODES = [
    pytest.param(
        True,
        id="forked",
        marks=pytest.mark.skipif(not fork_server_supported(), reason="Linux only"),
    ),
    pytest.param(False, id="new-process"),
]


def pool(tmp_path: Path, ahead: int, fork: bool) -> KernelPool:
    """A pool whose kernels are forked from this process's warm server, or new processes.

    The forked kernels come from the shared server (tests/kernel_server.py), as ``csc-metrics
    run`` lends the pool the server it started: the pool must stop its kernels itself, since
    the server outlives it. (A pool starting a server of its own: the runner tests.)
    """
    if fork:
        return KernelPool(cwd=tmp_path, ahead=ahead, server=shared_server())
    return KernelPool(cwd=tmp_path, ahead=ahead, fork=False)


def notebook_file(folder: Path, name: str, *sources: str) -> Path:
    path = folder / name
    nbformat.write(new_notebook(cells=[new_code_cell(s) for s in sources]), path)
    return path


def stdout_of(notebook) -> str:
    return "".join(
        o.get("text", "")
        for c in notebook.cells
        for o in c.get("outputs", [])
        if o.get("name") == "stdout"
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.parametrize("fork", MODES)
def test_a_kernel_runs_this_interpreter_and_notebooks_share_nothing(tmp_path, fork):
    first = notebook_file(tmp_path, "a.ipynb", "import sys\nleft_behind = 1\nprint(sys.executable)")
    second = notebook_file(tmp_path, "b.ipynb", "print('left_behind' in globals())")
    with pool(tmp_path, 2, fork) as kernels:
        kernels.add_demand(2)
        results = []
        for path in (first, second):
            kernel = kernels.acquire()
            try:
                job = NotebookJob(source=path, output_name=path.stem, parameters={"x": 1})
                results.append(
                    execute_job(job, kernel, tmp_path / "out" / path.name, cell_timeout=60)
                )
            finally:
                kernels.discard(kernel)
    assert [r.failure for r in results] == [None, None]
    assert stdout_of(results[0].notebook).strip() == sys.executable
    assert stdout_of(results[1].notebook).strip() == "False"


@pytest.mark.slow
@pytest.mark.parametrize("fork", MODES)
def test_a_discarded_kernel_process_is_gone(tmp_path, fork):
    with pool(tmp_path, 1, fork) as kernels:
        kernels.add_demand(1)
        kernel = kernels.acquire()
        pid = kernel.manager.provisioner.pid
        assert alive(pid)
        kernels.discard(kernel)
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid)


@pytest.mark.slow
def test_kernels_started_ahead_but_never_used_are_stopped_on_close(tmp_path):
    # From a server that outlives the pool (where kernels are forked), so that only the pool's
    # close can have stopped the unused kernel: a server's own end stops its kernels too.
    with pool(tmp_path, 2, fork_server_supported()) as kernels:
        kernels.add_demand(2)
        kernel = kernels.acquire()  # the second kernel is started but never handed out
        kernels.discard(kernel)
        deadline = time.monotonic() + 30
        while len(kernels.kernel_pids) < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        [unused] = kernels.kernel_pids
    deadline = time.monotonic() + 5
    while alive(unused) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(unused)


def test_the_kernelspec_manager_knows_only_this_interpreter():
    manager = ProjectKernelSpecManager()
    assert manager.get_kernel_spec(KERNEL_NAME).argv[0] == sys.executable
    with pytest.raises(NoSuchKernel):
        manager.get_kernel_spec("python3")


def test_a_relative_pythonpath_is_made_absolute_for_kernels(monkeypatch, tmp_path):
    # Kernels start in the notebooks folder, where PYTHONPATH=src would point nowhere.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", "src")
    assert kernel_env()["PYTHONPATH"] == str(tmp_path / "src")


@pytest.mark.slow
@pytest.mark.skipif(not fork_server_supported(), reason="Linux only")
def test_a_stopped_fork_server_says_so_instead_of_hanging():
    from csc_metrics.report.forkserver import ForkServer, KernelStartError

    server = ForkServer(modules=())
    server.close()
    with pytest.raises(KernelStartError, match="the kernel fork server failed"):
        server.spawn(["-f", "/nonexistent.json"], cwd=None, log=None)


@pytest.mark.slow  # starts a fork server and waits a second on purpose (2 s of wall time)
@pytest.mark.skipif(not fork_server_supported(), reason="Linux only")
def test_a_call_runs_its_after_sending_hook_while_the_server_works():
    # The run starts its background threads once the preparation is asked for, not before
    # (they would take the GIL it needs to ask), and not after the answer (they would wait).
    from csc_metrics.report.forkserver import ForkServer

    server = ForkServer(modules=())
    try:
        began = time.monotonic()
        hooked: list[float] = []
        answer = server.call(
            "subprocess:getoutput",
            after_sending=lambda: hooked.append(time.monotonic() - began),
            cmd="sleep 1",
        )
        total = time.monotonic() - began
    finally:
        server.close()
    assert answer == ""
    assert len(hooked) == 1
    assert hooked[0] < 0.5 and total >= 1.0


def test_the_after_sending_hook_is_called_even_when_the_server_has_stopped():
    from csc_metrics.report.forkserver import ForkServer, ServerCallError

    server = ForkServer(modules=())
    server.close()
    hooked: list[str] = []
    with pytest.raises(ServerCallError):
        server.call("json:dumps", after_sending=lambda: hooked.append("called"), obj=1)
    assert hooked == ["called"]
