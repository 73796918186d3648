import pandas as pd
import pandera.errors
import pytest

from csc_metrics import folders, storage


def test_staged_replace_swaps_in_the_new_folder(tmp_path):
    target = tmp_path / "processed"
    target.mkdir()
    (target / "old.txt").write_text("old")
    folders.write_marker(target, "processed")
    with storage.staged_replace(target, "processed") as staging:
        (staging / "new.txt").write_text("new")
        assert (target / "old.txt").exists()  # untouched until the block succeeds
    assert sorted(p.name for p in target.iterdir()) == [folders.MARKER_NAME, "new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["processed"]


def test_staged_replace_leaves_the_target_alone_on_failure(tmp_path):
    target = tmp_path / "processed"
    target.mkdir()
    (target / "old.txt").write_text("old")
    folders.write_marker(target, "processed")
    with pytest.raises(RuntimeError), storage.staged_replace(target, "processed") as staging:
        (staging / "half.txt").write_text("half")
        raise RuntimeError("boom")
    assert sorted(p.name for p in target.iterdir()) == [folders.MARKER_NAME, "old.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["processed"]


def test_write_table_refuses_a_table_that_breaks_its_model(tmp_path):
    bad = storage.empty_table("clean_reference__population")
    bad.loc[0] = ["E10000017", 2024, -5.0]
    with pytest.raises(pandera.errors.SchemaErrors):
        storage.write_table(bad, "clean_reference__population", tmp_path)


def test_tables_round_trip_through_parquet(tmp_path):
    table = pd.DataFrame({"la_code": ["E10000017"], "year": [2024], "population_0_17": [250000.0]})
    storage.write_table(table, "clean_reference__population", tmp_path)
    back = storage.read_table("clean_reference__population", tmp_path)
    pd.testing.assert_frame_equal(back, table, check_dtype=False)


def test_load_processed_explains_a_folder_that_was_never_ingested(tmp_path):
    with pytest.raises(storage.InputError, match="csc-metrics ingest"):
        storage.load_processed(tmp_path)


def test_processed_data_fills_absent_tables_with_empty_ones():
    data = storage.ProcessedData.from_tables({})
    assert data.episodes.empty and "decom" in data.episodes.columns


def test_staged_replace_publishes_a_folder_others_can_read(tmp_path):
    target = tmp_path / "reports"
    with storage.staged_replace(target) as staging:
        (staging / "index.html").write_text("<p>report</p>")
    assert target.stat().st_mode & 0o055 == 0o055  # group and others may read and enter


def test_write_csv_reads_back_the_same_text_with_blanks_commas_and_quotes(tmp_path):
    frame = pd.DataFrame(
        {
            "row": pd.array([3, None], dtype="Int64"),
            "value": pd.array(['a, "b"', None], dtype="str"),
        }
    )
    storage.write_csv(frame, tmp_path / "issues.csv")
    # Blanks are empty fields, not "nan" or "<NA>"; the comma and quotes survive the round trip.
    text = (tmp_path / "issues.csv").read_text(encoding="utf-8").splitlines()
    assert text[1:] == ['3,"a, ""b"""', ","]
    back = pd.read_csv(tmp_path / "issues.csv", dtype="str", keep_default_na=False)
    assert back.to_dict("list") == {"row": ["3", ""], "value": ['a, "b"', ""]}


def test_an_unmarked_folder_holding_only_what_ingest_writes_is_a_legacy_processed_folder(
    tmp_path,
):
    (tmp_path / "manifest.json").write_text('{"inputs": []}')
    storage.write_table(storage.empty_table("dq_issues"), "dq_issues", tmp_path)
    assert storage.is_legacy_processed(tmp_path)


def test_a_report_folder_is_not_a_legacy_processed_folder(tmp_path):
    # Any manifest.json used to pass: a published report has one too, and an index.html.
    (tmp_path / "manifest.json").write_text('{"inputs": []}')
    (tmp_path / "index.html").write_text("<p>report</p>")
    assert not storage.is_legacy_processed(tmp_path)


def test_write_parquet_gives_the_same_bytes_however_the_rows_were_stacked(tmp_path):
    # 100,000 distinct identifiers stacked from two frames are held in two pieces; written as
    # they are, parquet's pages follow the pieces and the file differs from one written whole.
    ids = pd.Series([f"{i * 2654435761 % 2**61:016x}" for i in range(100_000)], dtype="str")
    whole = pd.DataFrame({"child_id": ids})
    stacked = pd.concat([whole.iloc[:50_000], whole.iloc[50_000:]], ignore_index=True)
    whole.to_parquet(tmp_path / "pandas.parquet", index=False)
    storage.write_parquet(stacked, tmp_path / "stacked.parquet")
    assert (tmp_path / "stacked.parquet").read_bytes() == (tmp_path / "pandas.parquet").read_bytes()


def test_write_parquet_writes_row_groups_as_pandas_does(tmp_path, monkeypatch):
    # Five rows in row groups of 2: 2 + 2 + 1, as to_parquet(row_group_size=2) writes them.
    monkeypatch.setattr(storage, "ROW_GROUP_ROWS", 2)
    frame = pd.DataFrame(
        {"team": pd.Series(["N", "S", "N", None, "E"], dtype="str"), "n": [1, 2, 3, 4, 5]}
    )
    frame.to_parquet(tmp_path / "pandas.parquet", index=False, row_group_size=2)
    storage.write_parquet(frame, tmp_path / "ours.parquet")
    assert (tmp_path / "ours.parquet").read_bytes() == (tmp_path / "pandas.parquet").read_bytes()


@pytest.mark.parametrize("name", sorted(storage.PROCESSED_TABLES))
def test_an_empty_table_is_what_its_model_gives_when_it_checks_one(name):
    # Built without validating: the model's checks pass and change no dtype (episodes' child_id
    # stays the model's text dtype, decom datetime64[ns]; the index a RangeIndex of 0 rows).
    empty = storage.empty_table(name)
    checked = storage.PROCESSED_TABLES[name].validate(empty.copy())
    pd.testing.assert_frame_equal(empty, checked, check_index_type=True, check_column_type=True)
    assert [repr(dtype) for dtype in empty.dtypes] == [repr(dtype) for dtype in checked.dtypes]
    assert len(empty) == 0
