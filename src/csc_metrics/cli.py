"""The ``csc-metrics`` command line.

Each subcommand lives in its own module, which provides ``add_arguments(parser)`` and
``run(args) -> int``. Only the chosen subcommand's module is imported, so ``--help`` is quick and
one command's dependencies never slow another.

Exit codes (also in the README): 0 success; 1 a report notebook failed; 2 unusable input or a
bad parameter; 3 another run already holds the lock.
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import NoReturn

from csc_metrics import __version__
from csc_metrics.errors import SHOWN_ON_STDERR, CscMetricsError, capped_message
from csc_metrics.folders import describe_os_error
from csc_metrics.startup import skip_slow_optional_imports

#: Subcommand -> (module providing add_arguments/run, one-line help).
COMMANDS: dict[str, tuple[str, str]] = {
    "sample": (
        "csc_metrics.sample.cli",
        "write a synthetic county council's SSDA903, Annex A and workforce files",
    ),
    "ingest": (
        "csc_metrics.pipeline.cli",
        "read and clean raw returns into validated, pseudonymised tables in processed/",
    ),
    "indicators": (
        "csc_metrics.indicators.cli",
        "compute the placement, care-leaver and caseload indicators at a reference date",
    ),
    "benchmarks": (
        "csc_metrics.benchmarks.cli",
        "show published DfE benchmarks (England, region, statistical neighbours) for a council",
    ),
    "forecast": (
        "csc_metrics.forecast.cli",
        "placement demand and cost forecast, what-if scenarios and a backtest",
    ),
    "run": (
        "csc_metrics.report.cli",
        "the quarterly run: ingest, execute every report notebook, publish HTML",
    ),
}


@contextmanager
def printing_to_stdout() -> Iterator[None]:
    """Print a command's output; a reader that stops early (``| head``) is not an error.

    The output is flushed at the end. When the reader has gone, stdout is pointed at the null
    device so that Python's own flush at exit does not fail again, and the command goes on to
    exit 0.
    """
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _top_level_parser() -> argparse.ArgumentParser:
    epilog = "commands:\n" + "\n".join(
        f"  {name:<11} {text}" for name, (_, text) in COMMANDS.items()
    )
    epilog += (
        "\n\nexit codes: 0 success, 1 a notebook failed, 2 unusable input or bad parameter, "
        "3 already running\nRun `csc-metrics COMMAND --help` for a command's options."
    )
    parser = argparse.ArgumentParser(
        prog="csc-metrics",
        description="Children's social care performance metrics for English councils.",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"csc-metrics {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="show debug logging")
    parser.add_argument("command", choices=list(COMMANDS), metavar="COMMAND")
    return parser


def configure_console_logging(verbose: bool) -> logging.Handler | None:
    """Log to stderr as ``LEVEL: message``, as ``logging.basicConfig`` does.

    A record already printed on stderr by itself (``errors.SHOWN_ON_STDERR``: the notice that
    a pseudonymisation key was made) is not printed twice; log files still get it.

    Args:
        verbose: Log debug messages too.

    Returns:
        The console handler added, or None when logging was already set up.
    """
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    if root.handlers:
        return None
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    handler.addFilter(lambda record: not getattr(record, SHOWN_ON_STDERR, False))
    root.addHandler(handler)
    return handler


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: Arguments without the program name (default: ``sys.argv[1:]``).

    Returns:
        The process exit code.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    skip_slow_optional_imports()
    top = _top_level_parser()
    # Split "csc-metrics [-v] COMMAND [options]" so only COMMAND's module is imported.
    leading = []
    while argv and argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        leading.append(argv.pop(0))
    if not argv or argv[0] in ("-h", "--help", "--version"):
        top.parse_args(leading + argv)
        top.print_help()
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    top_args = top.parse_args([*leading, command])
    configure_console_logging(top_args.verbose)
    # A log file on a full or read-only disk must not print logging's own tracebacks: the
    # failure reaches the user once, as a message (see the OSError handler below).
    logging.raiseExceptions = False
    module_name, help_text = COMMANDS[command]
    if command == "run" and not {"-h", "--help"} & set(rest):
        # The report kernels' fork server imports for seconds: start it before this process
        # imports the runner (report.forkserver itself imports nothing heavy).
        from csc_metrics.report.forkserver import start_early

        start_early()
    module = importlib.import_module(module_name)
    parser = argparse.ArgumentParser(prog=f"csc-metrics {command}", description=help_text)
    module.add_arguments(parser)
    args = parser.parse_args(rest)
    try:
        return int(module.run(args))
    except CscMetricsError as error:
        print(f"csc-metrics {command}: {capped_message(str(error))}", file=sys.stderr)
        return error.exit_code
    except OSError as error:
        # The disk, the file system or a path refused (full disk, read-only folder, a file
        # where a folder is expected): the environment, not the code, so a message and exit 2.
        print(
            f"csc-metrics {command}: {capped_message(describe_os_error(error))} Nothing "
            "already published or processed was changed.",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print(f"csc-metrics {command}: interrupted", file=sys.stderr)
        return 130


#: Exit code of a process whose standard output could not be flushed at exit (as Python's own).
UNFLUSHED_EXIT_CODE = 120


def _leave_at_once(outcome: list[int]) -> None:
    """At exit, once every later-registered handler has run: flush, and end the process.

    Python's own exit then frees every object of every module one by one: with pandas,
    pyarrow and pandera imported that costs 0.2-0.3 s of wall time, on every command, doing
    nothing anyone needs. Run as an ``atexit`` handler registered before the command starts, so
    it runs after the handlers the command's libraries registered (a multiprocessing worker's
    clean-up, a temporary folder's removal), and after Python has waited for every non-daemon
    thread. The handlers registered before it (logging's) are done here.

    Args:
        outcome: The exit code to leave with, once the command has given one; empty when the
            command ended by an uncaught exception, and then Python exits as usual.
    """
    if not outcome:
        return
    code = outcome[0]
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError, AttributeError):
            # A closed pipe (``csc-metrics ... | head``): as Python reports it.
            code = code or UNFLUSHED_EXIT_CODE
    os._exit(code)


def run_program(argv: Sequence[str] | None = None) -> NoReturn:
    """``csc-metrics`` as a program (the console script, ``python -m csc_metrics.cli``).

    Runs ``main`` and exits with its code without tearing the interpreter down
    (``_leave_at_once``). Code that imports ``main`` (the tests) keeps Python's usual exit.

    Args:
        argv: Arguments without the program name (default: ``sys.argv[1:]``).
    """
    outcome: list[int] = []
    atexit.register(_leave_at_once, outcome)
    try:
        code = main(argv)
    except SystemExit as stop:
        # argparse's --help (0) and usage errors (2); other codes Python reports itself.
        if stop.code is None or isinstance(stop.code, int):
            outcome.append(stop.code or 0)
        raise
    outcome.append(code)
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    run_program()
