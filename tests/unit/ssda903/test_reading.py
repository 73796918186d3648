"""One fixture per real-data quirk, each read through the whole SSDA903 reader."""

import pandas as pd
import pytest
from ssda903_helpers import (
    EPISODES,
    HEADER,
    PSEUDONYMISER,
    episode_row,
    header_row,
    issues_for,
    pseudonym,
    raw_folder,
    read,
    write,
)

from csc_metrics.errors import InputError
from csc_metrics.quality import DataQualityLog
from csc_metrics.ssda903 import read_ssda903

YEAR = 2024


def _raw(tmp_path, episodes=None, headers=None):
    episodes = episodes or [episode_row("C1", "01/06/2023")]
    return raw_folder(tmp_path, {YEAR: episodes}, {YEAR: headers} if headers else None)


def test_a_utf8_bom_is_stripped_from_the_first_heading(tmp_path):
    raw = _raw(tmp_path)
    path = raw / "ssda903" / "2024" / "episodes.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    tables, _ = read(raw)
    assert tables["episodes"]["child_id"].tolist() == [pseudonym("C1")]


def test_a_cp1252_file_is_read_and_noted(tmp_path):
    raw = _raw(tmp_path)
    # A local column with a Windows-1252 character (0xEB, e-diaeresis) that is not UTF-8.
    write(
        raw / "ssda903" / "2024" / "header.csv",
        [HEADER + ",WORKER", header_row("C1") + ",Zoë"],
        encoding="cp1252",
    )
    tables, issues = read(raw)
    assert tables["header"]["child_id"].tolist() == [pseudonym("C1")]
    assert issues_for(issues, "not_utf8")["file"].tolist() == ["ssda903/2024/header.csv"]


def test_crlf_line_endings_leave_no_carriage_return_in_the_last_column(tmp_path):
    raw = _raw(tmp_path)
    write(
        raw / "ssda903" / "2024" / "episodes.csv",
        [EPISODES, episode_row("C1", "01/06/2023")],
        newline="\r\n",
    )
    tables, _ = read(raw)
    assert tables["episodes"]["urn"].tolist() == ["SC123456"]


def test_blank_rows_are_skipped_and_row_numbers_still_point_at_the_file_line(tmp_path):
    raw = _raw(tmp_path)
    commas = "," * (EPISODES.count(","))
    write(
        raw / "ssda903" / "2024" / "episodes.csv",
        [EPISODES, "", commas, episode_row("C1", "01/06/2023")],
    )
    tables, issues = read(raw)
    # Line 1 headings, 2 empty, 3 only commas, 4 the episode.
    assert tables["episodes"]["source_row"].tolist() == [4]
    assert "2 completely blank" in issues_for(issues, "blank_rows_skipped")["message"][0]


def test_lower_case_and_spaced_codes_are_fixed_with_a_warning(tmp_path):
    row = "C1,01/06/2023, s ,c2,n1,u4,pr1,,,,PR1 2AB,PR2 3CD,SC123456"
    tables, issues = read(_raw(tmp_path, [row]))
    episode = tables["episodes"].iloc[0]
    assert [episode.rne, episode.ls, episode.cin, episode.place, episode.place_provider] == [
        "S",
        "C2",
        "N1",
        "U4",
        "PR1",
    ]
    tidied = issues_for(issues, "value_tidied")
    assert set(tidied["column"]) == {"RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER"}
    assert set(tidied["severity"]) == {"warning"}


def test_excel_dot_zero_ids_join_the_same_child_across_tables(tmp_path):
    raw = _raw(tmp_path, [episode_row("1001", "01/06/2023")], [header_row("1001.0")])
    tables, issues = read(raw)
    assert tables["header"]["child_id"].tolist() == tables["episodes"]["child_id"].tolist()
    artefact = issues_for(issues, "excel_number_artefact")
    assert artefact["column"].tolist() == ["CHILD"]
    # The raw identifier never appears in the issue; the pseudonym does.
    assert artefact["value"].isna().all()
    assert "1001" not in artefact["message"][0]
    assert artefact["child_id"].tolist() == [pseudonym("1001")]


