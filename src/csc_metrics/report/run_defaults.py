"""What ``run_suite`` does by default to ingest and to read a processed folder.

``run_suite`` takes these as arguments (the tests give it stand-ins); the command line's run
uses these.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from csc_metrics import storage
from csc_metrics.dates import LATEST
from csc_metrics.indicators import resolve_period_end, teams_at


def ingest_raw(raw: Path, processed: Path) -> Any:
    """Run ``csc-metrics ingest`` (``csc_metrics.pipeline.ingest``) from raw into processed.

    Year folders and snapshots unchanged since the last ingest come from its cache.
    """
    from csc_metrics.pipeline import ingest

    return ingest(raw, processed)


def ingest_raw_fresh(raw: Path, processed: Path) -> Any:
    """``ingest_raw`` reading every raw file again (``--fresh-ingest``), not the ingest cache."""
    from csc_metrics.pipeline import ingest

    return ingest(raw, processed, use_cache=False)


def latest_quarter_end(processed: Path) -> pd.Timestamp:
    """The most recent quarter end the processed data cover (``indicators.resolve_period_end``).

    Raises:
        ParameterError: If the data cover no quarter end.
    """
    return resolve_period_end(LATEST, storage.load_processed(processed), "--period-end")


def folder_teams(processed: Path, period_end: pd.Timestamp) -> list[str]:
    """The teams of the caseload data in a processed folder (``indicators.teams_at``).

    Args:
        processed: The processed folder (only its cases and workforce are read).
        period_end: The period end.

    Returns:
        Team names, sorted; empty without caseload data.
    """
    tables = {
        name: storage.read_table(name, processed)
        for name in ("clean_caseload__cases", "clean_caseload__workforce")
    }
    return teams_at(storage.ProcessedData.from_tables(tables), period_end)
