"""Data artefacts: the data problems that explain a movement, found from hand-made inputs."""

from __future__ import annotations

import pandas as pd

from csc_metrics.artefacts import (
    affects,
    blank_team_changes,
    describe_problem,
    identical_workforce_files,
    missing_snapshots,
    problems_for,
)


def test_a_workforce_file_identical_to_the_previous_snapshots_is_found():
    inputs = [
        {"path": "caseload/2024-09-30/workforce.csv", "sha256": "aaa"},
        {"path": "caseload/2024-12-31/Workforce.CSV", "sha256": "bbb"},
        {"path": "caseload/2025-03-31/workforce.csv", "sha256": "bbb"},  # same as December
        {"path": "caseload/2025-03-31/cases.csv", "sha256": "bbb"},  # not a workforce file
    ]
    found = identical_workforce_files(inputs)
    assert [(p.date, p.since) for p in found] == [
        (pd.Timestamp("2025-03-31"), pd.Timestamp("2024-12-31"))
    ]
    assert "byte-for-byte the same as the one of 31 December 2024" in describe_problem(found[0])


def test_cases_with_no_team_appearing_or_vanishing_are_found():
    cases = pd.DataFrame(
        {
            "snapshot_date": pd.to_datetime(["2024-12-31"] * 3 + ["2025-03-31"] * 2),
            # December: 2 of 3 cases have no team (one blank, one missing); March: none.
            "team": [None, " ", "North", "North", "South"],
        }
    )
    found = blank_team_changes(cases)
    assert [(p.date, p.before, p.after) for p in found] == [(pd.Timestamp("2025-03-31"), 2, 0)]
    text = describe_problem(found[0])
    assert text.startswith("Cases with no team recorded went from 2 at 31 December 2024 to 0")


def test_a_quarter_end_without_a_snapshot_is_found():
    snapshots = [pd.Timestamp("2024-09-30"), pd.Timestamp("2025-03-31")]
    quarters = list(pd.date_range("2024-06-30", "2025-03-31", freq="QE"))
    # June 2024 is before the first snapshot: not missing. December 2024 is.
    assert [p.date for p in missing_snapshots(snapshots, quarters)] == [pd.Timestamp("2024-12-31")]


def test_each_problem_explains_only_the_indicators_the_reference_table_gives():
    assert affects("identical_workforce_file", "social_worker_turnover_pct")
    assert affects("blank_team_change", "unallocated_cases_count")
    assert not affects("blank_team_change", "placements_3plus_pct")
    cases = pd.DataFrame(
        {"snapshot_date": pd.to_datetime(["2024-12-31", "2025-03-31"]), "team": [None, "North"]}
    )
    found = blank_team_changes(cases)
    assert problems_for(found, "unallocated_cases_count", pd.Timestamp("2025-03-31")) == found
    assert problems_for(found, "unallocated_cases_count", pd.Timestamp("2024-12-31")) == []
    assert problems_for(found, "cla_count", pd.Timestamp("2025-03-31")) == []
