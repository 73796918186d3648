"""PDF copies of the reports and an A4 committee summary (``csc-metrics run --pdf``).

The PDFs are printed by headless Chromium, the browser the project already installs for its
browser tests (``make browser``), from the same self-contained HTML the run publishes: what a
committee reads on paper is what a manager reads on screen. Chromium honours the print style
sheet this module adds: A4 pages, the report's title, council and period at the top of every
page and ``Page n of N`` at the bottom (CSS page-margin boxes), and no chart, table row or
key message split across a page. Without Chromium the run says so and publishes the HTML.
"""

from __future__ import annotations

import html
import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from csc_metrics.report.render import style_sheet

logger = logging.getLogger(__name__)

#: Where the PDFs go inside a period's folder.
PDF_FOLDER = "pdf"
COMMITTEE_SUMMARY = "committee-summary"
#: Environment variable naming the Chromium to use, before the usual names on PATH.
CHROMIUM_ENV = "CSC_METRICS_CHROMIUM"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Seconds one page may take to print.
PRINT_TIMEOUT = 180
#: The overview's sections the committee summary takes, by heading id.
SUMMARY_SECTIONS = ("key-messages", "scorecard", "the-most-pressing-trends")

NO_CHROMIUM = (
    "--pdf: no Chromium found (looked for ${env} and {names} on PATH), so no PDF was written; "
    "the HTML reports are published as usual. Install Debian's chromium (`make browser`) or "
    "name the browser in ${env}."
)

_H2 = re.compile(r"<h2\b[^>]*\bid=\"([^\"]+)\"[^>]*>", re.IGNORECASE)
_MAIN = re.compile(r"<main\b[^>]*>(.*)</main>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class PrintJob:
    """One HTML page to print: the page, the PDF, and the running head of every page."""

    page: Path
    pdf: Path
    title: str
    date: str = ""


def find_chromium() -> str | None:
    """The Chromium to print with: ``$CSC_METRICS_CHROMIUM``, else the first on PATH."""
    named = os.environ.get(CHROMIUM_ENV)
    if named:
        return named if Path(named).is_file() else shutil.which(named)
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def print_style(title: str, date: str = "") -> str:
    """The print style sheet: A4, title and date on every page, page numbers, nothing split."""
    return (
        '<style media="print">\n'
        "@page { size: A4; margin: 18mm 14mm 16mm 14mm;\n"
        f"  @top-left {{ content: {_css_string(title)}; font-size: 8.5pt; color: #505a5f; }}\n"
        f"  @top-right {{ content: {_css_string(date)}; font-size: 8.5pt; color: #505a5f; }}\n"
        '  @bottom-right { content: "Page " counter(page) " of " counter(pages); '
        "font-size: 8.5pt; color: #505a5f; }\n}\n"
        "body { font-size: 10.5pt; }\n"
        "main { max-width: none; padding: 0; }\n"
        ".skip-link, .table-download, .landing-details, details:not([open]) { display: none; }\n"
        "figure, table, tr, img, svg, .key-messages li, .chart-empty { break-inside: avoid; }\n"
        "h1, h2, h3 { break-after: avoid; }\n"
        "figure img { max-height: 120mm; width: auto; }\n"
        "</style>"
    )


def printable(document: str, title: str, date: str = "") -> str:
    """A report's HTML with the print style sheet added at the end of its head."""
    return document.replace("</head>", print_style(title, date) + "</head>", 1)


def print_pdf(chromium: str, job: PrintJob) -> None:
    """Print one page to PDF with headless Chromium (the page's own folder stays as it is).

    Raises:
        RuntimeError: If Chromium fails or writes nothing; the message says which page.
    """
    job.pdf.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="csc-metrics-print-") as work:
        copy = Path(work) / "page.html"
        copy.write_text(
            printable(job.page.read_text("utf-8"), job.title, job.date), encoding="utf-8"
        )
        command = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            f"--user-data-dir={Path(work) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={job.pdf}",
            copy.as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=PRINT_TIMEOUT, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            raise RuntimeError(f"printing {job.page.name} to PDF failed: {error}") from None
    if done.returncode != 0 or not job.pdf.is_file() or job.pdf.stat().st_size == 0:
        raise RuntimeError(
            f"printing {job.page.name} to PDF failed: Chromium exited {done.returncode}"
        )


