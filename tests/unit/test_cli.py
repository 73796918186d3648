"""The command line's shared output rule: a reader that stops early is not an error."""

from __future__ import annotations

import os
import sys

import pytest

from csc_metrics import cli


class _Stdout:
    """A stdout whose reader has gone (``| head`` exited) once ``closed`` is set."""

    def __init__(self, closed: bool) -> None:
        self.closed_reader = closed
        self.flushed = False

    def flush(self) -> None:
        if self.closed_reader:
            raise BrokenPipeError
        self.flushed = True

    def fileno(self) -> int:
        return 1


def test_the_output_is_flushed_at_the_end(monkeypatch):
    out = _Stdout(closed=False)
    monkeypatch.setattr(sys, "stdout", out)
    with cli.printing_to_stdout():
        pass
    assert out.flushed


def test_a_reader_that_stops_early_points_stdout_at_the_null_device(monkeypatch):
    redirected = []
    monkeypatch.setattr(sys, "stdout", _Stdout(closed=True))
    monkeypatch.setattr(os, "open", lambda path, flags: 99 if path == os.devnull else -1)
    monkeypatch.setattr(os, "dup2", lambda source, target: redirected.append((source, target)))
    with cli.printing_to_stdout():
        pass  # the flush on leaving raises BrokenPipeError, which is swallowed
    assert redirected == [(99, 1)]  # the null device's descriptor onto stdout's


def test_other_errors_are_not_swallowed(monkeypatch):
    monkeypatch.setattr(sys, "stdout", _Stdout(closed=False))
    with pytest.raises(ValueError), cli.printing_to_stdout():
        raise ValueError("not a closed pipe")
