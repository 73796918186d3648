"""Manager-facing HTML from an executed notebook: no code, no errors, self-contained.

Rendering happens in this process with nbconvert's ``HTMLExporter`` and a small template of our
own (``templates/report.html.j2``): no require.js, MathJax, CDN or web font, one inline style
sheet, a skip link, a ``<main>`` landmark, headings in order and the notebook's markdown.
"""

from __future__ import annotations

import html as html_lib
import re
import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from csc_metrics import __version__

if TYPE_CHECKING:
    from nbformat import NotebookNode

KEY_MESSAGES_MIMETYPE = "application/vnd.csc-metrics.key-messages+json"
#: The compact scorecard's rows (``scorecards.SCORECARD_MIMETYPE``), kept for the history page.
SCORECARD_MIMETYPE = "application/vnd.csc-metrics.scorecard+json"

#: Cells that never reach a manager: papermill's parameters and error banners, and cells an
#: analyst tags ``remove-cell`` (the nbconvert convention).
REMOVED_CELL_TAGS = frozenset(
    {"parameters", "injected-parameters", "papermill-error-cell-tag", "remove-cell"}
)

#: Alt text for a chart a notebook displayed without one (display.show_figure always sets it).
MISSING_ALT = "Chart (the report gave no text description of this chart)"

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
REPORT_TEMPLATE = TEMPLATES / "report.html.j2"
STYLE_SHEET = TEMPLATES / "report.css"

# An object's default repr (``<Figure size 640x480 with 1 Axes>``, ``[<Line2D at 0x7f...>]``)
# is noise to a reader and leaks memory addresses.
_OBJECT_REPR = re.compile(r"^\s*\[?\s*<[^<>]+>(\s*,\s*<[^<>]+>)*\s*\]?\s*$")
_MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_HEADING_TAG = re.compile(r"<(/?)h([1-6])(\b[^>]*)>", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^>]+>")
_HEADING_ELEMENT = re.compile(r"<h([2-3])(\s[^>]*)?>(.*?)</h\1>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class KeyMessages:
    """One key-messages bundle from a notebook (``display.show_key_messages``)."""

    title: str
    messages: tuple[str, ...]


@dataclass(frozen=True)
class PageContext:
    """What a report page says around the notebook's own content.

    Attributes:
        title: The report's title (the notebook's first markdown heading).
        council: The council's name and code, for the header line.
        period_label: The period in words (``quarter ending 31 March 2025``).
        index_href: Relative link back to the landing page.
        team: The team a per-team report is for.
        suppressed: Whether small numbers are suppressed in this run.
        generated: When the run happened, in words.
        failure: For a failed notebook, what went wrong (shown at the top).
    """

    title: str
    council: str
    period_label: str
    index_href: str = "index.html"
    team: str | None = None
    suppressed: bool = False
    generated: str = ""
    failure: str | None = None


@dataclass
class RenderedReport:
    """A rendered report and what the runner learned from it."""

    html: str
    title: str
    key_messages: list[KeyMessages] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    scorecard: dict[str, Any] | None = None


def collect_scorecard(notebook: NotebookNode) -> dict[str, Any] | None:
    """The last compact scorecard a notebook displayed (its caption and rows), or None."""
    found = None
    for cell in notebook.cells:
        for output in cell.get("outputs", []) or []:
            bundle = (output.get("data") or {}).get(SCORECARD_MIMETYPE)
            if isinstance(bundle, dict) and isinstance(bundle.get("rows"), list):
                found = dict(bundle)
    return found


def _tags(cell: NotebookNode) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []) or [])


def _not_reached(cell: NotebookNode) -> bool:
    # papermill marks every cell pending and then each one it runs; after a failure the rest
    # stay pending, and their narrative would describe results that are not there.
    return cell.get("metadata", {}).get("papermill", {}).get("status") == "pending"


def _is_shown(output: NotebookNode) -> bool:
    kind = output.get("output_type")
    if kind == "error":
        return False
    if kind == "stream":
        return output.get("name") == "stdout"
    data = output.get("data", {})
    visible = set(data) - {KEY_MESSAGES_MIMETYPE, SCORECARD_MIMETYPE}
    if not visible:
        return False
    if visible == {"text/plain"}:
        return not _OBJECT_REPR.match(str(data["text/plain"]))
    return True


