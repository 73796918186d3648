"""Ingesting caseload snapshots: one case per child, teams, workforce rules, cases.csv, history."""

from __future__ import annotations

import pandas as pd
import pytest
from caseload_fixtures import (
    PSEUDONYMISER,
    STANDARD_WORKFORCE,
    new_log,
    pseudonym,
    standard_snapshot,
    write_text,
    write_workbook,
)

from csc_metrics import schemas, storage
from csc_metrics.caseload import ingest_caseload
from csc_metrics.errors import InputError
from csc_metrics.storage import ProcessedData

HEADER = ["Child Unique ID", "Allocated Team", "Allocated Worker"]


def _ingest(caseload_folder, previous=None, log=None):
    return ingest_caseload(caseload_folder, previous, log or new_log(), PSEUDONYMISER)


def _snapshot(raw, sheets, workforce=STANDARD_WORKFORCE, date="2024-03-31"):
    folder = raw / "caseload" / date
    write_workbook(folder / "annex_a.xlsx", sheets)
    if workforce is not None:
        write_text(folder / "workforce.csv", workforce)
    return raw / "caseload"


def _case(tables, child):
    cases = tables["cases"].set_index("child_id")
    return cases.loc[pseudonym(child)]


def _issues(log, rule):
    issues = log.to_frame()
    return issues.loc[issues["rule"] == rule]


# --- Cases -----------------------------------------------------------------------------------


def test_standard_snapshot_gives_one_case_per_child_passing_the_contract(tmp_path):
    tables = _ingest(standard_snapshot(tmp_path))
    schemas.CleanCases.validate(tables["cases"])
    # 29 children are open (see caseload_fixtures), C42 on two lists counted once.
    assert len(tables["cases"]) == 29
    assert tables["cases"]["snapshot_date"].unique().tolist() == [pd.Timestamp("2024-03-31")]


def test_a_child_on_two_lists_is_one_case_typed_by_priority(tmp_path):
    log = new_log()
    tables = _ingest(standard_snapshot(tmp_path), log=log)
    c42 = _case(tables, "C42")  # on List 8 (CLA) and List 6 (CIN), both with W4
    assert (c42["case_type"], c42["case_types_held"]) == ("CLA", "CLA;CIN")
    info = _issues(log, "child_on_several_lists")
    assert info["child_id"].tolist() == [pseudonym("C42")]
    assert info["severity"].tolist() == ["info"]


def test_different_workers_on_two_lists_use_the_priority_lists_worker_with_a_warning(tmp_path):
    sheets = {
        "List 6": [HEADER, ["A", "North", "W1"]],
        "List 7": [HEADER, ["A", "North", "W2"]],
    }
    log = new_log()
    tables = _ingest(_snapshot(tmp_path, sheets), log=log)
    a = _case(tables, "A")
    # CP (List 7) outranks CIN (List 6): the case is CP, held by W2.
    assert (a["case_type"], a["worker_id"], a["case_types_held"]) == ("CP", "W2", "CP;CIN")
    warning = _issues(log, "child_allocated_to_several_workers")
    assert warning[["severity", "value"]].values.tolist() == [["warning", "W2"]]


def test_a_blank_worker_on_the_priority_list_does_not_make_the_case_unallocated(tmp_path):
    sheets = {
        "List 8": [HEADER, ["A", "South", None]],
        "List 6": [HEADER, ["A", "North", "W1"]],
    }
    tables = _ingest(_snapshot(tmp_path, sheets))
    a = _case(tables, "A")
    # Typed CLA by priority, but allocated: W1 from List 6, whose team in workforce.csv is North.
    assert (a["case_type"], a["worker_id"], a["team"]) == ("CLA", "W1", "North")


def test_the_team_of_a_case_is_its_workers_team_in_the_workforce_list(tmp_path):
    tables = _ingest(standard_snapshot(tmp_path))
    assert _case(tables, "C40")["team"] == "South"  # case row says "Old Team"; W4 is South


def test_a_worker_missing_from_the_workforce_list_is_a_warning_and_keeps_the_row_team(tmp_path):
    log = new_log()
    tables = _ingest(standard_snapshot(tmp_path), log=log)
    c90 = _case(tables, "C90")
    assert (c90["worker_id"], c90["team"]) == ("W9", "East")
    warning = _issues(log, "worker_not_in_workforce")
    assert warning[["severity", "value", "row"]].values.tolist() == [["warning", "W9", 16]]


