"""Python kernels for the report notebooks: this interpreter, started early and pre-warmed.

Two problems are solved here. First, ``NoSuchKernel``: the kernel is always the Python running
``csc-metrics`` (``sys.executable -m ipykernel_launcher``), whatever kernelspecs are installed
globally, so nothing has to be registered and a fresh virtual environment works. Second, speed:
starting a kernel and importing pandas, matplotlib and seaborn costs one to two seconds per
notebook, so the run starts kernels while ingest is still working and has each one import the
heavy libraries before it is handed a notebook. On Linux the kernels are forked from one warm
"fork server" (``forkserver.py``) that imports those libraries once, so each further kernel costs a
few tenths of a second instead of two seconds; elsewhere each kernel is a new process that imports
them itself. A kernel runs one notebook and is then discarded, so notebooks never share state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from jupyter_client import AsyncKernelClient, AsyncKernelManager
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager, NoSuchKernel
from jupyter_client.provisioning import LocalProvisioner
from traitlets import default

from csc_metrics.report.forkserver import (
    KERNEL_ENV,
    WARM_CALLS,
    WARM_IMPORTS,
    ForkServer,
    KernelStartError,
    fork_server_supported,
    kernel_env,
)

logger = logging.getLogger(__name__)

KERNEL_NAME = "csc-metrics-python"


def kernel_spec() -> KernelSpec:
    """The kernelspec of this interpreter (no global registration needed)."""
    return KernelSpec(
        argv=[
            sys.executable,
            "-m",
            "ipykernel_launcher",
            "-f",
            "{connection_file}",
            "--HistoryManager.hist_file=:memory:",
        ],
        display_name=f"csc-metrics (Python {sys.version_info.major}.{sys.version_info.minor})",
        language="python",
        env=KERNEL_ENV,
        interrupt_mode="signal",
        metadata={},
    )


class ProjectKernelSpecManager(KernelSpecManager):
    """A kernelspec manager that knows exactly one kernel: this interpreter."""

    def find_kernel_specs(self) -> dict[str, str]:
        """Name the one kernel."""
        return {KERNEL_NAME: str(Path(sys.executable).parent)}

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        """Return this interpreter's kernelspec.

        Raises:
            NoSuchKernel: For any other name.
        """
        if kernel_name != KERNEL_NAME:
            raise NoSuchKernel(kernel_name)
        return kernel_spec()


def warm_up_code(modules: tuple[str, ...] = WARM_IMPORTS) -> str:
    """The code a kernel runs silently before its notebook (imports only, no state)."""
    return (
        "import importlib as _csc_importlib\n"
        f"for _csc_module in {list(modules)!r}:\n"
        "    try:\n"
        "        _csc_importlib.import_module(_csc_module)\n"
        "    except Exception:\n"
        "        pass\n"
        "del _csc_importlib, _csc_module\n"
    )


class _ForkedProcess:
    """Enough of ``subprocess.Popen`` for jupyter_client to manage a forked kernel.

    The kernel is the fork server's child, not ours, so its state is read with signal 0; the
    server lets the system reap it.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = 0
            except PermissionError:  # the pid was reused by another user's process
                self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            time.sleep(0.02)
        return self.returncode or 0

    def send_signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class ForkServerProvisioner(LocalProvisioner):
    """Launches a kernel by asking the fork server, then manages it like a local process."""

    server: ForkServer | None = None
    log: str | None = None

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        """Fork the kernel; ``cmd`` is ``[python, -m, ipykernel_launcher, ARGS...]``."""
        if self.server is None:
            raise KernelStartError("no kernel fork server")
        cwd = kwargs.get("cwd")
        pid = await asyncio.to_thread(self.server.spawn, list(cmd[3:]), cwd, self.log)
        self.process = _ForkedProcess(pid)  # type: ignore[assignment]
        self.pid = pid
        self.pgid = pid  # the kernel starts its own session, so its group is its pid
        self.cwd = cwd
        return self.connection_info


