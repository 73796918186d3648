"""Every planted pattern is there to be found in the shipped sample, at the sample's size.

Each check recomputes the indicator from the files with plain pandas, at every quarter end,
and looks for the signal the reports should find: an SPC signal, a rise eight quarters in a
row, a shift after the stated date, a concentration, and a gap between groups whose 95% Wilson
intervals do not overlap.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sample_checks import (
    care_leaver_rows,
    dates,
    eet_pct,
    looked_after_on,
    manifest_json,
    merged_episodes,
    quarter_ends,
    read_csv,
    team_caseloads,
    three_plus_placements_pct,
    wilson,
    xmr_signals,
)

from csc_metrics.catalogue import indicator_ids

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "raw" / "sample"


@pytest.fixture(scope="module")
def folder():
    assert (SAMPLE / "MANIFEST.md").exists(), "run `make sample` to build data/raw/sample"
    return SAMPLE


@pytest.fixture(scope="module")
def planted(folder):
    return {p["id"]: p for p in manifest_json(folder)["patterns"]}


def test_manifest_lists_seven_patterns_with_what_reports_need(planted):
    # Five from the first version, the permanence pattern
    # (tests/integration/test_sample_permanence.py) and the forecast's placement-mix drift.
    assert len(planted) == 7
    known = set(indicator_ids())
    for pattern in planted.values():
        assert pattern["indicator_id"] in known
        assert pattern["area"] in {
            "care_leavers",
            "caseloads",
            "placements",
            "permanence",
            "forecast",
        }
        assert pattern["description"] and pattern["keywords"]
        assert pd.Timestamp(pattern["from"]) < pd.Timestamp(pattern["to"])


def test_care_leaver_eet_gap_at_19_21_widens_over_the_last_six_quarters(folder, planted):
    rows = care_leaver_rows(folder)
    ends = quarter_ends(f"{rows['year'].min()}-03-31", f"{rows['year'].max()}-03-31")
    values = []
    for when in ends:
        eet, cohort = eet_pct(rows, when, "19_21")
        values.append(100 * eet / cohort)
    start = pd.Timestamp(planted["care_leavers_19_21_eet_widening_gap"]["from"])
    baseline = np.mean([v for v, when in zip(values, ends, strict=True) if when < start])
    # The gap to the earlier level grows: the last three quarters are well below it, the
    # latest at least 10 points below, and the rate falls at least 8 points over the six.
    assert all(v < baseline - 5 for v in values[-3:])
    assert values[-1] < baseline - 10
    assert values[-1] < values[-6] - 8
    # SPC (XmR) rules flag most of the last six quarters as special cause.
    assert xmr_signals(values)[-6:].sum() >= 4


def test_one_team_caseload_rises_eight_quarters_in_a_row(folder, planted):
    pattern = planted["rising_team_caseload"]
    caseloads = team_caseloads(folder)
    team = caseloads[caseloads["team"] == pattern["group"]].sort_values("snapshot")
    last_nine = team["per_fte"].to_numpy()[-9:]
    assert len(last_nine) == 9
    assert (np.diff(last_nine) > 0).all()
    assert team["snapshot"].iloc[-9] == pattern["from"]
    # No other team rises eight times running.
    for name, other in caseloads.groupby("team"):
        if name != pattern["group"]:
            assert not (
                np.diff(other.sort_values("snapshot")["per_fte"].to_numpy()[-9:]) > 0
            ).all(), name


def test_placement_stability_steps_down_after_the_stated_date(folder, planted):
    episodes = merged_episodes(folder)
    step = pd.Timestamp(planted["placement_stability_step_change"]["from"])
    ends = quarter_ends(
        f"{episodes['year'].min() - 1}-06-30", planted["placement_stability_step_change"]["to"]
    )
    values = [three_plus_placements_pct(episodes, when) for when in ends]
    before = [v for v, when in zip(values, ends, strict=True) if when < step]
    after = [
        v for v, when in zip(values, ends, strict=True) if when >= step + pd.DateOffset(years=1)
    ]
    assert np.mean(after) < np.mean(before) - 3
    # A shift: seven or more quarters in a row below the centre line, all after the step.
    below = [v < np.mean(values) and when >= step for v, when in zip(values, ends, strict=True)]
    longest = max(len(run) for run in "".join("1" if b else "0" for b in below).split("0"))
    assert longest >= 7


def test_out_of_county_placements_are_mostly_external_residential(folder):
    episodes = merged_episodes(folder)
    lookup = read_csv(folder / "reference" / "postcodes.csv").set_index("postcode")["la_code"]
    current = looked_after_on(episodes, episodes["decom"].max()).copy()
    current["la"] = current["PL_POST"].map(lookup)
    current = current[current["la"].notna()]
    outside = current["la"] != "E10000017"
    residential = current["PLACE"].isin(["K1", "K2", "R1", "S1"]) & current["PLACE_PROVIDER"].isin(
        ["PR4", "PR5"]
    )
    fostering = current["PLACE"].str.startswith("U")
    assert outside[residential].mean() > 0.5
    assert outside[fostering].mean() < 0.15
    assert residential[outside].mean() > 0.4  # the largest group out of county
    assert fostering[~outside].mean() > 0.6  # and fostering dominates inside it


def test_the_ethnic_group_gap_in_19_21_eet_separates_with_wilson_intervals(folder, planted):
    pattern = planted["care_leavers_19_21_eet_equity_gap"]
    rows = care_leaver_rows(folder)
    last = int(rows["year"].max())
    for year in (last - 2, last):
        when = pd.Timestamp(year, 3, 31)
        in_group, group_n = eet_pct(rows, when, "19_21", pattern["group"])
        everyone, all_n = eet_pct(rows, when, "19_21")
        _, group_high = wilson(in_group, group_n)
        others_low, _ = wilson(everyone - in_group, all_n - group_n)
        assert group_n >= 10
        assert group_high < others_low, year


def test_ifa_and_external_residential_rise_for_10_to_15_year_olds(folder, planted):
    pattern = planted["placement_mix_drift_10_15"]
    episodes = merged_episodes(folder)
    header = pd.concat(
        [read_csv(folder / "ssda903" / str(y) / "header.csv") for y in episodes["year"].unique()]
    ).drop_duplicates("CHILD", keep="last")
    dob = dates(header.set_index("CHILD")["DOB"])
    counts = {}
    for when in quarter_ends(f"{episodes['year'].min()}-03-31", pattern["to"]):
        current = looked_after_on(episodes, when)
        age = (when - current["CHILD"].map(dob)).dt.days / 365.25
        teens = current[(age >= 10) & (age < 16)]
        other_carers = teens["PLACE"].isin(["U4", "U5", "U6"])
        ifa = other_carers & (teens["PLACE_PROVIDER"] != "PR1")
        homes = teens["PLACE"].isin(["K1", "K2", "R1", "S1"]) & teens["PLACE_PROVIDER"].isin(
            ["PR4", "PR5"]
        )
        counts[when] = (int((ifa | homes).sum()), int((other_carers & ~ifa).sum()))
    values = list(counts.values())
    # IFA and external homes: at least a quarter more children at the end than at the start,
    # and the last year's mean above every earlier year's; in-house foster care falls.
    external = [v[0] for v in values]
    inhouse = [v[1] for v in values]
    assert external[-1] >= 1.25 * external[0]
    assert np.mean(external[-4:]) > max(np.mean(external[i : i + 4]) for i in range(0, 12, 4))
    assert inhouse[-1] < 0.75 * inhouse[0]
    # The manifest's achieved figures are these counts at 31 March.
    last = pattern["achieved"][pattern["to"]]
    assert last["ifa"] + last["external_residential"] == external[-1]
