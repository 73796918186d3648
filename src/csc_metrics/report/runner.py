"""The quarterly run, step by step: ingest, execute, render, landing page, manifest, publish.

``run_suite`` is the whole run. Its collaborators that live in other parts of the package (the
ingest, the quarter ends the data cover, the teams in the caseload data) are parameters with
defaults, so that tests can run the real machinery on fixture notebooks and a fake ingest.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from csc_metrics import __version__, storage
from csc_metrics.dates import LATEST, format_date, period_label
from csc_metrics.errors import CscMetricsError
from csc_metrics.fingerprints import hash_inputs, inputs_fingerprint, sha256_file
from csc_metrics.indicators import resolve_period_end, resolve_team, teams_at
from csc_metrics.report.config import (
    LOGS_FOLDER,
    RunConfig,
    discover_notebooks,
    slugify,
    team_notebook,
)
from csc_metrics.report.execute import CellFailure, NotebookJob, execute_job
from csc_metrics.report.forkserver import ForkServer
from csc_metrics.report.kernels import KernelPool
from csc_metrics.report.landing import (
    LandingPage,
    ReportLink,
    summarise_data_quality,
    write_landing_page,
)
from csc_metrics.report.privacy_check import find_identifiers, find_small_counts, raw_child_ids
from csc_metrics.report.publish import (
    git_commit,
    lock_file_for,
    remove_stale_builds,
    run_lock,
    set_aside,
)
from csc_metrics.report.render import (
    KeyMessages,
    PageContext,
    failure_notice,
    prepare_renderer,
    render_report,
    report_title,
)
from csc_metrics.report.reuse import processed_up_to_date, write_ingest_stamp
from csc_metrics.settings import DEFAULT_SETTINGS

logger = logging.getLogger(__name__)
#: Progress lines: stdout (unless --quiet) and the log file.
progress_logger = logging.getLogger("csc_metrics.report.progress")
#: Messages for the log file only, because the command line prints them once itself.
file_logger = logging.getLogger("csc_metrics.report.log")

#: A report over this size is flagged: managers open them from shared drives and e-mail.
MAX_REPORT_BYTES = 5 * 1024 * 1024

#: Most kernels started ahead of need (each holds its own Python with pandas loaded).
MAX_KERNELS_AHEAD = 8

#: How the processed data came to be, as the landing page says it (key: ``_Run.ingest_status``).
INGEST_DESCRIPTIONS = {
    "fresh": "run",
    "reused": "not run: processed data up to date with the raw files (--fresh-ingest forces it)",
    "skipped": "skipped: processed data reused (--skip-ingest)",
}

#: Builds the report context every notebook shares (see ``_Run._prepare_report_data``).
PRELOAD_FUNCTION = "csc_metrics.views.opening:preload_report"

#: Loggers of libraries that narrate every step, or log tracebacks for failures the run reports
#: in its own words: their warnings and errors go to the log file only.
CHATTY_LOGGERS = ("papermill", "traitlets", "nbclient", "asyncio", "filelock")

IngestFn = Callable[[Path, Path], Any]
LatestFn = Callable[[Path], pd.Timestamp]
TeamsFn = Callable[[Path, pd.Timestamp], list[str]]


def ingest_raw(raw: Path, processed: Path) -> Any:
    """Run ``csc-metrics ingest`` (``csc_metrics.pipeline.ingest``) from raw into processed."""
    from csc_metrics.pipeline import ingest

    return ingest(raw, processed)


def latest_quarter_end(processed: Path) -> pd.Timestamp:
    """The most recent quarter end the processed data cover (``indicators.resolve_period_end``).

    Raises:
        ParameterError: If the data cover no quarter end.
    """
    return resolve_period_end(LATEST, storage.load_processed(processed), "--period-end")


def folder_teams(processed: Path, period_end: pd.Timestamp) -> list[str]:
    """The teams of the caseload data in a processed folder (``indicators.teams_at``).

    Args:
        processed: The processed folder (only its cases and workforce are read).
        period_end: The period end.

    Returns:
        Team names, sorted; empty without caseload data.
    """
    tables = {
        name: storage.read_table(name, processed)
        for name in ("clean_caseload__cases", "clean_caseload__workforce")
    }
    return teams_at(storage.ProcessedData.from_tables(tables), period_end)


@dataclass
class NotebookOutcome:
    """What one notebook produced in this run."""

    job: NotebookJob
    title: str
    report: str
    failure: CellFailure | None
    execute_seconds: float
    render_seconds: float
    report_bytes: int = 0
    key_messages: list[KeyMessages] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        """Whether the notebook ran to the end."""
        return self.failure is None

    def failure_line(self) -> str:
        """``03_placements.ipynb: cell 7 (KeyError: 'decom')``."""
        return f"{self.job.label}: {self.failure.describe()}" if self.failure else ""

    def record(self) -> dict[str, Any]:
        """The outcome for the run manifest."""
        failure = self.failure
        return {
            "notebook": self.job.source.name,
            "team": self.job.team,
            "report": self.report,
            "title": self.title,
            "status": "succeeded" if failure is None else "failed",
            "execute_seconds": round(self.execute_seconds, 2),
            "render_seconds": round(self.render_seconds, 2),
            "report_bytes": self.report_bytes,
            "failure": None
            if failure is None
            else {
                "cell": failure.cell_number,
                "error": failure.error_type,
                "message": failure.message,
                "cell_starts": failure.cell_summary,
            },
        }


@dataclass
class RunOutcome:
    """The result of a run.

    Attributes:
        published: The published folder, when every notebook succeeded.
        failed_build: Where an unpublished build was set aside.
        log_path: The run's log file.
        notebooks: What each notebook produced.
        period_end: The period reported on.
        privacy_findings: Problems the privacy check found (file and line only).
    """

    published: Path | None
    failed_build: Path | None
    log_path: Path
    notebooks: list[NotebookOutcome]
    period_end: pd.Timestamp
    privacy_findings: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when published, 1 otherwise."""
        return 0 if self.published is not None else 1

    def failure_message(self) -> str:
        """The message for stderr when the run did not publish."""
        failed = [o.failure_line() for o in self.notebooks if not o.succeeded]
        lines = []
        if failed:
            lines.append(f"{len(failed)} notebook(s) failed: " + "; ".join(failed) + ".")
        if self.privacy_findings:
            lines.append(
                "The privacy check found problems in the output: "
                + "; ".join(self.privacy_findings[:5])
                + ("; ..." if len(self.privacy_findings) > 5 else "")
                + "."
            )
        lines.append(
            f"Nothing was published: the previous report for {self.period_end.date()} is "
            f"unchanged. The failed build is in {self.failed_build} (open index.html there); "
            f"the log is {self.log_path}."
        )
        return " ".join(lines)


