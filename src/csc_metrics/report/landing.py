"""The landing page of a run (``index.html``): what ran, on what, what it found, and links.

``landing_page`` gathers it from the run's facts and outcomes (``outcomes.py``), the same ones
``manifest.json`` is written from; ``write_landing_page`` renders it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from csc_metrics import storage
from csc_metrics.dates import format_date, period_label
from csc_metrics.fingerprints import inputs_fingerprint
from csc_metrics.quality import summarise_issues
from csc_metrics.report.outcomes import NotebookOutcome, RunFacts
from csc_metrics.report.render import KeyMessages, normalise_headings, render_page
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

#: Key messages the landing page lists (the rest are in the reports).
TOP_MESSAGES = 5

#: The section of a report that holds its key messages (``render.heading_slug("Key messages")``).
KEY_MESSAGES_ANCHOR = "key-messages"

# A sentence ends at a full stop, question or exclamation mark followed by a capital letter.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")

#: How the processed data came to be, as the landing page says it (``RunFacts.ingest_status``).
INGEST_DESCRIPTIONS = {
    "fresh": "run",
    "reused": "not run: processed data up to date with the raw files (--fresh-ingest forces it)",
    "skipped": "skipped: processed data reused (--skip-ingest)",
}


@dataclass(frozen=True)
class ReportLink:
    """One report on the landing page, with its single most important message.

    Attributes:
        title: The report's title.
        href: The page, relative to the landing page.
        status: ``succeeded``, ``failed`` or ``no data``.
        team: The team of a team page.
        failure: What went wrong, for a failed report.
        message: The first sentence of the report's first key message, if any.
        no_data: For a report not run for want of data, what it needs and why there are none.
    """

    title: str
    href: str
    status: str
    team: str | None = None
    failure: str | None = None
    message: str | None = None
    no_data: str | None = None


@dataclass(frozen=True)
class LandingMessage:
    """A key message on the landing page and the section of the report that shows it."""

    text: str
    href: str
    report: str


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
    coverage: str
    run_date: str
    suppress: bool
    reports: list[ReportLink]
    team_reports: list[ReportLink]
    key_messages: list[LandingMessage]
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
    pdfs: list[tuple[str, str]] = field(default_factory=list)


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


def first_sentence(text: str) -> str:
    """The first sentence of a message (``"A: 24%. This is..."`` gives ``"A: 24%."``)."""
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0]


def _messages(outcome: NotebookOutcome) -> list[str]:
    return [m for bundle in outcome.key_messages for m in bundle.messages]


def _without_team(text: str, team: str | None) -> str:
    """A team page's message without the team's name in front (the link already says it)."""
    if team and text.startswith(f"{team}, "):
        rest = text[len(team) + 2 :]
        return rest[:1].upper() + rest[1:]
    return text


def _link(outcome: NotebookOutcome) -> ReportLink:
    messages = [_without_team(m, outcome.job.team) for m in _messages(outcome)]
    return ReportLink(
        title=outcome.title,
        href=outcome.report,
        status=outcome.status,
        team=outcome.job.team,
        failure=outcome.failure.describe() if outcome.failure else None,
        message=first_sentence(messages[0]) if messages else None,
        no_data=outcome.no_data,
    )


def rank_key_messages(candidates: list[LandingMessage]) -> list[LandingMessage]:
    """Order the key messages for the landing page, most pressing first.

    The one place the landing page takes its ranking from. The candidates come with the
    overview's messages first, already in the documented severity order
    (``ranking.ranked_messages``: SPC signal strength, relative gap, missed target, over
    every headline indicator), then each area report's further messages; that order is kept.

    Args:
        candidates: Every report's key messages, deduplicated, the overview's first.

    Returns:
        The messages in the order to show them.
    """
    return list(candidates)


def top_key_messages(
    outcomes: list[NotebookOutcome], limit: int = TOP_MESSAGES
) -> list[LandingMessage]:
    """The landing page's key messages: every report's, deduplicated, ranked, the first few.

    Each links to the key messages of the area report that shows it (a message the overview
    repeats from an area report links to that report), else to its own report's.

    Args:
        outcomes: The suite's notebooks (team pages are left out by the caller).
        limit: How many to keep.

    Returns:
        At most ``limit`` messages, each with the link to its section.
    """
    overview = [o for o in outcomes if "overview" in o.job.source.stem.lower()]
    others = [o for o in outcomes if o not in overview]
    shown_in: dict[str, str] = {}
    for outcome in others:
        for text in _messages(outcome):
            shown_in.setdefault(text, outcome.report)
    seen: set[str] = set()
    candidates = []
    for outcome in overview + others:
        for text in _messages(outcome):
            if text in seen:
                continue
            seen.add(text)
            report = shown_in.get(text, outcome.report)
            href = f"{report}#{KEY_MESSAGES_ANCHOR}"
            candidates.append(LandingMessage(text=text, href=href, report=report))
    return rank_key_messages(candidates)[:limit]


def coverage_line(processed: Path) -> str:
    """What the data cover, in one phrase, from the processed folder's manifest.

    Args:
        processed: The processed folder ingest wrote.

    Returns:
        ``SSDA903 returns 2020-21 to 2024-25``, or an empty string without a manifest.
    """
    try:
        manifest = json.loads((Path(processed) / storage.MANIFEST_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return ""
    years = sorted(int(y) for y in manifest.get("collection_years") or [])
    if not years:
        return ""

    def label(year: int) -> str:
        return f"{year - 1}-{str(year)[-2:]}"

    span = label(years[0]) if len(years) == 1 else f"{label(years[0])} to {label(years[-1])}"
    return f"SSDA903 returns {span}"


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


def notebooks_run_words(outcomes: list[NotebookOutcome]) -> str:
    """How the reports were made: executed now, or re-used from the last run on the same inputs.

    Args:
        outcomes: What each notebook produced.

    Returns:
        ``all 7 executed``, or ``2 executed; 5 re-used from the last run ...``.
    """
    reused = sum(o.reused for o in outcomes)
    executed = sum(not o.reused and not o.no_data for o in outcomes)
    if not reused:
        return f"all {executed} executed" if executed > 1 else f"{executed} executed"
    return (
        f"{executed} executed; {reused} re-used from the last run, whose notebook, parameters, "
        "processed data and code were the same (--fresh-ingest executes every one)"
    )


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
        # What each dataset covers and which stops before the period (the reports' context-line
        # words), else the collection years from the ingest manifest.
        coverage=facts.data_coverage or coverage_line(config.processed_dir),
        run_date=format_date(facts.started_at, "time"),
        suppress=config.suppress,
        reports=[_link(o) for o in suite],
        team_reports=[_link(o) for o in teams],
        key_messages=top_key_messages(suite),
        failures=[o.failure_line() for o in outcomes if not o.succeeded],
        data_quality=summarise_data_quality(config.processed_dir, config.suppress),
        inputs=facts.inputs,
        inputs_fingerprint=inputs_fingerprint(facts.inputs),
        parameters=[*_parameter_rows(facts), ("Notebooks", notebooks_run_words(outcomes))],
        git_commit=facts.commit,
        published=facts.published(outcomes),
        data_quality_href=quality,
        privacy_problems=facts.findings,
        warnings=[f"{o.job.label}: {w}" for o in outcomes for w in o.warnings],
    )


def render_landing_page(page: LandingPage) -> str:
    """Render the landing page as a self-contained HTML document."""
    return normalise_headings(render_page(LANDING_TEMPLATE, page=page))


def write_landing_page(page: LandingPage, path: Path) -> Path:
    """Write the landing page to ``path`` (``index.html``)."""
    path.write_text(render_landing_page(page), encoding="utf-8")
    return path
