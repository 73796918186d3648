"""Child identifiers read from workbooks by privacy_check.raw_child_ids, cell types included."""

from __future__ import annotations

import pandas as pd
from caseload_fixtures import write_workbook

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


def test_a_header_below_title_rows_is_found(tmp_path):
    write_workbook(
        tmp_path / "annex_a.xlsx",
        {
            "List 8": [
                ["Annex A List 8: children in care"],
                [],
                ["Child Unique ID", "Allocated Team"],
                ["CH100001", "North"],
                ["CH100002", "South"],
            ]
        },
    )
    # Ingest looks for the header in the first rows, so the check does too.
    assert raw_child_ids(tmp_path) == {"CH100001", "CH100002"}


def test_every_header_ingest_reads_a_child_from_is_searched(tmp_path):
    write_workbook(
        tmp_path / "annex_a.xlsx",
        {
            "List 6": [["Person ID", "Allocated Team"], ["PX200001", "North"]],
            "List 9": [["Child Reference", "Allocated Team"], ["RF300001", "East"]],
        },
    )
    assert raw_child_ids(tmp_path) == {"PX200001", "RF300001"}


def test_a_sheet_without_a_child_column_in_its_first_rows_has_no_identifiers(tmp_path):
    write_workbook(
        tmp_path / "workforce.xlsx",
        {"Staff": [["Worker ID", "Team"], ["W100001", "North"]]},
    )
    assert raw_child_ids(tmp_path) == set()
