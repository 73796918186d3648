"""The caseloads report's tables and messages, on a two-team snapshot worked by hand.

Snapshot 31 March 2024:
  North: N1 (FTE 1.0) holds 25 children in care; N2 (FTE 1.0) 10 children in need.
  South: S1 (FTE 0.5) holds 8 child-protection cases; 2 more CP cases are unallocated.
Threshold 20 cases per FTE: N1 (25 > 20) is over; N2 (10) and S1 (8 > 0.5 x 20 = 10? no) are not.
  North: 2 workers, FTE 2.0, 35 cases, 17.5 per FTE, 1 over (50%), 0 unallocated.
  South: 1 worker, FTE 0.5, 8 cases, 16.0 per FTE, 0 over (0%), 2 unallocated.
  All:   3 workers, FTE 2.5, 43 cases, 17.2 per FTE, 1 over (33.3%), 2 unallocated.
"""

from __future__ import annotations

import pandas as pd
import pytest
from indicators_fixtures import episode
from views_fixtures import R, cases, context, metric_row, series_rows, workers

from csc_metrics.indicators import compute_caseload_indicators
from csc_metrics.storage import ProcessedData
from csc_metrics.views import caseload_messages, caseloads

SNAPSHOT = "2024-03-31"


def snapshot_data() -> ProcessedData:
    rows = (
        [(f"N1-{i}", "North", "N1", "CLA") for i in range(25)]
        + [(f"N2-{i}", "North", "N2", "CIN") for i in range(10)]
        + [(f"S1-{i}", "South", "S1", "CP") for i in range(8)]
        + [(f"SU-{i}", "South", None, "CP") for i in range(2)]
    )
    return ProcessedData.from_tables(
        {
            "episodes": pd.DataFrame(
                [
                    episode("Z1", "2015-05-01", "2015-06-01", collection_year=2016),
                    episode("Z2", "2023-05-01", "2024-02-01"),
                ]
            ),
            "cases": cases(SNAPSHOT, rows),
            "workforce": workers(
                SNAPSHOT, [("N1", "North", 1.0), ("N2", "North", 1.0), ("S1", "South", 0.5)]
            ),
        }
    )


@pytest.fixture(scope="module")
def data():
    return snapshot_data()


def snapshot_context(data, team=None, suppress=False, extra=()):
    metrics = compute_caseload_indicators(data, R)
    rows = [*metrics.to_dict("records"), *extra]
    return context(rows, data=data, team=team, suppress=suppress)


def test_team_table_gives_each_team_and_the_service(data):
    table = caseloads.team_table(snapshot_context(data)).data.set_index("Team")
    assert table.loc["North"].tolist() == [2, 2.0, 35, 17.5, 1, 50.0, 0]
    assert table.loc["South"].tolist() == [1, 0.5, 8, 16.0, 0, 0.0, 2]
    assert table.loc["All teams"].tolist() == [3, 2.5, 43, 17.2, 1, 33.3, 2]


def test_a_team_report_shows_only_that_team_beside_the_service(data):
    table = caseloads.team_table(snapshot_context(data, team="South")).data
    assert table["Team"].tolist() == ["South", "All teams"]


def test_the_service_worker_table_lists_only_workers_over_the_threshold(data):
    table = caseloads.worker_table(snapshot_context(data)).data
    assert table["Worker"].tolist() == ["N1"]
    assert table.iloc[0][["Cases", "Cases per FTE", "Over threshold"]].tolist() == [25, 25.0, "Yes"]


def test_a_teams_worker_table_lists_its_workers_only(data):
    table = caseloads.worker_table(snapshot_context(data, team="North")).data
    assert table["Worker"].tolist() == ["N1", "N2"]
    assert "Team" not in table.columns


def test_under_suppression_a_teams_workers_are_bands_not_a_list(data):
    # North: N1 25 per FTE (band 25 to 30), N2 10 per FTE (band 10 to 15); no worker ids.
    table = caseloads.worker_table(snapshot_context(data, team="North", suppress=True))
    assert "Worker" not in table.data.columns and "Cases" not in table.data.columns
    counts = table.data.set_index("Cases per FTE")["Workers"]
    assert counts["25 to 30"] == 1 and counts["10 to 15"] == 1 and counts["Under 10"] == 0
    assert counts["All workers listed"] == 2
    assert table.count_columns == ("Workers",) and table.total_row == "All workers listed"


def test_a_teams_case_mix_hides_the_cells_the_service_table_hides(data):
    # Every team: North CLA 25, CIN 10 (all 35), unallocated 0; South CP 10 (all 10),
    # unallocated 2; all teams unallocated 2. The 2s are small: hidden on the service's table,
    # and so on South's page too (both rows), whatever South's two rows alone would need.
    table = caseloads.unallocated_table(snapshot_context(data, team="South", suppress=True))
    assert table.data["Team"].tolist() == ["South", "All teams"]
    assert table.hidden is not None
    assert table.hidden["Unallocated"].tolist() == [True, True]
    assert not table.hidden.drop(columns="Unallocated").to_numpy().any()


def test_unallocated_cases_by_team_and_case_type(data):
    table = caseloads.unallocated_table(snapshot_context(data)).data.set_index("Team")
    columns = [
        "Children in care",
        "Child protection",
        "Children in need",
        "Care leavers",
        "All open cases",
        "Unallocated",
    ]
    assert table.loc["North", columns].tolist() == [25, 0, 10, 0, 35, 0]
    assert table.loc["South", columns].tolist() == [0, 10, 0, 0, 10, 2]
    assert table.loc["All teams", columns].tolist() == [25, 10, 10, 0, 45, 2]


