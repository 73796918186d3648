"""Key messages ranked by what matters: the severity score and the order of the messages.

A report's key messages are the ``narrative.describe_indicator`` sentences of its indicators,
ranked by a documented severity score (docs/definitions.md, "Ranking key messages") that
combines how strong the SPC signal is, the size of the gap to the comparator in units that
compare across indicators, and whether a local target is missed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from csc_metrics.catalogue import Indicator, get_indicator
from csc_metrics.gaps import benchmark_gap, gap_is_better
from csc_metrics.narrative import (
    IndicatorSummary,
    Latest,
    describe_indicator,
    is_withheld,
    number_or_nan,
)
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.spc import RUN_LENGTH, SpcResult, trailing_run


def _benchmark_gap_size(
    summary: IndicatorSummary, indicator: Indicator
) -> tuple[float, bool | None]:
    """The benchmark gap (value minus benchmark) and whether it is in the better direction."""
    gap, _ = _gap_and_benchmark(summary)
    if np.isnan(gap):
        return 0.0, None
    return float(gap), gap_is_better(gap, indicator.direction)


def _gap_and_benchmark(summary: IndicatorSummary) -> tuple[float, float]:
    """The latest value minus the comparator's, and the comparator's value (NaN where none)."""
    latest = Latest.of(summary.latest)
    if not summary.benchmark or np.isnan(latest.value):
        return float("nan"), float("nan")
    bench = number_or_nan(summary.benchmark.get("value"))
    return benchmark_gap(latest.value, bench), bench


#: Severity points for the SPC signal of a special-cause concern at the latest point, by rule
#: (docs/definitions.md, "Ranking key messages"): beyond a limit, then a sustained run (a shift
#: or a trend), then an early warning (2 of 3 near a limit).
SIGNAL_SEVERITY: dict[str, float] = {
    "outside_limits": 3.0,
    "trend": 2.0,
    "shift": 2.0,
    "two_of_three": 1.0,
}
#: Severity points for a gap to the comparator in the worse direction, per unit of relative gap
#: (the gap as a share of the comparator's value, capped at 1): a figure half England's adds 1.5.
GAP_SEVERITY = 3.0
#: Severity points when the latest figure misses a local target; as much again when the SPC
#: limits say it will consistently miss it.
TARGET_SEVERITY = 1.0


@dataclass(frozen=True)
class RankedMessage:
    """One key message with what ranked it.

    Attributes:
        indicator_id: The indicator it is about.
        severity: Its severity score (0 for good news).
        kind: ``concern`` (an SPC concern, a worse gap or a missed target) or ``good_news``.
        text: The message (``describe_indicator``).
        summary: The indicator summary it was written from.
    """

    indicator_id: str
    severity: float
    kind: str
    text: str
    summary: IndicatorSummary


def relative_gap(summary: IndicatorSummary) -> tuple[float, bool | None]:
    """The gap to the comparator as a share of the comparator's value, and whether it is better.

    A share is unit-free, so gaps of a percentage, a rate and a count compare: 24% against 54%
    is 0.56, 16 cases per FTE against 15.4 is 0.04.

    Returns:
        ``(size, better)``: size 0 and better None without a comparable figure.
    """
    indicator = get_indicator(summary.indicator_id)
    gap, bench = _gap_and_benchmark(summary)
    if np.isnan(gap) or bench == 0 or np.isnan(bench):
        return 0.0, None
    return float(abs(gap) / abs(bench)), gap_is_better(gap, indicator.direction)


def target_missed(summary: IndicatorSummary) -> bool:
    """Whether the latest figure is on the wrong side of its local target."""
    indicator = get_indicator(summary.indicator_id)
    value = Latest.of(summary.latest).value
    if summary.target is None or np.isnan(value) or indicator.direction == "neutral":
        return False
    if indicator.direction == "higher":
        return bool(value < summary.target)
    return bool(value > summary.target)


def severity(summary: IndicatorSummary) -> float:
    """How much a concern matters, to rank key messages (docs/definitions.md).

    The sum of three parts: the SPC signal of a special-cause concern at the latest point
    (``SIGNAL_SEVERITY``: 3 beyond a limit, 2 a shift or trend, 1 an early warning); the gap to
    the comparator in the worse direction, ``GAP_SEVERITY`` x the relative gap (capped at 1);
    and ``TARGET_SEVERITY`` for a missed local target, twice when the limits say it will be
    missed consistently. Good news scores 0.

    Args:
        summary: The indicator's summary.

    Returns:
        The score, 0 or more.
    """
    result = summary.spc
    score = 0.0
    explained = bool(summary.data_problem)
    if result is not None and result.variation.startswith("concern") and not explained:
        score += SIGNAL_SEVERITY.get(str(result.latest["rule"]), 1.0)
    size, better = relative_gap(summary)
    if better is False:
        score += GAP_SEVERITY * min(size, 1.0)
    if target_missed(summary):
        score += TARGET_SEVERITY
        if result is not None and result.assurance == "fail":
            score += TARGET_SEVERITY
    return round(score, 3)


def _beyond_threshold(
    summary: IndicatorSummary,
    gap_threshold_pp: float,
    gap_threshold_relative: float,
    suppress: bool,
    settings: Settings,
) -> bool:
    """Whether the gap to the comparator is big enough to be a message by itself."""
    indicator = get_indicator(summary.indicator_id)
    latest = Latest.of(summary.latest)
    gap, _ = _benchmark_gap_size(summary, indicator)
    if indicator.unit == "pct":
        beyond = abs(gap) >= gap_threshold_pp
    else:
        beyond = relative_gap(summary)[0] >= gap_threshold_relative
    return beyond and not is_withheld(indicator, latest, suppress, settings)


def run_to_question(result: SpcResult | None) -> int:
    """Length of a run at the end of a rolling series that is not, on its own, a signal.

    On a rolling measure (``result.window`` > 1) the shift rule counts only points a full
    window apart, so 7 consecutive quarters on one side of the average are not special cause.
    Such a run is still worth questioning: it may follow a known change, which the manager can
    declare. Returns the run's length (7 or more, with earlier points before it), else 0.
    """
    if result is None or result.window <= 1 or result.is_special_cause:
        return 0
    group = result.latest_group
    run = trailing_run(group["relative_to_mean"].to_numpy())
    return run if RUN_LENGTH <= run < len(group) else 0


def _rank_key(
    summary: IndicatorSummary,
    gap_threshold_pp: float,
    gap_threshold_relative: float,
    suppress: bool,
    settings: Settings,
) -> tuple[int, float] | None:
    """(group, order within it) of one indicator's message; None when it is not a message.

    Group 0 holds the concerns (an SPC concern, a worse gap beyond the threshold, a missed
    target), ordered by severity, highest first; group 1 the special-cause improvements; group
    2 the better gaps beyond the threshold, largest first.
    """
    result = summary.spc
    beyond = _beyond_threshold(
        summary, gap_threshold_pp, gap_threshold_relative, suppress, settings
    )
    size, better = relative_gap(summary)
    if summary.data_problem and result is not None and result.is_special_cause:
        # The signal is explained by the data: the message names the problem, among the
        # improvements, and no longer counts as a concern.
        return (0, -severity(summary)) if beyond and better is False else (1, 0.0)
    concern = result is not None and result.variation.startswith("concern")
    if concern or (beyond and better is False) or target_missed(summary):
        return 0, -severity(summary)
    if result is not None and result.variation.startswith("improvement"):
        return 1, 0.0
    if run_to_question(result):
        return 1, 0.0
    if beyond and better:
        return 2, -size
    return None


def ranked_messages(
    summaries: Sequence[IndicatorSummary | Mapping[str, Any]],
    gap_threshold_pp: float = 5.0,
    gap_threshold_relative: float = 0.1,
    max_messages: int = 6,
    suppress: bool = False,
    settings: Settings = DEFAULT_SETTINGS,
) -> list[RankedMessage]:
    """The key messages of a set of indicators, most severe first, with their scores.

    Concerns come first, by ``severity`` (ties keep the order given); then special-cause
    improvements; then gaps in the better direction beyond the threshold (largest first).
    Indicators with none of these are left out; each indicator appears once.

    Args:
        summaries: ``IndicatorSummary`` objects, or mappings with the same fields.
        gap_threshold_pp: Gap (percentage points) beyond which a percentage's benchmark gap is
            worth a message.
        gap_threshold_relative: For other units, the gap as a share of the benchmark value.
        max_messages: Keep at most this many.
        suppress: Never print a count from 1 to ``settings.suppression_max``.
        settings: Settings.

    Returns:
        The messages.
    """
    items = [s if isinstance(s, IndicatorSummary) else IndicatorSummary(**s) for s in summaries]
    ranked = []
    seen: set[str] = set()
    for position, summary in enumerate(items):
        if summary.indicator_id in seen:
            continue
        seen.add(summary.indicator_id)
        key = _rank_key(summary, gap_threshold_pp, gap_threshold_relative, suppress, settings)
        if key is not None:
            ranked.append((*key, position, summary))
    ranked.sort(key=lambda item: item[:3])
    return [
        RankedMessage(
            indicator_id=s.indicator_id,
            severity=severity(s),
            kind="concern" if group == 0 else "good_news",
            text=describe_indicator(
                s.indicator_id,
                s.latest,
                s.spc,
                s.benchmark,
                s.target,
                s.previous_quarter,
                s.previous_year,
                suppress,
                settings,
                s.data_problem,
            ),
            summary=s,
        )
        for group, _, _, s in ranked[:max_messages]
    ]


def key_messages(
    summaries: Sequence[IndicatorSummary | Mapping[str, Any]],
    gap_threshold_pp: float = 5.0,
    gap_threshold_relative: float = 0.1,
    max_messages: int = 6,
    suppress: bool = False,
    settings: Settings = DEFAULT_SETTINGS,
) -> list[str]:
    """A short ranked list of messages from a set of indicators (``ranked_messages``' texts).

    Args:
        summaries: ``IndicatorSummary`` objects, or mappings with the same fields.
        gap_threshold_pp: See ``ranked_messages``.
        gap_threshold_relative: See ``ranked_messages``.
        max_messages: Keep at most this many.
        suppress: Never print a count from 1 to ``settings.suppression_max``.
        settings: Settings.

    Returns:
        The messages, each the ``describe_indicator`` text of one indicator.
    """
    return [
        m.text
        for m in ranked_messages(
            summaries, gap_threshold_pp, gap_threshold_relative, max_messages, suppress, settings
        )
    ]
