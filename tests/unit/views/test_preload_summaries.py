"""The preload's summaries: the first half worked out here, the later half in a forked child.

``views.preload.work_out_summaries`` must leave the context holding exactly what
``ctx.summaries(ids)`` in one process leaves: the same summaries, in the same order.
"""

from __future__ import annotations

import os
import pickle
import threading

import pytest
from forked_helpers import dies_in_a_child, pretend_one_thread, record_forked_calls
from views_fixtures import context, series_rows

from csc_metrics.views import preload
from csc_metrics.views.preload import work_out_summaries

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

#: Four indicators: the first two are worked out here, the last two in the child.
IDS = ["cla_count", "placements_3plus_pct", "long_term_stability_pct", "placed_over_20_miles_pct"]


def _context():
    # Fifteen quarter ends to 31 March 2024 each. Over 20 miles: 10% of 400 for 11 quarters,
    # then 20% for the last 4: at R 20%, a year earlier (31 March 2023, the 11th) 10%.
    rows = (
        series_rows("cla_count", [400.0] * 15)
        + series_rows("placements_3plus_pct", [11.0, 12.0] * 7 + [8.0], denominator=400)
        + series_rows("long_term_stability_pct", [70.0] * 15, denominator=100)
        + series_rows("placed_over_20_miles_pct", [10.0] * 11 + [20.0] * 4, denominator=400)
    )
    return context(rows)


def _pickled(ctx) -> dict[str, bytes]:
    """Each summary the context holds, as bytes: equal bytes, equal summaries.

    Each is pickled once read back from a pickle, as the child's were: a pickle read back
    shares its numbers' dtypes differently, which changes the bytes but not the summary.
    """
    return {
        indicator_id: pickle.dumps(pickle.loads(pickle.dumps(summary)))
        for indicator_id, summary in ctx._summaries.items()
    }


@pytest.fixture
def one_thread(monkeypatch):
    pretend_one_thread(monkeypatch)


@pytest.fixture
def summary_calls(monkeypatch):
    """Every ``ForkedCall`` the summaries start, kept to see where they were worked out."""
    return record_forked_calls(monkeypatch, preload)


@pytest.fixture(scope="module")
def worked_out_here():
    ctx = _context()
    ctx.summaries(IDS)
    return _pickled(ctx)


@needs_fork
def test_the_later_half_is_worked_out_in_a_child_and_kept(one_thread, summary_calls):
    ctx = _context()

    work_out_summaries(ctx, IDS)

    assert [call.forked for call in summary_calls] == [True]
    assert list(ctx._summaries) == IDS
    later = ctx.summary("placed_over_20_miles_pct")
    assert (later.latest.value, later.previous_year) == (20.0, 10.0)


@needs_fork
def test_the_summaries_split_with_a_child_are_the_ones_worked_out_here(one_thread, worked_out_here):
    ctx = _context()

    work_out_summaries(ctx, IDS)

    assert _pickled(ctx) == worked_out_here


@needs_fork
def test_a_summary_child_that_fails_is_worked_out_here(one_thread, monkeypatch, worked_out_here):
    dies_in_a_child(monkeypatch, preload, "_summaries_of")
    ctx = _context()

    work_out_summaries(ctx, IDS)

    assert _pickled(ctx) == worked_out_here


def test_where_forking_is_unsafe_every_summary_is_worked_out_here(
    monkeypatch, summary_calls, worked_out_here
):
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    ctx = _context()

    work_out_summaries(ctx, IDS)

    assert [call.forked for call in summary_calls] == [False]
    assert _pickled(ctx) == worked_out_here
