"""The history page (``reports/index.html``): every published period, newest first.

Each run keeps its compact scorecard as ``scorecard.json`` in the period's folder; after
publishing, the run rewrites ``reports/index.html`` from those files (atomically: a temporary
file renamed over the old one) and, with ``--keep N``, removes the oldest periods. Only folders
csc-metrics marked as its own are ever listed or removed (``is_own_report_folder``).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from csc_metrics.folders import marker_kind
from csc_metrics.report.render import add_heading_ids, normalise_headings, render_page

logger = logging.getLogger(__name__)

#: The ownership marker's kind of a published period (``folders.FOLDER_KINDS``).
REPORT_PERIOD = "report-period"
#: The compact scorecard of a period, in its folder.
SCORECARD_FILE = "scorecard.json"
HISTORY_TEMPLATE = "history.html.j2"
HISTORY_PAGE = "index.html"
#: A period's folder: its quarter end, and ``_team-<slug>`` for a one-team run.
_PERIOD_FOLDER = re.compile(r"^(\d{4}-\d{2}-\d{2})(_team-[a-z0-9-]+)?$")


def is_own_report_folder(folder: Path) -> bool:
    """Whether csc-metrics published this folder (so it may list it, and prune it).

    The one place that decides: a folder is csc-metrics' own when its ownership marker
    (``folders.write_marker``) says it is a published report period. A period published before
    markers existed counts when it holds the run's ``manifest.json`` naming the csc-metrics
    version that wrote it.

    Args:
        folder: A folder under the reports folder.

    Returns:
        True for a folder a run published.
    """
    kind = marker_kind(Path(folder))
    if kind is not None:
        return kind == REPORT_PERIOD
    try:
        manifest = json.loads((Path(folder) / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and "csc_metrics_version" in manifest


@dataclass(frozen=True)
class PublishedPeriod:
    """One published period on the history page."""

    folder: str
    period_end: str
    team: str | None
    label: str
    scorecard: dict[str, Any] | None


def write_period_scorecard(build: Path, record: dict[str, Any]) -> Path:
    """Write a period's scorecard (and what it is of) to ``<build>/scorecard.json``."""
    path = Path(build) / SCORECARD_FILE
    path.write_text(json.dumps(record, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def published_periods(out: Path) -> list[PublishedPeriod]:
    """Every period folder csc-metrics published under ``out``, newest first.

    Args:
        out: The reports folder.

    Returns:
        The periods; for one quarter end the council's folder comes before one-team folders.
    """
    found = []
    for folder in Path(out).iterdir() if Path(out).is_dir() else []:
        match = _PERIOD_FOLDER.match(folder.name)
        if not match or not folder.is_dir() or not is_own_report_folder(folder):
            continue
        try:
            record = json.loads((folder / SCORECARD_FILE).read_text("utf-8"))
        except (OSError, ValueError):
            record = {}
        found.append(
            PublishedPeriod(
                folder=folder.name,
                period_end=match.group(1),
                team=record.get("team"),
                label=str(record.get("period_label") or match.group(1)),
                scorecard=record.get("scorecard"),
            )
        )
    found.sort(key=lambda p: (p.period_end, p.team is None, p.folder), reverse=True)
    return found


def prune_periods(out: Path, keep: int | None) -> list[Path]:
    """Remove the published periods older than the ``keep`` newest quarter ends.

    Only folders ``is_own_report_folder`` accepts are removed; anything else in the reports
    folder is left alone. Call only while holding the reports folder's lock.

    Args:
        out: The reports folder.
        keep: How many quarter ends to keep (None: all).

    Returns:
        The folders removed.
    """
    if keep is None:
        return []
    periods = published_periods(out)
    kept = sorted({p.period_end for p in periods}, reverse=True)[:keep]
    removed = []
    for period in periods:
        if period.period_end not in kept:
            folder = Path(out) / period.folder
            shutil.rmtree(folder)
            removed.append(folder)
            logger.info("--keep %d: removed the published period %s", keep, folder.name)
    return removed


def render_history_page(periods: list[PublishedPeriod], council: str) -> str:
    """The history page as a self-contained HTML document."""
    html = render_page(HISTORY_TEMPLATE, periods=periods, council=council)
    return add_heading_ids(normalise_headings(html))


def write_history_page(out: Path, council: str) -> Path:
    """Rewrite ``<out>/index.html`` from the published periods, atomically.

    The page is written to a temporary file beside it and renamed over the old one, so a
    reader never sees half a page.

    Args:
        out: The reports folder.
        council: The council's name for the title.

    Returns:
        The page's path.
    """
    out = Path(out)
    page = out / HISTORY_PAGE
    html = render_history_page(published_periods(out), council)
    handle, temporary = tempfile.mkstemp(prefix=".index.", suffix=".html.tmp", dir=out)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(html)
        umask = os.umask(0)
        os.umask(umask)
        Path(temporary).chmod(0o666 & ~umask)
        Path(temporary).replace(page)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return page
