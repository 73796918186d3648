"""The case-holding social work capacity a forecast number of children looked after needs.

FTE needed = children looked after / the caseload threshold (``Settings.caseload_threshold``,
20 cases per FTE by default): the capacity that keeps every child looked after on a caseload at
the threshold. Today's FTE working with children looked after is taken from the latest
caseload snapshot on or before the forecast origin: each case-holding worker's FTE (spec §4) is
shared between their cases, and the shares of their children-looked-after cases are added up.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from csc_metrics.indicators.caseloads import worker_caseloads
from csc_metrics.indicators.snapshots import latest_snapshot
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.storage import ProcessedData

CLA_CASE_TYPE = "CLA"


@dataclass
class TodaysWorkforce:
    """Case-holding capacity at the latest snapshot.

    Attributes:
        snapshot: The snapshot date, or None when there is no caseload data.
        case_holding_fte: FTE of all case-holding workers.
        cla_cases: Children-looked-after cases held by them.
        cla_fte: Their FTE shared out to those cases.
    """

    snapshot: pd.Timestamp | None
    case_holding_fte: float | None = None
    cla_cases: int | None = None
    cla_fte: float | None = None


def todays_workforce(
    data: ProcessedData, origin: pd.Timestamp, settings: Settings = DEFAULT_SETTINGS
) -> TodaysWorkforce:
    """Case-holding FTE, and the part of it that works with children looked after.

    Args:
        data: Processed data (caseload tables may be empty).
        origin: The forecast origin.
        settings: Caseload rules.

    Returns:
        Today's workforce (all None without a snapshot on or before the origin).
    """
    if data.cases.empty:
        return TodaysWorkforce(snapshot=None)
    snapshot = latest_snapshot(data, origin)
    if snapshot is None:
        return TodaysWorkforce(snapshot=None)
    workers = worker_caseloads(data, snapshot, settings)
    holding = workers.loc[workers["is_case_holding"], ["worker_id", "fte", "cases"]]
    cases = data.cases.loc[
        (data.cases["snapshot_date"] == snapshot) & data.cases["worker_id"].notna()
    ]
    cla = cases.loc[cases["case_type"] == CLA_CASE_TYPE].groupby("worker_id")["child_id"].nunique()
    holding = holding.assign(cla=cla.reindex(holding["worker_id"]).fillna(0).to_numpy())
    share = holding["fte"] * holding["cla"] / holding["cases"]
    return TodaysWorkforce(
        snapshot=snapshot,
        case_holding_fte=float(holding["fte"].sum()),
        cla_cases=int(holding["cla"].sum()),
        cla_fte=float(share.sum()),
    )


def fte_needed(
    children: pd.DataFrame, today: TodaysWorkforce, settings: Settings = DEFAULT_SETTINGS
) -> pd.DataFrame:
    """FTE needed for a forecast number of children looked after, against today's FTE.

    Args:
        children: Columns ``quarter_end, expected, lower, upper`` (children looked after).
        today: Today's workforce.
        settings: ``caseload_threshold``.

    Returns:
        ``quarter_end, children, fte_needed, fte_needed_lower, fte_needed_upper, cla_fte_today,
        difference`` (needed minus today's FTE with children looked after; blank without a
        caseload snapshot).
    """
    threshold = settings.caseload_threshold
    table = pd.DataFrame(
        {
            "quarter_end": children["quarter_end"].to_numpy(),
            "children": children["expected"].to_numpy(),
            "fte_needed": children["expected"].to_numpy() / threshold,
            "fte_needed_lower": children["lower"].to_numpy() / threshold,
            "fte_needed_upper": children["upper"].to_numpy() / threshold,
        }
    )
    table["cla_fte_today"] = float("nan") if today.cla_fte is None else today.cla_fte
    table["difference"] = table["fte_needed"] - table["cla_fte_today"]
    return table
