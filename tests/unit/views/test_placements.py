"""The placements report: placements inside and outside the county, and distance, by hand.

Children looked after at 31 March 2024, every placement since 1 June 2023 (home PR1 1AA; see
indicators_fixtures for the postcodes):
  10 in external children's homes (K2, private) outside the county (LA1 1AA, 24.9 miles);
   2 in external children's homes inside it (PR1 1AB, 3.1 miles);
  20 fostered by the council's own carers inside it;
   1 fostered by them outside it;
   1 fostered, placement postcode not in the lookup (council and distance unknown).
One more child left care in February 2024 and is not counted.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from indicators_fixtures import LA, R, episode, make_data

from csc_metrics.indicators import compute_indicator_series
from csc_metrics.views import placements
from csc_metrics.views.report_context import ReportContext


def children(count, prefix, **placement):
    return [episode(f"{prefix}{i}", "2023-06-01", **placement) for i in range(count)]


@pytest.fixture(scope="module")
def ctx():
    data = make_data(
        children(10, "ER-OUT", place="K2", provider="PR4", pl_post="LA1 1AA")
        + children(2, "ER-IN", place="K2", provider="PR4")
        + children(20, "F-IN")
        + children(1, "F-OUT", pl_post="LA1 1AA")
        + children(1, "F-UNK", pl_post="ZZ9 9ZZ")
        # A child who left in February: the data then run to the end of the year, 31 March.
        + [episode("LEFT", "2023-05-01", "2024-02-01")]
    )
    return ReportContext(
        data=data,
        processed_dir=None,
        is_sample=False,
        period_end=R,
        la_code=LA,
        la_name="Test county",
        team=None,
        comparator="england",
        suppress=False,
        targets=None,
        full_series=compute_indicator_series(data, LA, [R]),
    )


def test_each_placement_type_inside_and_outside(ctx):
    mix = placements.location_mix(ctx).set_index("placement_type")
    external = mix.loc[placements.EXTERNAL_RESIDENTIAL_TYPE]
    assert (external["inside"], external["outside"]) == (2, 10)
    # 10 of the 11 placements outside (90.9%) against 2 of the 22 inside (9.1%).
    assert round(external["share_of_outside"], 1) == 90.9
    assert round(external["share_of_inside"], 1) == 9.1
    assert bool(external["over_represented"])
    assert not mix.loc["Fostered by the council's own carers", "over_represented"]


def test_the_type_that_dominates_placements_outside_is_named(ctx):
    # Wilson intervals: 10 of 11 -> 62.3% to 98.4%; 2 of 22 -> 2.5% to 27.8%. 10 of the 12
    # children in external homes (83%) are outside the county; 11 of the 33 with a known
    # placement council (33%) are.
    assert placements.location_messages(ctx) == [
        "Children placed outside the county are mostly in external residential care (private "
        "or voluntary homes): 91% of placements outside the county (10 of 11) against 9% of "
        "placements inside it, beyond chance (95% intervals 62-98% and 3-28%). 83% of children "
        "in external residential care (private or voluntary homes) are placed outside the "
        "county, against 33% of all children looked after whose placement council is known."
    ]


def test_distance_bands_count_known_and_unknown_distances(ctx):
    # 22 placements at 3.1 miles, 11 at 24.9 miles, 1 not known.
    table = placements.distance_table(ctx).data.set_index("Distance from home")
    assert table["Children"].to_dict() == {
        "Up to 5 miles": 22,
        "Over 5 to 10 miles": 0,
        "Over 10 to 20 miles": 0,
        "Over 20 to 50 miles": 11,
        "Over 50 miles": 0,
        "Not known": 1,
        "All children looked after": 34,
    }
    assert round(table.loc["Over 20 to 50 miles", "% of those with a known distance"], 1) == 33.3


def test_the_area_is_called_the_county_only_for_a_county_council(ctx):
    assert placements._area(ctx) == "the county"
    ctx_unitary = replace(ctx, la_code="E06000009")
    assert placements._area(ctx_unitary) == "the council's area"


def test_a_year_earlier_column_without_children_shows_no_100_percent_total(ctx):
    # The data start on 1 April 2023, so there is no figure at 31 March 2023: the total row's
    # year-earlier count and share are blank, not 0 and 100.0%.
    table = placements.placement_mix_table(ctx).data
    total = table[table["Placement type"].eq("All children looked after")].iloc[0]
    assert total["% now"] == 100.0
    assert total["Children a year earlier"] != total["Children a year earlier"]  # NaN
    assert total["% a year earlier"] != total["% a year earlier"]  # NaN


def test_children_looked_after_by_age_band_add_up_to_all_of_them(ctx):
    table = placements.age_band_mix_table(ctx).data.set_index("Age band")
    # 10 + 2 + 20 + 1 + 1 children looked after at R (the child who left in February is not).
    assert table.loc["All children looked after", "Children now"] == 34
    bands = table.drop(index="All children looked after")
    assert list(bands.index) == ["Under 1", "1-4", "5-9", "10-15", "16+", "Not known"]
    assert bands["Children now"].sum() == 34
