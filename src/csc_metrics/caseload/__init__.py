"""Caseloads: reading and cleaning allocation snapshots (Annex A or cases.csv) and workforce lists.

``ingest_caseload`` turns ``RAW/caseload/<YYYY-MM-DD>/`` folders into the processed ``cases``,
``workforce`` and ``establishment`` tables, accumulating a history of snapshots;
``prefetch_workbooks`` starts parsing their Annex A workbooks ahead, in threads, and
``start_caseload_worker`` cleaning a long history's snapshots in a second process. The caseload
indicators computed from them are in ``csc_metrics.indicators.caseloads``.
"""

from csc_metrics.caseload.ingest import ingest_caseload, prefetch_workbooks, start_caseload_worker

__all__ = ["ingest_caseload", "prefetch_workbooks", "start_caseload_worker"]
