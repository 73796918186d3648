"""Key messages written from the data by general rules, shared by every report.

The rules come from the toolkit: ``ranking.key_messages`` ranks indicators (special-cause
concerns first, then benchmark gaps in the worse direction, then special-cause improvements, then
gaps in the better direction) and never calls noise a change. This module adds what a manager
needs around those sentences: the short forms of labels they know (EET, NEET), and, when the SPC
chart shows a sustained shift, when the change began and the level before and since.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csc_metrics.catalogue import get_indicator, stock_counted
from csc_metrics.change_points import suggested_line
from csc_metrics.dates import format_date
from csc_metrics.formatting import format_value, in_words
from csc_metrics.narrative import IndicatorSummary
from csc_metrics.ranking import ranked_messages, run_to_question
from csc_metrics.spc import RUN_LENGTH, SpcResult, trailing_run
from csc_metrics.suppression import is_small_count
from csc_metrics.views.builders import display_label
from csc_metrics.views.report_context import FTE_BASED_INDICATORS, ReportContext


def relabel(text: str, indicator_id: str, subject: str | None = None) -> str:
    """Replace the indicator label a narrative sentence starts with.

    Args:
        text: A sentence from ``narrative.describe_indicator`` (it starts with the label).
        indicator_id: Its indicator.
        subject: What to put instead (default: ``display_label``).

    Returns:
        The sentence with its subject replaced; unchanged if it does not start with the label.
    """
    label = get_indicator(indicator_id).label
    if not text.startswith(label):
        return text
    return (subject or display_label(indicator_id)) + text[len(label) :]


@dataclass(frozen=True)
class Shift:
    """A sustained shift at the end of an SPC series.

    Attributes:
        start: The first point of the run.
        points: How many points the run has (at least ``spc.RUN_LENGTH``).
        side: ``above`` or ``below`` the average.
        before: The average of the points before the run (same segment).
        since: The average of the points of the run.
    """

    start: pd.Timestamp
    points: int
    side: str
    before: float
    since: float


def sustained_shift(result: SpcResult | None) -> Shift | None:
    """The shift the latest point belongs to, when the chart shows one.

    A shift is the latest point being special cause at the end of a run of at least
    ``spc.RUN_LENGTH`` points on one side of the average, with earlier points before the run to
    compare with.

    Args:
        result: An SPC result.

    Returns:
        The shift, or None.
    """
    if result is None or not result.is_special_cause:
        return None
    group = result.latest_group
    run = trailing_run(group["relative_to_mean"].to_numpy())
    if run < RUN_LENGTH or run >= len(group):
        return None
    return _shift_of_run(result, run)


def shift_sentence(shift: Shift, unit: str, suppress: bool = False, named: bool = False) -> str:
    """Say when a shift began and the level before and since.

    Args:
        shift: From ``sustained_shift``.
        unit: The indicator's unit.
        suppress: For counts, leave the averages out when either is from 1 to 5.
        named: The sentence before already says the points are all on one side of the average
            (the SPC rule of the latest point is the shift rule), so only the start and levels
            are added.

    Returns:
        The sentence.
    """
    start = f"the quarter ending {format_date(shift.start)}"
    text = (
        f"The shift began in {start}"
        if named
        else f"The change dates from {start}: all {shift.points} quarters since then are "
        f"{shift.side} the long-run average"
    )
    hidden = (
        suppress and unit == "count" and bool(is_small_count([shift.before, shift.since]).any())
    )
    if not hidden:
        since, before = in_words(shift.since, unit), in_words(shift.before, unit)
        levels = f"{since} on average since, against {before} before"
        text += f": {levels}" if named else f", at {levels}"
    return text + "."


def enrich(text: str, summary: IndicatorSummary, suppress: bool, subject: str | None = None) -> str:
    """A narrative sentence with the manager's label and, for a shift, when it began.

    Args:
        text: ``narrative.describe_indicator`` output for ``summary``.
        summary: Its indicator summary.
        suppress: Whether small counts are suppressed.
        subject: Replaces the label (default: ``display_label``).

    Returns:
        The message.
    """
    text = relabel(text, summary.indicator_id, subject)
    result = summary.spc
    shift = sustained_shift(result)
    if result is not None and shift is not None:
        named = result.latest["rule"] == "shift"
        unit = get_indicator(summary.indicator_id).unit
        text += " " + shift_sentence(shift, unit, suppress, named)
        text += " " + declare_suggestion(summary.indicator_id, shift)
    run = run_to_question(result)
    if result is not None and run:
        unit = get_indicator(summary.indicator_id).unit
        questioned = _shift_of_run(result, run)
        text += " " + rolling_run_sentence(summary.indicator_id, questioned, unit, suppress)
    return text


def _shift_of_run(result: SpcResult, run: int) -> Shift:
    """The last ``run`` points of the latest SPC segment as a shift: start, side, before, since."""
    group = result.latest_group
    values = group["value"].to_numpy(dtype=float)
    return Shift(
        start=pd.Timestamp(group["date"].iloc[-run]),
        points=run,
        side="above" if group["relative_to_mean"].iloc[-1] > 0 else "below",
        before=float(values[:-run].mean()),
        since=float(values[-run:].mean()),
    )


def rolling_run_sentence(indicator_id: str, run: Shift, unit: str, suppress: bool) -> str:
    """A run on a rolling measure: said plainly, not called real, with the line to declare it.

    Args:
        indicator_id: The indicator.
        run: The run (as a ``Shift``) from ``ranking.run_to_question``.
        unit: The indicator's unit.
        suppress: For counts, leave the averages out when either is from 1 to 5.

    Returns:
        E.g. "The last 9 quarters are all below the average (7% since March 2023, against 11%
        before). Each point counts 12 months, so neighbouring quarters share most of their data
        and this alone is not a signal. If this follows a known change, declare it ..."
    """
    since = run.start.strftime("%B %Y")
    hidden = suppress and unit == "count" and bool(is_small_count([run.before, run.since]).any())
    levels = (
        ""
        if hidden
        else f" ({in_words(run.since, unit)} since {since}, against {in_words(run.before, unit)} "
        "before)"
    )
    stock = stock_counted(indicator_id)
    counted = (
        f"counts {stock} on its date, most of them still there a quarter later"
        if stock
        else "counts a rolling window of events"
    )
    return (
        f"The last {run.points} quarters are all {run.side} the average{levels}. Each point "
        f"{counted}, so neighbouring quarters share most of their data and this alone is not a "
        "signal. " + declare_suggestion(indicator_id, run)
    )


def declare_suggestion(indicator_id: str, shift: Shift) -> str:
    """Ask whether a detected shift follows a known change, and give the line to declare it.

    Making Data Count: a shift is questioned before the limits are recalculated, never
    rebased automatically. When the manager knows what changed, one line in the change-points
    file (``csc-metrics run --change-points``) recalculates the limits from that date.

    Args:
        indicator_id: The indicator.
        shift: From ``sustained_shift``.

    Returns:
        The sentence, which follows ``shift_sentence`` (it says when the run began): "If this
        follows a known change, declare it to recalculate the limits (add the line
        placements_3plus_pct,2023-03-31,<what changed> to the change-points file)."
    """
    return (
        "If this follows a known change, declare it to recalculate the limits (add the line "
        f"{suggested_line(indicator_id, shift.start)} to the change-points file)."
    )


def indicator_messages(
    ctx: ReportContext,
    indicator_ids: list[str],
    max_messages: int = 6,
    subjects: dict[str, str] | None = None,
) -> list[str]:
    """Ranked key messages for a set of indicators (``ranking.key_messages`` rules).

    Args:
        ctx: The report context.
        indicator_ids: The indicators to consider.
        max_messages: Keep at most this many.
        subjects: Indicator id -> the words to start its message with (default: the label).

    Returns:
        The messages, most important first; indicators with nothing notable are left out.
    """
    return [
        enrich(text, summary, ctx.suppress, (subjects or {}).get(summary.indicator_id))
        for summary, text in ranked(ctx, indicator_ids, max_messages)
    ]


def ranked(
    ctx: ReportContext, indicator_ids: list[str], max_messages: int = 6
) -> list[tuple[IndicatorSummary, str]]:
    """The indicators ``ranking.ranked_messages`` picks, in its order, with its sentence for each.

    Args:
        ctx: The report context.
        indicator_ids: The indicators to consider.
        max_messages: Keep at most this many.

    Returns:
        ``(summary, sentence)`` pairs, most important first.
    """
    summaries = [
        s
        for s in ctx.summaries(indicator_ids)
        if not (s.indicator_id in FTE_BASED_INDICATORS and ctx.is_team_view(s.indicator_id))
    ]
    return [
        (m.summary, m.text)
        for m in ranked_messages(
            summaries, max_messages=max_messages, suppress=ctx.suppress, settings=ctx.settings
        )
    ]


def percent(value: float) -> str:
    """A percentage for a sentence, to the whole number as DfE publishes council figures."""
    return format_value(value, "pct", precision="text")
