"""The report notebooks' library layer: each notebook loads, calls one function here, and shows.

``open_report`` builds the shared report context once per notebook; ``overview``,
``caseloads`` (with ``caseload_messages``), ``care_leavers``, ``placements``, ``permanence``,
``data_quality`` and ``forecast`` (demand and cost) hold the composition of each report
(which indicators, breakdowns, tables, charts and key messages), as tested functions that
return tables, charts and message lists.

The names below are imported when first used (PEP 562), not when the package is: the report
runner reads a few light modules of ``views`` (the parameters, the context line's words) and
must not pay for importing matplotlib and the charts, which only the notebooks' kernels use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

#: Each public name -> the module that holds it (a module's own name for a sub-module).
_WHERE = {
    "FORECAST_PARAMETERS": "csc_metrics.views.parameters",
    "PARAMETERS": "csc_metrics.views.parameters",
    "SPC_PARAMETERS": "csc_metrics.views.parameters",
    "ReportContext": "csc_metrics.views.report_context",
    "ReportTable": "csc_metrics.views.builders",
    "open_report": "csc_metrics.views.opening",
    "show_context_line": "csc_metrics.views.context_line",
    **{
        module: f"csc_metrics.views.{module}"
        for module in (
            "care_leavers",
            "caseload_messages",
            "caseloads",
            "data_quality",
            "forecast",
            "overview",
            "permanence",
            "placements",
            "workforce",
        )
    },
}

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


def __getattr__(name: str) -> Any:
    """Import a public name of ``views`` the first time it is used."""
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'csc_metrics.views' has no attribute {name!r}")
    module = importlib.import_module(where)
    value = module if where.endswith(f".{name}") else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
