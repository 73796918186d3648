"""The disclosure audit (issue 14): an attacker tries to undo suppression on a whole run.

The run is the sample's latest quarter with every team's page (``--per-team``) and
``--suppress``; the attacker (``tests/disclosure_attacker.py``) reads every table of every page,
and the JSON files, and tries each relation of the issue: small counts, totals minus visible
cells, complements, intervals beside hidden counts, the same cell on another page, lists of
workers. It must find nothing there, and must find leaks in the same run without suppression,
so that the audit can fail.
"""

from __future__ import annotations

import pytest
from disclosure_attacker import attack, read_tables


@pytest.mark.slow
def test_the_attacker_recovers_nothing_from_a_suppressed_per_team_run(suppressed_sample_run):
    folder = suppressed_sample_run.published
    assert len(read_tables(folder)) > 20  # it read the pages: service and teams
    # Captions are compared as written: "Every worker in North" and "... in South" are
    # different figures, while a table of every team has the same caption on every page.
    findings = attack(folder, [])
    assert not findings, "\n".join(findings[:40])


@pytest.mark.slow
def test_the_attacker_finds_the_leaks_of_an_unsuppressed_run(default_sample_run):
    findings = attack(default_sample_run.published, [], suppressed=False)
    assert any(f.startswith("primary:") for f in findings)
