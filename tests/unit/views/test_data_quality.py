"""The data quality report: completeness, snapshot coverage and issue counts, by hand."""

from __future__ import annotations

import pandas as pd
import pytest
from indicators_fixtures import child, episode, make_data
from views_fixtures import cases, context, workers

from csc_metrics.quality import DataQualityLog
from csc_metrics.views import data_quality


def header_with_ethnicity(codes: dict[int, list[str | None]]):
    """Header rows per collection year, one per code (None: blank)."""
    rows = [
        {**child(f"C{year}-{n}", "2012-01-01"), "ethnic": code, "collection_year": year}
        for year, year_codes in codes.items()
        for n, code in enumerate(year_codes)
    ]
    return rows


@pytest.fixture
def data():
    # Ethnicity: 2023, 1 blank of 5 (20%); 2024, none of 3, counting the two children with
    # episodes (which run to February 2024), one recorded in each year.
    header = header_with_ethnicity({2023: ["WBRI", None, "MWBC", "WBRI"], 2024: ["WBRI", "APKN"]})
    header += [
        {**child("E1", "2010-01-01"), "ethnic": "WBRI", "collection_year": 2023},
        {**child("E2", "2010-01-01"), "ethnic": "WBRI"},
    ]
    return make_data(
        [
            episode("E1", "2022-05-01", "2022-09-01", collection_year=2023),
            episode("E2", "2023-05-01", "2024-02-01"),
        ],
        header=header,
    )


def test_completeness_counts_blanks_by_collection_year(data):
    frame = data_quality.completeness(context(data=data))
    ethnic = frame[frame["name"] == "Ethnicity (ETHNIC)"].set_index("year")
    assert ethnic[["records", "blank", "blank_pct"]].to_dict("index") == {
        2023: {"records": 5, "blank": 1, "blank_pct": 20.0},
        2024: {"records": 3, "blank": 0, "blank_pct": 0.0},
    }


def test_a_key_field_often_blank_in_the_latest_return_is_a_key_message(data):
    # In the 2023-24 return, home postcode is blank on 1 of the 1 episodes kept from it.
    data.episodes.loc[data.episodes["child_id"] == "E2", "home_post"] = None
    messages = data_quality.completeness_messages(context(data=data))
    assert messages == [
        "Home postcode (HOME_POST) is blank for 100% of episodes in the 2023-24 return (1 of 1)."
    ]


def test_a_complete_latest_return_says_so(data):
    assert data_quality.completeness_messages(context(data=data)) == [
        "Every key field checked is at least 95% complete in the 2023-24 return."
    ]


def test_a_missing_quarter_end_between_snapshots_is_named(data):
    snapshots = ["2023-06-30", "2023-12-31", "2024-03-31"]
    data.cases = pd.concat([cases(s, [("A", "North", "W1", "CLA")]) for s in snapshots])
    data.workforce = pd.concat([workers(s, [("W1", "North", 1.0)]) for s in snapshots])
    ctx = context(data=data)
    assert data_quality.snapshot_messages(ctx) == [
        "Caseload snapshots from 30 June 2023 to 31 March 2024 miss these quarter ends, so "
        "caseload trends have gaps: 30 September 2023."
    ]
    table = data_quality.snapshot_table(ctx).data
    assert table["Snapshot"].tolist()[1] == "30 September 2023"
    assert table["Note"].tolist()[1] == "No snapshot for this quarter end"


def issues_data(data, warnings: int):
    log = DataQualityLog()
    for row in range(warnings):
        log.add(
            dataset="ssda903",
            table="episodes",
            file="ssda903/2024/episodes.csv",
            row=row + 2,
            rule="invalid_code",
            severity="warning",
            message="PLACE is not a code of this column; left blank",
        )
    log.add(
        dataset="ssda903",
        table="header",
        file="ssda903/2024/header.csv",
        rule="repeated_in_later_file",
        severity="info",
        message="repeated",
    )
    data.dq_issues = log.to_frame()
    return data


def test_the_most_frequent_warning_is_named_with_its_meaning(data):
    messages = data_quality.rule_messages(context(data=issues_data(data, 7)))
    assert messages == [
        "The most frequent warning: the value is not a code of this column; left blank "
        "(7 times, rule invalid_code in ssda903 episodes)."
    ]


def test_issue_counts_of_1_to_5_are_hidden_in_the_summary_when_suppressing(data):
    message = data_quality.summary_message(context(data=issues_data(data, 3), suppress=True))
    assert (
        "It found 0 errors (rows left out), fewer than 6 warnings (values changed or used "
        "with caution) and fewer than 6 notes."
    ) in message


def test_issues_are_counted_by_file(data):
    table = data_quality.issues_by_file_table(context(data=issues_data(data, 7))).data
    assert table.set_index("File")[["Errors", "Warnings", "Notes"]].to_dict("index") == {
        "ssda903/2024/episodes.csv": {"Errors": 0, "Warnings": 7, "Notes": 0},
        "ssda903/2024/header.csv": {"Errors": 0, "Warnings": 0, "Notes": 1},
    }


@pytest.mark.parametrize(
    ("rule", "meaning"),
    [
        ("invalid_date", "the value is not a possible date; left blank"),
        ("care_leaver_dob_missing", "an OC3 row with no date of birth, so no age band"),
        ("child_on_several_lists", "child on several lists"),
    ],
)
def test_rule_meanings(rule, meaning):
    assert data_quality.rule_meaning(rule) == meaning


def test_children_whose_carer_began_before_the_data_are_counted_with_the_remedy():
    # X's first episode held is an L on 2023-01-01: the carer began before the data, and after
    # R - 2 years (2022-03-31), so X's stability is unknown (1 child). Y began with an S.
    data = make_data(
        [episode("X", "2023-01-01", rne="L"), episode("Y", "2019-01-01")],
        [child("X", "2012-06-01"), child("Y", "2012-06-01")],
    )
    messages = data_quality.look_back_messages(context(data=data))
    assert len(messages) == 1
    assert messages[0].startswith("For 1 children under 16")
    assert "Supplying earlier returns fixes this" in messages[0]


def test_a_dataset_not_supplied_is_said_in_the_key_messages(data):
    messages = data_quality.coverage_messages(context(data=data))
    assert messages == ["No caseload snapshots were supplied: their indicators are not covered."]