def test_dates_in_dfe_iso_and_excel_serial_forms_give_the_same_episode_dates(tmp_path):
    rows = [
        episode_row("C1", "01/06/2023", dec="15/07/2023", rec="X1"),
        episode_row("C1", "2023-07-15", rne="P", dec="45170", rec="E4A"),  # 45170 = 2023-09-01
    ]
    tables, _ = read(_raw(tmp_path, rows))
    episodes = tables["episodes"]
    assert episodes["decom"].tolist() == [pd.Timestamp("2023-06-01"), pd.Timestamp("2023-07-15")]
    assert episodes["dec"].tolist() == [pd.Timestamp("2023-07-15"), pd.Timestamp("2023-09-01")]


def test_an_impossible_end_date_is_blanked_with_a_warning(tmp_path):
    tables, issues = read(_raw(tmp_path, [episode_row("C1", "01/06/2023", dec="31/02/2024")]))
    assert tables["episodes"]["dec"].isna().all()
    invalid = issues_for(issues, "invalid_date")
    assert invalid[["column", "value", "row", "severity"]].values.tolist() == [
        ["DEC", "31/02/2024", 2, "warning"]
    ]


def test_an_impossible_start_date_drops_the_episode_with_an_error(tmp_path):
    rows = [episode_row("C1", "30/02/2023"), episode_row("C2", "01/06/2023")]
    tables, issues = read(_raw(tmp_path, rows))
    assert tables["episodes"]["child_id"].tolist() == [pseudonym("C2")]
    dropped = issues_for(issues, "missing_start_date")
    assert dropped[["row", "child_id", "severity"]].values.tolist() == [
        [2, pseudonym("C1"), "error"]
    ]


def test_an_extra_local_column_is_dropped_and_noted(tmp_path):
    raw = _raw(tmp_path)
    write(
        raw / "ssda903" / "2024" / "episodes.csv",
        [EPISODES + ",SOCIAL_WORKER", episode_row("C1", "01/06/2023") + ",Jo Bloggs"],
    )
    tables, issues = read(raw)
    assert "social_worker" not in tables["episodes"].columns
    noted = issues_for(issues, "extra_column")
    assert noted[["column", "severity"]].values.tolist() == [["SOCIAL_WORKER", "info"]]


def test_a_missing_required_column_names_the_file_and_the_columns(tmp_path):
    raw = _raw(tmp_path)
    columns = EPISODES.replace(",DEC,REC", "")
    write(raw / "ssda903" / "2024" / "episodes.csv", [columns, "C1,01/06/2023,S,C2,N1,U4,PR1,,,,"])
    with pytest.raises(InputError, match=r"ssda903/2024/episodes\.csv.*Episodes.*DEC, REC"):
        read(raw)


def test_a_heading_given_twice_is_refused_naming_it_and_its_columns(tmp_path):
    # "CHILD,CHILD,SEX,..." over rows of one CHILD each: every value after it would sit one
    # column to the right (SEX under the second CHILD, DOB under SEX), so nothing is read.
    raw = _raw(tmp_path, headers=[header_row("C1")])
    write(raw / "ssda903" / "2024" / "header.csv", ["CHILD," + HEADER, header_row("C1")])
    with pytest.raises(
        InputError, match=r"header\.csv.*more than once \(CHILD in columns 1 and 2\)"
    ):
        read(raw)


def test_a_heading_repeated_in_another_case_is_refused_too(tmp_path):
    raw = _raw(tmp_path, headers=[header_row("C1")])
    write(raw / "ssda903" / "2024" / "header.csv", [HEADER + ",sex", header_row("C1") + ",1"])
    with pytest.raises(InputError, match=r"SEX in columns 2 and 8"):
        read(raw)


def test_headings_are_matched_ignoring_case_and_spaces(tmp_path):
    raw = _raw(tmp_path)
    headings = EPISODES.lower().replace("place_provider", " Place Provider ")
    write(raw / "ssda903" / "2024" / "episodes.csv", [headings, episode_row("C1", "01/06/2023")])
    tables, issues = read(raw)
    assert tables["episodes"]["place_provider"].tolist() == ["PR1"]
    assert issues_for(issues, "extra_column").empty


def test_a_table_is_recognised_by_its_columns_whatever_the_file_is_called(tmp_path):
    raw = _raw(tmp_path)
    (raw / "ssda903" / "2024" / "episodes.csv").rename(
        raw / "ssda903" / "2024" / "Export (3) FINAL.CSV"
    )
    tables, _ = read(raw)
    assert tables["episodes"]["source_file"].tolist() == ["ssda903/2024/Export (3) FINAL.CSV"]


