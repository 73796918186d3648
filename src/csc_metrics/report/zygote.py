"""The kernel fork server: one warm Python that forks a fresh kernel for each notebook.

Run as ``python -m csc_metrics.report.zygote MODULE...``. It imports ipykernel and the given
modules once (pandas, matplotlib, seaborn, csc_metrics...: one to two seconds), then reads
requests from stdin, one JSON object a line, ``{"argv": [...], "cwd": ..., "log": ...}``, and
for each forks a child that becomes an IPython kernel with those arguments; it answers
``{"pid": N}`` (or ``{"error": "..."}``) on stdout. A forked kernel starts in a few tenths of a
second and already has the libraries in memory, shared copy-on-write with its siblings.

Only used on Linux (``fork`` is unsafe on macOS and absent on Windows). The server ends when
its stdin closes, that is when the run that started it ends, even if that run was killed.
Each kernel is told to exit if the server goes away.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any


def _warm(modules: list[str]) -> None:
    importlib.import_module("ipykernel.kernelapp")
    for module in modules:
        # A module the notebooks never use, or one that fails to import, is the notebook's
        # business: the kernel imports it again (and reports the error) when asked.
        with contextlib.suppress(Exception):
            importlib.import_module(module)


def _become_kernel(request: dict[str, Any], server_pid: int) -> None:
    """In the forked child: detach, redirect output, and run an IPython kernel."""
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
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize([*request["argv"], f"--IPKernelApp.parent_handle={server_pid}"])
    app.start()


def serve(modules: list[str]) -> None:
    """Warm up, then fork a kernel for each request until stdin closes."""
    # Ctrl-C in the terminal reaches the whole process group; the run stops the server itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _warm(modules)
    # Finished kernels are reaped by the system, so none lingers as a zombie.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    server_pid = os.getpid()
    for line in sys.stdin:
        try:
            request = json.loads(line)
            sys.stdout.flush()
            pid = os.fork()
        except Exception as error:
            reply: dict[str, Any] = {"error": f"{type(error).__name__}: {error}"}
        else:
            if pid == 0:
                try:
                    _become_kernel(request, server_pid)
                finally:
                    os._exit(0)
            reply = {"pid": pid}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":  # pragma: no cover - run as a separate process by kernels.py
    serve(sys.argv[1:])