class _NotPublishedError(Exception):
    """Raised inside the staging block to keep the published folder as it is."""


class _Progress:
    """Per-notebook progress lines (stdout unless --quiet, and the log file)."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0

    def started(self, job: NotebookJob) -> None:
        progress_logger.info("  started   %s", job.label)

    def finished(self, outcome: NotebookOutcome) -> None:
        self.done += 1
        seconds = outcome.execute_seconds + outcome.render_seconds
        if outcome.succeeded:
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
    log_path = log_dir / f"run-{stamp}.log"
    suffix = 1
    while log_path.exists():
        suffix += 1
        log_path = log_dir / f"run-{stamp}-{suffix}.log"
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
    saved = {
        "package_level": package.level,
        "root_level": root.level,
        "console_levels": [h.level for h in console_handlers],
        "chatty": {
            name: (logging.getLogger(name).level, logging.getLogger(name).propagate)
            for name in CHATTY_LOGGERS
        },
        "progress_propagate": progress_logger.propagate,
        "file_propagate": file_logger.propagate,
    }
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
    try:
        yield log_path
    finally:
        logging.captureWarnings(False)
        for handler in (progress_handler, file_handler):
            progress_logger.removeHandler(handler)
        file_logger.removeHandler(file_handler)
        root.removeHandler(file_handler)
        file_handler.close()
        progress_logger.propagate = saved["progress_propagate"]
        file_logger.propagate = saved["file_propagate"]
        package.setLevel(saved["package_level"])
        root.setLevel(saved["root_level"])
        for handler, level in zip(console_handlers, saved["console_levels"], strict=True):
            handler.setLevel(level)
        for name, (level, propagate) in saved["chatty"].items():
            chatty = logging.getLogger(name)
            chatty.removeHandler(file_handler)
            chatty.setLevel(level)
            chatty.propagate = propagate


def run_suite(
    config: RunConfig,
    *,
    ingest_fn: IngestFn = ingest_raw,
    latest_fn: LatestFn = latest_quarter_end,
    teams_fn: TeamsFn = folder_teams,
    fork_server: ForkServer | None = None,
) -> RunOutcome:
    """Run the whole quarterly suite and publish it if every notebook succeeds.

    Steps: take the locks; start kernels; ingest ``raw`` into the processed folder (while the
    kernels warm up); resolve the period; execute every notebook in parallel on warm kernels
    and render each to HTML as it finishes; write the landing page and ``manifest.json``; check
    the build for raw identifiers (and small counts when suppressing); then swap the build in
    as ``out/<period>/``. A build with a failure is moved to ``out/_failed/`` instead and the
    published folder is left as it was.

    Args:
        config: The run's parameters (validated here).
        ingest_fn: ``(raw, processed) -> anything``; raises ``InputError`` for unusable input.
        latest_fn: ``(processed) -> Timestamp``: the latest quarter end, for ``latest``.
        teams_fn: ``(processed, period_end) -> team names``, for ``--team``/``--per-team``.
        fork_server: A kernel fork server already warming up (the command line starts one
            before its own imports); by default the run starts its own where supported.

    Returns:
        The outcome; ``exit_code`` is 0 when published and 1 when not.

    Raises:
        ParameterError: A bad parameter (exit 2).
        InputError: Unusable input data (exit 2); nothing is published.
        AlreadyRunningError: Another run holds the lock (exit 3).
    """
    config = config.validated()
    started_at = datetime.now().astimezone()
    stamp = started_at.strftime("%Y%m%d-%H%M%S")
    with run_logging(config.out / LOGS_FOLDER, stamp, config.quiet, config.verbose) as log_path:
        try:
            with contextlib.ExitStack() as locks:
                locks.enter_context(
                    run_lock(
                        lock_file_for(config.out, inside=True), f"the reports folder {config.out}"
                    )
                )
                processed = config.processed_dir
                if config.out not in processed.parents:
                    locks.enter_context(
                        run_lock(
                            lock_file_for(processed, inside=False),
                            f"the processed folder {processed}",
                        )
                    )
                seams = (ingest_fn, latest_fn, teams_fn, fork_server)
                return _Run(config, started_at, stamp, log_path, *seams)()
        except CscMetricsError as error:
            file_logger.error("%s", error)
            raise
        except KeyboardInterrupt:
            file_logger.error("Interrupted: nothing was published by this run")
            raise


class _Run:
    """One run, holding the locks: the steps of ``run_suite``."""

    def __init__(
        self,
        config: RunConfig,
        started_at: datetime,
        stamp: str,
        log_path: Path,
        ingest_fn: IngestFn,
        latest_fn: LatestFn,
        teams_fn: TeamsFn,
        fork_server: ForkServer | None,
    ) -> None:
        self.config = config
        self.fork_server = fork_server
        self.started_at = started_at
        self.stamp = stamp
        self.log_path = log_path
        self.ingest_fn = ingest_fn
        self.latest_fn = latest_fn
        self.teams_fn = teams_fn
        self.timings: dict[str, float] = {}
        self.began = time.perf_counter()
        self.commit: str | None = None
        # --team as the data spell it (the option matches whatever the case).
        self.team: str | None = None
        # Set when the run is interrupted, so notebooks cut short are not reported as failures.
        self.stopping = False
        # "fresh", "reused" (up to date with the raw files) or "skipped" (--skip-ingest).
        self.ingest_status = "fresh"
        self.ingest_reason = ""

    def __call__(self) -> RunOutcome:
        config = self.config
        for stale in remove_stale_builds(config.out):
            logger.info("Removed an unfinished build left by an earlier run: %s", stale)
        notebooks = discover_notebooks(config.notebooks_folder)
        ahead = min(MAX_KERNELS_AHEAD, max(config.jobs, len(notebooks)))
        with (
            KernelPool(
                cwd=config.notebooks_folder,
                ahead=ahead,
                kernel_log=self.log_path,
                server=self.fork_server,
            ) as pool,
            ThreadPoolExecutor(max_workers=3, thread_name_prefix="background") as background,
        ):
            # A kernel forked from the warm server is ready in a few tenths of a second, so it
            # is forked once the report data are in the server's memory, and inherits them. A
            # kernel started as a new process takes seconds: start those while ingest runs.
            if not pool.forks:
                pool.add_demand(len(notebooks))
            # While ingest runs: warm the renderer and executor, hash inputs, read raw ids.
            background.submit(_prepare_execution_and_rendering)
            inputs = background.submit(hash_inputs, config.raw)
            identifiers = background.submit(raw_child_ids, config.raw)
            self._ingest(inputs)
            prepared_end = self._prepare_report_data(pool.server)
            period_end = prepared_end if prepared_end is not None else self._period_end()
            jobs = self._jobs(notebooks, period_end)
            pool.add_demand(len(jobs) if pool.forks else len(jobs) - len(notebooks))
            return self._build_and_publish(jobs, pool, period_end, inputs, identifiers)

    def _ingest(self, inputs: Future[list[dict[str, Any]]]) -> None:
        config = self.config
        began = time.perf_counter()
        if config.skip_ingest:
            self.ingest_status = "skipped"
            progress_logger.info("Reusing the processed data in %s", config.processed_dir)
            return
        if not config.fresh_ingest:
            decision = processed_up_to_date(config.processed_dir, inputs.result())
            self.ingest_reason = decision.reason
            if decision.up_to_date:
                self.ingest_status = "reused"
                self.timings["ingest_check"] = time.perf_counter() - began
                progress_logger.info(
                    "Processed data up to date with the raw files in %s: not ingesting again "
                    "(--fresh-ingest forces it)",
                    config.processed_dir,
                )
                return
            logger.info("Ingesting because %s", decision.reason)
        else:
            self.ingest_reason = "--fresh-ingest"
        progress_logger.info("Ingesting %s into %s", config.raw, config.processed_dir)
        self.ingest_fn(config.raw, config.processed_dir)
        if (config.processed_dir / storage.MANIFEST_NAME).exists():
            write_ingest_stamp(config.processed_dir)
        self.timings["ingest"] = time.perf_counter() - began
        progress_logger.info("Ingest finished in %.1f s", self.timings["ingest"])

    def _prepare_report_data(self, server: ForkServer | None) -> pd.Timestamp | None:
        """Build what every notebook shares, once, before any notebook starts.

        That is the report context of ``views.open_report``: the processed data loaded and
        checked, the indicator series at every quarter end, the benchmark alignment and every
        indicator's summary (SPC, benchmark, target). With a kernel fork server it is built in
        the server, and every kernel forked afterwards starts with it in memory; without one it
        is built here, and the notebooks read the series and alignment from the processed
        folder's cache. Either way no notebook computes the series or waits for another to.

        Returns:
            The period end the notebooks' parameters settle on (``latest`` resolved), or None
            when the context could not be built; each notebook then builds its own, and says
            what is wrong with the data or parameters if anything is.
        """
        began = time.perf_counter()
        parameters = self.config.notebook_parameters(self.config.period_end, self.config.team)
        progress_logger.info("Preparing the indicator series and summaries for the notebooks")
        try:
            if server is not None:
                answer = server.call(PRELOAD_FUNCTION, **parameters)
            else:
                from csc_metrics.views.opening import preload_report

                answer = preload_report(**parameters)
        except Exception as error:  # the notebooks report a problem with the data themselves
            logger.info("The report data were not prepared ahead of the notebooks: %s", error)
            return None
        self.timings["prepare_report_data"] = time.perf_counter() - began
        logger.info("Report data prepared in %.1f s", self.timings["prepare_report_data"])
        return pd.Timestamp(answer["period_end"])

    def _period_end(self) -> pd.Timestamp:
        if self.config.period_end != "latest":
            return pd.Timestamp(self.config.period_end)
        began = time.perf_counter()
        period_end = pd.Timestamp(self.latest_fn(self.config.processed_dir)).normalize()
        self.timings["latest_period"] = time.perf_counter() - began
        logger.info("Latest quarter end in the data: %s", period_end.date())
        return period_end

    def _jobs(self, notebooks: list[Path], period_end: pd.Timestamp) -> list[NotebookJob]:
        config = self.config
        team = config.team
        if team is not None:
            team = resolve_team(team, self.teams_fn(config.processed_dir, period_end), "--team")
        self.team = team
        jobs = [
            NotebookJob(
                source=notebook,
                output_name=notebook.stem,
                parameters=config.notebook_parameters(period_end, team),
                team=team,
            )
            for notebook in notebooks
        ]
        if config.per_team:
            per_team = team_notebook(notebooks)
            teams = self.teams_fn(config.processed_dir, period_end)
            if not teams:
                logger.warning(
                    "--per-team: no teams in the caseload data at %s, so no team reports",
                    period_end.date(),
                )
            slugs: dict[str, int] = {}
            for name in teams:
                slug = slugify(name)
                slugs[slug] = slugs.get(slug, 0) + 1
                unique = slug if slugs[slug] == 1 else f"{slug}-{slugs[slug]}"
                jobs.append(
                    NotebookJob(
                        source=per_team,
                        output_name=f"teams/{unique}",
                        parameters=config.notebook_parameters(period_end, name),
                        team=name,
                    )
                )
        return jobs

    def _build_and_publish(
        self,
        jobs: list[NotebookJob],
        pool: KernelPool,
        period_end: pd.Timestamp,
        inputs: Future[list[dict[str, Any]]],
        identifiers: Future[set[str]],
    ) -> RunOutcome:
        config = self.config
        name = config.publish_name(period_end)
        target = config.out / name
        progress_logger.info(
            "Running %d notebook(s) for the %s, %d at a time",
            len(jobs),
            period_label(period_end),
            config.jobs,
        )
        outcome_box: dict[str, Any] = {}
        try:
            with storage.staged_replace(target) as build:
                outcomes = self._execute_all(jobs, pool, build, period_end)
                findings = self._finish_build(
                    build, outcomes, period_end, inputs.result(), identifiers.result()
                )
                outcome_box.update(outcomes=outcomes, findings=findings)
                if findings or any(not o.succeeded for o in outcomes):
                    failed_build = set_aside(build, config.out, name, self.stamp)
                    outcome_box["failed_build"] = failed_build
                    raise _NotPublishedError
        except _NotPublishedError:
            outcome = RunOutcome(
                published=None,
                failed_build=outcome_box["failed_build"],
                log_path=self.log_path,
                notebooks=outcome_box["outcomes"],
                period_end=period_end,
                privacy_findings=outcome_box["findings"],
            )
            file_logger.error("%s", outcome.failure_message())
            return outcome
        progress_logger.info("Published %s", target / "index.html")
        return RunOutcome(
            published=target,
            failed_build=None,
            log_path=self.log_path,
            notebooks=outcome_box["outcomes"],
            period_end=period_end,
        )

    def _execute_all(
        self, jobs: list[NotebookJob], pool: KernelPool, build: Path, period_end: pd.Timestamp
    ) -> list[NotebookOutcome]:
        began = time.perf_counter()
        progress = _Progress(len(jobs))
        durations = previous_durations(self.config.out)
        executor = ThreadPoolExecutor(max_workers=self.config.jobs, thread_name_prefix="notebook")
        try:
            futures = {
                job.output_name: executor.submit(
                    self._run_one, job, pool, build, period_end, progress
                )
                for job in longest_first(jobs, durations)
            }
            outcomes = [futures[job.output_name].result() for job in jobs]
        except BaseException:
            # Interrupted (Ctrl-C, or SIGTERM from a scheduler): start no more notebooks and
            # kill the kernels, so the running ones stop now rather than when they finish.
            self.stopping = True
            executor.shutdown(wait=False, cancel_futures=True)
            pool.close()
            executor.shutdown(wait=True)
            raise
        executor.shutdown(wait=True)
        self.timings["execute_and_render"] = time.perf_counter() - began
        return outcomes

    def _run_one(
        self,
        job: NotebookJob,
        pool: KernelPool,
        build: Path,
        period_end: pd.Timestamp,
        progress: _Progress,
    ) -> NotebookOutcome:
        progress.started(job)
        executed_path = build / "notebooks" / f"{job.output_name}.ipynb"
        try:
            kernel = pool.acquire()
        except Exception as error:
            failure = CellFailure(None, "KernelStartError", str(error))
            outcome = self._render(job, None, failure, build, period_end, 0.0)
        else:
            try:
                result = execute_job(
                    job, kernel, executed_path, cell_timeout=self.config.cell_timeout
                )
            finally:
                pool.discard(kernel)
            outcome = self._render(
                job, result.notebook, result.failure, build, period_end, result.seconds
            )
        if self.stopping:
            progress_logger.info("  stopped   %s", job.label)
            return outcome
        for warning in outcome.warnings:
            logger.warning("%s: %s", job.label, warning)
        progress.finished(outcome)
        return outcome

    def _render(
        self,
        job: NotebookJob,
        notebook: nbformat.NotebookNode | None,
        failure: CellFailure | None,
        build: Path,
        period_end: pd.Timestamp,
        execute_seconds: float,
    ) -> NotebookOutcome:
        began = time.perf_counter()
        source = nbformat.read(job.source, as_version=4)
        title = report_title(source, job.source.stem)
        report = f"{job.output_name}.html"
        depth = report.count("/")
        context = PageContext(
            title=title,
            council=f"{self.config.display_name} ({self.config.la_code})",
            period_label=period_label(period_end),
            index_href="../" * depth + "index.html",
            team=job.team,
            suppressed=self.config.suppress,
            generated=format_date(self.started_at, "time"),
            failure=failure_notice(job.source.name, failure.describe()) if failure else None,
        )
        try:
            rendered = render_report(notebook or nbformat.v4.new_notebook(), context)
        except Exception as error:  # a rendering bug must not stop the other reports
            logger.debug("Rendering %s failed", job.label, exc_info=True)
            failure = failure or CellFailure(
                None, "RenderError", f"{type(error).__name__}: {error}"
            )
            context = replace(context, failure=failure_notice(job.source.name, failure.describe()))
            rendered = render_report(nbformat.v4.new_notebook(), context)
        path = build / report
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered.html, encoding="utf-8")
        size = path.stat().st_size
        warnings = list(rendered.warnings)
        if size > MAX_REPORT_BYTES:
            warnings.append(
                f"{report} is {size / 1024 / 1024:.1f} MB, over the 5 MB limit for reports"
            )
        return NotebookOutcome(
            job=job,
            title=rendered.title,
            report=report,
            failure=failure,
            execute_seconds=execute_seconds,
            render_seconds=time.perf_counter() - began,
            report_bytes=size,
            key_messages=rendered.key_messages,
            warnings=warnings,
        )

    def _finish_build(
        self,
        build: Path,
        outcomes: list[NotebookOutcome],
        period_end: pd.Timestamp,
        inputs: list[dict[str, Any]],
        identifiers: set[str],
    ) -> list[str]:
        began = time.perf_counter()
        self.commit = git_commit(Path(__file__).resolve().parent)
        self._write_landing_and_manifest(build, outcomes, period_end, inputs, [])
        # Everything is checked, the landing page and manifest too: they list raw file names.
        findings = self._privacy_findings(build, identifiers)
        if findings:
            self._write_landing_and_manifest(build, outcomes, period_end, inputs, findings)
        self.timings["landing_and_checks"] = time.perf_counter() - began
        if findings or any(not o.succeeded for o in outcomes):
            file_logger.error("Not publishing this build: see the failures above")
        else:
            progress_logger.info("Every notebook succeeded and the checks passed: publishing")
        shutil.copyfile(self.log_path, build / "run.log")
        return findings

    def _privacy_findings(self, build: Path, identifiers: set[str]) -> list[str]:
        findings = [str(f) for f in find_identifiers(build, identifiers)]
        if self.config.suppress:
            findings += [
                f"small count not suppressed in {f}"
                for f in find_small_counts(
                    build, limit=DEFAULT_SETTINGS.suppression_max, narrative=False
                )
            ]
        for finding in findings:
            file_logger.error("Privacy check: %s", finding)
        return findings

    def _write_landing_and_manifest(
        self,
        build: Path,
        outcomes: list[NotebookOutcome],
        period_end: pd.Timestamp,
        inputs: list[dict[str, Any]],
        findings: list[str],
    ) -> None:
        config = self.config
        published = not findings and all(o.succeeded for o in outcomes)
        suite = [o for o in outcomes if not o.job.output_name.startswith("teams/")]
        teams = [o for o in outcomes if o.job.output_name.startswith("teams/")]
        quality = next((o.report for o in suite if "quality" in o.job.source.stem.lower()), None)
        commit = self.commit
        team = f", team {self.team}" if self.team else ""
        page = LandingPage(
            council=config.display_name,
            la_code=config.la_code,
            period_label=period_label(period_end) + team,
            run_date=format_date(self.started_at, "time"),
            suppress=config.suppress,
            reports=[_link(o) for o in suite],
            team_reports=[_link(o) for o in teams],
            key_messages=[(o.title, o.key_messages) for o in suite if o.key_messages],
            failures=[o.failure_line() for o in outcomes if not o.succeeded],
            data_quality=summarise_data_quality(config.processed_dir, config.suppress),
            inputs=inputs,
            inputs_fingerprint=inputs_fingerprint(inputs),
            parameters=_parameter_rows(config, period_end, self.team, self.ingest_status),
            git_commit=commit,
            published=published,
            data_quality_href=quality,
            privacy_problems=findings,
            warnings=[f"{o.job.label}: {w}" for o in outcomes for w in o.warnings],
        )
        write_landing_page(page, build / "index.html")
        self.timings["total"] = time.perf_counter() - self.began
        storage.write_json(
            self._manifest(outcomes, period_end, inputs, findings, commit, published),
            build / "manifest.json",
        )

    def _manifest(
        self,
        outcomes: list[NotebookOutcome],
        period_end: pd.Timestamp,
        inputs: list[dict[str, Any]],
        findings: list[str],
        commit: str | None,
        published: bool,
    ) -> dict[str, Any]:
        config = self.config
        processed_manifest = config.processed_dir / storage.MANIFEST_NAME
        return {
            "csc_metrics_version": __version__,
            "git_commit": commit,
            "python": sys.version.split()[0],
            "status": "published" if published else "not published",
            "started_at": self.started_at.isoformat(timespec="seconds"),
            "period_end": period_end.date().isoformat(),
            "parameters": config.as_record(),
            "inputs": inputs,
            "inputs_fingerprint": inputs_fingerprint(inputs),
            "ingest": {
                "skipped": config.skip_ingest,
                "status": self.ingest_status,
                "reused_up_to_date": self.ingest_status == "reused",
                "reason": self.ingest_reason,
                "processed_manifest": str(processed_manifest),
                "processed_manifest_sha256": sha256_file(processed_manifest)
                if processed_manifest.exists()
                else None,
            },
            "timings_seconds": {k: round(v, 2) for k, v in self.timings.items()},
            "notebooks": [o.record() for o in outcomes],
            "privacy_check": {"raw_identifiers": "checked", "findings": findings},
            "log": "run.log",
        }


def previous_durations(out: Path) -> dict[str, float]:
    """How long each report took to execute in the last published run under ``out``.

    Returns:
        Report name (``01_caseloads`` or ``teams/north``) -> seconds; empty before any run.
    """
    manifests = sorted(
        (p for p in Path(out).glob("*/manifest.json") if not p.parent.name.startswith(("_", "."))),
        key=lambda p: p.stat().st_mtime,
    )
    if not manifests:
        return {}
    try:
        notebooks = load_manifest(manifests[-1].parent).get("notebooks", [])
        return {
            str(n["report"]).removesuffix(".html"): float(n["execute_seconds"]) for n in notebooks
        }
    except (ValueError, KeyError, TypeError, OSError):
        return {}


def longest_first(jobs: list[NotebookJob], durations: dict[str, float]) -> list[NotebookJob]:
    """Order jobs so the longest start first (by last run's times; unknown ones count as long).

    With fewer workers than notebooks, starting the longest first finishes the whole set
    soonest; a notebook without a previous time is started early in case it is long.
    """
    longest = max(durations.values(), default=0.0) + 1.0
    return sorted(jobs, key=lambda job: -durations.get(job.output_name, longest))


def _prepare_execution_and_rendering() -> None:
    import papermill  # noqa: F401 - imported now so the first notebook does not wait for it

    prepare_renderer()


def _link(outcome: NotebookOutcome) -> ReportLink:
    return ReportLink(
        title=outcome.title,
        href=outcome.report,
        status="succeeded" if outcome.succeeded else "failed",
        team=outcome.job.team,
        failure=outcome.failure.describe() if outcome.failure else None,
    )


def _parameter_rows(
    config: RunConfig, period_end: pd.Timestamp, team: str | None, ingest_status: str
) -> list[tuple[str, str]]:
    rows = [
        ("Council", f"{config.display_name} ({config.la_code})"),
        ("Period end", period_end.date().isoformat()),
        ("Period end asked for", config.period_end),
        ("Team", team or "all teams"),
        ("Comparator", config.comparator),
        ("Targets file", str(config.targets) if config.targets else "none"),
        ("Suppression of counts 1 to 5", "on" if config.suppress else "off"),
        ("Raw data folder", str(config.raw)),
        ("Processed data folder", str(config.processed_dir)),
        ("Ingest", INGEST_DESCRIPTIONS[ingest_status]),
        ("Notebooks folder", str(config.notebooks_folder)),
        ("Notebooks run at once", str(config.jobs)),
    ]
    return rows


def load_manifest(folder: Path) -> dict[str, Any]:
    """Read a published (or set-aside) run's ``manifest.json``."""
    return json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