def test_worker_names_match_the_workforce_list_ignoring_capitals_and_spaces(tmp_path):
    sheets = {"List 6": [HEADER, ["A", "Old Team", "jane  SMITH"]]}
    workforce = (
        "worker_id,team,role,fte,agency,start_date,qualified_date\nJane Smith,North,SW,1,0,,\n"
    )
    log = new_log()
    tables = _ingest(_snapshot(tmp_path, sheets, workforce=workforce), log=log)
    a = _case(tables, "A")
    assert (a["worker_id"], a["team"]) == ("Jane Smith", "North")
    assert _issues(log, "worker_not_in_workforce").empty


def test_an_unallocated_case_keeps_its_case_row_team(tmp_path):
    tables = _ingest(standard_snapshot(tmp_path))
    c60 = _case(tables, "C60")
    assert pd.isna(c60["worker_id"]) and c60["team"] == "South"


def test_without_a_workforce_list_teams_come_from_the_case_rows_with_one_warning(tmp_path):
    sheets = {"List 6": [HEADER, ["A", "a) North", "W1"], ["B", "South", "W1"]]}
    log = new_log()
    tables = _ingest(_snapshot(tmp_path, sheets, workforce=None), log=log)
    assert tables["cases"].set_index("child_id")["team"].to_dict() == {
        pseudonym("A"): "North",
        pseudonym("B"): "South",
    }
    assert tables["workforce"].empty
    assert len(_issues(log, "workforce_list_missing")) == 1
    assert _issues(log, "worker_not_in_workforce").empty


# --- cases.csv ---------------------------------------------------------------------------------


def test_cases_csv_is_read_with_case_type_variants_and_allocation_dates(tmp_path):
    folder = tmp_path / "caseload" / "2024-03-31"
    write_text(
        folder / "cases.csv",
        "child_id,case_type,team,worker_id,allocated_date\n"
        "A,care leaver,North,W1,01/02/2024\n"
        "B,LAC,North,W1,2024-01-15\n"
        "C,Child Protection,South,,\n"
        "D,cin,South,W4,\n",
    )
    write_text(folder / "workforce.csv", STANDARD_WORKFORCE)
    tables = _ingest(tmp_path / "caseload")
    cases = tables["cases"].set_index("child_id")
    assert cases.loc[[pseudonym(c) for c in "ABCD"], "case_type"].tolist() == [
        "CARE_LEAVER",
        "CLA",
        "CP",
        "CIN",
    ]
    assert cases.loc[pseudonym("A"), "allocated_date"] == pd.Timestamp("2024-02-01")
    assert cases.loc[pseudonym("B"), "allocated_date"] == pd.Timestamp("2024-01-15")
    assert pd.isna(cases.loc[pseudonym("C"), "worker_id"])


def test_cases_csv_with_an_unknown_case_type_is_an_error_for_that_row_only(tmp_path):
    folder = tmp_path / "caseload" / "2024-03-31"
    write_text(
        folder / "cases.csv",
        "child_id,case_type,team,worker_id,allocated_date\nA,CIN,North,W1,\nB,adoption,North,W1,\n",
    )
    write_text(folder / "workforce.csv", STANDARD_WORKFORCE)
    log = new_log()
    tables = _ingest(tmp_path / "caseload", log=log)
    assert tables["cases"]["child_id"].tolist() == [pseudonym("A")]
    error = _issues(log, "invalid_case_type")
    assert error[["severity", "value", "row"]].values.tolist() == [["error", "adoption", 3]]


def test_cases_csv_missing_a_column_is_refused_naming_it(tmp_path):
    folder = tmp_path / "caseload" / "2024-03-31"
    write_text(folder / "cases.csv", "child_id,team,worker_id\nA,North,W1\n")
    with pytest.raises(InputError, match=r"cases\.csv.*case_type"):
        _ingest(tmp_path / "caseload")


# --- Workforce ---------------------------------------------------------------------------------


def _workforce(tmp_path, text, log=None):
    sheets = {"List 6": [HEADER, ["A", "North", "W1"]]}
    return _ingest(_snapshot(tmp_path, sheets, workforce=text), log=log)["workforce"]


def test_fte_zero_and_missing_are_kept_with_a_warning(tmp_path):
    log = new_log()
    workforce = _workforce(
        tmp_path,
        "worker_id,team,role,fte,agency,start_date,qualified_date\n"
        "W1,North,SW,0,0,,\nW2,North,SW,,0,,\nW3,North,SW,0.8,0,,\n",
        log,
    ).set_index("worker_id")
    assert workforce.loc["W1", "fte"] == 0
    assert pd.isna(workforce.loc["W2", "fte"])
    warnings = _issues(log, "fte_zero_or_missing")
    assert sorted(warnings["row"].tolist()) == [2, 3]
    assert set(warnings["severity"]) == {"warning"}


