"""The care leavers report: the 19-21 gap and groups doing worse, worked by hand."""

from __future__ import annotations

from views_fixtures import R, context, metric_row

from csc_metrics.views import care_leavers

EET_19_21 = "care_leavers_19_21_eet_pct"
EET_17_18 = "care_leavers_17_18_eet_pct"
YEAR_AGO = "2023-03-31"


def eet_by_ethnic_group(mixed=(0, 21), suppress=False, extra=()):
    # White 40 of 100, Mixed 0 of 21, Asian 10 of 30: 50 of 151 in all.
    rows = [
        metric_row(EET_19_21, R, 50, 151),
        metric_row(EET_19_21, R, 40, 100, breakdown="ethnic_group", group="White"),
        metric_row(EET_19_21, R, *mixed, breakdown="ethnic_group", group="Mixed"),
        metric_row(EET_19_21, R, 10, 30, breakdown="ethnic_group", group="Asian"),
        *extra,
    ]
    return context(rows, suppress=suppress)


def test_a_group_doing_worse_beyond_chance_is_named():
    # Mixed 0 of 21: Wilson 0 to 3.84/(21 + 3.84) = 15.5%. The other groups together: 50 of 130
    # = 38.5%, Wilson 30.5% to 47.0%. No overlap: called. White (40 of 100, 30.9-49.9%) against
    # the rest (10 of 51, 11.0-32.5%) overlaps: not called.
    assert care_leavers.equity_messages(eet_by_ethnic_group()) == [
        "Care leavers aged 19-21 from the Mixed ethnic group are less often in education, "
        "employment or training (EET): 0% (n=21) against 38% for the other groups (n=130) in the "
        "12 months to 31 March 2024. The 95% intervals (0-15% and 31-47%) do not overlap, so the "
        "gap is unlikely to be chance."
    ]


def test_a_gap_that_could_be_chance_is_not_named():
    # Mixed 8 of 21 (38%) is like everyone else.
    assert care_leavers.equity_messages(eet_by_ethnic_group(mixed=(8, 21))) == []


def test_a_group_that_only_records_missing_data_is_not_named():
    extra = [
        metric_row(EET_19_21, R, 0, 25, breakdown="ethnic_group", group="Not recorded"),
    ]
    messages = care_leavers.equity_messages(eet_by_ethnic_group(extra=extra))
    assert len(messages) == 1 and "Not recorded" not in messages[0]


def test_a_group_resting_on_small_counts_is_not_named_when_suppressing():
    # Mixed 2 of 25 (8%, Wilson 2.2-25.0%) against the rest's 50 of 130 (30.5-47.0%) is beyond
    # chance, but 2 is a count from 1 to 5.
    small = eet_by_ethnic_group(mixed=(2, 25))
    assert care_leavers.equity_messages(small) != []
    assert care_leavers.equity_messages(eet_by_ethnic_group(mixed=(2, 25), suppress=True)) == []


def band_context():
    return context(
        [
            metric_row(EET_19_21, R, 30, 100),
            metric_row(EET_17_18, R, 60, 100),
            metric_row(EET_19_21, YEAR_AGO, 40, 100),
            metric_row(EET_17_18, YEAR_AGO, 55, 100),
        ]
    )


def test_the_19_21_gap_is_named_with_the_gap_a_year_earlier():
    # 30 of 100 (Wilson 21.9-39.6%) against 60 of 100 (50.2-69.1%): beyond chance. A year
    # earlier 40% against 55%: a gap of 15 points.
    assert care_leavers.band_gap_message(band_context()) == [
        "The 19-21 gap: fewer care leavers aged 19-21 are in education, employment or training "
        "(EET) than aged 17-18, 30% against 60%, a gap of 30 points beyond chance (the 95% "
        "intervals do not overlap); a year earlier it was 15 points."
    ]


def test_the_gap_table_gives_both_bands_with_intervals():
    row = care_leavers.band_gap_table(band_context()).data.iloc[0]
    assert row["Measure"] == "In education, employment or training (EET)"
    assert (row["17-18: 95% interval"], row["19-21: 95% interval"]) == (
        "50.2 to 69.1",
        "21.9 to 39.6",
    )
    assert (row["Gap, 19-21 minus 17-18 (points)"], row["Beyond chance?"]) == (-30.0, "Yes")
    assert row["Gap a year earlier (points)"] == -15.0


def test_the_gap_table_says_so_when_there_is_no_band_to_compare():
    # No OC3 file (or an empty 19-21 band): no measure has both bands. The table said nothing
    # and the report failed with KeyError 'Measure'; now it says why in a sentence.
    table = care_leavers.band_gap_table(context([metric_row(EET_17_18, R, 60, 100)])).data
    assert list(table["Measure"]) == [care_leavers.NO_BAND_GAP]


def test_the_trend_table_says_so_when_there_are_no_care_leaver_figures():
    # No OC3 file: no care-leaver indicator has a summary. The table had no columns and the
    # report failed ("has no column(s) Base (n)"); now its one row says why.
    table = care_leavers.trend_table(context([metric_row("placements_count", R, 3)])).data
    assert list(table["Indicator"]) == [care_leavers.NO_CARE_LEAVER_DATA]


def test_the_band_table_counts_the_cohort_and_each_measure():
    rows = [
        metric_row("care_leavers_19_21_count", R, 100),
        metric_row(EET_19_21, R, 30, 100),
        metric_row("care_leavers_17_18_count", R, 4),
        metric_row(EET_17_18, R, 3, 4),
    ]
    table = care_leavers.band_table(context(rows)).data.set_index("Measure")
    assert table.loc["Care leavers in the cohort", "Aged 19-21: number"] == 100
    assert table.loc["In education, employment or training (EET)"].tolist()[:2] == [3, 75.0]


def test_the_team_outcomes_table_says_so_when_there_are_no_ssda903_returns():
    from views_fixtures import cases

    from csc_metrics.storage import ProcessedData

    # Caseload snapshot only: the teams are known, the outcomes (OC3) are not.
    data = ProcessedData.from_tables(
        {"cases": cases(str(R.date()), [("C1", "Leaving Care", "W1", "CLA")])}
    )
    table = care_leavers.team_outcomes_table(context(data=data))
    assert table.data.iloc[0, 0] == "Not covered: no SSDA903 returns were supplied."


def test_the_trend_table_withholds_a_share_whose_complement_is_small():
    # 58 of 59 in suitable accommodation shows the 1 who is not: "c" with suppression, as on
    # the scorecard; 50 of 200 in EET stays.
    rows = [
        metric_row("care_leavers_17_18_suitable_accommodation_pct", R, 58, 59),
        metric_row("care_leavers_19_21_eet_pct", R, 50, 200),
    ]
    table = care_leavers.trend_table(context(rows, suppress=True)).data.set_index("Indicator")
    assert table.loc["Care leavers aged 17-18 in suitable accommodation", "Now"] == "c"
    assert (
        table.loc["Care leavers aged 19-21 in education, employment or training (EET)", "Now"]
        == "25.0%"
    )
