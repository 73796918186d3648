"""What a council's own small CSV files share: reading, row numbers, dates, the problem list."""

from __future__ import annotations

import pandas as pd
import pytest

from csc_metrics.council_files import (
    numbered_rows,
    raise_problems,
    read_council_csv,
    written_dates,
)
from csc_metrics.errors import InputError


def test_a_missing_file_is_named_with_its_kind(tmp_path):
    with pytest.raises(InputError, match=r"^Notes file .*absent\.csv not found\.$"):
        read_council_csv(tmp_path / "absent.csv", "Notes file")


def test_headings_are_trimmed_and_lower_cased_and_cells_kept_as_text(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text(" ID ,Target\nx, 07\n", encoding="utf-8")
    raw = read_council_csv(path, "Notes file")
    assert list(raw.columns) == ["id", "target"]
    assert raw["target"].tolist() == [" 07"]  # text as written: no number, not yet trimmed


def test_rows_are_numbered_as_a_spreadsheet_shows_them_and_blank_rows_dropped():
    # The header is row 1: the data rows are 2, 3 (blank once trimmed, dropped) and 4.
    raw = pd.DataFrame({"id": [" a ", "  ", "b"], "note": ["x", "", ""], "other": ["", "", ""]})
    rows = numbered_rows(raw, ["id", "note"])
    assert rows["id"].tolist() == ["a", "b"]
    assert rows["row"].tolist() == [2, 4]
    assert list(rows.columns) == ["id", "note", "row"]


def test_dates_are_read_as_iso_or_day_month_year_and_anything_else_is_blank():
    dates = written_dates(pd.Series(["2024-03-31", "01/04/2023", "2023-13-01", ""]))
    assert dates.iloc[0] == pd.Timestamp("2024-03-31")
    assert dates.iloc[1] == pd.Timestamp("2023-04-01")  # day first
    assert dates.iloc[2:].isna().all()


def test_no_problems_raise_nothing(tmp_path):
    raise_problems("Notes file", tmp_path / "notes.csv", [])


def test_twenty_problems_are_listed_and_the_rest_counted(tmp_path):
    problems = [f"row {n}: bad" for n in range(2, 25)]  # rows 2 to 24: 23 problems
    with pytest.raises(InputError) as caught:
        raise_problems("Notes file", tmp_path / "notes.csv", problems)
    text = str(caught.value)
    assert text.startswith(f"Notes file {tmp_path / 'notes.csv'} has problems:\n  row 2: bad")
    assert "row 21: bad" in text  # the 20th
    assert "row 22: bad" not in text
    assert text.endswith("\n  ... and 3 more")
