import pandas as pd
import pyarrow as pa

from csc_metrics.quality import DataQualityLog, summarise_issues


def test_rows_become_one_issue_each_with_file_row_and_child():
    log = DataQualityLog()
    rows = pd.DataFrame(
        {"source_file": ["a.csv", "a.csv"], "source_row": [3, 7], "child_id": ["p1", "p2"]}
    )
    log.add_rows(
        rows,
        dataset="ssda903",
        table="episodes",
        column="DEC",
        rule="bad_date",
        severity="warning",
        message="expected dd/mm/yyyy",
        value=pd.Series(["31/02/2024", "x"]),
    )
    log.add(
        dataset="ssda903",
        rule="extra_column",
        severity="info",
        message="LOCAL_ID dropped",
        file="a.csv",
        column="LOCAL_ID",
    )
    frame = log.to_frame()
    assert frame["row"].tolist()[:2] == [3, 7]
    assert frame["child_id"].tolist()[:2] == ["p1", "p2"]
    assert log.counts() == {"error": 0, "warning": 2, "info": 1}


def test_summary_puts_errors_first():
    log = DataQualityLog()
    log.add(dataset="ssda903", rule="r_info", severity="info", message="m")
    log.add(dataset="ssda903", rule="r_err", severity="error", message="m")
    summary = summarise_issues(log.to_frame())
    assert summary["severity"].tolist() == ["error", "info"]


def test_empty_log_is_a_valid_empty_table():
    assert DataQualityLog().to_frame().empty


def test_issues_already_a_table_keep_their_place_among_new_ones():
    # A cached folder's issues come as a DataQualityIssues table, between issues just added:
    # the stacked log is the same, row for row and dtype for dtype, as adding them all anew.
    cached = DataQualityLog()
    cached.add(dataset="caseload", rule="r2", severity="info", message="m2", file="c/2024", row=5)
    fresh = DataQualityLog()
    fresh.add(dataset="ssda903", rule="r1", severity="error", message="m1", file="a.csv", row=2)
    fresh.extend(cached.to_frame())
    fresh.add(dataset="ssda903", rule="r3", severity="warning", message="m3")
    anew = DataQualityLog()
    anew.add(dataset="ssda903", rule="r1", severity="error", message="m1", file="a.csv", row=2)
    anew.add(dataset="caseload", rule="r2", severity="info", message="m2", file="c/2024", row=5)
    anew.add(dataset="ssda903", rule="r3", severity="warning", message="m3")
    frame = fresh.to_frame()
    assert frame["rule"].tolist() == ["r1", "r2", "r3"]
    assert frame["row"].tolist()[:2] == [2, 5]
    pd.testing.assert_frame_equal(frame, anew.to_frame())


def test_issues_added_one_at_a_time_keep_their_order_among_rows_and_tables():
    # add, add_rows, add, add, extend: the log keeps the order they were recorded in, and
    # counts the single issues before they are made into a table.
    log = DataQualityLog()
    log.add(dataset="ssda903", rule="first", severity="info", message="m", row=9)
    rows = pd.DataFrame({"source_file": ["a.csv"], "source_row": [3], "child_id": ["p1"]})
    log.add_rows(rows, dataset="ssda903", rule="second", severity="warning", message="m")
    log.add(dataset="ssda903", rule="third", severity="info", message="m")
    log.add(dataset="ssda903", rule="fourth", severity="error", message="m", row=4)
    assert log.issue_count() == 4
    other = DataQualityLog()
    other.add(dataset="caseload", rule="fifth", severity="info", message="m")
    log.extend(other.to_frame())
    frame = log.to_frame()
    assert frame["rule"].tolist() == ["first", "second", "third", "fourth", "fifth"]
    # Row numbers: 9, 3, blank, 4, blank (a whole-number column with blanks).
    assert frame["row"].tolist() == [9, 3, pd.NA, 4, pd.NA]
    assert str(frame["row"].dtype) == "Int64"


def test_issues_read_back_as_arrow_tables_stack_as_their_frames_would():
    # A cached folder's issues come back from the ingest cache as Arrow tables: two of them in
    # a row, between issues just added, give the log the same table as the frames would.
    cached = DataQualityLog()
    cached.add(dataset="caseload", rule="r2", severity="info", message="m2", file="c/1", row=5)
    cached.add(dataset="caseload", rule="r3", severity="warning", message="m3", file="c/2")
    table = cached.to_frame()
    as_frames, as_arrow = DataQualityLog(), DataQualityLog()
    for log, part in ((as_frames, table), (as_arrow, pa.Table.from_pandas(table))):
        log.add(dataset="ssda903", rule="r1", severity="error", message="m1", row=2)
        log.extend(part)
        log.extend(part.slice(1) if isinstance(part, pa.Table) else part.iloc[1:])
        log.add(dataset="ssda903", rule="r4", severity="info", message="m4")
    assert as_arrow.issue_count() == 5
    pd.testing.assert_frame_equal(as_arrow.to_frame(), as_frames.to_frame())
    assert as_arrow.to_frame()["rule"].tolist() == ["r1", "r2", "r3", "r3", "r4"]
