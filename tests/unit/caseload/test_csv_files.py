"""Reading the caseload CSV files as text: blanks, blank lines, row numbers."""

from __future__ import annotations

import pandas as pd

from csc_metrics.caseload.csv_files import read_csv_table
from csc_metrics.quality import DataQualityLog

VARIANTS = {"team": ("team",), "funded_fte": ("funded_fte",)}


def _read(tmp_path, text: str) -> pd.DataFrame:
    path = tmp_path / "establishment.csv"
    path.write_text(text, encoding="utf-8")
    cells, _ = read_csv_table(
        path,
        "caseload/2024-03-31/establishment.csv",
        VARIANTS,
        ("team",),
        "establishment",
        DataQualityLog(),
    )
    return cells


def test_empty_and_spaces_only_cells_are_missing_and_other_text_is_kept_as_written(tmp_path):
    # Row 2: a team with spaces around it is kept as written; its FTE is spaces only (missing).
    # Row 3: an empty team (missing) and an FTE of 2.
    cells = _read(tmp_path, "team,funded_fte\n  North ,   \n,2\n")
    assert cells["team"].tolist()[0] == "  North "
    assert pd.isna(cells["team"].iloc[1])
    assert pd.isna(cells["funded_fte"].iloc[0])
    assert cells["funded_fte"].iloc[1] == "2"


def test_a_line_of_blank_cells_is_skipped_and_rows_keep_their_file_line_numbers(tmp_path):
    # Line 3 holds only a comma and spaces: blank, so the South row keeps line number 4.
    cells = _read(tmp_path, "team,funded_fte\nNorth,1\n ,  \nSouth,3\n")
    assert cells["team"].tolist() == ["North", "South"]
    assert cells["source_row"].tolist() == [2, 4]


def test_blank_cells_come_back_as_the_str_dtype(tmp_path):
    cells = _read(tmp_path, "team,funded_fte\nNorth,\n")
    assert cells["funded_fte"].dtype == "str"
