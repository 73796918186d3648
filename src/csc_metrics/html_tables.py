"""Tables as accessible HTML, with suppression applied, and each table's CSV download.

``table_html`` writes any frame as a real ``<table>``: a ``<caption>``, ``<th scope="col">``
headers and ``<th scope="row">`` row headers; every cell holding a count has ``class="count"``
and every percentage ``class="pct"``, so an automated check can find them; with
``suppress=True`` small counts are shown as ``c`` (see ``suppression``). Columns of indicator
values follow the catalogue's decimals (``formatting.ColumnFormat``). ``csv_download_html``
embeds the table as shown, as a CSV a manager can open in Excel. ``display.show_table``
publishes both from a notebook.
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd

from csc_metrics.catalogue import get_indicator
from csc_metrics.formatting import (
    ColumnFormat,
)
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.suppression import (
    SUPPRESSED,
    format_cell,
    format_number,
    suppress_metric_table,
    suppressed_cells,
)

#: Columns that mark a frame as metric-table rows (``schemas.MetricTable``), shown as such.
METRIC_TABLE_MARKERS = ("indicator_id", "numerator", "denominator", "value")
_PERCENT_NAME = re.compile(r"pct|percent|%", re.IGNORECASE)
_NOT_COUNT_NAME = re.compile(
    r"pct|percent|%|rate|ratio|per_|per |fte|mean|average|median", re.IGNORECASE
)


# --- tables --------------------------------------------------------------------------------------


def _is_metric_table(table: pd.DataFrame) -> bool:
    return all(c in table.columns for c in METRIC_TABLE_MARKERS)


def infer_count_columns(table: pd.DataFrame) -> list[str]:
    """Columns that look like counts: numeric, whole numbers, not named like a rate or share."""
    counts = []
    for column in table.columns:
        values = table[column]
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue
        if _NOT_COUNT_NAME.search(str(column)):
            continue
        present = values.dropna().to_numpy(dtype=float)
        if np.all(np.mod(present, 1) == 0):
            counts.append(column)
    return counts


def infer_percent_columns(table: pd.DataFrame) -> list[str]:
    """Numeric columns named like percentages (``pct``, ``percent``, ``%``)."""
    return [
        c
        for c in table.columns
        if pd.api.types.is_numeric_dtype(table[c]) and _PERCENT_NAME.search(str(c))
    ]


def _cell_classes_for_metric(table: pd.DataFrame) -> pd.DataFrame:
    units = table["indicator_id"].map(_unit_of)
    classes = pd.DataFrame("", index=table.index, columns=table.columns)
    for column in ("numerator", "denominator", "unknown"):
        if column in table.columns:
            classes[column] = "count"
    classes["value"] = np.select([units == "count", units == "pct"], ["count", "pct"], "num")
    return classes


def _unit_of(indicator_id: str) -> str:
    try:
        return get_indicator(indicator_id).unit
    except KeyError:
        return "count"


def _display_metric_table(
    table: pd.DataFrame, suppress: bool, settings: Settings, decimals: int
) -> pd.DataFrame:
    # Without suppression the same formatting applies with nothing small enough to hide.
    active = settings if suppress else settings.with_overrides(suppression_max=0)
    shown = suppress_metric_table(table, active, decimals)
    return shown.apply(
        lambda col: col.map(lambda v: v if isinstance(v, str) else format_cell(v, decimals))
    )


def _display_generic_table(
    table: pd.DataFrame,
    count_columns: list[str],
    percent_columns: Mapping[str, tuple[str, str]],
    unmapped_percents: list[str],
    suppress: bool,
    total_row: Hashable | None,
    total_column: str | None,
    label_column: str | None,
    settings: Settings,
    decimals: int,
    row_groups: Sequence[tuple[Sequence[Hashable], Hashable]] = (),
    hidden: pd.DataFrame | None = None,
) -> dict[Hashable, list[str]]:
    """Each column's cells as shown (``suppression.suppressed_cells``), top to bottom."""
    # Without suppression the same formatting applies with nothing small enough to hide.
    active = settings if suppress else settings.with_overrides(suppression_max=0)
    shown = suppressed_cells(
        table,
        count_columns,
        total_row if suppress else None,
        total_column if suppress else None,
        percent_columns,
        active,
        label_column,
        decimals,
        row_groups=row_groups if suppress else (),
        hidden=hidden if suppress else None,
    )
    if unmapped_percents:
        formatted = {
            c: [format_number(v, decimals) for v in table[c].tolist()] for c in unmapped_percents
        }
        # A share whose counts are unknown to us is hidden on any row with a hidden count.
        row_hidden = (
            [SUPPRESSED in row for row in zip(*(shown[c] for c in count_columns), strict=True)]
            if count_columns
            else [False] * len(table)
        )
        for column, values in formatted.items():
            shown[column] = (
                [SUPPRESSED if h else v for v, h in zip(values, row_hidden, strict=True)]
                if suppress
                else values
            )
    return shown


