"""A run's log: the log file every run writes, and the progress lines it prints.

``run_logging`` sends everything to ``reports/logs/run-<stamp>.log`` and progress lines to stdout
(unless ``--quiet``); libraries that narrate every step are kept to the log file. ``Progress``
writes one line as each notebook starts and finishes.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

from csc_metrics.report.execute import NotebookJob
from csc_metrics.report.outcomes import NotebookOutcome
from csc_metrics.storage import unused_path

#: Progress lines: stdout (unless --quiet) and the log file.
progress_logger = logging.getLogger("csc_metrics.report.progress")
#: Messages for the log file only, because the command line prints them once itself.
file_logger = logging.getLogger("csc_metrics.report.log")

#: Loggers of libraries that narrate every step, or log tracebacks for failures the run reports
#: in its own words: their warnings and errors go to the log file only.
CHATTY_LOGGERS = ("papermill", "traitlets", "nbclient", "asyncio", "filelock")


class Progress:
    """Per-notebook progress lines (stdout unless --quiet, and the log file)."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0

    def started(self, job: NotebookJob) -> None:
        """Say that a notebook has started."""
        progress_logger.info("  started   %s", job.label)

    def finished(self, outcome: NotebookOutcome) -> None:
        """Say that a notebook has finished, how long it took, or where it failed."""
        self.done += 1
        seconds = outcome.execute_seconds + outcome.render_seconds
        if outcome.no_data:
            progress_logger.info(
                "[%d/%d] no data   %s (%s)",
                self.done,
                self.total,
                outcome.job.label,
                outcome.no_data,
            )
        elif outcome.reused:
            progress_logger.info(
                "[%d/%d] re-used   %s (inputs unchanged since the last run)",
                self.done,
                self.total,
                outcome.job.label,
            )
        elif outcome.succeeded:
            progress_logger.info(
                "[%d/%d] done      %s (%.1f s)", self.done, self.total, outcome.job.label, seconds
            )
        else:
            progress_logger.error(
                "[%d/%d] FAILED    %s (%.1f s)",
                self.done,
                self.total,
                outcome.failure_line(),
                seconds,
            )


@contextlib.contextmanager
def run_logging(log_dir: Path, stamp: str, quiet: bool, verbose: bool) -> Iterator[Path]:
    """Log the run to a file (always), and progress to stdout unless quiet.

    With ``quiet``, the console shows errors only (on stderr), whatever the caller's logging
    set-up; the log file always gets everything at INFO (DEBUG with ``verbose``). Progress lines
    go to stdout; a run's final error is left to the command line to print, once.

    Args:
        log_dir: Folder for the log file (``reports/logs``).
        stamp: The run's time stamp, used in the file name.
        quiet: Errors only on the console.
        verbose: Debug messages in the log file.

    Yields:
        The log file's path.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = unused_path(log_dir, f"run-{stamp}", ".log")
    file_handler = logging.FileHandler(log_path, encoding="utf-8")
    file_handler.setLevel(logging.DEBUG if verbose else logging.INFO)
    file_handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    package = logging.getLogger("csc_metrics")
    console_handlers = [
        h
        for h in root.handlers
        if type(h) is logging.StreamHandler and h.stream in (sys.stderr, sys.stdout)
    ]
    # What the run changes, to put back afterwards.
    saved_package_level, saved_root_level = package.level, root.level
    saved_console_levels = [h.level for h in console_handlers]
    saved_chatty = {
        name: (logging.getLogger(name).level, logging.getLogger(name).propagate)
        for name in CHATTY_LOGGERS
    }
    saved_progress_propagate = progress_logger.propagate
    saved_file_propagate = file_logger.propagate
    progress_handler = logging.StreamHandler(sys.stdout)
    progress_handler.setFormatter(logging.Formatter("%(message)s"))
    progress_handler.setLevel(logging.CRITICAL + 1 if quiet else logging.INFO)
    root.addHandler(file_handler)
    root.setLevel(min(root.level or logging.WARNING, file_handler.level))
    package.setLevel(logging.DEBUG if verbose else logging.INFO)
    for name in CHATTY_LOGGERS:
        chatty = logging.getLogger(name)
        chatty.setLevel(logging.WARNING)
        chatty.propagate = False
        chatty.addHandler(file_handler)
    for handler in console_handlers:
        handler.setLevel(logging.ERROR if quiet else max(handler.level, logging.WARNING))
    progress_logger.propagate = False
    progress_logger.addHandler(file_handler)
    progress_logger.addHandler(progress_handler)
    file_logger.propagate = False
    file_logger.addHandler(file_handler)
    logging.captureWarnings(True)
    # requests tries urllib3's optional SOCKS support as papermill is imported; the warning it
    # raises when PySocks is missing is about proxies no run uses, and is shown only when
    # another thread happens to be changing the warning filters (it is not repeatable), so it
    # would only alarm a reader of the log.
    warnings.filterwarnings("ignore", message="SOCKS support in urllib3 requires")
    try:
        yield log_path
    finally:
        logging.captureWarnings(False)
        for handler in (progress_handler, file_handler):
            progress_logger.removeHandler(handler)
        file_logger.removeHandler(file_handler)
        root.removeHandler(file_handler)
        file_handler.close()
        progress_logger.propagate = saved_progress_propagate
        file_logger.propagate = saved_file_propagate
        package.setLevel(saved_package_level)
        root.setLevel(saved_root_level)
        for handler, level in zip(console_handlers, saved_console_levels, strict=True):
            handler.setLevel(level)
        for name, (level, propagate) in saved_chatty.items():
            chatty = logging.getLogger(name)
            chatty.removeHandler(file_handler)
            chatty.setLevel(level)
            chatty.propagate = propagate