def test_workers_in_each_caseload_band(data):
    # Case-holding workers' cases per FTE: N1 25, N2 10, S1 16 -> one each in 10-15, 15-20 and
    # 25-30 (each band includes its lower bound).
    table = caseloads.band_table(snapshot_context(data)).data.set_index("Group")
    assert table.loc["All teams"].tolist() == [3, 0, 1, 1, 0, 1, 0]


# --- messages -----------------------------------------------------------------------------------

#: North rises at each of the last seven quarter ends, from 12.5 to 16.0, after four wide swings
#: that widen its limits: mean 170/12 = 14.17, mean moving range (4 + 4 + 4 + 3.5 + 7 x 0.5)/11
#: = 1.73, upper limit 14.17 + 2.66 x 1.73 = 18.76, so 16.0 is inside the limits and the SPC rule
#: of the latest point is the trend (8 points rising). Twelve quarter ends to 31 March 2024 (so
#: no short-series caution): the run starts at the fifth, 30 June 2022.
NORTH = [12.0, 16.0, 12.0, 16.0, 12.5, 13.0, 13.5, 14.0, 14.5, 15.0, 15.5, 16.0]
SOUTH = [15.0, 16.0] * 6


def team_series_context(data, team=None):
    rows = [
        *series_rows("caseload_per_fte", NORTH, breakdown="team", group="North"),
        *series_rows("caseload_per_fte", SOUTH, breakdown="team", group="South"),
        *series_rows("caseload_per_fte", [15.5] * 12),
    ]
    return context(rows, data=data, team=team)


def test_a_team_whose_caseload_rises_steadily_is_named_with_what_happened(data):
    messages = caseload_messages.team_change_messages(team_series_context(data))
    assert messages == [
        "North, cases per case-holding FTE: 16.0 cases per FTE at 31 March 2024. The last eight "
        "quarters form a steady rise: a sustained deterioration, not noise. It was 12.5 at 30 "
        "June 2022."
    ]


def test_a_teams_own_report_leads_with_its_own_change(data):
    messages = caseload_messages.key_messages(team_series_context(data, team="North"))
    assert messages[0].startswith("North, cases per case-holding FTE: 16.0")


def test_a_team_with_more_workers_over_the_threshold_beyond_chance_is_named(data):
    # North 9 of 10 (Wilson 59.6-98.2%) against South 1 of 20 (0.9-23.6%): no overlap.
    rows = [
        metric_row("workers_over_threshold_pct", R, 9, 10, breakdown="team", group="North"),
        metric_row("workers_over_threshold_pct", R, 1, 20, breakdown="team", group="South"),
    ]
    messages = caseload_messages.over_threshold_messages(context(rows, data=data))
    assert messages == [
        "North: 90% of its case-holding workers have more than 20 cases per FTE (9 of 10), "
        "against 5% in the other teams; the 95% intervals do not overlap, so this is unlikely "
        "to be chance."
    ]


def test_a_team_gap_resting_on_small_counts_is_not_a_message_when_suppressing(data):
    # North 5 of 5 against South 0 of 30 is beyond chance, but 5 is a small number.
    rows = [
        metric_row("workers_over_threshold_pct", R, 5, 5, breakdown="team", group="North"),
        metric_row("workers_over_threshold_pct", R, 0, 30, breakdown="team", group="South"),
    ]
    assert caseload_messages.over_threshold_messages(context(rows, data=data)) != []
    assert caseload_messages.over_threshold_messages(context(rows, data=data, suppress=True)) == []


def test_a_teams_report_says_where_it_stands_with_small_counts_hidden(data):
    messages = caseload_messages.team_overview_messages(
        snapshot_context(data, team="South", suppress=True)
    )
    assert messages == [
        "South holds 8 cases with 0.5 case-holding FTE: 16.0 cases per FTE, against 17.2 across "
        "the whole service (snapshot of 31 March 2024).",
        "None of the team's fewer than 6 case-holding workers have more than 20 cases per FTE.",
        "The team has fewer than 6 unallocated cases.",
    ]


def test_the_service_row_is_a_totals_row_only_when_every_team_is_shown(data):
    # In a team's report the service row is not the sum of the rows shown: secondary
    # suppression must not hide it because the team's own counts are small.
    assert caseloads.team_table(snapshot_context(data)).total_row == "All teams"
    assert caseloads.team_table(snapshot_context(data, team="South")).total_row is None


def test_a_team_page_shows_the_cases_with_no_team_recorded(data):
    # Add 7 child-in-need cases with no team and no worker to the snapshot: they belong to no
    # team's page, so North's page shows its own row (35 open, 0 unallocated), the "Team not
    # recorded" row (CIN 7, all 7, unallocated 7) and all teams (CIN 10 + 7 = 17, all 52,
    # unallocated 2 + 7 = 9).
    extra = cases(SNAPSHOT, [(f"X-{i}", None, None, "CIN") for i in range(7)])
    with_blank = ProcessedData.from_tables(
        {
            "episodes": data.episodes,
            "cases": pd.concat([data.cases, extra], ignore_index=True),
            "workforce": data.workforce,
        }
    )
    table = caseloads.unallocated_table(snapshot_context(with_blank, team="North")).data
    assert table["Team"].tolist() == ["North", "Team not recorded", "All teams"]
    rows = table.set_index("Team")
    assert rows.loc[
        "Team not recorded", ["Children in need", "All open cases", "Unallocated"]
    ].tolist() == [7, 7, 7]
    assert rows.loc["All teams", ["All open cases", "Unallocated"]].tolist() == [52, 9]
