"""The landing page of a run (``index.html``): what ran, on what, what it found, and links.

``landing_page`` gathers it from the run's facts and outcomes (``outcomes.py``), the same ones
``manifest.json`` is written from; ``write_landing_page`` renders it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from csc_metrics import __version__, storage
from csc_metrics.dates import format_date, period_label
from csc_metrics.fingerprints import inputs_fingerprint
from csc_metrics.quality import summarise_issues
from csc_metrics.report.outcomes import NotebookOutcome, RunFacts
from csc_metrics.report.render import TEMPLATES, KeyMessages, normalise_headings, style_sheet
from csc_metrics.suppression import count_text

LANDING_TEMPLATE = "landing.html.j2"

#: Severity -> how the landing page describes it.
SEVERITY_LABELS = {
    "error": "Errors (rows that could not be used)",
    "warning": "Warnings (values blanked or corrected, rows kept)",
    "info": "Notes",
}

#: Data-quality rules listed on the landing page.
TOP_RULES = 8

#: How the processed data came to be, as the landing page says it (``RunFacts.ingest_status``).
INGEST_DESCRIPTIONS = {
    "fresh": "run",
    "reused": "not run: processed data up to date with the raw files (--fresh-ingest forces it)",
    "skipped": "skipped: processed data reused (--skip-ingest)",
}


@dataclass(frozen=True)
class ReportLink:
    """One report on the landing page."""

    title: str
    href: str
    status: str
    team: str | None = None
    failure: str | None = None
    no_data: str | None = None


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
    data_coverage: str = ""


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
        (count_text(int(counts.get(severity, 0)), suppress), label)
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


def _link(outcome: NotebookOutcome) -> ReportLink:
    return ReportLink(
        title=outcome.title,
        href=outcome.report,
        status=outcome.status,
        team=outcome.job.team,
        failure=outcome.failure.describe() if outcome.failure else None,
        no_data=outcome.no_data,
    )


def _parameter_rows(facts: RunFacts) -> list[tuple[str, str]]:
    config, period_end = facts.config, facts.period_end
    return [
        ("Council", f"{config.display_name} ({config.la_code})"),
        ("Period end", period_end.date().isoformat()),
        ("Period end asked for", config.period_end),
        ("Team", facts.team or "all teams"),
        ("Comparator", config.comparator),
        ("Targets file", str(config.targets) if config.targets else "none"),
        ("Forecast scenario file", str(config.scenario) if config.scenario else "none"),
        (
            "Forecast unit costs",
            str(config.costs) if config.costs else "the shipped defaults (assumptions)",
        ),
        ("Suppression of counts 1 to 5", "on" if config.suppress else "off"),
        ("Raw data folder", str(config.raw)),
        ("Processed data folder", str(config.processed_dir)),
        ("Ingest", INGEST_DESCRIPTIONS[facts.ingest_status]),
        ("Notebooks folder", str(config.notebooks_folder)),
        ("Notebooks run at once", str(config.jobs)),
    ]


def unique_key_messages(
    groups: list[tuple[str, list[KeyMessages]]],
) -> list[tuple[str, list[KeyMessages]]]:
    """The reports' key messages with every message shown once, where it first appears.

    The overview repeats the most pressing message of each area, and each area's report
    leads with it too; on the landing page a manager reads it once (in the overview, which
    comes first). A bundle left with no message keeps its heading only if it had none before.

    Args:
        groups: ``(report title, bundles)`` in the order of the suite.

    Returns:
        The same groups, later repeats of a message left out.
    """
    seen: set[str] = set()
    unique = []
    for title, bundles in groups:
        kept = []
        for bundle in bundles:
            messages = tuple(m for m in bundle.messages if m not in seen)
            seen.update(messages)
            if messages or not bundle.messages:
                kept.append(KeyMessages(bundle.title, messages))
        if kept:
            unique.append((title, kept))
    return unique


def landing_page(facts: RunFacts, outcomes: list[NotebookOutcome]) -> LandingPage:
    """Everything the landing page of a run shows.

    Args:
        facts: What the run was.
        outcomes: What each notebook produced; team pages (``teams/...``) are listed apart.

    Returns:
        The page, ready for ``write_landing_page``.
    """
    config = facts.config
    suite = [o for o in outcomes if not o.job.output_name.startswith("teams/")]
    teams = [o for o in outcomes if o.job.output_name.startswith("teams/")]
    quality = next((o.report for o in suite if "quality" in o.job.source.stem.lower()), None)
    team = f", team {facts.team}" if facts.team else ""
    return LandingPage(
        council=config.display_name,
        la_code=config.la_code,
        period_label=period_label(facts.period_end) + team,
        run_date=format_date(facts.started_at, "time"),
        suppress=config.suppress,
        reports=[_link(o) for o in suite],
        team_reports=[_link(o) for o in teams],
        key_messages=unique_key_messages(
            [(o.title, o.key_messages) for o in suite if o.key_messages]
        ),
        failures=[o.failure_line() for o in outcomes if not o.succeeded],
        data_quality=summarise_data_quality(config.processed_dir, config.suppress),
        inputs=facts.inputs,
        inputs_fingerprint=inputs_fingerprint(facts.inputs),
        parameters=_parameter_rows(facts),
        git_commit=facts.commit,
        published=facts.published(outcomes),
        data_quality_href=quality,
        privacy_problems=facts.findings,
        warnings=[f"{o.job.label}: {w}" for o in outcomes for w in o.warnings],
        data_coverage=facts.data_coverage,
    )


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
