"""Ingest: every raw dataset read, cleaned and written to ``processed/`` in one step.

``ingest`` (``core.py``) reads ``RAW/ssda903`` (required), ``RAW/reference`` and
``RAW/caseload`` (optional) and swaps the new processed folder in only when everything
succeeded; ``cli.py`` is the ``csc-metrics ingest`` command.
"""

from csc_metrics.pipeline.core import (
    CASELOAD_FOLDER,
    REFERENCE_FOLDER,
    SSDA903_FOLDER,
    IngestResult,
    ingest,
)

__all__ = ["CASELOAD_FOLDER", "REFERENCE_FOLDER", "SSDA903_FOLDER", "IngestResult", "ingest"]
