"""Report contexts built ahead of the notebooks, in the run's kernel server, and their reuse.

``csc-metrics run`` starts a kernel server (``report/forkserver.py``) that imports the package,
calls ``warm_up`` and then ``opening.preload_report``: the report context is built once there,
and every kernel forked afterwards inherits it. This module keeps that context for the process
(``remember``) and hands it back to ``open_report`` when a notebook asks for the same data and
parameters (``preloaded_for``), or a copy sharing its data and series for another team
(``for_team``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from csc_metrics import benchmarks, catalogue
from csc_metrics.charts import render, style
from csc_metrics.charts.render import figure_svg
from csc_metrics.forked import ForkedCall
from csc_metrics.indicators import resolve_team
from csc_metrics.narrative import IndicatorSummary
from csc_metrics.storage import MANIFEST_NAME
from csc_metrics.views.builders import empty_chart
from csc_metrics.views.parameters import ReportParameters
from csc_metrics.views.report_context import TEAM_AREA, ReportContext

#: Cached properties of a context that do not depend on its team: a team's report shares them
#: with the whole service's. (Its summaries do depend on the team, and are worked out afresh.)
TEAM_INDEPENDENT = (
    "windows",
    "coverage",
    "snapshots",
    "snapshot_date",
    "teams",
    "inputs",
    "series",
    "series_by_indicator",
    "metrics",
    "metrics_by_indicator",
    "council",
    "aligned_benchmarks",
    "aligned_at_end",
    "published_benchmarks",
    "published_by_indicator",
    "comparator_name",
    "data_problems",
    "blank_rate_problems",
    "service_frames",
)

#: Of those, the ones worked out from one dataset only, with that dataset: they are built ahead
#: only when the data hold it (a report asking for one without its data says so itself).
BUILT_FROM = {"inputs": "ssda903", "data_problems": "caseload", "blank_rate_problems": "caseload"}


@dataclass(frozen=True)
class Preloaded:
    """A report context built ahead of the notebooks, and what it was built for.

    Attributes:
        context: The context.
        parameters: Its settled parameters.
        manifest: The processed folder's ``manifest.json`` as it was read before the data, so
            that an ingest finishing meanwhile makes the context stale.
        settled_key: The arguments its parameters were settled from (``opening._settle``).
        settled: What they settled to, for a report opened with the same arguments.
    """

    context: ReportContext
    parameters: ReportParameters
    manifest: bytes
    settled_key: tuple[Any, ...] | None = None
    settled: Any = None


#: The context ``preload_report`` built last in this process (kernels forked from the run's
#: kernel server inherit it), or None.
_preloaded: Preloaded | None = None


def remember(preloaded: Preloaded | None) -> None:
    """Keep a preloaded context for this process (None forgets the one kept)."""
    global _preloaded
    _preloaded = preloaded


def preloaded_for(folder: Path) -> Preloaded | None:
    """The preloaded context read from ``folder``, if the folder has not been ingested since."""
    if _preloaded is None or _preloaded.context.processed_dir.resolve() != folder.resolve():
        return None
    try:
        manifest = (folder / MANIFEST_NAME).read_bytes()
    except OSError:
        return None
    return _preloaded if manifest == _preloaded.manifest else None


def for_team(context: ReportContext, team: Any) -> ReportContext:
    """The preloaded context itself, or for another team a copy sharing its data and series."""
    if resolve_team(team, context.teams) == context.team:
        return context
    derived = replace(context, team=None, _summaries={})
    for name in TEAM_INDEPENDENT:
        if name in context.__dict__:
            derived.__dict__[name] = context.__dict__[name]
    derived.team = resolve_team(team, derived.teams)
    return derived


def work_out_summaries(context: ReportContext, indicator_ids: list[str]) -> None:
    """Work out the context's summaries of the indicators, the later half in a forked child.

    Each indicator's summary (SPC, benchmark, target) depends only on the context's series and
    benchmark alignment, already worked out: while this process works out the first half, a
    forked child works out the second on the other core (``forked.ForkedCall``; here, after
    the first half, where forking is unsafe or the child fails). The context then holds every
    summary, as ``context.summaries(indicator_ids)`` would have left it.

    Args:
        context: The report context (its series and benchmark alignment worked out).
        indicator_ids: The indicators, in the order they are worked out here.
    """
    half = len(indicator_ids) // 2
    later = ForkedCall(partial(_summaries_of, context, indicator_ids[half:]))
    context.summaries(indicator_ids[:half])
    context.keep_summaries(later.result())


def split_team_series(context: ReportContext) -> None:
    """Split each caseload indicator's team rows by team, once, for every team page to share.

    Args:
        context: The whole service's report context (its series worked out).
    """
    for indicator_id in catalogue.indicator_ids(area=TEAM_AREA):
        context.team_series(indicator_id)


def _summaries_of(
    context: ReportContext, indicator_ids: list[str]
) -> dict[str, IndicatorSummary | None]:
    return {indicator_id: context.summary(indicator_id) for indicator_id in indicator_ids}


def warm_up() -> None:
    """Do once the work every report repeats whatever its data.

    Loads DfE's benchmark tables with every council's values, ranks and neighbours' medians
    (the first benchmark comparison would otherwise take most of a second), measures the
    characters of the report fonts (``charts.render.warm_up``), draws a chart and makes the
    figures the report's charts will draw on (``charts.style.make_figures_ahead``). The run's
    kernel server calls this while ingest is still running, so every kernel it forks starts
    with it done.
    """
    data = benchmarks.load_benchmark_data()
    for name in ("grid", "by_area", "by_council", "neighbour_medians", "council_rows"):
        getattr(data, name)
    benchmarks.measure_table()
    render.warm_up()
    figure_svg(empty_chart("Warm-up", "Warm-up").figure)
    style.make_figures_ahead()