class QuickReadyClient(AsyncKernelClient):
    """A kernel client that knows a kernel is ready without waiting for a quiet spell.

    jupyter_client decides a kernel is ready after a ``kernel_info`` reply and then 0.2 s with
    nothing on IOPub, and nbclient asks again for every notebook: a fifth of a second each time
    on a warm kernel that answers in a hundredth. This client is ready as soon as one
    ``kernel_info`` request has both its reply on the shell channel and its ``idle`` status on
    IOPub. The status proves the IOPub subscription is live (a subscriber misses whatever was
    published before it connected), and IOPub keeps the kernel's order, so nothing older can
    still arrive after it.
    """

    async def wait_for_ready(self, timeout: float | None = None) -> None:
        """Wait until the kernel answers on shell and IOPub.

        Raises:
            RuntimeError: If the kernel dies or does not answer within ``timeout`` seconds.
        """
        limit = timeout if timeout is not None else 60.0
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            request = self.kernel_info()
            if await self._answered(request, min(deadline, time.monotonic() + 1.0)):
                return
            if self.parent is not None and not await self.parent.is_alive():
                raise RuntimeError("Kernel died before replying to kernel_info")
        raise RuntimeError(f"Kernel didn't respond in {limit:.0f} seconds")

    async def _answered(self, request: str, until: float) -> bool:
        replied = idle = False
        while time.monotonic() < until and not (replied and idle):
            with contextlib.suppress(queue.Empty):
                message = await self.shell_channel.get_msg(timeout=0.01)
                if message["parent_header"].get("msg_id") == request:
                    self._handle_kernel_info_reply(message)
                    replied = True
            with contextlib.suppress(queue.Empty):
                message = await self.iopub_channel.get_msg(timeout=0.01)
                idle = idle or (
                    message["parent_header"].get("msg_id") == request
                    and message["msg_type"] == "status"
                    and message["content"].get("execution_state") == "idle"
                )
        return replied and idle


class _KernelManager(AsyncKernelManager):
    """A kernel manager whose clients are quick to connect and are closed with the kernel."""

    @default("client_factory")
    def _client_factory_default(self) -> type:
        return QuickReadyClient

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.made_clients: list[Any] = []

    def client(self, **kwargs: Any) -> Any:
        """Make a client and remember it."""
        client = super().client(**kwargs)
        self.made_clients.append(client)
        return client


@dataclass
class WarmKernel:
    """A started kernel that has imported the heavy libraries and not yet run a notebook."""

    manager: _KernelManager
    number: int
    start_seconds: float


