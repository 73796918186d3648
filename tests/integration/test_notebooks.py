"""The report notebooks: committed clean and thin, one parameters cell, and run on the sample.

The static checks read the committed notebooks. The run checks read the notebooks as the
quarterly runner executed them on the shipped sample, in the two runs the whole session shares
(tests/sample_runs.py): once with the default parameters (its key messages must name every
planted pattern of its area, as listed in the sample's MANIFEST.md), and once with a single
team, suppression on, another comparator and a period end a year earlier, checking what
changes. nbval executes the committed notebooks as they are, separately (``make test``).
"""

from __future__ import annotations

import ast
import itertools
import json
import re

import nbformat
import pandas as pd
import pytest
from sample_runs import NOTEBOOKS, REPORTS, SAMPLE

from csc_metrics.display import KEY_MESSAGES_MIMETYPE
from csc_metrics.views import FORECAST_PARAMETERS, PARAMETERS, SPC_PARAMETERS

#: The planted-pattern areas (MANIFEST.md) whose patterns each report's key messages must name.
#: The data-quality report has no planted pattern: it must state what MANIFEST.md says was
#: generated (see ``data_quality_facts``).
AREAS: dict[str, set[str]] = {
    "00_overview": {"caseloads", "care_leavers", "placements"},
    "01_caseloads": {"caseloads"},
    "02_care_leavers": {"care_leavers"},
    "03_placements": {"placements"},
    "05_permanence": {"permanence"},
    "06_demand_and_cost": {"forecast"},
}
#: What a notebook's code may not contain: logic belongs in the package.
FORBIDDEN: dict[type, str] = {
    ast.FunctionDef: "a function definition",
    ast.AsyncFunctionDef: "a function definition",
    ast.ClassDef: "a class definition",
    ast.Lambda: "a lambda",
    ast.For: "a for loop",
    ast.AsyncFor: "a for loop",
    ast.While: "a while loop",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a comprehension",
}
HEADING = re.compile(r"^(#{1,6})\s+\S", re.MULTILINE)


def read(name: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)


def code_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in notebook.cells if c.cell_type == "code"]


def forbidden_constructs(source: str) -> list[str]:
    """What in a code cell's source is not allowed in a notebook."""
    return [
        FORBIDDEN[type(node)] for node in ast.walk(ast.parse(source)) if type(node) in FORBIDDEN
    ]


def parameter_names(source: str) -> list[str]:
    """Names assigned in a parameters cell, in order."""
    return [
        target.id
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    ]


# --- committed notebooks -------------------------------------------------------------------------


def test_every_report_notebook_is_there():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == list(REPORTS)


@pytest.mark.parametrize("name", REPORTS)
def test_committed_without_outputs_or_execution_counts(name):
    dirty = [
        n
        for n, cell in enumerate(code_cells(read(name)))
        if cell.outputs or cell.execution_count is not None
    ]
    assert dirty == []


@pytest.mark.parametrize("name", REPORTS)
def test_no_code_cell_defines_a_function_or_class_or_loops_over_data(name):
    found = {n: forbidden_constructs(c.source) for n, c in enumerate(code_cells(read(name)))}
    assert {n: what for n, what in found.items() if what} == {}


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("def f(x):\n    return x", ["a function definition"]),
        ("class Table:\n    pass", ["a class definition"]),
        ("for team in teams:\n    show(team)", ["a for loop"]),
        ("rows = [r for r in table]", ["a comprehension"]),
        ("key = lambda row: row", ["a lambda"]),
        ("show_figure(views.placements.activity_chart(ctx))", []),
    ],
)
def test_the_thin_notebook_check_finds_what_it_forbids(source, found):
    assert forbidden_constructs(source) == found


#: Notebooks that show the placement forecast declare its files after the eight parameters;
#: those with SPC charts declare the change points last.
FORECAST_NOTEBOOKS: dict[str, list[str]] = {
    "00_overview": ["costs_file", *SPC_PARAMETERS],
    "01_caseloads": list(SPC_PARAMETERS),
    "02_care_leavers": list(SPC_PARAMETERS),
    "03_placements": list(SPC_PARAMETERS),
    "05_permanence": list(SPC_PARAMETERS),
    "06_demand_and_cost": list(FORECAST_PARAMETERS),
}


