"""``csc-metrics run``: the quarterly run, from raw files to published HTML reports.

Exit codes: 0 published; 1 a notebook failed (or the privacy check did), nothing published;
2 unusable input or a bad parameter; 3 another run is writing the same output.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path

from csc_metrics.errors import InputError, NotebookFailedError
from csc_metrics.report.config import (
    COMPARATORS,
    DEFAULT_CELL_TIMEOUT,
    PROCESSED_FOLDER,
    RunConfig,
    available_cores,
)

#: Modules whose import is slow and not needed by this process (see _skip_slow_imports).
_UNUSED_SLOW_MODULES = ("rfc3987_syntax",)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the ``run`` options."""
    parser.epilog = (
        "exit codes: 0 published; 1 a notebook failed (nothing published, the failed build is "
        "kept under OUT/_failed/); 2 unusable input or a bad parameter; 3 another run is "
        "writing the same output. Logs: OUT/logs/run-<time>.log, copied into the report folder."
    )
    parser.add_argument(
        "--raw", required=True, type=Path, metavar="DIR", help="raw data folder (read only)"
    )
    parser.add_argument(
        "--period-end",
        required=True,
        metavar="YYYY-MM-DD|latest",
        help="reference date, or 'latest' for the most recent quarter end the data cover",
    )
    parser.add_argument(
        "--la-code", required=True, metavar="CODE", help="council code, e.g. E10000017"
    )
    parser.add_argument(
        "--la-name",
        metavar="NAME",
        help="council name for titles (default: the name councils.csv gives the code; "
        "for the synthetic sample, Synthetic county (sample data))",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("reports"),
        metavar="DIR",
        help="reports folder; publishes OUT/<period>/index.html (default: reports)",
    )
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--team", metavar="T", help="render every report for this team only")
    who.add_argument(
        "--per-team",
        action="store_true",
        help="also render the caseload report for each team, under OUT/<period>/teams/",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        default=available_cores(),
        help="notebooks executed at once (default: the number of cores, %(default)s here)",
    )
    parser.add_argument(
        "--suppress", action="store_true", help="suppress counts of 1-5 everywhere (shown as c)"
    )
    parser.add_argument(
        "--quiet", action="store_true", help="no progress output (for cron); errors on stderr"
    )
    parser.add_argument(
        "--processed",
        type=Path,
        metavar="DIR",
        help=f"where ingest writes the processed tables (default: OUT/{PROCESSED_FOLDER}, so a "
        "run never overwrites an analyst's data/processed)",
    )
    parser.add_argument(
        "--skip-ingest",
        action="store_true",
        help="reuse the processed folder as it is instead of ingesting --raw again",
    )
    parser.add_argument(
        "--fresh-ingest",
        action="store_true",
        help="ingest --raw and execute every notebook again, even when nothing changed (by "
        "default a re-run with byte-identical raw files, the same code and settings reuses the "
        "processed data, and each report whose notebook, parameters and data are unchanged "
        "is taken from the last published run and only its page written again)",
    )
    parser.add_argument(
        "--notebooks",
        type=Path,
        metavar="DIR",
        help="folder of report notebooks (default: the project's notebooks/)",
    )
    parser.add_argument(
        "--targets", type=Path, metavar="FILE", help="local targets file for the notebooks"
    )
    parser.add_argument(
        "--scenario",
        type=Path,
        metavar="FILE",
        help="forecast scenario (YAML or CSV) for the demand and cost report",
    )
    parser.add_argument(
        "--costs",
        type=Path,
        metavar="FILE",
        help="weekly unit costs by placement category for the forecast (default: shipped "
        "assumptions)",
    )
    parser.add_argument(
        "--change-points",
        type=Path,
        metavar="FILE",
        help="declared change points (CSV: indicator id or *, date, reason): SPC limits are "
        "recalculated from each date",
    )
    parser.add_argument(
        "--comparator",
        choices=COMPARATORS,
        default="england",
        help="benchmark comparator: england, region or sn (statistical neighbours)",
    )
    parser.add_argument(
        "--pdf",
        action="store_true",
        help="also write a PDF of each report and an A4 committee summary under "
        "OUT/<period>/pdf/ (printed by headless Chromium; without it the HTML is still "
        "published)",
    )
    parser.add_argument(
        "--keep",
        type=int,
        metavar="N",
        help="keep only the newest N published quarter ends (default: all); removes only "
        "folders csc-metrics published",
    )
    parser.add_argument(
        "--timeout",
        type=int,
        metavar="SECONDS",
        default=DEFAULT_CELL_TIMEOUT,
        help="seconds one notebook cell may run before the notebook fails (default: %(default)s)",
    )


def config_from_args(args: argparse.Namespace) -> RunConfig:
    """Build the run configuration from parsed arguments (validated later by the run)."""
    return RunConfig(
        raw=args.raw,
        period_end=args.period_end,
        la_code=args.la_code,
        la_name=args.la_name,
        out=args.out,
        processed=args.processed,
        notebooks_dir=args.notebooks,
        team=args.team,
        per_team=args.per_team,
        jobs=args.jobs,
        suppress=args.suppress,
        quiet=args.quiet,
        targets=args.targets,
        scenario=args.scenario,
        costs=args.costs,
        comparator=args.comparator,
        change_points=args.change_points,
        cell_timeout=args.timeout,
        skip_ingest=args.skip_ingest,
        fresh_ingest=args.fresh_ingest,
        keep=args.keep,
        pdf=args.pdf,
        # csc-metrics -v sets the root logger to DEBUG before this module runs.
        verbose=logging.getLogger().level == logging.DEBUG,
    )


def _skip_slow_imports() -> None:
    # jsonschema (imported by nbformat) imports rfc3987-syntax when it is installed, which
    # builds a parser at import time (about a second). Only jsonschema's "iri" format checks
    # use it, and notebook validation never does; marking it missing saves that second on
    # every run. Done only if nothing has imported it yet.
    for name in _UNUSED_SLOW_MODULES:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    """Run the quarterly suite.

    Returns:
        0 when the reports were published.

    Raises:
        NotebookFailedError: When a notebook failed (exit 1); the message names the notebook,
            the cell, where the failed build is and where the log is.
    """
    _skip_slow_imports()
    # A scheduler stops a run with SIGTERM: treat it as Ctrl-C, so kernels are killed and the
    # half-built folder removed, and the published report is left as it was.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _interrupt)
    # The kernels' fork server needs two seconds to import pandas and friends: start it before
    # this process spends its own second importing the runner.
    from csc_metrics.report.forkserver import start_fork_server

    server = start_fork_server()
    try:
        from csc_metrics.report.runner import run_suite

        outcome = run_suite(config_from_args(args), fork_server=server)
    finally:
        if server is not None:
            server.close()
    if outcome.exit_code == 2:
        raise InputError(outcome.failure_message())
    if outcome.exit_code:
        raise NotebookFailedError(outcome.failure_message())
    return 0
