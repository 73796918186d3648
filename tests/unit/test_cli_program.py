"""``csc-metrics`` as a program: it leaves without tearing Python down, losing nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from csc_metrics import cli

#: Each test but the first starts a Python process: left out of `make test-fast`.
slow = pytest.mark.slow

#: A command module for the tests: it logs to a file through a buffer, has a handler run at
#: exit and a non-daemon thread still working when ``run`` returns, then prints and returns
#: the exit code given.
COMMAND_MODULE = """
import atexit, logging, logging.handlers, sys, threading, time
from pathlib import Path

def add_arguments(parser):
    parser.add_argument("folder", type=Path)
    parser.add_argument("--code", type=int, default=0)
    parser.add_argument("--crash", action="store_true")

def run(args):
    # Held in memory until logging is shut down.
    handler = logging.handlers.MemoryHandler(
        100, target=logging.FileHandler(args.folder / "log.txt")
    )
    logging.getLogger("test-command").addHandler(handler)
    logging.getLogger("test-command").warning("logged")
    atexit.register(lambda: (args.folder / "atexit.txt").write_text("ran"))
    def late():
        time.sleep(0.3)
        (args.folder / "thread.txt").write_text("finished")
    threading.Thread(target=late).start()
    if args.crash:
        raise RuntimeError("a bug")
    sys.stdout.write("x" * 200_000 + "\\n")
    print("the end")
    return args.code
"""


def run_program(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "fake_command.py").write_text(COMMAND_MODULE)
    script = f"""
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        from csc_metrics import cli
        cli.COMMANDS["fake"] = ("fake_command", "a test command")
        cli.run_program(sys.argv[1:])
        """
    # Standard output buffered, as it is unless the environment says otherwise.
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *arguments],
        capture_output=True,
        text=True,
        env=environment,
    )


def test_without_an_exit_code_the_usual_exit_is_left_alone(monkeypatch):
    # The command ended by an uncaught exception: Python reports it and exits as usual.
    exits: list[int] = []
    monkeypatch.setattr(cli.os, "_exit", exits.append)
    cli._leave_at_once([])
    assert exits == []
    cli._leave_at_once([3])
    assert exits == [3]


@slow
@pytest.mark.parametrize("code", [0, 2])
def test_the_program_exits_with_the_commands_code_after_everything_is_done(tmp_path, code):
    done = run_program(tmp_path, "fake", str(tmp_path), "--code", str(code))
    assert done.returncode == code
    # Every line printed, the log file flushed, the exit handler run, the thread finished.
    assert done.stdout == "x" * 200_000 + "\nthe end\n"
    assert (tmp_path / "log.txt").read_text() == "logged\n"
    assert (tmp_path / "atexit.txt").read_text() == "ran"
    assert (tmp_path / "thread.txt").read_text() == "finished"


@slow
def test_a_usage_error_exits_with_code_2(tmp_path):
    done = run_program(tmp_path, "fake", str(tmp_path), "--code", "not-a-number")
    assert done.returncode == 2
    assert "invalid int value" in done.stderr


@slow
def test_a_bug_still_shows_its_traceback_and_exits_with_code_1(tmp_path):
    done = run_program(tmp_path, "fake", str(tmp_path), "--crash")
    assert done.returncode == 1
    assert "RuntimeError: a bug" in done.stderr
    assert (tmp_path / "atexit.txt").read_text() == "ran"
