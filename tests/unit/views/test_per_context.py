"""views.report_context.per_context: a view helper's result worked out once per report context."""

from __future__ import annotations

import pandas as pd
from views_fixtures import context

from csc_metrics.views.report_context import per_context

calls: list[int] = []


@per_context
def counted_frame(ctx, column: str = "n") -> pd.DataFrame:
    calls.append(1)
    return pd.DataFrame({column: [1, 2]})


def test_the_helper_runs_once_per_context_and_arguments():
    calls.clear()
    ctx = context()
    counted_frame(ctx)
    counted_frame(ctx)
    counted_frame(ctx, "m")
    assert len(calls) == 2


def test_another_context_gets_its_own_result():
    calls.clear()
    counted_frame(context())
    counted_frame(context())
    assert len(calls) == 2


def test_a_caller_changing_its_frame_does_not_change_the_next_callers():
    ctx = context()
    first = counted_frame(ctx)
    first.loc[0, "n"] = 99
    assert counted_frame(ctx)["n"].tolist() == [1, 2]
