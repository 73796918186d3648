"""schemas: pandera's text dtype check answers once per column, and still finds bad values."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
import pytest
from pandera.engines import pandas_engine
from pandera.typing import Series

from csc_metrics import schemas  # noqa: F401 - installs the whole-column text check


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
