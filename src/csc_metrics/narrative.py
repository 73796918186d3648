"""Plain-English sentences about an indicator that a manager can act on.

The first sentence gives the latest figure, its base and, when there is one, the gap to a
benchmark; the second says what the trend chart shows. The one firm rule: a change is described
as real only when the SPC rules flag special cause. A movement within the limits is called
"within normal variation", and a short series is said to be too short to judge.

With ``suppress=True`` no count from 1 to ``settings.suppression_max`` is ever printed: it becomes
"fewer than 6", and a percentage resting on such a count is withheld.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from csc_metrics import formatting
from csc_metrics.catalogue import Indicator, base_of, get_indicator
from csc_metrics.dates import format_date
from csc_metrics.gaps import benchmark_gap
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.spc import RUN_LENGTH, SpcResult, overall_spc, spc_table, trailing_run
from csc_metrics.suppression import count_text, fewer_than, figure_is_disclosive, is_small_count

#: Word for the kind of special cause, by point type.
CHANGE_WORD: dict[str, str] = {
    "special_cause_improvement": "improvement",
    "special_cause_concern": "deterioration",
    "special_cause_neutral": "change",
}

_SMALL_NUMBERS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


@dataclass(frozen=True)
class Latest:
    """The latest figure of an indicator.

    Attributes:
        value: The value (a percentage, rate, ratio or count); NaN when there is none.
        numerator: Its numerator (NaN when not applicable).
        denominator: Its denominator (the base, shown as n= for percentages).
        period_end: The reference date.
    """

    value: float
    numerator: float
    denominator: float
    period_end: pd.Timestamp

    @classmethod
    def of(cls, latest: Latest | Sequence | Mapping | pd.Series) -> Latest:
        """Build from a ``Latest``, a tuple, a mapping or a metric-table row.

        A tuple is (value, numerator, denominator, period_end); a mapping or row has those names.
        """
        if isinstance(latest, Latest):
            return latest
        if isinstance(latest, Mapping | pd.Series):
            parts = [latest.get(k) for k in ("value", "numerator", "denominator", "period_end")]
        else:
            parts = list(latest)
        value, numerator, denominator, period_end = parts
        return cls(
            number_or_nan(value),
            number_or_nan(numerator),
            number_or_nan(denominator),
            pd.Timestamp(period_end),
        )


@dataclass(frozen=True)
class IndicatorSummary:
    """Everything needed to describe one indicator (the input to ``ranking.key_messages``)."""

    indicator_id: str
    latest: Latest | Sequence | Mapping | pd.Series
    spc: SpcResult | None = None
    benchmark: Mapping[str, Any] | None = None
    target: float | None = None
    previous_quarter: float | None = None
    previous_year: float | None = None
    #: A data problem that explains the latest movement (``artefacts``), in words, or None.
    data_problem: str | None = None


def number_or_nan(value: object) -> float:
    """``value`` as a float: NaN when it is missing or not a number."""
    if not isinstance(value, int | float | np.number | str):
        return float("nan")
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


#: Units whose denominator counts people (a percentage of them, or their average days): the
#: sentence gives it as "n=".
PEOPLE_BASED_UNITS = ("pct", "days")


def _rounded(value: float, unit: str) -> float:
    return formatting.round_value(value, unit, "text")


def is_withheld(indicator: Indicator, latest: Latest, suppress: bool, settings: Settings) -> bool:
    """Whether the value itself must not be shown (``suppression.figure_is_disclosive``)."""
    return suppress and figure_is_disclosive(
        indicator.unit, latest.numerator, latest.denominator, latest.value, settings
    )


def _benchmark_clause(indicator: Indicator, value: float, benchmark: Mapping[str, Any]) -> str:
    """``7 points below England (55%, 2024)``."""
    unit = indicator.unit
    bench_value = number_or_nan(benchmark.get("value"))
    if np.isnan(bench_value):
        return ""
    comparator = str(benchmark.get("comparator", "the benchmark"))
    year = benchmark.get("year")
    source = f"{formatting.in_words(bench_value, unit)}{f', {year}' if year is not None else ''}"
    gap = _rounded(benchmark_gap(value, bench_value), unit)
    if gap == 0:
        return f"in line with {comparator} ({source})"
    if unit == "pct":
        size = formatting.format_number(abs(gap), formatting.decimals_for(unit, "text"))
        size += " point" if size == "1" else " points"
    else:
        size = formatting.in_words(abs(gap), unit)
    side = "above" if gap > 0 else "below"
    return f"{size} {side} {comparator} ({source})"


def _figure_sentence(
    indicator: Indicator,
    latest: Latest,
    benchmark: Mapping[str, Any] | None,
    target: float | None,
    suppress: bool,
    settings: Settings,
    target_in_trend: bool = False,
) -> str:
    when = f"at {format_date(latest.period_end)}"
    if is_withheld(indicator, latest, suppress, settings):
        if indicator.unit == "count":
            return f"{indicator.label}: {fewer_than(settings)} {when}."
        show_base = (
            indicator.unit in PEOPLE_BASED_UNITS
            and not np.isnan(latest.denominator)
            and not is_small_count(latest.denominator, settings)[0]
        )
        base = f" (out of {latest.denominator:,.0f})" if show_base else ""
        # A percentage withheld for its complement (58 of 59) counts many people, so the
        # sentence says what is small: a group of people, in the measure or out of it.
        return (
            f"{indicator.label}: figure withheld {when} because it would show a group of "
            f"{fewer_than(settings)} people{base}."
        )
    if np.isnan(latest.value):
        return f"{indicator.label}: no figure {when} (nobody in the group)."
    text = f"{indicator.label}: {formatting.in_words(latest.value, indicator.unit)}"
    if base_of(indicator.id) == "FTE" and indicator.unit in PEOPLE_BASED_UNITS:
        if not np.isnan(latest.denominator):
            text += f" (of {formatting.format_number(latest.denominator, 1)} FTE)"
    elif indicator.unit in PEOPLE_BASED_UNITS and not np.isnan(latest.denominator):
        text += f" (n={count_text(latest.denominator, suppress, settings, in_words=True)})"
    text += f" {when}"
    if benchmark:
        clause = _benchmark_clause(indicator, latest.value, benchmark)
        text += f", {clause}" if clause else ""
    if target is not None and not target_in_trend:
        text += f"; the target is {formatting.in_words(target, indicator.unit)}"
    return text + "."


def _period_word(dates: pd.Series, count: int) -> str:
    """``quarters``, ``months`` or ``years`` from the spacing of the dates."""
    spacing = dates.diff().dt.days.median() if len(dates) > 1 else 91
    word = "month" if spacing <= 45 else "quarter" if spacing <= 135 else "year"
    return word if count == 1 else f"{word}s"


def _sentence_case(text: str) -> str:
    return text[:1].upper() + text[1:]


def _number_word(count: int) -> str:
    return _SMALL_NUMBERS[count] if count < len(_SMALL_NUMBERS) else str(count)


def _special_cause_clause(result: SpcResult) -> str:
    latest = result.latest
    group = result.latest_group
    change = CHANGE_WORD[latest["point_type"]]
    high = latest["side"] == "high"
    rule = latest["rule"]
    if rule == "outside_limits":
        limit = "above the upper" if high else "below the lower"
        article = "an" if change == "improvement" else "a"
        kind = "" if change == "change" else f": {article} {change}"
        return f"This is {limit} process limit, a real change, not noise{kind}"
    if rule == "trend":
        run = trailing_run(np.sign(np.diff(group["value"].to_numpy()))) + 1
        movement = "rise" if high else "fall"
        periods = _period_word(group["date"], run)
        return (
            f"The last {_number_word(run)} {periods} form a steady {movement}: a sustained "
            f"{change}, not noise"
        )
    if rule == "two_of_three":
        limit = "upper" if high else "lower"
        return (
            f"Two of the last three {_period_word(group['date'], 3)} are close to the {limit} "
            f"limit: an early sign of real {change}"
        )
    run = trailing_run(group["relative_to_mean"].to_numpy())
    side = "above" if high else "below"
    periods = _period_word(group["date"], run)
    return (
        f"The last {_number_word(run)} {periods} are all {side} the average: a sustained "
        f"{change}, not noise"
    )


def _change_from_previous(
    indicator: Indicator, value: float, previous: float | None, label: str
) -> str | None:
    if previous is None or np.isnan(number_or_nan(previous)) or np.isnan(value):
        return None
    before = formatting.in_words(previous, indicator.unit)
    now, then = _rounded(value, indicator.unit), _rounded(previous, indicator.unit)
    if now == then:
        return f"unchanged from {label} ({before})"
    way = "up" if now > then else "down"
    judged = ""
    if indicator.direction != "neutral":
        better = (way == "up") == (indicator.direction == "higher")
        judged = " (better)" if better else " (worse)"
    return f"{way} from {before} {label}{judged}"


@dataclass(frozen=True)
class Movement:
    """How an indicator moved since an earlier date, judged in its own direction.

    Attributes:
        since: ``last quarter`` or ``a year ago``.
        before: The earlier value.
        now: The latest value.
        way: ``up``, ``down`` or ``unchanged`` (as the figures are written, so 60.4% against
            60.2% is unchanged).
        judgement: ``better`` or ``worse`` in the catalogue's direction; None when unchanged or
            the direction is neutral.
    """

    since: str
    before: float
    now: float
    way: str
    judgement: str | None


def movement(indicator_id: str, now: float, before: float | None, since: str) -> Movement | None:
    """The movement of an indicator's figure since an earlier value, or None without one.

    Args:
        indicator_id: The indicator (its unit rounds the figures, its direction judges them).
        now: The latest value.
        before: The earlier value (None or NaN: no movement).
        since: ``last quarter`` or ``a year ago``.

    Returns:
        The movement.
    """
    indicator = get_indicator(indicator_id)
    then = number_or_nan(before)
    if np.isnan(then) or np.isnan(number_or_nan(now)):
        return None
    rounded_now, rounded_then = _rounded(now, indicator.unit), _rounded(then, indicator.unit)
    way = "unchanged" if rounded_now == rounded_then else "up" if now > then else "down"
    return Movement(since, then, float(now), way, judge(way, indicator.direction))


def judge(way: str, direction: str) -> str | None:
    """``better`` or ``worse`` for a movement ``up`` or ``down`` in the catalogue's direction.

    Args:
        way: ``up``, ``down`` or ``unchanged``.
        direction: ``higher``, ``lower`` or ``neutral``: which way is better.

    Returns:
        The judgement; None when unchanged or the direction is neutral.
    """
    if way == "unchanged" or direction not in ("higher", "lower"):
        return None
    return "better" if (way == "up") == (direction == "higher") else "worse"


def movement_text(indicator_id: str, moved: Movement) -> str:
    """``Up from 7% last quarter (worse)``: the movement itself, with no SPC judgement."""
    unit = get_indicator(indicator_id).unit
    before = formatting.format_value(moved.before, unit, precision="text")
    judged = f" ({moved.judgement})" if moved.judgement else ""
    if moved.way == "unchanged":
        return f"Unchanged from {before} {moved.since}"
    return f"{moved.way.capitalize()} from {before} {moved.since}{judged}"


def _month(date: object) -> str:
    """``March 2023``."""
    return pd.Timestamp(date).strftime("%B %Y")


def limits_basis(result: SpcResult) -> str:
    """What the latest point is judged against: ``the 16 quarters from June 2021 to March 2025``.

    The limits come from the latest segment (the whole series unless a change point was
    declared, ``spc(rebase_dates=...)``).
    """
    group = result.latest_group
    n_points = len(group)
    periods = _period_word(group["date"], n_points)
    first, last = group["date"].iloc[0], group["date"].iloc[-1]
    return f"the {n_points} {periods} from {_month(first)} to {_month(last)}"


def _reference_level(result: SpcResult, unit: str) -> str:
    """What the latest point is still above or below: the level before a shift, or a limit."""
    latest = result.latest
    group = result.latest_group
    high = latest["side"] == "high"
    side = "above" if high else "below"
    run = trailing_run(group["relative_to_mean"].to_numpy())
    if latest["rule"] != "outside_limits" and RUN_LENGTH <= run < len(group):
        before = float(group["value"].to_numpy(dtype=float)[:-run].mean())
        start = _month(group["date"].iloc[-run])
        return f"{side} the {formatting.in_words(before, unit)} average before the shift in {start}"
    if latest["rule"] == "outside_limits":
        limit = latest["upl"] if high else latest["lpl"]
        which = "upper" if high else "lower"
        return (
            f"{side} the {which} process limit of {formatting.in_words(limit, unit)} set on "
            f"{limits_basis(result)}"
        )
    mean = formatting.in_words(float(latest["mean"]), unit)
    return f"{side} the average of {mean} over {limits_basis(result)}"


def reconciling_sentence(
    indicator_id: str, value: float, spc_result: SpcResult | None, moved: Movement | None
) -> str | None:
    """One sentence when the figure's movement and the SPC verdict point different ways.

    A special-cause point is high or low against its limits; the figure can still have moved
    the other way since last quarter (a fall after a shift up is still above the old level). The
    reader must then be told both, e.g. "Up from 7% to 8% this quarter (worse), but still below
    the 11% average before the shift in Mar 2023."

    Args:
        indicator_id: The indicator.
        value: The latest value.
        spc_result: Its SPC result (None or common cause: nothing to reconcile).
        moved: Its movement since last quarter (or a year ago when there is no last quarter).

    Returns:
        The sentence, or None when the two agree.
    """
    if spc_result is None or not spc_result.is_special_cause or moved is None:
        return None
    side = spc_result.latest["side"]
    if moved.way == "unchanged" or (moved.way == "up") == (side == "high"):
        return None
    unit = get_indicator(indicator_id).unit
    this = "this quarter" if moved.since == "last quarter" else "over the year"
    judged = f" ({moved.judgement})" if moved.judgement else ""
    before = formatting.format_value(moved.before, unit, precision="text")
    now = formatting.in_words(value, unit)
    return (
        f"{moved.way.capitalize()} from {before} to {now} {this}{judged}, but still "
        f"{_reference_level(spc_result, unit)}."
    )


def first_movement(
    indicator_id: str,
    value: float,
    previous_quarter: float | None,
    previous_year: float | None,
) -> Movement | None:
    """The movement since last quarter, or since a year ago when there is no last quarter."""
    return movement(indicator_id, value, previous_quarter, "last quarter") or movement(
        indicator_id, value, previous_year, "a year ago"
    )


def _assurance_clause(result: SpcResult, unit: str) -> str | None:
    if result.assurance is None or result.target is None:
        return None
    target = formatting.in_words(result.target, unit)
    return {
        "pass": f"at this level the target of {target} will be met consistently",
        "fail": f"at this level the target of {target} will not be met without a change in how "
        "the service works",
        "inconsistent": f"the target of {target} will be met in some periods and missed in others",
    }[result.assurance]


def _trend_sentence(
    indicator: Indicator,
    result: SpcResult | None,
    previous: list[str],
) -> str:
    if result is None:
        if not previous:
            return ""
        return (
            f"{_sentence_case('; '.join(previous))}; without a trend chart this change cannot be "
            "judged as real or as normal variation."
        )
    n_points = len(result.latest_group)
    periods = _period_word(result.latest_group["date"], n_points)
    if result.is_special_cause:
        clause = _special_cause_clause(result)
        if result.short_series_warning:
            clause += f" (but based on only {n_points} {periods}, so treat with caution)"
    elif result.short_series_warning:
        lead = f"{_sentence_case('; '.join(previous))}, but w" if previous else "W"
        clause = (
            f"{lead}ith only {n_points} {periods} of data the trend cannot yet be judged reliably"
        )
    else:
        lead = f"{_sentence_case('; '.join(previous))}: " if previous else "This is "
        clause = f"{lead}within normal variation, with no sign of real change"
    assurance = _assurance_clause(result, indicator.unit)
    return clause + (f"; {assurance}" if assurance else "") + "."


def describe_indicator(
    indicator_id: str,
    latest: Latest | Sequence | Mapping | pd.Series,
    spc: SpcResult | None = None,
    benchmark: Mapping[str, Any] | None = None,
    target: float | None = None,
    previous_quarter: float | None = None,
    previous_year: float | None = None,
    suppress: bool = False,
    settings: Settings = DEFAULT_SETTINGS,
    data_problem: str | None = None,
) -> str:
    """Describe an indicator in one or two plain sentences.

    Example: "Care leavers aged 19-21 in education, employment or training: 48% (n=212) at
    30 June 2024, 7 points below England (55%, 2024). The last seven quarters are all below the
    average: a sustained deterioration, not noise."

    Args:
        indicator_id: Catalogue id (gives the label, unit and direction).
        latest: The latest figure: a ``Latest``, a (value, numerator, denominator, period_end)
            tuple, or a mapping or metric-table row with those names.
        spc: The SPC result of the indicator's series, if there is one.
        benchmark: ``{"comparator": "England" | a region | "statistical neighbours",
            "value": float, "year": int}``.
        target: A local target, in the indicator's unit.
        previous_quarter: The value a quarter earlier, mentioned only alongside what SPC says.
        previous_year: The value a year earlier, likewise.
        suppress: Never print a count from 1 to ``settings.suppression_max``.
        settings: Settings.
        data_problem: A data problem that explains the latest movement (``artefacts``): the
            trend sentence then names it instead of calling the change real.

    Returns:
        The sentences.

    Raises:
        ValueError: If ``spc`` was computed with a different direction from the indicator's.
    """
    indicator = get_indicator(indicator_id)
    if spc is not None and spc.direction != indicator.direction:
        raise ValueError(
            f"The SPC result was computed with direction {spc.direction!r} but {indicator_id} "
            f"improves in direction {indicator.direction!r}; use spc_table or pass the "
            "catalogue direction."
        )
    figures = Latest.of(latest)
    # The SPC assurance clause names the target, so the first sentence need not.
    target_in_trend = spc is not None and spc.assurance is not None
    first = _figure_sentence(
        indicator, figures, benchmark, target, suppress, settings, target_in_trend
    )
    withheld = is_withheld(indicator, figures, suppress, settings)
    previous = []
    if not withheld and not (spc is not None and spc.is_special_cause and not data_problem):
        for value, label in ((previous_quarter, "last quarter"), (previous_year, "a year ago")):
            small = suppress and is_small_count(number_or_nan(value), settings)[0]
            if indicator.unit == "count" and small:
                continue
            phrase = _change_from_previous(indicator, figures.value, value, label)
            if phrase:
                previous.append(phrase)
    if data_problem:
        moves = "; ".join(previous) if previous else ""
        lead = f"{_sentence_case(moves)}. " if moves else ""
        verdict = (
            "The trend chart marks this quarter, but it is not called a real change: "
            if spc is not None and spc.is_special_cause
            else ""
        )
        problem = data_problem[:1].lower() + data_problem[1:] if verdict else data_problem
        return f"{first} {lead}{verdict}{problem}".strip()
    second = _trend_sentence(indicator, spc, previous)
    text = f"{first} {second}".strip()
    if not withheld:
        moved = first_movement(indicator_id, figures.value, previous_quarter, previous_year)
        small = (
            suppress
            and indicator.unit == "count"
            and moved is not None
            and bool(is_small_count(moved.before, settings)[0])
        )
        reconcile = None if small else reconciling_sentence(indicator_id, figures.value, spc, moved)
        if reconcile:
            text += f" {reconcile}"
    return text


def summarise_indicator(
    metric_series: pd.DataFrame,
    indicator_id: str,
    benchmark: Mapping[str, Any] | None = None,
    target: float | None = None,
    rebase_dates: Sequence | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    *,
    overall: bool = False,
) -> IndicatorSummary:
    """Build an ``IndicatorSummary`` from a metric-table series (for notebooks).

    Args:
        metric_series: ``MetricTable`` rows over several dates (the overall rows are used).
        indicator_id: The indicator.
        benchmark: Its benchmark, if any (see ``describe_indicator``).
        target: Its target, if any.
        rebase_dates: SPC rebase dates.
        settings: Settings.
        overall: The rows are already the indicator's overall rows, oldest first, one per date
            (``ReportContext.overall_rows``): they are used as they are, not picked and sorted
            again (which would give the same rows at several times the cost).

    Returns:
        The latest figure, SPC result (over all dates) and the values a quarter and a year
        before the latest date, where present.
    """
    if overall:
        rows = metric_series
        result = overall_spc(rows, indicator_id, target, rebase_dates, settings)
    else:
        rows = metric_series[
            (metric_series["indicator_id"] == indicator_id)
            & (metric_series["breakdown"] == "total")
            & (metric_series["group"] == "all")
        ].sort_values("period_end")
        result = spc_table(rows, indicator_id, target, rebase_dates, settings)
    latest = rows.iloc[-1]
    by_date = rows.set_index("period_end")["value"]
    end = pd.Timestamp(latest["period_end"])
    quarter_before = end - pd.offsets.QuarterEnd(1) if end.is_quarter_end else None
    year_before = end - pd.DateOffset(years=1)
    return IndicatorSummary(
        indicator_id=indicator_id,
        latest=Latest.of(latest),
        spc=result,
        benchmark=benchmark,
        target=target,
        previous_quarter=by_date.get(quarter_before) if quarter_before is not None else None,
        previous_year=by_date.get(year_before),
    )
