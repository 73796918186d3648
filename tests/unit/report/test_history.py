"""The history page lists every published period newest first; --keep prunes only our folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from csc_metrics.report.history import (
    is_own_report_folder,
    prune_periods,
    published_periods,
    write_history_page,
    write_period_scorecard,
)

ROW = {
    "indicator_id": "care_leavers_19_21_eet_pct",
    "label": "Care leavers aged 19-21 in EET",
    "value": "24%",
    "arrow": "↓",
    "change": "5 pts, worse",
    "target": "none",
    "gap": "−30 pts, worse",
    "state": "special cause: concern (low)",
    "sparkline": '<svg class="sparkline" role="img" aria-label="Trend"><title>Trend</title></svg>',
}


def publish(out: Path, name: str, label: str, team: str | None = None) -> Path:
    folder = out / name
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"csc_metrics_version": "0.1.0"}))
    scorecard = {"caption": "Headline", "comparator": "England", "rows": [ROW]}
    write_period_scorecard(
        folder,
        {"period_end": name[:10], "period_label": label, "team": team, "scorecard": scorecard},
    )
    return folder


@pytest.fixture
def out(tmp_path):
    out = tmp_path / "reports"
    publish(out, "2024-12-31", "quarter ending 31 December 2024")
    publish(out, "2025-03-31", "quarter ending 31 March 2025")
    publish(out, "2024-09-30", "quarter ending 30 September 2024")
    # Not ours: a folder named like a period without the run's manifest, and the run's own.
    (out / "2023-03-31").mkdir()
    (out / "_processed").mkdir()
    return out


def test_only_folders_with_the_runs_manifest_are_ours(out):
    assert is_own_report_folder(out / "2025-03-31")
    assert not is_own_report_folder(out / "2023-03-31")


def test_periods_are_listed_newest_first(out):
    assert [p.folder for p in published_periods(out)] == ["2025-03-31", "2024-12-31", "2024-09-30"]


def test_the_history_page_links_every_period_with_its_scorecard(out):
    html = write_history_page(out, "Synthetic county (sample data)").read_text("utf-8")
    links = [html.index(f'href="{p}/index.html"') for p in ("2025-03-31", "2024-12-31")]
    assert links == sorted(links)  # newest first
    assert "2023-03-31" not in html
    assert html.count("<caption>Headline</caption>") == 3
    assert "<td>−30 pts, worse</td>" in html and 'role="img"' in html
    # Written atomically: no temporary file left beside it.
    assert [p.name for p in out.glob(".index.*")] == []


def test_keep_removes_the_oldest_of_our_periods_and_nothing_else(out):
    removed = prune_periods(out, keep=2)
    assert [p.name for p in removed] == ["2024-09-30"]
    assert sorted(p.name for p in out.iterdir()) == [
        "2023-03-31",
        "2024-12-31",
        "2025-03-31",
        "_processed",
    ]


def test_without_keep_nothing_is_removed(out):
    assert prune_periods(out, keep=None) == []
    assert (out / "2024-09-30").is_dir()


def test_the_ownership_marker_decides_when_there_is_one(tmp_path):
    from csc_metrics.folders import write_marker

    ours, other = tmp_path / "2025-03-31", tmp_path / "2024-12-31"
    for folder in (ours, other):
        folder.mkdir()
    write_marker(ours, "report-period")
    # A processed folder's marker, with a run's manifest beside it: still not a report period.
    write_marker(other, "processed")
    (other / "manifest.json").write_text(json.dumps({"csc_metrics_version": "0.1.0"}))
    assert is_own_report_folder(ours) and not is_own_report_folder(other)
