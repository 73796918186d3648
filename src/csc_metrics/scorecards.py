"""The scorecards as HTML: SPC badges, the detailed scorecard and the compact one.

The detailed scorecard has a row per headline indicator with its value, base, movement in
words, SPC verdict (and the sentence reconciling the two when they point different ways),
target and benchmark gap. The compact scorecard keeps each row one line high, with an inline
SVG sparkline marking the SPC state, for the overview and the landing page. SPC badges pair an
icon with a text label, so colour is never the only cue. ``display.show_*`` publishes them from
a notebook.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np

from csc_metrics.catalogue import base_of, get_indicator
from csc_metrics.charts import OKABE_ITO
from csc_metrics.formatting import (
    decimals_for,
    format_value,
    in_words,
    round_value,
)
from csc_metrics.gaps import benchmark_gap
from csc_metrics.html_tables import csv_download_html, plain_table
from csc_metrics.narrative import (
    PEOPLE_BASED_UNITS,
    IndicatorSummary,
    Latest,
    first_movement,
    is_withheld,
    judge,
    limits_basis,
    movement,
    movement_text,
    reconciling_sentence,
)
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.spc import ASSURANCE_LABELS, VARIATION_LABELS, SpcResult
from csc_metrics.suppression import (
    SUPPRESSED,
    format_count,
    format_number,
    is_small_count,
)

# --- SPC badges ----------------------------------------------------------------------------------

_BADGE_COLOURS = {
    "improvement": OKABE_ITO["blue"],
    "concern": OKABE_ITO["vermillion"],
    "neutral": "#490092",
    "common_cause": "#757575",
    "pass": OKABE_ITO["blue"],
    "fail": OKABE_ITO["vermillion"],
    "inconsistent": "#757575",
}
#: SVG path (in a 20 x 20 box) of each icon's glyph.
_GLYPHS = {
    "high": "M10 4 L15 11 H12 V16 H8 V11 H5 Z",
    "low": "M10 16 L15 9 H12 V4 H8 V9 H5 Z",
    "flat": "M5 9 H15 V11 H5 Z",
    "pass": "M5 10 L8.5 13.5 L15 6.5 L16.5 8 L8.5 16 L3.5 11.5 Z",
    "fail": "M6 4.5 L10 8.5 L14 4.5 L15.5 6 L11.5 10 L15.5 14 L14 15.5 L10 11.5 L6 15.5 "
    "L4.5 14 L8.5 10 L4.5 6 Z",
    "inconsistent": "M4 11 Q7 5 10 10 T16 9 L16 11.5 Q13 16 10 12 T4 13.5 Z",
}


def _badge(kind: str, glyph: str, label: str, css: str) -> str:
    colour = _BADGE_COLOURS[kind]
    svg = (
        '<svg aria-hidden="true" focusable="false" width="18" height="18" viewBox="0 0 20 20" '
        'style="vertical-align:middle">'
        f'<circle cx="10" cy="10" r="9" fill="#ffffff" stroke="{colour}" stroke-width="2"/>'
        f'<path d="{_GLYPHS[glyph]}" fill="{colour}"/></svg>'
    )
    return (
        f'<span class="spc-badge {html.escape(css)}" style="display:inline-flex;'
        "align-items:center;gap:0.3em;padding:0.1em 0.5em;border:1px solid "
        f'{colour};border-radius:1em;color:#1a1a1a;background:#ffffff;white-space:nowrap">'
        f"{svg}<span>{html.escape(label)}</span></span>"
    )


def variation_badge_html(variation: str) -> str:
    """A badge (icon and text) for an SPC variation class, e.g. ``concern_high``."""
    if variation not in VARIATION_LABELS:
        raise ValueError(
            f"Unknown variation {variation!r}; expected one of {list(VARIATION_LABELS)}"
        )
    kind, _, side = (
        variation.rpartition("_") if variation != "common_cause" else ("common_cause", "", "flat")
    )
    return _badge(kind, side, VARIATION_LABELS[variation], f"spc-variation-{variation}")


def assurance_badge_html(assurance: str | None) -> str:
    """A badge for an SPC assurance class; empty text when there is none (no target)."""
    if assurance is None:
        return ""
    if assurance not in ASSURANCE_LABELS:
        raise ValueError(
            f"Unknown assurance {assurance!r}; expected one of {list(ASSURANCE_LABELS)}"
        )
    return _badge(assurance, assurance, ASSURANCE_LABELS[assurance], f"spc-assurance-{assurance}")


def spc_badges_html(result: SpcResult) -> str:
    """The variation badge and, with a target, the assurance badge of an SPC result."""
    badges = [variation_badge_html(result.variation), assurance_badge_html(result.assurance)]
    return '<span class="spc-badges">' + " ".join(b for b in badges if b) + "</span>"


# --- scorecard -----------------------------------------------------------------------------------


def _change_html(
    summary: IndicatorSummary, latest: Latest, withheld: bool, suppress: bool, settings: Settings
) -> str:
    """The movement since last quarter and since a year ago, better or worse, in words.

    The SPC verdict is a separate statement (the trend column): this column only describes the
    movement of the figure, judged in the indicator's direction (``narrative.movement``).
    """
    unit = get_indicator(summary.indicator_id).unit
    lines = []
    for label, previous in (
        ("last quarter", summary.previous_quarter),
        ("a year ago", summary.previous_year),
    ):
        moved = movement(summary.indicator_id, latest.value, previous, label)
        if moved is None:
            continue
        small = unit == "count" and bool(is_small_count(moved.before, settings)[0])
        if withheld or (suppress and small):
            lines.append(f"{label.capitalize()}: {SUPPRESSED}")
            continue
        lines.append(movement_text(summary.indicator_id, moved))
    return "<br>".join(html.escape(line) for line in lines)


def _trend_html(
    summary: IndicatorSummary, latest: Latest, withheld: bool, suppress: bool, settings: Settings
) -> str:
    """The SPC verdict: the badge, what the limits are set on, and a reconciling sentence.

    The reconciling sentence (``narrative.reconciling_sentence``) is added when the figure
    moved the other way from the special-cause side, so "improvement" never sits beside a
    worse figure unexplained.
    """
    result = summary.spc
    if result is None:
        return "No trend yet"
    parts = [variation_badge_html(result.variation)]
    if summary.data_problem:
        parts.append(html.escape(f"Not called a real change: {summary.data_problem}"))
    elif result.is_special_cause:
        parts.append(html.escape(f"Judged against {limits_basis(result)}."))
        moved = first_movement(
            summary.indicator_id, latest.value, summary.previous_quarter, summary.previous_year
        )
        unit = get_indicator(summary.indicator_id).unit
        small = (
            moved is not None
            and unit == "count"
            and bool(is_small_count(moved.before, settings)[0])
        )
        if not withheld and not (suppress and small):
            sentence = reconciling_sentence(summary.indicator_id, latest.value, result, moved)
            if sentence:
                parts.append(html.escape(sentence))
    elif result.short_series_warning:
        parts.append("Too few points to judge.")
    return "<br>".join(parts)


def _scorecard_row(summary: IndicatorSummary, suppress: bool, settings: Settings) -> str:
    indicator = get_indicator(summary.indicator_id)
    latest = Latest.of(summary.latest)
    withheld = is_withheld(indicator, latest, suppress, settings)
    value_css = {"count": "count", "pct": "pct"}.get(indicator.unit, "num")
    value = SUPPRESSED if withheld else in_words(latest.value, indicator.unit)
    base = ""
    if indicator.unit in PEOPLE_BASED_UNITS and not np.isnan(latest.denominator):
        small_base = suppress and is_small_count(latest.denominator, settings)[0]
        base = SUPPRESSED if small_base else format_count(latest.denominator)
        if base_of(indicator.id) == "FTE" and not small_base:
            base = f"{format_number(latest.denominator, 1)} FTE"
    trend = _trend_html(summary, latest, withheld, suppress, settings)
    target = assurance_badge_html(summary.spc.assurance) if summary.spc else ""
    if summary.target is not None:
        target_text = html.escape(in_words(summary.target, indicator.unit))
        target = f"{target_text}<br>{target}" if target else target_text
    benchmark = ""
    if summary.benchmark and not withheld and not np.isnan(latest.value):
        bench_value = float(summary.benchmark["value"])
        gap = benchmark_gap(latest.value, bench_value)
        year = summary.benchmark.get("year")
        # The comparator's figure as DfE published it; the gap as a sentence writes our figure.
        published = format_value(bench_value, indicator.unit, precision="published", words=True)
        gap_text = format_value(gap, indicator.unit, precision="text", symbol=False, signed=True)
        benchmark = html.escape(
            f"{summary.benchmark.get('comparator', '')} {published}"
            f" ({gap_text}{' points' if indicator.unit == 'pct' else ''})"
            + (f", {year}" if year is not None else "")
        )
    change = _change_html(summary, latest, withheld, suppress, settings)
    return (
        f'<tr><th scope="row">{html.escape(indicator.label)}</th>'
        f'<td class="{value_css}">{html.escape(value)}</td><td class="count">{base}</td>'
        f"<td>{change}</td><td>{trend}</td><td>{target}</td><td>{benchmark}</td></tr>"
    )


def _plain_scorecard_row(cells: Sequence[str]) -> str:
    """A scorecard row given as text (a figure that is not an indicator, such as a forecast)."""
    label, value, base, *rest = (html.escape(str(c)) for c in cells)
    others = "".join(f"<td>{c}</td>" for c in rest)
    return (
        f'<tr><th scope="row">{label}</th><td class="num">{value}</td>'
        f'<td class="num">{base}</td>{others}</tr>'
    )


def scorecard_html(
    summaries: Sequence[IndicatorSummary],
    caption: str,
    suppress: bool = False,
    settings: Settings = DEFAULT_SETTINGS,
    extra_rows: Sequence[Sequence[str]] = (),
) -> str:
    """A scorecard table: one row per indicator with its latest value, SPC badges and benchmark.

    Each row shows the latest value and its base; the change since last quarter and since a year
    ago in words, qualified by what the SPC chart says (never a bare arrow); the SPC variation
    badge; the target with its assurance badge; and the benchmark with the gap and its year.

    Args:
        summaries: One ``IndicatorSummary`` per indicator, in display order.
        caption: Table caption.
        suppress: Hide counts from 1 to ``settings.suppression_max`` (and values resting on them).
        settings: Settings.
        extra_rows: Rows after the indicators, each seven cell texts in the columns' order (the
            forecast spend row: a figure that is not an indicator with an SPC chart).

    Returns:
        The HTML.
    """
    header = "".join(
        f'<th scope="col">{h}</th>'
        for h in (
            "Indicator",
            "Latest",
            "Base (n)",
            "Change",
            "Trend (SPC)",
            "Target",
            "Benchmark (gap), year",
        )
    )
    rows = "".join(_scorecard_row(s, suppress, settings) for s in summaries)
    rows += "".join(_plain_scorecard_row(cells) for cells in extra_rows)
    return (
        f'<table class="csc-table csc-scorecard"><caption>{html.escape(caption)}</caption>'
        f"<thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table>"
    )


# --- compact scorecard ---------------------------------------------------------------------------

#: The runner collects the compact scorecard's rows (as text) under this mimetype, for the
#: history page (``reports/index.html``).
SCORECARD_MIMETYPE = "application/vnd.csc-metrics.scorecard+json"

#: Colour of the sparkline's latest point by the SPC class of that point.
_STATE_COLOURS = {
    "improvement": OKABE_ITO["blue"],
    "concern": OKABE_ITO["vermillion"],
    "neutral": "#490092",
    "common_cause": "#505a5f",
}
#: What a gap of one unit is called in the compact change column (a percentage: points).
_STEP_WORDS = {"pct": ("pt", "pts"), "days": ("day", "days")}


def _state(result: SpcResult | None) -> str:
    if result is None:
        return "no trend yet"
    if result.short_series_warning and not result.is_special_cause:
        return "too few points to judge"
    return VARIATION_LABELS[result.variation].lower()


def sparkline_svg(result: SpcResult | None, label: str, width: int = 96, height: int = 22) -> str:
    """A small inline SVG of an indicator's trend with its SPC state marked on the latest point.

    The line is the series, the faint line the average of the latest segment, and the latest
    point a dot coloured by its SPC class (a ring when the chart shows only common cause). The
    SVG is an image to assistive technology (``role="img"``) named by its ``aria-label`` and
    ``<title>``, which give the number of quarters and the SPC state in words, never a value.

    Args:
        result: The indicator's SPC result (None: no trend yet).
        label: The indicator's label.
        width: Width in CSS pixels.
        height: Height in CSS pixels.

    Returns:
        The ``<svg>``, or a short text when there is no trend.
    """
    if result is None or len(result.points) < 2:
        return '<span class="secondary">no trend yet</span>'
    values = result.points["value"].to_numpy(dtype=float)
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    span = high - low or 1.0
    pad = 4.5
    xs = pad + np.arange(len(values)) * (width - 2 * pad) / (len(values) - 1)
    ys = height - pad - (values - low) / span * (height - 2 * pad)
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    mean = float(result.latest["mean"])
    mean_y = height - pad - (mean - low) / span * (height - 2 * pad)
    kind = result.variation.rsplit("_", 1)[0] if result.is_special_cause else "common_cause"
    colour = _STATE_COLOURS[kind]
    fill = colour if result.is_special_cause else "#ffffff"
    name = f"Trend of {label} over {len(values)} quarters: latest point {_state(result)}"
    return (
        f'<svg class="sparkline" role="img" aria-label="{html.escape(name)}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}"><title>{html.escape(name)}</title>'
        f'<line x1="{pad}" x2="{width - pad}" y1="{mean_y:.1f}" y2="{mean_y:.1f}" '
        'stroke="#b1b4b6" stroke-width="1"/>'
        f'<polyline points="{path}" fill="none" stroke="#0b0c0c" stroke-width="1.3"/>'
        f'<circle cx="{xs[-1]:.1f}" cy="{ys[-1]:.1f}" r="3" fill="{fill}" stroke="{colour}" '
        'stroke-width="1.5"/></svg>'
    )


def change_in_words(
    latest: float, previous: float | None, unit: str, direction: str
) -> tuple[str, str]:
    """The change since last quarter, short: ``("↑", "1 pt, worse")``.

    The size is rounded as the scorecard writes values (``in_words``), so "unchanged" is what a
    reader sees; better or worse follows the indicator's direction (none for a neutral one).

    Args:
        latest: The latest value.
        previous: Last quarter's value (None or NaN: nothing to compare with).
        unit: The indicator's unit.
        direction: ``higher``, ``lower`` or ``neutral``: which way is better.

    Returns:
        The arrow (empty when unchanged or not comparable) and the words.
    """
    before = np.nan if previous is None else float(previous)
    if np.isnan(before) or np.isnan(latest):
        return "", "no earlier quarter"
    now, then = (round_value(v, unit, "text") for v in (latest, before))
    step = round(now - then, decimals_for(unit, "text"))
    if step == 0:
        return "", "unchanged"
    size = format_value(abs(step), unit, precision="text")
    size = size.rstrip("%")
    one, many = _STEP_WORDS.get(unit, ("", ""))
    words = f"{size} {one if abs(step) == 1 else many}".strip()
    judgement = judge("up" if step > 0 else "down", direction)
    words += f", {judgement}" if judgement else ""
    return ("↑" if step > 0 else "↓"), words


def _gap_words(summary: IndicatorSummary, value: float, unit: str, direction: str) -> str:
    if not summary.benchmark or np.isnan(value):
        return ""
    bench = float(summary.benchmark["value"])
    gap = round(benchmark_gap(value, bench), decimals_for(unit, "text"))
    if gap == 0:
        return f"level with {summary.benchmark.get('comparator', '')}".strip()
    one, many = _STEP_WORDS.get(unit, ("", ""))
    size = format_value(abs(gap), unit, precision="text").rstrip("%")
    text = f"{'+' if gap > 0 else '−'}{size} {one if abs(gap) == 1 else many}".strip()
    if direction in ("higher", "lower"):
        text += ", better" if (gap > 0) == (direction == "higher") else ", worse"
    return text


def compact_scorecard_rows(
    summaries: Sequence[IndicatorSummary],
    suppress: bool = False,
    settings: Settings = DEFAULT_SETTINGS,
) -> list[dict[str, str]]:
    """The compact scorecard's rows as text (and each row's sparkline as SVG).

    Args:
        summaries: One summary per indicator, in display order.
        suppress: Withhold values resting on counts of 1 to ``settings.suppression_max``.
        settings: Settings.

    Returns:
        Dicts with ``indicator_id``, ``label``, ``value``, ``arrow``, ``change``, ``target``,
        ``gap``, ``state`` (the SPC state in words) and ``sparkline`` (SVG).
    """
    rows = []
    for summary in summaries:
        indicator = get_indicator(summary.indicator_id)
        latest = Latest.of(summary.latest)
        withheld = is_withheld(indicator, latest, suppress, settings)
        previous = summary.previous_quarter
        if withheld or (
            suppress
            and indicator.unit == "count"
            and previous is not None
            and bool(is_small_count(previous, settings)[0])
        ):
            arrow, change = "", SUPPRESSED
        else:
            arrow, change = change_in_words(
                latest.value, previous, indicator.unit, indicator.direction
            )
        value = (
            SUPPRESSED if withheld else format_value(latest.value, indicator.unit, precision="text")
        )
        rows.append(
            {
                "indicator_id": summary.indicator_id,
                "label": indicator.label,
                "value": value or "no data",
                "arrow": arrow,
                "change": change,
                "target": in_words(summary.target, indicator.unit)
                if summary.target is not None
                else "none",
                "gap": ""
                if withheld
                else _gap_words(summary, latest.value, indicator.unit, indicator.direction),
                "state": _state(summary.spc),
                "sparkline": sparkline_svg(summary.spc, indicator.label),
            }
        )
    return rows


def _arrow_html(arrow: str) -> str:
    if not arrow:
        return ""
    word = "up" if arrow == "↑" else "down"
    return f'<span aria-hidden="true">{arrow}</span><span class="visually-hidden">{word}</span> '


def compact_scorecard_html(
    summaries: Sequence[IndicatorSummary],
    caption: str,
    comparator: str = "England",
    suppress: bool = False,
    settings: Settings = DEFAULT_SETTINGS,
    extra_rows: Sequence[Sequence[str]] = (),
) -> str:
    """A scorecard one line high per indicator, with the full scorecard in a ``<details>``.

    Each row: the indicator, its latest value, a sparkline with the SPC state marked
    (``sparkline_svg``), the change since last quarter in words (``change_in_words``), the
    target and the gap to the comparator. The full scorecard (``scorecard_html``: base, the
    change since a year ago, SPC and assurance badges, the benchmark's year) follows, folded.

    Args:
        summaries: One summary per indicator, in display order.
        caption: Caption of the compact table.
        comparator: The benchmark's name for the gap column.
        suppress: Withhold values resting on small counts.
        settings: Settings.
        extra_rows: Rows that are not indicators, as ``scorecard_html`` takes them.

    Returns:
        The HTML.
    """
    header = "".join(
        f'<th scope="col"{css}>{h}</th>'
        for h, css in (
            ("Indicator", ""),
            ("Latest", ' class="num"'),
            ("Trend", ""),
            ("Since last quarter", ""),
            ("Target", ""),
            (f"Gap to {html.escape(comparator)}", ""),
        )
    )
    body = "".join(
        f'<tr><th scope="row">{html.escape(row["label"])}</th>'
        f'<td class="num">{html.escape(row["value"])}</td><td>{row["sparkline"]}</td>'
        f"<td>{_arrow_html(row['arrow'])}{html.escape(row['change'])}</td>"
        f"<td>{html.escape(row['target'])}</td><td>{html.escape(row['gap'])}</td></tr>"
        for row in compact_scorecard_rows(summaries, suppress, settings)
    )
    for cells in extra_rows:
        label, value, _base, change, *_ = (str(c) for c in cells)
        short_change = change.split(":")[-1].strip() if ":" in change else change
        body += (
            f'<tr><th scope="row">{html.escape(label)}</th><td class="num">{html.escape(value)}'
            f"</td><td></td><td>{html.escape(short_change)}</td><td></td><td></td></tr>"
        )
    full = scorecard_html(summaries, caption, suppress, settings, extra_rows)
    return (
        '<table class="csc-table csc-scorecard-compact">'
        f"<caption>{html.escape(caption)}</caption><thead><tr>{header}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
        '<details class="scorecard-details"><summary>The scorecard in full: base, the change '
        "since a year ago, the SPC and target badges, the benchmark and its year</summary>"
        f"{full}</details>{csv_download_html(full, caption)}"
    )


def compact_scorecard_bundle(
    summaries: Sequence[IndicatorSummary],
    caption: str,
    comparator: str = "England",
    suppress: bool = False,
    settings: Settings = DEFAULT_SETTINGS,
    extra_rows: Sequence[Sequence[str]] = (),
) -> dict[str, Any]:
    """The display bundle of the compact scorecard, with its rows for the history page."""
    content = compact_scorecard_html(summaries, caption, comparator, suppress, settings, extra_rows)
    rows = compact_scorecard_rows(summaries, suppress, settings)
    return {
        "text/html": content,
        "text/plain": plain_table(content.split("<details", 1)[0], caption),
        SCORECARD_MIMETYPE: {"caption": caption, "comparator": comparator, "rows": rows},
    }
