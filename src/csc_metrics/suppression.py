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
from dataclasses import dataclass

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


def _format_column(column: pd.Series, decimals: int) -> list[str]:
    """Format a column consistently: fractional numbers all with the same decimals.

    Each cell as ``column.map`` would pass it (``tolist`` gives the same values for every
    dtype), written cell by cell: a table is small, and pandas' cost per call was most of it.
    """
    values = column.tolist()
    if pd.api.types.is_float_dtype(column):
        present = column.dropna().to_numpy(dtype=float)
        if len(present) and not np.all(np.mod(present, 1) == 0):
            return [format_number(v, decimals) for v in values]
    return [format_cell(v, decimals) for v in values]


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


def share_is_disclosive(
    numerator: ArrayLike, denominator: ArrayLike, settings: Settings = DEFAULT_SETTINGS
) -> np.ndarray:
    """Whether a share (percentage, rate, interval) of ``numerator`` in ``denominator`` must go.

    Primary suppression of everything derived from a small count: the numerator, the
    denominator or the complement (``denominator - numerator``: 58 of 59 shows the 1 not in
    touch) from 1 to ``settings.suppression_max``. The same rule decides a year-earlier value
    or a change, from that year's counts.
    """
    numbers = pd.to_numeric(pd.Series(np.atleast_1d(numerator)), errors="coerce").to_numpy(float)
    bases = pd.to_numeric(pd.Series(np.atleast_1d(denominator)), errors="coerce").to_numpy(float)
    return (
        is_small_count(numbers, settings)
        | is_small_count(bases, settings)
        | is_small_count(bases - numbers, settings)
    )


def figure_is_disclosive(
    unit: str,
    numerator: float,
    denominator: float,
    value: float,
    settings: Settings = DEFAULT_SETTINGS,
) -> bool:
    """Whether one indicator's figure must be withheld (a sentence, a scorecard, a landing page).

    The rule of a table cell, for a single figure: a count of 1 to 5; a percentage whose
    numerator, people counted or complement is 1 to 5 (``share_is_disclosive``: 58 of 59 in
    touch shows the 1 who is not); an average of days resting on 1 to 5 children (or a total
    of 1 to 5 days); a rate or ratio whose numerator is 1 to 5 (its population or FTE
    identifies nobody).

    Args:
        unit: The indicator's unit.
        numerator: Its numerator.
        denominator: Its denominator.
        value: Its value.
        settings: ``suppression_max``.

    Returns:
        True when the figure must not be shown.
    """
    if unit == "pct":
        return bool(share_is_disclosive(numerator, denominator, settings)[0])
    counts = [numerator]
    counts += [denominator] if unit == "days" else []
    counts += [value] if unit == "count" else []
    return bool(is_small_count(counts, settings).any())


def fewer_than(settings: Settings = DEFAULT_SETTINGS) -> str:
    """How a sentence names a suppressed count: ``fewer than 6``."""
    return f"fewer than {settings.suppression_max + 1}"


def _locate_total_row(table: pd.DataFrame, total_row: Hashable, label_column: str | None) -> int:
    labels = table[label_column] if label_column is not None else table.index.to_series()
    matches = np.flatnonzero(labels.to_numpy() == total_row)
    if len(matches) != 1:
        where = f"column {label_column}" if label_column is not None else "the row labels (index)"
        found = "is not" if len(matches) == 0 else "appears more than once"
        raise InputError(f"The total row {total_row!r} {found} in {where} of the table.")
    return int(matches[0])


def _check_rows_named(
    table: pd.DataFrame,
    total_row: Hashable | None,
    row_groups: Sequence[tuple[Sequence[Hashable], Hashable]],
    label_column: str | None,
) -> None:
    """Raise ``InputError`` as ``suppression_mask`` would for a total or group row not there."""
    labels = [total_row] if total_row is not None else []
    for part_labels, group_total in row_groups:
        labels += [group_total, *part_labels]
    for label in labels:
        _locate_total_row(table, label, label_column)


