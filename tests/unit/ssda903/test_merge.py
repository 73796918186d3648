"""Merging several years of returns, checked against hand-worked expected tables."""

import pandas as pd
import pytest
from ssda903_helpers import episode_row, header_row, issues_for, pseudonym, raw_folder, read

from csc_metrics.ssda903 import merge

# Three returns. Each row's comment gives its line in the file (line 1 is the headings).
RETURNS = {
    2022: [
        episode_row("A", "01/05/2021"),  # 2: repeated, closed, in 2023
        episode_row("B", "01/02/2022", ls="V2", place="K2", provider="PR4"),  # 3: left open
        episode_row("C", "10/03/2022", ls="V2", place="U6"),  # 4: left open
    ],
    2023: [
        episode_row("A", "01/05/2021", dec="15/08/2022", rec="X1"),  # 2: updated: now closed
        episode_row("A", "15/08/2022", rne="P", place="U6", provider="PR4"),  # 3
        episode_row("B", "20/06/2022", rne="L", ls="C1", place="K2", provider="PR4"),  # 4
        episode_row("F", "01/03/2023", ls="V2", place="U6"),  # 5: re-dated in 2024
        episode_row("H", "01/01/2023", dec="28/02/2023", rec="E4A"),  # 6: reopened in 2024
    ],
    2024: [
        episode_row(
            "A", "15/08/2022", rne="P", place="U6", provider="PR4", dec="10/01/2024", rec="E4A"
        ),  # 2
        episode_row("C", "05/09/2023", ls="C1", place="U6"),  # 3: a new period of care
        episode_row("D", "01/04/2023", dec="01/09/2023", rec="X1"),  # 4
        episode_row("D", "20/08/2023", rne="P", place="U5"),  # 5: starts before 4 ended
        episode_row("E", "01/05/2023", ls="C1", place="U6", dec="01/06/2023", rec="X1"),  # 6
        episode_row("E", "10/06/2023", rne="P", ls="C1", place="K2", provider="PR4"),  # 7: gap
        episode_row("F", "03/03/2023", ls="V2", place="U6"),  # 8: same placement, new start
        episode_row("G", "01/07/2023"),  # 9: duplicate of 10 without an end
        episode_row("G", "01/07/2023", dec="30/09/2023", rec="E13"),  # 10
        episode_row("H", "01/01/2023"),  # 11: the latest return says open
    ],
}

# Worked by hand from the rules in docs/definitions.md:
# - A 01/05/2021 is in 2022 (open) and 2023 (closed): the later return wins (2023 line 2);
#   A 15/08/2022 is in 2023 and 2024: 2024 line 2 wins.
# - B's 2022 episode is open and a later return (2023) holds the next episode, RNE L, a
#   continuation: closed on the next DECOM, 20/06/2022, REC X1 ("closed by next episode").
#   B's 2023 episode is open and B is in no later return: closed on 01/04/2023, the day after
#   the 2023 return's year end, REC blank ("closed after last return").
# - C's 2022 episode is open and the next episode (2024) has RNE S, a new period of care:
#   DEC = the earlier of the day before it (04/09/2023) and 01/04/2022 = 01/04/2022.
# - D line 5 starts 20/08/2023, before line 4 ended (01/09/2023): overlap, not fixed.
# - E line 7 (RNE P) starts 10/06/2023 but line 6 ended 01/06/2023: gap, not fixed.
# - F's open 2023 episode is the same placement as 2024 line 8 with a corrected start: the
#   2023 row is dropped (episode_superseded) and 2024 line 8 stands alone.
# - G lines 9 and 10 are one episode twice in one return: the row with a DEC (10) is kept.
# - H is closed in 2023 but open in 2024: the latest return wins, so it stays open.
COLUMNS = [
    "child",
    "decom",
    "dec",
    "rec",
    "collection_year",
    "source_row",
    "episode_source",
    "has_overlap",
    "has_gap",
]
EXPECTED = [
    ("A", "2021-05-01", "2022-08-15", "X1", 2023, 2, "as returned", False, False),
    ("A", "2022-08-15", "2024-01-10", "E4A", 2024, 2, "as returned", False, False),
    ("B", "2022-02-01", "2022-06-20", "X1", 2022, 3, "closed by next episode", False, False),
    ("B", "2022-06-20", "2023-04-01", None, 2023, 4, "closed after last return", False, False),
    (
        "C",
        "2022-03-10",
        "2022-04-01",
        None,
        2022,
        4,
        "closed before new period of care",
        False,
        False,
    ),
    ("C", "2023-09-05", None, None, 2024, 3, "as returned", False, False),
    ("D", "2023-04-01", "2023-09-01", "X1", 2024, 4, "as returned", False, False),
    ("D", "2023-08-20", None, None, 2024, 5, "as returned", True, False),
    ("E", "2023-05-01", "2023-06-01", "X1", 2024, 6, "as returned", False, False),
    ("E", "2023-06-10", None, None, 2024, 7, "as returned", False, True),
    ("F", "2023-03-03", None, None, 2024, 8, "as returned", False, False),
    ("G", "2023-07-01", "2023-09-30", "E13", 2024, 10, "as returned", False, False),
    ("H", "2023-01-01", None, None, 2024, 11, "as returned", False, False),
]


