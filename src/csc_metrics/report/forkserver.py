"""The kernel fork server: one warm Python that forks a fresh kernel for each notebook.

Both ends live here. ``ForkServer`` (used by the run) starts ``python -m
csc_metrics.report.forkserver MODULE... MODULE:FUNCTION...``, which imports ipykernel and the
given modules once (pandas, matplotlib, csc_metrics...: about three seconds), calls the
given functions (work every report does whatever its data), and then reads requests from
stdin, one JSON object a line:

- ``{"argv": [...], "cwd": ..., "log": ...}`` forks a child that becomes an IPython kernel with
  those arguments, and answers ``{"pid": N}``;
- ``{"call": "module:function", "kwargs": {...}}`` calls the function in the server itself and
  answers ``{"result": ...}``. The run uses it to build the report context once the data are
  ingested: every kernel forked afterwards starts with it in memory;
- ``{"notebook": {...}, "cwd": ..., "log": ...}`` forks a child that executes one notebook
  itself, without a kernel (``report.shell_engine``), and answers ``{"pid": N}``.

A failure is answered ``{"error": "..."}``. A forked kernel is ready in a few tenths of a second
and shares the imported libraries (and whatever the calls built) with its siblings,
copy-on-write.

This module imports only the standard library, so the run can start the server before it
imports anything heavy itself. Forking is used on Linux only (it is unsafe on macOS and absent
on Windows). The server ends when its stdin closes, that is when the run that started it ends,
even if that run was killed; each kernel is told to exit if the server goes away.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Modules every kernel has imported before it is given a notebook. Missing ones are skipped.
#: The ipykernel and IPython ones are what a kernel imports while it starts (its shell, the
#: debugger with debugpy's pydevd, the history's sqlite3): imported once in the fork server,
#: a forked kernel starts in about 0.05 s of CPU instead of 0.3 s.
WARM_IMPORTS = (
    "ipykernel.ipkernel",
    "ipykernel.zmqshell",
    "ipykernel.debugger",
    "IPython.core.debugger",
    "IPython.core.oinspect",
    "IPython.core.completerlib",
    "IPython.extensions.storemagic",
    "tornado.platform.asyncio",
    "sqlite3",
    "psutil",
    "numpy",
    "pandas",
    "matplotlib.pyplot",
    "pyarrow.parquet",
    "csc_metrics.storage",
    "csc_metrics.catalogue",
    "csc_metrics.display",
    "csc_metrics.charts",
    "csc_metrics.indicators",
    "csc_metrics.caseload",
    "csc_metrics.spc",
    "csc_metrics.gaps",
    "csc_metrics.suppression",
    "csc_metrics.narrative",
    "csc_metrics.benchmarks",
    "csc_metrics.views",
)

#: Functions the server calls once its imports are done, before it forks any kernel: work every
#: report does whatever its data. A function that fails is skipped.
WARM_CALLS = ("csc_metrics.views.preload:warm_up", "csc_metrics.report.shell_engine:warm_up")

#: Environment for every kernel. The inline backend is set explicitly because a scheduler's
#: environment may carry MPLBACKEND=Agg, which silently drops every chart from the output.
KERNEL_ENV = {
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}

#: How much of the server's own error output a start-up failure message quotes.
ERROR_TAIL_CHARS = 600


class KernelStartError(RuntimeError):
    """Raised when a kernel could not be started (the message says why)."""


class ServerCallError(RuntimeError):
    """Raised when a function called in the fork server failed (the message says why)."""


def fork_server_supported() -> bool:
    """Whether kernels can be forked from a warm server here (Linux only)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork")


def kernel_env() -> dict[str, str]:
    """The environment for kernels: this one, with the inline backend and an absolute path.

    Kernels start in the notebooks folder, where a relative ``PYTHONPATH`` (``PYTHONPATH=src``)
    would point nowhere, so it is made absolute: the kernel imports the same package as the run.
    """
    env = dict(os.environ)
    env.update(KERNEL_ENV)
    if env.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.pathsep.join(
            str(Path(entry).resolve()) if entry else entry
            for entry in env["PYTHONPATH"].split(os.pathsep)
        )
    return env


