"""Accessible, self-contained HTML output for the report notebooks.

Notebooks call the ``show_*`` functions; each builds its output with a ``*_html`` or ``*_bundle``
function (which tests and the runner can call directly) and publishes it with
``IPython.display.display(..., raw=True)``. Everything is self-contained (charts are base64 SVG
images whose text stays text, ``charts.render``; icons are inline SVG; no CDN, no web fonts)
and escaped with ``html.escape``.

- Figures are ``<figure>`` elements with an ``<img alt="...">`` and a ``<figcaption>``.
- Tables are real ``<table>`` elements with a ``<caption>``, ``<th scope="col">`` headers and
  ``<th scope="row">`` row headers. Every cell holding a count has ``class="count"`` and every
  percentage ``class="pct"``, so an automated check can find them; with ``suppress=True`` small
  counts are shown as ``c`` (see ``suppression``).
- Key messages are a ``<ul>`` (no heading unless asked: the notebook's markdown provides the
  headings, which keeps the heading order right) plus a machine-readable copy under the
  ``application/vnd.csc-metrics.key-messages+json`` mimetype that the runner collects for the
  landing page.
- SPC badges pair an icon with a text label, so colour is never the only cue.
"""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from csc_metrics.catalogue import base_of, get_indicator
from csc_metrics.charts import OKABE_ITO, Chart
from csc_metrics.charts.render import figure_svg
from csc_metrics.formatting import decimals_for, format_value, in_words, round_value
from csc_metrics.gaps import benchmark_gap
from csc_metrics.narrative import (
    PEOPLE_BASED_UNITS,
    IndicatorSummary,
    Latest,
    first_movement,
    judge,
    limits_basis,
    movement,
    movement_text,
    reconciling_sentence,
)
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.spc import ASSURANCE_LABELS, VARIATION_LABELS, SpcResult
from csc_metrics.suppression import (
    SUPPRESSED,
    format_cell,
    format_count,
    format_number,
    is_small_count,
    suppress_metric_table,
    suppress_table,
)

KEY_MESSAGES_MIMETYPE = "application/vnd.csc-metrics.key-messages+json"
#: Columns that mark a frame as metric-table rows (``schemas.MetricTable``), shown as such.
METRIC_TABLE_MARKERS = ("indicator_id", "numerator", "denominator", "value")
_PERCENT_NAME = re.compile(r"pct|percent|%", re.IGNORECASE)
_NOT_COUNT_NAME = re.compile(
    r"pct|percent|%|rate|ratio|per_|per |fte|mean|average|median", re.IGNORECASE
)


def _publish(bundle: dict[str, Any]) -> None:
    from IPython.display import display

    display(bundle, raw=True)


# --- figures -------------------------------------------------------------------------------------


