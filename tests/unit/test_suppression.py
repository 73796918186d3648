"""Suppression tests on hand-worked tables (settings.suppression_max = 5)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csc_metrics.errors import InputError
from csc_metrics.settings import DEFAULT_SETTINGS
from csc_metrics.suppression import (
    hidden_groups,
    is_small_count,
    metric_suppression_mask,
    safe_figure,
    suppress_metric_table,
    suppress_table,
)


def teams(rows: dict[str, list[float]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index", columns=columns)


# --- primary ------------------------------------------------------------------------------------


def test_one_to_five_are_small_and_zero_is_not():
    assert list(is_small_count([0, 1, 5, 6, np.nan])) == [False, True, True, False, False]


def test_primary_suppression_without_totals():
    table = teams({"A": [0], "B": [1], "C": [5], "D": [6], "E": [1234]}, ["cases"])
    shown = suppress_table(table, ["cases"])
    assert list(shown["cases"]) == ["0", "c", "c", "6", "1,234"]


def test_suppression_max_is_a_setting():
    table = teams({"A": [6], "B": [7]}, ["cases"])
    settings = DEFAULT_SETTINGS.with_overrides(suppression_max=6)
    assert list(suppress_table(table, ["cases"], settings=settings)["cases"]) == ["c", "7"]


def test_blank_count_is_shown_blank():
    table = teams({"A": [np.nan]}, ["cases"])
    assert suppress_table(table, ["cases"]).loc["A", "cases"] == ""


# --- secondary, one dimension ------------------------------------------------------------------


def test_one_hidden_cell_in_a_column_with_a_total_hides_the_next_smallest():
    # A 3 is hidden; with Total 35 shown it would be 35 - 12 - 20. The smallest other non-zero
    # cell (B, 12) is hidden too.
    table = teams({"A": [3], "B": [12], "C": [20], "Total": [35]}, ["cases"])
    shown = suppress_table(table, ["cases"], total_row="Total")
    assert list(shown["cases"]) == ["c", "c", "20", "35"]


def test_zeros_are_never_used_for_secondary_suppression():
    # A 3 hidden; B is 0 (hiding it protects nothing), so C 8 is the next smallest.
    table = teams({"A": [3], "B": [0], "C": [8], "D": [20], "Total": [31]}, ["cases"])
    shown = suppress_table(table, ["cases"], total_row="Total")
    assert list(shown["cases"]) == ["c", "0", "c", "20", "31"]


def test_two_hidden_cells_need_no_more():
    table = teams({"A": [2], "B": [4], "C": [20], "Total": [26]}, ["cases"])
    shown = suppress_table(table, ["cases"], total_row="Total")
    assert list(shown["cases"]) == ["c", "c", "20", "26"]


def test_the_total_is_hidden_when_no_other_cell_can_be():
    # The groups do not add up (10 includes unknowns), but A 3 = 10 - 0 - (unknowns) could be
    # narrowed; with no non-zero cell left, the total is hidden.
    table = teams({"A": [3], "B": [0], "Total": [10]}, ["cases"])
    shown = suppress_table(table, ["cases"], total_row="Total")
    assert list(shown["cases"]) == ["c", "0", "c"]


def test_row_totals_protect_along_rows():
    # One row: CLA 2 is hidden, the total 30 shown: CP 10 (smaller than CIN 18) is hidden too.
    table = teams({"A": [2, 10, 18, 30]}, ["CLA", "CP", "CIN", "Total"])
    shown = suppress_table(table, ["CLA", "CP", "CIN"], total_column="Total")
    assert list(shown.loc["A"]) == ["c", "c", "18", "30"]


def test_total_row_can_be_a_column_value():
    table = pd.DataFrame({"team": ["A", "B", "C", "All"], "cases": [3, 12, 20, 35]})
    shown = suppress_table(table, ["cases"], total_row="All", label_column="team")
    assert list(shown["cases"]) == ["c", "c", "20", "35"]
    assert list(shown["team"]) == ["A", "B", "C", "All"]


def test_missing_total_row_is_named():
    table = teams({"A": [3]}, ["cases"])
    with pytest.raises(InputError, match="'Total'"):
        suppress_table(table, ["cases"], total_row="Total")


def test_missing_total_row_is_named_even_when_nothing_can_be_hidden():
    # With suppression_max 0 no count is hidden, so secondary suppression is skipped; the
    # total row and a group's rows must still be there.
    table = teams({"A": [3], "B": [4]}, ["cases"])
    nothing_small = DEFAULT_SETTINGS.with_overrides(suppression_max=0)
    with pytest.raises(InputError, match="'Total'"):
        suppress_table(table, ["cases"], total_row="Total", settings=nothing_small)
    with pytest.raises(InputError, match="'C'"):
        suppress_table(table, ["cases"], row_groups=[(["A", "C"], "B")], settings=nothing_small)


def test_a_blank_in_a_nullable_count_column_is_not_a_count():
    # Counts as nullable integers (not plain numbers): the blank is shown blank, not hidden;
    # the 2 is hidden, and with the total 42 shown, the next smallest count (40) too.
    table = pd.DataFrame(
        {"cases": pd.array([None, 2, 40, 42], dtype="Int64")}, index=["A", "B", "C", "Total"]
    )
    shown = suppress_table(table, ["cases"], total_row="Total")
    assert list(shown["cases"]) == ["", "c", "c", "42"]


def test_missing_count_column_is_named():
    with pytest.raises(InputError, match="cases"):
        suppress_table(teams({"A": [3]}, ["n"]), ["cases"])


# --- secondary, two dimensions -----------------------------------------------------------------


def test_two_way_table_needs_secondary_suppression_in_both_directions():
    #           CLA  CP  CIN | Total
    #   X         3  10   12 |    25
    #   Y         8   9   20 |    37
    #   Z        15   7   30 |    52
    #   Total    26  26   62 |   114
    # Primary: X.CLA 3.
    # Pass 1, rows: X has one hidden -> hide its smallest other, X.CP 10.
    #         columns: CLA has one hidden (X) -> hide Y.CLA 8 (smaller than 15);
    #                  CP has one hidden (X) -> hide Z.CP 7 (smaller than 9).
    # Pass 2, rows: Y has one hidden (CLA) -> hide Y.CP 9; Z has one (CP) -> hide Z.CLA 15.
    #         columns: CLA and CP now each have three hidden: fine.
    # Pass 3 changes nothing: CLA and CP hidden for every team, CIN and all totals shown.
    table = teams(
        {
            "X": [3, 10, 12, 25],
            "Y": [8, 9, 20, 37],
            "Z": [15, 7, 30, 52],
            "Total": [26, 26, 62, 114],
        },
        ["CLA", "CP", "CIN", "Total"],
    )
    shown = suppress_table(table, ["CLA", "CP", "CIN"], total_row="Total", total_column="Total")
    assert shown.to_dict("index") == {
        "X": {"CLA": "c", "CP": "c", "CIN": "12", "Total": "25"},
        "Y": {"CLA": "c", "CP": "c", "CIN": "20", "Total": "37"},
        "Z": {"CLA": "c", "CP": "c", "CIN": "30", "Total": "52"},
        "Total": {"CLA": "26", "CP": "26", "CIN": "62", "Total": "114"},
    }


def test_no_hidden_cell_is_alone_in_any_line_of_a_two_way_table():
    rng = np.random.default_rng(7)
    counts = rng.integers(0, 15, size=(6, 4)).astype(float)
    table = pd.DataFrame(counts, columns=["a", "b", "c", "d"])
    table["Total"] = table.sum(axis=1)
    table.loc["Total"] = table.sum()
    shown = suppress_table(table, ["a", "b", "c", "d"], total_row="Total", total_column="Total")
    hidden = shown == "c"
    assert hidden.to_numpy().any()
    assert not (hidden.sum(axis=1) == 1).any()
    assert not (hidden.sum(axis=0) == 1).any()


# --- percentages --------------------------------------------------------------------------------


def test_percentages_are_hidden_with_their_numerator_or_denominator():
    #          cohort  eet  eet_pct
    #   A          20    4     20.0   eet 4 hidden (primary)
    #   B          30   15     50.0   eet 15 hidden (secondary: the eet column has a total)
    #   C          50   26     52.0
    #   Total     100   45     45.0
    table = teams(
        {"A": [20, 4, 20.0], "B": [30, 15, 50.0], "C": [50, 26, 52.0], "Total": [100, 45, 45.0]},
        ["cohort", "eet", "eet_pct"],
    )
    shown = suppress_table(
        table,
        ["cohort", "eet"],
        total_row="Total",
        percent_columns={"eet_pct": ("eet", "cohort")},
    )
    assert list(shown["eet"]) == ["c", "c", "26", "45"]
    assert list(shown["eet_pct"]) == ["c", "c", "52.0", "45.0"]
    assert list(shown["cohort"]) == ["20", "30", "50", "100"]


def test_percentage_with_a_small_denominator_is_hidden():
    table = teams({"A": [4, 0, 0.0]}, ["cohort", "eet", "eet_pct"])
    shown = suppress_table(table, ["cohort", "eet"], percent_columns={"eet_pct": ("eet", "cohort")})
    assert list(shown.loc["A"]) == ["c", "0", "c"]


def test_percentage_needs_count_columns():
    table = teams({"A": [4, 1, 25.0]}, ["cohort", "eet", "eet_pct"])
    with pytest.raises(InputError, match="eet_pct"):
        suppress_table(table, ["cohort"], percent_columns={"eet_pct": ("eet", "cohort")})


# --- the long metric table ----------------------------------------------------------------------


def metric_rows(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "indicator_id": ind,
                "period_end": pd.Timestamp("2024-03-31"),
                "breakdown": bd,
                "group": grp,
                "numerator": num,
                "denominator": den,
                "value": val,
                "unknown": np.nan,
            }
            for ind, bd, grp, num, den, val in rows
        ]
    )


def test_metric_count_breakdown_with_one_small_group():
    # cla_count by sex: F 3 hidden; with the total 40 shown, M 37 would give it away: hidden.
    rows = metric_rows(
        [
            ("cla_count", "total", "all", 40, np.nan, 40),
            ("cla_count", "sex", "F", 3, np.nan, 3),
            ("cla_count", "sex", "M", 37, np.nan, 37),
        ]
    )
    shown = suppress_metric_table(rows)
    assert list(shown["value"]) == ["40", "c", "c"]
    assert list(shown["numerator"]) == ["40", "c", "c"]


def test_metric_percentage_hides_numerator_secondary_and_values():
    # placements_3plus_pct: total 10/50; F 2/20 (hidden), so M 8/30 is hidden too; both
    # percentages go, the denominators (20, 30, 50) stay.
    rows = metric_rows(
        [
            ("placements_3plus_pct", "total", "all", 10, 50, 20.0),
            ("placements_3plus_pct", "sex", "F", 2, 20, 10.0),
            ("placements_3plus_pct", "sex", "M", 8, 30, 26.7),
        ]
    )
    shown = suppress_metric_table(rows)
    assert list(shown["numerator"]) == ["10", "c", "c"]
    assert list(shown["value"]) == ["20.0", "c", "c"]
    assert list(shown["denominator"]) == ["50", "20", "30"]


def test_metric_percentage_hides_a_numerator_whose_complement_is_small():
    # care_leavers_19_21_eet_pct: total 40/60; F 18/20 leaves 2 not in EET (small), so its
    # numerator and share go; then M 22/40 is hidden too, or 40 - 22 would give 18 back.
    rows = metric_rows(
        [
            ("care_leavers_19_21_eet_pct", "total", "all", 40, 60, 66.7),
            ("care_leavers_19_21_eet_pct", "sex", "F", 18, 20, 90.0),
            ("care_leavers_19_21_eet_pct", "sex", "M", 22, 40, 55.0),
        ]
    )
    shown = suppress_metric_table(rows)
    assert list(shown["numerator"]) == ["40", "c", "c"]
    assert list(shown["value"]) == ["66.7", "c", "c"]
    assert list(shown["denominator"]) == ["60", "20", "40"]


def test_a_complement_of_zero_or_over_the_limit_is_no_reason_to_hide():
    # 20 of 20 (none left over) and 14 of 20 (6 left over) both stay.
    rows = metric_rows(
        [
            ("care_leavers_19_21_eet_pct", "total", "all", 20, 20, 100.0),
            ("care_leavers_17_18_eet_pct", "total", "all", 14, 20, 70.0),
        ]
    )
    assert not metric_suppression_mask(rows).any(axis=None)


def test_hiding_an_overall_figure_protects_its_other_breakdowns():
    # Sex: F 3 hidden, M 0 (the rest unknown) -> nothing to hide but the total 20.
    # Age band: total now hidden, so 10-15 (8, smaller than 12) is hidden too.
    rows = metric_rows(
        [
            ("cla_count", "total", "all", 20, np.nan, 20),
            ("cla_count", "sex", "F", 3, np.nan, 3),
            ("cla_count", "sex", "M", 0, np.nan, 0),
            ("cla_count", "age_band", "10-15", 8, np.nan, 8),
            ("cla_count", "age_band", "16+", 12, np.nan, 12),
        ]
    )
    shown = suppress_metric_table(rows)
    assert list(shown["value"]) == ["c", "c", "0", "c", "12"]


def test_rate_hides_with_its_numerator_but_not_the_population():
    rows = metric_rows([("cla_rate_per_10k", "total", "all", 3, 100000, 0.3)])
    shown = suppress_metric_table(rows)
    assert list(shown.loc[0, ["numerator", "denominator", "value"]]) == ["c", "100,000", "c"]


def test_ratio_denominator_in_fte_is_not_suppressed():
    rows = metric_rows([("caseload_per_fte", "total", "all", 60, 4.5, 13.3)])
    mask = metric_suppression_mask(rows)
    assert not mask.loc[0].any()


def test_lines_are_separate_per_date_and_indicator():
    # Two dates: only the first has a small group; the second is untouched.
    first = metric_rows(
        [
            ("cla_count", "total", "all", 40, np.nan, 40),
            ("cla_count", "sex", "F", 3, np.nan, 3),
            ("cla_count", "sex", "M", 37, np.nan, 37),
        ]
    )
    second = first.assign(
        period_end=pd.Timestamp("2024-06-30"), numerator=[40, 20, 20], value=[40, 20, 20]
    )
    mask = metric_suppression_mask(pd.concat([first, second], ignore_index=True))
    assert list(mask["value"]) == [False, True, True, False, False, False]


def test_an_average_of_days_is_hidden_with_the_children_it_rests_on():
    # A1: 1,261 days over 3 children (420) hidden; 3,960 days over 9 children (440) shown.
    rows = metric_rows(
        [
            ("adoption_a1_days", "total", "all", 1261, 3, 420.0),
            ("adoption_a10_days", "total", "all", 3960, 9, 440.0),
        ]
    )
    shown = suppress_metric_table(rows)
    assert list(shown["denominator"]) == ["c", "9"]
    assert list(shown["value"]) == ["c", "440.0"]


def test_a_median_time_is_hidden_when_few_children_reached_it():
    # The median time to permanence counts the children who reached permanence as numerator:
    # 4 of 120 reached it, so the median (an event time) is hidden.
    rows = metric_rows([("permanence_median_days", "total", "all", 4, 120, 300.0)])
    shown = suppress_metric_table(rows)
    assert list(shown.loc[0, ["numerator", "denominator", "value"]]) == ["c", "120", "c"]


# --- secondary suppression: hand-built patterns (issue 14) --------------------------------------


def test_a_lone_small_cell_in_a_row_with_a_total_takes_the_next_smallest_with_it():
    #          CLA  CP  CIN  All
    #   North   10   3   20   33   CP 3 primary; the row total would give it back (33-10-20),
    #                              so the smallest other non-zero cell of the row, CLA 10, goes.
    table = teams({"North": [10, 3, 20, 33]}, ["CLA", "CP", "CIN", "All"])
    shown = suppress_table(table, ["CLA", "CP", "CIN"], total_column="All")
    assert list(shown.loc["North"]) == ["c", "c", "20", "33"]


def test_a_total_row_and_column_hide_no_more_than_the_pattern_needs():
    #           CLA  CP  CIN  All
    #   North    10   3   20   33   CP 3 primary -> the CP column needs a second: South's 11 or
    #   South    12  11   15   38   Not recorded's 11. Not recorded's row is 0, 11, 0 = 11: hiding
    #   Not rec   0  11    0   11   its 11 would still show it (row total 11), so South's 11 goes.
    #   Total    22  25   35   82   Rows: North needs one more (CLA 10); South needs one more
    #                               (CLA 12); then the CLA column has two hidden: stable.
    table = teams(
        {
            "North": [10, 3, 20, 33],
            "South": [12, 11, 15, 38],
            "Not recorded": [0, 11, 0, 11],
            "Total": [22, 25, 35, 82],
        },
        ["CLA", "CP", "CIN", "All"],
    )
    shown = suppress_table(table, ["CLA", "CP", "CIN"], total_row="Total", total_column="All")
    assert list(shown.loc["Not recorded"]) == ["0", "11", "0", "11"]
    assert list(shown.loc["North"]) == ["c", "c", "20", "33"]
    assert list(shown.loc["South"]) == ["c", "c", "15", "38"]
    assert list(shown.loc["Total"]) == ["22", "25", "35", "82"]


def test_a_count_whose_complement_is_small_is_hidden():
    #   in touch 58 of 59: not in touch = 1 (primary, never shown) would be 59 - 58,
    #   so the count 58 and its % are hidden; the cohort 59 stays.
    table = teams({"19-21": [59, 58, 98.3]}, ["cohort", "in_touch", "pct"])
    shown = suppress_table(
        table, ["cohort", "in_touch"], percent_columns={"pct": ("in_touch", "cohort")}
    )
    assert list(shown.loc["19-21"]) == ["59", "c", "c"]


def test_a_small_cell_whose_complement_is_also_small_hides_the_base_too():
    #   3 of 7: the count is small (primary) and so is its complement, 4. Hiding the count
    #   leaves the complement unknown too, so 7 can stay.
    table = teams({"A": [7, 3, 42.9]}, ["group", "measure", "pct"])
    shown = suppress_table(
        table, ["group", "measure"], percent_columns={"pct": ("measure", "group")}
    )
    assert list(shown.loc["A"]) == ["7", "c", "c"]


def test_the_activity_bands_of_one_cohort_protect_each_other():
    #   cohort 59 = EET 38 + NEET 20 + not known 1. Not known 1 is primary; 59 - 38 - 20 would
    #   give it back, so the smallest other band, NEET 20, is hidden too. In touch (a separate
    #   measure of the same cohort, 40) is not part of the activity line.
    table = pd.DataFrame(
        {"Measure": ["Cohort", "EET", "NEET", "Not known", "In touch"], "n": [59, 38, 20, 1, 40]}
    )
    shown = suppress_table(
        table,
        ["n"],
        label_column="Measure",
        row_groups=[(["EET", "NEET", "Not known"], "Cohort")],
    )
    assert list(shown["n"]) == ["59", "38", "c", "c", "40"]


def test_zeros_are_never_hidden():
    #   cohort 12 = EET 0 + NEET 12: nothing small, nothing hidden.
    table = pd.DataFrame({"Measure": ["Cohort", "EET", "NEET"], "n": [12, 0, 12]})
    shown = suppress_table(
        table, ["n"], label_column="Measure", row_groups=[(["EET", "NEET"], "Cohort")]
    )
    assert list(shown["n"]) == ["12", "0", "12"]


# --- safe_figure: one figure for summary.json, messages and labels ------------------------------


def test_a_share_on_a_small_complement_withholds_the_count_and_everything_derived():
    # In touch 58 of 59: the 1 not in touch would be 59 - 58.
    figure = {"id": "in_touch_pct", "unit": "pct", "numerator": 58, "denominator": 59,
              "value": 98.3, "ci_low": 91.0, "ci_high": 99.7, "change": 3.0}  # fmt: skip
    safe = safe_figure(figure, suppress=True)
    assert safe["numerator"] is None and safe["value"] is None and safe["ci_low"] is None
    assert safe["change"] is None and safe["denominator"] == 59 and safe["suppressed"]
    assert safe["id"] == "in_touch_pct"


def test_a_year_earlier_figure_on_small_counts_is_withheld_with_the_change():
    figure = {"unit": "pct", "numerator": 30, "denominator": 60, "value": 50.0,
              "previous_numerator": 2, "previous_denominator": 40, "previous_value": 5.0,
              "change": 45.0}  # fmt: skip
    safe = safe_figure(figure, suppress=True)
    assert safe["value"] == 50.0 and safe["previous_value"] is None and safe["change"] is None


def test_a_safe_figure_and_an_unsuppressed_one_are_unchanged():
    figure = {"unit": "count", "value": 0, "numerator": 0}  # zero is not disclosive
    assert safe_figure(figure, suppress=True) == {**figure, "suppressed": False}
    small = {"unit": "count", "value": 3, "numerator": 3}
    assert safe_figure(small, suppress=False) == small
    assert safe_figure(small, suppress=True)["value"] is None


def test_parts_of_one_whole_hide_a_second_group_with_a_small_one():
    #   Distance bands of 380 children with a known distance: 200, 150, 27, 3. The 3 is small;
    #   380 - 200 - 150 - 27 would give it back, so the next smallest band, 27, goes too.
    hidden = hidden_groups([200, 150, 27, 3], [380, 380, 380, 380])
    assert hidden.tolist() == [False, False, True, True]


def test_groups_with_their_own_bases_are_judged_one_by_one():
    #   Care leavers in EET by ethnic group: 1 of 8 (small), 20 of 30, 7 of 9 (complement 2).
    hidden = hidden_groups([1, 20, 7], [8, 30, 9])
    assert hidden.tolist() == [True, False, True]


def test_an_interval_written_as_text_is_hidden_with_its_count():
    #   "Black | c | 8 | c | 2.2 to 47.1" gave 1 of 8 back: the interval goes with the count.
    table = teams({"Black": [1, 8, "2.2 to 47.1"], "White": [20, 40, "35.2 to 65.0"]},
                  ["measure", "group", "interval"])  # fmt: skip
    shown = suppress_table(
        table, ["measure", "group"], percent_columns={"interval": ("measure", "group")}
    )
    assert list(shown["interval"]) == ["c", "35.2 to 65.0"]


def test_a_team_and_the_other_teams_hide_together_when_they_make_up_all_teams():
    #   All teams: 12 of 63 over (shown elsewhere). Team 3 of 4 (small); other teams 9 of 59.
    #   63 - 59 and 12 - 9 would give the team back, so the other teams go too.
    assert hidden_groups([3, 9], [4, 59], partition=True).tolist() == [True, True]
    #   Three teams: the smallest other team goes with the small one, the third stays.
    assert hidden_groups([3, 9, 20], [4, 30, 59], partition=True).tolist() == [True, True, False]
