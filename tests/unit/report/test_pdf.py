"""The PDF output's pieces: the print style, the committee summary, and no Chromium."""

from __future__ import annotations

from csc_metrics.report.pdf import committee_summary_html, print_style, sections, write_pdfs

OVERVIEW = (
    "<html><head><title>x</title></head><body><main>"
    "<h1>Quarterly overview</h1><p>Intro</p>"
    '<h2 id="key-messages">Key messages</h2><ul><li>EET 19-21 fell.</li></ul>'
    '<h2 id="scorecard">Scorecard</h2><table><tr><td>24%</td></tr></table>'
    '<h2 id="against-other-councils">Against other councils</h2><p>Gaps</p>'
    '<h2 id="the-most-pressing-trends">The most pressing trends</h2><figure>chart</figure>'
    "</main></body></html>"
)


def test_the_print_style_asks_for_a4_a_running_head_and_page_numbers():
    style = print_style('Overview · "Our" county', "Produced 7 December 2026")
    assert "size: A4" in style
    assert '@top-left { content: "Overview · \\"Our\\" county"' in style
    assert '@top-right { content: "Produced 7 December 2026"' in style
    assert 'counter(page) " of " counter(pages)' in style
    assert "figure, table, tr, img, svg" in style and "break-inside: avoid" in style


def test_sections_are_taken_by_heading_id_up_to_the_next_heading():
    taken = sections(OVERVIEW, ("key-messages", "the-most-pressing-trends"))
    assert "EET 19-21 fell." in taken and "chart" in taken
    assert "Gaps" not in taken and "24%" not in taken


def test_the_committee_summary_holds_key_messages_scorecard_and_trends():
    page = committee_summary_html(
        OVERVIEW, "Our county (E10000017)", "quarter ending 31 March 2025", "today"
    )
    assert "<h1>Committee summary: quarter ending 31 March 2025</h1>" in page
    for text in ("EET 19-21 fell.", "<td>24%</td>", "chart"):
        assert text in page
    assert "Gaps" not in page


def test_without_chromium_no_pdf_is_written_and_the_message_says_how_to_get_one(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("CSC_METRICS_CHROMIUM", str(tmp_path / "no-such-browser"))
    (tmp_path / "00_overview.html").write_text(OVERVIEW)
    [problem] = write_pdfs(tmp_path, [("00_overview.html", "Overview")], "C", "P", "today")
    assert problem.startswith("--pdf: no Chromium found")
    assert "make browser" in problem and "HTML reports are published" in problem
    assert not (tmp_path / "pdf").exists()
