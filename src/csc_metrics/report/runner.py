"""The quarterly run, step by step: ingest, execute, render, landing page, manifest, publish.

``run_suite`` is the whole run; each step's machinery lives in its own module (``reuse`` decides
whether to ingest, ``jobs`` plans the notebooks, ``kernels``/``execute`` run them, ``pages``
renders each, ``landing`` and ``manifest`` describe the build, ``privacy_check`` checks it and
``publish`` swaps it in). Its collaborators that live in other parts of the package (the
ingest, the quarter ends the data cover, the teams in the caseload data) are parameters with
defaults, so that tests can run the real machinery on fixture notebooks and a fake ingest.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from csc_metrics import storage
from csc_metrics.caseload.annex_a import observing_sheets
from csc_metrics.dates import format_date, period_label
from csc_metrics.errors import CscMetricsError, ParameterError, capped_message
from csc_metrics.fingerprints import hash_inputs, sha256_file
from csc_metrics.indicators import resolve_team
from csc_metrics.report.config import LOGS_FOLDER, RunConfig, discover_notebooks
from csc_metrics.report.data_needs import (
    DataDates,
    MissingData,
    data_dates,
    missing_data,
    no_data_notebook,
)
from csc_metrics.report.execute import CellFailure, ExecutionResult, NotebookJob
from csc_metrics.report.executions import (
    ReusableExecution,
    find_reusable,
    remember_preparation,
    remembered_preparation,
    reuse_execution,
    run_inputs_fingerprint,
)
from csc_metrics.report.forked_notebooks import ChildRegistry, execute_on_pool, forks_notebooks
from csc_metrics.report.forkserver import ForkServer, KernelStartError
from csc_metrics.report.history import prune_periods, write_history_page, write_period_scorecard
from csc_metrics.report.jobs import longest_first, plan_jobs
from csc_metrics.report.kernels import KernelPool
from csc_metrics.report.landing import landing_page, write_landing_page
from csc_metrics.report.manifest import previous_durations, write_run_manifest
from csc_metrics.report.outcomes import NotebookOutcome, RunFacts, RunOutcome
from csc_metrics.report.pages import write_report_page
from csc_metrics.report.pdf import pdf_links, write_pdfs
from csc_metrics.report.privacy_check import find_small_counts
from csc_metrics.report.publish import (
    git_commit,
    is_legacy_report,
    lock_file_for,
    remove_stale_builds,
    run_lock,
    set_aside,
)
from csc_metrics.report.raw_identifiers import (
    BuildScan,
    RawIdentifiers,
    SheetsReadByIngest,
    collect_raw_identifiers,
    remember_raw_identifiers,
    remembered_identifiers,
)
from csc_metrics.report.render import (
    prepare_renderer,
)
from csc_metrics.report.reuse import processed_up_to_date, write_ingest_stamp
from csc_metrics.report.run_defaults import (
    folder_teams,
    ingest_raw,
    ingest_raw_fresh,
    latest_quarter_end,
)
from csc_metrics.report.run_log import Progress, file_logger, progress_logger, run_logging
from csc_metrics.report.summary_file import SUMMARY_NAME, write_summary
from csc_metrics.settings import DEFAULT_SETTINGS
from csc_metrics.views.parameters import PARAMETERS, SPC_PARAMETERS

logger = logging.getLogger(__name__)

#: Most kernels started ahead of need (each holds its own Python with pandas loaded).
MAX_KERNELS_AHEAD = 8

#: Builds the report context every notebook shares (see ``_Run._prepare_report_data``).
PRELOAD_FUNCTION = "csc_metrics.views.opening:preload_report"

IngestFn = Callable[[Path, Path], Any]
LatestFn = Callable[[Path], pd.Timestamp]
TeamsFn = Callable[[Path, pd.Timestamp], list[str]]
DatesFn = Callable[[Path], DataDates]


class _NotPublishedError(Exception):
    """Raised inside the staging block to keep the published folder as it is."""


def run_suite(
    config: RunConfig,
    *,
    ingest_fn: IngestFn = ingest_raw,
    latest_fn: LatestFn = latest_quarter_end,
    teams_fn: TeamsFn = folder_teams,
    fork_server: ForkServer | None = None,
    dates_fn: DatesFn = data_dates,
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
        dates_fn: ``(processed) -> DataDates``: what each dataset covers, so that a report
            none of whose data cover the period gets a "no data" page instead of running
            (``data_needs``), and the landing page says which datasets stop early.

    Returns:
        The outcome; ``exit_code`` is 0 when published, 2 when only a full or read-only disk
        stopped it, and 1 otherwise.

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
                # Always, even for OUT/_processed: `csc-metrics ingest` takes the same lock.
                locks.enter_context(
                    run_lock(
                        lock_file_for(processed, inside=False),
                        f"the processed folder {processed}",
                    )
                )
                if ingest_fn is ingest_raw and config.fresh_ingest:
                    ingest_fn = ingest_raw_fresh
                seams = (ingest_fn, latest_fn, teams_fn, fork_server, dates_fn)
                return _Run(config, started_at, stamp, log_path, *seams)()
        except CscMetricsError as error:
            file_logger.error("%s", capped_message(str(error)))
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
        dates_fn: DatesFn = data_dates,
    ) -> None:
        self.config = config
        self.fork_server = fork_server
        self.started_at = started_at
        self.stamp = stamp
        self.log_path = log_path
        self.ingest_fn = ingest_fn
        self.latest_fn = latest_fn
        self.teams_fn = teams_fn
        self.dates_fn = dates_fn
        # What each dataset covers (None when it could not be read: every notebook then runs
        # and says what is wrong itself).
        self.dates: DataDates | None = None
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
        # What went wrong printing PDFs (--pdf), for the landing page.
        self.pdf_problems: list[str] = []
        # The summary.json facts, from the report context built ahead of the notebooks.
        self.summary: dict[str, Any] | None = None
        # The dates the data cover, as the report preparation answered them (or None).
        self.prepared_dates: dict[str, Any] | None = None
        # The teams at the period end, as the report preparation answered them (or None).
        self.prepared_teams: list[str] | None = None
        # Notebooks executing in children forked from the server (``shell_engine``).
        self.children = ChildRegistry()
        # The privacy check, done for each report as it is written (``_build_and_publish``).
        self.scan: BuildScan | None = None
        self.identifiers: Future[RawIdentifiers] | None = None
        # Report name -> execution key, and the executions of the last published run that
        # this run re-uses instead of executing the notebook again (``executions``).
        self.keys: dict[str, str] = {}
        self.reusable: dict[str, ReusableExecution] = {}
        # What the notebooks share (``executions.run_inputs_fingerprint``), once ingested.
        self.shared: str | None = None

    def __call__(self) -> RunOutcome:
        config = self.config
        # Before anything else: put back what a killed run left retired, so that this run,
        # whatever happens to it, never removes the last published copy.
        remove_stale_builds(config.out, config.processed_dir)
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
            # While ingest runs: hash inputs (the fork server warms up on the other core).
            # Warming the renderer and executor (importing papermill,
            # compiling the template) would take this process's GIL from ingest: with a fork
            # server it waits until the server prepares the report data and this process idles.
            if pool.server is None:
                background.submit(_prepare_execution_and_rendering, pool)
            inputs = background.submit(hash_inputs, config.raw)
            # The raw identifiers for the privacy check: the last run's digests are read before
            # ingest replaces the processed folder; the workbook sheets ingest parses are read
            # as it parses them; the other changed files once it has finished.
            remembered = remembered_identifiers(config.processed_dir)
            read_by_ingest = SheetsReadByIngest()
            with observing_sheets(read_by_ingest):
                self._ingest(inputs)
            # Started once the server has been asked to prepare the report data (exactly once:
            # by the preparation, or here when it is re-used): threads of this process started
            # before would take the GIL this thread needs to ask (0.5 s on the sample's path).
            started: list[Future[RawIdentifiers]] = []

            def start_background() -> None:
                started.append(
                    background.submit(
                        collect_raw_identifiers, config.raw, remembered, read_by_ingest
                    )
                )
                if pool.server is not None:
                    background.submit(_prepare_execution_and_rendering, pool)

            self.shared = run_inputs_fingerprint(config.processed_dir)
            preparation = self._remembered_preparation()
            if preparation is None:
                prepared_end = self._prepare_report_data(pool.server, then=start_background)
            else:
                start_background()
                prepared_end = pd.Timestamp(preparation["period_end"])
                self.prepared_teams = preparation.get("teams")
            [identifiers] = started
            period_end = prepared_end if prepared_end is not None else self._period_end()
            jobs = self._jobs(notebooks, period_end)
            self.dates = self._dates_covered(preparation)
            self._refuse_a_period_no_data_cover(jobs, period_end)
            if self.shared is not None:
                self.keys, self.reusable = find_reusable(self.config, jobs, period_end, self.shared)
            to_run = sum(
                self._missing(job, period_end) is None and job.output_name not in self.reusable
                for job in jobs
            )
            if preparation is not None and to_run:
                # Some notebook runs: it needs the report data in the kernels' memory.
                self._prepare_report_data(pool.server)
            elif preparation is not None:
                self.summary = preparation.get("summary")
                progress_logger.info(
                    "Every report is re-used: the report data are not prepared again"
                )
            if not forks_notebooks(pool):
                pool.add_demand(to_run if pool.forks else max(0, to_run - len(notebooks)))
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

    def _prepare_report_data(
        self, server: ForkServer | None, then: Callable[[], None] | None = None
    ) -> pd.Timestamp | None:
        """Build what every notebook shares, once, before any notebook starts.

        That is the report context of ``views.open_report``: the processed data loaded and
        checked, the indicator series at every quarter end, the benchmark alignment and every
        indicator's summary (SPC, benchmark, target). With a kernel fork server it is built in
        the server, and every kernel forked afterwards starts with it in memory; without one it
        is built here, and the notebooks read the series and alignment from the processed
        folder's cache. Either way no notebook computes the series or waits for another to.

        Args:
            server: The kernel fork server, or None.
            then: Called once the server has been asked (or before preparing here).

        Returns:
            The period end the notebooks' parameters settle on (``latest`` resolved), or None
            when the context could not be built; each notebook then builds its own, and says
            what is wrong with the data or parameters if anything is.
        """
        began = time.perf_counter()
        parameters = self._preparation_parameters()
        progress_logger.info("Preparing the indicator series and summaries for the notebooks")
        try:
            if server is not None:
                answer = server.call(PRELOAD_FUNCTION, after_sending=then, **parameters)
            else:
                from csc_metrics.views.opening import preload_report

                if then is not None:
                    then()
                answer = preload_report(**parameters)
        except Exception as error:  # the notebooks report a problem with the data themselves
            logger.info("The report data were not prepared ahead of the notebooks: %s", error)
            return None
        self.timings["prepare_report_data"] = time.perf_counter() - began
        logger.info("Report data prepared in %.1f s", self.timings["prepare_report_data"])
        self.summary = answer.get("summary")
        self.prepared_dates = answer.get("data_dates")
        self.prepared_teams = answer.get("teams")
        if self.shared is not None:
            remember_preparation(self.config.processed_dir, parameters, self.shared, answer)
        return pd.Timestamp(answer["period_end"])

    def _preparation_parameters(self) -> dict[str, Any]:
        """The notebooks' parameters that preparing the report data takes."""
        return {
            name: value
            for name, value in self.config.notebook_parameters(
                self.config.period_end, self.config.team
            ).items()
            if name in PARAMETERS or name in SPC_PARAMETERS
        }

    def _remembered_preparation(self) -> dict[str, Any] | None:
        """What the last preparation on the same inputs answered (none with --fresh-ingest)."""
        if self.shared is None or self.config.fresh_ingest:
            return None
        return remembered_preparation(
            self.config.processed_dir, self._preparation_parameters(), self.shared
        )

    def _data_dates(self) -> DataDates | None:
        try:
            return self.dates_fn(self.config.processed_dir)
        except Exception as error:  # the notebooks report a problem with the data themselves
            logger.info("The dates the data cover could not be read: %s", error)
            return None

    def _dates_covered(self, remembered: dict[str, Any] | None) -> DataDates | None:
        """The dates the data cover, from the report preparation's answer when there is one.

        The preparation had the data loaded; read here, every processed table is loaded again.
        """
        record = self.prepared_dates or (remembered or {}).get("data_dates")
        if record is not None and self.dates_fn is data_dates:
            try:
                return DataDates.from_record(record)
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                logger.info("The prepared data dates could not be read: %s", error)
        return self._data_dates()

    def _refuse_a_period_no_data_cover(
        self, jobs: list[NotebookJob], period_end: pd.Timestamp
    ) -> None:
        """Stop (exit 2) when no report has data for the period: a mistyped ``--period-end``.

        One report without data gets a "no data" page and the others run; when none has any,
        publishing a period of empty pages would only hide the mistake (a scheduled run would
        report success).

        Raises:
            ParameterError: If no dataset covers the period end.
        """
        missing = [self._missing(job, period_end) for job in jobs]
        if not jobs or any(m is None for m in missing):
            return
        reasons = list(dict.fromkeys(r for m in missing if m is not None for r in m.reasons))
        raise ParameterError(
            f"--period-end {period_end.date()}: none of the data cover it ("
            + "; ".join(reasons)
            + "). Give a quarter end the data cover, or 'latest' for the most recent one."
        )

    def _missing(self, job: NotebookJob, period_end: pd.Timestamp) -> MissingData | None:
        """Why a job's report has no data for the period, or None when it has (or unknown)."""
        return None if self.dates is None else missing_data(job.source, self.dates, period_end)

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
        wanted = config.team is not None or config.per_team
        if not wanted:
            teams = []
        elif self.prepared_teams is not None and self.teams_fn is folder_teams:
            # The preparation found them in the data it loaded (0.3 s less before the first
            # notebook starts, with a core idle, than reading the cases again).
            teams = self.prepared_teams
        else:
            teams = self.teams_fn(config.processed_dir, period_end)
        self.team = resolve_team(config.team, teams, "--team")
        if config.per_team and not teams:
            logger.warning(
                "--per-team: no teams in the caseload data at %s, so no team reports",
                period_end.date(),
            )
        return plan_jobs(config, notebooks, period_end, self.team, teams)

    def _build_and_publish(
        self,
        jobs: list[NotebookJob],
        pool: KernelPool,
        period_end: pd.Timestamp,
        inputs: Future[list[dict[str, Any]]],
        identifiers: Future[RawIdentifiers],
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
            with storage.staged_replace(
                target, "report-period", "The report folder", legacy=is_legacy_report
            ) as build:
                self.scan, self.identifiers = BuildScan(build), identifiers
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
        self._update_history()
        return RunOutcome(
            published=target,
            failed_build=None,
            log_path=self.log_path,
            notebooks=outcome_box["outcomes"],
            period_end=period_end,
        )

    def _update_history(self) -> None:
        """Prune to ``--keep`` periods and rewrite the history page (a failure only warns)."""
        config = self.config
        try:
            prune_periods(config.out, config.keep)
            write_history_page(config.out, config.display_name)
        except OSError as error:
            logger.warning(
                "The history page %s was not updated: %s", config.out / "index.html", error
            )

    def _execute_all(
        self, jobs: list[NotebookJob], pool: KernelPool, build: Path, period_end: pd.Timestamp
    ) -> list[NotebookOutcome]:
        began = time.perf_counter()
        progress = Progress(len(jobs))
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
            self.children.kill_all()
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
        progress: Progress,
    ) -> NotebookOutcome:
        executed_path = build / "notebooks" / f"{job.output_name}.ipynb"
        reusable = self.reusable.get(job.output_name)
        if reusable is not None:
            outcome = reuse_execution(
                job,
                reusable,
                self.keys[job.output_name],
                executed_path,
                build,
                self.config,
                period_end,
                self.started_at,
            )
            for warning in outcome.warnings:
                logger.warning("%s: %s", job.label, warning)
            progress.finished(outcome)
            return outcome
        progress.started(job)
        missing = self._missing(job, period_end)
        if missing is not None:
            outcome = write_report_page(
                job,
                no_data_notebook(missing, period_end),
                None,
                build,
                self.config,
                period_end,
                self.started_at,
                0.0,
            )
            outcome.no_data = missing.summary()
            progress.finished(outcome)
            return outcome
        try:
            result = execute_on_pool(
                job, pool, executed_path, self.config.cell_timeout, self.children
            )
        except KernelStartError as error:
            result = ExecutionResult(None, CellFailure(None, "KernelStartError", str(error)), 0.0)
        outcome = write_report_page(
            job,
            result.notebook,
            result.failure,
            build,
            self.config,
            period_end,
            self.started_at,
            result.seconds,
        )
        if self.stopping:
            progress_logger.info("  stopped   %s", job.label)
            return outcome
        outcome.execution_key = self.keys.get(job.output_name)
        if outcome.succeeded and executed_path.is_file():
            outcome.executed_sha256 = sha256_file(executed_path)
        self._check_early(build / f"{job.output_name}.html", executed_path)
        for warning in outcome.warnings:
            logger.warning("%s: %s", job.label, warning)
        progress.finished(outcome)
        return outcome

    def _finish_build(
        self,
        build: Path,
        outcomes: list[NotebookOutcome],
        period_end: pd.Timestamp,
        inputs: list[dict[str, Any]],
        identifiers: RawIdentifiers,
    ) -> list[str]:
        began = time.perf_counter()
        self.commit = git_commit(Path(__file__).resolve().parent)
        self._write_landing_and_manifest(build, outcomes, period_end, inputs, [])
        scorecards = [o.scorecard for o in outcomes if o.scorecard and not o.job.team]
        write_period_scorecard(
            build,
            {
                "period_end": period_end.date().isoformat(),
                "period_label": period_label(period_end),
                "team": self.team,
                "scorecard": scorecards[0] if scorecards else None,
            },
        )
        # Everything is checked, the landing page and manifest too: they list raw file names.
        findings = self._privacy_findings(build, identifiers)
        if findings:
            self._write_landing_and_manifest(build, outcomes, period_end, inputs, findings)
        self.timings["landing_and_checks"] = time.perf_counter() - began
        if self.config.pdf and not findings and all(o.succeeded for o in outcomes):
            self._write_pdfs(build, outcomes, period_end)
            self._write_landing_and_manifest(build, outcomes, period_end, inputs, findings)
        if findings or any(not o.succeeded for o in outcomes):
            file_logger.error("Not publishing this build: see the failures above")
        else:
            progress_logger.info("Every notebook succeeded and the checks passed: publishing")
        shutil.copyfile(self.log_path, build / "run.log")
        return findings

    def _write_pdfs(
        self, build: Path, outcomes: list[NotebookOutcome], period_end: pd.Timestamp
    ) -> None:
        """Print each report and the committee summary to PDF (``--pdf``); problems only warn."""
        began = time.perf_counter()
        progress_logger.info("Printing the reports to PDF")
        problems = write_pdfs(
            build,
            [(o.report, o.title) for o in outcomes if not o.job.team],
            f"{self.config.display_name} ({self.config.la_code})",
            period_label(period_end),
            format_date(self.started_at, "time"),
            jobs=self.config.jobs,
        )
        for problem in problems:
            logger.warning("%s", problem)
        self.pdf_problems = problems
        self.timings["pdf"] = time.perf_counter() - began

    def _check_early(self, *files: Path) -> None:
        """Look for raw identifiers in a report's files now, if they are known yet.

        The privacy check at the end then skips them (``raw_identifiers.BuildScan``).
        """
        scan, identifiers = self.scan, self.identifiers
        if scan is None or identifiers is None:
            return
        if identifiers.done() and identifiers.exception() is None:
            scan.check(files, identifiers.result())

    def _privacy_findings(self, build: Path, identifiers: RawIdentifiers) -> list[str]:
        # What was checked as each report was written is not checked again.
        scan = self.scan if self.scan is not None else BuildScan(build)
        findings = [str(f) for f in scan.finish(identifiers)]
        # Ingest has finished: what each raw file held can be kept in the processed cache.
        remember_raw_identifiers(identifiers, self.config.processed_dir)
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
        facts = RunFacts(
            config=self.config,
            started_at=self.started_at,
            period_end=period_end,
            team=self.team,
            ingest_status=self.ingest_status,
            ingest_reason=self.ingest_reason,
            commit=self.commit,
            inputs=inputs,
            findings=findings,
            data_coverage=self.dates.coverage_words(period_end) if self.dates else "",
        )
        page = landing_page(facts, outcomes)
        page.pdfs = pdf_links(build)
        page.warnings += self.pdf_problems
        write_landing_page(page, build / "index.html")
        if self.summary is not None:
            write_summary(self.summary, build / SUMMARY_NAME)
        self.timings["total"] = time.perf_counter() - self.began
        write_run_manifest(facts, outcomes, self.timings, build)


def _prepare_execution_and_rendering(pool: KernelPool) -> None:
    if not forks_notebooks(pool):  # forked children have papermill from the server
        import papermill  # noqa: F401 - imported now so the first notebook does not wait for it
    prepare_renderer()
