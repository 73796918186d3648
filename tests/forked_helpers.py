"""Seeing where work handed to a forked child (``forked.ForkedCall``) was done, in tests."""

from __future__ import annotations

import os
import threading
from types import ModuleType
from typing import Any

import pytest


def pretend_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make forking look safe: the run's kernel server has one thread, a pytest-xdist worker
    runs an execnet thread too."""
    monkeypatch.setattr(threading, "active_count", lambda: 1)


def record_forked_calls(monkeypatch: pytest.MonkeyPatch, module: ModuleType) -> list[Any]:
    """Every ``ForkedCall`` that ``module`` starts, kept to see where its work was done."""
    calls: list[Any] = []
    real = module.ForkedCall
    monkeypatch.setattr(
        module, "ForkedCall", lambda function: calls.append(real(function)) or calls[-1]
    )
    return calls


def dies_in_a_child(monkeypatch: pytest.MonkeyPatch, module: ModuleType, name: str) -> None:
    """Make ``module.name`` end any forked child that calls it (exit 3), and work as before in
    this process: the work handed to a child must then be done here."""
    parent = os.getpid()
    real = getattr(module, name)

    def dies_in_the_child(*args: Any) -> Any:
        if os.getpid() != parent:
            os._exit(3)
        return real(*args)

    monkeypatch.setattr(module, name, dies_in_the_child)
