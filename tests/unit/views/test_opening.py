"""Opening a report: which preparation work is handed to a forked child."""

from __future__ import annotations

from indicators_fixtures import episode, make_data

from csc_metrics.views import opening


def test_a_cold_series_permanence_indicators_go_to_a_child_only_up_to_the_episode_limit(
    monkeypatch,
):
    # Two episode rows: within a limit of 2, over a limit of 1 (worked out in the server).
    data = make_data([episode("A", "2023-05-01"), episode("B", "2023-06-01")])

    monkeypatch.setattr(opening, "PERMANENCE_CHILD_MAX_EPISODES", 2)
    within = opening.permanence_in_child(data)
    monkeypatch.setattr(opening, "PERMANENCE_CHILD_MAX_EPISODES", 1)
    over = opening.permanence_in_child(data)

    assert (within, over) == (True, False)
