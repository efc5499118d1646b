"""The paper-style tables: labels, layer order, Markdown, HTML and the workbook."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from smgov_nlp.labels import LAYER_TITLES, LAYERS, TYPE_TITLES
from smgov_nlp.workflows.precode import IDEA_COLUMNS
from smgov_nlp.workflows.tables import (
    COUNT_NOTES,
    MARKS_NOTE,
    Provenance,
    idea_label,
    layered,
    to_html,
    to_markdown,
    to_xlsx,
    write_tables,
)


def ideas_frame(rows: list[tuple[str, str, int, str]], reviewed: bool = True) -> pd.DataFrame:
    """An ideas.csv-like frame from (type, layer, mentions, idea_text); one group per idea."""
    records = [{"idea_id": f"I{k:04d}", "type": t, "layer": layer, "mentions": count, "groups": 1, "idea_text": text,
                "member_ids": "", "languages": "es", "reviewed": reviewed, "idea_needs_review": False,
                "weakest_member": ""}
               for k, (t, layer, count, text) in enumerate(rows, start=1)]
    return pd.DataFrame(records, columns=IDEA_COLUMNS)


@pytest.fixture
def tiny() -> pd.DataFrame:
    return ideas_frame([
        ("risk", "institutional_framework", 1, "Hackeo del portal"),
        ("risk", "institutional_framework", 4, "Identity theft"),
        ("risk", "general_context", 2, "Offensive comments"),
        ("risk", "institutional_framework", 2, "No regulation"),
        ("risk", "institutional_framework", 2, "Missing law"),
        ("strategy", "technology", 1, "Buy | rent servers"),
    ])


def test_idea_label():
    assert idea_label("Identity theft", 4) == "Identity theft (4)"
    assert idea_label("Identity theft", 2) == "Identity theft (2)"
    assert idea_label("Identity theft", 1) == "Identity theft"
    assert idea_label("Identity theft", 4, reviewed=False) == "Identity theft (4) †"
    assert idea_label("Identity theft", 1, reviewed=False, needs_review=True) == "Identity theft †‡"
    assert idea_label("Identity theft", 2, needs_review=True) == "Identity theft (2) ‡"


def test_layered_counts_mentions_or_groups_and_marks_unreviewed_and_far_apart_ideas():
    ideas = ideas_frame([("risk", "technology", 3, "Hackeo"), ("risk", "technology", 2, "Phishing")], reviewed=False)
    ideas.loc[0, "groups"] = 1
    ideas.loc[1, "groups"] = 2
    ideas.loc[1, "idea_needs_review"] = True
    assert layered(ideas, "risk")["technology"] == ["Hackeo (3) †", "Phishing (2) †‡"]
    assert layered(ideas, "risk", count="groups")["technology"] == ["Phishing (2) †‡", "Hackeo †"]


def test_layered_orders_layers_by_framework_and_ideas_by_count_then_text(tiny):
    risks = layered(tiny, "risk")
    assert list(risks) == list(LAYERS)
    assert risks == {
        "general_context": ["Offensive comments (2)"],
        "institutional_framework": ["Identity theft (4)", "Missing law (2)", "No regulation (2)", "Hackeo del portal"],
        "interorganizational_collaboration": [],
        "organizational_structure_processes": [],
        "information_data": [],
        "technology": [],
    }
    assert layered(tiny, "benefit") == {layer: [] for layer in LAYERS}


def test_to_markdown_of_a_tiny_frame(tiny):
    assert to_markdown(tiny) == "\n".join([
        "# Consolidated findings",
        "",
        f"- {COUNT_NOTES['mentions']}",
        f"- {MARKS_NOTE}",
        "",
        "## Table 1. Perceived risks",
        "",
        "| Layer | Ideas |",
        "|---|---|",
        "| 1. General context | • Offensive comments (2) |",
        "| 2. Institutional framework | • Identity theft (4)<br>• Missing law (2)<br>• No regulation (2)"
        "<br>• Hackeo del portal |",
        "| 3. Interorganizational collaboration and networks | — |",
        "| 4. Organizational structure and processes | — |",
        "| 5. Information and data | — |",
        "| 6. Technology | — |",
        "",
        "## Table 2. Perceived benefits",
        "",
        "| Layer | Ideas |",
        "|---|---|",
        "| 1. General context | — |",
        "| 2. Institutional framework | — |",
        "| 3. Interorganizational collaboration and networks | — |",
        "| 4. Organizational structure and processes | — |",
        "| 5. Information and data | — |",
        "| 6. Technology | — |",
        "",
        "## Table 3. Strategic components",
        "",
        "| Layer | Ideas |",
        "|---|---|",
        "| 1. General context | — |",
        "| 2. Institutional framework | — |",
        "| 3. Interorganizational collaboration and networks | — |",
        "| 4. Organizational structure and processes | — |",
        "| 5. Information and data | — |",
        "| 6. Technology | • Buy \\| rent servers |",
        "",
    ])


def test_to_markdown_keeps_a_multiline_idea_on_its_row():
    markdown = to_markdown(ideas_frame([("benefit", "technology", 3, "Free\ntools")]))
    assert "| 6. Technology | • Free tools (3) |" in markdown.splitlines()


def test_to_html_escapes_and_lists(tiny):
    page = to_html(ideas_frame([("benefit", "information_data", 2, "<b>Open</b> data & more")]))
    assert "<li>&lt;b&gt;Open&lt;/b&gt; data &amp; more (2)</li>" in page
    assert "<b>Open</b>" not in page
    full = to_html(tiny)
    headings = [line for line in full.splitlines() if line.startswith("<section><h2>")]
    assert headings == ["<section><h2>Table 1. Perceived risks</h2>", "<section><h2>Table 2. Perceived benefits</h2>",
                        "<section><h2>Table 3. Strategic components</h2>"]
    assert ('<tr><td class="layer">2. Institutional framework</td><td><ul><li>Identity theft (4)</li>'
            "<li>Missing law (2)</li><li>No regulation (2)</li><li>Hackeo del portal</li></ul></td></tr>") in full
    assert full.count("<td>—</td>") == 4 + 6 + 5


INFO = Provenance(statements=89, reviewed=7, model_version="default@0123456789ab", date="2023-11-14")


def test_tables_carry_a_header_with_counts_coding_model_and_date(tiny):
    markdown = to_markdown(tiny, INFO)
    header = markdown.split("## Table 1")[0]
    assert "Numbers in parentheses count mentions" in header
    assert "89 statements: 82 coded by the model only, 7 reviewed by people" in header
    assert "Model default@0123456789ab; tables written 2023-11-14." in header
    assert "† no statement of this idea has been reviewed by a person" in header
    assert "‡ two of its statements are less similar than the merging threshold" in header
    groups = to_markdown(tiny, Provenance(89, 7, "m@1", "2023-11-14", count="groups"))
    assert "Numbers in parentheses count groups" in groups and "count mentions" not in groups


def test_html_has_the_note_the_header_and_a_print_stylesheet(tiny):
    page = to_html(tiny, INFO)
    body = page.split("<h2>")[0]
    assert '<ul class="note">' in body
    assert "Numbers in parentheses count mentions" in body
    assert "89 statements: 82 coded by the model only, 7 reviewed by people" in body
    assert "Model default@0123456789ab; tables written 2023-11-14." in body
    assert "† no statement of this idea" in body and "‡ two of its statements" in body
    style = page[page.index("<style>"):page.index("</style>")]
    assert "@media print" in style
    printed = style[style.index("@media print"):]
    assert "background:none" in printed  # no grey header cells or backgrounds on paper
    assert "break-before:page" in printed  # one table per page
    assert "max-width:none" in printed  # the page width, not the screen's 72em
    assert page.count("<section>") == 3 and page.count("<thead>") == 3  # header rows repeat across pages


def test_to_xlsx_has_one_sheet_per_type_and_the_ideas(tiny, tmp_path):
    path = tmp_path / "tables.xlsx"
    to_xlsx(tiny, path)
    book = load_workbook(path)
    assert book.sheetnames == [TYPE_TITLES["risk"], TYPE_TITLES["benefit"], TYPE_TITLES["strategy"], "ideas"]
    rows = list(book[TYPE_TITLES["risk"]].iter_rows(values_only=True))
    framework = LAYER_TITLES["institutional_framework"]
    head = ("Layer", "Idea", "Mentions", "Groups", "Reviewed by a person", "Check merge")
    assert rows == [
        head,
        (LAYER_TITLES["general_context"], "Offensive comments", 2, 1, "yes", "no"),
        (framework, "Identity theft", 4, 1, "yes", "no"),
        (framework, "Missing law", 2, 1, "yes", "no"),
        (framework, "No regulation", 2, 1, "yes", "no"),
        (framework, "Hackeo del portal", 1, 1, "yes", "no"),
    ]
    assert list(book[TYPE_TITLES["benefit"]].iter_rows(values_only=True)) == [head]
    ideas = list(book["ideas"].iter_rows(values_only=True))
    assert ideas[0] == tuple(IDEA_COLUMNS)
    assert ideas[2] == ("I0002", "risk", "institutional_framework", 4, 1, "Identity theft", None, "es", True, False,
                        None)
    assert len(ideas) == 1 + len(tiny)


def test_to_xlsx_never_writes_a_formula(tmp_path):
    path = tmp_path / "tables.xlsx"
    to_xlsx(ideas_frame([("risk", "technology", 2, "=HYPERLINK(\"http://x\")")]), path)
    cell = load_workbook(path)[TYPE_TITLES["risk"]]["B2"]
    assert cell.data_type == "s"


def test_to_xlsx_keeps_formula_like_text_unchanged(tmp_path):
    path = tmp_path / "tables.xlsx"
    to_xlsx(ideas_frame([("risk", "technology", 2, "=1+1 is not a risk")]), path)
    book = load_workbook(path)
    assert book[TYPE_TITLES["risk"]]["B2"].value == "=1+1 is not a risk"
    assert book["ideas"]["F2"].value == "=1+1 is not a risk"


def test_write_tables_writes_the_three_files(tiny, tmp_path):
    write_tables(tiny, tmp_path, INFO)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tables.html", "tables.md", "tables.xlsx"]
    assert (tmp_path / "tables.md").read_text(encoding="utf-8") == to_markdown(tiny, INFO)
    assert (tmp_path / "tables.html").read_text(encoding="utf-8") == to_html(tiny, INFO)
