"""The output checks: raw child identifiers and unsuppressed small counts are found."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
from nbformat.v4 import new_code_cell, new_notebook, new_output

from csc_metrics.report.privacy_check import (
    IdentifierSearch,
    child_ids_of_cells,
    find_identifiers,
    find_small_counts,
    raw_child_ids,
    sheet_child_id_cells,
    sheet_child_ids,
)


def test_child_ids_are_read_from_every_csv_with_an_id_column(report_raw):
    # conftest's raw folder: CHILD in header.csv and child_id in cases.csv, the same three ids.
    assert raw_child_ids(report_raw) == {"CH900001", "CH900002", "CH900003"}


def test_excel_artefacts_and_spaces_are_removed_from_ids(tmp_path):
    pd.DataFrame({"CHILD": [" 123456.0", "654321 ", ""]}).to_csv(tmp_path / "e.csv", index=False)
    assert raw_child_ids(tmp_path) == {"123456", "654321"}


def test_child_ids_are_read_from_annex_a_workbooks(tmp_path):
    with pd.ExcelWriter(tmp_path / "annex_a.xlsx") as writer:
        pd.DataFrame({"Child Unique ID": ["AA11111"], "Gender": ["a) Male"]}).to_excel(
            writer, sheet_name="List 8", index=False
        )
        pd.DataFrame({"Worker": ["W9"]}).to_excel(writer, sheet_name="Other", index=False)
    assert raw_child_ids(tmp_path) == {"AA11111"}


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_an_identifier_standing_as_a_word_is_found_without_being_repeated(tmp_path):
    write(tmp_path, "report.html", "<p>fine</p>\n<p>child_CH900001 moved</p>")
    findings = find_identifiers(tmp_path, {"CH900001"})
    assert [str(f) for f in findings] == ["report.html, line 2: a raw child identifier"]


def test_an_identifier_inside_a_longer_pseudonym_is_chance_not_a_leak(tmp_path):
    write(tmp_path, "report.html", "<td>9f123456ab01cd</td>")
    assert find_identifiers(tmp_path, {"123456"}) == []


def test_embedded_images_are_not_searched(tmp_path):
    write(tmp_path, "report.html", '<img src="data:image/png;base64,AAAA+CH900001/BBBB==" alt="x">')
    assert find_identifiers(tmp_path, {"CH900001"}) == []


def test_numbers_in_json_are_not_searched_but_strings_are(tmp_path):
    # A timing of 0.123456 s must not match a numeric id; a file name holding it must.
    write(tmp_path, "manifest.json", json.dumps({"seconds": 0.123456, "bytes": 123456}))
    assert find_identifiers(tmp_path, {"123456"}) == []
    write(tmp_path, "manifest.json", json.dumps({"file": "raw/123456.csv"}))
    assert [f.where for f in find_identifiers(tmp_path, {"123456"})] == ["a value"]


def test_notebooks_are_searched_cell_by_cell_outside_metadata(tmp_path):
    leak = new_output("stream", name="stdout", text="Child CH900001\n")
    cells = [new_code_cell("x = 1"), new_code_cell("print(x)", outputs=[leak])]
    notebook = new_notebook(cells=cells)
    notebook.metadata["papermill"] = {"duration": 1.123456}
    nbformat.write(notebook, tmp_path / "executed.ipynb")
    findings = find_identifiers(tmp_path, {"CH900001", "123456"})
    assert [(f.file, f.where) for f in findings] == [("executed.ipynb", "cell 2")]


def test_short_identifiers_are_not_searched(tmp_path):
    write(tmp_path, "report.html", "<p>1234 children</p>")
    assert find_identifiers(tmp_path, {"1234"}) == []


def test_a_small_count_in_a_count_cell_is_found(tmp_path):
    write(tmp_path, "r.html", '<table><tr><td class="count">3</td><td class="count">c</td></tr>')
    assert [f.what for f in find_small_counts(tmp_path)] == ["count cell shows 3"]


def test_counts_above_five_and_zero_are_allowed(tmp_path):
    write(tmp_path, "r.html", '<td class="count">0</td><td class="count">6</td><p>n=12</p>')
    assert find_small_counts(tmp_path) == []


def test_a_small_n_figure_is_found(tmp_path):
    write(tmp_path, "r.html", "<p>EET rate 40% (n=5).</p><p>n = 50</p>")
    assert [f.what for f in find_small_counts(tmp_path)] == ["n=5"]


def test_a_small_number_of_children_in_the_text_is_found(tmp_path):
    write(tmp_path, "r.html", "<p>2 care leavers were not in touch; 40 children</p>")
    assert [f.what for f in find_small_counts(tmp_path)] == ["'2 …' in the text"]


def test_thresholds_and_rates_in_the_text_are_not_counts(tmp_path):
    write(tmp_path, "r.html", "<p>3+ placements; 3 placements or more; 1 in 5 children</p>")
    assert find_small_counts(tmp_path) == []


def test_narrative_counts_can_be_left_to_the_tests(tmp_path):
    write(tmp_path, "r.html", "<p>2 children</p>")
    assert find_small_counts(tmp_path, narrative=False) == []


def test_a_count_cell_over_several_lines_is_found_on_its_first_line(tmp_path):
    write(tmp_path, "r.html", '<table>\n<tr>\n<td class="num count">\n  4\n</td></tr></table>')
    assert [str(f) for f in find_small_counts(tmp_path)] == ["r.html, line 3: count cell shows 4"]


def test_style_sheets_are_not_read_as_text(tmp_path):
    write(tmp_path, "r.html", "<style>\n.x { n: 3; }\n</style>\n<p>2 children</p>")
    assert [str(f) for f in find_small_counts(tmp_path)] == ["r.html, line 4: '2 …' in the text"]


def test_one_search_finds_in_each_folder_what_a_search_of_its_own_finds(tmp_path):
    # The run builds one search and checks every report with it: the identifiers are sorted
    # into whole words (CH900001) and others (AB-12345, found anywhere) once.
    first, second = tmp_path / "a", tmp_path / "b"
    write(first, "page.html", "<p>fine</p>\n<p>id=CH900001,</p>")
    write(second, "page.html", "<p>refAB-12345x</p>\n<p>fine</p>")
    search = IdentifierSearch({"CH900001", "AB-12345", "CH9"})
    for folder in (first, second, first):
        assert search.findings(folder) == find_identifiers(folder, {"CH900001", "AB-12345"})
    assert [f.where for f in search.findings(second)] == ["line 1"]


def test_a_search_for_nothing_reads_no_file(tmp_path):
    write(tmp_path, "page.html", "<p>CH900001</p>")
    search = IdentifierSearch({"CH9"})  # shorter than an identifier is searched for
    assert not search.searches
    assert search.findings(tmp_path, files=[tmp_path / "not-even-there.html"]) == []


def test_a_sheets_identifier_cells_are_taken_first_and_cleaned_later(tmp_path):
    # A title row above the header; a short row (no cell under the second id column); text
    # pandas reads as missing; an Excel number; spaces.
    rows = [
        ["Annex A list 8", None, None],
        ["Child Unique ID", "Team", "Child ID"],
        [" AA11111 ", "North", 123456.0],
        ["#N/A", "South"],
        ["", "East", "BB22222"],
    ]
    cells = sheet_child_id_cells(rows)
    assert cells == [[" AA11111 ", "#N/A", ""], [123456.0, None, "BB22222"]]
    assert child_ids_of_cells(cells) == sheet_child_ids(rows) == {"AA11111", "123456", "BB22222"}


def test_an_embedded_image_ends_where_its_base64_ends(tmp_path):
    # Base64 broken by spaces and JSON-escaped line breaks is skipped whole; what follows the
    # image is read again.
    image = "data:image/svg+xml;base64,QUJD CH900001\\nREVG=="
    write(tmp_path, "page.html", f'<img src="{image}" alt="chart">')
    assert find_identifiers(tmp_path, {"CH900001"}) == []
    write(tmp_path, "page.html", f'<img src="{image}" alt="CH900001">')
    assert [f.where for f in find_identifiers(tmp_path, {"CH900001"})] == ["line 1"]