def test_historical_codes_are_mapped_by_the_files_collection_year(tmp_path):
    raw = raw_folder(
        tmp_path,
        {2018: [episode_row("C1", "01/06/2017", dec="01/02/2018", rec="E43")]},
        {2018: [header_row("C1", sex="2")]},
    )
    tables, issues = read(raw)
    assert tables["episodes"]["rec"].tolist() == ["E46"]
    assert tables["header"]["sex"].tolist() == ["F"]
    assert issues_for(issues, "code_not_valid_in_year").empty


def test_an_invalid_code_is_blanked_with_a_warning(tmp_path):
    tables, issues = read(_raw(tmp_path, [episode_row("C1", "01/06/2023", place="Q9")]))
    assert tables["episodes"]["place"].isna().all()
    invalid = issues_for(issues, "invalid_code")
    assert invalid[["column", "value", "severity"]].values.tolist() == [["PLACE", "Q9", "warning"]]


def test_a_year_folder_may_be_named_by_its_span(tmp_path):
    raw = _raw(tmp_path)
    (raw / "ssda903" / "2024").rename(raw / "ssda903" / "2023-24")
    tables, _ = read(raw)
    assert tables["episodes"]["collection_year"].tolist() == [2024]


def test_other_dfe_tables_are_recognised_and_noted_as_not_used(tmp_path):
    raw = _raw(tmp_path)
    write(
        raw / "ssda903" / "2024" / "reviews.csv",
        ["CHILD,DOB,REVIEW,REVIEW_CODE", "C1,01/05/2010,01/09/2023,PN1"],
    )
    _, issues = read(raw)
    noted = issues_for(issues, "table_not_used")
    assert noted[["file", "table", "severity"]].values.tolist() == [
        ["ssda903/2024/reviews.csv", "reviews", "info"]
    ]


def test_a_file_that_is_not_csv_or_xml_is_ignored_with_a_warning(tmp_path):
    raw = _raw(tmp_path)
    (raw / "ssda903" / "2024" / "notes.txt").write_text("sent by J")
    _, issues = read(raw)
    assert issues_for(issues, "file_ignored")["file"].tolist() == ["ssda903/2024/notes.txt"]


def test_the_dfe_xml_form_gives_the_same_tables_as_csv(tmp_path):
    xml = """<?xml version="1.0" encoding="UTF-8"?>
<Message>
  <Header><CollectionDetails><Collection>SSDA903</Collection></CollectionDetails></Header>
  <Children>
    <Child>
      <CHILDID>C1</CHILDID>
      <HEADER>
        <SEX>1</SEX><DOB>01/05/2010</DOB><ETHNIC>WBRI</ETHNIC><UPN>UN1</UPN>
        <AMISSING><MISSING>M</MISSING><MIS_START>02/07/2023</MIS_START></AMISSING>
      </HEADER>
      <EPISODE>
        <DECOM>01/06/2023</DECOM><RNE>S</RNE><LS>C2</LS><CIN>N1</CIN><PL>U4</PL>
        <PLACE_PROVIDER>PR1</PLACE_PROVIDER>
      </EPISODE>
    </Child>
  </Children>
</Message>
"""
    folder = tmp_path / "ssda903" / "2024"
    folder.mkdir(parents=True)
    (folder / "return.xml").write_text(xml, encoding="utf-8")
    tables, _ = read(tmp_path)
    episode = tables["episodes"].iloc[0]
    assert (episode.child_id, episode.place, episode.decom) == (
        pseudonym("C1"),
        "U4",
        pd.Timestamp("2023-06-01"),
    )
    # Source rows of XML records are the line each record starts on.
    assert episode.source_row == 11
    assert tables["header"]["sex"].tolist() == ["M"]
    assert tables["missing"]["mis_start"].tolist() == [pd.Timestamp("2023-07-02")]


def test_an_end_before_the_start_is_kept_with_a_warning(tmp_path):
    tables, issues = read(_raw(tmp_path, [episode_row("C1", "01/06/2023", dec="01/05/2023")]))
    assert tables["episodes"]["dec"].tolist() == [pd.Timestamp("2023-05-01")]
    assert issues_for(issues, "dec_before_decom")["value"].tolist() == ["01/05/2023"]