def _merged(tmp_path, returns=RETURNS):
    tables, issues = read(raw_folder(tmp_path, returns))
    episodes = tables["episodes"]
    raw_ids = {pseudonym(c): c for c in "ABCDEFGHJ"}
    episodes = episodes.assign(child=episodes["child_id"].map(raw_ids))
    return episodes.sort_values(["child", "decom"]).reset_index(drop=True), issues


def _expected():
    expected = pd.DataFrame(EXPECTED, columns=COLUMNS)
    for column in ("decom", "dec"):
        expected[column] = pd.to_datetime(expected[column]).astype("datetime64[ns]")
    return expected


def test_three_returns_merge_into_the_hand_worked_episode_table(tmp_path):
    episodes, _ = _merged(tmp_path)
    pd.testing.assert_frame_equal(episodes[COLUMNS], _expected(), check_dtype=False)


def test_the_kept_row_says_which_file_it_came_from(tmp_path):
    episodes, _ = _merged(tmp_path)
    first_a = episodes.iloc[0]
    assert first_a.source_file == "ssda903/2023/episodes.csv"


def test_a_duplicate_within_one_return_is_an_error_naming_the_kept_row(tmp_path):
    _, issues = _merged(tmp_path)
    duplicate = issues_for(issues, "duplicate_row")
    assert duplicate[["file", "row", "child_id", "severity"]].values.tolist() == [
        ["ssda903/2024/episodes.csv", 9, pseudonym("G"), "error"]
    ]
    assert "row 10, which was kept" in duplicate["message"][0]


def test_a_re_dated_open_episode_is_dropped_as_superseded(tmp_path):
    _, issues = _merged(tmp_path)
    superseded = issues_for(issues, "episode_superseded")
    assert superseded[["file", "row", "child_id", "severity"]].values.tolist() == [
        ["ssda903/2023/episodes.csv", 5, pseudonym("F"), "error"]
    ]


def test_each_repair_is_a_warning_on_the_repaired_row(tmp_path):
    _, issues = _merged(tmp_path)
    repaired = issues_for(issues, "episode_repaired").sort_values(["file", "row"])
    assert repaired[["file", "row", "severity"]].values.tolist() == [
        ["ssda903/2022/episodes.csv", 3, "warning"],
        ["ssda903/2022/episodes.csv", 4, "warning"],
        ["ssda903/2023/episodes.csv", 4, "warning"],
    ]


def test_overlaps_and_gaps_are_warnings_as_well_as_flags(tmp_path):
    _, issues = _merged(tmp_path)
    assert issues_for(issues, "episode_overlap")["row"].tolist() == [5]
    assert issues_for(issues, "episode_gap")["row"].tolist() == [7]


def test_records_repeated_in_later_returns_are_counted_per_older_file(tmp_path):
    _, issues = _merged(tmp_path)
    repeated = issues_for(issues, "repeated_in_later_file")
    repeated = repeated[repeated["table"] == "episodes"].sort_values("file")
    # 2022: A 01/05/2021.  2023: A 15/08/2022 and H 01/01/2023.
    assert repeated["file"].tolist() == ["ssda903/2022/episodes.csv", "ssda903/2023/episodes.csv"]
    assert [m.split()[0] for m in repeated["message"]] == ["1", "2"]
    assert set(repeated["severity"]) == {"info"}


