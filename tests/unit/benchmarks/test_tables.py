"""Benchmarks API on a tiny hand-made data set whose answers are worked out below.

The fixture has five councils:

    101 Alpha   (North East E12000001; also published as E10000101), neighbours 102, 103, 105
    102 Beta    (North East)
    103 Gamma   (North West E12000002)  } one joint workforce return "103/104"
    104 Delta   (North West)            }
    105 Epsilon (North West, former council, existed 2024 only)

and these figures (source "cla": year ending 31 March; "wf": at 30 September; "part": held
for England and Alpha only):

    placements_3plus_pct (lower is better)   2024: Eng 10, NE 9, 101 8, 102 12, 103 8, 104 c, 105 5
                                              2025: Eng 11, NE 10, 101 6, 102 7, 103 k, 104 9
    long_term_stability_pct (higher better)   2025: Eng 68, 101 70, 102 60, 103 80, 104 70
    cla_rate_per_10k (neutral)                2025: Eng 60 (600/100000), 101 50 (100/20000),
                                              102 70 (140/20000)
    caseload_per_fte (lower is better)        2024: Eng 16.0, 101 14.5
                                              2025: Eng 15.5, 101 14.0, 102 16.0, 103/104 15.0
    placed_over_20_miles_pct (lower, "part")  2025: Eng 20, 101 15
"""

from __future__ import annotations

from io import StringIO

import pandas as pd
import pytest

from csc_metrics.benchmarks import (
    COVERAGE_ALL,
    BenchmarkData,
    align_to_benchmarks,
    benchmark_series,
    benchmark_table,
    council_info,
    rank_councils,
    resolve_council,
)
from csc_metrics.errors import ParameterError

VALUES = """indicator_id,year,area_code,value,symbol,numerator,denominator,source_id
placements_3plus_pct,2024,E92000001,10,,,,cla
placements_3plus_pct,2024,E12000001,9,,,,cla
placements_3plus_pct,2024,101,8,,8,100,cla
placements_3plus_pct,2024,102,12,,12,100,cla
placements_3plus_pct,2024,103,8,,8,100,cla
placements_3plus_pct,2024,104,,c,,3,cla
placements_3plus_pct,2024,105,5,,5,100,cla
placements_3plus_pct,2025,E92000001,11,,,,cla
placements_3plus_pct,2025,E12000001,10,,,,cla
placements_3plus_pct,2025,101,6,,6,100,cla
placements_3plus_pct,2025,102,7,,7,100,cla
placements_3plus_pct,2025,103,,k,,400,cla
placements_3plus_pct,2025,104,9,,9,100,cla
long_term_stability_pct,2025,E92000001,68,,,,cla
long_term_stability_pct,2025,101,70,,,,cla
long_term_stability_pct,2025,102,60,,,,cla
long_term_stability_pct,2025,103,80,,,,cla
long_term_stability_pct,2025,104,70,,,,cla
cla_rate_per_10k,2025,E92000001,60,,600,100000,cla
cla_rate_per_10k,2025,101,50,,100,20000,cla
cla_rate_per_10k,2025,102,70,,140,20000,cla
caseload_per_fte,2024,E92000001,16.0,,,,wf
caseload_per_fte,2024,101,14.5,,,,wf
caseload_per_fte,2025,E92000001,15.5,,,,wf
caseload_per_fte,2025,101,14.0,,,,wf
caseload_per_fte,2025,102,16.0,,,,wf
caseload_per_fte,2025,103/104,15.0,,,,wf
placed_over_20_miles_pct,2025,E92000001,20,,,,part
placed_over_20_miles_pct,2025,101,15,,,,part
"""


