"""Reading Annex A workbooks: sheets, header variants, prefixes, dates, missing lists."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from caseload_fixtures import (
    PSEUDONYMISER,
    STANDARD_LISTS,
    new_log,
    pseudonym,
    write_workbook,
)
from python_calamine import CalamineWorkbook

from csc_metrics.caseload.annex_a import list_number_of_sheet, observing_sheets, read_annex_a
from csc_metrics.errors import InputError

SNAPSHOT = pd.Timestamp("2024-03-31")


def _read(tmp_path, sheets, log=None):
    path = write_workbook(tmp_path / "annex_a.xlsx", sheets)
    return read_annex_a(
        path, "caseload/2024-03-31/annex_a.xlsx", SNAPSHOT, log or new_log(), PSEUDONYMISER
    )


@pytest.mark.parametrize(
    ("name", "number"),
    [
        ("List 6", 6),
        ("list6", 6),
        ("List 6 - CIN", 6),
        ("6. Children in Need", 6),
        ("LIST_7", 7),
        ("Children in Care", 8),
        ("Leaving care", 9),
        ("List 10", 10),
        ("Sheet1", None),
    ],
)
def test_sheet_names_are_matched_loosely(name, number):
    assert list_number_of_sheet(name) == number


def test_standard_workbook_gives_the_hand_counted_open_rows(tmp_path):
    rows = _read(tmp_path, STANDARD_LISTS)
    # List 6: 17 data rows - C70 closed = 16; List 7: 7 - C71 = 6; List 8: 6 - C72 = 5;
    # List 9: 3. Open rows 16 + 6 + 5 + 3 = 30 (C42 is on two lists, so 29 children).
    assert len(rows) == 30
    assert rows["child_id"].nunique() == 29
    assert rows.groupby("case_type").size().to_dict() == {
        "CIN": 16,
        "CP": 6,
        "CLA": 5,
        "CARE_LEAVER": 3,
    }


def test_closed_rows_are_left_out_and_counted_in_one_info_issue(tmp_path):
    log = new_log()
    rows = _read(tmp_path, STANDARD_LISTS, log)
    closed = {pseudonym(c) for c in ("C70", "C71", "C72")}
    assert not closed & set(rows["child_id"])
    issues = log.to_frame()
    closed_issues = issues.loc[issues["rule"] == "closed_rows"]
    assert len(closed_issues) == 1
    assert closed_issues["severity"].iloc[0] == "info"
    assert closed_issues["value"].iloc[0] == "3"
    assert not (issues["severity"] == "error").any()


def test_a_closure_date_after_the_snapshot_leaves_the_case_open(tmp_path):
    rows = _read(tmp_path, STANDARD_LISTS)
    assert pseudonym("C73") in set(rows["child_id"])


@pytest.mark.parametrize(
    "closure",
    [dt.datetime(2024, 3, 31), 45382, "31/03/2024", "2024-03-31", "2024-03-31 00:00:00"],
    ids=["datetime-cell", "excel-serial", "dd/mm/yyyy", "iso", "iso-with-time"],
)
def test_closure_dates_are_read_from_cells_serials_and_text(tmp_path, closure):
    sheets = {
        "List 6": [
            ["Child Unique ID", "CIN Closure Date", "Allocated Team", "Allocated Worker"],
            ["A", closure, "North", "W1"],
            ["B", None, "North", "W1"],
        ]
    }
    rows = _read(tmp_path, sheets)
    # Every form means 31/03/2024 = the snapshot date, so A is closed and only B is open.
    assert rows["child_id"].tolist() == [pseudonym("B")]


def test_an_unreadable_closure_date_is_a_warning_and_the_case_stays_open(tmp_path):
    sheets = {
        "List 6": [
            ["Child Unique ID", "CIN Closure Date", "Allocated Team", "Allocated Worker"],
            ["A", "sometime", "North", "W1"],
        ]
    }
    log = new_log()
    rows = _read(tmp_path, sheets, log)
    assert rows["child_id"].tolist() == [pseudonym("A")]
    issue = log.to_frame().query("rule == 'unreadable_date'").iloc[0]
    assert (issue["severity"], issue["value"], issue["row"]) == ("warning", "sometime", 2)
    assert issue["column"] == "CIN Closure Date"


def test_prefixes_are_stripped_and_excel_numbers_become_ids(tmp_path):
    rows = _read(tmp_path, STANDARD_LISTS).set_index("child_id")
    assert rows.loc[pseudonym("C31"), "team"] == "South"  # written "b) South"
    assert rows.loc[pseudonym("1018"), "case_type"] == "CARE_LEAVER"  # written 1018.0


def test_unallocated_words_and_blanks_mean_no_worker(tmp_path):
    rows = _read(tmp_path, STANDARD_LISTS).set_index("child_id")
    assert pd.isna(rows.loc[pseudonym("C61"), "worker_id"])  # written "Unallocated"
    assert pd.isna(rows.loc[pseudonym("C60"), "worker_id"])  # blank cell


def test_row_numbers_are_sheet_rows_below_a_title_row(tmp_path):
    rows = _read(tmp_path, STANDARD_LISTS)
    c10 = rows.loc[rows["child_id"] == pseudonym("C10")].iloc[0]
    # Title on row 1, header on row 2, C10 on row 3 of sheet "List 6 - CIN".
    assert c10["source_row"] == 3
    assert c10["source_file"] == "caseload/2024-03-31/annex_a.xlsx [List 6 - CIN]"


def test_a_missing_list_is_a_warning_naming_it(tmp_path):
    sheets = {k: v for k, v in STANDARD_LISTS.items() if k != "9. Leaving Care"}
    log = new_log()
    rows = _read(tmp_path, sheets, log)
    assert "CARE_LEAVER" not in set(rows["case_type"])
    missing = log.to_frame().query("rule == 'annex_a_list_missing'")
    assert missing[["severity", "value"]].values.tolist() == [["warning", "List 9"]]


def test_the_lists_found_are_reported_as_info(tmp_path):
    log = new_log()
    _read(tmp_path, STANDARD_LISTS, log)
    found = log.to_frame().query("rule == 'annex_a_lists_found'")
    assert found["severity"].tolist() == ["info"]
    assert "List 8 ('list8')" in found["message"].iloc[0]


def test_a_workbook_with_no_case_lists_is_refused_naming_the_sheets(tmp_path):
    sheets = {"List 1": [["Child Unique ID"]], "Summary": [["x"]]}
    with pytest.raises(InputError, match=r"no Annex A case lists.*List 1, Summary"):
        _read(tmp_path, sheets)


def test_a_list_without_a_worker_column_is_refused_naming_what_was_expected(tmp_path):
    sheets = {"List 6": [["Child Unique ID", "Allocated Team"], ["A", "North"]]}
    with pytest.raises(InputError, match=r"List 6.*worker_id \(any of: Allocated Worker"):
        _read(tmp_path, sheets)


def test_the_same_list_on_two_sheets_is_refused(tmp_path):
    header = ["Child Unique ID", "Allocated Team", "Allocated Worker"]
    sheets = {"List 6": [header], "List 6 (old)": [header]}
    with pytest.raises(InputError, match="List 6: List 6, List 6 \\(old\\)"):
        _read(tmp_path, sheets)


def test_a_row_without_a_child_id_is_an_error_and_not_counted(tmp_path):
    sheets = {
        "List 7": [
            ["Child Unique ID", "Allocated Team", "Allocated Worker"],
            [None, "North", "W1"],
            ["B", "North", "W1"],
        ]
    }
    log = new_log()
    rows = _read(tmp_path, sheets, log)
    assert rows["child_id"].tolist() == [pseudonym("B")]
    issue = log.to_frame().query("rule == 'missing_child_id'").iloc[0]
    assert (issue["severity"], issue["row"]) == ("error", 2)


def test_a_row_of_spaces_only_is_blank_and_short_rows_are_read(tmp_path):
    sheets = {
        "List 7": [
            ["Child Unique ID", "Allocated Team", "Allocated Worker", "Notes"],
            ["   ", " ", "", None],  # spaces only: a blank row, neither counted nor an error
            ["B", "North"],  # short row: no worker, nothing after it
            ["C", "South", "W2", 12.0],  # a number cell is never blank
        ]
    }
    log = new_log()
    rows = _read(tmp_path, sheets, log)
    # Header on sheet row 1, so B is on row 3 and C on row 4.
    assert rows["child_id"].tolist() == [pseudonym("B"), pseudonym("C")]
    assert rows["source_row"].tolist() == [3, 4]
    assert pd.isna(rows["worker_id"].iloc[0])
    assert log.to_frame().query("rule == 'missing_child_id'").empty


def test_a_missing_closure_column_is_a_warning_and_rows_are_open(tmp_path):
    sheets = {
        "List 8": [["Child Unique ID", "Allocated Team", "Allocated Worker"], ["A", "North", "W1"]]
    }
    log = new_log()
    rows = _read(tmp_path, sheets, log)
    assert len(rows) == 1
    assert "missing_closure_column" in set(log.to_frame()["rule"])


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "annex_a.xlsx"
    path.write_text("not a workbook")
    with pytest.raises(InputError, match="could not be opened as an Excel"):
        read_annex_a(path, "annex_a.xlsx", SNAPSHOT, new_log(), PSEUDONYMISER)


def test_no_raw_child_id_reaches_the_rows_or_the_log(tmp_path):
    log = new_log()
    rows = _read(tmp_path, STANDARD_LISTS, log)
    issues = log.to_frame().astype(str)
    for raw_id in ("C10", "C42", "C70", "1018"):
        assert raw_id not in set(rows["child_id"])
        assert not issues.apply(lambda col, r=raw_id: col.str.contains(rf"\b{r}\b")).any().any()


def test_while_observed_each_case_list_sheet_read_is_shown_once(tmp_path):
    shown = []
    with observing_sheets(lambda path, name, sheet: shown.append((path.name, name))):
        _read(tmp_path, STANDARD_LISTS)
    # List 1 is no case list, so it is never parsed (nor shown).
    assert sorted(shown) == sorted(
        ("annex_a.xlsx", name) for name in STANDARD_LISTS if name != "List 1"
    )


def test_an_observer_is_shown_the_cells_as_calamine_gives_them(tmp_path):
    # The cells ingest turned into Python values, before its own cleaning (blank text to
    # None): the privacy check reads identifiers by its own rule from the same cells.
    shown = {}
    with observing_sheets(lambda path, name, rows: shown.update({name: rows})):
        _read(tmp_path, STANDARD_LISTS)
    workbook = CalamineWorkbook.from_path(str(tmp_path / "annex_a.xlsx"))
    assert shown and all(
        rows == workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        for name, rows in shown.items()
    )


def test_no_sheet_is_shown_once_the_observation_ends(tmp_path):
    shown = []
    with observing_sheets(lambda path, name, sheet: shown.append(name)):
        pass
    _read(tmp_path, STANDARD_LISTS)
    assert shown == []
