"""Section headings: which lines open a section, the type they name, levels, and the title line."""

from __future__ import annotations

import pytest

from smgov_nlp.transcripts.headings import Heading, heading_of, is_title, nest, section_type, unknown_heading
from smgov_nlp.transcripts.markup import Line
from smgov_nlp.transcripts.segment import segment_text


def test_heading_shapes_map_to_types():
    cases = {
        "Riesgos percibidos": "risk",
        "¿Cuáles son los principales riesgos?": "risk",
        "Desventajas": "risk",
        "Amenazas": "risk",
        "Challenges": "risk",
        "Oportunidades": "benefit",
        "ADVANTAGES": "benefit",
        "Lineamientos estratégicos": "strategy",
        "Propuestas": "strategy",
        "Strategic guidelines": "strategy",
        "Recommendations": "strategy",
        "Estrategias para reducir riesgos": "strategy",
        "Otros comentarios": None,
        "risk": "risk",
    }
    assert {h: section_type(h) for h in cases} == cases
    for line, expected in [("## Riesgos", "risk"), ("I. Beneficios", "benefit"), ("A) Acciones", "strategy"),
                           ("**Riesgos:**", "risk"), ("Pregunta 3: ¿Qué recomendaciones darían?", "strategy"),
                           ("Amenazas\n=======", "risk")]:
        statements = segment_text(f"{line}\n- algo concreto\n")
        assert [(s.type, s.line) for s in statements] == [(expected, 2 if "=" not in line else 3)], line


def test_heading_of_single_lines():
    assert heading_of(Line("## Benefits", 1)) == Heading("Benefits", "benefit", 2)
    assert heading_of(Line("**Otros comentarios**", 1)) == Heading("Otros comentarios", None, None)
    assert heading_of(Line("Otros comentarios:", 1)) is None  # plain and untyped: see unknown_heading
    assert heading_of(Line("Riesgos", 1, style="Heading 2")) == Heading("Riesgos", "risk", 2)
    assert heading_of(Line("Riesgos: falta de personal", 1)) is None  # a labelled statement
    assert heading_of(Line("- Riesgos:", 1)) == Heading("Riesgos", "risk", None)
    assert heading_of(Line("Fecha:", 1)) is None  # metadata, not an untyped heading
    assert heading_of(Line("---", 1)) is None


def test_long_bullet_mentioning_risks_is_not_a_heading():
    notes = (
        "## Benefits\n"
        "- The team discussed several risks of using social media, but agreed benefits are larger\n"
        "- Risks\n"
        "- Hackers may take over an account and that is a serious risk\n"
    )
    statements = segment_text(notes)
    assert [(s.type, s.section, s.text) for s in statements] == [
        ("benefit", "Benefits",
         "The team discussed several risks of using social media, but agreed benefits are larger"),
        ("risk", "Risks", "Hackers may take over an account and that is a serious risk"),
    ]


def test_numbered_item_mentioning_risk_stays_an_item():
    notes = "Riesgos\n1. Riesgo de hackeo de cuentas oficiales\n2. Pérdida de confianza\n"
    statements = segment_text(notes)
    assert [(s.line, s.type, s.text) for s in statements] == [
        (2, "risk", "Riesgo de hackeo de cuentas oficiales"),
        (3, "risk", "Pérdida de confianza"),
    ]


def test_sub_heading_inherits_type_of_its_section():
    notes = "## Riesgos\n### Tecnología\n- Caídas del servicio\n### Datos\n- Fugas\n## Notas\n- Nada\n"
    assert [(s.type, s.section, s.text) for s in segment_text(notes)] == [
        ("risk", "Tecnología", "Caídas del servicio"), ("risk", "Datos", "Fugas"), (None, "Notas", "Nada")]


def test_nest_tracks_levels():
    open_headings: list[Heading] = []
    assert nest(Heading("Riesgos", "risk", 2), open_headings).type == "risk"
    assert nest(Heading("Tecnología", None, 3), open_headings) == Heading("Tecnología", "risk", 3)
    assert nest(Heading("Notas", None, 2), open_headings).type is None
    assert nest(Heading("Ventajas:", "benefit", None), open_headings).type == "benefit"
    assert open_headings == []