def test_duplicate_worker_rows_in_one_team_keep_the_last_row_with_a_warning(tmp_path):
    log = new_log()
    workforce = _workforce(
        tmp_path,
        "worker_id,team,role,fte,agency,start_date,qualified_date\n"
        "W1,North,SW,1,0,,\nW1,North,SW,0.6,0,,\n",
        log,
    )
    assert workforce[["worker_id", "fte"]].values.tolist() == [["W1", 0.6]]
    warning = _issues(log, "duplicate_worker")
    assert warning[["severity", "value", "row"]].values.tolist() == [["warning", "W1", 2]]
    assert "merged into row 3" in warning["message"].iloc[0]


def test_duplicate_worker_rows_in_two_teams_adding_to_one_fte_are_a_split_post(tmp_path):
    workforce = _workforce(
        tmp_path,
        "worker_id,team,role,fte,agency,start_date,qualified_date\n"
        "W1,North,SW,0.6,0,,\nW1,South,SW,0.4,0,,\n",
    )
    # 0.6 + 0.4 = 1.0 <= 1: one person's split post, FTE summed, team of the last row.
    assert workforce[["worker_id", "team", "fte"]].values.tolist() == [["W1", "South", 1.0]]


def test_duplicate_worker_rows_in_two_teams_above_one_fte_keep_the_last_row(tmp_path):
    workforce = _workforce(
        tmp_path,
        "worker_id,team,role,fte,agency,start_date,qualified_date\n"
        "W1,North,SW,1,0,,\nW1,South,SW,1,0,,\n",
    )
    # 1 + 1 = 2 > 1: a move of team listed twice, so the last row (South, 1.0) is kept.
    assert workforce[["worker_id", "team", "fte"]].values.tolist() == [["W1", "South", 1.0]]


def test_a_worker_twice_in_two_teams_with_blank_ftes_keeps_the_last_row(tmp_path):
    # Both FTEs blank: no sum, so no split post; building the warning used to raise TypeError.
    log = new_log()
    workforce = _workforce(
        tmp_path,
        "worker_id,team,role,fte,agency,start_date,qualified_date\n"
        "W1,North,SW,,0,,\nW1,South,SW,,0,,\n",
        log,
    )
    assert workforce[["worker_id", "team"]].values.tolist() == [["W1", "South"]]
    assert pd.isna(workforce["fte"].iloc[0])
    assert "the last row was kept" in _issues(log, "duplicate_worker")["message"].iloc[0]


@pytest.mark.parametrize("fte", ["inf", "1e308", "-1", "37"])
def test_an_impossible_fte_is_an_error_and_not_used(tmp_path, fte):
    # It was used as given: 1e308 FTE made 0.0 cases per FTE a published headline.
    log = new_log()
    workforce = _workforce(
        tmp_path,
        f"worker_id,team,role,fte,agency,start_date,qualified_date\nW1,North,SW,{fte},0,,\n",
        log,
    )
    assert pd.isna(workforce["fte"].iloc[0])
    assert _issues(log, "invalid_fte")["severity"].tolist() == ["error"]


def test_worker_ids_differing_only_in_capitals_are_duplicate_rows(tmp_path):
    workforce = _workforce(
        tmp_path,
        "worker_id,team,role,fte,agency,start_date,qualified_date\n"
        "w1,North,SW,1,0,,\nW1,North,SW,0.8,0,,\n",
    )
    # One worker, written as on the last row, with the last row's FTE.
    assert workforce[["worker_id", "fte"]].values.tolist() == [["W1", 0.8]]


def test_agency_flags_accept_the_usual_spellings(tmp_path):
    log = new_log()
    workforce = _workforce(
        tmp_path,
        "Worker ID,Team,Role,FTE,Agency,Start Date,Qualified Date\n"
        "W1,North,SW,1,Y,,\nW2,North,SW,1,no,,\nW3,North,SW,1,1,,\nW4,North,SW,1,maybe,,\n",
        log,
    ).set_index("worker_id")
    assert workforce["agency"].to_dict() == {"W1": True, "W2": False, "W3": True, "W4": False}
    assert _issues(log, "invalid_agency")["value"].tolist() == ["maybe"]


def test_a_workforce_list_without_fte_is_refused_naming_the_file(tmp_path):
    with pytest.raises(InputError, match=r"workforce\.csv.*fte"):
        _workforce(tmp_path, "worker_id,team,agency\nW1,North,0\n")


def test_a_workforce_heading_given_twice_is_refused_naming_it_and_its_columns(tmp_path):
    # "worker_id,worker_id,team,...": the team would be read from the fte column and so on.
    with pytest.raises(
        InputError, match=r"workforce\.csv.*more than once \(worker_id in columns 1 and 2\)"
    ):
        _workforce(tmp_path, "worker_id," + STANDARD_WORKFORCE)


