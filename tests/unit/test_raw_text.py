"""The fast CSV path must read every file exactly as pandas' C parser does."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from csc_metrics import raw_text
from csc_metrics.raw_text import describe_heading_row, read_text_csv

OPTIONS = {"dtype": "str", "keep_default_na": False, "skip_blank_lines": False}


@pytest.fixture
def pyarrow_always(monkeypatch):
    """Send even tiny files to pyarrow, as a national-size file would be."""
    monkeypatch.setattr(raw_text, "PYARROW_MIN_BYTES", 0)


def _c_parser(data: bytes, **extra) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(data), encoding="utf-8", **OPTIONS, **extra)


def test_a_blank_line_stays_a_row_so_row_numbers_hold(pyarrow_always, tmp_path):
    # Lines: 1 header, 2 "C1", 3 blank, 4 "C2": the blank line is data row 2 (index 1).
    path = tmp_path / "cases.csv"
    path.write_bytes(b"child_id,team\nC1,North\n\nC2,South\n")
    frame = read_text_csv(path, encoding="utf-8", **OPTIONS)
    assert frame["child_id"].tolist() == ["C1", "", "C2"]


def test_quotes_bom_spaces_and_repeated_headers_read_as_by_the_c_parser(pyarrow_always):
    data = '\ufeffchild_id,team,team\n1,A,x\n2, B ,y\n"3,4","q""r",z\n,,\n'.encode()
    frame = read_text_csv(io.BytesIO(data), encoding="utf-8-sig", **OPTIONS)
    pd.testing.assert_frame_equal(
        frame, pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", **OPTIONS)
    )
    assert frame["team"].tolist() == ["A", " B ", 'q"r', ""]


def test_a_short_row_pyarrow_refuses_is_read_by_the_c_parser(pyarrow_always):
    # Row 2 has one field of three: the C parser with na_filter off fills the rest with "".
    data = b"CHILD,SEX,DOB\n1,M,01/01/2010\n2\n"
    frame = read_text_csv(io.BytesIO(data), {"na_filter": False}, encoding="utf-8", **OPTIONS)
    pd.testing.assert_frame_equal(frame, _c_parser(data, na_filter=False))
    assert frame.loc[1].tolist() == ["2", "", ""]


def test_unparseable_csv_raises_the_c_parser_error(pyarrow_always):
    data = b'CHILD,SEX\n1,M,extra,fields\n"unclosed\n'
    with pytest.raises(pd.errors.ParserError):
        read_text_csv(io.BytesIO(data), encoding="utf-8", **OPTIONS)


# --- describe_heading_row: a file's shape, never its values -------------------------------------


def test_a_data_row_read_as_headings_is_described_by_shape_only():
    # A Header file without its heading row: child id, sex, date of birth, ethnicity, UPN.
    row = ["1012654", "M", "25/07/2006", "MOTH", "H888527710403"]
    text = describe_heading_row(row, ["CHILD", "SEX", "DOB"])
    assert text == (
        "the first row looks like data, not column headings: 5 values, the first a number"
    )
    assert not any(value in text for value in ("1012654", "25/07/2006", "H888527710403", "MOTH"))


def test_only_headings_the_format_knows_are_named():
    text = describe_heading_row(["child", "Sex", "Nickname", ""], ["CHILD", "SEX", "DOB"])
    assert text == "its 3 column headings (CHILD, SEX and 1 not recognised)"


def test_a_system_file_first_line_is_not_echoed():
    text = describe_heading_row(["root:x:0:0:root:/root:/bin/bash"], ["CHILD"])
    assert "root" not in text and "looks like data" in text


def test_names_where_headings_should_be_are_counted_not_shown():
    assert describe_heading_row(["Jane", "Smith"], ["CHILD"]) == (
        "its 2 column headings (none recognised)"
    )