@dataclass(frozen=True)
class _Line:
    """Cells (flat positions) that add up to a total cell; ``remainder``: the unshown rest."""

    parts: tuple[int, ...]
    total: int
    remainder: int | None = None


def _exposes_a_total(cell: int, values: np.ndarray, mask: np.ndarray, lines: list[_Line]) -> bool:
    """Whether hiding ``cell`` would leave another of its lines able to hide only its total.

    Such a cell is a poor choice for secondary suppression: a row of zeros beside it would give
    it back from the row total (``Team not recorded``: child protection 11, row total 11), so the
    total would have to go too. Another cell of the same size is hidden instead.
    """
    for line in lines:
        if cell not in line.parts or np.isnan(values[line.total]):
            continue
        if line.remainder is not None and values[line.remainder] != 0:
            continue  # the unshown remainder keeps the cell unknown
        others = [p for p in line.parts if p != cell]
        hidden = int(mask[[*others, line.total]].sum())
        if hidden == 0 and not any(not mask[p] and values[p] > 0 for p in others):
            return True
    return False


def _protect(values: np.ndarray, mask: np.ndarray, lines: list[_Line]) -> None:
    """Secondary suppression over ``lines`` until nothing changes (``mask`` updated in place).

    A line with exactly one hidden entry (parts and total) gives that entry back by subtraction,
    so the smallest non-zero visible part is hidden too, or the total when no part can be. A
    line with an unshown remainder (parts need not cover the total) is safe while any entry is
    hidden, since the remainder is unknown too; but a small remainder with nothing hidden would
    be total minus parts, so a part (or the total) is hidden. A remainder of 0 (parts that
    cover the total, such as activity bands) may be known to a reader, so it protects nothing.
    Zeros are never hidden: a true zero discloses nothing.
    """
    changed = True
    while changed:
        changed = False
        for line in lines:
            if np.isnan(values[line.total]):
                continue
            unknown = int(mask[[*line.parts, line.total]].sum())
            if line.remainder is not None and values[line.remainder] != 0:
                # The remainder is never shown: it protects the line's hidden cells, unless it
                # is small itself and so must not be recoverable as total minus parts.
                if unknown or not mask[line.remainder]:
                    continue
                unknown = 1
            if unknown != 1:
                continue
            candidates = [p for p in line.parts if not mask[p] and values[p] > 0]
            pick = (
                min(candidates, key=lambda p: (_exposes_a_total(p, values, mask, lines), values[p]))
                if candidates
                else line.total
            )
            if not mask[pick]:
                mask[pick] = True
                changed = True


