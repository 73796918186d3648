"""The landing page of a run (``index.html``): what ran, on what, what it found, and links."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from csc_metrics import __version__, storage
from csc_metrics.quality import summarise_issues
from csc_metrics.report.render import TEMPLATES, KeyMessages, normalise_headings, style_sheet
from csc_metrics.settings import DEFAULT_SETTINGS

LANDING_TEMPLATE = "landing.html.j2"

#: Severity -> how the landing page describes it.
SEVERITY_LABELS = {
    "error": "Errors (rows that could not be used)",
    "warning": "Warnings (values blanked or corrected, rows kept)",
    "info": "Notes",
}

#: Data-quality rules listed on the landing page.
TOP_RULES = 8

SUPPRESSED = "c"


@dataclass(frozen=True)
class ReportLink:
    """One report on the landing page."""

    title: str
    href: str
    status: str
    team: str | None = None
    failure: str | None = None


@dataclass(frozen=True)
class DataQualitySummary:
    """Counts of data-quality issues by severity, and the most frequent rules.

    Counts are text so that suppressed counts can be shown as ``c``. With suppression on, the
    rules are listed without counts, so a suppressed total cannot be worked out from them.
    """

    by_severity: list[tuple[str, str]]
    top_rules: list[dict[str, str]]
    available: bool = True


@dataclass
class LandingPage:
    """Everything the landing page shows."""

    council: str
    la_code: str
    period_label: str
    run_date: str
    suppress: bool
    reports: list[ReportLink]
    team_reports: list[ReportLink]
    key_messages: list[tuple[str, list[KeyMessages]]]
    failures: list[str]
    data_quality: DataQualitySummary
    inputs: list[dict[str, object]]
    inputs_fingerprint: str
    parameters: list[tuple[str, str]]
    git_commit: str | None
    published: bool
    data_quality_href: str | None = None
    privacy_problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def format_count(count: int, suppress: bool, limit: int = DEFAULT_SETTINGS.suppression_max) -> str:
    """A count as text, ``c`` when suppression is on and the count is from 1 to ``limit``."""
    if suppress and 1 <= count <= limit:
        return SUPPRESSED
    return f"{count:,}"


def summarise_data_quality(processed: Path, suppress: bool) -> DataQualitySummary:
    """Summarise ``dq_issues`` of a processed folder for the landing page.

    Args:
        processed: The processed folder ingest wrote.
        suppress: Whether counts of 1-5 must be suppressed.

    Returns:
        Totals by severity and the most frequent rules (no values, no identifiers).
    """
    if not (Path(processed) / "dq_issues.parquet").exists():
        return DataQualitySummary(by_severity=[], top_rules=[], available=False)
    issues = storage.read_table("dq_issues", processed)
    counts = issues["severity"].value_counts()
    by_severity = [
        (format_count(int(counts.get(severity, 0)), suppress), label)
        for severity, label in SEVERITY_LABELS.items()
    ]
    summary = summarise_issues(issues).head(TOP_RULES)
    top_rules = [
        {
            "severity": str(row.severity),
            "dataset": str(row.dataset),
            "table": str(row.table or ""),
            "rule": str(row.rule),
            "issues": "" if suppress else f"{int(row.issues):,}",
        }
        for row in summary.itertuples(index=False)
    ]
    return DataQualitySummary(by_severity=by_severity, top_rules=top_rules)


def render_landing_page(page: LandingPage) -> str:
    """Render the landing page as a self-contained HTML document."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    template = environment.get_template(LANDING_TEMPLATE)
    html = template.render(page=page, css=style_sheet(), version=__version__)
    return normalise_headings(html)


def write_landing_page(page: LandingPage, path: Path) -> Path:
    """Write the landing page to ``path`` (``index.html``)."""
    path.write_text(render_landing_page(page), encoding="utf-8")
    return path
