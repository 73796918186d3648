"""Caseloads: allocation snapshots (Annex A or cases.csv), workforce lists, caseload indicators.

Reading: ``ingest_caseload`` turns ``RAW/caseload/<YYYY-MM-DD>/`` folders into the processed
``cases``, ``workforce`` and ``establishment`` tables, accumulating a history of snapshots.
"""

from csc_metrics.caseload.ingest import ingest_caseload

__all__ = ["ingest_caseload"]
