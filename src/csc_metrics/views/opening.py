"""Opening a report: ``open_report`` for a notebook, ``preload_report`` ahead of the notebooks.

``open_report`` checks the eight notebook parameters (``parameters.py``), reads the processed
data and builds the ``ReportContext``. The views only read processed data: ``csc-metrics run``
ingests before any notebook starts and passes the processed folder, and ``processed_dir=None``
(the shipped sample, for analysts and the notebook tests) is prepared by
``shipped_sample.sample_processed_dir``. The indicator series comes from the processed folder's
cache (``series_cache.py``), and in a run from the context the kernel server built ahead of the
notebooks (``preload.py``), so no notebook computes the series.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from csc_metrics import benchmarks, catalogue, storage
from csc_metrics.change_points import read_change_points
from csc_metrics.indicators import IndicatorInputs, prepare_inputs, resolve_team, snapshot_dates
from csc_metrics.indicators.coverage import dataset_windows, dates_record
from csc_metrics.memory import malloc_allocation
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.shipped_sample import SAMPLE_COUNCIL_NAME, is_synthetic, sample_processed_dir
from csc_metrics.storage import MANIFEST_NAME
from csc_metrics.views import care_leavers, caseloads, forecast, preload
from csc_metrics.views.parameters import (
    ReportParameters,
    check_parameters,
    file_stamp,
    settle_parameters,
)
from csc_metrics.views.report_context import ReportContext
from csc_metrics.views.series_cache import cached_indicator_series

#: The permanence indicators of a cold series are worked out in a forked child beside the
#: other indicators only for data of up to this many episode rows. The child's structures are
#: built while the kernel server builds its own, so their peaks add up: on a national-size
#: folder (3.5 million rows) the preparation's peak went from 3.65 to 4.06 GB (PSS of every
#: process), over the 4 GB memory target. There they are worked out in turn, in the server.
PERMANENCE_CHILD_MAX_EPISODES = 1_000_000


def permanence_in_child(data: storage.ProcessedData) -> bool:
    """Whether a cold series' permanence indicators are worked out in a forked child.

    Args:
        data: The processed data.

    Returns:
        True for data of up to ``PERMANENCE_CHILD_MAX_EPISODES`` episode rows.
    """
    return len(data.episodes) <= PERMANENCE_CHILD_MAX_EPISODES


def _folder(processed_dir: str | Path | None) -> Path:
    """The processed folder a report reads: the given one, or the shipped sample's."""
    return sample_processed_dir() if processed_dir is None else Path(processed_dir).expanduser()


def open_report(
    processed_dir: str | Path | None,
    period_end: str,
    la_code: str,
    la_name: str | None,
    team: str | None,
    comparator: str,
    suppress: bool,
    targets_file: str | Path | None,
    settings: Settings = DEFAULT_SETTINGS,
    change_points_file: str | Path | None = None,
) -> ReportContext:
    """Check a notebook's parameters and build its report context.

    Args:
        processed_dir: A folder written by ``csc-metrics ingest``; None for the shipped sample.
        period_end: ``"latest"`` or ``"YYYY-MM-DD"``.
        la_code: The council's code (E-code such as ``E10000017``, or DfE's three digits).
        la_name: The council's name for titles (default: DfE's name for the code).
        team: A team in the caseload data, or None for every team.
        comparator: ``"england"``, ``"region"`` or ``"sn"``.
        suppress: Hide counts of 1 to 5 everywhere.
        targets_file: A local targets CSV, or None.
        settings: Local rules.
        change_points_file: Declared change points (``change_points.read_change_points``):
            each starts a new SPC segment for its indicator, or None.

    Returns:
        The context.

    Raises:
        ParameterError: A parameter is not valid; the message names it and what is allowed.
        InputError: The processed folder or targets file cannot be used.
    """
    settled = _settle(
        processed_dir, period_end, la_code, la_name, comparator, suppress, targets_file, settings
    )
    settled = dataclasses.replace(
        settled,
        parameters=dataclasses.replace(
            settled.parameters, change_points=file_stamp(change_points_file)
        ),
    )
    preloaded = settled.preloaded
    if preloaded is not None and preloaded.parameters == settled.parameters:
        return preload.for_team(preloaded.context, team)
    return _new_context(settled, team, targets_file, settings, change_points_file)


@dataclass(frozen=True)
class _Settled:
    """A report's processed data and its parameters settled against them."""

    folder: Path
    data: storage.ProcessedData
    is_sample: bool
    comparator: str
    parameters: ReportParameters
    preloaded: preload.Preloaded | None