class KernelPool:
    """Starts kernels ahead of need and hands each one out once.

    ``demand`` is how many notebooks will run in all; ``ahead`` caps how many kernels are
    starting or waiting at any time, so that a run of many team reports does not start dozens
    of kernels at once. Kernels are forked from ``server`` when one is given (the pool then
    leaves it running), else from a server of the pool's own where forking is supported
    (``fork=None``), else started as new processes.
    """

    def __init__(
        self,
        *,
        cwd: Path,
        ahead: int,
        kernel_log: Path | None = None,
        startup_timeout: float = 120.0,
        warm_imports: tuple[str, ...] = WARM_IMPORTS,
        server: ForkServer | None = None,
        fork: bool | None = None,
    ) -> None:
        self._cwd = Path(cwd)
        self._ahead = max(1, ahead)
        self._kernel_log = kernel_log
        self._startup_timeout = startup_timeout
        self._warm_code = warm_up_code(warm_imports)
        self._ready: queue.Queue[WarmKernel | BaseException] = queue.Queue()
        self._lock = threading.Lock()
        self._demand = 0
        self._started = 0
        self._handed_out = 0
        self._closed = False
        self._threads: list[threading.Thread] = []
        self._live: dict[int, _KernelManager] = {}
        self._socket_dir = Path(tempfile.mkdtemp(prefix="csc-kernels-"))
        # Stopping a kernel takes a tenth of a second or more; it happens in the background.
        self._stopping = ThreadPoolExecutor(max_workers=2, thread_name_prefix="kernel-stop")
        self._owns_server = server is None and (fork_server_supported() if fork is None else fork)
        # Started at once, so that it warms up while the run is still ingesting.
        self._server = ForkServer(warm_imports + WARM_CALLS) if self._owns_server else server

    @property
    def forks(self) -> bool:
        """Whether kernels are forked from a warm server (ready in a few tenths of a second)."""
        return self._server is not None

    @property
    def server(self) -> ForkServer | None:
        """The fork server kernels come from, if any."""
        return self._server

    @property
    def kernel_pids(self) -> list[int]:
        """Process ids of the kernels started and not yet discarded."""
        with self._lock:
            managers = list(self._live.values())
        provisioners = [m.provisioner for m in managers]
        return [p.pid for p in provisioners if isinstance(p, LocalProvisioner) and p.pid]

    def add_demand(self, notebooks: int) -> None:
        """Say that ``notebooks`` more notebooks will need a kernel, and start kernels early."""
        with self._lock:
            self._demand += max(0, notebooks)
        self._top_up()

    def acquire(self) -> WarmKernel:
        """Wait for a warm kernel and take it.

        Raises:
            KernelStartError: If the kernel could not be started.
        """
        with self._lock:
            self._handed_out += 1
            if self._handed_out > self._demand:
                self._demand = self._handed_out
        self._top_up()
        deadline = time.monotonic() + self._startup_timeout + 60
        while True:
            try:
                item = self._ready.get(timeout=0.2)
                break
            except queue.Empty:
                if self._closed:
                    raise KernelStartError("the run is stopping") from None
                if time.monotonic() > deadline:
                    raise KernelStartError(
                        f"no Python kernel started within {self._startup_timeout:.0f} s"
                    ) from None
        if isinstance(item, BaseException):
            raise KernelStartError(f"the Python kernel did not start: {item}") from item
        return item

    def discard(self, kernel: WarmKernel) -> None:
        """Stop a kernel after its notebook, in the background.

        The kernel is killed at once: it has nothing left to save.
        """
        with self._lock:
            manager = self._live.pop(kernel.number, None)
        if manager is None:  # close() has already stopped it
            return
        try:
            self._stopping.submit(_stop_kernel, manager)
        except RuntimeError:  # close() is shutting the background stopper down
            _stop_kernel(manager)

    def close(self) -> None:
        """Stop every kernel still starting, waiting or running; remove their socket files.

        Safe to call more than once.
        """
        with self._lock:
            if self._closed and not self._live:
                return
            self._closed = True
        for thread in self._threads:
            thread.join(timeout=self._startup_timeout)
        with self._lock:
            managers = list(self._live.values())
            self._live.clear()
        for manager in managers:
            self._stopping.submit(_stop_kernel, manager)
        self._stopping.shutdown(wait=True)
        if self._server is not None:
            errors = self._server.errors()
            if errors:
                logger.debug("The kernel fork server wrote: %s", errors)
            if self._owns_server:
                self._server.close()
        shutil.rmtree(self._socket_dir, ignore_errors=True)

    def __enter__(self) -> KernelPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _top_up(self) -> None:
        with self._lock:
            if self._closed:
                return
            waiting = self._started - self._handed_out
            to_start = min(self._demand - self._started, self._ahead - max(0, waiting))
            numbers = list(range(self._started, self._started + max(0, to_start)))
            self._started += len(numbers)
        for number in numbers:
            thread = threading.Thread(
                target=self._start_one, args=(number,), name=f"kernel-{number}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _start_one(self, number: int) -> None:
        started = asyncio.run(self._start_and_warm(number)) if not self._closed else None
        if isinstance(started, WarmKernel):
            with self._lock:
                closed = self._closed
                if not closed:
                    self._live[number] = started.manager
            if closed:
                _stop_kernel(started.manager)
                return
        if started is not None:
            self._ready.put(started)

    async def _start_and_warm(self, number: int) -> WarmKernel | BaseException:
        loop = asyncio.get_running_loop()
        began = loop.time()
        manager = _KernelManager(
            kernel_name=KERNEL_NAME,
            kernel_spec_manager=ProjectKernelSpecManager(),
            **_transport(self._socket_dir, number),
        )
        if self._server is not None:
            manager.kernel_id = str(uuid.uuid4())
            provisioner = ForkServerProvisioner(
                kernel_id=manager.kernel_id, kernel_spec=manager.kernel_spec, parent=manager
            )
            provisioner.server = self._server
            provisioner.log = str(self._kernel_log) if self._kernel_log else None
            manager.provisioner = provisioner
        log_handle = None if self._server else _open_kernel_log(self._kernel_log)
        try:
            # The kernel's own stderr (not the notebook's output) goes to the run log.
            sink = log_handle if log_handle is not None else subprocess.DEVNULL
            await manager.start_kernel(
                cwd=str(self._cwd), stdout=sink, stderr=sink, env=kernel_env()
            )
            client = manager.client()
            client.start_channels()
            try:
                await client.wait_for_ready(timeout=self._startup_timeout)
                if self._server is None:
                    msg_id = client.execute(self._warm_code, silent=True, store_history=False)
                    await _wait_for_reply(client, msg_id, self._startup_timeout)
            finally:
                client.stop_channels()
                manager.made_clients.remove(client)
        except Exception as error:  # any start-up failure is reported by acquire()
            logger.debug("Kernel %d failed to start", number, exc_info=True)
            with contextlib.suppress(Exception):
                await manager.shutdown_kernel(now=True)
            return error
        finally:
            if log_handle is not None:
                log_handle.close()
        seconds = loop.time() - began
        logger.debug("Kernel %d ready in %.2f s", number, seconds)
        return WarmKernel(manager=manager, number=number, start_seconds=seconds)


async def _wait_for_reply(client: Any, msg_id: str, timeout: float) -> None:
    while True:
        reply = await client.get_shell_msg(timeout=timeout)
        if reply.get("parent_header", {}).get("msg_id") == msg_id:
            return


def _transport(socket_dir: Path, number: int) -> dict[str, str]:
    # Unix sockets avoid opening TCP ports (and ipykernel's warning about unencrypted TCP);
    # Windows has no Unix sockets.
    if os.name == "posix":
        return {"transport": "ipc", "ip": str(socket_dir / f"k{number}")}
    return {}


def _open_kernel_log(path: Path | None) -> IO[str] | None:
    if path is None:
        return None
    return open(path, "a", encoding="utf-8")


def _stop_kernel(manager: _KernelManager) -> None:
    """Kill a kernel at once and clean up its files and sockets.

    ``shutdown_kernel(now=True)`` would first interrupt the kernel and then poll for its end
    every tenth of a second; a kernel whose notebook is done has nothing to finish.
    """
    for client in manager.made_clients:
        with contextlib.suppress(Exception):
            client.stop_channels()
    manager.made_clients.clear()

    async def kill_and_clean_up() -> None:
        provisioner = manager.provisioner
        if isinstance(provisioner, LocalProvisioner) and provisioner.has_process:
            with contextlib.suppress(Exception):
                await provisioner.kill()  # SIGKILL to the kernel's process group
            process = provisioner.process
            deadline = time.monotonic() + 5
            while process is not None and process.poll() is None:
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.005)
        with contextlib.suppress(Exception):
            await manager.cleanup_resources()

    with contextlib.suppress(Exception):
        asyncio.run(kill_and_clean_up())