def test_a_workforce_heading_repeated_under_another_accepted_name_is_refused(tmp_path):
    # "FTE" and "fte" are one column as far as the reader knows.
    text = "worker_id,team,FTE,role,fte,agency\nW1,North,1,SW,1,0\n"
    with pytest.raises(InputError, match=r"FTE in columns 3 and 5"):
        _workforce(tmp_path, text)


# --- Establishment -----------------------------------------------------------------------------


def test_establishment_rows_for_one_team_are_added_up(tmp_path):
    caseload = standard_snapshot(tmp_path, establishment=False)
    write_text(
        caseload / "2024-03-31" / "establishment.csv",
        "team,funded_fte\nNorth,1\nNorth,1\nSouth,3\nWest,lots\n",
    )
    log = new_log()
    establishment = _ingest(caseload, log=log)["establishment"]
    assert establishment.set_index("team")["funded_fte"].to_dict() == {"North": 2.0, "South": 3.0}
    assert _issues(log, "invalid_establishment_row")["row"].tolist() == [5]


# --- Snapshot folders --------------------------------------------------------------------------


def test_a_folder_with_two_case_lists_is_refused(tmp_path):
    caseload = standard_snapshot(tmp_path)
    write_text(caseload / "2024-03-31" / "cases.csv", "child_id,case_type,team,worker_id\n")
    with pytest.raises(InputError, match=r"more than one case list \(annex_a\.xlsx, cases\.csv\)"):
        _ingest(caseload)


def test_a_folder_without_a_case_list_is_refused(tmp_path):
    write_text(tmp_path / "caseload" / "2024-03-31" / "workforce.csv", STANDARD_WORKFORCE)
    with pytest.raises(InputError, match="caseload/2024-03-31 has no case list"):
        _ingest(tmp_path / "caseload")


def test_a_folder_not_named_as_a_date_is_an_error_issue_and_skipped(tmp_path):
    caseload = standard_snapshot(tmp_path)
    write_text(caseload / "March 2024" / "cases.csv", "child_id\n")
    log = new_log()
    tables = _ingest(caseload, log=log)
    assert len(tables["cases"]) == 29
    assert _issues(log, "snapshot_folder_name")[["severity", "value"]].values.tolist() == [
        ["error", "March 2024"]
    ]


def test_no_caseload_folder_gives_empty_tables_that_pass_the_contract(tmp_path):
    tables = _ingest(tmp_path / "caseload")
    assert all(table.empty for table in tables.values())
    schemas.CleanWorkforce.validate(tables["workforce"])


# --- History -----------------------------------------------------------------------------------


def test_snapshots_accumulate_and_a_previous_one_without_a_raw_folder_is_kept(tmp_path):
    old_raw = tmp_path / "old"
    previous = ProcessedData.from_tables(
        _ingest(_snapshot(old_raw, {"List 6": [HEADER, ["A", "North", "W1"]]}, date="2023-12-31"))
    )
    tables = _ingest(standard_snapshot(tmp_path / "raw"), previous=previous)
    counts = tables["cases"].groupby("snapshot_date").size()
    assert counts.to_dict() == {pd.Timestamp("2023-12-31"): 1, pd.Timestamp("2024-03-31"): 29}
    assert tables["workforce"]["snapshot_date"].nunique() == 2


def test_re_ingesting_a_date_replaces_its_snapshot_without_duplicates(tmp_path):
    first = _snapshot(
        tmp_path / "first", {"List 6": [HEADER, ["A", "North", "W1"], ["B", "North", "W1"]]}
    )
    previous = ProcessedData.from_tables(_ingest(first))
    second = _snapshot(tmp_path / "second", {"List 6": [HEADER, ["A", "North", "W2"]]})
    log = new_log()
    tables = _ingest(second, previous=previous, log=log)
    assert tables["cases"][["child_id", "worker_id"]].values.tolist() == [[pseudonym("A"), "W2"]]
    assert len(tables["workforce"]) == 5  # the five workers once, not twice
    assert _issues(log, "snapshots_replaced")["value"].tolist() == ["2024-03-31"]


def test_the_tables_round_trip_through_the_processed_folder(tmp_path):
    log = new_log()
    tables = _ingest(standard_snapshot(tmp_path / "raw"), log=log)
    processed = tmp_path / "processed"
    processed.mkdir()
    for key, table in tables.items():
        storage.write_table(table, f"clean_caseload__{key}", processed)
    storage.write_table(log.to_frame(), "dq_issues", processed)
    (processed / storage.MANIFEST_NAME).write_text("{}")
    loaded = storage.load_processed(processed)
    assert len(loaded.cases) == 29 and len(loaded.workforce) == 5 and len(loaded.establishment) == 2
