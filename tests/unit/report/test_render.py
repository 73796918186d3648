"""Manager-facing HTML: no code, no errors, no scripts, headings in order, key messages found."""

from __future__ import annotations

import copy
import re

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from csc_metrics.report.execute import cell_summary as summarise_cell
from csc_metrics.report.execute import clean_message, source_cell_number
from csc_metrics.report.render import (
    KEY_MESSAGES_MIMETYPE,
    MISSING_ALT,
    PageContext,
    collect_key_messages,
    manager_view,
    normalise_headings,
    render_report,
    report_title,
)

CONTEXT = PageContext(
    title="Caseloads",
    council="Sample county (E10000017)",
    period_label="quarter ending 31 March 2025",
)


def tagged(cell, *tags):
    cell.metadata["tags"] = list(tags)
    return cell


def executed_notebook():
    """Cells as papermill leaves them: parameters, injected parameters, outputs of every kind."""
    outputs = [
        new_output("stream", name="stdout", text="visible text\n"),
        new_output("stream", name="stderr", text="FutureWarning: only for analysts\n"),
        new_output("execute_result", data={"text/plain": "<Figure size 640x480 with 1 Axes>"}),
        new_output(
            "display_data",
            data={
                KEY_MESSAGES_MIMETYPE: {"title": "Caseloads", "messages": ["Caseloads fell."]},
                "text/html": "<ul><li>Caseloads fell.</li></ul>",
            },
        ),
        new_output("error", ename="KeyError", evalue="'team'", traceback=["Traceback..."]),
    ]
    return new_notebook(
        cells=[
            new_markdown_cell("# Caseloads by team\n\nIntro."),
            tagged(new_code_cell("period_end = None"), "parameters"),
            tagged(new_code_cell('period_end = "2025-03-31"'), "injected-parameters"),
            new_code_cell("show()", outputs=outputs),
        ]
    )


def test_source_cell_numbers_skip_papermills_injected_cell():
    # Source: markdown (1), parameters (2), code (3). Executed: injected cell at index 2.
    assert source_cell_number(0, injected_index=2) == 1
    assert source_cell_number(3, injected_index=2) == 3  # the code cell after the injected one
    assert source_cell_number(2, injected_index=2) == 2  # a bad parameter: the parameters cell


def test_cell_summary_prefers_the_papermill_description():
    assert summarise_cell("#papermill_description=load_data\nx = 1") == "load_data"
    assert summarise_cell("# comment\n\nresult = compute(x)") == "result = compute(x)"


def test_error_messages_lose_terminal_colours_and_are_shortened():
    assert clean_message("\x1b[0;31mKeyError\x1b[0m:  'x'\n  more") == "KeyError: 'x' more"
    assert len(clean_message("x" * 1000)) == 300


def test_manager_view_drops_parameters_errors_warnings_and_reprs():
    view, _ = manager_view(executed_notebook())
    assert [c.cell_type for c in view.cells] == ["markdown", "code"]
    kinds = [(o.output_type, o.get("name")) for o in view.cells[1].outputs]
    assert kinds == [("stream", "stdout"), ("display_data", None)]


def test_manager_view_drops_cells_papermill_never_reached():
    notebook = new_notebook(cells=[new_markdown_cell("# Done"), new_markdown_cell("## Not run")])
    notebook.cells[1].metadata["papermill"] = {"status": "pending"}
    view, _ = manager_view(notebook)
    assert [c.source for c in view.cells] == ["# Done"]


def test_a_chart_without_alt_text_gets_a_plain_one_and_a_warning():
    chart = new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Fig>"})
    notebook = new_notebook(cells=[new_code_cell("plt.show()", outputs=[chart])])
    rendered = render_report(notebook, CONTEXT)
    assert f'alt="{MISSING_ALT}"' in rendered.html
    assert rendered.warnings == ["a chart near cell 1 has no alt text (use display.show_figure)"]


def test_the_title_is_the_first_markdown_heading_in_plain_text():
    notebook = new_notebook(cells=[new_markdown_cell("Intro\n\n## **Care** [leavers](x.html)")])
    assert report_title(notebook, "02_care_leavers") == "Care leavers"


def test_without_a_heading_the_title_comes_from_the_file_name():
    assert report_title(new_notebook(), "03_placements") == "Placements"


def test_key_messages_are_collected_from_their_bundle():
    messages = collect_key_messages(executed_notebook(), "Default")
    assert [(m.title, m.messages) for m in messages] == [("Caseloads", ("Caseloads fell.",))]


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<h2>A</h2><h4>B</h4>", "<h1>A</h1><h2>B</h2>"),
        ("<h1>A</h1><h1>B</h1><h3>C</h3>", "<h1>A</h1><h2>B</h2><h3>C</h3>"),
        ('<h1>A</h1><h5 id="x">B</h5><h2>C</h2>', '<h1>A</h1><h2 id="x">B</h2><h2>C</h2>'),
    ],
)
def test_headings_start_at_h1_and_never_skip_a_level(html, expected):
    assert normalise_headings(html) == expected


def test_rendering_leaves_the_executed_notebook_as_it_was():
    notebook = executed_notebook()
    before = copy.deepcopy(notebook)
    manager_view(notebook)
    render_report(notebook, CONTEXT)
    assert notebook == before


@pytest.fixture(scope="module")
def rendered():
    return render_report(executed_notebook(), CONTEXT)


def test_the_report_hides_code_and_errors(rendered):
    assert "show()" not in rendered.html
    assert "KeyError" not in rendered.html
    assert "FutureWarning" not in rendered.html
    assert "visible text" in rendered.html


def test_the_report_is_self_contained_and_has_no_scripts(rendered):
    html = rendered.html.lower()
    assert "<script" not in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)
    assert "@font-face" not in html and "<link" not in html
    assert "mathjax" not in html and "require.js" not in html


def test_the_report_has_the_accessible_page_structure(rendered):
    html = rendered.html
    assert '<html lang="en">' in html
    title = "Caseloads - Sample county (E10000017) - quarter ending 31 March 2025"
    assert f"<title>{title}</title>" in html
    assert '<a class="skip-link" href="#main-content">' in html
    assert '<main id="main-content"' in html
    assert re.findall(r"<h(\d)", html) == ["1"]
