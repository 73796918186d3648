"""Caseloads: allocation snapshots (Annex A or cases.csv), workforce lists, caseload indicators.

Reading: ``ingest_caseload`` turns ``RAW/caseload/<YYYY-MM-DD>/`` folders into the processed
``cases``, ``workforce`` and ``establishment`` tables, accumulating a history of snapshots.
Indicators: ``compute_caseload_indicators`` at a reference date, ``caseload_series`` at every
snapshot, and the worker and unallocated-case tables the notebooks show.
"""

from csc_metrics.caseload.ingest import ingest_caseload
from csc_metrics.caseload.metrics import (
    HEADLINE_CASELOAD_INDICATORS,
    caseload_distribution,
    caseload_series,
    compute_caseload_indicators,
    excluded_workers,
    latest_snapshot,
    snapshot_dates,
    unallocated_cases,
    worker_caseloads,
    year_earlier_snapshot,
)
from csc_metrics.caseload.worker_changes import worker_changes_rows

__all__ = [
    "HEADLINE_CASELOAD_INDICATORS",
    "caseload_distribution",
    "caseload_series",
    "compute_caseload_indicators",
    "excluded_workers",
    "ingest_caseload",
    "latest_snapshot",
    "snapshot_dates",
    "unallocated_cases",
    "worker_caseloads",
    "worker_changes_rows",
    "year_earlier_snapshot",
]
