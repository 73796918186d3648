"""Hand-made report contexts for the views tests (imported by tests/unit/views/).

``context(...)`` builds a ``ReportContext`` directly from small processed tables and a metric
series, so each test states its own figures; ``metric_row`` and ``series_rows`` write metric-table
rows by hand; ``cases`` and ``workers`` write caseload snapshot rows.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import pandas as pd
from indicators_fixtures import episode, make_data

from csc_metrics.schemas import METRIC_COLUMNS, MetricTable
from csc_metrics.settings import DEFAULT_SETTINGS
from csc_metrics.storage import ProcessedData
from csc_metrics.views.report_context import ReportContext

LA = "E10000017"
R = pd.Timestamp("2024-03-31")


def metric_row(
    indicator_id: str,
    period_end: str | pd.Timestamp,
    numerator: float,
    denominator: float | None = None,
    value: float | None = None,
    breakdown: str = "total",
    group: str = "all",
) -> dict[str, Any]:
    """One metric-table row; a percentage's value is worked out when not given."""
    if value is None:
        value = (
            numerator
            if denominator is None
            else round(100 * numerator / denominator, 1)
            if denominator
            else None
        )
    return {
        "indicator_id": indicator_id,
        "period_end": pd.Timestamp(period_end),
        "breakdown": breakdown,
        "group": group,
        "numerator": float(numerator),
        "denominator": None if denominator is None else float(denominator),
        "value": None if value is None else float(value),
        "unknown": None,
    }


def series_rows(
    indicator_id: str,
    values: list[float],
    end: str | pd.Timestamp = R,
    breakdown: str = "total",
    group: str = "all",
    denominator: float | None = None,
) -> list[dict[str, Any]]:
    """Quarterly rows ending at ``end``: a value per quarter end, oldest first."""
    dates = pd.date_range(end=pd.Timestamp(end), periods=len(values), freq="QE")
    return [
        metric_row(
            indicator_id,
            d,
            v if denominator is None else v * denominator / 100,
            denominator,
            v,
            breakdown,
            group,
        )
        for d, v in zip(dates, values, strict=True)
    ]


def metric_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Validated metric rows."""
    frame = pd.DataFrame(rows, columns=METRIC_COLUMNS)
    return MetricTable.validate(
        frame.astype({c: float for c in ("numerator", "denominator", "value", "unknown")})
    )


@functools.cache
def _default_data() -> ProcessedData:
    return make_data(
        [
            episode("Z1", "2015-05-01", "2015-06-01", collection_year=2016),
            episode("Z2", "2023-05-01", "2024-02-01"),
        ]
    )


def default_data() -> ProcessedData:
    """Data covering 1 April 2015 to 31 March 2024, so that no series is cut at its start.

    Built once per process (most views tests use it); each call gets its own deep copy.
    """
    return copy.deepcopy(_default_data())


def context(
    rows: list[dict[str, Any]] | pd.DataFrame = (),
    data: ProcessedData | None = None,
    period_end: str | pd.Timestamp = R,
    team: str | None = None,
    suppress: bool = False,
    comparator: str = "england",
    is_sample: bool = False,
    la_name: str = "Test county",
) -> ReportContext:
    """A report context on hand-made data and series (no processed folder, no cache)."""
    series = rows if isinstance(rows, pd.DataFrame) else metric_table(list(rows))
    return ReportContext(
        data=data if data is not None else default_data(),
        processed_dir=None,
        is_sample=is_sample,
        period_end=pd.Timestamp(period_end),
        la_code=LA,
        la_name=la_name,
        team=team,
        comparator=comparator,
        suppress=suppress,
        targets=None,
        full_series=series,
        settings=DEFAULT_SETTINGS,
    )


def cases(snapshot: str, rows: list[tuple[str, str, str | None, str]]) -> pd.DataFrame:
    """Case rows: (child, team, worker or None, case type)."""
    return pd.DataFrame(
        {
            "snapshot_date": pd.Timestamp(snapshot),
            "child_id": [r[0] for r in rows],
            "case_type": [r[3] for r in rows],
            "case_types_held": [r[3] for r in rows],
            "team": [r[1] for r in rows],
            "worker_id": [r[2] for r in rows],
            "allocated_date": pd.NaT,
            "source_file": f"caseload/{snapshot}/cases.csv",
        }
    )


def workers(snapshot: str, rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    """Workforce rows: (worker, team, FTE)."""
    return pd.DataFrame(
        {
            "snapshot_date": pd.Timestamp(snapshot),
            "worker_id": [r[0] for r in rows],
            "team": [r[1] for r in rows],
            "role": "Social Worker",
            "fte": [r[2] for r in rows],
            "agency": False,
            "start_date": pd.NaT,
            "qualified_date": pd.NaT,
            "source_file": f"caseload/{snapshot}/workforce.csv",
        }
    )
