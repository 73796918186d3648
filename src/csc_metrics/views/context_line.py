"""The line at the top of every report saying what it covers: council, period, data, comparator."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import pandas as pd

from csc_metrics.dates import format_date, period_label
from csc_metrics.indicators.coverage import Window

if TYPE_CHECKING:
    # Only for annotations: the report runner reads this module's words and must not import
    # the report context's charts (seaborn, scipy) into its own process.
    from csc_metrics.views.report_context import ReportContext


def context_line(ctx: ReportContext) -> str:
    """One line saying what the report covers, with no counts in it.

    Args:
        ctx: The report context.

    Returns:
        ``Council (code) · quarter ending ... · data ... · compared with ... · ...``.
    """
    parts = [f"{ctx.la_name} ({ctx.la_code})", period_label(ctx.period_end)]
    if ctx.team:
        parts.append(
            f"team: {ctx.team} (caseload figures are the team's; placement and care-leaver "
            "figures are for the whole council, as the SSDA903 return has no teams)"
        )
    parts.append(coverage_words(ctx))
    if ctx.is_sample:
        parts.append("synthetic sample data: no real child's data")
    parts.append(f"compared with {ctx.comparator_name}")
    parts.append(
        f"counts of 1 to {ctx.settings.suppression_max} suppressed (shown as c)"
        if ctx.suppress
        else "small numbers not suppressed: for use within the service only"
    )
    return " · ".join(parts)


def coverage_words(ctx: ReportContext) -> str:
    """What each dataset covers, saying plainly which stops before the period end.

    Args:
        ctx: The report context.

    Returns:
        ``dataset_coverage_words`` for the context's data and period end.
    """
    return dataset_coverage_words(ctx.windows, ctx.snapshots, ctx.period_end)


def dataset_coverage_words(
    windows: dict[str, Window], snapshots: list[pd.Timestamp], period_end: pd.Timestamp
) -> str:
    """What each dataset covers, saying plainly which stops before the period end.

    The report's context line and the run's landing page both say it with these words.

    Args:
        windows: The dates each dataset supplied covers (``indicators.coverage.dataset_windows``).
        snapshots: The caseload snapshot dates on or before the period end, oldest first.
        period_end: The period end.

    Returns:
        E.g. ``SSDA903 data 1 April 2021 to 31 March 2024 (ends before this period: placement,
        care-leaver and permanence figures not covered); caseload snapshots 30 June 2023 to 30
        June 2024``.
    """
    words = []
    ssda903 = windows.get("ssda903")
    if ssda903 is None:
        words.append("no SSDA903 data (placement, care-leaver and permanence figures not covered)")
    else:
        text = f"SSDA903 data {format_date(ssda903.start)} to {format_date(ssda903.end)}"
        if ssda903.end < period_end:
            text += (
                " (ends before this period: placement, care-leaver and permanence figures not "
                "covered)"
            )
        words.append(text)
    caseload = windows.get("caseload")
    if snapshots:
        first, last = format_date(snapshots[0]), format_date(snapshots[-1])
        text = f"caseload snapshots {first} to {last}"
        if caseload is not None and caseload.end < period_end:
            text += " (ends before this period: caseload figures not covered)"
        words.append(text)
    elif caseload is not None:
        words.append("no caseload snapshot by this date (caseload figures not covered)")
    else:
        words.append("no caseload snapshots (caseload figures not covered)")
    return "; ".join(words)


def context_html(ctx: ReportContext) -> str:
    """The context line as an HTML paragraph."""
    return f'<p class="report-context">{html.escape(context_line(ctx))}</p>'


def show_context_line(ctx: ReportContext) -> None:
    """Show the context line at the top of a report."""
    from IPython.display import display

    display({"text/html": context_html(ctx), "text/plain": context_line(ctx)}, raw=True)
