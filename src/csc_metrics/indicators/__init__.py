"""Placement and care-leaver indicators at any reference date, and as quarterly series.

Definitions: ``spec/indicators.md`` §0-§3, restated in ``docs/definitions.md``. Every function
returns rows of the long metric table (``schemas.MetricTable``) or, for the child-level helpers,
one row per child (pseudonymised ids only) that notebooks can tabulate.
"""

from csc_metrics.indicators.care_leavers import (
    care_leaver_cohort,
    care_leaver_data_issues,
    care_leaver_indicators,
)
from csc_metrics.indicators.core import (
    compute_indicator_series,
    compute_indicators,
    order_metrics,
)
from csc_metrics.indicators.placements import cla_at, placement_indicators, uasc_at
from csc_metrics.indicators.prepare import (
    IndicatorInputs,
    data_coverage,
    parse_period_end,
    population_for,
    prepare_inputs,
    quarter_ends_covered,
    window_start,
)

__all__ = [
    "IndicatorInputs",
    "care_leaver_cohort",
    "care_leaver_data_issues",
    "care_leaver_indicators",
    "cla_at",
    "compute_indicator_series",
    "compute_indicators",
    "data_coverage",
    "order_metrics",
    "parse_period_end",
    "placement_indicators",
    "population_for",
    "prepare_inputs",
    "quarter_ends_covered",
    "uasc_at",
    "window_start",
]
