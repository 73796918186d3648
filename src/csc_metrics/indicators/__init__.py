"""Placement, care-leaver and caseload indicators at any reference date, and as quarterly series.

Definitions: ``docs/definitions.md``. Every function returns rows of the long metric table
(``schemas.MetricTable``) or, for the child- and worker-level helpers, one row per child
(pseudonymised ids only) or worker that notebooks can tabulate.
"""

from csc_metrics.indicators.care_leavers import (
    care_leaver_cohort,
    care_leaver_data_issues,
    care_leaver_indicators,
)
from csc_metrics.indicators.caseloads import (
    HEADLINE_CASELOAD_INDICATORS,
    case_holding_workers,
    caseload_distribution,
    caseload_series,
    compute_caseload_indicators,
    excluded_workers,
    unallocated_cases,
    worker_caseloads,
)
from csc_metrics.indicators.core import (
    compute_indicator_series,
    compute_indicators,
    order_metrics,
)
from csc_metrics.indicators.permanence import (
    EVENT_WINDOW_YEARS,
    PermanenceInputs,
    left_care_frame,
    prepare_permanence,
    returning_frame,
)
from csc_metrics.indicators.placements import cla_at, placement_indicators, uasc_at
from csc_metrics.indicators.prepare import (
    IndicatorInputs,
    data_coverage,
    population_for,
    prepare_inputs,
    quarter_ends_covered,
    resolve_period_end,
    window_start,
)
from csc_metrics.indicators.snapshots import (
    latest_snapshot,
    resolve_team,
    snapshot_dates,
    teams_at,
    year_earlier_snapshot,
)
from csc_metrics.indicators.worker_changes import worker_changes_rows

__all__ = [
    "EVENT_WINDOW_YEARS",
    "HEADLINE_CASELOAD_INDICATORS",
    "IndicatorInputs",
    "PermanenceInputs",
    "care_leaver_cohort",
    "care_leaver_data_issues",
    "care_leaver_indicators",
    "case_holding_workers",
    "caseload_distribution",
    "caseload_series",
    "cla_at",
    "compute_caseload_indicators",
    "compute_indicator_series",
    "compute_indicators",
    "data_coverage",
    "excluded_workers",
    "latest_snapshot",
    "left_care_frame",
    "order_metrics",
    "placement_indicators",
    "population_for",
    "prepare_inputs",
    "prepare_permanence",
    "quarter_ends_covered",
    "resolve_period_end",
    "resolve_team",
    "returning_frame",
    "snapshot_dates",
    "teams_at",
    "uasc_at",
    "unallocated_cases",
    "window_start",
    "worker_caseloads",
    "worker_changes_rows",
    "year_earlier_snapshot",
]
