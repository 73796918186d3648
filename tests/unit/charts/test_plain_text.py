"""Chart labels are plain text: a ``$`` in a team name is a dollar sign, never TeX."""

from __future__ import annotations

import io

from csc_metrics.charts.render import tick_labels
from csc_metrics.charts.style import finish, new_figure


def test_a_team_name_with_dollar_signs_draws_as_it_is_written():
    # "$\frac{1}{0}$" and an unbalanced "$x^$" would be bad mathtext: drawing raised ValueError.
    figure = new_figure()
    ax = figure.add_subplot()
    ax.bar(["$\\frac{1}{0}$ team", "Team $x^$"], [3, 4])
    finish(figure, "Cases by team: $\\undefined$", ["Source: $ footnote"])
    figure.savefig(io.BytesIO(), format="png")
    labels = [t.get_text() for t in tick_labels(ax, "x")]
    assert labels == ["$\\frac{1}{0}$ team", "Team $x^$"]
    assert all(not t._parse_math for t in tick_labels(ax, "x"))  # type: ignore[attr-defined]
