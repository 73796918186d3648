"""All indicators at one reference date, or as a series over quarter ends."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

import pandas as pd

from csc_metrics.catalogue import indicator_ids
from csc_metrics.dates import parse_period_end
from csc_metrics.forked import ForkedCall
from csc_metrics.indicators.care_leavers import care_leaver_indicator_series
from csc_metrics.indicators.caseloads import caseload_indicator_series
from csc_metrics.indicators.coverage import (
    check_covered,
    covered_dates,
    covered_quarter_ends,
    dataset_windows,
    mark_not_covered,
    not_covered_reasons,
)
from csc_metrics.indicators.metrics import TOTAL_BREAKDOWN, validate_metrics
from csc_metrics.indicators.permanence import permanence_indicator_series, prepare_permanence
from csc_metrics.indicators.placements import placement_indicator_series
from csc_metrics.indicators.prepare import IndicatorInputs, prepare_inputs
from csc_metrics.memory import malloc_allocation
from csc_metrics.schemas import METRIC_COLUMNS
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.storage import ProcessedData


def _indicators_at(
    data: ProcessedData,
    inputs: IndicatorInputs | None,
    period_ends: list[pd.Timestamp],
    la_code: str,
    settings: Settings,
    permanence_in_child: bool = False,
) -> pd.DataFrame:
    """Every area's metric rows at the reference dates each dataset covers; the rest marked.

    SSDA903 areas are computed at the dates the SSDA903 returns cover, caseload indicators at
    the dates a snapshot covers; every indicator not covered at a date (no data, or a look-back
    window reaching before the data) is one blank overall row with its ``not_covered`` reason.
    With ``permanence_in_child`` the permanence area is worked out in a forked child while the
    other areas are worked out here (``forked.ForkedCall``: here too where forking is unsafe or
    the child fails); the rows are the same, in the same order, either way.
    """
    windows = dataset_windows(data)
    ssda903_dates = covered_dates(windows, "ssda903", period_ends)
    caseload_dates = covered_dates(windows, "caseload", period_ends)
    parts = [_empty_metrics()]
    permanence: ForkedCall[pd.DataFrame] | None = None
    if ssda903_dates:
        inputs = inputs if inputs is not None else prepare_inputs(data, settings)
        work_out_permanence = partial(_permanence_series, data, inputs, ssda903_dates)
        # Started before the other areas, which are then worked out here meanwhile.
        permanence = ForkedCall(work_out_permanence) if permanence_in_child else None
        parts += [
            placement_indicator_series(inputs, ssda903_dates, la_code),
            care_leaver_indicator_series(inputs, ssda903_dates),
        ]
        if permanence is None:
            parts.append(work_out_permanence())
    # The caseload area also holds worker_changes_12m, an SSDA903 indicator (SWEpisodes): it is
    # worked out at both datasets' dates, and mark_not_covered drops what is not covered.
    caseload_area_dates = sorted(set(ssda903_dates) | set(caseload_dates))
    caseload = (
        caseload_indicator_series(data, caseload_area_dates, settings)
        if caseload_area_dates
        else None
    )
    if permanence is not None:
        parts.append(permanence.result())
    if caseload is not None:
        parts.append(caseload)
    metrics = pd.concat(parts, ignore_index=True)
    return mark_not_covered(metrics, not_covered_reasons(windows, period_ends))


def _permanence_series(
    data: ProcessedData, inputs: IndicatorInputs, dates: list[pd.Timestamp]
) -> pd.DataFrame:
    """The permanence area's rows at the dates (its structures prepared from ``inputs``)."""
    return permanence_indicator_series(prepare_permanence(data, inputs), dates)


def _empty_metrics() -> pd.DataFrame:
    return validate_metrics(pd.DataFrame(columns=METRIC_COLUMNS))


def order_metrics(frame: pd.DataFrame) -> pd.DataFrame:
    """Sort metric rows by date, then catalogue order, with each total before its breakdowns.

    Args:
        frame: Metric-table rows.

    Returns:
        The rows reordered (breakdown groups keep the order they were produced in).
    """
    catalogue = {indicator_id: n for n, indicator_id in enumerate(indicator_ids())}
    keyed = frame.assign(
        _indicator=frame["indicator_id"].map(catalogue).fillna(len(catalogue)),
        _breakdown=frame["breakdown"].ne(TOTAL_BREAKDOWN),
        _row=range(len(frame)),
    )
    keyed = keyed.sort_values(["period_end", "_indicator", "_breakdown", "_row"], kind="stable")
    return keyed.drop(columns=["_indicator", "_breakdown", "_row"]).reset_index(drop=True)


def compute_indicators(
    data: ProcessedData,
    period_end: str | pd.Timestamp,
    la_code: str,
    settings: Settings = DEFAULT_SETTINGS,
    *,
    inputs: IndicatorInputs | None = None,
) -> pd.DataFrame:
    """Every placement, care-leaver and caseload indicator at one reference date, with breakdowns.

    Args:
        data: The processed data.
        period_end: The reference date R (YYYY-MM-DD text or a timestamp).
        la_code: The responsible council's code (e.g. ``E10000017``).
        settings: Local rules.
        inputs: ``prepare_inputs(data, settings)`` when the caller already has it (it is then
            used as it is, with its own settings), to avoid preparing the data twice.

    Returns:
        A validated ``MetricTable`` frame in catalogue order.

    Raises:
        ParameterError: If ``period_end`` is not a date, or no dataset covers it.
    """
    period_end = parse_period_end(period_end)
    settings = inputs.settings if inputs is not None else settings
    check_covered(period_end, dataset_windows(data))
    metrics = _indicators_at(data, inputs, [period_end], la_code, settings)
    return order_metrics(validate_metrics(metrics))


def compute_indicator_series(
    data: ProcessedData,
    la_code: str,
    period_ends: Iterable[str | pd.Timestamp] | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    *,
    inputs: IndicatorInputs | None = None,
    permanence_in_child: bool = False,
) -> pd.DataFrame:
    """Every indicator at each of a series of reference dates, oldest first.

    The per-child structures are prepared once; each reference date is then a few vectorised
    masks over all children, and every date's rows are counted together.

    Args:
        data: The processed data.
        la_code: The responsible council's code.
        period_ends: Reference dates; default every quarter end any dataset covers
            (``coverage.covered_quarter_ends``).
        settings: Local rules.
        inputs: ``prepare_inputs(data, settings)`` when the caller already has it (used as it
            is, with its own settings), to avoid preparing the data twice.
        permanence_in_child: Work the permanence indicators (about half of a county's series)
            out in a forked child while the others are worked out here, on a second core. For
            a process that forks safely (one thread, e.g. the run's kernel server); elsewhere,
            or if the child fails, they are worked out here. The result is the same.

    Returns:
        A validated ``MetricTable`` frame, sorted by reference date then catalogue order.

    Raises:
        ParameterError: If a reference date is not a date, or is outside the data.
    """
    settings = inputs.settings if inputs is not None else settings
    windows = dataset_windows(data)
    dates = (
        covered_quarter_ends(windows)
        if period_ends is None
        else sorted(parse_period_end(d) for d in period_ends)
    )
    for period_end in dates:
        check_covered(period_end, windows)
    if not dates:
        return _empty_metrics()
    # Arrow on malloc: a national series spent more CPU faulting in memory than computing.
    with malloc_allocation():
        metrics = _indicators_at(data, inputs, dates, la_code, settings, permanence_in_child)
        return order_metrics(validate_metrics(metrics))
