"""The paper-style tables: labels, layer order, Markdown, HTML and the workbook."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from smgov_nlp.labels import LAYER_TITLES, LAYERS, TYPE_TITLES
from smgov_nlp.workflows.precode import IDEA_COLUMNS
from smgov_nlp.workflows.tables import idea_label, layered, to_html, to_markdown, to_xlsx, write_tables


def ideas_frame(rows: list[tuple[str, str, int, str]]) -> pd.DataFrame:
    """An ideas.csv-like frame from (type, layer, count, idea_text)."""
    records = [{"idea_id": f"I{k:04d}", "type": t, "layer": layer, "count": count, "idea_text": text,
                "member_ids": "", "languages": "es"} for k, (t, layer, count, text) in enumerate(rows, start=1)]
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
        "Ideas merged across groups and languages; numbers in parentheses count how often an idea came up.",
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
    headings = [line for line in full.splitlines() if line.startswith("<h2>")]
    assert headings == ["<h2>Table 1. Perceived risks</h2>", "<h2>Table 2. Perceived benefits</h2>",
                        "<h2>Table 3. Strategic components</h2>"]
    assert ("<tr><td>2. Institutional framework</td><td><ul><li>Identity theft (4)</li><li>Missing law (2)</li>"
            "<li>No regulation (2)</li><li>Hackeo del portal</li></ul></td></tr>") in full
    assert full.count("<td>—</td>") == 4 + 6 + 5


def test_to_xlsx_has_one_sheet_per_type_and_the_ideas(tiny, tmp_path):
    path = tmp_path / "tables.xlsx"
    to_xlsx(tiny, path)
    book = load_workbook(path)
    assert book.sheetnames == [TYPE_TITLES["risk"], TYPE_TITLES["benefit"], TYPE_TITLES["strategy"], "ideas"]
    rows = list(book[TYPE_TITLES["risk"]].iter_rows(values_only=True))
    framework = LAYER_TITLES["institutional_framework"]
    assert rows == [
        ("Layer", "Idea", "Count"),
        (LAYER_TITLES["general_context"], "Offensive comments", 2),
        (framework, "Identity theft", 4),
        (framework, "Missing law", 2),
        (framework, "No regulation", 2),
        (framework, "Hackeo del portal", 1),
    ]
    assert list(book[TYPE_TITLES["benefit"]].iter_rows(values_only=True)) == [("Layer", "Idea", "Count")]
    ideas = list(book["ideas"].iter_rows(values_only=True))
    assert ideas[0] == tuple(IDEA_COLUMNS)
    assert ideas[2] == ("I0002", "risk", "institutional_framework", 4, "Identity theft", None, "es")
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
    assert book["ideas"]["E2"].value == "=1+1 is not a risk"


def test_write_tables_writes_the_three_files(tiny, tmp_path):
    write_tables(tiny, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tables.html", "tables.md", "tables.xlsx"]
    assert (tmp_path / "tables.md").read_text(encoding="utf-8") == to_markdown(tiny)
    assert (tmp_path / "tables.html").read_text(encoding="utf-8") == to_html(tiny)