def test_title_line():
    assert is_title(Line("# Workshop notes", 1), None)
    assert is_title(Line("Relatoría", 1, style="Title"), None)
    assert is_title(Line("Taller: Redes sociales en el gobierno", 1), None)
    assert is_title(Line("Comunicación digital", 1), Line("Fecha: 3 de mayo", 2))
    assert not is_title(Line("Riesgos", 1), Line("Fecha: 3 de mayo", 2))  # only the keyword: a heading
    assert not is_title(Line("¿Qué riesgos ven?", 1), None)
    assert not is_title(Line("- Taller de redes", 1), None)


BULLET, BLANK, PLAIN = Line("- una viñeta", 1), Line("", 1), Line("Una línea de texto sin viñeta", 1)


@pytest.mark.parametrize(("text", "before", "after", "expected"), [
    # a short line ending in ":" is a heading wherever it stands
    ("Otros comentarios:", BULLET, BULLET, "Otros comentarios"),
    ("Comentarios finales de la mesa:", PLAIN, PLAIN, "Comentarios finales de la mesa"),  # 5 words
    ("Other comments from the group:", BLANK, None, "Other comments from the group"),
    ("Comentarios finales y generales de la mesa:", BLANK, BULLET, None),  # 7 words: too long
    ("Hay dos temas. Los siguientes:", BLANK, BULLET, None),  # a sentence ends inside
    ("Fecha:", BLANK, BULLET, None),  # metadata
    ("- Otros comentarios:", BULLET, BULLET, None),  # a bullet
    ("3. Other comments:", BLANK, BULLET, None),  # a numbered item
    # a short line standing alone: after a blank line or a bullet, before a bullet
    ("Otros comentarios", BULLET, BULLET, "Otros comentarios"),
    ("Other comments", BLANK, Line("1. an item", 3), "Other comments"),
    ("¿Algo más?", BLANK, Line("x", 3, list_item=True), "¿Algo más?"),  # before a .docx list paragraph
    ("Otros comentarios", PLAIN, BULLET, None),  # under a plain line: part of a paragraph
    ("Otros comentarios", BULLET, PLAIN, None),  # not followed by a bullet
    ("Other comments", BULLET, None, None),  # the last line
    ("Falta de presupuesto.", BLANK, BULLET, None),  # a sentence
    ("Lack of budget, staff", BLANK, BULLET, "Lack of budget, staff"),  # a comma inside is fine
    ("Lack of budget and staff;", BLANK, BULLET, None),  # ends like a fragment
    ("falta de presupuesto", BLANK, BULLET, None),  # starts in lower case
    ("No hay presupuesto para capacitar al personal", BLANK, BULLET, None),  # 8 words
    ("Asistentes", BLANK, BULLET, None),  # the label of a metadata block ("Asistentes:")
    ("Participants", BLANK, BULLET, None),
    ("  Otros comentarios", BULLET, BULLET, None),  # indented: continues the bullet above
])
def test_unknown_heading_edge_cases(text, before, after, expected):
    found = unknown_heading(Line(text, 2), before, after)
    assert found == (Heading(expected, None, None) if expected else None)


def test_unknown_headings_open_untyped_sections_after_the_first_heading():
    notes = ("Taller de redes\nFecha: 3 de mayo\n\nAsistentes de la mesa\n- Ana López\n- Juan Pérez\n\n"
             "Estrategias\n- Capacitar al personal\n"
             "Otros comentarios\n- El portal es lento\n\n"
             "Comments from the group:\nStaff need more time\n")
    assert [(s.line, s.type, s.section, s.text) for s in segment_text(notes)] == [
        (9, "strategy", "Estrategias", "Capacitar al personal"),
        (11, None, "Otros comentarios", "El portal es lento"),
        (14, None, "Comments from the group", "Staff need more time"),
    ]
    # in a file without other headings they still open sections, and the preamble is only metadata
    assert [(s.section, s.text) for s in segment_text("- Uno dos\n\nOther comments\n- Three four\n")] == [
        ("", "Uno dos"), ("Other comments", "Three four")]
