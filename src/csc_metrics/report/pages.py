"""One report page: an executed notebook rendered into the build, and what it produced.

A notebook that failed, or whose rendering fails, still gets a page: the cells that ran, and a
notice saying which cell failed, so the landing page can link to it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import nbformat
import pandas as pd

from csc_metrics.dates import format_date, period_label
from csc_metrics.report.config import RunConfig
from csc_metrics.report.execute import CellFailure, NotebookJob
from csc_metrics.report.outcomes import NotebookOutcome
from csc_metrics.report.render import PageContext, failure_notice, render_report, report_title

logger = logging.getLogger(__name__)

#: A report over this size is flagged: managers open them from shared drives and e-mail.
MAX_REPORT_BYTES = 5 * 1024 * 1024


def write_report_page(
    job: NotebookJob,
    notebook: nbformat.NotebookNode | None,
    failure: CellFailure | None,
    build: Path,
    config: RunConfig,
    period_end: pd.Timestamp,
    started_at: datetime,
    execute_seconds: float,
) -> NotebookOutcome:
    """Render an executed notebook to ``<build>/<output name>.html``.

    Args:
        job: The notebook job.
        notebook: The executed notebook, or None when it never ran (no kernel).
        failure: Where it failed, or None.
        build: The build folder.
        config: The run's parameters (council, suppression).
        period_end: The period reported on.
        started_at: When the run started (the page says when it was generated).
        execute_seconds: How long the notebook ran.

    Returns:
        What the notebook produced: its title, page, key messages, warnings (a page over
        ``MAX_REPORT_BYTES`` is one) and timings.
    """
    began = time.perf_counter()
    source = nbformat.read(job.source, as_version=4)
    report = f"{job.output_name}.html"
    context = PageContext(
        title=report_title(source, job.source.stem),
        council=f"{config.display_name} ({config.la_code})",
        period_label=period_label(period_end),
        index_href="../" * report.count("/") + "index.html",
        team=job.team,
        suppressed=config.suppress,
        generated=format_date(started_at, "time"),
        failure=failure_notice(job.source.name, failure.describe()) if failure else None,
    )
    try:
        rendered = render_report(notebook or nbformat.v4.new_notebook(), context)
    except Exception as error:  # a rendering bug must not stop the other reports
        logger.debug("Rendering %s failed", job.label, exc_info=True)
        failure = failure or CellFailure(None, "RenderError", f"{type(error).__name__}: {error}")
        context = replace(context, failure=failure_notice(job.source.name, failure.describe()))
        rendered = render_report(nbformat.v4.new_notebook(), context)
    path = build / report
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(rendered.html, encoding="utf-8")
    size = path.stat().st_size
    warnings = list(rendered.warnings)
    if size > MAX_REPORT_BYTES:
        warnings.append(f"{report} is {size / 1024 / 1024:.1f} MB, over the 5 MB limit for reports")
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
        scorecard=rendered.scorecard,
    )