@pytest.mark.parametrize("name", REPORTS)
def test_one_parameters_cell_with_the_eight_parameters(name):
    tagged = [c for c in read(name).cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    assert parameter_names(tagged[0].source) == [
        *PARAMETERS,
        *FORECAST_NOTEBOOKS.get(name, []),
    ]


@pytest.mark.parametrize("name", REPORTS)
def test_title_parameters_context_line_then_key_messages(name):
    cells = read(name).cells
    assert cells[0].cell_type == "markdown" and cells[0].source.startswith("# ")
    assert "parameters" in cells[1].metadata.get("tags", [])
    assert "views.open_report(" in cells[2].source
    assert cells[2].source.rstrip().endswith("views.show_context_line(ctx)")
    assert cells[3].cell_type == "markdown" and cells[3].source.startswith("## Key messages")
    assert cells[4].source.startswith("show_key_messages(")


@pytest.mark.parametrize("name", REPORTS)
def test_headings_are_in_order_under_a_single_title(name):
    levels = [
        len(h)
        for c in read(name).cells
        if c.cell_type == "markdown"
        for h in HEADING.findall(c.source)
    ]
    assert levels[0] == 1 and 1 not in levels[1:]
    assert all(later <= earlier + 1 for earlier, later in itertools.pairwise(levels))


@pytest.mark.parametrize("name", REPORTS)
def test_charts_and_tables_are_shown_only_through_the_display_helpers(name):
    code = "\n".join(c.source for c in code_cells(read(name)))
    for bypass in ("print(", "plt.", "matplotlib", ".plot(", "display(", "HTML("):
        assert bypass not in code, bypass


# --- the notebooks as the runner executed them on the sample ------------------------------------
# The session's two shared runs (tests/sample_runs.py): ``default_sample_run`` with the default
# parameters, ``variant_sample_run`` a year before the latest quarter end, for one team, with
# suppression, against the region. Each reads the notebooks the run executed, outputs and all.


def outputs(notebook: nbformat.NotebookNode, mimetype: str) -> list:
    return [
        output.get("data", {})[mimetype]
        for cell in code_cells(notebook)
        for output in cell.get("outputs", [])
        if mimetype in output.get("data", {})
    ]


def html_of(notebook: nbformat.NotebookNode) -> str:
    return "\n".join(outputs(notebook, "text/html"))


def key_messages(notebook: nbformat.NotebookNode) -> list[str]:
    return [m for bundle in outputs(notebook, KEY_MESSAGES_MIMETYPE) for m in bundle["messages"]]


def sample_manifest() -> dict:
    text = (SAMPLE / "MANIFEST.md").read_text(encoding="utf-8")
    return json.loads(re.search(r"```json\n(.*?)\n```", text, re.DOTALL).group(1))


def planted_patterns() -> list[dict]:
    return [p for p in sample_manifest()["patterns"] if p.get("visible_in_data", True)]


def day_month_year(when: pd.Timestamp) -> str:
    return f"{when.day} {when:%B %Y}"


def data_quality_facts(manifest: dict) -> list[dict]:
    """What the data-quality report must say about the sample, from its MANIFEST.md.

    The collection years and the caseload snapshots generated, whether they cover every
    quarter end, and, for a sample written without quirks, that nothing was left out or
    changed (a messy sample's most frequent error must be named instead). Each fact is a
    pattern: an id and the words one key message must contain.
    """
    first, last = manifest["first_year"], manifest["last_year"]
    snapshots = pd.to_datetime(manifest["snapshots"])
    quarter_ends = pd.date_range(snapshots.min(), snapshots.max(), freq="QE")
    span = [day_month_year(snapshots.min()), day_month_year(snapshots.max())]
    clean = not manifest["messy"] and not manifest["quirks"]
    return [
        {
            "id": "collection_years",
            "keywords": [
                f"SSDA903 returns for {last - first + 1} collection years",
                f"{first - 1}-{str(first)[-2:]} to {last - 1}-{str(last)[-2:]}",
            ],
        },
        {"id": "caseload_snapshots", "keywords": [f"{len(snapshots)} caseload snapshots"]},
        {
            "id": "snapshot_coverage",
            "keywords": ["cover every quarter end", *span]
            if quarter_ends.isin(snapshots).all()
            else ["miss these quarter ends"],
        },
        {
            "id": "quirks",
            "keywords": ["found 0 errors", "0 warnings"] if clean else ["The most frequent error"],
        },
    ]


def expected_patterns(name: str) -> list[dict]:
    if name == "04_data_quality":
        return data_quality_facts(sample_manifest())
    return [p for p in planted_patterns() if p["area"] in AREAS[name]]


def context_line(notebook: nbformat.NotebookNode) -> str:
    return re.search(r'<p class="report-context">(.*?)</p>', html_of(notebook)).group(1)


# The variant run's checks come first: under xdist, another worker is likely making the default
# run meanwhile (tests/sample_runs.py).


@pytest.mark.slow
@pytest.mark.parametrize("name", REPORTS)
def test_the_context_line_follows_the_period_end_and_comparator(
    variant_sample_run, default_sample_run, name
):
    when = variant_sample_run.outcome.period_end
    before = context_line(default_sample_run.notebook(name))
    after = context_line(variant_sample_run.notebook(name))
    assert f"quarter ending {when.day} {when:%B %Y}" in after
    assert f"quarter ending {when.day} {when:%B %Y}" not in before
    assert "compared with North West" in after and "compared with England" in before
    assert "suppressed (shown as c)" in after and "not suppressed" in before


@pytest.mark.slow
def test_the_overview_scorecard_is_for_the_period_asked_for(variant_sample_run):
    when = variant_sample_run.outcome.period_end
    page = html_of(variant_sample_run.notebook("00_overview"))
    assert f"Headline indicators at {when.day} {when:%B %Y}" in page


@pytest.mark.slow
def test_a_team_caseload_report_shows_that_team_only(variant_sample_run, default_sample_run):
    team, others = variant_sample_run.team, variant_sample_run.other_teams
    page = html_of(variant_sample_run.notebook("01_caseloads"))
    assert team in page
    shown = [t for t in others if re.search(rf"(?<!\w){re.escape(t)}(?!\w)", page)]
    assert shown == []
    # The check can fail: the whole service's report names the other teams.
    assert others and all(t in html_of(default_sample_run.notebook("01_caseloads")) for t in others)


@pytest.mark.slow
@pytest.mark.parametrize("name", REPORTS)
def test_key_messages_name_every_planted_pattern_of_the_reports_area(default_sample_run, name):
    messages = key_messages(default_sample_run.notebook(name))
    assert messages, "the report shows no key messages"
    expected = expected_patterns(name)
    assert expected, f"nothing planted for {name} to find: the check would pass on any report"
    missing = [
        pattern["id"]
        for pattern in expected
        if not any(all(k.lower() in m.lower() for k in pattern["keywords"]) for m in messages)
    ]
    assert missing == [], "\n".join(messages)


def test_the_data_quality_facts_follow_the_manifest():
    # Collection years 2021-2025 are five returns, 2020-21 to 2024-25. Snapshots at 30 June and
    # 31 December 2024 skip 30 September 2024, so the coverage message must name the gap; a
    # messy sample's quirks make errors, so the most frequent one must be named.
    manifest = {
        "first_year": 2021,
        "last_year": 2025,
        "snapshots": ["2024-06-30", "2024-12-31"],
        "messy": True,
        "quirks": [{"kind": "invalid_code"}],
    }
    assert {f["id"]: f["keywords"] for f in data_quality_facts(manifest)} == {
        "collection_years": ["SSDA903 returns for 5 collection years", "2020-21 to 2024-25"],
        "caseload_snapshots": ["2 caseload snapshots"],
        "snapshot_coverage": ["miss these quarter ends"],
        "quirks": ["The most frequent error"],
    }
