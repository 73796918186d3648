"""The disclosure attacker's relations on hand-made pages: each can find a leak (issue 14)."""

from __future__ import annotations

import pandas as pd
from disclosure_attacker import attack

from csc_metrics.html_tables import table_html

#            CLA  CP  CIN  All
#   North     10   3   20   33     CP 3 is small. Hidden alone, 33 - 10 - 20 gives it back,
#   South     12  11   15   38     and the CP column's total 25 - 11 gives it back too.
#   All teams 22  14   35   71
TEAMS = pd.DataFrame(
    {
        "Team": ["North", "South", "All teams"],
        "CLA": [10, 12, 22],
        "CP": [3, 11, 14],
        "CIN": [20, 15, 35],
        "All open cases": [33, 38, 71],
    }
)
COUNTS = ["CLA", "CP", "CIN", "All open cases"]


def _page(folder, name, html):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(f"<html><body>{html}</body></html>", encoding="utf-8")


def test_the_attacker_recovers_a_count_hidden_alone(tmp_path):
    # What a naive check does: hide 1 to 5, nothing else.
    html = table_html(TEAMS, "Open cases", count_columns=COUNTS, row_header="Team")
    assert html.count('<td class="count">3</td>') == 1
    _page(tmp_path, "p.html", html.replace('<td class="count">3</td>', '<td class="count">c</td>'))
    findings = attack(tmp_path, [])
    assert any(f.startswith("total:") and "back: 3" in f for f in findings)


def test_the_attacker_finds_nothing_in_the_layers_table(tmp_path):
    html = table_html(
        TEAMS,
        "Open cases",
        suppress=True,
        count_columns=COUNTS,
        total_row="All teams",
        total_column="All open cases",
        row_header="Team",
    )
    _page(tmp_path, "p.html", html)
    assert attack(tmp_path, []) == []


def test_the_attacker_finds_a_cell_shown_on_another_page(tmp_path):
    hidden = table_html(
        TEAMS,
        "Open cases",
        suppress=True,
        count_columns=COUNTS,
        total_row="All teams",
        total_column="All open cases",
        row_header="Team",
    )
    shown = table_html(
        TEAMS.iloc[[1, 2]], "Open cases", suppress=True, count_columns=COUNTS, row_header="Team"
    )
    _page(tmp_path, "service.html", hidden)
    _page(tmp_path / "teams", "south.html", shown)
    findings = attack(tmp_path, [])
    assert any(f.startswith("other page:") and "'South'" in f for f in findings)


def test_the_attacker_reads_small_bases_and_complements_in_alt_text(tmp_path):
    _page(
        tmp_path,
        "p.html",
        '<img alt="Bar chart of X: A 40.0% (95% interval 1 to 2, n=4)">'
        "<p>In touch: 58 of 59 care leavers.</p>",
    )
    findings = attack(tmp_path, [])
    assert any(f.startswith("primary:") and "n=4" in f for f in findings)
    assert any(f.startswith("complement:") and "58 of 59" in f for f in findings)
