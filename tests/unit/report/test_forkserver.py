"""Starting the kernels' fork server as ``csc-metrics run`` begins, before the runner's imports."""

from __future__ import annotations

import pytest

from csc_metrics import cli
from csc_metrics.report import forkserver


class StandInServer:
    """Stands in for a fork server: nothing is started."""


@pytest.fixture
def stand_in(monkeypatch):
    monkeypatch.setattr(forkserver, "ForkServer", StandInServer)
    monkeypatch.setattr(forkserver, "fork_server_supported", lambda: True)
    monkeypatch.setattr(forkserver, "_started_early", None)


def test_the_server_started_early_is_the_one_the_run_takes(stand_in):
    forkserver.start_early()
    early = forkserver._started_early

    assert isinstance(early, StandInServer)
    assert forkserver.start_fork_server() is early


def test_the_server_started_early_is_taken_once(stand_in):
    forkserver.start_early()
    first = forkserver.start_fork_server()

    assert forkserver.start_fork_server() is not first


def test_without_a_server_started_early_the_run_starts_one(stand_in):
    assert isinstance(forkserver.start_fork_server(), StandInServer)


def test_where_kernels_are_not_forked_none_is_started_early(stand_in, monkeypatch):
    monkeypatch.setattr(forkserver, "fork_server_supported", lambda: False)
    forkserver.start_early()

    assert forkserver._started_early is None


@pytest.mark.parametrize(
    ("argv", "started"),
    [
        (["run", "--help"], False),
        (["run", "-h"], False),
        (["run", "--no-such-option"], True),
        (["ingest", "--no-such-option"], False),
    ],
)
def test_the_command_line_starts_the_server_early_for_a_run_only(monkeypatch, argv, started):
    calls = []
    monkeypatch.setattr(forkserver, "start_early", lambda: calls.append(True))
    with pytest.raises(SystemExit):
        cli.main(argv)

    assert bool(calls) is started
