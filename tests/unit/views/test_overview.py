"""The overview: scorecard rows, messages across areas, gaps to the comparator, where to look."""

from __future__ import annotations

import numpy as np
import pytest
from views_fixtures import R, context, metric_row, series_rows

from csc_metrics.views import overview

EET = "care_leavers_19_21_eet_pct"


@pytest.fixture(scope="module")
def alternating_card() -> overview.Scorecard:
    """The scorecard of twelve quarter ends of 3+ placements alternating 10% and 11% (read only).

    Built once for the two tests that read it: a scorecard works out every headline indicator
    and the forecast spend (about a second).
    """
    rows = series_rows("placements_3plus_pct", [10.0, 11.0] * 6, denominator=200)
    return overview.scorecard(context(rows))


def test_the_scorecard_has_every_headline_indicator_blank_where_there_is_no_figure(
    alternating_card,
):
    card = alternating_card
    assert [s.indicator_id for s in card.summaries] == overview.headline_ids()
    by_id = {s.indicator_id: s for s in card.summaries}
    assert np.isnan(by_id["caseload_per_fte"].latest.value)
    assert "31 March 2024" in card.caption


def test_a_scorecard_row_carries_last_quarters_and_last_years_value(alternating_card):
    # Twelve quarter ends to 31 March 2024 alternating 10% and 11%: the latest (31 March 2024)
    # is 11%, the quarter before 10%, and a year before (31 March 2023, four back) 11%.
    summary = next(
        s for s in alternating_card.summaries if s.indicator_id == "placements_3plus_pct"
    )
    assert (summary.latest.value, summary.previous_quarter, summary.previous_year) == (
        11.0,
        10.0,
        11.0,
    )


def area_rows():
    return [
        # 19-21 EET: eleven steady quarters, then a fall beyond the lower limit (a concern).
        *series_rows(EET, [50.0, 51.0] * 5 + [50.0, 30.0], denominator=151),
        # Mixed 0 of 21 against the other groups' 45 of 130, beyond chance.
        metric_row(EET, R, 45, 130, breakdown="ethnic_group", group="White"),
        metric_row(EET, R, 0, 21, breakdown="ethnic_group", group="Mixed"),
    ]


def test_overview_messages_put_concerns_first_then_each_areas_finding():
    messages = overview.key_messages(context(area_rows()))
    assert messages[0].startswith(
        "Care leavers aged 19-21 in education, employment or training (EET): 30% (n=151)"
    )
    assert messages[-1].startswith("Care leavers aged 19-21 from the Mixed ethnic group")
    assert len(messages) == 2


def test_the_lead_chart_is_of_the_first_message():
    assert overview.lead_indicator(context(area_rows())) == EET


def test_benchmark_gaps_leave_out_counts_and_a_teams_caseload():
    rows = [
        metric_row("cla_count", R, 400),
        metric_row("placements_3plus_pct", R, 8, 100),
        metric_row("agency_workers_pct", R, 1, 10),
        metric_row("agency_workers_pct", R, 1, 4, breakdown="team", group="North"),
    ]
    assert overview.benchmark_gaps(context(rows))["indicator_id"].tolist() == [
        "placements_3plus_pct",
        "agency_workers_pct",
    ]
    team = overview.benchmark_gaps(context(rows, team="North"))
    assert team["indicator_id"].tolist() == ["placements_3plus_pct"]


def test_under_suppression_the_gaps_leave_out_a_figure_the_scorecard_withholds():
    # Agency workers 1 of 10 (a small count): the scorecard shows c, and ours = benchmark +
    # gap would give it back. 3+ placements 8 of 100 stays.
    rows = [
        metric_row("placements_3plus_pct", R, 8, 100),
        metric_row("agency_workers_pct", R, 1, 10),
    ]
    gaps = overview.benchmark_gaps(context(rows, suppress=True))
    assert gaps["indicator_id"].tolist() == ["placements_3plus_pct"]


def test_where_to_look_next_lists_each_areas_special_cause():
    table = overview.next_steps_table(context(area_rows())).data.set_index("Area")
    assert table.loc["Care leavers", "Special-cause concerns"] == (
        "Care leavers aged 19-21 in education, employment or training (EET)"
    )
    assert table.loc["Caseloads", "Special-cause concerns"] == "None"


def test_the_benchmark_table_writes_each_row_in_its_unit_and_names_each_gap_unit():
    # Placements mix a rate (per 10,000) and percentages: each row's cells carry their own
    # unit, and the caption says what each gap is in.
    from csc_metrics.views import placements

    rows = [
        metric_row("cla_rate_per_10k", R, 400, 51_500),
        metric_row("placements_3plus_pct", R, 8, 100),
    ]
    table = placements.benchmark_table(context(rows))
    assert "in percentage points for percentages and per 10,000 children for rates" in (
        table.caption
    )
    ours = table.column_formats["Ours"]
    assert ours.units[:2] == ("rate", "pct")
    assert ours.write(table.data["Ours"].tolist())[1] == "8.0%"


def test_the_benchmark_table_withholds_ours_and_the_gap_where_the_scorecard_does():
    # 58 of 59 care leavers in suitable accommodation: the 98.3% and its base would show the
    # 1 who is not, so with suppression ours is "c", and so is the gap (ours = theirs + gap).
    from csc_metrics.views import care_leavers

    rows = [
        metric_row("care_leavers_17_18_suitable_accommodation_pct", R, 58, 59),
        metric_row("care_leavers_19_21_eet_pct", R, 50, 200),
    ]
    table = care_leavers.benchmark_table(context(rows, suppress=True)).data.set_index("Indicator")
    accommodation = "Care leavers aged 17-18 in suitable accommodation"
    eet = "Care leavers aged 19-21 in education, employment or training (EET)"
    assert table.loc[accommodation, ["Ours", "Gap"]].tolist() == ["c", "c"]
    assert table.loc[eet, "Ours"] == 25.0
    shown = care_leavers.benchmark_table(context(rows)).data.set_index("Indicator")
    assert shown.loc[accommodation, "Ours"] == pytest.approx(98.305, abs=0.01)