def _row_header_column(table: pd.DataFrame, row_header: str | None) -> str | None:
    if row_header is not None:
        return row_header
    if not isinstance(table.index, pd.RangeIndex):
        return None
    first = table.columns[0] if len(table.columns) else None
    if first is not None and not pd.api.types.is_numeric_dtype(table[first]):
        return first
    return None


def table_html(
    table: pd.DataFrame,
    caption: str,
    suppress: bool = False,
    count_columns: Sequence[str] | None = None,
    percent_columns: Mapping[str, tuple[str, str]] | Sequence[str] | None = None,
    total_row: Hashable | None = None,
    total_column: str | None = None,
    row_header: str | None = None,
    settings: Settings = DEFAULT_SETTINGS,
    decimals: int = 1,
    row_groups: Sequence[tuple[Sequence[Hashable], Hashable]] = (),
    hidden: pd.DataFrame | None = None,
    column_formats: Mapping[str, ColumnFormat] | None = None,
) -> str:
    """An accessible HTML table of any frame, with suppression applied when asked.

    A ``MetricTable`` frame is recognised by its columns and suppressed with
    ``suppress_metric_table``. For other tables, count columns default to numeric columns of
    whole numbers not named like a rate or share, and percentage columns to those named with
    ``pct``, ``percent`` or ``%``.

    Args:
        table: The data.
        caption: Table caption (what the table shows).
        suppress: Show counts from 1 to ``settings.suppression_max`` as ``c``, with secondary
            suppression and hidden percentages.
        count_columns: Columns holding counts (default: inferred).
        percent_columns: Percentage column -> (numerator, denominator), or a list of percentage
            columns (hidden on any row where a count is hidden).
        total_row: Label of the totals row (index label or a value of the row-header column).
        total_column: Column of row totals.
        row_header: Column whose cells label the rows (default: the index if it is not a plain
            row number, else the first text column).
        settings: Settings.
        decimals: Decimals for percentages and other fractional values.
        row_groups: (part rows, total row): rows that add up to another row, such as the
            activity bands of one cohort (see ``suppression.suppression_mask``).
        hidden: Count cells already hidden by the same figures elsewhere in the run.
        column_formats: Columns of indicator values (ours, a benchmark, a gap) written in
            their unit's decimals (``formatting.ColumnFormat``) instead of ``decimals``; a cell
            already withheld stays withheld.

    Returns:
        The HTML.
    """
    header = _row_header_column(table, row_header)
    shown: dict[Hashable, list[str]]
    classes: dict[Hashable, list[str]]
    if _is_metric_table(table):
        metric = _display_metric_table(table, suppress, settings, decimals)
        shown = {column: metric[column].tolist() for column in metric.columns}
        metric_classes = _cell_classes_for_metric(table)
        classes = {column: metric_classes[column].tolist() for column in metric_classes.columns}
    else:
        counts = list(count_columns) if count_columns is not None else infer_count_columns(table)
        if isinstance(percent_columns, Mapping):
            mapped, unmapped = dict(percent_columns), []
        else:
            mapped = {}
            unmapped = (
                list(percent_columns)
                if percent_columns is not None
                else [c for c in infer_percent_columns(table) if c not in counts]
            )
        named_rows = total_row is not None or bool(row_groups)
        label_column = header if named_rows and total_row not in table.index else None
        shown = _display_generic_table(
            table,
            counts,
            mapped,
            unmapped,
            suppress,
            total_row,
            total_column,
            label_column,
            settings,
            decimals,
            row_groups,
            hidden,
        )
        classes = {}
        for column in table.columns:
            if column in counts or column == total_column:
                css = "count"
            elif column in mapped or column in unmapped:
                css = "pct"
            elif pd.api.types.is_numeric_dtype(table[column]):
                css = "num"
            else:
                css = ""
            classes[column] = [css] * len(table)
    for column, style in (column_formats or {}).items():
        written = style.write(table[column].tolist())
        shown[column] = [
            cell if cell == SUPPRESSED else text
            for cell, text in zip(shown[column], written, strict=True)
        ]
        classes[column] = ["num"] * len(table)
    return _render_table(table, shown, classes, caption, header)


