"""Reading, cleaning and merging SSDA903 returns (see ``docs/definitions.md``)."""

from csc_metrics.ssda903.ingest import Ssda903Result, ingest_ssda903, read_ssda903

__all__ = ["Ssda903Result", "ingest_ssda903", "read_ssda903"]
