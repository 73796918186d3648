"""Local targets: reading the targets file, and the target in force at a date."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from csc_metrics.benchmarks import align_to_targets, read_targets, target_for
from csc_metrics.errors import InputError


def _write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "targets.csv"
    path.write_text(text, encoding=encoding)
    return path


@pytest.fixture
def targets(tmp_path) -> pd.DataFrame:
    return read_targets(
        _write(
            tmp_path,
            "id,target,from_date\n"
            "care_leavers_19_21_eet_pct,55,\n"
            "care_leavers_19_21_eet_pct,60,2025-04-01\n"
            "placements_3plus_pct,8%,01/10/2024\n",
        )
    )


def test_reads_ids_numbers_and_both_date_forms(targets):
    assert targets.to_dict("list") == {
        "id": ["care_leavers_19_21_eet_pct", "care_leavers_19_21_eet_pct", "placements_3plus_pct"],
        "target": [55.0, 60.0, 8.0],
        "from_date": [pd.NaT, pd.Timestamp("2025-04-01"), pd.Timestamp("2024-10-01")],
    }


def test_from_date_column_is_optional_and_extra_columns_are_ignored(tmp_path):
    path = _write(tmp_path, "\ufeffID, Target ,notes\ncaseload_per_fte,15,agreed by DCS\n\n")
    assert read_targets(path).to_dict("list") == {
        "id": ["caseload_per_fte"],
        "target": [15.0],
        "from_date": [pd.NaT],
    }


def test_undated_target_applies_before_a_dated_one_starts(targets):
    assert target_for(targets, "care_leavers_19_21_eet_pct", "2025-03-31") == 55.0


def test_dated_target_applies_from_its_date(targets):
    assert target_for(targets, "care_leavers_19_21_eet_pct", "2025-04-01") == 60.0


def test_no_target_before_the_only_dated_one_starts(targets):
    assert target_for(targets, "placements_3plus_pct", "2024-09-30") is None


def test_no_target_for_an_indicator_without_one(targets):
    assert target_for(targets, "caseload_per_fte", "2025-03-31") is None


def test_a_series_gets_the_target_in_force_at_each_period_end(targets):
    series = pd.DataFrame(
        {
            "indicator_id": ["care_leavers_19_21_eet_pct"] * 2 + ["caseload_per_fte"],
            "period_end": pd.to_datetime(["2025-03-31", "2025-06-30", "2025-06-30"]),
            "value": [50.0, 57.5, 16.0],
        }
    )
    aligned = align_to_targets(series, targets)
    assert aligned["target"].tolist()[:2] == [55.0, 60.0] and pd.isna(aligned["target"].iloc[2])
    assert aligned["gap_to_target"].tolist()[:2] == [-5.0, -2.5]


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_targets(tmp_path / "absent.csv")


def test_missing_column_is_named(tmp_path):
    with pytest.raises(InputError, match=r"targets\.csv: missing column\(s\) target"):
        read_targets(_write(tmp_path, "id,value\ncaseload_per_fte,15\n"))


def test_unknown_id_names_file_column_and_row(tmp_path):
    path = _write(tmp_path, "id,target\ncaseload_per_fte,15\neet,50\n")
    with pytest.raises(InputError, match=r"targets\.csv.*\n.*column id, row 3: unknown indicator"):
        read_targets(path)


def test_non_numeric_target_names_column_and_row(tmp_path):
    path = _write(tmp_path, "id,target\ncaseload_per_fte,fifteen\n")
    with pytest.raises(InputError, match="column target, row 2: 'fifteen' is not a number"):
        read_targets(path)


def test_bad_date_names_column_and_row(tmp_path):
    path = _write(tmp_path, "id,target,from_date\ncaseload_per_fte,15,31/02/2025\n")
    with pytest.raises(InputError, match="column from_date, row 2: '31/02/2025' is not a date"):
        read_targets(path)


def test_every_problem_is_listed_at_once(tmp_path):
    path = _write(tmp_path, "id,target\neet,50\ncaseload_per_fte,x\n")
    with pytest.raises(InputError) as raised:
        read_targets(path)
    assert "row 2" in str(raised.value) and "row 3" in str(raised.value)


def test_a_repeated_id_and_date_is_an_error(tmp_path):
    path = _write(tmp_path, "id,target,from_date\ncaseload_per_fte,15,\ncaseload_per_fte,14,\n")
    with pytest.raises(InputError, match="row 3: repeats the target for caseload_per_fte"):
        read_targets(path)


def test_a_file_that_is_not_text_is_an_input_error(tmp_path):
    path = tmp_path / "targets.csv"
    path.write_bytes(b"\xff\xfe\x00\x01\x80\x81")
    with pytest.raises(InputError, match="could not be read"):
        read_targets(path)