def test_a_date_after_the_returns_year_end_is_kept_with_a_warning(tmp_path):
    # The 2024 return covers 1 April 2023 to 31 March 2024; 2042 is probably a typing slip.
    rows = [episode_row("C1", "01/06/2023", dec="01/06/2042", rec="E4A")]
    tables, issues = read(_raw(tmp_path, rows))
    assert tables["episodes"]["dec"].tolist() == [pd.Timestamp("2042-06-01")]
    late = issues_for(issues, "date_after_year_end")
    assert late[["column", "value", "severity"]].values.tolist() == [
        ["DEC", "01/06/2042", "warning"]
    ]


def test_episodes_none_of_which_can_be_used_are_an_input_error(tmp_path):
    rows = [episode_row("C1", "31/02/2023"), episode_row("", "01/06/2023")]
    with pytest.raises(InputError, match="None of the 2 episode rows"):
        read(_raw(tmp_path, rows, [header_row("C1")]))


def test_a_folder_named_by_the_year_its_return_starts_is_refused(tmp_path):
    # Folder 2017 should hold 1 April 2016 to 31 March 2017. Here C1 started on 01/06/2017 and
    # left on 01/09/2017, C2 started on 01/12/2017, C3 on 01/03/2016 (an older episode, left
    # out of the count): 3 of the 3 recent dates fall in 2017-18, so the folder is 2018.
    rows = [
        episode_row("C1", "01/06/2017", dec="01/09/2017", rec="E4A"),
        episode_row("C2", "01/12/2017"),
        episode_row("C3", "01/03/2016"),
    ]
    raw = raw_folder(tmp_path, {2017: rows})
    with pytest.raises(
        InputError,
        match=("ssda903/2017 holds events from 1 April 2017 to 31 March 2018: rename it 2018"),
    ):
        read(raw)


def test_a_folder_with_a_few_late_typing_slips_is_not_misnamed(tmp_path):
    # Three dates in 2023-24 and one slip into 2024-25: 1 of 4 recent dates is later (25%).
    rows = [
        episode_row("C1", "01/06/2023", dec="01/09/2023", rec="E4A"),
        episode_row("C2", "01/12/2023", dec="01/06/2024", rec="E4A"),
    ]
    tables, _ = read(raw_folder(tmp_path, {2024: rows}))
    assert len(tables["episodes"]) == 2


def test_an_extract_date_file_marks_an_in_year_extract(tmp_path):
    # The 2024 folder says its return was extracted on 30/09/2023; the file is not a table.
    raw = _raw(tmp_path)
    (raw / "ssda903" / "2024" / "extract_date.txt").write_text("30/09/2023\n")
    log = DataQualityLog()
    result = read_ssda903(raw / "ssda903", log, PSEUDONYMISER)
    assert result.extract_dates == {2024: pd.Timestamp("2023-09-30")}
    assert issues_for(log.to_frame(), "file_ignored").empty


def test_an_extract_date_outside_the_collection_year_is_refused(tmp_path):
    raw = _raw(tmp_path)
    (raw / "ssda903" / "2024" / "extract_date.txt").write_text("2024-06-30")
    with pytest.raises(InputError, match=r"extract_date\.txt must hold one date"):
        read(raw)


def test_a_latest_return_ending_early_without_an_extract_date_is_warned(tmp_path):
    # The 2024 return's last date is 01/06/2023, ten months before 31/03/2024: the warning
    # says how to mark an in-year extract.
    _, issues = read(_raw(tmp_path))
    early = issues_for(issues, "return_ends_early")
    assert early["file"].tolist() == ["ssda903/2024"]
    assert "extract_date.txt" in early["message"].iloc[0]


def test_excel_unicode_text_utf16_tab_separated_is_read_and_noted(tmp_path):
    # Excel's "Unicode Text" export: UTF-16 with a byte-order mark, fields separated by tabs.
    raw = _raw(tmp_path)
    rows = [EPISODES, episode_row("C1", "01/06/2023")]
    write(
        raw / "ssda903" / "2024" / "episodes.csv",
        [row.replace(",", "\t") for row in rows],
        encoding="utf-16",
    )
    tables, issues = read(raw)
    assert tables["episodes"]["place"].tolist() == ["U4"]
    noted = issues_for(issues, "delimiter_detected")
    assert noted["file"].tolist() == ["ssda903/2024/episodes.csv"]
    assert "tabs" in noted["message"].iloc[0] and "Unicode Text" in noted["message"].iloc[0]


