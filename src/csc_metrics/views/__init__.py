"""The report notebooks' library layer: each notebook loads, calls one function here, and shows.

``open_report`` builds the shared report context once per notebook; ``overview``,
``caseloads`` (with ``caseload_messages``), ``care_leavers``, ``placements``, ``permanence``,
``data_quality`` and ``forecast`` (demand and cost) hold the composition of each report
(which indicators, breakdowns, tables, charts and key messages), as tested functions that
return tables, charts and message lists.
"""

from csc_metrics.views import (
    care_leavers,
    caseload_messages,
    caseloads,
    data_quality,
    forecast,
    overview,
    permanence,
    placements,
    workforce,
)
from csc_metrics.views.builders import ReportTable
from csc_metrics.views.context_line import show_context_line
from csc_metrics.views.opening import open_report
from csc_metrics.views.parameters import FORECAST_PARAMETERS, PARAMETERS, SPC_PARAMETERS
from csc_metrics.views.report_context import ReportContext

__all__ = [
    "FORECAST_PARAMETERS",
    "PARAMETERS",
    "SPC_PARAMETERS",
    "ReportContext",
    "ReportTable",
    "care_leavers",
    "caseload_messages",
    "caseloads",
    "data_quality",
    "forecast",
    "open_report",
    "overview",
    "permanence",
    "placements",
    "show_context_line",
    "workforce",
]
