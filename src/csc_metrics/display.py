"""Accessible, self-contained HTML output for the report notebooks.

Notebooks call the ``show_*`` functions; each builds its output with a ``*_html`` or ``*_bundle``
function (which tests and the runner can call directly) and publishes it with
``IPython.display.display(..., raw=True)``. Everything is self-contained (charts are base64 SVG
images whose text stays text, ``charts.svg_writer``; icons are inline SVG; no CDN, no web fonts)
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

The HTML of tables is built in ``html_tables`` and of the scorecards in ``scorecards``; this
module is what notebooks call.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from csc_metrics.charts import Chart
from csc_metrics.charts.svg_writer import figure_svg
from csc_metrics.formatting import ColumnFormat
from csc_metrics.html_tables import csv_download_html, plain_table, table_html
from csc_metrics.narrative import IndicatorSummary
from csc_metrics.scorecards import (
    compact_scorecard_bundle,
    scorecard_html,
    spc_badges_html,
)
from csc_metrics.settings import DEFAULT_SETTINGS, Settings
from csc_metrics.spc import ASSURANCE_LABELS, VARIATION_LABELS, SpcResult

KEY_MESSAGES_MIMETYPE = "application/vnd.csc-metrics.key-messages+json"


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
    """The figure as a base64 SVG, its text kept as text (``charts.svg_writer.figure_svg``)."""
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
    series = chart.series if isinstance(chart, Chart) else ()
    # Which trends the chart draws, for the check that a page never draws one twice.
    drawn = f' data-series="{html.escape("|".join(series))}"' if series else ""
    return (
        f'<figure class="csc-figure"{drawn}>'
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
    column_formats: Mapping[str, ColumnFormat] | None = None,
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
        column_formats,
    )
    plain = plain_table(content, caption)
    _publish({"text/html": content + csv_download_html(content, caption), "text/plain": plain})


def show_spc_badges(result: SpcResult) -> None:
    """Show the SPC badges of a result (e.g. next to its chart)."""
    labels = [VARIATION_LABELS[result.variation]]
    if result.assurance:
        labels.append(ASSURANCE_LABELS[result.assurance])
    _publish({"text/html": spc_badges_html(result), "text/plain": "; ".join(labels)})


def show_scorecard(
    summaries: Sequence[IndicatorSummary],
    caption: str,
    suppress: bool = False,
    settings: Settings = DEFAULT_SETTINGS,
    extra_rows: Sequence[Sequence[str]] = (),
) -> None:
    """Show a scorecard table (see ``scorecard_html``)."""
    content = scorecard_html(summaries, caption, suppress, settings, extra_rows)
    _publish({"text/html": content, "text/plain": plain_table(content, caption)})


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