def _settle(
    processed_dir: str | Path | None,
    period_end: str,
    la_code: str,
    la_name: str | None,
    comparator: str,
    suppress: bool,
    targets_file: str | Path | None,
    settings: Settings,
) -> _Settled:
    """Check the parameters, read the data (or take the preloaded) and settle them.

    A report forked from the run's kernel server settles the parameters the server settled
    against the same preloaded data (about 25 ms a report): taken from the preloaded context
    when every argument is the same, targets file unchanged.
    """
    key = _settle_key(
        processed_dir, period_end, la_code, la_name, comparator, suppress, targets_file, settings
    )
    folder = _folder(processed_dir)
    preloaded = preload.preloaded_for(folder)
    if preloaded is not None and _same_arguments(preloaded.settled_key, key):
        return dataclasses.replace(preloaded.settled, preloaded=preloaded)
    council, comparator = check_parameters(la_code, comparator, suppress)
    data = preloaded.context.data if preloaded else storage.load_processed(folder)
    is_sample = processed_dir is None or is_synthetic(data)
    given = str(la_name or "").strip().upper()
    codes = {str(council["la_code_old"]).upper(), str(council["la_code_new"]).upper()}
    if is_sample and (not given or given in codes):
        # The sample borrows a real council's code; its reports never carry that name.
        la_name = SAMPLE_COUNCIL_NAME
    parameters = settle_parameters(
        data, council, period_end, la_name, comparator, suppress, targets_file, settings
    )
    return _Settled(folder, data, is_sample, comparator, parameters, preloaded)


def _settle_key(*arguments: Any) -> tuple[Any, ...]:
    """``_settle``'s arguments, the targets file by its stamp (path, size, modified)."""
    *others, targets_file, settings = arguments
    return (*others, file_stamp(targets_file), settings)


def _same_arguments(settled: tuple[Any, ...] | None, asked: tuple[Any, ...]) -> bool:
    """Whether ``_settle`` was asked the same (an argument that cannot be compared: no)."""
    try:
        return settled is not None and bool(settled == asked)
    except (TypeError, ValueError):
        return False


def _new_context(
    settled: _Settled,
    team: str | None,
    targets_file: str | Path | None,
    settings: Settings,
    change_points_file: str | Path | None,
    inputs: IndicatorInputs | None = None,
    permanence_in_child: bool = False,
) -> ReportContext:
    """The report context of settled data and parameters: the indicator series worked out.

    ``inputs`` (``prepare_inputs`` of the data and settings, when the caller has it) is the
    context's own and the series is computed from it; ``permanence_in_child`` as for
    ``cached_indicator_series``.
    """
    parameters = settled.parameters
    targets = benchmarks.read_targets(targets_file) if targets_file else None
    declared = read_change_points(change_points_file) if change_points_file else None
    context = ReportContext(
        data=settled.data,
        processed_dir=settled.folder,
        is_sample=settled.is_sample,
        period_end=parameters.period_end,
        la_code=parameters.la_code,
        la_name=parameters.la_name,
        team=None,
        comparator=settled.comparator,
        suppress=parameters.suppress,
        targets=targets,
        full_series=cached_indicator_series(
            settled.data,
            parameters.la_code,
            settings,
            inputs=inputs,
            permanence_in_child=permanence_in_child,
        ),
        settings=settings,
        change_points=declared,
    )
    if inputs is not None:
        context.__dict__["inputs"] = inputs  # the cached property, already worked out
    context.team = resolve_team(team, context.teams)
    return context


