"""Work done in a forked child process while this process goes on, picked up later.

The run's kernel server prepares the report data on one core while the machine's other core
is mostly idle. The forecast, about half of that preparation, depends only on the data already
loaded, so the server forks a child to build it and carries on with the rest (``ForkedCall``).
The child inherits everything loaded so far (copy on write), pickles its result to a private
temporary file, says so on a pipe and exits; ``result`` waits for that and reads the file.

Forking is safe only from a process with one thread, so anywhere else (a notebook kernel, the
report runner with its worker threads, a system without ``fork``) the work is done here, when
``result`` is first asked for. It is done here too whenever the child fails in any way: the
answer never depends on where it was computed.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")

#: How long ``result`` waits, after the child said it is done, for the system to let it be
#: reaped (a process that ignores SIGCHLD has its children reaped for it).
_REAP_SECONDS = 2.0


def fork_is_safe() -> bool:
    """Whether this process can fork a child that runs Python: fork exists, one thread runs."""
    return hasattr(os, "fork") and threading.active_count() == 1


class ForkedCall(Generic[T]):
    """A call of ``function()`` run in a forked child, or here if it cannot be."""

    def __init__(self, function: Callable[[], T]) -> None:
        """Start ``function()`` in a forked child when forking is safe.

        Args:
            function: What to compute. It must return something ``pickle`` can write.
        """
        self._function = function
        self._pid: int | None = None
        self._ready: int | None = None
        self._path: str | None = None
        self._forked = False
        if fork_is_safe():
            self._start()

    @property
    def forked(self) -> bool:
        """Whether a child was started to compute the result (False: computed here)."""
        return self._forked

    def _start(self) -> None:
        handle, path = tempfile.mkstemp(prefix="csc-metrics-", suffix=".pickle")
        ready_read, ready_write = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            for fd in (handle, ready_read, ready_write):
                os.close(fd)
            Path(path).unlink()
            return
        if pid == 0:  # pragma: no cover - runs in the child, which leaves by os._exit
            os.close(ready_read)
            status = b"0"
            try:
                with os.fdopen(handle, "wb") as file:
                    pickle.dump(self._function(), file, protocol=pickle.HIGHEST_PROTOCOL)
                status = b"1"
            finally:
                # os._exit: no atexit handlers, no flushing of buffers the parent also holds
                # (the kernel server's stdout carries its answers to the run).
                with contextlib.suppress(OSError):
                    os.write(ready_write, status)
                os._exit(0)
        os.close(handle)
        os.close(ready_write)
        self._pid, self._ready, self._path = pid, ready_read, path
        self._forked = True

    def result(self) -> T:
        """The function's result: the child's, once it is done, else computed here."""
        if self._pid is None:
            return self._function()
        pid, ready, path = self._pid, self._ready, self._path
        self._pid = self._ready = self._path = None
        assert ready is not None and path is not None
        try:
            with os.fdopen(ready, "rb") as pipe:
                # Empty when the child died before saying anything (its end closed on exit).
                done = pipe.read(1) == b"1"
            _reap(pid)
            if done:
                with open(path, "rb") as file:
                    return pickle.load(file)  # our own child wrote it (mode 0600)
        except (OSError, EOFError, pickle.UnpicklingError):
            pass
        finally:
            with contextlib.suppress(OSError):
                Path(path).unlink()
        return self._function()

    def cancel(self) -> None:
        """End the child early, if one runs, and drop its result (this process failed)."""
        if self._pid is None:
            return
        pid, ready, path = self._pid, self._ready, self._path
        self._pid = self._ready = self._path = None
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
        _reap(pid)
        with contextlib.suppress(OSError, TypeError):
            os.close(ready)  # type: ignore[arg-type]
        with contextlib.suppress(OSError, TypeError):
            Path(path).unlink()  # type: ignore[arg-type]


def _reap(pid: int) -> None:
    """Collect the finished child, so that it does not linger as a zombie."""
    deadline = time.monotonic() + _REAP_SECONDS
    while time.monotonic() < deadline:
        try:
            # Never a blocking wait: where SIGCHLD is ignored, that would wait for every child.
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return
        except ChildProcessError:  # already reaped by the system
            return
        time.sleep(0.001)
