"""Items and sentences: bullets, numbering, continuation lines, and the sentence split."""

from __future__ import annotations

from smgov_nlp.transcripts.headings import Heading
from smgov_nlp.transcripts.items import Item, item_statements, items, sentencizer, split_sentences
from smgov_nlp.transcripts.markup import Line


def lines(text: str) -> list[Line]:
    return [Line(line, number) for number, line in enumerate(text.split("\n"), start=1)]


def test_items_bullets_numbers_and_continuations():
    text = ("- Falta de personal\n"
            "  capacitado en redes\n"
            "- Críticas de los ciudadanos\n"
            "sobre todo en fines de semana\n"
            "2) Mayor cercanía\n"
            "Línea simple\n"
            "otra línea simple\n"
            "\n"
            "    sangrada tras un blanco")
    assert [(item.parts, item.marked) for item in items(lines(text))] == [
        ([("Falta de personal", 1), ("capacitado en redes", 2)], True),
        ([("Críticas de los ciudadanos", 3), ("sobre todo en fines de semana", 4)], True),
        ([("Mayor cercanía", 5)], True),
        ([("Línea simple", 6)], False),
        ([("otra línea simple", 7)], False),  # plain lines are one item each
        ([("sangrada tras un blanco", 9)], False),
    ]


def test_a_new_docx_paragraph_never_continues_an_item():
    parts = [Line("- Primero", 1), Line("  en la misma viñeta", 2, joinable=False)]
    assert len(list(items(parts))) == 2


def test_split_sentences_keeps_abbreviations():
    assert [s for _, s in split_sentences("Use tools i.e. dashboards, etc. are needed. Yes!", "en")] == [
        "Use tools i.e. dashboards, etc. are needed.", "Yes!"]
    assert [s for _, s in split_sentences("Facebook, Twitter, etc. Otra idea.", "es")] == [
        "Facebook, Twitter, etc.", "Otra idea."]
    assert split_sentences("Una sola frase", "es") == [(0, "Una sola frase")]
    assert split_sentences("   ", "es") == []


def test_split_sentences_keeps_lower_case_and_bare_pieces_with_the_sentence_before():
    assert split_sentences("No hay protocolo. sobre todo en fines de semana. Otra idea.", "es") == [
        (0, "No hay protocolo. sobre todo en fines de semana."), (49, "Otra idea.")]
    assert split_sentences("Costo alto. !!! Otra idea.", "es") == [(0, "Costo alto. !!!"), (16, "Otra idea.")]


def test_sentencizer_is_built_once_per_language():
    assert sentencizer("es") is sentencizer("es")
    assert sentencizer("en") is sentencizer("und")  # anything but Spanish uses the English rules
    assert sentencizer("es").lang == "es" and sentencizer("en").lang == "en"


def test_item_statements_keep_the_line_of_each_sentence():
    item = Item([("Falta de personal capacitado.", 4), ("Nadie tomó un curso sobre redes.", 5)], marked=True)
    statements = list(item_statements(item, Heading("Riesgos", "risk", None), "notas.txt", "2"))
    assert [(s.line, s.text, s.type, s.section, s.group, s.lang) for s in statements] == [
        (4, "Falta de personal capacitado.", "risk", "Riesgos", "2", "es"),
        (5, "Nadie tomó un curso sobre redes.", "risk", "Riesgos", "2", "es"),
    ]
    assert list(item_statements(Item([("-- ...", 1)]), None, "notas.txt", "2")) == []
