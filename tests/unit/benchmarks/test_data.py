"""The packaged DfE benchmark data against the published files, and the script that builds it.

Values hard-coded here were read by hand from the published files in
/work/shared/reference/dfe (and agree with /work/shared/reference/benchmarks.md). The tests
that re-read the published files and rebuild the package data read the extracts committed in
tests/fixtures/published (the same rows, as published), so they run on any machine.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pandas as pd
import pytest

from csc_metrics.benchmarks import (
    adoption_stage_benchmarks,
    align_to_benchmarks,
    benchmark_table,
    council_info,
    council_table,
    load_benchmark_data,
)
from csc_metrics.benchmarks.data import RowsByCode
from csc_metrics.benchmarks.stages import months_to_days

ROOT = Path(__file__).resolve().parents[3]
REFERENCE = ROOT / "src" / "csc_metrics" / "reference"
#: Extracts of the published DfE files (every area and year, the rows and columns the build
#: reads, as published), so these checks run on a clean checkout: see its README.md and
#: scripts/extract_published_for_tests.py, which checks they build the same tables as the
#: full files in ../shared/reference/dfe.
PUBLISHED = ROOT / "tests" / "fixtures" / "published" / "dfe"


def _build_script():
    spec = importlib.util.spec_from_file_location(
        "build_benchmarks", ROOT / "scripts" / "build_benchmarks.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_benchmarks", module)
    spec.loader.exec_module(module)
    return module


def _value(table: pd.DataFrame, indicator_id: str, column: str = "la"):
    return table.set_index("id").at[indicator_id, column]


@pytest.fixture(scope="module")
def lancashire_2025() -> pd.DataFrame:
    return benchmark_table("888", 2025)


# --- Hard-coded values read from the published files ------------------------------------------


def test_lancashire_3plus_placements_2025(lancashire_2025):
    # la_cla_placement_stability.csv, 2025, 888, "CLA on 31 March":
    # "With 3 or more placements during the year" 121 (7%) of "Total children" 1,699.
    row = lancashire_2025.set_index("id").loc["placements_3plus_pct"]
    assert (row["la"], row["la_numerator"], row["la_denominator"]) == (7, 121, 1699)
    assert row["england"] == 10 and row["region"] == 9


def test_lancashire_care_leavers_19_21_eet_2025(lancashire_2025):
    # la_care_leavers_activity.csv, 2025, 888, 19 to 21 years:
    # "Total in education, employment or training" 321 (48%) of "Total" 668.
    row = lancashire_2025.set_index("id").loc["care_leavers_19_21_eet_pct"]
    assert (row["la"], row["la_numerator"], row["la_denominator"]) == (48, 321, 668)


def test_england_care_leavers_19_21_eet_2025(lancashire_2025):
    # Same file, National row: 20,760 of 38,440 = 54%.
    assert _value(lancashire_2025, "care_leavers_19_21_eet_pct", "england") == 54


def test_lancashire_workforce_2025(lancashire_2025):
    # csww_indicators_2017_to_2025.csv, 2025, 888: caseload_fte 14.8, agency_rate_fte 3.6,
    # turnover_rate_fte 9.9, vacancy_rate_fte 3.
    assert [
        _value(lancashire_2025, i)
        for i in [
            "caseload_per_fte",
            "agency_workers_pct",
            "social_worker_turnover_pct",
            "vacancy_rate_pct",
        ]
    ] == [14.8, 3.6, 9.9, 3]


def test_lancashire_cla_rate_and_count_2025(lancashire_2025):
    # cla_number_and_rate_per_10k_children.csv, 2025, 888: 1,699 children, 65 per 10,000.
    assert _value(lancashire_2025, "cla_rate_per_10k") == 65
    assert _value(lancashire_2025, "cla_count") == 1699


def test_lancashire_placed_over_20_miles_uses_the_31_march_figure(lancashire_2025):
    # shared benchmarks.csv (S04): CLA at 31 March placed more than 20 miles: Lancashire 19%
    # (324 of 1,699), England 22%, North West 14%.
    row = lancashire_2025.set_index("id").loc["placed_over_20_miles_pct"]
    assert (row["la"], row["england"], row["region"], row["la_numerator"]) == (19, 22, 14, 324)


def test_new_placements_over_20_miles_is_derived_from_counts(lancashire_2025):
    # la_cla_during_year_new_placements.csv, 2025, 888: inside > 20 miles 182, outside > 20
    # miles 120, total new placements 1,507: (182 + 120) / 1,507 = 20.04% -> 20.
    row = lancashire_2025.set_index("id").loc["new_placements_over_20_miles_pct"]
    assert (row["la"], row["la_numerator"], row["la_denominator"]) == (20, 302, 1507)


def test_lancashire_neighbour_median_3plus_2025(lancashire_2025):
    # Lancashire's 2025-model neighbours and their 2025 3+ placements %: Lincolnshire 11,
    # Bury 6, Dudley 7, Herefordshire 10, Darlington 13, Stockton-on-Tees 11, Wakefield 10,
    # Nottinghamshire 5, Northumberland 13, Wigan 9. Sorted 5 6 7 9 10 10 11 11 13 13:
    # median (10 + 10) / 2 = 10.
    row = lancashire_2025.set_index("id").loc["placements_3plus_pct"]
    assert (row["sn_median"], row["sn_count"]) == (10, 10)


def test_lancashire_rank_3plus_2025(lancashire_2025):
    # 151 councils have a 2025 value; 11 have less than 7% (checked against the file below).
    row = lancashire_2025.set_index("id").loc["placements_3plus_pct"]
    assert (row["rank"], row["of"], row["quartile"]) == (12, 151, 1)


def test_lancashire_neighbours_come_from_the_2025_model():
    info = council_info("E10000017")
    assert info["sn_model"] == "DfE statistical neighbour model 2025"
    assert [n["la_code_old"] for n in info["statistical_neighbours"]] == [
        "925", "351", "332", "884", "841", "808", "384", "891", "929", "359",
    ]  # fmt: skip


def test_suppressed_value_is_kept_as_c():
    # la_care_leavers_accommodation_suitability.csv, 2025, Cumberland (942), 17 to 18 years:
    # "Accommodation considered suitable" c.
    row = (
        benchmark_table("942", 2025)
        .set_index("id")
        .loc["care_leavers_17_18_suitable_accommodation_pct"]
    )
    assert pd.isna(row["la"]) and row["symbol"] == "c"
    assert row["reason"] == "c (suppressed to protect confidentiality)"


def test_low_is_kept_as_a_symbol_not_zero():
    # csww 2025, Sunderland (394): agency_rate_fte "low".
    row = benchmark_table("394", 2025).set_index("id").loc["agency_workers_pct"]
    assert pd.isna(row["la"]) and row["symbol"] == "low"


def test_abolished_council_has_no_rows_after_it_ended():
    # Cumbria (909) is 'z' in the 2024 and 2025 CLA files: it was replaced in April 2023.
    values = load_benchmark_data().values
    assert values.loc[values["area_code"] == "909", "year"].max() == 2023
    row = benchmark_table("909", 2025).set_index("id").loc["placements_3plus_pct"]
    assert row["reason"] == "the council no longer existed in this year"


def test_successor_councils_have_their_own_series():
    assert benchmark_table("943", 2025).set_index("id").at["cla_rate_per_10k", "la"] == 67


def test_north_yorkshires_county_code_still_finds_it():
    assert council_info("E10000023")["la_code_old"] == "815"


def test_joint_workforce_return_is_used_for_kingston():
    # csww 2025, "314 / 318" Kingston upon Thames / Richmond upon Thames: caseload 13.9.
    row = benchmark_table("E09000021", 2025).set_index("id").loc["caseload_per_fte"]
    assert row["la"] == 13.9 and "Joint figure" in row["note"]


def test_london_boroughs_compare_with_london():
    assert council_info("201")["region_code"] == "E12000007"
    assert benchmark_table("201", 2025).set_index("id").at["cla_rate_per_10k", "region"] == 48


# --- Every council works ---------------------------------------------------------------------


@pytest.mark.slow
def test_every_council_gets_a_table():
    data = load_benchmark_data()
    codes = council_table()["la_code_old"]
    tables = {code: benchmark_table(code, data=data) for code in codes}
    assert len(tables) == 158
    # 16 placement, care-leaver and workforce measures, 6 routes out of care, 6 adoption stages.
    assert all(len(t) == 28 and t["la_name"].notna().all() for t in tables.values())


def test_every_current_council_has_ten_neighbours():
    councils = council_table()
    neighbours = load_benchmark_data().neighbours
    counts = neighbours.groupby("la_code_old").size()
    current = councils.loc[councils["status"] == "current", "la_code_old"]
    assert (counts.reindex(current) == 10).all()


def test_codes_are_unique_across_current_and_former_codes():
    councils = council_table()
    new_codes = pd.concat(
        [councils["la_code_new"], councils["other_la_codes_new"].str.split(";").explode()]
    )
    new_codes = new_codes[new_codes.ne("")]
    assert councils["la_code_old"].is_unique and new_codes.is_unique


def test_every_row_has_a_source_with_licence_and_period_basis():
    data = load_benchmark_data()
    sources = data.sources.set_index("source_id")
    assert set(data.values["source_id"]) <= set(sources.index)
    assert (sources["licence"] == "Open Government Licence v3.0").all()
    assert set(sources["period_basis"]) == {"year ending 31 March", "at 30 September"}


PACKAGE_FILES = [
    "benchmarks.csv",
    "benchmark_sources.csv",
    "benchmark_measures.csv",
    "councils.csv",
    "statistical_neighbours.csv",
]


def test_package_data_stays_compact():
    # About 0.78 MB before the permanence routes, whose six shares for every council and year
    # (4,800 rows) add about 0.22 MB.
    assert sum((REFERENCE / name).stat().st_size for name in PACKAGE_FILES) < 1_200_000


def test_lancashire_quarterly_gap_against_england():
    # A quarter ending 30 June 2025 compares with the year ending 31 March 2025: 50.0% of
    # 19-21 year olds in EET against England's 54% is a gap of -4.0 points.
    own = pd.DataFrame(
        {
            "indicator_id": ["care_leavers_19_21_eet_pct"],
            "period_end": [pd.Timestamp("2025-06-30")],
            "breakdown": ["total"],
            "group": ["all"],
            "value": [50.0],
        }
    )
    row = align_to_benchmarks(own, "888").iloc[0]
    assert (row["benchmark_year"], row["benchmark"], row["gap_pp"]) == (2025, 54, -4.0)


# --- Against the published files -------------------------------------------------------------


def _published(name: str) -> pd.DataFrame:
    return pd.read_csv(PUBLISHED / name, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _packaged(indicator_id: str, year: int) -> pd.Series:
    """Council values as the published file writes them: the number, or the DfE symbol."""
    values = load_benchmark_data().values
    rows = values[
        (values["indicator_id"] == indicator_id)
        & (values["year"] == year)
        & (values["level"] == "la")
    ].set_index("area_code")
    return rows["value"].map(lambda v: f"{v:g}").where(rows["symbol"].eq(""), rows["symbol"])


def _as_written(cells: pd.Series) -> pd.Series:
    numbers = pd.to_numeric(cells, errors="coerce")
    return numbers.map(lambda v: f"{v:g}").where(numbers.notna(), cells)


def test_every_council_3plus_value_2025_matches_the_published_file():
    raw = _published("la_cla_placement_stability.csv")
    raw = raw[
        (raw["time_period"] == "2025")
        & (raw["geographic_level"] == "Local authority")
        & (raw["placement_stability"] == "With 3 or more placements during the year")
    ].set_index("old_la_code")["children_percent"]
    packaged = _packaged("placements_3plus_pct", 2025)
    # Cumbria and Northamptonshire no longer existed ("z"), so they have no packaged row.
    published = _as_written(raw[raw.ne("z")])
    assert packaged.sort_index().to_dict() == published.sort_index().to_dict()


def test_every_council_caseload_2024_matches_the_published_file():
    raw = _published("csww_indicators_2017_to_2025.csv")
    raw = raw[(raw["geographic_level"] == "Local authority") & (raw["time_period"] == "2024")]
    raw = raw.set_index(raw["old_la_code"].str.replace(" / ", "/"))["caseload_fte"]
    packaged = _packaged("caseload_per_fte", 2024)
    assert packaged.sort_index().to_dict() == _as_written(raw).sort_index().to_dict()


def test_lancashire_rank_matches_a_count_from_the_published_file():
    raw = _published("la_cla_placement_stability.csv")
    raw = raw[
        (raw["time_period"] == "2025")
        & (raw["geographic_level"] == "Local authority")
        & (raw["placement_stability"] == "With 3 or more placements during the year")
    ]
    values = pd.to_numeric(raw["children_percent"], errors="coerce").dropna()
    assert (len(values), int((values < 7).sum()) + 1) == (151, 12)


def test_every_council_care_leaver_eet_2023_matches_the_published_file():
    raw = _published("la_care_leavers_activity.csv")
    raw = raw[
        (raw["time_period"] == "2023")
        & (raw["care_leaver_age"] == "17 to 18 years")
        & (raw["breakdown"] == "Total in education, employment or training")
        & (raw["geographic_level"] == "Local authority")
    ].set_index("old_la_code")["care_leaver_percent"]
    packaged = _packaged("care_leavers_17_18_eet_pct", 2023)
    published = _as_written(raw[raw.ne("z")])
    assert packaged.sort_index().to_dict() == published.sort_index().to_dict()


@pytest.mark.slow
def test_the_build_is_deterministic_and_the_package_data_is_current(tmp_path):
    script = _build_script()
    first, second = tmp_path / "first", tmp_path / "second"
    for output in (first, second):
        assert script.main(["--source", str(PUBLISHED), "--output", str(output)]) == 0
    for name in [
        "benchmarks.csv",
        "benchmark_sources.csv",
        "councils.csv",
        "statistical_neighbours.csv",
        "adoption_stage_benchmarks.csv",
    ]:
        assert (
            (first / name).read_bytes()
            == (second / name).read_bytes()
            == (REFERENCE / name).read_bytes()
        ), name


# --- The build script on hand-made input ------------------------------------------------------


def test_build_reads_k_as_missing_never_zero():
    script = _build_script()
    numbers, symbols = script.split_symbol(
        pd.Series(["7", "k", "c (suppressed)", "", "low"]), "test"
    )
    assert numbers.isna().tolist() == [False, True, True, True, True]
    assert symbols.tolist() == ["", "k", "c", "", "low"]


def test_build_stops_on_an_unknown_cell_naming_where():
    script = _build_script()
    with pytest.raises(
        script.BuildError, match=r"test file, column X: unexpected value\(s\) 'n/a'"
    ):
        script.split_symbol(pd.Series(["7", "n/a"]), "test file, column X")


def test_build_stops_when_the_published_folder_is_missing(tmp_path, capsys):
    script = _build_script()
    assert script.main(["--source", str(tmp_path / "absent"), "--output", str(tmp_path)]) == 2
    assert "does not exist" in capsys.readouterr().err


# --- Permanence: routes out of care (la_cla_ceased_during_year.csv) ------------------------


def test_lancashire_adopted_share_2025(lancashire_2025):
    lancashire_2025 = lancashire_2025.set_index("id")
    # la_cla_ceased_during_year.csv, 2025, Lancashire, "Reason episode ceased":
    # Adopted 60 (11%) of Total 569; England 3,040 (9%); North West 500 (9%).
    row = lancashire_2025.loc["left_care_adopted_pct"]
    assert (row["la"], row["la_numerator"], row["la_denominator"]) == (11, 60, 569)
    assert (row["england"], row["region"]) == (9, 9)


def test_lancashire_special_guardianship_share_2025(lancashire_2025):
    lancashire_2025 = lancashire_2025.set_index("id")
    # "Special guardianship order" 78 (14%) of 569; England 4,110 (12%); North West 820 (15%).
    row = lancashire_2025.loc["left_care_sgo_pct"]
    assert (row["la"], row["la_numerator"], row["england"], row["region"]) == (14, 78, 12, 15)


def test_return_home_is_the_sum_of_the_two_published_reasons():
    # England 2025: part of care planning 5,540 + not part of it 1,070 = 6,610 of 34,450
    # = 19.19% -> 19 (whole numbers, as DfE publishes).
    row = benchmark_table("888", 2025).set_index("id").loc["left_care_home_pct"]
    assert row["england"] == 19
    # Lancashire's "not part of care planning" is c, so its sum is withheld, never a guess.
    assert pd.isna(row["la"]) and row["symbol"] == "c"


def test_other_reasons_are_the_rest_of_the_published_reasons():
    # England 2025: 34,450 - (3,040 + 4,110 + 1,080 + 6,610 + 1,800) = 17,810 -> 51.7% -> 52.
    row = benchmark_table("888", 2025).set_index("id").loc["left_care_other_pct"]
    assert row["england"] == 52


def test_every_route_has_england_region_and_neighbours_for_a_london_borough():
    table = benchmark_table("E09000007", 2024).set_index("id")  # Camden
    for indicator_id in ("left_care_adopted_pct", "left_care_sgo_pct"):
        row = table.loc[indicator_id]
        assert row["region_name"] == "London"
        assert pd.notna(row["england"]) and pd.notna(row["sn_median"]), indicator_id


def test_a_quarter_is_compared_with_the_year_ending_the_march_before():
    own = pd.DataFrame(
        {
            "indicator_id": ["left_care_adopted_pct"],
            "period_end": [pd.Timestamp("2025-06-30")],
            "breakdown": ["total"],
            "group": ["all"],
            "value": [12.8],
        }
    )
    row = align_to_benchmarks(own, "888").iloc[0]
    # 12.8% against England's 9% (year ending 31 March 2025): 3.8 points above.
    assert (row["benchmark_year"], row["benchmark"], round(row["gap_pp"], 1)) == (2025, 9, 3.8)


# --- Permanence against the published files -------------------------------------------------


@pytest.mark.parametrize(
    ("indicator_id", "characteristic"),
    [
        ("left_care_adopted_pct", "Adopted"),
        ("left_care_sgo_pct", "Special guardianship order"),
        ("left_care_cao_pct", "Residence order or child arrangement order granted"),
    ],
)
@pytest.mark.parametrize("year", [2021, 2025])
def test_every_councils_route_share_matches_the_published_file(indicator_id, characteristic, year):
    raw = _published("la_cla_ceased_during_year.csv")
    raw = raw[
        (raw["time_period"] == str(year))
        & (raw["geographic_level"] == "Local authority")
        & (raw["cla_group"] == "Reason episode ceased")
        & (raw["characteristic"] == characteristic)
    ].set_index("old_la_code")["percentage"]
    numbers = pd.to_numeric(raw, errors="coerce")
    published = numbers.map(lambda v: f"{v:g}").where(numbers.notna(), raw)
    published = published[published.ne("z")]
    assert _packaged(indicator_id, year).sort_index().to_dict() == published.sort_index().to_dict()


@pytest.mark.parametrize("indicator_id", ["left_care_adopted_pct", "left_care_sgo_pct"])
def test_neighbour_medians_agree_with_the_dfe_dashboards_within_its_rounding(indicator_id):
    # The DfE dashboard publishes each council's neighbours' median rounded to a whole number;
    # ours is the exact median of the same model's neighbours, so they agree within 0.5.
    characteristic = {
        "left_care_adopted_pct": "Adopted",
        "left_care_sgo_pct": "Special guardianship order",
    }[indicator_id]
    raw = _published("la_cla_ceased_during_year.csv")
    raw = raw[
        (raw["time_period"] == "2025")
        & (raw["geographic_level"] == "Statistical neighbours (median)")
        & (raw["cla_group"] == "Reason episode ceased")
        & (raw["characteristic"] == characteristic)
    ]
    councils = council_table()
    code = councils[councils["status"] == "current"].set_index("la_name")["la_code_old"]
    medians = load_benchmark_data().neighbour_medians.xs((indicator_id, 2025), level=(1, 2))
    ours = raw["geo_breakdown_sn"].map(code).map(medians["sn_median"])
    theirs = pd.to_numeric(raw["percentage"], errors="coerce")
    assert len(raw) > 150 and ours.notna().all()
    assert ((ours - theirs).abs() <= 0.5).all()


def test_stage_table_matches_every_published_duration():
    raw = _published("national_cla_adopted_average_time_between_adoption_process_stages.csv")
    raw = raw[raw["stage_of_adoption_process"].str.match(r"^[1-6]\. ")]
    table = adoption_stage_benchmarks()
    assert len(table) == len(raw) == 270  # 5 years x 6 stages x 9 age groups
    assert sorted(table["published"]) == sorted(raw["number"])
    read = table.dropna(subset=["months"])
    assert (read["days"] == months_to_days(read["months"])).all()


def test_rows_by_code_answers_each_codes_rows_as_groupby_does():
    # Area A has rows 0 and 2, area B row 1; C has none. Each code's rows come back shaped
    # (here: the value column only), in their order and with their index, as a groupby would
    # give them; a code without rows gets the default.
    table = pd.DataFrame(
        {"area_code": ["A", "B", "A"], "value": [1.0, 2.0, 3.0]}, index=["x", "y", "z"]
    )
    rows = RowsByCode(table, "area_code", lambda part: part[["value"]])
    expected = {code: part[["value"]] for code, part in table.groupby("area_code")}
    pd.testing.assert_frame_equal(rows.get("A"), expected["A"])
    pd.testing.assert_frame_equal(rows.get("B"), expected["B"])
    assert rows.get("C", "none") == "none"
    assert "A" in rows and "C" not in rows and len(rows) == 2
    assert rows.get("A") is rows.get("A")  # shaped once