class ForkServer:
    """The run's handle on a fork server process."""

    def __init__(self, modules: tuple[str, ...] = WARM_IMPORTS + WARM_CALLS) -> None:
        self._lock = threading.Lock()
        # The server's own error output, quoted if it fails (kernels log to the run's log).
        self._errors = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # noqa: SIM115
        self._process = subprocess.Popen(
            [sys.executable, "-m", "csc_metrics.report.forkserver", *modules],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._errors,
            env=kernel_env(),
            text=True,
        )

    def spawn(self, argv: list[str], cwd: str | None, log: str | None) -> int:
        """Fork a kernel with these ipykernel arguments; return its process id.

        Args:
            argv: ipykernel arguments (``-f CONNECTION_FILE ...``).
            cwd: The kernel's working directory.
            log: File for the kernel's own stdout and stderr (not the notebook's output).

        Raises:
            KernelStartError: If the server has stopped or could not fork.
        """
        return self._fork({"argv": argv, "cwd": cwd, "log": log})

    def run_notebook(self, request: dict[str, Any], cwd: str | None, log: str | None = None) -> int:
        """Fork a child that executes one notebook (``shell_engine.run_notebook``); its pid.

        Args:
            request: What ``shell_engine.run_notebook`` is given (JSON values).
            cwd: The child's working directory (the notebook's folder, as for a kernel).
            log: File for the child's own stdout and stderr (not the notebook's output).

        Raises:
            KernelStartError: If the server has stopped or could not fork.
        """
        return self._fork({"notebook": request, "cwd": cwd, "log": log})

    def _fork(self, request: dict[str, Any]) -> int:
        """Ask for a forked child; its process id.

        Raises:
            KernelStartError: If the server has stopped or could not fork.
        """
        reply = self._ask(request)
        if "pid" not in reply:
            reason = reply.get("error") or self.errors() or "it stopped"
            raise KernelStartError(f"the kernel fork server failed: {reason}")
        return int(reply["pid"])

    def call(
        self, function: str, after_sending: Callable[[], None] | None = None, **kwargs: Any
    ) -> Any:
        """Call a function in the server, so that kernels forked afterwards inherit its work.

        Args:
            function: ``"module:function"``; it must return something JSON can carry.
            after_sending: Called once the request is sent, while the server works on it.
            **kwargs: Its keyword arguments (JSON values).

        Returns:
            What the function returned.

        Raises:
            ServerCallError: If the function raised (the message gives its error) or the server
                has stopped.
        """
        reply = self._ask({"call": function, "kwargs": kwargs}, after_sending)
        if "result" not in reply:
            reason = reply.get("error") or self.errors() or "the server stopped"
            raise ServerCallError(f"{function} failed in the kernel fork server: {reason}")
        return reply["result"]

    def _ask(
        self, request: dict[str, Any], after_sending: Callable[[], None] | None = None
    ) -> dict[str, Any]:
        """Send one request and read its answer (an empty one if the server has stopped).

        ``after_sending`` is called once the request is sent (or could not be), before the
        answer is read.
        """
        answer: dict[str, Any] = {}
        with self._lock:
            stdin, stdout = self._process.stdin, self._process.stdout
            sent = False
            if stdin is not None and stdout is not None and self._process.poll() is None:
                with contextlib.suppress(OSError, ValueError):
                    stdin.write(json.dumps(request) + "\n")
                    stdin.flush()
                    sent = True
            if after_sending is not None:
                after_sending()
            if sent and stdout is not None:
                with contextlib.suppress(OSError, ValueError):
                    answer = json.loads(stdout.readline() or "{}")
        return answer

    def errors(self) -> str:
        """The end of what the server wrote to stderr."""
        with contextlib.suppress(OSError, ValueError):
            self._errors.seek(0)
            return " ".join(self._errors.read()[-ERROR_TAIL_CHARS:].split())
        return ""

    def close(self) -> None:
        """Stop the server (the kernels it forked are stopped by their managers)."""
        with contextlib.suppress(OSError, ValueError):
            if self._process.stdin is not None:
                self._process.stdin.close()
        # The server holds nothing worth a clean exit, and tearing down its imported
        # libraries takes longer than the run should wait.
        with contextlib.suppress(OSError):
            self._process.kill()
        self._process.wait()
        with contextlib.suppress(OSError, ValueError):
            if self._process.stdout is not None:
                self._process.stdout.close()
        self._errors.close()


#: The server ``start_early`` started, until ``start_fork_server`` takes it.
_started_early: ForkServer | None = None


