"""Child identifiers read from workbooks by privacy_check.raw_child_ids, cell types included."""

from __future__ import annotations

import pandas as pd

from csc_metrics.report.privacy_check import raw_child_ids


def test_numeric_blank_and_missing_cells_of_an_id_column(tmp_path):
    with pd.ExcelWriter(tmp_path / "annex_a.xlsx") as writer:
        pd.DataFrame({"CHILD": [123456, 654321.0, None, "N/A", " AB12345 "]}).to_excel(
            writer, sheet_name="List 1", index=False
        )
    # 123456 and 654321.0 are numbers in the workbook: read as 123456 and 654321. The blank
    # cell and "N/A" (which pandas reads as missing) are no identifier; spaces are stripped.
    assert raw_child_ids(tmp_path) == {"123456", "654321", "AB12345"}


def test_a_sheet_with_only_a_header_has_no_identifiers(tmp_path):
    with pd.ExcelWriter(tmp_path / "annex_a.xlsx") as writer:
        pd.DataFrame({"Child ID": []}).to_excel(writer, sheet_name="List 1", index=False)
    assert raw_child_ids(tmp_path) == set()
