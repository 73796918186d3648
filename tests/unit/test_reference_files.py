"""The packaged reference tables are read as text, a blank cell as an empty string."""

from __future__ import annotations

from csc_metrics.reference_files import read_reference


def test_a_reference_table_is_text_with_blank_cells_kept_blank():
    # ssda903_codes.csv's first row: header,SEX,1,,2024,Male,M (no first year: always allowed).
    first = read_reference("ssda903_codes.csv").iloc[0]
    assert first["code"] == "1"  # a code that looks like a number stays text
    assert first["first_year"] == ""  # a blank cell is "", not NaN
    assert first["last_year"] == "2024"