# Arrow on malloc while the data are loaded and the report's figures worked out, as the
# indicators command does: with Arrow's own pool, freed memory is handed back at once and the
# next array faults it in again (see ``memory``).
@malloc_allocation()
def preload_report(
    processed_dir: str | Path | None,
    period_end: str,
    la_code: str,
    la_name: str | None,
    team: str | None,
    comparator: str,
    suppress: bool,
    targets_file: str | Path | None,
    settings: Settings = DEFAULT_SETTINGS,
    change_points_file: str | Path | None = None,
) -> dict[str, Any]:
    """Build a report context and what every report notebook works out from it, ahead of them.

    The run calls this in its kernel server once the data are ingested, with the notebooks'
    parameters. Every kernel forked afterwards starts with the context in memory: ``open_report``
    with the same parameters returns it, and for another team a copy sharing its data and
    series, so no notebook loads the data, reads the series or works out a summary again. The
    indicator series and the benchmark alignment are also written to the processed folder's
    cache, for notebooks run later in JupyterLab.

    Where this process can fork safely (one thread, as the kernel server), the second core
    works alongside it: the forecast, the permanence indicators of a series not yet cached and
    the later half of the summaries are worked out in forked children (``forked.ForkedCall``)
    while the rest is worked out here. Elsewhere, or when a child fails, all of it is worked
    out here; the context and the answer are the same.

    Args:
        processed_dir: As for ``open_report``.
        period_end: As for ``open_report``.
        la_code: As for ``open_report``.
        la_name: As for ``open_report``.
        team: As for ``open_report``.
        comparator: As for ``open_report``.
        suppress: As for ``open_report``.
        targets_file: As for ``open_report``.
        settings: Local rules.
        change_points_file: As for ``open_report``.

    Returns:
        ``{"period_end": "YYYY-MM-DD", "summary": {...}, "data_dates": {...}, "teams": [...]}``:
        the period end the parameters settle on, the run's ``summary.json`` facts
        (``views.summary.summary_facts``), the dates the data cover
        (``indicators.coverage.dates_record``) and the teams at the period end
        (``indicators.teams_at``, as ``report.run_defaults.folder_teams`` reads them).

    Raises:
        ParameterError: A parameter is not valid (the notebooks will say so themselves).
        InputError: The processed folder or targets file cannot be used.
    """
    preload.remember(None)
    folder = _folder(processed_dir)
    # Read before the data, so that an ingest finishing meanwhile makes the context stale.
    manifest = (folder / MANIFEST_NAME).read_bytes()
    settled = _settle(
        processed_dir, period_end, la_code, la_name, comparator, suppress, targets_file, settings
    )
    settled_key = _settle_key(
        processed_dir, period_end, la_code, la_name, comparator, suppress, targets_file, settings
    )
    # The per-child structures every SSDA903 figure starts from: prepared once, for the series
    # (when it is not in the cache), for the context, whose reports' tables use them, and for
    # the forecast. The permanence indicators, about half of a cold series, are worked out in
    # a forked child while the other indicators are worked out here.
    windows = dataset_windows(settled.data)
    needed = preload.BUILT_FROM["inputs"] in windows
    inputs = prepare_inputs(settled.data, settings) if needed else None
    # The forecast at the shipped unit costs: the overview's spend row and the demand and cost
    # report both start from it. It needs only the data, their prepared episodes and the
    # period end, so it is built in a forked child, started before the rest is worked out here
    # (the indicator series first, which the forecast does not need). Starting it from the
    # episodes prepared above saves the child preparing them again (0.7 s of a county's 1.1 s
    # of CPU there) and, on a national folder, a second copy of them.
    forecast_view = forecast.forecast_in_background(
        settled.data,
        settled.parameters.la_code,
        settled.parameters.period_end,
        settings,
        episodes=None if inputs is None else inputs.episodes,
    )
    context = _new_context(
        settled,
        team,
        targets_file,
        settings,
        change_points_file,
        inputs=inputs,
        permanence_in_child=permanence_in_child(settled.data),
    )
    for name in preload.TEAM_INDEPENDENT:
        needs = preload.BUILT_FROM.get(name)
        if needs is None or needs in context.windows:
            getattr(context, name)
    preload.work_out_summaries(context, catalogue.indicator_ids())
    # What every team's caseload page starts from, the same for all: worked out here, once.
    if "caseload" in context.windows:
        caseloads.prepare_team_pages(context)
        preload.split_team_series(context)
        if context.not_covered("ssda903") is None:
            care_leavers.service_team_outcomes(context)
    forecast_view(context)
    parameters = ReportParameters(
        context.period_end,
        context.la_code,
        context.la_name,
        context.comparator,
        context.suppress,
        file_stamp(targets_file),
        settings,
        file_stamp(change_points_file),
    )
    preload.remember(preload.Preloaded(context, parameters, manifest, settled_key, settled))
    from csc_metrics.views.summary import summary_facts

    return {
        "period_end": context.period_end.date().isoformat(),
        "summary": summary_facts(context),
        # The dates the data cover, so that the run need not load the data to read them.
        "data_dates": dates_record(dataset_windows(context.data), snapshot_dates(context.data)),
        # The teams at the period end, for --per-team: the run need not read the cases again.
        "teams": context.teams if all(isinstance(t, str) for t in context.teams) else None,
    }
