"""Declared change points: reading the file, and which apply to an indicator."""

from __future__ import annotations

import pandas as pd
import pytest

from csc_metrics.change_points import change_points_for, read_change_points, suggested_line
from csc_metrics.errors import InputError


def write(tmp_path, text):
    path = tmp_path / "change_points.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_change_points_file_is_read_with_uk_or_iso_dates(tmp_path):
    path = write(
        tmp_path,
        "Indicator, Date ,Reason\n"
        "placements_3plus_pct,01/04/2023,New stability panel\n"
        "\n"
        "*,2022-10-01,Case management system replaced\n",
    )
    table = read_change_points(path)
    assert table["indicator"].tolist() == ["*", "placements_3plus_pct"]
    assert table["date"].tolist() == [pd.Timestamp("2022-10-01"), pd.Timestamp("2023-04-01")]


def test_every_bad_row_is_named_by_column_and_row(tmp_path):
    path = write(
        tmp_path,
        "indicator,date,reason\n"
        "no_such_indicator,2023-04-01,x\n"  # row 2
        "placements_3plus_pct,2023-13-01,x\n"  # row 3
        "placements_3plus_pct,2023-04-01,\n",  # row 4
    )
    with pytest.raises(InputError) as caught:
        read_change_points(path)
    message = str(caught.value)
    assert "column indicator, row 2" in message
    assert "column date, row 3" in message
    assert "column reason, row 4" in message


def test_a_missing_column_is_refused(tmp_path):
    with pytest.raises(InputError, match="missing column"):
        read_change_points(write(tmp_path, "indicator,date\n*,2023-04-01\n"))


def test_an_indicator_gets_its_own_change_points_and_those_for_every_indicator(tmp_path):
    table = read_change_points(
        write(
            tmp_path,
            "indicator,date,reason\n"
            "*,2022-10-01,New system\n"
            "placements_3plus_pct,2023-04-01,New panel\n"
            "*,2023-04-01,Restructure\n"
            "long_term_stability_pct,2024-01-01,Other\n",
        )
    )
    mine = change_points_for(table, "placements_3plus_pct")
    # On 1 April 2023 the indicator's own reason wins over the one for every indicator.
    assert mine["reason"].tolist() == ["New system", "New panel"]
    assert change_points_for(None, "placements_3plus_pct").empty


def test_the_suggested_line_names_the_indicator_and_date():
    assert suggested_line("placements_3plus_pct", pd.Timestamp("2023-03-31")) == (
        "placements_3plus_pct,2023-03-31,<what changed>"
    )