def start_early() -> None:
    """Start the fork server as the command line begins, for ``start_fork_server`` to take.

    ``csc-metrics run`` calls this before importing the runner and pandas (most of a second):
    the server's own imports and warm-up (about four seconds) then start that much sooner, and
    on a small council they, not ingest, are what the report preparation waits for. A server
    nobody takes ends with the process (its stdin closes).
    """
    global _started_early
    if _started_early is None and fork_server_supported():
        _started_early = ForkServer()


def start_fork_server() -> ForkServer | None:
    """The server ``start_early`` started, else a new one where forking is supported, or None."""
    global _started_early
    server, _started_early = _started_early, None
    if server is not None:
        return server
    return ForkServer() if fork_server_supported() else None


# --- The server process ------------------------------------------------------------------


def _warm(names: list[str]) -> None:
    importlib.import_module("ipykernel.kernelapp")
    modules = [name for name in names if ":" not in name]
    for module in modules:
        # A module that fails to import is the notebook's business: the kernel imports it
        # again, and reports the error, when the notebook asks for it.
        with contextlib.suppress(Exception):
            importlib.import_module(module)
    for function in (name for name in names if ":" in name):
        _call({"call": function})


def _call(request: dict[str, Any]) -> dict[str, Any]:
    """Call ``module:function`` with the request's keyword arguments; answer its result."""
    module, _, name = str(request["call"]).partition(":")
    try:
        # stdout carries the answers: anything the function prints goes to stderr instead.
        with contextlib.redirect_stdout(sys.stderr):
            result = getattr(importlib.import_module(module), name)(**request.get("kwargs", {}))
        json.dumps(result)
    except Exception as error:
        return {"error": f"{type(error).__name__}: {error}"}
    return {"result": result}


def _detach(request: dict[str, Any]) -> None:
    """In a forked child: its own session, signals, working directory and output files."""
    # Everything inherited from the server (modules, the preloaded report data) lives as long
    # as the kernel: out of the garbage collector's sight, its full collections no longer walk
    # it, nor copy its pages by touching them (about 0.15 s of CPU a kernel on the sample).
    gc.freeze()
    os.setsid()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.chdir(request.get("cwd") or Path.cwd())
    devnull = os.open(os.devnull, os.O_RDWR)
    log_path = request.get("log")
    sink = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600) if log_path else devnull
    os.dup2(devnull, 0)
    os.dup2(sink, 1)
    os.dup2(sink, 2)


def _become_kernel(request: dict[str, Any], server_pid: int) -> None:
    """In the forked child: detach, redirect output, and run an IPython kernel."""
    _detach(request)
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize([*request["argv"], f"--IPKernelApp.parent_handle={server_pid}"])
    app.start()


def _run_notebook(request: dict[str, Any], server_pid: int) -> None:
    """In the forked child: detach, and execute one notebook without a kernel."""
    _detach(request)
    _end_with_server(server_pid)
    from csc_metrics.report.shell_engine import run_notebook

    run_notebook(request["notebook"])


def _end_with_server(server_pid: int) -> None:
    """Have the system kill this child if the server ends (a run that was killed)."""
    with contextlib.suppress(Exception):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != server_pid:  # the server ended before the line above took effect
        os._exit(1)


def serve(modules: list[str]) -> None:
    """Warm up, then fork a kernel for each request until stdin closes."""
    # Ctrl-C in the terminal reaches the whole process group; the run stops the server itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from csc_metrics.startup import skip_slow_optional_imports

    skip_slow_optional_imports()
    _warm(modules)
    # Finished kernels are reaped by the system, so none lingers as a zombie.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    server_pid = os.getpid()
    for line in sys.stdin:
        try:
            request = json.loads(line)
            if "call" in request:
                reply = _call(request)
            else:
                sys.stdout.flush()
                pid = os.fork()
                if pid == 0:
                    code = 0
                    try:
                        if "notebook" in request:
                            _run_notebook(request, server_pid)
                        else:
                            _become_kernel(request, server_pid)
                    except BaseException:
                        code = 1
                        with contextlib.suppress(Exception):
                            import traceback

                            traceback.print_exc()
                    finally:
                        os._exit(code)
                reply = {"pid": pid}
        except Exception as error:
            reply = {"error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":  # pragma: no cover - run as its own process by ForkServer
    serve(sys.argv[1:])
