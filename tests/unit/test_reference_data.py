import pandas as pd
import pytest
from ssda903_helpers import write

from csc_metrics.errors import InputError
from csc_metrics.quality import DataQualityLog
from csc_metrics.reference_data import read_reference
from csc_metrics.schemas import CleanPopulation, CleanPostcodes


def _read(tmp_path):
    log = DataQualityLog()
    result = read_reference(tmp_path / "reference", log)
    return result, log.to_frame()


def test_absent_files_give_empty_tables_and_a_note(tmp_path):
    result, issues = _read(tmp_path)
    assert result.tables["postcodes"].empty and result.tables["population"].empty
    assert issues[["file", "rule", "severity"]].values.tolist() == [
        ["reference/postcodes.csv", "file_absent", "info"],
        ["reference/population.csv", "file_absent", "info"],
    ]


def test_postcodes_sectors_and_districts_are_normalised(tmp_path):
    write(
        tmp_path / "reference" / "postcodes.csv",
        [
            "Postcode,Easting,Northing,LA_Code",
            "pr12ab,354000,429000,e10000017",  # full postcode without its space
            "PR1 2,354100,429100,E10000017",  # a sector
            "LS1,430000,433000,E08000035",  # a district
        ],
    )
    result, _ = _read(tmp_path)
    postcodes = result.tables["postcodes"]
    CleanPostcodes.validate(postcodes)
    assert postcodes["postcode"].tolist() == ["PR1 2AB", "PR1 2", "LS1"]
    assert postcodes["la_code"].tolist() == ["E10000017", "E10000017", "E08000035"]
    assert postcodes["easting"].tolist() == [354000.0, 354100.0, 430000.0]


def test_an_ons_style_pcds_heading_is_accepted(tmp_path):
    write(
        tmp_path / "reference" / "postcodes.csv",
        ["pcds,easting,northing,la_code", "PR1 2AB,1,2,E1"],
    )
    result, _ = _read(tmp_path)
    assert result.tables["postcodes"]["postcode"].tolist() == ["PR1 2AB"]


def test_bad_postcode_rows_are_dropped_or_blanked_with_issues(tmp_path):
    write(
        tmp_path / "reference" / "postcodes.csv",
        [
            "postcode,easting,northing,la_code",
            "nope,1,2,E1",  # line 2: not a postcode: dropped
            "PR1 2AB,x,2,E1",  # line 3: easting not a number: blanked
            "PR1 2AB,5,6,E1",  # line 4: repeats line 3: dropped
        ],
    )
    result, issues = _read(tmp_path)
    postcodes = result.tables["postcodes"]
    assert postcodes["postcode"].tolist() == ["PR1 2AB"]
    assert postcodes["easting"].isna().all()
    found = issues[issues["rule"] != "file_absent"]
    assert found[["row", "rule", "severity"]].values.tolist() == [
        [2, "invalid_postcode", "error"],
        [3, "not_a_number", "warning"],
        [4, "duplicate_row", "error"],
    ]


def test_population_rows_that_cannot_be_used_are_dropped_with_an_error_each(tmp_path):
    write(
        tmp_path / "reference" / "population.csv",
        [
            "la_code,year,population_0_17",
            'e10000017,2023,"250,100"',  # line 2: thousands separator is fine
            ",2023,100",  # line 3: no council
            "E10000017,2023.5,100",  # line 4: not a year
            "E10000017,2024,0",  # line 5: no children
        ],
    )
    result, issues = _read(tmp_path)
    population = result.tables["population"]
    CleanPopulation.validate(population)
    assert population.values.tolist() == [["E10000017", 2023, 250100.0]]
    found = issues[issues["rule"] != "file_absent"]
    assert found[["row", "column", "severity"]].values.tolist() == [
        [3, "LA_CODE", "error"],
        [4, "YEAR", "error"],
        [5, "POPULATION_0_17", "error"],
    ]
    assert result.rows_in["population"] == 4


def test_a_missing_column_is_an_input_error_naming_the_file(tmp_path):
    write(tmp_path / "reference" / "population.csv", ["la_code,population_0_17", "E1,5"])
    with pytest.raises(InputError, match=r"reference/population\.csv lacks the column\(s\) YEAR"):
        _read(tmp_path)


def test_tables_keep_their_column_types(tmp_path):
    write(tmp_path / "reference" / "population.csv", ["la_code,year,population_0_17", "E1,2023,5"])
    result, _ = _read(tmp_path)
    assert pd.api.types.is_integer_dtype(result.tables["population"]["year"])