def test_a_semicolon_separated_file_is_read_and_noted(tmp_path):
    raw = _raw(tmp_path)
    rows = [HEADER, header_row("C1")]
    write(raw / "ssda903" / "2024" / "header.csv", [row.replace(",", ";") for row in rows])
    tables, issues = read(raw)
    assert tables["header"]["child_id"].tolist() == [pseudonym("C1")]
    assert "semicolons" in issues_for(issues, "delimiter_detected")["message"].iloc[0]


def test_an_unreadable_file_names_the_delimiter_found_not_its_values(tmp_path):
    # A semicolon file whose second row has an unmatched extra field.
    raw = _raw(tmp_path)
    lines = [HEADER.replace(",", ";"), header_row("SECRET1").replace(",", ";") + ";x;y;z"]
    write(raw / "ssda903" / "2024" / "header.csv", lines)
    with pytest.raises(InputError) as caught:
        read(raw)
    assert "semicolon" in str(caught.value)
    assert "SECRET1" not in str(caught.value)


# --- data-quality rules the indicators depend on -------------------------------------------


def test_a_reason_without_an_end_and_an_end_without_a_reason_are_warned(tmp_path):
    # C1: REC E4A but DEC blank; C2: DEC 01/09/2023 but REC blank.
    rows = [
        episode_row("C1", "01/06/2023", rec="E4A"),
        episode_row("C2", "01/06/2023", dec="01/09/2023"),
    ]
    _, issues = read(_raw(tmp_path, rows))
    assert issues_for(issues, "rec_without_dec")["column"].tolist() == ["REC"]
    assert issues_for(issues, "dec_without_rec")["column"].tolist() == ["DEC"]


def test_a_blank_mandatory_item_is_warned_naming_the_column(tmp_path):
    # LS blank on the only episode: one warning, column LS.
    _, issues = read(_raw(tmp_path, [episode_row("C1", "01/06/2023", ls="")]))
    assert issues_for(issues, "mandatory_item_blank")["column"].tolist() == ["LS"]


def test_a_repaired_episode_keeps_no_reason_it_did_not_have_evidence_for(tmp_path):
    # 2023: C1 open with a REC but no DEC; 2024 holds only C2, so C1's episode is closed after
    # the last return that held it (DEC 01/04/2023) and, as documented, REC is blank.
    raw = raw_folder(
        tmp_path,
        {
            2023: [episode_row("C1", "01/06/2022", rec="E4A")],
            2024: [episode_row("C2", "01/06/2023")],
        },
    )
    tables, _ = read(raw)
    c1 = tables["episodes"][tables["episodes"]["child_id"].eq(pseudonym("C1"))].iloc[0]
    assert c1["dec"] == pd.Timestamp("2023-04-01")
    assert pd.isna(c1["rec"])


def test_a_duplicate_header_row_with_another_sex_names_both_and_which_was_kept(tmp_path):
    # C1 twice in the 2024 Header: SEX 1 (M) on row 2, SEX 2 (F) on row 3; row 3 is kept.
    headers = [header_row("C1", sex="1"), header_row("C1", sex="2", dob="02/05/2010")]
    tables, issues = read(_raw(tmp_path, headers=headers))
    message = issues_for(issues, "duplicate_row")["message"].iloc[0]
    assert "SEX differs: M here, F in the kept row" in message
    assert "DOB differs" in message and "2010" not in message
    assert tables["header"]["sex"].tolist() == ["F"]


def test_a_postcode_rewritten_in_the_standard_form_is_noted(tmp_path):
    raw = _raw(tmp_path)
    row = "C1,01/06/2023,S,C2,N1,U4,PR1,,,,pr12ab,PR2 3CD,SC123456"
    write(raw / "ssda903" / "2024" / "episodes.csv", [EPISODES, row])
    tables, issues = read(raw)
    assert tables["episodes"]["home_post"].tolist() == ["PR1 2AB"]
    assert issues_for(issues, "postcode_normalised")["column"].tolist() == ["HOME_POST"]
