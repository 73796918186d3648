"""schemas: pandera's text dtype check answers once per column, and still finds bad values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest
from pandera.engines import pandas_engine
from pandera.typing import Series

from csc_metrics import schemas


class _Codes(pa.DataFrameModel):
    code: Series[str] = pa.Field(nullable=True)


def test_a_text_column_of_text_passes_with_one_answer_not_one_per_value():
    column = pd.Series(["A1", "B2", None], dtype="str")
    text = pandas_engine.Engine.dtype(str)
    # Three values, all text (the blank is missing, not a wrong type): one True, not [T, T, T].
    assert text.check(pandas_engine.Engine.dtype(column.dtype), column) is True
    assert _Codes.validate(pd.DataFrame({"code": column}))["code"].tolist()[:2] == ["A1", "B2"]


def test_a_column_with_a_value_that_is_not_text_still_fails_naming_the_value():
    column = pd.Series(["A1", 3], dtype=object)
    # Row 1 holds the number 3: the column is not text, and the failure case says which value.
    with pytest.raises(pa.errors.SchemaErrors) as failed:
        _Codes.validate(pd.DataFrame({"code": column}), lazy=True)
    cases = failed.value.failure_cases
    assert cases["column"].tolist() == ["code"]
    assert cases["failure_case"].astype(str).tolist() == ["3"]


def test_repeats_any_finds_a_repeated_pair_and_treats_blanks_as_equal():
    # (A, 1) twice -> repeated; (A, 1) and (A, 2) -> not; (blank, 1) twice -> repeated, as
    # DataFrame.duplicated counts blanks equal.
    repeated = pd.DataFrame({"child": ["A", "B", "A"], "day": [1, 1, 1]})
    distinct = pd.DataFrame({"child": ["A", "B", "A"], "day": [1, 1, 2]})
    blanks = pd.DataFrame({"child": [None, None, "A"], "day": [1, 1, 1]})
    three = pd.DataFrame({"a": ["x", "x", "x"], "b": [1, 1, 1], "c": ["p", "q", "p"]})
    assert schemas.repeats_any(repeated, ["child", "day"])
    assert not schemas.repeats_any(distinct, ["child", "day"])
    assert schemas.repeats_any(blanks, ["child", "day"])
    assert schemas.repeats_any(three, ["a", "b", "c"])
    assert not schemas.repeats_any(three.iloc[:2], ["a", "b", "c"])
    assert not schemas.repeats_any(repeated.iloc[:0], ["child", "day"])


def _pseudonyms(values: list[str]) -> pd.Series:
    # Arrow text, as ingest holds the pseudonyms.
    return pd.Series(values, dtype="string[pyarrow]")


def test_rows_of_same_length_text_are_proven_distinct_from_their_bytes():
    # Three 16-character ids on one date each: no two rows equal, so the quick proof answers.
    ids = _pseudonyms(["a" * 16, "b" * 16, "a" * 15 + "b"])
    dates = pd.to_datetime(["2024-03-31"] * 3)
    frame = pd.DataFrame({"snapshot_date": dates, "child_id": ids})
    assert schemas._rows_distinct(frame, ["snapshot_date", "child_id"])
    assert not schemas.repeats_any(frame, ["snapshot_date", "child_id"])


def test_a_repeated_row_is_found_whatever_the_text_length_and_chunks():
    # Row 2 repeats row 0 (same id, same date); the ids sit in two Arrow chunks, and a width of
    # 5 is padded to a whole word: the quick proof cannot answer, the exact check finds it.
    ids = pd.concat([_pseudonyms(["abcde", "fghij"]), _pseudonyms(["abcde"])], ignore_index=True)
    frame = pd.DataFrame({"child_id": ids, "decom": pd.to_datetime(["2024-01-01"] * 3)})
    assert not schemas._rows_distinct(frame, ["child_id", "decom"])
    assert schemas.repeats_any(frame, ["child_id", "decom"])
    # The same ids on different days: distinct.
    frame["decom"] = pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-02"])
    assert schemas._rows_distinct(frame, ["child_id", "decom"])


@pytest.mark.parametrize(
    "ids",
    [
        ["ab", "abc", "ab"],  # lengths differ: codes, not bytes
        ["ab", None, "ab"],  # a blank
    ],
)
def test_text_the_bytes_cannot_stand_for_is_still_checked_exactly(ids):
    # Rows 0 and 2 are equal in both cases; row 1 differs (another length, or blank).
    frame = pd.DataFrame({"child_id": _pseudonyms(ids), "day": [1, 1, 1]})
    assert schemas.repeats_any(frame, ["child_id", "day"])
    assert not schemas.repeats_any(frame.iloc[:2], ["child_id", "day"])


def test_when_the_quick_proof_is_unsure_the_exact_check_decides(monkeypatch):
    # Distinct rows, but the proof "fails" (as for two rows whose numbers happened to be
    # equal): the answer is still that nothing repeats.
    monkeypatch.setattr(schemas, "_rows_distinct", lambda frame, columns: False)
    frame = pd.DataFrame({"child_id": _pseudonyms(["a" * 16, "b" * 16]), "day": [1, 1]})
    assert not schemas.repeats_any(frame, ["child_id", "day"])


def test_the_quick_proof_agrees_with_duplicated_on_random_keys():
    # 2,000 rows drawn from 40 ids x 30 days: some repeat. Whenever the proof says distinct,
    # pandas agrees; and repeats_any always agrees with DataFrame.duplicated.
    rng = np.random.default_rng(7)
    ids = _pseudonyms([f"{n:016x}" for n in rng.integers(0, 40, 2000)])
    days = pd.to_datetime("2024-01-01") + pd.to_timedelta(rng.integers(0, 30, 2000), unit="D")
    frame = pd.DataFrame({"child_id": ids, "decom": days})
    for rows in (frame, frame.drop_duplicates(), frame.iloc[:5]):
        expected = rows.duplicated().any()
        assert schemas.repeats_any(rows, ["child_id", "decom"]) == expected
        if schemas._rows_distinct(rows, ["child_id", "decom"]):
            assert not expected
