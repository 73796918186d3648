"""The workforce claims of the caseload report: agency staff, vacancies and turnover.

Every claim a report makes about the workforce comes with its trend chart and the table behind
it, like every other claim: the SPC chart of each share over the quarter ends, and one table
of the three shares with the FTE each rests on. A data problem that explains a movement (an
identical workforce file, ``artefacts``) is in each chart's indicator message and scorecard row.
"""

from __future__ import annotations

import pandas as pd

from csc_metrics.charts import Chart
from csc_metrics.dates import format_date
from csc_metrics.views.builders import ReportTable, display_label, spc_chart_for
from csc_metrics.views.report_context import ReportContext

#: The workforce shares the reports make claims about, in the order shown.
WORKFORCE_INDICATORS = ("agency_workers_pct", "vacancy_rate_pct", "social_worker_turnover_pct")


def trend_chart(ctx: ReportContext, indicator_id: str) -> Chart:
    """The SPC chart of one workforce share (``WORKFORCE_INDICATORS``) over the quarter ends."""
    if indicator_id not in WORKFORCE_INDICATORS:
        raise ValueError(f"{indicator_id} is not one of {WORKFORCE_INDICATORS}")
    return spc_chart_for(ctx, indicator_id, "caseload")


def trend_table(ctx: ReportContext) -> ReportTable:
    """The table behind the workforce charts: each share and its FTE base at each quarter end.

    Args:
        ctx: The report context.

    Returns:
        One row per quarter end with a value of any of the shares, oldest first: the share (%)
        and the FTE it is a share of, for agency staff, vacancies and turnover.
    """
    columns = {}
    for indicator_id in WORKFORCE_INDICATORS:
        rows = ctx.overall_rows(indicator_id).set_index("period_end")
        label = display_label(indicator_id)
        columns[f"{label} (%)"] = rows["value"]
        columns[f"{label}: base (FTE)"] = rows["denominator"].round(1)
    table = pd.DataFrame(columns).dropna(how="all").sort_index()
    table.index = [format_date(d, "short") for d in table.index]
    table = table.rename_axis("Quarter ending").reset_index()
    team = f" ({ctx.team})" if ctx.team and ctx.is_team_view(WORKFORCE_INDICATORS[0]) else ""
    return ReportTable(
        data=table,
        caption=(
            f"Agency social workers, vacancy rate and turnover at each quarter end{team}, with the "
            "full-time equivalent staff each is a share of (blank: no figure for that quarter)"
        ),
        row_header="Quarter ending",
    )
