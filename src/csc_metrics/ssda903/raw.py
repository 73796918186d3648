"""One SSDA903 table as read from one file, every value still text."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from csc_metrics.errors import InputError
from csc_metrics.ssda903.specs import TableSpec

#: Tables without which nothing can be computed; a file of these with no rows is unusable.
ESSENTIAL_TABLES = ("header", "episodes")


@dataclass
class RawTable:
    """One table read from one file, every value as text.

    Attributes:
        table: Short table name (``episodes``).
        path: File path relative to the raw folder, with forward slashes.
        collection_year: Year the collection ends in, from the folder name.
        encoding: Text encoding the file was read with.
        frame: The DfE columns as text, plus ``source_file``, ``source_row`` (1-based, header is
            row 1), ``collection_year`` and ``file_order``; blank rows removed.
        blank_rows: Completely blank rows skipped.
        extra_columns: Local columns that are not in the DfE table, dropped.
        file_order: Position of the file in reading order (every row's ``file_order``).
    """

    table: str
    path: str
    collection_year: int
    encoding: str
    frame: pd.DataFrame
    blank_rows: int = 0
    extra_columns: list[str] = field(default_factory=list)
    file_order: int = 0


def finish_table(
    spec: TableSpec,
    path: str,
    collection_year: int,
    file_order: int,
    encoding: str,
    frame: pd.DataFrame,
    source_rows: np.ndarray,
    blank_rows: int = 0,
    extra: list[str] | None = None,
) -> RawTable:
    """Attach where each row came from, and refuse an essential table with no rows.

    Args:
        spec: The table.
        path: File path relative to the raw folder.
        collection_year: Year the collection ends in.
        file_order: Position of the file in reading order.
        encoding: Text encoding used.
        frame: The DfE columns as text.
        source_rows: Row (CSV) or line (XML) of each record in the file.
        blank_rows: Blank rows skipped.
        extra: Local columns dropped.

    Returns:
        The table read.

    Raises:
        InputError: If a Header or Episodes table has no rows.
    """
    if frame.empty and spec.table in ESSENTIAL_TABLES:
        raise InputError(
            f"{path} has the {spec.dfe_name} column headings but no rows. "
            f"A {spec.dfe_name} table always lists at least one child: export it again."
        )
    frame = frame.assign(
        source_file=path,
        source_row=source_rows,
        collection_year=collection_year,
        file_order=file_order,
    ).reset_index(drop=True)
    return RawTable(
        spec.table, path, collection_year, encoding, frame, blank_rows, extra or [], file_order
    )
