"""Annex A workbooks parsed ahead in threads: the same cells, issues and errors as read in turn."""

from __future__ import annotations

import shutil
import threading

import pandas as pd
import pytest
from caseload_fixtures import (
    PSEUDONYMISER,
    STANDARD_LISTS,
    new_log,
    standard_snapshot,
    write_workbook,
)

from csc_metrics.caseload import ingest as caseload_ingest
from csc_metrics.caseload import prefetch as prefetch_module
from csc_metrics.caseload.annex_a import open_case_lists, read_annex_a_cells
from csc_metrics.caseload.prefetch import WorkbookPrefetch
from csc_metrics.errors import InputError

SNAPSHOT = pd.Timestamp("2024-03-31")
SOURCE = "caseload/2024-03-31/annex_a.xlsx"


def _snapshots(tmp_path, dates=("2024-03-31", "2024-06-30", "2024-09-30")):
    caseload = standard_snapshot(tmp_path, dates[0])
    for date in dates[1:]:
        shutil.copytree(caseload / dates[0], caseload / date)
    return caseload


def test_a_workbook_opened_ahead_reads_as_one_opened_in_turn(tmp_path):
    path = standard_snapshot(tmp_path) / "2024-03-31" / "annex_a.xlsx"
    in_turn_log, ahead_log = new_log(), new_log()
    in_turn = read_annex_a_cells(path, SOURCE, SNAPSHOT, in_turn_log)
    opened = open_case_lists(path, SOURCE)
    assert opened is not None
    # The four case list sheets of STANDARD_LISTS are parsed ahead, not List 1.
    assert sorted(opened.sheets) == ["9. Leaving Care", "List 6 - CIN", "List 7", "list8"]
    ahead = read_annex_a_cells(path, SOURCE, SNAPSHOT, ahead_log, opened)
    pd.testing.assert_frame_equal(ahead.rows, in_turn.rows)
    pd.testing.assert_frame_equal(ahead.headers, in_turn.headers)
    pd.testing.assert_frame_equal(ahead_log.to_frame(), in_turn_log.to_frame())


def test_a_workbook_that_cannot_be_opened_is_left_to_the_reader_which_raises_as_before(tmp_path):
    path = tmp_path / "caseload" / "2024-03-31" / "annex_a.xlsx"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a zip file")
    assert open_case_lists(path, SOURCE) is None
    with pytest.raises(InputError, match=r"could not be opened as an Excel \.xlsx workbook"):
        read_annex_a_cells(path, SOURCE, SNAPSHOT, new_log())


def test_a_workbook_holding_one_list_twice_is_left_to_the_reader(tmp_path):
    path = tmp_path / "annex_a.xlsx"
    rows = STANDARD_LISTS["List 7"]
    write_workbook(path, {"List 7": rows, "list7": rows})
    assert open_case_lists(path, SOURCE) is None
    with pytest.raises(InputError, match="more than one sheet holds the same Annex A list"):
        read_annex_a_cells(path, SOURCE, SNAPSHOT, new_log())


def test_workbooks_are_taken_in_order_and_each_only_once(tmp_path):
    caseload = _snapshots(tmp_path)
    paths = [
        caseload / date / "annex_a.xlsx" for date in sorted(p.name for p in caseload.iterdir())
    ]
    with WorkbookPrefetch([(path, path.name) for path in paths]) as workbooks:
        first = workbooks.take(paths[0])
        assert first is not None
        first.workbook.close()
        assert workbooks.take(paths[0]) is None
        # Taking the third lets the second go: the reader never goes back.
        third = workbooks.take(paths[2])
        assert third is not None
        third.workbook.close()
        assert workbooks.take(paths[1]) is None


def test_no_more_than_the_look_ahead_is_parsed_before_the_reader_takes_one(tmp_path, monkeypatch):
    caseload = _snapshots(tmp_path)
    paths = [
        caseload / date / "annex_a.xlsx" for date in sorted(p.name for p in caseload.iterdir())
    ]
    opened: list[str] = []

    def spy(path, source):
        opened.append(source)
        return open_case_lists(path, source)

    monkeypatch.setattr(prefetch_module, "open_case_lists", spy)
    # A look-ahead of one byte still keeps one workbook ahead of the reader.
    workbooks = WorkbookPrefetch([(path, str(n)) for n, path in enumerate(paths)], 1)
    try:
        assert workbooks._submitted.keys() == {paths[0]}
        workbooks.take(paths[0]).workbook.close()
        assert workbooks._submitted.keys() == {paths[1]}
    finally:
        workbooks.close()
    # Closing stops the rest: the third was never opened.
    assert "2" not in opened


def test_the_caseload_stage_gives_the_same_tables_and_issues_with_and_without_parsing_ahead(
    tmp_path, monkeypatch
):
    caseload = _snapshots(tmp_path)
    ahead_log = new_log()
    with caseload_ingest.prefetch_workbooks(caseload, None) as workbooks:
        ahead = caseload_ingest.ingest_caseload(
            caseload, None, ahead_log, PSEUDONYMISER, workbooks=workbooks
        )
    monkeypatch.setattr(caseload_ingest, "_start_prefetch", lambda jobs: None)
    in_turn_log = new_log()
    in_turn = caseload_ingest.ingest_caseload(caseload, None, in_turn_log, PSEUDONYMISER)
    for key in in_turn:
        pd.testing.assert_frame_equal(ahead[key], in_turn[key])
    pd.testing.assert_frame_equal(ahead_log.to_frame(), in_turn_log.to_frame())


def test_a_bad_workbook_after_good_ones_raises_the_reader_s_error_in_its_place(tmp_path):
    caseload = _snapshots(tmp_path)
    (caseload / "2024-06-30" / "annex_a.xlsx").write_bytes(b"not a zip file")
    with (
        caseload_ingest.prefetch_workbooks(caseload, None) as workbooks,
        pytest.raises(InputError, match=r"caseload/2024-06-30/annex_a.xlsx could not be opened"),
    ):
        caseload_ingest.ingest_caseload(
            caseload, None, new_log(), PSEUDONYMISER, workbooks=workbooks
        )


def test_while_the_worker_parses_the_workbook_wanted_the_reader_parses_the_next(
    tmp_path, monkeypatch
):
    caseload = _snapshots(tmp_path)
    paths = [
        caseload / date / "annex_a.xlsx" for date in sorted(p.name for p in caseload.iterdir())
    ]
    parsed_by: dict[str, str] = {}
    second_parsed = threading.Event()

    def spy(path, source):
        parsed_by[source] = threading.current_thread().name
        if source == "0":
            # The worker is still on the first workbook until the reader has parsed the second.
            second_parsed.wait(timeout=10)
        if source == "1":
            second_parsed.set()
        return open_case_lists(path, source)

    monkeypatch.setattr(prefetch_module, "open_case_lists", spy)
    with WorkbookPrefetch([(path, str(n)) for n, path in enumerate(paths)]) as workbooks:
        for path in paths:
            opened = workbooks.take(path)
            assert opened is not None
            opened.workbook.close()
    reader = threading.current_thread().name
    assert parsed_by["0"] != reader
    assert parsed_by["1"] == reader
