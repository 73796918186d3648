"""The DfE SSDA903 XML layout: each CHILD holds one HEADER and its EPISODE siblings.

The nesting follows the DfE schema as the data-to-insight validator reads it
(``lac_validator/ingress.py`` ``read_xml_from_text``): ``CHILDID``, the header items, the
care-leaver items and the UASC and adoption items are leaves of ``HEADER``; ``AREVIEW``,
``AMISSING``, ``OC2``, ``PERMANENCE`` and ``AD_PLACED`` are groups inside ``HEADER``; each
``EPISODE`` is a sibling of ``HEADER`` inside ``CHILD``.
"""

import pandas as pd
import pytest
from ssda903_helpers import EPISODES, episode_row, pseudonym, read, write

from csc_metrics.errors import InputError

DFE_XML = """<?xml version="1.0" encoding="UTF-8"?>
<Message>
  <CHILD>
    <HEADER>
      <CHILDID>C1</CHILDID>
      <SEX>1</SEX><DOB>01/05/2005</DOB><ETHNIC>WBRI</ETHNIC><UPN>UN1</UPN>
      <IN_TOUCH>YES</IN_TOUCH><ACTIV>F2</ACTIV><ACCOM>S</ACCOM>
      <AREVIEW><REVIEW>01/07/2023</REVIEW><REVIEW_CODE>PN1</REVIEW_CODE></AREVIEW>
      <AREVIEW><REVIEW>01/12/2023</REVIEW><REVIEW_CODE>PN1</REVIEW_CODE></AREVIEW>
      <AMISSING><MISSING>M</MISSING><MIS_START>02/07/2023</MIS_START></AMISSING>
    </HEADER>
    <EPISODE>
      <DECOM>01/06/2023</DECOM><RNE>S</RNE><LS>C2</LS><CIN>N1</CIN><PL>U4</PL>
      <PLACE_PROVIDER>PR1</PLACE_PROVIDER><DEC>01/09/2023</DEC><REC>X1</REC>
    </EPISODE>
    <EPISODE>
      <DECOM>01/09/2023</DECOM><RNE>P</RNE><LS>C2</LS><CIN>N1</CIN><PL>K2</PL>
      <PLACE_PROVIDER>PR1</PLACE_PROVIDER>
    </EPISODE>
  </CHILD>
  <CHILD>
    <HEADER>
      <CHILDID>C2</CHILDID>
      <SEX>2</SEX><DOB>01/05/2015</DOB><ETHNIC>WBRI</ETHNIC><UPN>UN1</UPN>
      <PERMANENCE><DATE_PERM>01/01/2020</DATE_PERM><LA_PERM>E09</LA_PERM></PERMANENCE>
    </HEADER>
    <EPISODE>
      <DECOM>01/10/2023</DECOM><RNE>S</RNE><LS>C2</LS><CIN>N2</CIN><PL>U1</PL>
      <PLACE_PROVIDER>PR1</PLACE_PROVIDER>
    </EPISODE>
  </CHILD>
</Message>
"""


def _xml_folder(tmp_path, xml=DFE_XML):
    folder = tmp_path / "ssda903" / "2024"
    folder.mkdir(parents=True)
    (folder / "return.xml").write_text(xml, encoding="utf-8")
    return tmp_path


def test_every_episode_of_the_dfe_layout_is_read(tmp_path):
    # C1 has two EPISODE siblings of its HEADER, C2 one: three episodes in all.
    tables, _ = read(_xml_folder(tmp_path))
    episodes = tables["episodes"].sort_values(["child_id", "decom"])
    assert len(episodes) == 3
    c1 = episodes[episodes["child_id"] == pseudonym("C1")]
    assert c1["place"].tolist() == ["U4", "K2"]
    assert c1["decom"].tolist() == [pd.Timestamp("2023-06-01"), pd.Timestamp("2023-09-01")]


def test_each_child_has_one_header_row(tmp_path):
    # Two CHILD elements: two header rows, C1 male (1 -> M), C2 female (2 -> F).
    tables, _ = read(_xml_folder(tmp_path))
    header = tables["header"].set_index("child_id")
    assert sorted(header.index) == sorted([pseudonym("C1"), pseudonym("C2")])
    assert header.loc[pseudonym("C1"), "sex"] == "M"
    assert header.loc[pseudonym("C2"), "sex"] == "F"


def test_groups_inside_the_header_belong_to_their_child(tmp_path):
    # C1: one AMISSING (beside two AREVIEW, a table csc-metrics reads but does not keep) and
    # the OC3 items; C2: one PERMANENCE.
    tables, _ = read(_xml_folder(tmp_path))
    assert tables["missing"]["child_id"].tolist() == [pseudonym("C1")]
    assert tables["oc3"]["child_id"].tolist() == [pseudonym("C1")]
    assert tables["prev_perm"]["child_id"].tolist() == [pseudonym("C2")]


def test_a_child_without_childid_is_refused_naming_its_line(tmp_path):
    # The second CHILD element opens on line 21 of DFE_XML.
    xml = DFE_XML.replace("<CHILDID>C2</CHILDID>", "")
    with pytest.raises(InputError, match="line 21 has no CHILDID"):
        read(_xml_folder(tmp_path, xml))


def test_xml_and_csv_for_the_same_year_are_refused_naming_both(tmp_path):
    raw = _xml_folder(tmp_path)
    write(raw / "ssda903" / "2024" / "episodes.csv", [EPISODES, episode_row("C1", "01/06/2023")])
    with pytest.raises(InputError) as caught:
        read(raw)
    message = str(caught.value)
    assert "ssda903/2024/return.xml" in message
    assert "ssda903/2024/episodes.csv" in message