def test_an_open_episode_followed_by_an_earlier_start_in_a_later_return_is_superseded(tmp_path):
    # The 2024 return re-keys J's care from 01/09/2022 and does not hold the 2023 episode
    # that started 01/10/2022 (still open in 2023): the later return wins.
    returns = {
        2023: [episode_row("J", "01/10/2022")],
        2024: [episode_row("J", "01/09/2022", place="U6", dec="01/12/2023", rec="E4A")],
    }
    episodes, issues = _merged(tmp_path, returns)
    assert episodes["decom"].tolist() == [pd.Timestamp("2022-09-01")]
    assert issues_for(issues, "episode_superseded")["row"].tolist() == [2]


def test_an_open_episode_followed_in_the_same_older_return_is_not_repaired(tmp_path):
    # No later return says what happened, so nothing is invented: the next episode is flagged.
    returns = {
        2023: [episode_row("J", "01/06/2022"), episode_row("J", "01/09/2022", rne="P")],
        2024: [episode_row("K", "01/06/2023")],
    }
    episodes, _ = _merged(tmp_path, returns)
    j = episodes[episodes["child"] == "J"]
    assert j["dec"].tolist()[0] is pd.NaT
    assert j["has_overlap"].tolist() == [False, True]


def test_short_break_episodes_are_marked(tmp_path):
    returns = {2024: [episode_row("J", "01/06/2023", ls="V3"), episode_row("K", "01/06/2023")]}
    episodes, _ = _merged(tmp_path, returns)
    assert episodes["is_short_break"].tolist() == [True, False]


def test_the_header_comes_from_the_latest_return_holding_the_child(tmp_path):
    raw = raw_folder(
        tmp_path,
        {2023: [episode_row("J", "01/06/2022")], 2024: [episode_row("J", "01/06/2022")]},
        {2023: [header_row("J", ethnic="WBRI")], 2024: [header_row("J", ethnic="BAFR")]},
    )
    tables, _ = read(raw)
    header = tables["header"]
    assert header[["ethnic", "ethnic_group", "collection_year"]].values.tolist() == [
        ["BAFR", "Black", 2024]
    ]


def test_ethnic_groups_come_from_the_code(tmp_path):
    codes = {
        "J1": "WIRT",
        "J2": "MWAS",
        "J3": "APKN",
        "J4": "BCRB",
        "J5": "CHNE",
        "J6": "OOTH",
        "J7": "REFU",
        "J8": "NOBT",
        "J9": "",
        "J0": "XXXX",
    }
    raw = raw_folder(
        tmp_path,
        {2024: [episode_row(c, "01/06/2023") for c in codes]},
        {2024: [header_row(c, ethnic=e) for c, e in codes.items()]},
    )
    tables, _ = read(raw)
    groups = dict(zip(tables["header"]["child_id"], tables["header"]["ethnic_group"], strict=True))
    assert [groups[pseudonym(c)] for c in codes] == [
        "White",
        "Mixed",
        "Asian",
        "Black",
        "Other",
        "Other",
        "Refused or not obtained",
        "Refused or not obtained",
        "Not recorded",
        "Not recorded",
    ]


def test_only_unknown_upn_codes_are_kept(tmp_path):
    raw = raw_folder(tmp_path, {2024: [episode_row("J", "01/06/2023")]})
    header = raw / "ssda903" / "2024" / "header.csv"
    header.write_text(header.read_text().replace("UN1", "A123456789012"))
    tables, _ = read(raw)
    assert tables["header"]["upn_code"].isna().all()


def test_a_child_with_episodes_but_no_header_is_a_warning(tmp_path):
    raw = raw_folder(
        tmp_path,
        {2024: [episode_row("J", "01/06/2023"), episode_row("K", "01/06/2023")]},
        {2024: [header_row("J")]},
    )
    _, issues = read(raw)
    assert issues_for(issues, "child_not_in_header")["child_id"].tolist() == [pseudonym("K")]


