"""The permanence report on the county of tests/permanence_fixtures.py, at R = 31 March 2024.

The figures are those worked out by hand in tests/unit/indicators/test_permanence.py: 10
children left care in the 12 months (3 adopted); 3 were adopted in the 12 months and 4 in 3
years; P5 waits (441 days since the decision); P4's plan ended (RD2); 5 children started care
(N1 after an adoption, N3 after special guardianship, N2 with none, T1 and N4 not known).
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from indicators_fixtures import episode, make_data
from permanence_fixtures import LA, R, county

from csc_metrics.indicators import compute_indicator_series
from csc_metrics.views import permanence
from csc_metrics.views.report_context import ReportContext


def _context(data, suppress=False) -> ReportContext:
    return ReportContext(
        data=data,
        processed_dir=None,
        is_sample=False,
        period_end=R,
        la_code=LA,
        la_name="Test county",
        team=None,
        comparator="england",
        suppress=suppress,
        targets=None,
        full_series=compute_indicator_series(data, LA, [R]),
    )


@pytest.fixture(scope="module")
def ctx():
    return _context(county())


@pytest.fixture(scope="module")
def suppressed(ctx):
    return replace(ctx, suppress=True)


def test_the_cohort_message_says_how_many_children_the_figures_rest_on(ctx):
    message = permanence.cohort_message(ctx)
    assert message.startswith(
        "3 children were adopted in the 12 months to 31 March 2024 (4 children in the last 3 "
        "years)."
    )
    # Fewer than 10 (settings.small_group): the report says how to read them.
    assert "read the 12-month figures with the 3-year averages" in message


def test_with_suppression_the_cohort_message_gives_no_small_count(suppressed):
    message = permanence.cohort_message(suppressed)
    assert message.startswith("fewer than 6 children were adopted")
    assert "3 children" not in message and "(4 " not in message


def test_the_waiting_message_names_the_children_and_how_long_they_have_waited(ctx):
    assert permanence.waiting_message(ctx) == (
        "1 child was waiting at 31 March 2024 to be placed for adoption, on average 441 days "
        "since the decision; 1 of them for 12 months or more."
    )


def test_the_waiting_message_withholds_a_small_count_and_its_average(suppressed):
    message = permanence.waiting_message(suppressed)
    assert message.startswith("fewer than 6 children were waiting")
    assert "441" not in message


def test_key_messages_end_with_what_a_manager_needs_to_read_them(ctx):
    messages = permanence.key_messages(ctx)
    assert permanence.cohort_message(ctx) in messages
    assert permanence.waiting_message(ctx) in messages


def test_route_table_counts_each_route_and_all_who_left(ctx):
    table = permanence.route_table(ctx).data.set_index("Route out of care")
    assert table.loc["Adopted", "Children"] == 3
    assert table.loc["Adopted", "% of children who left care"] == 30.0
    assert table.loc["All children who left care", "Children"] == 10


def test_stage_table_gives_each_average_the_children_and_england(ctx):
    table = permanence.stage_table(ctx).data.set_index("Stage")
    a1 = table.loc["Days from care to moving in with the adoptive family (A1)"]
    # A1: (457 + 317 + 487) / 3 = 420; over 3 years (1,595 / 4) = 399; England 2024: 01:07
    # (19 months) = 578 days, so 158 days quicker.
    assert (a1["Days (12 months)"], a1["Children (12 months)"]) == (420, 3)
    assert (a1["Days (3 years)"], a1["Children (3 years)"]) == (399, 4)
    assert a1["England 2024 (days)"] == 578
    assert a1["Days more than England"] == -158


def test_with_suppression_no_average_rests_on_a_small_count(suppressed):
    table = permanence.stage_table(suppressed).data
    assert table["Days (12 months)"].isna().all()
    chart = permanence.stage_timeline_chart(suppressed)
    assert "not shown, to protect their privacy" in chart.alt_text


def test_the_timeline_sets_the_stages_against_england(ctx):
    chart = permanence.stage_timeline_chart(ctx)
    # Entry to decision (153 + 120 + 184) / 3 = 152; England 2024: 00:09 = 274 days.
    assert "This council, adopted in the 12 months (n=3): Entry to decision 152 days" in (
        chart.alt_text
    )
    assert "England, year ending March 2024: Entry to decision 274 days" in chart.alt_text


def test_a_council_with_no_adoptions_says_so_instead_of_an_empty_chart():
    data = make_data([episode("A", "2023-01-01"), episode("B", "2024-02-01")])
    ctx = _context(data)
    assert "No child was adopted in the 12 months to 31 March 2024" in (
        permanence.stage_timeline_chart(ctx).alt_text
    )
    assert permanence.cohort_message(ctx).startswith("No child was adopted")
    assert permanence.waiting_message(ctx) is None


def test_waiting_children_by_band(ctx):
    table = permanence.waiting_table(ctx).data.set_index("Time since the decision")
    assert table.loc["12 to 18 months", "Children"] == 1
    assert table.loc["All", "Children"] == 1
    assert "12 to 18 months 1" in permanence.waiting_chart(ctx).alt_text


def test_plans_that_ended_by_reason_without_an_empty_unrecognised_row(ctx):
    table = permanence.plans_ended_table(ctx).data.set_index("Why the plan ended")
    assert table.loc["The court did not make a placement order (RD2)", "Children"] == 1
    assert "Unrecognised code" not in table.index


def test_children_starting_care_by_what_came_before(ctx):
    table = permanence.returning_table(ctx).data.set_index("Before this care")
    assert table["Children"].to_dict() == {
        "Adoption": 1,
        "Special guardianship order": 1,
        "Residence or child arrangements order": 0,
        "No previous permanence": 1,
        "Not known": 2,
        "All children who started care": 5,
    }
    assert table.loc["Adoption", "% of children who started"] == 20.0


def test_time_to_permanence_table_has_every_age_band(ctx):
    table = permanence.time_to_permanence_table(ctx).data
    assert table["Age on entering care"].iloc[0] == "All children"
    assert list(table["Age on entering care"].iloc[1:]) == [
        "Under 1",
        "1-4",
        "5-9",
        "10-15",
        "16+",
        "Not known",
    ]


def test_data_notes_count_nothing_missing_when_the_records_are_complete(ctx):
    table = permanence.data_notes_table(ctx)
    assert table.data["Adoptions"].sum() == 0
    assert "The 3 adoptions in the 12 months to 31 March 2024" in table.caption


def test_the_route_chart_draws_every_route(ctx):
    chart = permanence.route_chart(ctx)
    assert "Adopted 30.0%" in chart.alt_text and "Other reasons 20.0%" in chart.alt_text


def test_time_to_permanence_chart_describes_each_group(ctx):
    chart = permanence.time_to_permanence_chart(ctx)
    assert chart.alt_text.startswith("Step chart of Time to a permanent home")
    assert isinstance(chart.figure.get_axes()[0].get_ylim(), tuple)
    assert pd.notna(chart.footnote)
