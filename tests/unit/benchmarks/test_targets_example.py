"""The shipped example targets (data/targets.example.csv, used by `make report`) are usable."""

from __future__ import annotations

from pathlib import Path

from csc_metrics.benchmarks import read_targets
from csc_metrics.catalogue import get_indicator

EXAMPLE = Path(__file__).resolve().parents[3] / "data" / "targets.example.csv"


def test_the_example_targets_file_reads_and_sets_headline_indicators_only():
    targets = read_targets(EXAMPLE)
    assert len(targets) >= 10
    assert all(get_indicator(i).headline for i in targets["id"])


def test_every_example_target_is_a_plausible_value_in_its_unit():
    targets = read_targets(EXAMPLE)
    for row in targets.itertuples(index=False):
        if get_indicator(row.id).unit == "pct":
            assert 0 <= row.target <= 100, row.id
        else:
            assert row.target >= 0, row.id
