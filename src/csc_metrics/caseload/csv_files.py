"""Reading the caseload CSV files (cases.csv, workforce.csv, establishment.csv) as text.

Every cell is read as text so identifiers keep their leading zeros, headers are matched loosely
(``vocabulary``), and a file that cannot be used stops the run with a message that names it.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.compute as pc

from csc_metrics.caseload.values import (
    excel_row_numbers,
    find_columns,
    normalise_label,
    require_columns,
)
from csc_metrics.errors import InputError
from csc_metrics.quality import DataQualityLog
from csc_metrics.raw_text import read_text_csv, refuse_repeated_headings

DATASET = "caseload"

#: Encodings tried in turn: UTF-8 (with or without a byte-order mark), then Excel's Windows one.
ENCODINGS = ("utf-8-sig", "cp1252")


def _read_text_cells(path: Path, source: str) -> pd.DataFrame:
    with open(path, "rb") as handle:
        start = handle.read(65536)
    if b"\x00" in start and not start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(
            f"{source} is not a CSV text file (it contains binary data). Export it again as "
            "CSV (comma delimited, UTF-8)."
        )
    last_error: Exception | None = None
    for encoding in ENCODINGS:
        try:
            return read_text_csv(
                path, dtype=str, keep_default_na=False, encoding=encoding, skip_blank_lines=False
            )
        except UnicodeDecodeError as error:
            last_error = error
        except pd.errors.EmptyDataError as error:
            raise InputError(f"{source} is empty: it needs a header row.") from error
        except (pd.errors.ParserError, OSError) as error:
            raise InputError(f"{source} could not be read as CSV ({error}).") from error
    raise InputError(
        f"{source} is not UTF-8 or Windows-1252 text ({last_error}). Save it as CSV UTF-8."
    )


def _blank_to_missing(column: pd.Series) -> pd.Series:
    """Empty and spaces-only text becomes missing (a vectorised string test, not a regex).

    Done with Arrow's kernels directly (those of pandas' ``str.strip().eq("")`` and ``mask``):
    a caseload history has a few small CSV files per snapshot, where pandas' per-call cost
    was most of the work.
    """
    text = pyarrow.array(column.astype("str"))
    blank = pc.equal(pc.utf8_trim_whitespace(text), "")
    kept = pc.if_else(blank, pyarrow.scalar(None, text.type), text)
    return pd.Series(pd.array(kept, dtype="str"), index=column.index, name=column.name)


def read_csv_table(
    path: Path,
    source: str,
    variants: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    table: str,
    log: DataQualityLog,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """Read a CSV into its canonical columns, with ``source_file`` and ``source_row``.

    Optional columns that are absent come back blank (noted as ``info``). Columns that are not
    recognised are listed in one ``info`` issue and otherwise ignored. Fully blank lines are
    skipped.

    Args:
        path: The CSV file.
        source: Its path relative to the raw folder.
        variants: Canonical column -> accepted headers.
        required: Canonical columns that must be present.
        table: Table name for data-quality issues.
        log: Data-quality log.

    Returns:
        ``(cells, headers)``: the text cells (``str``) under canonical names, blank cells as NaN,
        and the header each canonical column had in the file.

    Raises:
        InputError: If the file cannot be read or lacks a required column.
    """
    cells = _read_text_cells(path, source)
    headers = list(cells.columns)
    accepted = {normalise_label(v) for names in variants.values() for v in names}
    refuse_repeated_headings(
        headers,
        lambda heading: normalise_label(heading) if normalise_label(heading) in accepted else None,
        source,
        "remove the extra heading (or column) and save the file again.",
    )
    positions = find_columns(headers, variants)
    require_columns(positions, required, variants, headers, source)
    unused = [str(h) for i, h in enumerate(headers) if i not in positions.values()]
    if unused:
        log.add(
            dataset=DATASET,
            table=table,
            file=source,
            rule="extra_columns",
            severity="info",
            value=", ".join(unused),
            message=f"Columns not used by csc-metrics were ignored: {', '.join(unused)}.",
        )
    absent = [c for c in variants if c not in positions]
    if absent:
        log.add(
            dataset=DATASET,
            table=table,
            file=source,
            rule="optional_columns_absent",
            severity="info",
            value=", ".join(absent),
            message=f"Optional column(s) not found, left blank: {', '.join(absent)}.",
        )
    frame = pd.DataFrame(
        {
            c: _blank_to_missing(cells.iloc[:, positions[c]])
            if c in positions
            else pd.Series(np.nan, index=cells.index, dtype="str")
            for c in variants
        },
        index=cells.index,
    )
    frame["source_file"] = source
    frame["source_row"] = excel_row_numbers(len(frame), 1)
    frame = frame.loc[frame[list(variants)].notna().any(axis=1)]
    return frame, {c: str(headers[p]) for c, p in positions.items()}