def png_base64(figure: Figure) -> str:
    """Render a figure on white to a base64 PNG (no metadata, so output is reproducible).

    The reports embed charts as SVG (``svg_base64``); this is for a caller that needs pixels.

    The figure is drawn once on an Agg canvas and its pixels encoded as they are. ``savefig``
    would draw it twice (a first pass to lay it out, then the drawing), which is about a tenth
    of a report's run time; the pixels are the same. The figure is opaque on white, so the
    PNG is RGB: the alpha channel would only make it larger.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    previous_canvas, previous_facecolor = figure.canvas, figure.get_facecolor()
    figure.set_facecolor("white")
    try:
        canvas = FigureCanvasAgg(figure)
        canvas.draw()
        image = Image.frombuffer(
            "RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1
        )
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="png")
    finally:
        figure.set_facecolor(previous_facecolor)
        figure.set_canvas(previous_canvas)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def svg_base64(figure: Figure) -> str:
    """The figure as a base64 SVG, its text kept as text (``charts.render.figure_svg``)."""
    return base64.b64encode(figure_svg(figure).encode("utf-8")).decode("ascii")


def figure_html(
    chart: Chart | Figure, alt_text: str | None = None, caption: str | None = None
) -> str:
    """An accessible ``<figure>``: the chart as an embedded SVG image with alt text and a caption.

    Args:
        chart: A ``Chart`` (its alt text and title are used by default) or a bare figure.
        alt_text: Alt text; required for a bare figure.
        caption: Visible caption; default the chart's title.

    Returns:
        The HTML.

    Raises:
        ValueError: If there is no alt text.
    """
    figure = chart.figure if isinstance(chart, Chart) else chart
    if isinstance(chart, Chart) and chart.is_empty:
        # Nothing to show: a sentence reads better than a picture of one.
        return (
            f'<p class="chart-empty"><strong>{html.escape(caption or chart.title)}.</strong> '
            f"{html.escape(chart.footnote)}</p>"
        )
    alt = alt_text or (chart.alt_text if isinstance(chart, Chart) else None)
    if not alt:
        raise ValueError("A figure needs alt text describing what it shows.")
    if caption is None:
        caption = chart.title if isinstance(chart, Chart) else ""
    figcaption = f"<figcaption>{html.escape(caption)}</figcaption>" if caption else ""
    return (
        '<figure class="csc-figure">'
        f'<img src="data:image/svg+xml;base64,{svg_base64(figure)}" alt="{html.escape(alt)}" '
        'style="max-width:100%;height:auto">'
        f"{figcaption}</figure>"
    )


def show_figure(
    chart: Chart | Figure, alt_text: str | None = None, caption: str | None = None
) -> None:
    """Show a chart as an accessible figure and close it (so it is not also shown inline).

    Args:
        chart: A ``Chart`` or a bare figure.
        alt_text: Alt text (required for a bare figure).
        caption: Visible caption; default the chart's title.
    """
    from matplotlib import pyplot as plt

    figure = chart.figure if isinstance(chart, Chart) else chart
    content = figure_html(chart, alt_text, caption)
    plain = alt_text or (chart.alt_text if isinstance(chart, Chart) else "")
    _publish({"text/html": content, "text/plain": plain})
    plt.close(figure)


def show_figures(charts: Sequence[Chart]) -> None:
    """Show several charts one after another (``show_figure`` for each)."""
    for chart in charts:
        show_figure(chart)


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
) -> pd.DataFrame:
    # Without suppression the same formatting applies with nothing small enough to hide.
    active = settings if suppress else settings.with_overrides(suppression_max=0)
    shown = suppress_table(
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
            c: table[c].map(lambda v: format_number(v, decimals)) for c in unmapped_percents
        }
        # A share whose counts are unknown to us is hidden on any row with a hidden count.
        row_hidden = (
            (shown[count_columns] == SUPPRESSED).any(axis=1)
            if count_columns
            else (pd.Series(False, index=table.index))
        )
        for column, values in formatted.items():
            shown[column] = values.where(~row_hidden, SUPPRESSED) if suppress else values
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

    Returns:
        The HTML.
    """
    header = _row_header_column(table, row_header)
    if _is_metric_table(table):
        shown = _display_metric_table(table, suppress, settings, decimals)
        classes = _cell_classes_for_metric(table)
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
        classes = pd.DataFrame("", index=table.index, columns=table.columns)
        for column in shown.columns:
            if column in counts or column == total_column:
                classes[column] = "count"
            elif column in mapped or column in unmapped:
                classes[column] = "pct"
            elif pd.api.types.is_numeric_dtype(table[column]):
                classes[column] = "num"
    return _render_table(table, shown, classes, caption, header)


def _escaped(values: pd.Series | pd.Index) -> pd.Series:
    return pd.Series(values).astype(str).map(html.escape).reset_index(drop=True)