def _table(text: str) -> pd.DataFrame:
    return pd.read_csv(StringIO(text), dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def data() -> BenchmarkData:
    sources = pd.DataFrame(
        {
            "source_id": ["cla", "wf", "part"],
            "publication": ["CLA release", "Workforce release", "CLA at 31 March extract"],
            "file": ["cla.csv", "wf.csv", "part.csv"],
            "licence": ["Open Government Licence v3.0"] * 3,
            "period_basis": ["year ending 31 March", "at 30 September", "year ending 31 March"],
            "period_end": ["03-31", "09-30", "03-31"],
            "coverage": [COVERAGE_ALL, COVERAGE_ALL, "England and Alpha only"],
        }
    )
    councils = _table(
        "la_code_old,la_code_new,other_la_codes_new,la_name,region_code,region_name,status,"
        "first_year,last_year,joint_return_code,sn_model,note\n"
        "101,E06000101,E10000101,Alpha,E12000001,North East,current,2024,2025,,test model,\n"
        "102,E06000102,,Beta,E12000001,North East,current,2024,2025,,test model,\n"
        "103,E06000103,,Gamma,E12000002,North West,current,2024,2025,103/104,test model,\n"
        "104,E06000104,,Delta,E12000002,North West,current,2024,2025,103/104,test model,\n"
        "105,E06000105,,Epsilon,E12000002,North West,former,2024,2024,,test model,Merged.\n"
    )
    neighbours = _table(
        "la_code_old,sn_rank,neighbour_la_code_old,closeness\n"
        "101,1,102,Very close\n101,2,103,Close\n101,3,105,Close\n"
    )
    return BenchmarkData.from_tables(_table(VALUES), sources, councils, neighbours)


def _row(table: pd.DataFrame, indicator_id: str) -> pd.Series:
    rows = table[table["id"] == indicator_id]
    assert len(rows) == 1, rows
    return rows.iloc[0]


# --- Council codes ---------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["101", 101, " e06000101 ", "E06000101", "E10000101"])
def test_old_new_and_former_codes_all_resolve_to_the_old_code(data, code):
    assert resolve_council(code, data) == "101"


def test_unknown_code_is_a_parameter_error_saying_where_codes_are(data):
    with pytest.raises(ParameterError, match=r"Unknown council code '999'.*councils\.csv"):
        resolve_council("999", data)


def test_a_mistyped_name_suggests_the_close_council(data):
    with pytest.raises(ParameterError, match=r"Did you mean Alpha: 101 or E06000101"):
        resolve_council("Alpah", data)


def test_council_info_lists_neighbours_in_rank_order(data):
    info = council_info("E10000101", data)
    assert info["la_name"] == "Alpha"
    assert info["other_la_codes_new"] == ["E10000101"]
    assert [n["la_name"] for n in info["statistical_neighbours"]] == ["Beta", "Gamma", "Epsilon"]


# --- Ranks -----------------------------------------------------------------------------------


def test_lower_is_better_ranks_ascending_with_ties_sharing_the_best_rank(data):
    # 2024 values 105: 5, 101: 8, 103: 8, 102: 12 (104 is c): ranks 1, 2, 2, 4 of 4.
    ranks = data.ranks[
        (data.ranks["indicator_id"] == "placements_3plus_pct") & (data.ranks["year"] == 2024)
    ].set_index("area_code")
    assert ranks.loc[["105", "101", "103", "102"], "rank"].tolist() == [1, 2, 2, 4]
    assert set(ranks["of"].dropna()) == {4}


def test_quartile_is_ceil_of_four_times_rank_over_count(data):
    # of = 4: rank 1 -> ceil(1) = 1; rank 2 -> ceil(2) = 2; rank 4 -> ceil(4) = 4.
    ranks = data.ranks[
        (data.ranks["indicator_id"] == "placements_3plus_pct") & (data.ranks["year"] == 2024)
    ].set_index("area_code")
    assert ranks.loc[["105", "101", "102"], "quartile"].tolist() == [1, 2, 4]


def test_higher_is_better_ranks_descending():
    # 80 > 70 = 70 > 60: ranks 1, 2, 2, 4.
    values = pd.DataFrame(
        {
            "indicator_id": "long_term_stability_pct",
            "year": 2025,
            "area_code": ["A", "B", "C", "D"],
            "value": [70.0, 60.0, 80.0, 70.0],
        }
    )
    ranked = rank_councils(values, pd.Series({"long_term_stability_pct": "higher"}))
    assert ranked["rank"].tolist() == [2, 4, 1, 2]


def test_neutral_indicators_rank_the_highest_value_first(data):
    table = benchmark_table("101", 2025, ["cla_rate_per_10k"], data=data)
    # 102 has 70, 101 has 50: Alpha is 2 of 2.
    assert (_row(table, "cla_rate_per_10k")[["rank", "of"]] == [2, 2]).all()
    assert _row(table, "cla_rate_per_10k")["better"] == "neutral"


def test_a_withheld_value_is_not_ranked_and_not_counted(data):
    # 2025: 101: 6, 102: 7, 104: 9 have values; 103 is k. Gamma has no rank; of = 3.
    row = _row(
        benchmark_table("103", 2025, ["placements_3plus_pct"], data=data), "placements_3plus_pct"
    )
    assert pd.isna(row["rank"]) and row["of"] == 3


def test_a_joint_return_is_ranked_once(data):
    # Caseload 2025: 101: 14.0, joint 103/104: 15.0, 102: 16.0 -> three units, Gamma 2nd.
    row = _row(benchmark_table("103", 2025, ["caseload_per_fte"], data=data), "caseload_per_fte")
    assert (row["la"], row["rank"], row["of"]) == (15.0, 2, 3)


def test_measures_held_for_a_few_areas_are_not_ranked(data):
    row = _row(benchmark_table("101", 2025, data=data), "placed_over_20_miles_pct")
    assert row["la"] == 15 and pd.isna(row["rank"]) and pd.isna(row["of"])


# --- Values, England, region, neighbours -------------------------------------------------------


def test_table_gives_own_value_england_and_region(data):
    row = _row(benchmark_table("101", 2024, data=data), "placements_3plus_pct")
    assert (row["la"], row["england"], row["region"]) == (8, 10, 9)
    assert row["region_name"] == "North East" and row["la_name"] == "Alpha"


def test_neighbour_median_is_worked_out_by_hand(data):
    # Alpha's neighbours in 2024: Beta 12, Gamma 8, Epsilon 5 -> median 8 of 3.
    row = _row(benchmark_table("101", 2024, data=data), "placements_3plus_pct")
    assert (row["sn_median"], row["sn_count"]) == (8, 3)


def test_neighbour_median_uses_a_joint_return_for_a_neighbour(data):
    # Caseload 2025: Beta 16.0, Gamma (joint) 15.0, Epsilon none -> median 15.5 of 2.
    row = _row(benchmark_table("101", 2025, data=data), "caseload_per_fte")
    assert (row["sn_median"], row["sn_count"]) == (15.5, 2)


def test_neighbour_median_ignores_withheld_values(data):
    # 2025: Beta 7, Gamma k, Epsilon no row -> median 7 of 1.
    row = _row(benchmark_table("101", 2025, data=data), "placements_3plus_pct")
    assert (row["sn_median"], row["sn_count"]) == (7, 1)


def test_k_is_missing_with_its_reason_never_zero(data):
    row = _row(benchmark_table("103", 2025, data=data), "placements_3plus_pct")
    assert pd.isna(row["la"])
    assert (row["symbol"], row["reason"]) == ("k", "k (below 0.5%)")


def test_c_is_missing_with_its_reason(data):
    row = _row(benchmark_table("104", 2024, data=data), "placements_3plus_pct")
    assert pd.isna(row["la"]) and row["reason"] == "c (suppressed to protect confidentiality)"


def test_joint_figure_is_read_for_both_councils_and_says_so(data):
    gamma = _row(benchmark_table("103", 2025, data=data), "caseload_per_fte")
    delta = _row(benchmark_table("104", 2025, data=data), "caseload_per_fte")
    assert gamma["la"] == delta["la"] == 15.0
    assert "Joint figure published for Gamma / Delta" in gamma["note"]


def test_cla_count_comes_from_the_rate_numerator(data):
    row = _row(benchmark_table("101", 2025, data=data), "cla_count")
    assert (row["la"], row["england"]) == (100, 600)


def test_a_former_council_after_it_ended_says_so(data):
    row = _row(benchmark_table("105", 2025, data=data), "long_term_stability_pct")
    assert pd.isna(row["la"]) and row["reason"] == "the council no longer existed in this year"


def test_a_council_without_a_partial_measure_says_why(data):
    row = _row(benchmark_table("102", 2025, data=data), "placed_over_20_miles_pct")
    assert pd.isna(row["la"]) and "not held here" in row["reason"]


# --- Years and ids ---------------------------------------------------------------------------


def test_default_year_is_each_indicators_latest_with_a_row_for_the_council(data):
    table = benchmark_table("105", data=data)
    # Epsilon only has 3+ placements in 2024; other indicators show their latest year.
    assert _row(table, "placements_3plus_pct")["year"] == 2024
    assert _row(table, "caseload_per_fte")["year"] == 2025


def test_year_selects_that_year_only(data):
    table = benchmark_table("101", 2024, data=data)
    assert set(table["year"]) == {2024}
    assert set(table["id"]) == {"placements_3plus_pct", "caseload_per_fte"}


def test_a_year_with_nothing_published_is_a_parameter_error_listing_years(data):
    with pytest.raises(ParameterError, match="Years available: 2024, 2025"):
        benchmark_table("101", 2019, data=data)


def test_an_id_without_benchmarks_is_a_parameter_error(data):
    with pytest.raises(ParameterError, match="cla_started_count"):
        benchmark_table("101", indicator_ids=["cla_started_count"], data=data)


def test_rows_follow_catalogue_order(data):
    ids = benchmark_table("101", 2025, data=data)["id"].tolist()
    assert ids == [
        "cla_count",
        "cla_rate_per_10k",
        "placements_3plus_pct",
        "long_term_stability_pct",
        "placed_over_20_miles_pct",
        "caseload_per_fte",
    ]


def test_series_has_every_year(data):
    series = benchmark_series("101", ["placements_3plus_pct"], data=data)
    assert series["year"].tolist() == [2024, 2025]
    assert series["period_end"].tolist() == [pd.Timestamp("2024-03-31"), pd.Timestamp("2025-03-31")]


# --- Own series against benchmarks ------------------------------------------------------------


def _series(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["indicator_id", "period_end", "value"])
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    return frame.assign(breakdown="total", group="all", numerator=1.0, denominator=1.0, unknown=0.0)


def test_each_quarter_end_compares_with_the_latest_year_ended_on_or_before_it(data):
    own = _series(
        [
            ("placements_3plus_pct", "2025-03-30", 9.0),  # before 31 March 2025 -> 2024
            ("placements_3plus_pct", "2025-03-31", 9.0),  # the day the year ends -> 2025
            ("placements_3plus_pct", "2025-12-31", 9.0),  # later quarters -> still 2025
            ("caseload_per_fte", "2025-06-30", 17.0),  # workforce year ends 30 Sept -> 2024
            ("caseload_per_fte", "2025-09-30", 17.0),  # -> 2025
        ]
    )
    aligned = align_to_benchmarks(own, "101", "england", data=data)
    assert aligned["benchmark_year"].tolist() == [2024, 2025, 2025, 2024, 2025]
    assert aligned["benchmark"].tolist() == [10, 11, 11, 16.0, 15.5]


def test_gap_is_own_value_minus_benchmark_in_percentage_points(data):
    # 9.0% - England 11% = -2.0 points; lower is better, so "better".
    own = _series([("placements_3plus_pct", "2025-06-30", 9.0)])
    row = align_to_benchmarks(own, "101", "england", data=data).iloc[0]
    assert (row["gap_pp"], row["gap_unit"], row["comparison"]) == (
        -2.0,
        "percentage points",
        "better",
    )


def test_gap_against_neighbours_and_region(data):
    own = _series([("placements_3plus_pct", "2024-06-30", 9.5)])
    # Neighbours' median 2024 is 8 -> +1.5 (worse); North East 2024 is 9 -> +0.5.
    assert align_to_benchmarks(own, "101", "sn", data=data).iloc[0]["gap_pp"] == 1.5
    assert align_to_benchmarks(own, "101", "region", data=data).iloc[0]["gap_pp"] == 0.5


def test_a_period_before_any_benchmark_has_no_gap_and_says_why(data):
    own = _series([("placements_3plus_pct", "2023-12-31", 9.0)])
    row = align_to_benchmarks(own, "101", data=data).iloc[0]
    assert pd.isna(row["gap_pp"]) and "no benchmark published" in row["reason"]


def test_a_withheld_benchmark_is_not_replaced_by_an_earlier_year(data):
    # Gamma's own 2025 published figure is k: the gap stays blank (2024's 8 is not used).
    own = _series([("placements_3plus_pct", "2025-06-30", 0.3)])
    row = align_to_benchmarks(own, "103", "la", data=data).iloc[0]
    assert row["benchmark_year"] == 2025 and pd.isna(row["gap_pp"])
    assert row["reason"] == "k (below 0.5%)"


def test_counts_are_compared_only_with_the_councils_own_published_count(data):
    own = _series([("cla_count", "2025-03-31", 104.0)])
    versus_england = align_to_benchmarks(own, "101", "england", data=data).iloc[0]
    versus_own = align_to_benchmarks(own, "101", "la", data=data).iloc[0]
    assert pd.isna(versus_england["gap_pp"]) and "compare rates" in versus_england["reason"]
    assert versus_own["gap_pp"] == 4.0


def test_only_the_total_rows_of_a_metric_table_are_aligned(data):
    own = pd.concat(
        [
            _series([("placements_3plus_pct", "2025-06-30", 9.0)]),
            _series([("placements_3plus_pct", "2025-06-30", 50.0)]).assign(
                breakdown="sex", group="F"
            ),
        ]
    )
    assert align_to_benchmarks(own, "101", data=data)["value"].tolist() == [9.0]


def test_an_indicator_without_benchmarks_keeps_its_row_with_a_reason(data):
    own = _series([("cla_started_count", "2025-03-31", 30.0)])
    row = align_to_benchmarks(own, "101", data=data).iloc[0]
    assert row["reason"] == "no published benchmark for this indicator"


def test_unknown_comparator_is_a_parameter_error(data):
    with pytest.raises(ParameterError, match="england, region, sn, la"):
        align_to_benchmarks(_series([]), "101", "wales", data=data)


def test_a_series_without_the_metric_columns_is_a_parameter_error(data):
    with pytest.raises(ParameterError, match="period_end"):
        align_to_benchmarks(pd.DataFrame({"indicator_id": ["x"]}), "101", data=data)


def test_a_metric_table_with_nanosecond_dates_aligns(data):
    # MetricTable.validate coerces period_end to datetime64[ns]; the benchmark dates are in
    # microseconds. 9.0% - England 11% (2025) = -2.0 points.
    own = _series([("placements_3plus_pct", "2025-06-30", 9.0)])
    own["period_end"] = own["period_end"].astype("datetime64[ns]")
    assert align_to_benchmarks(own, "101", "england", data=data).iloc[0]["gap_pp"] == -2.0