def _numeric_grid(table: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The columns as floats, text that is not a number as NaN (``pd.to_numeric``'s coercion).

    Columns of plain numbers (integers, floats, booleans) are taken as they are; anything
    else goes through ``pd.to_numeric``.
    """
    dtypes = [table[c].dtype for c in columns]
    if columns and all(isinstance(d, np.dtype) and d.kind in "iufb" for d in dtypes):
        grid = np.empty((len(table), len(columns)))
        for at, column in enumerate(columns):
            grid[:, at] = table[column].to_numpy(dtype=float)
        return grid
    return table[columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)


def suppression_mask(
    table: pd.DataFrame,
    count_columns: Sequence[str],
    total_row: Hashable | None = None,
    total_column: str | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    label_column: str | None = None,
    row_groups: Sequence[tuple[Sequence[Hashable], Hashable]] = (),
    complements: Sequence[tuple[str, str]] = (),
    hidden: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Which count cells to hide: primary (1 to 5) and secondary (recoverable by arithmetic).

    Every relation that could give a hidden count back is a *line*: parts that add up to a
    total. Lines come from the totals row (each column's other rows add up to it), the totals
    column (each row's other count columns), ``row_groups`` (some rows add up to another row in
    every count column: the activity bands of one cohort) and ``complements`` (a count and its
    base: in touch of all care leavers). A line whose parts need not cover the total has an
    unshown remainder (the complement: not in touch); a remainder of 1 to 5 is suppressed as a
    count itself, since total minus parts would show it.

    Args:
        table: Any table of counts.
        count_columns: Columns holding counts of people. With ``total_column``, the ones listed
            before it add up to it across each row (or all the others, if it is not listed).
        total_row: Label of the row holding column totals (index label, or a value of
            ``label_column``), if the table has one.
        total_column: Column holding row totals, if the table has one.
        settings: Settings (``suppression_max`` is used).
        label_column: Column holding the row labels, when they are not the index.
        hidden: Cells hidden by a decision made elsewhere (index and count columns as the
            table's): the same figures on another page of the run, such as a team's row of a
            table of every team. They count as hidden before secondary suppression.
        row_groups: (part row labels, total row label): the parts add up to at most the total
            in every count column.
        complements: (count column, base column): on every row the count is part of the base.

    Returns:
        Booleans with the table's index and one column per count column (True = hide).

    Raises:
        InputError: If a column or a row named is missing.
    """
    columns = list(dict.fromkeys([*count_columns, *([total_column] if total_column else [])]))
    missing = [c for c in columns if c not in table.columns]
    missing += [c for pair in complements for c in pair if c not in columns]
    if missing:
        raise InputError(f"The table to suppress has no column(s) {', '.join(map(str, missing))}.")
    if settings.suppression_max <= 0 and hidden is None:
        # No count is small enough to hide and nothing is hidden already: secondary
        # suppression has nothing to protect. The rows named must still be there.
        _check_rows_named(table, total_row, row_groups, label_column)
        return pd.DataFrame(False, index=table.index, columns=columns)
    grid = _numeric_grid(table, columns)
    n_rows, n_columns = grid.shape
    values = list(grid.ravel())

    def at(row: int, column: int) -> int:
        return row * n_columns + column

    def remainder(parts: list[int], total: int) -> int:
        # The unshown rest of a total: a cell of its own, never displayed.
        values.append(values[total] - float(np.nansum([values[p] for p in parts])))
        return len(values) - 1

    lines: list[_Line] = []
    if total_column is not None:
        total_at = columns.index(total_column)
        # The count columns listed before the total add up to it; any after it (unallocated
        # cases beside all open cases) are counts of their own.
        listed = list(count_columns)
        before = listed[: listed.index(total_column)] if total_column in listed else listed
        parts_at = [columns.index(c) for c in before if c != total_column]
        lines += [_Line(tuple(at(r, c) for c in parts_at), at(r, total_at)) for r in range(n_rows)]
    if total_row is not None:
        total_at = _locate_total_row(table, total_row, label_column)
        parts_at = [r for r in range(n_rows) if r != total_at]
        lines += [
            _Line(tuple(at(r, c) for r in parts_at), at(total_at, c)) for c in range(n_columns)
        ]
    for part_labels, group_total in row_groups:
        total_at = _locate_total_row(table, group_total, label_column)
        parts_at = [_locate_total_row(table, label, label_column) for label in part_labels]
        for c in range(n_columns):
            parts = [at(r, c) for r in parts_at]
            lines.append(_Line(tuple(parts), at(total_at, c), remainder(parts, at(total_at, c))))
    for count, base in complements:
        count_at, base_at = columns.index(count), columns.index(base)
        for r in range(n_rows):
            parts = [at(r, count_at)]
            lines.append(_Line(tuple(parts), at(r, base_at), remainder(parts, at(r, base_at))))
    flat = np.array(values, dtype=float)
    mask = is_small_count(flat, settings)
    if hidden is not None:
        given = hidden.reindex(index=table.index, columns=columns).fillna(False)
        mask[: n_rows * n_columns] |= given.to_numpy(dtype=bool).ravel()
    _protect(flat, mask, lines)
    shown = mask[: n_rows * n_columns].reshape(n_rows, n_columns)
    return pd.DataFrame(shown, index=table.index, columns=columns)


def suppress_table(
    table: pd.DataFrame,
    count_columns: Sequence[str],
    total_row: Hashable | None = None,
    total_column: str | None = None,
    percent_columns: Mapping[str, tuple[str, str]] | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    label_column: str | None = None,
    decimals: int = 1,
    row_groups: Sequence[tuple[Sequence[Hashable], Hashable]] = (),
    hidden: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Turn a table into display strings with small counts suppressed.

    Args:
        table: Any table of counts (and percentages).
        count_columns: Columns holding counts of people.
        total_row: Label of the row of column totals, if any (see ``suppression_mask``).
        total_column: Column of row totals, if any.
        percent_columns: Derived column (a percentage, rate, interval, year-earlier value or
            change) -> (numerator column, denominator column): hidden when either is hidden.
            Both must be count columns; a numerator and a different denominator are also a
            complement (see ``suppression_mask``).
        settings: Settings (``suppression_max`` is used).
        label_column: Column holding the row labels, when they are not the index.
        decimals: Decimals for percentages and other fractional numbers.
        row_groups: Rows that add up to another row (see ``suppression_mask``).
        hidden: Cells already hidden elsewhere in the run (see ``suppression_mask``).

    Returns:
        A table of the same shape, every cell a string: counts like ``1,234`` or ``c``,
        percentages like ``48.2`` or ``c``, blanks as empty strings.

    Raises:
        InputError: If a column or the total row is missing, or a percentage's numerator or
            denominator is not a count column.
    """
    cells = suppressed_cells(
        table,
        count_columns,
        total_row,
        total_column,
        percent_columns,
        settings,
        label_column,
        decimals,
        row_groups,
        hidden,
    )
    return pd.DataFrame(cells, index=table.index, columns=table.columns, dtype=object)


def suppressed_cells(
    table: pd.DataFrame,
    count_columns: Sequence[str],
    total_row: Hashable | None = None,
    total_column: str | None = None,
    percent_columns: Mapping[str, tuple[str, str]] | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    label_column: str | None = None,
    decimals: int = 1,
    row_groups: Sequence[tuple[Sequence[Hashable], Hashable]] = (),
    hidden: pd.DataFrame | None = None,
) -> dict[Hashable, list[str]]:
    """``suppress_table``'s display strings, column by column (what ``table_html`` writes).

    Args:
        table: Any table of counts (and percentages).
        count_columns: Columns holding counts of people.
        total_row: Label of the row of column totals, if any (see ``suppression_mask``).
        total_column: Column of row totals, if any.
        percent_columns: Derived column (a percentage, rate, interval, year-earlier value or
            change) -> (numerator column, denominator column): hidden when either is hidden.
            Both must be count columns; a numerator and a different denominator are also a
            complement (see ``suppression_mask``).
        settings: Settings (``suppression_max`` is used).
        label_column: Column holding the row labels, when they are not the index.
        decimals: Decimals for percentages and other fractional numbers.
        row_groups: Rows that add up to another row (see ``suppression_mask``).
        hidden: Cells already hidden elsewhere in the run (see ``suppression_mask``).

    Returns:
        Each column of the table (in its order) -> its cells, top to bottom, as
        ``suppress_table`` shows them.

    Raises:
        InputError: If a column or the total row is missing, or a percentage's numerator or
            denominator is not a count column.
    """
    percent_columns = dict(percent_columns or {})
    # A percentage's count and base are a complement: 58 of 59 shows the 1 who is not.
    complements = list(
        dict.fromkeys(
            (numerator, denominator)
            for numerator, denominator in percent_columns.values()
            if numerator != denominator
            and numerator in count_columns
            and denominator in count_columns
        )
    )
    mask = suppression_mask(
        table,
        count_columns,
        total_row,
        total_column,
        settings,
        label_column,
        row_groups=row_groups,
        complements=complements,
        hidden=hidden,
    )
    return _suppressed_cells(table, mask, percent_columns, decimals)


def _suppressed_cells(
    table: pd.DataFrame,
    mask: pd.DataFrame,
    percent_columns: Mapping[str, tuple[str, str]],
    decimals: int,
) -> dict[Hashable, list[str]]:
    """``suppress_table``'s display strings, column by column, from its mask.

    Raises:
        InputError: A percentage's numerator or denominator is not among the mask's columns.
    """
    cells = {column: _format_column(table[column], decimals) for column in table.columns}
    hide = {column: mask[column].tolist() for column in mask.columns}
    for column, hidden_cells in hide.items():
        counts = [format_count(v) for v in table[column].tolist()]
        cells[column] = [SUPPRESSED if h else v for v, h in zip(counts, hidden_cells, strict=True)]
    for pct_column, (numerator, denominator) in percent_columns.items():
        unknown = [c for c in (pct_column,) if c not in table.columns]
        unknown += [c for c in (numerator, denominator) if c not in mask.columns]
        if unknown:
            raise InputError(
                f"Percentage column {pct_column!r} needs {numerator!r} and {denominator!r} among "
                f"the count columns and itself in the table; missing: {', '.join(unknown)}."
            )
        # Text (an interval written "16.6 to 35.8") is shown as it is.
        shares = [
            v if isinstance(v, str) else format_number(v, decimals)
            for v in table[pct_column].tolist()
        ]
        cells[pct_column] = [
            SUPPRESSED if a or b else v
            for v, a, b in zip(shares, hide[numerator], hide[denominator], strict=True)
        ]
    return cells


def hidden_groups(
    numerators: ArrayLike,
    denominators: ArrayLike,
    settings: Settings = DEFAULT_SETTINGS,
    partition: bool = False,
) -> np.ndarray:
    """Which groups of a breakdown (chart bars, labels, alt text) must be left out.

    Each group's share is withheld when ``share_is_disclosive``. When every group has the same
    base (the groups are parts of one whole, like distance bands of the children with a known
    distance), the base minus the groups shown would give a hidden group back, so the same
    secondary suppression as a table's total row applies: the smallest other group goes too.
    A chart then shows exactly what the table of the same figures shows. With ``partition``
    the groups split a whole shown elsewhere (a team and the other teams make all teams; the
    teams make the service), so its count and base minus the groups shown would give a hidden
    group back: a second group is hidden with it, on both counts and bases.

    Args:
        numerators: Each group's count.
        denominators: Each group's base.
        settings: ``suppression_max``.
        partition: The groups add up to a whole that is shown elsewhere.

    Returns:
        True for each group to leave out.
    """
    parts = pd.to_numeric(pd.Series(np.atleast_1d(numerators)), errors="coerce").to_numpy(float)
    bases = pd.to_numeric(pd.Series(np.atleast_1d(denominators)), errors="coerce").to_numpy(float)
    hidden = share_is_disclosive(parts, bases, settings)
    if partition and len(parts) > 1:
        # Counts and bases each add up to the whole's: one line each, sharing the groups.
        n = len(parts)
        values = np.concatenate([parts, [np.nansum(parts)], bases, [np.nansum(bases)]])
        mask = np.concatenate([hidden, [False], hidden, [False]])
        lines = [_Line(tuple(range(n)), n), _Line(tuple(range(n + 1, 2 * n + 1)), 2 * n + 1)]
        while True:
            _protect(values, mask, lines)
            either = mask[:n] | mask[n + 1 : 2 * n + 1]
            if (either == mask[:n]).all() and (either == mask[n + 1 : 2 * n + 1]).all():
                return either
            mask[:n] = mask[n + 1 : 2 * n + 1] = either
    distinct = np.unique(bases[~np.isnan(bases)])
    if len(parts) < 2 or len(distinct) != 1 or np.nansum(parts) > distinct[0]:
        return hidden
    values = np.append(parts, [distinct[0], distinct[0] - np.nansum(parts)])
    mask = np.append(hidden & is_small_count(parts, settings), [False, False])
    mask[-1] = bool(is_small_count(values[-1], settings)[0])
    # A group hidden only for its complement (the rest of the whole) protects itself already.
    _protect(values, mask, [_Line(tuple(range(len(parts))), len(parts), len(parts) + 1)])
    return hidden | mask[: len(parts)]


# --- one figure, for every channel that is not a table (summary.json, sentences, labels) -----

#: Fields of a figure that are derived from this period's counts.
FIGURE_DERIVED = ("value", "ci_low", "ci_high", "lower", "upper", "change", "gap")
#: Prefix of the fields of the year-earlier figure, checked on that year's own counts.
PREVIOUS_PREFIX = "previous_"


def _number(value: object) -> float:
    """A figure's field as a number (NaN when blank or not a number)."""
    number = pd.to_numeric(pd.Series([value], dtype=object), errors="coerce").iloc[0]
    return float(number) if pd.notna(number) else float("nan")


def safe_figure(
    figure: Mapping[str, object], suppress: bool, settings: Settings = DEFAULT_SETTINGS
) -> dict[str, object]:
    """One figure with every field that may not be shown set to None: the layer for non-tables.

    ``summary.json``, key messages and chart labels show single figures, not tables; they go
    through here so that the same rules apply as to a table cell: a count of 1 to 5, and every
    figure derived from it or from a small complement (``share_is_disclosive``), is withheld.

    Args:
        figure: ``numerator``, ``denominator``, ``value`` and ``unit`` (``count`` or a share),
            optionally derived fields (``FIGURE_DERIVED``: interval, change, gap) and a
            year-earlier figure as ``previous_numerator``, ``previous_denominator``,
            ``previous_value``. Other fields (ids, labels, dates) are kept as they are.
        suppress: Whether suppression is on (without it the figure is returned unchanged).
        settings: ``suppression_max``.

    Returns:
        A copy, with withheld fields None and ``suppressed`` True when anything was withheld.
    """
    safe = dict(figure)
    if not suppress:
        return safe

    def hidden(prefix: str) -> tuple[bool, bool]:
        numerator = _number(figure.get(f"{prefix}numerator"))
        denominator = _number(figure.get(f"{prefix}denominator"))
        value = _number(figure.get(f"{prefix}value"))
        if figure.get("unit", "count") == "count":
            count = value if np.isnan(numerator) else numerator
            return bool(is_small_count(count, settings)[0]), False
        share = bool(share_is_disclosive(numerator, denominator, settings)[0])
        return share, bool(is_small_count(denominator, settings)[0])

    withheld = False
    now, now_base = hidden("")
    if now:
        for name in ("numerator", *FIGURE_DERIVED):
            withheld |= safe.get(name) is not None
            safe[name] = None
    if now_base:
        safe["denominator"] = None
    before, before_base = hidden(PREVIOUS_PREFIX)
    if before:
        for name in [k for k in figure if k.startswith(PREVIOUS_PREFIX)] + ["change"]:
            withheld |= safe.get(name) is not None
            safe[name] = None
    if before_base:
        safe[f"{PREVIOUS_PREFIX}denominator"] = None
    safe["suppressed"] = bool(withheld or now_base or before_base)
    return safe


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
    its denominator). A percentage's numerator is also hidden when its complement (the
    denominator minus it) is small, as ``share_is_disclosive`` rules for shares.

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
        if column == "numerator":
            # A percentage's numerator shown beside its denominator also shows the rest: 58 of
            # 59 in touch shows the 1 who is not, so a small complement hides the numerator.
            bases = pd.to_numeric(frame["denominator"], errors="coerce").to_numpy(dtype=float)
            mask |= (units == "pct") & is_small_count(bases - values, settings)
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
