"""summary.json: plain facts from the report context, following the shipped JSON Schema."""

from __future__ import annotations

import json

import jsonschema
from views_fixtures import R, context, metric_row, series_rows

from csc_metrics.views.summary import summary_facts, summary_schema

EET = "care_leavers_19_21_eet_pct"


def rows():
    return [
        # 19-21 EET: eleven steady quarters (50, 51), then 30 beyond the lower limit: a concern.
        *series_rows(EET, [50.0, 51.0] * 5 + [50.0, 30.0], denominator=151),
        metric_row(EET, R, 45, 130, breakdown="ethnic_group", group="White"),
        # 3+ placements alternating 10% and 11%: common cause, nothing to say.
        *series_rows("placements_3plus_pct", [10.0, 11.0] * 6, denominator=200),
    ]


def test_the_summary_follows_its_json_schema():
    facts = json.loads(json.dumps(summary_facts(context(rows()))))
    jsonschema.validate(facts, summary_schema())


def test_the_summary_holds_the_figures_movement_and_verdict_of_each_headline():
    facts = summary_facts(context(rows()))
    eet = next(i for i in facts["indicators"] if i["id"] == EET)
    # 30% of 151 at 31 March 2024, 50% a quarter before, 51% a year before (four back).
    assert (eet["value"], eet["denominator"]) == (30, 151)
    assert (eet["previous_quarter"], eet["previous_year"]) == (50, 51)
    assert eet["movement"] == {"since": "last quarter", "way": "down", "judgement": "worse"}
    assert eet["spc"]["variation"] == "concern_low"
    assert eet["spc"]["rule"] == "outside_limits"
    # The limits come from all twelve points: 30 June 2021 to 31 March 2024.
    assert (eet["spc"]["segment_start"], eet["spc"]["segment_points"]) == ("2021-06-30", 12)


def test_the_summary_lists_the_key_messages_in_rank_order_with_severity():
    facts = summary_facts(context(rows()))
    assert [m["indicator_id"] for m in facts["key_messages"]] == [EET]
    first = facts["key_messages"][0]
    # Beyond a limit (3), plus England's published 54% for 2024: 3 x (54 - 30) / 54 = 1.333.
    assert first["rank"] == 1 and first["severity"] == 4.333
    assert first["text"].startswith("Care leavers aged 19-21 in education, employment")
