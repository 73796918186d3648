"""Data artefacts: the data problems that explain a movement, found from hand-made inputs."""

from __future__ import annotations

import pandas as pd

from csc_metrics.artefacts import (
    DataProblem,
    affects,
    blank_rate_jumps,
    blank_team_changes,
    depends_on,
    describe_problem,
    episode_blank_rates,
    identical_workforce_files,
    missing_snapshots,
    oc3_blank_rates,
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


# --- a field's blank rate jumping -----------------------------------------------------------

DEC, MAR = pd.Timestamp("2024-12-31"), pd.Timestamp("2025-03-31")


def rates(field, dec, mar):
    """Blank counts of one field out of 40 records at each of the two quarter ends."""
    return pd.DataFrame(
        {"field": field, "date": [DEC, MAR], "records": [40, 40], "blank": [dec, mar]}
    )


def test_a_jump_in_a_fields_blank_rate_is_found():
    # OC3 activity blank for 2 of 40 care leavers (5%) in December, 14 of 40 (35%) in March:
    # up 30 points, beyond the 10-point threshold.
    (found,) = blank_rate_jumps(rates("oc3_activity", 2, 14), threshold_pp=10)
    assert (found.problem, found.field, found.date, found.since) == (
        "blank_rate_jump",
        "oc3_activity",
        MAR,
        DEC,
    )
    assert (found.before, found.after) == (5.0, 35.0)
    assert describe_problem(found) == (
        "The share of records with care leavers' activity (OC3 ACTIV) left blank went from 5% "
        "at 31 December 2024 to 35% at 31 March 2025: the movement may come from how the data "
        "were recorded, not a real change; check that field in the return."
    )


def test_a_fall_in_a_blank_rate_is_found_too():
    # 16 of 40 blank (40%) then 2 of 40 (5%): down 35 points, as much a change of recording.
    assert len(blank_rate_jumps(rates("placement_provider", 16, 2), threshold_pp=10)) == 1


def test_a_small_change_in_a_blank_rate_is_not_a_problem():
    # 2 of 40 (5%) then 5 of 40 (12.5%): up 7.5 points, under the 10-point threshold.
    assert blank_rate_jumps(rates("oc3_activity", 2, 5), threshold_pp=10) == []
    # The threshold is a setting: at 5 points the same change is a problem.
    assert len(blank_rate_jumps(rates("oc3_activity", 2, 5), threshold_pp=5)) == 1


def test_a_date_with_no_records_is_not_compared():
    # No care leaver counted in December: nothing to compare March's 35% with.
    table = rates("oc3_activity", 0, 14).assign(records=[0, 40])
    assert blank_rate_jumps(table, threshold_pp=10) == []


def test_a_blank_rate_jump_explains_only_the_indicators_depending_on_the_field():
    jump = DataProblem("blank_rate_jump", MAR, 5.0, 35.0, DEC, "oc3_activity")
    assert depends_on("oc3_activity", "care_leavers_19_21_eet_pct")
    assert problems_for([jump], "care_leavers_19_21_eet_pct", MAR) == [jump]
    # Accommodation is another OC3 field; the children looked after do not use OC3 at all.
    assert problems_for([jump], "care_leavers_19_21_suitable_accommodation_pct", MAR) == []
    assert problems_for([jump], "cla_count", MAR) == []
    # And only at the date it happened.
    assert problems_for([jump], "care_leavers_19_21_eet_pct", DEC) == []


def test_episode_blank_rates_count_the_children_looked_after_at_each_date():
    day = pd.Timestamp
    episodes = pd.DataFrame(
        {
            "decom": [
                day("2024-10-01"),
                day("2024-11-01"),
                day("2025-01-10"),
                day("2024-06-01"),
                day("2024-12-01"),
            ],
            "dec": [pd.NaT, day("2025-02-01"), pd.NaT, day("2024-07-01"), pd.NaT],
            "is_short_break": [False, False, False, False, True],
            "pl_post": ["PR1 1AA", " ", None, "PR2 2BB", ""],
            "home_post": ["LA1 1AA"] * 5,
            "place_provider": ["PR1"] * 5,
        }
    )
    table = episode_blank_rates(episodes, [DEC, MAR]).set_index(["field", "date"])
    # 31 December: episodes 1 and 2 are open (4 ended in July, 3 not yet begun, 5 a short
    # break); episode 2's placement postcode is spaces only: 1 blank of 2.
    assert table.loc[("placement_postcode", DEC)].tolist() == [2, 1]
    # 31 March: episodes 1 and 3 (2 ended in February); 3's postcode is missing: 1 of 2.
    assert table.loc[("placement_postcode", MAR)].tolist() == [2, 1]
    assert table.loc[("home_postcode", MAR)].tolist() == [2, 0]


def test_oc3_blank_rates_count_the_care_leavers_whose_birthday_fell_in_the_12_months():
    oc3 = pd.DataFrame(
        {
            # Birthdays in collection year 2025 (1 April 2024 to 31 March 2025): 10 May 2024,
            # 20 January 2025 and 15 March 2025; and in 2024: 1 February 2024.
            "dob": pd.to_datetime(["2005-05-10", "2004-01-20", "2006-03-15", "2003-02-01"]),
            "collection_year": [2025, 2025, 2025, 2024],
            "activ": ["F1", None, "", "G4"],
            "accom": ["Y"] * 4,
            "in_touch": ["YES"] * 4,
        }
    )
    table = oc3_blank_rates(oc3, [DEC, MAR]).set_index(["field", "date"])
    # 12 months to 31 December 2024: 1 February 2024 and 10 May 2024 (both answered).
    assert table.loc[("oc3_activity", DEC)].tolist() == [2, 0]
    # 12 months to 31 March 2025: 10 May, 20 January (blank) and 15 March (blank): 2 of 3.
    assert table.loc[("oc3_activity", MAR)].tolist() == [3, 2]


def test_every_field_dependency_names_a_known_indicator_and_a_field_measured():
    from importlib.resources import files

    from csc_metrics.artefacts import EPISODE_FIELDS, OC3_FIELDS
    from csc_metrics.catalogue import indicator_ids

    with (files("csc_metrics") / "reference" / "field_dependencies.csv").open() as f:
        table = pd.read_csv(f, dtype=str)
    assert set(table["indicator_id"]) <= set(indicator_ids())
    assert set(table["field"]) == set(EPISODE_FIELDS) | set(OC3_FIELDS)
