"""Which notebooks a run executes, for whom, and in what order.

Every report notebook runs once for the council (or for ``--team``); with ``--per-team`` the
caseload notebook runs again for each team, published under ``teams/``. Jobs start longest
first, by the previous run's timings.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pandas as pd

from csc_metrics.report.config import RunConfig, slugify, team_notebook
from csc_metrics.report.execute import NotebookJob
from csc_metrics.views.parameters import OPTIONAL_PARAMETERS

#: Where the per-team reports are published, under the period's folder.
TEAMS_FOLDER = "teams"


def plan_jobs(
    config: RunConfig,
    notebooks: list[Path],
    period_end: pd.Timestamp,
    team: str | None,
    teams: list[str],
) -> list[NotebookJob]:
    """The notebook jobs of a run.

    Args:
        config: The run's parameters.
        notebooks: The report notebooks, in reading order.
        period_end: The period reported on.
        team: ``--team`` as the data spell it, or None.
        teams: The teams at the period end (for ``--per-team``).

    Returns:
        One job per notebook, then with ``--per-team`` one job per team, each team's report
        named by a slug of the team (``teams/assessment-north``, ``-2`` added for a repeat).
    """
    jobs = [
        NotebookJob(
            source=notebook,
            output_name=notebook.stem,
            parameters=for_notebook(notebook, config.notebook_parameters(period_end, team)),
            team=team,
        )
        for notebook in notebooks
    ]
    if config.per_team:
        per_team = team_notebook(notebooks)
        slugs: dict[str, int] = {}
        for name in teams:
            slug = slugify(name)
            slugs[slug] = slugs.get(slug, 0) + 1
            unique = slug if slugs[slug] == 1 else f"{slug}-{slugs[slug]}"
            jobs.append(
                NotebookJob(
                    source=per_team,
                    output_name=f"{TEAMS_FOLDER}/{unique}",
                    parameters=for_notebook(per_team, config.notebook_parameters(period_end, name)),
                    team=name,
                )
            )
    return jobs


def declared_parameters(notebook: Path) -> set[str]:
    """The names a notebook's ``parameters`` cell assigns (empty if it has none)."""
    content = json.loads(Path(notebook).read_text(encoding="utf-8"))
    names: set[str] = set()
    for cell in content.get("cells", []):
        if cell.get("cell_type") != "code" or "parameters" not in cell.get("metadata", {}).get(
            "tags", []
        ):
            continue
        source = "".join(cell.get("source", []))
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        names |= {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
    return names


def for_notebook(notebook: Path, parameters: dict[str, Any]) -> dict[str, Any]:
    """A notebook's parameters.

    The eight report parameters always; the optional ones (``OPTIONAL_PARAMETERS``: the
    forecast's files, the change points) only where the notebook declares them.
    """
    declared = declared_parameters(notebook)
    return {
        name: value
        for name, value in parameters.items()
        if name not in OPTIONAL_PARAMETERS or name in declared
    }


def longest_first(jobs: list[NotebookJob], durations: dict[str, float]) -> list[NotebookJob]:
    """Order jobs so the longest start first (by last run's times; unknown ones count as long).

    With fewer workers than notebooks, starting the longest first finishes the whole set
    soonest; a notebook without a previous time is started early in case it is long.
    """
    longest = max(durations.values(), default=0.0) + 1.0
    return sorted(jobs, key=lambda job: -durations.get(job.output_name, longest))
