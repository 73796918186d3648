"""The shipped sample's permanence tables agree with its episodes, and the planted pattern is there.

Each check reads the files with plain pandas: the DfE's own validation rules between AD1,
PlacedAdoption and Episodes (rules 331, 333, 335, 1003), PrevPerm for every child starting care,
and the lengthening time from the decision to place for adoption to the match, recomputed at
every quarter end and flagged beyond its upper process limit.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from sample_checks import (
    dates,
    manifest_json,
    merged_episodes,
    quarter_ends,
    read_csv,
    xmr_limits,
    years_in,
)

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "raw" / "sample"
ADOPTED = ("E11", "E12")
ADOPTION_PLACES = ("A3", "A4", "A5", "A6")


@pytest.fixture(scope="module")
def episodes():
    return merged_episodes(SAMPLE)


def _table(name: str) -> pd.DataFrame:
    parts = [
        read_csv(SAMPLE / "ssda903" / str(year) / f"{name}.csv").assign(year=year)
        for year in years_in(SAMPLE)
    ]
    return pd.concat(parts, ignore_index=True)


@pytest.fixture(scope="module")
def adoptions(episodes):
    """AD1 rows with the adoption (end of the E11/E12 episode) and the adoptive placement."""
    ad1 = _table("ad1")
    ad1["decision"] = dates(ad1["DATE_INT"])
    ad1["matched"] = dates(ad1["DATE_MATCH"])
    adopted = episodes[episodes["REC"].isin(ADOPTED)][["CHILD", "dec"]]
    placement = (
        episodes[episodes["PLACE"].isin(ADOPTION_PLACES)]
        .sort_values("decom")
        .drop_duplicates("CHILD", keep="last")[["CHILD", "decom", "PLACE"]]
    )
    return ad1.merge(adopted, on="CHILD").merge(placement, on="CHILD")


def test_ad1_holds_exactly_the_children_adopted_in_each_year(episodes):
    ad1 = _table("ad1")
    adopted = episodes[episodes["REC"].isin(ADOPTED)].copy()
    adopted["year"] = adopted["dec"].dt.year + (adopted["dec"].dt.month >= 4)
    expected = adopted[adopted["year"].isin(years_in(SAMPLE))]
    assert sorted(zip(ad1["CHILD"], ad1["year"], strict=True)) == sorted(
        zip(expected["CHILD"], expected["year"], strict=True)
    )


def test_decision_match_and_placement_come_in_order(adoptions):
    # Rules 333 (decision on or before the match) and 331 (match on or before placement).
    assert (adoptions["decision"] <= adoptions["matched"]).all()
    assert (adoptions["matched"] <= adoptions["decom"]).all()
    assert (adoptions["decom"] < adoptions["dec"]).all()


def test_foster_carer_adoptions_are_the_placements_with_current_foster_carers(adoptions):
    # Rule 335: FOSTER_CARE 1 exactly when the adoptive placement is A3 or A5.
    with_carers = adoptions["PLACE"].isin(["A3", "A5"])
    assert (adoptions["FOSTER_CARE"].eq("1") == with_carers).all()
    assert 0 < with_carers.sum() < len(adoptions)


def test_adoption_decisions_are_made_after_entering_care(episodes):
    # Rule 1003: no decision before the child started to be looked after.
    placed = _table("placed_adoption")
    first_start = episodes.groupby("CHILD")["decom"].min()
    assert (dates(placed["DATE_PLACED"]) >= placed["CHILD"].map(first_start)).all()


def test_plans_that_ended_have_a_reason_and_end_while_the_child_is_in_care(episodes):
    placed = _table("placed_adoption")
    ended = placed[placed["DATE_PLACED_CEASED"].ne("")].drop_duplicates(["CHILD", "DATE_PLACED"])
    assert len(ended) > 0
    assert set(ended["REASON_PLACED_CEASED"]) <= {"RD1", "RD2", "RD3", "RD4"}
    assert (dates(ended["DATE_PLACED_CEASED"]) > dates(ended["DATE_PLACED"])).all()
    # None of them was adopted: the plan ended and they left care another way.
    adopted = set(episodes.loc[episodes["REC"].isin(ADOPTED), "CHILD"])
    assert not set(ended["CHILD"]) & adopted


def test_every_child_starting_care_has_one_prev_perm_row_that_year(episodes):
    prev = _table("prev_perm")
    starts = episodes[episodes["RNE"].eq("S") & ~episodes["LS"].isin(["V3", "V4"])].copy()
    starts["year"] = starts["decom"].dt.year + (starts["decom"].dt.month >= 4)
    # Earlier starts are in the returns only through their episodes.
    starts = starts[starts["year"].isin(years_in(SAMPLE))]
    expected = set(zip(starts["CHILD"], starts["year"], strict=True))
    assert set(zip(prev["CHILD"], prev["year"], strict=True)) == expected
    assert not prev.duplicated(["CHILD", "year"]).any()
    earlier = prev["PREV_PERM"].isin(["P1", "P2", "P3"])
    assert earlier.any() and (prev.loc[earlier, "DATE_PERM"] != "").all()
    assert (prev.loc[~earlier, "DATE_PERM"] == "").all()


def _decision_to_match(adoptions: pd.DataFrame, when: pd.Timestamp) -> float:
    start = when - pd.DateOffset(years=1) + pd.Timedelta(days=1)
    window = adoptions[adoptions["dec"].between(start, when)]
    return float((window["matched"] - window["decision"]).dt.days.mean())


def test_decision_to_match_lengthens_beyond_the_upper_limit_in_the_last_two_years(adoptions):
    pattern = {p["id"]: p for p in manifest_json(SAMPLE)["patterns"]}[
        "adoption_decision_to_match_lengthening"
    ]
    # Quarter ends from a full year into the data, so every 12 months is complete.
    ends = quarter_ends("2021-03-31", "2025-03-31")
    values = [_decision_to_match(adoptions, when) for when in ends]
    # The manifest's figures are these, rounded.
    assert [round(v) for v in values] == [
        pattern["achieved"]["quarters"][f"{when:%Y-%m-%d}"] for when in ends
    ]
    _, _, upper = xmr_limits(values)
    assert values[-1] > upper
    shift = pd.Timestamp(pattern["from"])
    before = [v for when, v in zip(ends, values, strict=True) if when < shift]
    assert values[-1] > max(before) + 120