def manager_view(notebook: NotebookNode) -> tuple[NotebookNode, list[str]]:
    """Return a copy of an executed notebook fit for managers, and any accessibility warnings.

    Drops the parameters and injected-parameters cells, papermill's error banners, cells never
    reached after a failure, error outputs, stderr (warnings) and bare object reprs. Charts
    without alt text are kept, given a plain alt text, and reported in the warnings.

    Args:
        notebook: The executed notebook.

    Returns:
        The cleaned copy and a list of warnings for the log.
    """
    from nbformat import NotebookNode as Node

    # Copies of the notebook and of each cell kept, sharing everything else: only their cell
    # and output lists are replaced here, and the exporter copies the whole view before its
    # preprocessors change anything, so the executed notebook is never touched.
    view = Node(notebook)
    view.cells = [
        Node(cell)
        for cell in notebook.cells
        if not (_tags(cell) & REMOVED_CELL_TAGS) and not _not_reached(cell)
    ]
    warnings: list[str] = []
    for number, cell in enumerate(view.cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        cell.outputs = [output for output in cell.get("outputs", []) if _is_shown(output)]
        for output in cell.outputs:
            data = output.get("data", {})
            images = {"image/png", "image/jpeg"} & set(data)
            if images and "text/html" not in data and not _image_alt(output):
                warnings.append(
                    f"a chart near cell {number} has no alt text (use display.show_figure)"
                )
    return view, warnings


def _image_alt(output: NotebookNode) -> str:
    metadata = output.get("metadata", {}) or {}
    for mimetype in ("image/png", "image/jpeg"):
        alt = (metadata.get(mimetype) or {}).get("alt")
        if alt:
            return str(alt)
    return ""


def report_title(notebook: NotebookNode, fallback: str) -> str:
    """The notebook's first markdown heading as plain text, else a title from its file name.

    Args:
        notebook: A notebook.
        fallback: The notebook's file stem (``03_placements`` gives ``Placements``).

    Returns:
        The title.
    """
    for cell in notebook.cells:
        if cell.get("cell_type") != "markdown" or _tags(cell) & REMOVED_CELL_TAGS:
            continue
        match = _MARKDOWN_HEADING.search(str(cell.get("source", "")))
        if match:
            text = _MARKDOWN_LINK.sub(r"\1", match.group(1))
            text = _HTML_TAG.sub("", text).replace("`", "").replace("**", "").replace("__", "")
            text = " ".join(text.strip("*_ ").split())
            if text:
                return text
    words = re.sub(r"^\d+[_\-\s]*", "", fallback).replace("_", " ").replace("-", " ").strip()
    return (words or fallback).capitalize()


def collect_key_messages(notebook: NotebookNode, default_title: str) -> list[KeyMessages]:
    """Collect every key-messages bundle a notebook displayed, in order.

    Args:
        notebook: An executed notebook.
        default_title: Title for a bundle that has none.

    Returns:
        The bundles; messages that are not text are turned into text.
    """
    found: list[KeyMessages] = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []) or []:
            bundle = (output.get("data") or {}).get(KEY_MESSAGES_MIMETYPE)
            if not isinstance(bundle, dict):
                continue
            messages = bundle.get("messages") or []
            if isinstance(messages, str):
                messages = [messages]
            texts = tuple(
                str(m.get("text", "")) if isinstance(m, dict) else str(m) for m in messages
            )
            title = str(bundle.get("title") or default_title)
            found.append(KeyMessages(title=title, messages=tuple(t for t in texts if t.strip())))
    return found


def normalise_headings(html: str) -> str:
    """Make heading levels start at ``h1`` and never skip a level (WCAG 1.3.1).

    The first heading becomes ``h1``; later headings are at least ``h2`` and at most one level
    below the heading before them. Closing tags follow their opening tags.

    Args:
        html: An HTML document or fragment.

    Returns:
        The HTML with heading tags renumbered.
    """
    open_levels: list[int] = []
    previous = 0

    def renumber(match: re.Match[str]) -> str:
        nonlocal previous
        closing, level, attributes = match.group(1), int(match.group(2)), match.group(3)
        if closing:
            return f"</h{open_levels.pop() if open_levels else level}>"
        new_level = 1 if previous == 0 else max(2, min(level, previous + 1))
        previous = new_level
        open_levels.append(new_level)
        return f"<h{new_level}{attributes}>"

    return _HEADING_TAG.sub(renumber, html)


def heading_slug(text: str) -> str:
    """The ``id`` a report gives a heading: its plain text, lower case, words joined by ``-``.

    ``Key messages`` gives ``key-messages``, so the landing page can link to
    ``02_care_leavers.html#key-messages``.
    """
    plain = html_lib.unescape(_HTML_TAG.sub("", text)).lower()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-") or "section"


def add_heading_ids(html: str) -> str:
    """Give every ``h2`` and ``h3`` without an ``id`` one made from its text (``heading_slug``).

    A second heading with the same text gets ``-2``, ``-3`` and so on, so every id is unique.

    Args:
        html: An HTML document.

    Returns:
        The document with the ids added; headings that had an id keep it.
    """
    seen: dict[str, int] = {}

    def add(match: re.Match[str]) -> str:
        level, attributes, content = match.group(1), match.group(2) or "", match.group(3)
        if re.search(r"\bid\s*=", attributes):
            return match.group(0)
        slug = heading_slug(content)
        seen[slug] = seen.get(slug, 0) + 1
        unique = slug if seen[slug] == 1 else f"{slug}-{seen[slug]}"
        return f'<h{level}{attributes} id="{unique}">{content}</h{level}>'

    return _HEADING_ELEMENT.sub(add, html)