def _escaped(values: Sequence[object]) -> list[str]:
    # Text as pandas writes it (``astype(str)``), escaped.
    return [html.escape(str(cell)) for cell in values]


def _render_table(
    table: pd.DataFrame,
    shown: Mapping[Hashable, Sequence[str]],
    classes: Mapping[Hashable, Sequence[str]],
    caption: str,
    row_header: str | None,
) -> str:
    use_index = row_header is None and not isinstance(table.index, pd.RangeIndex)
    columns = [c for c in table.columns if c != row_header]
    header_cells = []
    if use_index:
        header_cells.append(f'<th scope="col">{html.escape(str(table.index.name or ""))}</th>')
    if row_header is not None:
        header_cells.append(f'<th scope="col">{html.escape(str(row_header))}</th>')
    header_cells += [f'<th scope="col">{html.escape(_column_name(c))}</th>' for c in columns]
    # Built column by column, then joined into rows: a rendered table is small, and plain
    # strings cost far less than pandas' operations on whole columns did.
    body_columns: list[list[str]] = []
    if use_index:
        labels = _escaped([format_cell(label) for label in table.index.tolist()])
        body_columns.append([f'<th scope="row">{label}</th>' for label in labels])
    if row_header is not None:
        body_columns.append(
            [f'<th scope="row">{cell}</th>' for cell in _escaped(shown[row_header])]
        )
    for column in columns:
        opening = {
            css: f'<td class="{css}">' if css != "" else "<td>" for css in set(classes[column])
        }
        body_columns.append(
            [
                f"{opening[css]}{cell}</td>"
                for css, cell in zip(classes[column], _escaped(shown[column]), strict=True)
            ]
        )
    rows = ["".join(row) for row in zip(*body_columns, strict=True)] or [""] * len(table)
    body = "".join(f"<tr>{row}</tr>" for row in rows)
    return (
        f'<table class="csc-table"><caption>{html.escape(caption)}</caption>'
        f"<thead><tr>{''.join(header_cells)}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _column_name(column: object) -> str:
    if isinstance(column, tuple):
        return " – ".join(format_cell(part) for part in column)
    return format_cell(column)


# --- CSV downloads -------------------------------------------------------------------------------

#: Spreadsheet programs run a cell starting with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[-+]?[\d,]*\.?\d+%?$")
_TABLE_ROW = re.compile(r"<tr>(.*?)</tr>", re.DOTALL)
_TABLE_CELL = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.DOTALL)
_LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _csv_cell(cell_html: str) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", "", _LINE_BREAK.sub("; ", cell_html))).strip()
    # A cell Excel would run as a formula is written as text; a plain negative number is kept.
    if text.startswith(_FORMULA_STARTS) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def table_csv(content: str) -> str:
    """The CSV of an HTML table as it is shown: its cells' text, suppressed cells as ``c``.

    Built from the rendered table, never from the data behind it, so it holds exactly what the
    page shows (with ``--suppress``, the suppressed figures). Line breaks in a cell become
    ``; ``; a cell a spreadsheet would run as a formula starts with ``'``.

    Args:
        content: The HTML of one table (``table_html`` or a scorecard).

    Returns:
        CSV text, a header row first.
    """
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in _TABLE_ROW.findall(content):
        writer.writerow([_csv_cell(cell) for cell in _TABLE_CELL.findall(row)])
    return buffer.getvalue()


def csv_download_html(content: str, caption: str) -> str:
    """A "Download this table (CSV)" link holding the table's CSV in the page (a data: URI).

    The link works offline, from a shared drive or an e-mail attachment; the CSV starts with a
    byte-order mark, so Excel reads it as UTF-8.

    Args:
        content: The HTML of the table.
        caption: Its caption (the file name is made from it).

    Returns:
        A paragraph with the link.
    """
    data = base64.b64encode(("\ufeff" + table_csv(content)).encode("utf-8")).decode("ascii")
    name = re.sub(r"[^a-z0-9]+", "-", caption.lower()).strip("-")[:60].strip("-") or "table"
    return (
        f'<p class="table-download"><a href="data:text/csv;base64,{data}" '
        f'download="{name}.csv">Download this table (CSV)</a></p>'
    )


def plain_table(content: str, caption: str) -> str:
    """A text rendering of the (already suppressed) HTML table, never of the raw data."""
    rows = re.findall(r"<tr>(.*?)</tr>", content)
    lines = [caption]
    for row in rows:
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
        lines.append(" | ".join(html.unescape(re.sub(r"<[^>]+>", "", c)) for c in cells))
    return "\n".join(lines)
