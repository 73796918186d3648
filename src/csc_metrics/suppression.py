"""Small-number suppression: a display layer that turns any table into safe display strings.

For reports shared outside the service (DfE practice; docs/definitions.md, "Small numbers
(suppression)"): counts from 1 to
``settings.suppression_max`` (5) are shown as ``c``; zero is shown as 0, because a true zero
discloses nothing about any child. *Secondary* suppression then hides further cells so that no
suppressed count can be worked back from a row or column total: wherever a line of cells that adds
up to a total has exactly one hidden entry (counting the total itself), the smallest non-zero
visible cell in that line is hidden too (or the total, if there is no such cell), and this is
repeated across rows and columns until nothing changes. Percentages, rates and ratios whose
numerator or denominator is hidden are hidden as well, since they would give the count back.

The data are never changed: these functions return display strings (or a mask of what is hidden).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from csc_metrics.catalogue import indicator_table
from csc_metrics.errors import InputError
from csc_metrics.formatting import format_cell, format_count, format_number
from csc_metrics.settings import DEFAULT_SETTINGS, Settings

#: The symbol DfE and the GSS use for a suppressed figure (confidential).
SUPPRESSED = "c"

#: Metric-table columns that hold a count of people, by indicator unit. A rate's denominator is
#: a population and a ratio's is FTE, neither of which identifies a child.
METRIC_COUNT_COLUMNS: dict[str, tuple[str, ...]] = {
    "count": ("numerator", "denominator", "value", "unknown"),
    "pct": ("numerator", "denominator", "unknown"),
    "rate": ("numerator", "unknown"),
    "ratio": ("numerator", "unknown"),
    # An average of days: the denominator counts the children; the numerator is their total
    # days (the median time to permanence: the children who reached it), checked as well.
    "days": ("numerator", "denominator", "unknown"),
}
METRIC_VALUE_COLUMNS = ("numerator", "denominator", "value", "unknown")


# --- formatting ---------------------------------------------------------------------------------


def _format_column(column: pd.Series, decimals: int) -> pd.Series:
    """Format a column consistently: fractional numbers all with the same decimals."""
    if pd.api.types.is_float_dtype(column):
        present = column.dropna().to_numpy(dtype=float)
        if len(present) and not np.all(np.mod(present, 1) == 0):
            return column.map(lambda v: format_number(v, decimals))
    return column.map(lambda v: format_cell(v, decimals))


# --- primary and secondary suppression ----------------------------------------------------------


def is_small_count(values: ArrayLike, settings: Settings = DEFAULT_SETTINGS) -> np.ndarray:
    """Whether each value is a count to suppress (above 0, at most ``settings.suppression_max``)."""
    numbers = pd.to_numeric(pd.Series(np.atleast_1d(values)), errors="coerce").to_numpy(float)
    with np.errstate(invalid="ignore"):
        return (numbers > 0) & (numbers <= settings.suppression_max)


def count_text(
    count: float, suppress: bool, settings: Settings = DEFAULT_SETTINGS, *, in_words: bool = False
) -> str:
    """A count as text, suppressed when it must be.

    Args:
        count: The count.
        suppress: Whether counts from 1 to ``settings.suppression_max`` must be hidden.
        settings: ``suppression_max``.
        in_words: For a sentence: a hidden count reads ``fewer than 6`` rather than ``c``.

    Returns:
        ``1,234``; a hidden count as ``c`` or ``fewer than 6``.
    """
    if suppress and is_small_count(count, settings)[0]:
        return fewer_than(settings) if in_words else SUPPRESSED
    return format_count(count)


def fewer_than(settings: Settings = DEFAULT_SETTINGS) -> str:
    """How a sentence names a suppressed count: ``fewer than 6``."""
    return f"fewer than {settings.suppression_max + 1}"


def _protect_lines(values: np.ndarray, mask: np.ndarray, parts: np.ndarray, total: int) -> bool:
    """One pass over lines (rows of ``values``) whose ``parts`` add up to column ``total``.

    A line with exactly one hidden entry (parts and total together) has the smallest non-zero
    visible part hidden too, or its total when there is none. ``mask`` is updated in place.

    Returns:
        Whether anything was hidden.
    """
    hidden_before = int(mask.sum())
    cells, cell_mask = values[:, parts], mask[:, parts]
    hidden = cell_mask.sum(axis=1) + mask[:, total]
    needs = (hidden == 1) & ~np.isnan(values[:, total])
    candidates = ~cell_mask & (cells != 0) & ~np.isnan(cells)
    score = np.where(candidates, cells, np.inf)
    pick = score.argmin(axis=1)
    has_candidate = np.isfinite(score.min(axis=1)) if len(parts) else np.zeros(len(values), bool)
    by_cell = np.flatnonzero(needs & has_candidate)
    by_total = np.flatnonzero(needs & ~has_candidate)
    mask[by_cell, parts[pick[by_cell]]] = True
    mask[by_total, total] = True
    # A total already hidden, in a line with nothing left to hide, changes nothing.
    return int(mask.sum()) > hidden_before


def _locate_total_row(table: pd.DataFrame, total_row: Hashable, label_column: str | None) -> int:
    labels = table[label_column] if label_column is not None else table.index.to_series()
    matches = np.flatnonzero(labels.to_numpy() == total_row)
    if len(matches) != 1:
        where = f"column {label_column}" if label_column is not None else "the row labels (index)"
        found = "is not" if len(matches) == 0 else "appears more than once"
        raise InputError(f"The total row {total_row!r} {found} in {where} of the table.")
    return int(matches[0])


def suppression_mask(
    table: pd.DataFrame,
    count_columns: Sequence[str],
    total_row: Hashable | None = None,
    total_column: str | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    label_column: str | None = None,
) -> pd.DataFrame:
    """Which count cells to hide: primary (1 to 5) and secondary (recoverable from a total).

    Args:
        table: Any table of counts.
        count_columns: Columns holding counts of people. With ``total_column``, the others must
            add up to it across each row.
        total_row: Label of the row holding column totals (index label, or a value of
            ``label_column``), if the table has one.
        total_column: Column holding row totals, if the table has one.
        settings: Settings (``suppression_max`` is used).
        label_column: Column holding the row labels, when they are not the index.

    Returns:
        Booleans with the table's index and one column per count column (True = hide).

    Raises:
        InputError: If a column or the total row is missing.
    """
    columns = list(dict.fromkeys([*count_columns, *([total_column] if total_column else [])]))
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(f"The table to suppress has no column(s) {', '.join(map(str, missing))}.")
    values = table[columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    mask = is_small_count(values.ravel(), settings).reshape(values.shape)
    row_lines = None
    if total_column is not None:
        total_at = columns.index(total_column)
        row_lines = (np.array([i for i in range(len(columns)) if i != total_at]), total_at)
    column_lines = None
    if total_row is not None:
        total_at = _locate_total_row(table, total_row, label_column)
        column_lines = (np.array([i for i in range(len(table)) if i != total_at]), total_at)
    changed = True
    while changed:
        changed = False
        if row_lines is not None:
            changed |= _protect_lines(values, mask, *row_lines)
        if column_lines is not None:
            # Transposed views: columns become lines, and marking the view marks ``mask``.
            changed |= _protect_lines(values.T, mask.T, *column_lines)
    return pd.DataFrame(mask, index=table.index, columns=columns)


def suppress_table(
    table: pd.DataFrame,
    count_columns: Sequence[str],
    total_row: Hashable | None = None,
    total_column: str | None = None,
    percent_columns: Mapping[str, tuple[str, str]] | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    label_column: str | None = None,
    decimals: int = 1,
) -> pd.DataFrame:
    """Turn a table into display strings with small counts suppressed.

    Args:
        table: Any table of counts (and percentages).
        count_columns: Columns holding counts of people.
        total_row: Label of the row of column totals, if any (see ``suppression_mask``).
        total_column: Column of row totals, if any.
        percent_columns: Percentage (or rate) column -> (numerator column, denominator column);
            a percentage is hidden when either is hidden. Both must be count columns.
        settings: Settings (``suppression_max`` is used).
        label_column: Column holding the row labels, when they are not the index.
        decimals: Decimals for percentages and other fractional numbers.

    Returns:
        A table of the same shape, every cell a string: counts like ``1,234`` or ``c``,
        percentages like ``48.2`` or ``c``, blanks as empty strings.

    Raises:
        InputError: If a column or the total row is missing, or a percentage's numerator or
            denominator is not a count column.
    """
    percent_columns = dict(percent_columns or {})
    mask = suppression_mask(table, count_columns, total_row, total_column, settings, label_column)
    display = table.apply(lambda column: _format_column(column, decimals)).astype(object)
    for column in mask.columns:
        shown = table[column].map(format_count)
        display[column] = shown.where(~mask[column], SUPPRESSED)
    for pct_column, (numerator, denominator) in percent_columns.items():
        unknown = [c for c in (pct_column,) if c not in table.columns]
        unknown += [c for c in (numerator, denominator) if c not in mask.columns]
        if unknown:
            raise InputError(
                f"Percentage column {pct_column!r} needs {numerator!r} and {denominator!r} among "
                f"the count columns and itself in the table; missing: {', '.join(unknown)}."
            )
        hidden = mask[numerator] | mask[denominator]
        shown = table[pct_column].map(lambda v: format_number(v, decimals))
        display[pct_column] = shown.where(~hidden, SUPPRESSED)
    return display


# --- the long metric table ----------------------------------------------------------------------


def _metric_units(indicator_ids: pd.Series) -> pd.Series:
    units = indicator_table().set_index("id")["unit"]
    # An id outside the catalogue is treated as a count in every column: the safe choice.
    return indicator_ids.map(units).fillna("count")


def _protect_metric_column(
    values: np.ndarray,
    mask: np.ndarray,
    member: np.ndarray,
    line: np.ndarray,
    total_pos: np.ndarray,
) -> bool:
    """One secondary pass over every breakdown line of one metric column (vectorised).

    Returns:
        Whether anything was hidden.
    """
    hidden_before = int(mask.sum())
    has_total = total_pos >= 0
    safe_pos = np.where(has_total, total_pos, 0)
    has_total &= ~np.isnan(values[safe_pos])
    total_hidden = has_total & mask[safe_pos]
    hidden_in_line = np.bincount(
        line[member], weights=mask[member].astype(float), minlength=line.max() + 1
    )
    needs = member & has_total & (hidden_in_line[line] + total_hidden == 1)
    if not needs.any():
        return False
    candidates = np.flatnonzero(needs & ~mask & (values != 0) & ~np.isnan(values))
    order = np.lexsort((candidates, values[candidates], line[candidates]))
    chosen = candidates[order]
    first_in_line = np.ones(len(chosen), dtype=bool)
    first_in_line[1:] = line[chosen][1:] != line[chosen][:-1]
    mask[chosen[first_in_line]] = True
    lines_without = np.setdiff1d(np.unique(line[needs]), line[chosen])
    without = needs & np.isin(line, lines_without)
    mask[np.unique(total_pos[without])] = True
    return int(mask.sum()) > hidden_before


def metric_suppression_mask(
    metric_df: pd.DataFrame, settings: Settings = DEFAULT_SETTINGS
) -> pd.DataFrame:
    """Which cells of a long metric table to hide.

    Each indicator, date and breakdown is a line of groups that add up to the overall row
    (``breakdown == "total"``) of the same indicator and date; secondary suppression is applied
    within each line and repeated until stable (hiding an overall figure affects every
    breakdown of it). Which columns are counts depends on the indicator's unit
    (``METRIC_COUNT_COLUMNS``); a value is hidden with its numerator (and, for a percentage,
    its denominator).

    Args:
        metric_df: A ``MetricTable`` frame.
        settings: Settings (``suppression_max`` is used).

    Returns:
        Booleans with the frame's index and columns ``numerator``, ``denominator``, ``value``,
        ``unknown`` (True = hide).

    Raises:
        InputError: If a required column is missing.
    """
    required = ["indicator_id", "period_end", "breakdown", "numerator", "denominator", "value"]
    missing = [c for c in required if c not in metric_df.columns]
    if missing:
        raise InputError(f"The metric table to suppress has no column(s) {', '.join(missing)}.")
    if metric_df.empty:
        return pd.DataFrame(False, index=metric_df.index, columns=list(METRIC_VALUE_COLUMNS))
    frame = metric_df.reset_index(drop=True)
    units = _metric_units(frame["indicator_id"]).to_numpy()
    is_total = (frame["breakdown"] == "total").to_numpy()
    keys = ["indicator_id", "period_end"]
    line = frame.groupby([*keys, "breakdown"], sort=False).ngroup().to_numpy()
    total_key = frame.groupby(keys, sort=False).ngroup().to_numpy()
    total_rows = pd.Series(np.flatnonzero(is_total), index=total_key[is_total])
    total_rows = total_rows[~total_rows.index.duplicated()]
    total_pos = total_rows.reindex(total_key).fillna(-1).to_numpy(dtype=int)
    masks = {}
    for column in METRIC_VALUE_COLUMNS:
        if column not in frame.columns:
            masks[column] = np.zeros(len(frame), dtype=bool)
            continue
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        is_count = np.isin(units, [u for u, cols in METRIC_COUNT_COLUMNS.items() if column in cols])
        mask = is_count & is_small_count(values, settings)
        member = is_count & ~is_total
        while _protect_metric_column(values, mask, member, line, total_pos):
            pass
        masks[column] = mask & is_count
    count_unit = units == "count"
    numerator_or_value = masks["numerator"] | (masks["value"] & count_unit)
    masks["numerator"] = numerator_or_value
    masks["value"] = numerator_or_value | (masks["denominator"] & np.isin(units, ["pct", "days"]))
    return pd.DataFrame(masks, index=metric_df.index)[list(METRIC_VALUE_COLUMNS)]


def suppress_metric_table(
    metric_df: pd.DataFrame, settings: Settings = DEFAULT_SETTINGS, decimals: int = 1
) -> pd.DataFrame:
    """Display strings for a long metric table, with small counts suppressed.

    Args:
        metric_df: A ``MetricTable`` frame.
        settings: Settings (``suppression_max`` is used).
        decimals: Decimals for percentages, rates and ratios.

    Returns:
        A copy with ``numerator``, ``denominator``, ``value`` and ``unknown`` as display strings
        (``c`` where hidden); the other columns are unchanged.
    """
    mask = metric_suppression_mask(metric_df, settings)
    display = metric_df.copy()
    units = _metric_units(metric_df["indicator_id"])
    for column in ("numerator", "denominator", "unknown"):
        if column in display.columns:
            shown = metric_df[column].map(format_count)
            display[column] = shown.where(~mask[column], SUPPRESSED).astype(object)
    as_count = metric_df["value"].map(format_count)
    as_number = metric_df["value"].map(lambda v: format_number(v, decimals))
    shown = as_count.where(units == "count", as_number)
    display["value"] = shown.where(~mask["value"], SUPPRESSED).astype(object)
    return display
