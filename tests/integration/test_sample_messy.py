"""``--messy`` injects each quirk of real extracts where MANIFEST.md says it did.

The files are read as raw text lines (row 1 is the header, as in the data-quality log), so the
checks do not depend on any CSV reader's tolerance.
"""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from sample_checks import manifest_json, valid_codes

QUIRKS = {
    "utf8_bom",
    "crlf_line_endings",
    "blank_trailing_rows",
    "lower_case_code",
    "stray_spaces",
    "excel_float_ids",
    "extra_local_columns",
    "invalid_code",
    "impossible_date",
    "duplicated_episode",
    "overlapping_episode",
    "duplicated_worker",
    "header_variant",
}


# Generates and writes a whole messy synthetic council: left out of `make test-fast`.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def folder(messy_sample):
    return messy_sample


@pytest.fixture(scope="module")
def quirks(folder):
    return manifest_json(folder)["quirks"]


def _lines(folder, name: str) -> list[str]:
    return (folder / name).read_bytes().decode("utf-8-sig").splitlines()


def _cell(folder, name: str, row: int, column: str) -> str:
    lines = _lines(folder, name)
    return lines[row - 1].split(",")[lines[0].split(",").index(column)]


def _each(quirks, kind):
    found = [q for q in quirks if q["quirk"] == kind]
    assert found, kind
    return found


def _rows(quirk) -> list[int]:
    # A quirk recorded at no row would make the checks below pass without looking at anything.
    assert quirk["rows"], quirk
    return quirk["rows"]


def test_every_kind_of_quirk_is_recorded(quirks):
    assert {q["quirk"] for q in quirks} == QUIRKS


def test_bom_only_where_recorded(folder, quirks):
    with_bom = set(_each(quirks, "utf8_bom")[0]["files"])
    for path in (folder / "ssda903").rglob("*.csv"):
        name = str(path.relative_to(folder))
        assert path.read_bytes().startswith(b"\xef\xbb\xbf") == (name in with_bom), name


def test_crlf_only_where_recorded(folder, quirks):
    crlf = set(_each(quirks, "crlf_line_endings")[0]["files"])
    assert crlf
    for path in (folder / "ssda903").rglob("*.csv"):
        name = str(path.relative_to(folder))
        assert (b"\r\n" in path.read_bytes()) == (name in crlf), name


def test_blank_rows_at_the_end(folder, quirks):
    quirk = _each(quirks, "blank_trailing_rows")[0]
    lines = _lines(folder, quirk["files"][0])
    assert lines[-1] == "" and quirk["count"] > 0
    assert all(set(line) == {","} for line in lines[-1 - quirk["count"] : -1])


def test_row_level_quirks_are_at_the_recorded_rows(folder, quirks):
    for quirk in _each(quirks, "lower_case_code"):
        for row in _rows(quirk):
            value = _cell(folder, quirk["files"][0], row, quirk["column"])
            assert value == value.lower() != value.upper()
    for quirk in _each(quirks, "stray_spaces"):
        for row in _rows(quirk):
            value = _cell(folder, quirk["files"][0], row, quirk["column"])
            assert value != value.strip() and value.strip()
    for quirk in _each(quirks, "invalid_code"):
        name = quirk["files"][0]
        year = int(name.split("/")[1])
        table = name.split("/")[2].removesuffix(".csv")
        for row in _rows(quirk):
            value = _cell(folder, name, row, quirk["column"])
            assert value and value not in valid_codes(table, quirk["column"], year)
    for quirk in _each(quirks, "impossible_date"):
        for row in _rows(quirk):
            value = _cell(folder, quirk["files"][0], row, quirk["column"])
            with pytest.raises(ValueError):
                dt.datetime.strptime(value, "%d/%m/%Y")


def test_duplicate_and_overlapping_episodes(folder, quirks):
    duplicate = _each(quirks, "duplicated_episode")[0]
    lines = _lines(folder, duplicate["files"][0])
    row = duplicate["rows"][0]
    assert lines[row - 1] == lines[row - 2]
    overlap = _each(quirks, "overlapping_episode")[0]
    name, row = overlap["files"][0], overlap["rows"][0]
    dec = dt.datetime.strptime(_cell(folder, name, row, "DEC"), "%d/%m/%Y")
    next_start = dt.datetime.strptime(_cell(folder, name, row + 1, "DECOM"), "%d/%m/%Y")
    assert _cell(folder, name, row, "CHILD") == _cell(folder, name, row + 1, "CHILD")
    assert dec > next_start


def test_excel_ids_and_local_columns(folder, quirks):
    ids = _each(quirks, "excel_float_ids")[0]
    lines = _lines(folder, ids["files"][0])
    child = lines[0].split(",").index("CHILD")
    assert all(line.split(",")[child].endswith(".0") for line in lines[1:])
    extra = _each(quirks, "extra_local_columns")[0]
    header = _lines(folder, extra["files"][0])[0].split(",")
    assert set(extra["column"].split(";")) <= set(header)


def test_caseload_quirks(folder, quirks):
    worker = _each(quirks, "duplicated_worker")[0]
    lines = _lines(folder, worker["files"][0])
    assert lines[worker["rows"][0] - 1] == lines[worker["rows"][0] - 2]
    variant = _each(quirks, "header_variant")[0]
    book = openpyxl.load_workbook(folder / variant["files"][0], read_only=True)
    for sheet in book.worksheets:
        header = next(sheet.iter_rows(max_row=1, values_only=True))
        assert "Age of Child (Years)" in header and "Age" not in header
