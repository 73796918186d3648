"""The landing page: one line per report with its top message, then the top key messages."""

from __future__ import annotations

import json
from pathlib import Path

from csc_metrics.report.execute import NotebookJob
from csc_metrics.report.landing import (
    _link,
    coverage_line,
    first_sentence,
    top_key_messages,
)
from csc_metrics.report.outcomes import NotebookOutcome
from csc_metrics.report.render import KeyMessages


def outcome(stem: str, *messages: str, team: str | None = None) -> NotebookOutcome:
    name = f"teams/{stem}" if team else stem
    return NotebookOutcome(
        job=NotebookJob(source=Path(f"{stem}.ipynb"), output_name=name, parameters={}, team=team),
        title=stem,
        report=f"{name}.html",
        failure=None,
        execute_seconds=0.0,
        render_seconds=0.0,
        key_messages=[KeyMessages(title=stem, messages=tuple(messages))],
    )


def test_the_first_sentence_stops_at_the_first_full_stop_before_a_capital():
    text = "Placed over 20 miles: 24% (n=380) at 31 March 2025. This is above the limit."
    assert first_sentence(text) == "Placed over 20 miles: 24% (n=380) at 31 March 2025."
    # A decimal point is not the end of a sentence.
    assert (
        first_sentence("Cases per FTE: 21.3 at 31 March. Up.") == "Cases per FTE: 21.3 at 31 March."
    )


def test_each_report_link_carries_the_first_sentence_of_its_first_message():
    link = _link(outcome("02_care_leavers", "EET: 24%. Below the limit.", "Second."))
    assert (link.href, link.message) == ("02_care_leavers.html", "EET: 24%.")


def test_a_team_pages_message_drops_the_team_name_the_link_already_gives():
    link = _link(outcome("north", "North, cases per FTE: 21.3.", team="North"))
    assert link.message == "Cases per FTE: 21.3."


def test_top_messages_are_deduplicated_overview_first_and_link_to_the_area_report():
    suite = [
        outcome("00_overview", "A worse.", "B better."),
        outcome("02_care_leavers", "A worse.", "C only here."),
        outcome("03_placements", "B better."),
    ]
    top = top_key_messages(suite, limit=5)
    # A and B come in the overview's order; C, not in the overview, after them; no repeats.
    assert [m.text for m in top] == ["A worse.", "B better.", "C only here."]
    # A message the overview repeats links to the area report that shows it.
    assert [m.href for m in top] == [
        "02_care_leavers.html#key-messages",
        "03_placements.html#key-messages",
        "02_care_leavers.html#key-messages",
    ]


def test_only_the_first_five_messages_are_kept():
    suite = [outcome("00_overview", *(f"Message {n}." for n in range(8)))]
    assert [m.text for m in top_key_messages(suite)] == [f"Message {n}." for n in range(5)]


def test_a_message_only_the_overview_gives_links_to_the_overview():
    [message] = top_key_messages([outcome("00_overview", "Only here.")])
    assert message.href == "00_overview.html#key-messages"


def test_the_coverage_line_names_the_first_and_last_collection_years(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"collection_years": [2025, 2021]}))
    assert coverage_line(tmp_path) == "SSDA903 returns 2020-21 to 2024-25"


def test_without_a_manifest_there_is_no_coverage_line(tmp_path):
    assert coverage_line(tmp_path) == ""


def test_the_landing_page_shows_each_key_message_once():
    from csc_metrics.report.landing import unique_key_messages
    from csc_metrics.report.render import KeyMessages

    overview = [KeyMessages("Key messages", ("EET is down.", "Caseloads are up."))]
    leavers = [KeyMessages("Key messages", ("EET is down.", "Few are in touch."))]
    caseloads = [KeyMessages("Key messages", ("Caseloads are up.",))]
    unique = unique_key_messages(
        [("Overview", overview), ("Care leavers", leavers), ("Caseloads", caseloads)]
    )
    assert unique == [
        ("Overview", [KeyMessages("Key messages", ("EET is down.", "Caseloads are up."))]),
        ("Care leavers", [KeyMessages("Key messages", ("Few are in touch.",))]),
    ]