@cache
def style_sheet() -> str:
    """The shared style sheet, inlined into every page."""
    return STYLE_SHEET.read_text(encoding="utf-8")


_exporter_lock = threading.Lock()
_exporter_instance: Any = None


def _exporter() -> Any:
    # One exporter for the process, built once: building it loads and compiles the templates
    # (most of a second). Call only while holding _exporter_lock.
    global _exporter_instance
    if _exporter_instance is None:
        from nbconvert import HTMLExporter
        from nbconvert.exporters import TemplateExporter

        class ReportExporter(HTMLExporter):
            """nbconvert's HTML exporter without its final BeautifulSoup pass.

            That pass gives alt text and keyboard focus to JupyterLab's own markup, which this
            template does not use (it writes the alt text itself), and it parses the whole page
            again: about a quarter of a second per megabyte of report.
            """

            # Typed as nbconvert's TemplateExporter and HTMLExporter type it (text, not a
            # notebook), which nbconvert itself marks as an override of Exporter's signature.
            def from_notebook_node(  # type: ignore[override]
                self, nb: NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
            ) -> tuple[str, dict[str, Any]]:
                return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

        _exporter_instance = ReportExporter(
            template_file=str(REPORT_TEMPLATE),
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            exclude_anchor_links=True,
            # Validate the notebook once, after the preprocessors, instead of after each of
            # the dozen (most of them disabled): the same check, a tenth of the schema passes.
            optimistic_validation=True,
        )
    return _exporter_instance


def prepare_renderer() -> None:
    """Build the exporter and compile its template ahead of the first report.

    The runner calls this in the background while ingest runs, so that the first report
    renders as fast as the others.
    """
    import nbformat

    warm_up = PageContext(title="Warm-up", council="", period_label="")
    render_report(nbformat.v4.new_notebook(), warm_up)


def render_report(notebook: NotebookNode, context: PageContext) -> RenderedReport:
    """Render an executed notebook as a self-contained HTML page for managers.

    Args:
        notebook: The executed notebook.
        context: Title, council, period and the links around the content.

    Returns:
        The HTML, its title, the key messages it displayed and any accessibility warnings.
    """
    view, warnings = manager_view(notebook)
    markdown_has_heading = any(
        cell.get("cell_type") == "markdown" and _MARKDOWN_HEADING.search(str(cell.source))
        for cell in view.cells
    )
    page_title = f"{context.title}: {context.team}" if context.team else context.title
    resources = {
        "csc": {
            "title": context.title,
            "page_title": f"{page_title} - {context.council} - {context.period_label}",
            "insert_title": not markdown_has_heading,
            "context_line": _context_line(context),
            "index_href": context.index_href,
            "failure": context.failure,
            "footer": _footer_line(context),
            "missing_alt": MISSING_ALT,
            "css": style_sheet(),
            "version": __version__,
        }
    }
    # Rendering is pure Python (it holds the interpreter lock), so serialising it costs nothing,
    # and an exporter keeps per-conversion state.
    with _exporter_lock:
        body, _ = _exporter().from_notebook_node(view, resources=resources)
    return RenderedReport(
        html=add_heading_ids(normalise_headings(body)),
        title=context.title,
        key_messages=collect_key_messages(notebook, context.title),
        warnings=warnings,
        scorecard=collect_scorecard(notebook),
    )


def _context_line(context: PageContext) -> str:
    parts = [context.council, context.period_label]
    if context.team:
        parts.append(f"team: {context.team}")
    return " · ".join(parts)


def _footer_line(context: PageContext) -> str:
    suppression = (
        "Counts of 1 to 5 are suppressed (shown as c)."
        if context.suppressed
        else "Small numbers are not suppressed: for use within the service only."
    )
    made = f"Produced by csc-metrics {__version__}"
    made += f" on {context.generated}." if context.generated else "."
    return f"{made} {suppression}"


def failure_notice(label: str, describe: str) -> str:
    """The text shown at the top of a report whose notebook failed."""
    return (
        f"This report did not finish: {label} stopped at {describe}. "
        "Everything after that point is missing."
    )


def render_page(template: str, **values: Any) -> str:
    """One of the run's own pages (the landing page, the history page) from its template.

    Args:
        template: The template's file name in ``templates/``.
        **values: What the template reads besides ``css`` (the style sheet) and ``version``.

    Returns:
        The HTML document.
    """
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template(template).render(
        css=style_sheet(), version=__version__, **values
    )
