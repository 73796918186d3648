"""The generator's files pass the project's format checks, read back as a user would read them.

One small council is generated for the whole module, over collection years 2017-2026 so that
every code change between years (SEX, ACTIV, REC, PLACE) is exercised.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest
from sample_checks import (
    TEMPORARY,
    dates,
    looked_after_on,
    merged_episodes,
    read_csv,
    read_year,
    reference,
    valid_codes,
    years_in,
)

from csc_metrics.sample.config import SampleConfig
from csc_metrics.sample.generate import build_council
from csc_metrics.sample.output import write_council

YEARS = list(range(2017, 2027))
CONTINUATION = {"L", "P", "T", "U", "B"}


# Generates and writes a whole synthetic council: left out of `make test-fast`.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample_format")
    config = SampleConfig(seed=7, scale=0.12, first_year=2017, last_year=2026, snapshot_years=2)
    write_council(build_council(config), out)
    return out


@pytest.fixture(scope="module")
def returns(folder):
    return {year: read_year(folder, year) for year in years_in(folder)}


def test_layout_has_every_folder_and_file(folder):
    assert years_in(folder) == YEARS
    for year in YEARS:
        names = {p.name for p in (folder / "ssda903" / str(year)).iterdir()}
        expected = {"header.csv", "episodes.csv", "oc3.csv", "uasc.csv", "missing.csv"}
        expected |= {"ad1.csv", "placed_adoption.csv", "prev_perm.csv"}
        assert names == (expected | {"sw_episodes.csv"} if year >= 2024 else expected)
    snapshots = sorted(p.name for p in (folder / "caseload").iterdir())
    # Two years of quarter ends up to 31 March 2026.
    assert snapshots[0] == "2024-06-30" and snapshots[-1] == "2026-03-31"
    assert len(snapshots) == 8
    for name in snapshots:
        assert {p.name for p in (folder / "caseload" / name).iterdir()} == {
            "annex_a.xlsx",
            "workforce.csv",
            "establishment.csv",
        }
    assert (folder / "reference" / "postcodes.csv").exists()
    assert (folder / "reference" / "population.csv").exists()
    assert (folder / "MANIFEST.md").exists()


def test_columns_are_exactly_the_dfe_columns(returns):
    tables = reference("ssda903_tables.csv")
    for year, frames in returns.items():
        for table, frame in frames.items():
            expected = tables.loc[tables["table"] == table, "column"].tolist()
            assert frame.columns.tolist() == expected, (year, table)


def test_every_code_is_valid_for_its_collection_year(returns):
    tables = reference("ssda903_tables.csv")
    coded = tables[tables["kind"] == "code"]
    checked = 0
    for year, frames in returns.items():
        for row in coded.itertuples():
            if row.table not in frames:
                continue
            values = set(frames[row.table][row.column]) - {""}
            invalid = values - valid_codes(row.table, row.column, year)
            assert not invalid, f"{year} {row.table}.{row.column}: {sorted(invalid)}"
            checked += len(values)
    assert checked > 500


def test_dates_are_day_month_year(returns):
    tables = reference("ssda903_tables.csv")
    pattern = re.compile(r"^(\d{2}/\d{2}/\d{4})?$")
    for frames in returns.values():
        for row in tables[tables["kind"] == "date"].itertuples():
            if row.table in frames:
                values = frames[row.table][row.column]
                assert values.str.match(pattern).all(), (row.table, row.column)
                dates(values)  # raises if a date does not exist


def test_codes_change_with_the_year(returns):
    # SEX 1/2 to 2023-24, M/F from 2024-25 (reference/ssda903_codes.csv).
    assert set(returns[2024]["header"]["SEX"]) == {"1", "2"}
    assert set(returns[2025]["header"]["SEX"]) <= {"M", "F", "U"}
    # ACTIV F3/P3 to 2020-21, F4/F5 (apprenticeship / training or employment) from 2021-22.
    assert "F3" in set(returns[2021]["oc3"]["ACTIV"])
    assert {"F5"} <= set(returns[2022]["oc3"]["ACTIV"])
    # Special guardianship E43/E44 to 2017-18, E45-E48 from 2018-19.
    assert set(returns[2018]["episodes"]["REC"]) & {"E43", "E44"}
    assert set(returns[2019]["episodes"]["REC"]) & {"E45", "E46", "E47", "E48"}
    # Registered supported accommodation (K3) from 2024-25; H5 and P2 gone in 2025-26.
    assert "K3" in set(returns[2025]["episodes"]["PLACE"])
    assert not set(returns[2026]["episodes"]["PLACE"]) & {"H5", "P2"}


def test_episodes_chain_without_gaps_or_overlaps(returns):
    for year, frames in returns.items():
        episodes = frames["episodes"].assign(
            decom=lambda f: dates(f["DECOM"]), dec=lambda f: dates(f["DEC"])
        )
        previous = episodes.groupby("CHILD").shift(1)
        has_previous = previous["decom"].notna()
        # Only a child's last episode may be open, and every episode has a positive length.
        assert previous.loc[has_previous, "dec"].notna().all(), year
        closed = episodes["dec"].notna()
        assert (episodes.loc[closed, "dec"] > episodes.loc[closed, "decom"]).all(), year
        continuation = has_previous & episodes["RNE"].isin(CONTINUATION)
        assert (episodes.loc[continuation, "decom"] == previous.loc[continuation, "dec"]).all()
        new_period = has_previous & (episodes["RNE"] == "S")
        assert (episodes.loc[new_period, "decom"] > previous.loc[new_period, "dec"]).all()
        end = pd.Timestamp(year, 3, 31)
        assert (episodes["decom"] <= end).all() and (episodes["dec"].dropna() <= end).all()


def test_open_episodes_are_repaired_by_the_next_years_file(returns):
    repaired = 0
    for year in YEARS[:-1]:
        this = returns[year]["episodes"]
        later = returns[year + 1]["episodes"]
        both = this[this["DEC"] == ""].merge(later, on=["CHILD", "DECOM"], suffixes=("", "_next"))
        closed_later = both[both["DEC_next"] != ""]
        repaired += len(closed_later)
        if year + 1 == 2026:
            # Open H5/P2 placements continue as K3 when those codes end (the code list in
            # reference/ssda903_codes.csv).
            both["PLACE"] = both["PLACE"].replace({"H5": "K3", "P2": "K3"})
        for column in (
            "RNE",
            "LS",
            "CIN",
            "PLACE",
            "PLACE_PROVIDER",
            "HOME_POST",
            "PL_POST",
            "URN",
        ):
            assert (both[column] == both[f"{column}_next"]).all(), (year, column)
        assert (both["REC"] == "").all()
    assert repaired > 20


def test_temporary_placements_return_to_the_same_placement(returns):
    episodes = returns[2026]["episodes"]
    following = episodes.groupby("CHILD").shift(-1)
    before = episodes.groupby("CHILD").shift(1)
    temporary = episodes["PLACE"].isin(TEMPORARY) & following["RNE"].notna()
    assert temporary.sum() > 10
    assert (following.loc[temporary, "RNE"] == "P").all()
    assert (following.loc[temporary, "PLACE"] == before.loc[temporary, "PLACE"]).all()
    assert (following.loc[temporary, "PL_POST"] == before.loc[temporary, "PL_POST"]).all()


def test_provider_is_blank_exactly_for_temporary_placements(returns):
    for frames in returns.values():
        episodes = frames["episodes"]
        temporary = episodes["PLACE"].isin(TEMPORARY)
        assert (episodes.loc[temporary, "PLACE_PROVIDER"] == "").all()
        assert (episodes.loc[~temporary, "PLACE_PROVIDER"] != "").all()
        assert (episodes.loc[temporary, "URN"] == "").all()


def test_short_breaks_and_every_kind_of_change_are_present(returns):
    episodes = pd.concat(frames["episodes"] for year, frames in returns.items() if year >= 2019)
    assert (episodes.loc[episodes["LS"] == "V3", "RNE"] == "S").all()
    assert {"V3", "V4"} <= set(episodes["LS"])
    assert set(episodes["RNE"]) == {"S", "L", "P", "T", "U", "B"}
    assert {"A5", "A6", "P1", "U3", "U6", "K2"} <= set(episodes["PLACE"])
    assert {"E11", "E12", "E4A", "E17", "E45", "E41", "X1"} <= set(episodes["REC"])


def test_header_has_one_row_per_child_and_every_child(returns):
    for year, frames in returns.items():
        header = frames["header"]
        assert header["CHILD"].is_unique, year
        for table in ("episodes", "oc3", "uasc", "missing", "sw_episodes"):
            if table in frames:
                assert set(frames[table]["CHILD"]) <= set(header["CHILD"]), (year, table)
        for table in ("oc3", "uasc", "missing"):
            both = frames[table].merge(header, on="CHILD", suffixes=("", "_header"))
            assert (both["DOB"] == both["DOB_header"]).all(), (year, table)
        assert header["UPN"].str.match(r"^([A-Z]\d{12}|UN[1-5])$").all()


def test_care_leaver_rows_follow_the_oc3_rules(returns):
    for year, frames in returns.items():
        oc3 = frames["oc3"]
        assert oc3["CHILD"].is_unique
        gone = oc3["IN_TOUCH"].isin(["DIED", "RHOM"])
        assert (oc3.loc[gone, "ACTIV"] == "0").all() and (oc3.loc[gone, "ACCOM"] == "0").all()
        in_touch = oc3["IN_TOUCH"] == "YES"
        assert (oc3.loc[in_touch, "ACTIV"] != "0").all()
        assert (oc3.loc[in_touch, "ACCOM"] != "0").all()
        assert not (oc3["ACCOM"].isin(["S1", "X1"])).any()
        dob = dates(oc3["DOB"])
        ages = [
            (dob + pd.DateOffset(years=a)).between(
                pd.Timestamp(year - 1, 4, 1), pd.Timestamp(year, 3, 31)
            )
            for a in range(17, 22)
        ]
        assert np.logical_or.reduce(ages).all(), year
        # No "with former foster carers" around the 17th birthday, no foyer under 18.
        assert not oc3.loc[ages[0], "ACCOM"].str[0].isin(["Z", "T"]).any()


def test_uasc_table_lists_unaccompanied_children(returns):
    frames = returns[2025]
    uasc = frames["uasc"]
    assert len(uasc) > 5
    header = frames["header"].set_index("CHILD")
    assert (header.loc[uasc["CHILD"], "UPN"].isin(["UN2", "UN4", "UN5"])).all()
    closed = uasc["DUC"] != ""
    eighteenth = dates(uasc.loc[closed, "DOB"]) + pd.DateOffset(years=18)
    assert (dates(uasc.loc[closed, "DUC"]) == eighteenth).all()


def test_missing_episodes_never_overlap(returns):
    missing = returns[2025]["missing"].assign(
        start=lambda f: dates(f["MIS_START"]), end=lambda f: dates(f["MIS_END"])
    )
    previous_end = missing.groupby("CHILD")["end"].shift(1)
    assert not (missing["start"] <= previous_end).any()
    assert set(missing["MISSING"]) == {"M", "A"}


def test_social_worker_episodes_are_consecutive_and_use_sw_ids(returns):
    for year in (2024, 2025, 2026):
        sw = returns[year]["sw_episodes"].assign(
            start=lambda f: dates(f["SW_DECOM"]), end=lambda f: dates(f["SW_DEC"])
        )
        assert sw["SW_ID"].str.startswith("SW").all()
        previous_end = sw.groupby("CHILD")["end"].shift(1)
        assert not (sw["start"] < previous_end).any()
        assert (sw["SW_REASON"] != "").all()


def test_postcode_lookup_covers_almost_every_postcode_on_purpose(folder, returns):
    lookup = read_csv(folder / "reference" / "postcodes.csv")
    assert lookup.columns.tolist() == ["postcode", "easting", "northing", "la_code"]
    assert lookup["postcode"].is_unique
    assert lookup["la_code"].str.match(r"^[EW]\d{8}$").all()
    assert "E10000017" in set(lookup["la_code"])
    used = pd.concat([f["episodes"][["HOME_POST", "PL_POST"]] for f in returns.values()])
    values = pd.Series(used.to_numpy().ravel())
    blank = values == ""
    unknown = ~blank & ~values.isin(lookup["postcode"])
    assert blank.any() and unknown.any()  # confidential placements, and outside the lookup
    assert unknown.mean() < 0.02


def test_population_is_the_county_child_population(folder):
    population = read_csv(folder / "reference" / "population.csv")
    assert population.columns.tolist() == ["la_code", "year", "population_0_17"]
    assert (population["la_code"] == "E10000017").all()
    assert population["population_0_17"].astype(int).between(20_000, 40_000).all()


# --- Caseload snapshots ------------------------------------------------------------------


@pytest.fixture(scope="module")
def workbook(folder):
    return openpyxl.load_workbook(
        folder / "caseload" / "2026-03-31" / "annex_a.xlsx", read_only=True
    )


def _sheet(workbook, name: str) -> pd.DataFrame:
    rows = list(workbook[name].iter_rows(values_only=True))
    width = len(rows[0])
    # Trailing empty cells are not stored, so short rows are padded.
    return pd.DataFrame([tuple(r) + (None,) * (width - len(r)) for r in rows[1:]], columns=rows[0])


def test_annex_a_has_lists_6_to_9_with_the_template_headers(workbook):
    assert workbook.sheetnames == ["List 6", "List 7", "List 8", "List 9"]
    common = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age"]
    for name in workbook.sheetnames:
        header = list(next(workbook[name].iter_rows(max_row=1, values_only=True)))
        assert header[:5] == common
        assert "Allocated Team" in header and "Allocated Worker" in header
    list_8 = list(next(workbook["List 8"].iter_rows(max_row=1, values_only=True)))
    assert list_8[-2:] == ["Allocated Team", "Allocated Worker"]
    list_9 = list(next(workbook["List 9"].iter_rows(max_row=1, values_only=True)))
    assert list_9[6:8] == ["Allocated Team", "Allocated Worker"]


def test_list_8_matches_the_ssda903_episodes(folder, workbook):
    list_8 = _sheet(workbook, "List 8")
    when = pd.Timestamp(2026, 3, 31)
    open_rows = list_8[list_8["Date Ceased to be Looked After"].isna()]
    episodes = looked_after_on(merged_episodes(folder), when)
    assert set(open_rows["Child Unique ID"]) == set(episodes["CHILD"])
    place = open_rows.set_index("Child Unique ID")["Placement Type"].str.extract(r"([A-Z]\d):")[0]
    expected = episodes.set_index("CHILD")["PLACE"]
    assert (place.loc[expected.index] == expected).all()
    assert isinstance(open_rows["Date Started to be Looked After"].iloc[0], dt.datetime)
    closed = list_8[list_8["Date Ceased to be Looked After"].notna()]
    assert len(closed) > 0
    assert (closed["Date Ceased to be Looked After"] <= when).all()


def test_lists_overlap_and_some_cases_are_unallocated(folder, workbook):
    ids = {name: set(_sheet(workbook, name)["Child Unique ID"]) for name in workbook.sheetnames}
    assert ids["List 7"] & ids["List 8"], "some children on a plan are also looked after"
    closure = {
        "List 6": "CIN Closure Date",
        "List 7": "Child Protection Plan End Date",
        "List 8": "Date Ceased to be Looked After",
    }
    frames = [_sheet(workbook, name) for name in workbook.sheetnames]
    open_rows = [
        f[f[closure[n]].isna()] if n in closure else f
        for n, f in zip(workbook.sheetnames, frames, strict=True)
    ]
    workers = pd.concat(f["Allocated Worker"] for f in open_rows)
    assert workers.isna().any()
    workforce = read_csv(folder / "caseload" / "2026-03-31" / "workforce.csv")
    assert set(workers.dropna()) <= set(workforce["worker_id"])


def test_list_9_young_people_are_care_leavers(returns, workbook):
    list_9 = _sheet(workbook, "List 9")
    known = set()
    for frames in returns.values():
        known |= set(frames["oc3"]["CHILD"]) | set(frames["episodes"]["CHILD"])
    assert set(list_9["Child Unique ID"]) <= known
    assert set(list_9["Eligibility Category"]) <= {"a) Relevant child", "b) Former relevant child"}
    assert list_9["Age"].between(16, 21).all()


def test_workforce_and_establishment_lists(folder):
    snapshot = folder / "caseload" / "2026-03-31"
    workforce = read_csv(snapshot / "workforce.csv")
    assert workforce.columns.tolist() == [
        "worker_id",
        "team",
        "role",
        "fte",
        "agency",
        "start_date",
        "qualified_date",
    ]
    assert workforce["worker_id"].is_unique
    assert set(workforce["fte"]) <= {"1.0", "0.8", "0.6", "0.5"}
    assert set(workforce["agency"]) <= {"0", "1"}
    dates(workforce["start_date"])
    establishment = read_csv(snapshot / "establishment.csv")
    assert establishment.columns.tolist() == ["team", "funded_fte"]
    assert set(establishment["team"]) == set(workforce["team"])
