"""Parsing CSV files with every cell as text, fast on big files and unchanged on odd ones.

pyarrow's CSV parser is several times faster than pandas' C parser on large files (a national
episode file, a long caseload history) and hands back the same text columns. It refuses some
files the C parser reads (a row with fewer fields than the header); those are parsed by the C
parser exactly as before, which also raises the errors users are shown. Small files go straight
to the C parser.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow

#: Below this size pyarrow's start-up costs more than its speed saves.
PYARROW_MIN_BYTES = 1024**2


def read_text_csv(
    source: Path | io.BytesIO, c_parser_options: dict[str, Any] | None = None, **options: Any
) -> pd.DataFrame:
    """Parse a CSV with pandas' options, trying pyarrow's parser first.

    Args:
        source: A path or a ``BytesIO`` (rewound before the C parser reads it).
        c_parser_options: Options only the C parser accepts (``na_filter``); they must not
            change how a file that pyarrow can parse is read.
        **options: ``pandas.read_csv`` options that both parsers accept (``dtype``,
            ``keep_default_na``, ``skip_blank_lines``, ``encoding``...).

    Returns:
        The parsed table.

    Raises:
        Whatever ``pandas.read_csv`` with the C parser raises for the file.
    """
    in_memory = isinstance(source, io.BytesIO)
    size = source.getbuffer().nbytes if in_memory else Path(source).stat().st_size
    if size >= PYARROW_MIN_BYTES:
        try:
            return pd.read_csv(source, engine="pyarrow", **options)
        except (ValueError, pyarrow.ArrowException):
            if in_memory:
                source.seek(0)
    return pd.read_csv(source, **options, **(c_parser_options or {}))