def sections(document: str, wanted: Sequence[str]) -> str:
    """The ``<h2>`` sections of a report with the given heading ids, in the report's order.

    Args:
        document: A rendered report (``render.add_heading_ids`` gave its headings ids).
        wanted: The ids.

    Returns:
        The sections' HTML, each from its heading to the next ``<h2>``.
    """
    match = _MAIN.search(document)
    body = match.group(1) if match else document
    starts = [(m.start(), m.group(1)) for m in _H2.finditer(body)]
    parts = []
    for index, (start, name) in enumerate(starts):
        if name in wanted:
            end = starts[index + 1][0] if index + 1 < len(starts) else len(body)
            parts.append(body[start:end])
    return "\n".join(parts)


def committee_summary_html(overview: str, council: str, period: str, generated: str) -> str:
    """The A4 committee summary: the overview's key messages, scorecard and pressing trends.

    Args:
        overview: The rendered overview report.
        council: The council's name (and code).
        period: The period in words.
        generated: When the run was made, in words.

    Returns:
        A self-contained HTML document.
    """
    content = sections(overview, SUMMARY_SECTIONS)
    title = f"Committee summary: {period}"
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)} - {html.escape(council)}</title>\n"
        f"<style>\n{style_sheet()}\n</style>\n</head>\n<body>\n"
        f'<main id="main-content">\n<h1>{html.escape(title)}</h1>\n'
        f'<p class="report-context">{html.escape(council)} · {html.escape(period)} · '
        f"produced {html.escape(generated)}</p>\n{content}\n</main>\n</body>\n</html>\n"
    )


def write_pdfs(
    build: Path,
    reports: Sequence[tuple[str, str]],
    council: str,
    period: str,
    generated: str,
    jobs: int = 2,
) -> list[str]:
    """Write ``<build>/pdf/<report>.pdf`` for each report and the committee summary.

    Args:
        build: The period's build folder.
        reports: ``(page, title)`` of each report to print, the overview first.
        council: The council's name, for the running head.
        period: The period in words.
        generated: When the run was made, in words.
        jobs: Pages printed at once.

    Returns:
        Problems, as sentences for the log and the landing page (empty when all went well).
    """
    chromium = find_chromium()
    if chromium is None:
        return [
            NO_CHROMIUM.replace("{env}", CHROMIUM_ENV).replace("{names}", ", ".join(CHROMIUM_NAMES))
        ]
    folder = build / PDF_FOLDER
    date = f"Produced {generated}"
    print_jobs = [
        PrintJob(
            build / page, folder / f"{Path(page).stem}.pdf", f"{title} · {council} · {period}", date
        )
        for page, title in reports
    ]
    overview = next((build / page for page, _ in reports if "overview" in page), None)
    if overview is not None and overview.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        summary_page = folder / f".{COMMITTEE_SUMMARY}.html"
        summary_page.write_text(
            committee_summary_html(overview.read_text("utf-8"), council, period, generated),
            encoding="utf-8",
        )
        title = f"Committee summary · {council} · {period}"
        summary_pdf = folder / f"{COMMITTEE_SUMMARY}.pdf"
        print_jobs.insert(0, PrintJob(summary_page, summary_pdf, title, date))
    problems = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(print_pdf, chromium, job) for job in print_jobs]
        for future in futures:
            try:
                future.result()
            except RuntimeError as error:
                problems.append(str(error))
    for leftover in folder.glob(".*.html"):
        leftover.unlink()
    return problems


def pdf_links(build: Path) -> list[tuple[str, str]]:
    """The PDFs of a build as ``(href, label)``, the committee summary first."""
    folder = Path(build) / PDF_FOLDER
    found = sorted(folder.glob("*.pdf")) if folder.is_dir() else []
    found.sort(key=lambda p: p.stem != COMMITTEE_SUMMARY)
    return [
        (
            f"{PDF_FOLDER}/{p.name}",
            "Committee summary (A4)"
            if p.stem == COMMITTEE_SUMMARY
            else p.stem.split("_", 1)[-1].replace("_", " ").capitalize(),
        )
        for p in found
    ]
