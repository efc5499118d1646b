"""Each statement's exact span in its transcript's plain text (no model needed)."""

from __future__ import annotations

import pytest

from qda.conftest import EXAMPLES, REPO
from smgov_nlp.qda.spans import SourceText, locate, same_text, source_text
from smgov_nlp.transcripts.segment import segment_notes


def spans_of(path, statements=None):
    statements = statements if statements is not None else segment_notes(path).statements
    source = source_text(path, [s.text for s in statements])
    return source, statements, locate(source, [(s.text, s.line) for s in statements])


def assert_exact(source, statements, spans):
    assert len(spans) == len(statements)
    for statement, span in zip(statements, spans):
        assert span is not None, f"not found: {statement.text!r}"
        assert same_text(source.text[span[0]:span[1]], statement.text), (source.text[span[0]:span[1]], statement.text)
    ordered = sorted(spans)
    assert all(a[1] <= b[0] for a, b in zip(ordered, ordered[1:])), "spans overlap"


@pytest.mark.parametrize("path", [*EXAMPLES, REPO / "data" / "examples" / "statements.csv"], ids=lambda p: p.name)
def test_every_statement_of_the_examples_has_its_exact_span(path):
    source, statements, spans = spans_of(path)
    assert len(statements) > 20
    assert_exact(source, statements, spans)
    assert "\r" not in source.text and not source.text.startswith("\ufeff")


def test_a_docx_becomes_its_paragraphs_as_lines():
    source = source_text(EXAMPLES[2])
    assert "\n" in source.text and "<w:" not in source.text
    assert len(source.line_starts) > 10


def test_an_export_is_one_statement_per_line():
    source, statements, spans = spans_of(REPO / "data" / "examples" / "statements.csv")
    assert source.text.split("\n") == [" ".join(s.text.split()) for s in statements]
    assert [source.text.count("\n", 0, start) for start, _ in spans] == list(range(len(statements)))


EDGE = (
    "\ufeffTaller\r\n\r\n## Riesgos\r\n\r\n"
    "- Falta presupuesto. Falta presupuesto.\r\n"  # a bullet split into two identical sentences
    "- No hay presupuesto y además el personal está saturado\r\n"  # a run-on line split into clauses
    "* Los perfiles falsos que se hacen pasar por la dependencia\r\n"  # a wrapped line joined
    "  y engañan a la ciudadanía, p. ej. con trámites.\r\n"
    "1. Falta presupuesto.\r\n"  # the same statement again, numbered
    "- Falta presupuesto.\r\n\r\n"
    "## Beneficios\r\n\r\n"
    "- **Cercanía** con la ciudadanía; respuesta rápida.\r\n"
    "\t•   Mayor transparencia;    menos rumores, más confianza.\r\n"
)


def test_edge_cases_bullets_split_sentences_wrapped_lines_and_repeats(tmp_path):
    path = tmp_path / "edge.md"
    path.write_bytes(EDGE.encode("utf-8"))
    source, statements, spans = spans_of(path)
    texts = [s.text for s in statements]
    assert texts.count("Falta presupuesto.") == 4
    assert any(t.endswith("con trámites.") and "\n" not in t for t in texts)  # the wrapped line was joined
    assert_exact(source, statements, spans)
    repeated = [span for statement, span in zip(statements, spans) if statement.text == "Falta presupuesto."]
    assert len(set(repeated)) == 4 and repeated == sorted(repeated)  # each occurrence its own span, in order
    wrapped = spans[texts.index(next(t for t in texts if t.endswith("con trámites.")))]
    assert "\n" in source.text[wrapped[0]:wrapped[1]]  # the span crosses the line break the statement lost
    for statement, (start, _end) in zip(statements, spans):
        assert source.text[start] == statement.text[0]  # the span starts at the statement, after any bullet
    bullets = [source.text[start - 2:start] for start, _ in spans]
    assert {"- ", "* ", ". ", "  "} & set(bullets)


def test_a_statement_found_only_by_its_letters_falls_back_to_them():
    source = SourceText("- Uso **de** redes.\n", {1: 0})
    (span,) = locate(source, [("Uso de redes.", 1)])
    assert source.text[span[0]:span[1]] == "Uso **de** redes"


def test_a_statement_not_in_the_text_has_no_span():
    assert locate(SourceText("uno\ndos\n", {1: 0, 2: 4}), [("tres", 1), ("dos", 2)]) == [None, (4, 7)]