def _render_table(
    table: pd.DataFrame,
    shown: pd.DataFrame,
    classes: pd.DataFrame,
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
    # Build the body column by column (string operations on whole columns), then join rows.
    rows = pd.Series("", index=range(len(table)), dtype=object)
    if use_index:
        rows += '<th scope="row">' + _escaped(table.index.map(format_cell)) + "</th>"
    if row_header is not None:
        rows += '<th scope="row">' + _escaped(shown[row_header]) + "</th>"
    for column in columns:
        css = classes[column].reset_index(drop=True)
        opening = "<td" + (' class="' + css + '"').where(css != "", "") + ">"
        rows += opening + _escaped(shown[column]) + "</td>"
    body = "".join("<tr>" + rows + "</tr>")
    return (
        f'<table class="csc-table"><caption>{html.escape(caption)}</caption>'
        f"<thead><tr>{''.join(header_cells)}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _column_name(column: object) -> str:
    if isinstance(column, tuple):
        return " – ".join(format_cell(part) for part in column)
    return format_cell(column)


def show_table(
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
) -> None:
    """Show a table as accessible HTML (see ``table_html`` for the arguments)."""
    content = table_html(
        table,
        caption,
        suppress,
        count_columns,
        percent_columns,
        total_row,
        total_column,
        row_header,
        settings,
        decimals,
        row_groups,
        hidden,
    )
    plain = _plain_table(content, caption)
    _publish({"text/html": content + csv_download_html(content, caption), "text/plain": plain})


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


def _plain_table(content: str, caption: str) -> str:
    """A text rendering of the (already suppressed) HTML table, never of the raw data."""
    rows = re.findall(r"<tr>(.*?)</tr>", content)
    lines = [caption]
    for row in rows:
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
        lines.append(" | ".join(html.unescape(re.sub(r"<[^>]+>", "", c)) for c in cells))
    return "\n".join(lines)


# --- key messages --------------------------------------------------------------------------------


def key_messages_bundle(
    title: str, messages: Sequence[str], heading_level: int | None = None
) -> dict[str, Any]:
    """The display bundle of a set of key messages.

    Args:
        title: What the messages are about (for the landing page and as the list's label).
        messages: The messages, most important first.
        heading_level: Emit ``<hN>title</hN>`` before the list; default none, because the
            notebook's own markdown heading introduces the list.

    Returns:
        ``{"text/html", "text/plain", KEY_MESSAGES_MIMETYPE}``.
    """
    messages = [str(m) for m in messages]
    heading = ""
    if heading_level is not None:
        if not 1 <= heading_level <= 6:
            raise ValueError("heading_level must be between 1 and 6")
        heading = f"<h{heading_level}>{html.escape(title)}</h{heading_level}>"
    if messages:
        items = "".join(f"<li>{html.escape(m)}</li>" for m in messages)
        body = f'<ul class="key-messages" aria-label="{html.escape(title)}">{items}</ul>'
        plain = "\n".join([title, *(f"- {m}" for m in messages)])
    else:
        empty = "Nothing stands out: no special-cause changes and no large gaps to the benchmarks."
        body = f'<p class="key-messages">{empty}</p>'
        plain = f"{title}\n{empty}"
    return {
        "text/html": heading + body,
        "text/plain": plain,
        KEY_MESSAGES_MIMETYPE: {"title": title, "messages": messages},
    }


def show_key_messages(
    title: str, messages: Sequence[str], heading_level: int | None = None
) -> None:
    """Show key messages and hand them to the runner for the landing page."""
    _publish(key_messages_bundle(title, messages, heading_level))


# --- SPC badges ----------------------------------------------------------------------------------

_BADGE_COLOURS = {
    "improvement": OKABE_ITO["blue"],
    "concern": OKABE_ITO["vermillion"],
    "neutral": "#490092",
    "common_cause": "#757575",
    "pass": OKABE_ITO["blue"],
    "fail": OKABE_ITO["vermillion"],
    "inconsistent": "#757575",
}
#: SVG path (in a 20 x 20 box) of each icon's glyph.
_GLYPHS = {
    "high": "M10 4 L15 11 H12 V16 H8 V11 H5 Z",
    "low": "M10 16 L15 9 H12 V4 H8 V9 H5 Z",
    "flat": "M5 9 H15 V11 H5 Z",
    "pass": "M5 10 L8.5 13.5 L15 6.5 L16.5 8 L8.5 16 L3.5 11.5 Z",
    "fail": "M6 4.5 L10 8.5 L14 4.5 L15.5 6 L11.5 10 L15.5 14 L14 15.5 L10 11.5 L6 15.5 "
    "L4.5 14 L8.5 10 L4.5 6 Z",
    "inconsistent": "M4 11 Q7 5 10 10 T16 9 L16 11.5 Q13 16 10 12 T4 13.5 Z",
}


def _badge(kind: str, glyph: str, label: str, css: str) -> str:
    colour = _BADGE_COLOURS[kind]
    svg = (
        '<svg aria-hidden="true" focusable="false" width="18" height="18" viewBox="0 0 20 20" '
        'style="vertical-align:middle">'
        f'<circle cx="10" cy="10" r="9" fill="#ffffff" stroke="{colour}" stroke-width="2"/>'
        f'<path d="{_GLYPHS[glyph]}" fill="{colour}"/></svg>'
    )
    return (
        f'<span class="spc-badge {html.escape(css)}" style="display:inline-flex;'
        "align-items:center;gap:0.3em;padding:0.1em 0.5em;border:1px solid "
        f'{colour};border-radius:1em;color:#1a1a1a;background:#ffffff;white-space:nowrap">'
        f"{svg}<span>{html.escape(label)}</span></span>"
    )


def variation_badge_html(variation: str) -> str:
    """A badge (icon and text) for an SPC variation class, e.g. ``concern_high``."""
    if variation not in VARIATION_LABELS:
        raise ValueError(
            f"Unknown variation {variation!r}; expected one of {list(VARIATION_LABELS)}"
        )
    kind, _, side = (
        variation.rpartition("_") if variation != "common_cause" else ("common_cause", "", "flat")
    )
    return _badge(kind, side, VARIATION_LABELS[variation], f"spc-variation-{variation}")


def assurance_badge_html(assurance: str | None) -> str:
    """A badge for an SPC assurance class; empty text when there is none (no target)."""
    if assurance is None:
        return ""
    if assurance not in ASSURANCE_LABELS:
        raise ValueError(
            f"Unknown assurance {assurance!r}; expected one of {list(ASSURANCE_LABELS)}"
        )
    return _badge(assurance, assurance, ASSURANCE_LABELS[assurance], f"spc-assurance-{assurance}")


def spc_badges_html(result: SpcResult) -> str:
    """The variation badge and, with a target, the assurance badge of an SPC result."""
    badges = [variation_badge_html(result.variation), assurance_badge_html(result.assurance)]
    return '<span class="spc-badges">' + " ".join(b for b in badges if b) + "</span>"


def show_spc_badges(result: SpcResult) -> None:
    """Show the SPC badges of a result (e.g. next to its chart)."""
    labels = [VARIATION_LABELS[result.variation]]
    if result.assurance:
        labels.append(ASSURANCE_LABELS[result.assurance])
    _publish({"text/html": spc_badges_html(result), "text/plain": "; ".join(labels)})


# --- scorecard -----------------------------------------------------------------------------------


def _change_html(
    summary: IndicatorSummary, latest: Latest, withheld: bool, suppress: bool, settings: Settings
) -> str:
    """The movement since last quarter and since a year ago, better or worse, in words.

    The SPC verdict is a separate statement (the trend column): this column only describes the
    movement of the figure, judged in the indicator's direction (``narrative.movement``).
    """
    unit = get_indicator(summary.indicator_id).unit
    lines = []
    for label, previous in (
        ("last quarter", summary.previous_quarter),
        ("a year ago", summary.previous_year),
    ):
        moved = movement(summary.indicator_id, latest.value, previous, label)
        if moved is None:
            continue
        small = unit == "count" and bool(is_small_count(moved.before, settings)[0])
        if withheld or (suppress and small):
            lines.append(f"{label.capitalize()}: {SUPPRESSED}")
            continue
        lines.append(movement_text(summary.indicator_id, moved))
    return "<br>".join(html.escape(line) for line in lines)


def _trend_html(
    summary: IndicatorSummary, latest: Latest, withheld: bool, suppress: bool, settings: Settings
) -> str:
    """The SPC verdict: the badge, what the limits are set on, and a reconciling sentence.

    The reconciling sentence (``narrative.reconciling_sentence``) is added when the figure
    moved the other way from the special-cause side, so "improvement" never sits beside a
    worse figure unexplained.
    """
    result = summary.spc
    if result is None:
        return "No trend yet"
    parts = [variation_badge_html(result.variation)]
    if summary.data_problem:
        parts.append(html.escape(f"Not called a real change: {summary.data_problem}"))
    elif result.is_special_cause:
        parts.append(html.escape(f"Judged against {limits_basis(result)}."))
        moved = first_movement(
            summary.indicator_id, latest.value, summary.previous_quarter, summary.previous_year
        )
        unit = get_indicator(summary.indicator_id).unit
        small = (
            moved is not None
            and unit == "count"
            and bool(is_small_count(moved.before, settings)[0])
        )
        if not withheld and not (suppress and small):
            sentence = reconciling_sentence(summary.indicator_id, latest.value, result, moved)
            if sentence:
                parts.append(html.escape(sentence))
    elif result.short_series_warning:
        parts.append("Too few points to judge.")
    return "<br>".join(parts)


def _scorecard_row(summary: IndicatorSummary, suppress: bool, settings: Settings) -> str:
    indicator = get_indicator(summary.indicator_id)
    latest = Latest.of(summary.latest)
    # As narrative's rule: the numerator, and the people a percentage or average rests on.
    counts = [latest.numerator]
    counts += [latest.denominator] if indicator.unit in PEOPLE_BASED_UNITS else []
    counts += [latest.value] if indicator.unit == "count" else []
    withheld = suppress and bool(is_small_count(counts, settings).any())
    value_css = {"count": "count", "pct": "pct"}.get(indicator.unit, "num")
    value = SUPPRESSED if withheld else in_words(latest.value, indicator.unit)
    base = ""
    if indicator.unit in PEOPLE_BASED_UNITS and not np.isnan(latest.denominator):
        small_base = suppress and is_small_count(latest.denominator, settings)[0]
        base = SUPPRESSED if small_base else format_count(latest.denominator)
        if base_of(indicator.id) == "FTE" and not small_base:
            base = f"{format_number(latest.denominator, 1)} FTE"
    trend = _trend_html(summary, latest, withheld, suppress, settings)
    target = assurance_badge_html(summary.spc.assurance) if summary.spc else ""
    if summary.target is not None:
        target_text = html.escape(in_words(summary.target, indicator.unit))
        target = f"{target_text}<br>{target}" if target else target_text
    benchmark = ""
    if summary.benchmark and not withheld and not np.isnan(latest.value):
        bench_value = float(summary.benchmark["value"])
        gap = benchmark_gap(latest.value, bench_value)
        year = summary.benchmark.get("year")
        benchmark = html.escape(
            f"{summary.benchmark.get('comparator', '')} {in_words(bench_value, indicator.unit)}"
            f" ({'+' if gap > 0 else ''}{gap:,.1f}{' points' if indicator.unit == 'pct' else ''})"
            + (f", {year}" if year is not None else "")
        )
    change = _change_html(summary, latest, withheld, suppress, settings)
    return (
        f'<tr><th scope="row">{html.escape(indicator.label)}</th>'
        f'<td class="{value_css}">{html.escape(value)}</td><td class="count">{base}</td>'
        f"<td>{change}</td><td>{trend}</td><td>{target}</td><td>{benchmark}</td></tr>"
    )


def _plain_scorecard_row(cells: Sequence[str]) -> str:
    """A scorecard row given as text (a figure that is not an indicator, such as a forecast)."""
    label, value, base, *rest = (html.escape(str(c)) for c in cells)
    others = "".join(f"<td>{c}</td>" for c in rest)
    return (
        f'<tr><th scope="row">{label}</th><td class="num">{value}</td>'
        f'<td class="num">{base}</td>{others}</tr>'
    )


def scorecard_html(
    summaries: Sequence[IndicatorSummary],
    caption: str,
    suppress: bool = False,
    settings: Settings = DEFAULT_SETTINGS,
    extra_rows: Sequence[Sequence[str]] = (),
) -> str:
    """A scorecard table: one row per indicator with its latest value, SPC badges and benchmark.

    Each row shows the latest value and its base; the change since last quarter and since a year
    ago in words, qualified by what the SPC chart says (never a bare arrow); the SPC variation
    badge; the target with its assurance badge; and the benchmark with the gap and its year.

    Args:
        summaries: One ``IndicatorSummary`` per indicator, in display order.
        caption: Table caption.
        suppress: Hide counts from 1 to ``settings.suppression_max`` (and values resting on them).
        settings: Settings.
        extra_rows: Rows after the indicators, each seven cell texts in the columns' order (the
            forecast spend row: a figure that is not an indicator with an SPC chart).

    Returns:
        The HTML.
    """
    header = "".join(
        f'<th scope="col">{h}</th>'
        for h in (
            "Indicator",
            "Latest",
            "Base (n)",
            "Change",
            "Trend (SPC)",
            "Target",
            "Benchmark (gap), year",
        )
    )
    rows = "".join(_scorecard_row(s, suppress, settings) for s in summaries)
    rows += "".join(_plain_scorecard_row(cells) for cells in extra_rows)
    return (
        f'<table class="csc-table csc-scorecard"><caption>{html.escape(caption)}</caption>'
        f"<thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table>"
    )


def show_scorecard(
    summaries: Sequence[IndicatorSummary],
    caption: str,
    suppress: bool = False,
    settings: Settings = DEFAULT_SETTINGS,
    extra_rows: Sequence[Sequence[str]] = (),
) -> None:
    """Show a scorecard table (see ``scorecard_html``)."""
    content = scorecard_html(summaries, caption, suppress, settings, extra_rows)
    _publish({"text/html": content, "text/plain": _plain_table(content, caption)})


# --- compact scorecard ---------------------------------------------------------------------------

#: The runner collects the compact scorecard's rows (as text) under this mimetype, for the
#: history page (``reports/index.html``).
SCORECARD_MIMETYPE = "application/vnd.csc-metrics.scorecard+json"

#: Colour of the sparkline's latest point by the SPC class of that point.
_STATE_COLOURS = {
    "improvement": OKABE_ITO["blue"],
    "concern": OKABE_ITO["vermillion"],
    "neutral": "#490092",
    "common_cause": "#505a5f",
}
#: What a gap of one unit is called in the compact change column (a percentage: points).
_STEP_WORDS = {"pct": ("pt", "pts"), "days": ("day", "days")}


def _state(result: SpcResult | None) -> str:
    if result is None:
        return "no trend yet"
    if result.short_series_warning and not result.is_special_cause:
        return "too few points to judge"
    return VARIATION_LABELS[result.variation].lower()


def sparkline_svg(result: SpcResult | None, label: str, width: int = 96, height: int = 22) -> str:
    """A small inline SVG of an indicator's trend with its SPC state marked on the latest point.

    The line is the series, the faint line the average of the latest segment, and the latest
    point a dot coloured by its SPC class (a ring when the chart shows only common cause). The
    SVG is an image to assistive technology (``role="img"``) named by its ``aria-label`` and
    ``<title>``, which give the number of quarters and the SPC state in words, never a value.

    Args:
        result: The indicator's SPC result (None: no trend yet).
        label: The indicator's label.
        width: Width in CSS pixels.
        height: Height in CSS pixels.

    Returns:
        The ``<svg>``, or a short text when there is no trend.
    """
    if result is None or len(result.points) < 2:
        return '<span class="secondary">no trend yet</span>'
    values = result.points["value"].to_numpy(dtype=float)
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    span = high - low or 1.0
    pad = 4.5
    xs = pad + np.arange(len(values)) * (width - 2 * pad) / (len(values) - 1)
    ys = height - pad - (values - low) / span * (height - 2 * pad)
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
    mean = float(result.latest["mean"])
    mean_y = height - pad - (mean - low) / span * (height - 2 * pad)
    kind = result.variation.rsplit("_", 1)[0] if result.is_special_cause else "common_cause"
    colour = _STATE_COLOURS[kind]
    fill = colour if result.is_special_cause else "#ffffff"
    name = f"Trend of {label} over {len(values)} quarters: latest point {_state(result)}"
    return (
        f'<svg class="sparkline" role="img" aria-label="{html.escape(name)}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}"><title>{html.escape(name)}</title>'
        f'<line x1="{pad}" x2="{width - pad}" y1="{mean_y:.1f}" y2="{mean_y:.1f}" '
        'stroke="#b1b4b6" stroke-width="1"/>'
        f'<polyline points="{path}" fill="none" stroke="#0b0c0c" stroke-width="1.3"/>'
        f'<circle cx="{xs[-1]:.1f}" cy="{ys[-1]:.1f}" r="3" fill="{fill}" stroke="{colour}" '
        'stroke-width="1.5"/></svg>'
    )


def change_in_words(
    latest: float, previous: float | None, unit: str, direction: str
) -> tuple[str, str]:
    """The change since last quarter, short: ``("↑", "1 pt, worse")``.

    The size is rounded as the scorecard writes values (``in_words``), so "unchanged" is what a
    reader sees; better or worse follows the indicator's direction (none for a neutral one).

    Args:
        latest: The latest value.
        previous: Last quarter's value (None or NaN: nothing to compare with).
        unit: The indicator's unit.
        direction: ``higher``, ``lower`` or ``neutral``: which way is better.

    Returns:
        The arrow (empty when unchanged or not comparable) and the words.
    """
    before = np.nan if previous is None else float(previous)
    if np.isnan(before) or np.isnan(latest):
        return "", "no earlier quarter"
    now, then = (round_value(v, unit, "text") for v in (latest, before))
    step = round(now - then, decimals_for(unit, "text"))
    if step == 0:
        return "", "unchanged"
    size = format_value(abs(step), unit, precision="text")
    size = size.rstrip("%")
    one, many = _STEP_WORDS.get(unit, ("", ""))
    words = f"{size} {one if abs(step) == 1 else many}".strip()
    judgement = judge("up" if step > 0 else "down", direction)
    words += f", {judgement}" if judgement else ""
    return ("↑" if step > 0 else "↓"), words


def _gap_words(summary: IndicatorSummary, value: float, unit: str, direction: str) -> str:
    if not summary.benchmark or np.isnan(value):
        return ""
    bench = float(summary.benchmark["value"])
    gap = round(benchmark_gap(value, bench), decimals_for(unit, "text"))
    if gap == 0:
        return f"level with {summary.benchmark.get('comparator', '')}".strip()
    one, many = _STEP_WORDS.get(unit, ("", ""))
    size = format_value(abs(gap), unit, precision="text").rstrip("%")
    text = f"{'+' if gap > 0 else '−'}{size} {one if abs(gap) == 1 else many}".strip()
    if direction in ("higher", "lower"):
        text += ", better" if (gap > 0) == (direction == "higher") else ", worse"
    return text


def compact_scorecard_rows(
    summaries: Sequence[IndicatorSummary],
    suppress: bool = False,
    settings: Settings = DEFAULT_SETTINGS,
) -> list[dict[str, str]]:
    """The compact scorecard's rows as text (and each row's sparkline as SVG).

    Args:
        summaries: One summary per indicator, in display order.
        suppress: Withhold values resting on counts of 1 to ``settings.suppression_max``.
        settings: Settings.

    Returns:
        Dicts with ``indicator_id``, ``label``, ``value``, ``arrow``, ``change``, ``target``,
        ``gap``, ``state`` (the SPC state in words) and ``sparkline`` (SVG).
    """
    rows = []
    for summary in summaries:
        indicator = get_indicator(summary.indicator_id)
        latest = Latest.of(summary.latest)
        counts = [latest.numerator]
        counts += [latest.denominator] if indicator.unit in PEOPLE_BASED_UNITS else []
        counts += [latest.value] if indicator.unit == "count" else []
        withheld = suppress and bool(is_small_count(counts, settings).any())
        previous = summary.previous_quarter
        if withheld or (
            suppress
            and indicator.unit == "count"
            and previous is not None
            and bool(is_small_count(previous, settings)[0])
        ):
            arrow, change = "", SUPPRESSED
        else:
            arrow, change = change_in_words(
                latest.value, previous, indicator.unit, indicator.direction
            )
        value = (
            SUPPRESSED if withheld else format_value(latest.value, indicator.unit, precision="text")
        )
        rows.append(
            {
                "indicator_id": summary.indicator_id,
                "label": indicator.label,
                "value": value or "no data",
                "arrow": arrow,
                "change": change,
                "target": in_words(summary.target, indicator.unit)
                if summary.target is not None
                else "none",
                "gap": ""
                if withheld
                else _gap_words(summary, latest.value, indicator.unit, indicator.direction),
                "state": _state(summary.spc),
                "sparkline": sparkline_svg(summary.spc, indicator.label),
            }
        )
    return rows


def _arrow_html(arrow: str) -> str:
    if not arrow:
        return ""
    word = "up" if arrow == "↑" else "down"
    return f'<span aria-hidden="true">{arrow}</span><span class="visually-hidden">{word}</span> '


def compact_scorecard_html(
    summaries: Sequence[IndicatorSummary],
    caption: str,
    comparator: str = "England",
    suppress: bool = False,
    settings: Settings = DEFAULT_SETTINGS,
    extra_rows: Sequence[Sequence[str]] = (),
) -> str:
    """A scorecard one line high per indicator, with the full scorecard in a ``<details>``.

    Each row: the indicator, its latest value, a sparkline with the SPC state marked
    (``sparkline_svg``), the change since last quarter in words (``change_in_words``), the
    target and the gap to the comparator. The full scorecard (``scorecard_html``: base, the
    change since a year ago, SPC and assurance badges, the benchmark's year) follows, folded.

    Args:
        summaries: One summary per indicator, in display order.
        caption: Caption of the compact table.
        comparator: The benchmark's name for the gap column.
        suppress: Withhold values resting on small counts.
        settings: Settings.
        extra_rows: Rows that are not indicators, as ``scorecard_html`` takes them.

    Returns:
        The HTML.
    """
    header = "".join(
        f'<th scope="col"{css}>{h}</th>'
        for h, css in (
            ("Indicator", ""),
            ("Latest", ' class="num"'),
            ("Trend", ""),
            ("Since last quarter", ""),
            ("Target", ""),
            (f"Gap to {html.escape(comparator)}", ""),
        )
    )
    body = "".join(
        f'<tr><th scope="row">{html.escape(row["label"])}</th>'
        f'<td class="num">{html.escape(row["value"])}</td><td>{row["sparkline"]}</td>'
        f"<td>{_arrow_html(row['arrow'])}{html.escape(row['change'])}</td>"
        f"<td>{html.escape(row['target'])}</td><td>{html.escape(row['gap'])}</td></tr>"
        for row in compact_scorecard_rows(summaries, suppress, settings)
    )
    for cells in extra_rows:
        label, value, _base, change, *_ = (str(c) for c in cells)
        short_change = change.split(":")[-1].strip() if ":" in change else change
        body += (
            f'<tr><th scope="row">{html.escape(label)}</th><td class="num">{html.escape(value)}'
            f"</td><td></td><td>{html.escape(short_change)}</td><td></td><td></td></tr>"
        )
    full = scorecard_html(summaries, caption, suppress, settings, extra_rows)
    return (
        '<table class="csc-table csc-scorecard-compact">'
        f"<caption>{html.escape(caption)}</caption><thead><tr>{header}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
        '<details class="scorecard-details"><summary>The scorecard in full: base, the change '
        "since a year ago, the SPC and target badges, the benchmark and its year</summary>"
        f"{full}</details>{csv_download_html(full, caption)}"
    )


def compact_scorecard_bundle(
    summaries: Sequence[IndicatorSummary],
    caption: str,
    comparator: str = "England",
    suppress: bool = False,
    settings: Settings = DEFAULT_SETTINGS,
    extra_rows: Sequence[Sequence[str]] = (),
) -> dict[str, Any]:
    """The display bundle of the compact scorecard, with its rows for the history page."""
    content = compact_scorecard_html(summaries, caption, comparator, suppress, settings, extra_rows)
    rows = compact_scorecard_rows(summaries, suppress, settings)
    return {
        "text/html": content,
        "text/plain": _plain_table(content.split("<details", 1)[0], caption),
        SCORECARD_MIMETYPE: {"caption": caption, "comparator": comparator, "rows": rows},
    }


def show_compact_scorecard(
    summaries: Sequence[IndicatorSummary],
    caption: str,
    comparator: str = "England",
    suppress: bool = False,
    settings: Settings = DEFAULT_SETTINGS,
    extra_rows: Sequence[Sequence[str]] = (),
) -> None:
    """Show the compact scorecard (``compact_scorecard_html``) and hand its rows to the runner."""
    _publish(
        compact_scorecard_bundle(summaries, caption, comparator, suppress, settings, extra_rows)
    )
