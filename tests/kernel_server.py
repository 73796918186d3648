"""Warm kernel fork servers, one per test process and use: the fixture-notebook runs, nbval.

``csc-metrics run`` forks each notebook's kernel from a warm server (``report/forkserver.py``)
that has imported pandas, matplotlib and the package once: about 2.5 s of CPU. Every
``run_suite`` without a server starts its own, so the runner, CLI and re-use tests, which run
small fixture notebooks many times, spent most of their CPU importing the same libraries again.
They pass this process's shared server instead (``run_suite(fork_server=...)``, the seam the
command line itself uses); the tests that check how a run starts its own server, or whose
environment differs from the session's, keep starting their own.

nbval (``make test``) starts each committed notebook's kernel as a new Python that imports
everything itself. ``start_new_kernel`` below, which ``tests/conftest.py`` puts in nbval's
place, forks the kernel from a server of nbval's own instead: a fresh kernel per notebook,
running the committed notebook with its own default parameters, from a server that has only
imported the libraries and done the warm-up (``forkserver.WARM_CALLS``), as every run's server
has before its report data are prepared. It is not the runs' server, in which each run
prepares its report context: nbval's kernels inherit nothing of any run.
"""

from __future__ import annotations

import atexit
import contextlib
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from csc_metrics.report.forkserver import ForkServer

#: The servers started in this process, by use ("runs", "nbval"); None where not forking.
_servers: dict[str, ForkServer | None] = {}
#: nbval's own ``start_new_kernel``, used where kernels cannot be forked.
_nbval_own: Any = None


def shared_server(use: str = "runs") -> ForkServer | None:
    """This process's warm fork server for ``use``, started at the first call (None where
    forking is not supported: each run then starts kernels its own way)."""
    if use not in _servers:
        from csc_metrics.report.forkserver import ForkServer, fork_server_supported

        server = ForkServer() if fork_server_supported() else None
        _servers[use] = server
        if server is not None:
            atexit.register(server.close)
    return _servers[use]


@contextlib.contextmanager
def server_in_this_environment() -> Iterator[ForkServer | None]:
    """A fork server of its own, started in the environment as it is now (the key set by the
    test, say), for several runs; closed at the end. None where kernels are not forked."""
    from csc_metrics.report.forkserver import ForkServer, fork_server_supported

    server = ForkServer() if fork_server_supported() else None
    try:
        yield server
    finally:
        if server is not None:
            server.close()


class BorrowedServer:
    """The shared server, lent to code that closes the server it is given (the command line's
    ``run``): everything passes through but ``close``, which leaves it running."""

    def __init__(self, server: ForkServer) -> None:
        self._server = server

    def __getattr__(self, name: str) -> Any:
        return getattr(self._server, name)

    def close(self) -> None:
        """Leave the shared server running for the next test."""


@contextlib.contextmanager
def lent_to_the_command_line(server: ForkServer | None = None) -> Iterator[None]:
    """While open, ``csc-metrics run`` called in this process forks from the shared server.

    The command starts a server of its own and closes it when the run ends; it is lent the
    shared one (or ``server``) instead, which it cannot close (``BorrowedServer``).
    """
    from csc_metrics.report import forkserver

    server = server or shared_server()
    with pytest.MonkeyPatch.context() as patch:
        if server is not None:
            patch.setattr(forkserver, "start_fork_server", lambda: BorrowedServer(server))
        yield


def start_new_kernel(startup_timeout: float = 60, kernel_name: str = "python", **kwargs: Any):
    """nbval's ``start_new_kernel``, forking the kernel from nbval's server.

    Same contract as ``nbval.kernel.start_new_kernel``: returns a started kernel's manager and
    a client whose channels are running, ready. Without a fork server, nbval's own.
    """
    from jupyter_client.manager import KernelManager
    from nbval.kernel import CURRENT_ENV_KERNEL_NAME

    from csc_metrics.report.forkserver import kernel_env
    from csc_metrics.report.kernels import (
        KERNEL_NAME,
        ForkServerProvisioner,
        ProjectKernelSpecManager,
    )

    # Only nbval's kernel of this interpreter (--nbval-current-env) is the server's Python.
    server = shared_server("nbval") if kernel_name == CURRENT_ENV_KERNEL_NAME else None
    if server is None:
        return _nbval_own(startup_timeout=startup_timeout, kernel_name=kernel_name, **kwargs)
    manager = KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=ProjectKernelSpecManager())
    manager.kernel_id = str(uuid.uuid4())
    provisioner = ForkServerProvisioner(
        kernel_id=manager.kernel_id, kernel_spec=manager.kernel_spec, parent=manager
    )
    provisioner.server = server
    manager.provisioner = provisioner
    manager.start_kernel(cwd=kwargs.get("cwd"), env=kernel_env())
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=startup_timeout)
    except RuntimeError:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
        raise
    return manager, client


def install_in_nbval() -> None:
    """Make nbval start its kernels with ``start_new_kernel`` (once per process)."""
    global _nbval_own
    import nbval.kernel

    if nbval.kernel.start_new_kernel is not start_new_kernel:
        _nbval_own = nbval.kernel.start_new_kernel
        nbval.kernel.start_new_kernel = start_new_kernel