def _with_table(tmp_path, name, lines_by_year):
    from ssda903_helpers import write

    raw = raw_folder(tmp_path, {year: [episode_row("J", "01/06/2022")] for year in lines_by_year})
    for year, lines in lines_by_year.items():
        write(raw / "ssda903" / str(year) / f"{name}.csv", lines)
    return read(raw)


def test_care_leavers_keep_one_row_per_young_person_per_return(tmp_path):
    columns = "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM"
    tables, issues = _with_table(
        tmp_path,
        "oc3",
        {
            # F3 left the list in 2021-22; it is still read, as today's F5 (with a warning).
            2023: [columns, "J,01/05/2004,YES,F3,D1"],
            2024: [columns, "J,01/05/2004,YES,G5,U1", "J,01/05/2004,NO,0,0"],  # line 3 kept
        },
    )
    oc3 = tables["oc3"].sort_values("collection_year")
    assert oc3[["collection_year", "in_touch", "activ"]].values.tolist() == [
        [2023, "YES", "F5"],
        [2024, "NO", "0"],
    ]
    assert issues_for(issues, "duplicate_row")[["table", "row"]].values.tolist() == [["oc3", 2]]


def test_a_missing_episode_repeated_in_a_later_return_is_kept_once_from_the_later(tmp_path):
    columns = "CHILD,DOB,MISSING,MIS_START,MIS_END"
    tables, _ = _with_table(
        tmp_path,
        "missing",
        {
            2023: [columns, "J,01/05/2010,M,30/03/2023,"],
            2024: [columns, "J,01/05/2010,M,30/03/2023,02/04/2023"],
        },
    )
    missing = tables["missing"]
    assert missing[["mis_start", "mis_end", "collection_year"]].values.tolist() == [
        [pd.Timestamp("2023-03-30"), pd.Timestamp("2023-04-02"), 2024]
    ]


def test_uasc_has_one_row_per_child_from_the_latest_return(tmp_path):
    columns = "CHILD,SEX,DOB,DUC"
    tables, _ = _with_table(
        tmp_path,
        "uasc",
        {2023: [columns, "J,1,01/05/2007,01/05/2025"], 2024: [columns, "J,1,01/05/2007,"]},
    )
    uasc = tables["uasc"]
    assert uasc[["sex", "collection_year"]].values.tolist() == [["M", 2024]]
    assert uasc["duc"].isna().all()


def test_social_worker_episodes_repeated_across_returns_are_kept_once(tmp_path):
    columns = "CHILD,DOB,SW_ID,SW_DECOM,SW_DEC,SW_REASON"
    tables, _ = _with_table(
        tmp_path,
        "sw_episodes",
        {
            2024: [columns, "J,01/05/2010,SW123,01/06/2022,,"],
            2025: [columns, "J,01/05/2010,SW123,01/06/2022,05/05/2024,leftrl"],
        },
    )
    sw = tables["sw_episodes"]
    assert sw[["sw_id", "sw_dec", "sw_reason", "collection_year"]].values.tolist() == [
        ["SW123", pd.Timestamp("2024-05-05"), "LEFTRL", 2025]
    ]


def _keys_frame() -> pd.DataFrame:
    # Ties, blanks in text, dates and numbers, and a bool column: every case the merge sorts on.
    return pd.DataFrame(
        {
            "child": pd.Series(["B", "A", None, "B", "A", "b", None], dtype="str"),
            "day": pd.to_datetime(
                ["2024-01-02", "2024-01-01", "2024-01-01", None, "2024-01-01", "2024-01-01", None]
            ),
            "year": [2024, 2023, 2024, 2024, 2023, 2024, 2024],
            "ended": [True, False, True, False, False, True, True],
        },
        index=[10, 11, 12, 13, 14, 15, 16],
    )


@pytest.mark.parametrize(
    "columns", [["child", "day"], ["year", "ended", "child"], ["day"], ["ended", "year", "day"]]
)
def test_sorted_rows_is_a_stable_sort_with_blanks_last(columns):
    frame = _keys_frame()
    expected = frame.sort_values(columns, kind="stable", na_position="last")
    pd.testing.assert_frame_equal(merge.sorted_rows(frame, columns), expected)
