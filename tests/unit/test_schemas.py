"""schemas: pandera's text dtype check answers once per column, and still finds bad values."""

from __future__ import annotations

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
