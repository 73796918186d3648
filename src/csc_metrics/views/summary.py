"""The machine-readable summary of a run: ``reports/<period>/summary.json``.

``summary_facts`` returns plain structured facts (numbers, dates as ISO text, words), built from
the report context in one place, so that anything that must change what leaves the service (a
disclosure-control layer) can work on one dictionary before it is written. The shape is declared
by the JSON Schema shipped in ``reference/summary.schema.json`` (``SUMMARY_SCHEMA``); the README
("summary.json") says what each field means.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

import numpy as np
import pandas as pd

from csc_metrics import __version__
from csc_metrics.catalogue import base_of, get_indicator
from csc_metrics.narrative import IndicatorSummary, Latest, first_movement
from csc_metrics.ranking import relative_gap, severity, target_missed
from csc_metrics.spc import RULE_LABELS, VARIATION_LABELS
from csc_metrics.suppression import is_small_count
from csc_metrics.views.overview import headline_ids, headline_messages
from csc_metrics.views.report_context import ReportContext

#: The schema's file name under ``csc_metrics/reference/``.
SUMMARY_SCHEMA = "summary.schema.json"
#: Version of the summary's layout; a change that breaks a reader raises it.
SUMMARY_VERSION = 1


def summary_schema() -> dict[str, Any]:
    """The JSON Schema ``summary.json`` follows."""
    text = (files("csc_metrics") / "reference" / SUMMARY_SCHEMA).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _number(value: object) -> float | int | None:
    """A JSON number (whole numbers as integers), or None for a blank."""
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    if np.isnan(number):
        return None
    return int(number) if number.is_integer() else round(number, 3)


def _iso(value: object) -> str:
    return pd.Timestamp(value).date().isoformat()


def _spc_facts(summary: IndicatorSummary) -> dict[str, Any] | None:
    result = summary.spc
    if result is None:
        return None
    group = result.latest_group
    rule = result.latest["rule"]
    return {
        "variation": result.variation,
        "label": VARIATION_LABELS[result.variation],
        "rule": rule,
        "rule_label": RULE_LABELS.get(str(rule)) if rule else None,
        "segment_start": _iso(group["date"].iloc[0]),
        "segment_end": _iso(group["date"].iloc[-1]),
        "segment_points": len(group),
        "mean": _number(result.latest["mean"]),
        "upper_limit": _number(result.latest["upl"]),
        "lower_limit": _number(result.latest["lpl"]),
        "assurance": result.assurance,
        "short_series": result.short_series_warning is not None,
    }


def _withheld(ctx: ReportContext, indicator_id: str, latest: Latest) -> bool:
    """Whether the latest figure rests on a small count that suppression must hide."""
    if not ctx.suppress:
        return False
    unit = get_indicator(indicator_id).unit
    counts = [latest.numerator, latest.denominator]
    counts += [latest.value] if unit == "count" else []
    return bool(is_small_count(counts, ctx.settings).any())


def indicator_facts(ctx: ReportContext, summary: IndicatorSummary) -> dict[str, Any]:
    """One headline indicator's facts for ``summary.json``.

    Args:
        ctx: The report context.
        summary: The indicator's summary (``ctx.summary``).

    Returns:
        Its latest value, numerator and denominator, the values last quarter and a year ago,
        the movement, the SPC verdict with its segment, the benchmark gap and target status.
    """
    indicator = get_indicator(summary.indicator_id)
    latest = Latest.of(summary.latest)
    withheld = _withheld(ctx, summary.indicator_id, latest)
    hide = (lambda v: None) if withheld else _number
    moved = first_movement(
        summary.indicator_id, latest.value, summary.previous_quarter, summary.previous_year
    )
    benchmark = None
    if summary.benchmark and not np.isnan(latest.value):
        bench_value = float(summary.benchmark["value"])
        size, better = relative_gap(summary)
        benchmark = {
            "comparator": str(summary.benchmark.get("comparator", "")),
            "year": _number(summary.benchmark.get("year")),
            "value": _number(bench_value),
            "gap": hide(latest.value - bench_value),
            "relative_gap": hide(size),
            "judgement": None if better is None else ("better" if better else "worse"),
        }
    target = None
    if summary.target is not None:
        target = {
            "value": _number(summary.target),
            "missed": target_missed(summary),
            "assurance": summary.spc.assurance if summary.spc else None,
        }
    return {
        "id": summary.indicator_id,
        "label": indicator.label,
        "unit": indicator.unit,
        "direction": indicator.direction,
        "period_end": _iso(latest.period_end),
        "value": hide(latest.value),
        "numerator": hide(latest.numerator),
        "denominator": hide(latest.denominator),
        "base": base_of(summary.indicator_id),
        "withheld": withheld,
        "previous_quarter": hide(summary.previous_quarter),
        "previous_year": hide(summary.previous_year),
        "movement": None
        if moved is None or withheld
        else {"since": moved.since, "way": moved.way, "judgement": moved.judgement},
        "spc": _spc_facts(summary),
        "benchmark": benchmark,
        "target": target,
        "severity": severity(summary),
        "data_problem": summary.data_problem,
    }


def summary_facts(ctx: ReportContext) -> dict[str, Any]:
    """Everything ``summary.json`` holds, as plain structured facts.

    Args:
        ctx: The report context of the run.

    Returns:
        ``{"schema_version", "package_version", "council", "period_end", "team",
        "comparator", "suppressed", "indicators", "key_messages"}``: one entry per headline
        indicator with a value (catalogue order) and the overview's indicator messages in rank
        order, each with its indicator id, severity and text.
    """
    summaries = ctx.summaries(headline_ids())
    messages = [
        {
            "rank": rank,
            "indicator_id": summary.indicator_id,
            "severity": severity(summary),
            "text": text,
        }
        for rank, (summary, text) in enumerate(headline_messages(ctx), start=1)
    ]
    return {
        "schema_version": SUMMARY_VERSION,
        "package_version": __version__,
        "council": {"code": ctx.la_code, "name": ctx.la_name},
        "period_end": _iso(ctx.period_end),
        "team": ctx.team,
        "comparator": ctx.comparator_name,
        "suppressed": ctx.suppress,
        "indicators": [indicator_facts(ctx, s) for s in summaries],
        "key_messages": messages,
    }


def summary_json(ctx: ReportContext) -> str:
    """``summary_facts`` as JSON text, as ``summary.json`` is written."""
    return json.dumps(summary_facts(ctx), indent=2, ensure_ascii=False) + "\n"
