"""Leaving-care teams' own outcomes: Annex A List 9 joined to OC3 by the pseudonymised child id."""

from __future__ import annotations

import pandas as pd
import pytest

from csc_metrics.indicators.leaving_care_teams import (
    SERVICE,
    care_leaver_allocations,
    team_care_leaver_outcomes,
)

R = pd.Timestamp("2025-03-31")


@pytest.fixture
def list_9() -> pd.DataFrame:
    """Processed caseload cases: List 9 rows (CARE_LEAVER) and one CLA row."""
    rows = [
        # snapshot, child, case type, team, personal adviser
        ("2025-03-31", "c1", "CARE_LEAVER", "Team A", "PA1"),
        ("2025-03-31", "c2", "CARE_LEAVER", "Team A", "PA1"),
        ("2025-03-31", "c3", "CARE_LEAVER", "Team A", "PA2"),
        ("2025-03-31", "c4", "CARE_LEAVER", "Team B", "PA3"),
        # An earlier snapshot: c5's allocation then is not the current one.
        ("2024-12-31", "c5", "CARE_LEAVER", "Team B", "PA3"),
        # Not a care leaver's row.
        ("2025-03-31", "c6", "CLA", "Team A", "SW1"),
        # A snapshot after the reference date is not used.
        ("2025-06-30", "c1", "CARE_LEAVER", "Team B", "PA3"),
    ]
    frame = pd.DataFrame(
        rows, columns=["snapshot_date", "child_id", "case_type", "team", "worker_id"]
    )
    return frame.assign(snapshot_date=pd.to_datetime(frame["snapshot_date"]))


@pytest.fixture
def oc3_cohort() -> pd.DataFrame:
    """care_leaver_cohort's columns the join uses, one row per young person."""
    rows = [
        # child, band, counted, eet, in touch, suitable accommodation
        ("c1", "19_21", True, True, True, True),
        ("c2", "19_21", True, False, True, False),
        ("c3", "17_18", True, True, True, True),
        ("c4", "19_21", True, False, False, True),
        # On no List 9: in the service's figures only.
        ("c7", "19_21", True, True, True, True),
        # Died: left out of every denominator (counted false).
        ("c8", "19_21", False, False, False, False),
    ]
    return pd.DataFrame(
        rows,
        columns=["child_id", "band", "counted", "eet", "in_touch_yes", "suitable_accommodation"],
    )


def test_allocations_are_the_list_9_rows_of_the_latest_snapshot_up_to_the_date(list_9):
    allocations = care_leaver_allocations(list_9, R)
    assert allocations.to_dict("records") == [
        {"child_id": "c1", "team": "Team A", "worker_id": "PA1"},
        {"child_id": "c2", "team": "Team A", "worker_id": "PA1"},
        {"child_id": "c3", "team": "Team A", "worker_id": "PA2"},
        {"child_id": "c4", "team": "Team B", "worker_id": "PA3"},
    ]


def test_without_list_9_rows_there_are_no_allocations(list_9):
    assert care_leaver_allocations(list_9, pd.Timestamp("2024-06-30")).empty


def test_each_team_gets_its_own_young_peoples_outcomes_beside_the_service(list_9, oc3_cohort):
    outcomes = team_care_leaver_outcomes(oc3_cohort, care_leaver_allocations(list_9, R))
    got = {
        (r.team, r.band, r.measure): (r.numerator, r.denominator, r.value)
        for r in outcomes.itertuples(index=False)
    }
    # Team A, 19-21: c1 and c2. EET 1 of 2, in touch 2 of 2, suitable accommodation 1 of 2.
    assert got[("Team A", "19_21", "eet")] == (1, 2, 50.0)
    assert got[("Team A", "19_21", "in_touch")] == (2, 2, 100.0)
    assert got[("Team A", "19_21", "suitable_accommodation")] == (1, 2, 50.0)
    # Team A, 17-18: c3 alone.
    assert got[("Team A", "17_18", "eet")] == (1, 1, 100.0)
    # Team B, 19-21: c4 (c5 was Team B's only in an earlier snapshot and is not in OC3).
    assert got[("Team B", "19_21", "eet")] == (0, 1, 0.0)
    assert got[("Team B", "19_21", "suitable_accommodation")] == (1, 1, 100.0)
    # The service, 19-21: c1, c2, c4 and c7 (no List 9 row); c8 died and is not counted.
    # EET c1, c7: 2 of 4; in touch c1, c2, c7: 3 of 4; suitable c1, c4, c7: 3 of 4.
    assert got[(SERVICE, "19_21", "eet")] == (2, 4, 50.0)
    assert got[(SERVICE, "19_21", "in_touch")] == (3, 4, 75.0)
    assert got[(SERVICE, "19_21", "suitable_accommodation")] == (3, 4, 75.0)


def test_teams_come_first_in_name_order_and_the_service_last(list_9, oc3_cohort):
    outcomes = team_care_leaver_outcomes(oc3_cohort, care_leaver_allocations(list_9, R))
    assert list(dict.fromkeys(outcomes["team"])) == ["Team A", "Team B", SERVICE]
