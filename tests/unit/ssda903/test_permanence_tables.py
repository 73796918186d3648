"""Ingest of the permanence tables: AD1, PlacedAdoption and PrevPerm.

They are cleaned like every other SSDA903 table (dates, codes checked against each year's list,
child identifiers pseudonymised) and kept as processed tables for the permanence indicators.
"""

from __future__ import annotations

import pandas as pd
from ssda903_helpers import episode_row, issues_for, pseudonym, raw_folder, read, write

from csc_metrics.schemas import CleanAD1, CleanPlacedAdoption, CleanPrevPerm

AD1 = "CHILD,DOB,DATE_INT,DATE_MATCH,FOSTER_CARE,NB_ADOPTR,SEX_ADOPTR,LS_ADOPTR"
PLACED = "CHILD,DOB,DATE_PLACED,DATE_PLACED_CEASED,REASON_PLACED_CEASED"
PREV_PERM = "CHILD,DOB,PREV_PERM,LA_PERM,DATE_PERM"


def _raw(tmp_path, years=(2024,)):
    return raw_folder(tmp_path, {y: [episode_row("C1", f"01/06/{y - 1}")] for y in years})


def test_ad1_dates_and_codes_are_cleaned_and_the_child_pseudonymised(tmp_path):
    raw = _raw(tmp_path)
    write(
        raw / "ssda903" / "2024" / "ad1.csv",
        [AD1, "C1,01/05/2021,03/07/2023,2023-10-02,1.0,2,mf,L11"],
    )
    tables, _ = read(raw)
    ad1 = CleanAD1.validate(tables["ad1"])
    row = ad1.iloc[0]
    assert row["child_id"] == pseudonym("C1")
    assert row["date_int"] == pd.Timestamp("2023-07-03")
    assert row["date_match"] == pd.Timestamp("2023-10-02")  # ISO dates are read too
    assert (row["foster_care"], row["sex_adoptr"], row["ls_adoptr"]) == ("1", "MF", "L11")
    assert row["collection_year"] == 2024


def test_an_invalid_foster_care_flag_is_blanked_with_a_warning(tmp_path):
    raw = _raw(tmp_path)
    write(raw / "ssda903" / "2024" / "ad1.csv", [AD1, "C1,01/05/2021,03/07/2023,,Y,1,F1,L0"])
    tables, issues = read(raw)
    assert tables["ad1"]["foster_care"].isna().all()
    invalid = issues_for(issues, "invalid_code")
    assert invalid[["table", "column", "value"]].values.tolist() == [["ad1", "FOSTER_CARE", "Y"]]


def test_placed_adoption_keeps_each_decision_with_the_latest_returns_ending(tmp_path):
    raw = _raw(tmp_path, years=(2023, 2024))
    # 2023: two decisions, both standing. 2024 repeats the first and records that the second
    # ended (RD3, written in lower case). Kept: one row per decision, from the latest return.
    write(
        raw / "ssda903" / "2023" / "placed.csv",
        [PLACED, "C1,01/05/2021,01/09/2022,,", "C1,01/05/2021,01/02/2023,,"],
    )
    write(
        raw / "ssda903" / "2024" / "placed.csv",
        [PLACED, "C1,01/05/2021,01/09/2022,,", "C1,01/05/2021,01/02/2023,15/12/2023,rd3"],
    )
    tables, _ = read(raw)
    placed = CleanPlacedAdoption.validate(tables["placed_adoption"]).sort_values("date_placed")
    assert placed["date_placed"].tolist() == [
        pd.Timestamp("2022-09-01"),
        pd.Timestamp("2023-02-01"),
    ]
    assert placed["collection_year"].tolist() == [2024, 2024]
    assert placed["date_placed_ceased"].isna().tolist() == [True, False]
    assert placed["reason_placed_ceased"].tolist()[1] == "RD3"


def test_prev_perm_keeps_one_row_per_child_per_return_and_partial_dates_as_given(tmp_path):
    raw = _raw(tmp_path, years=(2023, 2024))
    write(raw / "ssda903" / "2023" / "prev.csv", [PREV_PERM, "C1,01/05/2010,Z1,,"])
    write(raw / "ssda903" / "2024" / "prev.csv", [PREV_PERM, "C1,01/05/2010,P2,,ZZ/05/2019"])
    tables, _ = read(raw)
    prev = CleanPrevPerm.validate(tables["prev_perm"]).sort_values("collection_year")
    assert prev["prev_perm"].tolist() == ["Z1", "P2"]
    assert prev["date_perm"].isna().tolist() == [True, False]
    assert prev["date_perm"].iloc[1] == "ZZ/05/2019"


def test_the_permanence_tables_are_used_not_noted_as_unused(tmp_path):
    raw = _raw(tmp_path)
    write(raw / "ssda903" / "2024" / "prev.csv", [PREV_PERM, "C1,01/05/2010,Z1,,"])
    _, issues = read(raw)
    assert issues_for(issues, "table_not_used").empty


def test_absent_permanence_tables_are_empty_but_valid(tmp_path):
    tables, _ = read(_raw(tmp_path))
    for name, model in (
        ("ad1", CleanAD1),
        ("placed_adoption", CleanPlacedAdoption),
        ("prev_perm", CleanPrevPerm),
    ):
        assert tables[name].empty
        model.validate(tables[name])
